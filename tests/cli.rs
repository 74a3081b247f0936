//! The real `preflight` binary on temporary folders: summaries, runs, Markdown, and every kind
//! of bad input (located error, exit code 2, input file unchanged).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use preflight::import::{ImportOptions, import_markdown};
use preflight::model::{ItemState, Timestamp};
use preflight::store;

const SEEDS: [&str; 5] = ["ai-avatar-website", "microservices-platform", "persona-chat-service", "prismai-platform", "realtime-collab-app"];

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Runs the binary with the library rooted in the sandbox.
    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_preflight"));
        command.args(args).env("PREFLIGHT_HOME", self.path("home")).env_remove("PREFLIGHT_USER").current_dir(env!("CARGO_MANIFEST_DIR"));
        command
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(format!("{name}.md"))
}

fn checklist(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists").join(format!("{name}.checklist.ron"))
}

/// Asserts exit code 2, an error that starts with the file and a line:column, and that the
/// input file is byte-for-byte unchanged.
/// Starts a run of `template` into `run_path` with the two fields an import adds filled in, and
/// checks that it started.
fn start_run(sandbox: &Sandbox, template: &Path, run_path: &Path) -> Output {
    let started = sandbox.run(&[
        "run",
        template.to_str().unwrap(),
        "-o",
        run_path.to_str().unwrap(),
        "--set",
        "release-version=1",
        "--set",
        "environment=prod",
    ]);
    assert!(started.status.success(), "{}", stderr(&started));
    started
}

fn assert_located_refusal(output: &Output, file: &Path, before: &[u8], position: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stdout: {}\nstderr: {err}", stdout(output));
    let expected = format!("error: {}:{position}", file.display());
    assert!(err.starts_with(&expected), "expected `{expected}…`, got: {err}");
    assert_eq!(std::fs::read(file).unwrap(), before, "the input file was changed");
}

#[test]
fn import_summary_matches_the_design_table() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&["import", "--dry-run", seed("microservices-platform").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    for line in ["  checks    157\n", "  roles     14\n", "  steps     11\n", "  warnings  0\n", "added: Release version, Environment"] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    assert!(!sandbox.path("home").exists(), "a dry run wrote something");
}

#[test]
fn import_writes_into_the_library_and_refuses_to_overwrite() {
    let sandbox = Sandbox::new();
    let source = seed("persona-chat-service");
    let output = sandbox.run(&["import", source.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let written = sandbox.path("home/templates/persona-chat-service.checklist.ron");
    assert!(stdout(&output).contains(&format!("wrote {}", written.display())));
    let before = std::fs::read(&written).unwrap();
    let again = sandbox.run(&["import", source.to_str().unwrap(), "--title", "Other"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("refusing to overwrite"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&written).unwrap(), before);
    let forced = sandbox.run(&["import", source.to_str().unwrap(), "--title", "Other", "--force"]);
    assert!(forced.status.success());
    assert_eq!(store::load_template(&written).unwrap().title, "Other");
}

#[test]
fn bundled_checklists_equal_a_fresh_import_of_their_seed() {
    for name in SEEDS {
        let bundled = store::load_template(&checklist(name)).unwrap();
        let text = std::fs::read_to_string(seed(name)).unwrap();
        let fresh = import_markdown(&text, &ImportOptions { id: name.into(), title: Some(bundled.title.clone()) });
        assert_eq!(fresh.template, bundled, "{name}: run scripts/update-checklists.sh and review the diff");
        assert!(!bundled.title.contains(['ð', 'â', 'Ÿ']), "{name}: {}", bundled.title);
    }
}

#[test]
fn lint_passes_on_the_bundled_checklists() {
    let sandbox = Sandbox::new();
    let files: Vec<String> = SEEDS.iter().map(|name| checklist(name).display().to_string()).collect();
    let args: Vec<&str> = std::iter::once("lint").chain(files.iter().map(String::as_str)).collect();
    let output = sandbox.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().filter(|l| l.starts_with("ok ")).count(), 5);
}

#[test]
fn a_started_run_reloads_and_hashes_identically() {
    let sandbox = Sandbox::new();
    let run_path = sandbox.path("go-live.run.ron");
    let output = sandbox.run(&[
        "run",
        checklist("microservices-platform").to_str().unwrap(),
        "-o",
        run_path.to_str().unwrap(),
        "--set",
        "release-version=2.4.0",
        "--set",
        "Environment=production",
        "--set",
        "deployment-duration=12",
        "--actor",
        "Alice Example",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("Release version: 2.4.0"), "{}", stdout(&output));

    let mut run = store::load_run(&run_path).unwrap();
    assert_eq!(run.created_by, "Alice Example");
    assert_eq!(run.template, store::load_template(&checklist("microservices-platform")).unwrap());
    assert_eq!(run.template_sha256, run.template.sha256());
    assert_eq!(run.items.len(), 157 + 11);
    assert_eq!(run.integrity_problems(), []);

    // Work on it, save, reload: the content hash and the bytes survive the round trip.
    let at = Timestamp::parse("2026-11-23T10:00:00.123+01:00").unwrap();
    let first = run.template.all_items().iter().find(|(_, i)| i.is_actionable()).unwrap().1.id.clone();
    run.set_state(&first, ItemState::NotApplicable { reason: "staging is production".into() }, "Bob", at).unwrap();
    store::save_run(&run_path, &run).unwrap();
    let reloaded = store::load_run(&run_path).unwrap();
    assert_eq!(reloaded, run);
    assert_eq!(reloaded.content_sha256(), run.content_sha256());
    assert_eq!(reloaded.verify_chain(), Ok(()));
    let bytes = std::fs::read(&run_path).unwrap();
    store::save_run(&run_path, &reloaded).unwrap();
    assert_eq!(std::fs::read(&run_path).unwrap(), bytes);

    let lint = sandbox.run(&["lint", run_path.to_str().unwrap()]);
    assert!(lint.status.success(), "{}", stderr(&lint));
    assert!(stdout(&lint).contains("1 of 168 items settled, 2 events"), "{}", stdout(&lint));
}

#[test]
fn run_refuses_missing_required_fields_by_name() {
    let sandbox = Sandbox::new();
    let run_path = sandbox.path("r.run.ron");
    let output = sandbox.run(&["run", "realtime-collab-app", "-o", run_path.to_str().unwrap(), "--set", "environment=prod"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("missing required field(s): Release version"), "{err}");
    assert!(err.contains("--set release-version=…"), "{err}");
    assert!(!run_path.exists());
}

#[test]
fn run_by_bundled_name_goes_to_the_library() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&["run", "prismai-platform", "--set", "version=1.0", "--set", "environment=prod", "--actor", "ci"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let runs: Vec<_> = std::fs::read_dir(sandbox.path("home/runs")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].to_string_lossy().ends_with(".run.ron"));
    let run = store::load_run(&runs[0]).unwrap();
    assert_eq!(run.roles()[0].title, "Release approver");
}

#[test]
fn run_names_unknown_fields_and_bad_values() {
    let sandbox = Sandbox::new();
    let unknown = sandbox.run(&["run", "prismai-platform", "--set", "colour=blue"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("has no such field; its fields are: deployment-date, deployed-by, version, environment, special-notes"),
        "{}",
        stderr(&unknown)
    );
    let bad_date = sandbox.run(&["run", "prismai-platform", "--set", "version=1", "--set", "environment=prod", "--set", "deployment-date=next week"]);
    assert_eq!(bad_date.status.code(), Some(2));
    assert!(stderr(&bad_date).contains("`next week` is not a date written YYYY-MM-DD"), "{}", stderr(&bad_date));
    let missing = sandbox.run(&["run", "no-such-checklist"]);
    assert!(stderr(&missing).contains("bundled: ai-avatar-website"), "{}", stderr(&missing));
}

/// A checklist with many fields (a big one, or many checklists pasted into one): an unknown
/// `--set` and a started run name the first twenty and count the rest, rather than filling the
/// terminal.
#[test]
fn a_checklist_of_many_fields_lists_only_the_first_twenty() {
    let sandbox = Sandbox::new();
    let fields: String = (1..=30).map(|n| format!("Field {n}: __________\n\n")).collect();
    let markdown = sandbox.write("many.md", format!("# Many fields\n\n{fields}\n## Go\n\n- [ ] Deploy\n"));
    let template = sandbox.path("many.checklist.ron");
    let import = sandbox.run(&["import", markdown.to_str().unwrap(), "-o", template.to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    let unknown = sandbox.run(&["run", template.to_str().unwrap(), "--set", "colour=blue"]);
    assert_eq!(unknown.status.code(), Some(2));
    let err = stderr(&unknown);
    assert!(err.contains("its fields are: release-version, environment, field-1, field-2,"), "{err}");
    assert!(err.contains("field-18 and 12 more"), "{err}");
    assert!(!err.contains("field-19"), "{err}");
    let values: String = (1..=30).map(|n| format!("key-{n}: value {n}\n")).collect();
    let markdown = sandbox.write("filled.md", format!("---\n{values}---\n# Filled\n\n- [ ] Deploy\n"));
    let template = sandbox.path("filled.checklist.ron");
    assert!(sandbox.run(&["import", markdown.to_str().unwrap(), "-o", template.to_str().unwrap()]).status.success());
    let run_path = sandbox.path("filled.run.ron");
    let started = start_run(&sandbox, &template, &run_path);
    let out = stdout(&started);
    assert!(out.contains("  Environment: prod\n  key-1: value 1\n"), "{out}");
    assert!(out.contains("  key-18: value 18\n  and 12 more fields filled\n"), "{out}");
    assert!(!out.contains("key-19"), "{out}");
}

#[test]
fn markdown_of_a_template_and_of_a_run() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&["markdown", checklist("persona-chat-service").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let markdown = stdout(&output);
    assert!(
        markdown.starts_with("# Persona Chat Service — Production Deployment <!-- preflight: id=persona-chat-service version=1.0.0 -->\n"),
        "{markdown}"
    );
    assert!(markdown.contains("\n- [ ] All unit tests passing\n"), "{markdown}");
    let reimported = import_markdown(&markdown, &ImportOptions { id: "x".into(), title: None });
    assert_eq!(reimported.template, store::load_template(&checklist("persona-chat-service")).unwrap());

    let run_path = sandbox.path("r.run.ron");
    let started =
        sandbox.run(&["run", "persona-chat-service", "-o", run_path.to_str().unwrap(), "--set", "release-version=3.1", "--set", "environment=prod"]);
    assert!(started.status.success(), "{}", stderr(&started));
    let mut run = store::load_run(&run_path).unwrap();
    let at = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
    run.set_state("all-unit-tests-passing", ItemState::Done, "Bob", at).unwrap();
    run.set_state("integration-tests-passing", ItemState::Failed, "Bob", at).unwrap();
    store::save_run(&run_path, &run).unwrap();
    let out_path = sandbox.path("report.md");
    let report = sandbox.run(&["markdown", run_path.to_str().unwrap(), "-o", out_path.to_str().unwrap()]);
    assert!(report.status.success(), "{}", stderr(&report));
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(text.contains("- [x] All unit tests passing — done (Bob, 2026-11-23T10:00:00.000+00:00)"), "{text}");
    assert!(text.contains("- [ ] Integration tests passing — **FAILED** (Bob,"), "{text}");
    assert!(text.contains("**NO-GO**: 1 done, 1 failed"), "{text}");
    assert!(text.contains("**Release version:** 3.1"), "{text}");
}

// Bad input: each a located error, exit 2, input unchanged.

#[test]
fn an_empty_file_is_refused() {
    let sandbox = Sandbox::new();
    for name in ["empty.checklist.ron", "empty.md"] {
        let file = sandbox.write(name, "  \n");
        let command = if name.ends_with(".md") { "import" } else { "lint" };
        let output = sandbox.run(&[command, file.to_str().unwrap()]);
        assert_located_refusal(&output, &file, b"  \n", "1:1: the file is empty");
    }
}

#[test]
fn a_binary_file_is_refused() {
    let sandbox = Sandbox::new();
    let bytes = b"Template(\n  id: \"x\xff\xfe\x00\x01\"\n";
    for name in ["binary.checklist.ron", "binary.md"] {
        let file = sandbox.write(name, bytes);
        let command = if name.ends_with(".md") { "import" } else { "lint" };
        let output = sandbox.run(&[command, file.to_str().unwrap()]);
        assert_located_refusal(&output, &file, bytes, "2:9: not a text file");
    }
}

#[test]
fn truncated_ron_is_refused_with_its_position() {
    let sandbox = Sandbox::new();
    let text = std::fs::read_to_string(checklist("prismai-platform")).unwrap();
    let truncated = &text[..text.len() / 2];
    let file = sandbox.write("cut.checklist.ron", truncated);
    let output = sandbox.run(&["lint", file.to_str().unwrap()]);
    // The error points at where the text runs out.
    let (lines, _) = store::line_col(truncated, truncated.trim_end().len());
    assert_located_refusal(&output, &file, truncated.as_bytes(), &format!("{lines}:"));
    // The same file is refused by every command that reads it.
    let markdown = sandbox.run(&["markdown", file.to_str().unwrap()]);
    assert_located_refusal(&markdown, &file, truncated.as_bytes(), &format!("{lines}:"));
    let run = sandbox.run(&["run", file.to_str().unwrap(), "--set", "version=1"]);
    assert_located_refusal(&run, &file, truncated.as_bytes(), &format!("{lines}:"));
}

#[test]
fn wrong_types_are_refused_with_their_position() {
    let sandbox = Sandbox::new();
    let text = std::fs::read_to_string(checklist("persona-chat-service")).unwrap();
    let at = text.find("required: true").unwrap();
    let wrong = format!("{}required: \"yes\"{}", &text[..at], &text[at + "required: true".len()..]);
    let (line, col) = store::line_col(&wrong, at + "required: ".len());
    let file = sandbox.write("wrong.checklist.ron", &wrong);
    let output = sandbox.run(&["lint", file.to_str().unwrap()]);
    assert_located_refusal(&output, &file, wrong.as_bytes(), &format!("{line}:{col}: Expected boolean"));
}

#[test]
fn a_newer_format_version_is_refused_and_left_alone() {
    let sandbox = Sandbox::new();
    let text = std::fs::read_to_string(checklist("persona-chat-service")).unwrap().replacen("format_version: 1", "format_version: 99", 1);
    let file = sandbox.write("newer.checklist.ron", &text);
    let output = sandbox.run(&["lint", file.to_str().unwrap()]);
    assert_located_refusal(&output, &file, text.as_bytes(), "2:3: format_version 99 is newer than this Preflight understands (up to 1)");
    // Importing over it is refused too: the newer file is never overwritten.
    let import = sandbox.run(&["import", seed("persona-chat-service").to_str().unwrap(), "-o", file.to_str().unwrap()]);
    assert_eq!(import.status.code(), Some(2));
    assert_eq!(std::fs::read(&file).unwrap(), text.as_bytes());
}

#[test]
fn an_unknown_item_state_is_refused_with_its_position() {
    let sandbox = Sandbox::new();
    let run_path = sandbox.path("r.run.ron");
    let started = sandbox.run(&["run", "prismai-platform", "-o", run_path.to_str().unwrap(), "--set", "version=1", "--set", "environment=prod"]);
    assert!(started.status.success(), "{}", stderr(&started));
    let text = std::fs::read_to_string(&run_path).unwrap();
    let at = text.find("state: Pending").unwrap();
    let bad = text.replacen("state: Pending", "state: Frozen", 1);
    std::fs::write(&run_path, &bad).unwrap();
    let (line, col) = store::line_col(&bad, at + "state: ".len());
    let output = sandbox.run(&["lint", run_path.to_str().unwrap()]);
    assert_located_refusal(&output, &run_path, bad.as_bytes(), &format!("{line}:{col}: Unexpected variant named `Frozen`"));
}

#[test]
fn markdown_without_tasks_imports_as_information_with_a_warning() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("notes.md", "# Release notes\n\nWe shipped things.\n\n- faster\n- smaller\n");
    let output = sandbox.run(&["import", file.to_str().unwrap(), "-o", sandbox.path("notes.checklist.ron").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("  checks    0\n") && out.contains("  info      2\n"), "{out}");
    assert!(out.contains("notes.md:1: no task items (`- [ ]`); everything was imported as information"), "{out}");
}

#[test]
fn crlf_markdown_imports_like_lf() {
    let sandbox = Sandbox::new();
    let text = std::fs::read_to_string(seed("realtime-collab-app")).unwrap().replace('\n', "\r\n");
    let file = sandbox.write("crlf.md", &text);
    let output = sandbox.run(&["import", "--dry-run", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("  checks    146\n  steps     0\n"), "{}", stdout(&output));
    assert!(stdout(&output).contains("  roles     4\n"));
}

#[test]
fn a_ten_megabyte_markdown_file_imports() {
    let sandbox = Sandbox::new();
    let mut text = String::from("# Big\n\n");
    let mut section = 0;
    while text.len() < 10 * 1024 * 1024 {
        section += 1;
        text.push_str(&format!("## Section {section}\n\n"));
        for item in 0..50 {
            // Repeated text on purpose: ids must de-duplicate without quadratic cost.
            text.push_str(&format!("- [ ] Verify the service health endpoint answers {} ms\n", item % 5));
        }
        text.push('\n');
    }
    let file = sandbox.write("big.md", &text);
    let output = sandbox.run(&["import", file.to_str().unwrap(), "-o", sandbox.path("big.checklist.ron").to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(&format!("  checks    {}\n", section * 50)), "{}", stdout(&output));
    let lint = sandbox.run(&["lint", sandbox.path("big.checklist.ron").to_str().unwrap()]);
    assert!(lint.status.success(), "{}", stderr(&lint));
}

#[test]
fn an_unreadable_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    let file = sandbox.write("secret.md", "# T\n\n- [ ] a\n");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    let is_root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    let output = if !is_root {
        sandbox.run(&["import", "--dry-run", file.to_str().unwrap()])
    } else if Path::new("/usr/bin/setpriv").exists() {
        // Root reads anything; drop to `nobody` so that the permission check applies.
        std::fs::set_permissions(sandbox.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut command = Command::new("/usr/bin/setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_preflight"), "import", "--dry-run"]);
        command.arg(&file).env("PREFLIGHT_HOME", sandbox.path("home"));
        command.output().unwrap()
    } else {
        println!("skipped: running as root without setpriv, so a permission error cannot be produced");
        return;
    };
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.starts_with(&format!("error: {}: cannot read it: Permission denied", file.display())), "{err}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), b"# T\n\n- [ ] a\n");
}

#[test]
fn an_output_folder_that_does_not_exist_is_refused() {
    let sandbox = Sandbox::new();
    let source = seed("persona-chat-service");
    let before = std::fs::read(&source).unwrap();
    let out = sandbox.path("missing/folder/out.checklist.ron");
    let output = sandbox.run(&["import", source.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{}: cannot write it: the folder {} does not exist", out.display(), sandbox.path("missing/folder").display())),
        "{err}"
    );
    assert_eq!(std::fs::read(&source).unwrap(), before);
    assert!(!sandbox.path("missing").exists());
}

#[test]
fn usage_errors_exit_2() {
    let sandbox = Sandbox::new();
    assert_eq!(sandbox.run(&["lint"]).status.code(), Some(2));
    assert_eq!(sandbox.run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(sandbox.run(&["run", "prismai-platform", "--set", "no-equals-sign"]).status.code(), Some(2));
}

#[test]
fn lint_reports_tampering_and_duplicate_ids_as_failed_checks() {
    let sandbox = Sandbox::new();
    let run_path = sandbox.path("r.run.ron");
    let started = sandbox.run(&[
        "run",
        "prismai-platform",
        "-o",
        run_path.to_str().unwrap(),
        "--set",
        "version=1",
        "--set",
        "environment=prod",
        "--actor",
        "alice",
    ]);
    assert!(started.status.success());
    let text = std::fs::read_to_string(&run_path).unwrap().replacen("actor: \"alice\"", "actor: \"mallory\"", 1);
    std::fs::write(&run_path, &text).unwrap();
    let output = sandbox.run(&["lint", run_path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("the event log is broken at event 1"), "{}", stderr(&output));

    let template = std::fs::read_to_string(checklist("persona-chat-service")).unwrap();
    let dup = template.replacen("id: \"integration-tests-passing\"", "id: \"all-unit-tests-passing\"", 1);
    let file = sandbox.write("dup.checklist.ron", &dup);
    let output = sandbox.run(&["lint", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let (line, col) = store::locate(&dup, "\"all-unit-tests-passing\"", 1).unwrap();
    assert!(
        stderr(&output).contains(&format!("dup.checklist.ron:{line}:{col}: item id `all-unit-tests-passing` is used more than once")),
        "{}",
        stderr(&output)
    );
}

#[test]
fn probe_refuses_bad_conditions_and_unset_secrets_before_probing() {
    use preflight::model::{ProbeKind, ProbeSpec};
    let sandbox = Sandbox::new();
    let mut template = store::load_template(&checklist("persona-chat-service")).unwrap();
    let items = &mut template.sections[0].sections[0].items;
    // Port 9 on loopback: nothing is sent, because nothing runs.
    items[0].probe = Some(ProbeSpec { expect: vec!["status = 200".into()], ..ProbeSpec::new(ProbeKind::Http, "http://127.0.0.1:9/") }.into());
    let mut secret = ProbeSpec::new(ProbeKind::Http, "http://127.0.0.1:9/");
    secret.headers.insert("Authorization".into(), "Bearer ${env:PREFLIGHT_TEST_UNSET_TOKEN}".into());
    items[1].probe = Some(secret.into());
    let (first, second) = (items[0].id.clone(), items[1].id.clone());
    let template_path = sandbox.path("probed.checklist.ron");
    store::save_template(&template_path, &template).unwrap();
    let run_path = sandbox.path("probed.run.ron");
    start_run(&sandbox, &template_path, &run_path);
    let before = std::fs::read(&run_path).unwrap();

    let output = sandbox.command(&["probe", run_path.to_str().unwrap()]).env_remove("PREFLIGHT_TEST_UNSET_TOKEN").output().unwrap();
    let error = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "bad input: {error}");
    assert!(error.contains(&format!("item `{first}`: expect condition 1 `status = 200`")) && error.contains("column"), "{error}");
    assert!(error.contains(&format!("item `{second}`: header Authorization:")) && error.contains("PREFLIGHT_TEST_UNSET_TOKEN"), "{error}");
    assert_eq!(std::fs::read(&run_path).unwrap(), before, "nothing is recorded");
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&["--version"]);
    assert!(output.status.success());
    let version = stdout(&output);
    let expected = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).current_dir(env!("CARGO_MANIFEST_DIR")).output();
    match expected.ok().filter(|o| o.status.success()) {
        Some(git) => {
            let commit = String::from_utf8_lossy(&git.stdout).trim().to_string();
            assert_eq!(version.trim(), format!("preflight {} ({commit})", env!("CARGO_PKG_VERSION")));
        }
        None => {
            println!("skipped the commit comparison: this is not a git checkout or git is missing");
            assert_eq!(version.trim(), format!("preflight {} (unknown commit)", env!("CARGO_PKG_VERSION")));
        }
    }
    // `preflight open` without a file opens the library (the desktop entry's `open %f` from
    // the menu); with one that does not exist it says so before any window.
    let missing = sandbox.run(&["open", "no-such.run.ron"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no-such.run.ron: no such file"), "{}", stderr(&missing));
}
