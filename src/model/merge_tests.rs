//! Tests of merging copies of a run: both lines kept with their hashes, conflicts by rule,
//! signatures through the merge, refusals; and, over generated logs, that a merge is the same
//! whichever copy merges into which and that merging again adds nothing.

use super::*;
use crate::model::run::tests::probe_result;
use crate::model::signature::tests::{at, settled_run, signature};
use crate::model::{ItemState, ProbeState, SignatureStatus};

fn joined(merged: &Merged) -> (usize, usize, &[Conflict]) {
    match &merged.outcome {
        MergeOutcome::Joined { ours, theirs, conflicts } => (*ours, *theirs, conflicts),
        other => panic!("expected a join, got {other:?}"),
    }
}

#[test]
fn two_lines_of_work_keep_every_event_with_its_own_hash() {
    let base = settled_run();
    let (mut laptop, mut ci) = (base.clone(), base.clone());
    laptop.set_note("a", "checked in Grafana", "alice", at(5)).unwrap();
    ci.record_probe_by(probe_result("optional", ProbeState::Pass), "ci", at(4)).unwrap();
    laptop.set_field("day", FieldValue::Text("2026-11-23".into()), "alice", at(6)).unwrap();

    let merged = Run::merge(&laptop, &ci).unwrap();
    assert_eq!(joined(&merged).0, 2);
    assert_eq!(joined(&merged).1, 1);
    let run = &merged.run;
    for event in laptop.events.iter().chain(&ci.events) {
        assert!(run.events.iter().any(|e| e.hash == event.hash && e.seq == event.seq), "event #{} kept", event.seq);
    }
    assert_eq!(run.events.len(), base.events.len() + 3 + 1, "both lines and the merge event");
    assert_eq!(run.integrity_problems(), []);
    assert_eq!(run.items["a"].note, "checked in Grafana");
    assert_eq!(run.fields["day"], FieldValue::Text("2026-11-23".into()));
    assert_eq!(run.probe_results.len(), 1);
    // Time order: the probe (minute 4) before the note (5) and the field (6).
    let order: Vec<&str> = run.events[base.events.len()..].iter().map(|e| e.actor.as_str()).collect();
    assert_eq!(order, [crate::model::PROBE_ACTOR, "alice", "alice", MERGE_ACTOR]);
    let forks = run.forks();
    assert_eq!(forks.len(), 1);
    assert_eq!(forks[0].after_seq, base.events.last().unwrap().seq);
    assert_eq!(forks[0].lines.len(), 2);
    assert_eq!(
        forks[0].to_string(),
        format!("forked after event #{}: 1 event by probe and 2 events by alice; joined by event #{}", forks[0].after_seq, forks[0].joined_seq)
    );

    // The trail tells the lines apart: the probe's line began first.
    let labels = run.line_labels();
    let shared = base.events.len();
    assert!(labels[..shared].iter().all(Option::is_none));
    let lettered: Vec<(&str, Option<&str>)> =
        run.events[shared..].iter().zip(&labels[shared..]).map(|(e, l)| (e.actor.as_str(), l.as_deref())).collect();
    assert_eq!(lettered, [(crate::model::PROBE_ACTOR, Some("A")), ("alice", Some("B")), ("alice", Some("B")), (MERGE_ACTOR, None)]);

    // Work goes on after the merge on an ordinary line.
    let mut after = run.clone();
    after.set_note("optional", "done by CI", "alice", at(9)).unwrap();
    assert_eq!(after.integrity_problems(), []);
    assert_eq!(after.events.last().unwrap().seq, run.events.last().unwrap().seq + 1);
}

#[test]
fn a_copy_that_holds_the_other_is_taken_whole() {
    let base = settled_run();
    let mut ahead = base.clone();
    ahead.set_note("a", "x", "alice", at(5)).unwrap();
    assert_eq!(Run::merge(&ahead, &base).unwrap(), Merged { run: ahead.clone(), outcome: MergeOutcome::UpToDate });
    assert_eq!(Run::merge(&base, &ahead).unwrap(), Merged { run: ahead.clone(), outcome: MergeOutcome::FastForward { added: 1 } });
}

#[test]
fn both_changing_one_thing_is_a_conflict_the_later_change_holds_and_the_merge_lists() {
    let base = settled_run();
    let (mut alice, mut bob) = (base.clone(), base.clone());
    alice.set_state("optional", ItemState::Done, "alice", at(7)).unwrap();
    bob.set_state("optional", ItemState::Failed, "bob", at(6)).unwrap();
    alice.set_note("a", "same words", "alice", at(8)).unwrap();
    bob.set_note("a", "same words", "bob", at(9)).unwrap();

    let merged = Run::merge(&alice, &bob).unwrap();
    let conflicts = joined(&merged).2;
    assert_eq!(conflicts.len(), 1, "the same note on both sides is no conflict: {conflicts:?}");
    assert_eq!(conflicts[0].subject, ConflictSubject::ItemState("optional".into()));
    assert_eq!((conflicts[0].kept.actor.as_str(), conflicts[0].kept.value.as_str()), ("alice", "done"));
    assert_eq!((conflicts[0].other.actor.as_str(), conflicts[0].other.value.as_str()), ("bob", "failed"));
    assert_eq!(merged.run.items["optional"].state, ItemState::Done);
    assert_eq!(merged.run.items["optional"].by.as_deref(), Some("alice"));
    let last = merged.run.events.last().unwrap();
    assert!(matches!(&last.change, Change::Merged { conflicts: recorded, .. } if recorded == conflicts));
    assert_eq!(
        last.change.to_string(),
        format!(
            "merged 2 lines of work; 1 conflict: item `optional` state: kept done (alice, event #{0}) over failed (bob, event #{0})",
            conflicts[0].kept.seq
        )
    );
    assert_eq!(merged.run.forks()[0].conflicts, 1);
}

#[test]
fn a_signature_stays_valid_through_a_merge_only_when_its_content_does() {
    let base = settled_run();
    // The QA lead and the release manager sign the same content on two laptops.
    let (mut qa, mut rm) = (base.clone(), base.clone());
    let qa_signature = signature(&qa, "qa", "Dana", 5);
    qa.add_signature(qa_signature).unwrap();
    let rm_signature = signature(&rm, "rm", "Sam", 6);
    rm.add_signature(rm_signature).unwrap();
    let both = Run::merge(&qa, &rm).unwrap().run;
    assert_eq!(both.integrity_problems(), []);
    assert_eq!(both.signatures.len(), 2);
    assert_eq!((both.signature_status(0), both.signature_status(1)), (SignatureStatus::Valid, SignatureStatus::Valid));
    assert!(both.verdict().is_go(), "{:?}", both.verdict().blockers);
    // Each key signature chains from the event its signer saw, which the merge keeps.
    let last_shared = base.events.last().unwrap().hash.clone();
    assert_eq!(both.event_before_signature(0), Some(last_shared.as_str()));
    assert_eq!(both.event_before_signature(1), Some(last_shared.as_str()));

    // Meanwhile the release manager's copy changed a note before Sam signed it; Dana did not see
    // that note, so her signature is invalidated by it, naming who made it.
    let mut rm = base.clone();
    rm.set_note("a", "rolled back once", "sam", at(4)).unwrap();
    let rm_signature = signature(&rm, "rm", "Sam", 6);
    rm.add_signature(rm_signature).unwrap();
    let merged = Run::merge(&qa, &rm).unwrap().run;
    assert_eq!(merged.integrity_problems(), []);
    let dana = merged.signatures.iter().position(|s| s.name == "Dana").unwrap();
    let sam = merged.signatures.iter().position(|s| s.name == "Sam").unwrap();
    assert_eq!(merged.signature_status(sam), SignatureStatus::Valid);
    match merged.signature_status(dana) {
        SignatureStatus::Invalidated { change } => {
            assert_eq!(change.actor, "sam");
            assert!(change.what.contains("rolled back once"), "{change}");
        }
        other => panic!("expected Dana's signature invalidated, got {other:?}"),
    }
    // What each signer saw is worked out from their own copy's events.
    let seen = merged.blockers_seen(&[dana, sam]);
    assert!(seen.values().all(|seen| seen.recorded), "{seen:?}");
}

#[test]
fn copies_that_are_not_of_one_run_or_do_not_hold_together_are_refused() {
    let base = settled_run();
    let mut other = base.clone();
    other.id = "run-2".into();
    assert!(matches!(Run::merge(&base, &other), Err(MergeError::DifferentRuns { .. })));

    let mut tampered = base.clone();
    tampered.set_note("a", "x", "alice", at(5)).unwrap();
    tampered.events.last_mut().unwrap().actor = "mallory".into();
    let err = Run::merge(&base, &tampered).unwrap_err();
    assert!(matches!(err, MergeError::Broken { side: Side::Theirs, .. }), "{err}");
    assert!(err.to_string().contains("broken at event"), "{err}");

    // A line of events slipped in beside the log, which no merge joins, is a break too.
    let mut forked = base.clone();
    let change = Change::ItemNote { item: "a".into(), old: String::new(), new: "x".into() };
    let (parent, seq) = (base.events[1].hash.clone(), base.events[1].seq + 1);
    let hash = Event::chain_hash(Some(&parent), seq, &at(5), "mallory", &change);
    forked.events.push(Event { seq, at: at(5), actor: "mallory".into(), change, hash, parent: Some(parent) });
    let last_real = base.events.last().unwrap().seq;
    assert_eq!(forked.log_shape().unwrap_err(), crate::model::LogBreak::Unjoined(last_real));
    let problems = forked.integrity_problems();
    assert!(problems.iter().any(|p| p.message.contains("no merge joins")), "{problems:?}");
}

#[test]
fn a_finalised_copy_takes_nothing_new() {
    let mut base = settled_run();
    let qa = signature(&base, "qa", "Dana", 3);
    base.add_signature(qa).unwrap();
    let rm = signature(&base, "rm", "Sam", 4);
    base.add_signature(rm).unwrap();
    let (mut sealed, mut late) = (base.clone(), base.clone());
    sealed.finalise("sam", at(5)).unwrap();
    late.set_note("a", "one more thing", "alice", at(6)).unwrap();
    let err = Run::merge(&sealed, &late).unwrap_err();
    assert!(matches!(err, MergeError::Final { side: Side::Ours, count: 1, .. }), "{err}");
    assert!(err.to_string().contains("one more thing"), "{err}");
    assert!(matches!(Run::merge(&late, &sealed), Err(MergeError::Final { side: Side::Theirs, .. })));
    // The sealed copy merged with one it already holds is fine.
    assert_eq!(Run::merge(&sealed, &base).unwrap().outcome, MergeOutcome::UpToDate);
}

/// A small deterministic generator, so that each seed is one reproducible log.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

/// Applies `at_least` to `at_least + more - 1` random changes by `actor`, from minute `minute` on.
fn work(run: &mut Run, dice: &mut Dice, actor: &str, minute: u32, at_least: usize, more: u64) {
    let steps = at_least + dice.roll(more) as usize;
    for step in 0..steps {
        let when = at((minute + dice.roll(3) as u32 + step as u32) % 60);
        let item = ["a", "optional"][dice.roll(2) as usize];
        let _ = match dice.roll(6) {
            0 => run.set_state(item, [ItemState::Done, ItemState::Pending, ItemState::Failed][dice.roll(3) as usize].clone(), actor, when),
            1 => run.set_note(item, &format!("note {}", dice.roll(4)), actor, when),
            2 => run.set_field("duration", FieldValue::Text(dice.roll(90).to_string()), actor, when),
            3 => run.record_probe_by(probe_result(item, [ProbeState::Pass, ProbeState::Fail][dice.roll(2) as usize]), actor, when).map(|()| true),
            4 => {
                let role = ["qa", "rm", "obs"][dice.roll(3) as usize];
                let mut signed = signature(run, role, actor, when.as_datetime().format("%M").to_string().parse().unwrap_or(0));
                signed.acknowledgement = (!signed.go).then(|| "signing anyway".to_string());
                run.add_signature(signed).map(|()| true)
            }
            _ => run.set_state(item, ItemState::NotApplicable { reason: format!("reason {}", dice.roll(3)) }, actor, when),
        };
    }
}

#[test]
fn merging_is_the_same_either_way_round_and_merging_again_adds_nothing() {
    let (mut joins, mut with_conflicts, mut signed_both) = (0, 0, 0);
    for seed in 1..=150u64 {
        let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut base = settled_run();
        work(&mut base, &mut dice, "alice", 3, 0, 4);
        let (mut ours, mut theirs) = (base.clone(), base.clone());
        work(&mut ours, &mut dice, "alice", 10, 1, 8);
        work(&mut theirs, &mut dice, "bob", 10, 1, 8);

        let one = Run::merge(&ours, &theirs).unwrap_or_else(|err| panic!("seed {seed}: {err}"));
        let other = Run::merge(&theirs, &ours).unwrap_or_else(|err| panic!("seed {seed}: {err}"));
        assert_eq!(one.run, other.run, "seed {seed}: the merge depends on which copy merges into which");
        assert_eq!(one.run.integrity_problems(), [], "seed {seed}");
        assert_eq!(Run::merge(&one.run, &one.run).unwrap().outcome, MergeOutcome::UpToDate, "seed {seed}");
        assert_eq!(Run::merge(&one.run, &ours).unwrap().run, one.run, "seed {seed}: merging a side again adds nothing");
        assert_eq!(Run::merge(&theirs, &one.run).unwrap().run, one.run, "seed {seed}");
        if let MergeOutcome::Joined { conflicts, .. } = &one.outcome {
            joins += 1;
            with_conflicts += usize::from(!conflicts.is_empty());
            signed_both += usize::from(ours.signatures.len() > base.signatures.len() && theirs.signatures.len() > base.signatures.len());
        }
        let kept: std::collections::HashSet<&str> = one.run.events.iter().map(|e| e.hash.as_str()).collect();
        assert!(ours.events.iter().chain(&theirs.events).all(|e| kept.contains(e.hash.as_str())), "seed {seed}: an event was lost");

        // Both go on and merge again: a log with two merges still holds together either way.
        let (mut ours2, mut theirs2) = (one.run.clone(), theirs.clone());
        work(&mut ours2, &mut dice, "alice", 30, 1, 4);
        work(&mut theirs2, &mut dice, "carol", 20, 1, 4);
        let again = Run::merge(&ours2, &theirs2).unwrap_or_else(|err| panic!("seed {seed}: {err}"));
        assert_eq!(again.run, Run::merge(&theirs2, &ours2).unwrap().run, "seed {seed}: second merge");
        assert_eq!(again.run.integrity_problems(), [], "seed {seed}: second merge");
    }
    // The generator reaches the cases that matter.
    assert!(
        joins > 100 && with_conflicts > 30 && signed_both > 10,
        "{joins} joins, {with_conflicts} with conflicts, {signed_both} signed on both sides"
    );
}
