//! Pages and the cursor that fills them: text lines, rules, boxes and strokes become printpdf
//! operations, a block that does not fit starts a new page, and every page gets its footer once
//! the page count is known.

use printpdf::{
    Codepoint, Color, DictItem, FontId, Line as PdfLine, LinePoint, Op, PaintMode, PdfFontHandle, Point, Pt, Rect, Rgb, TextItem, TextMatrix,
};

use super::Paper;
use super::fonts::{Fonts, Weight};
use super::text::{self, Colour, Fragment, Line, MUTED, Paragraph, Span, Style};

/// The margin on every side, in points (15 mm). No text is set outside it, the footer included.
pub(crate) const MARGIN: f32 = 42.52;
/// The band at the bottom of the text area that holds the footer.
const FOOTER_BAND: f32 = 26.0;
const FOOTER: Style = Style::new(Weight::Regular, 7.5, MUTED);

/// The marked-content tag around each drawn signature, so that a reader (or a test) can tell
/// its strokes from rules and boxes.
pub const SIGNATURE_TAG: &str = "PreflightSignature";

/// Fills pages top to bottom. Positions are measured in points from the page's top-left corner
/// and turned into PDF coordinates (from the bottom) only when an operation is emitted.
pub(crate) struct Writer<'a> {
    pub(crate) fonts: Fonts<'a>,
    pub(crate) width: f32,
    pub(crate) height: f32,
    pages: Vec<Vec<Op>>,
    /// The page being drawn on: the last one, except while footers are added.
    current: usize,
    /// The top of the free space on the current page.
    y: f32,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(fonts: Fonts<'a>, paper: Paper) -> Writer<'a> {
        let (width, height) = paper.size_pt();
        Writer { fonts, width, height, pages: vec![Vec::new()], current: 0, y: MARGIN }
    }

    pub(crate) fn left(&self) -> f32 {
        MARGIN
    }

    pub(crate) fn content_width(&self) -> f32 {
        self.width - 2.0 * MARGIN
    }

    fn content_bottom(&self) -> f32 {
        self.height - MARGIN - FOOTER_BAND
    }

    /// The height a block may have and still fit on an empty page.
    pub(crate) fn page_capacity(&self) -> f32 {
        self.content_bottom() - MARGIN
    }

    pub(crate) fn y(&self) -> f32 {
        self.y
    }

    pub(crate) fn remaining(&self) -> f32 {
        self.content_bottom() - self.y
    }

    pub(crate) fn at_page_top(&self) -> bool {
        self.y <= MARGIN
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub(crate) fn ensure(&mut self, height: f32) {
        if height > self.remaining() && !self.at_page_top() {
            self.new_page();
        }
    }

    pub(crate) fn advance(&mut self, height: f32) {
        self.y += height;
    }

    /// Vertical space that is dropped at the top of a page rather than carried over.
    pub(crate) fn gap(&mut self, height: f32) {
        if !self.at_page_top() {
            self.y = (self.y + height).min(self.content_bottom());
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        &mut self.pages[self.current]
    }

    pub(crate) fn wrap(&mut self, paragraph: &Paragraph, width: f32) -> Vec<Line> {
        text::wrap(&mut self.fonts, paragraph, width)
    }

    /// Sets a paragraph across the full text width, breaking pages between lines.
    pub(crate) fn paragraph(&mut self, paragraph: &Paragraph) {
        let lines = self.wrap(paragraph, self.content_width());
        for line in &lines {
            self.ensure(line.height);
            let (x, y) = (self.left(), self.y);
            self.draw_line(line, x, y);
            self.y += line.height;
        }
    }

    /// Sets a paragraph indented by `indent` points, with the whole paragraph on one page, and
    /// returns where it went: the page's index and the paragraph's box in PDF coordinates
    /// (`[left, bottom, right, top]`, from the page's bottom-left corner), for an annotation that
    /// belongs beside it.
    pub(crate) fn indented_paragraph(&mut self, paragraph: &Paragraph, indent: f32) -> (usize, [f32; 4]) {
        let lines = self.wrap(paragraph, self.content_width() - indent);
        self.ensure(lines.iter().map(|line| line.height).sum());
        let top = self.y;
        for line in &lines {
            let (x, y) = (self.left() + indent, self.y);
            self.draw_line(line, x, y);
            self.y += line.height;
        }
        (self.current, [self.left(), self.height - self.y, self.left() + self.content_width(), self.height - top])
    }

    /// Where a box drawn at (`x`, `top`) on the current page lies in PDF coordinates: the
    /// page's index and `[left, bottom, right, top]`, for an annotation placed over it.
    pub(crate) fn pdf_rect(&self, x: f32, top: f32, width: f32, height: f32) -> (usize, [f32; 4]) {
        (self.current, [x, self.height - top - height, x + width, self.height - top])
    }

    /// Draws a laid-out line with its top-left corner at (`x`, `top`): each fragment's glyphs by
    /// their ids, placed where the shaper put them, inside an `/ActualText` span when the glyphs
    /// alone would not read back as the fragment's text.
    pub(crate) fn draw_line(&mut self, line: &Line, x: f32, top: f32) {
        if line.fragments.is_empty() {
            return;
        }
        let baseline = self.height - (top + line.ascent);
        let mut ops = Vec::with_capacity(2 + 6 * line.fragments.len());
        ops.push(Op::StartTextSection);
        for fragment in &line.fragments {
            let resource = self.fonts.faces[fragment.face].resource.clone();
            if fragment.needs_actual_text {
                ops.push(Op::BeginMarkedContentWithProperties { tag: "Span".into(), properties: actual_text(&fragment.text) });
            }
            ops.push(Op::SetFont { font: PdfFontHandle::External(FontId(resource)), size: Pt(fragment.size) });
            ops.push(Op::SetFillColor { col: colour(fragment.colour) });
            show_glyphs(&mut ops, fragment, x + fragment.x, baseline);
            if fragment.needs_actual_text {
                ops.push(Op::EndMarkedContentWithProperties);
            }
        }
        ops.push(Op::EndTextSection);
        self.ops().extend(ops);
    }

    /// A filled rectangle, `top` measured from the page's top.
    pub(crate) fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32, fill: Colour) {
        let y = self.height - top - height;
        self.ops().push(Op::SetFillColor { col: colour(fill) });
        self.ops().push(Op::DrawRectangle {
            rectangle: Rect { x: Pt(x), y: Pt(y), width: Pt(width), height: Pt(height), mode: Some(PaintMode::Fill), winding_order: None },
        });
    }

    /// An outlined rectangle.
    pub(crate) fn stroke_rect(&mut self, x: f32, top: f32, width: f32, height: f32, stroke: Colour, thickness: f32) {
        let y = self.height - top - height;
        self.ops().push(Op::SetOutlineColor { col: colour(stroke) });
        self.ops().push(Op::SetOutlineThickness { pt: Pt(thickness) });
        self.ops().push(Op::DrawRectangle {
            rectangle: Rect { x: Pt(x), y: Pt(y), width: Pt(width), height: Pt(height), mode: Some(PaintMode::Stroke), winding_order: None },
        });
    }

    /// A horizontal rule at `top`.
    pub(crate) fn hline(&mut self, x: f32, top: f32, width: f32, stroke: Colour, thickness: f32) {
        self.polyline(&[(x, top), (x + width, top)], stroke, thickness);
    }

    /// One stroked path through `points` (page coordinates from the top-left).
    pub(crate) fn polyline(&mut self, points: &[(f32, f32)], stroke: Colour, thickness: f32) {
        let height = self.height;
        let points = points.iter().map(|&(x, y)| LinePoint { p: Point { x: Pt(x), y: Pt(height - y) }, bezier: false }).collect();
        self.ops().push(Op::SetOutlineColor { col: colour(stroke) });
        self.ops().push(Op::SetOutlineThickness { pt: Pt(thickness) });
        self.ops().push(Op::DrawLine { line: PdfLine { points, is_closed: false } });
    }

    /// Round caps and joins, for pen strokes.
    pub(crate) fn round_pen(&mut self) {
        self.ops().push(Op::SetLineCapStyle { cap: printpdf::LineCapStyle::Round });
        self.ops().push(Op::SetLineJoinStyle { join: printpdf::LineJoinStyle::Round });
    }

    pub(crate) fn begin_marked(&mut self, tag: &str) {
        self.ops().push(Op::SaveGraphicsState);
        self.ops().push(Op::BeginMarkedContent { tag: tag.to_string() });
    }

    pub(crate) fn end_marked(&mut self) {
        self.ops().push(Op::EndMarkedContent);
        self.ops().push(Op::RestoreGraphicsState);
    }

    /// Adds the footer to every page and hands the pages over: the run id and short hash on the
    /// left, "Page x of y" on the right, inside the margins.
    pub(crate) fn finish(mut self, left_text: &str) -> (Vec<Vec<Op>>, Fonts<'a>) {
        let total = self.pages.len();
        let rule_top = self.height - MARGIN - FOOTER_BAND + 8.0;
        let width = self.content_width();
        for index in 0..total {
            let page_label = Span::new(format!("Page {} of {total}", index + 1), FOOTER);
            let label_width = text::measure(&mut self.fonts, &page_label);
            let left_lines = self.wrap(&Paragraph::plain(left_text, FOOTER), width - label_width - 16.0);
            let label_line = self.wrap(&Paragraph::new(vec![page_label]), width);
            self.current = index;
            let mut top = rule_top + 4.0;
            self.hline(MARGIN, rule_top, width, Colour(0.75, 0.76, 0.78), 0.5);
            for line in &left_lines {
                self.draw_line(line, MARGIN, top);
                top += line.height;
            }
            if let Some(line) = label_line.first() {
                self.draw_line(line, MARGIN + width - label_width, rule_top + 4.0);
            }
        }
        (self.pages, self.fonts)
    }
}

pub(crate) fn colour(c: Colour) -> Color {
    Color::Rgb(Rgb { r: c.0, g: c.1, b: c.2, icc_profile: None })
}

/// Shows a fragment's glyphs from (`x`, `baseline`). Glyphs the shaper did not move off the pen
/// share one `TJ`: a glyph that is its character's own is written as text (printpdf encodes it
/// through the font's character map, as one string with its neighbours), any other by its id
/// with its ToUnicode text; each is followed by the difference between the font's own width and
/// the shaped advance (kerning) where there is one. A glyph moved off the pen (a mark) is placed
/// on its own.
fn show_glyphs(ops: &mut Vec<Op>, fragment: &Fragment, x: f32, baseline: f32) {
    let thousandths = 1000.0 / fragment.size;
    let mut items: Vec<TextItem> = Vec::new();
    let flush = |ops: &mut Vec<Op>, items: &mut Vec<TextItem>| {
        if !items.is_empty() {
            ops.push(Op::ShowText { items: std::mem::take(items) });
        }
    };
    let mut started = false;
    for glyph in &fragment.glyphs {
        let moved = glyph.dx != 0.0 || glyph.dy != 0.0;
        if moved || !started {
            flush(ops, &mut items);
            ops.push(Op::SetTextMatrix { matrix: TextMatrix::Translate(Pt(x + glyph.x + glyph.dx), Pt(baseline + glyph.dy)) });
            started = true;
        }
        // Rounded to a hundredth of a thousandth of an em, so that the bytes do not depend on
        // the last bit of a float sum.
        let correction = ((glyph.font_advance - glyph.advance) * thousandths * 100.0).round() / 100.0;
        match (glyph.own, items.last_mut()) {
            (Some(c), Some(TextItem::Text(text))) => text.push(c),
            (Some(c), _) => items.push(TextItem::Text(c.to_string())),
            (None, _) => items.push(TextItem::GlyphIds(vec![Codepoint { gid: glyph.id, offset: 0.0, cid: Some(glyph.text.clone()) }])),
        }
        if correction != 0.0 {
            items.push(TextItem::Offset(correction));
        }
        if moved {
            flush(ops, &mut items);
            started = false;
        }
    }
    flush(ops, &mut items);
}

/// The property list `<< /ActualText (text) >>`, the text in UTF-16BE with its byte order mark.
fn actual_text(text: &str) -> DictItem {
    let mut data = vec![0xFE, 0xFF];
    data.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    DictItem::Dict { map: [("ActualText".to_string(), DictItem::String { data, literal: false })].into_iter().collect() }
}
