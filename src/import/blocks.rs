//! Markdown → a small tree of blocks, each keeping its source text as written.
//!
//! pulldown-cmark does the parsing; this module only groups its events into headings,
//! paragraphs, lists, code, tables and the rest, with line numbers for warnings. Keeping the
//! source text (not the rendered text) means emphasis, links and escapes survive unchanged.

use std::iter::Peekable;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, OffsetIter, Options, Parser, Tag, TagEnd};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Heading {
        level: u8,
        text: String,
        line: usize,
    },
    Paragraph {
        text: String,
        line: usize,
    },
    List {
        ordered: bool,
        items: Vec<ListItem>,
    },
    Code {
        lang: String,
        code: String,
        line: usize,
    },
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        source: String,
        line: usize,
    },
    /// A block quote or callout, with the blocks inside it; `callout` is its kind when GitHub
    /// syntax names one (`> [!NOTE]`).
    Quote {
        callout: Option<String>,
        blocks: Vec<Block>,
        line: usize,
    },
    /// HTML or anything else kept as its source.
    Verbatim {
        source: String,
        line: usize,
    },
    /// A block quote nested deeper than [`MAX_QUOTE_DEPTH`], kept as its source (its own `>`
    /// marks included) without the spaces and tabs around its lines.
    DeepQuote {
        source: String,
        line: usize,
    },
    Rule,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListItem {
    /// `Some(ticked)` for a task item (`- [ ]`, `- [x]`).
    pub task: Option<bool>,
    /// The item's own text: its first paragraph, lines joined by spaces.
    pub text: String,
    pub line: usize,
    /// Everything nested under the item: lists, further paragraphs, code.
    pub blocks: Vec<Block>,
}

/// Lists nest at most this deep in a template: far beyond any real checklist, and shallow
/// enough that a template and a run of it stay within what the RON reader accepts.
pub(crate) const MAX_LIST_DEPTH: usize = crate::model::MAX_ITEM_DEPTH;

/// Block quotes nest at most this deep before the rest is kept as text.
pub(crate) const MAX_QUOTE_DEPTH: usize = 8;

/// What one piece of Markdown reads as.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub blocks: Vec<Block>,
    /// Lines where a list nested deeper than [`MAX_LIST_DEPTH`] was flattened into the
    /// deepest level.
    pub flattened: Vec<usize>,
    /// How many lines the piece holds (line breaks, as a piece ends with one).
    pub lines: usize,
    /// The last block is a fenced code block or an HTML block that runs to the end of the
    /// text: what follows the text may still belong to it.
    pub open_at_end: bool,
}

/// The blocks of `source`, whose first line is line `first_line` of the document.
pub(crate) fn parse(source: &str, first_line: usize) -> Parsed {
    let options = Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_GFM;
    // Events are read as the parser makes them, never all held at once: a 10 MB checklist
    // makes a million of them.
    let events = Parser::new_ext(source, options).into_offset_iter().peekable();
    let line_starts: Vec<usize> = std::iter::once(0).chain(memchr::memchr_iter(b'\n', source.as_bytes()).map(|at| at + 1)).collect();
    let lines = line_starts.len() - 1;
    let mut reader = Reader { source, events, line_starts, first_line, depth: 0, quotes: 0, flattened: Vec::new() };
    let mut blocks = Vec::new();
    let mut open_at_end = false;
    while let Some((event, range)) = reader.peek() {
        let raw = matches!(event, Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_)) | Tag::HtmlBlock));
        open_at_end = raw && range.end >= source.len();
        if let Some(block) = reader.block() {
            blocks.push(block);
        }
    }
    Parsed { blocks, flattened: reader.flattened, lines, open_at_end }
}

struct Reader<'s> {
    source: &'s str,
    events: Peekable<OffsetIter<'s, pulldown_cmark::DefaultBrokenLinkCallback>>,
    line_starts: Vec<usize>,
    /// The document's line number of the text's first line.
    first_line: usize,
    /// Lists open around `pos`.
    depth: usize,
    /// Block quotes open around `pos`.
    quotes: usize,
    /// Lines where a list nested deeper than the limit begins.
    flattened: Vec<usize>,
}

/// A paragraph's text without the backslash of a leading `5\. `: the escape that keeps a
/// paragraph from reading as a list is Markdown's, not the text's (a leading `\#` never
/// reaches the text either), and export writes it again where it is needed.
pub(crate) fn unescaped_ordered_start(text: String) -> String {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let escaped = (1..=9).contains(&digits) && text[digits..].starts_with('\\') && matches!(text.as_bytes().get(digits + 1), Some(b'.' | b')'));
    if escaped { format!("{}{}", &text[..digits], &text[digits + 1..]) } else { text }
}

/// A line from within a paragraph that now starts one (when a fill-in line before it became a
/// field), read as a paragraph's first line is: without the backslash of a leading escape
/// (`\_`, `\#`), which never reaches the text there, and export writes again where needed.
pub(crate) fn as_first_line(line: &str) -> String {
    match line.strip_prefix('\\') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_punctuation()) => rest.to_string(),
        _ => unescaped_ordered_start(line.to_string()),
    }
}

/// Inline text from inside `quotes` block quotes, without the `>` that opens each of its lines
/// after the first: they belong to the quote, not to the text (which export would otherwise
/// write as a quote of its own).
fn without_quote_markers(text: &str, quotes: usize) -> std::borrow::Cow<'_, str> {
    if quotes == 0 || !text.contains('\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut lines = text.split('\n');
    let mut out = lines.next().unwrap_or_default().to_string();
    for line in lines {
        let mut rest = line;
        for _ in 0..quotes {
            match rest.trim_start_matches([' ', '\t']).strip_prefix('>') {
                Some(after) => rest = after.strip_prefix(' ').unwrap_or(after),
                None => break,
            }
        }
        out.push('\n');
        out.push_str(rest);
    }
    std::borrow::Cow::Owned(out)
}

/// Trims each line and joins them with `separator`: list items and headings become one line,
/// paragraphs keep their line breaks but lose the indentation of their container. Only spaces
/// and tabs are trimmed from a line's start, as Markdown does: a line that a vertical tab or a
/// no-break space keeps from starting a heading must keep it, or export would write the
/// heading.
fn tidy(text: &str, separator: &str) -> String {
    fn trim(line: &str) -> &str {
        line.trim_matches([' ', '\t', '\r'])
    }
    if !text.contains('\n') {
        return trim(text).to_string();
    }
    // A vertical tab or a form feed ends a line of several as a space does: Markdown drops them
    // at the end of a paragraph, so they go at the end of each line, or a line that became the
    // last (when the blank-looking lines after it are left out) would not read the same after
    // export. A heading of one line keeps them, as Markdown does.
    paragraph_line_texts(text).collect::<Vec<_>>().join(separator)
}

/// Text that becomes a paragraph's, as Markdown reads a paragraph: each line without the spaces
/// and tabs around it, and without a vertical tab or a form feed that ends it (the last line of
/// a paragraph loses them, and any line may become the last); no blank lines, which would end it.
pub(crate) fn paragraph_lines(text: &str) -> String {
    paragraph_line_texts(text).collect::<Vec<_>>().join("\n")
}

fn paragraph_line_texts(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|line| line.trim_start_matches([' ', '\t', '\r']).trim_end_matches([' ', '\t', '\r', '\u{b}', '\u{c}']))
        .filter(|line| !line.is_empty())
}

impl<'s> Reader<'s> {
    /// The next event, without moving past it.
    fn peek(&mut self) -> Option<&(Event<'s>, Range<usize>)> {
        self.events.peek()
    }

    /// Moves past the next event, returning it.
    fn bump(&mut self) -> Option<(Event<'s>, Range<usize>)> {
        self.events.next()
    }

    /// Where the next event starts in the source (its end when there is none).
    fn next_range(&mut self) -> Range<usize> {
        let end = self.source.len();
        self.peek().map_or(end..end, |(_, range)| range.clone())
    }

    /// The source text of `span`, tidied (see [`tidy`]), without the markers of the quotes
    /// around it.
    fn span_text(&self, span: Range<usize>, separator: &str) -> String {
        tidy(&without_quote_markers(&self.source[span], self.quotes), separator)
    }

    fn line_of(&self, offset: usize) -> usize {
        self.first_line - 1 + self.line_starts.partition_point(|&start| start <= offset)
    }

    /// Moves past the element whose `Start` is next, returning the range it covers.
    fn skip_element(&mut self) -> Range<usize> {
        let range = self.next_range();
        let mut depth = 0usize;
        while let Some((event, _)) = self.bump() {
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth == 0 {
                break;
            }
        }
        range
    }

    /// The source span of the inline content of the element starting at `pos`; moves past it.
    fn inline_text(&mut self, separator: &str) -> (String, usize) {
        let (text, line, _) = self.inline_text_and_task(separator);
        (text, line)
    }

    /// Like [`Self::inline_text`], also returning a task marker found inside (in a loose list
    /// the `[ ]` belongs to the item's first paragraph).
    fn inline_text_and_task(&mut self, separator: &str) -> (String, usize, Option<bool>) {
        let mut task = None;
        let start = self.next_range().start;
        self.bump();
        let mut span: Option<Range<usize>> = None;
        while let Some((event, range)) = self.peek() {
            let range = match event {
                Event::End(_) => {
                    self.bump();
                    break;
                }
                Event::Start(_) => self.skip_element(),
                Event::TaskListMarker(ticked) => {
                    task = Some(*ticked);
                    self.bump();
                    continue;
                }
                _ => {
                    let range = range.clone();
                    self.bump();
                    range
                }
            };
            span = Some(match span {
                Some(s) => s.start.min(range.start)..s.end.max(range.end),
                None => range,
            });
        }
        let text = span.map(|s| self.span_text(s, separator)).unwrap_or_default();
        (text, self.line_of(start), task)
    }

    /// Reads one block at `pos`; returns None for events that make no block (stray ends).
    fn block(&mut self) -> Option<Block> {
        let (event, range) = self.peek()?.clone();
        let line = self.line_of(range.start);
        match event {
            Event::Start(Tag::Paragraph) => {
                let (text, line) = self.inline_text("\n");
                Some(Block::Paragraph { text: unescaped_ordered_start(text), line })
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let (text, line) = self.inline_text(" ");
                // An ATX heading's text starts after any vertical tab or form feed (pulldown-cmark
                // skips them there); a setext heading's starts so too, so that export can write it.
                let text = match text.trim_start_matches([' ', '\t', '\u{b}', '\u{c}']) {
                    trimmed if trimmed.len() == text.len() => text,
                    trimmed => trimmed.to_string(),
                };
                Some(Block::Heading { level: level as u8, text, line })
            }
            Event::Start(Tag::List(first)) if self.depth + 1 >= MAX_LIST_DEPTH => Some(self.flattened_list(first.is_some())),
            Event::Start(Tag::List(first)) => Some(self.list(first.is_some())),
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or_default().to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.bump();
                let mut code = String::new();
                while let Some((event, _)) = self.bump() {
                    match event {
                        Event::Text(text) => code.push_str(&text),
                        Event::End(_) => break,
                        _ => {}
                    }
                }
                let code = code.strip_suffix('\n').unwrap_or(&code).to_string();
                Some(Block::Code { lang, code, line })
            }
            Event::Start(Tag::Table(_)) => Some(self.table(line)),
            Event::Start(Tag::BlockQuote(kind)) if self.quotes < MAX_QUOTE_DEPTH => Some(self.quote(kind.map(|k| format!("{k:?}")), line)),
            Event::Start(tag) => {
                // Kept as its source, without the spaces and tabs that end its lines. A quote too
                // deep to read becomes the text of a paragraph in the quotes around it, as
                // Markdown would read that paragraph.
                let deep_quote = matches!(tag, Tag::BlockQuote(_));
                let range = self.skip_element();
                let source = &self.source[range];
                if deep_quote {
                    return Some(Block::DeepQuote { source: paragraph_lines(source), line });
                }
                let source = source.trim_end();
                let source = if source.contains([' ', '\t']) {
                    source.split('\n').map(|line| line.trim_end_matches([' ', '\t'])).collect::<Vec<_>>().join("\n")
                } else {
                    source.to_string()
                };
                Some(Block::Verbatim { source, line })
            }
            Event::Rule => {
                self.bump();
                Some(Block::Rule)
            }
            Event::Html(_) | Event::Text(_) | Event::InlineHtml(_) => {
                self.bump();
                Some(Block::Verbatim { source: self.source[range].trim().to_string(), line })
            }
            _ => {
                self.bump();
                None
            }
        }
    }

    /// A block quote's blocks, read as any others. Deeper than [`MAX_QUOTE_DEPTH`], a quote is
    /// kept as its source, so that hostile nesting cannot exhaust the stack.
    fn quote(&mut self, callout: Option<String>, line: usize) -> Block {
        self.bump();
        self.quotes += 1;
        let mut blocks = Vec::new();
        while let Some((event, _)) = self.peek() {
            if matches!(event, Event::End(TagEnd::BlockQuote(_))) {
                self.bump();
                break;
            }
            if let Some(block) = self.block() {
                blocks.push(block);
            }
        }
        self.quotes -= 1;
        Block::Quote { callout, blocks, line }
    }

    fn list(&mut self, ordered: bool) -> Block {
        self.bump();
        self.depth += 1;
        let mut items = Vec::new();
        while let Some((event, range)) = self.peek().cloned() {
            match event {
                Event::Start(Tag::Item) => items.push(self.item(range)),
                Event::End(TagEnd::List(_)) => {
                    self.bump();
                    break;
                }
                _ => {
                    self.bump();
                }
            }
        }
        self.depth -= 1;
        Block::List { ordered, items }
    }

    /// A list at the deepest level allowed: every item in it, however deeply nested, becomes
    /// one of its items, in source order, without recursion. An item's text is its own inline
    /// content, parts before and after a nested list joined by a space.
    fn flattened_list(&mut self, ordered: bool) -> Block {
        let mut items: Vec<ListItem> = Vec::new();
        // Per item: the source spans of its text; open items, innermost last.
        let mut spans: Vec<Vec<Range<usize>>> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut lists = 0usize;
        while let Some((event, range)) = self.peek().cloned() {
            match event {
                Event::Start(Tag::List(_)) => {
                    lists += 1;
                    if lists == 2 {
                        let line = self.line_of(range.start);
                        self.flattened.push(line);
                    }
                    self.bump();
                }
                Event::End(TagEnd::List(_)) => {
                    self.bump();
                    lists -= 1;
                    if lists == 0 {
                        break;
                    }
                }
                Event::Start(Tag::Item) => {
                    open.push(items.len());
                    items.push(ListItem { task: None, text: String::new(), line: self.line_of(range.start), blocks: Vec::new() });
                    spans.push(Vec::new());
                    self.bump();
                }
                Event::End(TagEnd::Item) => {
                    open.pop();
                    self.bump();
                }
                Event::TaskListMarker(ticked) => {
                    if let Some(&at) = open.last() {
                        items[at].task = Some(ticked);
                    }
                    self.bump();
                }
                Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {
                    self.bump();
                }
                other => {
                    let range = if matches!(other, Event::Start(_)) {
                        self.skip_element()
                    } else {
                        self.bump();
                        range
                    };
                    if let Some(&at) = open.last() {
                        match spans[at].last_mut() {
                            // Parts of one run of text: merge unless a nested item came between.
                            Some(last) if items.len() == at + 1 => *last = last.start.min(range.start)..last.end.max(range.end),
                            _ => spans[at].push(range),
                        }
                    }
                }
            }
        }
        for (item, spans) in items.iter_mut().zip(spans) {
            item.text = spans.iter().map(|span| self.span_text(span.clone(), " ")).collect::<Vec<_>>().join(" ");
        }
        Block::List { ordered, items }
    }

    fn item(&mut self, range: Range<usize>) -> ListItem {
        self.bump();
        let mut item = ListItem { task: None, text: String::new(), line: self.line_of(range.start), blocks: Vec::new() };
        let mut span: Option<Range<usize>> = None;
        while let Some((event, range)) = self.peek().cloned() {
            match event {
                Event::End(TagEnd::Item) => {
                    self.bump();
                    break;
                }
                Event::TaskListMarker(ticked) => {
                    item.task = Some(ticked);
                    self.bump();
                }
                Event::Start(Tag::Paragraph) if span.is_none() && item.text.is_empty() && item.blocks.is_empty() => {
                    // A loose list item: its first paragraph is its text.
                    let (text, _, task) = self.inline_text_and_task(" ");
                    item.text = text;
                    item.task = item.task.or(task);
                }
                Event::Start(
                    Tag::Paragraph | Tag::List(_) | Tag::CodeBlock(_) | Tag::Table(_) | Tag::Heading { .. } | Tag::BlockQuote(_) | Tag::HtmlBlock,
                )
                | Event::Rule => {
                    if let Some(block) = self.block() {
                        item.blocks.push(block);
                    }
                }
                Event::Start(_) => {
                    let range = self.skip_element();
                    span = Some(span.map_or(range.clone(), |s| s.start.min(range.start)..s.end.max(range.end)));
                }
                _ => {
                    self.bump();
                    span = Some(span.map_or(range.clone(), |s| s.start.min(range.start)..s.end.max(range.end)));
                }
            }
        }
        if let Some(span) = span {
            item.text = self.span_text(span, " ");
        }
        item
    }

    fn table(&mut self, line: usize) -> Block {
        let range = self.next_range();
        self.bump();
        let mut header = Vec::new();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut in_head = false;
        while let Some((event, _)) = self.peek().cloned() {
            match event {
                Event::Start(Tag::TableHead) => {
                    in_head = true;
                    self.bump();
                }
                Event::End(TagEnd::TableHead) => {
                    in_head = false;
                    self.bump();
                }
                Event::Start(Tag::TableRow) => {
                    rows.push(Vec::new());
                    self.bump();
                }
                Event::Start(Tag::TableCell) => {
                    let (text, _) = self.inline_text(" ");
                    match rows.last_mut() {
                        Some(row) if !in_head => row.push(text),
                        _ => header.push(text),
                    }
                }
                Event::End(TagEnd::Table) => {
                    self.bump();
                    break;
                }
                _ => {
                    self.bump();
                }
            }
        }
        Block::Table { header, rows, source: self.source[range].trim_end().to_string(), line }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_headings_tasks_and_nesting() {
        let blocks = parse("# Title\n\nSection\n-------\n\n- [ ] one\n  continued\n  - [x] nested\n1. step\n", 1).blocks;
        assert_eq!(blocks[0], Block::Heading { level: 1, text: "Title".into(), line: 1 });
        assert_eq!(blocks[1], Block::Heading { level: 2, text: "Section".into(), line: 3 });
        let Block::List { ordered: false, items } = &blocks[2] else { panic!("{:?}", blocks[2]) };
        assert_eq!(items[0].task, Some(false));
        assert_eq!(items[0].text, "one continued");
        let Block::List { items: nested, .. } = &items[0].blocks[0] else { panic!() };
        assert_eq!((nested[0].task, nested[0].text.as_str(), nested[0].line), (Some(true), "nested", 8));
        let Block::List { ordered: true, items } = &blocks[3] else { panic!("{:?}", blocks[3]) };
        assert_eq!((items[0].task, items[0].text.as_str()), (None, "step"));
    }

    #[test]
    fn loose_task_lists_keep_their_boxes() {
        let blocks = parse("- [ ] one\n\n- [x] two\n\n  more\n", 1).blocks;
        let Block::List { items, .. } = &blocks[0] else { panic!() };
        assert_eq!((items[0].task, items[0].text.as_str()), (Some(false), "one"));
        assert_eq!((items[1].task, items[1].text.as_str()), (Some(true), "two"));
        assert_eq!(items[1].blocks, [Block::Paragraph { text: "more".into(), line: 5 }]);
    }

    #[test]
    fn keeps_inline_source_and_reads_tables_and_code() {
        let blocks = parse("- [ ] **Bold** `code` [link](http://x)\n\n| A | B |\n|---|---|\n| 1 |   |\n\n```bash\nls\n```\n", 1).blocks;
        let Block::List { items, .. } = &blocks[0] else { panic!() };
        assert_eq!(items[0].text, "**Bold** `code` [link](http://x)");
        let Block::Table { header, rows, .. } = &blocks[1] else { panic!("{:?}", blocks[1]) };
        assert_eq!((header.clone(), rows.clone()), (vec!["A".to_string(), "B".into()], vec![vec!["1".to_string(), String::new()]]));
        assert_eq!(blocks[2], Block::Code { lang: "bash".into(), code: "ls".into(), line: 7 });
    }
}
