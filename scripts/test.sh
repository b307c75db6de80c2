#!/bin/bash
# Builds bulkhead twice (gcc; clang with ASan+UBSan and libFuzzer), runs the
# cmocka unit tests and the pytest integration tests on both builds, and
# runs every fuzz target briefly over its seed corpus. Exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
fail=0
step() { echo; echo "=== $*"; }

step "build: gcc"
[ -d build ] || meson setup build >/dev/null
ninja -C build
step "build: clang + ASan/UBSan + libFuzzer"
[ -d build-asan ] || CC=clang meson setup build-asan -Dfuzz=true \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for b in build build-asan; do
  step "unit tests ($b)"
  meson test -C "$b" --print-errorlogs || fail=1
  step "integration tests ($b)"
  big=$((1 << 30))
  [ "$b" = build-asan ] && big=$((256 << 20))   # 1 GiB runs in the gcc build
  BULKHEAD_BUILD="$b" BULKHEAD_BIG_BYTES=$big /usr/bin/python3 -m pytest \
      -p no:cacheprovider -q tests/integration || fail=1
done

step "fuzz targets (${FUZZ_SECONDS}s each over the seed corpus)"
fuzz_ok=0 fuzz_bad=0
for f in build-asan/fuzz/fuzz_*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  name=${f##*/fuzz_}
  work=$(mktemp -d)
  if "$f" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 "$work" \
        "fuzz/corpus/$name" >"$work.log" 2>&1; then
    echo "fuzz_$name: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$' || echo '?') runs)"
    fuzz_ok=$((fuzz_ok+1))
  else
    echo "fuzz_$name: FAILED"; tail -30 "$work.log"; fuzz_bad=$((fuzz_bad+1)); fail=1
  fi
  rm -rf "$work" "$work.log"
done
echo "fuzz: $fuzz_ok passed, $fuzz_bad failed"
exit $fail
