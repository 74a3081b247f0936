//! Repair of mojibake: UTF-8 text that was once decoded as Windows-1252 (`ðŸš€` for `🚀`).
//!
//! Each character that Windows-1252 could have produced is mapped back to its byte; runs of
//! bytes that form valid UTF-8 are decoded again. Where the original bytes were lost (Windows-1252
//! leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined, so encoders drop them), the remnant cannot be
//! repaired and is dropped rather than kept as garbage. Text with no repairable sequence at all is
//! left exactly as it was, so that genuine Latin-1 text such as `café` is never touched.

use std::borrow::Cow;

/// What a repair did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repair<'a> {
    /// The repaired text: the text itself when nothing needed repair.
    pub text: Cow<'a, str>,
    /// Sequences decoded back into the characters that were meant.
    pub repaired: usize,
    /// Remnants of sequences that lost bytes, dropped.
    pub dropped: usize,
}

/// The Windows-1252 byte that decodes to `ch`, if any. Undefined bytes map to themselves as C1
/// control characters, which is how some decoders pass them through.
fn cp1252_byte(ch: char) -> Option<u8> {
    let code = ch as u32;
    if (0x80..=0xFF).contains(&code) {
        // Latin-1 range; 0x80–0x9F here are the C1 controls of undefined bytes.
        return Some(code as u8);
    }
    let byte = match ch {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(byte)
}

fn is_continuation(byte: u8) -> bool {
    (0x80..=0xBF).contains(&byte)
}

/// How many continuation bytes a UTF-8 lead byte needs, for leads that start multi-byte
/// sequences (0xC2–0xF4).
fn continuation_count(lead: u8) -> Option<usize> {
    match lead {
        0xC2..=0xDF => Some(1),
        0xE0..=0xEF => Some(2),
        0xF0..=0xF4 => Some(3),
        _ => None,
    }
}

enum Piece {
    Keep(char),
    /// The character meant, and the bytes of the text its garbled sequence takes.
    Repaired(char, usize),
    /// The bytes of the text a remnant takes.
    Dropped(usize),
}

/// Decides what the sequence starting with `ch`, followed by the text `after`, is.
fn piece_at(ch: char, after: &str) -> Piece {
    let Some(lead) = cp1252_byte(ch) else { return Piece::Keep(ch) };
    let Some(needed) = continuation_count(lead) else { return Piece::Keep(ch) };
    let mut bytes = [lead, 0, 0, 0];
    let (mut got, mut len) = (0, ch.len_utf8());
    for next in after.chars().take(needed) {
        match cp1252_byte(next) {
            Some(byte) if is_continuation(byte) => {
                got += 1;
                bytes[got] = byte;
                len += next.len_utf8();
            }
            _ => break,
        }
    }
    // A whole sequence of valid UTF-8 is one character.
    if got == needed
        && let Some(fixed) = std::str::from_utf8(&bytes[..=got]).ok().and_then(|text| text.chars().next())
    {
        return Piece::Repaired(fixed, len);
    }
    // A lead byte followed by some continuation bytes, but not a whole character: the rest was
    // lost. A lone lead byte is an ordinary Latin-1 letter (`é`) and stays.
    if got >= 1 && needed >= 2 { Piece::Dropped(len) } else { Piece::Keep(ch) }
}

/// How many times text is repaired again when a repair leaves what reads as mojibake: text
/// garbled twice needs two. A repair must not leave anything that a second one would change (a
/// Markdown export of the template is imported again), so text that still reads as mojibake
/// after this many is left as it was: it was garbled on purpose, and repairing it one layer a
/// pass would cost time in the square of its length.
const MAX_PASSES: usize = 4;

/// Repairs mojibake in `text`; see the module documentation.
pub fn repair(text: &str) -> Repair<'_> {
    let mut out = repair_once(text);
    for pass in 1..=MAX_PASSES {
        if out.repaired + out.dropped == 0 {
            break;
        }
        let again = repair_once(&out.text);
        if again.repaired + again.dropped == 0 {
            break;
        }
        if pass == MAX_PASSES {
            return Repair { text: Cow::Borrowed(text), repaired: 0, dropped: 0 };
        }
        let (repaired, dropped) = (out.repaired + again.repaired, out.dropped + again.dropped);
        out = Repair { text: Cow::Owned(again.text.into_owned()), repaired, dropped };
    }
    out
}

/// One pass of [`repair`].
fn repair_once(text: &str) -> Repair<'_> {
    // Most text has no character that could start a garbled sequence: no need to look closer.
    let may_start = |ch: char| cp1252_byte(ch).and_then(continuation_count).is_some();
    if text.is_ascii() || !text.chars().any(may_start) {
        return Repair { text: Cow::Borrowed(text), repaired: 0, dropped: 0 };
    }
    let piece = |at: usize, ch: char| piece_at(ch, &text[at + ch.len_utf8()..]);
    if !text.char_indices().any(|(at, ch)| matches!(piece(at, ch), Piece::Repaired(..))) {
        return Repair { text: Cow::Borrowed(text), repaired: 0, dropped: 0 };
    }
    let mut out = String::with_capacity(text.len());
    let (mut repaired, mut dropped) = (0, 0);
    let mut at = 0;
    while at < text.len() {
        // ASCII is never part of a garbled sequence: it is copied a run at a time.
        let ascii = text.as_bytes()[at..].iter().position(|b| !b.is_ascii()).unwrap_or(text.len() - at);
        out.push_str(&text[at..at + ascii]);
        at += ascii;
        let Some(ch) = text[at..].chars().next() else { break };
        at += match piece(at, ch) {
            Piece::Keep(ch) => {
                out.push(ch);
                ch.len_utf8()
            }
            Piece::Repaired(fixed, len) => {
                out.push(fixed);
                repaired += 1;
                len
            }
            Piece::Dropped(len) => {
                dropped += 1;
                len
            }
        };
    }
    Repair { text: Cow::Owned(out), repaired, dropped }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_emoji_and_symbols() {
        let fixed = repair("## ðŸš€ Pre-Deployment Phase\n### âœ… Code");
        assert_eq!(fixed.text, "## 🚀 Pre-Deployment Phase\n### ✅ Code");
        assert_eq!((fixed.repaired, fixed.dropped), (2, 0));
        assert_eq!(repair("ðŸ”„ Rollback").text, "🔄 Rollback");
    }

    #[test]
    fn drops_remnants_whose_bytes_were_lost() {
        // 🏗️ is F0 9F 8F 97 EF B8 8F; Windows-1252 has no 0x8F, so only ðŸ—ï¸ was left.
        let fixed = repair("## ðŸ—ï¸ Deployment Phase\n## ðŸš€ Go");
        assert_eq!(fixed.text, "##  Deployment Phase\n## 🚀 Go");
        assert_eq!((fixed.repaired, fixed.dropped), (1, 2));
    }

    /// Found by fuzzing the Markdown round trip: `Ã©` repaired to `é` made `éœ…` a sequence that
    /// a second import repaired again. Repair now goes on until nothing is left to repair.
    #[test]
    fn a_repair_leaves_nothing_a_second_repair_would_change() {
        let once = repair("### âÃ©œ… Security Validation");
        assert_eq!(repair(&once.text).text, once.text);
        assert_eq!(once.text, "### â霅 Security Validation");
    }

    /// Found by fuzzing the round trip: `Ã` and a run of U+0083 repairs one layer a pass (`Ã`
    /// and U+0083 are the bytes of `Ã`), so four passes left what a fifth changed. Text still
    /// garbled after four is left as it was.
    #[test]
    fn text_garbled_more_than_four_times_over_is_left_alone() {
        let text = format!("Alert rules d\u{c3}{}efined", "\u{83}".repeat(40));
        assert_eq!(repair(&text), Repair { text: Cow::Borrowed(text.as_str()), repaired: 0, dropped: 0 });
        let twice = "d\u{c3}\u{83}\u{83}x";
        assert_eq!(repair(twice).text, "d\u{c3}x");
    }

    #[test]
    fn leaves_genuine_latin1_and_clean_text_alone() {
        for text in ["café — naïve résumé", "🚀 already fine ✅", "Größe: 5 €"] {
            assert_eq!(repair(text), Repair { text: Cow::Borrowed(text), repaired: 0, dropped: 0 });
        }
    }
}
