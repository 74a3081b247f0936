//! Fonts: egui's defaults first, then DejaVu Sans (bundled in `assets/fonts`) for the arrows,
//! symbols, Greek and Cyrillic that the defaults lack, then the PDF's own bundled faces for
//! Arabic, Hebrew, Devanagari, Thai and CJK, so that the window shows every script the record
//! prints on a machine with no fonts installed. egui 0.37 shapes each font run with harfrust
//! (Arabic joins, Devanagari and Thai marks sit right) but has no bidirectional layout yet:
//! a right-to-left word reads correctly, a phrase of several right-to-left words shows its words
//! in left-to-right order (docs/ARCHITECTURE.md, "Text in the window").

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}

/// egui's default fonts with the bundled fallbacks appended to both families.
pub fn definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    let mut fallbacks = vec![("DejaVuSans", DEJAVU_SANS)];
    fallbacks.extend(crate::pdf::script_fonts());
    for (name, data) in fallbacks {
        fonts.font_data.insert(name.into(), Arc::new(FontData::from_static(data)));
        for family in [FontFamily::Proportional, FontFamily::Monospace] {
            fonts.families.entry(family).or_default().push(name.into());
        }
    }
    fonts
}
