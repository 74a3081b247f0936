//! Signing an audit record as a whole, with the checks that come first: certifying a record as
//! it is exported, and adding an approver's signature to one that verifies. The command line
//! and the app both call these.

use std::path::Path;

use super::sign::{CmsSigner, PdfSignRequest};
use super::{CERTIFICATION_FIELD, Embedded, PageCheck, PdfError, Record, SignatureRevisions, role_field_name};
use crate::model::{Run, Timestamp};
use crate::signoff::{Report, UnlockedKey};

/// The key's CMS signatures, for the PDF signer.
struct KeySigner<'a>(&'a UnlockedKey);

impl CmsSigner for KeySigner<'_> {
    fn sign_cms(&self, digest: &[u8; 32]) -> Result<Vec<u8>, String> {
        self.0.sign_cms(digest).map_err(|err| err.to_string())
    }
}

/// An audit record read back and checked as `preflight verify` checks it.
pub struct CheckedRecord {
    pub embedded: Embedded,
    pub run: Run,
    pub report: Report,
    pub pages: PageCheck,
    pub signatures: SignatureRevisions,
}

impl CheckedRecord {
    /// Reads the run attached to `pdf` and checks the run, the printed hashes, the pages and
    /// every PDF signature.
    pub fn check(pdf: &[u8]) -> Result<CheckedRecord, PdfError> {
        let embedded = super::extract(pdf)?;
        let text = std::str::from_utf8(&embedded.run_file).map_err(|_| PdfError::BadAttachment("it is not text".into()))?;
        let run = crate::store::parse_run(Path::new(&embedded.file_name), text).map_err(|err| PdfError::BadAttachment(err.to_string()))?;
        let report = crate::signoff::verify(&run);
        let record = Record { run: &run, report: &report, run_file: &embedded.run_file };
        let signatures = super::check_signatures(pdf)?;
        let pages = super::compare::check_pages_after(pdf, &record, &signatures)?;
        Ok(CheckedRecord { embedded, run, report, pages, signatures })
    }

    /// Why the record may not be signed further: the run does not verify, the printed hashes
    /// or the pages disagree with it, or an earlier PDF signature does not hold.
    pub fn refusals(&self) -> Vec<String> {
        let mut refusals = self.embedded.mismatches(&self.run);
        if !self.report.is_valid() {
            refusals.push("the attached run does not verify".into());
        }
        refusals.extend(self.pages.problems.iter().cloned());
        refusals.extend(
            self.signatures
                .signatures
                .iter()
                .filter_map(|s| s.check.as_ref().err().map(|reason| format!("the PDF signature in \"{}\" does not hold: {reason}", s.label))),
        );
        refusals
    }
}

/// The roles (id, title) whose current, valid signature in the run was made with this public
/// key (hex).
pub fn roles_signed_with(run: &Run, public_key: &str) -> Vec<(String, String)> {
    let current = run.content_sha256();
    run.roles()
        .into_iter()
        .filter(|role| {
            run.role_signature_against(&role.id, &current)
                .is_some_and(|(_, signature, status)| status.is_valid() && signature.key.as_ref().is_some_and(|key| key.public_key == public_key))
        })
        .map(|role| (role.id, role.title))
        .collect()
}

/// The titles of roles as [`roles_signed_with`] gives them, for a message: "QA Lead, Approver",
/// or "none".
pub fn role_titles(roles: &[(String, String)]) -> String {
    if roles.is_empty() {
        return "none".into();
    }
    roles.iter().map(|(_, title)| title.as_str()).collect::<Vec<_>>().join(", ")
}

fn signer_name(key: &UnlockedKey) -> Result<String, PdfError> {
    key.certificate().map(|certificate| certificate.name).ok_or_else(|| {
        PdfError::Sign(format!("the key of {} has no certificate (an older Ed25519 key); make a new key with `preflight keygen`", key.info.name))
    })
}

/// Certifies a freshly rendered record of `run` with `key`: its first PDF signature, which
/// allows later approvals and nothing else.
pub fn certify(pdf: &[u8], run: &Run, key: &UnlockedKey, at: Timestamp) -> Result<Vec<u8>, PdfError> {
    let verdict = if run.verdict().is_go() { "GO" } else { "NO-GO" };
    let request = PdfSignRequest {
        field: CERTIFICATION_FIELD.to_string(),
        certify: true,
        name: signer_name(key)?,
        reason: format!("Audit record of run {} ({verdict}), certified by its exporter", run.id),
        at,
        fingerprint: key.info.fingerprint(),
    };
    super::sign(pdf, &request, &KeySigner(key))
}

/// A record with one more approval.
pub struct Countersigned {
    pub bytes: Vec<u8>,
    /// The signer, as their certificate names them.
    pub signer: String,
    pub role_title: String,
}

/// Adds `key`'s approval to a checked record, in the field of the role that key signed in the
/// attached run (`role` chooses when it signed several). Refused when the record has
/// [`CheckedRecord::refusals`], and when the key signed no role.
pub fn countersign(pdf: &[u8], checked: &CheckedRecord, key: &UnlockedKey, role: Option<&str>, at: Timestamp) -> Result<Countersigned, PdfError> {
    let refusals = checked.refusals();
    if !refusals.is_empty() {
        return Err(PdfError::Altered(refusals));
    }
    let signer = signer_name(key)?;
    let run = &checked.run;
    let roles = roles_signed_with(run, &key.info.public_key);
    let (role_id, role_title) = match (role, roles.as_slice()) {
        (Some(wanted), _) => roles.iter().find(|(id, title)| id == wanted || title.eq_ignore_ascii_case(wanted)).cloned().ok_or_else(|| {
            PdfError::Sign(format!("the key of {} did not sign the role \"{wanted}\" in this run; it signed {}", key.info.name, role_titles(&roles)))
        })?,
        (None, [one]) => one.clone(),
        (None, []) => {
            return Err(PdfError::Sign(format!(
                "the key of {} signed no role of this run; a PDF approval must match a signature in the record: sign the run with \
                 this key, export it again, then countersign",
                key.info.name
            )));
        }
        (None, many) => {
            return Err(PdfError::Sign(format!("the key of {} signed {} roles ({}); say which role", key.info.name, many.len(), role_titles(many))));
        }
    };
    let meaning = run.role_signature(&role_id).map(|(_, signature, _)| signature.meaning.clone());
    let request = PdfSignRequest {
        field: role_field_name(&role_id),
        certify: false,
        name: signer.clone(),
        reason: meaning.unwrap_or_else(|| format!("Approval: {role_title}")),
        at,
        fingerprint: key.info.fingerprint(),
    };
    let bytes = super::sign(pdf, &request, &KeySigner(key))?;
    Ok(Countersigned { bytes, signer, role_title })
}
