#!/usr/bin/env bash
# Builds every API here (CUDA for sm_90) and stages what ci/gpu.sh runs into .gpu with ../shared/gpu/stage.sh.
# cuBLAS (600 MB with cublasLt) cannot travel in 64 MiB; the GPU machine has CUDA 13.0's own, which env.sh finds.
[[ "${1:-}" == --help || "${1:-}" == -h ]] && { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; } # the header
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${CHORD_BUILD:-build-gpu}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHORD_CUDA=ON -DCHORD_OPENCL=ON -DCHORD_VULKAN=ON -DCHORD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
"$root/../shared/gpu/stage.sh" "$build/bin/chord" "$build/bin/chord-bench"
rm -f .gpu/lib/libcublas*
# The Khronos validation layer (the GPU machine has none), gzipped to fit: ci/gpu.sh's "validate" stage uses it.
layer=/usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so
if [ -f "$layer" ]; then
  mkdir -p .gpu/vklayer
  gzip -9 -c "$layer" > .gpu/vklayer/libVkLayer_khronos_validation.so.gz
  cp /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json .gpu/vklayer/
fi
cat >> .gpu/env.sh <<'ENV'
# cuBLAS for chord-bench's yardstick: the machine's CUDA toolkit, else the pip wheel PyTorch brought
for _c in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
          "$(python3 -c 'import nvidia.cublas as m; print(list(m.__path__)[0] + "/lib")' 2>/dev/null)"; do
  if [ -e "$_c/libcublas.so.13" ]; then export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$_c"; break; fi
done
ENV
cat >> .gpu/env.sh <<'ENV'
# NVIDIA's OpenCL ICD: the loader staged here reads /etc/OpenCL/vendors; where the driver's libnvidia-opencl is
# outside the library path (containers mount it under /usr/local/nvidia), name it by full path in a vendors dir.
_ocl=$(ls /usr/local/nvidia/lib64/libnvidia-opencl.so.1 /usr/local/nvidia/lib/libnvidia-opencl.so.1 \
          /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 2>/dev/null | head -1)
[ -n "$_ocl" ] || _ocl=$(find / -xdev -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1)
if [ -n "$_ocl" ]; then
  mkdir -p /tmp/chord-ocl-vendors
  for _i in /etc/OpenCL/vendors/*.icd; do grep -qi nvidia "$_i" 2>/dev/null || cp "$_i" /tmp/chord-ocl-vendors/ 2>/dev/null; done
  echo "$_ocl" > /tmp/chord-ocl-vendors/nvidia.icd
  export OCL_ICD_VENDORS=/tmp/chord-ocl-vendors
fi
ENV
{ git rev-parse --short=12 HEAD | tr -d "\n"; git diff --quiet HEAD || printf -- "-dirty"; echo; } > .gpu/commit
du -sh .gpu
