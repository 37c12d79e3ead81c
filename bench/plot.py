#!/usr/bin/env python3
"""Pictures of results/<device>/<run>/ (matplotlib, Debian's python3-matplotlib):

  roofline.png  for a run with chord-bench JSON (bench.json): left, every benchmark's GB/s next to the copy ceiling
                of its API measured in that run (the 256 MiB device-to-device copy); right, the ops that count FLOPs
                as a roofline: GFLOP/s against arithmetic intensity (FLOP per byte moved), under each API's copy
                bandwidth and the best cuBLAS SGEMM of the run (each GEMM shape's own cuBLAS figure drawn as x).
                One marker and colour per API.
  vs-llama.png  for a run with vs-llama.json (rows of model, backend, test, chord_tok_s, llama_tok_s: a list, or
                {"rows": [...]}): chord's and llama.cpp's tokens/s side by side, one pair per model file, test and
                backend.

usage: /usr/bin/python3 bench/plot.py [--newest] [DIR ...]
  DIR is a run folder or any folder above runs (default: results/ next to this script); every run found under it is
  drawn. --newest draws only the newest run of each device that has each kind of JSON (newest: the later commit
  time of the run's commit where git knows it, else the later folder name). Prints each PNG written."""
import json
import os
import subprocess
import sys

try:
    import matplotlib
except ImportError:
    sys.exit(f"bench/plot.py: no matplotlib for {sys.executable}: install Debian's python3-matplotlib (ci/setup.sh "
             "does) and run it with the system Python, /usr/bin/python3 bench/plot.py")

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

API_STYLE = {"cuda": ("o", "tab:green"), "vulkan": ("s", "tab:red"), "opencl": ("^", "tab:blue"),
             "ref": ("D", "tab:gray")}
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def style(api):
    return API_STYLE.get(api, ("v", "tab:purple"))


def load_bench(path):
    with open(path) as f:
        data = json.load(f)
    ctx = data.get("context", {})
    rows = []
    for b in data.get("benchmarks", []):
        if b.get("error_occurred") or b.get("run_type", "iteration") != "iteration":
            continue
        parts = b["name"].replace("/manual_time", "").split("/")
        if len(parts) < 2:
            continue
        rows.append({"api": parts[0], "op": parts[1], "case": "/".join(parts[2:]), **b})
    return ctx, rows


def roofline(run, out):
    ctx, rows = load_bench(os.path.join(run, "bench.json"))
    if not rows:
        return False
    apis = sorted({r["api"] for r in rows}, key=lambda a: list(API_STYLE).index(a) if a in API_STYLE else 99)
    # The ceiling of each API: its copy that is not itself compared with a copy (the 256 MiB one).
    copy = {r["api"]: r["GB/s"] for r in rows if r["op"] == "copy" and "pct_of_copy" not in r and "GB/s" in r}
    # The host's own ceilings (host/read: memory read; host/fma: the f32 FMA peak) bound the host backends' rows.
    host = {r["op"]: r for r in rows if r["api"] == "host"}
    host_read = host.get("read", {}).get("GB/s")
    host_fma = host.get("fma", {}).get("GFLOP/s")
    rows = [r for r in rows if r["api"] != "host"]
    apis = [a for a in apis if a != "host"]
    work = [r for r in rows if r["op"] != "copy" or "pct_of_copy" in r]
    labels = sorted({f'{r["op"]}/{r["case"]}' for r in work})
    fig, (bw_ax, rf_ax) = plt.subplots(1, 2, figsize=(17, max(6.0, 0.22 * len(labels) + 2)),
                                       gridspec_kw={"width_ratios": [1.2, 1]})

    ypos = {lab: i for i, lab in enumerate(labels)}
    for api in apis:
        m, c = style(api)
        pts = [(r["GB/s"], ypos[f'{r["op"]}/{r["case"]}']) for r in work if r["api"] == api and "GB/s" in r]
        if pts:
            bw_ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=m, color=c, label=api, zorder=3)
        if api in copy:
            bw_ax.axvline(copy[api], color=c, ls="--", lw=1, label=f"{api} copy {copy[api]:.0f} GB/s")
    if host_read:
        bw_ax.axvline(host_read, color="black", ls="-.", lw=1, label=f"host memory read {host_read:.0f} GB/s")
    bw_ax.set_yticks(range(len(labels)))
    bw_ax.set_yticklabels(labels, fontsize=7)
    bw_ax.invert_yaxis()
    bw_ax.set_xlabel("GB/s (bytes each op must move, once)")
    bw_ax.set_title("bandwidth against each API's copy")
    bw_ax.grid(axis="x", alpha=0.3)
    bw_ax.legend(fontsize=8, loc="lower left")  # the memory-bound ops sit on the right

    flop = [r for r in work if r.get("GFLOP/s") and r.get("GB/s")]
    cublas = [(r["GFLOP/s"] / r["GB/s"], r["cublas_GFLOP/s"]) for r in flop if r.get("cublas_GFLOP/s")]
    ai_all = [r["GFLOP/s"] / r["GB/s"] for r in flop]
    if flop:
        lo, hi = min(ai_all) / 2, max(ai_all) * 2
        peak = max((c for _, c in cublas), default=None)
        fma_roof = peak is None and bool(host_fma)  # no cuBLAS here: the host's FMA peak is the compute roof
        if fma_roof:
            peak = host_fma
        for api in apis:
            m, c = style(api)
            pts = [(r["GFLOP/s"] / r["GB/s"], r["GFLOP/s"]) for r in flop if r["api"] == api]
            if pts:
                rf_ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=m, color=c, label=api, zorder=3)
            if api in copy:  # attainable = bandwidth x intensity, capped by the compute ceiling where measured
                xs = [lo, hi] if peak is None else [lo, min(hi, peak / copy[api])]
                rf_ax.plot(xs, [x * copy[api] for x in xs], color=c, ls="--", lw=1)
        if fma_roof:
            rf_ax.axhline(peak, color="black", ls=":", lw=1, label=f"host f32 FMA peak {peak:.0f} GFLOP/s")
            if host_read:
                xs = [lo, min(hi, peak / host_read)]
                rf_ax.plot(xs, [x * host_read for x in xs], color="black", ls="-.", lw=1,
                           label=f"host memory read {host_read:.0f} GB/s")
        elif peak is not None:
            rf_ax.axhline(peak, color="black", ls=":", lw=1, label=f"cuBLAS SGEMM {peak / 1e3:.1f} TFLOP/s (best)")
            rf_ax.scatter([a for a, _ in cublas], [c for _, c in cublas], marker="x", color="black",
                          label="cuBLAS at that GEMM's shape", zorder=2)
        rf_ax.set_xscale("log")
        rf_ax.set_yscale("log")
        rf_ax.set_xlabel("arithmetic intensity (FLOP per byte moved)")
        rf_ax.set_ylabel("GFLOP/s")
        rf_ax.grid(which="both", alpha=0.3)
        rf_ax.legend(fontsize=8, loc="lower right")
    else:
        rf_ax.text(0.5, 0.5, "no benchmark counts FLOPs", ha="center", transform=rf_ax.transAxes)
    rf_ax.set_title("roofline (dashed: each API's copy bandwidth)")
    fig.suptitle(f'chord-bench on {ctx.get("device", "?")}, commit {ctx.get("commit", "?")}, '
                 f'{ctx.get("date", "?")} ({os.path.basename(run)})')
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True


def vs_llama(run, out):
    with open(os.path.join(run, "vs-llama.json")) as f:
        data = json.load(f)
    rows = data.get("rows", []) if isinstance(data, dict) else data
    rows = [r for r in rows if r.get("chord_tok_s") or r.get("llama_tok_s")]
    if not rows:
        return False
    labels = [f'{os.path.basename(str(r.get("model", "?")))}\n{r.get("test", "?")} ({r.get("backend", "?")})'
              for r in rows]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(rows) + 2), 5.5))
    xs = range(len(rows))
    # prefill and decode rates differ by 10-100x: a log axis keeps both readable
    ax.set_yscale("log")
    floor = min(v for r in rows for v in (r.get("chord_tok_s"), r.get("llama_tok_s")) if v) / 2
    for off, key, name, colour in ((-0.2, "chord_tok_s", "chord", "tab:green"),
                                   (0.2, "llama_tok_s", "llama.cpp", "tab:orange")):
        vals = [r.get(key) or floor for r in rows]  # a missing figure: no bar, "n/a" at the floor
        bars = ax.bar([x + off for x in xs], vals, width=0.4, label=name, color=colour)
        for b, r in zip(bars, rows):
            v = r.get(key)
            if not v:
                b.set_visible(False)
            ax.annotate(f"{v:.0f}" if v else "n/a", (b.get_x() + b.get_width() / 2, v or floor),
                        ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels, fontsize=7, rotation=30, ha="right")
    ax.set_ylabel("tokens/s")
    ctx = data.get("context", {}) if isinstance(data, dict) else {}
    ax.set_title(f'chord vs llama.cpp: {ctx.get("device", os.path.basename(os.path.dirname(run)))} '
                 f'({os.path.basename(run)})')
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True


KINDS = (("bench.json", "roofline.png", roofline), ("vs-llama.json", "vs-llama.png", vs_llama))


def runs_under(d):
    for base, dirs, files in os.walk(d):
        dirs.sort()
        if any(k[0] in files for k in KINDS):
            yield base


def run_time(run):
    """The commit time of the run's commit (its folder is <date>-<commit>[-suffix]), else 0."""
    parts = os.path.basename(run).split("-")
    commit = parts[3] if len(parts) > 3 else ""
    try:
        t = subprocess.run(["git", "-C", ROOT, "show", "-s", "--format=%ct", commit], capture_output=True,
                           text=True, check=False).stdout.strip()
        return int(t) if t.isdigit() else 0
    except OSError:
        return 0


def main(argv):
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    newest = "--newest" in argv
    dirs = [a for a in argv if a != "--newest"] or [os.path.join(ROOT, "results")]
    runs = sorted({r for d in dirs for r in runs_under(d)})
    if not runs:
        print(f"bench/plot.py: no bench.json or vs-llama.json under {' '.join(dirs)}", file=sys.stderr)
        return 1
    todo = []
    for src, png, fn in KINDS:
        have = [r for r in runs if os.path.exists(os.path.join(r, src))]
        if newest:
            by_dev = {}
            for r in have:
                by_dev.setdefault(os.path.dirname(r), []).append(r)
            have = [max(rs, key=lambda r: (run_time(r), os.path.basename(r))) for rs in by_dev.values()]
        todo += [(r, png, fn) for r in have]
    bad = 0
    for run, png, fn in todo:
        out = os.path.join(run, png)
        try:
            ok = fn(run, out)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            print(f"bench/plot.py: {run}: {e}", file=sys.stderr)
            bad += 1
            continue
        print(out if ok else f"bench/plot.py: {run}: nothing to draw for {png}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
