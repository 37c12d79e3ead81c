#!/usr/bin/env bash
# The main job on a fresh machine: install, build, fetch the default model, and generate with it on the best
# backend found. Extra arguments go to `chord run` (default: a short chat prompt).
[[ "${1:-}" == --help || "${1:-}" == -h ]] && { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; } # the header
source "$(dirname "$0")/env.sh"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHORD_TESTS=OFF -DCHORD_BENCH=OFF -DCHORD_CUDA_PTXAS_VERBOSE=OFF ${CHORD_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
export POCL_CACHE_DIR="$root/$build/cache/pocl" MESA_SHADER_CACHE_DIR="$root/$build/cache/mesa"
if [ $# -eq 0 ]; then
  set -- --chat -p "Write one sentence about the sea." -n 48
fi
exec "$build/bin/chord" run -m "$model" "$@"
