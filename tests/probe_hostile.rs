//! HTTP probes against hostile servers these tests start on 127.0.0.1: endless, stalled,
//! trickled and compressed bodies, silence, redirect loops, floods of headers, and a server that
//! echoes the probe's secrets back in every form. Each must end within the probe's timeout plus
//! 10 %, with memory nowhere near the size of what the server offers, and record no secret.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly on what it did not expect")]

use std::io::Write;
use std::time::{Duration, Instant};

use preflight::model::{ProbeKind, ProbeResult, ProbeSpec, ProbeState};
use preflight::probe::runner::{ProbeJob, run_blocking};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The probe timeout of the timed cases.
const TIMEOUT_MS: u64 = 1_000;

/// How long a timed case may take: the timeout plus 10 %, plus slack for what the wall clock of
/// a test measures beyond the probe itself: starting and stopping the runner's runtime, and
/// timers that fire late on a two-core machine busy compiling (a debug build).
fn timed_bound() -> Duration {
    Duration::from_millis(TIMEOUT_MS + TIMEOUT_MS / 10) + Duration::from_millis(300)
}

/// The body the endless server offers: 2 GiB, generated as it is sent.
const ENDLESS_BYTES: u64 = 2 << 30;

/// More resident memory than this means a body was held whole; the process stays far below.
const MEMORY_CAP_KB: u64 = 128 * 1024;

/// A request as the hostile server read it: the target and the headers by lowercase name.
struct Request {
    target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> String {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buffer).to_string();
    let mut lines = head.lines();
    let target = lines.next()?.split_whitespace().nth(1)?.to_string();
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    Some(Request { target, headers })
}

/// Every byte but unreserved ones as `%XX`, as a server building a URL would write them.
fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Standard base64 with padding, written here so that the test does not trust the code it checks.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let n = group.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= group.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// `members` gzip members of `each` zero bytes, back to back: one gzip stream that decompresses
/// to `members × each` bytes.
fn gzip_bomb(members: usize, each: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0u8; each]).unwrap();
    encoder.finish().unwrap().repeat(members)
}

/// The server's two bombs, made once, before a probe times the server: 2 GiB of zeros in 2,048
/// members of 1 MiB (about 2 MB), and 10 MiB in one member (about 10 KB).
fn bombs() -> &'static (Vec<u8>, Vec<u8>) {
    static BOMBS: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    BOMBS.get_or_init(|| (gzip_bomb(2048, 1 << 20), gzip_bomb(1, 10 << 20)))
}

/// The 70 characters before an echoed secret, so that the secret straddles the 80 characters a
/// condition shows of a value.
const PAD: &str = "padding-padding-padding-padding-padding-padding-padding-padding-paddin";

async fn answer(mut stream: TcpStream, port: u16) {
    let Some(request) = read_request(&mut stream).await else { return };
    // Every answer ends its connection, so that the client never reuses one the server closed.
    let head = |status: &str, headers: &str| format!("HTTP/1.1 {status}\r\nconnection: close\r\n{headers}\r\n");
    let reply = match request.path() {
        // Says it sends 2 GiB (or, bottomless, 1 TiB: more than loopback carries within a
        // timeout), and does, until the client goes away.
        "/endless" | "/bottomless" => {
            let size = if request.path() == "/endless" { ENDLESS_BYTES } else { 1 << 40 };
            let _ = stream.write_all(head("200 OK", &format!("content-length: {size}\r\n")).as_bytes()).await;
            let block = vec![b'a'; 64 * 1024];
            for _ in 0..size / block.len() as u64 {
                if stream.write_all(&block).await.is_err() {
                    return;
                }
            }
            return;
        }
        // Headers and 10 of the 100 bytes promised, then nothing.
        "/stall" => {
            let _ = stream.write_all(format!("{}0123456789", head("200 OK", "content-length: 100\r\n")).as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        // 10 of the 100 bytes promised, then the end of the connection.
        "/short" => format!("{}0123456789", head("200 OK", "content-length: 100\r\n")),
        // One byte of the body every 500 ms, forever.
        "/trickle-body" => {
            let _ = stream.write_all(head("200 OK", "content-length: 1000000\r\n").as_bytes()).await;
            while stream.write_all(b"x").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            return;
        }
        // One byte of the status line every 500 ms, forever.
        "/trickle-head" => {
            for byte in b"HTTP/1.1 200 OK\r\n".iter().cycle() {
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            return;
        }
        // Reads the request and never answers.
        "/silent" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        // 2 GiB of zeros once decompressed, about 2 MB as sent; says what it was asked for.
        "/gzip-bomb" | "/gzip-small" => {
            let (big, small) = bombs();
            let body = if request.path() == "/gzip-bomb" { big } else { small };
            let asked = request.header("accept-encoding");
            let headers = format!("content-encoding: gzip\r\ncontent-length: {}\r\nx-accept-encoding: [{asked}]\r\n", body.len());
            let _ = stream.write_all(head("200 OK", &headers).as_bytes()).await;
            let _ = stream.write_all(body).await;
            return;
        }
        "/loop" => head("302 Found", "location: /loop\r\ncontent-length: 0\r\n"),
        "/many-headers" => {
            let headers: String = (0..10_000).map(|i| format!("x-header-{i}: value {i}\r\n")).collect();
            head("200 OK", &format!("{headers}content-length: 2\r\n")) + "ok"
        }
        // One header line that never ends.
        "/endless-header" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nx-endless: ").await;
            let block = vec![b'a'; 64 * 1024];
            while stream.write_all(&block).await.is_ok() {}
            return;
        }
        // Echoes the request's secrets in headers and sends the probe on with them in the query,
        // the way a careless login page does; the credentials from the URL come back in the
        // `location` too.
        "/echo" => {
            let (key, auth) = (request.header("x-api-key"), request.header("authorization"));
            let location = format!(
                "http://probe:{}@127.0.0.1:{port}/landing?from={}&key={}&auth={}",
                percent_encoded(&request.header("x-pass-back")),
                percent_encoded(&request.target),
                percent_encoded(&key),
                percent_encoded(&auth)
            );
            head("302 Found", &format!("location: {location}\r\nserver: {key}\r\nx-echo: {auth}\r\ncontent-length: 0\r\n"))
        }
        "/landing" => {
            let (key, auth) = (request.header("x-api-key"), request.header("authorization"));
            let body = format!("{PAD}{key} {} {auth} {} {}", percent_encoded(&key), request.target, key.replace(' ', "+"));
            // Also as a JSON API and an HTML page would write them back.
            let (json, html) = (format!("{{\"key\": \"{}\"}}", key.replace('/', "\\/")), format!("<p>{}</p>", key.replace('&', "&amp;")));
            let headers = format!(
                "server: {PAD}{key}\r\ncache-control: {auth}\r\ncontent-type: text/plain; x={}\r\nx-echo: {key}\r\nx-json: {json}\r\nx-html: {html}\r\ncontent-length: {}\r\n",
                percent_encoded(&key),
                body.len()
            );
            head("200 OK", &headers) + &body
        }
        _ => head("404 Not Found", "content-length: 0\r\n"),
    };
    let _ = stream.write_all(reply.as_bytes()).await;
}

/// The hostile server, on a runtime of its own.
struct Hostile {
    port: u16,
    _runtime: tokio::runtime::Runtime,
}

impl Hostile {
    fn start() -> Hostile {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, port));
            }
        });
        Hostile { port, _runtime: runtime }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn spec(target: String, expect: &[&str]) -> ProbeSpec {
    let mut spec = ProbeSpec::new(ProbeKind::Http, target);
    spec.expect = expect.iter().map(|s| s.to_string()).collect();
    spec.timeout_ms = TIMEOUT_MS;
    spec
}

fn run(spec: ProbeSpec) -> ProbeResult {
    run_blocking(vec![ProbeJob { item: "item".into(), spec }], 4).unwrap().remove(0)
}

/// Runs a probe and returns its result with the wall-clock time it took.
fn timed(spec: ProbeSpec) -> (ProbeResult, Duration) {
    let started = Instant::now();
    let result = run(spec);
    (result, started.elapsed())
}

/// The peak resident memory of this test process so far, in KiB.
fn peak_resident_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn error_of(result: &ProbeResult) -> &str {
    result.error.as_deref().unwrap_or_default()
}

#[test]
fn an_endless_body_is_read_to_the_limit_then_dropped_and_marked_truncated() {
    let server = Hostile::start();
    let (result, elapsed) = timed(spec(server.url("/endless"), &["status == 200", "body contains aaaa"]));
    assert_eq!(result.state, ProbeState::Pass, "{result:#?}");
    assert_eq!(result.details.get("body.bytes").map(String::as_str), Some("1048576"), "{:?}", result.details);
    assert!(result.details.get("body.truncated").is_some_and(|t| t.contains("1 MiB")), "{:?}", result.details);
    assert!(elapsed < Duration::from_secs(2), "reading stopped at the limit, yet the probe took {elapsed:?}");
    let peak = peak_resident_kb();
    assert!(peak < MEMORY_CAP_KB, "peak resident memory {peak} KiB for a {ENDLESS_BYTES}-byte body");
}

#[test]
fn a_condition_a_truncated_body_cannot_settle_fails_rather_than_passes() {
    let server = Hostile::start();
    // `!contains` on the first 1 MiB says nothing of the rest; `contains` found is found.
    let result = run(spec(server.url("/endless"), &["body !contains error", "body contains aaaa", r#"json(a) == "b""#]));
    assert_eq!(result.state, ProbeState::Fail, "{result:#?}");
    let passed: Vec<bool> = result.conditions.iter().map(|c| c.passed).collect();
    assert_eq!(passed, [false, true, false]);
    assert!(result.conditions[0].seen.contains("only the first 1 MiB"), "{:?}", result.conditions[0]);
}

#[test]
fn a_load_probe_reads_a_bottomless_body_without_keeping_it() {
    let server = Hostile::start();
    let mut load = spec(server.url("/bottomless"), &["count == 1"]);
    (load.kind, load.connections, load.requests) = (ProbeKind::Load, 1, 1);
    let (result, elapsed) = timed(load);
    // The one request cannot finish a 1 TiB body within its timeout: an error, counted. (A load
    // probe drains 2 GiB from loopback in about a second, so that would be a race.)
    assert_eq!(result.state, ProbeState::Pass, "{result:#?}");
    assert_eq!(result.measured.get("error_rate").map(String::as_str), Some("100.00%"), "{:?}", result.measured);
    assert!(elapsed < timed_bound(), "took {elapsed:?}");
    let peak = peak_resident_kb();
    assert!(peak < MEMORY_CAP_KB, "peak resident memory {peak} KiB for a bottomless body under load");
}

#[test]
fn a_body_that_breaks_off_is_an_error() {
    let server = Hostile::start();
    let result = run(spec(server.url("/short"), &["status == 200"]));
    assert_eq!(result.state, ProbeState::Error, "{result:#?}");
    assert!(error_of(&result).starts_with("the body broke off after 10 bytes"), "{:?}", result.error);
}

#[test]
fn a_stalled_body_is_an_error_within_the_timeout() {
    let server = Hostile::start();
    let (result, elapsed) = timed(spec(server.url("/stall"), &["status == 200"]));
    assert_eq!(result.state, ProbeState::Error, "a body never finished is no pass: {result:#?}");
    assert!(error_of(&result).contains("timed out after 1000 ms reading the body (10 bytes received)"), "{:?}", result.error);
    assert!(elapsed < timed_bound(), "took {elapsed:?}");
}

#[test]
fn a_trickled_body_is_an_error_within_the_timeout() {
    let server = Hostile::start();
    let (result, elapsed) = timed(spec(server.url("/trickle-body"), &["status == 200"]));
    assert_eq!(result.state, ProbeState::Error, "{result:#?}");
    assert!(error_of(&result).contains("timed out after 1000 ms reading the body"), "{:?}", result.error);
    assert!(elapsed < timed_bound(), "took {elapsed:?}");
}

#[test]
fn a_trickled_status_line_and_a_silent_server_are_errors_within_the_timeout() {
    let server = Hostile::start();
    for path in ["/trickle-head", "/silent"] {
        let (result, elapsed) = timed(spec(server.url(path), &["status == 200"]));
        assert_eq!(result.state, ProbeState::Error, "{path}: {result:#?}");
        assert!(error_of(&result).contains("timed out"), "{path}: {:?}", result.error);
        assert!(elapsed < timed_bound(), "{path} took {elapsed:?}");
    }
}

#[test]
fn a_gzip_bomb_is_never_decompressed_and_is_read_to_the_limit() {
    let server = Hostile::start();
    let (big, small) = bombs();
    // The compressed bomb alone is over the limit; the small one far under it.
    assert!(big.len() > 1 << 20 && small.len() < 20_000, "{} and {} bytes", big.len(), small.len());
    // Preflight asks for no compression, so a body compressed anyway is kept as sent.
    let (result, elapsed) = timed(spec(server.url("/gzip-bomb"), &["status == 200", r#"header(x-accept-encoding) == "[]""#]));
    assert_eq!(result.state, ProbeState::Pass, "{result:#?}");
    assert_eq!(result.details.get("body.bytes").map(String::as_str), Some("1048576"), "{:?}", result.details);
    assert!(result.details.contains_key("body.truncated"), "{:?}", result.details);
    assert_eq!(result.details.get("header content-encoding").map(String::as_str), Some("gzip"));
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let peak = peak_resident_kb();
    assert!(peak < MEMORY_CAP_KB, "peak resident memory {peak} KiB for a 2 GiB gzip bomb");

    // 10 MB of zeros in one member: the few KB sent are the body, whole.
    let whole = run(spec(server.url("/gzip-small"), &["status == 200"]));
    assert_eq!(whole.details.get("body.bytes"), Some(&small.len().to_string()), "{whole:#?}");
    assert!(!whole.details.contains_key("body.truncated"));
}

#[test]
fn a_redirect_loop_ends_with_more_than_n_redirects() {
    let server = Hostile::start();
    let mut looping = spec(server.url("/loop"), &["status == 200"]);
    looping.max_redirects = 5;
    let (result, elapsed) = timed(looping);
    assert_eq!(result.state, ProbeState::Error, "{result:#?}");
    assert_eq!(error_of(&result), "redirect failed: more than 5 redirects");
    assert!(elapsed < Duration::from_millis(TIMEOUT_MS), "took {elapsed:?}");
}

#[test]
fn ten_thousand_headers_or_one_endless_header_end_with_a_plain_error() {
    let server = Hostile::start();
    for path in ["/many-headers", "/endless-header"] {
        let (result, elapsed) = timed(spec(server.url(path), &["status == 200"]));
        assert_eq!(result.state, ProbeState::Error, "{path}: {result:#?}");
        assert!(
            error_of(&result).contains("the response headers are too large: more than 100 headers or about 400 KiB"),
            "{path}: {:?}",
            result.error
        );
        assert!(elapsed < timed_bound(), "{path} took {elapsed:?}");
    }
    let peak = peak_resident_kb();
    assert!(peak < MEMORY_CAP_KB, "peak resident memory {peak} KiB");
}

mod secrets {
    use super::*;

    /// A header secret with every character a URL encodes, 34 characters long.
    pub const KEY: &str = "Zq8vXk2p Lm9w/Rt4y?&=+~7Hn3%Jd5Fs!";
    /// A password in the target's userinfo, sent as `Authorization: Basic`.
    pub const PASS: &str = "Wb6Tn1Qe8Ry3Ux5Io";
    /// A token in the target's query, with a space the URL encodes.
    pub const TOKEN: &str = "Pc4Mv7Kb 2Nx9Lz6Gh1";

    /// Every form the secrets can take on the way back, and every 8-character piece of each: a
    /// piece found means a secret leaked in part.
    pub fn forbidden() -> Vec<String> {
        let mut forms = Vec::new();
        for secret in [KEY, PASS, TOKEN] {
            forms.extend([secret.to_string(), percent_encoded(secret), percent_encoded(secret).to_lowercase(), secret.replace(' ', "+")]);
            forms.extend([secret.replace('/', "\\/"), secret.replace('&', "&amp;")]);
            forms.push(secret.replace(' ', "%20"));
        }
        let basic = base64(format!("probe:{PASS}").as_bytes());
        forms.push(percent_encoded(&basic));
        forms.push(basic);
        let mut pieces: Vec<String> = Vec::new();
        for form in &forms {
            let chars: Vec<char> = form.chars().collect();
            pieces.extend(chars.windows(8).map(|w| w.iter().collect::<String>()));
        }
        forms.extend(pieces);
        forms.sort();
        forms.dedup();
        forms
    }

    /// The forbidden forms that occur in `text`.
    pub fn leaks(text: &str) -> Vec<String> {
        forbidden().into_iter().filter(|form| text.contains(form.as_str())).collect()
    }

    pub fn echo_spec(server: &Hostile) -> ProbeSpec {
        let target = format!("http://probe:${{env:PREFLIGHT_HOSTILE_PASS}}@127.0.0.1:{}/echo?token=${{env:PREFLIGHT_HOSTILE_TOKEN}}", server.port);
        let mut spec = spec(
            target,
            &[
                "status == 200",
                "redirects == 1",
                &format!("body contains {PAD}"),
                "final_url contains landing",
                "header(server) exists",
                "header(cache-control) contains Basic",
                r#"header(x-echo) matches "^Zq8v""#,
                r#"header(x-json) contains "key""#,
                r#"header(x-html) contains "<p>""#,
            ],
        );
        spec.headers.insert("x-api-key".into(), "${env:PREFLIGHT_HOSTILE_KEY}".into());
        spec.headers.insert("x-pass-back".into(), "${env:PREFLIGHT_HOSTILE_PASS}".into());
        spec
    }
}

#[test]
fn echoed_secrets_appear_in_no_form_in_the_result() {
    // SAFETY: only this test reads or writes these variables.
    #[allow(unsafe_code, reason = "setting an environment variable is unsafe in Rust 2024; see the SAFETY note")]
    unsafe {
        std::env::set_var("PREFLIGHT_HOSTILE_KEY", secrets::KEY);
        std::env::set_var("PREFLIGHT_HOSTILE_PASS", secrets::PASS);
        std::env::set_var("PREFLIGHT_HOSTILE_TOKEN", secrets::TOKEN);
    }
    let server = Hostile::start();
    let result = run(secrets::echo_spec(&server));
    // The conditions were judged on what the server sent, secrets and all.
    assert_eq!(result.state, ProbeState::Pass, "{result:#?}");
    assert!(result.measured["final_url"].contains("/landing?"), "{:?}", result.measured);
    let recorded = [format!("{result:?}"), serde_json::to_string(&result).unwrap(), ron::to_string(&result).unwrap()];
    for text in &recorded {
        assert_eq!(secrets::leaks(text), Vec::<String>::new(), "a secret leaked into {text}");
    }
    // Masked, not dropped: the echoes are there, with the secrets replaced.
    assert!(result.conditions[2].seen.contains(preflight::probe::secrets::MASK), "{:?}", result.conditions[2]);
    assert!(result.details["header cache-control"].starts_with("Basic "), "{:?}", result.details);
}

#[test]
fn echoed_secrets_appear_in_no_form_in_what_probe_prints_or_records() {
    use std::process::Command;

    use preflight::store;

    let server = Hostile::start();
    let dir = tempfile::tempdir().unwrap();
    let mut template =
        store::load_template(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/prismai-platform.checklist.ron")).unwrap();
    template.sections[0].sections[0].items[0].probe = Some(secrets::echo_spec(&server).into());
    let template_path = dir.path().join("hostile.checklist.ron");
    store::save_template(&template_path, &template).unwrap();
    let run_path = dir.path().join("hostile.run.ron");
    let bin = env!("CARGO_BIN_EXE_preflight");
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let started = Command::new(bin)
        .args(["run", &path(&template_path), "-o", &path(&run_path), "--set", "version=1", "--set", "environment=prod", "--actor", "ci"])
        .output()
        .unwrap();
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    for json in [false, true] {
        let mut command = Command::new(bin);
        command.args(["probe", &path(&run_path)]).args(json.then_some("--json"));
        let output = command
            .env("PREFLIGHT_HOSTILE_KEY", secrets::KEY)
            .env("PREFLIGHT_HOSTILE_PASS", secrets::PASS)
            .env("PREFLIGHT_HOSTILE_TOKEN", secrets::TOKEN)
            .output()
            .unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "the probe passes: {stdout}{stderr}");
        assert!(stdout.contains(preflight::probe::secrets::MASK), "the echoes are shown masked: {stdout}");
        for text in [stdout.as_ref(), stderr.as_ref(), std::fs::read_to_string(&run_path).unwrap().as_str()] {
            assert_eq!(secrets::leaks(text), Vec::<String>::new(), "a secret leaked into {text}");
        }
    }
}
