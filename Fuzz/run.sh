#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/Targets and runs each for a bounded time.
#
#   bash Fuzz/run.sh [--seconds N] [target ...]     (default: 20 s each, every target)
#
# The Trail module is compiled once (coverage + AddressSanitizer, -enable-testing, optimised) and
# reused by every target; it is rebuilt only when its sources or the toolchain change. Each target is
# its file in Fuzz/Targets plus the shared checks in Tests/TrailTests/FuzzChecks. A target fuzzes a
# copy of its committed seed corpus (Fuzz/corpus/<target>); new inputs stay under .build-fuzz/, never
# in the repository. Exits non-zero when a target crashes, with the reproducer and the command to
# re-run it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/opt/swift/usr/bin:$PATH"

ALL_TARGETS=(traceparent baggage b3 jaeger json-line json-scan)
seconds=20
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --seconds=*) seconds="${1#--seconds=}"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: --seconds must be a positive integer" >&2; exit 2; }
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
  [ -f "Fuzz/Targets/$t.swift" ] || { echo "fuzz: no target $t (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

# Longest input per target: room for every limit the checks test (33+ tracestate members, 8192+
# bytes of baggage) without wasting runs on huge inputs.
max_len() {
  case "$1" in
    traceparent) echo 4096 ;; baggage) echo 12000 ;; b3) echo 512 ;; jaeger) echo 1024 ;; *) echo 4096 ;;
  esac
}

out=.build-fuzz
mkdir -p "$out/trail" "$out/bin" "$out/logs"
flags=(-O -swift-version 6 -parse-as-library -sanitize=fuzzer,address)

# 1. The Trail module, instrumented, rebuilt only when something it depends on changed.
stamp=$( { swiftc --version 2>&1; echo "${flags[*]}"; find Sources/Trail Sources/CZlib -type f | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)
if [ "$(cat "$out/trail/stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "fuzz: building the Trail module (instrumented, about a minute)"
  rm -f "$out/trail/stamp"
  # shellcheck disable=SC2046  # the source list is file names without spaces
  swiftc "${flags[@]}" -wmo -enable-testing -module-name Trail -package-name trail -I Sources/CZlib \
    -emit-module -emit-module-path "$out/trail/Trail.swiftmodule" -emit-object -o "$out/trail/Trail.o" \
    $(find Sources/Trail -name '*.swift' | LC_ALL=C sort) > "$out/logs/trail-build.log" 2>&1 \
    || { cat "$out/logs/trail-build.log" >&2; echo "fuzz: building Trail failed" >&2; exit 1; }
  echo "$stamp" > "$out/trail/stamp"
fi

failed=0
for t in "${targets[@]}"; do
  # 2. The target: its entry point, the shared checks, linked with Trail and zlib.
  binary="$out/bin/$t"
  if ! swiftc "${flags[@]}" -module-name "Fuzz_${t//-/_}" -I "$out/trail" -I Sources/CZlib \
      "Fuzz/Targets/$t.swift" Tests/TrailTests/FuzzChecks/*.swift "$out/trail/Trail.o" -lz -o "$binary" \
      > "$out/logs/$t-build.log" 2>&1; then
    grep -v 'ld.gold: warning' "$out/logs/$t-build.log" >&2 || true
    echo "fuzz: $t: build failed" >&2; failed=1; continue
  fi

  # 3. Fuzz a working copy of the seed corpus; findings go to artifacts/<target>/.
  corpus="$out/corpus/$t"
  artifacts="$out/artifacts/$t"
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  cp Fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  log="$out/logs/$t.log"
  status=0
  started=$SECONDS
  # -max_total_time bounds the fuzzing, -timeout each input; `timeout` bounds everything else.
  # The Swift runtime's backtracer is off: ASan reports the crash.
  SWIFT_BACKTRACE=enable=no timeout -k 10 $((seconds + 120)) "$binary" -max_total_time="$seconds" -timeout=10 -max_len="$(max_len "$t")" \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" > "$log" 2>&1 || status=$?

  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | cut -d' ' -f2 || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | cut -d' ' -f2 || true)
  corp=$(grep -o 'corp: [0-9]*' <<<"$last" | cut -d' ' -f2 || true)
  if [ "$status" -eq 0 ]; then
    result=ok
  else
    result="CRASH (exit $status)"
    failed=1
  fi
  printf 'fuzz: %-12s %8s runs in %ss, cov %s, ft %s, corpus %s: %s\n' \
    "$t" "${runs:-?}" "$((SECONDS - started))" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
  if [ "$status" -ne 0 ]; then
    reproducer=$(ls -t "$artifacts"/* 2>/dev/null | head -1 || true)
    grep -E 'property violated|ERROR: AddressSanitizer|ERROR: libFuzzer|Fatal error|SUMMARY' "$log" | head -5 >&2 || true
    echo "fuzz: $t: log $log" >&2
    if [ -n "$reproducer" ]; then
      echo "fuzz: $t: reproducer $reproducer" >&2
      echo "fuzz: $t: re-run with: $binary $reproducer" >&2
    fi
  fi
done
exit "$failed"
