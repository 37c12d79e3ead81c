/* matmul, CUDA, prompt batches (m >= MG_MIN_M) on the split layouts: a tensor-core GEMM (v8 of cuda.cu's list).
 *
 * Y (m, n) = X (m, k) W^T with W in q4_0_split / q4_1_split / q8_0_split (types.h). The GEMV path (v2's MT = 4)
 * re-read W m / 4 times and ran on FFMA: ~5 TFLOP/s on the 7B's 512 x 4096 x 4096.
 *
 * Numbers, the same contract as v7: X is split exactly into P bf16 parts (P = 3: hi + mid + lo, 8 significant bits
 * each, x = hi + mid + lo), the weights' integer quants (q - 8, q, or the signed byte) are exact in bf16, so every
 * product the tensor cores form is exact and the sums are f32. Each GGUF block (32 values) is summed into a fresh
 * accumulator by its 2 k16 steps x P parts and then scaled by its d (q4_1: plus m times the block's X sum) into
 * the output's f32 total, in block order. CHORD_CUDA_PREFILL_PARTS=2|1 keeps 16 or 8 bits of each activation
 * (measurement only: the case table's bound is P = 3's).
 *
 * Data flow: mg_split_x writes X's A fragments once per launch into the context's scratch, already in mma order
 * ([m / 16][k / 16][P][lane] of 16 bytes), plus q4_1's block sums; the GEMM then streams them with 16-byte
 * cp.async. A block is 8 warps, 64 tokens x 128 weight rows (warp: 32 x 32), k in stages of 64 (2 GGUF blocks,
 * one quant word per lane chunk: bytes 4 s .. 4 s + 3 of each 16-byte chunk, q8 8 bytes), MG_STAGES deep.
 * Fragment maps (cuda_split_tc.cuh's, with X as A and W as B): in k16 step (block gg, half h) lane (g, t) holds k
 * slots 2t, 2t+1 = values 0, 2 and 2t+8, 2t+9 = values 1, 3 of chunk 2t + h of block gg (value 32 gg + 4 (2t + h)
 * + t'), for rows (tokens) g and g + 8 of A and row (weight row) g of B.
 *
 * Sums: each block's 2 x P mmas go into three fresh accumulators (the hi parts of each k16 step apart, the mid and
 * lo parts together) added in f32, then d times that into a register total; every MG_FLUSH stages the registers go
 * into a per-thread total in shared memory (a two-level sum, as matmul_tiled's v5).
 *
 * Expected: mma-bound. 48 mma.m16n8k16 per k16 step per warp (P = 3) against 6 16-byte shared reads of A, 1 8-byte
 * read of B words per 2 steps and ~10 ALU per B fragment; at ~600 TFLOP/s of mma.sync bf16 that is ~200 TFLOP/s
 * of exact f32-contract products, 40x the GEMV path; 7B q4_0 pp512 ~5000-8000 tokens/s with the rest unchanged.
 * Measured (H200, chord-bench, effective TFLOP/s = 2 m n k / time; the GEMV path in the same run in brackets):
 *   first version (one chain per block, one-level sum): q4_0_split 512x4096x4096 76.7 [8.0], q4_1_split
 *   512x11008x4096 67.1 [8.6], q8_0_split 512x4096x11008 73.6 [6.8]; P = 2: 109.0 / 83.4 / 104.8; P = 1: 152.6 /
 *   111.9 / 139.2. Synthetic 7B q4_0 pp512 590 -> 4547 tokens/s, 1B q4_0 4021 -> 20559. But the q8_0 case put 10
 *   of 2M outputs outside the bound (1.76x): NMSE 1.3e-13, the long chains' truncated sums near zero.
 *   Three accumulators per block: 1.64x, NMSE 1.1e-13 (the chain was not the main error). The two-level sum:
 *   NMSE 1.5e-14, worst 0.55-0.64 of the bound on two seeds, all 43 matmul cases pass; 69.9 / 63.1 / 68.7
 *   TFLOP/s (the extra adds and the totals' shared memory: -5 to -9%).
 *   ncu (q4_0_split 512x4096x4096): 233 registers, one block of 8 warps per SM (12.5% occupancy: registers and
 *   shared memory both allow one), tensor pipe 34.5% of elapsed cycles, issue slots 36% busy, 5.3 cycles per
 *   issued instruction per warp: latency-bound with 2 warps per scheduler, not mma-bound. Next: 128-register
 *   warps (two blocks per SM: X fragments for two k16 steps are 48 of today's registers) and the totals back in
 *   registers once there is room; BN = 256 halves the X fragments' L2 traffic (32 re-reads at n = 4096).
 * Two blocks per SM (P = 3; the default for q4_0 and q4_1, CHORD_CUDA_PREFILL_BLOCKS=1|2 to choose): the compute
 *   loop holds one token tile's A fragments at a time (24 registers, not 48) and reads the scales where they are
 *   used, and the ring is 2 stages deep per block (2 x 90 KiB of shared memory per SM), so __launch_bounds__(256, 2)
 *   fits: ptxas (sm_90) 128 registers with 44-80 bytes of spill stores (the one-block kernels: 145-252, no spills).
 *   Prediction: 4 warps per scheduler instead of 2, tensor pipe 34.5% -> ~50%, 512x4096x4096 ~69 -> ~95 TFLOP/s
 *   (+35%); 7B q4_0 pp512 +25%; the one-block kernel's new loop order within +-5%.
 *   Measured (H200, chord-bench, one run; 1 / 2 blocks per SM): q4_0_split 512x4096x4096 68.6 / 71.3 TFLOP/s,
 *   q4_1_split 512x11008x4096 60.4 / 63.9, q8_0_split 512x4096x11008 72.4 / 63.5 (the old loop order: 69.9 / 63.1 /
 *   68.7, so the one-block figures held). Synthetic 7B q4_0 pp512 4733 -> 4983 tokens/s (+5%), 1B q4_0 23178 ->
 *   23570 (+2%). check --large -o matmul 44/44 with either. A tenth of the gain predicted. ncu, one / two blocks
 *   (results/nvidia-h200/2026-12-03-4b5a12ac95f7): occupancy 12.5 / 22%, issue slots 35.5 / 43.7%, tensor pipe
 *   34.1 / 36.4%, cycles per issued instruction 5.37 / 7.70, and 3.0 M local-memory spill requests with two: twice
 *   the warps, each slower, and the spills in the loop. Next: fewer registers per warp tile without spills (the
 *   shared totals' traffic, BN = 256), or wgmma (sm_90a) so the A fragments need no registers at all.
 */
#ifndef CHORD_CUDA_GEMM_TC_CUH
#define CHORD_CUDA_GEMM_TC_CUH

#include "cuda_split_tc.cuh"

#define MG_BM 64  /* tokens (rows of X and Y) per block */
#define MG_BN 128 /* weight rows (columns of Y) per block */
#define MG_BK 64  /* k per stage: two GGUF blocks */
/* stages of the cp.async ring per block, by blocks per SM (MG_NB): one block of 4 stages (149 KiB of shared memory
 * with q4_0 at P = 3, 233 registers), or two blocks of 2 stages each (90 KiB each, 128 registers) */
#define MG_STAGES(NB) ((NB) == 2 ? 2 : 4)
#define MG_THREADS 256
#define MG_MIN_M 16 /* below, the GEMV's re-reads cost less than the tile's padding */
#define MG_FLUSH 8  /* stages (16 GGUF blocks) summed in registers before they join the shared totals */

/* The formats: QW bytes of each lane chunk per stage (q4: one word holds both blocks' nibbles; q8: a word each),
 * the scales' (and q4_1's mins') offset in a super-block, the bf16 pair subtracted from 128 + nibble. */
template <typename Q> struct mg_fmt {
    static constexpr bool ON = false;
};
template <> struct mg_fmt<chord_cu_q4_0_split> {
    static constexpr bool ON = true, Q8 = false, HAS_M = false;
    static constexpr int QW = 4, DOFF = 128, MOFF = 0;
    static constexpr uint32_t OFF = 0x43084308u; /* (136, 136): q - 8 */
};
template <> struct mg_fmt<chord_cu_q4_1_split> {
    static constexpr bool ON = true, Q8 = false, HAS_M = true;
    static constexpr int QW = 4, DOFF = 128, MOFF = 144;
    static constexpr uint32_t OFF = 0x43004300u; /* (128, 128): q */
};
template <> struct mg_fmt<chord_cu_q8_0_split> {
    static constexpr bool ON = true, Q8 = true, HAS_M = false;
    static constexpr int QW = 8, DOFF = 256, MOFF = 0;
    static constexpr uint32_t OFF = 0;
};

/* X's A fragments: thread (row r of m_pad, 4 values at k0 = 4 f). Rows past m are zeros. out: (m_pad / 16, k / 16,
 * P, 32 lanes, 4 words); xsum (m_pad, k / 32) the blocks' sums in ascending order (q4_1 only, else NULL). */
template <int P>
__global__ void mg_split_x(const float *__restrict__ x /* (m, k) */, uint32_t *__restrict__ out, int m, int k,
                           int m_pad)
{
    const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x, per_row = k / 4;
    if (i >= (long long)m_pad * per_row)
        return;
    const int r = (int)(i / per_row), k0 = 4 * (int)(i % per_row);
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (r < m)
        v = *(const float4 *)(x + (size_t)r * k + k0);
    const int gg = k0 >> 5, c = (k0 >> 2) & 7, t = c >> 1, h = c & 1, s = 2 * gg + h;
    const int mt = r >> 4, g = r & 7, up = (r >> 3) & 1;
    uint32_t p02[3], p13[3];
    mm_tc_split_pair(v.x, v.z, p02);
    mm_tc_split_pair(v.y, v.w, p13);
    uint32_t *o = out + ((((size_t)mt * (k / 16) + s) * P) * 32 + g * 4 + t) * 4 + up;
#pragma unroll
    for (int p = 0; p < P; p++) {
        o[(size_t)p * 128] = p02[p];
        o[(size_t)p * 128 + 2] = p13[p];
    }
}

__global__ void mg_block_sums(const float *__restrict__ x /* (m, k) */, float *__restrict__ xsum, int m, int k,
                              int m_pad)
{
    const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x, per_row = k / 32;
    if (i >= (long long)m_pad * per_row)
        return;
    const int r = (int)(i / per_row);
    float sum = 0.0f;
    if (r < m) {
        const float4 *v = (const float4 *)(x + (size_t)r * k + 32 * (i % per_row));
#pragma unroll
        for (int c = 0; c < 8; c++) {
            const float4 e = v[c];
            sum += (e.x + e.y) + (e.z + e.w);
        }
    }
    xsum[i] = sum;
}

template <int BYTES> __device__ __forceinline__ void mg_cp(void *dst /* shared */, const void *src /* global */)
{
    const unsigned d = (unsigned)__cvta_generic_to_shared(dst);
    if (BYTES == 16)
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(d), "l"(src) : "memory");
    else
        asm volatile("cp.async.ca.shared.global [%0], [%1], %2;\n" ::"r"(d), "l"(src), "n"(BYTES) : "memory");
}
__device__ __forceinline__ void mg_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N> __device__ __forceinline__ void mg_wait()
{
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

/* One stage's shared tiles. */
template <typename Q, int P> struct mg_stage {
    using F = mg_fmt<Q>;
    uint4 xa[MG_BM / 16][MG_BK / 16][P][32]; /* A fragments of the block's 4 token tiles, 4 k16 steps */
    uint8_t wq[MG_BN][8][F::QW];             /* each weight row's 8 lane chunks' quant word(s) of this stage */
    uint32_t wd[MG_BN];                      /* d of the stage's two blocks, f16 pair */
    uint32_t wm[F::HAS_M ? MG_BN : 1];       /* q4_1: m, likewise */
    float2 xs[F::HAS_M ? MG_BM : 1];         /* q4_1: the tokens' sums of the stage's two blocks */
};

/* bf16 pair (v0, v2) (odd = 0) or (v1, v3) (odd = 1) of a q8 word of 4 signed bytes, exact: 2^23 + 128 + q as a
 * float by one PRMT, less 2^23 + 128. */
__device__ __forceinline__ uint32_t mg_q8_pair(uint32_t word, int odd)
{
    const uint32_t u = word ^ 0x80808080u;
    const float a = __uint_as_float(__byte_perm(u, 0x4b000000u, 0x7540 + odd)) - 8388736.0f;
    const float b = __uint_as_float(__byte_perm(u, 0x4b000000u, 0x7542 + odd)) - 8388736.0f;
    const __nv_bfloat162 h = __floats2bfloat162_rn(a, b);
    uint32_t r;
    memcpy(&r, &h, 4);
    return r;
}

__device__ __forceinline__ void mg_mma(float c[4], const uint4 &a, uint32_t b0, uint32_t b1)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "r"(b0), "r"(b1));
}

template <typename Q, int P, int NB /* blocks per SM: 1 or 2 */>
__global__ void __launch_bounds__(MG_THREADS, NB)
    matmul_gemm_split_tc(const uint8_t *__restrict__ w /* (n, k) of Q, row_bytes per row, 16-aligned */,
                         size_t row_bytes, const uint4 *__restrict__ xa /* mg_split_x's fragments */,
                         const float *__restrict__ xsum /* (m_pad, k / 32), q4_1 */, float *__restrict__ y /* (m, n) */,
                         int m, int n, int k, int y_vec)
{
    using F = mg_fmt<Q>;
    using S = mg_stage<Q, P>;
    constexpr int STAGES = MG_STAGES(NB);
    extern __shared__ uint4 mg_smem[];
    S *st = (S *)mg_smem;
    float *total = (float *)(st + STAGES); /* (32 outputs, MG_THREADS): each thread's own totals */
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, t = lane & 3;
    const int wm = warp >> 2, wn = warp & 3; /* the warp's 32 tokens and 32 weight rows in the block */
    const int n0 = blockIdx.x * MG_BN, m0 = blockIdx.y * MG_BM;
    const int n_stages = k / MG_BK, ksteps = k / 16;

    /* thread tid copies, per stage: A fragments tid + 256 i; weight words of row (tid + 256 i) / 8, chunk tid % 8 */
    auto load = [&](int s, S &b) {
        const uint4 *src = xa + ((size_t)(m0 / 16) * ksteps + 4 * s) * P * 32;
#pragma unroll
        for (int i = 0; i < 2 * P; i++) {
            const int e = tid + MG_THREADS * i, mt = e / (4 * P * 32), off = e % (4 * P * 32);
            mg_cp<16>(&b.xa[0][0][0][0] + e, src + (size_t)mt * ksteps * P * 32 + off);
        }
        const size_t sb = (size_t)(s >> 2) * Q::BYTES, sw = (size_t)(s & 3);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int e = tid + MG_THREADS * i, row = e >> 3, j = e & 7;
            const uint8_t *p = w + (size_t)min(n0 + row, n - 1) * row_bytes + sb;
            mg_cp<F::QW>(b.wq[row][j], p + (F::Q8 ? 32 * j : 16 * j) + F::QW * sw);
        }
        if (tid < MG_BN) {
            const uint8_t *p = w + (size_t)min(n0 + tid, n - 1) * row_bytes + sb + 4 * sw;
            mg_cp<4>(&b.wd[tid], p + F::DOFF);
            if (F::HAS_M)
                mg_cp<4>(&b.wm[tid], p + F::MOFF);
        }
        if (F::HAS_M && tid < MG_BM)
            mg_cp<8>(&b.xs[tid], xsum + (size_t)(m0 + tid) * (k / 32) + 2 * s);
    };

    float acc[2][4][4]; /* tokens 16 i + (g, g + 8) of the warp, weight rows 8 j + (2t, 2t + 1) */
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int e = 0; e < 4; e++)
                acc[i][j][e] = 0.0f;

#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < n_stages)
            load(s, st[s]);
        mg_commit();
    }
    for (int s = 0; s < n_stages; s++) {
        mg_wait<STAGES - 2>();
        __syncthreads(); /* stage s is in; every warp is past stage s - 1, whose buffer is reloaded next */
        if (s + STAGES - 1 < n_stages)
            load(s + STAGES - 1, st[(s + STAGES - 1) % STAGES]);
        mg_commit();
        const S &b = st[s % STAGES];
        /* Per GGUF block gl: the lane's B fragments for its 4 weight-row groups first (bf), then
         * token tile by token tile with that tile's A fragments only (24 registers at P = 3, not both tiles' 48):
         * two blocks per SM must fit 128 registers. */
#pragma unroll
        for (int gl = 0; gl < 2; gl++) {
            uint32_t bf[4][2][2]; /* [j][k16 step h] B fragment of weight rows 8 j + g */
#pragma unroll
            for (int j = 0; j < 4; j++) {
                /* the lane's B words: chunks 2t, 2t + 1 of row 8 j + g (q4: one word, both blocks; q8: two) */
                const uint8_t *p = b.wq[wn * 32 + 8 * j + g][2 * t];
#pragma unroll
                for (int h = 0; h < 2; h++) {
                    if constexpr (F::Q8) {
                        const uint32_t word = *(const uint32_t *)(p + 8 * h + 4 * gl);
                        bf[j][h][0] = mg_q8_pair(word, 0);
                        bf[j][h][1] = mg_q8_pair(word, 1);
                    } else {
                        const uint32_t word = *(const uint32_t *)(p + 4 * h);
                        bf[j][h][0] = mm_tc_sub(mm_tc_nib_pair(word, gl, 0), F::OFF);
                        bf[j][h][1] = mm_tc_sub(mm_tc_nib_pair(word, gl, 1), F::OFF);
                    }
                }
            }
#pragma unroll
            for (int i = 0; i < 2; i++) {
                float xs[2] = {0.0f, 0.0f}; /* q4_1: the block sums of the lane's tokens g, g + 8 of tile i */
                if (F::HAS_M)
#pragma unroll
                    for (int u = 0; u < 2; u++) {
                        const float2 v = b.xs[wm * 32 + 16 * i + g + 8 * u];
                        xs[u] = gl ? v.y : v.x;
                    }
                uint4 a[2][P]; /* [k16 step h][part] of token tile i */
#pragma unroll
                for (int h = 0; h < 2; h++)
#pragma unroll
                    for (int p = 0; p < P; p++)
                        a[h][p] = b.xa[wm * 2 + i][2 * gl + h][p][lane];
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    /* The tensor cores add the 16 products of an mma and its C aligned to the largest and
                     * truncated, so a long chain biases the block's sum (the case table's q8_0 512x4096x11008
                     * failed 10 elements of 2M so, at 1.76x the bound). Here no chain holds the block's large
                     * terms: the hi parts of each step go into a fresh accumulator, the mid and lo parts (2^-8
                     * and smaller) into a third, and the three are added in f32 with rounding. */
                    float hi0[4] = {0.0f, 0.0f, 0.0f, 0.0f}, hi1[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                    float lo[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
                    for (int p = P - 1; p >= 1; p--) {
                        mg_mma(lo, a[0][p], bf[j][0][0], bf[j][0][1]);
                        mg_mma(lo, a[1][p], bf[j][1][0], bf[j][1][1]);
                    }
                    mg_mma(hi0, a[0][0], bf[j][0][0], bf[j][0][1]);
                    mg_mma(hi1, a[1][0], bf[j][1][0], bf[j][1][1]);
                    float blk[4];
#pragma unroll
                    for (int c = 0; c < 4; c++)
                        blk[c] = (hi0[c] + hi1[c]) + lo[c];
                    /* d (q4_1: and m) of weight rows 8 j + 2t, 8 j + 2t + 1 for block gl, read where used (registers) */
                    const int row = wn * 32 + 8 * j + 2 * t;
                    const uint2 dw = *(const uint2 *)&b.wd[row];
                    const float d0 = mm_half(dw.x, gl), d1 = mm_half(dw.y, gl);
                    acc[i][j][0] = fmaf(d0, blk[0], acc[i][j][0]);
                    acc[i][j][1] = fmaf(d1, blk[1], acc[i][j][1]);
                    acc[i][j][2] = fmaf(d0, blk[2], acc[i][j][2]);
                    acc[i][j][3] = fmaf(d1, blk[3], acc[i][j][3]);
                    if (F::HAS_M) {
                        const uint2 mw = *(const uint2 *)&b.wm[row];
                        const float e0 = mm_half(mw.x, gl), e1 = mm_half(mw.y, gl);
                        acc[i][j][0] = fmaf(e0, xs[0], acc[i][j][0]);
                        acc[i][j][1] = fmaf(e1, xs[0], acc[i][j][1]);
                        acc[i][j][2] = fmaf(e0, xs[1], acc[i][j][2]);
                        acc[i][j][3] = fmaf(e1, xs[1], acc[i][j][3]);
                    }
                }
            }
        }
        /* a two-level sum: 16 blocks in registers, then into the totals (k = 11008 is 344 blocks; summed in one
         * chain, the q8_0 512x4096x11008 case put 7 of 2M outputs outside the bound, up to 1.64x) */
        if ((s + 1) % MG_FLUSH == 0 || s == n_stages - 1) {
#pragma unroll
            for (int i = 0; i < 2; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
#pragma unroll
                    for (int e = 0; e < 4; e++) {
                        float *p = &total[((i * 4 + j) * 4 + e) * MG_THREADS + tid];
                        *p = s < MG_FLUSH ? acc[i][j][e] : *p + acc[i][j][e];
                        acc[i][j][e] = 0.0f;
                    }
        }
    }
    mg_wait<0>();

#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int u = 0; u < 2; u++) {
            const int tok = m0 + wm * 32 + 16 * i + g + 8 * u;
            if (tok >= m)
                continue;
            float *yr = y + (size_t)tok * n;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int col = n0 + wn * 32 + 8 * j + 2 * t;
                const float v0 = total[((i * 4 + j) * 4 + 2 * u) * MG_THREADS + tid];
                const float v1 = total[((i * 4 + j) * 4 + 2 * u + 1) * MG_THREADS + tid];
                if (y_vec && col + 1 < n) {
                    *(float2 *)(yr + col) = make_float2(v0, v1);
                } else {
                    if (col < n)
                        yr[col] = v0;
                    if (col + 1 < n)
                        yr[col + 1] = v1;
                }
            }
        }
}

/* Blocks per SM (MG_STAGES): CHORD_CUDA_PREFILL_BLOCKS = 1 | 2, read once; by default 2 for the 4-bit formats and
 * 1 for q8_0 (measured: H200, 512-row GEMMs, TFLOP/s with 1 / 2 blocks: q4_0 68.6 / 71.3, q4_1 60.4 / 63.9, q8_0
 * 72.4 / 63.5). 0 = the default. */
static int mg_blocks_env()
{
    static int nb = -1;
    if (nb < 0) {
        const char *e = getenv("CHORD_CUDA_PREFILL_BLOCKS");
        nb = e && !strcmp(e, "2") ? 2 : e && !strcmp(e, "1") ? 1 : 0;
    }
    return nb;
}

/* CHORD_CUDA_PREFILL_PARTS = 3 (default) | 2 | 1, read once */
static int mg_parts()
{
    static int parts = 0;
    if (!parts) {
        const char *e = getenv("CHORD_CUDA_PREFILL_PARTS");
        parts = e && !strcmp(e, "1") ? 1 : e && !strcmp(e, "2") ? 2 : 3;
    }
    return parts;
}

template <typename Q, int P, int NB>
static chord_status launch_gemm_tc_p(void *ctx, const void *w, size_t row_bytes, const float *x, float *y,
                                     const chord_matmul_args *a, cudaStream_t stream)
{
    using F = mg_fmt<Q>;
    const int m_pad = (a->m + MG_BM - 1) / MG_BM * MG_BM;
    const size_t frag_bytes = (size_t)m_pad * a->k * P * 2, sum_bytes = F::HAS_M ? (size_t)m_pad * (a->k / 32) * 4 : 0;
    void *scratch = NULL;
    CHORD_TRY(chord_cuda_scratch(ctx, frag_bytes + sum_bytes, &scratch));
    uint32_t *frags = (uint32_t *)scratch;
    float *xsum = F::HAS_M ? (float *)((uint8_t *)scratch + frag_bytes) : NULL;
    const long long n_split = (long long)m_pad * (a->k / 4);
    mg_split_x<P><<<(unsigned)((n_split + 255) / 256), 256, 0, stream>>>(x, frags, a->m, a->k, m_pad);
    CHORD_CUDA_CHECK_LAUNCH("mg_split_x");
    if (F::HAS_M) {
        const long long n_sum = (long long)m_pad * (a->k / 32);
        mg_block_sums<<<(unsigned)((n_sum + 255) / 256), 256, 0, stream>>>(x, xsum, a->m, a->k, m_pad);
        CHORD_CUDA_CHECK_LAUNCH("mg_block_sums");
    }
    const size_t smem = MG_STAGES(NB) * sizeof(mg_stage<Q, P>) + 32 * MG_THREADS * sizeof(float);
    /* the opt-in above 48 KiB, per device: set at every launch (a host call, no device work) */
    CHORD_CUDA_CHECK(
        cudaFuncSetAttribute(matmul_gemm_split_tc<Q, P, NB>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    const dim3 grid((unsigned)((a->n + MG_BN - 1) / MG_BN), (unsigned)(m_pad / MG_BM));
    const int y_vec = chord_cuda_aligned(y, 8) && a->n % 2 == 0;
    matmul_gemm_split_tc<Q, P, NB><<<grid, MG_THREADS, smem, stream>>>((const uint8_t *)w, row_bytes,
                                                                       (const uint4 *)frags, xsum, y, a->m, a->n,
                                                                       a->k, y_vec);
    CHORD_CUDA_CHECK_LAUNCH("matmul_gemm_split_tc");
    return CHORD_OK;
}

/* *ran = 0 when the GEMM does not take this call (another type, m too small, unaligned, m past its grid) */
template <typename Q>
static chord_status launch_gemm_tc(void *ctx, const void *w, size_t row_bytes, const float *x, float *y,
                                   const chord_matmul_args *a, cudaStream_t stream, int *ran)
{
    *ran = 0;
    if constexpr (mg_fmt<Q>::ON) {
        static int off = -1;
        if (off < 0) {
            const char *e = getenv("CHORD_CUDA_PREFILL_GEMM");
            off = e && !strcmp(e, "0");
        }
        if (off || a->m < MG_MIN_M || a->k % 256 || (a->m + MG_BM - 1) / MG_BM > 65535 || !chord_cuda_aligned(w, 16) ||
            !chord_cuda_aligned(x, 16) || row_bytes % 16)
            return CHORD_OK;
        *ran = 1;
        const int nb = mg_blocks_env();
        if (nb == 2 && mg_parts() != 3)
            return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul: CHORD_CUDA_PREFILL_BLOCKS=2 is built for 3 parts only");
        if (nb == 2 || (nb == 0 && !mg_fmt<Q>::Q8 && mg_parts() == 3))
            return launch_gemm_tc_p<Q, 3, 2>(ctx, w, row_bytes, x, y, a, stream);
        switch (mg_parts()) {
        case 1: return launch_gemm_tc_p<Q, 1, 1>(ctx, w, row_bytes, x, y, a, stream);
        case 2: return launch_gemm_tc_p<Q, 2, 1>(ctx, w, row_bytes, x, y, a, stream);
        default: return launch_gemm_tc_p<Q, 3, 1>(ctx, w, row_bytes, x, y, a, stream);
        }
    }
    return CHORD_OK;
}

#endif
