//! Shaping a paragraph: each character's face, grapheme cluster by grapheme cluster; the
//! runs of one face, style and bidirectional level, shaped with harfrust to measure the
//! paragraph; and the pieces of a laid-out line, cut from those runs where HarfBuzz says it is
//! safe or shaped again, placed glyph by glyph with the text they read back as.

use super::fonts::{FaceId, Fonts, Glyph, ShapedGlyph, is_invisible_format, is_script_face};
use super::text::{Fragment, MISSING, Paragraph, PlacedGlyph, Style};

/// One character of the paragraph's text as it will be drawn, with its share of the shaped
/// width (a cluster's whole advance falls on its first character).
#[derive(Clone, Copy)]
pub(super) struct Placed {
    pub(super) c: char,
    /// Where the character starts in the paragraph's text.
    pub(super) byte: usize,
    pub(super) face: FaceId,
    pub(super) width: f32,
    pub(super) style: Style,
}

impl Placed {
    pub(super) fn is_space(&self) -> bool {
        self.c == ' '
    }

    pub(super) fn end(&self) -> usize {
        self.byte + self.c.len_utf8()
    }
}

/// A paragraph's text with a face for every character, measured by shaping, and its
/// bidirectional levels.
pub(super) struct Laid<'t> {
    pub(super) text: &'t str,
    pub(super) placed: Vec<Placed>,
    pub(super) bidi: unicode_bidi::BidiInfo<'t>,
    /// The runs shaped to measure the paragraph (ranges of `placed`), with their glyphs, whose
    /// clusters are byte offsets into `text`: a line cut from a run at a point safe to break
    /// reuses them.
    shaped: Vec<(std::ops::Range<usize>, Vec<ShapedGlyph>)>,
}

/// Resolves every character of the paragraph to a face, grapheme cluster by grapheme cluster so
/// that a mark stays in its base's font; a character no font has becomes the visible `[U+XXXX]`
/// in the replacement face. `\n` is kept as a forced break.
pub(super) fn place(fonts: &mut Fonts, paragraph: &Paragraph) -> (String, Vec<Placed>) {
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
pub(super) fn runs(placed: &[Placed], levels: &[unicode_bidi::Level], range: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
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
pub(super) fn shape_run(fonts: &Fonts, laid_text: &str, placed: &[Placed], range: std::ops::Range<usize>, right_to_left: bool) -> Vec<ShapedGlyph> {
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
    pub(super) fn new(fonts: &Fonts, text: &'t str, mut placed: Vec<Placed>) -> Laid<'t> {
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

/// Shapes one piece of a line and places its glyphs from `x`.
pub(super) fn shape_fragment(fonts: &Fonts, laid: &Laid, piece: std::ops::Range<usize>, right_to_left: bool, x: f32) -> Fragment {
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
