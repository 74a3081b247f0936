//! Signer keys from an organisation's PKI: a PKCS#12 file and a PEM bundle made by openssl (an
//! Example Corp CA issuing Carol's P-256 certificate) import with `preflight keygen --import`;
//! the record Carol certifies carries the chain, so pyHanko and `preflight verify` trust it
//! through the CA alone. A wrong password, a truncated file and an RSA key are refused, and
//! nothing is written.
//!
//! Needs `openssl` (Debian's openssl, installed by `.ci/run`); without it the tests say they
//! skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        println!("SKIPPED: `{tool}` is not installed, so this check did not run");
    }
    found
}

/// A CA, Carol's certificate from it, and the files a PKI hands out: `carol.p12` (PBES2 and
/// AES, openssl 3's default), `carol-bundle.pem` (key, certificate, CA) and `rsa.p12`.
fn pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/O=Example Corp/CN=Example Corp Signing CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "carol.key",
            "-out",
            "carol.csr",
            "-subj",
            "/O=Example Corp/CN=Carol Approver",
        ],
    );
    std::fs::write(dir.join("ext.cnf"), "keyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=CA:FALSE\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "carol.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "carol.pem",
            "-days",
            "365",
            "-extfile",
            "ext.cnf",
        ],
    );
    openssl(
        dir,
        &["pkcs12", "-export", "-inkey", "carol.key", "-in", "carol.pem", "-certfile", "ca.pem", "-out", "carol.p12", "-passout", "pass:p12-secret"],
    );
    let bundle = ["carol.key", "carol.pem", "ca.pem"].map(|f| std::fs::read_to_string(dir.join(f)).unwrap()).concat();
    std::fs::write(dir.join("carol-bundle.pem"), bundle).unwrap();
    openssl(dir, &["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out", "rsa.pem", "-days", "30", "-subj", "/CN=Rsa User"]);
    openssl(dir, &["pkcs12", "-export", "-inkey", "rsa.key", "-in", "rsa.pem", "-out", "rsa.p12", "-passout", "pass:p12-secret"]);
}

fn preflight(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(args)
        .env("PREFLIGHT_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn key_files(home: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join("keys")).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
}

#[test]
fn a_pkcs12_from_an_organisation_ca_imports_and_its_pdf_signature_is_trusted_through_the_ca() {
    if !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let home = dir.path().join("home");
    let p12 = dir.path().join("carol.p12");
    let imported = preflight(&home, &["keygen", "--import", p12.to_str().unwrap(), "--passphrase-stdin"], "p12-secret\ncorrect horse\n");
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(
        text(&imported).contains("issued by Example Corp Signing CA") && text(&imported).contains("1 issuing certificate(s)"),
        "{}",
        text(&imported)
    );

    // A run, exported and certified by Carol.
    let run = dir.path().join("release.run.ron");
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/prismai-platform.checklist.ron");
    let started =
        preflight(&home, &["run", template.to_str().unwrap(), "-o", run.to_str().unwrap(), "--set", "version=1.0", "--set", "environment=prod"], "");
    assert!(started.status.success(), "{}", text(&started));
    let pdf = dir.path().join("audit.pdf");
    let exported = preflight(
        &home,
        &["export", run.to_str().unwrap(), "-o", pdf.to_str().unwrap(), "--key", "Carol Approver", "--passphrase-stdin"],
        "correct horse\n",
    );
    assert!(exported.status.success(), "{}", text(&exported));

    if have_pdfsig() {
        let out = text(&Command::new("pdfsig").arg(&pdf).output().unwrap());
        println!("pdfsig:\n{out}");
        assert!(out.contains("Signature is Valid.") && out.contains("Common Name: Carol Approver"), "{out}");
    }
    if Command::new("pyhanko").arg("--version").output().is_ok() {
        let out = Command::new("pyhanko")
            .args(["sign", "validate", "--pretty-print", "--trust-replace", "--trust"])
            .arg(dir.path().join("ca.pem"))
            .arg(&pdf)
            .output()
            .unwrap();
        let out = text(&out);
        println!("pyhanko, trusting only the CA:\n{out}");
        assert!(out.contains("The signer's certificate is trusted.") && out.contains("judged VALID"), "{out}");
    } else {
        println!("SKIPPED: pyhanko is not installed");
    }
    let auditor = dir.path().join("auditor");
    std::fs::create_dir_all(&auditor).unwrap();
    let ca = dir.path().join("ca.pem");
    let verified = preflight(&auditor, &["verify", pdf.to_str().unwrap(), "--trust", ca.to_str().unwrap()], "");
    let out = text(&verified);
    println!("preflight verify:\n{out}");
    assert!(verified.status.success(), "{out}");
    assert!(
        out.contains("certificate issued by Example Corp Signing CA")
            && out.contains("trusted: Carol Approver")
            && out.contains("issued by Example Corp Signing CA ("),
        "{out}"
    );

    // The same key from a PEM bundle, filed under another name.
    let bundle = dir.path().join("carol-bundle.pem");
    let imported =
        preflight(&home, &["keygen", "--import", bundle.to_str().unwrap(), "--name", "Carol PEM", "--passphrase-stdin"], "\ncorrect horse\n");
    assert!(imported.status.success(), "{}", text(&imported));
}

fn have_pdfsig() -> bool {
    let found = Command::new("pdfsig").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        println!("SKIPPED: pdfsig (poppler-utils) is not installed");
    }
    found
}

#[test]
fn importing_refuses_a_wrong_password_a_truncated_file_and_an_rsa_key_and_writes_nothing() {
    if !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path());
    let home = dir.path().join("home");
    let p12 = dir.path().join("carol.p12");
    let truncated = dir.path().join("truncated.p12");
    std::fs::write(&truncated, &std::fs::read(&p12).unwrap()[..300]).unwrap();
    let rsa = dir.path().join("rsa.p12");
    for (file, password, expected) in [
        (&p12, "not-the-password", "wrong password; nothing was imported"),
        (&truncated, "p12-secret", "not a readable PKCS#12 file"),
        (&rsa, "p12-secret", "it holds an RSA key"),
    ] {
        let refused =
            preflight(&home, &["keygen", "--import", file.to_str().unwrap(), "--passphrase-stdin"], &format!("{password}\ncorrect horse\n"));
        assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
        assert!(text(&refused).contains(expected), "{}", text(&refused));
        assert!(key_files(&home).is_empty(), "nothing written: {:?}", key_files(&home));
    }
}
