#!/usr/bin/env bash
# Coverage-guided fuzzing of everything Preflight reads from a file or a person, with libFuzzer
# on the stable toolchain:
#
#   scripts/fuzz-coverage.sh TARGET|all SECONDS [release|dev]
#
# TARGET is one of import, template, run, condition, roundtrip, verify (examples/fuzz_targets/).
# Builds examples/fuzz_coverage.rs with only Preflight's own code instrumented for coverage
# (scripts/sancov-rustc.sh), so that the dependencies the tests or benchmarks built are reused;
# seeds target/fuzz-coverage/TARGET/corpus with the inputs examples/fuzz.rs starts from (the
# corpus grows from run to run); runs libFuzzer for SECONDS per target and prints, for each,
# the executions, the executions per second and the coverage reached. On a crash (a panic, a
# stack overflow, an abort, a timeout of 20 s, more than 2 GB) the input is kept as
# target/fuzz-coverage/TARGET/crash-* and the script exits 1; reproduce it with
#   PREFLIGHT_FUZZ_TARGET=TARGET target/release/examples/fuzz_coverage FILE
# and keep it as a regression test in tests/hostile_input.rs with its input in tests/data.
set -euo pipefail
cd "$(dirname "$0")/.."

which=${1:?usage: scripts/fuzz-coverage.sh TARGET|all SECONDS [release|dev]}
seconds=${2:?usage: scripts/fuzz-coverage.sh TARGET|all SECONDS [release|dev]}
profile=${3:-release}
case "$profile" in
  release) build=(--release); dir=release ;;
  dev) build=(); dir=debug ;;
  *) echo "profile: release or dev, not $profile" >&2; exit 2 ;;
esac
all=(import template run condition roundtrip verify)
if [ "$which" = all ]; then targets=("${all[@]}"); else targets=("$which"); fi

RUSTC_WRAPPER="$PWD/scripts/sancov-rustc.sh" cargo build --locked "${build[@]}" --features coverage-fuzz --example fuzz_coverage
fuzzer="target/$dir/examples/fuzz_coverage"

failed=0
for target in "${targets[@]}"; do
  out="target/fuzz-coverage/$target"
  mkdir -p "$out/corpus"
  log="$out/last.log"
  status=0
  PREFLIGHT_FUZZ_TARGET="$target" PREFLIGHT_FUZZ_SEEDS="$out/corpus" "$fuzzer" "$out/corpus" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -artifact_prefix="$out/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  if [ "$status" -eq 0 ]; then
    printf '%-10s %s executions in %s s (%s/s), %s, corpus %s inputs: no crash\n' "$target" "${runs:-?}" "$seconds" "${rate:-?}" "${cov:-cov: ?}" "$(ls "$out/corpus" | wc -l)"
  else
    failed=1
    echo "$target: libFuzzer exited $status; what it found is in $out/ (crash-*, timeout-*, oom-*):"
    tail -40 "$log"
  fi
done
exit "$failed"
