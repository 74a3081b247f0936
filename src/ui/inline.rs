//! Inline Markdown (emphasis, code, links, images) drawn as styled text, so that `**Bold**`
//! shows bold rather than with asterisks; wrapped text (the detail panel) follows a link or an
//! image's alt text with its address. Inline HTML shows as its text. Block structure is not
//! this module's business.

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontFamily, FontId, Stroke, TextStyle};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// The visible text of inline Markdown, without markup.
pub fn plain(text: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(text) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out
}

/// A layout job for inline Markdown in the given style and colour, on one line when `wrap` is
/// false (rows) or wrapped (the detail panel).
pub fn job(ui: &egui::Ui, text: &str, color: Color32, wrap: bool) -> LayoutJob {
    let body = TextStyle::Body.resolve(ui.style());
    let mono = FontId::new(body.size * 0.95, FontFamily::Monospace);
    let (mut bold, mut italic, mut strike, mut code) = (0, 0, 0, false);
    let mut links: Vec<String> = Vec::new();
    let mut job = LayoutJob::default();
    if !wrap {
        job.wrap.max_rows = 1;
        job.wrap.break_anywhere = true;
    }
    // Pieces first, so that a trailing paragraph break can be dropped before layout.
    let mut pieces: Vec<(String, bool, bool, bool, bool)> = Vec::new();
    for event in Parser::new_ext(text, pulldown_cmark::Options::ENABLE_STRIKETHROUGH) {
        let styled = |piece: &str, code: bool| (piece.to_string(), bold > 0, italic > 0, strike > 0, code);
        match event {
            Event::Start(Tag::Strong) => bold += 1,
            Event::End(TagEnd::Strong) => bold -= 1,
            Event::Start(Tag::Emphasis) => italic += 1,
            Event::End(TagEnd::Emphasis) => italic -= 1,
            Event::Start(Tag::Strikethrough) => strike += 1,
            Event::End(TagEnd::Strikethrough) => strike -= 1,
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some(url) = links.pop().filter(|url| wrap && !url.is_empty())
                    && !pieces.last().is_some_and(|(piece, ..)| piece.ends_with(url.as_str()))
                {
                    pieces.push((format!(" ({url})"), false, false, false, false));
                }
            }
            Event::Start(Tag::CodeBlock(_)) => code = true,
            Event::End(TagEnd::CodeBlock) => code = false,
            Event::Text(t) => pieces.push(styled(&t, code)),
            Event::Code(t) => pieces.push(styled(&t, true)),
            Event::SoftBreak => pieces.push(styled(if wrap { "\n" } else { " " }, false)),
            Event::HardBreak => pieces.push(styled("\n", false)),
            Event::End(TagEnd::Paragraph) if wrap => pieces.push(styled("\n", false)),
            _ => {}
        }
    }
    while pieces.last().is_some_and(|(piece, ..)| piece == "\n") {
        pieces.pop();
    }
    if pieces.is_empty() {
        pieces.push((text.to_string(), false, false, false, false));
    }
    for (piece, bold, italic, strike, code) in pieces {
        let piece = displayable(ui, &piece, if code { &mono } else { &body });
        let format = TextFormat {
            font_id: if code { mono.clone() } else { body.clone() },
            color: if bold { ui.visuals().strong_text_color() } else { color },
            italics: italic,
            strikethrough: if strike { Stroke::new(1.0, color) } else { Stroke::NONE },
            background: if code { ui.visuals().code_bg_color } else { Color32::TRANSPARENT },
            ..TextFormat::default()
        };
        job.append(&piece, 0.0, format);
    }
    job
}

/// Leaves out characters that no loaded font can draw (newer emoji, mostly), with the joiners
/// and variation selectors that belonged to them, rather than showing empty boxes.
pub fn displayable(ui: &egui::Ui, text: &str, font: &FontId) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    ui.ctx().fonts_mut(|fonts| {
        let mut out = String::with_capacity(text.len());
        let mut dropped = false;
        for ch in text.chars() {
            let joiner = ch == '\u{200d}' || ch == '\u{fe0f}' || ch == '\u{fe0e}';
            if joiner {
                if !dropped {
                    out.push(ch);
                }
                continue;
            }
            dropped = !fonts.has_glyph(font, ch);
            if !dropped {
                out.push(ch);
            }
        }
        // A title that began with a dropped emoji should not begin with a space.
        if text.starts_with(|c: char| !c.is_ascii()) { out.trim_start().to_string() } else { out }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(plain("**Integration test success rate: >95%**"), "Integration test success rate: >95%");
        assert_eq!(plain("Health check endpoint: `/api/health`"), "Health check endpoint: /api/health");
        assert_eq!(plain("[Status Page](https://status.company.com)"), "Status Page");
    }
}
