//! Item text is Markdown inline text; on paper it is set as styled spans: bold for strong,
//! monospace for code, links and images followed by their address so that a printed page keeps
//! it (an image is its alt text). Inline HTML prints as its text: tags and comments are left out.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::fonts::Weight;
use super::text::{LINK, Span, Style};

/// Spans for one item's Markdown text in `base` style. Text that Markdown would read as a block
/// (a heading, a list, a table) is printed as written, so that nothing of it is lost.
pub(crate) fn markdown_spans(text: &str, base: Style) -> Vec<Span> {
    // Plain text is the common case and needs no parser.
    if !text.contains(['*', '_', '`', '[', '<', '\\', '&']) {
        return vec![Span::new(text, base)];
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut strong = 0usize;
    let mut links: Vec<String> = Vec::new();
    let push = |spans: &mut Vec<Span>, text: &str, style: Style| match spans.last_mut() {
        Some(last) if last.style == style => last.text.push_str(text),
        _ => spans.push(Span::new(text, style)),
    };
    for event in Parser::new(text) {
        let style = if strong > 0 { base.with_weight(Weight::Bold) } else { base };
        let style = if links.is_empty() { style } else { style.with_colour(LINK) };
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
            Event::Start(Tag::Emphasis | Tag::Strikethrough) | Event::End(TagEnd::Emphasis | TagEnd::Strikethrough) => {}
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some(url) = links.pop()
                    && !url.is_empty()
                    && !spans.last().is_some_and(|last| last.text.ends_with(url.as_str()))
                {
                    push(&mut spans, &format!(" ({url})"), base.with_colour(LINK));
                }
            }
            Event::Text(text) => push(&mut spans, &text, style),
            // A tag or a comment says nothing a reader of the rendered text would see.
            Event::InlineHtml(_) | Event::Html(_) => {}
            Event::Code(code) => push(&mut spans, &code, style.with_weight(Weight::Mono)),
            Event::SoftBreak => push(&mut spans, " ", style),
            Event::HardBreak => push(&mut spans, "\n", style),
            // Anything else is a block construct: print the source as written.
            _ => return vec![Span::new(text, base)],
        }
    }
    if spans.is_empty() { vec![Span::new(text, base)] } else { spans }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::text::INK;

    const BODY: Style = Style::new(Weight::Regular, 9.0, INK);

    fn joined(spans: &[Span]) -> String {
        spans.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn strong_code_and_links_become_styles() {
        let spans = markdown_spans("Check **all** `/healthz` on [status](https://status.example.com)", BODY);
        assert_eq!(joined(&spans), "Check all /healthz on status (https://status.example.com)");
        assert!(spans.iter().any(|s| s.text == "all" && s.style.weight == Weight::Bold));
        assert!(spans.iter().any(|s| s.text == "/healthz" && s.style.weight == Weight::Mono));
    }

    #[test]
    fn block_syntax_is_printed_as_written() {
        assert_eq!(joined(&markdown_spans("1. *first* step", BODY)), "1. *first* step");
        assert_eq!(joined(&markdown_spans("plain text", BODY)), "plain text");
    }

    #[test]
    fn images_print_as_alt_text_and_address_and_html_as_its_text() {
        let spans = markdown_spans("Dashboard ![p95 latency](https://grafana.example.com/p95.png) is <b>green</b> <!-- ask Sam -->", BODY);
        assert_eq!(joined(&spans), "Dashboard p95 latency (https://grafana.example.com/p95.png) is green ");
    }

    #[test]
    fn an_autolink_is_not_printed_twice() {
        assert_eq!(joined(&markdown_spans("see <https://example.com>", BODY)), "see https://example.com");
    }
}
