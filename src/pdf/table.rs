//! Tables that break across pages: the header row is repeated on every page a table reaches,
//! and a row taller than the space left is split between its paragraphs (or, when a single
//! paragraph is taller than a page, between its lines), so that nothing runs off a page.

use super::fonts::Weight;
use super::page::Writer;
use super::text::{self, Colour, INK, Line, Paragraph, Style};

const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 3.0;
const HEADER: Style = Style::new(Weight::Bold, 8.0, INK);
const HEADER_FILL: Colour = Colour(0.9, 0.91, 0.93);
const RULE: Colour = Colour(0.82, 0.83, 0.86);

/// A column: its title and its share of the table's width.
pub(crate) struct Column {
    pub title: String,
    pub share: f32,
}

pub(crate) fn column(title: &str, share: f32) -> Column {
    Column { title: title.to_string(), share }
}

/// One row: a cell per column, each a list of paragraphs.
pub(crate) struct Row {
    pub cells: Vec<Vec<Paragraph>>,
    pub fill: Option<Colour>,
}

impl Row {
    pub(crate) fn new(cells: Vec<Vec<Paragraph>>) -> Row {
        Row { cells, fill: None }
    }
}

/// A cell's lines, and where each of its paragraphs starts.
struct CellLines {
    lines: Vec<Line>,
    /// Line indices at which a paragraph ends (exclusive), ascending; the last is `lines.len()`.
    breaks: Vec<usize>,
}

impl CellLines {
    fn height(&self, from: usize, to: usize) -> f32 {
        text::height(&self.lines[from..to])
    }

    /// How far, from line `from`, the cell can go within `available` points: to a paragraph end
    /// when `whole_paragraphs`, otherwise to any line.
    fn fit(&self, from: usize, available: f32, whole_paragraphs: bool) -> usize {
        let mut end = from;
        if whole_paragraphs {
            for &stop in self.breaks.iter().filter(|&&stop| stop > from) {
                if self.height(from, stop) > available {
                    break;
                }
                end = stop;
            }
        } else {
            let mut used = 0.0;
            for line in &self.lines[from..] {
                if used + line.height > available {
                    break;
                }
                used += line.height;
                end += 1;
            }
        }
        end
    }
}

impl Writer<'_> {
    /// Sets a table across the text width.
    pub(crate) fn table(&mut self, columns: &[Column], rows: impl IntoIterator<Item = Row>) {
        let total_share: f32 = columns.iter().map(|c| c.share).sum();
        let widths: Vec<f32> = columns.iter().map(|c| self.content_width() * c.share / total_share).collect();
        let header: Vec<CellLines> =
            columns.iter().zip(&widths).map(|(column, width)| self.cell_lines(&[Paragraph::plain(column.title.as_str(), HEADER)], *width)).collect();
        let header_height = header.iter().map(|cell| cell.height(0, cell.lines.len())).fold(0.0, f32::max) + 2.0 * PAD_Y;
        let mut first = true;
        for row in rows {
            let cells: Vec<CellLines> = row.cells.iter().zip(&widths).map(|(paragraphs, width)| self.cell_lines(paragraphs, *width)).collect();
            if first {
                // Keep the header with the start of the first row.
                let start: f32 = cells.iter().map(|c| c.height(0, c.fit(0, 60.0, false))).fold(0.0, f32::max);
                self.ensure(header_height + start + 2.0 * PAD_Y);
                self.draw_row(&header, &vec![0; header.len()], &header.iter().map(|c| c.lines.len()).collect::<Vec<_>>(), &widths, Some(HEADER_FILL));
                first = false;
            }
            self.row(&cells, &widths, row.fill, &header, header_height);
        }
    }

    fn cell_lines(&mut self, paragraphs: &[Paragraph], width: f32) -> CellLines {
        let mut lines = Vec::new();
        let mut breaks = Vec::new();
        for paragraph in paragraphs {
            lines.extend(self.wrap(paragraph, width - 2.0 * PAD_X));
            breaks.push(lines.len());
        }
        CellLines { lines, breaks }
    }

    /// Sets one row, splitting it over pages where it must.
    fn row(&mut self, cells: &[CellLines], widths: &[f32], fill: Option<Colour>, header: &[CellLines], header_height: f32) {
        let mut from = vec![0usize; cells.len()];
        let mut drew_any = false;
        loop {
            let rest: f32 = cells.iter().zip(&from).map(|(c, &f)| c.height(f, c.lines.len())).fold(0.0, f32::max);
            let fresh_capacity = self.page_capacity() - header_height - 2.0 * PAD_Y;
            if rest + 2.0 * PAD_Y > self.remaining() && !drew_any && rest <= fresh_capacity {
                self.continue_table(header, widths);
            }
            if rest + 2.0 * PAD_Y <= self.remaining() {
                let to: Vec<usize> = cells.iter().map(|c| c.lines.len()).collect();
                self.draw_row(cells, &from, &to, widths, fill);
                return;
            }
            let available = self.remaining() - 2.0 * PAD_Y;
            let mut to: Vec<usize> = cells.iter().zip(&from).map(|(c, &f)| c.fit(f, available, true)).collect();
            if to == from {
                if !self.at_table_top(header_height) {
                    self.continue_table(header, widths);
                    continue;
                }
                // A single paragraph taller than a page: split it between lines.
                to = cells.iter().zip(&from).map(|(c, &f)| c.fit(f, available, false)).collect();
                if to == from {
                    // Not even one line fits an empty page: set it anyway rather than loop.
                    to = cells.iter().zip(&from).map(|(c, &f)| (f + 1).min(c.lines.len())).collect();
                }
            }
            self.draw_row(cells, &from, &to, widths, fill);
            drew_any = true;
            from = to;
            self.continue_table(header, widths);
        }
    }

    fn at_table_top(&self, header_height: f32) -> bool {
        self.y() <= super::page::MARGIN + header_height + 0.5
    }

    fn continue_table(&mut self, header: &[CellLines], widths: &[f32]) {
        self.new_page();
        let to: Vec<usize> = header.iter().map(|c| c.lines.len()).collect();
        self.draw_row(header, &vec![0; header.len()], &to, widths, Some(HEADER_FILL));
    }

    /// Draws lines `from[i]..to[i]` of each cell as one row band, then the rule below it.
    fn draw_row(&mut self, cells: &[CellLines], from: &[usize], to: &[usize], widths: &[f32], fill: Option<Colour>) {
        let height = cells.iter().zip(from.iter().zip(to)).map(|(c, (&f, &t))| c.height(f, t)).fold(0.0, f32::max) + 2.0 * PAD_Y;
        let top = self.y();
        let left = self.left();
        if let Some(fill) = fill {
            self.fill_rect(left, top, widths.iter().sum(), height, fill);
        }
        let mut x = left;
        for ((cell, (&f, &t)), width) in cells.iter().zip(from.iter().zip(to)).zip(widths) {
            let mut y = top + PAD_Y;
            for line in &cell.lines[f..t] {
                self.draw_line(line, x + PAD_X, y);
                y += line.height;
            }
            x += width;
        }
        self.hline(left, top + height, widths.iter().sum(), RULE, 0.4);
        self.advance(height);
    }
}
