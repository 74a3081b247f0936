//! The fonts an audit record is set in, and the choice of font for each character.
//!
//! Text is measured and shaped with the same font programs the PDF embeds (ttf-parser reads
//! their cmaps and advances, harfrust shapes runs with their OpenType tables), so a line measured
//! here is exactly as wide on paper. The bundled fonts cover every script the app accepts, so a
//! record is the same on a machine with no fonts installed: DejaVu Sans (Latin, Greek, Cyrillic;
//! regular, bold, mono), Noto Emoji, Noto Sans Arabic, Hebrew, Devanagari and Thai, and Droid
//! Sans Fallback for Chinese, Japanese and Korean (stored compressed, see `cjk_font_data`).
//!
//! A character of Arabic, Hebrew, Devanagari, Thai or CJK is drawn from its script's face first,
//! so that a word is shaped in one font; any other character from the first font that has a
//! glyph for it: the DejaVu face asked for, the other DejaVu faces, Noto Emoji, the script faces,
//! then the fallback the caller passes ([`FontFallback`]: the system's fonts, a face of a font
//! collection (`.ttc`, `.otc`) included). When none has it, a visible `[U+XXXX]` is printed in a
//! warning colour and the character is listed in the render's warnings with the number of times
//! it was printed. Nothing is dropped and no empty box is drawn.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::PdfError;
use crate::store::{FontFile, SystemFonts};

/// Where a character that no bundled font has is looked for. The callers pass the system's fonts
/// (`store::SystemFonts`, which reads the font folders); `pdf` itself reads no files.
pub trait FontFallback: Sync {
    /// A font face that has a glyph for `c`, or `None`.
    fn face_for(&self, c: char) -> Option<FontFile>;
}

impl FontFallback for SystemFonts {
    fn face_for(&self, c: char) -> Option<FontFile> {
        SystemFonts::face_for(self, c)
    }
}

/// No fallback: characters the bundled fonts lack print as `[U+XXXX]`.
pub struct BundledOnly;

impl FontFallback for BundledOnly {
    fn face_for(&self, _c: char) -> Option<FontFile> {
        None
    }
}

const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const DEJAVU_SANS_MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");
const NOTO_EMOJI: &[u8] = include_bytes!("../../assets/fonts/NotoEmoji-Regular.ttf");
const NOTO_SANS_ARABIC: &[u8] = include_bytes!("../../assets/fonts/NotoSansArabic-Regular.ttf");
const NOTO_SANS_HEBREW: &[u8] = include_bytes!("../../assets/fonts/NotoSansHebrew-Regular.ttf");
const NOTO_SANS_DEVANAGARI: &[u8] = include_bytes!("../../assets/fonts/NotoSansDevanagari-Regular.ttf");
const NOTO_SANS_THAI: &[u8] = include_bytes!("../../assets/fonts/NotoSansThai-Regular.ttf");
/// Droid Sans Fallback, gzip-compressed: 3.4 MB of CJK outlines stored in 1.6 MB.
const DROID_SANS_FALLBACK_GZ: &[u8] = include_bytes!("../../assets/fonts/DroidSansFallback.ttf.gz");

/// The CJK face's font program, decompressed once per process; `None` only if the bundled
/// file were damaged, and then CJK characters fall back to the system's fonts.
pub fn cjk_font_data() -> Option<&'static [u8]> {
    static DATA: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut data = Vec::with_capacity(3_500_000);
        flate2::read::GzDecoder::new(DROID_SANS_FALLBACK_GZ).read_to_end(&mut data).ok().map(|_| data)
    })
    .as_deref()
}

/// The bundled fonts for scripts beyond Latin, Greek and Cyrillic, by name, for the app's own
/// font fallback: the same faces the PDF draws those scripts in.
pub fn script_fonts() -> Vec<(&'static str, &'static [u8])> {
    let mut fonts = vec![
        ("NotoSansArabic", NOTO_SANS_ARABIC),
        ("NotoSansHebrew", NOTO_SANS_HEBREW),
        ("NotoSansDevanagari", NOTO_SANS_DEVANAGARI),
        ("NotoSansThai", NOTO_SANS_THAI),
    ];
    fonts.extend(cjk_font_data().map(|data| ("DroidSansFallback", data)));
    fonts
}

/// Which of the bundled text faces a piece of text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Weight {
    Regular,
    Bold,
    Mono,
}

/// An index into [`Fonts::faces`].
pub(crate) type FaceId = usize;

const REGULAR: FaceId = 0;
const BOLD: FaceId = 1;
const MONO: FaceId = 2;
const EMOJI: FaceId = 3;
const ARABIC: FaceId = 4;
const HEBREW: FaceId = 5;
const DEVANAGARI: FaceId = 6;
const THAI: FaceId = 7;
const CJK: FaceId = 8;
/// How many faces every render starts with; system faces follow.
const BUNDLED: usize = 9;

/// The bundled face a character's script is drawn in before any other, so that the letters of
/// a word are shaped together in one font.
fn script_face(c: char) -> Option<FaceId> {
    Some(match u32::from(c) {
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFE => ARABIC,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => HEBREW,
        0x0900..=0x097F | 0xA8E0..=0xA8FF | 0x1CD0..=0x1CFF => DEVANAGARI,
        0x0E00..=0x0E7F => THAI,
        0x1100..=0x11FF
        | 0x2E80..=0x2FDF
        | 0x3000..=0x303F
        | 0x3040..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7FF
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF
        | 0x20000..=0x2FFFF => CJK,
        _ => return None,
    })
}

/// Whether `face` is one of the bundled faces for a script, which also draw the spaces between
/// that script's words (their word spacing is the script's own).
pub(crate) fn is_script_face(face: FaceId) -> bool {
    (ARABIC..=CJK).contains(&face)
}

/// One glyph a run was shaped into, in font units, in visual order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ShapedGlyph {
    pub id: u16,
    /// The byte offset, in the shaped text, of the first character of the glyph's cluster.
    pub cluster: usize,
    pub x_advance: i32,
    pub x_offset: i32,
    pub y_offset: i32,
    /// Breaking the line before this glyph's cluster would change the shaping: the pieces
    /// must be shaped again.
    pub unsafe_to_break: bool,
}

/// One font program: its bytes, its parsed tables, and the resource name the PDF gives it.
pub(crate) struct Face {
    /// The PDF resource name, six capitals: printpdf also uses its first six characters as
    /// the subset tag (`PFREGU+DejaVuSans`), and fixed names keep the output byte-identical.
    pub(crate) resource: String,
    pub(crate) data: &'static [u8],
    /// Which face of `data` this is: 0 for a single font, the face's index in a collection.
    pub(crate) index: u32,
    face: ttf_parser::Face<'static>,
    pub(crate) units_per_em: f32,
    /// The face's layout tables prepared for shaping, the first time a run is shaped in it.
    shaper: OnceCell<Option<(harfrust::FontRef<'static>, harfrust::ShaperData)>>,
    /// Shape plans by direction and script: a plan compiles the font's features for a script,
    /// far more work than shaping a line with it.
    plans: RefCell<HashMap<(bool, harfrust::Script), harfrust::ShapePlan>>,
    /// Whether this render drew anything in the face: only those faces are embedded.
    pub(crate) used: bool,
    /// Advances of the first 0x250 code points in font units, `None` for a missing glyph: most
    /// text is Latin, and a table lookup is far cheaper than a cmap search.
    common: Vec<Option<u16>>,
}

impl Face {
    fn parse(resource: &str, data: &'static [u8], index: u32) -> Result<Face, String> {
        let face = ttf_parser::Face::parse(data, index).map_err(|err| err.to_string())?;
        let units_per_em = f32::from(face.units_per_em());
        let common = (0u32..0x250).map(|code| char::from_u32(code).and_then(|c| advance_units(&face, c))).collect();
        Ok(Face {
            resource: resource.to_string(),
            data,
            index,
            face,
            units_per_em,
            common,
            shaper: OnceCell::new(),
            plans: RefCell::new(HashMap::new()),
            used: false,
        })
    }

    /// Whether the face has a glyph for `c`.
    pub(crate) fn has(&self, c: char) -> bool {
        self.advance(c).is_some()
    }

    /// The glyph `c` maps to in the face's own cmap, the one a reader maps back to `c`.
    pub(crate) fn glyph_id(&self, c: char) -> Option<u16> {
        self.face.glyph_index(c).map(|glyph| glyph.0)
    }

    /// The advance the font program itself gives a glyph, in font units: what a PDF reader
    /// moves by after drawing it when nothing says otherwise.
    pub(crate) fn glyph_advance(&self, id: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(id)).unwrap_or(0))
    }

    /// Shapes `text` (one run of one direction) with the face's OpenType tables. `before` and
    /// `after` are the text around the run, which decides the joining forms at its ends.
    /// `None` when the face's tables cannot be read for shaping; then the caller places the
    /// characters one by one.
    pub(crate) fn shape(&self, text: &str, right_to_left: bool, before: &str, after: &str) -> Option<Vec<ShapedGlyph>> {
        let (font, data) = self
            .shaper
            .get_or_init(|| {
                let font = harfrust::FontRef::from_index(self.data, self.index).ok()?;
                let data = harfrust::ShaperData::new(&font);
                Some((font, data))
            })
            .as_ref()?;
        let shaper = data.shaper(font).build();
        let mut buffer = harfrust::UnicodeBuffer::new();
        buffer.set_pre_context(before);
        buffer.push_str(text);
        buffer.set_post_context(after);
        buffer.guess_segment_properties();
        let direction = if right_to_left { harfrust::Direction::RightToLeft } else { harfrust::Direction::LeftToRight };
        buffer.set_direction(direction);
        let script = buffer.script();
        let mut plans = self.plans.borrow_mut();
        let plan = plans.entry((right_to_left, script)).or_insert_with(|| harfrust::ShapePlan::new(&shaper, direction, Some(script), None, &[]));
        let glyphs = shaper.shape(buffer, harfrust::ShapeOptions::new().plan(Some(plan)));
        Some(
            glyphs
                .glyph_infos()
                .iter()
                .zip(glyphs.glyph_positions())
                .map(|(info, position)| ShapedGlyph {
                    // harfrust guarantees glyph ids fit in 16 bits.
                    id: u16::try_from(info.glyph_id).unwrap_or(0),
                    cluster: info.cluster as usize,
                    x_advance: position.x_advance,
                    x_offset: position.x_offset,
                    y_offset: position.y_offset,
                    unsafe_to_break: info.unsafe_to_break(),
                })
                .collect(),
        )
    }

    /// The advance of `c` in font units, or `None` when the font has no glyph for it.
    fn advance(&self, c: char) -> Option<u16> {
        match self.common.get(c as usize) {
            Some(advance) => *advance,
            None => advance_units(&self.face, c),
        }
    }
}

fn advance_units(face: &ttf_parser::Face<'_>, c: char) -> Option<u16> {
    let glyph = face.glyph_index(c)?;
    // Glyph 0 is .notdef: drawing it would print the empty box we promise never to print.
    if glyph.0 == 0 {
        return None;
    }
    face.glyph_hor_advance(glyph)
}

/// How one character is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Glyph {
    /// From this face, this many ems wide.
    Drawn { face: FaceId, advance_em: f32 },
    /// No font has it: print `[U+XXXX]` instead.
    Missing,
}

/// The faces of one render, and the choices made so far.
pub(crate) struct Fonts<'a> {
    pub(crate) faces: Vec<Face>,
    fallback: &'a dyn FontFallback,
    chosen: HashMap<(Weight, char), Glyph>,
    /// Characters no font covers, by code point, with the number of times each was printed as
    /// its replacement, for the render's warnings.
    pub(crate) missing: BTreeMap<char, usize>,
    /// System fonts this render used, by path, for the render's warnings.
    pub(crate) system_used: BTreeMap<char, PathBuf>,
}

impl<'a> Fonts<'a> {
    /// The bundled faces, and `fallback` for characters none of them has.
    pub(crate) fn new(fallback: &'a dyn FontFallback) -> Result<Fonts<'a>, PdfError> {
        let cjk =
            cjk_font_data().ok_or_else(|| PdfError::Font { name: "PFCJKS".into(), reason: "the bundled CJK font does not decompress".into() })?;
        let faces = [
            ("PFREGU", DEJAVU_SANS),
            ("PFBOLD", DEJAVU_SANS_BOLD),
            ("PFMONO", DEJAVU_SANS_MONO),
            ("PFEMOJ", NOTO_EMOJI),
            ("PFARAB", NOTO_SANS_ARABIC),
            ("PFHEBR", NOTO_SANS_HEBREW),
            ("PFDEVA", NOTO_SANS_DEVANAGARI),
            ("PFTHAI", NOTO_SANS_THAI),
            ("PFCJKS", cjk),
        ]
        .into_iter()
        .map(|(resource, data)| Face::parse(resource, data, 0).map_err(|reason| PdfError::Font { name: resource.to_string(), reason }))
        .collect::<Result<Vec<_>, _>>()?;
        Ok(Fonts { faces, fallback, chosen: HashMap::new(), missing: BTreeMap::new(), system_used: BTreeMap::new() })
    }

    /// The face text of this weight asks for first.
    pub(crate) fn primary(weight: Weight) -> FaceId {
        match weight {
            Weight::Regular => REGULAR,
            Weight::Bold => BOLD,
            Weight::Mono => MONO,
        }
    }

    /// The face the `[U+XXXX]` replacement is printed in.
    pub(crate) fn replacement_face() -> FaceId {
        MONO
    }

    /// Chooses the font for `c` in text of `weight`, for one occurrence of `c` that will be
    /// printed: a character no font has is counted each time, for the render's warnings.
    /// `emoji_presentation` is true when the character is followed by U+FE0F, which asks for the
    /// emoji form: then Noto Emoji is tried before the text faces.
    pub(crate) fn glyph(&mut self, weight: Weight, c: char, emoji_presentation: bool) -> Glyph {
        let glyph = self.choose(weight, c, emoji_presentation);
        match glyph {
            Glyph::Drawn { face, .. } => self.faces[face].used = true,
            Glyph::Missing => {
                *self.missing.entry(c).or_default() += 1;
                self.faces[Self::replacement_face()].used = true;
            }
        }
        glyph
    }

    /// The font for `c`, from the choices made so far when there is one.
    fn choose(&mut self, weight: Weight, c: char, emoji_presentation: bool) -> Glyph {
        let key = (weight, c);
        if !emoji_presentation && let Some(glyph) = self.chosen.get(&key) {
            return *glyph;
        }
        let primary = Self::primary(weight);
        let mut order = vec![primary, REGULAR, BOLD, MONO];
        if emoji_presentation {
            order.insert(0, EMOJI);
        } else {
            order.push(EMOJI);
        }
        if let Some(face) = script_face(c) {
            order.insert(usize::from(emoji_presentation), face);
        }
        order.extend(ARABIC..self.faces.len());
        for face in order {
            if let Some(units) = self.faces[face].advance(c) {
                let glyph = Glyph::Drawn { face, advance_em: f32::from(units) / self.faces[face].units_per_em };
                if !emoji_presentation {
                    self.chosen.insert(key, glyph);
                }
                return glyph;
            }
        }
        let glyph = match self.system_face(c) {
            Some(face) => {
                let units = self.faces[face].advance(c).unwrap_or(0);
                Glyph::Drawn { face, advance_em: f32::from(units) / self.faces[face].units_per_em }
            }
            None => Glyph::Missing,
        };
        self.chosen.insert(key, glyph);
        glyph
    }

    /// Adds the first system font face that has `c` to this render's faces.
    fn system_face(&mut self, c: char) -> Option<FaceId> {
        let FontFile { path, data, index } = self.fallback.face_for(c)?;
        if let Some(existing) = self.faces.iter().position(|face| std::ptr::eq(face.data, data) && face.index == index) {
            return Some(existing);
        }
        // Resource names stay six capitals: PFSYSA, PFSYSB, …
        let letter = char::from(b'A' + u8::try_from((self.faces.len() - BUNDLED) % 26).unwrap_or(0));
        let face = Face::parse(&format!("PFSYS{letter}"), data, index).ok()?;
        self.faces.push(face);
        self.system_used.insert(c, path);
        Some(self.faces.len() - 1)
    }
}

/// Characters that only steer how their neighbours are drawn (variation selectors, the zero
/// width joiner): they have no glyph of their own and are not printed.
pub(crate) fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{200D}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_cyrillic_and_emoji_come_from_bundled_fonts() {
        let mut fonts = Fonts::new(&BundledOnly).unwrap();
        assert!(matches!(fonts.glyph(Weight::Regular, 'A', false), Glyph::Drawn { face: REGULAR, .. }));
        assert!(matches!(fonts.glyph(Weight::Bold, 'Ж', false), Glyph::Drawn { face: BOLD, .. }));
        assert!(matches!(fonts.glyph(Weight::Bold, '🚀', false), Glyph::Drawn { face: EMOJI, .. }));
        // U+26A0 is in DejaVu, but followed by U+FE0F it asks for the emoji form.
        assert!(matches!(fonts.glyph(Weight::Regular, '⚠', true), Glyph::Drawn { face: EMOJI, .. }));
        assert!(fonts.missing.is_empty());
    }

    #[test]
    fn a_character_no_font_has_is_reported_missing() {
        let mut fonts = Fonts::new(&SystemFonts).unwrap();
        // A code point of the last private-use plane: no bundled or system font has it.
        assert_eq!(fonts.glyph(Weight::Regular, '\u{10FFFD}', false), Glyph::Missing);
        assert_eq!(fonts.missing.get(&'\u{10FFFD}'), Some(&1));
    }

    #[test]
    fn a_missing_character_is_counted_each_time_it_is_printed() {
        let mut fonts = Fonts::new(&BundledOnly).unwrap();
        for weight in [Weight::Regular, Weight::Regular, Weight::Bold] {
            assert_eq!(fonts.glyph(weight, '\u{10FFFD}', false), Glyph::Missing);
        }
        assert_eq!(fonts.missing.get(&'\u{10FFFD}'), Some(&3));
    }

    /// A font collection of `fonts`, laid out as a `.ttc` file: the header, each face's table
    /// directory, then the tables, with the directories' offsets moved to match.
    fn collection(fonts: &[&[u8]]) -> Vec<u8> {
        let be32 = |bytes: &[u8]| u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        let table_count = |font: &[u8]| usize::from(u16::from_be_bytes([font[4], font[5]]));
        let mut out = b"ttcf\x00\x01\x00\x00".to_vec();
        out.extend_from_slice(&(fonts.len() as u32).to_be_bytes());
        let mut directory = 12 + 4 * fonts.len();
        for font in fonts {
            out.extend_from_slice(&(directory as u32).to_be_bytes());
            directory += 12 + 16 * table_count(font);
        }
        let mut tables = Vec::new();
        for font in fonts {
            out.extend_from_slice(&font[..12]);
            for record in font[12..12 + 16 * table_count(font)].chunks_exact(16) {
                let (offset, length) = (be32(&record[8..]), be32(&record[12..]));
                out.extend_from_slice(&record[..8]);
                out.extend_from_slice(&((directory + tables.len()) as u32).to_be_bytes());
                out.extend_from_slice(&record[12..]);
                tables.extend_from_slice(&font[offset..offset + length]);
                tables.resize(tables.len().next_multiple_of(4), 0);
            }
        }
        out.extend_from_slice(&tables);
        out
    }

    #[test]
    fn a_face_of_a_collection_is_found_measured_and_embedded() {
        use printpdf::{FontId, Mm, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Pt, TextItem, TextMatrix};
        // Noto Emoji has no Latin letters; the second face, DejaVu Sans Mono, has them.
        let data: &'static [u8] = Box::leak(collection(&[NOTO_EMOJI, DEJAVU_SANS_MONO]).into_boxed_slice());
        assert_eq!(ttf_parser::fonts_in_collection(data), Some(2));
        assert_eq!(crate::store::face_with_glyph(data, '🚀'), Some(0));
        assert_eq!(crate::store::face_with_glyph(data, 'A'), Some(1));
        assert_eq!(crate::store::face_with_glyph(data, '\u{10FFFD}'), None);
        let face = Face::parse("PFSYSA", data, 1).unwrap();
        assert_eq!(face.advance('A'), Face::parse("PFMONO", DEJAVU_SANS_MONO, 0).unwrap().advance('A'));

        // printpdf embeds that face on its own, not the collection and not its first face.
        let parsed = ParsedFont::from_bytes(face.data, face.index as usize, &mut Vec::new()).unwrap();
        let mut pdf = PdfDocument::new("collection");
        pdf.resources.fonts.map.insert(FontId(face.resource.clone()), PdfFont::new(parsed));
        let ops = vec![
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(FontId(face.resource.clone())), size: Pt(12.0) },
            Op::SetTextMatrix { matrix: TextMatrix::Translate(Pt(20.0), Pt(20.0)) },
            Op::ShowText { items: vec![TextItem::Text("AB".into())] },
            Op::EndTextSection,
        ];
        pdf.with_pages(vec![PdfPage::new(Mm(50.0), Mm(50.0), ops)]);
        let document = pdf.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new());
        let programs: Vec<Vec<u8>> = document
            .objects
            .values()
            .filter_map(|object| object.as_dict().ok())
            .filter_map(|dict| dict.get(b"FontFile2").or_else(|_| dict.get(b"FontFile3")).ok())
            .map(|file| document.get_object(file.as_reference().unwrap()).unwrap().as_stream().unwrap())
            .map(|stream| stream.decompressed_content().unwrap_or_else(|_| stream.content.clone()))
            .collect();
        assert_eq!(programs.len(), 1);
        assert_ne!(programs[0].get(..4), Some(b"ttcf".as_slice()), "the whole collection was embedded");
        let embedded = ttf_parser::Face::parse(&programs[0], 0).unwrap();
        assert!(advance_units(&embedded, 'A').is_some() && advance_units(&embedded, 'B').is_some(), "the embedded face has no A and B");
    }

    #[test]
    fn a_character_beyond_the_bundled_cjk_face_is_drawn_from_a_system_font_collection() {
        // U+9FA6, a unified ideograph of Unicode 4.1 that Droid Sans Fallback lacks and Noto Sans
        // CJK and WenQuanYi Micro Hei have.
        let collections: Vec<PathBuf> = SystemFonts
            .files()
            .into_iter()
            .filter(|path| path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("ttc") || ext.eq_ignore_ascii_case("otc")))
            .filter(|path| std::fs::read(path).is_ok_and(|data| crate::store::face_with_glyph(&data, '龦').is_some()))
            .collect();
        if collections.is_empty() {
            eprintln!("skipping: no font collection (.ttc, .otc) with U+9FA6 is installed (apt-get install fonts-noto-cjk)");
            return;
        }
        let mut fonts = Fonts::new(&SystemFonts).unwrap();
        let Glyph::Drawn { face, advance_em } = fonts.glyph(Weight::Regular, '龦', false) else {
            panic!("龦 is missing though {collections:?} has it")
        };
        assert!(face >= BUNDLED && advance_em > 0.5, "face {face}, {advance_em} em");
        assert!(fonts.faces[face].advance('龧').is_some());
        assert!(fonts.missing.is_empty());
        let path = &fonts.system_used[&'龦'];
        println!("龦 is drawn from face {} of {}", fonts.faces[face].index, path.display());
    }

    #[test]
    fn advances_are_the_fonts_own() {
        let mut fonts = Fonts::new(&BundledOnly).unwrap();
        let Glyph::Drawn { advance_em: i, .. } = fonts.glyph(Weight::Regular, 'i', false) else { panic!() };
        let Glyph::Drawn { advance_em: w, .. } = fonts.glyph(Weight::Regular, 'W', false) else { panic!() };
        let Glyph::Drawn { advance_em: mono_i, .. } = fonts.glyph(Weight::Mono, 'i', false) else { panic!() };
        let Glyph::Drawn { advance_em: mono_w, .. } = fonts.glyph(Weight::Mono, 'W', false) else { panic!() };
        assert!(w > 2.5 * i, "W {w} i {i}");
        assert_eq!(mono_i, mono_w);
    }
}
