//! Writes a run of a bundled checklist with every item done, ready to sign, for trying the
//! sign-off by hand and for scripts/screenshots.sh:
//! `cargo run --example settled_run -- CHECKLIST OUT.run.ron` (CHECKLIST as in `preflight run`,
//! such as `persona-chat-service`).

use std::collections::BTreeMap;

use preflight::model::{FieldValue, ItemState, Run, Timestamp};
use preflight::store::{self, Library};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = || anyhow::anyhow!("usage: settled_run CHECKLIST OUT.run.ron");
    let name = args.next().ok_or_else(usage)?;
    let out = args.next().ok_or_else(usage)?;
    let file = format!("{name}{}", store::TEMPLATE_EXTENSION);
    let template = Library::bundled_template(&file).ok_or_else(|| anyhow::anyhow!("no bundled checklist `{name}`"))??;
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let mut values = BTreeMap::new();
    for field in template.fields.iter().filter(|f| f.required) {
        let value = match field.label.to_lowercase().as_str() {
            label if label.contains("environment") => "production",
            label if label.contains("version") => "2.4.0",
            _ => "n/a",
        };
        values.insert(field.id.clone(), FieldValue::Text(value.into()));
    }
    let mut run = Run::start(template, uuid::Uuid::new_v4().to_string(), "Riley Chen", now, values)?;
    for item in run.items.keys().cloned().collect::<Vec<_>>() {
        run.set_state(&item, ItemState::Done, "Riley Chen", now)?;
    }
    store::save_run(std::path::Path::new(&out), &run)?;
    println!("wrote {out}: {} items done, {} roles to sign", run.items.len(), run.roles().len());
    Ok(())
}
