//! Reaching internal services: the client certificate a probe presents for mutual TLS (PEM
//! certificate and key files, or one PKCS#12 file), the proxy its requests go through (its own
//! `proxy`, else `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` unless `NO_PROXY` names the host), and
//! a certificate check waived for staging. Each is said in the probe's evidence.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::AttemptError;
use crate::model::ProbeSpec;

/// A client certificate chain and its private key.
pub struct ClientIdentity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

/// The client identity the spec names, or `None` when it names none. A PKCS#12 file
/// (`.p12`, `.pfx`) holds both; its password comes from `client_password`, usually
/// `${env:NAME}`.
pub fn client_identity(spec: &ProbeSpec) -> Result<Option<ClientIdentity>, String> {
    if spec.client_cert.is_empty() {
        if !spec.client_key.is_empty() {
            return Err("client_key is set without client_cert".into());
        }
        return Ok(None);
    }
    let path = std::path::Path::new(&spec.client_cert);
    let is_pkcs12 = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("p12") || ext.eq_ignore_ascii_case("pfx"));
    if is_pkcs12 {
        let password = super::secrets::resolve(&spec.client_password).map_err(|e| format!("client_password: {e}"))?.text;
        let bytes = std::fs::read(path).map_err(|e| format!("client_cert {}: cannot read it: {e}", path.display()))?;
        let store = p12_keystore::KeyStore::from_pkcs12(&bytes, &password).map_err(|e| match e {
            p12_keystore::error::Error::MacError(_) | p12_keystore::error::Error::UnpadError => {
                format!("client_cert {}: the password does not open it", path.display())
            }
            other => format!("client_cert {}: not a readable PKCS#12 file ({other})", path.display()),
        })?;
        let (_, chain) = store.private_key_chain().ok_or_else(|| format!("client_cert {}: holds no private key", path.display()))?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key().to_vec()));
        let chain = chain.chain().iter().map(|c| CertificateDer::from(c.as_der().to_vec())).collect();
        return Ok(Some(ClientIdentity { chain, key }));
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("client_cert {}: cannot read it: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("client_cert {}: not a PEM certificate: {e}", path.display()))?;
    if chain.is_empty() {
        return Err(format!("client_cert {}: holds no certificate", path.display()));
    }
    let key_path = if spec.client_key.is_empty() { path } else { std::path::Path::new(&spec.client_key) };
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| format!("client_key {}: no private key in it ({e})", key_path.display()))?;
    Ok(Some(ClientIdentity { chain, key }))
}

/// How a request reaches its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Direct,
    /// Through this proxy, chosen by the probe's own setting or the named variable.
    Proxy {
        url: String,
        from: String,
    },
    /// Direct because `NO_PROXY` names the host, though a proxy variable is set.
    Bypassed {
        variable: String,
    },
}

impl Route {
    /// The evidence: "direct", "through http://proxy:3128 (HTTPS_PROXY)", "direct (NO_PROXY)".
    pub fn describe(&self) -> String {
        match self {
            Route::Direct => "direct".into(),
            Route::Proxy { url, from } => format!("through {} ({from})", redact_userinfo(url)),
            Route::Bypassed { variable } => format!("direct ({variable} names the host)"),
        }
    }
}

/// Chooses the route for `url`: the probe's `proxy` when set (`direct` turns proxies off),
/// otherwise the environment as curl reads it, through `env`.
pub fn route(spec: &ProbeSpec, url: &str, env: impl Fn(&str) -> Option<String>) -> Route {
    match spec.proxy.trim() {
        "" => {}
        "direct" | "none" => return Route::Direct,
        proxy => return Route::Proxy { url: proxy.to_string(), from: "the probe's proxy setting".into() },
    }
    let Ok(parsed) = reqwest::Url::parse(url) else { return Route::Direct };
    let https = parsed.scheme() == "https";
    let names: &[&str] =
        if https { &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] } else { &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] };
    let Some((variable, proxy)) = names.iter().find_map(|name| env(name).filter(|v| !v.trim().is_empty()).map(|v| (*name, v))) else {
        return Route::Direct;
    };
    let host = parsed.host_str().unwrap_or_default().trim_matches(['[', ']']).to_ascii_lowercase();
    for no_proxy_name in ["NO_PROXY", "no_proxy"] {
        if let Some(list) = env(no_proxy_name)
            && no_proxy_matches(&list, &host)
        {
            return Route::Bypassed { variable: no_proxy_name.to_string() };
        }
    }
    Route::Proxy { url: proxy.trim().to_string(), from: variable.to_string() }
}

/// Whether a `NO_PROXY` list names `host`: `*`, the host itself, a domain it is in
/// (`example.com` or `.example.com`), an IP address or a CIDR block holding it.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    list.split(',').map(|entry| entry.trim().to_ascii_lowercase()).filter(|entry| !entry.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        if entry.contains('/') {
            return super::condition::in_network(host, &entry);
        }
        let domain = entry.trim_start_matches('.');
        // An entry with a port names the host on that port only; the host is compared alone.
        let domain = domain.rsplit_once(':').filter(|(_, port)| port.parse::<u16>().is_ok()).map_or(domain, |(name, _)| name);
        host == domain || host.ends_with(&format!(".{domain}"))
    })
}

/// `http://proxy:3128` from `http://user:secret@proxy:3128`: a proxy's password is never recorded.
pub(crate) fn redact_userinfo(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string().trim_end_matches('/').to_string()
        }
        _ => url.to_string(),
    }
}

/// A probe connection's bytes: plain TCP, or TLS over it.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Opens a connection to `host:port` for `url` within the probe's connect timeout, with
/// `TCP_NODELAY` (a request goes out in a few small writes, which Nagle's algorithm would hold
/// back for each other's acknowledgements) and, when `secure`, TLS with the probe's settings
/// (CA file, client certificate, waiver) offering `alpn`. Returns the stream and the address
/// connected to.
pub async fn open(
    spec: &ProbeSpec,
    url: &str,
    host: &str,
    port: u16,
    secure: bool,
    alpn: &[&[u8]],
) -> Result<(Stream, Option<SocketAddr>), AttemptError> {
    let connect = tokio::time::timeout(Duration::from_millis(spec.connect_timeout_ms), TcpStream::connect((host, port)));
    let tcp = match connect.await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(AttemptError::Transport(format!("{url}: cannot connect: {e}"))),
        Err(_) => return Err(AttemptError::Transport(format!("{url}: connect timed out after {} ms", spec.connect_timeout_ms))),
    };
    let address = tcp.peer_addr().ok();
    let _ = tcp.set_nodelay(true);
    if !secure {
        return Ok((Stream::Plain(tcp), address));
    }
    let mut config = super::http::probe_tls_config(spec).map_err(AttemptError::Setup)?;
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    let name = ServerName::try_from(host.to_string()).map_err(|e| AttemptError::Setup(format!("`{host}`: {e}")))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| AttemptError::Transport(format!("{url}: TLS handshake failed: {}", super::tls::plain_tls_words(&e.to_string()))))?;
    Ok((Stream::Tls(Box::new(tls)), address))
}

/// A verifier for a waived certificate check (`accept_unverified`, also read as
/// `insecure_skip_verify`): any chain is accepted, while the handshake's signatures are still
/// checked, so that the connection is at least with whoever holds the presented key.
#[derive(Debug)]
pub struct Unverified(pub rustls::crypto::WebPkiSupportedAlgorithms);

impl Unverified {
    pub fn new() -> Arc<Unverified> {
        Arc::new(Unverified(rustls::crypto::ring::default_provider().signature_verification_algorithms))
    }
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProbeKind;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_environment_picks_the_proxy_by_scheme_and_no_proxy_bypasses_it() {
        let spec = ProbeSpec::new(ProbeKind::Http, "https://api.internal.example.com/health");
        let env =
            env_of(&[("HTTPS_PROXY", "http://proxy:3128"), ("HTTP_PROXY", "http://plain:8080"), ("NO_PROXY", "localhost,.corp.example,10.0.0.0/8")]);
        assert_eq!(
            route(&spec, "https://api.internal.example.com/health", &env),
            Route::Proxy { url: "http://proxy:3128".into(), from: "HTTPS_PROXY".into() }
        );
        assert_eq!(route(&spec, "http://api.internal.example.com/", &env).describe(), "through http://plain:8080 (HTTP_PROXY)");
        for bypassed in ["https://localhost:8443/", "https://db.corp.example/", "https://corp.example/", "https://10.1.2.3/"] {
            assert_eq!(route(&spec, bypassed, &env), Route::Bypassed { variable: "NO_PROXY".into() }, "{bypassed}");
        }
        assert_eq!(route(&spec, "https://notcorp.example/", &env).describe(), "through http://proxy:3128 (HTTPS_PROXY)");
        assert_eq!(route(&spec, "https://x/", env_of(&[])), Route::Direct);
    }

    #[test]
    fn the_probes_own_proxy_wins_and_its_password_is_never_shown() {
        let mut spec = ProbeSpec::new(ProbeKind::Http, "https://x/");
        spec.proxy = "http://user:hunter2@proxy:3128".into();
        let route = route(&spec, "https://x/", env_of(&[("HTTPS_PROXY", "http://other:1")]));
        assert_eq!(route.describe(), "through http://proxy:3128 (the probe's proxy setting)");
        spec.proxy = "direct".into();
        assert_eq!(super::route(&spec, "https://x/", env_of(&[("HTTPS_PROXY", "http://other:1")])), Route::Direct);
    }
}
