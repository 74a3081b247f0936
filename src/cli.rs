//! The headless subcommands: import, lint, run, probe, markdown, merge, sync, keygen, verify,
//! export and countersign.
//!
//! Exit codes: 0 ok, 1 a check failed, 2 bad input or usage. Errors name the file and, where
//! there is one, the line and column.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Parser, Subcommand};

use crate::import::{ImportOptions, import_markdown, run_to_markdown, template_to_markdown};
use crate::model::{FieldKind, FieldValue, Run, Template, Timestamp};
use crate::store::{self, Document, Library, StoreError};

mod ci_report;
mod merge;
mod pdf_sign;
mod probe;
mod signoff;

/// What `preflight --version` prints after the name: the version and the commit it was built
/// from (`build.rs`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("PREFLIGHT_COMMIT"), ")");

#[derive(Debug, Parser)]
#[command(name = "preflight", version = VERSION, about = "Production go-live checklists: run them, probe them, sign them off.")]
pub struct Cli {
    /// Without a subcommand, the app window opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the app on a template, a run or a Markdown checklist (on the library without one,
    /// as the desktop entry's `preflight open %f` does when started from the menu).
    Open { file: Option<PathBuf> },
    /// Turn a Markdown checklist into a template and print what was found.
    Import {
        /// The Markdown file.
        file: PathBuf,
        /// Where to write the template; by default, into your library's templates folder.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// A title to use instead of the document's first heading.
        #[arg(long)]
        title: Option<String>,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
        /// Print the summary without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check templates and runs; report problems as FILE:LINE:COL.
    Lint {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Start a run of a template (a file, a Markdown checklist imported on the way, or the name
    /// of a bundled checklist).
    Run {
        template: String,
        /// Take the run up where the file left off: items ticked in the Markdown start done,
        /// recorded as done by "imported from FILE".
        #[arg(long)]
        in_progress: bool,
        /// Where to write the run; by default, into your library's runs folder.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Fill in a field by id or label: --set release-version=2.4.0
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        values: Vec<String>,
        /// Who starts the run (default: $PREFLIGHT_USER, then $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Run a run's probes, record the results in the run file and print them.
    Probe {
        run: PathBuf,
        /// Only this item's probe.
        #[arg(long)]
        item: Option<String>,
        /// Print the results as JSON instead of a table (the schema is in docs/CLI.md).
        #[arg(long)]
        json: bool,
        /// Also write a JUnit XML report here, one test case per probe, for CI test reporters.
        /// With GITHUB_ACTIONS=true, failures are printed as workflow annotations too.
        #[arg(long, value_name = "FILE.xml")]
        junit: Option<PathBuf>,
    },
    /// Check a run file (or an audit PDF): its event chain, every signature and whose keys made
    /// them. Exit 0 when all hold, 1 when anything is invalid, 2 when the file cannot be read.
    Verify {
        file: PathBuf,
        /// Trust the certificates in this PEM file (an organisation's CA bundle, or one
        /// signer's certificate); may be given more than once.
        #[arg(long, value_name = "FILE.pem")]
        trust: Vec<PathBuf>,
        /// Trust the keys and certificates in this keyring folder, besides the
        /// `.preflight/keyring` found in the file's folder or above it.
        #[arg(long, value_name = "DIR")]
        keyring: Vec<PathBuf>,
        /// Exit 1 unless every current signature was made with a trusted key.
        #[arg(long)]
        require_trusted: bool,
    },
    /// Write the PDF audit record of a run.
    Export {
        run: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        /// a4 or letter.
        #[arg(long, default_value = "a4")]
        paper: crate::pdf::Paper,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
        /// Certify the record with this signer key: a PDF signature that any reader validates.
        #[arg(long, value_name = "NAME")]
        key: Option<String>,
        /// Read the key's passphrase as one line from standard input instead of the terminal.
        #[arg(long, requires = "key")]
        passphrase_stdin: bool,
        /// Write the record even when some characters have no font here and print as a visible
        /// [U+XXXX] (without it, export writes nothing and exits 1).
        #[arg(long)]
        allow_missing_glyphs: bool,
    },
    /// Add your approval PDF signature to an audit record, as an incremental update that keeps
    /// every earlier signature valid. Your key must have signed a role of the attached run.
    Countersign {
        file: PathBuf,
        /// Your signer key's name.
        #[arg(long, value_name = "NAME")]
        key: String,
        /// The role to sign for, when your key signed more than one.
        #[arg(long)]
        role: Option<String>,
        /// Write the countersigned record here instead of replacing FILE.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Read the passphrase as one line from standard input instead of the terminal.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Create a signer key (ECDSA P-256 with a self-signed X.509 certificate naming you),
    /// protected by a passphrase, in your config folder; or import one your organisation issued.
    Keygen {
        /// The signer's printed name, as it appears on signatures and in the certificate (for
        /// an imported key: the name to file it under; by default the certificate's).
        #[arg(long, required_unless_present = "import")]
        name: Option<String>,
        /// Import a key and its certificate chain: a PKCS#12 file (.p12, .pfx) or a PEM file with
        /// the private key and the certificates. Asks for its password, then for the passphrase
        /// to keep it under (empty: the same).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["title", "email"])]
        import: Option<PathBuf>,
        /// A job title for the certificate, such as "QA Lead".
        #[arg(long)]
        title: Option<String>,
        /// An e-mail address for the certificate.
        #[arg(long)]
        email: Option<String>,
        /// Read the passphrase as one line from standard input instead of the terminal.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Merge two copies of a run into one: every event of both is kept, and where both changed
    /// one thing the later change holds (listed as a conflict). With BASE OURS THEIRS, as git
    /// runs a merge driver, the merge is written into OURS. Exit 0 when merged, 1 when merged
    /// with conflicts, 2 when the copies cannot be merged.
    Merge {
        /// A B, or BASE OURS THEIRS.
        #[arg(required = true, num_args = 2..=3, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Write the merge here instead of into the first copy (A).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Share a runs folder kept in git: commit the runs that changed (as you), pull with
    /// Preflight merging runs, and push. Exit 0 when pushed or nothing to push, 1 when the
    /// commit stays local (offline, rejected, no remote), 2 on an error.
    Sync {
        /// A folder inside the git working copy; by default your library's runs folder.
        dir: Option<PathBuf>,
        /// Only register Preflight as git's merge driver for runs (`.gitattributes` and the
        /// repository's `merge.preflight.*` settings).
        #[arg(long)]
        setup: bool,
        /// Who commits (default: $PREFLIGHT_USER, then $USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Print a template or run as Markdown.
    Markdown {
        file: PathBuf,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
}

const EXIT_CHECK_FAILED: u8 = 1;

/// What the binary should do after the command line was read.
#[derive(Debug)]
pub enum Outcome {
    Exit(ExitCode),
    /// Open the window, on this file if one is given.
    OpenWindow(Option<PathBuf>),
}

/// Runs a subcommand. An `Err` is bad input (exit 2); a failed check returns exit code 1.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let Some(command) = cli.command else { return Ok(Outcome::OpenWindow(None)) };
    let code = match command {
        Command::Open { file } => {
            if let Some(file) = file.as_ref().filter(|file| !file.exists()) {
                bail!("{}: no such file", file.display());
            }
            return Ok(Outcome::OpenWindow(file));
        }
        Command::Import { file, output, title, force, dry_run } => import(&file, output, title, force, dry_run),
        Command::Lint { files } => Ok(lint(&files)),
        Command::Run { template, in_progress, output, values, actor } => start_run(&template, in_progress, output, &values, actor),
        Command::Markdown { file, output, force } => markdown(&file, output, force),
        Command::Merge { files, output } => merge::merge(&files, output.as_deref()),
        Command::Sync { dir, setup, actor } => sync(dir, setup, actor),
        Command::Probe { run, item, json, junit } => probe::probe(&run, item.as_deref(), json, junit.as_deref()),
        Command::Verify { file, trust, keyring, require_trusted } => signoff::verify(&file, &trust, &keyring, require_trusted),
        Command::Export { run, output, paper, force, key, passphrase_stdin, allow_missing_glyphs } => {
            signoff::export(&run, &output, &signoff::ExportOptions { paper, force, key: key.as_deref(), passphrase_stdin, allow_missing_glyphs })
        }
        Command::Countersign { file, key, role, output, passphrase_stdin } => {
            pdf_sign::countersign(&file, &key, role.as_deref(), output.as_deref(), passphrase_stdin)
        }
        Command::Keygen { name, title, email, import: Some(file), passphrase_stdin } => {
            let _ = (title, email);
            signoff::import_key(&file, name.as_deref(), passphrase_stdin)
        }
        Command::Keygen { name, title, email, import: None, passphrase_stdin } => {
            signoff::keygen(&crate::signoff::Identity { name: name.unwrap_or_default(), title, email }, passphrase_stdin)
        }
    }?;
    Ok(Outcome::Exit(code))
}

fn library() -> anyhow::Result<Library> {
    Library::from_env().ok_or_else(|| anyhow!("cannot find a home folder for the library; set PREFLIGHT_HOME"))
}

/// How many fields a message lists at most: a big template can have thousands, and the first
/// few show what they look like.
const LISTED: usize = 20;

/// Writes a new file, or replaces one only when `force` is given.
fn write_output(path: &Path, text: &str, force: bool) -> Result<(), StoreError> {
    if !force && path.exists() {
        return Err(StoreError::Exists { path: path.into() });
    }
    store::write_atomic(path, text.as_bytes()).map_err(|err| StoreError::Io { path: path.into(), action: "write it", cause: err })
}

fn import(file: &Path, output: Option<PathBuf>, title: Option<String>, force: bool, dry_run: bool) -> anyhow::Result<ExitCode> {
    // The Markdown goes once it is imported: while the file is written, the template, its file
    // text and the copy read back from that text to check it are all held at once.
    let imported = {
        let text = store::read_text(file, "a Markdown checklist")?;
        import_markdown(&text, &ImportOptions { id: crate::import::id_from_file_name(file), title })
    };
    let template = &imported.template;
    let output = match output {
        Some(path) => path,
        None if dry_run => PathBuf::new(),
        None => {
            let library = library()?;
            library.ensure_dirs()?;
            library.template_path(&template.id)
        }
    };
    let counts = imported.counts();
    let mut summary = String::new();
    let _ = writeln!(summary, "{}: {}", file.display(), template.title);
    let _ = writeln!(summary, "  sections  {}", counts.sections);
    let _ = writeln!(summary, "  checks    {}", counts.checks);
    let _ = writeln!(summary, "  steps     {}", counts.steps);
    let _ = writeln!(summary, "  info      {}", counts.info);
    let added = if imported.added_fields.is_empty() { String::new() } else { format!(" (added: {})", imported.added_fields.join(", ")) };
    let _ = writeln!(summary, "  fields    {}{added}", counts.fields);
    let _ = writeln!(summary, "  roles     {}", counts.roles);
    if imported.mojibake_repaired + imported.mojibake_dropped > 0 {
        let _ = writeln!(summary, "  mojibake  {} repaired, {} dropped", imported.mojibake_repaired, imported.mojibake_dropped);
    }
    let _ = writeln!(summary, "  warnings  {}", imported.warnings.len());
    for warning in &imported.warnings {
        let _ = writeln!(summary, "    {}:{}: {}", file.display(), warning.line, warning.message);
    }
    print!("{summary}");
    if dry_run {
        println!("dry run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    write_output(&output, &store::template_ron(&output, template)?, force)?;
    println!("wrote {}", output.display());
    Ok(ExitCode::SUCCESS)
}

/// Lints each file; returns 2 if any could not be read or parsed, 1 if any has problems.
fn lint(files: &[PathBuf]) -> ExitCode {
    let mut worst = 0u8;
    for file in files {
        match store::load(file) {
            Ok(Document::Template(template)) => {
                let problems = probe::probe_problems(&template);
                if problems.is_empty() {
                    let counts = template.counts();
                    println!("ok    {}: template \"{}\", {} checks, {} roles", file.display(), template.title, counts.checks, counts.roles);
                } else {
                    worst = worst.max(EXIT_CHECK_FAILED);
                    report(file, problems);
                }
            }
            Ok(Document::Run(run)) => {
                let mut problems = run.integrity_problems();
                problems.extend(probe::probe_problems(&run.template));
                if problems.is_empty() {
                    let counts = run.counts();
                    println!(
                        "ok    {}: run of \"{}\", {} of {} items settled, {} events",
                        file.display(),
                        run.template.title,
                        counts.total() - counts.pending,
                        counts.total(),
                        run.events.len()
                    );
                } else {
                    worst = worst.max(EXIT_CHECK_FAILED);
                    report(file, problems);
                }
            }
            Err(err @ StoreError::Invalid { .. }) => {
                worst = worst.max(EXIT_CHECK_FAILED);
                for line in err.to_string().lines() {
                    eprintln!("error: {line}");
                }
            }
            Err(err) => {
                worst = 2;
                eprintln!("error: {err}");
            }
        }
    }
    ExitCode::from(worst)
}

/// Probe conditions that do not parse, anchored at the condition in the file.
fn report(file: &Path, problems: Vec<crate::model::Problem>) {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    for problem in problems {
        let (line, col) = problem.anchor.and_then(|(needle, nth)| store::locate(&text, &needle, nth)).unwrap_or((1, 1));
        eprintln!("error: {}:{line}:{col}: {}", file.display(), problem.message);
    }
}

/// Finds a template by path, or by the name of a bundled checklist.
fn find_template(name: &str) -> anyhow::Result<Template> {
    let path = Path::new(name);
    if path.exists() && store::FileKind::of(path) == store::FileKind::Markdown {
        let text = store::read_text(path, "a Markdown checklist")?;
        let imported = import_markdown(&text, &ImportOptions { id: crate::import::id_from_file_name(path), title: None });
        for warning in &imported.warnings {
            eprintln!("warning: {}:{}: {}", path.display(), warning.line, warning.message);
        }
        return Ok(imported.template);
    }
    if path.exists() {
        return Ok(store::load_template(path)?);
    }
    let bundled = format!("{}{}", name.trim_end_matches(store::TEMPLATE_EXTENSION), store::TEMPLATE_EXTENSION);
    match Library::bundled_template(&bundled) {
        Some(result) => Ok(result?),
        None => {
            let names: Vec<&str> = store::BUNDLED.iter().map(|(n, _)| n.trim_end_matches(store::TEMPLATE_EXTENSION)).collect();
            bail!("{name}: no such file, nor a bundled checklist of that name (bundled: {})", names.join(", "))
        }
    }
}

/// Parses `--set` pairs, matching keys to field ids or labels, case-insensitively.
fn field_values(template: &Template, pairs: &[String]) -> anyhow::Result<BTreeMap<String, FieldValue>> {
    let mut values = BTreeMap::new();
    for pair in pairs {
        let (key, value) = pair.split_once('=').ok_or_else(|| anyhow!("--set {pair}: expected FIELD=VALUE"))?;
        let key = key.trim();
        let field = template.fields.iter().find(|f| f.id.eq_ignore_ascii_case(key) || f.label.eq_ignore_ascii_case(key)).ok_or_else(|| {
            let known: Vec<&str> = template.fields.iter().filter(|f| !matches!(f.kind, FieldKind::Table { .. })).map(|f| f.id.as_str()).collect();
            let more = if known.len() > LISTED { format!(" and {} more", known.len() - LISTED) } else { String::new() };
            let listed = known[..known.len().min(LISTED)].join(", ");
            anyhow!("--set {key}: \"{}\" has no such field; its fields are: {listed}{more}", template.title)
        })?;
        if matches!(field.kind, FieldKind::Table { .. }) {
            bail!("--set {key}: \"{}\" is a table; fill it in the app", field.label);
        }
        values.insert(field.id.clone(), FieldValue::Text(value.to_string()));
    }
    Ok(values)
}

fn actor_name(actor: Option<String>) -> String {
    actor
        .filter(|name| !name.trim().is_empty())
        .or_else(|| store::EnvUser::from_env().map(|user| user.name().to_string()))
        .unwrap_or_else(|| "preflight".into())
}

fn start_run(template_name: &str, in_progress: bool, output: Option<PathBuf>, pairs: &[String], actor: Option<String>) -> anyhow::Result<ExitCode> {
    let template = find_template(template_name)?;
    let source = Path::new(template_name).file_name().map_or_else(|| template_name.to_string(), |name| name.to_string_lossy().into_owned());
    let values = field_values(&template, pairs)?;
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let title = template.title.clone();
    let template_for_hint = template.clone();
    let mut run = Run::start(template, uuid::Uuid::new_v4().to_string(), &actor_name(actor), now, values).map_err(|err| {
        let missing: Vec<String> = template_for_hint.fields.iter().filter(|f| f.required).map(|f| format!("--set {}=…", f.id)).collect();
        anyhow!("{template_name}: {err}; fill them with {}", missing.join(" "))
    })?;
    let ticked = template_for_hint.all_items().iter().filter(|(_, item)| item.ticked && item.is_actionable()).count();
    let taken =
        if in_progress { run.take_ticks(&format!("imported from {source}"), now).map_err(|err| anyhow!("{template_name}: {err}"))? } else { 0 };
    let output = match output {
        Some(path) => path,
        None => {
            let library = library()?;
            library.ensure_dirs()?;
            library.run_path(&run)
        }
    };
    store::save_new(&output, &run).with_context(|| format!("the run was not started: {template_name}"))?;
    let counts = run.counts();
    println!("started run {} of \"{title}\"", run.id);
    let filled: Vec<_> = run.template.fields.iter().filter_map(|field| Some((&field.label, run.fields.get(&field.id)?))).collect();
    for (label, value) in filled.iter().take(LISTED) {
        println!("  {label}: {value}");
    }
    if filled.len() > LISTED {
        println!("  and {} more fields filled", filled.len() - LISTED);
    }
    let items = if counts.total() == 1 { "item" } else { "items" };
    println!("  {} {items} to work through; template sha256 {}", counts.total(), run.template_sha256);
    if taken > 0 {
        println!("  {taken} item(s) ticked in {source} start done, recorded as done by \"imported from {source}\"");
    } else if ticked > 0 {
        println!("  {ticked} item(s) were ticked in {source}; they start pending (--in-progress starts them done)");
    }
    println!("wrote {}", output.display());
    Ok(ExitCode::SUCCESS)
}

fn sync(dir: Option<PathBuf>, setup_only: bool, actor: Option<String>) -> anyhow::Result<ExitCode> {
    let dir = match dir {
        Some(dir) => dir,
        None => library()?.runs_dir(),
    };
    if !dir.is_dir() {
        bail!("{}: no such folder", dir.display());
    }
    let program = std::env::current_exe().context("cannot tell where this preflight program is, for git to run as the merge driver")?;
    if setup_only {
        let changed = crate::sync::setup(&dir, &program)?;
        let what = if changed { "registered" } else { "already registered" };
        println!("{}: Preflight is {what} as git's merge driver for {}", dir.display(), crate::sync::ATTRIBUTES_LINE);
        if changed {
            println!("commit .gitattributes so that your team's clones merge runs the same way; each clone runs `preflight sync --setup` once");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let author = crate::sync::Author { name: actor_name(actor) };
    let report = crate::sync::sync(&dir, &author, &program)?;
    println!("{}: {report}", dir.display());
    println!("{}", crate::sync::status(&dir));
    Ok(if report.pushed.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_CHECK_FAILED) })
}

fn markdown(file: &Path, output: Option<PathBuf>, force: bool) -> anyhow::Result<ExitCode> {
    let text = match store::load(file)? {
        Document::Template(template) => template_to_markdown(&template),
        Document::Run(run) => run_to_markdown(&run),
    };
    match output {
        Some(path) => {
            write_output(&path, &text, force)?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
