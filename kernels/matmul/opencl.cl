/* matmul (GEMV form): Y = X W^T for every weight type (contract: kernels/matmul/matmul.h).
 * One work-group of MM_WG items per W row j and ROWS rows of X: the items walk the row in 8-value
 * chunks (kernels/common/opencl_quant.cl) MM_WG apart, so a group reads its quantized row once,
 * contiguously, and dequantizes in registers; partial sums meet in a local-memory tree.
 * The decode step (m = 1) is bound by W's bytes: ROWS = 1 there; prefill batches use ROWS > 1 so
 * each decoded chunk serves several X rows. Types with 1-value blocks may leave a tail of k % 8.
 *
 * Versions: v1 one item per output (each item walked a whole row: uncoalesced, k-serial);
 * v2 a work-group per row with 8-value chunks and a tree reduction; v3 (the GGUF types) the chunk loop
 * unrolled by 4 (more bytes in flight per item for the bandwidth-bound decode).
 * v4 (the split types q4_0_split / q4_1_split / q8_0_split, kernels/common/types.h; the model re-lays q4_0 / q4_1 /
 *   q8_0 matrices in them at load when this backend supports them). v3 on the GGUF blocks (18/20/34 bytes, only
 *   2-aligned) issues 2-byte loads and reached 9.5% of copy on an H200 for q4_0 1x11008x4096. A split super-block
 *   is 256 values with every quant first and the scales after, all 16-aligned, so:
 *   - 8 work-items ("lanes") per W row, as the layout is cut: per super-block lane j issues one 16-byte load of its
 *     quants (q8: two) and one of the 8 f16 scales (q4_1: two; the row's 8 lanes share those 16 bytes), and reads
 *     X as 8 float4 (32 g + 4 j, g = 0..7) that the 8 lanes take side by side: 128 contiguous bytes per block. A
 *     work-group of MM_WG items holds MM_WG / 8 / KS rows; on NVIDIA a warp is 4 rows, each row's 8 lanes reading
 *     128 contiguous quant bytes.
 *   - a rolling prefetch of SPLIT_U super-blocks per item (CUDA's v6): slot u is reloaded with super-block
 *     i + SPLIT_U as soon as it has served i, so the loads of the next super-blocks are in flight while one is
 *     computed, through the whole stream rather than in batches.
 *   - the weights stay integers (kernels/common/opencl_quant.cl: 0x4b000000 | byte is 2^23 + byte, one subtraction
 *     leaves q - 8, q or the int8 q exactly) and each block of 4 values costs one scale multiply (CUDA's
 *     mm_dot_bytes); the scales go through vload_half from registers, one conversion each.
 *   - k split over KS slices of a work-group (slice s takes super-blocks s, s + KS, ...) while the rows alone give
 *     fewer work-items than the tunable mm_split_items per CU: n = 4096 rows of k = 11008 are 32768 items, a fifth
 *     of what an H200 holds, so they run 8 slices; n = 11008 two.
 *   - partial sums meet in a local-memory tree (no subgroups on OpenCL C 1.2 / PoCL), pairwise over slices, then
 *     lanes; within an item, sums in pieces (a block of 4, a super-block) so that long chains do not round outputs
 *     near zero out of the matmul bound.
 *   - m > 1 (prompt batches): the same loads, each super-block decoded once into the reference's f32 weights and
 *     applied to ROWS X rows; W is re-read once per ROWS rows of X.
 *   X is not staged in local memory: every work-group of a CU reads the same X, which stays in L1, and a staged X
 *   of k = 11008 (43 KiB per group) would cap the groups per CU and add a prologue before the first weight load.
 *   nvptx (runtime/opencl_nvptx_check.sh, sm_90): 74-94 registers, no spills, no stack; ~150 PTX instructions per
 *   super-block per lane for q4_0 (4.7 per weight, CUDA v6's count).
 *   PREDICTION for the H200 (NVIDIA OpenCL 3.0), not measured: CUDA v6 is the same design and measured 35.8 /
 *   35.2% of copy (q4_0_split 1x11008x4096 / 1x4096x11008) and 55-59% (q8_0_split), issue-bound at ~4.6
 *   instructions per weight; expected here: q4_0_split 1x11008x4096 ~35% (30-40), 1x4096x11008 ~35% (30-40),
 *   q8_0_split ~50%, i.e. 3-4x v3 but short of issue 16's 70%, which for q4_0 needs fewer instructions per weight
 *   (CUDA's tensor-core v7 reached 42%) or more bytes in flight per register.
 *   MEASURED on the H200 (results/nvidia-h200/2026-12-02-b9f66526d9c0, % of OpenCL's own 256 MiB copy, 4119 GB/s):
 *   q4_0_split 30.8 / 29.7 (1x11008x4096 / 1x4096x11008), q8_0_split 49.0 / 45.3, against v3 on the GGUF layouts
 *   9.4 (q4_0) and 16.8 (q8_0) in the same run: 3.3x / 2.9x, within the predicted range for q4_0.
 *   PoCL CPU figures (PoCL 3 on 2 shared cores of an AMD EPYC, chord-bench median ms, one run each, noisy; a CPU,
 *   not the target): q4_0 1x11008x4096 19.7 (GGUF, v3) vs 28.4 (split, v4); 1x4096x11008 24.5 vs 15.8; q4_1
 *   1x11008x4096 22.0 vs 29.1, 1x4096x11008 31.5 vs 25.6; q8_0 29.5 vs 22.4, 29.7 vs 22.4. On PoCL a work-group
 *   is a loop on one core and each of its barriers splits that loop: v4's groups of 8 rows at n = 11008 cost more
 *   there than v3's one-row groups gain, which says nothing of a GPU.
 * v4's stores for the fused decode ops (m = 1): ADD (matmul_add) adds the residual; SWIGLU (matmul_swiglu) runs the
 *   stream and the reduction twice in one work-group, over the gate's rows and then the up's, and stores swiglu's
 *   expression on the two sums, each reduced as matmul's is (so bit-identical to the composition's outputs); ROPE
 *   (matmul_qkv's Q and K) rotates each NORMAL pair with rope's angle and expression (chord_rope_angle,
 *   chord_rope_turn), the partner's sum read from the group's local memory. */
#ifndef ROWS
#define ROWS 1
#endif

#ifdef CHORD_SPLIT
/* ---- v4: the split types (kernels/common/opencl_quant.cl has the layout) ---- */
#ifndef KS
#define KS 1 /* k slices: work-items sharing one row's super-blocks (slice s takes s, s + KS, ...) */
#endif
#ifndef SPLIT_U
#define SPLIT_U 2 /* super-blocks in flight per work-item */
#endif
#define SPLIT_RPG (MM_WG / (8 * KS)) /* W rows per work-group: 8 lanes each, KS slices */

#if W16 /* W's buffer offset is 16-aligned: every quant and scale run is (rows are multiples of 16 bytes) */
#define SPLIT_LD16 chord_ld16
#else
#define SPLIT_LD16 chord_ld16_2
#endif
#if X16 /* X's offset is 16-aligned: so is every row (k is a multiple of 256) */
#define SPLIT_X(x, i) (((__global const float4 *)(x))[i])
#else
#define SPLIT_X(x, i) vload4((i), (x))
#endif

/* Lane j's loads of the super-block at sb: its quant words, then the scale run(s), which the 8 lanes of a row share
 * (one 16 bytes, broadcast). */
static inline void split_load(__global const uchar *sb, int j, uint4 *q, uint4 *s)
{
#pragma unroll
    for (int i = 0; i < CHORD_SPLIT_QW; i++)
        q[i] = SPLIT_LD16(sb + 16 * (CHORD_SPLIT_QW * j + i));
#pragma unroll
    for (int i = 0; i < CHORD_SPLIT_NS; i++)
        s[i] = SPLIT_LD16(sb + CHORD_SPLIT_SOFF + 16 * i);
}

/* f16 h (0..7) of a loaded 16-byte scale run as float. vload_half of a value in a register is one conversion where
 * the integer decoding of kernels/common/opencl_common.cl would be ~10 instructions (every f16 is exact in float);
 * one ushort, not the run, goes through memory's type so that the compiler keeps the run in registers (indexing
 * the run as halves gave q4_1's two runs a stack frame on nvptx). */
static inline float split_half(uint4 run, int h)
{
    const ushort bits = (ushort)(chord_word(run, h >> 1) >> ((h & 1) * 16));
    return vload_half(0, (const half *)&bits);
}

/* m = 1: the sum of lane j's 32 values of one super-block times X (this lane's float4 x4 + 8 g for block g). The
 * weights stay integers, so each block costs one scale multiply: d[g] sum_t w_t x_t (+ m[g] sum_t x_t). */
static inline float split_dot(const uint4 *q, const uint4 *s, __global const float *x, size_t x4)
{
    float acc = 0.0f;
#pragma unroll
    for (int g = 0; g < 8; g++) {
        const float4 w = chord_split_ints(chord_split_word(q, g));
        const float4 xv = SPLIT_X(x, x4 + 8 * g);
        float t = w.x * xv.x;
        t = fma(w.y, xv.y, t);
        t = fma(w.z, xv.z, t);
        t = fma(w.w, xv.w, t);
        acc = fma(split_half(s[0], g), t, acc);
#if CHORD_SPLIT_HAS_M
        acc = fma(split_half(s[1], g), (xv.x + xv.y) + (xv.z + xv.w), acc);
#endif
    }
    return acc;
}

/* m > 1: the same 32 values decoded once (the reference's weights exactly) and applied to `rows` X rows, k4
 * float4s apart. Sums in pieces: 4 products, a super-block's 8 of those, then the super-blocks into acc[r] with
 * comp[r] carrying the rounding (Kahan). q8_0_split 512x4096x11008 (2M outputs, terms' sums ~260, some outputs
 * near zero where the bound is ~1e-4): one chain of 32 products per super-block failed its bound on 1-3 outputs
 * at k slices = 1, 4-product pieces still on 1-3 (1.1-1.2x the bound), from the 43-long chain of super-blocks. */
static inline void split_rows(const uint4 *q, const uint4 *s, __global const float *x, size_t x4, size_t k4, int rows,
                              float *acc, float *comp)
{
    float sb[ROWS];
#pragma unroll
    for (int r = 0; r < ROWS; r++)
        sb[r] = 0.0f;
#pragma unroll
    for (int g = 0; g < 8; g++) {
        float4 w = chord_split_ints(chord_split_word(q, g)) * split_half(s[0], g);
#if CHORD_SPLIT_HAS_M
        w = w + split_half(s[1], g);
#endif
#pragma unroll
        for (int r = 0; r < ROWS; r++)
            if (r < rows) {
                const float4 xv = SPLIT_X(x, x4 + r * k4 + 8 * g);
                sb[r] += fma(w.w, xv.w, fma(w.z, xv.z, fma(w.y, xv.y, w.x * xv.x)));
            }
    }
#pragma unroll
    for (int r = 0; r < ROWS; r++) { /* compensated (Kahan): see the header */
        const float v = sb[r] - comp[r], t = acc[r] + v;
        comp[r] = (t - acc[r]) - v;
        acc[r] = t;
    }
}

__kernel __attribute__((reqd_work_group_size(MM_WG, 1, 1)))
void matmul(__global const uchar *wb, ulong w_off, __global const uchar *xb, ulong x_off, __global uchar *yb,
            ulong y_off,
#ifdef ADD /* matmul_add (kernels/matmul_add/opencl.c): Y = R + X W^T, R (m, n) as Y, Y may alias R */
            __global const uchar *rb, ulong r_off,
#endif
#ifdef SWIGLU /* matmul_swiglu (kernels/matmul_swiglu/opencl.c), m = 1: W is WG, this WU (n, k) as WG; Y (n) */
            __global const uchar *ub, ulong u_off,
#endif
            int m, int n, int k, ulong row_bytes
#ifdef ROPE /* matmul_qkv's Q and K (kernels/matmul_qkv/opencl.c), m = 1: Y (n / head_dim heads, head_dim) rotated
             * as rope's NORMAL pairs (2 j, 2 j + 1) of the first n_rot values, at position pos0 */
            , int head_dim, int n_rot, float theta_base, int pos0
#endif
            )
{
    __local float part[ROWS][MM_WG]; /* every item's sums, per X row */
    const int lid = get_local_id(0), j = lid % 8, rg = (lid / 8) % SPLIT_RPG, slice = lid / (8 * SPLIT_RPG);
    const int row0 = get_group_id(0) * SPLIT_RPG, row = row0 + rg; /* rows past n repeat n - 1, never stored */
    const int i0 = get_group_id(1) * ROWS, rows = min(ROWS, m - i0);
    __global const float *x = CHORD_AT_CONST(float, xb, x_off) + (size_t)i0 * k; /* X (m, k), from row i0 */
    __global float *y = CHORD_AT(float, yb, y_off);                             /* Y (m, n) */
    const int n_sb = k / 256;
    const int count = slice < n_sb ? (n_sb - 1 - slice) / KS + 1 : 0; /* this item's super-blocks */
    const size_t step = (size_t)KS * CHORD_SPLIT_BYTES;
    /* row `row`'s first super-block of this item's slice, in W (n, k): rows are row_bytes apart */
    const size_t w_at = (size_t)min(row, n - 1) * row_bytes + (size_t)slice * CHORD_SPLIT_BYTES;
#ifdef SWIGLU /* the gate's sums, then the up's: item o < SPLIT_RPG keeps output o's gate sum in gate */
    float gate = 0.0f;
    for (int mat = 0; mat < 2; mat++) {
        __global const uchar *p = (mat ? ub + u_off : wb + w_off) + w_at; /* the next super-block to load */
#else
    {
        __global const uchar *p = wb + w_off + w_at; /* the next super-block to load */
#endif
        size_t x4 = (size_t)slice * 64 + j; /* float4 of lane j's X at block 0 of the next super-block to use */
        float acc[ROWS], comp[ROWS]; /* the item's sums per X row; comp: their compensation (m > 1) */
#pragma unroll
        for (int r = 0; r < ROWS; r++)
            acc[r] = comp[r] = 0.0f;
        /* a rolling prefetch: slot u is reloaded with super-block i + SPLIT_U as soon as it has served i, so each item
         * keeps SPLIT_U super-blocks' loads in flight through its whole stream */
        uint4 q[SPLIT_U][CHORD_SPLIT_QW], s[SPLIT_U][CHORD_SPLIT_NS];
#pragma unroll
        for (int u = 0; u < SPLIT_U; u++, p += step)
            if (u < count)
                split_load(p, j, q[u], s[u]);
        for (int i = 0; i < count; i += SPLIT_U) {
#pragma unroll
            for (int u = 0; u < SPLIT_U; u++) {
                if (i + u < count) {
#if ROWS == 1
                    acc[0] += split_dot(q[u], s[u], x, x4);
#else
                    split_rows(q[u], s[u], x, x4, (size_t)k / 4, rows, acc, comp);
#endif
                    if (i + u + SPLIT_U < count)
                        split_load(p, j, q[u], s[u]);
                    p += step;
                    x4 += 64 * KS;
                }
            }
        }
        /* the 8 KS partial sums of each output meet in a tree, first over the slices (item lid takes lid + s), then
         * over the 8 lanes: pairwise sums keep the rounding of k = 11008 outputs near zero within the matmul bound,
         * which a chain of 64 partials of the size of the output's terms' sums can exceed */
#pragma unroll
        for (int r = 0; r < ROWS; r++)
            part[r][lid] = acc[r];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int s = MM_WG / 2; s >= 8 * SPLIT_RPG; s >>= 1) {
            if (lid < s) {
#pragma unroll
                for (int r = 0; r < ROWS; r++)
                    part[r][lid] += part[r][lid + s];
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        for (int s = 4; s >= 1; s >>= 1) {
            if (lid < 8 * SPLIT_RPG && lid % 8 < s) {
#pragma unroll
                for (int r = 0; r < ROWS; r++)
                    part[r][lid] += part[r][lid + s];
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
#ifdef SWIGLU
        if (mat == 0) { /* uniform: the gate's sums read before the up's pass writes part again */
            if (lid < SPLIT_RPG)
                gate = part[0][lid * 8];
            barrier(CLK_LOCAL_MEM_FENCE);
        }
#endif
    }
    /* item o stores output (row row0 + o % RPG, X row i0 + o / RPG) */
    for (int o = lid; o < SPLIT_RPG * ROWS; o += MM_WG) {
        const int orow = o % SPLIT_RPG, r = o / SPLIT_RPG;
        if (row0 + orow < n && r < rows) {
            const size_t at = (size_t)(i0 + r) * n + row0 + orow;
#if defined(ADD)
            y[at] = CHORD_AT_CONST(float, rb, r_off)[at] + part[r][orow * 8];
#elif defined(SWIGLU) /* swiglu's expression (kernels/swiglu/opencl.cl) on the two sums; o = lid here (m = 1) */
            y[at] = gate / (1.0f + exp(-gate)) * part[r][orow * 8];
#elif defined(ROPE) /* rope's rotation (kernels/rope/opencl.cl); the pair's partner row is orow ^ 1 of this group
                     * (SPLIT_RPG even, n even) */
            const int d = (row0 + orow) % head_dim;
            float v = part[r][orow * 8];
            if (d < n_rot) {
                const float other = part[r][(orow ^ 1) * 8];
                chord_rope_t cs, sn;
                chord_rope_angle(pos0 + i0 + r, d / 2, n_rot, theta_base, &cs, &sn);
                const float2 turned = d & 1 ? chord_rope_turn(other, v, cs, sn) : chord_rope_turn(v, other, cs, sn);
                v = d & 1 ? turned.y : turned.x;
            }
            y[at] = v;
#else
            y[at] = part[r][orow * 8];
#endif
        }
    }
}
#else /* the GGUF types: v1-v3 */


static inline float chord_dot8(float8 a, float8 b, float acc)
{
    acc = fma(a.s0, b.s0, acc);
    acc = fma(a.s1, b.s1, acc);
    acc = fma(a.s2, b.s2, acc);
    acc = fma(a.s3, b.s3, acc);
    acc = fma(a.s4, b.s4, acc);
    acc = fma(a.s5, b.s5, acc);
    acc = fma(a.s6, b.s6, acc);
    return fma(a.s7, b.s7, acc);
}

__kernel __attribute__((reqd_work_group_size(MM_WG, 1, 1)))
void matmul(__global const uchar *wb, ulong w_off, __global const uchar *xb, ulong x_off, __global uchar *yb,
            ulong y_off, int m, int n, int k, ulong row_bytes)
{
    __local float scratch[ROWS][MM_WG];
    const int lid = get_local_id(0);
    const int j = get_group_id(0);
    const int i0 = get_group_id(1) * ROWS;
    __global const uchar *w = wb + w_off + (size_t)j * row_bytes; /* row j of W (n, k) */
    __global const float *x = CHORD_AT_CONST(float, xb, x_off);  /* X (m, k) */
    __global float *y = CHORD_AT(float, yb, y_off);               /* Y (m, n) */
    float acc[ROWS];
#pragma unroll
    for (int r = 0; r < ROWS; r++)
        acc[r] = 0.0f;
    const int nc = k / 8;
#define STEP(wv, c)                                                                  \
    for (int r = 0; r < ROWS; r++)                                                   \
        if (ROWS == 1 || i0 + r < m)                                                 \
            acc[r] = chord_dot8((wv), vload8((c), x + (size_t)(i0 + r) * k), acc[r]);
    int c = lid;
    /* 4 chunks per step: their loads are issued together, so each item keeps more bytes of W in
     * flight (written out since PoCL's optimizer refuses #pragma unroll here) */
    for (; c + 3 * MM_WG < nc; c += 4 * MM_WG) {
        const float8 w0 = CHORD_DQ8(w, (uint)c), w1 = CHORD_DQ8(w, (uint)(c + MM_WG));
        const float8 w2 = CHORD_DQ8(w, (uint)(c + 2 * MM_WG)), w3 = CHORD_DQ8(w, (uint)(c + 3 * MM_WG));
        STEP(w0, c)
        STEP(w1, c + MM_WG)
        STEP(w2, c + 2 * MM_WG)
        STEP(w3, c + 3 * MM_WG)
    }
    for (; c < nc; c += MM_WG) {
        const float8 w0 = CHORD_DQ8(w, (uint)c);
        STEP(w0, c)
    }
#undef STEP
#ifdef CHORD_DQ1
    for (int i = nc * 8 + lid; i < k; i += MM_WG) {
        const float wv = CHORD_DQ1(w, i);
#pragma unroll
        for (int r = 0; r < ROWS; r++)
            if (ROWS == 1 || i0 + r < m)
                acc[r] = fma(wv, x[(size_t)(i0 + r) * k + i], acc[r]);
    }
#endif
#pragma unroll
    for (int r = 0; r < ROWS; r++)
        scratch[r][lid] = acc[r];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = MM_WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
#pragma unroll
            for (int r = 0; r < ROWS; r++)
                scratch[r][lid] += scratch[r][lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid < ROWS && i0 + lid < m)
        y[(size_t)(i0 + lid) * n + j] = scratch[lid][0];
}
#endif
