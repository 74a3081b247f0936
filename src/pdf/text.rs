//! Styled text and line breaking with real glyph advances.
//!
//! A paragraph is a list of styled spans. Breaking happens at spaces; a word wider than the
//! whole line (a URL, a hash, a long identifier in inline code) is broken between characters,
//! so that nothing ever runs past the margin.

use super::fonts::{FaceId, Fonts, Glyph, ShapedGlyph, Weight, is_invisible_format, is_script_face};

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

/// One character of the paragraph's text as it will be drawn, with its share of the shaped
/// width (a cluster's whole advance falls on its first character).
#[derive(Clone, Copy)]
struct Placed {
    c: char,
    /// Where the character starts in the paragraph's text.
    byte: usize,
    face: FaceId,
    width: f32,
    style: Style,
}

impl Placed {
    fn is_space(&self) -> bool {
        self.c == ' '
    }

    fn end(&self) -> usize {
        self.byte + self.c.len_utf8()
    }
}

/// A paragraph's text with a face for every character, measured by shaping, and its
/// bidirectional levels.
struct Laid<'t> {
    text: &'t str,
    placed: Vec<Placed>,
    bidi: unicode_bidi::BidiInfo<'t>,
    /// The runs shaped to measure the paragraph (ranges of `placed`), with their glyphs, whose
    /// clusters are byte offsets into `text`: a line cut from a run at a point safe to break
    /// reuses them.
    shaped: Vec<(std::ops::Range<usize>, Vec<ShapedGlyph>)>,
}

/// Resolves every character of the paragraph to a face, grapheme cluster by grapheme cluster so
/// that a mark stays in its base's font; a character no font has becomes the visible `[U+XXXX]`
/// in the replacement face. `\n` is kept as a forced break.
fn place(fonts: &mut Fonts, paragraph: &Paragraph) -> (String, Vec<Placed>) {
    use unicode_segmentation::UnicodeSegmentation as _;
    let mut text = String::new();
    let mut placed: Vec<Placed> = Vec::new();
    let push = |text: &mut String, placed: &mut Vec<Placed>, c: char, face: FaceId, style: Style| {
        placed.push(Placed { c, byte: text.len(), face, width: 0.0, style });
        text.push(c);
    };
    for span in &paragraph.spans {
        let style = span.style;
        for cluster in span.text.graphemes(true) {
            let emoji_presentation = cluster.contains('\u{FE0F}');
            let mut cluster_face = None;
            for c in cluster.chars() {
                let c = if c == '\t' { ' ' } else { c };
                // Zero-width joiners steer the shaping of the letters around them (Arabic,
                // Devanagari) and stay in their cluster's run; other format characters are
                // not drawn.
                if matches!(c, '\u{200C}' | '\u{200D}') && cluster_face.is_some() {
                    push(&mut text, &mut placed, c, cluster_face.unwrap_or(0), style);
                    continue;
                }
                if is_invisible_format(c) {
                    continue;
                }
                if c == '\n' {
                    push(&mut text, &mut placed, c, 0, style);
                    continue;
                }
                // A mark is drawn in its base's face when that face has it.
                if let Some(face) = cluster_face
                    && fonts.faces[face].has(c)
                {
                    push(&mut text, &mut placed, c, face, style);
                    continue;
                }
                match fonts.glyph(style.weight, c, emoji_presentation) {
                    Glyph::Drawn { face, .. } => {
                        // The spaces between the words of a script set in its own face take
                        // that face's spacing.
                        let face = match placed.last() {
                            Some(last) if c == ' ' && is_script_face(last.face) && fonts.faces[last.face].has(' ') => last.face,
                            _ => face,
                        };
                        cluster_face.get_or_insert(face);
                        push(&mut text, &mut placed, c, face, style);
                    }
                    Glyph::Missing => {
                        let face = Fonts::replacement_face();
                        let style = style.with_colour(MISSING);
                        for r in format!("[U+{:04X}]", u32::from(c)).chars() {
                            push(&mut text, &mut placed, r, face, style);
                        }
                    }
                }
            }
        }
    }
    (text, placed)
}

/// The runs of `range` (indices into `placed`) that are shaped as one: the same face, size and
/// colour and the same bidirectional level, in logical order.
fn runs(placed: &[Placed], levels: &[unicode_bidi::Level], range: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for i in range {
        let joins = runs.last().is_some_and(|run| {
            let (a, b) = (&placed[run.start], &placed[i]);
            a.face == b.face && a.style.size == b.style.size && a.style.colour == b.style.colour && levels[a.byte] == levels[b.byte]
        });
        match runs.last_mut() {
            Some(run) if joins => run.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    runs
}

/// The glyphs of `placed[range]`, one run, shaped; or the characters' own glyphs and advances
/// when the face cannot be shaped with.
fn shape_run(fonts: &Fonts, laid_text: &str, placed: &[Placed], range: std::ops::Range<usize>, right_to_left: bool) -> Vec<ShapedGlyph> {
    let (first, last) = (placed[range.start], placed[range.end - 1]);
    let text = &laid_text[first.byte..last.end()];
    let face = &fonts.faces[first.face];
    let before = &laid_text[..first.byte];
    let before = &before[before.char_indices().rev().nth(4).map_or(0, |(at, _)| at)..];
    let after = &laid_text[last.end()..];
    let after = &after[..after.char_indices().nth(5).map_or(after.len(), |(at, _)| at)];
    face.shape(text, right_to_left, before, after).unwrap_or_else(|| {
        let mut glyphs: Vec<ShapedGlyph> = text
            .char_indices()
            .map(|(at, c)| {
                let id = face.glyph_id(c).unwrap_or(0);
                let x_advance = face.glyph_advance(id) as i32;
                ShapedGlyph { id, cluster: at, x_advance, x_offset: 0, y_offset: 0, unsafe_to_break: false }
            })
            .collect();
        if right_to_left {
            glyphs.reverse();
        }
        glyphs
    })
}

impl<'t> Laid<'t> {
    /// Measures `placed` by shaping it in reading order, run by run. The direction of each
    /// paragraph (between forced breaks) is that of its first strong character, as the Unicode
    /// bidirectional algorithm says.
    fn new(fonts: &Fonts, text: &'t str, mut placed: Vec<Placed>) -> Laid<'t> {
        let bidi = unicode_bidi::BidiInfo::new(text, None);
        let mut shaped = Vec::new();
        for run in runs(&placed, &bidi.levels, 0..placed.len()) {
            let first = placed[run.start];
            if first.c == '\n' {
                continue;
            }
            let scale = first.style.size / fonts.faces[first.face].units_per_em;
            let mut glyphs = shape_run(fonts, text, &placed, run.clone(), bidi.levels[first.byte].is_rtl());
            for glyph in &mut glyphs {
                glyph.cluster += first.byte;
                let index = run.start + placed[run.clone()].partition_point(|p| p.byte < glyph.cluster);
                if let Some(p) = placed.get_mut(index) {
                    p.width += glyph.x_advance as f32 * scale;
                }
            }
            shaped.push((run, glyphs));
        }
        Laid { text, placed, bidi, shaped }
    }
}

impl Laid<'_> {
    /// The glyphs of `piece` cut from the run it was measured in, with clusters from the
    /// piece's start, when the run was shaped in the same direction and cutting it at the
    /// piece's ends changes nothing (HarfBuzz's safe-to-break flags); `None` when the piece
    /// must be shaped again.
    fn reuse(&self, piece: std::ops::Range<usize>, right_to_left: bool) -> Option<Vec<ShapedGlyph>> {
        let (run, glyphs) = self.shaped.iter().find(|(run, _)| run.start <= piece.start && piece.end <= run.end)?;
        if self.bidi.levels[self.placed[run.start].byte].is_rtl() != right_to_left {
            return None;
        }
        let (start, end) = (self.placed[piece.start].byte, self.placed[piece.end - 1].end());
        // A cut is safe where the glyph that starts the next cluster carries no
        // unsafe-to-break flag; the run's own ends always are.
        let safe_at = |at: usize| {
            at == self.placed[run.start].byte
                || at == self.placed[run.end - 1].end()
                || glyphs.iter().find(|glyph| glyph.cluster == at).is_some_and(|glyph| !glyph.unsafe_to_break)
        };
        if !safe_at(start) || !safe_at(end) {
            return None;
        }
        Some(
            glyphs
                .iter()
                .filter(|glyph| (start..end).contains(&glyph.cluster))
                .map(|glyph| ShapedGlyph { cluster: glyph.cluster - start, ..*glyph })
                .collect(),
        )
    }
}

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

/// Shapes one piece of a line and places its glyphs from `x`.
fn shape_fragment(fonts: &Fonts, laid: &Laid, piece: std::ops::Range<usize>, right_to_left: bool, x: f32) -> Fragment {
    let first = laid.placed[piece.start];
    let face = &fonts.faces[first.face];
    let size = first.style.size;
    let scale = size / face.units_per_em;
    let text = laid.text[first.byte..laid.placed[piece.end - 1].end()].to_string();
    let shaped = laid.reuse(piece.clone(), right_to_left).unwrap_or_else(|| shape_run(fonts, laid.text, &laid.placed, piece, right_to_left));
    // The byte where each cluster starts, in order, to find where a cluster's text ends.
    let mut starts: Vec<usize> = shaped.iter().map(|glyph| glyph.cluster).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut counts = vec![0_usize; starts.len()];
    for glyph in &shaped {
        if let Ok(at) = starts.binary_search(&glyph.cluster) {
            counts[at] += 1;
        }
    }
    let glyph_count = |cluster: usize| starts.binary_search(&cluster).map_or(0, |at| counts[at]);
    let cluster_text = |cluster: usize| {
        let next = starts.partition_point(|&start| start <= cluster);
        &text[cluster..starts.get(next).copied().unwrap_or(text.len())]
    };
    let mut needs_actual_text = false;
    let mut pen = 0.0;
    let mut previous_cluster = None;
    // Per cluster, whether the glyph that stands for the characters no glyph of their own
    // does has been given them.
    let mut rest_given = std::collections::HashSet::new();
    let mut glyphs = Vec::with_capacity(shaped.len());
    for glyph in &shaped {
        let cluster = cluster_text(glyph.cluster);
        let first_of_cluster = previous_cluster != Some(glyph.cluster);
        // The character whose own glyph this is, when it is one.
        let own = cluster.chars().find(|&c| face.glyph_id(c) == Some(glyph.id));
        // Right-to-left glyphs stand in visual order, as readers expect them (they reorder
        // what they extract with the bidirectional algorithm); glyphs out of that order, or
        // several glyphs for one cluster (a vowel sign drawn before its consonant, a mark),
        // cannot be read back glyph by glyph.
        let out_of_order = match previous_cluster {
            Some(previous) if right_to_left => previous < glyph.cluster,
            Some(previous) => previous > glyph.cluster,
            None => false,
        };
        if out_of_order || (first_of_cluster && glyph_count(glyph.cluster) > 1) {
            needs_actual_text = true;
        }
        previous_cluster = Some(glyph.cluster);
        let text = match own {
            Some(_) => String::new(),
            // A glyph the character map does not lead to (a ligature, a joining form, a
            // conjunct) stands for the cluster's characters that no glyph of the cluster is
            // the own glyph of.
            None if rest_given.insert(glyph.cluster) => cluster
                .chars()
                .filter(|&c| !shaped.iter().any(|other| other.cluster == glyph.cluster && face.glyph_id(c) == Some(other.id)))
                .collect(),
            None => String::new(),
        };
        let placed = PlacedGlyph {
            id: glyph.id,
            x: pen,
            dx: glyph.x_offset as f32 * scale,
            dy: glyph.y_offset as f32 * scale,
            advance: glyph.x_advance as f32 * scale,
            font_advance: face.glyph_advance(glyph.id) * scale,
            own,
            text,
        };
        pen += placed.advance;
        glyphs.push(placed);
    }
    Fragment { x, text, face: first.face, size, colour: first.style.colour, glyphs, needs_actual_text }
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
