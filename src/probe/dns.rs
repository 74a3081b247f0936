//! The DNS probe: asks for one record type of one name and reports the response code and the
//! answers. A name that does not exist is an answer (`NXDOMAIN`), not a failure to run; only a
//! query that could not be made or got no reply is an error.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_resolver::Resolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

use crate::model::{Observed, ProbeSpec, Value};

use super::AttemptError;

/// Runs a DNS probe for the name `target`. Observes `dns.rcode` (`NOERROR`, `NXDOMAIN`, …),
/// `dns.answers` (IPs, names or text, by record type) and `response_time`. A negative answer
/// (`NXDOMAIN`, `SERVFAIL`) is observed, not retried: it is what the server said.
pub async fn run_dns(target: &str, spec: &ProbeSpec) -> Result<Observed, AttemptError> {
    let record_type = record_type(&spec.dns_type).map_err(AttemptError::Setup)?;
    let name = target.trim();
    if name.is_empty() {
        return Err(AttemptError::Setup("DNS probe: no name to look up".into()));
    }
    let timeout = Duration::from_millis(spec.timeout_ms);
    let resolver = build_resolver(&spec.dns_server, timeout).map_err(AttemptError::Setup)?;

    let started = Instant::now();
    let outcome = tokio::time::timeout(timeout, resolver.lookup(name, record_type))
        .await
        .map_err(|_| AttemptError::Transport(format!("{name}: DNS query timed out after {} ms", spec.timeout_ms)))?;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;

    let (rcode, answers) = match outcome {
        Ok(lookup) => (ResponseCode::NoError, lookup.answers().iter().filter_map(|record| answer_text(&record.data, record_type)).collect()),
        // A negative answer is what the server said, so it is observed rather than an error.
        Err(NetError::Dns(DnsError::NoRecordsFound(no_records))) => (no_records.response_code, Vec::new()),
        Err(NetError::Dns(DnsError::ResponseCode(code))) => (code, Vec::new()),
        Err(e) => return Err(AttemptError::Transport(format!("{name}: DNS query failed: {e}"))),
    };

    let mut observed = Observed::default();
    observed.values.insert("dns.rcode".into(), Value::Text(rcode_mnemonic(rcode)));
    observed.values.insert("dns.answers".into(), Value::List(answers));
    observed.values.insert("response_time".into(), Value::Duration(elapsed));
    Ok(observed)
}

/// The record type named by the probe; `A` when unset.
fn record_type(name: &str) -> Result<RecordType, String> {
    match name.trim().to_ascii_uppercase().as_str() {
        "" | "A" => Ok(RecordType::A),
        "AAAA" => Ok(RecordType::AAAA),
        "CNAME" => Ok(RecordType::CNAME),
        "TXT" => Ok(RecordType::TXT),
        "MX" => Ok(RecordType::MX),
        other => Err(format!("DNS probe: unsupported record type '{other}' (A, AAAA, CNAME, TXT, MX)")),
    }
}

/// A resolver that asks only `server` over UDP when one is named, and otherwise follows the
/// system configuration and /etc/hosts, as the machine's own programs would.
fn build_resolver(server: &str, timeout: Duration) -> Result<Resolver<TokioRuntimeProvider>, String> {
    let mut options = ResolverOpts::default();
    options.timeout = timeout;
    // One attempt: the probe measures the server, and a retry would hide a lost reply.
    options.attempts = 1;
    let config = if server.trim().is_empty() {
        let (config, ndots) = system_config();
        options.ndots = ndots;
        options.use_hosts_file = ResolveHosts::Always;
        config
    } else {
        let address = server_address(server)?;
        options.use_hosts_file = ResolveHosts::Never;
        let mut connection = ConnectionConfig::udp();
        connection.port = address.port();
        let mut config = ResolverConfig::default();
        config.name_servers.push(NameServerConfig::new(address.ip(), true, vec![connection]));
        config
    };
    Resolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(options)
        .build()
        .map_err(|e| format!("cannot set up DNS resolver: {e}"))
}

/// `ip:port`, `[v6]:port`, or a bare IP meaning port 53.
fn server_address(server: &str) -> Result<SocketAddr, String> {
    let server = server.trim();
    server
        .parse::<SocketAddr>()
        .or_else(|_| server.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
        .map_err(|_| format!("DNS server '{server}' is not ip:port"))
}

/// The name servers, search list and `ndots` of /etc/resolv.conf. hickory-resolver is built
/// without its system-config feature, so the few lines that matter are read here. A missing
/// file leaves no servers: /etc/hosts and `localhost` still resolve, anything else fails.
fn system_config() -> (ResolverConfig, usize) {
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let mut config = ResolverConfig::default();
    let mut ndots = 1;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("nameserver") => {
                // A zone suffix (`fe80::1%eth0`) cannot be expressed here; such a server is skipped.
                if let Some(Ok(ip)) = words.next().map(str::parse::<IpAddr>) {
                    config.name_servers.push(NameServerConfig::udp_and_tcp(ip));
                }
            }
            Some("domain") => config.domain = words.next().and_then(|d| Name::from_utf8(d).ok()),
            Some("search") => config.search = words.filter_map(|d| Name::from_utf8(d).ok()).collect(),
            Some("options") => {
                for option in words {
                    if let Some(Ok(n)) = option.strip_prefix("ndots:").map(str::parse::<usize>) {
                        ndots = n;
                    }
                }
            }
            _ => {}
        }
    }
    (config, ndots)
}

/// One answer as text, or `None` for records of another type (the CNAMEs a resolver keeps
/// alongside the A records it was asked for).
fn answer_text(data: &RData, wanted: RecordType) -> Option<String> {
    if data.record_type() != wanted {
        return None;
    }
    let bare = |name: &Name| name.to_string().trim_end_matches('.').to_string();
    match data {
        RData::A(a) => Some(a.0.to_string()),
        RData::AAAA(aaaa) => Some(aaaa.0.to_string()),
        RData::CNAME(cname) => Some(bare(&cname.0)),
        RData::MX(mx) => Some(bare(&mx.exchange)),
        RData::TXT(txt) => Some(txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect()),
        _ => None,
    }
}

/// The mnemonic DNS tools print (`NOERROR`, `NXDOMAIN`), which is what conditions compare with.
fn rcode_mnemonic(code: ResponseCode) -> String {
    let name = match code {
        ResponseCode::NoError => "NOERROR",
        ResponseCode::FormErr => "FORMERR",
        ResponseCode::ServFail => "SERVFAIL",
        ResponseCode::NXDomain => "NXDOMAIN",
        ResponseCode::NotImp => "NOTIMP",
        ResponseCode::Refused => "REFUSED",
        ResponseCode::YXDomain => "YXDOMAIN",
        ResponseCode::YXRRSet => "YXRRSET",
        ResponseCode::NXRRSet => "NXRRSET",
        ResponseCode::NotAuth => "NOTAUTH",
        ResponseCode::NotZone => "NOTZONE",
        other => return format!("RCODE{}", u16::from(other)),
    };
    name.to_string()
}
