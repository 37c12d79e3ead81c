#!/usr/bin/env bash
# The GPU machine's whole job in one call: check every API against the reference (large cases too),
# compute-sanitizer over the CUDA check suite, benchmarks with same-run ceilings, and model verification.
# Runs from the repository root there, with binaries staged by ci/gpu-stage.sh in .gpu (carried along).
# usage: ci/gpu.sh [checks] [validate] [sanitize] [gemm] [ncu] [bench] [synth] [smollm2]   (default: all but smollm2)
# Logs go to $OUT (or /tmp/chord-gpu), one tarball plus a summary printed last. A run is kept as one folder,
# results/<device>/<date>-<commit>/: the logs, bench.json and bench.md (bench/summarize.py), indexed in results/README.md.
[[ "${1:-}" == --help || "${1:-}" == -h ]] && { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; } # the header
set -uo pipefail
out=${OUT:-/tmp/chord-gpu}
logs=$out/logs
mkdir -p "$logs"
# shellcheck disable=SC1091
source .gpu/env.sh
seed=${CHORD_SEED:-$(date +%s)}
export CHORD_COMMIT=${CHORD_COMMIT:-$(cat .gpu/commit 2>/dev/null || echo unknown)}
stages=${*:-checks validate sanitize bench synth}
summary=$logs/summary.txt
note() { echo "$*" | tee -a "$summary"; }
note "chord GPU run: commit ${CHORD_COMMIT:-unknown}, $(date -u +%FT%TZ), seed $seed, stages: $stages"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader | tee -a "$summary"
{ echo "OpenCL ICDs: ${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}"; head -v /etc/OpenCL/vendors/*.icd "${OCL_ICD_VENDORS:-/nonexistent}"/*.icd 2>&1; } > "$logs/opencl-icd.txt"
chord info > "$logs/info.txt" 2>&1

has() { [[ " $stages " == *" $1 "* ]]; }

if has checks; then
  for b in cuda opencl vulkan; do
    chord check -b "$b" --large --seed "$seed" > "$logs/check-$b.txt" 2>&1
    note "check $b: rc=$? $(tail -1 "$logs/check-$b.txt")"
  done
fi
if has validate && [ -f .gpu/vklayer/libVkLayer_khronos_validation.so.gz ]; then
  # library_path as a path relative to the manifest: a bare name would be looked up on the library path
  mkdir -p /tmp/vklayer && sed 's|"library_path": "libVkLayer|"library_path": "./libVkLayer|' .gpu/vklayer/*.json \
    > /tmp/vklayer/VkLayer_khronos_validation.json &&
    gunzip -c .gpu/vklayer/libVkLayer_khronos_validation.so.gz > /tmp/vklayer/libVkLayer_khronos_validation.so
  VK_LAYER_PATH=/tmp/vklayer CHORD_VK_VALIDATION=1 chord check -b vulkan --large --seed "$seed" > "$logs/check-vulkan-validation.txt" 2>&1
  note "check vulkan with the Khronos validation layer: rc=$? $(grep -E 'validation layer' "$logs/check-vulkan-validation.txt" | tail -1) $(tail -1 "$logs/check-vulkan-validation.txt")"
fi
if has sanitize; then
  for tool in memcheck racecheck; do
    compute-sanitizer --tool "$tool" --error-exitcode 3 chord check -b cuda --seed "$seed" > "$logs/sanitizer-$tool.txt" 2>&1
    note "compute-sanitizer $tool: rc=$? $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$logs/sanitizer-$tool.txt" | tail -1)"
  done
fi
if has gemm; then # the CUDA SGEMM's kernel and tile choices, each checked (and sanitized) before it is timed
  for v in ${CHORD_GEMM_VARIANTS:-CHORD_CUDA_GEMM_KERNEL=v9 CHORD_CUDA_GEMM_KERNEL=v6 CHORD_CUDA_GEMM_KERNEL=v9+CHORD_CUDA_GEMM_TILE=128 CHORD_CUDA_GEMM_TILE=64}; do
    # a variant is one or more VAR=value joined by "+"; file names the device tool brings back have no "="
    tag=${v//CHORD_CUDA_GEMM_/}; tag=${tag//=/-}; tag=${tag//+/_}
    read -r -a vars <<< "${v//+/ }"
    env "${vars[@]}" chord check -b cuda -o matmul_tiled --large --seed "$seed" > "$logs/gemm-check-$tag.txt" 2>&1
    r1=$?
    env "${vars[@]}" compute-sanitizer --tool racecheck --error-exitcode 3 chord check -b cuda -o matmul_tiled --seed "$seed" > "$logs/gemm-racecheck-$tag.txt" 2>&1
    r2=$?
    env "${vars[@]}" .gpu/bin/chord-bench --benchmark_filter='^cuda/matmul_tiled/' > "$logs/gemm-bench-$tag.txt" 2>&1
    note "gemm $v: check rc=$r1 racecheck rc=$r2; $(awk '/^cuda\/matmul_tiled/ {n=$1; sub(/\/manual_time/,"",n); for(i=1;i<=NF;i++) if ($i ~ /^pct_of_cublas=/) printf "%s %s%%; ", n, substr($i,15)}' "$logs/gemm-bench-$tag.txt")"
  done
fi
if has ncu; then # Nsight Compute on the 4096^3 SGEMM: ours (each CHORD_NCU_KERNELS variant) and cuBLAS's, same process
  f='^cuda/matmul_tiled/f32_4096x4096x4096/'
  for v in ${CHORD_NCU_KERNELS:-v9}; do
    CHORD_CUDA_GEMM_KERNEL=$v ncu --kernel-name regex:matmul_tiled --launch-skip 3 --launch-count 1 --set full \
      --import-source no -f -o "$logs/ncu-$v" .gpu/bin/chord-bench --benchmark_filter="$f" > "$logs/ncu-run-$v.txt" 2>&1
    note "ncu $v: rc=$?"
  done
  ncu --kernel-name regex:'^[^m].*gemm|^m[^a].*gemm' --launch-skip 3 --launch-count 1 --set full -f \
    -o "$logs/ncu-cublas" .gpu/bin/chord-bench --benchmark_filter="$f" > "$logs/ncu-run-cublas.txt" 2>&1
  note "ncu cublas: rc=$?"
  for r in "$logs"/ncu-*.ncu-rep; do
    ncu -i "$r" --page details > "${r%.ncu-rep}-details.txt" 2>&1
    ncu -i "$r" --page source --csv --print-source sass > "${r%.ncu-rep}-sass.csv" 2>&1
    rm -f "$r"
  done
fi
if has bench; then
  json=$(CHORD_BENCH_BIN=.gpu/bin/chord-bench CHORD_COMMIT=${CHORD_COMMIT:-unknown} \
         bench/run.sh --benchmark_filter='^(cuda|opencl|vulkan)/' 2> "$logs/bench.txt" | tail -1)
  note "bench: rc=$? $json"
  [ -f "$json" ] && cp "$json" "$out/bench.json" && { python3 bench/summarize.py "$json" > "$out/bench.md" || true; }
fi
if has synth; then
  chord gguf synth --shape llama2-7b --type q4_0 -o /tmp/synth-7b.gguf > "$logs/synth.txt" 2>&1
  note "synth llama2-7b q4_0: rc=$?"
  for b in cuda vulkan opencl; do
    chord run -m /tmp/synth-7b.gguf -b "$b" -p "The quick brown fox" -n 8 --verify > "$logs/verify-7b-$b.txt" 2>&1
    note "verify synth 7b $b: rc=$? $(tail -2 "$logs/verify-7b-$b.txt" | tr '\n' ' ')"
  done
fi
if has smollm2; then
  model=${CHORD_GPU_MODEL:-/tmp/smollm2.gguf}
  for b in cuda vulkan opencl; do
    chord run -m "$model" -b "$b" -p "The capital of France is" -n 32 --verify > "$logs/verify-smollm2-$b.txt" 2>&1
    note "verify smollm2 $b: rc=$? $(tail -2 "$logs/verify-smollm2-$b.txt" | tr '\n' ' ')"
  done
fi
tar -C "$out" -czf "$out/gpu-logs.tar.gz" logs
cat "$summary"
