//! Styled text and line breaking with real glyph advances.
//!
//! A paragraph is a list of styled spans. Breaking happens at spaces; a word wider than the
//! whole line (a URL, a hash, a long identifier in inline code) is broken between characters,
//! so that nothing ever runs past the margin.

use super::fonts::{FaceId, Fonts, Glyph, Weight, is_invisible_format};

/// An RGB colour, each channel 0–1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Colour(pub f32, pub f32, pub f32);

pub(crate) const INK: Colour = Colour(0.1, 0.1, 0.12);
pub(crate) const MUTED: Colour = Colour(0.38, 0.4, 0.44);
pub(crate) const LINK: Colour = Colour(0.1, 0.3, 0.65);
pub(crate) const GOOD: Colour = Colour(0.05, 0.45, 0.2);
pub(crate) const BAD: Colour = Colour(0.75, 0.1, 0.1);
pub(crate) const WARN: Colour = Colour(0.7, 0.42, 0.0);
/// The `[U+XXXX]` printed for a character no font has.
pub(crate) const MISSING: Colour = Colour(0.85, 0.0, 0.45);

pub(crate) const TITLE: Style = Style::new(Weight::Bold, 18.0, INK);
pub(crate) const H1: Style = Style::new(Weight::Bold, 14.0, INK);
pub(crate) const H2: Style = Style::new(Weight::Bold, 11.5, INK);
pub(crate) const H3: Style = Style::new(Weight::Bold, 10.0, INK);
pub(crate) const BODY: Style = Style::new(Weight::Regular, 9.0, INK);
pub(crate) const CELL: Style = Style::new(Weight::Regular, 8.5, INK);
pub(crate) const CELL_BOLD: Style = Style::new(Weight::Bold, 8.5, INK);
pub(crate) const CELL_MUTED: Style = Style::new(Weight::Regular, 8.0, MUTED);
pub(crate) const CELL_MONO: Style = Style::new(Weight::Mono, 8.0, INK);
pub(crate) const SMALL: Style = Style::new(Weight::Regular, 7.5, MUTED);

/// How a span is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub weight: Weight,
    pub size: f32,
    pub colour: Colour,
}

impl Style {
    pub(crate) const fn new(weight: Weight, size: f32, colour: Colour) -> Style {
        Style { weight, size, colour }
    }

    pub(crate) const fn with_colour(self, colour: Colour) -> Style {
        Style { colour, ..self }
    }

    pub(crate) const fn with_weight(self, weight: Weight) -> Style {
        Style { weight, ..self }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub text: String,
    pub style: Style,
}

impl Span {
    pub(crate) fn new(text: impl Into<String>, style: Style) -> Span {
        Span { text: text.into(), style }
    }
}

/// A block of text broken into lines as one: a heading, an item's text, a note.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Paragraph {
    pub spans: Vec<Span>,
    /// Left indent in points, for nested items.
    pub indent: f32,
}

impl Paragraph {
    pub(crate) fn new(spans: Vec<Span>) -> Paragraph {
        Paragraph { spans, indent: 0.0 }
    }

    pub(crate) fn plain(text: impl Into<String>, style: Style) -> Paragraph {
        Paragraph::new(vec![Span::new(text, style)])
    }

    pub(crate) fn indented(mut self, indent: f32) -> Paragraph {
        self.indent = indent;
        self
    }
}

/// A run of text in one face, size and colour, placed on a line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fragment {
    /// From the line's left edge, in points.
    pub x: f32,
    pub text: String,
    pub face: FaceId,
    pub size: f32,
    pub colour: Colour,
}

/// One laid-out line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub fragments: Vec<Fragment>,
    pub width: f32,
    /// The distance from this line's top to the next line's top.
    pub height: f32,
    /// From the line's top to its baseline.
    pub ascent: f32,
}

/// Line spacing as a multiple of the font size.
const LEADING: f32 = 1.3;
/// DejaVu's ascender is 0.93 em; the baseline sits that far below the top of the line.
const ASCENT: f32 = 0.95;

/// One character as it will be drawn.
#[derive(Clone, Copy)]
struct Placed {
    c: char,
    face: FaceId,
    width: f32,
    style: Style,
}

impl Placed {
    fn is_space(&self) -> bool {
        self.c == ' '
    }
}

/// Resolves every character of the paragraph to a face; a character no font has becomes the
/// visible `[U+XXXX]` in the replacement face. `\n` is kept as a forced break.
fn place(fonts: &mut Fonts, paragraph: &Paragraph) -> Vec<Placed> {
    let mut placed = Vec::new();
    for span in &paragraph.spans {
        let style = span.style;
        let mut chars = span.text.chars().peekable();
        while let Some(c) = chars.next() {
            let c = if c == '\t' { ' ' } else { c };
            if is_invisible_format(c) {
                continue;
            }
            if c == '\n' {
                placed.push(Placed { c, face: 0, width: 0.0, style });
                continue;
            }
            let emoji_presentation = chars.peek() == Some(&'\u{FE0F}');
            match fonts.glyph(style.weight, c, emoji_presentation) {
                Glyph::Drawn { face, advance_em } => placed.push(Placed { c, face, width: advance_em * style.size, style }),
                Glyph::Missing => {
                    let face = Fonts::replacement_face();
                    let style = style.with_colour(super::text::MISSING);
                    for r in format!("[U+{:04X}]", u32::from(c)).chars() {
                        placed.push(Placed { c: r, face, width: fonts.advance_em(face, r) * style.size, style });
                    }
                }
            }
        }
    }
    placed
}

/// Breaks a paragraph into lines no wider than `width` points (less its indent).
pub(crate) fn wrap(fonts: &mut Fonts, paragraph: &Paragraph, width: f32) -> Vec<Line> {
    let placed = place(fonts, paragraph);
    let available = (width - paragraph.indent).max(12.0);
    let default_size = paragraph.spans.first().map_or(9.0, |span| span.style.size);
    // Finished lines, and the line being filled.
    let mut lines: Vec<Vec<Placed>> = Vec::new();
    let mut current: Vec<Placed> = Vec::new();
    let mut line_width = 0.0;
    let mut i = 0;
    while i < placed.len() {
        let glyph = placed[i];
        if glyph.c == '\n' {
            lines.push(std::mem::take(&mut current));
            line_width = 0.0;
            i += 1;
            continue;
        }
        if glyph.is_space() {
            // A space at the start of a wrapped line is dropped; elsewhere it is kept and may
            // hang past the edge, where it is trimmed below.
            if !current.is_empty() {
                current.push(glyph);
                line_width += glyph.width;
            }
            i += 1;
            continue;
        }
        let end = placed[i..].iter().position(|g| g.is_space() || g.c == '\n').map_or(placed.len(), |n| i + n);
        let word = &placed[i..end];
        let word_width: f32 = word.iter().map(|g| g.width).sum();
        // The spaces before the word stay on the line with it; only spaces after the last word
        // of a line are trimmed.
        if line_width + word_width <= available {
            current.extend_from_slice(word);
            line_width += word_width;
        } else if word_width <= available {
            lines.push(std::mem::replace(&mut current, word.to_vec()));
            line_width = word_width;
        } else {
            // Wider than a whole line: fill the current line (or a fresh one when little room
            // is left) and carry on character by character.
            if available - line_width < available * 0.3 && line_width > 0.0 {
                lines.push(std::mem::take(&mut current));
                line_width = 0.0;
            }
            for g in word {
                if line_width + g.width > available && current.iter().any(|g| !g.is_space()) {
                    lines.push(std::mem::take(&mut current));
                    line_width = 0.0;
                }
                current.push(*g);
                line_width += g.width;
            }
        }
        i = end;
    }
    lines.push(current);
    lines.into_iter().map(|line| build_line(&line, paragraph.indent, default_size)).collect()
}

/// Groups a line's characters into fragments of one face and style, dropping trailing spaces.
fn build_line(glyphs: &[Placed], indent: f32, default_size: f32) -> Line {
    let end = glyphs.iter().rposition(|g| !g.is_space()).map_or(0, |n| n + 1);
    let glyphs = &glyphs[..end];
    let size = glyphs.iter().map(|g| g.style.size).fold(0.0_f32, f32::max);
    let size = if size > 0.0 { size } else { default_size };
    let mut fragments: Vec<Fragment> = Vec::new();
    let mut x = indent;
    for g in glyphs {
        match fragments.last_mut() {
            Some(last) if last.face == g.face && last.size == g.style.size && last.colour == g.style.colour => last.text.push(g.c),
            _ => fragments.push(Fragment { x, text: g.c.to_string(), face: g.face, size: g.style.size, colour: g.style.colour }),
        }
        x += g.width;
    }
    Line { fragments, width: x, height: size * LEADING, ascent: size * ASCENT }
}

/// The total height of lines.
pub(crate) fn height(lines: &[Line]) -> f32 {
    lines.iter().map(|line| line.height).sum()
}

/// The width of a single line of text, for right-aligning it.
pub(crate) fn measure(fonts: &mut Fonts, span: &Span) -> f32 {
    place(fonts, &Paragraph::new(vec![span.clone()])).iter().map(|g| g.width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|line| line.fragments.iter().map(|f| f.text.as_str()).collect()).collect()
    }

    #[test]
    fn breaks_at_spaces_within_the_width() {
        let mut fonts = Fonts::new(&crate::store::SystemFonts).unwrap();
        let text = "Verify the database connection pool limits before the release goes out to production";
        let lines = wrap(&mut fonts, &Paragraph::plain(text, BODY), 150.0);
        assert!(lines.len() > 2, "{:?}", texts(&lines));
        assert!(lines.iter().all(|line| line.width <= 150.0));
        assert_eq!(texts(&lines).join(" "), text);
    }

    #[test]
    fn breaks_inside_a_word_wider_than_the_line() {
        let mut fonts = Fonts::new(&crate::store::SystemFonts).unwrap();
        let url = "https://status.example.com/api/v1/health/deep/really/long/path/that/never/ends/at/all";
        let lines = wrap(&mut fonts, &Paragraph::plain(format!("See {url} now"), BODY), 120.0);
        assert!(lines.len() >= 3, "{:?}", texts(&lines));
        assert!(lines.iter().all(|line| line.width <= 120.0), "{:?}", lines.iter().map(|l| l.width).collect::<Vec<_>>());
        assert_eq!(texts(&lines).concat().replace(' ', ""), format!("See{url}now"));
    }

    #[test]
    fn keeps_forced_breaks_and_indent() {
        let mut fonts = Fonts::new(&crate::store::SystemFonts).unwrap();
        let lines = wrap(&mut fonts, &Paragraph::plain("one\ntwo", BODY).indented(20.0), 300.0);
        assert_eq!(texts(&lines), ["one", "two"]);
        assert_eq!(lines[0].fragments[0].x, 20.0);
    }

    #[test]
    fn a_missing_character_is_printed_as_its_code_point() {
        let mut fonts = Fonts::new(&crate::store::SystemFonts).unwrap();
        let lines = wrap(&mut fonts, &Paragraph::plain("a\u{10FFFD}b", BODY), 300.0);
        assert_eq!(texts(&lines), ["a[U+10FFFD]b"]);
        assert_eq!(lines[0].fragments[1].colour, MISSING);
    }

    #[test]
    fn emoji_come_from_the_emoji_face() {
        let mut fonts = Fonts::new(&crate::store::SystemFonts).unwrap();
        let lines = wrap(&mut fonts, &Paragraph::plain("🚀 Launch ✅", BODY), 300.0);
        let faces: Vec<_> = lines[0].fragments.iter().map(|f| (f.text.as_str(), f.face)).collect();
        assert_eq!(faces, [("🚀", 3), (" Launch ", 0), ("✅", 3)]);
    }
}
