//! `preflight keygen` and `preflight verify`: signer keys and the offline check of a run or an
//! audit PDF.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::model::{Run, Timestamp};
use crate::signoff::{self, KeyCheck, KeyStore, MIN_PASSPHRASE_CHARS};
use crate::store;

use super::EXIT_CHECK_FAILED;

/// Creates a passphrase-protected signer key. The passphrase is asked twice on the terminal,
/// or read as one line from standard input with `--passphrase-stdin` (for scripts).
pub(super) fn keygen(name: &str, passphrase_stdin: bool) -> anyhow::Result<ExitCode> {
    let keys = KeyStore::from_env()?;
    let passphrase = if passphrase_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the passphrase from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password(format!("Passphrase for {name}'s key (at least {MIN_PASSPHRASE_CHARS} characters): "))
            .context("cannot read the passphrase from the terminal; use --passphrase-stdin")?;
        let second = rpassword::prompt_password("The same passphrase again: ")?;
        if first != second {
            bail!("the two passphrases differ; nothing was created");
        }
        first
    };
    let info = keys.create(name, &passphrase, Timestamp::from_datetime(chrono::Utc::now()))?;
    println!("created the signer key of {}", info.name);
    println!("  fingerprint  {}", info.fingerprint());
    println!("  files        {}", keys.dir().join(format!("{}.key", info.id)).display());
    println!("               {}", keys.dir().join(format!("{}.pub", info.id)).display());
    println!("Keep the passphrase safe: without it the key cannot sign, and it cannot be recovered.");
    Ok(ExitCode::SUCCESS)
}

/// Verifies a run file, or an audit PDF and the run embedded in it. Exit 0 when everything
/// holds, 1 when anything is invalid, 2 when the file cannot be read.
pub(super) fn verify(path: &Path) -> anyhow::Result<ExitCode> {
    let run = store::load_run(path)?;
    let report = signoff::verify(&run);
    print!("{}", describe(path, &run, &report));
    Ok(if report.is_valid() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_CHECK_FAILED) })
}

/// The verification report as `preflight verify` prints it.
pub(crate) fn describe(path: &Path, run: &Run, report: &signoff::Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{}: run {} of \"{}\"", path.display(), run.id, run.template.title);
    let _ = writeln!(out, "  content sha256  {}", report.content_sha256);
    if report.problems.is_empty() {
        let head = report.chain_head.as_deref().unwrap_or("none");
        let _ = writeln!(out, "  event chain     ok: {} events, head {head}", report.events);
    } else {
        for problem in &report.problems {
            let _ = writeln!(out, "  TAMPERED        {problem}");
        }
    }
    if report.signatures.is_empty() {
        let _ = writeln!(out, "  signatures      none");
    }
    for check in &report.signatures {
        let mark = if check.fails() {
            "INVALID"
        } else if matches!(check.key, KeyCheck::Valid { .. }) || check.status.is_valid() {
            "ok"
        } else {
            "replaced"
        };
        let _ = writeln!(out, "  signature {:<4} {mark}: {}", check.index + 1, check.line());
    }
    if let Some(finalised) = &run.finalised {
        let _ = writeln!(out, "  finalised       by {} at {}", finalised.by, finalised.at);
    }
    let verdict = run.verdict();
    let _ = writeln!(out, "  verdict         {}", if verdict.is_go() { "GO".to_string() } else { format!("NO-GO ({} blockers)", verdict.blockers.len()) });
    let _ = writeln!(out, "{}", if report.is_valid() { "VALID" } else { "INVALID" });
    out
}
