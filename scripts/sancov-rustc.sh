#!/bin/sh
# A RUSTC_WRAPPER that instruments Preflight's own code (the library and the fuzz_coverage
# example) for libFuzzer's coverage feedback, with options the stable rustc takes, and leaves
# every dependency as the tests built it. Used by scripts/fuzz-coverage.sh.
rustc="$1"
shift
case " $* " in
  *" --crate-name preflight "* | *" --crate-name fuzz_coverage "*)
    exec "$rustc" "$@" -Cpasses=sancov-module \
      -Cllvm-args=-sanitizer-coverage-level=4 \
      -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
      -Cllvm-args=-sanitizer-coverage-pc-table \
      -Cllvm-args=-sanitizer-coverage-trace-compares
    ;;
esac
exec "$rustc" "$@"
