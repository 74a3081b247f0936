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

/// Subjects measured as durations: a number compared with one needs a unit (`30d`, `100ms`),
/// since a bare `30` could mean 30 days as well as 30 milliseconds.
pub const DURATION_SUBJECTS: &[&str] = &["response_time", "cert.expires_in", "p50", "p95", "p99"];

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
            (Literal::Number(a), Literal::Number(b)) | (Literal::Duration(a), Literal::Duration(b)) | (Literal::Percent(a), Literal::Percent(b)) => {
                a == b
            }
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
        let duration = match &subject {
            Subject::Named(name) if DURATION_SUBJECTS.contains(&name.as_str()) => Some(name.as_str()),
            _ => None,
        };
        let at = cursor.at;
        let literal = parse_literal(&mut cursor, op, duration)?;
        check_literal_fits(op, &literal).map_err(|message| ConditionError { column: at + 1, message })?;
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

/// An ordering needs a number to order by, and `in` a list to look in; anything else could
/// never pass and would only look like a failed check.
fn check_literal_fits(op: Op, literal: &Literal) -> Result<(), String> {
    match (op, literal) {
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, Literal::Number(_) | Literal::Duration(_) | Literal::Percent(_)) => Ok(()),
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, _) => Err(format!("`{op}` compares numbers: use a number, a duration (`100ms`) or a percentage (`1%`)")),
        (Op::In, Literal::List(_)) => Ok(()),
        (Op::In, _) => Err("`in` takes a list: in [200, 301]".into()),
        _ => Ok(()),
    }
}

/// Parses the value after the operator. `duration` names the subject when it is measured as a
/// duration, so that a bare number, whose unit would be a guess, is refused.
fn parse_literal(cursor: &mut Cursor, op: Op, duration: Option<&str>) -> Result<Literal, ConditionError> {
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
                return Regex::new(&text)
                    .map(Literal::Regex)
                    .map_err(|err| ConditionError { column: start + 1, message: format!("not a valid regular expression: {err}") });
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
                items.push(parse_literal(cursor, Op::Eq, duration)?);
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
            let literal = word_literal(&word, op).map_err(|message| ConditionError { column: start + 1, message })?;
            match (duration, &literal) {
                // Zero is the same in every unit: `cert.expires_in > 0` means "not expired".
                (Some(subject), Literal::Number(n)) if *n != 0.0 => Err(ConditionError {
                    column: start + 1,
                    message: format!("`{word}` needs a unit: `{subject}` is a duration, so write `{word}ms`, `{word}s` or `{word}d`"),
                }),
                _ => Ok(literal),
            }
        }
        None => Err(cursor.error("expected a value")),
    }
}

/// A bare word: a number with an optional unit, a status class, a boolean, or text.
fn word_literal(word: &str, op: Op) -> Result<Literal, String> {
    if op == Op::Matches {
        return Err("`matches` takes a quoted regular expression: matches \"max-age=\\d+\"".into());
    }
    // What `contains` looks for is text as written: `1.5`, `true` and `2xx` are not values here.
    if matches!(op, Op::Contains | Op::NotContains) {
        return Ok(Literal::Text(word.to_string()));
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

/// The value of `subject`, or why there is none: `Err("")` when it was simply not observed,
/// `Err(reason)` when it was there but unreadable (a body that is not JSON).
fn lookup(subject: &Subject, observed: &Observed) -> Result<Value, String> {
    let found = match subject {
        Subject::Named(name) => observed.values.get(name).cloned(),
        Subject::Header(name) => observed.headers.get(name).map(|v| Value::Text(v.clone())),
        Subject::Body => observed.body.as_ref().map(|b| Value::Text(b.clone())),
        Subject::Json(path) => {
            let Some(body) = observed.body.as_ref() else { return Err(String::new()) };
            let root: serde_json::Value = serde_json::from_str(body).map_err(|_| "the body is not JSON".to_string())?;
            json_at(&root, path)
        }
    };
    found.ok_or_else(String::new)
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) | Value::Duration(n) | Value::Percent(n) => Some(*n),
        Value::Text(t) => t.trim().trim_end_matches('%').parse().ok(),
        Value::Bool(_) | Value::List(_) => None,
    }
}

/// The value as a number, or why it cannot be read as one: `"abc" is not a number`.
fn number_of(value: &Value) -> Result<f64, String> {
    as_number(value).ok_or_else(|| format!("{value} is not a number"))
}

fn as_text(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::List(items) => items.join("\n"),
        other => other.to_string(),
    }
}

/// Whether `value` equals `literal`, or why the value cannot be read as the literal's kind.
fn equals(value: &Value, literal: &Literal) -> Result<bool, String> {
    match literal {
        Literal::Number(n) | Literal::Duration(n) | Literal::Percent(n) => number_of(value).map(|v| (v - n).abs() < 1e-9),
        Literal::StatusClass(class) => number_of(value).map(|v| (v / 100.0).floor() as u16 == *class),
        Literal::Bool(b) => match value {
            Value::Bool(v) => Ok(v == b),
            Value::Text(t) => Ok(t.eq_ignore_ascii_case(&b.to_string())),
            other => Err(format!("{other} is not true or false")),
        },
        Literal::Text(t) => Ok(match value {
            Value::List(items) => items.iter().any(|i| i == t),
            other => as_text(other) == *t,
        }),
        Literal::Regex(re) => Ok(re.is_match(&as_text(value))),
        // Unreadable only when no item could read it: `"abc"` is not in [200, 301] either way,
        // but it is not a number, which is what went wrong.
        Literal::List(items) => {
            let (mut readable, mut reason) = (false, None);
            for item in items {
                match equals(value, item) {
                    Ok(true) => return Ok(true),
                    Ok(false) => readable = true,
                    Err(why) => reason = reason.or(Some(why)),
                }
            }
            match reason {
                Some(why) if !readable => Err(why),
                _ => Ok(false),
            }
        }
    }
}

impl Condition {
    /// Evaluates against what a probe observed. `warning_only` marks a `warn` condition. A value
    /// that is absent, or present but unreadable for the comparison, fails and is shown as
    /// `missing` with the reason: `json(a.b) (missing: "abc" is not a number) < 5`.
    pub fn evaluate(&self, observed: &Observed, warning_only: bool) -> ConditionResult {
        let value = lookup(&self.subject, observed);
        let (passed, seen) = match (&value, self.op, &self.literal) {
            (value, Op::Exists, _) => (value.is_ok(), shown(value)),
            (value, Op::NotExists, _) => (value.is_err(), shown(value)),
            (Err(_), _, _) | (Ok(_), _, None) => (false, shown(&value)),
            (Ok(found), op, Some(literal)) => match compare(found, op, literal) {
                Ok(passed) => (passed, found.to_string()),
                Err(reason) => (false, shown(&Err(reason))),
            },
        };
        ConditionResult { condition: self.source.clone(), seen, passed, warning_only }
    }
}

/// A value as a resolved condition shows it: the value, `missing`, or `missing: why`.
fn shown(value: &Result<Value, String>) -> String {
    match value {
        Ok(value) => value.to_string(),
        Err(reason) if reason.is_empty() => "missing".to_string(),
        Err(reason) => format!("missing: {reason}"),
    }
}

/// Compares a present value with the literal, or says why the value cannot be read for it.
fn compare(value: &Value, op: Op, literal: &Literal) -> Result<bool, String> {
    let ordered = |check: fn(f64, f64) -> bool| -> Result<bool, String> {
        let target = match literal {
            Literal::Number(n) | Literal::Duration(n) | Literal::Percent(n) => *n,
            // The parser refuses these; a condition built by hand may still hold one.
            _ => return Err(format!("`{op}` needs a number to compare with")),
        };
        number_of(value).map(|v| check(v, target))
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
                _ => return Err(format!("`{op}` needs text to look for")),
            };
            let found = match value {
                Value::List(items) => items.iter().any(|i| i.contains(&needle)),
                other => as_text(other).contains(&needle),
            };
            Ok(found == (op == Op::Contains))
        }
        Op::Matches => match literal {
            Literal::Regex(re) => Ok(re.is_match(&as_text(value))),
            _ => Err("`matches` needs a regular expression".into()),
        },
        Op::In => match literal {
            Literal::List(_) => equals(value, literal),
            _ => Err("`in` needs a list".into()),
        },
        Op::Exists | Op::NotExists => Err(format!("`{op}` takes no value")),
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
}
