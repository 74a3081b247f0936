//! What the two fuzzers share: the targets (everything Preflight reads from a file or a
//! person), the inputs each starts from, and what one input is run through. `examples/fuzz.rs`
//! mutates the inputs itself; `examples/fuzz_coverage.rs` hands them to libFuzzer.

use std::collections::BTreeMap;
use std::path::Path;

use preflight::import::{ImportOptions, import_markdown, import_markdown_in_pieces, template_to_markdown};
use preflight::model::{FieldValue, ItemState, Observed, Run, Timestamp, Value};
use preflight::store::{self, Library};

pub const TARGETS: [&str; 6] = ["import", "template", "run", "condition", "roundtrip", "verify"];

/// The inputs each target starts from.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let markdown: Vec<Vec<u8>> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| std::fs::read(path).unwrap())
        .collect();
    let templates: Vec<Vec<u8>> = store::BUNDLED.iter().map(|(_, text)| text.as_bytes().to_vec()).collect();
    match target {
        "import" | "roundtrip" => markdown,
        "template" => templates,
        "run" => vec![store::run_ron(Path::new("fuzz.run.ron"), &sample_run()).unwrap().into_bytes()],
        "condition" => [
            "status == 200",
            "status in [200, 301, 2xx]",
            "response_time < 250ms",
            "p95 <= 0.5s",
            "cert.expires_in > 14d",
            "header(content-type) contains json",
            r#"body matches "ok|ready""#,
            r#"json(status) == "ok""#,
            "tls.verified == true",
            "dns.answers contains 10.0.0.1",
            "error_rate < 1%",
            "header(x-id) exists",
        ]
        .iter()
        .map(|c| c.as_bytes().to_vec())
        .collect(),
        "verify" => vec![sample_pdf()],
        other => panic!("unknown target `{other}`; one of {}", TARGETS.join(", ")),
    }
}

fn sample_run() -> Run {
    let template = Library::bundled_template("persona-chat-service.checklist.ron").unwrap().unwrap();
    let at = Timestamp::parse("2026-12-02T10:00:00Z").unwrap();
    let values: BTreeMap<String, FieldValue> =
        template.fields.iter().filter(|f| f.required).map(|f| (f.id.clone(), FieldValue::Text("1.0".into()))).collect();
    let mut run = Run::start(template, "fuzz".into(), "Rita", at, values).unwrap();
    let items: Vec<String> = run.items.keys().take(6).cloned().collect();
    for (n, item) in items.iter().enumerate() {
        let state = if n % 3 == 2 { ItemState::NotApplicable { reason: "not in this release".into() } } else { ItemState::Done };
        run.set_state(item, state, "Rita", at.plus_minutes(n as u32)).unwrap();
    }
    run.set_note(&items[0], "checked on the canary", "Rita", at.plus_minutes(9)).unwrap();
    run
}

fn sample_pdf() -> Vec<u8> {
    let run = sample_run();
    let report = preflight::signoff::verify(&run);
    let run_file = store::run_ron(Path::new("fuzz.run.ron"), &run).unwrap().into_bytes();
    let record = preflight::pdf::Record { run: &run, report: &report, run_file: &run_file };
    let options = preflight::pdf::PdfOptions::new(preflight::pdf::Paper::A4, Timestamp::parse("2026-12-02T11:00:00Z").unwrap());
    preflight::pdf::render(&record, &store::SystemFonts, &options).unwrap().bytes
}

/// Runs one input through a target. A panic here is a failure; errors are the expected answer
/// to bad input and pass.
pub fn exercise(target: &str, input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    match target {
        "import" => {
            let options = ImportOptions { id: "fuzz".into(), title: None };
            let imported = import_markdown(&text, &options);
            // Big text is parsed in pieces; in pieces of a byte (a piece at every heading that may
            // start one) it must import as it does whole.
            let pieces = import_markdown_in_pieces(&text, &options, 1);
            assert_eq!(pieces.template, imported.template, "in pieces, the template differs");
            assert_eq!(pieces.warnings, imported.warnings, "in pieces, the warnings differ");
            // What the importer made must save and load back: `import` would refuse to write it.
            if let Err(err) = store::template_ron(Path::new("fuzz.checklist.ron"), &imported.template) {
                panic!("the imported template does not save: {err:#}");
            }
            let _ = imported.counts();
        }
        "template" => {
            if let Ok(template) = store::parse_template(Path::new("fuzz.checklist.ron"), &text) {
                let _ = template_to_markdown(&template);
                let _ = store::template_ron(Path::new("fuzz.checklist.ron"), &template).expect("a template that loads saves");
            }
        }
        "run" => {
            if let Ok(run) = store::parse_run(Path::new("fuzz.run.ron"), &text) {
                let _ = run.verdict();
                let _ = run.integrity_problems();
                let _ = preflight::signoff::verify(&run);
                let _ = preflight::import::run_to_markdown(&run);
            }
        }
        "condition" => {
            if let Ok(condition) = preflight::probe::condition::parse(&text) {
                let mut observed = Observed::default();
                observed.values.insert("status".into(), Value::Number(200.0));
                observed.values.insert("response_time".into(), Value::Duration(120.0));
                observed.body = Some(r#"{"status": "ok", "n": [1, 2]}"#.into());
                observed.headers.insert("content-type".into(), "application/json".into());
                let _ = condition.evaluate(&observed, false).resolved();
            }
        }
        "roundtrip" => {
            let options = ImportOptions { id: "fuzz".into(), title: None };
            let once = import_markdown(&text, &options).template;
            let markdown = template_to_markdown(&once);
            // The export of an import imports as the same template: any difference is a failure,
            // with where it is. PREFLIGHT_FUZZ_ROUNDTRIP_CRASHES_ONLY=1 looks for crashes only:
            // coverage-guided fuzzing still finds differences within minutes (docs/ARCHITECTURE.md).
            let twice = import_markdown(&markdown, &options).template;
            if once != twice && std::env::var_os("PREFLIGHT_FUZZ_ROUNDTRIP_CRASHES_ONLY").is_none() {
                let ron = |t: &preflight::model::Template| {
                    store::template_ron(Path::new("fuzz.checklist.ron"), t).unwrap_or_else(|err| format!("{err:#}\n{t:#?}"))
                };
                let (a, b) = (ron(&once), ron(&twice));
                let first = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
                let context = |text: &str| text.lines().skip(first.saturating_sub(3)).take(8).collect::<Vec<_>>().join("\n");
                panic!("import → export → import changed the template at line {}:\n--- once\n{}\n--- twice\n{}", first + 1, context(&a), context(&b));
            }
        }
        "verify" => {
            let _ = preflight::pdf::CheckedRecord::check(input);
        }
        other => panic!("unknown target `{other}`"),
    }
}
