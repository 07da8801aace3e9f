#!/usr/bin/env bash
# `trail grep` against `grep -F` on the same generated log set (see Benchmarks/README.md, "trail grep").
#   bash Benchmarks/grep-bench.sh [MEGABYTES]      default 1000 (uncompressed), best of 3 runs each
# Generates the files with grep-gen.py in a temporary directory (deleted at the end), builds the
# release `trail`, warms the page cache, then times, for the plain files, `trail grep --json ID`
# (also with TRAIL_GREP_THREADS=1) and `grep -rhF ID`, and for the gzipped files `trail grep --json ID` and `zcat … | grep -F ID`.
# Checks that both find the same number of lines. Env: SWIFT (default /opt/swift/usr/bin/swift).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
SWIFT="${SWIFT:-/opt/swift/usr/bin/swift}"
MB="${1:-1000}"
WORK="$(mktemp -d /tmp/trail-grep-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

"$SWIFT" build -c release --product trail --package-path "$ROOT" >&2
TRAIL="$("$SWIFT" build -c release --package-path "$ROOT" --show-bin-path)/trail"
read -r ID EXPECTED < <(python3 "$HERE/grep-gen.py" "$WORK" "$MB" 2)
PLAIN_BYTES=$(cat "$WORK"/plain/* | wc -c)
GZ_BYTES=$(zcat "$WORK"/gz/* | wc -c)
GZ_DISK=$(cat "$WORK"/gz/* | wc -c)
cat "$WORK"/plain/* "$WORK"/gz/* > /dev/null   # page cache: measure the search, not the disk

# best of 3 wall-clock seconds of "$@", then the number of lines it printed
best() {
  local best="" t0 t1 s
  for _ in 1 2 3; do
    t0=$(date +%s%N); "$@" > "$WORK/out"; t1=$(date +%s%N)
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    if [ -z "$best" ] || awk -v s="$s" -v b="$best" 'BEGIN { exit !(s < b) }'; then best=$s; fi
  done
  echo "$best $(wc -l < "$WORK/out")"
}
rate() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f", bytes / 1e6 / s }'; }

read -r T_PLAIN L1 < <(best "$TRAIL" grep --json --no-progress "$ID" "$WORK/plain")
read -r T1_PLAIN _ < <(TRAIL_GREP_THREADS=1 best "$TRAIL" grep --json --no-progress "$ID" "$WORK/plain")
read -r G_PLAIN L2 < <(best grep -rhF "$ID" "$WORK/plain")
read -r T_GZ L3 < <(best "$TRAIL" grep --json --no-progress "$ID" "$WORK/gz")
read -r T1_GZ _ < <(TRAIL_GREP_THREADS=1 best "$TRAIL" grep --json --no-progress "$ID" "$WORK/gz")
read -r G_GZ L4 < <(best sh -c "zcat '$WORK'/gz/* | grep -F '$ID'")
[ "$L1" = "$L2" ] && [ "$L3" = "$L4" ] && [ $((L1 + L3)) = "$EXPECTED" ] \
  || { echo "grep-bench: line counts differ: trail $L1/$L3, grep $L2/$L4, generated $EXPECTED" >&2; exit 1; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ)  $(nproc) cores  $(git -C "$ROOT" rev-parse --short HEAD)  trace $ID: $EXPECTED lines"
printf '%-34s %12s %9s %9s\n' "files" "MB (uncomp.)" "seconds" "MB/s"
printf '%-34s %12s %9s %9s\n' "plain: trail grep --json" "$((PLAIN_BYTES / 1000000))" "$T_PLAIN" "$(rate "$PLAIN_BYTES" "$T_PLAIN")"
printf '%-34s %12s %9s %9s\n' "plain: trail grep, 1 thread" "$((PLAIN_BYTES / 1000000))" "$T1_PLAIN" "$(rate "$PLAIN_BYTES" "$T1_PLAIN")"
printf '%-34s %12s %9s %9s\n' "plain: grep -rhF" "$((PLAIN_BYTES / 1000000))" "$G_PLAIN" "$(rate "$PLAIN_BYTES" "$G_PLAIN")"
printf '%-34s %12s %9s %9s\n' "gzip ($((GZ_DISK / 1000000)) MB): trail grep --json" "$((GZ_BYTES / 1000000))" "$T_GZ" "$(rate "$GZ_BYTES" "$T_GZ")"
printf '%-34s %12s %9s %9s\n' "gzip: trail grep, 1 thread" "$((GZ_BYTES / 1000000))" "$T1_GZ" "$(rate "$GZ_BYTES" "$T1_GZ")"
printf '%-34s %12s %9s %9s\n' "gzip: zcat | grep -F" "$((GZ_BYTES / 1000000))" "$G_GZ" "$(rate "$GZ_BYTES" "$G_GZ")"
