//! Writes a run of a bundled checklist with every item done, ready to sign (or, with `signed`,
//! signed in every role with a drawn signature), for trying sign-off and export by hand:
//! `cargo run --example settled_run -- CHECKLIST OUT.run.ron [signed]` (CHECKLIST as in
//! `preflight run`, such as `persona-chat-service`). With `rules`, the template's last role is
//! kept apart from its first (segregation of duties) and its second role needs a key.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::collections::BTreeMap;

use preflight::model::{FieldValue, ItemState, Run, Stroke, Timestamp};
use preflight::signoff::SignRequest;
use preflight::store::{self, Library};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = || anyhow::anyhow!("usage: settled_run CHECKLIST OUT.run.ron [signed|rules]");
    let name = args.next().ok_or_else(usage)?;
    let out = args.next().ok_or_else(usage)?;
    let file = format!("{name}{}", store::TEMPLATE_EXTENSION);
    let mut template = Library::bundled_template(&file).ok_or_else(|| anyhow::anyhow!("no bundled checklist `{name}`"))??;
    let mode = args.next();
    if mode.as_deref() == Some("rules") && template.roles.len() >= 3 {
        let first = template.roles[0].id.clone();
        template.roles[1].require_key = true;
        if let Some(last) = template.roles.last_mut() {
            last.separate_from = vec![first];
        }
    }
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
    if mode.as_deref() == Some("signed") {
        let names = ["Dana Reyes", "Sam Okafor", "Priya Natarajan", "Lee Morgan"];
        for (n, role) in run.roles().into_iter().enumerate() {
            let request = SignRequest {
                role: role.id.clone(),
                name: names[n % names.len()].to_string(),
                meaning: role.meaning.clone(),
                attestation: preflight::signoff::DEFAULT_ATTESTATION.into(),
                strokes: handwriting(n),
                waivers: Vec::new(),
                acknowledgement: Some("Signed as a test of a run that is not GO".into()),
                entered_by: None,
                at: now.plus_minutes(5 + n as u32),
            };
            preflight::signoff::sign(&mut run, request, None)?;
        }
    }
    store::save_run(std::path::Path::new(&out), &run)?;
    println!("wrote {out}: {} items done, {} roles to sign", run.items.len(), run.roles().len());
    Ok(())
}

/// A signature-like scribble: a wave across the pad and an underline, varied per signer.
fn handwriting(seed: usize) -> Vec<Stroke> {
    let wave = (0..60)
        .map(|i| {
            let t = i as f32 / 59.0;
            let y = 0.5 + 0.25 * (t * (9.0 + seed as f32) + seed as f32).sin() * (1.0 - t * 0.5);
            [0.08 + 0.8 * t, y.clamp(0.05, 0.95)]
        })
        .collect();
    vec![Stroke { points: wave }, Stroke { points: vec![[0.15, 0.85], [0.55, 0.82], [0.8, 0.86]] }]
}
