//! `preflight keygen`, `preflight verify` and `preflight export`: signer keys, the offline check
//! of a run or an audit PDF, and writing the PDF.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::model::{Run, Timestamp};
use crate::signoff::{self, Identity, KeyCheck, KeyStore, MIN_PASSPHRASE_CHARS, TrustStore};
use crate::store;

use super::EXIT_CHECK_FAILED;

/// Creates a passphrase-protected signer key with a self-signed certificate. The passphrase
/// is asked twice on the terminal, or read as one line from standard input with
/// `--passphrase-stdin` (for scripts).
pub(super) fn keygen(identity: &Identity, passphrase_stdin: bool) -> anyhow::Result<ExitCode> {
    let keys = KeyStore::from_env()?;
    let name = &identity.name;
    let passphrase = if passphrase_stdin {
        super::pdf_sign::read_passphrase("", true)?
    } else {
        let first = super::pdf_sign::read_passphrase(&format!("Passphrase for {name}'s key (at least {MIN_PASSPHRASE_CHARS} characters): "), false)?;
        let second = rpassword::prompt_password("The same passphrase again: ")?;
        if first != second {
            bail!("the two passphrases differ; nothing was created");
        }
        first
    };
    let info = keys.create_for(identity, &passphrase, Timestamp::from_datetime(chrono::Utc::now()))?;
    println!("created the signer key of {} ({})", info.name, info.algorithm.label());
    println!("  fingerprint  {}", info.fingerprint());
    println!("  files        {}", keys.dir().join(format!("{}.key", info.id)).display());
    println!("               {}", keys.dir().join(format!("{}.pub", info.id)).display());
    println!("               {} (the self-signed certificate, for others to trust)", keys.dir().join(format!("{}.crt", info.id)).display());
    println!("Keep the passphrase safe: without it the key cannot sign, and it cannot be recovered.");
    Ok(ExitCode::SUCCESS)
}

/// Imports a key from a PKCS#12 or PEM file. On the terminal the file's password is asked, then
/// the passphrase to keep the key under (empty: the same); with `--passphrase-stdin` they are
/// the first and second lines of standard input.
pub(super) fn import_key(file: &Path, name: Option<&str>, passphrase_stdin: bool) -> anyhow::Result<ExitCode> {
    let keys = KeyStore::from_env()?;
    let (password, passphrase) = if passphrase_stdin {
        let mut lines = std::io::stdin().lines();
        let password = lines.next().transpose().context("cannot read the password from standard input")?.unwrap_or_default();
        let passphrase = lines.next().transpose().context("cannot read the passphrase from standard input")?.unwrap_or_default();
        (password, passphrase)
    } else {
        let password = super::pdf_sign::read_passphrase(&format!("Password of {}: ", file.display()), false)?;
        let first = super::pdf_sign::read_passphrase(
            &format!("Passphrase to keep the key under (at least {MIN_PASSPHRASE_CHARS} characters; empty: the same): "),
            false,
        )?;
        if !first.is_empty() && rpassword::prompt_password("The same passphrase again: ")? != first {
            bail!("the two passphrases differ; nothing was imported");
        }
        (password, first)
    };
    let passphrase = if passphrase.is_empty() { password.clone() } else { passphrase };
    let info = keys.import(file, &password, &passphrase, name, Timestamp::from_datetime(chrono::Utc::now()))?;
    let certificate = info.certificate.as_deref().and_then(|der| signoff::cert::parse(der).ok());
    println!("imported the signer key of {} ({})", info.name, info.algorithm.label());
    if let Some(certificate) = certificate {
        println!("  certificate  {}, issued by {}, valid to {}", certificate.subject_line(), certificate.issuer, certificate.not_after);
    }
    println!("  chain        {} issuing certificate(s)", info.chain.len());
    println!("  fingerprint  {}", info.fingerprint());
    println!("  files        {}", keys.dir().join(format!("{}.key", info.id)).display());
    Ok(ExitCode::SUCCESS)
}

/// Verifies a run file, or an audit PDF and the run embedded in it, and judges each
/// signature's key against the trust store. Exit 0 when everything holds, 1 when anything is
/// invalid (or, with `require_trusted`, made by an untrusted key), 2 when the file cannot be read.
pub(super) fn verify(
    path: &Path,
    bundles: &[std::path::PathBuf],
    keyrings: &[std::path::PathBuf],
    require_trusted: bool,
) -> anyhow::Result<ExitCode> {
    let trust = trust_store(path, bundles, keyrings)?;
    let is_pdf = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    if is_pdf {
        return verify_pdf(path, &trust, require_trusted);
    }
    let run = store::load_run(path)?;
    let report = signoff::verify(&run);
    let (text, trusted) = describe(path, &run, &report, None, &Trusting { store: &trust, required: require_trusted });
    print!("{text}");
    Ok(if report.is_valid() && trusted { ExitCode::SUCCESS } else { ExitCode::from(EXIT_CHECK_FAILED) })
}

/// The auditor's trust store: their own keys, the team keyring beside the file (or given), and
/// `--trust` bundles.
fn trust_store(path: &Path, bundles: &[std::path::PathBuf], keyrings: &[std::path::PathBuf]) -> anyhow::Result<TrustStore> {
    let mut trust = TrustStore::new();
    if let Ok(keys) = KeyStore::from_env() {
        trust.add_own_keys(&keys)?;
    }
    let found = TrustStore::find_keyring(path);
    for dir in keyrings.iter().chain(found.iter()) {
        trust.add_keyring(dir)?;
    }
    for bundle in bundles {
        trust.add_bundle(bundle)?;
    }
    Ok(trust)
}

/// How verify judges keys: against this store, and whether an untrusted key fails.
pub(super) struct Trusting<'a> {
    pub store: &'a TrustStore,
    pub required: bool,
}

/// An audit PDF: the run attached to it must verify, and the hash printed on it must be the
/// attached run's; otherwise the printed record and the data behind it are not the same.
fn verify_pdf(path: &Path, trust: &TrustStore, require_trusted: bool) -> anyhow::Result<ExitCode> {
    let bytes = super::pdf_sign::read_pdf(path)?;
    let checked = match crate::pdf::CheckedRecord::check(&bytes) {
        Ok(checked) => checked,
        Err(err) if err.is_tampering() => {
            println!("{}: {err}\nINVALID", path.display());
            return Ok(ExitCode::from(EXIT_CHECK_FAILED));
        }
        Err(err) => bail!("{}: {err}", path.display()),
    };
    let crate::pdf::CheckedRecord { embedded, run, report, pages, signatures: revisions } = checked;
    let inner = path.join(&embedded.file_name);
    let mismatches = embedded.mismatches(&run);
    let mut lines = vec![match mismatches.as_slice() {
        [] => format!("printed hashes  match the attached run (content {}, chain head, file)", report.content_sha256),
        problems => format!("PRINTED HASHES  {}: the attachment was replaced or altered", problems.join("; ")),
    }];
    if pages.problems.is_empty() {
        lines.push(format!("pages           all {} show the attached run, as Preflight renders it", pages.pages));
    }
    lines.extend(pages.problems.iter().map(|problem| format!("PAGES           {problem}")));
    lines.extend(pages.limits.iter().map(|limit| format!("  note          {limit}")));
    let trusting = Trusting { store: trust, required: require_trusted };
    let (signature_lines, signatures_hold) = super::pdf_sign::report_lines(&run, &revisions, &trusting);
    lines.extend(signature_lines);
    let holds = mismatches.is_empty() && pages.holds() && signatures_hold;
    let (text, trusted) = describe(&inner, &run, &report, Some((lines.join("\n  "), holds)), &trusting);
    print!("{text}");
    Ok(if report.is_valid() && holds && trusted { ExitCode::SUCCESS } else { ExitCode::from(EXIT_CHECK_FAILED) })
}

/// How `preflight export` writes the record.
pub(super) struct ExportOptions<'a> {
    pub paper: crate::pdf::Paper,
    pub force: bool,
    pub key: Option<&'a str>,
    pub passphrase_stdin: bool,
    pub allow_missing_glyphs: bool,
}

/// Writes the audit PDF of a run, atomically; an existing file is replaced only with `force`.
/// With a key, the record is certified with a PDF signature. A record in which some characters
/// have no font is written only when allowed: otherwise nothing is written and it exits 1.
pub(super) fn export(path: &Path, output: &Path, export: &ExportOptions<'_>) -> anyhow::Result<ExitCode> {
    let ExportOptions { paper, force, key, passphrase_stdin, allow_missing_glyphs } = *export;
    let run = store::load_run(path)?;
    if !force && output.exists() {
        bail!("{}: already exists; use --force to replace it", output.display());
    }
    let key = key.map(|name| super::pdf_sign::unlock(name, passphrase_stdin)).transpose()?;
    let options = crate::pdf::PdfOptions::new(paper, Timestamp::from_datetime(chrono::Utc::now()));
    let report = signoff::verify(&run);
    let run_file = store::run_ron(path, &run)?.into_bytes();
    let record = crate::pdf::Record { run: &run, report: &report, run_file: &run_file };
    let rendered =
        crate::pdf::render(&record, &store::SystemFonts, &options).with_context(|| format!("{}: cannot render the PDF", path.display()))?;
    if !rendered.missing.is_empty() && !allow_missing_glyphs {
        for warning in &rendered.warnings {
            eprintln!("warning: {}: {warning}", output.display());
        }
        let chars: String = rendered.missing.iter().map(|c| format!(" U+{:04X}", u32::from(*c))).collect();
        eprintln!(
            "{}: not written: {} character(s) have no font here and would print as [U+XXXX]:{chars}; install a font that has them, or give --allow-missing-glyphs to write it anyway",
            output.display(),
            rendered.missing.len()
        );
        return Ok(ExitCode::from(super::EXIT_CHECK_FAILED));
    }
    let bytes = match &key {
        Some(key) => super::pdf_sign::certify(&rendered.bytes, &run, key).with_context(|| format!("{}: cannot certify", output.display()))?,
        None => rendered.bytes,
    };
    store::write_atomic(output, &bytes).with_context(|| format!("{}: cannot write", output.display()))?;
    for warning in &rendered.warnings {
        eprintln!("warning: {}: {warning}", output.display());
    }
    println!("wrote {}: {} pages, {} KB, {}", output.display(), rendered.pages, bytes.len().div_ceil(1024), paper.name());
    if let Some(key) = &key {
        println!("certified by {} with key {}", key.info.name, key.info.fingerprint());
    }
    Ok(ExitCode::SUCCESS)
}

/// The verification report as `preflight verify` prints it, and whether the trust asked for
/// holds. `extra` is more checked lines (for a PDF: its hashes, pages and PDF signatures) and
/// whether they hold.
pub(crate) fn describe(path: &Path, run: &Run, report: &signoff::Report, extra: Option<(String, bool)>, trust: &Trusting<'_>) -> (String, bool) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{}: run {} of \"{}\"", path.display(), run.id, run.template.title);
    let _ = writeln!(out, "  content sha256  {}", report.content_sha256);
    if report.problems.is_empty() {
        let head = report.chain_head.as_deref().unwrap_or("none");
        let _ = writeln!(out, "  event chain     ok: {} events, head {head}", report.events);
        for fork in &report.forks {
            let _ = writeln!(out, "  merged          {fork}");
        }
    } else {
        for problem in &report.problems {
            let _ = writeln!(out, "  TAMPERED        {problem}");
        }
    }
    if report.signatures.is_empty() {
        let _ = writeln!(out, "  signatures      none");
    }
    let (mut current, mut trusted) = (0, 0);
    for check in &report.signatures {
        let mark = if check.fails() {
            "INVALID"
        } else if matches!(check.key, KeyCheck::Valid { .. }) || check.status.is_valid() {
            "ok"
        } else {
            "replaced"
        };
        let signature = &run.signatures[check.index];
        let judged = trust.store.judge_key(signature.key.as_ref(), signature.at);
        let judgement = if matches!(check.key, KeyCheck::Invalid { .. }) { String::new() } else { format!("; {}", judged.describe()) };
        if !check.superseded {
            current += 1;
            trusted += usize::from(judged.is_trusted());
        }
        let _ = writeln!(out, "  signature {:<4} {mark}: {}{judgement}", check.index + 1, check.line());
    }
    for breach in &report.breaches {
        let _ = writeln!(out, "  BREACH          {breach}");
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "  warning         {warning}");
    }
    if let Some(finalised) = &run.finalised {
        let _ = writeln!(out, "  finalised       by {} at {}", finalised.by, finalised.at);
    }
    let verdict = run.verdict();
    let _ = writeln!(
        out,
        "  verdict         {}",
        if verdict.is_go() { "GO".to_string() } else { format!("NO-GO ({} blockers)", verdict.blockers.len()) }
    );
    let mut valid = report.is_valid();
    if let Some((line, holds)) = extra {
        let _ = writeln!(out, "  {line}");
        valid &= holds;
    }
    let sources = if trust.store.sources.is_empty() {
        "nothing is trusted: no own keys, keyring or --trust".to_string()
    } else {
        trust.store.sources.join("; ")
    };
    let trust_holds = !trust.required || trusted == current;
    let label = if trust_holds { "trust          " } else { "UNTRUSTED      " };
    let _ = writeln!(out, "  {label} {trusted} of {current} current run signature(s) made with a trusted key ({sources})");
    if !trust_holds {
        let _ = writeln!(out, "  UNTRUSTED       --require-trusted: every current signature must be made with a trusted key");
    }
    valid &= trust_holds;
    let _ = writeln!(out, "{}", if valid { "VALID" } else { "INVALID" });
    (out, trust_holds)
}
