#!/usr/bin/env python3
"""Turns a bench/vs-llama.sh run folder's raw/ outputs into vs-llama.json (one row per file, backend and test) and
vs-llama.md beside it. usage: bench/vs-llama.py RUN_DIR [--merge OTHER/vs-llama.json]
(a run split over several calls: their raw/ folders merged). --merge takes an earlier run on the same device: its
rows this run lacks (file id, backend, test) are carried over as they were, and this run's rows without a llama.cpp
figure take that run's (same file id and test); each such row names its source, and the table says so.
Rows go file by file (in the order of the run's --files), then test, then backend; the table puts llama.cpp's row
of each file and test first.

raw/ holds, per sitting S (s1, s2, ...; a tagged call's sittings are s<tag>1, ...):
  FILE.file.json             the file: id, path, shape, origin, tests
  FILE.llama.S.dD.json       llama-bench -o json at depth D (a list, one object per test)
  FILE.chord-BACKEND.S.json  chord bench-model -o json
  copy.S.json                chord-bench's <api>/copy/256MiB, and host/read/1GiB on --cpu (Google Benchmark JSON)
  NAME.err                   the last lines of a command that failed (its .json is absent)
  run.*.json                 device, date, commits, settings, load average before and after
"""
import glob
import json
import os
import statistics
import sys


def load(path):
    """The JSON in path, or None (with a note) when a command wrote nothing usable."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"vs-llama.py: {path}: {e}; left out", file=sys.stderr)
        return None


def test_name(n_prompt, n_gen, n_depth):
    name = f"pp{n_prompt}" if n_prompt else f"tg{n_gen}"
    return name + (f"@d{n_depth}" if n_depth else "")


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def read_raw(raw):
    runs = [load(p) for p in sorted(glob.glob(os.path.join(raw, "run.*.json")))]
    if not runs:
        sys.exit(f"vs-llama.py: no run.*.json in {raw}")
    files = {}
    for p in glob.glob(os.path.join(raw, "*.file.json")):
        f = load(p)
        files[f["id"]] = f
    chord, llama, errors, copies = {}, {}, {}, {}
    for p in sorted(glob.glob(os.path.join(raw, "*.json"))):
        parts = os.path.basename(p).split(".")
        if parts[0] == "copy" and len(parts) == 3:
            for b in (load(p) or {}).get("benchmarks", []):
                api = b["name"].split("/")[0]
                if "GB/s" in b:
                    copies.setdefault(api, []).append(b["GB/s"])
        elif len(parts) == 5 and parts[1] == "llama":
            for t in load(p) or []:
                name = test_name(t["n_prompt"], t["n_gen"], t["n_depth"])
                llama.setdefault((parts[0], name), []).append((parts[2], statistics.median(t["samples_ts"]), t))
        elif len(parts) == 4 and parts[1].startswith("chord-"):
            j = load(p) or {"tests": []}
            for t in j["tests"]:
                chord.setdefault((parts[0], parts[1][6:], t["test"]), []).append((parts[2], t["median_ts"], t, j))
    for p in glob.glob(os.path.join(raw, "*.err")):
        with open(p) as f:
            errors[os.path.basename(p)[:-4]] = f.read().strip().splitlines()[-1:] or ["(no output)"]
    return runs, files, chord, llama, errors, copies


def ceiling(run, copies):
    """(api, GB/s) of the run's bandwidth ceiling. On the CPU, the cores' memory read (host/read/1GiB): a decode step
    reads and barely writes, and a copy (one thread's memcpy on ref) read slower than llama.cpp's decode did. On a
    GPU, the best 256 MiB device-to-device copy any API reached."""
    if run["mode"] == "cpu" and copies.get("host"):
        return "host", max(copies["host"])
    apis = [a for a in copies if a != "host"]
    best = max(apis, key=lambda a: max(copies[a])) if apis else None
    return best, max(copies[best]) if best else None


def file_order(runs, files):
    """The file ids in the order the run's --files named them (run.*.json "files"), then any others by name."""
    order = []
    for r in runs:
        for i in r.get("files", "").split(","):
            fid = os.path.basename(i)
            fid = (fid[:-5] if fid.endswith(".gguf") else fid).replace(".", "_")
            if fid in files and fid not in order:
                order.append(fid)
    return order + sorted(f for f in files if f not in order)


def test_key(test):
    """pp before tg, then by length, then by depth: pp512, tg128, tg128@d4096."""
    kind, _, depth = test.partition("@d")
    return (kind[:2] != "pp", int(kind[2:] or 0), int(depth or 0))


def merge(rows, path, order, backends):
    """Carries over the rows of an earlier run (path) that this one lacks, and fills this run's missing llama.cpp
    figures from it; sorts every row by file, test, backend. Returns (rows carried, rows filled)."""
    with open(path) as f:
        other = json.load(f)
    src = os.path.relpath(os.path.abspath(path), os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    have = {(r["model"], r["backend"], r["test"]) for r in rows}
    carried = [dict(r, carried_from=src) for r in other["rows"] if (r["model"], r["backend"], r["test"]) not in have]
    rows += carried
    theirs = {(r["model"], r["test"]): r for r in other["rows"] if r.get("llama_tok_s")}
    filled = 0
    for r in rows:
        o = theirs.get((r["model"], r["test"]))
        if r["llama_tok_s"] is not None or not o:
            continue
        r.update({k: o.get(k) for k in ("llama_tok_s", "llama_sittings", "llama_backend", "llama_n_threads",
                                         "llama_commit")})
        r["llama_from"] = src
        r["llama_date"] = o.get("date")
        r["ratio"] = r["chord_tok_s"] / r["llama_tok_s"] if r["chord_tok_s"] else None
        bpt = r["bytes_per_token"]
        r["llama_pct_of_copy"] = (100.0 * r["llama_tok_s"] * bpt / (r["copy_gb_s"] * 1e9)
                                  if r["test"].startswith("tg") and bpt and r["copy_gb_s"] else None)
        filled += 1
    order = order + [m for m in dict.fromkeys(r["model"] for r in other["rows"]) if m not in order]
    theirs_b = list(dict.fromkeys(r["backend"] for r in other["rows"]))  # the earlier run's order first
    backends = theirs_b + [b for b in backends if b not in theirs_b]
    rows.sort(key=lambda r: (order.index(r["model"]), test_key(r["test"]), backends.index(r["backend"])))
    return len(carried), filled


def build(run_dir, merge_from=None):
    raw = os.path.join(run_dir, "raw")
    runs, files, chord, llama, errors, copies = read_raw(raw)
    run = runs[0]
    backends = []
    for r in runs:
        backends += [b for b in r["backends"].split(",") if b not in backends]
    best_api, copy_gb_s = ceiling(run, copies)
    rows = []
    order = file_order(runs, files)
    names = os.listdir(raw)
    for fid in order:
        f = files[fid]
        for test in f["tests"].split(","):
            for b in backends:
                if not any(n.startswith(f"{fid}.chord-{b}.") for n in names):
                    continue  # not run on this file (a run in parts, each with its own backends): no row, not "failed"
                c = sorted(chord.get((fid, b, test), []))
                l = sorted(llama.get((fid, test), []))
                c_best = max((x[1] for x in c), default=None)
                l_best = max((x[1] for x in l), default=None)
                cj = c[0][3] if c else next((x[3] for k, v in chord.items() if k[0] == fid for x in v), None)
                ct = c[0][2] if c else None
                lt = l[0][2] if l else None
                bpt = cj["bytes_per_token"] if cj else None
                tg = test.startswith("tg")

                def pct(ts):
                    if not (tg and ts and bpt and copy_gb_s):
                        return None
                    return 100.0 * ts * bpt / (copy_gb_s * 1e9)

                err = [f"{k}: {v[0]}" for k, v in errors.items() if k.startswith(f"{fid}.chord-{b}.")]
                err += [f"{k}: {v[0]}" for k, v in errors.items() if k.startswith(f"{fid}.llama.")]
                rows.append({
                    "model": fid, "file": os.path.basename(f["path"]), "origin": f["origin"], "shape": f["shape"],
                    "type": cj["type"] if cj else (lt["model_type"].split()[-1].lower() if lt else None),
                    "bytes_per_token": bpt, "backend": b, "test": test,
                    "chord_tok_s": c_best, "llama_tok_s": l_best,
                    "ratio": c_best / l_best if c_best and l_best else None,
                    "copy_gb_s": copy_gb_s, "pct_of_copy": pct(c_best), "llama_pct_of_copy": pct(l_best),
                    "chord_sittings": [x[1] for x in c], "llama_sittings": [x[1] for x in l],
                    "kv_bytes_per_token_chord": ct["kv_bytes_per_token"] if ct else None,
                    "llama_backend": lt["backends"] if lt else None, "llama_n_threads": lt["n_threads"] if lt else None,
                    "chord_device": cj["device"] if c else None,
                    "chord_threads": c[0][3].get("n_threads") if c else None,
                    "llama_commit": run["llama_commit"], "chord_commit": run["chord_commit"],
                    "device": run["device"], "date": run["date"], "errors": err,
                })
    carried, filled = merge(rows, merge_from, order, backends) if merge_from else (0, 0)
    out = {
        "device": run["device"], "date": run["date"], "chord_commit": run["chord_commit"],
        "llama_commit": run["llama_commit"], "llama_source": f"llama-cpp-python=={run['llama_py_version']} sdist",
        "copy_gb_s": copy_gb_s, "copy_api": best_api, "copy_by_api": copies, "runs": runs, "rows": rows,
    }
    # chord's switches the run had (vs-llama.sh's chord_env): anything but its defaults is said in the table's head
    envs = sorted({r.get("chord_env", "") for r in runs if r.get("chord_env")})
    if envs:
        out["chord_env"] = " ".join(envs)
    if carried or filled:
        out["merged_from"] = merge_from_rel = os.path.relpath(os.path.abspath(merge_from), os.path.join(
            os.path.dirname(os.path.abspath(__file__)), ".."))
        out["note"] = (f"merged with `{merge_from_rel}`, an earlier run on this device: {carried} row(s) are "
                       f"carried over from it as they were (their chord_commit and date say so), and {filled} row(s) "
                       "of this run take llama.cpp's figure from it (same file and test; llama.cpp was not run "
                       "again).")
    with open(os.path.join(run_dir, "vs-llama.json"), "w") as f:
        json.dump(out, f, indent=1)
    with open(os.path.join(run_dir, "vs-llama.md"), "w") as f:
        f.write(markdown(out))
    print(os.path.join(run_dir, "vs-llama.json"))


def spread(rows):
    """The largest best/worst ratio between sittings of one figure in the run (1 when every sitting agreed)."""
    worst = 1.0
    for r in rows:
        for xs in (r["chord_sittings"], r["llama_sittings"]):
            if len(xs) > 1 and min(xs) > 0:
                worst = max(worst, max(xs) / min(xs))
    return worst


def markdown(out):
    runs, rows = out["runs"], out["rows"]
    run = runs[0]
    cpu = run["mode"] == "cpu"
    threads = run["threads"] != "default"
    sittings = max((len(r["chord_sittings"]) for r in rows), default=0) > 1 or \
        max((len(r["llama_sittings"]) for r in rows), default=0) > 1
    lines = [
        f"# chord next to llama.cpp: {out['device']}, {out['date']}",
        "",
        f"chord `{out['chord_commit']}`, llama.cpp `{out['llama_commit']}` ({out['llama_source']}; llama-bench "
        f"`-fa 1{' -t ' + run['threads'] if threads else ''}{'' if cpu else ' -ngl 99'}`), the same GGUF file for "
        f"both, in one process tree. A sitting runs, file by file, llama-bench and then `chord bench-model` on each "
        f"backend; this run holds {run['sittings']} sitting(s), each test {run['reps']} timed runs after one "
        "warm-up run. A figure is the median of a sitting's runs; the table gives each side's best sitting"
        + (" and, in the last column, every sitting." if sittings else "."),
        "",
        "Tests as llama-bench defines them: ppP is a P-token prompt in one batch from an empty context; tgN is N "
        "single-token steps starting at position 0 (not after a pp); @dD runs the test after D tokens of context.",
        "",
    ]
    if out.get("note"):
        lines += [f"**Note:** {out['note']}", ""]
    if out.get("chord_env"):
        lines += [f"**Not chord's defaults:** chord ran with `{out['chord_env']}`.", ""]
    if out["copy_gb_s"]:
        by_api = ", ".join(f"{a} {max(v):.1f}" for a, v in out["copy_by_api"].items() if a != "host")
        if out["copy_api"] == "host":
            what = (f"Ceiling: {out['copy_gb_s']:.1f} GB/s, the host's memory read (chord-bench `host/read/1GiB`: "
                    "the cores sum a 1 GiB buffer, as many threads as CHORD_REF_THREADS or -t says, else one per "
                    f"core; median of 10) in this run (the copies: {by_api} GB/s). A decode step reads its weights and "
                    "writes next to nothing, so a read, not a copy, bounds it; ref's copy is one thread's memcpy, "
                    "which on the 2-core CI machine measured less than llama.cpp's own decode read.")
        else:
            what = (f"Copy ceiling: {out['copy_gb_s']:.1f} GB/s, the best 256 MiB device-to-device copy "
                    f"(chord-bench `<api>/copy/256MiB`, bytes read + written, median of 20) in this run ({by_api} "
                    "GB/s).")
        lines += [
            what + " % of ceiling = tok/s x bytes_per_token / ceiling, for tg only; bytes_per_token counts the "
            "weights a decode step reads (every tensor but token_embd when output.weight exists), not the KV cache "
            "(chord keeps it in f32, llama.cpp in f16), so at depth it understates what both read.",
            "",
        ]
    if threads:
        lines += [f"Threads: `-t {run['threads']}` for llama.cpp and for chord (its CPU backends: the reference's "
                  "matmuls, PoCL, lavapipe).", ""]
    if cpu:
        loads = "; ".join(f"{r.get('load_before')} before, {r.get('load_after')} after" for r in runs)
        lines += [
            "**Noisy:** a 2-core machine shared with other jobs (load average: "
            f"{loads}{'; run under nice ' + run['niceness'] if run.get('niceness', '0') != '0' else ''}); the "
            f"same figure differs by up to {spread(rows):.1f}x between sittings in this run. The "
            "tests are shortened from pp512/tg128/tg128@d4096 so that two sittings of ref, PoCL and lavapipe fit "
            "about 20 minutes (lavapipe decodes the 1B file at well under 1 tok/s).",
            "",
        ]
    lines += ["| model | type | test | backend | tok/s | / llama.cpp | % of ceiling |"
              + (" sittings |" if sittings else ""),
              "| --- | --- | --- | --- | ---: | ---: | ---: |" + (" --- |" if sittings else "")]
    seen = set()
    def row(r, who, tok_s, ratio, pct, runs):
        line = (f"| {r['model']} | {r['type']} | {r['test']} | {who} | "
                f"{fmt(tok_s) if tok_s is not None else 'failed'} | {ratio} | {fmt(pct, 1)} |")
        return line + (f" {', '.join(fmt(x) for x in runs) or '-'} |" if sittings else "")

    for r in rows:  # file, then test, then backend: llama.cpp's row of each file and test before chord's
        if (r["model"], r["test"]) not in seen:
            seen.add((r["model"], r["test"]))
            who = f"llama.cpp ({r['llama_backend']})" if r["llama_backend"] else "llama.cpp"
            if r.get("llama_from") or r.get("carried_from"):
                who += f", from {r.get('llama_date') or r['date']}"
            lines.append(row(r, who, r["llama_tok_s"], 1, r["llama_pct_of_copy"], r["llama_sittings"]))
        who = f"chord {r['backend']}" + (f", from {r['chord_commit']}" if r.get("carried_from") else "")
        lines.append(row(r, who, r["chord_tok_s"], fmt(r["ratio"], 3), r["pct_of_copy"], r["chord_sittings"]))
    errs = sorted({e for r in rows for e in r["errors"]})
    if errs:
        lines += ["", "Failures (each command's last line):", ""] + [f"- `{e}`" for e in errs]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) not in (1, 3) or args[0] in ("-h", "--help") or (len(args) == 3 and args[1] != "--merge"):
        print(__doc__)
        sys.exit(0 if args[:1] in (["-h"], ["--help"]) else 2)
    build(args[0], args[2] if len(args) == 3 else None)
