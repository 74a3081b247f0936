#!/usr/bin/env bash
# Measures the real window under Xvfb (software OpenGL): time from process start to the first
# frame showing a run (the title turns to "… — saved" once the run is on screen), and resident
# memory with the run open. Usage: scripts/window-bench.sh [SECTIONS] [ITEMS_PER_SECTION]
set -euo pipefail
cd "$(dirname "$0")/.."
sections=${1:-50}; per_section=${2:-100}
cargo build --release --quiet --bin preflight --example big_run
source scripts/xvfb-session.sh
home=$(mktemp -d)
run="$home/bench.run.ron"
./target/release/examples/big_run "$run" "$sections" "$per_section" >/dev/null
for attempt in 1 2 3 4 5; do
  start=$(date +%s%N)
  HOME="$home" PREFLIGHT_HOME="$home/lib" PREFLIGHT_USER=bench ./target/release/preflight open "$run" >/dev/null 2>&1 &
  pid=$!
  until xdotool search --name 'Preflight.*saved' >/dev/null 2>&1; do sleep 0.005; done
  end=$(date +%s%N)
  sleep 1
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  echo "run $attempt: first frame with the run after $(( (end - start) / 1000000 )) ms; resident memory $(( rss_kb / 1024 )) MB"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  sleep 0.5
done
