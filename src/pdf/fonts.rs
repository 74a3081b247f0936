//! The fonts an audit record is set in, and the choice of font for each character.
//!
//! Text is measured with the same font programs the PDF embeds (ttf-parser reads their real
//! advances), so a line measured here is exactly as wide on paper. A character is drawn from the
//! first font that has a glyph for it: the DejaVu face asked for, the other DejaVu faces, Noto
//! Emoji, then any font installed on the system; when none has it, a visible `[U+XXXX]` is printed
//! in a warning colour and the character is listed in the render's warnings. Nothing is dropped
//! and no empty box is drawn.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use super::PdfError;

const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const DEJAVU_SANS_MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");
const NOTO_EMOJI: &[u8] = include_bytes!("../../assets/fonts/NotoEmoji-Regular.ttf");

/// Where system fonts are looked for when no bundled font has a character.
const SYSTEM_FONT_DIRS: [&str; 3] = ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts"];

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
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    /// Advances of the first 0x250 code points in font units, `None` for a missing glyph: most
    /// text is Latin, and a table lookup is far cheaper than a cmap search.
    common: Vec<Option<u16>>,
}

impl Face {
    fn parse(resource: &str, data: &'static [u8]) -> Result<Face, String> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|err| err.to_string())?;
        let units_per_em = f32::from(face.units_per_em());
        let common = (0u32..0x250)
            .map(|code| char::from_u32(code).and_then(|c| advance_units(&face, c)))
            .collect();
        Ok(Face { resource: resource.to_string(), data, face, units_per_em, common })
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
pub(crate) struct Fonts {
    pub(crate) faces: Vec<Face>,
    chosen: HashMap<(Weight, char), Glyph>,
    /// Characters no font covers, by code point, for the render's warnings.
    pub(crate) missing: BTreeMap<char, usize>,
    /// System fonts this render used, by path, for the render's warnings.
    pub(crate) system_used: BTreeMap<char, PathBuf>,
}

impl Fonts {
    pub(crate) fn bundled() -> Result<Fonts, PdfError> {
        let faces = [("PFREGU", DEJAVU_SANS), ("PFBOLD", DEJAVU_SANS_BOLD), ("PFMONO", DEJAVU_SANS_MONO), ("PFEMOJ", NOTO_EMOJI)]
            .into_iter()
            .map(|(resource, data)| {
                Face::parse(resource, data).map_err(|reason| PdfError::Font { name: resource.to_string(), reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Fonts { faces, chosen: HashMap::new(), missing: BTreeMap::new(), system_used: BTreeMap::new() })
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

    /// Chooses the font for `c` in text of `weight`. `emoji_presentation` is true when the
    /// character is followed by U+FE0F, which asks for the emoji form: then Noto Emoji is tried
    /// before the text faces.
    pub(crate) fn glyph(&mut self, weight: Weight, c: char, emoji_presentation: bool) -> Glyph {
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
            None => {
                *self.missing.entry(c).or_default() += 1;
                Glyph::Missing
            }
        };
        self.chosen.insert(key, glyph);
        glyph
    }

    /// Adds the first system font that has `c` to this render's faces.
    fn system_face(&mut self, c: char) -> Option<FaceId> {
        let (path, data) = system_font_for(c)?;
        if let Some(existing) = self.faces.iter().position(|face| std::ptr::eq(face.data, data)) {
            return Some(existing);
        }
        // Resource names stay six capitals: PFSYSA, PFSYSB, …
        let letter = char::from(b'A' + u8::try_from((self.faces.len() - 4) % 26).unwrap_or(0));
        let face = Face::parse(&format!("PFSYS{letter}"), data).ok()?;
        self.faces.push(face);
        self.system_used.insert(c, path);
        Some(self.faces.len() - 1)
    }
}

/// System fonts read so far, by path. A system font is read at most once per process and kept
/// for its lifetime, like the bundled fonts, so that faces can borrow it as `'static`.
static SYSTEM_FONTS: OnceLock<Mutex<SystemFonts>> = OnceLock::new();

#[derive(Default)]
struct SystemFonts {
    paths: Option<Vec<PathBuf>>,
    loaded: HashMap<PathBuf, Option<&'static [u8]>>,
    by_char: HashMap<char, Option<PathBuf>>,
}

/// The first installed font (in path order, so the choice is stable) that has a glyph for `c`.
fn system_font_for(c: char) -> Option<(PathBuf, &'static [u8])> {
    let lock = SYSTEM_FONTS.get_or_init(Default::default);
    let mut fonts = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = fonts.by_char.get(&c) {
        let path = found.clone()?;
        let data = fonts.loaded.get(&path).copied().flatten()?;
        return Some((path, data));
    }
    let paths = fonts.paths.get_or_insert_with(|| {
        let mut paths = Vec::new();
        for dir in SYSTEM_FONT_DIRS {
            collect_font_files(Path::new(dir), &mut paths, 0);
        }
        paths.sort();
        paths
    });
    let paths = paths.clone();
    for path in paths {
        let data = *fonts.loaded.entry(path.clone()).or_insert_with(|| {
            let bytes = std::fs::read(&path).ok()?;
            ttf_parser::Face::parse(&bytes, 0).ok()?;
            Some(Box::leak(bytes.into_boxed_slice()) as &'static [u8])
        });
        let Some(data) = data else { continue };
        let has_glyph = ttf_parser::Face::parse(data, 0).ok().is_some_and(|face| advance_units(&face, c).is_some());
        if has_glyph {
            fonts.by_char.insert(c, Some(path.clone()));
            return Some((path, data));
        }
    }
    fonts.by_char.insert(c, None);
    None
}

fn collect_font_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && depth < 6 {
            collect_font_files(&path, out, depth + 1);
        } else if path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("ttf") || ext.eq_ignore_ascii_case("otf")) {
            out.push(path);
        }
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
        let mut fonts = Fonts::bundled().unwrap();
        assert!(matches!(fonts.glyph(Weight::Regular, 'A', false), Glyph::Drawn { face: REGULAR, .. }));
        assert!(matches!(fonts.glyph(Weight::Bold, 'Ж', false), Glyph::Drawn { face: BOLD, .. }));
        assert!(matches!(fonts.glyph(Weight::Bold, '🚀', false), Glyph::Drawn { face: EMOJI, .. }));
        // U+26A0 is in DejaVu, but followed by U+FE0F it asks for the emoji form.
        assert!(matches!(fonts.glyph(Weight::Regular, '⚠', true), Glyph::Drawn { face: EMOJI, .. }));
        assert!(fonts.missing.is_empty());
    }

    #[test]
    fn a_character_no_font_has_is_reported_missing() {
        let mut fonts = Fonts::bundled().unwrap();
        // A code point of the last private-use plane: no bundled or system font has it.
        assert_eq!(fonts.glyph(Weight::Regular, '\u{10FFFD}', false), Glyph::Missing);
        assert_eq!(fonts.missing.get(&'\u{10FFFD}'), Some(&1));
    }

    #[test]
    fn advances_are_the_fonts_own() {
        let mut fonts = Fonts::bundled().unwrap();
        let Glyph::Drawn { advance_em: i, .. } = fonts.glyph(Weight::Regular, 'i', false) else { panic!() };
        let Glyph::Drawn { advance_em: w, .. } = fonts.glyph(Weight::Regular, 'W', false) else { panic!() };
        let Glyph::Drawn { advance_em: mono_i, .. } = fonts.glyph(Weight::Mono, 'i', false) else { panic!() };
        let Glyph::Drawn { advance_em: mono_w, .. } = fonts.glyph(Weight::Mono, 'W', false) else { panic!() };
        assert!(w > 2.5 * i, "W {w} i {i}");
        assert_eq!(mono_i, mono_w);
    }
}
