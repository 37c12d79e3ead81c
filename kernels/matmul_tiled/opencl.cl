/* matmul_tiled: Y = X W^T for f32 weights as a tiled SGEMM (contract: kernels/matmul/matmul.h).
 * X (m, k) and W (n, k) are both row-major by k. A work-group computes a BM x BN tile of Y with
 * (BM/TM) * (BN/TN) items of TM x TN outputs each (register blocking). Per BK-deep step the group
 * stores the X and W tiles transposed (k-major) in local memory, so an item's TM (TN) operands for
 * one k are contiguous float4s; the rows are padded by 4 floats, which keeps float4 alignment and
 * spreads the transposing stores over banks. The next tiles are loaded into registers while the
 * current ones are multiplied (prefetch in registers, two local stages). Loads are scalar and
 * coalesced along k (offsets and k are arbitrary, so float4 global loads are not generally aligned);
 * tiles fully inside X, W and k skip the bounds checks.
 *
 * Versions: v1 one output per item, tiles of 16x16 (a local read per FMA); v2 TM x TN register
 * blocking (2 local float4 reads per 2*TM*TN/4 FMAs); v3 register prefetch of the next tile,
 * padding against bank conflicts of the transposing stores, unchecked interior tiles; v4 an
 * item's outputs in float4 groups a slice apart (ROW_OF/COL_OF): conflict-free local reads;
 * v5 (this) two local stages: one barrier per BK step instead of two (34 KiB of local memory at
 * 128x128x16). */
#define WGS ((BM / TM) * (BN / TN))
#define LDA (BM + 4) /* floats per k-row of the X tile in local memory */
#define LDB (BN + 4)
#define LX (BM * BK / WGS) /* X tile values each item loads */
#define LW (BN * BK / WGS)
#define RSTEP (WGS / BK) /* tile rows between an item's loads; the runtime keeps WGS a multiple of BK */
/* An item's TM rows (TN columns) are TM/4 (TN/4) groups of 4, one per slice of BM*4/TM (BN*4/TN)
 * rows: for one k, 8 neighbouring items then read 8 neighbouring float4s of local memory (all 32
 * banks once); 4 contiguous columns per item would have them 2 float4s apart (2-way conflicts). */
#define ROW_OF(ty, a) (((a) / 4) * (BM * 4 / TM) + (ty) * 4 + (a) % 4)
#define COL_OF(tx, b) (((b) / 4) * (BN * 4 / TN) + (tx) * 4 + (b) % 4)

__kernel __attribute__((reqd_work_group_size(WGS, 1, 1)))
void matmul_tiled(__global const uchar *wb, ulong w_off, __global const uchar *xb, ulong x_off, __global uchar *yb,
                  ulong y_off, int m, int n, int k)
{
    /* two stages of each tile: stage s % 2 is multiplied while the next is stored into the other */
    __local float4 as4[2 * BK * LDA / 4]; /* X tiles, [stage][kk][i] */
    __local float4 bs4[2 * BK * LDB / 4]; /* W tiles, [stage][kk][j] */
    __local float *as = (__local float *)as4;
    __local float *bs = (__local float *)bs4;
    __global const float *w = CHORD_AT_CONST(float, wb, w_off); /* W (n, k) */
    __global const float *x = CHORD_AT_CONST(float, xb, x_off); /* X (m, k) */
    __global float *y = CHORD_AT(float, yb, y_off);             /* Y (m, n) */
    const int lid = get_local_id(0);
    const int tx = lid % (BN / TN), ty = lid / (BN / TN);
    const int i0 = get_group_id(1) * BM, j0 = get_group_id(0) * BN;
    const int rows_full = i0 + BM <= m && j0 + BN <= n;

    float acc[TM][TN];
#pragma unroll
    for (int a = 0; a < TM; a++)
#pragma unroll
        for (int b = 0; b < TN; b++)
            acc[a][b] = 0.0f;

    /* Tile loads: item lid takes k column lk = lid % BK of rows lr + q * RSTEP (WGS is a multiple
     * of BK), so its addresses are one pointer plus q * RSTEP rows: few registers, coalesced along k. */
    const int lr = lid / BK, lk = lid % BK;
    __global const float *xp = x + (size_t)(i0 + lr) * k + lk; /* advances BK per step */
    __global const float *wp = w + (size_t)(j0 + lr) * k + lk;
    const size_t rstride = (size_t)RSTEP * k;
    float rx[LX], rw[LW]; /* the next tiles, in flight */
#define LOAD_TILES(k0)                                                                          \
    do {                                                                                        \
        const int full_ = rows_full && (k0) + BK <= k;                                          \
        const int k_ok_ = (k0) + lk < k;                                                        \
        for (int q = 0; q < LX; q++)                                                            \
            rx[q] = (full_ || (k_ok_ && i0 + lr + q * RSTEP < m)) ? xp[(k0) + q * rstride] : 0.0f; \
        for (int q = 0; q < LW; q++)                                                            \
            rw[q] = (full_ || (k_ok_ && j0 + lr + q * RSTEP < n)) ? wp[(k0) + q * rstride] : 0.0f; \
    } while (0)

#define STORE_TILES(stage)                                                                      \
    do {                                                                                        \
        for (int q = 0; q < LX; q++)                                                            \
            as[(stage) * (BK * LDA) + lk * LDA + lr + q * RSTEP] = rx[q];                        \
        for (int q = 0; q < LW; q++)                                                            \
            bs[(stage) * (BK * LDB) + lk * LDB + lr + q * RSTEP] = rw[q];                        \
    } while (0)

    LOAD_TILES(0);
    STORE_TILES(0);
    barrier(CLK_LOCAL_MEM_FENCE);
    int stage = 0;
    for (int k0 = 0; k0 < k; k0 += BK) {
        const int more = k0 + BK < k;
        if (more)
            LOAD_TILES(k0 + BK); /* in flight during the multiply */
        const int sa = stage * (BK * LDA / 4), sb = stage * (BK * LDB / 4);
#pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float av[TM], bv[TN];
#pragma unroll
            for (int q = 0; q < TM / 4; q++) {
                const float4 t = as4[sa + (kk * LDA + ROW_OF(ty, 4 * q)) / 4];
                av[4 * q] = t.x; av[4 * q + 1] = t.y; av[4 * q + 2] = t.z; av[4 * q + 3] = t.w;
            }
#pragma unroll
            for (int q = 0; q < TN / 4; q++) {
                const float4 t = bs4[sb + (kk * LDB + COL_OF(tx, 4 * q)) / 4];
                bv[4 * q] = t.x; bv[4 * q + 1] = t.y; bv[4 * q + 2] = t.z; bv[4 * q + 3] = t.w;
            }
#pragma unroll
            for (int a = 0; a < TM; a++)
#pragma unroll
                for (int b = 0; b < TN; b++)
                    acc[a][b] = fma(av[a], bv[b], acc[a][b]);
        }
        /* the other stage was last read in the previous step, which the previous barrier closed */
        if (more)
            STORE_TILES(1 - stage);
        barrier(CLK_LOCAL_MEM_FENCE);
        stage = 1 - stage;
    }
#undef STORE_TILES
#undef LOAD_TILES
#pragma unroll
    for (int a = 0; a < TM; a++) {
        const int gi = i0 + ROW_OF(ty, a);
#pragma unroll
        for (int b = 0; b < TN; b++) {
            const int gj = j0 + COL_OF(tx, b);
            if (rows_full || (gi < m && gj < n))
                y[(size_t)gi * n + gj] = acc[a][b];
        }
    }
}
