//! `preflight merge`: two copies of a run into one, by hand (`A B [-o OUT]`) or as git's merge
//! driver (`BASE OURS THEIRS`, writing into OURS; exit 1 when there were conflicts, which git then
//! marks for review though the file already holds their resolution).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::model::{MergeOutcome, Run, describe_incoming};
use crate::store;

pub(super) fn merge(files: &[PathBuf], output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (ours_path, theirs_path) = match files {
        [ours, theirs] => (ours, theirs),
        // The logs themselves say where the copies parted, so the common ancestor git passes is
        // not needed; it may even be an empty file, when both branches added the run.
        [_base, ours, theirs] if output.is_none() => (ours, theirs),
        [_, _, _] => bail!("with three files (BASE OURS THEIRS, as git passes them) the merge is written into OURS; leave out -o"),
        _ => bail!("give two copies of a run (A B), or BASE OURS THEIRS as git's merge driver does"),
    };
    let (ours, ours_stamp) = store::load_run_stamped(ours_path)?;
    let theirs = store::load_run(theirs_path)?;
    let merged = Run::merge(&ours, &theirs).with_context(|| format!("cannot merge {} into {}", theirs_path.display(), ours_path.display()))?;
    let target = output.unwrap_or(ours_path);
    match &merged.outcome {
        MergeOutcome::UpToDate if target == ours_path => {
            eprintln!("{} already holds every event of {}; nothing to merge", ours_path.display(), theirs_path.display());
            return Ok(ExitCode::SUCCESS);
        }
        MergeOutcome::UpToDate => eprintln!("{} already holds every event of {}", ours_path.display(), theirs_path.display()),
        MergeOutcome::FastForward { added } => {
            eprintln!("{added} event(s) came in from {}: {}", theirs_path.display(), describe_incoming(&merged.incoming(&ours)));
        }
        MergeOutcome::Joined { ours: mine, theirs: other, conflicts } => {
            eprintln!(
                "joined {mine} event(s) of {} with {other} of {}: {}",
                ours_path.display(),
                theirs_path.display(),
                describe_incoming(&merged.incoming(&ours))
            );
            for conflict in conflicts {
                eprintln!("conflict: {conflict}");
            }
        }
    }
    // The target is replaced only by a merge that holds all it held: a file someone changed
    // while this ran is merged in too.
    let seen = (target == ours_path).then_some(&ours_stamp);
    let saved = store::save_run_merging(target, &merged.run, seen)?;
    if let Some(late) = &saved.merged {
        eprintln!("{} changed while merging; also merged: {}", target.display(), describe_incoming(&late.incoming(&merged.run)));
    }
    eprintln!("wrote {}", target.display());
    let conflicts = merged.conflicts().len() + saved.merged.as_ref().map_or(0, |late| late.conflicts().len());
    if conflicts > 0 {
        eprintln!("{conflicts} conflict(s) resolved by the rule in docs/CLI.md (the later change holds); review them in the app or the audit trail");
        return Ok(ExitCode::from(super::EXIT_CHECK_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}
