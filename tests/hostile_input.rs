//! Hostile and oversized input: nesting past every limit, files that could not be written
//! whole, ambiguous files. Nothing may crash, and nothing may write a file that does not load
//! back as what was meant.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::collections::BTreeMap;
use std::path::Path;

use preflight::import::{ImportOptions, import_markdown, template_to_markdown};
use preflight::model::{FieldValue, Item, ItemKind, MAX_ITEM_DEPTH, Run, Template, Timestamp};
use preflight::store::{self, StoreError};

fn import(source: &str) -> preflight::import::Imported {
    import_markdown(source, &ImportOptions { id: "hostile".into(), title: None })
}

/// Runs `work` on a thread with a 2 MiB stack, as the app's worker threads have: a limit that
/// holds only on the main thread's 8 MiB would still crash the app.
fn on_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(2 << 20).spawn(work).unwrap().join().expect("no crash")
}

/// A task list nested `depth` deep, under five levels of headings (the deepest Markdown has).
fn nested_tasks(depth: usize) -> String {
    let mut source = "# Hostile\n\n## A\n\n### B\n\n#### C\n\n##### D\n\n###### E\n\n".to_string();
    for level in 0..depth {
        source.push_str(&format!("{}- [ ] level {level}\n", "  ".repeat(level)));
    }
    source
}

fn run_of(template: Template) -> Run {
    let at = Timestamp::parse("2026-12-02T10:00:00Z").unwrap();
    let values: BTreeMap<String, FieldValue> =
        template.fields.iter().filter(|field| field.required).map(|field| (field.id.clone(), FieldValue::Text("1".into()))).collect();
    Run::start(template, "hostile-run".into(), "Rita", at, values).unwrap()
}

fn depth_of(items: &[Item]) -> usize {
    items.iter().map(|item| 1 + depth_of(&item.children)).max().unwrap_or(0)
}

#[test]
fn every_depth_up_to_the_limit_imports_saves_and_loads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    for depth in 1..=MAX_ITEM_DEPTH + 3 {
        let imported = import(&nested_tasks(depth));
        let template = imported.template.clone();
        assert_eq!(template.counts().checks, depth, "depth {depth}: every item is kept");
        let deepest = template.all_sections().into_iter().map(|(_, section)| depth_of(&section.items)).max().unwrap();
        assert_eq!(deepest, depth.min(MAX_ITEM_DEPTH), "depth {depth}");
        let flattened = imported.warnings.iter().find(|w| w.message.contains("levels deep here"));
        match flattened {
            Some(warning) => {
                assert!(depth > MAX_ITEM_DEPTH, "depth {depth}: {warning:?}");
                assert_eq!(warning.line, 13 + MAX_ITEM_DEPTH, "the warning names the first line too deep");
            }
            None => assert!(depth <= MAX_ITEM_DEPTH, "depth {depth}: deeper lists are flattened with a warning"),
        }

        let path = dir.path().join(format!("d{depth}.checklist.ron"));
        store::save_template(&path, &template).unwrap();
        assert_eq!(store::load_template(&path).unwrap(), template, "depth {depth}");
        let run = run_of(template.clone());
        let run_path = dir.path().join(format!("d{depth}.run.ron"));
        store::save_run(&run_path, &run).unwrap();
        assert_eq!(store::load_run(&run_path).unwrap(), run, "depth {depth}");

        let again = import(&template_to_markdown(&template)).template;
        assert_eq!(again.sections, template.sections, "depth {depth}: the Markdown round trip");
    }
}

#[test]
fn hostile_nesting_imports_without_crashing_and_loads_back() {
    let cases: Vec<(&str, String)> = vec![
        ("a list nested 2,000 deep", (0..2_000).map(|level| format!("{}- level {level}\n", "  ".repeat(level))).collect()),
        ("100,000 bullet markers on one line", format!("{}x\n", "- ".repeat(100_000))),
        ("100,000 numbered markers on one line", format!("{}x\n", "1. ".repeat(100_000))),
        ("tasks under 100,000 list markers", format!("{}[ ] x\n", "- ".repeat(100_000))),
        ("5,000 nested quotes", format!("{}- [ ] x\n", "> ".repeat(5_000))),
        ("quotes and lists alternating 3,000 deep", format!("{}[ ] x\n", "> - ".repeat(3_000))),
        ("5,000 nested <details>", format!("{}- [ ] x\n{}", "<details>\n".repeat(5_000), "</details>\n".repeat(5_000))),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in cases {
        let source = format!("# Hostile\n\n{body}");
        let imported = on_small_stack(move || import(&source));
        let path = dir.path().join("hostile.checklist.ron");
        store::save_template(&path, &imported.template).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(store::load_template(&path).unwrap(), imported.template, "{name}");
        let deepest = imported.template.all_sections().into_iter().map(|(_, s)| depth_of(&s.items)).chain([depth_of(&imported.template.items)]).max();
        assert!(deepest.unwrap() <= MAX_ITEM_DEPTH, "{name}");
    }
}

#[test]
fn a_document_that_would_not_load_back_is_not_written_and_the_old_file_stays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.checklist.ron");
    let mut template = import(&nested_tasks(3)).template;
    store::save_template(&path, &template).unwrap();
    let before = std::fs::read(&path).unwrap();

    // Built in code past the limit, as a bug or a merged file could.
    let mut deep = Item::new("deepest", "Deepest", ItemKind::Check);
    for level in 0..MAX_ITEM_DEPTH + 4 {
        let mut parent = Item::new(format!("level-{level}"), "Level", ItemKind::Check);
        parent.children.push(deep);
        deep = parent;
    }
    template.sections[0].items.push(deep);
    let err = store::save_template(&path, &template).unwrap_err();
    assert!(matches!(err, StoreError::Unwritable { .. }), "{err}");
    let message = err.to_string();
    assert!(message.starts_with(&format!("{}: cannot write it:", path.display())), "{message}");
    assert!(message.ends_with("the file was not changed"), "{message}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the old file is untouched");
    assert!(store::save_new(&dir.path().join("new.checklist.ron"), &template).is_err());
    assert!(!dir.path().join("new.checklist.ron").exists(), "nothing half-written is left");
}

#[test]
fn a_file_nested_past_the_reader_limit_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hand.checklist.ron");
    let mut item = "Item(id: \"x\", text: \"X\", kind: Check)".to_string();
    for level in 0..200 {
        item = format!("Item(id: \"l{level}\", text: \"L\", kind: Check, children: [{item}])");
    }
    let text = format!("Template(format_version: 1, id: \"t\", title: \"T\", version: \"1\", items: [{item}])");
    std::fs::write(&path, text).unwrap();
    let err = store::load_template(&path).unwrap_err().to_string();
    assert!(err.starts_with(&format!("{}:1:", path.display())), "{err}");
    assert!(err.contains("nested too deeply; items nest at most 16 levels"), "{err}");
    assert!(Path::new(&path).exists());
}

/// A run file of three tasks, as saved.
fn saved_run(dir: &Path) -> (std::path::PathBuf, String) {
    let run = run_of(import(&nested_tasks(1)).template);
    let path = dir.join("ambiguous.run.ron");
    store::save_run(&path, &run).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

#[test]
fn a_key_written_twice_is_an_error_at_its_second_place() {
    let dir = tempfile::tempdir().unwrap();
    let (path, text) = saved_run(dir.path());
    // A reader sees the item pending (the entry they look at); serde alone would keep the last.
    let entry = "  items: {\n    \"level-0\": ItemRecord(";
    let at = text.find(entry).expect("the items map");
    let doubled = format!(
        "{}  items: {{\n    \"level-0\": ItemRecord(state: Done, by: Some(\"Mallory\"), at: None, note: \"\"),\n    \"level-0\": ItemRecord({}",
        &text[..at],
        &text[at + entry.len()..]
    );
    std::fs::write(&path, &doubled).unwrap();
    let err = store::load_run(&path).unwrap_err().to_string();
    let second = doubled.find("\"level-0\": ItemRecord(state: Done").unwrap() + 1;
    let second = second + doubled[second..].find("\"level-0\"").unwrap();
    let line = doubled[..second].matches('\n').count() + 1;
    assert!(err.starts_with(&format!("{}:{line}:", path.display())), "{err}");
    assert!(err.contains("the key \"level-0\" appears twice; keep one"), "{err}");
}

#[test]
fn an_unknown_field_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (path, text) = saved_run(dir.path());
    let edited = text.replacen("  created_by:", "  approved_by: \"Mallory\",\n  created_by:", 1);
    std::fs::write(&path, &edited).unwrap();
    let err = store::load_run(&path).unwrap_err().to_string();
    let line = edited[..edited.find("approved_by").unwrap()].matches('\n').count() + 1;
    assert!(err.starts_with(&format!("{}:{line}:", path.display())), "{err}");
    assert!(err.contains("approved_by"), "{err}");
}
