//! Probe runner benchmarks: 200 HTTP probes against a loopback server that answers after 50 ms,
//! run through `run_blocking` with the limit the app and the command line use
//! (`PROBES_AT_ONCE`) and with the limit of 8 they used before, against one such probe alone.
//!
//! Run with `cargo bench --bench probes`; the figures and targets are recorded in
//! `docs/BENCHMARKS.md`. Nothing leaves 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use preflight::model::{ProbeKind, ProbeSpec, ProbeState};
use preflight::probe::runner::{PROBES_AT_ONCE, ProbeJob, run_blocking};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[path = "../tests/support/http_request.rs"]
mod http_request;
use http_request::read_request;

/// How long the server waits before it answers each request.
const SERVER_DELAY: Duration = Duration::from_millis(50);
/// Probes in a batch.
const PROBES: usize = 200;
/// The limit the app and the command line used before `PROBES_AT_ONCE`, for comparison.
const EARLIER_LIMIT: usize = 8;

/// A minimal HTTP/1.1 server with keep-alive on its own runtime: every request on any path is
/// answered `200 OK` after `SERVER_DELAY`.
struct SlowServer {
    port: u16,
    _runtime: tokio::runtime::Runtime,
}

async fn handle(mut stream: TcpStream) {
    const REPLY: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok";
    let mut buffer = Vec::new();
    while read_request(&mut stream, &mut buffer).await.is_some() {
        tokio::time::sleep(SERVER_DELAY).await;
        if stream.write_all(REPLY).await.is_err() {
            return;
        }
    }
}

impl SlowServer {
    fn start() -> SlowServer {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("bench-server").enable_all().build().unwrap();
        // 200 probes connect at once; tokio's default backlog of 128 would overflow and the
        // dropped SYNs would come back a second later, measuring the kernel, not the probes.
        let listener = runtime
            .block_on(async {
                let socket = tokio::net::TcpSocket::new_v4()?;
                socket.bind("127.0.0.1:0".parse().expect("a valid loopback address"))?;
                socket.listen(1024)
            })
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handle(stream));
            }
        });
        SlowServer { port, _runtime: runtime }
    }
}

fn jobs(url: &str, count: usize) -> Vec<ProbeJob> {
    (0..count)
        .map(|n| {
            let mut spec = ProbeSpec::new(ProbeKind::Http, url);
            spec.expect = vec!["status == 200".to_string()];
            ProbeJob { item: format!("probe-{n}"), spec }
        })
        .collect()
}

/// Runs the batch once and checks that every probe passed, so that no error is timed as work.
fn run_checked(jobs: Vec<ProbeJob>, max_concurrent: usize) {
    let count = jobs.len();
    let results = run_blocking(jobs, max_concurrent).unwrap();
    assert_eq!(results.len(), count);
    if let Some(bad) = results.iter().find(|r| r.state != ProbeState::Pass) {
        panic!("a probe did not pass: {:?} {}", bad.state, bad.summary());
    }
}

fn median(samples: &Mutex<Vec<Duration>>) -> Duration {
    let mut samples = samples.lock().unwrap().clone();
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn bench_http_batch(c: &mut Criterion) {
    let server = SlowServer::start();
    let url = format!("http://127.0.0.1:{}/", server.port);
    run_checked(jobs(&url, PROBES), PROBES);

    // Every timed call, warm-up included, for the ratio printed at the end.
    let cases: [(&str, usize, usize); 3] =
        [("single", 1, PROBES_AT_ONCE), ("200-at-shipped-limit", PROBES, PROBES_AT_ONCE), ("200-at-8", PROBES, EARLIER_LIMIT)];
    let timings: Vec<Mutex<Vec<Duration>>> = cases.iter().map(|_| Mutex::new(Vec::new())).collect();

    let mut group = c.benchmark_group("http-50ms");
    // One call takes 50 ms to 1.3 s: flat sampling keeps ten samples within seconds.
    group.sample_size(10).measurement_time(Duration::from_secs(6)).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    for ((name, count, max_concurrent), timing) in cases.iter().zip(&timings) {
        let batch = jobs(&url, *count);
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let batch = batch.clone();
                    let started = Instant::now();
                    run_checked(batch, *max_concurrent);
                    let elapsed = started.elapsed();
                    timing.lock().unwrap().push(elapsed);
                    total += elapsed;
                }
                total
            })
        });
    }
    group.finish();

    let single = median(&timings[0]);
    eprintln!("\nmedian of every timed call (warm-up included), from the bench itself:");
    eprintln!("  one probe:            {:>8.1} ms", single.as_secs_f64() * 1000.0);
    for (index, (name, _, max_concurrent)) in cases.iter().enumerate().skip(1) {
        let batch = median(&timings[index]);
        let waves = PROBES.div_ceil(*max_concurrent);
        eprintln!(
            "  {name:<20}  {:>8.1} ms = {:.2} x one probe (target <= 2; {waves} wave(s) of {}ms make the floor about {waves} x)",
            batch.as_secs_f64() * 1000.0,
            batch.as_secs_f64() / single.as_secs_f64(),
            SERVER_DELAY.as_millis(),
        );
    }
}

/// What every HTTP probe pays before it sends anything: its TLS settings, with the system's CA
/// certificates read from disk, even for a plain `http://` target.
fn bench_probe_setup(c: &mut Criterion) {
    let mut group = c.benchmark_group("probe-setup");
    group.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    group.bench_function("tls_config", |b| b.iter(|| preflight::probe::http::tls_config("").unwrap()));
    group.finish();
}

/// A TLS server on its own runtime presenting a leaf for localhost issued by a CA the bench
/// makes, stapling `ocsp` when given; every connection only completes the handshake.
struct TlsServer {
    port: u16,
    ca_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl TlsServer {
    fn start(staple: bool) -> TlsServer {
        use der::{Decode, Encode};
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "Bench CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let ca_pkcs8 = ca_key.serialize_der();
        let issuer = Issuer::new(ca_params, ca_key);
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, "localhost");
        let key = KeyPair::generate().unwrap();
        let leaf = params.signed_by(&key, &issuer).unwrap();
        let ocsp = staple.then(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
            let at = |days: i64| {
                let seconds = now.as_secs() as i64 + days * 86_400;
                x509_ocsp::OcspGeneralizedTime(der::asn1::GeneralizedTime::from_unix_duration(Duration::from_secs(seconds as u64)).unwrap())
            };
            let (leaf, ca) = (x509_cert::Certificate::from_der(leaf.der()).unwrap(), x509_cert::Certificate::from_der(ca.der()).unwrap());
            let id = x509_ocsp::CertId::from_issuer::<sha1::Sha1>(&ca, leaf.tbs_certificate.serial_number.clone()).unwrap();
            let single = x509_ocsp::SingleResponse::new(id, x509_ocsp::CertStatus::good(), at(-1)).with_next_update(at(6));
            let mut signer = <p256::ecdsa::SigningKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_der(&ca_pkcs8).unwrap();
            let responder = x509_ocsp::ResponderId::ByName(ca.tbs_certificate.subject.clone());
            let response: x509_ocsp::OcspResponse = x509_ocsp::builder::OcspResponseBuilder::new(responder)
                .with_single_response(single)
                .sign::<_, p256::ecdsa::DerSignature>(&mut signer, None, at(0))
                .unwrap();
            response.to_der().unwrap()
        });
        let chain = vec![leaf.der().clone(), ca.der().clone()];
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()));
        let builder = rustls::ServerConfig::builder().with_no_client_auth();
        let config = match ocsp {
            Some(ocsp) => builder.with_single_cert_with_ocsp(chain, key, ocsp).unwrap(),
            None => builder.with_single_cert(chain, key).unwrap(),
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = acceptor.accept(stream).await;
                });
            }
        });
        TlsServer { port, ca_file, _dir: dir, _runtime: runtime }
    }

    fn job(&self, expect: &[&str]) -> ProbeJob {
        let mut spec = ProbeSpec::new(ProbeKind::Tls, format!("localhost:{}", self.port));
        spec.ca_file = self.ca_file.to_string_lossy().into_owned();
        spec.expect = expect.iter().map(|e| e.to_string()).collect();
        ProbeJob { item: "tls".into(), spec }
    }
}

/// A TLS probe that also reads the stapled OCSP response (parsing it, checking its CertID,
/// its signature and its dates) against a plain TLS handshake probe.
fn bench_tls_ocsp(c: &mut Criterion) {
    let plain = TlsServer::start(false);
    let stapled = TlsServer::start(true);
    let plain_job = plain.job(&["tls.verified == true"]);
    let ocsp_job = stapled.job(&["tls.verified == true", "cert.ocsp == \"good\""]);
    run_checked(vec![plain_job.clone()], 1);
    run_checked(vec![ocsp_job.clone()], 1);
    let mut group = c.benchmark_group("tls");
    group.sample_size(30).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    group.bench_function("handshake", |b| b.iter(|| run_checked(vec![plain_job.clone()], 1)));
    group.bench_function("handshake-with-stapled-ocsp", |b| b.iter(|| run_checked(vec![ocsp_job.clone()], 1)));

    // A gRPC health check (HTTP/2 without TLS) against tonic's health service.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (reporter, service) = runtime.block_on(async { tonic_health::server::health_reporter() });
    runtime.spawn(async move {
        let _reporter = reporter;
        // As tonic's own `serve` does for the sockets it accepts (`tcp_nodelay`), and grpc-go by
        // default: an answer's head, message and trailers go out without waiting on each other.
        let incoming = tokio_stream::StreamExt::map(tokio_stream::wrappers::TcpListenerStream::new(listener), |stream| {
            if let Ok(stream) = &stream {
                let _ = stream.set_nodelay(true);
            }
            stream
        });
        tonic::transport::Server::builder().add_service(service).serve_with_incoming(incoming).await.unwrap();
    });
    let mut spec = ProbeSpec::new(ProbeKind::Grpc, format!("grpc://127.0.0.1:{port}"));
    spec.expect = vec!["grpc.status == SERVING".into()];
    let grpc_job = ProbeJob { item: "grpc".into(), spec };
    run_checked(vec![grpc_job.clone()], 1);
    group.bench_function("grpc-health", |b| b.iter(|| run_checked(vec![grpc_job.clone()], 1)));
    group.finish();
    drop(runtime);
}

criterion_group!(benches, bench_http_batch, bench_probe_setup, bench_tls_ocsp);
criterion_main!(benches);
