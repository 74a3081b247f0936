//! The condition language: `subject op literal`, such as `status == 200`,
//! `response_time < 100ms`, `header(strict-transport-security) matches "max-age=\d+"`,
//! `cert.expires_in > 30d`, `error_rate < 1%`. A missing value fails its condition and says so;
//! it is never read as zero. A syntax error names its column.

use std::fmt;

use regex::Regex;

use super::spec::{ConditionResult, Observed, Value};

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A named value (`status`, `cert.expires_in`, `p95`, …).
    Named(String),
    /// A response header, by case-insensitive name.
    Header(String),
    /// A value in a JSON body, by a dotted path with `[n]` indices: `data.items[0].id`.
    Json(String),
    Body,
}

/// Subjects a probe can measure, without an argument.
pub const NAMED_SUBJECTS: &[&str] = &[
    "status",
    "response_time",
    "final_url",
    "redirects",
    "tls.verified",
    "tls.error",
    "cert.expires_in",
    "cert.hostname_ok",
    "connected",
    "reply",
    "dns.rcode",
    "dns.answers",
    "p50",
    "p95",
    "p99",
    "error_rate",
    "rps",
    "count",
];

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
}

impl PartialEq for Literal {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Literal::Regex(a), Literal::Regex(b)) => a.as_str() == b.as_str(),
            (Literal::Number(a), Literal::Number(b))
            | (Literal::Duration(a), Literal::Duration(b))
            | (Literal::Percent(a), Literal::Percent(b)) => a == b,
            (Literal::StatusClass(a), Literal::StatusClass(b)) => a == b,
            (Literal::Text(a), Literal::Text(b)) => a == b,
            (Literal::Bool(a), Literal::Bool(b)) => a == b,
            (Literal::List(a), Literal::List(b)) => a == b,
            _ => false,
        }
    }
}

/// A parsed condition, keeping its source text for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub source: String,
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

struct Cursor<'a> {
    chars: Vec<char>,
    at: usize,
    _source: &'a str,
}

impl Cursor<'_> {
    fn skip_spaces(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> ConditionError {
        ConditionError { column: self.at + 1, message: message.into() }
    }

    fn rest(&self) -> String {
        self.chars[self.at.min(self.chars.len())..].iter().collect()
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.rest().starts_with(word) {
            self.at += word.chars().count();
            true
        } else {
            false
        }
    }
}

/// Parses one condition.
pub fn parse(text: &str) -> Result<Condition, ConditionError> {
    let mut cursor = Cursor { chars: text.chars().collect(), at: 0, _source: text };
    cursor.skip_spaces();
    let subject = parse_subject(&mut cursor)?;
    cursor.skip_spaces();
    let op = parse_op(&mut cursor)?;
    cursor.skip_spaces();
    let literal = if matches!(op, Op::Exists | Op::NotExists) {
        None
    } else {
        if cursor.at >= cursor.chars.len() {
            return Err(cursor.error("expected a value to compare with"));
        }
        let literal = parse_literal(&mut cursor, op)?;
        Some(literal)
    };
    cursor.skip_spaces();
    if cursor.at < cursor.chars.len() {
        return Err(cursor.error(format!("unexpected `{}` after the condition", cursor.rest().trim())));
    }
    Ok(Condition { source: text.trim().to_string(), subject, op, literal })
}

fn parse_subject(cursor: &mut Cursor) -> Result<Subject, ConditionError> {
    let start = cursor.at;
    while cursor.chars.get(cursor.at).is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '.') {
        cursor.at += 1;
    }
    let name: String = cursor.chars[start..cursor.at].iter().collect();
    if name.is_empty() {
        return Err(cursor.error("expected a subject such as `status` or `header(NAME)`"));
    }
    if cursor.chars.get(cursor.at) == Some(&'(') {
        let open = cursor.at;
        let mut depth = 0;
        let mut end = None;
        for (offset, c) in cursor.chars[open..].iter().enumerate() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + offset);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            cursor.at = open;
            return Err(cursor.error("`(` is not closed"));
        };
        let argument: String = cursor.chars[open + 1..end].iter().collect::<String>().trim().to_string();
        cursor.at = end + 1;
        if argument.is_empty() {
            cursor.at = open + 1;
            return Err(cursor.error(format!("`{name}(…)` needs an argument")));
        }
        return match name.as_str() {
            "header" => Ok(Subject::Header(argument.to_lowercase())),
            "json" => Ok(Subject::Json(argument)),
            _ => {
                cursor.at = start;
                Err(cursor.error(format!("unknown subject `{name}(…)`; use header(NAME) or json(PATH)")))
            }
        };
    }
    if name == "body" {
        return Ok(Subject::Body);
    }
    if !NAMED_SUBJECTS.contains(&name.as_str()) {
        cursor.at = start;
        return Err(cursor.error(format!("unknown subject `{name}`; known: body, header(NAME), json(PATH), {}", NAMED_SUBJECTS.join(", "))));
    }
    Ok(Subject::Named(name))
}

fn parse_op(cursor: &mut Cursor) -> Result<Op, ConditionError> {
    // Longer spellings first, so that `<=` is not read as `<`.
    const OPS: [(&str, Op); 12] = [
        ("!contains", Op::NotContains),
        ("contains", Op::Contains),
        ("!exists", Op::NotExists),
        ("exists", Op::Exists),
        ("matches", Op::Matches),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("in", Op::In),
    ];
    for (spelling, op) in OPS {
        if cursor.eat(spelling) {
            let is_word = spelling.chars().last().is_some_and(char::is_alphabetic);
            if is_word && cursor.chars.get(cursor.at).is_some_and(|c| c.is_alphanumeric()) {
                cursor.at -= spelling.chars().count();
                break;
            }
            return Ok(op);
        }
    }
    Err(cursor.error("expected an operator: == != < <= > >= contains !contains matches in exists !exists"))
}

fn parse_literal(cursor: &mut Cursor, op: Op) -> Result<Literal, ConditionError> {
    let start = cursor.at;
    match cursor.chars.get(cursor.at) {
        Some('"') => {
            cursor.at += 1;
            let mut text = String::new();
            loop {
                match cursor.chars.get(cursor.at) {
                    None => {
                        cursor.at = start;
                        return Err(cursor.error("the quoted text is not closed"));
                    }
                    Some('"') => {
                        cursor.at += 1;
                        break;
                    }
                    Some('\\') if cursor.chars.get(cursor.at + 1) == Some(&'"') => {
                        text.push('"');
                        cursor.at += 2;
                    }
                    Some(c) => {
                        text.push(*c);
                        cursor.at += 1;
                    }
                }
            }
            if op == Op::Matches {
                return Regex::new(&text).map(Literal::Regex).map_err(|err| {
                    ConditionError { column: start + 1, message: format!("not a valid regular expression: {err}") }
                });
            }
            Ok(Literal::Text(text))
        }
        Some('[') => {
            cursor.at += 1;
            let mut items = Vec::new();
            loop {
                cursor.skip_spaces();
                if cursor.eat("]") {
                    break;
                }
                if cursor.at >= cursor.chars.len() {
                    cursor.at = start;
                    return Err(cursor.error("the list is not closed with `]`"));
                }
                items.push(parse_literal(cursor, Op::Eq)?);
                cursor.skip_spaces();
                if !cursor.eat(",") && cursor.chars.get(cursor.at) != Some(&']') {
                    return Err(cursor.error("expected `,` or `]` in the list"));
                }
            }
            Ok(Literal::List(items))
        }
        Some(_) => {
            while cursor.chars.get(cursor.at).is_some_and(|c| !c.is_whitespace() && *c != ',' && *c != ']') {
                cursor.at += 1;
            }
            let word: String = cursor.chars[start..cursor.at].iter().collect();
            word_literal(&word, op).map_err(|message| ConditionError { column: start + 1, message })
        }
        None => Err(cursor.error("expected a value")),
    }
}

/// A bare word: a number with an optional unit, a status class, a boolean, or text.
fn word_literal(word: &str, op: Op) -> Result<Literal, String> {
    if op == Op::Matches {
        return Err("`matches` takes a quoted regular expression: matches \"max-age=\\d+\"".into());
    }
    let lower = word.to_ascii_lowercase();
    if lower == "true" || lower == "false" {
        return Ok(Literal::Bool(lower == "true"));
    }
    if lower.len() == 3 && lower.ends_with("xx") && lower.as_bytes()[0].is_ascii_digit() {
        return Ok(Literal::StatusClass(u16::from(lower.as_bytes()[0] - b'0')));
    }
    let split = lower.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(lower.len());
    let (number, unit) = lower.split_at(split);
    if let Ok(value) = number.parse::<f64>()
        && value.is_finite()
    {
        let millis = |factor: f64| Ok(Literal::Duration(value * factor));
        return match unit {
            "" => Ok(Literal::Number(value)),
            "ms" => millis(1.0),
            "s" => millis(1_000.0),
            "m" | "min" => millis(60_000.0),
            "h" => millis(3_600_000.0),
            "d" => millis(86_400_000.0),
            "%" => Ok(Literal::Percent(value)),
            _ => Err(format!("unknown unit `{unit}` in `{word}`; use ms, s, m, h, d or %")),
        };
    }
    Ok(Literal::Text(word.to_string()))
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

/// Follows a dotted path with `[n]` indices through a JSON value.
fn json_at(root: &serde_json::Value, path: &str) -> Option<Value> {
    let mut node = root;
    for part in path.trim_start_matches('$').trim_start_matches('.').split('.').filter(|p| !p.is_empty()) {
        let (name, indices) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            node = node.get(name)?;
        }
        for index in indices.split('[').filter(|s| !s.is_empty()) {
            node = node.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(match node {
        serde_json::Value::Null => return None,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64()?),
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Array(items) => Value::List(items.iter().map(|i| i.to_string().trim_matches('"').to_string()).collect()),
        other @ serde_json::Value::Object(_) => Value::Text(other.to_string()),
    })
}

fn lookup(subject: &Subject, observed: &Observed) -> Option<Value> {
    match subject {
        Subject::Named(name) => observed.values.get(name).cloned(),
        Subject::Header(name) => observed.headers.get(name).map(|v| Value::Text(v.clone())),
        Subject::Body => observed.body.as_ref().map(|b| Value::Text(b.clone())),
        Subject::Json(path) => {
            let body = observed.body.as_ref()?;
            let root: serde_json::Value = serde_json::from_str(body).ok()?;
            json_at(&root, path)
        }
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) | Value::Duration(n) | Value::Percent(n) => Some(*n),
        Value::Text(t) => t.trim().trim_end_matches('%').parse().ok(),
        Value::Bool(_) | Value::List(_) => None,
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::List(items) => items.join("\n"),
        other => other.to_string(),
    }
}

/// Whether `value` equals `literal`, or None when they cannot be compared.
fn equals(value: &Value, literal: &Literal) -> Option<bool> {
    match literal {
        Literal::Number(n) | Literal::Duration(n) | Literal::Percent(n) => as_number(value).map(|v| (v - n).abs() < 1e-9),
        Literal::StatusClass(class) => as_number(value).map(|v| (v / 100.0).floor() as u16 == *class),
        Literal::Bool(b) => match value {
            Value::Bool(v) => Some(v == b),
            Value::Text(t) => Some(t.eq_ignore_ascii_case(&b.to_string())),
            _ => None,
        },
        Literal::Text(t) => Some(match value {
            Value::List(items) => items.iter().any(|i| i == t),
            other => as_text(other) == *t,
        }),
        Literal::Regex(re) => Some(re.is_match(&as_text(value))),
        Literal::List(items) => Some(items.iter().any(|item| equals(value, item) == Some(true))),
    }
}

impl Condition {
    /// Evaluates against what a probe observed. `warning_only` marks a `warn` condition.
    pub fn evaluate(&self, observed: &Observed, warning_only: bool) -> ConditionResult {
        let value = lookup(&self.subject, observed);
        let seen = value.as_ref().map_or_else(|| "missing".to_string(), ToString::to_string);
        let passed = match (&value, self.op, &self.literal) {
            (value, Op::Exists, _) => value.is_some(),
            (value, Op::NotExists, _) => value.is_none(),
            (None, _, _) => false,
            (Some(_), _, None) => false,
            (Some(value), op, Some(literal)) => compare(value, op, literal).unwrap_or(false),
        };
        ConditionResult { condition: self.source.clone(), seen, passed, warning_only }
    }
}

fn compare(value: &Value, op: Op, literal: &Literal) -> Option<bool> {
    let ordered = |check: fn(f64, f64) -> bool| -> Option<bool> {
        let target = match literal {
            Literal::Number(n) | Literal::Duration(n) | Literal::Percent(n) => *n,
            _ => return None,
        };
        as_number(value).map(|v| check(v, target))
    };
    match op {
        Op::Eq => equals(value, literal),
        Op::Ne => equals(value, literal).map(|eq| !eq),
        Op::Lt => ordered(|a, b| a < b),
        Op::Le => ordered(|a, b| a <= b),
        Op::Gt => ordered(|a, b| a > b),
        Op::Ge => ordered(|a, b| a >= b),
        Op::Contains | Op::NotContains => {
            let needle = match literal {
                Literal::Text(t) => t.clone(),
                Literal::Number(n) => Value::Number(*n).to_string(),
                _ => return None,
            };
            let found = match value {
                Value::List(items) => items.iter().any(|i| i.contains(&needle)),
                other => as_text(other).contains(&needle),
            };
            Some(found == (op == Op::Contains))
        }
        Op::Matches => match literal {
            Literal::Regex(re) => Some(re.is_match(&as_text(value))),
            _ => None,
        },
        Op::In => match literal {
            Literal::List(_) => equals(value, literal),
            _ => None,
        },
        Op::Exists | Op::NotExists => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ("response_time < 100 parsecs", 21, "unexpected `parsecs`"),
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
}
