//! How export writes text so that Markdown reads it back as the same text: escapes where a
//! line would start a block, fences that hold their code, indented lines.

/// Ensures the output ends with a blank line, so that the next block starts afresh.
pub(super) fn blank_line(out: &mut String) {
    while !out.ends_with("\n\n") && !out.is_empty() {
        out.push('\n');
    }
}

/// A paragraph's first line with a backslash before a start that Markdown would read as a
/// heading, a list, a quote, a rule, HTML or a fence (`\### Security`), so that it imports again
/// as the text it is: the importer's text starts at the escaped character.
fn escape_block_start(line: &str) -> std::borrow::Cow<'_, str> {
    // Markdown indents with spaces and tabs only: a vertical tab before `- ` starts no list.
    let body = line.trim_start_matches([' ', '\t']);
    let lead = &line[..line.len() - body.len()];
    let bytes = body.as_bytes();
    let spaced = |at: usize| bytes.get(at).is_none_or(|b| *b == b' ' || *b == b'\t');
    let hashes = bytes.iter().take_while(|b| **b == b'#').count();
    let rule = |c: u8| bytes.iter().filter(|b| **b == c).count() >= 3 && bytes.iter().all(|b| *b == c || *b == b' ' || *b == b'\t');
    let starts_block = match bytes.first() {
        // After the `#`s of a heading, Markdown also takes a vertical tab or a form feed as space.
        Some(b'#') => hashes <= 6 && (spaced(hashes) || matches!(bytes.get(hashes), Some(b'\x0b' | b'\x0c'))),
        Some(b'>' | b'<') => true,
        Some(c @ (b'-' | b'+' | b'*')) => spaced(1) || rule(*c),
        Some(b'_') => rule(b'_'),
        // `[label]: destination` defines a link and shows nothing; a label may go on to the
        // next line. A link (`[text](url)`) is left as it is.
        Some(b'[') => body.contains("]:") || !body.contains(']'),
        Some(b'`') => body.starts_with("```"),
        Some(b'~') => body.starts_with("~~~"),
        // `\#` reads as `#`: a text that starts with an escape keeps it only when escaped itself.
        Some(b'\\') => bytes.get(1).is_some_and(u8::is_ascii_punctuation),
        _ => false,
    };
    if starts_block {
        return std::borrow::Cow::Owned(format!("{lead}\\{body}"));
    }
    // `5. ` and `5) `: the escape goes before the `.`, and the importer takes it out again.
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if (1..=9).contains(&digits) && matches!(bytes.get(digits), Some(b'.' | b')')) && spaced(digits + 1) {
        return std::borrow::Cow::Owned(format!("{lead}{}\\{}", &body[..digits], &body[digits..]));
    }
    std::borrow::Cow::Borrowed(line)
}

/// A bullet's or a step's text as written after its marker: escaped where it would start a
/// block inside the list item (a fence, a heading) or read as a task box (`[ ]`, `[x]`).
pub(super) fn list_item_text(text: &str) -> std::borrow::Cow<'_, str> {
    let boxed = text.find(']').is_some_and(|close| super::tasks::task_box(&text[..=close]).is_some());
    // After a `- ` marker, dashes alone (`--`) make a rule of the whole line.
    let rule = text.contains('-') && text.bytes().all(|b| matches!(b, b'-' | b' ' | b'\t'));
    if boxed || rule { std::borrow::Cow::Owned(format!("\\{text}")) } else { escape_block_start(text) }
}

/// A paragraph's text as written. Its first line is escaped where it would start a block. A
/// later line that would start one (`- `, `## `, `===`, `--`, a table's `|---|`) stayed in the paragraph where it was
/// read only by its indentation, which the importer takes off: it gets four spaces back, which
/// keep a line in its paragraph and which the importer takes off again.
pub(super) fn paragraph_text(text: &str) -> String {
    let mut lines = text.split('\n');
    let mut out = escape_block_start(lines.next().unwrap_or_default()).into_owned();
    for line in lines {
        out.push('\n');
        // A line of `=` or of `-`, of any length, under a line makes it a heading.
        let trimmed = line.trim_matches([' ', '\t']);
        let underline = [b'=', b'-'].into_iter().any(|mark| !trimmed.is_empty() && trimmed.bytes().all(|b| b == mark));
        // A table's delimiter row makes the line above it a table's header, even within a paragraph.
        let delimiter_row = line.bytes().all(|b| b"|-: \t".contains(&b)) && line.contains('-') && line.contains('|');
        if underline || delimiter_row || matches!(escape_block_start(line), std::borrow::Cow::Owned(_)) {
            out.push_str("    ");
        }
        out.push_str(line);
    }
    out
}

/// A heading's text as written after its `#`s: Markdown takes a last run of `#` at the line's
/// end for a closing sequence, so text ending in `#` with nothing after it gets one of its own
/// (`## Step #` reads as "Step"; `## Step # #` as "Step #").
pub(super) fn heading_text<'t>(text: &'t str, notes: &str) -> std::borrow::Cow<'t, str> {
    let text = escape_leading_escape(text);
    if notes.is_empty() && text.ends_with('#') { std::borrow::Cow::Owned(format!("{text} #")) } else { text }
}

/// Text that starts with an escape (`\#`, `\\`) written with one more backslash: the importer
/// takes the first backslash of a heading's or a task's text as Markdown's escape, not the text's.
pub(super) fn escape_leading_escape(text: &str) -> std::borrow::Cow<'_, str> {
    let mut bytes = text.bytes();
    if bytes.next() == Some(b'\\') && bytes.next().is_some_and(|b| b.is_ascii_punctuation()) {
        std::borrow::Cow::Owned(format!("\\{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The fence for a code block: backticks unless its info string has one (a backtick fence's
/// opening line may not) or a line of the code opens with three, and longer than any run of
/// its mark that opens a line of the code (which would close it).
pub(super) fn code_fence(code: &str, lang: &str) -> String {
    let run =
        |mark: char| code.lines().map(|line| line.trim_start_matches([' ', '\t']).chars().take_while(|c| *c == mark).count()).max().unwrap_or(0);
    let mark = if lang.contains('`') || run('`') >= 3 { '~' } else { '`' };
    mark.to_string().repeat(run(mark).max(2) + 1)
}

/// A code block's info string as written after its fence: Markdown reads backslash escapes and
/// entities there, so a `\\` or a `&` is escaped to come back as it was, and a `~` that starts
/// it is escaped so that it does not lengthen a tilde fence.
pub(super) fn fence_info(lang: &str) -> String {
    let escaped = lang.replace('\\', "\\\\").replace('&', "\\&");
    if escaped.starts_with('~') { format!("\\{escaped}") } else { escaped }
}

/// Every line of `text` indented; a last line break stays (a code block ending in a blank line).
pub(super) fn indent_lines(text: &str, indent: &str) -> String {
    text.split('\n').map(|line| if line.is_empty() { String::new() } else { format!("{indent}{line}") }).collect::<Vec<_>>().join("\n")
}
