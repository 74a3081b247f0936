//! Parsing `subject op literal`, with the column of any syntax error.

use regex::Regex;

use super::{Condition, ConditionError, Literal, NAMED_SUBJECTS, Op, Quantifier, Subject, is_duration, percentile_name};

struct Cursor<'a> {
    chars: Vec<char>,
    at: usize,
    _source: &'a str,
    /// Inside `any(…)` or `all(…)`: a bare word ends at `)`.
    in_quantifier: bool,
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

    /// Moves past `word` when the text continues with it; compares in place, so that parsing
    /// stays linear in the length of the condition.
    fn eat(&mut self, word: &str) -> bool {
        let rest = self.chars.get(self.at..).unwrap_or_default();
        let len = word.chars().count();
        if rest.len() >= len && rest.iter().zip(word.chars()).all(|(a, b)| *a == b) {
            self.at += len;
            true
        } else {
            false
        }
    }
}

/// Lists nest at most this deep (`[[1, 2], [3]]` is two): no condition needs more, and a
/// bound keeps a hostile one from exhausting the stack.
pub const MAX_LIST_DEPTH: usize = 4;
/// A list holds at most this many values.
pub const MAX_LIST_ITEMS: usize = 10_000;
/// Subjects nest at most this deep (`len(json(a))` is two).
pub const MAX_SUBJECT_DEPTH: usize = 3;

/// Parses one condition.
pub fn parse(text: &str) -> Result<Condition, ConditionError> {
    let mut cursor = Cursor { chars: text.chars().collect(), at: 0, _source: text, in_quantifier: false };
    cursor.skip_spaces();
    let quantifier_at = cursor.at;
    let quantifier = if cursor.eat("any(") {
        Some(Quantifier::Any)
    } else if cursor.eat("all(") {
        Some(Quantifier::All)
    } else {
        None
    };
    cursor.in_quantifier = quantifier.is_some();
    cursor.skip_spaces();
    let subject = parse_subject(&mut cursor, 0)?;
    cursor.skip_spaces();
    let op_at = cursor.at;
    let op = parse_op(&mut cursor)?;
    if quantifier.is_some() && matches!(op, Op::Exists | Op::NotExists) {
        cursor.at = op_at;
        return Err(cursor.error(format!("`{op}` is not a comparison `any(…)` or `all(…)` can make of each value")));
    }
    cursor.skip_spaces();
    let literal = if matches!(op, Op::Exists | Op::NotExists) {
        None
    } else {
        if cursor.at >= cursor.chars.len() {
            return Err(cursor.error("expected a value to compare with"));
        }
        let duration = match &subject {
            Subject::Named(name) if is_duration(name) => Some(name.as_str()),
            _ => None,
        };
        let at = cursor.at;
        let literal = parse_literal(&mut cursor, op, duration, 0)?;
        check_literal_fits(op, &literal).map_err(|message| ConditionError { column: at + 1, message })?;
        Some(literal)
    };
    cursor.skip_spaces();
    if quantifier.is_some() && !cursor.eat(")") {
        let open = cursor.at;
        cursor.at = quantifier_at;
        let close = if open >= cursor.chars.len() {
            "is not closed".to_string()
        } else {
            format!("is not closed before `{}`", cursor.chars[open..].iter().collect::<String>().trim())
        };
        return Err(cursor.error(format!("`{}(` {close}", if quantifier == Some(Quantifier::Any) { "any" } else { "all" })));
    }
    cursor.skip_spaces();
    if cursor.at < cursor.chars.len() {
        return Err(cursor.error(format!("unexpected `{}` after the condition", cursor.rest().trim())));
    }
    Ok(Condition { source: text.trim().to_string(), quantifier, subject, op, literal })
}

fn parse_subject(cursor: &mut Cursor, nesting: usize) -> Result<Subject, ConditionError> {
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
            "p" => match argument.parse::<f64>() {
                Ok(q) if q > 0.0 && q <= 100.0 => Ok(Subject::Named(percentile_name(q))),
                _ => {
                    cursor.at = open + 1;
                    Err(cursor.error(format!("`p({argument})` needs a percentile above 0 and at most 100, such as p(99.9)")))
                }
            },
            "len" | "sha256" => {
                if nesting == MAX_SUBJECT_DEPTH {
                    cursor.at = start;
                    return Err(cursor.error(format!("subjects nest more than {MAX_SUBJECT_DEPTH} deep here")));
                }
                cursor.at = open + 1;
                cursor.skip_spaces();
                let inner = parse_subject(cursor, nesting + 1)?;
                cursor.skip_spaces();
                if cursor.at != end {
                    return Err(cursor.error(format!("expected `)` after the subject of `{name}(…)`")));
                }
                cursor.at = end + 1;
                Ok(if name == "len" { Subject::Len(Box::new(inner)) } else { Subject::Sha256(Box::new(inner)) })
            }
            _ => {
                cursor.at = start;
                Err(cursor.error(format!("unknown subject `{name}(…)`; use header(NAME), json(PATH), len(SUBJECT) or sha256(SUBJECT)")))
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
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, Literal::Number(_) | Literal::Duration(_) | Literal::Percent(_) | Literal::Subject(_)) => Ok(()),
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, _) => Err(format!("`{op}` compares numbers: use a number, a duration (`100ms`) or a percentage (`1%`)")),
        (Op::In, Literal::List(_)) => Ok(()),
        (Op::In, _) => Err("`in` takes a list: in [200, 301]".into()),
        _ => Ok(()),
    }
}

/// Parses the value after the operator. `duration` names the subject when it is measured as a
/// duration, so that a bare number, whose unit would be a guess, is refused.
fn parse_literal(cursor: &mut Cursor, op: Op, duration: Option<&str>, depth: usize) -> Result<Literal, ConditionError> {
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
            if depth == MAX_LIST_DEPTH {
                return Err(cursor.error(format!("lists nest more than {MAX_LIST_DEPTH} deep here")));
            }
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
                if items.len() == MAX_LIST_ITEMS {
                    return Err(cursor.error(format!("the list holds more than {MAX_LIST_ITEMS} values")));
                }
                items.push(parse_literal(cursor, Op::Eq, duration, depth + 1)?);
                cursor.skip_spaces();
                if !cursor.eat(",") && cursor.chars.get(cursor.at) != Some(&']') {
                    return Err(cursor.error("expected `,` or `]` in the list"));
                }
            }
            Ok(Literal::List(items))
        }
        Some(_) if depth == 0 && starts_subject(cursor) => {
            if matches!(op, Op::Matches | Op::In) {
                return Err(cursor.error(format!("`{op}` cannot take another subject; compare it with ==, !=, <, <=, >, >= or contains")));
            }
            Ok(Literal::Subject(Box::new(parse_subject(cursor, 0)?)))
        }
        Some(_) => {
            let in_quantifier = cursor.in_quantifier;
            while cursor.chars.get(cursor.at).is_some_and(|c| !c.is_whitespace() && *c != ',' && *c != ']' && !(in_quantifier && *c == ')')) {
                cursor.at += 1;
            }
            let word: String = cursor.chars[start..cursor.at].iter().collect();
            // An ordering compares numbers, so a named value there is that value, never text:
            // `min <= median`, `p95 < p99`.
            if depth == 0 && matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge) && NAMED_SUBJECTS.contains(&word.as_str()) {
                return Ok(Literal::Subject(Box::new(Subject::Named(word))));
            }
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

/// Whether the text at the cursor is a subject in function form (`header(…)`, `json(…)`,
/// `len(…)`, `sha256(…)`, `p(…)`) rather than a bare word.
fn starts_subject(cursor: &Cursor) -> bool {
    ["header(", "json(", "len(", "sha256(", "p("].iter().any(|prefix| {
        let rest = cursor.chars.get(cursor.at..).unwrap_or_default();
        rest.len() >= prefix.len() && rest.iter().zip(prefix.chars()).all(|(a, b)| *a == b)
    })
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
