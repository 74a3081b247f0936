//! Recognisers for single lines: `**Label:** value`, fill-in blanks, sign-off lines and the
//! `<!-- preflight: … -->` annotations that carry what plain Markdown cannot.

use crate::model::FieldKind;

/// Splits `**Label:** rest`, `**Label**: rest` or a plain `Label: rest` into label and rest.
pub(crate) fn label_line(text: &str) -> Option<(String, String)> {
    let text = text.trim();
    let (label, rest) = if let Some(after_open) = text.strip_prefix("**") {
        let close = after_open.find("**")?;
        let inner = &after_open[..close];
        let after = &after_open[close + 2..];
        if let Some(label) = inner.strip_suffix(':') { (label, after) } else { (inner, after.trim_start().strip_prefix(':')?) }
    } else {
        let (label, rest) = text.split_once(':')?;
        // A plain label is short text without Markdown; anything else is a sentence with a colon.
        if label.chars().count() > 60 || label.contains(['*', '_', '`', '[', '<', '|']) {
            return None;
        }
        (label, rest)
    };
    let label = label.trim();
    if label.is_empty() || label.contains(['\n']) {
        return None;
    }
    Some((label.to_string(), rest.trim().to_string()))
}

/// Length in bytes of a fill-in blank at the start of `text`: three or more of `_`, `*`, `\_`,
/// `\*`, with at least one underscore (`_____`, `**\_\_\_**`, `****\_****`).
fn blank_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut at, mut marks, mut underscores) = (0, 0, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'_' => underscores += 1,
            b'*' => {}
            b'\\' if matches!(bytes.get(at + 1), Some(b'_' | b'*')) => {
                underscores += usize::from(bytes[at + 1] == b'_');
                at += 1;
            }
            _ => break,
        }
        marks += 1;
        at += 1;
    }
    (marks >= 3 && underscores >= 1).then_some(at)
}

fn contains_blank(text: &str) -> bool {
    text.char_indices().any(|(at, _)| blank_len(&text[at..]).is_some())
}

/// Replaces every blank in `text` with `_____`.
fn normalise_blanks(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some((at, _)) = rest.char_indices().find(|(at, _)| blank_len(&rest[*at..]).is_some()) {
        let len = blank_len(&rest[at..]).unwrap_or(0);
        out.push_str(&rest[..at]);
        out.push_str(BLANK);
        rest = &rest[at + len..];
    }
    out.push_str(rest);
    out
}

/// The blank written by Markdown export.
pub(crate) const BLANK: &str = "_____";

/// A value that is a blank to fill in, with what follows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Blank {
    /// Text after the blank: `minutes`, `% change`.
    pub unit: String,
    /// A trailing parenthesis (`if applicable`), or the whole value when it has several blanks.
    pub hint: String,
    /// Followed by `Date: ____`, as sign-off lines are.
    pub dated: bool,
    /// Several blanks in one value (`_ critical, _ major, _ minor`).
    pub several: bool,
}

/// Reads a value that starts with a blank.
pub(crate) fn blank_value(rest: &str) -> Option<Blank> {
    let rest = rest.trim();
    let len = blank_len(rest)?;
    let after = rest[len..].trim();
    let mut blank = Blank::default();
    if let Some(date) = strip_prefix_ignore_case(after, "date") {
        let date = date.trim_start().trim_start_matches(':').trim_start();
        if let Some(date_len) = blank_len(date) {
            blank.dated = true;
            blank.hint = date[date_len..].trim().to_string();
            return Some(blank);
        }
    }
    if contains_blank(after) {
        blank.several = true;
        blank.hint = normalise_blanks(rest);
        return Some(blank);
    }
    match after.strip_suffix(')').and_then(|body| body.rsplit_once('(')) {
        Some((unit, hint)) => {
            blank.unit = unit.trim().to_string();
            blank.hint = hint.trim().to_string();
        }
        None => blank.unit = after.to_string(),
    }
    Some(blank)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// The kind a fill-in gets from its label and what follows its blank.
pub(crate) fn field_kind(label: &str, blank: &Blank) -> FieldKind {
    let words: Vec<String> = label.to_lowercase().split(|c: char| !c.is_alphanumeric()).map(str::to_string).collect();
    let has = |word: &str| words.iter().any(|w| w == word);
    if blank.several {
        FieldKind::Text
    } else if !blank.unit.is_empty() {
        FieldKind::Number { unit: blank.unit.clone() }
    } else if has("date") {
        FieldKind::Date
    } else if has("notes") || has("comments") || has("description") {
        FieldKind::MultiLine
    } else {
        FieldKind::Text
    }
}

/// Whether a heading opens a sign-off section (its subsections are sign-off sections too).
pub(crate) fn is_signoff_heading(title: &str) -> bool {
    let title = title.to_lowercase();
    ["sign-off", "sign off", "signoff", "sign-offs", "approval", "signature"].iter().any(|word| title.contains(word))
}

/// Labels that make a blank a sign-off role wherever it stands.
pub(crate) fn is_role_label(label: &str) -> bool {
    let label = label.trim().to_lowercase();
    ["approved by", "signed by", "signed off by", "signed-off by", "reviewed by"].contains(&label.as_str())
}

/// Labels that are never a role title even in a sign-off section.
pub(crate) fn is_signature_column(label: &str) -> bool {
    ["date", "name", "signature", "time"].contains(&label.trim().to_lowercase().as_str())
}

/// The meaning a role's signature carries unless the author says otherwise.
pub(crate) fn default_meaning(title: &str) -> String {
    let title = title.to_lowercase();
    let words: Vec<&str> = title.split(|c: char| !c.is_alphanumeric()).collect();
    let meaning = if words.contains(&"qa") || title.contains("quality") {
        "QA verified"
    } else if title.contains("security") {
        "Security reviewed"
    } else if title.starts_with("reviewed") {
        "Reviewed"
    } else if title.starts_with("deployed") {
        "Deployed as recorded"
    } else {
        "Approved for production"
    };
    meaning.to_string()
}

/// Strips leading emoji and punctuation: `📞 Emergency Contacts` → `Emergency Contacts`.
pub(crate) fn plain_title(title: &str) -> String {
    title.trim_start_matches(|c: char| !c.is_alphanumeric()).trim().to_string()
}

/// What a `<!-- preflight: … -->` annotation says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Annotation {
    pub id: Option<String>,
    pub required: Option<bool>,
    pub kind: Option<String>,
    pub meaning: Option<String>,
    pub version: Option<String>,
    /// The template's maximum probe age in minutes (`max-probe-age=30`).
    pub max_probe_age: Option<u32>,
    /// The paragraph after the title is the description even where its lines read as
    /// `**Label:** value` metadata (`description`, written by export).
    pub description: bool,
    /// A paragraph is text even where its lines read as `**Label:** value` metadata and it
    /// stands between rules (`text`, written by export).
    pub text: bool,
    /// Lines of `**Label:** value` at the document's end belong to the section they stand in,
    /// not to the footer (`section`, written by export).
    pub section: bool,
}

const ANNOTATION_START: &str = "<!-- preflight:";

/// The longest value a `**Label:** value` line may have to count as a pre-filled field, unless
/// its annotation names a field's kind.
pub(crate) const MAX_PREFILLED_CHARS: usize = 80;

/// Whether every line of a paragraph is `**Label:** value` with a short value (or one whose
/// annotation names its kind): metadata, where it stands between rules.
pub(crate) fn reads_as_metadata(text: &str) -> bool {
    text.lines().all(|line| {
        let (line, annotation) = split_annotation(line);
        label_line(&line).is_some_and(|(_, value)| !value.is_empty() && (annotation.kind.is_some() || value.chars().count() <= MAX_PREFILLED_CHARS))
    })
}

/// Whether a paragraph would import as fields or roles somewhere: it reads as metadata, or one
/// of its lines is a `Label: ____` fill-in.
pub(crate) fn reads_as_fields(text: &str) -> bool {
    reads_as_metadata(text) || text.lines().any(|line| label_line(line).is_some_and(|(_, value)| blank_value(&value).is_some()))
}

/// The description a paragraph gives, without the `description` annotation export marks it with.
pub(crate) fn described(text: &str) -> String {
    match text.rsplit_once('\n') {
        Some((before, last)) if split_annotation(last).1.description => format!("{before}\n{}", split_annotation(last).0),
        None if split_annotation(text).1.description => split_annotation(text).0,
        _ => text.to_string(),
    }
}

/// Splits a trailing annotation off a line of text.
pub(crate) fn split_annotation(text: &str) -> (String, Annotation) {
    // Spaces and tabs only, as Markdown trims: other white space is the text's (see `tidy`).
    let trimmed = text.trim_end_matches([' ', '\t']);
    let Some(start) = trimmed.rfind(ANNOTATION_START) else { return (text.to_string(), Annotation::default()) };
    let Some(body) = trimmed[start + ANNOTATION_START.len()..].strip_suffix("-->") else {
        return (text.to_string(), Annotation::default());
    };
    let mut annotation = Annotation::default();
    for (key, value) in tokens(body) {
        match (key.as_str(), value) {
            ("id", Some(value)) => annotation.id = Some(value),
            ("required", None) => annotation.required = Some(true),
            ("optional", None) => annotation.required = Some(false),
            ("kind", Some(value)) => annotation.kind = Some(value),
            ("meaning", Some(value)) => annotation.meaning = Some(value),
            ("version", Some(value)) => annotation.version = Some(value),
            ("description", None) => annotation.description = true,
            ("text", None) => annotation.text = true,
            ("section", None) => annotation.section = true,
            ("max-probe-age", Some(value)) => annotation.max_probe_age = value.trim_end_matches("min").trim().parse().ok().filter(|m| *m > 0),
            _ => {}
        }
    }
    (trimmed[..start].trim_end_matches([' ', '\t']).to_string(), annotation)
}

const PROBE_START: &str = "<!-- probe:";

/// Splits a `<!-- probe: (RON) -->` off an item's text. An unreadable one stays in the text and
/// comes back as an error, for a warning.
pub(crate) fn split_probe(text: &str) -> (String, Option<Result<crate::model::ProbeSpec, String>>) {
    let Some(start) = text.find(PROBE_START) else { return (text.to_string(), None) };
    let Some(length) = text[start..].find("-->") else { return (text.to_string(), Some(Err("the probe comment is not closed with -->".into()))) };
    let body = &text[start + PROBE_START.len()..start + length];
    match ron::from_str::<crate::model::ProbeSpec>(body.trim()) {
        Ok(spec) => {
            let rest = format!("{}{}", &text[..start], &text[start + length + 3..]);
            (rest.trim_end().to_string(), Some(Ok(spec)))
        }
        Err(err) => (text.to_string(), Some(Err(format!("the probe is not readable: {err}")))),
    }
}

/// A probe as an HTML comment for Markdown export.
pub(crate) fn probe_comment(spec: &crate::model::ProbeSpec) -> String {
    // Outside strings RON never contains `-->`; inside them it is written as an escape.
    let ron = ron::to_string(spec).unwrap_or_default().replace("-->", "--\\u{3e}");
    format!(" {PROBE_START} {ron} -->")
}

/// `a=1 b="two words" flag` → [(a, 1), (b, two words), (flag, None)].
fn tokens(body: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let key_end = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
        let key = rest[..key_end].to_string();
        rest = &rest[key_end..];
        let value = if let Some(after) = rest.strip_prefix('=') {
            if let Some(quoted) = after.strip_prefix('"') {
                // Up to the closing quote; `\"`, `\\` and `\>` stand for the character.
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((at, c)) = chars.next() {
                    match c {
                        '"' => {
                            end = at + 1;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, escaped)) => value.push(escaped),
                            None => value.push('\\'),
                        },
                        c => value.push(c),
                    }
                }
                rest = &quoted[end..];
                Some(value)
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                rest = &after[end..];
                Some(after[..end].to_string())
            }
        } else {
            None
        };
        out.push((key, value));
        rest = rest.trim_start();
    }
    out
}

/// Writes an annotation for the given facts, or nothing when there are none.
pub(crate) fn annotation(parts: &[(&str, Option<&str>)]) -> String {
    let body: Vec<String> = parts
        .iter()
        .map(|(key, value)| match value {
            None => key.to_string(),
            Some(value) if value.is_empty() || value.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\\' | '>')) => {
                // Quoted, with what would end the value or the comment early escaped, and the `!`
                // of a `<!`: a value holding `<!-- preflight:` would read as where the comment
                // starts.
                let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace("<!", "<\\!").replace('>', "\\>");
                format!("{key}=\"{escaped}\"")
            }
            Some(value) => format!("{key}={value}"),
        })
        .collect();
    if body.is_empty() { String::new() } else { format!(" {ANNOTATION_START} {} -->", body.join(" ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_lines_in_every_form() {
        let pair = |label: &str, rest: &str| Some((label.to_string(), rest.to_string()));
        assert_eq!(label_line("**Deployment Duration:** _____ minutes"), pair("Deployment Duration", "_____ minutes"));
        assert_eq!(
            label_line("**Deployed By**: ********\\_******** Date: **\\_\\_\\_**"),
            pair("Deployed By", "********\\_******** Date: **\\_\\_\\_**")
        );
        assert_eq!(label_line("Lead Developer: ____ Date: ___"), pair("Lead Developer", "____ Date: ___"));
        assert_eq!(label_line("**Bold** without colon"), None);
        assert_eq!(label_line("Use `cfg: x` here"), None);
    }

    #[test]
    fn blanks_with_units_dates_and_several_parts() {
        assert_eq!(
            blank_value("_____ minutes (if applicable)").unwrap(),
            Blank { unit: "minutes".into(), hint: "if applicable".into(), ..Blank::default() }
        );
        assert!(blank_value("********\\_******** Date: **\\_\\_\\_**").unwrap().dated);
        assert!(blank_value("_______________  Date: _______").unwrap().dated);
        let several = blank_value("_____ critical, _____ major, _____ minor").unwrap();
        assert!(several.several);
        assert_eq!(several.hint, "_____ critical, _____ major, _____ minor");
        assert_eq!(blank_value("**bold** text"), None);
        assert_eq!(blank_value("1.0"), None);
    }

    #[test]
    fn kinds_from_label_and_unit() {
        let blank = |unit: &str| Blank { unit: unit.into(), ..Blank::default() };
        assert_eq!(field_kind("Deployment Duration", &blank("minutes")), FieldKind::Number { unit: "minutes".into() });
        assert_eq!(field_kind("Deployment Date", &blank("")), FieldKind::Date);
        assert_eq!(field_kind("Special Notes", &blank("")), FieldKind::MultiLine);
        assert_eq!(field_kind("Deployed By", &blank("")), FieldKind::Text);
    }

    #[test]
    fn annotations_round_trip() {
        let text = format!("Do it{}", annotation(&[("id", Some("do-it-2")), ("optional", None), ("meaning", Some("QA verified"))]));
        let (rest, found) = split_annotation(&text);
        assert_eq!(rest, "Do it");
        assert_eq!(found.id.as_deref(), Some("do-it-2"));
        assert_eq!(found.required, Some(false));
        assert_eq!(found.meaning.as_deref(), Some("QA verified"));
        assert_eq!(split_annotation("plain <!-- other -->").0, "plain <!-- other -->");
    }

    #[test]
    fn signoff_words() {
        assert!(is_signoff_heading("✅ Sign-off"));
        assert!(is_signoff_heading("Approvals"));
        assert!(!is_signoff_heading("Post-Deployment Review"));
        assert!(is_role_label("Approved by"));
        assert!(!is_role_label("Deployed By"));
        assert_eq!(plain_title("📞 Emergency Contacts"), "Emergency Contacts");
        assert_eq!(default_meaning("QA Lead"), "QA verified");
    }
}
