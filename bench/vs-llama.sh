#!/usr/bin/env bash
# chord next to llama.cpp: the same GGUF files, the same tests (llama-bench's pp/tg/depth), one process tree and one
# sitting, with the device's copy ceiling (on --cpu, the host's memory read) measured in the same run. Writes
# results/<device>/<date>-<commit>/vs-llama.json (one row per file, backend and test) and vs-llama.md beside it.
#
#   bash bench/vs-llama.sh --cpu [options]        here: llama.cpp's CPU build against chord's ref/opencl/vulkan
#   bash bench/vs-llama.sh --stage [options]      here: ci/gpu-stage.sh, then llama.cpp's trimmed source into .gpu
#   bash bench/vs-llama.sh --gpu [options]        on the GPU machine (no network): builds llama.cpp for sm_90a from
#                                                 the staged source into /tmp and runs against cuda/vulkan/opencl
#   bash bench/vs-llama.sh --build-only --cpu|--gpu   fetch and build llama-bench only
# bash bench/vs-llama.sh --help lists the options.
#
# llama.cpp is the copy vendored in the PyPI sdist of llama-cpp-python (pinned below, sha256-checked): pip fetches it
# here; the GPU machine gets a trimmed tarball of it (sources of the CPU and CUDA backends, llama-bench, what its
# CMake needs: ~5 MB) with the staged binaries.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here=$root/bench

LLAMA_PY_VERSION=0.3.36
LLAMA_PY_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
cache=${CHORD_CACHE:-$HOME/.cache/chord}
src_tgz_name=llama.cpp-$LLAMA_PY_VERSION-src.tar.gz

usage() {
    cat <<EOF
usage: bash bench/vs-llama.sh (--cpu | --gpu | --stage) [options]

modes
  --cpu               llama.cpp's CPU build (GGML_NATIVE) against chord's backends on this machine
  --gpu               on the GPU machine: llama.cpp CUDA (sm_90a) against chord's cuda/vulkan/opencl
  --stage             here, before --gpu: runs ci/gpu-stage.sh, then adds llama.cpp's trimmed source to .gpu/
  --stage-llama-only  only add llama.cpp's trimmed source to .gpu/ (chord already staged)
  --build-only        with --cpu or --gpu: fetch and build llama-bench, then stop

the GPU machine (no network, no pip; /tmp survives between calls only while the machine stays warm)
  here:   bash bench/vs-llama.sh --stage       # ci/gpu-stage.sh, then .gpu/llama.cpp/ (~5 MB): carry .gpu
  there:  bash bench/vs-llama.sh --gpu [--part TAG --files LIST]   # builds llama-bench into /tmp (~4 min,
          cached while warm), makes the synthetic files in /tmp, writes \$OUT/<device>/<date>-<commit>/
  A run longer than one call goes in parts (--part a, --part b, ...), each call its own --files; here, copy
          every part's raw/ into one results/<device>/<date>-<commit>/raw/ and run bench/vs-llama.py on that folder.

options
  --files LIST        comma-separated: smollm2 (the real SmolLM2-135M-Instruct Q4_1, where present),
                      smollm2-135m-q4_1, llama-1b-q4_0, llama2-7b-q4_0, llama2-7b-q8_0 (synthetic, made on the
                      machine that runs them by chord gguf synth on first use), or paths to .gguf files
                      (--cpu default: smollm2,llama-1b-q4_0; --gpu: llama2-7b-q4_0,llama2-7b-q8_0,llama-1b-q4_0,
                      smollm2-135m-q4_1,smollm2)
  --backends LIST     chord backends (--cpu default: cpu,ref,opencl,vulkan; --gpu: cuda,vulkan,opencl)
  --tests LIST        ppP, tgN, ppP@dD, tgN@dD, for every file (--gpu default: pp512,tg128,tg128@d4096;
                      --cpu default, sized for a 2-core machine where ref and lavapipe run 135M at 5-10 tok/s
                      and 1B at 0.05-1: smollm2*: pp64,tg16,tg16@d256; llama-1b*: pp16,tg4,tg4@d32)
  -r N                timed runs per test after one warm-up, median reported (--gpu default 3; --cpu 2)
  -t N                threads for llama.cpp and for chord (backends without a thread count ignore it)
  --sittings N        run each side N times, alternating (--cpu default 2: a shared machine is noisy; --gpu 1)
  --ngl N             llama.cpp -ngl (default 99 on --gpu)
  --chord PATH        the chord binary (default: .gpu/bin/chord on --gpu, else build/bin/chord)
  --chord-bench PATH  the chord-bench binary, for the copy ceiling (same defaults)
  --out DIR           where the run folder goes (default results/<device>; --gpu: \$OUT/<device>)
  --part TAG          tag this call's raw files (a run split over several calls: merge their raw/ folders into
                      one and run bench/vs-llama.py on it)
  --dry-run           print the commands instead of running them
  -h, --help          this text
EOF
}

mode= build_only=0 dry=0 part= files= backends= tests= reps= threads= sittings= ngl= chord= chord_bench= out_dir=
while [ $# -gt 0 ]; do
    case $1 in
    --cpu | --gpu) mode=${1#--} ;;
    --stage | --stage-llama-only) mode=${1#--} ;;
    --build-only) build_only=1 ;;
    --dry-run) dry=1 ;;
    --files | --backends | --tests | --part | -r | -t | --sittings | --ngl | --chord | --chord-bench | --out)
        [ $# -ge 2 ] || { echo "vs-llama: $1 needs a value" >&2; exit 2; }
        case $1 in
        --files) files=$2 ;; --backends) backends=$2 ;; --tests) tests=$2 ;; --part) part=$2 ;;
        -r) reps=$2 ;; -t) threads=$2 ;; --sittings) sittings=$2 ;; --ngl) ngl=$2 ;;
        --chord) chord=$2 ;; --chord-bench) chord_bench=$2 ;; --out) out_dir=$2 ;;
        esac
        shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "vs-llama: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[ -n "$mode" ] || { echo "vs-llama: say --cpu, --gpu or --stage" >&2; usage >&2; exit 2; }
[[ $part =~ ^[a-z0-9]*$ ]] || { echo "vs-llama: --part takes letters and digits" >&2; exit 2; }
for n in "$reps" "$threads" "$sittings" "$ngl"; do
    [[ -z $n || $n =~ ^[0-9]+$ ]] || { echo "vs-llama: '$n' is not a count" >&2; exit 2; }
done

log() { echo "vs-llama: $*" >&2; }
run() { # prints the command; runs it unless --dry-run
    echo "+ $*" >&2
    [ "$dry" = 1 ] || "$@"
}

# --- llama.cpp's source: the sdist, checked, trimmed -------------------------------------------------------------

# The sdist from PyPI (pip, no wheel, no dependencies), checked against the hash above.
fetch_sdist() {
    local sdist=$cache/llama_cpp_python-$LLAMA_PY_VERSION.tar.gz
    if [ ! -f "$sdist" ]; then
        command -v pip >/dev/null || { log "pip is needed to fetch llama-cpp-python==$LLAMA_PY_VERSION"; exit 1; }
        mkdir -p "$cache"
        log "fetching llama-cpp-python==$LLAMA_PY_VERSION (sdist, ~77 MB)"
        run pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$LLAMA_PY_VERSION" -d "$cache"
        [ "$dry" = 1 ] && return 0
    fi
    echo "$LLAMA_PY_SHA256  $sdist" | sha256sum -c --quiet - ||
        { log "$sdist does not match sha256 $LLAMA_PY_SHA256; delete it to fetch again"; exit 1; }
}

# The llama.cpp commit the sdist vendors, from its CHANGELOG ("update llama.cpp to ggml-org/llama.cpp@<hash>" under
# the version's heading): the tree carries no .git, so llama-bench's own build_commit reads "unknown".
llama_commit_of_changelog() {
    awk -v v="## [$LLAMA_PY_VERSION]" '$0 == v {on = 1; next} on && /^## \[/ {exit}
        on && match($0, /llama\.cpp@[0-9a-f]+/) {print substr($0, RSTART + 10, RLENGTH - 10); exit}' "$1"
}

# vendor/llama.cpp without what llama-bench's build never reads (docs, models, tests, examples, the server and its
# web UI, every other ggml backend, the submodule's .git link that points outside the tree): the tarball that travels to the GPU machine, and what --cpu builds from too, so
# the trimming is exercised here. Writes $1 and $1.commit.
make_src_tgz() {
    local dest=$1 tmp
    fetch_sdist
    [ "$dry" = 1 ] && { echo "+ (trim vendor/llama.cpp into $dest)" >&2; return 0; }
    tmp=$(mktemp -d)
    tar -C "$tmp" -xzf "$cache/llama_cpp_python-$LLAMA_PY_VERSION.tar.gz" \
        "llama_cpp_python-$LLAMA_PY_VERSION/vendor/llama.cpp" "llama_cpp_python-$LLAMA_PY_VERSION/CHANGELOG.md"
    local top=$tmp/llama_cpp_python-$LLAMA_PY_VERSION
    local ex=() d
    for d in .git .github .devops docs models media benches tests examples pocs app gguf-py conversion skills ci tools/ui tools/server \
             ggml/src/ggml-{cann,et,hexagon,hip,metal,musa,opencl,openvino,rpc,sycl,virtgpu,vulkan,webgpu,zdnn,zendnn}; do
        ex+=(--exclude="llama.cpp/$d")
    done
    mkdir -p "$(dirname "$dest")"
    tar -C "$top/vendor" "${ex[@]}" --exclude='*.py' -czf "$dest.tmp" llama.cpp
    mv "$dest.tmp" "$dest"
    llama_commit_of_changelog "$top/CHANGELOG.md" > "$dest.commit"
    rm -rf "$tmp"
    log "llama.cpp $(cat "$dest.commit") source: $dest ($(du -h "$dest" | cut -f1))"
}

# --- llama-bench: built once per source and flavour, cached -------------------------------------------------------

# On a CPU whose cpuid advertises AMX while the OS does not enable it (no amx_tile in /proc/cpuinfo), GCC's
# -march=native still turns AMX on and llama.cpp dies with SIGILL in its AMX kernels: switch AMX off explicitly
# (explicit -mno-* flags win over -march whatever their order).
amx_off_flags() {
    if echo | ${CC:-cc} -march=native -dM -E - 2>/dev/null | grep -q '__AMX_TILE__' &&
        ! grep -qw amx_tile /proc/cpuinfo; then
        echo "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    fi
}

# build_llama FLAVOUR SRC_TGZ BUILD_DIR JOBS: leaves BUILD_DIR/bin/llama-bench, rebuilt when the flags change.
build_llama() {
    local flavour=$1 tgz=$2 dir=$3 jobs=$4 nice=()
    local flags=(-DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF
                 -DLLAMA_BUILD_SERVER=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
                 -DBUILD_SHARED_LIBS=OFF)
    local amx
    amx=$(amx_off_flags)
    [ -z "$amx" ] || { flags+=("-DCMAKE_C_FLAGS=$amx" "-DCMAKE_CXX_FLAGS=$amx"); log "AMX advertised but not enabled: $amx"; }
    # one GPU: no NCCL (found or not, the build then does not depend on it)
    [ "$flavour" = cuda ] && flags+=(-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90a -DGGML_CUDA_NCCL=OFF)
    [ "$flavour" = cpu ] && nice=(nice -n 19) # a shared machine: the build yields to everyone else
    local stamp="$LLAMA_PY_VERSION ${flags[*]}"
    if [ -x "$dir/bin/llama-bench" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; then
        log "llama-bench cached: $dir/bin/llama-bench"
        return 0
    fi
    if [ "$dry" = 1 ]; then
        echo "+ tar -C $dir -xzf $tgz && cmake -S $dir/llama.cpp -B $dir/build ${flags[*]}" >&2
        echo "+ ${nice[*]} cmake --build $dir/build --target llama-bench -j$jobs" >&2
        return 0
    fi
    [ -f "$tgz" ] || { log "no llama.cpp source at $tgz (--gpu: stage it with --stage here)"; exit 1; }
    rm -rf "$dir"
    mkdir -p "$dir/bin"
    tar -C "$dir" -xzf "$tgz"
    cp "$tgz.commit" "$dir/commit" 2>/dev/null || echo unknown > "$dir/commit"
    log "building llama-bench ($flavour, -j$jobs; minutes): log in $dir/build.log"
    local t0=$SECONDS
    # GIT_CEILING_DIRECTORIES: the tree has no .git; keep its build-info from picking up an enclosing repository
    if ! GIT_CEILING_DIRECTORIES=$dir "${nice[@]}" cmake -S "$dir/llama.cpp" -B "$dir/build" "${flags[@]}" > "$dir/build.log" 2>&1 ||
        ! GIT_CEILING_DIRECTORIES=$dir "${nice[@]}" cmake --build "$dir/build" --target llama-bench -j"$jobs" >> "$dir/build.log" 2>&1; then
        tail -20 "$dir/build.log" >&2
        log "llama-bench build failed (log: $dir/build.log)"
        exit 1
    fi
    cp "$dir/build/bin/llama-bench" "$dir/bin/"
    echo "$stamp" > "$dir/stamp"
    log "llama-bench built in $((SECONDS - t0)) s"
}


# --- the files ------------------------------------------------------------------------------------------------------

# file_spec ID: "PATH|SHAPE|ORIGIN" for a known id, a path, or nothing when the file is absent (the real SmolLM2).
file_spec() {
    local id=$1
    case $id in
    smollm2)
        local p=${CHORD_GPU_MODEL:-${CHORD_MODEL_DIR:-$cache}/smollm2-135m-instruct-q4_1.gguf}
        [ "$mode" = gpu ] && p=${CHORD_GPU_MODEL:-/tmp/smollm2.gguf}
        [ -f "$p" ] && echo "$p|smollm2-135m|SmolLM2-135M-Instruct (HF, Q4_1)"
        ;;
    smollm2-135m-q4_1 | llama-1b-q4_0 | llama2-7b-q4_0 | llama2-7b-q8_0)
        echo "$synth_dir/$id.gguf|${id%-q*}|synthetic (chord gguf synth, seed 1)" ;;
    *.gguf)
        [ -f "$id" ] && echo "$id|$(basename "$id" .gguf)|file" ;;
    *) log "unknown file '$id' (smollm2, smollm2-135m-q4_1, llama-1b-q4_0, llama2-7b-q4_0, llama2-7b-q8_0, a .gguf)"
       exit 2 ;;
    esac
}

# Synthetic files are made on the machine that runs them (too large to carry), once; the same seed gives the same bytes.
make_synth() {
    local path=$1 id
    id=$(basename "$path" .gguf)
    [ -f "$path" ] && return 0
    mkdir -p "$(dirname "$path")"
    run "$chord" gguf synth --shape "${id%-q*}" --type "${id##*-}" -o "$path"
}

# The --cpu default tests per file: what fits ~20 minutes for two sittings of every backend on 2 shared cores.
cpu_tests() {
    case $1 in
    *1b*) echo pp16,tg4,tg4@d32 ;;
    *7b*) echo pp8,tg2 ;;
    *) echo pp64,tg16,tg16@d256 ;;
    esac
}

# --- one sitting: the copy ceiling, then per file llama-bench and chord on each backend ----------------------------

# json_obj KEY VALUE...: one JSON object of strings
json_obj() { python3 -c 'import json, sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' "$@"; }

# capture NAME CMD...: stdout to raw/NAME.json, stderr to raw/NAME.log; a failure leaves raw/NAME.err (its last lines)
capture() {
    local name=$1
    shift
    echo "+ $*" >&2
    [ "$dry" = 1 ] && return 0
    local t0=$SECONDS
    if "$@" > "$raw/$name.json" 2> "$raw/$name.log"; then
        log "$name: $((SECONDS - t0)) s"
    else
        tail -3 "$raw/$name.log" > "$raw/$name.err"
        log "$name FAILED ($(tail -1 "$raw/$name.log")); going on"
        rm -f "$raw/$name.json"
    fi
}

sitting() {
    local k=$part$1 id spec path tests depth p n t
    local filter
    local copies
    copies="($(echo "$backends" | tr , '|'))/copy/256MiB"
    # on the CPU, a decode step's ceiling is the cores' memory read (host/read: a copy also writes, on one thread)
    if [ "$mode" = cpu ]; then filter="^(host/read/1GiB|$copies)(/|\$)"; else filter="^$copies(/|\$)"; fi
    if [ -x "$chord_bench" ] || [ "$dry" = 1 ]; then
        capture "copy.s$k" "$chord_bench" --benchmark_filter="$filter" --benchmark_format=json ${threads:+-t "$threads"}
    else
        log "no chord-bench at $chord_bench: no copy ceiling in this sitting"
    fi
    for id in ${files//,/ }; do
        spec=$(file_spec "$id") || true
        [ -n "$spec" ] || { log "$id: not present, skipped"; continue; }
        path=${spec%%|*}
        tests=${tests_arg:-$( [ "$mode" = cpu ] && cpu_tests "$id" || echo pp512,tg128,tg128@d4096 )}
        local fid
        fid=$(basename "$id" .gguf | tr . _)
        [ "$1" = 1 ] && [ "$dry" != 1 ] && json_obj id "$fid" path "$path" shape "$(echo "$spec" | cut -d'|' -f2)" \
            origin "$(echo "$spec" | cut -d'|' -f3)" tests "$tests" > "$raw/$fid.file.json"
        # llama-bench: one call per depth, its -p and -n lists the pp and tg tests at that depth
        for depth in $(echo "$tests" | tr , '\n' | awk -F@d '{print (NF > 1 ? $2 : 0)}' | sort -un); do
            p=0 n=0
            for t in ${tests//,/ }; do
                local d=0 len=${t%@*}
                [[ $t == *@d* ]] && d=${t#*@d}
                [ "$d" = "$depth" ] || continue
                len=${len:2}
                case $t in pp*) p=$([ "$p" = 0 ] && echo "$len" || echo "$p,$len") ;;
                           tg*) n=$([ "$n" = 0 ] && echo "$len" || echo "$n,$len") ;; esac
            done
            capture "$fid.llama.s$k.d$depth" "$llama_bench" -m "$path" -p "$p" -n "$n" -d "$depth" -r "$reps" -fa 1 \
                -o json ${threads:+-t "$threads"} ${ngl:+-ngl "$ngl"}
        done
        for b in ${backends//,/ }; do
            capture "$fid.chord-$b.s$k" "$chord" bench-model -m "$path" -b "$b" --tests "$tests" -r "$reps" -o json \
                ${threads:+-t "$threads"}
        done
    done
}

# --- main -----------------------------------------------------------------------------------------------------------

tests_arg=$tests
case $mode in
stage | stage-llama-only)
    cd "$root"
    [ "$mode" = stage ] && run bash ci/gpu-stage.sh
    [ -d .gpu ] || [ "$dry" = 1 ] || { log "no .gpu here: run ci/gpu-stage.sh (or --stage) first"; exit 1; }
    make_src_tgz "$root/.gpu/llama.cpp/$src_tgz_name"
    [ "$dry" = 1 ] || du -sh .gpu | awk '{print "vs-llama: .gpu is " $1 " (the limit to carry is 64 MiB)"}' >&2
    exit 0 ;;
cpu)
    synth_dir=$cache/synth
    files=${files:-smollm2,llama-1b-q4_0}
    backends=${backends:-cpu,ref,opencl,vulkan}
    reps=${reps:-2} sittings=${sittings:-2}
    chord=${chord:-$root/build/bin/chord} chord_bench=${chord_bench:-$root/build/bin/chord-bench}
    export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$cache/pocl} MESA_SHADER_CACHE_DIR=${MESA_SHADER_CACHE_DIR:-$cache/mesa}
    src_tgz=$cache/$src_tgz_name
    [ -f "$src_tgz" ] || make_src_tgz "$src_tgz"
    llama_dir=$cache/llama.cpp-$LLAMA_PY_VERSION-cpu
    build_llama cpu "$src_tgz" "$llama_dir" 2 ;;
gpu)
    cd "$root"
    # shellcheck disable=SC1091
    [ -f .gpu/env.sh ] && { set +eo pipefail; source .gpu/env.sh; set -eo pipefail; } # env.sh probes paths that may be absent
    synth_dir=/tmp/chord-synth
    files=${files:-llama2-7b-q4_0,llama2-7b-q8_0,llama-1b-q4_0,smollm2-135m-q4_1,smollm2}
    backends=${backends:-cuda,vulkan,opencl}
    reps=${reps:-3} sittings=${sittings:-1} ngl=${ngl:-99}
    chord=${chord:-$root/.gpu/bin/chord} chord_bench=${chord_bench:-$root/.gpu/bin/chord-bench}
    llama_dir=/tmp/chord-llama.cpp-$LLAMA_PY_VERSION-cuda # /tmp outlives a call while the machine stays warm
    build_llama cuda "$root/.gpu/llama.cpp/$src_tgz_name" "$llama_dir" "$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))" ;;
esac
[ "$build_only" = 1 ] && exit 0
llama_bench=$llama_dir/bin/llama-bench
[ -x "$chord" ] || [ "$dry" = 1 ] || { log "no chord at $chord (build it, or --chord PATH)"; exit 1; }

# shellcheck source=bench/device.sh
source "$here/device.sh"
device=$(chord_device_name)
date=$(date -u +%Y-%m-%d)
commit=${CHORD_COMMIT:-}
if [ -z "$commit" ] && [ "$mode" = gpu ] && [ -f .gpu/commit ]; then commit=$(cat .gpu/commit); fi
if [ -z "$commit" ]; then
    commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
    git -C "$root" diff --quiet HEAD 2>/dev/null || commit=$commit-dirty
fi
if [ -z "$out_dir" ]; then
    out_dir=$root/results/$(chord_device_slug "$device")
    [ "$mode" = gpu ] && out_dir=${OUT:-/tmp/chord-vs-llama}/$(chord_device_slug "$device")
fi
run_dir=$out_dir/$date-$commit
raw=$run_dir/raw
log "$device; chord $commit; llama.cpp $(cat "$llama_dir/commit" 2>/dev/null || echo '(not built)'); -> $run_dir"
[ "$dry" = 1 ] || mkdir -p "$raw"
for id in ${files//,/ }; do # the synthetic files first, so no sitting includes writing them
    spec=$(file_spec "$id") || true
    [[ $spec == *"|synthetic"* ]] && make_synth "${spec%%|*}"
done
load_before=$(cut -d" " -f1-3 /proc/loadavg)
t_start=$SECONDS
for k in $(seq 1 "$sittings"); do
    log "sitting $k of $sittings"
    sitting "$k"
done
log "all sittings: $((SECONDS - t_start)) s"
[ "$dry" = 1 ] && exit 0
# chord's switches that change what runs (opt-in modes, kernel choices) as the run had them; paths, seeds and
# labels are left out. A run with any is not chord's defaults: vs-llama.md says so and readme-perf.py skips it.
chord_env=$(env | grep -E '^CHORD_' | grep -vE '^CHORD_(MODEL_DIR|SEED|COMMIT|DEVICE_NAME|BUILD|BENCH_BIN|CMAKE_ARGS|MODEL_TEST_MAX_S)=' | sort | tr '\n' ' ' | sed 's/ $//' || true)
json_obj device "$device" date "$date" chord_commit "$commit" llama_commit "$(cat "$llama_dir/commit")" \
    llama_py_version "$LLAMA_PY_VERSION" mode "$mode" files "$files" backends "$backends" reps "$reps" sittings "$sittings" \
    threads "${threads:-default}" cpu "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)" \
    chord_env "$chord_env" niceness "$(nice)" load_before "$load_before" load_after "$(cut -d" " -f1-3 /proc/loadavg)" seconds "$((SECONDS - t_start))" \
    > "$raw/run.${part:-all}.json"
python3 "$here/vs-llama.py" "$run_dir" >&2
cat "$run_dir/vs-llama.md"
