#!/usr/bin/env bash
# Takes the screenshots in docs/ from a real window under Xvfb: a run in progress
# (docs/screenshot.png), a template ready to start (docs/screenshot-template.png) and the
# editor (docs/screenshot-editor.png). Needs the packages named in scripts/xvfb-session.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
source scripts/xvfb-session.sh
home=$(mktemp -d)
export HOME="$home" PREFLIGHT_HOME="$home/lib" PREFLIGHT_USER="Dana Reyes"
run="$home/lib/runs/microservices-go-live.run.ron"
mkdir -p "$home/lib/runs"
./target/debug/preflight run microservices-platform -o "$run" --set release-version=2.4.0 --set environment=production >/dev/null
./target/debug/preflight open "$run" >/tmp/preflight-screenshots.log 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true' EXIT
sleep 4
wid=$(xdotool search --name "Preflight" | tail -1)
xdotool windowmove "$wid" 0 0 windowsize "$wid" 1400 860
sleep 1
click() { xdotool mousemove --window "$wid" "$1" "$2" click 1; sleep 0.4; }
keys() { xdotool key --delay 120 "$@"; sleep 0.3; }
typed() { xdotool type --delay 8 "$1"; sleep 0.3; }
shot() { sleep 0.8; import -window "$wid" "$1"; }

# Work through the first items with the keyboard, as a release manager would.
click 700 30                       # the run's title, to give the window the keyboard
keys space j space j f Return
typed "Migration 0042 stalled on replica lag; rollback plan in OPS-3127"
keys Escape j n
typed "No configuration change in this release"
keys ctrl+Return j space j space j space j space j space j space j f
keys k k k k k k k k              # back to the failed migration, to show its note
shot docs/screenshot.png

click 120 202                      # a bundled checklist in the library
shot docs/screenshot-template.png

click 410 113                      # "Edit a copy"
click 330 144                      # open the first section
click 350 167                      # and its first subsection
click 400 190                      # select its first item
shot docs/screenshot-editor.png
