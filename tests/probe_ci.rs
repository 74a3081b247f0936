//! `preflight probe` reporting to CI: the JUnit XML report, read back by junitparser (the
//! Python library GitLab-style tooling uses) and by Python's own XML parser, and the GitHub
//! Actions annotations. The probes run against a server the test starts on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use preflight::model::{ProbeKind, ProbeSpec, Template};
use preflight::store;

const SECRET: &str = "sk-ci-7d1c0ffee5e1d9a2";

/// Answers `/health` with 200 and anything else with 503, one request per connection.
fn start_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let token = format!("{{\"token\":\"{SECRET}\"}}");
            let (status, body) = if request.starts_with("GET /health ") {
                ("200 OK", "ok")
            } else if request.starts_with("GET /token ") {
                ("200 OK", token.as_str())
            } else {
                ("503 Service Unavailable", "down")
            };
            let mut stream = stream;
            let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    port
}

fn probe(target: String, expect: &[&str]) -> ProbeSpec {
    let mut spec: ProbeSpec = ron::from_str(&format!("(kind: Http, target: {target:?})")).unwrap();
    assert_eq!(spec.kind, ProbeKind::Http);
    spec.expect = expect.iter().map(|c| c.to_string()).collect();
    spec.timeout_ms = 2_000;
    spec
}

/// A real checklist whose first three checks probe: one passes, one fails (with a secret in its
/// URL), one cannot connect.
fn template(port: u16) -> Template {
    let mut template = store::load_template(&Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/prismai-platform.checklist.ron")).unwrap();
    let items = &mut template.sections[0].sections[0].items;
    items[0].probe = Some(probe(format!("http://127.0.0.1:{port}/health"), &["status == 200"]).into());
    items[1].probe = Some(probe(format!("http://127.0.0.1:{port}/ready?token=${{env:PREFLIGHT_CI_TOKEN}}"), &["status == 200"]).into());
    // Port 1 on loopback refuses the connection.
    items[2].probe = Some(probe("http://127.0.0.1:1/health".into(), &["status == 200"]).into());
    template
}

fn run_command(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preflight")).args(args).env("PREFLIGHT_CI_TOKEN", SECRET).output().unwrap()
}

#[test]
fn probe_writes_a_junit_report_that_junit_parsers_read_and_annotates_github_actions() {
    let port = start_server();
    let dir = tempfile::tempdir().unwrap();
    let template_path = dir.path().join("ci.checklist.ron");
    let template = template(port);
    let texts: Vec<String> = template.sections[0].sections[0].items[..3].iter().map(|item| item.text.clone()).collect();
    store::save_template(&template_path, &template).unwrap();
    let run_path = dir.path().join("ci.run.ron");
    let (run, report) = (run_path.to_str().unwrap(), dir.path().join("probes.xml"));
    let started =
        run_command(&["run", template_path.to_str().unwrap(), "-o", run, "--set", "version=1", "--set", "environment=prod", "--actor", "ci"]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));

    let output = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["probe", run, "--json", "--junit", report.to_str().unwrap()])
        .env("PREFLIGHT_CI_TOKEN", SECRET)
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "two probes did not pass: {stderr}");
    let results: Vec<preflight::model::ProbeResult> = serde_json::from_str(&stdout).expect("stdout stays JSON with annotations on");
    assert_eq!(results.len(), 3);
    let xml = std::fs::read_to_string(&report).unwrap();
    for text in [&xml, stdout.as_ref(), stderr.as_ref()] {
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
    }

    // Annotations: one per probe that did not pass, naming the run file and the item.
    let annotations: Vec<&str> = stderr.lines().filter(|line| line.starts_with("::")).collect();
    assert_eq!(annotations.len(), 2, "{stderr}");
    let file = run.replace(':', "%3A").replace(',', "%2C");
    assert!(annotations[0].starts_with(&format!("::error file={file},title=Probe failed%3A {}::", texts[1])), "{}", annotations[0]);
    assert!(annotations[0].ends_with("status (503) == 200"), "{}", annotations[0]);
    assert!(annotations[1].starts_with(&format!("::error file={file},title=Probe could not run%3A {}::", texts[2])), "{}", annotations[1]);

    // Python's XML parser: the Surefire layout and its counts.
    let shape = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
print(root.tag, suite.get("tests"), suite.get("failures"), suite.get("errors"))
for case in suite.findall("testcase"):
    outcome = case.find("failure") if case.find("failure") is not None else case.find("error")
    print(case.get("classname"), "|", case.get("name"), "|", "pass" if outcome is None else outcome.tag + ": " + outcome.get("message"))
"#;
    let parsed = Command::new("python3").arg("-c").arg(shape).arg(&report).output();
    match parsed {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines[0], "testsuites 3 1 1", "{text}");
            assert!(lines[1].starts_with("prismai-platform.") && lines[1].ends_with("| pass"), "{text}");
            assert!(lines[2].contains(&texts[1]) && lines[2].ends_with("failure: status (503) == 200"), "{text}");
            assert!(lines[3].contains("| error: ") && lines[3].to_lowercase().contains("refused"), "{text}");
        }
        Ok(out) => panic!("python3 could not parse the report: {}\n{xml}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => println!("SKIPPED: python3 is not installed, so the report was not parsed back"),
    }

    // junitparser, as CI tooling reads JUnit files.
    let junit = r#"
import sys
from junitparser import JUnitXml, Failure, Error
xml = JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    print(suite.tests, suite.failures, suite.errors, round(suite.time, 3) >= 0)
    for case in suite:
        kinds = [type(r).__name__ + ":" + (r.message or "") for r in case.result]
        print(case.name, "|", case.time, "|", ",".join(kinds) or "passed", "|", "status" in (case.system_out or "") or any("status" in (r.text or "") for r in case.result))
"#;
    match Command::new("python3").arg("-c").arg(junit).arg(&report).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines[0], "3 1 1 True", "{text}");
            assert!(lines[1].starts_with(&texts[0]) && lines[1].contains("| passed | True"), "the evidence is in system-out: {text}");
            assert!(lines[2].contains("Failure:status (503) == 200 | True"), "{text}");
            assert!(lines[3].contains("Error:"), "{text}");
        }
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named 'junitparser'") => {
            println!("SKIPPED: junitparser is not installed (pip install junitparser), so the report was not read by it")
        }
        Ok(out) => panic!("junitparser could not read the report: {}\n{xml}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => println!("SKIPPED: python3 is not installed, so junitparser did not read the report"),
    }
}

#[test]
fn without_github_actions_no_annotation_is_printed_and_an_unwritable_report_is_an_error() {
    let port = start_server();
    let dir = tempfile::tempdir().unwrap();
    let template_path = dir.path().join("ci.checklist.ron");
    store::save_template(&template_path, &template(port)).unwrap();
    let run_path = dir.path().join("ci.run.ron");
    let run = run_path.to_str().unwrap();
    assert!(run_command(&["run", template_path.to_str().unwrap(), "-o", run, "--set", "version=1", "--set", "environment=prod"]).status.success());
    let output = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["probe", run])
        .env_remove("GITHUB_ACTIONS")
        .env("PREFLIGHT_CI_TOKEN", SECRET)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stderr).contains("::error"), "annotations only on GitHub Actions");

    let missing = dir.path().join("no-such-folder/probes.xml");
    let output = run_command(&["probe", run, "--junit", missing.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the results are recorded in") && stderr.contains("the JUnit report cannot be written"), "{stderr}");
    assert_eq!(store::load_run(&run_path).unwrap().probe_results.len(), 6, "both probe runs were recorded");
}

#[test]
fn a_secret_in_a_condition_is_compared_and_never_recorded() {
    let port = start_server();
    let dir = tempfile::tempdir().unwrap();
    let mut template = template(port);
    let items = &mut template.sections[0].sections[0].items;
    items[0].probe = Some(probe(format!("http://127.0.0.1:{port}/token"), &[r#"json(token) == "${env:PREFLIGHT_CI_TOKEN}""#]).into());
    items[1].probe = Some(probe(format!("http://127.0.0.1:{port}/token"), &["json(token) != ${env:PREFLIGHT_CI_TOKEN}"]).into());
    items[2].probe = None;
    let template_path = dir.path().join("secret.checklist.ron");
    store::save_template(&template_path, &template).unwrap();
    let run_path = dir.path().join("secret.run.ron");
    let run = run_path.to_str().unwrap();
    assert!(run_command(&["run", template_path.to_str().unwrap(), "-o", run, "--set", "version=1", "--set", "environment=prod"]).status.success());

    let output = run_command(&["probe", run, "--json"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "the second probe fails: {stderr}");
    let results: Vec<preflight::model::ProbeResult> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(results[0].state, preflight::model::ProbeState::Pass, "{:?}", results[0]);
    assert_eq!(results[0].conditions[0].condition, r#"json(token) == "${env:PREFLIGHT_CI_TOKEN}""#, "the condition as written");
    assert_eq!(results[1].state, preflight::model::ProbeState::Fail);
    let file = std::fs::read_to_string(&run_path).unwrap();
    for text in [stdout.as_ref(), stderr.as_ref(), file.as_str()] {
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
    }
    assert!(results[1].conditions[0].seen.contains("••••••"), "what was seen is masked: {:?}", results[1].conditions[0]);

    // Unset, the probe is refused before anything runs, naming the variable.
    let refused = Command::new(env!("CARGO_BIN_EXE_preflight")).args(["probe", run]).env_remove("PREFLIGHT_CI_TOKEN").output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("PREFLIGHT_CI_TOKEN"), "{}", String::from_utf8_lossy(&refused.stderr));
}
