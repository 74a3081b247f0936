//! HTTP, TCP, load and runner probes against servers these tests start on 127.0.0.1. No test
//! reaches beyond loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use preflight::model::{ProbeKind, ProbeResult, ProbeSpec, ProbeState};
use preflight::probe::runner::{PROBES_AT_ONCE, ProbeJob, ProbeRunner, run_blocking};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[path = "probe_flow/mod.rs"]
mod flow;
#[path = "support/http_request.rs"]
mod http_request;
use http_request::read_request;

/// A small HTTP/1.1 server with keep-alive, on its own runtime thread. Routes:
/// `/health` 200 JSON with HSTS, `/fail` 503, `/slow` after 2 s, `/hang` never answers,
/// `/redirect` 301 to https, `/flaky` 503 once then 200, `/tick` 200 after 100 ms,
/// `/echo-auth` echoes Authorization,
/// `/post-only` 400 unless the request is a `POST` with the header and body a load test sends.
struct TestServer {
    port: u16,
    _runtime: tokio::runtime::Runtime,
}

fn response(status: &str, headers: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n{headers}\r\n{body}", body.len())
}

async fn handle(mut stream: tokio::net::TcpStream, flaky: Arc<AtomicU32>) {
    let mut buffer = Vec::new();
    while let Some((head, body)) = read_request(&mut stream, &mut buffer).await {
        let header = |name: &str| {
            head.lines().find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string()))
        };
        let body = String::from_utf8_lossy(&body).to_string();
        let method = head.split_whitespace().next().unwrap_or("").to_string();
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let auth = header("authorization").unwrap_or_default();
        let reply = match path.as_str() {
            "/health" => response(
                "200 OK",
                "content-type: application/json\r\nstrict-transport-security: max-age=31536000\r\n",
                r#"{"status":"ok","db":{"latency_ms":3}}"#,
            ),
            "/fail" => response("503 Service Unavailable", "", "down"),
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                response("200 OK", "", "late")
            }
            "/hang" => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            "/redirect" => response("301 Moved Permanently", "location: https://127.0.0.1:1/\r\n", ""),
            "/flaky" => {
                if flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                    response("503 Service Unavailable", "", "")
                } else {
                    response("200 OK", "", "ok")
                }
            }
            "/tick" => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                response("200 OK", "", "tock")
            }
            "/echo-auth" => response("200 OK", "", &format!("you sent {auth}")),
            // Accepts only `POST` with `x-probe: load` and the body `{"ping":1}`.
            "/post-only" => {
                if method == "POST" && header("x-probe").as_deref() == Some("load") && body == r#"{"ping":1}"# {
                    response("200 OK", "", "ok")
                } else {
                    response("400 Bad Request", "", &format!("{method} {body}"))
                }
            }
            // Answers, then ends the connection, as a server without keep-alive does.
            "/close" => {
                let _ = stream.write_all(response("200 OK", "connection: close\r\n", "bye").as_bytes()).await;
                return;
            }
            _ => response("404 Not Found", "", ""),
        };
        if stream.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

impl TestServer {
    fn start() -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let flaky = Arc::new(AtomicU32::new(0));
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handle(stream, flaky.clone()));
            }
        });
        TestServer { port, _runtime: runtime }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn probe(kind: ProbeKind, target: String, expect: &[&str]) -> ProbeSpec {
    let mut spec = ProbeSpec::new(kind, target);
    spec.expect = expect.iter().map(|s| s.to_string()).collect();
    spec
}

fn run(spec: ProbeSpec) -> ProbeResult {
    run_blocking(vec![ProbeJob { item: "item".into(), spec }], 4).unwrap().remove(0)
}

fn resolved(result: &ProbeResult) -> Vec<String> {
    result.conditions.iter().map(|c| c.resolved()).collect()
}

#[test]
fn http_status_latency_header_json_and_body() {
    let server = TestServer::start();
    let result = run(probe(
        ProbeKind::Http,
        server.url("/health"),
        &[
            "status == 200",
            "response_time < 1s",
            r#"header(Strict-Transport-Security) matches "max-age=\d+""#,
            r#"json(status) == "ok""#,
            "json(db.latency_ms) < 10",
            "body contains ok",
        ],
    ));
    assert_eq!(result.state, ProbeState::Pass, "{result:#?}");
    assert!(result.conditions.iter().all(|c| c.passed));
    assert_eq!(resolved(&result)[0], "status (200) == 200");
    assert_eq!(result.details.get("header content-type").map(String::as_str), Some("application/json"));
    assert!(result.details["address"].starts_with("127.0.0.1:"));
}

#[test]
fn a_failing_status_resolves_with_the_value_seen() {
    let server = TestServer::start();
    let result = run(probe(ProbeKind::Http, server.url("/fail"), &["status == 200"]));
    assert_eq!(result.state, ProbeState::Fail);
    assert_eq!(resolved(&result), ["status (503) == 200"]);
    assert_eq!(result.summary(), "status (503) == 200");
}

#[test]
fn a_redirect_to_https_is_checked_with_redirects_off() {
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Http, server.url("/redirect"), &["status == 301", r#"header(location) matches "^https://""#, "redirects == 0"]);
    spec.follow_redirects = false;
    let result = run(spec);
    assert_eq!(result.state, ProbeState::Pass, "{:?}", resolved(&result));
}

#[test]
fn a_slow_server_times_out_within_the_timeout_and_ten_percent() {
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Http, server.url("/slow"), &["status == 200"]);
    spec.timeout_ms = 1_000;
    let started = Instant::now();
    let result = run(spec);
    let elapsed = started.elapsed();
    assert_eq!(result.state, ProbeState::Error);
    assert!(result.error.as_deref().unwrap().contains("timed out"), "{:?}", result.error);
    assert!(elapsed < Duration::from_millis(1_100), "took {elapsed:?}");
}

#[test]
fn a_hanging_server_does_not_delay_other_probes() {
    let server = TestServer::start();
    let (runner, results) = ProbeRunner::new(4, || {}).unwrap();
    let cancel = Arc::new(AtomicBool::new(false));
    let mut hanging = probe(ProbeKind::Http, server.url("/hang"), &["status == 200"]);
    hanging.timeout_ms = 3_000;
    let started = Instant::now();
    runner.submit(ProbeJob { item: "hanging".into(), spec: hanging }, cancel.clone());
    runner.submit(ProbeJob { item: "fast".into(), spec: probe(ProbeKind::Http, server.url("/health"), &["status == 200"]) }, cancel.clone());
    let first = results.recv_timeout(Duration::from_secs(2)).unwrap();
    assert_eq!(first.item, "fast");
    assert!(started.elapsed() < Duration::from_secs(1), "the fast probe waited {:?}", started.elapsed());
    // Cancelling stops the hanging one well before its timeout.
    cancel.store(true, Ordering::Relaxed);
    let second = results.recv_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!((second.item.as_str(), second.state, second.error.as_deref()), ("hanging", ProbeState::Error, Some("cancelled")));
}

#[test]
fn retries_on_5xx_and_a_pass_after_retry_warns() {
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Http, server.url("/flaky"), &["status == 200"]);
    spec.retries = 2;
    spec.retry_delay_ms = 10;
    let result = run(spec);
    assert_eq!((result.state, result.attempts), (ProbeState::Warn, 2), "{result:#?}");
}

#[test]
fn a_failed_condition_is_never_retried() {
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Http, server.url("/health"), &["status == 201"]);
    spec.retries = 3;
    let result = run(spec);
    assert_eq!((result.state, result.attempts), (ProbeState::Fail, 1));
}

#[test]
fn sampled_http_reports_percentiles() {
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Http, server.url("/health"), &["p95 < 1s", "count == 20", "error_rate == 0"]);
    spec.samples = 20;
    let result = run(spec);
    assert_eq!(result.state, ProbeState::Pass, "{:?}", resolved(&result));
    assert!(result.measured.contains_key("p99"));
}

#[test]
fn any_percentile_and_the_mean_minimum_and_maximum_are_subjects() {
    let server = TestServer::start();
    let conditions = ["p(99.9) < 1s", "p(75) <= p(99.9)", "avg < 1s", "min <= median", "p(50) <= max", "max < 0ms"];
    let mut spec = probe(ProbeKind::Http, server.url("/health"), &conditions);
    spec.samples = 20;
    let result = run(spec);
    let lines = resolved(&result);
    assert_eq!(result.state, ProbeState::Fail, "only the last fails: {lines:?}");
    assert!(result.conditions[..5].iter().all(|c| c.passed), "{lines:?}");
    assert!(lines[5].starts_with("max (") && lines[5].ends_with(") < 0ms"), "{lines:?}");
    for name in ["p(99.9)", "p(75)", "avg", "min", "max", "median"] {
        assert!(result.measured.contains_key(name), "{name} is recorded: {:?}", result.measured);
    }
}

#[test]
fn tcp_open_refused_and_send_expect() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    runtime.spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 64];
                if let Ok(n) = stream.read(&mut buffer).await
                    && &buffer[..n] == b"PING\r\n"
                {
                    let _ = stream.write_all(b"+PONG\r\n").await;
                }
            });
        }
    });
    let open = run(probe(ProbeKind::Tcp, format!("127.0.0.1:{port}"), &[]));
    assert_eq!(open.state, ProbeState::Pass, "the default condition is `connected == true`: {open:#?}");
    let mut ping = probe(ProbeKind::Tcp, format!("127.0.0.1:{port}"), &["reply == +PONG", "response_time < 1s"]);
    ping.send = "PING\\r\\n".into();
    assert_eq!(run(ping).state, ProbeState::Pass);

    // A port nobody listens on: bind, note the port, close.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused = run(probe(ProbeKind::Tcp, format!("127.0.0.1:{closed}"), &["connected == true"]));
    assert_eq!(refused.state, ProbeState::Fail);
    assert_eq!(resolved(&refused), ["connected (false) == true"]);
}

#[test]
fn tcp_retries_a_refused_connection_and_a_pass_after_retry_warns() {
    // A port nobody listens on until a listener opens on it 100 ms from now, after the first
    // attempt and before the second. Connecting needs no accept: the listener's backlog takes it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        let _listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_secs(5));
    });
    let mut spec = probe(ProbeKind::Tcp, format!("127.0.0.1:{port}"), &["connected == true"]);
    spec.retries = 3;
    spec.retry_delay_ms = 400;
    let result = run(spec);
    assert_eq!((result.state, result.attempts), (ProbeState::Warn, 2), "{result:#?}");
    assert_eq!(resolved(&result), ["connected (true) == true"]);
}

#[test]
fn tcp_retries_end_with_the_last_attempt_and_a_failed_condition_is_never_retried() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut refused = probe(ProbeKind::Tcp, format!("127.0.0.1:{closed}"), &["connected == true"]);
    refused.retries = 2;
    refused.retry_delay_ms = 10;
    let result = run(refused);
    assert_eq!((result.state, result.attempts), (ProbeState::Fail, 3), "{result:#?}");

    // Connected, but the reply is not the one expected: measured once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let _ = std::io::Read::read(&mut stream, &mut [0u8; 64]);
            let _ = std::io::Write::write_all(&mut stream, b"-ERR unknown\r\n");
        }
    });
    let mut wrong = probe(ProbeKind::Tcp, format!("127.0.0.1:{port}"), &["reply == +PONG"]);
    wrong.send = "PING\\r\\n".into();
    wrong.retries = 3;
    let result = run(wrong);
    assert_eq!((result.state, result.attempts), (ProbeState::Fail, 1), "{result:#?}");
    assert_eq!(resolved(&result), [r#"reply ("-ERR unknown") == +PONG"#]);
}

#[test]
fn redis_answers_ping() {
    let Ok(path) = which("redis-server") else {
        println!("skipped: redis-server is not installed (.ci/run installs it)");
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(path)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut spec = probe(ProbeKind::Tcp, format!("127.0.0.1:{port}"), &["reply == +PONG", "response_time < 10ms"]);
    spec.send = "PING\\r\\n".into();
    let mut result = run(spec.clone());
    for _ in 0..50 {
        if result.state == ProbeState::Pass {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        result = run(spec.clone());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(result.state, ProbeState::Pass, "{:?}", resolved(&result));
}

fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(program)).find(|p| p.is_file())).ok_or(())
}

#[test]
fn load_uses_many_connections_and_counts_errors() {
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Load, server.url("/health"), &["error_rate < 1%", "p95 < 1s", "count > 50"]);
    spec.connections = 10;
    spec.duration_ms = 500;
    let result = run(spec);
    assert_eq!(result.state, ProbeState::Pass, "{:?}", resolved(&result));
    let mut failing = probe(ProbeKind::Load, server.url("/fail"), &["error_rate < 1%"]);
    failing.connections = 4;
    failing.requests = 40;
    let result = run(failing);
    assert_eq!(resolved(&result), ["error_rate (100.00%) < 1%"]);
}

#[test]
fn load_sends_the_method_headers_and_body_on_every_request() {
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Load, server.url("/post-only"), &["error_rate == 0%", "count == 40"]);
    spec.method = "POST".into();
    spec.body = r#"{"ping":1}"#.into();
    spec.headers.insert("X-Probe".into(), "load".into());
    spec.connections = 4;
    spec.requests = 40;
    let result = run(spec);
    assert_eq!(result.state, ProbeState::Pass, "{:?} {:?}", resolved(&result), result.error);
}

#[test]
fn load_sized_by_request_count_runs_to_its_last_request() {
    // 115 requests of 100 ms on one connection take 11.5 s: longer than the ten seconds a timed
    // load probe gets by default, well within 115 request timeouts.
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Load, server.url("/tick"), &["error_rate == 0%", "count == 115"]);
    spec.connections = 1;
    spec.requests = 115;
    spec.timeout_ms = 500;
    let result = run(spec);
    assert_eq!(result.state, ProbeState::Pass, "{:?} {:?}", resolved(&result), result.error);
}

#[test]
fn load_probes_run_one_at_a_time_beside_light_probes() {
    let server = TestServer::start();
    let load = |item: &str| {
        let mut spec = probe(ProbeKind::Load, server.url("/health"), &["error_rate < 1%"]);
        spec.connections = 2;
        spec.duration_ms = 400;
        ProbeJob { item: item.into(), spec }
    };
    let light = |item: &str| ProbeJob { item: item.into(), spec: probe(ProbeKind::Http, server.url("/tick"), &["status == 200"]) };
    let jobs = vec![load("load-1"), light("light-1"), load("load-2"), light("light-2")];
    let results = run_blocking(jobs, PROBES_AT_ONCE).unwrap();
    assert!(results.iter().all(|r| r.state == ProbeState::Pass), "{results:#?}");
    // Start and end of each probe; the clock has milliseconds, so allow two.
    let span = |r: &ProbeResult| {
        let start = r.started_at.as_datetime();
        (start, start + chrono::Duration::milliseconds(r.duration_ms as i64))
    };
    let slack = chrono::Duration::milliseconds(2);
    let (load_1, load_2) = (span(&results[0]), span(&results[2]));
    assert!(load_2.0 + slack >= load_1.1 || load_1.0 + slack >= load_2.1, "the load probes overlapped: {load_1:?} {load_2:?}");
    // The light probes did not queue behind the load probes: both ended before the second load began.
    let second_load_start = load_1.0.max(load_2.0);
    for light in [&results[1], &results[3]] {
        assert!(span(light).1 <= second_load_start + slack, "{} waited for a load probe", light.item);
    }
}

#[test]
fn load_against_a_server_without_keep_alive_reconnects_without_counting_errors() {
    let server = TestServer::start();
    let mut spec = probe(ProbeKind::Load, server.url("/close"), &["error_rate == 0%", "count == 200"]);
    spec.connections = 4;
    spec.requests = 200;
    let result = run(spec);
    assert_eq!(result.state, ProbeState::Pass, "{:?} {:?}", resolved(&result), result.error);
}

#[test]
fn secrets_are_resolved_and_never_recorded() {
    let server = TestServer::start();
    // SAFETY: no other test reads or writes this variable.
    #[allow(unsafe_code, reason = "setting an environment variable is unsafe in Rust 2024; see the SAFETY note")]
    unsafe {
        std::env::set_var("PREFLIGHT_TEST_API_TOKEN", "tok-9f8e7d6c")
    };
    let mut spec = probe(ProbeKind::Http, server.url("/echo-auth"), &["body contains tok-9f8e7d6c", "body contains Bearer"]);
    spec.headers.insert("Authorization".into(), "Bearer ${env:PREFLIGHT_TEST_API_TOKEN}".into());
    let result = run(spec.clone());
    assert_eq!(result.state, ProbeState::Pass, "the server saw the resolved secret: {:?}", resolved(&result));
    let recorded = format!("{result:?}");
    assert!(!recorded.contains("tok-9f8e7d6c"), "the secret leaked into the result: {recorded}");

    spec.headers.insert("Authorization".into(), "Bearer ${env:PREFLIGHT_TEST_UNSET_TOKEN}".into());
    let missing = run(spec);
    assert_eq!(missing.state, ProbeState::Error);
    assert!(missing.error.as_deref().unwrap().contains("PREFLIGHT_TEST_UNSET_TOKEN is not set"));
}

#[test]
fn a_condition_syntax_error_is_an_error_naming_the_column() {
    let result = run(probe(ProbeKind::Http, "http://127.0.0.1:1/".into(), &["status = 200"]));
    assert_eq!(result.state, ProbeState::Error);
    assert!(result.error.as_deref().unwrap().contains("column 8"), "{:?}", result.error);
}

mod cli {
    use std::process::Command;

    use preflight::model::{ItemState, Template};
    use preflight::store;

    use super::*;

    /// A template whose first three checks carry probes against the test server.
    fn template_with_probes(server: &TestServer) -> Template {
        let mut template =
            store::load_template(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/prismai-platform.checklist.ron")).unwrap();
        let items = &mut template.sections[0].sections[0].items;
        items[0].probe = Some(probe(ProbeKind::Http, server.url("/health"), &["status == 200", "response_time < 1s"]).into());
        let mut secret = probe(ProbeKind::Http, server.url("/echo-auth"), &["body contains Bearer"]);
        secret.headers.insert("Authorization".into(), "Bearer ${env:PREFLIGHT_CLI_SECRET}".into());
        items[1].probe = Some(secret.into());
        items[2].probe = Some(probe(ProbeKind::Http, server.url("/fail"), &["status == 200"]).into());
        template
    }

    #[test]
    fn probe_records_results_prints_a_table_and_leaks_no_secret() {
        let server = TestServer::start();
        let dir = tempfile::tempdir().unwrap();
        let template_path = dir.path().join("probed.checklist.ron");
        store::save_template(&template_path, &template_with_probes(&server)).unwrap();
        let run_path = dir.path().join("probed.run.ron");
        let bin = env!("CARGO_BIN_EXE_preflight");
        let started = Command::new(bin)
            .args([
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
            ])
            .output()
            .unwrap();
        assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));

        let output =
            Command::new(bin).args(["probe", run_path.to_str().unwrap()]).env("PREFLIGHT_CLI_SECRET", "sk-live-0123456789").output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "one probe fails: {stdout}{stderr}");
        assert!(stdout.contains("pass   ") && stdout.contains("status (200) == 200"), "{stdout}");
        assert!(stdout.contains("✗ status (503) == 200"), "{stdout}");
        let file = std::fs::read_to_string(&run_path).unwrap();
        for text in [stdout.as_ref(), stderr.as_ref(), file.as_str()] {
            assert!(!text.contains("sk-live-0123456789"), "the secret leaked");
        }

        let run = store::load_run(&run_path).unwrap();
        assert_eq!(run.probe_results.len(), 3);
        assert_eq!(run.integrity_problems(), []);
        let first = &run.template.sections[0].sections[0].items[0].id;
        assert_eq!(run.items[first].state, ItemState::Done);
        assert_eq!(run.items[first].by.as_deref(), Some("probe"));

        let only = Command::new(bin).args(["probe", run_path.to_str().unwrap(), "--item", first, "--json"]).output().unwrap();
        assert!(only.status.success(), "{}", String::from_utf8_lossy(&only.stderr));
        let results: Vec<ProbeResult> = serde_json::from_slice(&only.stdout).unwrap();
        assert_eq!((results.len(), results[0].state), (1, ProbeState::Pass));
        assert_eq!(store::load_run(&run_path).unwrap().probe_results.len(), 4);

        let missing = Command::new(bin).args(["probe", run_path.to_str().unwrap(), "--item", "no-such-item"]).output().unwrap();
        assert_eq!(missing.status.code(), Some(2));
    }
}

#[test]
fn lint_reports_a_bad_probe_condition_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let mut template =
        preflight::store::load_template(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/persona-chat-service.checklist.ron"))
            .unwrap();
    template.sections[0].sections[0].items[0].probe = Some(probe(ProbeKind::Http, "http://localhost/".into(), &["status = 200"]).into());
    let path = dir.path().join("bad.checklist.ron");
    preflight::store::save_template(&path, &template).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let (line, col) = preflight::store::locate(&text, "status = 200", 0).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_preflight")).args(["lint", path.to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "bad.checklist.ron:{line}:{col}: item `all-unit-tests-passing`: probe condition `status = 200`: column 8: expected an operator"
        )),
        "{stderr}"
    );
}
