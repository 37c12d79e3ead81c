/* The body of the cpu mat-mul rows, written once over a small vector vocabulary that cpu_rows_avx2.c and
 * cpu_rows_avx512.c define before including this file (so each copy compiles with its own ISA flags):
 *   vf, VL             a vector of VL floats; NV = 32 / VL vectors hold one 32-value GGUF block
 *   vf_zero(), vf_set1(f), vf_loadu(p), vf_load_part(p, n) (n < VL values, the rest 0), vf_storeu(p, v),
 *   vf_add, vf_mul, vf_fma(a, b, c) = a * b + c, vf_hsum(v), vf_hsum4(a, b, c, d) (an __m128 of the 4 sums)
 *   vf_f16(p), vf_bf16(p)  VL halves / bfloats to f32
 *   dec_q4(qs, off8, q[NV])  the 32 nibbles of 16 bytes (low nibbles then high, as q4_0/q4_1 order them) as
 *                            floats, minus 8 when off8; dec_q8(qs, q[NV]) 32 signed bytes as floats
 *   MR                 rows of X per GEMM micro-kernel (the register budget decides)
 * Numerics: X stays f32. The block types' dot is d * sum(q x) (+ m * sum(x) for q4_1) per block, every sum an
 * f32 FMA chain; the prefill path dequantizes W to f32 exactly as the reference does and multiplies in f32. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "cpu_rows.h"
#include "../dequant/dequant.h"

#define NV (32 / VL)
#define MV_ROWS 4   /* W rows per mat-vec step: they share each load of x */
#define NR 4        /* W rows per GEMM micro-kernel: one vf_hsum4 reduces a row of X's outputs */
#define TILE_N 8    /* W rows per dequantized tile (a multiple of NR) */
#define TILE_K 1024 /* values per tile row: TILE_N x TILE_K floats = 32 KiB, in L1 beside the X rows' chunk */
#define CHUNK 256   /* values the portable dequant fallback decodes at a time: whole blocks of every type */

#if defined(__GNUC__)
#define UNROLL _Pragma("GCC unroll 8")
#define INLINE static inline __attribute__((always_inline))
#else
#define UNROLL
#define INLINE static inline
#endif

INLINE float half_at(const uint8_t *p) /* an f16 at any alignment */
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* 4 sums of 8-float vectors in one __m128: the hadd tree both ISAs end their reductions with. */
INLINE __m128 hsum4_256(__m256 a, __m256 b, __m256 c, __m256 d)
{
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

/* The block types the vector decoders read; every other type goes through the portable dequant. */
INLINE int fast_block(chord_type t) { return t == CHORD_TYPE_Q4_0 || t == CHORD_TYPE_Q4_1 || t == CHORD_TYPE_Q8_0; }

/* One 32-value block's unscaled q in registers; *d and *m its scale and min (m 0 for q4_0 and q8_0). */
INLINE void dec_block(chord_type t, const uint8_t *b, vf q[NV], float *d, float *m)
{
    *d = half_at(b);
    *m = t == CHORD_TYPE_Q4_1 ? half_at(b + 2) : 0.0f;
    if (t == CHORD_TYPE_Q8_0)
        dec_q8((const int8_t *)(b + 2), q);
    else
        dec_q4(b + (t == CHORD_TYPE_Q4_1 ? 4 : 2), t == CHORD_TYPE_Q4_0, q);
}

/* out[0, len) = W row values k0 .. k0 + len - 1 in f32, bit-identical to the dequant reference (k0 and len whole
 * blocks, len <= TILE_K). */
static void dequant_run(chord_type t, const uint8_t *row, int k0, int len, float *out)
{
    const chord_type_traits *tr = chord_type_info(t);
    const uint8_t *src = row + (size_t)(k0 / tr->block_size) * tr->type_size;
    int i = 0;
    if (fast_block(t)) {
        for (; i < len; i += 32, src += tr->type_size) {
            vf q[NV];
            float d, m;
            dec_block(t, src, q, &d, &m);
            UNROLL for (int v = 0; v < NV; v++)
                vf_storeu(out + i + v * VL,
                          t == CHORD_TYPE_Q4_1 ? vf_fma(q[v], vf_set1(d), vf_set1(m)) : vf_mul(q[v], vf_set1(d)));
        }
    } else if (t == CHORD_TYPE_F16 || t == CHORD_TYPE_BF16) {
        for (; i + VL <= len; i += VL)
            vf_storeu(out + i, t == CHORD_TYPE_F16 ? vf_f16(src + 2 * i) : vf_bf16(src + 2 * i));
        for (; i < len; i++)
            out[i] = t == CHORD_TYPE_F16 ? half_at(src + 2 * i)
                                         : chord_bf16_to_f32((chord_bf16)(src[2 * i] | src[2 * i + 1] << 8));
    } else if (t == CHORD_TYPE_F32) {
        memcpy(out, src, (size_t)len * sizeof(float));
    } else { /* the rarer types: the reference's own decoders, CHUNK values at a time */
        for (; i < len; i += CHUNK) {
            const chord_dequant_args da = {t, len - i < CHUNK ? len - i : CHUNK};
            chord_dequant_reference(src + (size_t)(i / tr->block_size) * tr->type_size, out + i, &da);
        }
    }
}

/* ---- m = 1: mat-vec, every weight byte read once, R rows sharing each x load ---- */

/* y[0, R) = W rows (row_bytes apart) . x over nb 32-value blocks of a fast block type. */
INLINE void matvec_blocks(chord_type t, const uint8_t *w, size_t row_bytes, const float *x, float *y, int nb,
                          const int R)
{
    const size_t bb = chord_type_info(t)->type_size;
    vf acc[MV_ROWS], accm[MV_ROWS];
    UNROLL for (int r = 0; r < R; r++) acc[r] = accm[r] = vf_zero();
    for (int b = 0; b < nb; b++) {
        vf xv[NV];
        UNROLL for (int v = 0; v < NV; v++) xv[v] = vf_loadu(x + 32 * b + v * VL);
        vf sx = xv[0];
        UNROLL for (int v = 1; v < NV; v++) sx = vf_add(sx, xv[v]);
        UNROLL for (int r = 0; r < R; r++)
        {
            const uint8_t *blk = w + r * row_bytes + b * bb;
            _mm_prefetch((const char *)blk + 512, _MM_HINT_T0);
            vf q[NV];
            float d, m;
            dec_block(t, blk, q, &d, &m);
            vf dot = vf_mul(q[0], xv[0]);
            UNROLL for (int v = 1; v < NV; v++) dot = vf_fma(q[v], xv[v], dot);
            acc[r] = vf_fma(dot, vf_set1(d), acc[r]);
            if (t == CHORD_TYPE_Q4_1)
                accm[r] = vf_fma(sx, vf_set1(m), accm[r]);
        }
    }
    UNROLL for (int r = 0; r < R; r++) y[r] = vf_hsum(vf_add(acc[r], accm[r]));
}

/* The same for f32, f16 and bf16 rows of k values (any k). */
INLINE void matvec_floats(chord_type t, const uint8_t *w, size_t row_bytes, const float *x, float *y, int k,
                          const int R)
{
    const int es = t == CHORD_TYPE_F32 ? 4 : 2;
    vf acc[MV_ROWS];
    UNROLL for (int r = 0; r < R; r++) acc[r] = vf_zero();
    int i = 0;
    for (; i + VL <= k; i += VL) {
        const vf xv = vf_loadu(x + i);
        UNROLL for (int r = 0; r < R; r++)
        {
            const uint8_t *p = w + r * row_bytes + (size_t)i * es;
            const vf wv = t == CHORD_TYPE_F32   ? vf_loadu((const float *)p)
                          : t == CHORD_TYPE_F16 ? vf_f16(p)
                                                : vf_bf16(p);
            acc[r] = vf_fma(wv, xv, acc[r]);
        }
    }
    UNROLL for (int r = 0; r < R; r++)
    {
        float tail[VL];
        dequant_run(t, w + r * row_bytes + (size_t)i * es, 0, k - i, tail);
        acc[r] = vf_fma(vf_load_part(tail, k - i), vf_load_part(x + i, k - i), acc[r]);
        y[r] = vf_hsum(acc[r]);
    }
}

/* Any other type: each row dequantized CHUNK values at a time, then a vector dot. */
static void matvec_dequant(chord_type t, const uint8_t *w, const float *x, float *y, int k)
{
    float buf[CHUNK];
    vf acc = vf_zero();
    for (int k0 = 0; k0 < k; k0 += CHUNK) {
        const int len = k - k0 < CHUNK ? k - k0 : CHUNK;
        dequant_run(t, w, k0, len, buf);
        int i = 0;
        for (; i + VL <= len; i += VL)
            acc = vf_fma(vf_loadu(buf + i), vf_loadu(x + k0 + i), acc);
        if (i < len)
            acc = vf_fma(vf_load_part(buf + i, len - i), vf_load_part(x + k0 + i, len - i), acc);
    }
    *y = vf_hsum(acc);
}

static void matvec(const uint8_t *w, size_t row_bytes, const float *x, float *y, const chord_matmul_args *a, int n0,
                   int n1)
{
    const chord_type t = a->wtype;
    int j = n0;
    if (fast_block(t)) {
        for (; j + MV_ROWS <= n1; j += MV_ROWS)
            matvec_blocks(t, w + j * row_bytes, row_bytes, x, y + j, a->k / 32, MV_ROWS);
        for (; j < n1; j++)
            matvec_blocks(t, w + j * row_bytes, row_bytes, x, y + j, a->k / 32, 1);
    } else if (t == CHORD_TYPE_F32 || t == CHORD_TYPE_F16 || t == CHORD_TYPE_BF16) {
        for (; j + MV_ROWS <= n1; j += MV_ROWS)
            matvec_floats(t, w + j * row_bytes, row_bytes, x, y + j, a->k, MV_ROWS);
        for (; j < n1; j++)
            matvec_floats(t, w + j * row_bytes, row_bytes, x, y + j, a->k, 1);
    } else {
        for (; j < n1; j++)
            matvec_dequant(t, w + j * row_bytes, x, y + j, a->k);
    }
}

/* ---- m > 1: W dequantized a tile at a time into f32, then a register-blocked micro-kernel ---- */

/* s[i] (4 floats) = rows xr[i] (kc values) . the NR tile rows at wt (TILE_K apart, zero past kc), i < MR. */
INLINE void gemm_micro(const float *const xr[MR], const float *wt, int kc, __m128 s[MR])
{
    vf acc[MR][NR];
    UNROLL for (int i = 0; i < MR; i++) UNROLL for (int j = 0; j < NR; j++) acc[i][j] = vf_zero();
    int l = 0;
    for (; l + VL <= kc; l += VL) {
        vf xv[MR];
        UNROLL for (int i = 0; i < MR; i++) xv[i] = vf_loadu(xr[i] + l);
        UNROLL for (int j = 0; j < NR; j++)
        {
            const vf wv = vf_loadu(wt + j * TILE_K + l);
            UNROLL for (int i = 0; i < MR; i++) acc[i][j] = vf_fma(xv[i], wv, acc[i][j]);
        }
    }
    if (l < kc) {
        vf xv[MR];
        UNROLL for (int i = 0; i < MR; i++) xv[i] = vf_load_part(xr[i] + l, kc - l);
        UNROLL for (int j = 0; j < NR; j++)
        {
            const vf wv = vf_loadu(wt + j * TILE_K + l);
            UNROLL for (int i = 0; i < MR; i++) acc[i][j] = vf_fma(xv[i], wv, acc[i][j]);
        }
    }
    UNROLL for (int i = 0; i < MR; i++) s[i] = vf_hsum4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
}

static void gemm(const uint8_t *w, size_t row_bytes, const float *x, float *y, const chord_matmul_args *a, int n0,
                 int n1)
{
    _Alignas(64) float tile[TILE_N * TILE_K]; /* (TILE_N, TILE_K) W rows j0.. values k0.., zero past nr and kc */
    const int m = a->m, n = a->n, k = a->k;
    for (int j0 = n0; j0 < n1; j0 += TILE_N) {
        const int nr = n1 - j0 < TILE_N ? n1 - j0 : TILE_N;
        for (int k0 = 0; k0 < k; k0 += TILE_K) {
            const int kc = k - k0 < TILE_K ? k - k0 : TILE_K, kpad = (kc + VL - 1) / VL * VL;
            for (int r = 0; r < TILE_N; r++) {
                if (r < nr)
                    dequant_run(a->wtype, w + (size_t)(j0 + r) * row_bytes, k0, kc, tile + r * TILE_K);
                memset(tile + r * TILE_K + (r < nr ? kc : 0), 0, (size_t)(kpad - (r < nr ? kc : 0)) * sizeof(float));
            }
            for (int i0 = 0; i0 < m; i0 += MR) {
                const float *xr[MR]; /* rows past m repeat the last one; their sums are dropped */
                for (int i = 0; i < MR; i++)
                    xr[i] = x + (size_t)(i0 + i < m ? i0 + i : m - 1) * k + k0;
                for (int jj = 0; jj < nr; jj += NR) {
                    __m128 s[MR];
                    gemm_micro(xr, tile + jj * TILE_K, kc, s);
                    for (int i = 0; i < MR && i0 + i < m; i++) {
                        float v[4], *yr = y + (size_t)(i0 + i) * n + j0 + jj;
                        _mm_storeu_ps(v, s[i]);
                        for (int j = 0; j < NR && jj + j < nr; j++)
                            yr[j] = k0 == 0 ? v[j] : yr[j] + v[j];
                    }
                }
            }
        }
    }
}

/* Y[:, n0:n1] = X W[n0:n1, :]^T: the ISA file's entry point calls this. */
static void cpu_rows(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1)
{
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if (a->m <= 0 || n1 <= n0)
        return;
    if (a->k == 0) { /* an empty sum */
        for (int i = 0; i < a->m; i++)
            memset(y + (size_t)i * a->n + n0, 0, (size_t)(n1 - n0) * sizeof(float));
        return;
    }
    if (a->m == 1)
        matvec(w, row_bytes, x, y, a, n0, n1);
    else
        gemm(w, row_bytes, x, y, a, n0, n1);
}
