//! Writes a run merged from two copies that went separate ways, for trying the merge by hand
//! and for the screenshots in docs/: `cargo run --example merged_run -- IN.run.ron OUT.run.ron`
//! (IN as `settled_run` writes it). On one copy the release manager fails the first item and
//! notes why; on the other the QA lead signs, then marks the same item N/A a minute later: one
//! conflict, and the QA lead's signature invalidated by the other copy's change.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use preflight::model::{ItemState, Run, Stroke, Timestamp};
use preflight::signoff::SignRequest;
use preflight::store;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = || anyhow::anyhow!("usage: merged_run IN.run.ron OUT.run.ron");
    let (input, output) = (args.next().ok_or_else(usage)?, args.next().ok_or_else(usage)?);
    let base = store::load_run(std::path::Path::new(&input))?;
    let item = base.items.keys().next().cloned().ok_or_else(|| anyhow::anyhow!("the run has no items"))?;
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let (mut laptop, mut qa) = (base.clone(), base.clone());
    laptop.set_state(&item, ItemState::Failed, "Riley Chen", now.plus_minutes(1))?;
    laptop.set_note(&item, "Smoke test timed out twice on eu-west-1", "Riley Chen", now.plus_minutes(1))?;
    let role = qa.roles()[0].clone();
    let request = SignRequest {
        role: role.id.clone(),
        name: "Dana Whitfield".into(),
        meaning: role.meaning.clone(),
        attestation: preflight::signoff::DEFAULT_ATTESTATION.into(),
        strokes: vec![Stroke { points: vec![[0.1, 0.6], [0.25, 0.2], [0.4, 0.7], [0.6, 0.3], [0.85, 0.55]] }],
        waivers: vec![],
        acknowledgement: Some("The remaining roles sign on their own laptops".into()),
        entered_by: None,
        at: now.plus_minutes(2),
    };
    preflight::signoff::sign(&mut qa, request, None)?;
    qa.set_state(&item, ItemState::NotApplicable { reason: "eu-west-1 is not in this release".into() }, "Dana Whitfield", now.plus_minutes(3))?;
    let merged = Run::merge(&laptop, &qa)?;
    store::save_run(std::path::Path::new(&output), &merged.run)?;
    println!("wrote {output}: {} events, {} conflict(s)", merged.run.events.len(), merged.conflicts().len());
    Ok(())
}
