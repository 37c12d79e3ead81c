#!/bin/sh
# Per-kernel ptxas report of the CUDA kernels: registers, stack frame, spill stores/loads, for the
# architecture the build uses (sm_90 by default). Exits 1 if any kernel spills.
#   kernels/common/cuda_ptxas_report.sh [ARCH]        e.g. ARCH=90 (default) or 80
# Compiles each kernels/*/cuda.cu with the build's flags (-O3, -std=c++17) to a throwaway object.
set -eu
arch=${1:-90}
root=$(cd "$(dirname "$0")/../.." && pwd)
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$root"/kernels/*/cuda.cu; do
    "$nvcc" -O3 -std=c++17 -lineinfo -arch=sm_$arch -Xptxas=-v -I"$root/kernels" -I"$root/runtime" \
        -c "$f" -o "$tmp/k.o" 2>>"$tmp/log"
done
# ptxas prints: "Compiling entry function 'NAME' for 'sm_90'", then "Function properties for NAME" with
# "N bytes stack frame, N bytes spill stores, N bytes spill loads", then "Used N registers, ...".
awk '
/Compiling entry function/ { split($0, a, "'"'"'"); name = a[2]; entry = 1; next }
/bytes stack frame/ && entry { stack = $1; st = $5; ld = $9 }
/Used [0-9]+ registers/ && entry {
    for (i = 1; i <= NF; i++) if ($i == "Used") regs = $(i + 1)
    cmd = "c++filt \"" name "\""; cmd | getline pretty; close(cmd)
    printf "%4s regs %4s stack %4s spill-st %4s spill-ld  %s\n", regs, stack, st, ld, pretty
    if (st + 0 > 0 || ld + 0 > 0) bad = 1
    entry = 0
}
END { exit bad }' "$tmp/log"
