#!/usr/bin/env bash
# Compiles each OpenCL kernel for an NVIDIA GPU without one: clang (OpenCL C 1.2 -> PTX) then ptxas
# (PTX -> sm_XX), printing registers, spills and local memory per variant. It approximates NVIDIA's
# own OpenCL compiler (also LLVM -> PTX -> ptxas); the few library built-ins clang's nvptx target
# lacks without libclc are stand-ins below (exp is approximate, vload4/8 assume alignment, vload_half is a
# half load, for which clang here needs cl_khr_fp16 enabled), so use it
# for register pressure and spills, not for correctness or timing.
# usage: runtime/opencl_nvptx_check.sh [sm_90]     (needs clang and CUDA's ptxas)
set -euo pipefail
arch=${1:-sm_90}
root=$(cd "$(dirname "$0")/.." && pwd)
ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/prelude.cl" <<'CL'
#define get_local_id(d) ((d) == 0 ? __nvvm_read_ptx_sreg_tid_x() : (d) == 1 ? __nvvm_read_ptx_sreg_tid_y() : __nvvm_read_ptx_sreg_tid_z())
#define get_group_id(d) ((d) == 0 ? __nvvm_read_ptx_sreg_ctaid_x() : (d) == 1 ? __nvvm_read_ptx_sreg_ctaid_y() : __nvvm_read_ptx_sreg_ctaid_z())
#define get_num_groups(d) ((d) == 0 ? __nvvm_read_ptx_sreg_nctaid_x() : (d) == 1 ? __nvvm_read_ptx_sreg_nctaid_y() : __nvvm_read_ptx_sreg_nctaid_z())
#define get_local_size(d) ((d) == 0 ? __nvvm_read_ptx_sreg_ntid_x() : (d) == 1 ? __nvvm_read_ptx_sreg_ntid_y() : __nvvm_read_ptx_sreg_ntid_z())
#define get_global_id(d) (get_group_id(d) * get_local_size(d) + get_local_id(d))
#define barrier(f) __syncthreads()
#define fma(a, b, c) __builtin_fmaf(a, b, c)
#define fmax(a, b) __builtin_fmaxf(a, b)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define vload8(i, p) _Generic((p), const __global ushort *: *(const __global ushort8 *)((p) + 8 * (i)), default: *(const __global float8 *)((p) + 8 * (i)))
#define vload4(i, p) (*(const __global float4 *)((p) + 4 * (i)))
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define vload_half(i, p) ((float)((const half *)(p))[i])
#define vstore8(v, i, p) (*(__global float8 *)((p) + 8 * (i)) = (v))
#define convert_float8(v) __builtin_convertvector((v), float8)
#define convert_int8(v) __builtin_convertvector((v), int8)
#define exp(x) __nvvm_ex2_approx_f((x) * 1.442695f)
#define sqrt(x) __nvvm_sqrt_rn_f(x)
CL
# the "nvidia" row of the tunables table in runtime/opencl.c
tune="-DRED_WG=256 -DROW_REG=16 -DEW_WG=256 -DEW_VPI=8 -DMM_WG=128 -DMM_ROWS=8 -DBM=128 -DBN=128 -DBK=16 -DTM=8 -DTN=8 -DATTN_WG=128 -DCHORD_FP64=1"
variants=(
  "matmul_tiled"
  "matmul -DWTYPE_Q4_0 -DROWS=1" "matmul -DWTYPE_Q6_K -DROWS=1" "matmul -DWTYPE_F32 -DROWS=8"
  "matmul -DWTYPE_Q4_0_SPLIT -DROWS=1 -DKS=8 -DSPLIT_U=2 -DW16=1 -DX16=1"
  "matmul -DWTYPE_Q4_1_SPLIT -DROWS=1 -DKS=2 -DSPLIT_U=2 -DW16=1 -DX16=1"
  "matmul -DWTYPE_Q8_0_SPLIT -DROWS=1 -DKS=8 -DSPLIT_U=2 -DW16=1 -DX16=1"
  "matmul -DWTYPE_Q4_0_SPLIT -DROWS=1 -DKS=8 -DSPLIT_U=2 -DW16=1 -DX16=1 -DADD=1"
  "matmul -DWTYPE_Q4_0_SPLIT -DROWS=1 -DKS=2 -DSPLIT_U=2 -DW16=1 -DX16=1 -DSWIGLU=1"
  "matmul -DWTYPE_Q4_0_SPLIT -DROWS=8 -DKS=1 -DSPLIT_U=2 -DW16=1 -DX16=1" "dequant -DWTYPE_Q8_0_SPLIT -DDST16=1"
  "rmsnorm" "softmax" "dequant -DWTYPE_Q4_0 -DDST16=1" "dequant -DWTYPE_Q6_K -DDST16=1"
  "add" "swiglu" "attention -DHEAD_DIM=128 -DKV16=1 -DATTN_SPLIT" "attention -DHEAD_DIM=128 -DKV16=1 -DATTN_COMBINE"
)
for v in "${variants[@]}"; do
  read -r op defs <<< "$v"
  cat "$tmp/prelude.cl" "$root"/kernels/common/opencl_common.cl "$root"/kernels/common/opencl_quant.cl \
      "$root/kernels/$op/opencl.cl" > "$tmp/k.cl"
  # shellcheck disable=SC2086
  clang -x cl -cl-std=CL1.2 -Xclang -finclude-default-header -Xclang -cl-ext=+cl_khr_fp16 -target nvptx64-nvidia-nvcl -O3 -S \
        -Wno-everything $tune $defs -o "$tmp/k.ptx" "$tmp/k.cl"
  sed -i "s/^\.version .*/.version 8.0/; s/^\.target .*/.target $arch/" "$tmp/k.ptx"
  info=$("$ptxas" -arch="$arch" -v -o "$tmp/k.cubin" "$tmp/k.ptx" 2>&1 | grep -E 'Used|spill' | tr -s ' \n' ' ' | sed 's/ptxas info : //g')
  printf '%-60s %s\n' "$op $defs" "$info"
done
