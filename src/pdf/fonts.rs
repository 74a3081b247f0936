//! The fonts an audit record is set in, and the choice of font for each character.
//!
//! Text is measured with the same font programs the PDF embeds (ttf-parser reads their real
//! advances), so a line measured here is exactly as wide on paper. A character is drawn from the
//! first font that has a glyph for it: the DejaVu face asked for, the other DejaVu faces, Noto
//! Emoji, then the fallback the caller passes ([`FontFallback`]: the system's fonts, a face of a
//! font collection (`.ttc`, `.otc`, as CJK fonts usually come) included); when none has it, a visible `[U+XXXX]` is printed in a warning
//! colour and the character is listed in the render's warnings with the number of times it was
//! printed. Nothing is dropped and no empty box is drawn.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

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

/// One font program: its bytes, its parsed tables, and the resource name the PDF gives it.
pub(crate) struct Face {
    /// The PDF resource name, six capitals: printpdf also uses its first six characters as
    /// the subset tag (`PFREGU+DejaVuSans`), and fixed names keep the output byte-identical.
    pub(crate) resource: String,
    pub(crate) data: &'static [u8],
    /// Which face of `data` this is: 0 for a single font, the face's index in a collection.
    pub(crate) index: u32,
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    /// Advances of the first 0x250 code points in font units, `None` for a missing glyph: most
    /// text is Latin, and a table lookup is far cheaper than a cmap search.
    common: Vec<Option<u16>>,
}

impl Face {
    fn parse(resource: &str, data: &'static [u8], index: u32) -> Result<Face, String> {
        let face = ttf_parser::Face::parse(data, index).map_err(|err| err.to_string())?;
        let units_per_em = f32::from(face.units_per_em());
        let common = (0u32..0x250).map(|code| char::from_u32(code).and_then(|c| advance_units(&face, c))).collect();
        Ok(Face { resource: resource.to_string(), data, index, face, units_per_em, common })
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
        let faces = [("PFREGU", DEJAVU_SANS), ("PFBOLD", DEJAVU_SANS_BOLD), ("PFMONO", DEJAVU_SANS_MONO), ("PFEMOJ", NOTO_EMOJI)]
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

    /// The advance of `c` in `face`, in ems; for text known to be in the face (the replacement).
    pub(crate) fn advance_em(&self, face: FaceId, c: char) -> f32 {
        let face = &self.faces[face];
        face.advance(c).map_or(0.6, |units| f32::from(units) / face.units_per_em)
    }

    /// Chooses the font for `c` in text of `weight`, for one occurrence of `c` that will be
    /// printed: a character no font has is counted each time, for the render's warnings.
    /// `emoji_presentation` is true when the character is followed by U+FE0F, which asks for the
    /// emoji form: then Noto Emoji is tried before the text faces.
    pub(crate) fn glyph(&mut self, weight: Weight, c: char, emoji_presentation: bool) -> Glyph {
        let glyph = self.choose(weight, c, emoji_presentation);
        if glyph == Glyph::Missing {
            *self.missing.entry(c).or_default() += 1;
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
        order.extend(4..self.faces.len());
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
        let letter = char::from(b'A' + u8::try_from((self.faces.len() - 4) % 26).unwrap_or(0));
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
    fn a_cjk_character_is_drawn_from_a_system_font_collection() {
        let collections: Vec<PathBuf> = SystemFonts
            .files()
            .into_iter()
            .filter(|path| path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("ttc") || ext.eq_ignore_ascii_case("otc")))
            .filter(|path| std::fs::read(path).is_ok_and(|data| crate::store::face_with_glyph(&data, '漢').is_some()))
            .collect();
        if collections.is_empty() {
            eprintln!("skipping: no font collection (.ttc, .otc) with CJK is installed (apt-get install fonts-noto-cjk)");
            return;
        }
        let mut fonts = Fonts::new(&SystemFonts).unwrap();
        let Glyph::Drawn { face, advance_em } = fonts.glyph(Weight::Regular, '漢', false) else {
            panic!("漢 is missing though {collections:?} has it")
        };
        assert!(face > EMOJI && advance_em > 0.5, "face {face}, {advance_em} em");
        assert!(fonts.faces[face].advance('字').is_some());
        assert!(fonts.missing.is_empty());
        let path = &fonts.system_used[&'漢'];
        println!("漢 is drawn from face {} of {}", fonts.faces[face].index, path.display());
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
