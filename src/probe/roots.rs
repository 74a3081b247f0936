//! Trust roots for HTTPS and TLS probes: the system's store, read once per process (reading it
//! means decoding hundreds of files), plus a probe's own `ca_file` when it names one.

use std::sync::OnceLock;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The system roots. A certificate the store holds but rustls cannot use is skipped: one bad
/// file in /etc/ssl/certs must not stop a probe.
pub fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        roots
    })
}

/// The system roots plus the PEM certificates of `ca_file` (none when it is empty).
pub fn trusted_roots(ca_file: &str) -> Result<RootCertStore, String> {
    let mut roots = system_roots().clone();
    if !ca_file.is_empty() {
        let certificates = CertificateDer::pem_file_iter(ca_file).map_err(|e| format!("cannot read CA file {ca_file}: {e}"))?;
        for certificate in certificates {
            let certificate = certificate.map_err(|e| format!("cannot read CA file {ca_file}: {e}"))?;
            roots.add(certificate).map_err(|e| format!("CA file {ca_file}: {e}"))?;
        }
    }
    Ok(roots)
}
