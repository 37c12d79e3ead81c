#!/usr/bin/env bash
# Builds every API here (CUDA for sm_90) and stages what ci/gpu.sh runs into .gpu with ../shared/gpu/stage.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${CHORD_BUILD:-build-gpu}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHORD_CUDA=ON -DCHORD_OPENCL=ON -DCHORD_VULKAN=ON -DCHORD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
"$root/../shared/gpu/stage.sh" "$build/bin/chord" "$build/bin/chord-bench"
