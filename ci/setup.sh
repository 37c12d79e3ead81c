#!/usr/bin/env bash
# Installs, idempotently, everything chord needs on a fresh Debian 12 machine.
# CUDA is not a Debian package here: the toolkit is used when nvcc is on PATH.
[[ "${1:-}" == --help || "${1:-}" == -h ]] && { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; } # the header
set -euo pipefail

packages=(
  build-essential cmake pkg-config git python3 python3-pip unzip
  ocl-icd-opencl-dev opencl-headers ocl-icd-libopencl1 pocl-opencl-icd clinfo
  libvulkan-dev vulkan-tools mesa-vulkan-drivers glslang-tools spirv-tools
  vulkan-validationlayers
  libcriterion-dev libbenchmark-dev python3-matplotlib
  clang libclang-rt-14-dev llvm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all ${#packages[@]} Debian packages present"
fi

if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
  nvcc_bin=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  echo "setup: nvcc found: $($nvcc_bin --version | tail -1) (CUDA backend will be built)"
else
  echo "setup: nvcc not found: the CUDA backend will not be built"
fi
