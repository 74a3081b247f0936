#!/usr/bin/env bash
# How long `preflight sync` takes on a runs folder of 200 runs with one changed run, and how
# much of it is git's own (from git's trace2 timings), Preflight's share being the rest. The remote is a bare repository in a temporary
# folder (no network).
#   scripts/sync-bench.sh [RUNS] [ROUNDS]     defaults: 200 runs, 10 rounds
# Needs git and python3; builds the release binary and the examples it uses.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
rounds=${2:-10}
cargo build --release --quiet --bin preflight --example settled_run --example merged_run
bin=$PWD/target/release/preflight
example=$PWD/target/release/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 PREFLIGHT_USER=bench PREFLIGHT_HOME=$work/home/preflight
mkdir -p "$HOME"
git init -q --bare -b main "$work/remote.git"
git clone -q "$work/remote.git" "$work/clone" 2>/dev/null
mkdir -p "$work/clone/runs"
"$example/settled_run" persona-chat-service "$work/base.run.ron" >/dev/null
for n in $(seq 1 "$runs"); do
  sed "s/^  id: \"[^\"]*\"/  id: \"bench-$n\"/" "$work/base.run.ron" > "$work/clone/runs/run-$n.run.ron"
done
"$bin" sync "$work/clone/runs" >/dev/null

# Git reports how long each of its processes ran (trace2: the `t_abs` of each top-level
# process's exit event); what is left of the sync's wall time is Preflight's, starting each git
# process included.
total=0 git_total=0 calls=0
for round in $(seq 1 "$rounds"); do
  "$example/merged_run" "$work/clone/runs/run-1.run.ron" "$work/changed.run.ron" >/dev/null
  mv "$work/changed.run.ron" "$work/clone/runs/run-1.run.ron"
  rm -f "$work/trace"
  start=$(date +%s%N)
  GIT_TRACE2_EVENT="$work/trace" "$bin" sync "$work/clone/runs" >/dev/null
  elapsed=$(( $(date +%s%N) - start ))
  spent=$(python3 -c '
import json, sys
total = 0.0; calls = 0
for line in open(sys.argv[1]):
    event = json.loads(line)
    if event.get("event") == "exit" and "/" not in event.get("sid", "/"):
        total += event["t_abs"]; calls += 1
print(int(total * 1e9), calls)' "$work/trace")
  total=$((total + elapsed)); git_total=$((git_total + ${spent% *})); calls=$((calls + ${spent#* }))
done
ms() { awk -v ns="$1" -v n="$rounds" 'BEGIN { printf "%.1f", ns / n / 1e6 }'; }
echo "sync of $runs runs, one changed, $rounds rounds: $(ms $total) ms a sync, git $(ms $git_total) ms in $((calls / rounds)) commands, Preflight $(ms $((total - git_total))) ms ($(awk -v a=$((total - git_total)) -v b=$total 'BEGIN { printf "%.0f", 100 * a / b }') %)"
