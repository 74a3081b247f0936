//! What a Markdown file carries around its Markdown, taken out before parsing with every line
//! kept in place (so warnings still name the right line): YAML front matter, read as flat
//! `key: value` pairs; `<details>` and `</details>` lines, whose Markdown content then parses
//! as any other, and `<summary>` lines, which become their text; and HTML comments standing on
//! lines of their own, which no reader of the rendered file sees. Fenced code is left alone.

use std::borrow::Cow;

/// The front matter's keys and values, in order, with the line each is on. A list value
/// (`tags: [a, b]`, or `- a` lines under the key) is joined with ", ".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FrontMatter {
    pub pairs: Vec<(String, String, usize)>,
    /// Lines that are not `key: value` (nested maps, block scalars): kept out, with a warning.
    pub skipped: Vec<usize>,
}

pub(crate) struct Prepared<'a> {
    /// The text to parse: the source itself when nothing was taken out.
    pub text: Cow<'a, str>,
    pub front_matter: Option<FrontMatter>,
}

/// How far down the closing `---` of front matter may be: a longer block is not front matter.
const MAX_FRONT_MATTER_LINES: usize = 200;

pub(crate) fn prepare(source: &str) -> Prepared<'_> {
    // Lines are borrowed from the source; only those that change are copied.
    let mut lines: Vec<Cow<'_, str>> = source.split('\n').map(Cow::Borrowed).collect();
    let front_matter = take_front_matter(&mut lines);
    let mut changed = front_matter.is_some();
    let mut fence: Option<String> = None;
    let mut in_comment = false;
    for line in &mut lines {
        // Markdown indents with spaces and tabs only: `\x0b<!--` opens no comment.
        let trimmed = line.trim_start_matches([' ', '\t']).trim_end();
        if let Some(open) = &fence {
            if trimmed.starts_with(open.as_str()) && trimmed.trim_start_matches(open.chars().next().unwrap_or('`')).trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if in_comment {
            if let Some(end) = trimmed.find("-->") {
                in_comment = false;
                *line = Cow::Owned(trimmed[end + 3..].to_string());
            } else {
                *line = Cow::Borrowed("");
            }
            changed = true;
            continue;
        }
        if let Some(marker) = fence_opening(trimmed) {
            fence = Some(marker.to_string());
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("<!--")
            && !is_annotation(rest)
        {
            match rest.find("-->") {
                Some(end) if rest[end + 3..].trim().is_empty() => *line = Cow::Borrowed(""),
                Some(_) => {}
                None => {
                    in_comment = true;
                    *line = Cow::Borrowed("");
                }
            }
            changed = true;
            continue;
        }
        if trimmed.starts_with('<')
            && let Some(kept) = details_line(trimmed)
        {
            *line = Cow::Owned(kept);
            changed = true;
        }
    }
    // The last line ends like every other: `- [ ]` reads as an empty task whether or not the
    // file ends with a line break, as it does once exported and imported again.
    if !changed && source.ends_with('\n') {
        return Prepared { text: Cow::Borrowed(source), front_matter };
    }
    let mut text = lines.join("\n");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Prepared { text: Cow::Owned(text), front_matter }
}

/// The fence a line opens, as Markdown reads it: three or more backticks or tildes, and for
/// backticks an info string without one (`` ```a`b `` is a paragraph's text, not a fence).
fn fence_opening(trimmed: &str) -> Option<&str> {
    let mark = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let length = trimmed.len() - trimmed.trim_start_matches(mark).len();
    let opens = length >= 3 && (mark == '~' || !trimmed[length..].contains('`'));
    opens.then(|| &trimmed[..length])
}

/// `<!-- preflight: … -->` and `<!-- probe: … -->` mean something to the importer.
fn is_annotation(after_open: &str) -> bool {
    let word = after_open.trim_start();
    word.starts_with("preflight:") || word.starts_with("probe:")
}

/// What a line of `<details>` markup becomes: nothing for the tags, the summary's text (bold,
/// as a heading-like line) for `<summary>…</summary>`; None for any other line.
fn details_line(trimmed: &str) -> Option<String> {
    let mut rest = trimmed;
    let mut changed = false;
    let mut summary = String::new();
    // A tag's name ends at white space, `>` or `/`: `<details-` is no `<details>` tag.
    let tag = |lower: &str, name: &str| {
        lower.strip_prefix(name).is_some_and(|after| after.starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/'))
    };
    loop {
        let lower = rest.to_ascii_lowercase();
        if tag(&lower, "<details") || tag(&lower, "</details") {
            let end = rest.find('>')? + 1;
            rest = rest[end..].trim_start();
            changed = true;
        } else if tag(&lower, "<summary") {
            let open = rest.find('>')? + 1;
            let close = lower.find("</summary>")?;
            summary = strip_tags(&rest[open..close]).trim().to_string();
            rest = rest[close + "</summary>".len()..].trim_start();
            changed = true;
        } else {
            break;
        }
    }
    if !changed || !rest.is_empty() {
        return None;
    }
    Some(if summary.is_empty() { String::new() } else { format!("**{summary}**") })
}

/// Text with HTML tags taken out (`<b>x</b>` → `x`).
pub(crate) fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Takes a leading `---` … `---` (or `...`) block out of `lines`, leaving blank lines.
fn take_front_matter(lines: &mut [Cow<'_, str>]) -> Option<FrontMatter> {
    if lines.first().map(|line| line.trim_end()) != Some("---") {
        return None;
    }
    let end = lines.iter().enumerate().skip(1).take(MAX_FRONT_MATTER_LINES).find(|(_, l)| matches!(l.trim_end(), "---" | "..."))?.0;
    let body = &lines[1..end];
    // Front matter is `key: value` lines; a block without one (a rule, then a setext heading)
    // is Markdown.
    if !body.iter().any(|line| key_value(line).is_some()) {
        return None;
    }
    let mut matter = FrontMatter::default();
    for (offset, line) in body.iter().enumerate() {
        let number = offset + 2;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(item) = line.trim_start().strip_prefix("- ").filter(|_| line.starts_with([' ', '-']))
            && let Some((_, value, _)) = matter.pairs.last_mut()
        {
            // An empty item adds nothing, and an item's value is trimmed as a key's is.
            let item = unquote(item.trim()).trim();
            if !item.is_empty() {
                if !value.is_empty() {
                    value.push_str(", ");
                }
                value.push_str(item);
            }
            continue;
        }
        match key_value(line).filter(|_| !line.starts_with([' ', '\t'])) {
            Some((key, value)) => {
                let value = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')).map_or_else(
                    || unquote(value).to_string(),
                    |list| list.split(',').map(|part| unquote(part.trim()).trim()).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(", "),
                );
                // Values are text fields: the spaces a quoted value ends with are not kept.
                matter.pairs.push((key.to_string(), value.trim().to_string(), number));
            }
            None => matter.skipped.push(number),
        }
    }
    for line in &mut lines[..=end] {
        *line = Cow::Borrowed("");
    }
    Some(matter)
}

fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    let simple = !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '));
    let value = value.trim();
    (simple && !matches!(value, "|" | ">" | "|-" | ">-")).then_some((key, value))
}

fn unquote(value: &str) -> &str {
    value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\''))).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_read_and_its_lines_kept_blank() {
        let prepared = prepare("---\ntitle: \"Go-live\"\ntags: [release, prod]\nowners:\n  - riley\n  - sam\nnested:\n  deep: 1\n---\n# Heading\n");
        let matter = prepared.front_matter.unwrap();
        let pairs: Vec<(&str, &str)> = matter.pairs.iter().map(|(k, v, _)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("title", "Go-live"), ("tags", "release, prod"), ("owners", "riley, sam"), ("nested", "")]);
        assert_eq!(matter.skipped, [8]);
        assert_eq!(prepared.text.lines().position(|l| l == "# Heading"), Some(9), "line numbers stay");
    }

    #[test]
    fn a_rule_and_a_setext_heading_are_not_front_matter() {
        assert!(prepare("---\nSection\n---\n").front_matter.is_none());
    }

    #[test]
    fn details_and_comments_go_and_code_stays() {
        let text = "<details><summary>Rollback <b>plan</b></summary>\n\n- [ ] restore\n</details>\n<!-- a note to editors -->\n<!--\nlonger\n-->\n```\n<details>\n```\n- [ ] x <!-- probe: (kind: Http) -->\n";
        let prepared = prepare(text);
        let lines: Vec<&str> = prepared.text.lines().collect();
        assert_eq!(lines[0], "**Rollback plan**");
        assert_eq!(lines[2], "- [ ] restore");
        assert_eq!(lines[3], "");
        assert_eq!(&lines[4..8], ["", "", "", ""]);
        assert_eq!(lines[9], "<details>", "code is left alone");
        assert!(lines[11].contains("<!-- probe:"), "annotations stay");
    }
}
