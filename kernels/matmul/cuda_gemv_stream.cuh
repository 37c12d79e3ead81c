/* v9 of the split mat-vec (m = 1 on q4_0_split / q4_1_split, opt-in; kernels/matmul/cuda.cu has v1-v8): v7's tensor-core
 * arithmetic, fed through shared memory by a persistent, stream-K grid.
 *
 * Why (v7's ncu, q4_0_split 1x11008x4096): latency-bound: 0.65 waves of 344 blocks (SMs held 2 or 3 blocks, so
 * the busiest did 1.5x the average), one super-block in flight per warp in registers, each block first waiting for
 * its split of X. v9:
 *   - one wave: gridDim = SMs x resident blocks per SM; the tiles x super-blocks of the matrix ("tile steps": 16
 *     rows x 256 values, 2304 / 2560 bytes) are cut into gridDim x 8 contiguous ranges, one per warp, equal to one
 *     step, so no SM waits on another;
 *   - weights staged by cp.async (16 bytes per lane, L1 bypassed) into a ring of S tile steps per warp: S - 1 steps
 *     in flight without registers (8 warps x 5 x 2.3 KB = 92 KB per SM at S = 6), and all S issued before the
 *     kernel waits for its predecessor (programmatic dependent launch), so the first ~100 KB per SM load while the
 *     previous kernel finishes;
 *   - a range that starts or ends inside a tile writes that tile's 16 partial sums to scratch; the last of the
 *     tile's warps to arrive (a counter per tile, left at zero for the next launch) adds them in warp order, so the
 *     result does not depend on timing.
 * Per tile step a lane reads its 2 x 32 quant bytes and the scale runs from shared memory (conflict-free: rows are
 * 144 / 160 bytes apart) and issues v7's 16 mma.m16n8k16 against X's three exact bf16 parts.
 * Prediction (H200, % of the 256 MiB copy; v7: 42.5 at 1x11008x4096, 35.2 at 1x4096x11008): ~60-65 on both, the
 * rest being the ~300 issued instructions per tile step (2.7 warp-instructions per cycle and SM at full copy
 * speed) and the ramp of a 6-25 us kernel.
 * Measured (H200, chord-bench, % of copy, v7 in the same run 42.5 / 35.2 / 24.0 for q4_0_split 1x11008x4096 /
 * 1x4096x11008 / 1x4096x4096, q4_1_split 39.8 / 31.4): S = 4: 30.2 / 26.3 / 17.4, 31.7 / 25.3; S = 6: 30.9 / 27.9 /
 * 17.5, 32.3 / 29.0; S = 8: 31.3 / 26.9 / 17.5, 33.0 / 27.8. Synthetic llama2-7b q4_0 tg128 346 (v7) -> 279 tok/s,
 * llama-1b q4_0 996 -> 849. Correct (check --large 44/44 on matmul, memcheck and racecheck clean, 7B --verify),
 * but a third slower, and the ring depth does not matter: so not the bytes in flight. At ~19.5 us for 25 MB each
 * warp takes ~1.9 us per tile step of ~300 instructions: the warps stall, not the memory. Not yet profiled; the
 * suspects are one block of 8 warps per SM (v7 runs ~20 warps per SM: too few warps to cover the mma and
 * shared-memory latencies of a serial per-step chain) and the cp.async issue cost (4.5 16-byte copies per lane per
 * step with their 64-bit address arithmetic). Kept as an opt-in (CHORD_CUDA_SPLIT_KERNEL=v9) for that profile; v7
 * stays the default. */
#ifndef CHORD_CUDA_GEMV_STREAM_CUH
#define CHORD_CUDA_GEMV_STREAM_CUH

#define MM_SK_WARPS 8

__device__ __forceinline__ void mm_cp_async16(void *smem, const void *gmem)
{
    const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(s), "l"(gmem) : "memory");
}
__device__ __forceinline__ void mm_cp_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
template <int N> __device__ __forceinline__ void mm_cp_wait()
{
    asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory");
}

/* The warp whose range holds tile step ts: ranges are [w n_ts / W, (w + 1) n_ts / W). */
__device__ __forceinline__ long long mm_sk_owner(long long ts, long long n_ts, long long n_warps)
{
    return ((ts + 1) * n_warps + n_ts - 1) / n_ts - 1;
}

template <typename Q, int S>
__global__ void __launch_bounds__(MM_SK_WARPS * 32, 1)
    matmul_gemv_stream_tc(const uint8_t *__restrict__ w /* (n, k) of Q, row_bytes per row, 16-aligned */,
                          size_t row_bytes, const float *__restrict__ x /* (k), 16-aligned */,
                          float *__restrict__ y /* (n) */, int n, int n_sb /* k / 256 */,
                          float *__restrict__ part /* (tiles, max_contrib, 16) partial sums */, int max_contrib,
                          unsigned *__restrict__ arrivals /* (tiles) zero at entry, left zero */)
{
    using T = mm_tc<Q>;
    constexpr int SB = Q::BYTES, SLOT = 16 * SB, CH = SLOT / 16, CPR = SB / 16; /* chunks of 16 bytes */
    constexpr int PER_LANE = (CH + 31) / 32;
    extern __shared__ uint4 sk_smem[];
    uint8_t *ring = (uint8_t *)sk_smem;                           /* (warps, S, 16 rows, SB) */
    uint2 *xb = (uint2 *)(ring + (size_t)MM_SK_WARPS * S * SLOT); /* (n_sb, 16 steps, 3 parts, 4) B fragments */
    float *xsum = (float *)(xb + (size_t)n_sb * 16 * 12);         /* (n_sb, 8) q4_1's block sums */
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    const int tiles = (n + 15) / 16;
    const long long n_ts = (long long)tiles * n_sb, n_warps = (long long)gridDim.x * MM_SK_WARPS;
    const long long wid = (long long)blockIdx.x * MM_SK_WARPS + warp;
    const long long first = wid * n_ts / n_warps, end = (wid + 1) * n_ts / n_warps;
    const int count = (int)(end - first);
    uint8_t *mine = ring + (size_t)warp * S * SLOT;

    /* this lane's chunks of a tile step: row r, 16-byte piece o */
    int crow[PER_LANE], coff[PER_LANE];
#pragma unroll
    for (int j = 0; j < PER_LANE; j++) {
        const int c = lane + 32 * j;
        crow[j] = c < CH ? c / CPR : -1;
        coff[j] = c < CH ? c % CPR * 16 : 0;
    }
    int it = (int)(first / n_sb), isb = (int)(first % n_sb); /* the next tile step to issue */
    auto issue = [&](int i) {
        if (i < count) {
            uint8_t *dst = mine + (i % S) * SLOT;
#pragma unroll
            for (int j = 0; j < PER_LANE; j++)
                if (crow[j] >= 0) {
                    const int row = min(it * 16 + crow[j], n - 1); /* rows past n repeat n - 1, never stored */
                    mm_cp_async16(dst + crow[j] * SB + coff[j],
                                  w + (size_t)row * row_bytes + (size_t)isb * SB + coff[j]);
                }
            if (++isb == n_sb)
                isb = 0, it++;
        }
        mm_cp_commit(); /* empty groups too: the wait below counts groups */
    };
#pragma unroll
    for (int i = 0; i < S; i++)
        issue(i);
    chord_cu_pdl_begin(); /* the weights are in flight; X is the predecessor's output */

    mm_tc_split_x<T::HAS_M>(x, xb, xsum, n_sb); /* as v7 */

    int tile = (int)(first / n_sb), sb = (int)(first % n_sb), sb0 = sb; /* the tile step being computed */
    float acc_a = 0.0f, acc_b = 0.0f;
    for (int i = 0; i < count; i++) {
        mm_cp_wait<S - 1>(); /* this lane's copies of step i have landed; the barrier makes the others' visible */
        __syncwarp();
        const uint8_t *pa = mine + (i % S) * SLOT + g * SB, *pb = pa + 8 * SB;
        mm_tc_regs r; /* as v7's registers, read from the slot */
        r.qa[0] = *(const uint4 *)(pa + 32 * t), r.qa[1] = *(const uint4 *)(pa + 32 * t + 16);
        r.qb[0] = *(const uint4 *)(pb + 32 * t), r.qb[1] = *(const uint4 *)(pb + 32 * t + 16);
        r.da = *(const uint4 *)(pa + 128), r.db = *(const uint4 *)(pb + 128);
        if (T::HAS_M)
            r.ma = *(const uint4 *)(pa + 144), r.mb = *(const uint4 *)(pb + 144);
        __syncwarp(); /* every lane has read slot i % S: it may be refilled */
        issue(i + S);
        mm_tc_superblock<T>(r, xb, xsum, sb, g, t, acc_a, acc_b);
        if (sb + 1 < n_sb && i + 1 < count) {
            sb++;
            continue;
        }
        /* the tile ends here, for this warp: its quad sums are the rows' (t 0: hi + mid, t 1: lo, t 2, 3: zero) */
#pragma unroll
        for (int o = 1; o < 4; o <<= 1) {
            acc_a += __shfl_xor_sync(0xffffffffu, acc_a, o);
            acc_b += __shfl_xor_sync(0xffffffffu, acc_b, o);
        }
        const int r0 = tile * 16;
        if (sb0 == 0 && sb == n_sb - 1) { /* the whole tile was this warp's */
            if (t == 0 && r0 + g < n)
                y[r0 + g] = acc_a;
            if (t == 0 && r0 + g + 8 < n)
                y[r0 + g + 8] = acc_b;
        } else {
            const long long w0 = mm_sk_owner((long long)tile * n_sb, n_ts, n_warps);
            const long long w1 = mm_sk_owner((long long)tile * n_sb + n_sb - 1, n_ts, n_warps);
            float *slot = part + ((size_t)tile * max_contrib + (size_t)(wid - w0)) * 16;
            if (t == 0) {
                slot[g] = acc_a;
                slot[g + 8] = acc_b;
                __threadfence(); /* the partials before the arrival */
            }
            __syncwarp();
            unsigned seen = 0;
            if (lane == 0)
                seen = atomicAdd(&arrivals[tile], 1u);
            seen = __shfl_sync(0xffffffffu, seen, 0);
            if (seen == (unsigned)(w1 - w0)) { /* the last to arrive adds the tile's partials in warp order */
                __threadfence();
                if (lane < 16) {
                    const float *p0 = part + (size_t)tile * max_contrib * 16 + lane;
                    float sum = 0.0f;
                    for (int c = 0; c <= (int)(w1 - w0); c++)
                        sum += __ldcg(p0 + 16 * c); /* from L2: this SM's L1 may hold an older launch's */
                    if (r0 + lane < n)
                        y[r0 + lane] = sum;
                }
                if (lane == 0)
                    arrivals[tile] = 0u; /* for the next launch */
            }
        }
        acc_a = acc_b = 0.0f;
        tile++, sb = 0, sb0 = 0;
    }
    mm_cp_wait<0>(); /* no copy outlives the kernel */
}

/* Shared bytes of v9 for S stages at n_sb super-blocks. */
template <typename Q> static size_t mm_sk_smem(int S, int n_sb)
{
    return (size_t)MM_SK_WARPS * S * 16 * Q::BYTES + (size_t)n_sb * 16 * 12 * sizeof(uint2) +
           (mm_tc<Q>::HAS_M ? (size_t)n_sb * 8 * sizeof(float) : 0);
}

/* v9's launch; *ran = 0 where its shared memory does not fit (large k): v7 then. */
template <typename Q, int S>
static chord_status launch_gemv_stream_s(void *ctx, const void *w, size_t row_bytes, const float *x, float *y,
                                         const chord_matmul_args *a, int *ran, cudaStream_t stream)
{
    const int n_sb = a->k / 256;
    const size_t smem = mm_sk_smem<Q>(S, n_sb);
    static int limit = -1, sms = 132; /* per instantiation */
    static size_t occ_smem = 0;
    static int occ = 0;
    if (limit < 0) {
        int dev = 0, optin = 48 << 10;
        CHORD_CUDA_CHECK(cudaGetDevice(&dev));
        CHORD_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
        CHORD_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
        cudaFuncAttributes fa; /* the kernel's static shared memory comes off the top */
        CHORD_CUDA_CHECK(cudaFuncGetAttributes(&fa, matmul_gemv_stream_tc<Q, S>));
        limit = optin - (int)fa.sharedSizeBytes;
        CHORD_CUDA_CHECK(
            cudaFuncSetAttribute(matmul_gemv_stream_tc<Q, S>, cudaFuncAttributeMaxDynamicSharedMemorySize, limit));
    }
    *ran = smem <= (size_t)limit;
    if (!*ran)
        return CHORD_OK;
    if (occ_smem != smem) { /* resident blocks per SM at this k, asked once per k */
        CHORD_CUDA_CHECK(
            cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, matmul_gemv_stream_tc<Q, S>, MM_SK_WARPS * 32, smem));
        occ_smem = smem;
    }
    if (occ < 1) {
        *ran = 0;
        return CHORD_OK;
    }
    const int tiles = (a->n + 15) / 16;
    const long long n_ts = (long long)tiles * n_sb;
    long long blocks = (long long)sms * occ;
    if (blocks * MM_SK_WARPS > n_ts) /* small matrices: every warp keeps at least one tile step */
        blocks = n_ts / MM_SK_WARPS;
    const long long n_warps = blocks * MM_SK_WARPS, per = blocks > 0 ? n_ts / n_warps : 0;
    if (per < 1) { /* fewer tile steps than one block's warps: v7 takes it */
        *ran = 0;
        return CHORD_OK;
    }
    const int max_contrib = (int)((n_sb + per - 1) / per + 1); /* warps that can share one tile */
    float *part = NULL;
    unsigned *arrivals = NULL;
    CHORD_TRY(chord_cuda_scratch(ctx, (size_t)tiles * max_contrib * 16 * sizeof(float), (void **)&part));
    CHORD_TRY(chord_cuda_zeroed(ctx, (size_t)tiles * sizeof(unsigned), (void **)&arrivals));
    CHORD_CU_LAUNCH("matmul_gemv_stream_tc", matmul_gemv_stream_tc<Q, S>, (unsigned)blocks, MM_SK_WARPS * 32, smem,
                    stream, (const uint8_t *)w, row_bytes, x, y, a->n, n_sb, part, max_contrib, arrivals);
    return CHORD_OK;
}

/* CHORD_CUDA_SK_STAGES = 4 | 6 | 8 (default 6): the ring depth, for A/B runs; fewer where shared memory is short. */
template <typename Q>
static chord_status launch_gemv_stream(void *ctx, const void *w, size_t row_bytes, const float *x, float *y,
                                       const chord_matmul_args *a, int stages, int *ran, cudaStream_t stream)
{
    *ran = 0;
    if (stages >= 8)
        CHORD_TRY((launch_gemv_stream_s<Q, 8>(ctx, w, row_bytes, x, y, a, ran, stream)));
    if (!*ran && stages >= 6)
        CHORD_TRY((launch_gemv_stream_s<Q, 6>(ctx, w, row_bytes, x, y, a, ran, stream)));
    if (!*ran)
        CHORD_TRY((launch_gemv_stream_s<Q, 4>(ctx, w, row_bytes, x, y, a, ran, stream)));
    return CHORD_OK;
}

#endif
