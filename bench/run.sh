#!/usr/bin/env bash
# Runs chord-bench and writes Google Benchmark's JSON to results/<device>/<date>-<commit>/bench.json (one folder
# per run: ci/gpu.sh's logs go beside it).
# Extra arguments go to chord-bench (e.g. --benchmark_filter=cuda/). Prints the output path last.
[[ "${1:-}" == --help || "${1:-}" == -h ]] && { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; } # the header
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${CHORD_BENCH_BIN:-$(command -v chord-bench || echo "$root/build/bin/chord-bench")}
[ -x "$bench" ] || { echo "bench/run.sh: $bench not built (run ci/test.sh or cmake --build build)" >&2; exit 1; }

commit=${CHORD_COMMIT:-$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}
if [ -z "${CHORD_COMMIT:-}" ] && ! git -C "$root" diff --quiet HEAD 2>/dev/null; then commit="$commit-dirty"; fi
date=$(date -u +%Y-%m-%d)
# shellcheck source=bench/device.sh
source "$root/bench/device.sh"
device=$(chord_device_name)
slug=$(chord_device_slug "$device")
mkdir -p "$root/results/$slug/$date-$commit"
out="$root/results/$slug/$date-$commit/bench.json"
echo "bench/run.sh: $device, commit $commit -> $out" >&2
"$bench" --benchmark_out="$out" --benchmark_out_format=json \
  --benchmark_context=commit="$commit" --benchmark_context=date="$date" --benchmark_context=device="$device" "$@" >&2
echo "$out"
