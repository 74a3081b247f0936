//! Markdown → template, following the mapping in DESIGN.md, and template → Markdown.
//!
//! Nothing in the source is silently lost: what the importer does not understand becomes
//! information text and a warning.

mod blocks;
mod build;
mod escape;
mod export;
mod ids;
mod lines;
pub mod mojibake;
mod pieces;
mod prepare;
mod tasks;

use crate::model::{Field, FieldKind, Placement, TemplateCounts};

pub use export::{run_to_markdown, template_to_markdown};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The template id, usually from the file name; a `<!-- preflight: id=… -->` on the title wins.
    pub id: String,
    /// A title to use instead of the document's first heading.
    pub title: Option<String>,
}

/// Something the importer did that the author should know about, with the source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// A finished import: the template and what happened on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    pub template: crate::model::Template,
    pub warnings: Vec<Warning>,
    /// Task boxes that were ticked in the source; a template starts every item unticked.
    pub ticked: usize,
    pub mojibake_repaired: usize,
    pub mojibake_dropped: usize,
    /// Fields the importer added because every run needs them (release, environment).
    pub added_fields: Vec<String>,
}

impl Imported {
    pub fn counts(&self) -> TemplateCounts {
        self.template.counts()
    }
}

/// The template id for an imported file: the slug of its name up to the first dot
/// (`go-live.md` → `go-live`), or `checklist` when that has no letters or digits.
pub fn id_from_file_name(path: &std::path::Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let id = crate::model::slug(name.split('.').next().unwrap_or_default());
    if id.is_empty() { "checklist".into() } else { id }
}

/// Imports Markdown text. Line endings may be LF or CRLF; mojibake is repaired first.
pub fn import_markdown(source: &str, options: &ImportOptions) -> Imported {
    import_markdown_in_pieces(source, options, pieces::PIECE_BYTES)
}

/// [`import_markdown`], parsing big text in pieces of about `piece_bytes` bytes. The result is
/// the same for any size; the fuzzer and the tests check that with pieces of a byte.
pub fn import_markdown_in_pieces(source: &str, options: &ImportOptions, piece_bytes: usize) -> Imported {
    let normalised = if source.contains('\r') {
        std::borrow::Cow::Owned(source.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(source)
    };
    let repair = mojibake::repair(&normalised);
    let prepared = prepare::prepare(&repair.text);
    let mut builder = build::Builder::default();
    let mut front_matter = prepared.front_matter.as_ref();
    let flattened = pieces::read(&prepared.text, piece_bytes, |blocks, piece| {
        // Read with the first piece that has blocks, to know whether a title heading opens them.
        if piece.first
            && (piece.last || !blocks.is_empty())
            && let Some(matter) = front_matter.take()
        {
            builder.front_matter(matter, matches!(blocks.first(), Some(blocks::Block::Heading { level: 1, .. })));
        }
        builder.read(blocks, piece);
    });
    // The text is read: a repaired or prepared copy of it goes before the template's ids are
    // derived, when the import holds the most.
    let (mojibake_repaired, mojibake_dropped) = (repair.repaired, repair.dropped);
    drop(prepared);
    drop(repair);
    drop(normalised);
    let mut imported = builder.finish(options.id.clone(), options.title.clone());
    for line in flattened {
        let message = format!("lists nest more than {} levels deep here; the deeper items are kept at level {0}", blocks::MAX_LIST_DEPTH);
        imported.warnings.push(Warning { line, message });
    }
    imported.mojibake_repaired = mojibake_repaired;
    imported.mojibake_dropped = mojibake_dropped;
    add_run_identity_fields(&mut imported);
    let counts = imported.counts();
    if counts.checks == 0 {
        imported.warnings.push(Warning { line: 1, message: "no task items (`- [ ]`); everything was imported as information".into() });
    }
    if counts.roles == 0 {
        imported
            .warnings
            .push(Warning { line: 1, message: "no sign-off roles; a run of this checklist will ask for one \"Release approver\"".into() });
    }
    if mojibake_dropped > 0 {
        imported
            .warnings
            .push(Warning { line: 1, message: format!("{} garbled character sequence(s) could not be repaired and were dropped", mojibake_dropped) });
    }
    if imported.ticked > 0 {
        imported.warnings.push(Warning {
            line: 1,
            message: format!(
                "{} ticked item(s) kept as ticked; a run starts with them pending, or done when started in progress (`preflight run FILE --in-progress`)",
                imported.ticked
            ),
        });
    }
    imported
}

/// Every run records which release it is for and where: a blank "Version" or "Environment"
/// fill-in the checklist already has becomes required; otherwise required "Release version"
/// and "Environment" fields are added at the top.
fn add_run_identity_fields(imported: &mut Imported) {
    let mut added = Vec::new();
    for (id, label, aliases) in [
        ("release-version", "Release version", &["release version", "release", "version"][..]),
        ("environment", "Environment", &["environment", "target environment"][..]),
    ] {
        let existing = imported.template.fields.iter_mut().find(|f| {
            let text_kind = matches!(f.kind, FieldKind::Text);
            text_kind && aliases.contains(&f.label.to_lowercase().as_str()) && (f.default.is_none() || f.label.eq_ignore_ascii_case(label))
        });
        if let Some(field) = existing {
            field.required = true;
            continue;
        }
        if imported.template.fields.iter().any(|f| f.id == id) {
            continue;
        }
        added.push(Field {
            id: id.into(),
            label: label.into(),
            kind: FieldKind::Text,
            required: true,
            default: None,
            hint: String::new(),
            placement: Placement::Header,
        });
    }
    imported.added_fields = added.iter().map(|f| f.label.clone()).collect();
    let rest = std::mem::take(&mut imported.template.fields);
    imported.template.fields = added.into_iter().chain(rest).collect();
}

#[cfg(test)]
mod tests;
