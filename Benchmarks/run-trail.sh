#!/usr/bin/env bash
# Trail's L1, L2, S1 and L3 benchmarks in the peers' line format (/work/shared/bench/WORKLOAD.md):
#   peer workload ns_per_op allocs_per_op          (L1, L2, S1)
#   peer L3 ns_per_line - lines_per_second bytes   (L3, from trail-bench in a process of its own)
# Usable as `bash /work/shared/bench/peers/run.sh --extra /path/to/Benchmarks/run-trail.sh`.
#
# 1. ordo-one/benchmark (TrailBenchmarks, same configuration as the peers), converted like run.sh's
#    influx_to_lines: ns_per_op = median wallClock sample / 1000, allocs_per_op = median
#    mallocCountTotal sample / 1000. These are the `trail` lines.
# 2. unless TRAIL_LOOP=0: the plain-loop cross-check (trail-bench: no ordo-one, own malloc counter),
#    printed as peer `trail-loop`.
# What happened to the spans (exported / dropped by the batch processor) and to the log lines
# (accepted / written / dropped by the pipeline's writer) is printed as `#` lines, and so is one
# sample L1 line (`trail-bench --sample`: the same call through a real StdoutSink(format: .json)).
# Env: SWIFT (default /opt/swift/usr/bin/swift), TRAIL_PEER (default trail), TRAIL_LOOP (default 1),
#      TRAIL_BENCH_OUT (folder for raw output; default a new /tmp/trail-bench.XXXXXX).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SWIFT="${SWIFT:-/opt/swift/usr/bin/swift}"
PEER="${TRAIL_PEER:-trail}"
OUT="${TRAIL_BENCH_OUT:-$(mktemp -d /tmp/trail-bench.XXXXXX)}"
mkdir -p "$OUT"
cd "$HERE"

# The plugin builds TrailBenchmarks in release mode itself (don't pass -c release to `swift package`:
# that rebuilds its tool every time).
rm -f "$OUT/report.txt"
TRAIL_BENCH_REPORT="$OUT/report.txt" "$SWIFT" package benchmark --target TrailBenchmarks --no-progress \
  --format influx --path stdout >"$OUT/ordo.raw" 2>&1 || { tail -30 "$OUT/ordo.raw" >&2; exit 1; }
echo "# $PEER: ordo-one/benchmark 1.38.1 (wallClock, mallocCountTotal), median of 1000-op samples / 1000; $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?')"
grep '^TrailBenchmarks,' "$OUT/ordo.raw" | awk -F, -v peer="$PEER" '
  $10 == "50.0" && $7 == "Time(wallclock)" { t[$9] = $11 / 1000.0; order[++n] = $9 }
  $10 == "50.0" && $7 == "Malloc(total)"   { m[$9] = $11 / 1000.0 }
  END { for (i = 1; i <= n; i++) { k = order[i]; name = k; sub(/^trail /, peer " ", name)
        printf "%s %.1f %s\n", name, t[k], (k in m) ? sprintf("%.2f", m[k]) + 0 : "-" } }'
[ -f "$OUT/report.txt" ] && sed "s/^trail /$PEER /; s/^/# /" "$OUT/report.txt"

"$SWIFT" build -c release --product trail-bench >"$OUT/build-trail-bench.log" 2>&1 \
  || { tail -30 "$OUT/build-trail-bench.log" >&2; exit 1; }
echo "# $PEER sample L1 line: $("$HERE/.build/release/trail-bench" --sample)"
# L3 (1,000,000 lines to a file in $L3_DIR) in its own process, so its peak RSS is its own.
"$HERE/.build/release/trail-bench" --peer "$PEER" L3
if [ "${TRAIL_LOOP:-1}" != 0 ]; then
  "$HERE/.build/release/trail-bench" --peer "$PEER-loop"
fi
