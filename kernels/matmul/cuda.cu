/* matmul, CUDA: Y (m, n) = X (m, k) W^T for every weight type, the decode-step GEMV.
 *
 * Versions, with the figures measured for each (v1-v4 on an H100, v5-v7 on an H200):
 *   v1 one warp per W row, 4 X rows per warp; W decoded in registers by common/cuda_quant.cuh
 *      (4 values per lane per step, a warp covers 128 consecutive k), X as float4 when 16-aligned.
 *   v2 a warp owns NR W rows and MT X rows: per step it decodes 4 values of each of its NR
 *      rows and loads each X float4 once for all NR rows. Decode (m = 1): MT = 1, NR = 4, so X
 *      (f32, re-read by every warp from L1/L2) costs 1/4 as much L1 traffic per weight byte as v1;
 *      for q4_0 at k = 4096 v1 read ~7x more X bytes than W bytes from L1, v2 ~1.8x. Batched m:
 *      MT = 4, NR = 2, so a decoded weight is used 4 times and an X load twice. Quant bytes arrive
 *      as one 32-bit word per 4 values (two half loads; blocks are only 2-aligned) instead of 4
 *      byte loads. The k loop is unrolled 2x so two steps' loads are in flight per warp (k-quants:
 *      1x; unrolled they took ~165 registers, 3 blocks per SM; now 52-64). ptxas (sm_90): 40-80
 *      registers, no spills (kernels/common/cuda_ptxas_report.sh).
 *      Expected: close to weight bandwidth for m = 1 at n, k >= 4096 (q8_0, q4_0: >= 75% of copy).
 *      For large m it re-reads W m/4 times: matmul_tiled is the kernel for prompts.
 *      f32 / f16 / bf16 W: one 16- or 8-byte load per 4 values when W and row_bytes are aligned for
 *      it (checked per launch), else scalar loads: 4x fewer load instructions on the f32 GEMV.
 *      H100: q4_0 1x11008x4096 385 GB/s (13% of copy), q4_1 1x4096x11008 192 GB/s (6.6%), q8_0
 *      1x11008x4096 942 GB/s, f32 1x4096x4096 2090 GB/s (72%).
 *   v3 split k over ks = 1..8 warps of an 8-warp block when the row groups alone would not
 *      give the 132 SMs ~48 warps each (ks doubles while that holds and every warp keeps >= 4 steps
 *      of 128 values, two unrolled iterations); the slices' sums meet in shared memory and are added in slice order. q4_1
 *      1x4096x11008 had 1024 warps (~8 per SM, too few loads in flight): now ks = 8, 8192 warps;
 *      q4_0 1x11008x4096 ks = 4. ptxas (sm_90): 40-63 registers, no spills (5+ blocks of 256 per
 *      SM). Expected: several x on those two.
 *   v4 (this, m = 1, q4_0 / q4_1 / q8_0; mm_dot above) 4-weight dot products without forming the weights:
 *      d sum(q x) (+ m sum(x)), each byte turned into 2^23 + byte by one PRMT. Expected: fewer than half
 *      v3's instructions per weight on those formats. H100, % of copy (v3 -> v4, same 2 k steps in flight):
 *      q4_0 1x11008x4096 27.6 -> 27.0, q4_1 1x4096x11008 26.0 -> 34.7, q8_0 1x11008x4096 48.1 -> 48.4: the
 *      instructions were not q4_0's limit, the loads in flight were (ncu: long-scoreboard stalls first).
 *      Steps in flight, A/B in one run (CHORD_CUDA_GEMV_UNROLL=2 / 4 / 8): q4_0 27.1 / 23.1 / 34.9, q4_1
 *      34.7 / 35.2 / 37.6, q8_0 48.4 / 48.4 / 40.9; synthetic llama2-7b q4_0 decode 169 / 150 / 200
 *      tokens/s. So 8 for q4_0 and q4_1, 2 for q8_0 (mm_dot<Q>::UNROLL).
 *   v5 (m = 1 on the split types q4_0_split / q4_1_split / q8_0_split, kernels/common/types.h; the model re-lays
 *      q4_0 / q4_1 / q8_0 matrices in them at load) matmul_gemv_split: 16-byte loads. The GGUF blocks are 18/20/34
 *      bytes, so v4 could only issue 2-byte loads (two per 4 weights, plus the scale's); a split super-block is 256
 *      values with every quant first (16 bytes per lane: 4 values of each of its 8 blocks) and the 8 scales after,
 *      all 16-aligned. A warp takes 4 rows, 8 lanes per row: per super-block a lane issues 1 (q8: 2) 16-byte quant
 *      loads and 1 (q4_1: 2) scale loads, streaming (__ldcs), U super-blocks before the first use; X goes as 8
 *      float4 per lane that the row's 8 lanes take side by side and the 4 rows share (one L1 wavefront each).
 *      k split over ks warps as v3. Arithmetic per 4 weights is v4's (PRMT, FADD, FFMA), now ~4.4 issued
 *      instructions per q4_0 weight with the scale conversions and loads, against ~2x that in v4.
 *      Prediction (H200, % of the 256 MiB copy; v4 measured 24.7 / 26.5 / 36.2 for q4_0 / q4_1 / q8_0): q4_0
 *      1x11008x4096 ~70-75 (issue-bound near 4.3 TB/s at full issue, a ~8 us kernel with its ramp), q4_1 ~65,
 *      q8_0 >= 80 (fewer instructions per byte); synthetic llama2-7b q4_0 decode 202 -> ~380 tokens/s (the GEMVs
 *      ~3.7 ms -> ~1.2 ms of a ~4.9 ms step, the ~290 small launches unchanged).
 *      Measured (H200, run 80bde4d: % of copy; default U = 4, 48 warps/SM target): q4_0_split 1x11008x4096 35.1,
 *      1x4096x11008 32.9; q4_1_split 31.2 / 31.1; q8_0_split 47.2 / 44.7 (the GGUF layouts on v4 in the same run:
 *      q4_0 24.7 / 25.3, q4_1 25.9 / 26.5, q8_0 36.5 / 37.5). U = 2: 36.4 / 32.8, 34.4 / 34.2, 52.6 / 53.2; U = 8
 *      lower. Synthetic llama2-7b q4_0 decode 203.7 -> 262.1 tokens/s (chord run -n 128, --file-layout for the
 *      first). Half the predicted gain. ncu (q4_0_split 1x11008x4096): 17.1 us, DRAM 30.9% of peak, 0.57 issued
 *      warps per scheduler-cycle (1.61 of 6.96 eligible), long-scoreboard stalls 46% (X loads under a branch per
 *      super-block; a warp did one U-group and exited: its loads were never overlapped with compute), 2.61 waves;
 *      SASS: 614 instructions per 128 weights per lane (4.8), of which PRMT + FADD + FFMA + FMUL are 3.25.
 *   v6 (cuda_gemv_split.cuh, one kernel over v4's row policy that the fused decode ops share) the same loads as a
 *      rolling prefetch: slot u is reloaded with super-block i + U as soon as i is used, so a
 *      warp keeps U super-blocks in flight through its stream; no branch around the compute, pointers step.
 *      SASS: 148 instructions per super-block per lane (4.6 per weight). Prediction: q4_0 35 -> ~50% (still
 *      issue-bound: 4.6 instructions per weight needs ~0.8 issue efficiency for 80%).
 *      Measured (run b356e47, % of copy, U = 4 / U = 2): q4_0_split 35.8 / 35.8 (1x11008x4096), 33.5 / 35.2
 *      (1x4096x11008); q4_1_split 34.5 / 36.6, 31.7 / 37.0; q8_0_split 55.3 / 56.6, 46.7 / 59.4. U = 2 with a
 *      24-warp target: q8_0 55.4 / 65.9, but q4_0 1x11008x4096 31.7. Default U = 2. Far short of the ~50%
 *      predicted for q4_0: the latency was not the only limit, the 4.6 instructions per weight are (issue-bound).
 *   v7 (the default for q4_0_split / q4_1_split; CHORD_CUDA_SPLIT_KERNEL=simt for v6) the tensor cores do the multiply-adds: X is
 *      split exactly into three bf16 parts (hi + mid + lo, 8 significant bits each), the weights 128 + q become
 *      bf16 pairs with one LOP3 (+ a shift for 3 of 4) and q - 8 (q4_1: q) with one HSUB2, and mma.m16n8k16
 *      takes 16 rows x 16 k against the 3 parts as B's columns; every product is exact, the sums are f32 as the
 *      FFMA chains were. Block scales per 2 mmas. B fragments computed once per block into shared memory.
 *      The kernel is cuda_gemv_tc.cuh's mm_tc_gemv, one template over a tile policy that the fused decode ops
 *      (matmul_qkv, matmul_swiglu, matmul_add, rmsnorm_qkv, rmsnorm_swiglu) share; v4 likewise as cuda_gemv_rows.cuh.
 *      cuda_split_tc.cuh holds the fragment maps; cuda_quant_hostcheck runs them for a warp with an emulated
 *      mma against the reference. SASS: ~341 instructions per super-block per lane for 128 weights (2.7).
 *      Prediction: memory-bound, q4_0 / q4_1 ~75% of copy at 1x11008x4096.
 *      Measured (run b356e47, % of copy; 16 warps/SM target, U = 1): q4_0_split 42.5 (1x11008x4096), 35.2
 *      (1x4096x11008); q4_1_split 40.0, 31.4. 8- and 32-warp targets and U = 2 lower. Synthetic llama2-7b q4_0
 *      decode 266.0 (v6) -> 286.5 tokens/s; check --large 106/106, memcheck and racecheck clean, --verify passes
 *      (7B: worst NMSE 1.2e-12). The miss, from ncu (q4_0_split 1x11008x4096): 13.7 us, DRAM 38.6% of peak,
 *      0.43 issued warps per scheduler-cycle, 0.83 of 5.03 warps eligible, long-scoreboard stalls 51%, SM active
 *      only 77% of the elapsed cycles, 0.65 waves of 344 blocks: no longer issue-bound but latency-bound. Each
 *      warp streams 4 super-blocks with one in flight behind the one in use (~4.6 KB per warp, ~20 warps per
 *      SM: ~90 KB in flight, each block first waits for its X split), so the kernel is a handful of DRAM round
 *      trips plus the prologue. Next: stage the weights through shared memory with cp.async.bulk / TMA in 3-4
 *      stages (bytes in flight without registers), split X once per launch instead of per block, and a
 *      persistent grid of exactly one wave.
 *   v8 (m >= 16 on the three split types) the prompt GEMM on the tensor cores: cuda_gemm_tc.cuh, with its figures.
 *   v9 (opt-in, CHORD_CUDA_SPLIT_KERNEL=v9) v7's arithmetic fed by cp.async rings on a persistent stream-K grid:
 *      cuda_gemv_stream.cuh, with its figures; slower than v7, so v7 stays the default.
 *   Decode tuning of v4 and v7 (H200, tg128 tok/s, chord bench-model -r 3, two rounds, against the e8e3841 binary
 *      in the same run; results/nvidia-h200/2026-12-03-288ae79f44a1). ncu of one step first: every mat-vec of the
 *      SmolLM2 shape and the 1B took 6-12 us whatever its bytes (0.4-19 MB): a few dependent DRAM round trips per
 *      warp on grids of 9-512 blocks, latency not bandwidth.
 *      - Prediction: v7 with all of a warp's super-blocks in flight (CHORD_CUDA_TC_UNROLL=auto: U = count up to 4)
 *        +10-20% on the 1B. Measured: 1B -2 to +3% (noise), 7B q4_0 -14% (U = 4 takes 130-171 registers, one
 *        block per SM): U stays 1 (the knob stays for A/B runs).
 *      - The rest of v7's stream prefetched into L2 before the PDL wait: 1B -15%, 7B -8%; taken out. In v4, whose
 *        weights had no load before the wait, the same prefetch gave SmolLM2-shape q4_1 +19% (949 -> 1138): kept.
 *      - v4's k split down to one 128-value step per warp (CHORD_CUDA_ROWS_STEPS=1; SmolLM2's qkv 30 -> 120
 *        blocks): +10% on the SmolLM2 shape. v7's slices down to one super-block (CHORD_CUDA_TC_MIN_SB=1; its
 *        576 x 1536 down projection ran on 9 blocks): +9%.
 *      Together with the attention prefetch (kernels/attention/cuda.cu): SmolLM2-shape 909 / 915 -> 1234 / 1209
 *      (+34%), 1B q4_0 1266 / 1346 -> 1357 / 1406 (+5%), 7B q4_0 438 / 433 -> 440 / 451 (+2%).
 *   v7's X split with each thread's loads issued together (MM_TC_XU = 4 float4 per round, cuda_gemv_tc.cuh; they
 *      had gone one round trip each: ptx showed one ld.global per loop turn). Prediction: 1-4 us off every v7
 *      block's start (4 round trips at k = 4096, 11 at the 7B's k = 11008 down projection), 7B q4_0 tg128 +3-8%.
 *      Measured (H200, results/nvidia-h200/2026-12-03-544652e7264b, with rmsnorm's weight preload): 7B q4_0
 *      453.8 / 454.0 -> 465.7 / 454.3 tok/s (+1.5%). ncu: qkv 18.6 -> 17.5 us, gate/up 26.1 -> 25.2 us, the
 *      o-proj and down projections unchanged (14.2 us on average): the prologue was no longer the long pole there.
 *   Not tried: dp4a on q8-quantized X (ggml's mmvq): faster integer dots but not the f32 contract.
 * Partial sums stay in float per lane; one shuffle reduction per output at the end. */
#include <stdlib.h>
#include <string.h>

#include "../common/cuda_quant.cuh"
#include "cuda_gemv_tc.cuh"
#include "matmul.h"

#define MM_WARPS 8 /* warps per block: MM_WARPS / ks row groups, each row group's k split over ks warps */
/* k steps in flight per warp for the 1- and 32-value formats (tunable: -DCHORD_CUDA_MM_UNROLL=4 in
 * CMAKE_CUDA_FLAGS; 4 gives q4_0 96 registers at m = 1, 5 blocks per SM instead of 8, about the same
 * bytes in flight: worth an H100 A/B, not a guess) */
#ifndef CHORD_CUDA_MM_UNROLL
#define CHORD_CUDA_MM_UNROLL 2
#endif

/* Q::get4, but one 16-byte (f32) or 8-byte (f16, bf16) load when every W row is aligned for it
 * (w_vec, decided once per launch): the quant formats' blocks are only 2-aligned and keep get4. */
template <typename Q> __device__ __forceinline__ void mm_get4(const uint8_t *row, int e, float v[4], bool w_vec)
{
    Q::get4(row, e, v);
}
template <> __device__ __forceinline__ void mm_get4<chord_cu_f32>(const uint8_t *row, int e, float v[4], bool w_vec)
{
    if (!w_vec)
        return chord_cu_f32::get4(row, e, v);
    const float4 t = *(const float4 *)(row + 4 * (size_t)e);
    v[0] = t.x, v[1] = t.y, v[2] = t.z, v[3] = t.w;
}
template <> __device__ __forceinline__ void mm_get4<chord_cu_f16>(const uint8_t *row, int e, float v[4], bool w_vec)
{
    if (!w_vec)
        return chord_cu_f16::get4(row, e, v);
    const uint2 t = *(const uint2 *)(row + 2 * (size_t)e);
    v[0] = __half2float(__ushort_as_half((unsigned short)(t.x & 0xffff)));
    v[1] = __half2float(__ushort_as_half((unsigned short)(t.x >> 16)));
    v[2] = __half2float(__ushort_as_half((unsigned short)(t.y & 0xffff)));
    v[3] = __half2float(__ushort_as_half((unsigned short)(t.y >> 16)));
}
template <> __device__ __forceinline__ void mm_get4<chord_cu_bf16>(const uint8_t *row, int e, float v[4], bool w_vec)
{
    if (!w_vec)
        return chord_cu_bf16::get4(row, e, v);
    const uint2 t = *(const uint2 *)(row + 2 * (size_t)e);
    v[0] = __uint_as_float(t.x << 16), v[1] = __uint_as_float(t.x & 0xffff0000u);
    v[2] = __uint_as_float(t.y << 16), v[3] = __uint_as_float(t.y & 0xffff0000u);
}

#include "cuda_dot.cuh"

#include "cuda_gemv_split.cuh" /* v5, v6 */

/* The split GEMVs' tunables, read once (A/B runs): CHORD_CUDA_SPLIT_KERNEL = tc (v7, the default for q4_0 /
 * q4_1 split) | v9 (cuda_gemv_stream.cuh; v7 where its shared memory does not fit) | simt (v6, whose own
 * CHORD_CUDA_SPLIT_UNROLL and CHORD_CUDA_SPLIT_WARPS cuda_gemv_split.cuh reads); v9's CHORD_CUDA_SK_STAGES; v7's
 * CHORD_CUDA_TC_WARPS (its CHORD_CUDA_TC_UNROLL: mm_tc_unroll in cuda_gemv_tc.cuh) */
static int mm_env_int(const char *name, int dflt, int lo, int hi)
{
    const char *e = getenv(name);
    const int v = e ? atoi(e) : dflt;
    return v >= lo && v <= hi ? v : dflt;
}

/* v7's launch over one W (cuda_gemv_tc.cuh) */
template <typename Q>
static chord_status launch_gemv_tc(const void *w, size_t row_bytes, const float *x, float *y,
                                   const chord_matmul_args *a, int target_warps, int *ran, cudaStream_t stream)
{
    const mm_tc_plain pol = {(const uint8_t *)w, row_bytes, y, a->n, (a->n + 15) / 16};
    return mm_tc_launch_n<Q, false>("matmul_gemv_split_tc", pol, x, a->k, target_warps, ran, stream,
                                    mm_norm{NULL, 0.0f});
}

#include "cuda_gemv_stream.cuh"

template <typename Q>
static chord_status launch_gemv_split(void *ctx, const void *w, size_t row_bytes, const float *x, float *y,
                                      const chord_matmul_args *a, cudaStream_t stream)
{
    static int ready = 0, tc = 0, tc_target = 0, stream_k = 0, stages = 0;
    if (!ready) {
        int dev = 0, sms = 132;
        if (cudaGetDevice(&dev) != cudaSuccess ||
            cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess)
            sms = 132;
        (void)cudaGetLastError();
        const char *k = getenv("CHORD_CUDA_SPLIT_KERNEL");
        tc =
            !(k && !strcmp(k, "simt")); /* the tensor cores for q4_0 / q4_1 split unless CHORD_CUDA_SPLIT_KERNEL=simt */
        stream_k = k && !strcmp(k, "v9"); /* v9 only when asked: slower than v7 where measured (its header) */
        stages = mm_env_int("CHORD_CUDA_SK_STAGES", 6, 4, 8);
        tc_target = sms * mm_env_int("CHORD_CUDA_TC_WARPS", 16, 1, 64);
        ready = 1;
    }
    if constexpr (mm_tc<Q>::ON) {
        if (stream_k) {
            int ran = 0;
            CHORD_TRY(launch_gemv_stream<Q>(ctx, w, row_bytes, x, y, a, stages, &ran, stream));
            if (ran)
                return CHORD_OK;
        }
        if (tc) {
            int ran = 0;
            const chord_status s = launch_gemv_tc<Q>(w, row_bytes, x, y, a, tc_target, &ran, stream);
            if (s != CHORD_OK || ran)
                return s;
        }
    }
    const mm_groups_plain pol = {(const uint8_t *)w, row_bytes, y, a->n, (a->n + 3) / 4};
    return mm_split_launch<Q, mm_groups_plain, false>("matmul_gemv_split", pol, x, a->k, stream);
}

template <typename Q, int MT, int NR, int U>
__global__ void __launch_bounds__(MM_WARPS * 32)
    matmul_gemv(const uint8_t *__restrict__ w /* (n, k) of Q, row_bytes per row */, size_t row_bytes,
                const float *__restrict__ x /* (m, k) */, float *__restrict__ y /* (m, n) */, int m, int n, int k,
                int x_vec, int w_vec, int ks /* warps sharing one row group's k (1, 2, 4 or 8) */)
{
    chord_cu_pdl_begin();                     /* the predecessor's outputs are this kernel's inputs */
    __shared__ float part[MM_WARPS][MT * NR]; /* each warp's sums, when ks > 1 */
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, slice = warp % ks;
    const int col0 = (blockIdx.x * (MM_WARPS / ks) + warp / ks) * NR;
    const int m0 = blockIdx.y * MT;
    const uint8_t *wr[NR];
#pragma unroll
    for (int r = 0; r < NR; r++) /* rows past n repeat row n - 1: computed, never stored */
        wr[r] = w + (size_t)(col0 + r < n ? col0 + r : n - 1) * row_bytes;
    float acc[MT][NR];
#pragma unroll
    for (int i = 0; i < MT; i++)
#pragma unroll
        for (int r = 0; r < NR; r++)
            acc[i][r] = 0.0f;
    const int k4 = k & ~3;
    /* 2 steps in flight for the 1- and 32-value formats; the k-quants' decode (6-bit scale unpacking)
     * is register-heavy enough that a second step pushed them to ~165 registers */
    constexpr int unroll = Q::QK == 256 ? 1 : U;
#pragma unroll unroll
    for (int e = 4 * lane + 128 * slice; e < k4; e += 128 * ks) {
        if constexpr (mm_dot<Q>::FAST && MT == 1) {
            const float *xr = x + (size_t)m0 * k + e;
            const float4 xv = x_vec ? *(const float4 *)xr : make_float4(xr[0], xr[1], xr[2], xr[3]);
            const float xsum = (xv.x + xv.y) + (xv.z + xv.w);
#pragma unroll
            for (int r = 0; r < NR; r++)
                acc[0][r] = mm_dot<Q>::dot4(wr[r], e, xv, xsum, acc[0][r]);
        } else {
            float wv[NR][4];
#pragma unroll
            for (int r = 0; r < NR; r++)
                mm_get4<Q>(wr[r], e, wv[r], w_vec);
#pragma unroll
            for (int i = 0; i < MT; i++) {
                if (m0 + i < m) {
                    const float *xr = x + (size_t)(m0 + i) * k + e;
                    const float4 xv = x_vec ? *(const float4 *)xr : make_float4(xr[0], xr[1], xr[2], xr[3]);
#pragma unroll
                    for (int r = 0; r < NR; r++) {
                        acc[i][r] = fmaf(wv[r][0], xv.x, acc[i][r]);
                        acc[i][r] = fmaf(wv[r][1], xv.y, acc[i][r]);
                        acc[i][r] = fmaf(wv[r][2], xv.z, acc[i][r]);
                        acc[i][r] = fmaf(wv[r][3], xv.w, acc[i][r]);
                    }
                }
            }
        }
    }
    /* k % 4 tail: only the 1-value types f32/f16/bf16 can have one; slice 0 takes it */
    for (int e = k4 + lane; slice == 0 && e < k; e += 32) {
#pragma unroll
        for (int r = 0; r < NR; r++) {
            const float wv = Q::get1(wr[r], e);
#pragma unroll
            for (int i = 0; i < MT; i++)
                if (m0 + i < m)
                    acc[i][r] = fmaf(wv, x[(size_t)(m0 + i) * k + e], acc[i][r]);
        }
    }
#pragma unroll
    for (int i = 0; i < MT; i++)
#pragma unroll
        for (int r = 0; r < NR; r++) {
            const float s = chord_warp_sum(acc[i][r]);
            if (ks == 1) {
                if (lane == 0 && m0 + i < m && col0 + r < n)
                    y[(size_t)(m0 + i) * n + col0 + r] = s;
            } else if (lane == 0) {
                part[warp][i * NR + r] = s;
            }
        }
    if (ks == 1) /* uniform over the block: no barrier is skipped by some threads only */
        return;
    __syncthreads();
    /* the first warp of each row group adds its ks slices in order, lane (i, r) one output */
    if (slice == 0 && lane < MT * NR) {
        const int i = lane / NR, r = lane % NR;
        float s = 0.0f;
        for (int t = 0; t < ks; t++)
            s += part[warp + t][lane];
        if (m0 + i < m && col0 + r < n)
            y[(size_t)(m0 + i) * n + col0 + r] = s;
    }
}

template <typename Q, int MT, int NR, int U = CHORD_CUDA_MM_UNROLL>
static chord_status launch_gemv_mt(const void *w, size_t row_bytes, const float *x, float *y,
                                   const chord_matmul_args *a, cudaStream_t stream)
{
    /* k split over ks warps when the row groups alone would not fill an H100 (132 SMs x ~48 warps
     * resident): 4096 q4_1 rows of k = 11008 made 1024 warps, ~8 per SM. Each warp keeps >= 4 steps
     * of 128 values (two unrolled iterations), so small k stays unsplit. */
    const long long groups = (long long)((a->n + NR - 1) / NR) * ((a->m + MT - 1) / MT);
    int ks = 1;
    while (ks < MM_WARPS && groups * ks < 132LL * 48 && (long long)(a->k / 4) >= 256LL * ks) /* 2 ks: >= 4 steps */
        ks *= 2;
    const int cols_per_block = MM_WARPS / ks * NR;
    const dim3 grid((unsigned)((a->n + cols_per_block - 1) / cols_per_block), (unsigned)((a->m + MT - 1) / MT));
    const int x_vec = chord_cuda_aligned(x, 16) && a->k % 4 == 0;
    /* 4 values of a 1-value type are 16 (f32) or 8 (f16, bf16) bytes: vector loads when W and its row
     * length are aligned to that */
    const size_t w4 = 4 * (size_t)Q::BYTES;
    const int w_vec = Q::QK == 1 && chord_cuda_aligned(w, w4) && row_bytes % w4 == 0;
    CHORD_CU_LAUNCH("matmul_gemv", matmul_gemv<Q, MT, NR, U>, grid, MM_WARPS * 32, 0, stream, (const uint8_t *)w,
                    row_bytes, x, y, a->m, a->n, a->k, x_vec, w_vec, ks);
    return CHORD_OK;
}

template <typename Q>
static chord_status launch_gemv(void *ctx, const void *w, size_t row_bytes, const float *x, float *y,
                                const chord_matmul_args *a, cudaStream_t stream)
{
    if constexpr (mm_split<Q>::ON) {
        if (a->m == 1 && chord_cuda_aligned(w, 16) && chord_cuda_aligned(x, 16))
            return launch_gemv_split<Q>(ctx, w, row_bytes, x, y, a, stream);
    }
    if constexpr (mm_dot<Q>::FAST) {
        /* k steps in flight per warp on v4's path: the format's measured best, or CHORD_CUDA_GEMV_UNROLL=2|4|8
         * (for A/B runs) */
        static int forced = -1;
        if (forced < 0) {
            const char *e = getenv("CHORD_CUDA_GEMV_UNROLL");
            forced = e && !strcmp(e, "2") ? 2 : e && !strcmp(e, "4") ? 4 : e && !strcmp(e, "8") ? 8 : 0;
        }
        const int u = forced ? forced : mm_dot<Q>::UNROLL;
        if (a->m == 1 && u == 4)
            return launch_gemv_mt<Q, 1, 4, 4>(w, row_bytes, x, y, a, stream);
        if (a->m == 1 && u == 8)
            return launch_gemv_mt<Q, 1, 4, 8>(w, row_bytes, x, y, a, stream);
    }
    if (a->m == 1)
        return launch_gemv_mt<Q, 1, 4>(w, row_bytes, x, y, a, stream);
    return launch_gemv_mt<Q, 4, 2>(w, row_bytes, x, y, a, stream);
}

#include "cuda_gemm_tc.cuh"

extern "C" chord_status chord_matmul_cuda(void *ctx, const chord_tensor *tensors, const void *args)
{
    const chord_matmul_args *a = (const chord_matmul_args *)args;
    const chord_type_traits *t = chord_type_info(a->wtype);
    if (!chord_dequant_cuda_supported(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul: weight type %d (%s) has no CUDA decoder", (int)a->wtype,
                          t->name);
    if (!tensors) /* a support query */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const void *w = chord_cuda_ptr(tensors[0]);
    const float *x = (const float *)chord_cuda_ptr(tensors[1]);
    float *y = (float *)chord_cuda_ptr(tensors[2]);
    if ((a->m + 3) / 4 > 65535) /* gridDim.y holds m / MT */
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul: m=%d exceeds the GEMV grid (%d rows)", a->m, 65535 * 4);
    if (!chord_cuda_aligned(w, a->wtype == CHORD_TYPE_F32 ? 4 : 2) || !chord_cuda_aligned(x, 4) ||
        !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul: misaligned W %p, X %p or Y %p", w, (const void *)x,
                          (void *)y);
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    int ran = 0; /* prompt batches on the split layouts: the tensor-core GEMM */
    switch (a->wtype) {
#define MM_GEMM(Q)                                                          \
    CHORD_TRY(launch_gemm_tc<Q>(ctx, w, row_bytes, x, y, a, stream, &ran)); \
    break;
        CHORD_CU_TYPE_CASES(MM_GEMM)
#undef MM_GEMM
    default: break;
    }
    if (ran)
        return CHORD_OK;
    switch (a->wtype) {
#define MM_CALL(Q) return launch_gemv<Q>(ctx, w, row_bytes, x, y, a, stream);
        CHORD_CU_TYPE_CASES(MM_CALL)
#undef MM_CALL
    default: return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul: weight type %s", t->name);
    }
}
