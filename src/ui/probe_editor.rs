//! The probe editor inside the template editor: kind, target, conditions with live validation,
//! the settings each kind needs, "Test now", and a suggested probe when the item's text names a
//! URL, a port or a threshold.

use std::collections::BTreeMap;

use egui::RichText;

use super::command::{Command, EditorCommand};
use super::editor::{EditorDoc, committed_text};
use super::probe_panel::{probe_color, state_word};
use crate::model::IpVersion;
use crate::model::{Edit, Item};
use crate::model::{ProbeKind, ProbeSpec};
use crate::probe::condition;

const KINDS: [(ProbeKind, &str); 7] = [
    (ProbeKind::Http, "HTTP"),
    (ProbeKind::Tls, "TLS"),
    (ProbeKind::Tcp, "TCP"),
    (ProbeKind::Dns, "DNS"),
    (ProbeKind::Load, "Load"),
    (ProbeKind::WebSocket, "WebSocket"),
    (ProbeKind::Grpc, "gRPC"),
];

fn set(item: &Item, spec: ProbeSpec) -> Command {
    Command::Editor(EditorCommand::Apply(Edit::SetItemProbe { id: item.id.clone(), probe: Some(Box::new(spec)) }))
}

pub fn probe_editor_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, commands: &mut Vec<Command>) {
    ui.separator();
    ui.label(RichText::new("Probe").strong());
    let Some(spec) = item.probe.as_deref().cloned() else {
        ui.label(RichText::new("No automated check on this item.").weak());
        if let Some(suggestion) = crate::probe::suggest::suggest(&item.text) {
            ui.label(
                RichText::new(format!("Suggested: {} {} — {}", suggestion.spec.kind.label(), suggestion.spec.target, suggestion.reason)).small(),
            );
            for condition in &suggestion.spec.expect {
                ui.label(RichText::new(condition).monospace().small());
            }
            if ui.button("Add this probe").clicked() {
                commands.push(set(item, suggestion.spec));
            }
        }
        if ui.button("Add a probe").clicked() {
            commands.push(set(item, ProbeSpec { expect: vec!["status == 200".into()], ..ProbeSpec::new(ProbeKind::Http, "http://localhost/") }));
        }
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.label("Kind");
        for (kind, label) in KINDS {
            if ui.radio(spec.kind == kind, label).clicked() && spec.kind != kind {
                commands.push(set(item, switched_kind(&spec, kind)));
            }
        }
    });
    let key = |what: &str| format!("probe/{}/{what}", item.id);
    if let Some(target) = committed_text(ui, doc, &key("target"), "Target (URL, host:port or name; ${env:NAME} for secrets)", &spec.target, false) {
        commands.push(set(item, ProbeSpec { target: target.trim().to_string(), ..spec.clone() }));
    }
    if let Some(expect) = conditions_ui(ui, doc, &key("expect"), "Conditions, one per line (status == 200, response_time < 100ms)", &spec.expect) {
        commands.push(set(item, ProbeSpec { expect, ..spec.clone() }));
    }
    if let Some(warn) = conditions_ui(ui, doc, &key("warn"), "Warn conditions, one per line: failing one warns, it does not fail", &spec.warn) {
        commands.push(set(item, ProbeSpec { warn, ..spec.clone() }));
    }
    kind_settings_ui(ui, doc, item, &spec, commands);
    ui.horizontal_wrapped(|ui| {
        if ui.button("Test now").on_hover_text("Run this probe once and show the result here").clicked() {
            commands.push(Command::Editor(EditorCommand::TestProbe { item: item.id.clone(), spec: Box::new(spec.clone()), confirmed: false }));
        }
        if ui.button("Remove probe").clicked() {
            commands.push(Command::Editor(EditorCommand::Apply(Edit::SetItemProbe { id: item.id.clone(), probe: None })));
        }
    });
    if let Some(result) = doc.test_result.as_ref().filter(|r| r.item == item.id) {
        let dark = ui.visuals().dark_mode;
        ui.label(RichText::new(format!("Test: {} in {} ms", state_word(result.state), result.duration_ms)).color(probe_color(result.state, dark)));
        if let Some(error) = &result.error {
            ui.label(RichText::new(error).small());
        }
        for condition in &result.conditions {
            ui.label(RichText::new(format!("{} {}", if condition.passed { "✔" } else { "✖" }, condition.resolved())).monospace().small());
        }
    }
}

/// A list of conditions, one per line, validated live as it is typed (each error names its
/// line and column); returns the new list once the edit is committed.
pub(super) fn conditions_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, key: &str, label: &str, current: &[String]) -> Option<Vec<String>> {
    let text = current.join("\n");
    let committed = committed_text(ui, doc, key, label, &text, true);
    let typed = doc.draft(key).unwrap_or(text);
    for (line, text) in typed.lines().enumerate().filter(|(_, t)| !t.trim().is_empty()) {
        if let Err(err) = condition::parse(text) {
            ui.colored_label(ui.visuals().error_fg_color, format!("line {}, {err}", line + 1));
        }
    }
    committed.map(|text| lines(&text))
}

/// A probe of another kind: the settings and conditions of the old kind do not carry over
/// (an HTTP condition means nothing to a DNS probe); the host does, in the new kind's form.
/// The switch is one edit, so Undo brings the old probe back whole.
fn switched_kind(spec: &ProbeSpec, kind: ProbeKind) -> ProbeSpec {
    let host = host_of(&spec.target);
    // An IPv6 address takes brackets wherever a port or a path follows it.
    let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
    let target = match kind {
        ProbeKind::Http | ProbeKind::Load => format!("https://{host}/"),
        ProbeKind::Tls => format!("{host}:443"),
        ProbeKind::Tcp => format!("{host}:80"),
        ProbeKind::Dns => host.trim_matches(['[', ']']).to_string(),
        ProbeKind::WebSocket => format!("wss://{host}/"),
        ProbeKind::Grpc => format!("grpcs://{host}:443"),
    };
    ProbeSpec { expect: crate::probe::runner::default_conditions(kind), ..ProbeSpec::new(kind, target) }
}

/// The host a target names: `https://api.example.com:8443/health` and `api.example.com:443`
/// both give `api.example.com`; `localhost` when it names none.
fn host_of(target: &str) -> &str {
    let rest = target.split_once("://").map_or(target, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    if host.is_empty() { "localhost" } else { host }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// Request headers as typed, one `Name: value` per line; a line without a colon is an error
/// naming it.
pub(super) fn parse_headers(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut headers = BTreeMap::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let Some((name, value)) = line.split_once(':') else { return Err(format!("line {}: expected `Name: value`", index + 1)) };
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("line {}: `{name}` is not a header name", index + 1));
        }
        headers.insert(name.to_string(), value.trim().to_string());
    }
    Ok(headers)
}

pub(super) fn headers_text(headers: &BTreeMap<String, String>) -> String {
    headers.iter().map(|(name, value)| format!("{name}: {value}")).collect::<Vec<_>>().join("\n")
}

pub(super) const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The request: method, headers (with `${env:NAME}` for secrets) and body, for HTTP and load.
fn request_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, edited: &mut ProbeSpec) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Method");
        egui::ComboBox::from_id_salt(format!("probe/{}/method", item.id))
            .selected_text(edited.method.clone())
            .show_ui(ui, |ui| {
                for method in METHODS {
                    ui.selectable_value(&mut edited.method, method.to_string(), method);
                }
            })
            .response
            .labelled_by(label.id);
    });
    headers_ui(ui, doc, item, spec, edited);
    if (!matches!(edited.method.as_str(), "GET" | "HEAD") || !spec.body.is_empty())
        && let Some(body) = committed_text(ui, doc, &format!("probe/{}/body", item.id), "Request body", &spec.body, true)
    {
        edited.body = body;
    }
}

/// The request headers, one `Name: value` per line; a malformed line is shown as an error.
fn headers_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, edited: &mut ProbeSpec) {
    let key = format!("probe/{}/headers", item.id);
    let current = headers_text(&spec.headers);
    let committed = committed_text(ui, doc, &key, "Headers, one `Name: value` per line (${env:NAME} for secrets)", &current, true);
    let typed = doc.draft(&key).unwrap_or_else(|| current.clone());
    match parse_headers(&typed) {
        Err(err) => {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
        Ok(headers) if committed.is_some() => edited.headers = headers,
        Ok(_) => {}
    }
}

/// Settings every kind shares: connect timeout, IP version, and (but for load) retries.
fn connection_ui(ui: &mut egui::Ui, item: &Item, spec: &ProbeSpec, edited: &mut ProbeSpec, typing: &mut bool) {
    ui.horizontal_wrapped(|ui| {
        number_ui(ui, "Connect timeout (ms)", &mut edited.connect_timeout_ms, 100..=600_000, "How long to wait for the connection", typing);
        let label = ui.label("IP version");
        egui::ComboBox::from_id_salt(format!("probe/{}/ip", item.id))
            .selected_text(edited.ip_version.label())
            .show_ui(ui, |ui| {
                for version in IpVersion::ALL {
                    ui.selectable_value(&mut edited.ip_version, version, version.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    if spec.kind != ProbeKind::Load {
        ui.horizontal_wrapped(|ui| {
            number_ui(
                ui,
                "Retries",
                &mut edited.retries,
                0..=10,
                "Extra attempts after a transport error (or a 5xx); a pass after a retry warns",
                typing,
            );
            number_ui(ui, "Retry delay (ms)", &mut edited.retry_delay_ms, 0..=60_000, "The wait between attempts", typing);
        });
    }
}

/// A labelled number field (the label names it for screen readers too).
/// `typing` becomes true while a number is being typed in, so that it is not applied half-typed.
fn number_ui<N: egui::emath::Numeric>(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut N,
    range: std::ops::RangeInclusive<N>,
    hover: &str,
    typing: &mut bool,
) {
    let label = ui.label(label);
    let response = ui.add(egui::DragValue::new(value).range(range)).labelled_by(label.id);
    *typing |= response.has_focus();
    if !hover.is_empty() {
        response.on_hover_text(hover);
    }
}

fn kind_settings_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, commands: &mut Vec<Command>) {
    let mut edited = spec.clone();
    // Text fields and choices change `edited` only when committed; numbers change as they are typed.
    let typing = &mut false;
    ui.horizontal_wrapped(|ui| {
        number_ui(ui, "Timeout (ms)", &mut edited.timeout_ms, 100..=600_000, "Total timeout in milliseconds", typing);
        if spec.kind == ProbeKind::Http {
            number_ui(ui, "Samples", &mut edited.samples, 1..=1000, "Requests to make for percentiles", typing);
        }
    });
    match spec.kind {
        ProbeKind::Http => {
            ui.horizontal_wrapped(|ui| {
                ui.checkbox(&mut edited.follow_redirects, "Follow redirects");
                if edited.follow_redirects {
                    number_ui(ui, "at most", &mut edited.max_redirects, 1..=50, "The most redirects to follow", typing);
                }
            });
            request_ui(ui, doc, item, spec, &mut edited);
            reach_ui(ui, doc, item, spec, &mut edited);
            super::probe_steps::steps_ui(ui, doc, item, spec, &mut edited);
        }
        ProbeKind::Load => {
            ui.horizontal_wrapped(|ui| {
                number_ui(ui, "Connections", &mut edited.connections, 1..=1000, "Concurrent connections", typing);
                number_ui(
                    ui,
                    "Duration (ms)",
                    &mut edited.duration_ms,
                    0..=3_600_000,
                    "How long to keep the load on (0: until the request count is reached)",
                    typing,
                );
                number_ui(
                    ui,
                    "Requests",
                    &mut edited.requests,
                    0..=100_000_000,
                    "Stop after this many requests (0: until the duration is over)",
                    typing,
                );
            });
            ui.horizontal_wrapped(|ui| {
                ui.checkbox(&mut edited.abort_on_fail, "Stop early when a condition fails")
                    .on_hover_text("Judged every 250 ms on latency and errors, as k6's abortOnFail; the result says when and why it stopped");
                if edited.abort_on_fail {
                    number_ui(ui, "after (ms)", &mut edited.abort_grace_ms, 0..=3_600_000, "Load to apply before judging", typing);
                }
            });
            request_ui(ui, doc, item, spec, &mut edited);
        }
        ProbeKind::Tcp => {
            if let Some(send) =
                committed_text(ui, doc, &format!("probe/{}/send", item.id), "Send after connecting (\\r\\n escapes)", &spec.send, false)
            {
                edited.send = send;
            }
        }
        ProbeKind::Dns => {
            if let Some(kind) =
                committed_text(ui, doc, &format!("probe/{}/dns-type", item.id), "Record type (A, AAAA, CNAME, TXT, MX)", &spec.dns_type, false)
            {
                edited.dns_type = kind.trim().to_uppercase();
            }
            if let Some(server) = committed_text(
                ui,
                doc,
                &format!("probe/{}/dns-server", item.id),
                "DNS server (host:port; empty for the system resolver)",
                &spec.dns_server,
                false,
            ) {
                edited.dns_server = server.trim().to_string();
            }
        }
        ProbeKind::Tls => tls_settings_ui(ui, doc, item, spec, &mut edited),
        ProbeKind::WebSocket => {
            if let Some(send) =
                committed_text(ui, doc, &format!("probe/{}/send", item.id), "Message to send (text; empty to only connect)", &spec.send, false)
            {
                edited.send = send;
            }
            headers_ui(ui, doc, item, spec, &mut edited);
            client_certificate_ui(ui, doc, item, spec, &mut edited);
        }
        ProbeKind::Grpc => {
            let label = "Service to ask about (empty: the server as a whole)";
            if let Some(service) = committed_text(ui, doc, &format!("probe/{}/grpc-service", item.id), label, &spec.grpc_service, false) {
                edited.grpc_service = service.trim().to_string();
            }
            headers_ui(ui, doc, item, spec, &mut edited);
            client_certificate_ui(ui, doc, item, spec, &mut edited);
        }
    }
    connection_ui(ui, item, spec, &mut edited, typing);
    if edited != *spec && !*typing {
        commands.push(set(item, edited));
    }
}

/// How an HTTP probe reaches an internal service: its proxy, its client certificate, and a
/// waived certificate check for staging.
fn reach_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, edited: &mut ProbeSpec) {
    let proxy_label = "Proxy (http://host:port, or direct; empty to follow HTTPS_PROXY and NO_PROXY)";
    if let Some(proxy) = committed_text(ui, doc, &format!("probe/{}/proxy", item.id), proxy_label, &spec.proxy, false) {
        edited.proxy = proxy.trim().to_string();
    }
    client_certificate_ui(ui, doc, item, spec, edited);
    ui.checkbox(&mut edited.accept_unverified, "Waive the certificate check (staging only)")
        .on_hover_text("HTTPS without checking the server's certificate; the run and the PDF say the check was waived");
    if spec.accept_unverified {
        ui.colored_label(ui.visuals().warn_fg_color, RichText::new("⚠ Certificate check waived").small());
    }
}

/// The client certificate for mutual TLS: a PEM certificate and key, or a PKCS#12 file and its
/// password (`${env:NAME}`).
fn client_certificate_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, edited: &mut ProbeSpec) {
    let fields: [(&str, &str, &String); 3] = [
        ("client-cert", "Client certificate for mutual TLS (PEM, or .p12/.pfx)", &spec.client_cert),
        ("client-key", "Client key (PEM; empty when in the certificate file)", &spec.client_key),
        ("client-password", "PKCS#12 password (${env:NAME})", &spec.client_password),
    ];
    for (key, label, value) in fields {
        if let Some(text) = committed_text(ui, doc, &format!("probe/{}/{key}", item.id), label, value, false) {
            let text = text.trim().to_string();
            match key {
                "client-cert" => edited.client_cert = text,
                "client-key" => edited.client_key = text,
                _ => edited.client_password = text,
            }
        }
    }
}

/// A TLS probe's settings: the CA file, the waiver, the oldest version, the OCSP query.
fn tls_settings_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, edited: &mut ProbeSpec) {
    if let Some(file) =
        committed_text(ui, doc, &format!("probe/{}/ca-file", item.id), "Trusted CA file (PEM; empty for the system's roots)", &spec.ca_file, false)
    {
        edited.ca_file = file.trim().to_string();
    }
    ui.checkbox(&mut edited.accept_unverified, "Waive the certificate check (self-signed or unknown CA)").on_hover_text(
        "Without this, every TLS probe also checks tls.verified == true. A waiver is shown with the probe's results in the run and the PDF",
    );
    if spec.accept_unverified {
        ui.colored_label(ui.visuals().warn_fg_color, RichText::new("⚠ Certificate check waived: tls.verified is not required").small());
    }
    let shown = if spec.min_tls_version.is_empty() { "any" } else { spec.min_tls_version.as_str() };
    egui::ComboBox::from_label("Oldest TLS version that passes")
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for (value, label) in [("", "any"), ("1.2", "1.2"), ("1.3", "1.3")] {
                ui.selectable_value(&mut edited.min_tls_version, value.to_string(), label);
            }
        })
        .response
        .on_hover_text("Adds the condition tls.version >= the version chosen; the result shows the version the server picked");
    client_certificate_ui(ui, doc, item, spec, edited);
    ui.checkbox(&mut edited.ocsp_query, "Ask the certificate's OCSP responder when nothing is stapled")
        .on_hover_text("cert.ocsp is read from the OCSP response the server staples; with this, the responder named in the certificate is asked too");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_kind_keeps_the_host_and_drops_the_old_kinds_settings() {
        let http = ProbeSpec {
            expect: vec!["status == 200".into()],
            headers: [("Authorization".to_string(), "Bearer ${env:TOKEN}".to_string())].into(),
            ..ProbeSpec::new(ProbeKind::Http, "https://api.example.com:8443/health")
        };
        let tls = switched_kind(&http, ProbeKind::Tls);
        assert_eq!((tls.target.as_str(), tls.expect.as_slice()), ("api.example.com:443", &["tls.verified == true".to_string()][..]));
        assert!(tls.headers.is_empty());
        assert_eq!(switched_kind(&tls, ProbeKind::Dns).target, "api.example.com");
        assert_eq!(switched_kind(&ProbeSpec::new(ProbeKind::Tcp, "[::1]:6379"), ProbeKind::Http).target, "https://[::1]/");
        assert_eq!(switched_kind(&ProbeSpec::new(ProbeKind::Tcp, ""), ProbeKind::Tls).target, "localhost:443");
    }
}
