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
    print("\n| benchmark | median ms | GB/s | % of copy | GFLOP/s | % of cuBLAS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for b in data.get("benchmarks", []):
        name = b["name"].replace("/manual_time", "")
        if b.get("error_occurred"):
            print(f"| {name} | error: {b.get('error_message', '')} | | | | |")
            continue
        def fmt(key, spec="{:.1f}"):
            return spec.format(b[key]) if key in b else ""
        if "/copy/" in name:
            what = f"{fmt('pct_of_copy')} (not a ceiling)" if "pct_of_copy" in b else "(ceiling)"
            print(f"| {name} | | {fmt('GB/s')} | {what} | | |")
            continue
        print(f"| {name} | {fmt('median_ms', '{:.3f}')} | {fmt('GB/s')} | {fmt('pct_of_copy')} | "
              f"{fmt('GFLOP/s')} | {fmt('pct_of_cublas')} |")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: bench/summarize.py RESULTS.json", file=sys.stderr)
        sys.exit(2 if len(sys.argv) != 2 else 0)
    main(sys.argv[1])
