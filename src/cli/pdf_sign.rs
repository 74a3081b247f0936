//! PDF signatures on the command line: certifying a record as it is exported
//! (`preflight export --key`), adding an approver's signature (`preflight countersign`), and the
//! lines `preflight verify` prints about each PDF signature.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::model::{Run, Timestamp};
use crate::pdf::{CheckedRecord, PdfSignature, SignatureRevisions, role_titles, roles_signed_with};
use crate::signoff::{KeyStore, UnlockedKey};
use crate::store;

use super::EXIT_CHECK_FAILED;

/// Reads an audit PDF whole, refusing one too large to be a record before reading it.
pub(super) fn read_pdf(path: &Path) -> anyhow::Result<Vec<u8>> {
    store::read_pdf(path).map_err(anyhow::Error::msg)
}

/// Reads a passphrase: one line from standard input with `stdin`, else from the terminal.
pub(super) fn read_passphrase(prompt: &str, stdin: bool) -> anyhow::Result<String> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the passphrase from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    rpassword::prompt_password(prompt).context("cannot read the passphrase from the terminal; use --passphrase-stdin")
}

/// Unlocks the named key from the user's key folder.
pub(super) fn unlock(name: &str, passphrase_stdin: bool) -> anyhow::Result<UnlockedKey> {
    let keys = KeyStore::from_env()?;
    let info = keys.find(name)?;
    let passphrase = read_passphrase(&format!("Passphrase for the key of {}: ", info.name), passphrase_stdin)?;
    Ok(keys.unlock(name, &passphrase)?)
}

/// Certifies a freshly rendered record with `key`.
pub(super) fn certify(pdf: &[u8], run: &Run, key: &UnlockedKey) -> anyhow::Result<Vec<u8>> {
    Ok(crate::pdf::certify(pdf, run, key, Timestamp::from_datetime(chrono::Utc::now()))?)
}

/// Adds an approval PDF signature to an audit record: refused (exit 1) when the record was
/// altered after export or any earlier signature does not hold, before the passphrase is asked;
/// refused (exit 2) unless the key signed a role of the attached run, whose field it then
/// fills. The file is replaced atomically (or `output` is written); the update only appends, so
/// nothing earlier changes.
pub(super) fn countersign(
    path: &Path,
    key_name: &str,
    role: Option<&str>,
    output: Option<&Path>,
    passphrase_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let bytes = read_pdf(path)?;
    let checked = CheckedRecord::check(&bytes).with_context(|| format!("{}: not a Preflight audit record", path.display()))?;
    let refusals = checked.refusals();
    if let Some(first) = refusals.first() {
        eprintln!("{}: not countersigned: the record was altered after export or does not verify: {first}", path.display());
        for more in &refusals[1..] {
            eprintln!("  also: {more}");
        }
        return Ok(ExitCode::from(EXIT_CHECK_FAILED));
    }
    let key = unlock(key_name, passphrase_stdin)?;
    let signed = crate::pdf::countersign(&bytes, &checked, &key, role, Timestamp::from_datetime(chrono::Utc::now()))
        .with_context(|| format!("{}: cannot countersign", path.display()))?;
    let target = output.unwrap_or(path);
    store::write_atomic(target, &signed.bytes).with_context(|| format!("{}: cannot write", target.display()))?;
    println!("countersigned {} as {} ({}), key {}", target.display(), signed.signer, signed.role_title, key.info.fingerprint());
    Ok(ExitCode::SUCCESS)
}

/// The lines `preflight verify` prints about a record's PDF signatures, and whether they all
/// hold (each CMS signature, a certificate valid when it signed, and, for a role's approval,
/// the key that signed that role in the attached run).
pub(super) fn report_lines(run: &Run, revisions: &SignatureRevisions, trust: &super::signoff::Trusting<'_>) -> (Vec<String>, bool) {
    if revisions.signatures.is_empty() {
        return (vec!["pdf signatures  none: exported without a key (`preflight export --key NAME` certifies a record)".into()], true);
    }
    let mut holds = true;
    let mut lines = Vec::new();
    for (index, signature) in revisions.signatures.iter().enumerate() {
        let (ok, line) = signature_line(run, signature, trust);
        holds &= ok;
        let label = format!("pdf signature {}", index + 1);
        lines.push(format!("{:<16}{} {line}", if ok { label } else { label.to_uppercase() }, if ok { "ok:" } else { "INVALID:" }));
    }
    if let Some(last) = revisions.signatures.last()
        && last.covers_whole_file
    {
        lines.push(format!("  note          the last PDF signature covers the whole file ({} revisions)", revisions.revisions));
    }
    (lines, holds)
}

fn signature_line(run: &Run, signature: &PdfSignature, trust: &super::signoff::Trusting<'_>) -> (bool, String) {
    let kind = if signature.certification { "certification" } else { "approval" };
    let time = signature.signing_time.map_or_else(|| "no signing time".to_string(), |at| at.to_string());
    let signer = match &signature.check {
        Err(reason) => return (false, format!("{kind} in \"{}\", revision {}: {reason}", signature.label, signature.revision)),
        Ok(signer) => signer,
    };
    let certificate = &signer.certificate;
    let fingerprint = signature.fingerprint().unwrap_or_default();
    let issuer =
        if certificate.self_signed { "self-signed certificate".to_string() } else { format!("certificate issued by {}", certificate.issuer) };
    let mut ok = true;
    let mut line = format!(
        "{kind} by {} ({issuer}, key {fingerprint}), {time}, \"{}\", revision {}",
        certificate.subject_line(),
        signature.reason,
        signature.revision
    );
    if let Some(at) = signature.signing_time
        && !certificate.valid_at(at)
    {
        ok = false;
        line.push_str(&format!("; the certificate was not valid then (valid {} to {})", certificate.not_before, certificate.not_after));
    }
    let public_key = signature.public_key().unwrap_or_default();
    let signed_roles = roles_signed_with(run, &public_key);
    let role_id = signature.field.strip_prefix("role-");
    match role_id.and_then(|_| run.roles().into_iter().find(|role| crate::pdf::role_field_name(&role.id) == signature.field)) {
        Some(role) if signed_roles.iter().any(|(id, _)| *id == role.id) => {
            line.push_str(&format!("; the same key signed the run as {}", role.title));
        }
        Some(role) => {
            ok = false;
            line.push_str(&format!("; this key did NOT sign the run as {}, whose field it fills", role.title));
        }
        None if signed_roles.is_empty() => line.push_str("; this key signed no role of the run"),
        None => line.push_str(&format!("; the same key signed the run as {}", role_titles(&signed_roles))),
    }
    let judged = trust.store.judge_certificate(certificate, &signer.chain, signature.signing_time.unwrap_or(certificate.not_before));
    line.push_str(&format!("; {}", judged.describe()));
    if trust.required && !judged.is_trusted() {
        ok = false;
        line.push_str(" (--require-trusted)");
    }
    (ok, line)
}
