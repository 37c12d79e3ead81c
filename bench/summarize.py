#!/usr/bin/env python3
"""Turns chord-bench JSON (results/<device>/<date>-<commit>/bench.json) into a Markdown table: each benchmark's
median time, GB/s, GFLOP/s and its ratio to the ceilings measured in the same run."""
import json
import sys


def main(path):
    with open(path) as f:
        data = json.load(f)
    ctx = data.get("context", {})
    print(f"# chord-bench: {ctx.get('device', '?')}, commit {ctx.get('commit', '?')}, {ctx.get('date', '?')}\n")
    print(f"Google Benchmark library build: {ctx.get('library_build_type', '?')} "
          "(Debian's package; chord's timings are device-side and unaffected).\n")
    for k, v in sorted(ctx.items()):
        if k.startswith("device."):
            print(f"- {k[7:]}: {v}")
    # the host backends' rows are also put against the host's own ceilings of the same run: the memory read
    # (host/read, what a decode step is bound by) and the f32 FMA peak (host/fma, the cpu GEMMs' pct_of_fma_peak)
    benches = data.get("benchmarks", [])
    host_read = next((b.get("GB/s") for b in benches if b["name"].startswith("host/read/")), None)
    print("\n| benchmark | median ms | GB/s | % of copy | % of host read | GFLOP/s | % of cuBLAS or FMA peak |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for b in benches:
        name = b["name"].replace("/manual_time", "")
        if b.get("error_occurred"):
            print(f"| {name} | error: {b.get('error_message', '')} | | | | | |")
            continue
        def fmt(key, spec="{:.1f}"):
            return spec.format(b[key]) if key in b else ""
        if "/copy/" in name:
            what = f"{fmt('pct_of_copy')} (not a ceiling)" if "pct_of_copy" in b else "(ceiling)"
            print(f"| {name} | | {fmt('GB/s')} | {what} | | | |")
            continue
        of_read = ""
        if host_read and name.split("/")[0] in ("cpu", "ref") and "GB/s" in b:
            of_read = f"{100.0 * b['GB/s'] / host_read:.1f}"
        peak = fmt("pct_of_cublas") or fmt("pct_of_fma_peak")
        print(f"| {name} | {fmt('median_ms', '{:.3f}')} | {fmt('GB/s')} | {fmt('pct_of_copy')} | {of_read} | "
              f"{fmt('GFLOP/s')} | {peak} |")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: bench/summarize.py RESULTS.json", file=sys.stderr)
        sys.exit(2 if len(sys.argv) != 2 else 0)
    main(sys.argv[1])
