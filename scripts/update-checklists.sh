#!/usr/bin/env bash
# Regenerates the bundled checklists in checklists/ from the seed Markdown in tests/data/.
# tests/cli.rs checks that the checked-in files equal a fresh import, so run this after
# changing the importer, then review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
import() {
  ./target/debug/preflight import "tests/data/$1.md" --title "$2" -o "checklists/$1.checklist.ron" --force
}
import ai-avatar-website "AI Alex Avatar Website — Production Deployment"
import microservices-platform "Microservices Platform — Production Deployment"
import persona-chat-service "Persona Chat Service — Production Deployment"
import prismai-platform "PrismAI Platform — Production Deployment"
import realtime-collab-app "Realtime Collaboration App — Production Deployment"
