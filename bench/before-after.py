#!/usr/bin/env python3
"""Compares two chord-bench JSON files of one machine (before and after a change, measured in the same call):
a Markdown table of every benchmark both ran, each side's median time and % of its own copy ceiling, and the
after/before time ratio, then the spread of those ratios. usage: bench/before-after.py BEFORE.json AFTER.json [REGEX]
(REGEX: only the benchmarks whose name it matches, e.g. '^(opencl|vulkan)/')."""
import json
import re
import statistics
import sys


def load(path):
    """name -> benchmark; a file cut off mid-run (a time limit) is read up to its last complete benchmark."""
    with open(path) as f:
        text = f.read()
    try:
        data = json.loads(text)
    except ValueError:
        cut = text.rfind("\n    },")
        data = json.loads(text[:cut] + "\n    }\n  ]\n}") if cut > 0 else {"benchmarks": []}
        data["cut_off"] = True
    rows = {}
    for b in data.get("benchmarks", []):
        if not b.get("error_occurred"):
            rows[b["name"].replace("/manual_time", "")] = b
    return data.get("context", {}), rows, data.get("cut_off", False)


def ms(b):
    """The median launch time where chord-bench recorded it (op rows), else Google Benchmark's per-iteration time
    (the copy rows, whose iteration time is the copy's median)."""
    if "median_ms" in b:
        return b["median_ms"]
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ms")]
    return b["real_time"] * scale


def main(before_path, after_path, pattern=None):
    bctx, before, bcut = load(before_path)
    actx, after, acut = load(after_path)
    names = [n for n in after if n in before and (not pattern or re.search(pattern, n))]
    bc, ac = bctx.get("commit", "before"), actx.get("commit", "after")
    print(f"| benchmark | before {bc}: ms | % of copy | after {ac}: ms | % of copy | after / before time |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    ratios = []
    for n in names:
        b, a = before[n], after[n]
        r = ms(a) / ms(b) if ms(b) > 0 else float("nan")
        ratios.append(r)
        pct = lambda x: f"{x['pct_of_copy']:.1f}" if "pct_of_copy" in x else "(ceiling)" if "/copy/" in n else ""
        print(f"| {n} | {ms(b):.4f} | {pct(b)} | {ms(a):.4f} | {pct(a)} | {r:.3f} |")
    print()
    if ratios:
        print(f"{len(names)} benchmarks in both ({len(before)} ran before, {len(after)} after"
              f"{'; before cut off by its time limit' if bcut else ''}{'; after cut off' if acut else ''}); "
              f"after / before time: median {statistics.median(ratios):.3f}, range {min(ratios):.3f}-{max(ratios):.3f}.")
    else:
        print("no benchmark in both files")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    main(*sys.argv[1:])
