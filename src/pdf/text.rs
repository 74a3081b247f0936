//! Styled text and line breaking with shaped advances, laid out bidirectionally.
//!
//! A paragraph is a list of styled spans, shaped as one text (`shape.rs`). Breaking happens at
//! spaces, in reading order; a word wider than the whole line (a URL, a hash, a long identifier
//! in inline code) is broken between characters, so that nothing ever runs past the margin.
//! Each line is then put in visual order by the Unicode bidirectional algorithm.

use super::fonts::{FaceId, Fonts, Weight};
use super::shape::{Laid, place, runs, shape_fragment};

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

/// A run of text in one face, size, colour and direction, shaped and placed on a line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fragment {
    /// From the line's left edge, in points.
    pub x: f32,
    /// The characters the fragment draws, in reading (logical) order.
    pub text: String,
    pub face: FaceId,
    pub size: f32,
    pub colour: Colour,
    /// The glyphs, left to right as they stand on the page.
    pub glyphs: Vec<PlacedGlyph>,
    /// True when a reader cannot get `text` back from the glyphs through the font's own
    /// character map, glyph by glyph in page order: right-to-left text, reordered vowel signs,
    /// marks drawn as part of a cluster. The page then marks the fragment with its `text`
    /// (`/ActualText`), which is what a reader copies and searches.
    pub needs_actual_text: bool,
}

/// One shaped glyph on a line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlacedGlyph {
    pub id: u16,
    /// Where the pen stands when the glyph is drawn, from the fragment's start, in points.
    pub x: f32,
    /// How far the shaper moves the glyph from the pen (a mark over its base), in points; `dy`
    /// is upwards.
    pub dx: f32,
    pub dy: f32,
    /// How far the pen moves after the glyph, in points.
    pub advance: f32,
    /// How far a PDF reader moves after the glyph by the font's own widths, in points.
    pub font_advance: f32,
    /// The character whose own glyph (by the font's character map) this is, if any: such a
    /// glyph is written as that character and reads back as it.
    pub own: Option<char>,
    /// What a glyph the character map does not lead to (a ligature, an Arabic letter's joining
    /// form, a conjunct) stands for, for the PDF's ToUnicode map: its cluster's characters that
    /// no other glyph of the cluster draws; empty for the further glyphs of such a cluster.
    pub text: String,
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

/// Breaks a paragraph into lines no wider than `width` points (less its indent). Lines are
/// broken in reading order; each line is then laid out in visual order, right-to-left runs
/// reversed as the bidirectional algorithm says, and a line of a right-to-left paragraph is set
/// flush right.
pub(crate) fn wrap(fonts: &mut Fonts, paragraph: &Paragraph, width: f32) -> Vec<Line> {
    let (text, placed) = place(fonts, paragraph);
    let laid = Laid::new(fonts, &text, placed);
    let placed = &laid.placed;
    let available = (width - paragraph.indent).max(12.0);
    let default_size = paragraph.spans.first().map_or(9.0, |span| span.style.size);
    // Finished lines and the line being filled, as ranges of `placed`.
    let mut lines: Vec<std::ops::Range<usize>> = Vec::new();
    let mut current = 0..0;
    let mut line_width = 0.0;
    let mut i = 0;
    while i < placed.len() {
        let glyph = placed[i];
        if glyph.c == '\n' {
            lines.push(std::mem::replace(&mut current, i + 1..i + 1));
            line_width = 0.0;
            i += 1;
            continue;
        }
        if glyph.is_space() {
            // A space at the start of a wrapped line is dropped; elsewhere it is kept and may
            // hang past the edge, where it is trimmed below.
            if current.is_empty() {
                current = i + 1..i + 1;
            } else {
                current.end = i + 1;
                line_width += glyph.width;
            }
            i += 1;
            continue;
        }
        let end = placed[i..].iter().position(|g| g.is_space() || g.c == '\n').map_or(placed.len(), |n| i + n);
        let word_width: f32 = placed[i..end].iter().map(|g| g.width).sum();
        // The spaces before the word stay on the line with it; only spaces after the last word
        // of a line are trimmed.
        if line_width + word_width <= available {
            current.end = end;
            line_width += word_width;
        } else if word_width <= available {
            lines.push(std::mem::replace(&mut current, i..end));
            line_width = word_width;
        } else {
            // Wider than a whole line: fill the current line (or a fresh one when little room
            // is left) and carry on character by character.
            if available - line_width < available * 0.3 && line_width > 0.0 {
                lines.push(std::mem::replace(&mut current, i..i));
                line_width = 0.0;
            }
            for (k, g) in placed.iter().enumerate().take(end).skip(i) {
                if line_width + g.width > available && placed[current.clone()].iter().any(|g| !g.is_space()) {
                    lines.push(std::mem::replace(&mut current, k..k));
                    line_width = 0.0;
                }
                current.end = k + 1;
                line_width += g.width;
            }
        }
        i = end;
    }
    lines.push(current);
    lines.into_iter().map(|range| build_line(fonts, &laid, range, paragraph.indent, available, default_size)).collect()
}

/// Lays out one line, `laid.placed[range]`, in visual order, dropping trailing spaces.
fn build_line(fonts: &Fonts, laid: &Laid, range: std::ops::Range<usize>, indent: f32, available: f32, default_size: f32) -> Line {
    let placed = &laid.placed;
    let end = placed[range.clone()].iter().rposition(|g| !g.is_space()).map_or(range.start, |n| range.start + n + 1);
    let range = range.start..end;
    let size = placed[range.clone()].iter().map(|g| g.style.size).fold(0.0_f32, f32::max);
    let size = if size > 0.0 { size } else { default_size };
    let mut fragments: Vec<Fragment> = Vec::new();
    let mut x = indent;
    let mut right_to_left_paragraph = false;
    if !range.is_empty() {
        let (start_byte, end_byte) = (placed[range.start].byte, placed[range.end - 1].end());
        // Text with nothing right-to-left in it is one run, in reading order.
        let (levels, visual): (std::borrow::Cow<'_, [unicode_bidi::Level]>, Vec<std::ops::Range<usize>>) =
            match laid.bidi.paragraphs.iter().find(|p| p.range.contains(&start_byte)) {
                Some(paragraph) if laid.bidi.has_rtl() => {
                    right_to_left_paragraph = paragraph.level.is_rtl();
                    let (levels, visual) = laid.bidi.visual_runs(paragraph, start_byte..end_byte);
                    (levels.into(), visual)
                }
                _ => (laid.bidi.levels.as_slice().into(), std::iter::once(start_byte..end_byte).collect()),
            };
        for level_run in visual {
            let first = range.start + placed[range.clone()].partition_point(|p| p.byte < level_run.start);
            let last = range.start + placed[range.clone()].partition_point(|p| p.byte < level_run.end);
            let right_to_left = levels[level_run.start].is_rtl();
            let mut pieces = runs(placed, &levels, first..last);
            if right_to_left {
                pieces.reverse();
            }
            for piece in pieces {
                let fragment = shape_fragment(fonts, laid, piece, right_to_left, x);
                x += fragment.glyphs.iter().map(|g| g.advance).sum::<f32>();
                fragments.push(fragment);
            }
        }
    }
    if right_to_left_paragraph {
        let shift = (indent + available - x).max(0.0);
        for fragment in &mut fragments {
            fragment.x += shift;
        }
        x += shift;
    }
    Line { fragments, width: x, height: size * LEADING, ascent: size * ASCENT }
}

/// The total height of lines.
pub(crate) fn height(lines: &[Line]) -> f32 {
    lines.iter().map(|line| line.height).sum()
}

/// The width of a single line of text, for right-aligning it.
pub(crate) fn measure(fonts: &mut Fonts, span: &Span) -> f32 {
    let (text, placed) = place(fonts, &Paragraph::new(vec![span.clone()]));
    Laid::new(fonts, &text, placed).placed.iter().map(|g| g.width).sum()
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
    fn a_right_to_left_paragraph_is_set_flush_right_in_visual_order() {
        let mut fonts = Fonts::new(&crate::pdf::BundledOnly).unwrap();
        let lines = wrap(&mut fonts, &Paragraph::plain("שלום עולם", BODY), 300.0);
        assert_eq!(texts(&lines), ["שלום עולם"]);
        let fragment = &lines[0].fragments[0];
        assert!((lines[0].width - 300.0).abs() < 0.01 && fragment.x > 200.0, "{} {}", lines[0].width, fragment.x);
        // The leftmost glyph is the last letter read, the final mem of עולם.
        let face = &fonts.faces[fragment.face];
        assert_eq!(fragment.glyphs[0].id, face.glyph_id('ם').unwrap());
        assert_eq!(fragment.glyphs.last().unwrap().id, face.glyph_id('ש').unwrap());
        assert!(!fragment.needs_actual_text, "right-to-left glyphs in visual order read back without /ActualText");
    }

    #[test]
    fn a_mixed_line_keeps_latin_left_to_right_around_the_hebrew() {
        let mut fonts = Fonts::new(&crate::pdf::BundledOnly).unwrap();
        let lines = wrap(&mut fonts, &Paragraph::plain("Deploy שלום עולם now", BODY), 400.0);
        let fragments: Vec<&str> = lines[0].fragments.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(fragments, ["Deploy ", "שלום עולם", " ", "now"]);
        assert_eq!(lines[0].fragments[0].x, 0.0, "a left-to-right paragraph starts at the left");
        assert!(lines[0].fragments.windows(2).all(|pair| pair[0].x < pair[1].x));
    }

    #[test]
    fn a_devanagari_vowel_sign_stands_before_its_consonant_and_reads_back_after_it() {
        let mut fonts = Fonts::new(&crate::pdf::BundledOnly).unwrap();
        let lines = wrap(&mut fonts, &Paragraph::plain("कि", BODY), 300.0);
        let fragment = &lines[0].fragments[0];
        let face = &fonts.faces[fragment.face];
        // The vowel sign, in the form the font fits to its consonant, stands first.
        assert_eq!(fragment.glyphs.len(), 2);
        assert_eq!(fragment.glyphs[1].id, face.glyph_id('क').unwrap());
        assert_eq!((fragment.glyphs[0].own, fragment.glyphs[0].text.as_str()), (None, "ि"), "the vowel sign's form reads back as the vowel sign");
        assert_eq!(fragment.glyphs[1].own, Some('क'));
        assert!(fragment.needs_actual_text, "in page order the glyphs read ि क: the fragment spells out कि");
        assert_eq!(fragment.text, "कि");
    }

    #[test]
    fn arabic_letters_take_their_joining_forms() {
        let mut fonts = Fonts::new(&crate::pdf::BundledOnly).unwrap();
        let lines = wrap(&mut fonts, &Paragraph::plain("بب", BODY), 300.0);
        let fragment = &lines[0].fragments[0];
        let isolated = fonts.faces[fragment.face].glyph_id('ب').unwrap();
        // Two behs joined: a final form on the left, an initial form on the right, neither the
        // isolated letter the character map gives.
        assert_eq!(fragment.glyphs.len(), 2);
        assert!(fragment.glyphs.iter().all(|g| g.id != isolated), "{:?}", fragment.glyphs);
        assert!(fragment.glyphs.iter().all(|g| g.own.is_none() && g.text == "ب"), "each form reads back as the letter");
    }

    #[test]
    fn emoji_come_from_the_emoji_face() {
        let mut fonts = Fonts::new(&crate::store::SystemFonts).unwrap();
        let lines = wrap(&mut fonts, &Paragraph::plain("🚀 Launch ✅", BODY), 300.0);
        let faces: Vec<_> = lines[0].fragments.iter().map(|f| (f.text.as_str(), f.face)).collect();
        assert_eq!(faces, [("🚀", 3), (" Launch ", 0), ("✅", 3)]);
    }
}
