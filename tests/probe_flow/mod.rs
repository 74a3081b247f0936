//! Multi-step HTTP flows against a login server these tests start on 127.0.0.1: a login that
//! hands out a token and a session cookie, and an API that wants both and echoes the token back
//! in its body, a header and a redirect. The token must pass from step to step and appear
//! nowhere in what is recorded, printed or exported.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use preflight::model::{HttpStep, ProbeKind, ProbeResult, ProbeSpec, ProbeState};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::http_request::read_request;

const PASSWORD: &str = "correct horse battery";

/// What the login server handed out and saw.
#[derive(Default)]
struct Issued {
    tokens: Vec<String>,
    /// Requests to `/me`, whatever they carried.
    me_requests: u32,
}

struct LoginServer {
    port: u16,
    issued: Arc<Mutex<Issued>>,
    _runtime: tokio::runtime::Runtime,
}

fn response(status: &str, headers: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n{headers}\r\n{body}", body.len())
}

/// `POST /login` with `{"user":"ci","password":PASSWORD}`: 200 with a new token in the JSON body
/// and a `sid` cookie, 401 otherwise. `GET /me` with `Authorization: Bearer TOKEN` and the
/// cookie: 200 with the token echoed in the body and in `x-echo`, 401 otherwise.
/// `GET /go/TOKEN`: a redirect to `/me?t=TOKEN`.
async fn handle(mut stream: tokio::net::TcpStream, issued: Arc<Mutex<Issued>>) {
    let mut buffer = Vec::new();
    while let Some((head, body)) = read_request(&mut stream, &mut buffer).await {
        let header = |name: &str| {
            head.lines().find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string()))
        };
        let method = head.split_whitespace().next().unwrap_or("").to_string();
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let body = String::from_utf8_lossy(&body).to_string();
        let reply = if method == "POST" && path == "/login" {
            let wanted = format!(r#"{{"user":"ci","password":"{PASSWORD}"}}"#);
            if body == wanted {
                let mut issued = issued.lock().unwrap();
                let token = format!("tok-{:016x}{:08x}", rand_u64(), issued.tokens.len());
                issued.tokens.push(token.clone());
                let json = format!(r#"{{"access_token":"{token}","expires_in":3600}}"#);
                response("200 OK", &format!("content-type: application/json\r\nset-cookie: sid=s-{token}; Path=/; HttpOnly\r\n"), &json)
            } else {
                response("401 Unauthorized", "", r#"{"error":"bad credentials"}"#)
            }
        } else if let Some(token) = path.strip_prefix("/go/") {
            response("302 Found", &format!("location: /me?t={token}\r\n"), "")
        } else if path.starts_with("/me") {
            let mut issued = issued.lock().unwrap();
            issued.me_requests += 1;
            let bearer = header("authorization").unwrap_or_default();
            let cookie = header("cookie").unwrap_or_default();
            let known = issued.tokens.iter().find(|token| bearer == format!("Bearer {token}") && cookie.contains(&format!("sid=s-{token}")));
            match known {
                Some(token) => response(
                    "200 OK",
                    &format!("content-type: application/json\r\nx-echo: {token}\r\n"),
                    &format!(r#"{{"user":"ci","token_echo":"{token}"}}"#),
                ),
                None => response("401 Unauthorized", "", &format!("no session for `{bearer}` with `{cookie}`")),
            }
        } else {
            response("404 Not Found", "", "")
        };
        if stream.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A number that differs between runs, so that a token is never a constant a test could match
/// by accident.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    hasher.finish()
}

impl LoginServer {
    fn start() -> LoginServer {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let issued = Arc::new(Mutex::new(Issued::default()));
        let shared = issued.clone();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handle(stream, shared.clone()));
            }
        });
        LoginServer { port, issued, _runtime: runtime }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn tokens(&self) -> Vec<String> {
        self.issued.lock().unwrap().tokens.clone()
    }
}

/// The login step: the password from the environment, the token captured.
fn login(server: &LoginServer, password_variable: &str) -> HttpStep {
    let mut step = HttpStep::new("log in", server.url("/login"));
    step.method = "POST".into();
    step.headers.insert("Content-Type".into(), "application/json".into());
    step.body = format!(r#"{{"user":"ci","password":"${{env:{password_variable}}}"}}"#);
    step.capture.insert("token".into(), "json(access_token)".into());
    step.expect = vec!["status == 200".into()];
    step
}

/// A probe that logs in, then calls `/me` with the token and the session cookie.
fn flow(server: &LoginServer, password_variable: &str) -> ProbeSpec {
    let mut spec = ProbeSpec::new(ProbeKind::Http, server.url("/me"));
    spec.steps = vec![login(server, password_variable)];
    spec.headers.insert("Authorization".into(), "Bearer ${var:token}".into());
    spec.expect = vec!["status == 200".into(), r#"json(user) == "ci""#.into(), "json(token_echo) exists".into(), "header(x-echo) exists".into()];
    spec
}

fn set_password(variable: &str) {
    // SAFETY: each test sets its own variable, which no other test reads or writes.
    #[allow(unsafe_code, reason = "setting an environment variable is unsafe in Rust 2024; see the SAFETY note")]
    unsafe {
        std::env::set_var(variable, PASSWORD)
    };
}

fn assert_no_token(server: &LoginServer, what: &str, text: &str) {
    let tokens = server.tokens();
    assert!(!tokens.is_empty(), "the server issued a token");
    for token in tokens {
        assert!(!text.contains(&token), "the token leaked into {what}: {text}");
        // Its longest part without the prefix, too: a cut or re-encoded token is still a leak.
        assert!(!text.contains(&token[4..20]), "part of the token leaked into {what}: {text}");
    }
    assert!(!text.contains(PASSWORD), "the password leaked into {what}");
}

#[test]
fn a_two_step_login_passes_its_token_on_and_never_records_it() {
    let server = LoginServer::start();
    set_password("PREFLIGHT_FLOW_PASSWORD_A");
    let result = super::run(flow(&server, "PREFLIGHT_FLOW_PASSWORD_A"));
    assert_eq!(result.state, ProbeState::Pass, "{result:#?}");
    assert_eq!(result.steps.len(), 1);
    let step = &result.steps[0];
    assert_eq!((step.name.as_str(), step.state), ("log in", ProbeState::Pass));
    assert_eq!(step.request, format!("POST {}", server.url("/login")));
    assert_eq!(step.captured, ["token"]);
    assert_eq!(step.measured.get("status").map(String::as_str), Some("200"));
    let resolved: Vec<String> = step.conditions.iter().map(|c| c.resolved()).collect();
    assert_eq!(resolved, ["status (200) == 200", "json(access_token) (\"••••••\") exists"]);
    assert_eq!(super::resolved(&result)[..2], ["status (200) == 200".to_string(), "json(user) (\"ci\") == \"ci\"".to_string()]);
    assert_eq!(result.measured.get("json(token_echo)"), None);
    assert_no_token(&server, "the result", &format!("{result:?}"));
    assert_no_token(&server, "the result as JSON", &serde_json::to_string(&result).unwrap());
}

#[test]
fn a_captured_value_in_a_url_is_masked_in_the_final_url_and_the_redirect() {
    let server = LoginServer::start();
    set_password("PREFLIGHT_FLOW_PASSWORD_B");
    let mut spec = flow(&server, "PREFLIGHT_FLOW_PASSWORD_B");
    // The token goes in the path, comes back in a redirect's query, then in the body.
    spec.target = server.url("/go/${var:token}");
    let result = super::run(spec);
    assert_eq!(result.state, ProbeState::Pass, "{result:#?}");
    let final_url = result.measured.get("final_url").unwrap();
    assert!(final_url.ends_with("/me?t=••••••"), "{final_url}");
    assert_eq!(result.target, server.url("/go/${var:token}"), "the target stays as written");
    assert_no_token(&server, "the result", &format!("{result:?}"));
}

#[test]
fn a_failed_step_stops_the_flow_before_the_probes_own_request() {
    let server = LoginServer::start();
    // SAFETY: no other test reads or writes this variable.
    #[allow(unsafe_code, reason = "setting an environment variable is unsafe in Rust 2024; see the SAFETY note")]
    unsafe {
        std::env::set_var("PREFLIGHT_FLOW_WRONG_PASSWORD", "Tr0ub4dor&3")
    };
    let result = super::run(flow(&server, "PREFLIGHT_FLOW_WRONG_PASSWORD"));
    assert_eq!(result.state, ProbeState::Fail, "{result:#?}");
    assert_eq!(result.steps[0].state, ProbeState::Fail);
    assert!(result.steps[0].captured.is_empty());
    let resolved: Vec<String> = result.steps[0].conditions.iter().map(|c| c.resolved()).collect();
    assert_eq!(resolved, ["status (401) == 200", "json(access_token) (missing) exists"]);
    assert_eq!(result.summary(), "step `log in`: status (401) == 200");
    assert!(result.conditions.is_empty(), "the probe's own conditions were not judged: {:?}", result.conditions);
    assert_eq!(server.issued.lock().unwrap().me_requests, 0, "the probe's own request was not sent");
    assert!(result.details["flow"].contains("stopped at step `log in`"), "{:?}", result.details);
    assert!(!format!("{result:?}").contains("Tr0ub4dor&3"), "the wrong password is a secret too");
}

#[test]
fn a_capture_that_finds_nothing_fails_its_step() {
    let server = LoginServer::start();
    set_password("PREFLIGHT_FLOW_PASSWORD_C");
    let mut spec = flow(&server, "PREFLIGHT_FLOW_PASSWORD_C");
    spec.steps[0].capture = BTreeMap::from([("token".to_string(), "json(data.token)".to_string())]);
    let result = super::run(spec);
    assert_eq!(result.state, ProbeState::Fail);
    assert_eq!(result.summary(), "step `log in`: json(data.token) (missing) exists");
}

#[test]
fn a_step_that_cannot_connect_is_an_error_naming_it() {
    let server = LoginServer::start();
    set_password("PREFLIGHT_FLOW_PASSWORD_D");
    let mut spec = flow(&server, "PREFLIGHT_FLOW_PASSWORD_D");
    spec.steps.insert(0, HttpStep::new("warm up", "http://127.0.0.1:1/"));
    let result = super::run(spec);
    assert_eq!(result.state, ProbeState::Error);
    let error = result.error.as_deref().unwrap();
    assert!(error.starts_with("step 1 `warm up`: could not connect"), "{error}");
    assert_eq!(result.steps.len(), 1, "the later steps did not run");
    assert_eq!(result.steps[0].error.as_deref(), Some(error));
}

/// The whole path a release manager takes: a template with the flow, `preflight run`,
/// `preflight probe --json --junit`, `preflight export`; the token is in none of the run file,
/// the output, the report or the PDF's text.
#[test]
fn the_token_appears_in_no_run_file_output_report_or_pdf() {
    use std::process::Command;

    use preflight::store;

    let server = LoginServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut template =
        store::load_template(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/prismai-platform.checklist.ron")).unwrap();
    template.sections[0].sections[0].items[0].probe = Some(Box::new(flow(&server, "PREFLIGHT_FLOW_CLI_PASSWORD")));
    let template_path = dir.path().join("flow.checklist.ron");
    store::save_template(&template_path, &template).unwrap();
    let lint = Command::new(env!("CARGO_BIN_EXE_preflight")).args(["lint", template_path.to_str().unwrap()]).output().unwrap();
    assert!(lint.status.success(), "{}", String::from_utf8_lossy(&lint.stderr));
    let run_path = dir.path().join("flow.run.ron");
    let preflight = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_preflight")).args(args).env("PREFLIGHT_FLOW_CLI_PASSWORD", PASSWORD).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output, text)
    };
    let (started, text) = preflight(&[
        "run",
        template_path.to_str().unwrap(),
        "-o",
        run_path.to_str().unwrap(),
        "--set",
        "version=1",
        "--set",
        "environment=prod",
        "--actor",
        "ci",
    ]);
    assert!(started.status.success(), "{text}");
    let junit = dir.path().join("probes.xml");
    let item = template.sections[0].sections[0].items[0].id.clone();
    let (probed, output) = preflight(&["probe", run_path.to_str().unwrap(), "--item", &item, "--json", "--junit", junit.to_str().unwrap()]);
    assert!(probed.status.success(), "{output}");
    let results: Vec<ProbeResult> = serde_json::from_slice(&probed.stdout).unwrap();
    assert_eq!((results[0].state, results[0].steps.len()), (ProbeState::Pass, 1));
    assert_no_token(&server, "the output", &output);
    assert_no_token(&server, "the run file", &std::fs::read_to_string(&run_path).unwrap());
    let report = std::fs::read_to_string(&junit).unwrap();
    assert!(report.contains("step 1, log in: POST"), "{report}");
    assert_no_token(&server, "the JUnit report", &report);

    let pdf = dir.path().join("flow.pdf");
    let (exported, text) = preflight(&["export", run_path.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert!(exported.status.success(), "{text}");
    let Ok(pdftotext) = super::which("pdftotext") else {
        println!("skipped reading the PDF back: pdftotext (poppler-utils) is not installed");
        return;
    };
    let read = Command::new(pdftotext).args([pdf.to_str().unwrap(), "-"]).output().unwrap();
    let page_text = String::from_utf8_lossy(&read.stdout);
    assert!(page_text.contains("Step 1, log in"), "the PDF shows the step: {page_text}");
    assert!(page_text.contains("captured token"), "{page_text}");
    assert_no_token(&server, "the PDF", &page_text);
}

/// `lint` names the file, line and column of a step's unreadable condition, and of a
/// `${var:NAME}` that no step before it captures.
#[test]
fn lint_locates_a_steps_problems_in_the_template() {
    use preflight::store;

    let server = LoginServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut template =
        store::load_template(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/prismai-platform.checklist.ron")).unwrap();
    let item = template.sections[0].sections[0].items[0].id.clone();
    let lint = |template: &preflight::model::Template| {
        let path = dir.path().join("flow.checklist.ron");
        store::save_template(&path, template).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_preflight")).args(["lint", path.to_str().unwrap()]).output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stderr).to_string(), std::fs::read_to_string(&path).unwrap())
    };

    let mut bad_condition = flow(&server, "UNUSED");
    bad_condition.steps[0].expect = vec!["status = 200".into()];
    template.sections[0].sections[0].items[0].probe = Some(Box::new(bad_condition));
    let (code, stderr, text) = lint(&template);
    let (line, col) = store::locate(&text, "status = 200", 0).unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    let wanted =
        format!("flow.checklist.ron:{line}:{col}: item `{item}`: probe step 1 `log in`: condition `status = 200`: column 8: expected an operator");
    assert!(stderr.contains(&wanted), "{stderr}");

    let mut unknown = flow(&server, "UNUSED");
    unknown.headers.insert("X-Session".into(), "${var:session}".into());
    template.sections[0].sections[0].items[0].probe = Some(Box::new(unknown));
    let (code, stderr, text) = lint(&template);
    let (line, col) = store::locate(&text, "${var:session}", 0).unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    let wanted = format!("flow.checklist.ron:{line}:{col}: item `{item}`: probe header X-Session: ${{var:session}} is not captured by any step");
    assert!(stderr.contains(&wanted), "{stderr}");
}
