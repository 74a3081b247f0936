//! Checklists written the ways teams write them (tests/data/styles, written for these tests):
//! tasks in block quotes and callouts, in `<details>`, in a table's status column, as Logseq
//! keywords and as mistyped boxes; YAML front matter; a half-done checklist from git. Per file:
//! the exact counts, the ticked items, the warnings by line, and the round trip through
//! Markdown back to an equal template.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::path::Path;

use preflight::import::{ImportOptions, Imported, import_markdown, template_to_markdown};
use preflight::model::{Item, ItemKind, Template};

fn import(name: &str) -> Imported {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/styles").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    import_markdown(&text, &ImportOptions { id: preflight::import::id_from_file_name(&path), title: None })
}

fn all_items(template: &Template) -> Vec<&Item> {
    template.all_items().into_iter().map(|(_, item)| item).collect()
}

fn checks(template: &Template) -> Vec<(&str, bool)> {
    all_items(template).into_iter().filter(|item| item.kind == ItemKind::Check).map(|item| (item.text.as_str(), item.ticked)).collect()
}

fn warnings(imported: &Imported) -> Vec<(usize, &str)> {
    imported.warnings.iter().map(|w| (w.line, w.message.as_str())).collect()
}

/// (checks, roles, fields) as the import summary counts them, the template's own fields only
/// (the importer adds Release version and Environment to each).
fn counts(imported: &Imported) -> (usize, usize, usize) {
    let counts = imported.counts();
    (counts.checks, counts.roles, counts.fields - imported.added_fields.len())
}

fn round_trips(imported: &Imported) {
    let markdown = template_to_markdown(&imported.template);
    let again = import_markdown(&markdown, &ImportOptions { id: imported.template.id.clone(), title: None });
    assert_eq!(again.template, imported.template, "the round trip differs; the Markdown was:\n{markdown}");
    assert_eq!(template_to_markdown(&again.template), markdown, "export is not stable");
}

#[test]
fn tasks_in_block_quotes_and_callouts_are_checks() {
    let imported = import("quotes-and-callouts.md");
    assert_eq!(counts(&imported), (8, 1, 0));
    assert_eq!(
        checks(&imported.template),
        [
            ("Announce the change freeze in #releases", false),
            ("Pause the nightly data export", true),
            ("Confirm the rollback image is pushed", false),
            ("Tag it `rollback-2026-12`", false),
            ("Nested quote: page the database owner", false),
            ("Keep `/v1/charge` routed for seven days", false),
            ("Charge a test card", false),
            ("Refund it", true),
        ]
    );
    let infos: Vec<&str> = all_items(&imported.template).into_iter().filter(|i| i.kind == ItemKind::Info).map(|i| i.text.as_str()).collect();
    assert_eq!(infos, ["**Warning: Freeze first**", "**Note**", "GitHub-style note: the old endpoint stays up for a week.", "**Todo: Smoke tests**"]);
    round_trips(&imported);
}

#[test]
fn details_blocks_are_read_and_comments_are_not_printed() {
    let imported = import("details-blocks.md");
    assert_eq!(counts(&imported), (5, 1, 0));
    let texts: Vec<&str> = checks(&imported.template).into_iter().map(|(text, _)| text).collect();
    assert_eq!(
        texts,
        [
            "Snapshot every index",
            "Upgrade the master nodes first",
            "Restore the snapshot taken above",
            "Point the alias back at the old cluster",
            "Shard allocation stalls above 85 % disk"
        ]
    );
    let all: String = all_items(&imported.template).iter().map(|item| item.text.as_str()).collect();
    assert!(!all.contains("<details") && !all.contains("<!--") && !all.contains("commented out"), "{all}");
    assert!(all.contains("**Rollback plan**") && all.contains("**Known issues**"), "{all}");
    round_trips(&imported);
}

#[test]
fn a_checklist_kept_as_a_table_imports_its_rows_as_checks() {
    let imported = import("table-checklist.md");
    assert_eq!(counts(&imported), (8, 1, 0));
    assert_eq!(
        checks(&imported.template),
        [
            ("Crash-free rate above 99.5 % (Owner: Priya)", true),
            ("Store screenshots updated (Owner: Tom)", false),
            ("Release notes translated (Owner: Ana)", false),
            ("Feature flags off by default", true),
            ("Beta testers notified", true),
            ("Phased rollout set to 10 %", false),
            ("Support team briefed", true),
            ("Status page prepared", false),
        ]
    );
    assert_eq!(warnings(&imported)[0], (17, "table kept as text: it has no status column, no blank cells to fill in, and is not a sign-off table"));
    round_trips(&imported);
}

#[test]
fn logseq_keywords_and_mistyped_boxes_are_tasks_with_a_warning_for_the_box() {
    let imported = import("logseq-tasks.md");
    assert_eq!(counts(&imported), (6, 1, 0));
    assert_eq!(
        checks(&imported.template),
        [
            ("Generate the new signing keys", true),
            ("Publish the new public keys", false),
            ("Roll the API gateways", false),
            ("Remove the old keys", false),
            ("Confirm no client still uses the old keys", false),
            ("Update the runbook", true),
        ]
    );
    let lines: Vec<(usize, &str)> = warnings(&imported).into_iter().filter(|(_, m)| m.contains("task box")).collect();
    assert_eq!(
        lines,
        [
            (7, "`[]` read as a task box `[ ]`; write it so for every Markdown reader"),
            (8, "`[ x ]` read as a task box `[x]`; write it so for every Markdown reader")
        ]
    );
    round_trips(&imported);
}

#[test]
fn front_matter_gives_the_title_description_and_fields() {
    let imported = import("front-matter.md");
    let template = &imported.template;
    assert_eq!(template.title, "Release checklist");
    assert_eq!(template.description, "Use this for every production release");
    assert_eq!(template.sections.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(), ["Preparation", "Deploy"]);
    let fields: Vec<(&str, Option<String>)> = template
        .fields
        .iter()
        .filter(|f| !imported.added_fields.contains(&f.label))
        .map(|f| (f.label.as_str(), f.default.as_ref().map(ToString::to_string)))
        .collect();
    assert_eq!(
        fields,
        [
            ("title", Some("[Release]".to_string())),
            ("labels", Some("release, production".to_string())),
            ("assignees", Some("riley, sam".to_string())),
            ("change ticket", None),
        ]
    );
    assert_eq!(counts(&imported), (3, 0, 4));
    round_trips(&imported);
}

#[test]
fn a_half_done_checklist_keeps_its_ticks_and_starts_in_progress() {
    let imported = import("half-done.md");
    assert_eq!(counts(&imported), (6, 1, 0));
    assert_eq!(imported.ticked, 4);
    let ticked: Vec<&str> = checks(&imported.template).into_iter().filter(|(_, ticked)| *ticked).map(|(text, _)| text).collect();
    assert_eq!(
        ticked,
        ["Export the legacy schemas", "Create the new warehouse project", "Grant the analysts read access", "Tell finance about the cut-over date"]
    );
    round_trips(&imported);

    // `preflight run FILE.md --in-progress`: ticked items start done, said to come from the file.
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/styles/half-done.md");
    let out = dir.path().join("r.run.ron");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args([
            "run",
            source.to_str().unwrap(),
            "--in-progress",
            "-o",
            out.to_str().unwrap(),
            "--set",
            "release-version=1",
            "--set",
            "environment=prod",
        ])
        .env("PREFLIGHT_USER", "riley")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("4 item(s) ticked in half-done.md start done"), "{stdout}");
    let run = preflight::store::load_run(&out).unwrap();
    assert_eq!(run.counts().done, 4);
    let by: Vec<&str> = run.events.iter().skip(1).map(|e| e.actor.as_str()).collect();
    assert_eq!(by, ["imported from half-done.md"; 4]);
    assert_eq!(run.integrity_problems(), []);
}
