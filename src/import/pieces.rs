//! Big Markdown read a piece at a time, so that the parser's tree and the blocks of one piece
//! are all that is held besides the template: a 50 MB checklist never has a 50 MB tree.
//!
//! A piece ends just before a line that opens an ATX heading (`# `…`###### `) at its first
//! column after a blank line. Such a line closes every list, quote, table, paragraph and
//! indented code block open before it, so what comes before it parses alone exactly as it
//! parses within the whole. Two things are not closed by it, and both are handled:
//! - a fenced code block or an HTML block still open when the piece ends: the parser then ends
//!   the piece's last block at the piece's last byte, [`super::blocks`] reports it, and the
//!   piece grows (doubling, so that the work stays linear);
//! - link reference definitions, which reach across the whole document: a document that may
//!   hold one (any `]:`) is read as one piece.

use super::blocks::{self, Block};

/// About how many bytes a piece holds: enough that the parser's set-up is nothing beside the
/// parse, few enough that the tree of one piece stays small. Every real checklist is one piece.
pub(crate) const PIECE_BYTES: usize = 64 * 1024;

/// Where a piece stands in the document, for the rules that look at a block's neighbours.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece {
    /// No block comes before the piece's (its first block may be the title).
    pub first: bool,
    /// The piece ends the document (nothing follows its last block).
    pub last: bool,
}

/// Reads `source` in pieces of about `piece_bytes`, handing each piece's blocks to `each` in
/// order; returns the lines where lists nested deeper than the limit were flattened. The
/// blocks are the same, whatever `piece_bytes` is.
pub(crate) fn read(source: &str, piece_bytes: usize, mut each: impl FnMut(Vec<Block>, Piece)) -> Vec<usize> {
    let piece_bytes = if source.contains("]:") { usize::MAX } else { piece_bytes.max(1) };
    let mut flattened = Vec::new();
    let (mut start, mut first_line) = (0, 1);
    // Lines before the first block (front matter, taken out) may make a piece of their own.
    let mut read_any = false;
    loop {
        let mut end = boundary(source, start, piece_bytes);
        let parsed = loop {
            let parsed = blocks::parse(&source[start..end], first_line);
            if !parsed.open_at_end || end == source.len() {
                break parsed;
            }
            end = boundary(source, start, (end - start).saturating_mul(2));
        };
        flattened.extend(parsed.flattened);
        let first = !read_any;
        read_any |= !parsed.blocks.is_empty();
        each(parsed.blocks, Piece { first, last: end == source.len() });
        if end == source.len() {
            return flattened;
        }
        first_line += parsed.lines;
        start = end;
    }
}

/// The end of a piece that starts at `start` and holds at least `at_least` bytes: the start of
/// the next heading line after a blank line, or the end of `source`.
fn boundary(source: &str, start: usize, at_least: usize) -> usize {
    let from = start.saturating_add(at_least);
    if from >= source.len() {
        return source.len();
    }
    // `from` may fall inside a character; the search looks for ASCII bytes only.
    let bytes = source.as_bytes();
    let mut at = from;
    while let Some(found) = memchr::memmem::find(&bytes[at..], b"\n#") {
        let line = at + found + 1;
        if opens_heading(&bytes[line..]) && follows_blank_line(&bytes[..line - 1]) {
            return line;
        }
        at = line;
    }
    source.len()
}

/// `line` (from its first byte) opens an ATX heading: one to six `#` and then a space, a tab
/// or the line's end.
fn opens_heading(line: &[u8]) -> bool {
    let hashes = line.iter().take(7).take_while(|b| **b == b'#').count();
    (1..=6).contains(&hashes) && matches!(line.get(hashes), None | Some(b' ' | b'\t' | b'\n'))
}

/// The last line of `before` (which ends just before a line break) is blank.
fn follows_blank_line(before: &[u8]) -> bool {
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |at| at + 1);
    before[line_start..].iter().all(|b| matches!(b, b' ' | b'\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(source: &str, piece_bytes: usize) -> Vec<(Vec<Block>, bool, bool)> {
        let mut out = Vec::new();
        read(source, piece_bytes, |blocks, piece| out.push((blocks, piece.first, piece.last)));
        out
    }

    #[test]
    fn pieces_end_before_a_heading_that_follows_a_blank_line() {
        let source = "# T\n\n- [ ] a\n## not after a blank line\n\n## S\n\n#hashtag\n\n####### seven\n\n### U\n";
        let got = pieces(source, 1);
        let headings: Vec<Vec<String>> = got
            .iter()
            .map(|(blocks, _, _)| {
                blocks.iter().filter_map(|b| if let Block::Heading { text, line, .. } = b { Some(format!("{line}:{text}")) } else { None }).collect()
            })
            .collect();
        assert_eq!(headings, [vec!["1:T".to_string(), "4:not after a blank line".into()], vec!["6:S".into()], vec!["12:U".into()]]);
        let flags: Vec<(bool, bool)> = got.iter().map(|(_, first, last)| (*first, *last)).collect();
        assert_eq!(flags, [(true, false), (false, false), (false, true)]);
    }

    #[test]
    fn a_fence_or_html_block_left_open_grows_the_piece() {
        for source in ["# T\n\n```\ncode\n\n# inside the fence\n\n## still inside\n", "# T\n\n<pre>\n\n# inside\n\n## inside\n"] {
            let got = pieces(source, 1);
            assert_eq!(got.len(), 1, "{source:?}: {got:?}");
            assert_eq!(got[0].0, blocks::parse(source, 1).blocks);
        }
        // Closed, it ends where it closes, and the next heading starts a piece.
        let got = pieces("# T\n\n```\ncode\n```\n\n## S\n", 1);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn a_document_with_a_link_reference_is_one_piece() {
        let source = "# T\n\n- [ ] see [the runbook]\n\n## S\n\n[the runbook]: https://example.com/runbook\n";
        assert_eq!(pieces(source, 1).len(), 1);
    }
}
