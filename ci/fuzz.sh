#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan, every report fatal) in build-fuzz and
# runs each from its seed corpus (written by the build) with the GGUF dictionary. Exits 1 when any target finds
# anything: a crash, a sanitizer report, a broken promise of the library (an abort in the harness), a leak, an
# input slower than 20 s, or more than 2 GiB of memory.
#
#   ci/fuzz.sh [SECONDS]                     every target for SECONDS each (default 60): what CI runs
#   ci/fuzz.sh gguf=S tokenizer=S model=S    the named targets, each for its own S seconds
#   --nice                                   run the fuzzers under nice -n 19 (long runs on a shared machine)
#   --results                                afterwards, replay every corpus through the coverage build and write
#                                            results/<device>/<date>-<commit>/fuzz.json (execs, exec/s, line
#                                            coverage of model/, findings) with each target's log beside it
#
# Targets: gguf, tokenizer, model, cli (tests/fuzz/fuzz.cmake says what each covers). The corpora grow in
# build-fuzz/fuzz/corpus/<target> and are kept between runs; a finding is saved to build-fuzz/fuzz/findings/<target>/
# (cleared when that target runs again) and its log printed. Reproduce one: build-fuzz/bin/fuzz_<target> FILE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${CHORD_FUZZ_BUILD:-build-fuzz}
all_targets=(gguf tokenizer model cli)

declare -A seconds=()
order=()
nice_cmd=()
results=0
for a in "$@"; do
  case "$a" in
    --nice) nice_cmd=(nice -n 19) ;;
    --results) results=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *=*)
      t=${a%%=*} s=${a#*=}
      if [[ " ${all_targets[*]} " != *" $t "* || ! "$s" =~ ^[0-9]+$ ]]; then
        echo "ci/fuzz.sh: bad argument '$a'" >&2
        exit 2
      fi
      seconds[$t]=$s; order+=("$t") ;;
    *)
      [[ "$a" =~ ^[0-9]+$ ]] || { echo "ci/fuzz.sh: bad argument '$a' (ci/fuzz.sh --help)" >&2; exit 2; }
      for t in "${all_targets[@]}"; do seconds[$t]=$a; done; order=("${all_targets[@]}") ;;
  esac
done
if [ "${#order[@]}" -eq 0 ]; then
  for t in "${all_targets[@]}"; do seconds[$t]=60; done
  order=("${all_targets[@]}")
fi

# what was built, taken before the (long) runs
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit-dirty"
date=$(date -u +%Y-%m-%d)

cc=${CHORD_FUZZ_CC:-$(command -v clang-14 || command -v clang || true)}
[ -n "$cc" ] || { echo "ci/fuzz.sh: no clang found (bash ci/setup.sh installs it)" >&2; exit 1; }
tool() { command -v "$1-14" || command -v "$1" || { echo "ci/fuzz.sh: $1 not found (package llvm)" >&2; exit 1; }; }

echo "ci/fuzz.sh: building the fuzz targets with $("$cc" --version | head -1) in $build"
mkdir -p "$build"
if ! cmake -S . -B "$build" -DCHORD_FUZZ=ON -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCHORD_CUDA=OFF -DCHORD_OPENCL=OFF -DCHORD_VULKAN=OFF -DCHORD_TESTS=OFF -DCHORD_BENCH=OFF \
  > "$build/fuzz-configure.log" 2>&1; then
  cat "$build/fuzz-configure.log" >&2
  exit 1
fi
if ! cmake --build "$build" -j"$(nproc)" --target fuzz > "$build/fuzz-build.log" 2>&1; then
  tail -50 "$build/fuzz-build.log" >&2
  exit 1
fi
fz="$root/$build/fuzz"
mkdir -p "$fz/work"

# Seed directories and dictionary per target (the reader also starts from the models).
seeds_of() {
  case "$1" in
    gguf) echo "$fz/seeds/gguf $fz/seeds/model" ;;
    *) echo "$fz/seeds/$1" ;;
  esac
}
dict_of() { [ "$1" = cli ] || echo "-dict=$fz/gguf.dict"; }

stats="$fz/stats.tsv"
: > "$stats"
failed=0
for t in "${order[@]}"; do
  s=${seconds[$t]}
  corpus="$fz/corpus/$t" findings="$fz/findings/$t" log="$fz/$t.log"
  rm -rf "$findings"
  mkdir -p "$corpus" "$findings"
  rc=0
  # run from an empty directory: fuzz_cli may name relative paths
  (cd "$fz/work" && "${nice_cmd[@]}" "$root/$build/bin/fuzz_$t" -max_total_time="$s" -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" $(dict_of "$t") \
    "$corpus" $(seeds_of "$t")) > "$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  n_corpus=$(find "$corpus" -type f | wc -l)
  n_found=$(find "$findings" -type f | wc -l)
  echo "ci/fuzz.sh: $t: $s s, ${execs:-0} execs (${rate:-0}/s), corpus $n_corpus inputs, $n_found findings (exit $rc)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$s" "${execs:-0}" "${rate:-0}" "$n_corpus" "$n_found" "$rc" >> "$stats"
  if [ "$rc" -ne 0 ] || [ "$n_found" -ne 0 ]; then
    failed=1
    echo "ci/fuzz.sh: $t FOUND SOMETHING: $(ls "$findings" | tr '\n' ' ')" >&2
    grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse)' "$log" | tail -60 >&2
  fi
done

if [ "$results" -eq 1 ]; then
  profdata=$(tool llvm-profdata) llvm_cov=$(tool llvm-cov)
  cov="$fz/coverage"
  rm -rf "$cov"
  mkdir -p "$cov"
  objects=()
  for t in "${all_targets[@]}"; do
    [ -d "$fz/corpus/$t" ] || continue
    # -runs=0: each input of the corpus and the seeds once, no mutation
    (cd "$fz/work" && LLVM_PROFILE_FILE="$cov/$t-%p.profraw" "$root/$build/bin/cov_$t" -runs=0 -max_len=16777216 \
      "$fz/corpus/$t" $(seeds_of "$t")) > "$cov/$t.log" 2>&1
    objects+=(-object "$root/$build/bin/cov_$t")
  done
  "$profdata" merge -sparse "$cov"/*.profraw -o "$cov/fuzz.profdata"
  "$llvm_cov" export -summary-only -instr-profile "$cov/fuzz.profdata" "${objects[@]:1}" > "$cov/summary.json"

  device=${CHORD_DEVICE_NAME:-"cpu $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"}
  slug=$(printf '%s' "$device" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9]+/-/g; s/^-+|-+$//g')
  out="$root/results/$slug/$date-$commit"
  mkdir -p "$out"
  for t in "${order[@]}"; do
    grep -v -E '^#[0-9]+\s+(NEW|REDUCE)' "$fz/$t.log" > "$out/fuzz-$t.log" || true
  done
  python3 - "$stats" "$cov/summary.json" "$root" "$out/fuzz.json" "$device" "$commit" "$date" \
    "$("$cc" --version | head -1)" "${nice_cmd[*]}" "$*" <<'EOF'
import json, os, sys
stats, summary, root, out, device, commit, date, cc, nice, args = sys.argv[1:]
targets = []
for line in open(stats):
    t, s, execs, rate, corpus, found, rc = line.rstrip("\n").split("\t")
    targets.append({"target": t, "seconds": int(s), "execs": int(execs), "exec_per_s": int(rate),
                    "corpus_inputs": int(corpus), "findings": int(found), "exit": int(rc)})
files = {}
for f in json.load(open(summary))["data"][0]["files"]:
    name = os.path.relpath(f["filename"], root)
    if name.startswith("model/"):
        l = f["summary"]["lines"]
        files[name] = {"lines": l["count"], "covered": l["covered"], "percent": round(l["percent"], 2)}
headline = ["model/gguf.c", "model/tokenizer.c", "model/tokenizer_bpe.c", "model/tokenizer_unicode.c",
            "model/llama.c"]
doc = {
    "what": "libFuzzer (ASan + UBSan, -fno-sanitize-recover=all) over tests/fuzz; line coverage from replaying "
            "each target's corpus and seeds through its -fprofile-instr-generate build (llvm-cov)",
    "device": device, "commit": commit, "date": date, "compiler": cc,
    "command": "ci/fuzz.sh " + args, "niced": bool(nice),
    "total_execs": sum(t["execs"] for t in targets),
    "total_findings": sum(t["findings"] for t in targets),
    "crashes": sum(1 for t in targets if t["exit"] != 0 or t["findings"]),
    "targets": targets,
    "line_coverage": {k: files[k] for k in headline if k in files},
    "line_coverage_model_all": files,
}
json.dump(doc, open(out, "w"), indent=2)
print(f"ci/fuzz.sh: {doc['total_execs']} execs in total, {doc['total_findings']} findings; line coverage " +
      ", ".join(f"{os.path.basename(k)} {v['percent']}%" for k, v in doc["line_coverage"].items()))
EOF
  echo "ci/fuzz.sh: wrote $out/fuzz.json"
fi
if [ "$failed" -ne 0 ]; then
  echo "ci/fuzz.sh: FAILED: a target found something (inputs under $fz/findings/)" >&2
  exit 1
fi
echo "ci/fuzz.sh: every target ran clean"
