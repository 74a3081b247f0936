//! The fonts installed on this machine, for characters that no bundled font has: found in the
//! system font folders, read on first use and kept for the life of the process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Where system fonts are looked for.
const SYSTEM_FONT_DIRS: [&str; 3] = ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts"];

/// The folders system fonts are read from: `PREFLIGHT_SYSTEM_FONT_DIRS` (colon-separated; set
/// and empty, no system font at all, so that a record is set in the bundled fonts alone) or the
/// usual ones.
fn font_dirs() -> Vec<PathBuf> {
    match std::env::var_os("PREFLIGHT_SYSTEM_FONT_DIRS") {
        Some(dirs) => std::env::split_paths(&dirs).filter(|dir| !dir.as_os_str().is_empty()).collect(),
        None => SYSTEM_FONT_DIRS.iter().map(PathBuf::from).collect(),
    }
}

/// Font files a system font is read from: single fonts and collections of faces.
const FONT_EXTENSIONS: [&str; 4] = ["ttf", "otf", "ttc", "otc"];

/// One face of an installed font file.
#[derive(Debug, Clone)]
pub struct FontFile {
    pub path: PathBuf,
    /// The whole file, kept for the life of the process so that faces can borrow it.
    pub data: &'static [u8],
    /// Which face of `data`: 0 for a single font, the face's index in a collection.
    pub index: u32,
}

/// The fonts installed on this machine. Every `SystemFonts` shares one cache: a file is read at
/// most once per process.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemFonts;

/// System fonts read so far, by path.
static SYSTEM_FONTS: OnceLock<Mutex<Cache>> = OnceLock::new();

#[derive(Default)]
struct Cache {
    paths: Option<Vec<PathBuf>>,
    loaded: HashMap<PathBuf, Option<&'static [u8]>>,
    /// The file and face index chosen for each character asked about.
    by_char: HashMap<char, Option<(PathBuf, u32)>>,
}

impl SystemFonts {
    /// The installed font files, upright regular styles first, then by path.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        for dir in font_dirs() {
            collect_font_files(&dir, &mut paths, 0);
        }
        paths.sort_by_cached_key(|path| (is_styled(path), path.clone()));
        paths
    }

    /// The first installed font face that has a glyph for `c`. Files are tried in the order of
    /// [`SystemFonts::files`] and a collection's faces in their order, so the choice is stable.
    pub fn face_for(&self, c: char) -> Option<FontFile> {
        let lock = SYSTEM_FONTS.get_or_init(Default::default);
        let mut cache = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = cache.by_char.get(&c) {
            let (path, index) = found.clone()?;
            let data = cache.loaded.get(&path).copied().flatten()?;
            return Some(FontFile { path, data, index });
        }
        let paths = cache.paths.get_or_insert_with(|| self.files()).clone();
        // TrueType outlines first: a record embeds them as a font program that `verify` can
        // read back and draw with again; a CFF program (as Noto Sans CJK has) is embedded bare,
        // and only used when no TrueType font has the character.
        for truetype in [true, false] {
            for path in &paths {
                let data = *cache.loaded.entry(path.clone()).or_insert_with(|| {
                    let bytes = std::fs::read(path).ok()?;
                    ttf_parser::Face::parse(&bytes, 0).ok()?;
                    Some(Box::leak(bytes.into_boxed_slice()) as &'static [u8])
                });
                let Some(data) = data else { continue };
                let outlines_fit = |face: &ttf_parser::Face<'_>| face.tables().glyf.is_some() == truetype;
                if let Some(index) = face_with_glyph_where(data, c, outlines_fit) {
                    cache.by_char.insert(c, Some((path.clone(), index)));
                    return Some(FontFile { path: path.clone(), data, index });
                }
            }
        }
        cache.by_char.insert(c, None);
        None
    }
}

/// The first face of a font file that has a glyph for `c`: the font itself, or one of the faces
/// of a collection. Glyph 0 (.notdef) does not count: drawing it would print an empty box.
pub fn face_with_glyph(data: &[u8], c: char) -> Option<u32> {
    face_with_glyph_where(data, c, |_| true)
}

/// The first face of a font file that has a glyph for `c` and passes `accept`.
fn face_with_glyph_where(data: &[u8], c: char, accept: impl Fn(&ttf_parser::Face<'_>) -> bool) -> Option<u32> {
    let face_count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    (0..face_count).find(|&index| {
        ttf_parser::Face::parse(data, index)
            .is_ok_and(|face| accept(&face) && face.glyph_index(c).is_some_and(|glyph| glyph.0 != 0 && face.glyph_hor_advance(glyph).is_some()))
    })
}

/// Whether a font file's name says it is other than the upright regular style (`-Bold`,
/// `-Italic`, `-Light`): such a face is used only when no regular one has the character, so
/// that a fallback character does not stand out from the text around it.
fn is_styled(path: &Path) -> bool {
    const STYLES: [&str; 10] = ["bold", "italic", "oblique", "light", "thin", "black", "medium", "heavy", "condensed", "semi"];
    let stem = path.file_stem().map(|stem| stem.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    STYLES.iter().any(|style| stem.contains(style))
}

fn collect_font_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && depth < 6 {
            collect_font_files(&path, out, depth + 1);
        } else if path.extension().is_some_and(|ext| FONT_EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known))) {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_styles_come_before_styled_ones() {
        assert!(!is_styled(Path::new("/usr/share/fonts/NotoSansCJK-Regular.ttc")));
        assert!(is_styled(Path::new("/usr/share/fonts/NotoSansCJK-Bold.ttc")));
    }
}
