/* matmul_tiled, CUDA: Y (m, n) = X (m, k) W (n, k)^T in f32, the prompt-time GEMM ("NT": X and W are both
 * k-contiguous). Pure FP32 FMA: no tensor cores, no TF32.
 *
 * Versions, each with what it was expected to gain and, from v6 on, what the H100 measured (the yardstick is
 * cuBLAS SGEMM with TF32 off, ~51.5 TFLOP/s at 4096^3..8192^3):
 *   v1 16 x 16 shared tiles, one output per thread, 2 shared loads per FMA: a correct baseline,
 *      expected ~10% of cuBLAS (shared-memory bound).
 *   v2 128 x 128 block tile, BK = 8, 256 threads, 8 x 8 outputs per thread (64 accumulators): 16
 *      shared floats feed 64 FMAs. Tiles stored k-major (transposed on the way in) so a thread's 4
 *      consecutive rows/columns are one float4 read. Each thread's 8 x 8 is split into two 4-row
 *      and two 4-column halves 16/32 apart, so a warp's float4 reads cover 128 contiguous bytes
 *      (conflict-free) and broadcast; stores into the tiles are conflict-free with a 4-float pad.
 *      Expected the bulk of the gain: ~60-70% of cuBLAS.
 *   v3 float4 global loads where k % 4 == 0 and X, W are 16-byte aligned (chosen at launch; any other
 *      4-byte offset takes the scalar-load kernel), float4 stores of Y where n % 4 == 0: fewer
 *      load instructions, expected +5-10%.
 *   v4 double-buffered shared tiles with register-staged prefetch: tile t+1's global loads are in
 *      flight while tile t is computed, one barrier per tile; __launch_bounds__(256, 2) caps the
 *      registers at 128 so two blocks (16 warps) share an SM. Expected 80-90% of cuBLAS at 4096^3
 *      (1024 blocks = 3.9 waves of 264 on 132 SMs).
 *   v5 chunked sums, for accuracy: one f32 accumulator summing k = 4096 products in order drifts by
 *      2.4e-5 rms (|Y| ~ 21 for the case table's U(-1,1) inputs) with a heavy tail: in a simulation
 *      of 10^6 such dot products 0.4% erred by more than 1e-4, so under the shared bound
 *      (1e-4 + 1e-3 |ref|) ~50 outputs near zero of a 4096^3 product would fail (the HUGE cases are
 *      benchmark-only, but the model's k reaches 11008). Every KF = 128 values of k the registers
 *      are added into a per-thread total in shared memory and restarted: 5x less drift (rms 4.9e-6,
 *      none of the 10^6 above 5e-5) for ~1% more instructions and 64 KiB of shared memory per
 *      block (2 blocks still fit in 228 KiB per SM).
 *   v6 a 64 x 64 tile (BK = 16, 4 x 4 per thread) when 128 x 128 tiles would not give every
 *      SM a block: the model's own prefill shapes (512 x 576 x 576: 20 big tiles for 132 SMs, 72
 *      small ones) are parallelism-bound, not FMA-bound. Expected ~3x on them; 4 x 4 needs 2 shared
 *      float4 per 16 FMAs, so it is the worse kernel once the big tile fills the machine.
 *      CHORD_CUDA_GEMM_TILE=64|128 overrides the choice: on an H100 every case the check runs takes
 *      64 x 64, so `CHORD_CUDA_GEMM_TILE=128 chord check -b cuda -o matmul_tiled` is what checks
 *      the big tile.
 *   v7 and v8 were removed once v9 had beaten both; their code is at commit 249bdee.
 *   v7 cp.async with 16-byte copies, tiles kept k-contiguous ([128][16 + 4 pad]) with a float4 of 4 k per
 *      row read, BK = 16, and 2 stages beside the 64 KiB of totals. It was capped at 128 registers: the 4-k
 *      steps stayed a rolled loop, because unrolling them spilled. Measured 77.3% at 4096^3 (v6 76.1%) and
 *      70% at 1664 x 1664 x 264 (v6 76%).
 *   v8 v6 with BK = 16, a bank-spread loader mapping and grouped block order for L2 reuse. It sat at the
 *      128-register cap. Measured 73.8% at 4096^3, 70.8% at 1664 x 1664 x 272 (run 2cf36a9db574-gemm).
 *      Both pointed at the same wall: 64 accumulators under __launch_bounds__(256, 2) leave no room to
 *      stage loads further ahead.
 *   v9 (the default big tile since it was measured) cuBLAS's own shape, read off ncu (its FP32 kernel is
 *      sm80_xmma_gemm_f32f32_f32f32_f32_tn_n_tilesize128x128x8_stage3_warpsize2x2x1_ffma: 128 threads, 255
 *      registers, 4 x 8.25 KiB of tiles, 4-byte LDGSTS, 87% of issue slots busy). ncu on v6 (68% busy): 17%
 *      of the stall samples wait for the register-staged global loads at the first transposing store, and
 *      __launch_bounds__(256, 2) leaves no room to stage further ahead. v9: 128 x 128 x 8 tiles, 128 threads
 *      (2 x 2 warps of 64 x 64, 8 x 16 outputs per thread, 6 shared float4 reads per 128 FMAs), 4-byte
 *      cp.async that transposes on the way in, 4 stages, chunked totals as v5. Three steps, each measured
 *      at 4096^3 (H100, % of cuBLAS in the same run, results/.../2026-11-24-dc0a54bc2e01-gemm):
 *        a. the shape, copies all issued after the barrier, fragments read at each k: 66.6% (the 16
 *           copies queue in the load/store unit, stall_lg; a fragment read waits on a copy's address
 *           register; every tile starts with a fragment-read stall);
 *        b. the copies spread two per k, fragments of k + 1 read while k is multiplied, and the barrier
 *           moved before the last k so the next tile's first fragments are read early: 74.1% (ncu: 2.73 G
 *           instructions against cuBLAS's 2.45 G: each copy recomputed its address, ~12 instructions);
 *        c. one pointer per copy, advanced 8 floats per tile: 82.9% (41.8 of 50.5 TFLOP/s; 76% of issue
 *           slots busy, 2.61 G instructions). 1664 x 1664 x 264 78.1% (v6 74.6%), 1537 x 1543 x 515 57.5%
 *           (v6 48.4%). Any k and 4-byte alignment: rows and k past the matrix copy 0 bytes.
 *      Final run (aee194190ffe, the timer and the cuBLAS yardstick both behind a hold kernel): 82.7% at
 *      4096^3 (42.0 of 50.8 TFLOP/s; v6 75.7%), 84.2-84.7% at 1664 x 1664 x 264/272, 60.5% at 1537 x 1543
 *      x 515 (the 64 x 64 tile reaches 61.4% there: the tile rule is still a guess).
 *   Edges: a bounds-checked instantiation (zero-filled tile loads, guarded stores) runs whenever
 *   m or n is not a multiple of the tile or k of BK; the checks sit outside the FMA loop, so it is
 *   expected within a few percent of the full-tile one.
 *   ptxas (sm_90, CUDA 13.0), no spills: 128 x 128: 124 registers (full tiles), 123 (edges), 128
 *   (scalar loads); 64 x 64: 71 / 71 / 77; v9: 233 (full tiles), 249 (edges). Shared: 16.5 KiB (+64 KiB
 *   totals when k >= 128), 17 KiB (+16 KiB), v9 33 KiB (+64 KiB: two blocks per SM, 194 KiB).
 *   Not tried: split-k for small grids, warp specialization / TMA (the tiles must be
 *   transposed on the way in). */
#include <stdlib.h>
#include <string.h>

#include "../common/cuda_common.cuh"
#include "matmul_tiled.h"

#define MT_THREADS 256
#define MT_KF 128 /* values of k summed in registers before they go into the shared total */

/* A block tile: WR x WC warps, each warp 4 x 8 lanes, each lane HM x HN float4 groups of outputs
 * (4 HM rows by 4 HN columns), the groups 16 rows / 32 columns apart so that a warp's float4 shared
 * reads cover 64 / 128 contiguous bytes. BK values of k per shared tile. */
template <int HM_, int HN_, int WR_, int WC_, int BK_> struct mt_cfg {
    static constexpr int HM = HM_, HN = HN_, WR = WR_, WC = WC_, BK = BK_;
    static constexpr int TM = 4 * HM, TN = 4 * HN;     /* outputs per thread */
    static constexpr int BM = WR * 16 * HM;            /* rows of X (rows of Y) per block */
    static constexpr int BN = WC * 32 * HN;            /* rows of W (columns of Y) per block */
    static constexpr int LDX = BM + 4, LDW = BN + 4;   /* shared strides: the pad spreads the transposing stores */
    static constexpr int XS = BK * LDX, WS = BK * LDW; /* floats per shared tile */
    static constexpr int KT = MT_KF / BK;              /* tiles per flush into the totals */
    static constexpr size_t TILES_BYTES = 2 * (XS + WS) * sizeof(float); /* double-buffered */
    static constexpr size_t TOTAL_BYTES = (size_t)HM * HN * 4 * MT_THREADS * sizeof(float4);
    static_assert(WR * WC * 32 == MT_THREADS, "the warps fill the block");
    static_assert(BM * BK % (4 * MT_THREADS) == 0 && BN * BK % (4 * MT_THREADS) == 0,
                  "every thread loads whole float4 groups");
    static_assert(MT_KF % BK == 0 && (KT & (KT - 1)) == 0, "the flush period is a power-of-two tile count");
    static_assert(TILES_BYTES % 16 == 0, "the totals after the tiles stay float4-aligned");
};
typedef mt_cfg<2, 2, 4, 2, 8> mt_big;    /* 128 x 128, 8 x 8 per thread */
typedef mt_cfg<1, 1, 4, 2, 16> mt_small; /* 64 x 64, 4 x 4 per thread */

/* Global -> registers -> shared, for one operand (ROWS rows of X or W per block): each thread moves G
 * groups of VW consecutive k values, from rows row0 + RS i at one k offset kk (VW = 4, BK = 8: thread t
 * takes row t / 2 at k offset 4 (t % 2)). Rows past the matrix load 0; their addresses are only formed
 * under the predicate. One pointer and one stride per operand keep the scalar kernel's groups from
 * costing registers (it spilled with a pointer per group). */
template <int ROWS, int BK, int LD, int VW, bool CHECK> struct mt_loader {
    static constexpr int PER_ROW = BK / VW;
    static constexpr int RS = MT_THREADS / PER_ROW;       /* rows between a thread's groups */
    static constexpr int G = ROWS * BK / VW / MT_THREADS; /* groups per thread */
    static_assert(MT_THREADS % PER_ROW == 0 && ROWS % RS == 0, "the groups tile the block's rows");
    const float *p; /* row row0 of this block's rows, k offset kk */
    size_t step;    /* RS rows */
    int rows_left;  /* rows from row0 to the matrix's end */
    int row0, kk;
    float v[G][VW];

    __device__ __forceinline__ mt_loader(const float *base /* (rows, k) */, int r0, int rows, int k)
    {
        row0 = threadIdx.x / PER_ROW;
        kk = threadIdx.x % PER_ROW * VW;
        rows_left = rows - r0 - row0;
        p = base + ((size_t)r0 + row0) * k + kk;
        step = (size_t)RS * k;
    }

    __device__ __forceinline__ void load(int k0, int k)
    {
#pragma unroll
        for (int i = 0; i < G; i++) {
            /* k % 4 == 0 whenever VW = 4, so one k test covers the whole group */
            const bool ok = !CHECK || (i * RS < rows_left && k0 + kk < k);
            if (VW == 4) {
                const float4 t = ok ? *(const float4 *)(p + i * step + k0) : make_float4(0.f, 0.f, 0.f, 0.f);
                v[i][0] = t.x;
                v[i][VW > 1 ? 1 : 0] = t.y;
                v[i][VW > 2 ? 2 : 0] = t.z;
                v[i][VW > 3 ? 3 : 0] = t.w;
            } else {
                v[i][0] = ok ? p[i * step + k0] : 0.0f;
            }
        }
    }

    __device__ __forceinline__ void store(float *tile /* [BK][LD] */) const
    {
#pragma unroll
        for (int i = 0; i < G; i++)
#pragma unroll
            for (int j = 0; j < VW; j++)
                tile[(kk + j) * LD + row0 + i * RS] = v[i][j];
    }
};

/* VEC: float4 loads of X and W (k % 4 == 0, both 16-byte aligned). CHECK: m, n or k is ragged. */
template <typename C, bool VEC, bool CHECK>
__global__ void __launch_bounds__(MT_THREADS, 2)
    matmul_tiled_sgemm(const float *__restrict__ w /* (n, k) */, const float *__restrict__ x /* (m, k) */,
                       float *__restrict__ y /* (m, n) */, int m, int n, int k, int y_vec)
{
    extern __shared__ float4 mt_smem[];
    float *xs = (float *)mt_smem;               /* [2][BK][LDX]: X tile, k-major */
    float *ws = xs + 2 * C::XS;                 /* [2][BK][LDW]: W tile, k-major */
    float4 *total = (float4 *)(ws + 2 * C::WS); /* [HM HN 4][MT_THREADS], only when k >= MT_KF */

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int m0 = blockIdx.y * C::BM, n0 = blockIdx.x * C::BN;
    /* a thread's rows: ar + 16 h + (0..3), h < HM; its columns: bc + 32 g + (0..3), g < HN */
    const int ar = warp / C::WC * (16 * C::HM) + (lane >> 3) * 4;
    const int bc = warp % C::WC * (32 * C::HN) + (lane & 7) * 4;

    mt_loader<C::BM, C::BK, C::LDX, VEC ? 4 : 1, CHECK> lx(x, m0, m, k);
    mt_loader<C::BN, C::BK, C::LDW, VEC ? 4 : 1, CHECK> lw(w, n0, n, k);
    float acc[C::TM][C::TN];
#pragma unroll
    for (int i = 0; i < C::TM; i++)
#pragma unroll
        for (int j = 0; j < C::TN; j++)
            acc[i][j] = 0.0f;

    const int n_tiles = (k + C::BK - 1) / C::BK;
    const bool use_total = n_tiles >= C::KT;
    if (n_tiles > 0) {
        lx.load(0, k);
        lw.load(0, k);
        lx.store(xs);
        lw.store(ws);
    }
    if (use_total)
#pragma unroll
        for (int q = 0; q < C::HM * C::HN * 4; q++)
            total[q * MT_THREADS + tid] = make_float4(0.f, 0.f, 0.f, 0.f);
    __syncthreads();

    for (int t = 0; t < n_tiles; t++) {
        const int cur = t & 1;
        const bool more = t + 1 < n_tiles;
        if (more) { /* in flight while this tile is computed */
            lx.load((t + 1) * C::BK, k);
            lw.load((t + 1) * C::BK, k);
        }
        const float *xt = xs + cur * C::XS, *wt = ws + cur * C::WS;
#pragma unroll
        for (int kk = 0; kk < C::BK; kk++) {
            float a[C::TM], b[C::TN];
#pragma unroll
            for (int h = 0; h < C::HM; h++) {
                const float4 v = *(const float4 *)(xt + kk * C::LDX + ar + 16 * h);
                a[4 * h] = v.x;
                a[4 * h + 1] = v.y;
                a[4 * h + 2] = v.z;
                a[4 * h + 3] = v.w;
            }
#pragma unroll
            for (int g = 0; g < C::HN; g++) {
                const float4 v = *(const float4 *)(wt + kk * C::LDW + bc + 32 * g);
                b[4 * g] = v.x;
                b[4 * g + 1] = v.y;
                b[4 * g + 2] = v.z;
                b[4 * g + 3] = v.w;
            }
#pragma unroll
            for (int i = 0; i < C::TM; i++)
#pragma unroll
                for (int j = 0; j < C::TN; j++)
                    acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        if (more) { /* the other buffer was last read before the previous barrier */
            lx.store(xs + (cur ^ 1) * C::XS);
            lw.store(ws + (cur ^ 1) * C::WS);
        }
        if ((t + 1) % C::KT == 0) { /* implies use_total; per-thread slots, so no barrier needed */
#pragma unroll
            for (int q = 0; q < C::TM * C::HN; q++) {
                float4 s = total[q * MT_THREADS + tid];
                float *r = &acc[q / C::HN][q % C::HN * 4];
                s.x += r[0];
                s.y += r[1];
                s.z += r[2];
                s.w += r[3];
                total[q * MT_THREADS + tid] = s;
                r[0] = r[1] = r[2] = r[3] = 0.0f;
            }
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < C::TM; i++) {
        const int r = m0 + ar + (i >> 2) * 16 + (i & 3);
        if (CHECK && r >= m)
            continue;
#pragma unroll
        for (int g = 0; g < C::HN; g++) {
            const int c = n0 + bc + g * 32;
            float4 v = make_float4(acc[i][g * 4], acc[i][g * 4 + 1], acc[i][g * 4 + 2], acc[i][g * 4 + 3]);
            if (use_total) {
                const float4 s = total[(i * C::HN + g) * MT_THREADS + tid];
                v.x += s.x;
                v.y += s.y;
                v.z += s.z;
                v.w += s.w;
            }
            float *yp = y + (size_t)r * n + c;
            if (y_vec && (!CHECK || c < n)) { /* n % 4 == 0: c < n covers c + 3 */
                *(float4 *)yp = v;
            } else if (!y_vec) {
                const float e[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
                for (int j = 0; j < 4; j++)
                    if (!CHECK || c + j < n)
                        yp[j] = e[j];
            }
        }
    }
}

/* cp.async groups (sm_80+): a thread's copies complete in commit order; wait_group N returns once at most N
 * of its groups are pending. Before sm_80 the copies are plain loads and stores, complete at issue, which
 * the same waits and barriers order correctly. */
__device__ __forceinline__ void mt_cp_commit()
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}
template <int N> __device__ __forceinline__ void mt_cp_wait()
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
#endif
}

/* v9: the 128 x 128 tile with 128 threads (2 x 2 warps of 64 x 64, 8 x 16 outputs per thread) and a 4-stage
 * cp.async pipeline of BK = 8 tiles, the shape of cuBLAS's own FP32 kernel on the H100 (ncu names it
 * sm80_xmma_gemm_f32f32_f32f32_f32_tn_n_tilesize128x128x8_stage3_warpsize2x2x1_ffma: 128 threads, 255
 * registers, 33.8 KiB of shared memory, 4-byte LDGSTS). ncu on v6 showed why v6 waits: 17% of its stall
 * samples sit on the first transposing store after the FMAs (the register-staged loads of the next tile
 * are not back yet) and its issue slots are 68% busy against cuBLAS's 87%. Here the copies go global ->
 * shared with cp.async 4 bytes at a time, which transposes on the way in (no staging registers, three
 * tiles in flight), and 128 accumulators per thread need 6 shared float4 reads per 128 FMAs (v6: 4 per 64).
 * Copies: thread t moves k offset t % 8 of rows t / 8 + 16 i (i < 8) of each operand: a warp reads 4 rows
 * x 32 bytes (4 whole sectors) and writes shared words k LD9 + row, banks 4 k + row: conflict-free with
 * LD9 = 132. Reads: a warp's float4 reads cover 32 (X) or 16 (W) contiguous floats: conflict-free,
 * broadcast. Rows past m or n and k past the end copy 0 bytes (zero fill), so CHECK only adds predicates
 * to the copies and guards to the stores; X and W need 4-byte alignment only. */
#define MT9_THREADS 128
#define MT9_BM 128
#define MT9_BK 8
#define MT9_LD (MT9_BM + 4)
#define MT9_STAGES 4
#define MT9_STAGE_FLOATS (2 * MT9_BK * MT9_LD) /* X tile [BK][LD9] then W tile [BK][LD9] */
#define MT9_KT (MT_KF / MT9_BK)
#define MT9_TILES_BYTES ((size_t)MT9_STAGES * MT9_STAGE_FLOATS * sizeof(float))
#define MT9_TOTAL_BYTES ((size_t)MT9_BM * MT9_BM * sizeof(float))
static_assert(MT_KF % MT9_BK == 0 && MT9_TILES_BYTES % 16 == 0 && MT9_LD % 4 == 0, "v9 tiles stay float4-aligned");

/* cp.async.ca of 4 bytes (the 16-byte .cg form cannot transpose); bytes = 0 reads nothing and writes 0. */
__device__ __forceinline__ void mt9_cp4(float *dst /* shared */, const float *src /* global */, unsigned bytes)
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"((unsigned)__cvta_generic_to_shared(dst)),
                 "l"(src), "r"(bytes)
                 : "memory");
#else
    *dst = bytes ? *src : 0.0f;
#endif
}

template <bool CHECK>
__global__ void __launch_bounds__(MT9_THREADS, 2)
    matmul_tiled_sgemm_v9(const float *__restrict__ w /* (n, k) */, const float *__restrict__ x /* (m, k) */,
                          float *__restrict__ y /* (m, n) */, int m, int n, int k, int y_vec)
{
    extern __shared__ float4 mt_smem[];
    float *tiles = (float *)mt_smem;                                   /* [STAGES][X, W][BK][LD9] */
    float4 *total = (float4 *)(tiles + MT9_STAGES * MT9_STAGE_FLOATS); /* [32][MT9_THREADS], k >= MT_KF */

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int m0 = blockIdx.y * MT9_BM, n0 = blockIdx.x * MT9_BM;
    /* lanes 8 x 4: rows ar + 32 h + (0..3), h < 2; columns bc + 16 g + (0..3), g < 4 */
    const int ar = (warp >> 1) * 64 + (lane >> 2) * 4;
    const int bc = (warp & 1) * 64 + (lane & 3) * 4;

    const int lk = tid & 7, lr = tid >> 3;
    /* one pointer per copy, advanced by BK per tile: recomputing row + 16 i from a base cost ~12
     * instructions per copy (ncu: 2.73 G instructions against cuBLAS's 2.45 G) */
    const float *px[8], *pw[8];
    unsigned xrows = 0xffu, wrows = 0xffu; /* bit i: row lr + 16 i is inside the matrix */
#pragma unroll
    for (int i = 0; i < 8; i++) {
        px[i] = x + ((size_t)m0 + lr + 16 * i) * k + lk;
        pw[i] = w + ((size_t)n0 + lr + 16 * i) * k + lk;
        if (CHECK) {
            xrows &= ~((unsigned)(m0 + lr + 16 * i >= m) << i);
            wrows &= ~((unsigned)(n0 + lr + 16 * i >= n) << i);
        }
    }
    const int so = lk * MT9_LD + lr;
    /* copy i (< 8) of the next tile (k offset kc) for X and for W into stage s; past the matrix: 0 bytes
     * from a valid address */
    auto copy = [&](int s, int kc, int i) {
        float *st = tiles + s * MT9_STAGE_FLOATS + so + 16 * i;
        if (CHECK) {
            const bool kok = kc + lk < k;
            const bool okx = kok && ((xrows >> i) & 1u), okw = kok && ((wrows >> i) & 1u);
            mt9_cp4(st, okx ? px[i] : x, okx ? 4u : 0u);
            mt9_cp4(st + MT9_BK * MT9_LD, okw ? pw[i] : w, okw ? 4u : 0u);
        } else {
            mt9_cp4(st, px[i], 4u);
            mt9_cp4(st + MT9_BK * MT9_LD, pw[i], 4u);
        }
        px[i] += MT9_BK;
        pw[i] += MT9_BK;
    };
    float a[2][8], b[2][16]; /* fragments of k and k + 1: the next is read while this one is multiplied */
    auto fragments = [&](float *fa, float *fb, const float *xt, int kk) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const float4 v = *(const float4 *)(xt + kk * MT9_LD + ar + 32 * h);
            fa[4 * h] = v.x;
            fa[4 * h + 1] = v.y;
            fa[4 * h + 2] = v.z;
            fa[4 * h + 3] = v.w;
        }
#pragma unroll
        for (int g = 0; g < 4; g++) {
            const float4 v = *(const float4 *)(xt + MT9_BK * MT9_LD + kk * MT9_LD + bc + 16 * g);
            fb[4 * g] = v.x;
            fb[4 * g + 1] = v.y;
            fb[4 * g + 2] = v.z;
            fb[4 * g + 3] = v.w;
        }
    };

    float acc[8][16];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 16; j++)
            acc[i][j] = 0.0f;

    const int n_tiles = (k + MT9_BK - 1) / MT9_BK;
    const bool use_total = n_tiles >= MT9_KT;
    if (use_total)
#pragma unroll
        for (int q = 0; q < 32; q++)
            total[q * MT9_THREADS + tid] = make_float4(0.f, 0.f, 0.f, 0.f);

            /* One commit group per tile, committed even when empty so that the group count stays uniform. Tile t's copies go out during tile
     * t - STAGES + 1, two per value of k so that they never queue up in the load/store unit. At the last
     * k of tile t, STAGES + t groups are committed and wait_group(STAGES - 2) leaves groups 0..t + 1
     * landed; the barrier after it publishes tile t + 1 (whose first fragments are read before tile t's
     * last k is multiplied) and tells that every thread has read its last fragments of tile t, so the
     * copies of tile t + STAGES, issued during tile t + 1, may overwrite its stage. */
#pragma unroll
    for (int s = 0; s < MT9_STAGES - 1; s++) {
        if (s < n_tiles)
#pragma unroll
            for (int i = 0; i < 8; i++)
                copy(s, s * MT9_BK, i);
        mt_cp_commit();
    }
    mt_cp_wait<MT9_STAGES - 2>();
    __syncthreads();
    if (n_tiles > 0)
        fragments(a[0], b[0], tiles, 0);
    for (int t = 0; t < n_tiles; t++) {
        const int tn = t + MT9_STAGES - 1;
        const float *xt = tiles + t % MT9_STAGES * MT9_STAGE_FLOATS;
#pragma unroll
        for (int kk = 0; kk < MT9_BK; kk++) {
            if (tn < n_tiles)
                copy(tn % MT9_STAGES, tn * MT9_BK, kk);
            if (kk < MT9_BK - 1) {
                fragments(a[(kk + 1) & 1], b[(kk + 1) & 1], xt, kk + 1);
            } else {
                mt_cp_commit();
                mt_cp_wait<MT9_STAGES - 2>();
                __syncthreads();
                if (t + 1 < n_tiles)
                    fragments(a[0], b[0], tiles + (t + 1) % MT9_STAGES * MT9_STAGE_FLOATS, 0);
            }
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 16; j++)
                    acc[i][j] = fmaf(a[kk & 1][i], b[kk & 1][j], acc[i][j]);
        }
        if ((t + 1) % MT9_KT == 0) { /* implies use_total; per-thread slots, so no barrier needed */
#pragma unroll
            for (int q = 0; q < 32; q++) {
                float4 s = total[q * MT9_THREADS + tid];
                float *r = &acc[q / 4][q % 4 * 4];
                s.x += r[0];
                s.y += r[1];
                s.z += r[2];
                s.w += r[3];
                total[q * MT9_THREADS + tid] = s;
                r[0] = r[1] = r[2] = r[3] = 0.0f;
            }
        }
    }
    mt_cp_wait<0>(); /* only empty groups can be pending here; no copy outlives the block */

#pragma unroll
    for (int i = 0; i < 8; i++) {
        const int r = m0 + ar + (i >> 2) * 32 + (i & 3);
        if (CHECK && r >= m)
            continue;
#pragma unroll
        for (int g = 0; g < 4; g++) {
            const int c = n0 + bc + 16 * g;
            float4 v = make_float4(acc[i][4 * g], acc[i][4 * g + 1], acc[i][4 * g + 2], acc[i][4 * g + 3]);
            if (use_total) {
                const float4 s = total[(i * 4 + g) * MT9_THREADS + tid];
                v.x += s.x;
                v.y += s.y;
                v.z += s.z;
                v.w += s.w;
            }
            float *yp = y + (size_t)r * n + c;
            if (y_vec) {
                if (!CHECK || c < n) /* n % 4 == 0: c < n covers c + 3 */
                    *(float4 *)yp = v;
            } else {
                const float e[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
                for (int j = 0; j < 4; j++)
                    if (!CHECK || c + j < n)
                        yp[j] = e[j];
            }
        }
    }
}

#define MT_MAX_DEVICES 16

template <typename C, bool VEC, bool CHECK>
static chord_status launch(const float *w, const float *x, float *y, const chord_matmul_args *a, int y_vec, int device,
                           cudaStream_t stream, const char *name)
{
    /* Above 48 KiB of dynamic shared memory must be asked for, once per device (the attribute is the
     * current device's, and chord never resets a device); the carveout hint keeps two blocks per SM
     * possible. Racing threads would both set the same values. */
    static bool configured[MT_MAX_DEVICES];
    if (device >= MT_MAX_DEVICES || !configured[device]) {
        CHORD_CUDA_CHECK(cudaFuncSetAttribute(matmul_tiled_sgemm<C, VEC, CHECK>,
                                              cudaFuncAttributeMaxDynamicSharedMemorySize,
                                              (int)(C::TILES_BYTES + C::TOTAL_BYTES)));
        CHORD_CUDA_CHECK(cudaFuncSetAttribute(matmul_tiled_sgemm<C, VEC, CHECK>,
                                              cudaFuncAttributePreferredSharedMemoryCarveout,
                                              (int)cudaSharedmemCarveoutMaxShared));
        if (device < MT_MAX_DEVICES)
            configured[device] = true;
    }
    const int n_tiles = (a->k + C::BK - 1) / C::BK;
    const size_t smem = C::TILES_BYTES + (n_tiles >= C::KT ? C::TOTAL_BYTES : 0);
    const dim3 grid((unsigned)((a->n + C::BN - 1) / C::BN), (unsigned)((a->m + C::BM - 1) / C::BM));
    matmul_tiled_sgemm<C, VEC, CHECK><<<grid, MT_THREADS, smem, stream>>>(w, x, y, a->m, a->n, a->k, y_vec);
    CHORD_CUDA_CHECK_LAUNCH(name);
    return CHORD_OK;
}

template <bool CHECK>
static chord_status launch_v9(const float *w, const float *x, float *y, const chord_matmul_args *a, int y_vec,
                              int device, cudaStream_t stream)
{
    static bool configured[MT_MAX_DEVICES];
    if (device >= MT_MAX_DEVICES || !configured[device]) {
        CHORD_CUDA_CHECK(cudaFuncSetAttribute(matmul_tiled_sgemm_v9<CHECK>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                              (int)(MT9_TILES_BYTES + MT9_TOTAL_BYTES)));
        CHORD_CUDA_CHECK(cudaFuncSetAttribute(matmul_tiled_sgemm_v9<CHECK>,
                                              cudaFuncAttributePreferredSharedMemoryCarveout,
                                              (int)cudaSharedmemCarveoutMaxShared));
        if (device < MT_MAX_DEVICES)
            configured[device] = true;
    }
    const size_t smem = MT9_TILES_BYTES + ((a->k + MT9_BK - 1) / MT9_BK >= MT9_KT ? MT9_TOTAL_BYTES : 0);
    const dim3 grid((unsigned)((a->n + MT9_BM - 1) / MT9_BM), (unsigned)((a->m + MT9_BM - 1) / MT9_BM));
    matmul_tiled_sgemm_v9<CHECK><<<grid, MT9_THREADS, smem, stream>>>(w, x, y, a->m, a->n, a->k, y_vec);
    CHORD_CUDA_CHECK_LAUNCH(CHECK ? "matmul_tiled_sgemm_v9<edges>" : "matmul_tiled_sgemm_v9");
    return CHORD_OK;
}

/* CHORD_CUDA_GEMM_KERNEL=v6 runs the big tile with v6; the default, v9, takes every shape on compute
 * capability 8.0+ (cp.async), and v6 runs it elsewhere. The 64 x 64 tile is v6's either way. */
static int chosen_kernel()
{
    static int chosen = -1;
    if (chosen < 0) {
        const char *e = getenv("CHORD_CUDA_GEMM_KERNEL");
        chosen = e && !strcmp(e, "v6") ? 6 : 9;
    }
    return chosen;
}

static int cp_async_ok(int device)
{
    int major = 0;
    return cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess && major >= 8;
}

/* Picks the load width and edge handling for one tile shape. */
template <typename C>
static chord_status dispatch(const float *w, const float *x, float *y, const chord_matmul_args *a, int device,
                             cudaStream_t stream)
{
    const int vec = a->k % 4 == 0 && chord_cuda_aligned(w, 16) && chord_cuda_aligned(x, 16);
    const int full = a->m % C::BM == 0 && a->n % C::BN == 0 && a->k % C::BK == 0;
    const int y_vec = a->n % 4 == 0 && chord_cuda_aligned(y, 16);
    const bool big = C::BM == mt_big::BM;
    if (big && chosen_kernel() == 9 && cp_async_ok(device))
        return a->m % MT9_BM == 0 && a->n % MT9_BM == 0 && a->k % MT9_BK == 0
                   ? launch_v9<false>(w, x, y, a, y_vec, device, stream)
                   : launch_v9<true>(w, x, y, a, y_vec, device, stream);
    if (vec && full)
        return launch<C, true, false>(w, x, y, a, y_vec, device, stream,
                                      big ? "matmul_tiled_sgemm<128, vec>" : "matmul_tiled_sgemm<64, vec>");
    if (vec)
        return launch<C, true, true>(w, x, y, a, y_vec, device, stream,
                                     big ? "matmul_tiled_sgemm<128, vec, edges>"
                                         : "matmul_tiled_sgemm<64, vec, edges>");
    return launch<C, false, true>(w, x, y, a, y_vec, device, stream,
                                  big ? "matmul_tiled_sgemm<128, scalar, edges>"
                                      : "matmul_tiled_sgemm<64, scalar, edges>");
}

extern "C" chord_status chord_matmul_tiled_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_args *a = (const chord_matmul_args *)args;
    if (a->wtype != CHORD_TYPE_F32)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul_tiled: weight type %s (f32 only)",
                          chord_type_info(a->wtype)->name);
    if (!t) /* a support query */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const void *w = (const void *)chord_cuda_ptr(t[0]);
    const float *x = (const float *)chord_cuda_ptr(t[1]);
    float *y = (float *)chord_cuda_ptr(t[2]);
    if ((a->m + mt_small::BM - 1) / mt_small::BM > 65535)
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul_tiled: m=%d exceeds the grid (%d rows)", a->m,
                          65535 * mt_small::BM);
    if (!chord_cuda_aligned(w, 4) || !chord_cuda_aligned(x, 4) || !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul_tiled: misaligned W %p, X %p or Y %p", w, (const void *)x,
                          (void *)y);
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    int device = 0, n_sm = 0;
    CHORD_CUDA_CHECK(cudaGetDevice(&device));
    CHORD_CUDA_CHECK(cudaDeviceGetAttribute(&n_sm, cudaDevAttrMultiProcessorCount, device));
    const long long big_blocks =
        (long long)((a->m + mt_big::BM - 1) / mt_big::BM) * ((a->n + mt_big::BN - 1) / mt_big::BN);
    /* CHORD_CUDA_GEMM_TILE=64|128 forces a tile, so the case table's small shapes can check the 128 x 128
     * edge kernels too (on an H100 they would all take 64 x 64). */
    static int forced = -1;
    if (forced < 0) {
        const char *e = getenv("CHORD_CUDA_GEMM_TILE");
        forced = e && !strcmp(e, "128") ? 128 : e && !strcmp(e, "64") ? 64 : 0;
    }
    if (forced == 128 || (forced == 0 && big_blocks >= n_sm)) /* every SM has a big tile: its reuse wins */
        return dispatch<mt_big>((const float *)w, x, y, a, device, stream);
    return dispatch<mt_small>((const float *)w, x, y, a, device, stream);
}
