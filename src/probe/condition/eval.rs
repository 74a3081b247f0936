//! Judging a parsed condition against what a probe observed: a value that is missing or
//! unreadable fails, and says why.

use crate::model::{ConditionResult, Observed, Value};

use super::{Condition, Literal, Op, Quantifier, Subject};

/// Follows a dotted path with `[n]` indices through a JSON value; `[*]` takes every element of
/// an array. The nodes found, and whether a wildcard made a list of them.
fn json_nodes<'a>(root: &'a serde_json::Value, path: &str) -> Option<(Vec<&'a serde_json::Value>, bool)> {
    let (mut nodes, mut wildcard) = (vec![root], false);
    for part in path.trim_start_matches('$').trim_start_matches('.').split('.').filter(|p| !p.is_empty()) {
        let (name, indices) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            nodes = nodes.into_iter().filter_map(|node| node.get(name)).collect();
        }
        for index in indices.split('[').filter(|s| !s.is_empty()).map(|s| s.trim_end_matches(']').trim()) {
            if index == "*" {
                wildcard = true;
                nodes = nodes.into_iter().flat_map(|node| node.as_array().into_iter().flatten()).collect();
            } else {
                let index = index.parse::<usize>().ok()?;
                nodes = nodes.into_iter().filter_map(|node| node.get(index)).collect();
            }
        }
    }
    Some((nodes, wildcard))
}

/// A JSON node as one value of a list: a string as it is, anything else as JSON.
fn node_text(node: &serde_json::Value) -> String {
    match node {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value at a JSON path: one value, or with a `[*]` the list of every value found (nulls
/// left out).
fn json_at(root: &serde_json::Value, path: &str) -> Option<Value> {
    let (nodes, wildcard) = json_nodes(root, path)?;
    if wildcard {
        return Some(Value::List(nodes.into_iter().filter(|node| !node.is_null()).map(node_text).collect()));
    }
    Some(match nodes.first()? {
        serde_json::Value::Null => return None,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64()?),
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Array(items) => Value::List(items.iter().map(node_text).collect()),
        other @ serde_json::Value::Object(_) => Value::Text(other.to_string()),
    })
}

/// The body parsed as JSON, or why it cannot be.
fn json_body(observed: &Observed) -> Result<serde_json::Value, String> {
    let Some(body) = observed.body.as_ref() else { return Err(String::new()) };
    serde_json::from_str(body).map_err(|_| "the body is not JSON".to_string())
}

/// The value of `subject`, or why there is none: `Err("")` when it was simply not observed,
/// `Err(reason)` when it was there but unreadable (a body that is not JSON).
fn lookup(subject: &Subject, observed: &Observed) -> Result<Value, String> {
    let found = match subject {
        Subject::Named(name) => observed.values.get(name).cloned(),
        Subject::Header(name) => observed.headers.get(name).map(|v| Value::Text(v.clone())),
        Subject::Body => observed.body.as_ref().map(|b| Value::Text(b.clone())),
        Subject::Json(path) => json_at(&json_body(observed)?, path),
        Subject::Len(inner) => return length(inner, observed).map(|n| Value::Number(n as f64)),
        Subject::Sha256(inner) => {
            let text = match lookup(inner, observed)? {
                Value::Text(text) => text,
                other => as_text(&other),
            };
            Some(Value::Text(crate::model::sha256_hex(text.as_bytes())))
        }
    };
    found.ok_or_else(String::new)
}

/// How long a subject is; a JSON path is measured on the JSON itself, so that an object counts
/// its keys and an array its elements.
fn length(subject: &Subject, observed: &Observed) -> Result<usize, String> {
    if let Subject::Json(path) = subject {
        let root = json_body(observed)?;
        let (nodes, wildcard) = json_nodes(&root, path).ok_or_else(String::new)?;
        if wildcard {
            return Ok(nodes.iter().filter(|node| !node.is_null()).count());
        }
        return match nodes.first() {
            None | Some(serde_json::Value::Null) => Err(String::new()),
            Some(serde_json::Value::Array(items)) => Ok(items.len()),
            Some(serde_json::Value::Object(keys)) => Ok(keys.len()),
            Some(serde_json::Value::String(text)) => Ok(text.chars().count()),
            Some(other) => Err(format!("{other} has no length")),
        };
    }
    match lookup(subject, observed)? {
        Value::Text(text) => Ok(text.chars().count()),
        Value::List(items) => Ok(items.len()),
        other => Err(format!("{other} has no length")),
    }
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

impl super::Subject {
    /// The value this subject names in what a probe observed, or why there is none (empty
    /// when it simply was not observed): what a flow step captures.
    pub fn value_in(&self, observed: &Observed) -> Result<Value, String> {
        lookup(self, observed)
    }
}

/// A value as plain text: a text as it is, a list one value per line, anything else as shown.
pub(crate) fn as_text(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::List(items) => items.join("\n"),
        other => other.to_string(),
    }
}

/// Whether `address` is an IP address inside the network `cidr` (`10.0.0.0/8`, `fd00::/8`):
/// `ip in ["10.0.0.0/8"]` and `ip == 192.168.1.0/24` match by network.
pub(crate) fn in_network(address: &str, cidr: &str) -> bool {
    if !cidr.contains('/') {
        return false;
    }
    match (cidr.trim().parse::<ipnet::IpNet>(), address.trim().parse::<std::net::IpAddr>()) {
        (Ok(network), Ok(address)) => network.contains(&address),
        _ => false,
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
            Value::List(items) => items.iter().any(|i| i == t || in_network(i, t)),
            other => {
                let text = as_text(other);
                text == *t || in_network(&text, t)
            }
        }),
        Literal::Regex(re) => Ok(re.is_match(&as_text(value))),
        // `Condition::evaluate` replaces another subject with its value before comparing.
        Literal::Subject(_) => Err("another subject is compared by its value".into()),
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
        // Another subject on the right is compared by its value, which the result shows too.
        let (literal, right) = match &self.literal {
            Some(Literal::Subject(other)) => match lookup(other, observed) {
                Ok(found) => (Some(value_literal(&found)), Some(found.to_string())),
                Err(reason) => {
                    let seen = format!("{}, but the value to compare with is {}", shown(&value), shown(&Err(reason)));
                    return ConditionResult { condition: self.source.clone(), seen, passed: false, warning_only };
                }
            },
            other => (other.clone(), None),
        };
        let (passed, seen) = match self.quantifier {
            Some(quantifier) => quantified(quantifier, &value, self.op, literal.as_ref()),
            None => self.compared(&value, literal.as_ref()),
        };
        let seen = match right {
            Some(right) if value.is_ok() => format!("{seen} vs {right}"),
            _ => seen,
        };
        ConditionResult { condition: self.source.clone(), seen, passed, warning_only }
    }

    /// One value against the literal: whether it passes, and the value as shown.
    fn compared(&self, value: &Result<Value, String>, literal: Option<&Literal>) -> (bool, String) {
        match (value, self.op, literal) {
            (value, Op::Exists, _) => (value.is_ok(), shown(value)),
            (value, Op::NotExists, _) => (value.is_err(), shown(value)),
            (Err(_), _, _) | (Ok(_), _, None) => (false, shown(value)),
            (Ok(found), op, Some(literal)) => match compare(found, op, literal) {
                Ok(passed) => (passed, found.to_string()),
                Err(reason) => (false, shown(&Err(reason))),
            },
        }
    }
}

/// A value seen, as the literal to compare another subject with; text that reads as a number
/// is a number, so that `header(x-count) == json(count)` compares 7 with 7.
fn value_literal(value: &Value) -> Literal {
    match value {
        Value::Number(n) => Literal::Number(*n),
        Value::Duration(ms) => Literal::Duration(*ms),
        Value::Percent(p) => Literal::Percent(*p),
        Value::Bool(b) => Literal::Bool(*b),
        Value::Text(text) => match text.trim().parse::<f64>() {
            Ok(number) if number.is_finite() => Literal::Number(number),
            _ => Literal::Text(text.clone()),
        },
        Value::List(items) => Literal::List(items.iter().map(|item| Literal::Text(item.clone())).collect()),
    }
}

/// `any(…)` / `all(…)`: the comparison made of each value of a list (a single value is a list
/// of one). `all` of no values fails: a wildcard that found nothing proves nothing.
fn quantified(quantifier: Quantifier, value: &Result<Value, String>, op: Op, literal: Option<&Literal>) -> (bool, String) {
    let (Ok(found), Some(literal)) = (value, literal) else { return (false, shown(value)) };
    let values: Vec<Value> = match found {
        Value::List(items) => items.iter().map(|item| Value::Text(item.clone())).collect(),
        other => vec![other.clone()],
    };
    if values.is_empty() {
        return (false, "missing: no values".to_string());
    }
    let outcomes: Vec<Result<bool, String>> = values.iter().map(|value| compare(value, op, literal)).collect();
    let passed = match quantifier {
        Quantifier::Any => outcomes.contains(&Ok(true)),
        Quantifier::All => outcomes.iter().all(|outcome| *outcome == Ok(true)),
    };
    // The values, and for `all` the first that failed, so the reader sees which one.
    let mut seen = found.to_string();
    if !passed
        && quantifier == Quantifier::All
        && let Some((value, outcome)) = values.iter().zip(&outcomes).find(|(_, outcome)| **outcome != Ok(true))
    {
        let why = match outcome {
            Err(reason) => format!("{value}: {reason}"),
            _ => format!("{value} does not"),
        };
        seen = format!("{seen}; {why}");
    }
    (passed, seen)
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
