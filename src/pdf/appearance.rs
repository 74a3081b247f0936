//! The appearance of a signed PDF signature box: a tinted, bordered box with who signed, in
//! which capacity, when, and the key, drawn as vector outlines of the bundled DejaVu Sans
//! glyphs. Outlines need no font resource, so the appearance is the same on every reader and
//! in print, and verification draws it again from the signature's own data and compares.

use std::fmt::Write;

use ttf_parser::{Face, OutlineBuilder};

const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const PADDING: f32 = 6.0;

/// The content stream of the appearance of a box `width` × `height` points: the first line in
/// bold, the others regular, each shrunk to fit the width.
pub(crate) fn signed_box(lines: &[String], width: f32, height: f32) -> Vec<u8> {
    let mut out = String::new();
    let _ = writeln!(out, "q 0.93 0.97 0.94 rg 0 0 {} {} re f", num(width), num(height));
    let _ = writeln!(out, "0.16 0.5 0.28 RG 1.2 w 0.6 0.6 {} {} re S", num(width - 1.2), num(height - 1.2));
    let _ = writeln!(out, "0.08 0.2 0.12 rg");
    let regular = Face::parse(DEJAVU_SANS, 0).ok();
    let bold = Face::parse(DEJAVU_SANS_BOLD, 0).ok();
    let count = lines.len().max(1) as f32;
    let line_height = ((height - 2.0 * PADDING) / count).min(12.0);
    let mut baseline = height - PADDING - line_height * 0.8;
    for (index, line) in lines.iter().enumerate() {
        let face = if index == 0 { bold.as_ref() } else { regular.as_ref() };
        if let Some(face) = face {
            let size = (line_height * 0.82).min(if index == 0 { 9.5 } else { 8.0 });
            glyph_run(&mut out, face, line, PADDING, baseline, size, width - 2.0 * PADDING);
        }
        baseline -= line_height;
    }
    out.push_str("Q\n");
    out.into_bytes()
}

/// Fills the outlines of `text` from `x` on `baseline`, at `size` points, narrowed to
/// `max_width` when longer. A character the font lacks is drawn as its `.notdef` box.
fn glyph_run(out: &mut String, face: &Face, text: &str, x: f32, baseline: f32, size: f32, max_width: f32) {
    let units = f32::from(face.units_per_em());
    let glyphs: Vec<_> = text.chars().map(|c| face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0))).collect();
    let advance: f32 = glyphs.iter().map(|&g| f32::from(face.glyph_hor_advance(g).unwrap_or(0))).sum();
    let natural = advance / units * size;
    let scale_x = if natural > max_width && natural > 0.0 { max_width / natural } else { 1.0 };
    let mut pen = 0.0;
    for glyph in glyphs {
        let scale = size / units;
        let mut path = Path { out: String::new(), x: x + pen * scale * scale_x, y: baseline, sx: scale * scale_x, sy: scale, last: (0.0, 0.0) };
        if face.outline_glyph(glyph, &mut path).is_some() && !path.out.is_empty() {
            out.push_str(&path.out);
            out.push_str("f\n");
        }
        pen += f32::from(face.glyph_hor_advance(glyph).unwrap_or(0));
    }
}

struct Path {
    out: String,
    x: f32,
    y: f32,
    sx: f32,
    sy: f32,
    /// The current point in font units, for turning quadratic curves into cubic ones.
    last: (f32, f32),
}

impl Path {
    fn point(&self, x: f32, y: f32) -> String {
        format!("{} {}", num(self.x + x * self.sx), num(self.y + y * self.sy))
    }
}

impl OutlineBuilder for Path {
    fn move_to(&mut self, x: f32, y: f32) {
        let point = self.point(x, y);
        let _ = write!(self.out, "{point} m ");
        self.last = (x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let point = self.point(x, y);
        let _ = write!(self.out, "{point} l ");
        self.last = (x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        // A quadratic Bézier as the cubic with the same curve: control points two thirds of
        // the way from each end to the quadratic's control point.
        let (x0, y0) = self.last;
        let c1 = self.point(x0 + 2.0 / 3.0 * (x1 - x0), y0 + 2.0 / 3.0 * (y1 - y0));
        let c2 = self.point(x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        let end = self.point(x, y);
        let _ = write!(self.out, "{c1} {c2} {end} c ");
        self.last = (x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (c1, c2, end) = (self.point(x1, y1), self.point(x2, y2), self.point(x, y));
        let _ = write!(self.out, "{c1} {c2} {end} c ");
        self.last = (x, y);
    }

    fn close(&mut self) {
        self.out.push_str("h ");
    }
}

/// A number as content streams write it: at most two decimals, no trailing zeros.
fn num(value: f32) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_appearance_is_deterministic_and_draws_every_line() {
        let lines = ["Digitally signed by Dana Whitfield".to_string(), "Approval: QA Lead".to_string(), "2026-12-02 10:00:00 UTC".to_string()];
        let one = signed_box(&lines, 260.0, 52.0);
        assert_eq!(one, signed_box(&lines, 260.0, 52.0));
        let text = String::from_utf8(one).unwrap();
        // One filled path per visible glyph, plus the box's fill.
        let glyphs = lines.iter().flat_map(|line| line.chars()).filter(|c| !c.is_whitespace()).count();
        assert_eq!(text.matches("\nf\n").count() + text.matches(" f\n").count() - 1, glyphs, "{}", &text[..200]);
        assert!(!text.contains("Tj") && !text.contains("Tf"), "no text operators, no font resource");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.126), "0.13");
        assert_eq!(num(-0.001), "0");
    }
}
