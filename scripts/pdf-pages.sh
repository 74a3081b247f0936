#!/usr/bin/env bash
# Renders the page images of the audit PDF in docs/ (first page, a checklist page, the first
# sign-off page, the first audit-trail page, the integrity page) from the ai-avatar-website seed
# run that the PDF tests check. Needs pdftoppm and pdftotext (Debian poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo run --quiet --example audit_pdf -- ai-avatar-website "$dir/audit.pdf"
pages=$(pdfinfo "$dir/audit.pdf" | awk '/^Pages:/ { print $2 }')
# The first page whose text starts with a heading, found through the page text.
first_page_with() {
  for page in $(seq 1 "$pages"); do
    text=$(pdftotext -f "$page" -l "$page" -layout "$dir/audit.pdf" -)
    if grep -q "^ *$1" <<<"$text"; then echo "$page"; return; fi
  done
  echo "pdf-pages: no page starts with $1" >&2
  exit 1
}
render() { pdftoppm -png -r 60 -f "$1" -l "$1" -singlefile "$dir/audit.pdf" "docs/pdf-$2"; }
render 1 first-page
render 2 checklist
signoff=$(first_page_with 'Sign-off')
trail=$(first_page_with 'Audit trail')
render "$signoff" signoff
render "$trail" audit-trail
render "$pages" integrity
echo "docs/pdf-{first-page,checklist,signoff,audit-trail,integrity}.png from $pages pages"
