#!/usr/bin/env bash
# Builds the Debian package with cargo-deb, installs it, and checks what a user gets: the
# binary on PATH with its version and commit, the desktop entry valid, the file types known
# and opened by Preflight. Needs root (it installs the package), cargo-deb, dpkg/apt,
# desktop-file-utils, shared-mime-info and xdg-utils.
#
#   scripts/package-deb.sh            the release package: target/debian/preflight_*.deb
#   scripts/package-deb.sh --dev      package the dev build the tests already made (CI: the
#                                     package's contents and installation are what is checked;
#                                     a release build would cost CI another cold build)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
if [ "${1:-}" = "--dev" ]; then
  profile=dev
fi
# Built here, then packaged: cargo-deb does not rebuild a dev binary by itself.
cargo build --locked --profile "$profile" --bin preflight
deb=$(cargo deb --locked --profile "$profile" --no-build | tail -1)
[ -f "$deb" ] || { echo "cargo deb made no package" >&2; exit 1; }
echo "built $deb ($(du -h "$deb" | cut -f1))"

# apt resolves the package's dependencies (libgl1, libxkbcommon0, fontconfig).
case "$deb" in /*) ;; *) deb="./$deb" ;; esac
apt-get install -y -qq --reinstall --no-install-recommends "$deb" >/dev/null \
  || { apt-get update -qq && apt-get install -y -qq --reinstall --no-install-recommends "$deb" >/dev/null; }
installed=$(command -v preflight)
[ "$installed" = /usr/bin/preflight ] || { echo "preflight is at $installed, not /usr/bin/preflight" >&2; exit 1; }
version=$(/usr/bin/preflight --version)
echo "installed: $version"
expected="preflight $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1) ($(git rev-parse --short=12 HEAD))"
[ "$version" = "$expected" ] || { echo "--version says '$version', expected '$expected'" >&2; exit 1; }

desktop-file-validate /usr/share/applications/preflight.desktop
echo "desktop entry: valid"
# dpkg's triggers have run update-mime-database and update-desktop-database.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
touch "$scratch/go-live.run.ron" "$scratch/go-live.checklist.ron"
for pair in "go-live.run.ron application/x-preflight-run" "go-live.checklist.ron application/x-preflight-checklist"; do
  set -- $pair
  type=$(xdg-mime query filetype "$scratch/$1")
  [ "$type" = "$2" ] || { echo "$1 is '$type', expected $2" >&2; exit 1; }
  handler=$(xdg-mime query default "$2")
  [ "$handler" = preflight.desktop ] || { echo "$2 opens with '$handler', expected preflight.desktop" >&2; exit 1; }
  echo "$1: $type, opened by $handler"
done
