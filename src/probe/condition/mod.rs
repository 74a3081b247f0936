//! The condition language: `subject op literal`, such as `status == 200`,
//! `response_time < 100ms`, `header(strict-transport-security) matches "max-age=\d+"`,
//! `cert.expires_in > 30d`, `error_rate < 1%`, `len(json(items)) >= 3`,
//! `sha256(body) == "…"`, `header(x-version) == json(version)`, and over every value a wildcard finds,
//! `any(json(items[*].status) == "up")` or `all(json(nodes[*].ready) == true)`. A missing value
//! fails its condition and says so; it is never read as zero. A syntax error names its column.
//!
//! `parse` turns text into a [`Condition`]; `eval` judges one against what a probe observed.

mod eval;
mod parse;

use std::fmt;

use regex::Regex;

pub(crate) use eval::{as_text, in_network};
pub use parse::parse;

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A named value (`status`, `cert.expires_in`, `p95`, …).
    Named(String),
    /// A response header, by case-insensitive name.
    Header(String),
    /// A value in a JSON body, by a dotted path with `[n]` indices: `data.items[0].id`; a `[*]`
    /// takes every element of an array, and the subject is the list of what it finds.
    Json(String),
    Body,
    /// How long a subject is: a text's characters, a list's values (what a `[*]` found), a JSON
    /// array's elements or a JSON object's keys.
    Len(Box<Subject>),
    /// The SHA-256, in lowercase hex, of a subject's text (the body as UTF-8).
    Sha256(Box<Subject>),
}

impl Subject {
    /// Whether the subject reads the body, which a probe may have read only in part.
    pub fn reads_body(&self) -> bool {
        match self {
            Subject::Body | Subject::Json(_) => true,
            Subject::Named(_) | Subject::Header(_) => false,
            Subject::Len(inner) | Subject::Sha256(inner) => inner.reads_body(),
        }
    }
}

/// How a condition over a list of values (what a `[*]` found) holds: for at least one, or for
/// every one of them (and there must be at least one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
}

/// Subjects a probe can measure, without an argument.
pub const NAMED_SUBJECTS: &[&str] = &[
    "status",
    "response_time",
    "final_url",
    "redirects",
    "ip",
    "tls.verified",
    "tls.error",
    "tls.version",
    "tls.cipher",
    "http.version",
    "grpc.status",
    "grpc.code",
    "grpc.message",
    "time.dns",
    "time.connect",
    "time.tls",
    "time.first_byte",
    "time.transfer",
    "cert.expires_in",
    "cert.chain_expires_in",
    "cert.hostname_ok",
    "cert.ocsp",
    "cert.ocsp_detail",
    "connected",
    "reply",
    "dns.rcode",
    "dns.answers",
    "p50",
    "p95",
    "p99",
    "avg",
    "min",
    "max",
    "median",
    "error_rate",
    "rps",
    "count",
];

/// Subjects measured as durations: a number compared with one needs a unit (`30d`, `100ms`),
/// since a bare `30` could mean 30 days as well as 30 milliseconds.
/// Any percentile, `p(99.9)`, is one too.
pub const DURATION_SUBJECTS: &[&str] = &[
    "response_time",
    "time.dns",
    "time.connect",
    "time.tls",
    "time.first_byte",
    "time.transfer",
    "cert.expires_in",
    "cert.chain_expires_in",
    "p50",
    "p95",
    "p99",
    "avg",
    "min",
    "max",
    "median",
];

/// Whether the named value is measured as a duration.
pub fn is_duration(name: &str) -> bool {
    DURATION_SUBJECTS.contains(&name) || name.starts_with("p(")
}

/// The name of the value that holds the `q`th percentile of latency: `p(99.9)`.
pub fn percentile_name(q: f64) -> String {
    format!("p({q})")
}

/// The percentiles (0–100) that `conditions` name with `p(…)`, on either side, for the probes
/// that measure latencies to work out.
pub fn percentiles_in<'a>(conditions: impl IntoIterator<Item = &'a Condition>) -> Vec<f64> {
    let mut wanted = Vec::new();
    for condition in conditions {
        let right = match &condition.literal {
            Some(Literal::Subject(other)) => Some(other.as_ref()),
            _ => None,
        };
        for subject in std::iter::once(&condition.subject).chain(right) {
            if let Subject::Named(name) = subject
                && let Some(q) = name.strip_prefix("p(").and_then(|rest| rest.strip_suffix(')')).and_then(|q| q.parse::<f64>().ok())
                && !wanted.contains(&q)
            {
                wanted.push(q);
            }
        }
    }
    wanted
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    NotContains,
    Matches,
    In,
    Exists,
    NotExists,
}

#[derive(Debug, Clone)]
pub enum Literal {
    Number(f64),
    /// Milliseconds.
    Duration(f64),
    Percent(f64),
    /// `2xx`: the hundreds digit.
    StatusClass(u16),
    Text(String),
    Bool(bool),
    Regex(Regex),
    List(Vec<Literal>),
    /// Another subject, compared by its value: `header(x-version) == json(version)`.
    Subject(Box<Subject>),
}

impl PartialEq for Literal {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Literal::Regex(a), Literal::Regex(b)) => a.as_str() == b.as_str(),
            (Literal::Number(a), Literal::Number(b)) | (Literal::Duration(a), Literal::Duration(b)) | (Literal::Percent(a), Literal::Percent(b)) => {
                a == b
            }
            (Literal::StatusClass(a), Literal::StatusClass(b)) => a == b,
            (Literal::Text(a), Literal::Text(b)) => a == b,
            (Literal::Bool(a), Literal::Bool(b)) => a == b,
            (Literal::List(a), Literal::List(b)) => a == b,
            (Literal::Subject(a), Literal::Subject(b)) => a == b,
            _ => false,
        }
    }
}

/// A parsed condition, keeping its source text for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub source: String,
    /// `any(…)` or `all(…)` around the condition, if given.
    pub quantifier: Option<Quantifier>,
    pub subject: Subject,
    pub op: Op,
    /// None for `exists` and `!exists`.
    pub literal: Option<Literal>,
}

/// A syntax error, at a column (from 1, in characters) of the condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ConditionError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::NotContains => "!contains",
            Op::Matches => "matches",
            Op::In => "in",
            Op::Exists => "exists",
            Op::NotExists => "!exists",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConditionResult, Observed, Value};

    fn observed() -> Observed {
        let mut observed = Observed::default();
        observed.values.insert("status".into(), Value::Number(503.0));
        observed.values.insert("response_time".into(), Value::Duration(87.0));
        observed.values.insert("cert.expires_in".into(), Value::Duration(-3.0 * 86_400_000.0));
        observed.values.insert("error_rate".into(), Value::Percent(0.4));
        observed.values.insert("tls.verified".into(), Value::Bool(false));
        observed.values.insert("reply".into(), Value::Text("+PONG".into()));
        observed.headers.insert("strict-transport-security".into(), "max-age=31536000; includeSubDomains".into());
        observed.body = Some(r#"{"status":"ok","checks":{"db":{"latency_ms":12.5}},"items":[{"id":7}]}"#.into());
        observed
    }

    fn check(text: &str) -> ConditionResult {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}")).evaluate(&observed(), false)
    }

    #[test]
    fn resolves_conditions_with_the_value_seen() {
        let result = check("status == 200");
        assert!(!result.passed);
        assert_eq!(result.resolved(), "status (503) == 200");
        assert!(check("status in [2xx, 503]").passed);
        assert!(check("status == 5xx").passed);
        assert!(check("response_time < 100ms").passed);
        assert!(!check("response_time < 0.05s").passed);
        assert_eq!(check("cert.expires_in > 30d").resolved(), "cert.expires_in (-3d) > 30d");
        assert!(check("error_rate < 1%").passed);
        assert!(check("tls.verified == false").passed);
        assert!(check(r#"header(Strict-Transport-Security) matches "max-age=\d+""#).passed);
        assert!(check("reply contains PONG").passed);
        assert!(check(r#"json(status) == "ok""#).passed);
        assert!(check("json(checks.db.latency_ms) < 20").passed);
        assert!(check("json(items[0].id) == 7").passed);
        assert!(check("header(x-missing) !exists").passed);
    }

    #[test]
    fn a_missing_value_fails_and_is_never_zero() {
        for text in ["p95 < 200ms", "count == 0", "header(server) != nginx", "json(nope) < 1"] {
            let result = check(text);
            assert!(!result.passed, "{text}");
            assert_eq!(result.seen, "missing", "{text}");
        }
        assert!(!check("header(x-missing) exists").passed);
    }

    #[test]
    fn numbers_are_f64_and_units_convert() {
        assert_eq!(parse("response_time < 1.5s").unwrap().literal, Some(Literal::Duration(1500.0)));
        assert_eq!(parse("cert.expires_in > 48h").unwrap().literal, Some(Literal::Duration(172_800_000.0)));
        assert_eq!(parse("rps >= 0.25").unwrap().literal, Some(Literal::Number(0.25)));
        assert_eq!(parse("status in [200, 301]").unwrap().literal, Some(Literal::List(vec![Literal::Number(200.0), Literal::Number(301.0)])));
    }

    #[test]
    fn syntax_errors_point_at_their_column() {
        let cases = [
            ("staus == 200", 1, "unknown subject `staus`"),
            ("status = 200", 8, "expected an operator"),
            ("status ==", 10, "expected a value"),
            ("status < 100 parsecs", 14, "unexpected `parsecs`"),
            ("response_time < 100", 17, "`100` needs a unit: `response_time` is a duration, so write `100ms`"),
            ("cert.expires_in > 30", 19, "`30` needs a unit: `cert.expires_in` is a duration, so write `30ms`, `30s` or `30d`"),
            ("p95 in [100ms, 200]", 16, "`200` needs a unit"),
            ("status < abc", 10, "`<` compares numbers"),
            ("status in 200", 11, "`in` takes a list"),
            ("response_time < 100q", 17, "unknown unit `q`"),
            (r#"body matches "(unclosed""#, 14, "not a valid regular expression"),
            ("header() exists", 8, "needs an argument"),
            (r#"body contains "open"#, 15, "not closed"),
        ];
        for (text, column, message) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!(err.column, column, "{text}: {err}");
            assert!(err.message.contains(message), "{text}: {err}");
        }
    }

    #[test]
    fn durations_take_a_unit_except_zero() {
        assert_eq!(parse("cert.expires_in > 0").unwrap().literal, Some(Literal::Number(0.0)));
        assert_eq!(parse("p99 <= 0.25s").unwrap().literal, Some(Literal::Duration(250.0)));
        // Other subjects keep bare numbers.
        assert_eq!(parse("json(latency_ms) < 20").unwrap().literal, Some(Literal::Number(20.0)));
        assert_eq!(parse("redirects <= 2").unwrap().literal, Some(Literal::Number(2.0)));
    }

    #[test]
    fn an_unreadable_value_fails_and_says_why_it_is_missing() {
        let result = check("json(status) < 5");
        assert!(!result.passed);
        assert_eq!(result.resolved(), r#"json(status) (missing: "ok" is not a number) < 5"#);
        assert_eq!(check("tls.verified == 1").seen, "missing: false is not a number");
        assert_eq!(check("status == true").seen, "missing: 503 is not true or false");
        assert_eq!(check(r#"json(status) in [200, 301]"#).seen, r#"missing: "ok" is not a number"#);
        // A readable value that is simply not in the list is shown as it is.
        assert_eq!(check(r#"json(status) in [200, "fine"]"#).seen, r#""ok""#);

        let mut html = observed();
        html.body = Some("<html>down</html>".into());
        let result = parse("json(status) == \"ok\"").unwrap().evaluate(&html, false);
        assert_eq!((result.passed, result.seen.as_str()), (false, "missing: the body is not JSON"));
    }

    #[test]
    fn contains_looks_for_the_text_as_written() {
        assert!(check("body contains 12.5").passed);
        assert!(check("body !contains 2xx").passed);
        assert!(check("header(strict-transport-security) contains includeSubDomains").passed);
    }

    #[test]
    fn hostile_lists_are_refused_at_their_column_and_long_ones_parse() {
        let many = format!("status in [{}]", vec!["200"; parse::MAX_LIST_ITEMS].join(", "));
        let Some(Literal::List(items)) = parse(&many).unwrap().literal else { panic!("not a list") };
        assert_eq!(items.len(), parse::MAX_LIST_ITEMS);

        let too_many = format!("status in [{}]", vec!["200"; parse::MAX_LIST_ITEMS + 1].join(", "));
        let err = parse(&too_many).unwrap_err();
        assert_eq!(err.column, "status in [".len() + 5 * parse::MAX_LIST_ITEMS + 1, "{err}");
        assert!(err.message.contains("more than 10000 values"), "{err}");

        // Nested 100,000 deep: an error, not a stack overflow.
        let deep = format!("status in {}200{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse(&deep).unwrap_err();
        assert_eq!(err.column, "status in ".len() + parse::MAX_LIST_DEPTH + 1, "{err}");
        assert!(err.message.contains("nest more than 4 deep"), "{err}");
    }

    /// A status page's answer: services with states, nodes with readiness, a version.
    fn status_page() -> Observed {
        let mut observed = Observed::default();
        observed.headers.insert("x-version".into(), "4.2.0".into());
        observed.body = Some(
            r#"{"version":"4.2.0","services":[{"name":"api","status":"up","latency":12},{"name":"db","status":"down","latency":40},{"name":"cache","status":"up"}],"nodes":[{"ready":true},{"ready":true}],"meta":{"a":1,"b":2},"none":[]}"#
                .into(),
        );
        observed
    }

    fn check_on(observed: &Observed, text: &str) -> ConditionResult {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}")).evaluate(observed, false)
    }

    #[test]
    fn len_counts_arrays_keys_text_and_what_a_wildcard_found() {
        let page = status_page();
        assert_eq!(check_on(&page, "len(json(services)) == 3").resolved(), "len(json(services)) (3) == 3");
        assert!(check_on(&page, "len(json(meta)) == 2").passed, "an object counts its keys");
        assert!(check_on(&page, "len(json(version)) == 5").passed, "a string counts its characters");
        assert!(check_on(&page, "len(json(services[*].latency)) == 2").passed, "a wildcard counts what it found");
        assert!(check_on(&page, "len(json(none)) == 0").passed);
        assert!(check_on(&page, "len(header(x-version)) == 5").passed);
        assert!(check_on(&page, &format!("len(body) == {}", page.body.as_ref().unwrap().chars().count())).passed);
        let missing = check_on(&page, "len(json(nope)) > 0");
        assert_eq!((missing.passed, missing.seen.as_str()), (false, "missing"), "a length of nothing is never 0");
        assert_eq!(check_on(&page, "len(json(meta.a)) > 0").seen, "missing: 1 has no length");
    }

    #[test]
    fn sha256_of_the_body_is_its_hex_digest() {
        let page = status_page();
        let digest = crate::model::sha256_hex(page.body.as_ref().unwrap().as_bytes());
        assert!(check_on(&page, &format!("sha256(body) == \"{digest}\"")).passed);
        let other = check_on(&page, "sha256(body) == \"00\"");
        assert_eq!(other.resolved(), format!("sha256(body) (\"{}\") == \"00\"", &digest[..]));
    }

    #[test]
    fn a_wildcard_takes_every_element_and_any_or_all_judges_each() {
        let page = status_page();
        assert_eq!(check_on(&page, r#"json(services[*].status) contains "down""#).seen, "[up, down, up]");
        assert!(check_on(&page, r#"any(json(services[*].status) == "down")"#).passed);
        let all = check_on(&page, r#"all(json(services[*].status) == "up")"#);
        assert!(!all.passed);
        assert_eq!(all.resolved(), r#"all(json(services[*].status) ([up, down, up]; "down" does not) == "up")"#);
        assert!(check_on(&page, "all(json(nodes[*].ready) == true)").passed);
        assert!(check_on(&page, "all(json(services[*].latency) < 50)").passed, "numbers compare as numbers");
        assert!(!check_on(&page, "any(json(services[*].latency) > 100)").passed);
        let empty = check_on(&page, "all(json(none[*].status) == up)");
        assert_eq!((empty.passed, empty.seen.as_str()), (false, "missing: no values"), "all of nothing proves nothing");
        assert!(!check_on(&page, "any(json(none[*]) == up)").passed);
        // A single value is a list of one; a missing one fails as always.
        assert!(check_on(&page, "all(json(version) == 4.2.0)").passed);
        assert_eq!(check_on(&page, "any(json(nope[*].x) == 1)").seen, "missing: no values");
        assert_eq!(check_on(&Observed::default(), "any(json(a[*]) == 1)").seen, "missing");
    }

    #[test]
    fn new_subjects_and_quantifiers_refuse_bad_syntax_at_its_column() {
        let cases = [
            ("any(status == 200", 1, "`any(` is not closed"),
            ("all(json(a[*]) == 1) extra", 22, "unexpected `extra`"),
            ("any(header(x) exists)", 15, "`exists` is not a comparison"),
            ("len(json(a) == 1", 4, "`(` is not closed"),
            ("len(json(a) x) == 1", 13, "expected `)` after the subject of `len(…)`"),
            ("len(nope) == 1", 5, "unknown subject `nope`"),
            ("len(len(len(len(body)))) == 1", 13, "subjects nest more than 3 deep"),
        ];
        for (text, column, message) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.column, column, "{text}: {err}");
            assert!(err.message.contains(message), "{text}: {err}");
        }
        assert!(parse("len(len(len(body))) == 1").is_ok(), "three deep is allowed");
        assert_eq!(parse("any( json(a[*].b) in [1, 2] )").unwrap().quantifier, Some(Quantifier::Any));
        // Hostile nesting is an error, not a stack overflow.
        let deep = format!("{}body{} == 1", "len(".repeat(50_000), ")".repeat(50_000));
        assert!(parse(&deep).unwrap_err().message.contains("nest more than 3 deep"));
    }

    #[test]
    fn an_address_matches_a_network_by_cidr() {
        let mut observed = Observed::default();
        observed.values.insert("ip".into(), Value::Text("10.20.30.40".into()));
        assert!(check_on(&observed, r#"ip in ["192.168.0.0/16", "10.0.0.0/8"]"#).passed);
        assert_eq!(check_on(&observed, "ip in [127.0.0.0/8]").resolved(), r#"ip ("10.20.30.40") in [127.0.0.0/8]"#);
        assert!(check_on(&observed, "ip == 10.20.30.40").passed);
        assert!(!check_on(&observed, "ip != 10.20.0.0/16").passed, "inside the network");
        observed.values.insert("ip".into(), Value::Text("fd00::1".into()));
        assert!(check_on(&observed, "ip in [fd00::/8]").passed);
        assert!(!check_on(&observed, "ip in [10.0.0.0/8]").passed, "an IPv6 address is in no IPv4 network");
        assert!(!check_on(&observed, "ip == not-a-network/8").passed);
    }

    #[test]
    fn two_subjects_compare_by_their_values_and_both_are_shown() {
        let page = status_page();
        let same = check_on(&page, "header(x-version) == json(version)");
        assert!(same.passed);
        assert_eq!(same.resolved(), r#"header(x-version) ("4.2.0" vs "4.2.0") == json(version)"#);
        assert!(check_on(&page, "json(services[0].latency) < json(services[1].latency)").passed, "numbers order as numbers");
        assert!(!check_on(&page, "json(services[1].latency) <= json(services[0].latency)").passed);
        assert!(check_on(&page, "len(json(nodes)) == len(json(meta))").passed);
        let missing = check_on(&page, "header(x-version) == json(nope)");
        assert_eq!((missing.passed, missing.seen.as_str()), (false, r#""4.2.0", but the value to compare with is missing"#));
        assert!(!check_on(&page, "header(x-nope) != json(version)").passed, "a missing left side fails too");
        let err = parse("status matches json(a)").unwrap_err();
        assert_eq!(err.column, 16, "{err}");
        assert_eq!(parse("status == json(a)").unwrap().literal, Some(Literal::Subject(Box::new(Subject::Json("a".into())))));
    }

    #[test]
    fn any_percentile_is_a_duration_subject_and_the_probes_are_told_which() {
        assert_eq!(parse("p(99.9) < 100ms").unwrap().subject, Subject::Named("p(99.9)".into()));
        assert_eq!(parse("p(99.90) < 100ms").unwrap().subject, Subject::Named("p(99.9)".into()), "one name however written");
        assert!(parse("p(99.9) < 100").unwrap_err().message.contains("needs a unit"));
        for bad in ["p(0) < 1s", "p(100.5) < 1s", "p(high) < 1s"] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.column, 3, "{bad}: {err}");
            assert!(err.message.contains("a percentile above 0 and at most 100"), "{bad}: {err}");
        }
        let conditions: Vec<Condition> =
            ["p(99.9) < 1s", "status == 200", "p(50) < p(99.99)", "p(99.9) > 0ms", "p(oops"].iter().filter_map(|text| parse(text).ok()).collect();
        assert_eq!(percentiles_in(&conditions), [99.9, 50.0, 99.99]);
        let mut observed = Observed::default();
        observed.values.insert("p(99.9)".into(), Value::Duration(250.0));
        assert_eq!(check_on(&observed, "p(99.9) < 200ms").resolved(), "p(99.9) (250ms) < 200ms");
    }
}
