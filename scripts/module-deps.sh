#!/usr/bin/env bash
# Lists which of the crate's top-level modules each module names (`crate::X` in its files), and
# checks the layering docs/ARCHITECTURE.md describes: `model` names no other module, nothing but
# `ui` names egui or eframe, and the modules form no cycle. Exits 1 when a rule is broken.
#   scripts/module-deps.sh            print the list and check
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(model store import probe signoff pdf sync cli ui)
files_of() {
  local m=$1
  { [ -d "src/$m" ] && find "src/$m" -name '*.rs'; [ -f "src/$m.rs" ] && echo "src/$m.rs"; } | sort
}

status=0
edges=""
printf '%-8s  %s\n' MODULE 'NAMES (crate::…)'
for m in "${modules[@]}"; do
  mapfile -t files < <(files_of "$m")
  # Code only: a comment may mention another module.
  deps=$(cat "${files[@]}" | grep -vE '^\s*//' | grep -oE 'crate::(model|store|import|probe|signoff|pdf|sync|cli|ui)\b' \
    | sed 's/crate:://' | grep -vx "$m" | sort -u | tr '\n' ' ' || true)
  deps=${deps% }
  printf '%-8s  %s\n' "$m" "${deps:-(nothing)}"
  for d in $deps; do edges+="$d $m"$'\n'; done
  if [ "$m" = model ] && [ -n "$deps" ]; then
    echo "  BROKEN: model names $deps; it must name no other module" >&2
    status=1
  fi
  if [ "$m" != ui ]; then
    if grep -vhE '^\s*//' "${files[@]}" | grep -qE '\b(egui|eframe)::'; then
      echo "  BROKEN: $m names egui or eframe:" >&2
      grep -nE '\b(egui|eframe)::' "${files[@]}" >&2 || true
      status=1
    fi
  fi
done

# tsort fails on a cycle; the order it prints is one the modules can be built up in.
if order=$(printf '%s' "$edges" | tsort 2>&1); then
  echo "layers, lowest first: $(echo "$order" | tr '\n' ' ')"
else
  echo "  BROKEN: the modules name each other in a cycle: $order" >&2
  status=1
fi
exit $status
