/* The body of the cpu mat-mul rows, written once over a small vector vocabulary that cpu_rows_avx2.c and
 * cpu_rows_avx512.c define before including this file (so each copy compiles with its own ISA flags):
 *   vf, VL             a vector of VL floats; NV = 32 / VL vectors hold one 32-value GGUF block
 *   vf_zero(), vf_set1(f), vf_loadu(p), vf_load_part(p, n) (n < VL values, the rest 0), vf_storeu(p, v),
 *   vf_add, vf_mul, vf_fma(a, b, c) = a * b + c, vf_hsum(v), vf_hsum4(a, b, c, d) (an __m128 of the 4 sums)
 *   vf_f16(p), vf_bf16(p)  VL halves / bfloats to f32
 *   dec_q4(qs, off8, q[NV])  the 32 nibbles of 16 bytes (low nibbles then high, as q4_0/q4_1 order them) as
 *                            floats, minus 8 when off8; dec_q8(qs, q[NV]) 32 signed bytes as floats
 *   dec_field(p, shift, mask, out[NV / 2])  the 16 bytes' (p[l] >> shift) & mask as floats
 *   dec_bits32(bits, out[NV])                bit i of bits as 0.0 or 1.0
 *   MR                 rows of X per GEMM micro-kernel (the register budget decides)
 *   SPLIT_DEQUANT      optional: (t, row, k0, len, out) decodes a split-layout row's values into the GEMM's tile
 *                      (cpu_split_avx2.c's / cpu_split_avx512.c's); without it the reference's decoders do
 * Paths: m = 1 streams W once, q4_0/q4_1/q8_0 decoded in registers (the dot is d * sum(q x) + m * sum(x) per
 * block), f32/f16/bf16 converted in registers, other types dequantized to f32 a chunk at a time; m > 1 dequantizes
 * a tile of W rows to f32 once and runs a register-blocked micro-kernel over every row of X.
 * Numerics: X stays f32, every sum is an f32 FMA chain; W's f32 values equal the reference's (a multiply-add of
 * d q + m rounded once where the reference may round twice). */
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
#define SUM_RUN \
    256 /* values a mat-vec sums into a fresh partial before adding it to the row's total: f32 error
                     * then grows with the partials' count, not k (k = 11008 rows otherwise miss the bound) */

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

/* The block types the mat-vec decodes in registers; the others are dequantized to f32 first. */
INLINE int fast_block(chord_type t) { return t == CHORD_TYPE_Q4_0 || t == CHORD_TYPE_Q4_1 || t == CHORD_TYPE_Q8_0; }

/* Bytes of one block of a fast block type: a constant where t is one. */
INLINE size_t block_bytes(chord_type t)
{
    return t == CHORD_TYPE_Q4_0   ? sizeof(chord_block_q4_0)
           : t == CHORD_TYPE_Q4_1 ? sizeof(chord_block_q4_1)
                                  : sizeof(chord_block_q8_0);
}

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

/* out[0, len) = the 32-value blocks at src in f32 (t a fast block type, a constant where this is inlined). */
INLINE void dequant_blocks(chord_type t, const uint8_t *src, int len, float *out)
{
    for (int i = 0; i < len; i += 32, src += block_bytes(t)) {
        vf q[NV];
        float d, m;
        dec_block(t, src, q, &d, &m);
        UNROLL for (int v = 0; v < NV; v++) vf_storeu(
            out + i + v * VL, t == CHORD_TYPE_Q4_1 ? vf_fma(q[v], vf_set1(d), vf_set1(m)) : vf_mul(q[v], vf_set1(d)));
    }
}

/* Where a decoder's f32 values go: stored at out + o (dequant), or, fused, multiplied by x[o] into one of 4
 * independent sums (the mat-vec of the types that are not decoded whole in registers). */
typedef struct value_sink {
    float *out;
    const float *x;
    vf acc[4];
} value_sink;

INLINE void sink_put(value_sink *snk, const int fused, int o, int c, vf v)
{
    if (fused)
        snk->acc[c & 3] = vf_fma(v, vf_loadu(snk->x + o), snk->acc[c & 3]);
    else
        vf_storeu(snk->out + o, v);
}

/* q5_0 / q5_1 block: q = nibble + 16 * (bit j of qh for value j); q5_0's y = d (q - 16) is d q + (-16 d), exact. */
INLINE void dequant_q5(chord_type t, const uint8_t *b, value_sink *snk, const int fused)
{
    const int has_min = t == CHORD_TYPE_Q5_1;
    const float d = half_at(b), m = has_min ? half_at(b + 2) : -16.0f * d;
    uint32_t qh;
    memcpy(&qh, b + 2 + 2 * has_min, 4);
    vf high[NV], lo[NV / 2], hi[NV / 2];
    dec_bits32(qh, high);
    dec_field(b + 6 + 2 * has_min, 0, 15, lo);
    dec_field(b + 6 + 2 * has_min, 4, 15, hi);
    UNROLL for (int v = 0; v < NV / 2; v++)
    {
        sink_put(snk, fused, v * VL, v, vf_fma(vf_fma(high[v], vf_set1(16), lo[v]), vf_set1(d), vf_set1(m)));
        sink_put(snk, fused, 16 + v * VL, v + 2,
                 vf_fma(vf_fma(high[NV / 2 + v], vf_set1(16), hi[v]), vf_set1(d), vf_set1(m)));
    }
}

/* q4_K / q5_K super-block: 8 sub-blocks of 32, sub-block s scaled by d * sc[s] and shifted by -dmin * mn[s], the
 * 6-bit pairs packed as kernels/dequant/ref.c's scale_min_k4 reads them. */
INLINE void dequant_q45_K(chord_type t, const uint8_t *b, value_sink *snk, const int fused)
{
    const int five = t == CHORD_TYPE_Q5_K;
    const float d = half_at(b), dmin = half_at(b + 2);
    const uint8_t *sc = b + 4, *qh = b + 16, *q = b + (five ? 48 : 16);
    for (int s = 0; s < 8; s += 2, q += 32) {
        float ds[2], ms[2];
        for (int u = 0; u < 2; u++) {
            const int j = s + u, lo6 = j < 4;
            ds[u] = d * (float)(lo6 ? sc[j] & 63 : (sc[j + 4] & 15) | (sc[j - 4] >> 6) << 4);
            ms[u] = dmin * (float)(lo6 ? sc[j + 4] & 63 : (sc[j + 4] >> 4) | (sc[j] >> 6) << 4);
        }
        UNROLL for (int h = 0; h < 2; h++)
        { /* values 16 h .. 16 h + 15 of both sub-blocks */
            vf lo[NV / 2], hi[NV / 2], b5[NV / 2], b6[NV / 2];
            dec_field(q + 16 * h, 0, 15, lo);
            dec_field(q + 16 * h, 4, 15, hi);
            if (five) {
                dec_field(qh + 16 * h, s, 1, b5);
                dec_field(qh + 16 * h, s + 1, 1, b6);
            }
            UNROLL for (int v = 0; v < NV / 2; v++)
            {
                const vf q0 = five ? vf_fma(b5[v], vf_set1(16), lo[v]) : lo[v];
                const vf q1 = five ? vf_fma(b6[v], vf_set1(16), hi[v]) : hi[v];
                const int o = 32 * s + 16 * h + v * VL;
                sink_put(snk, fused, o, 2 * h, vf_fma(q0, vf_set1(ds[0]), vf_set1(-ms[0])));
                sink_put(snk, fused, o + 32, 2 * h + 1, vf_fma(q1, vf_set1(ds[1]), vf_set1(-ms[1])));
            }
        }
    }
}

/* q6_K super-block: value l + 32 g of each 128 has its low 4 bits in ql[l + 32 (g & 1)] (high nibble for g >= 2),
 * its top 2 in qh[l] >> 2 g, scale sc[l / 16 + 2 g]; y = (d sc) (q - 32) in the reference's order. */
INLINE void dequant_q6_K(const uint8_t *b, value_sink *snk, const int fused)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    const float d = half_at(b + 208);
    for (int h = 0; h < 2; h++, ql += 64, qh += 32, sc += 8)
        UNROLL for (int g = 0; g < 4; g++) for (int l = 0; l < 32; l += 16)
        {
            vf lo[NV / 2], top[NV / 2];
            dec_field(ql + 32 * (g & 1) + l, g >= 2 ? 4 : 0, 15, lo);
            dec_field(qh + l, 2 * g, 3, top);
            const float scale = d * (float)sc[l / 16 + 2 * g];
            UNROLL for (int v = 0; v < NV / 2; v++)
                sink_put(snk, fused, 128 * h + 32 * g + l + v * VL, g,
                         vf_mul(vf_fma(top[v], vf_set1(16), vf_add(lo[v], vf_set1(-32))), vf_set1(scale)));
        }
}

/* One block of a type the decoders above serve (q5_0, q5_1, q4_K, q5_K, q6_K) into snk: its values, or with
 * fused their products with snk's x. */
INLINE void dequant_q5_or_K(chord_type t, const uint8_t *b, value_sink *snk, const int fused)
{
    if (t == CHORD_TYPE_Q6_K)
        dequant_q6_K(b, snk, fused);
    else if (t == CHORD_TYPE_Q4_K || t == CHORD_TYPE_Q5_K)
        dequant_q45_K(t, b, snk, fused);
    else
        dequant_q5(t, b, snk, fused);
}

/* out[0, len) = W row values k0 .. k0 + len - 1 in f32 (k0 and len whole blocks, len <= TILE_K): the vector
 * decoders above, the reference's for the split layouts. */
static void dequant_run(chord_type t, const uint8_t *row, int k0, int len, float *out)
{
    const chord_type_traits *tr = chord_type_info(t);
    const uint8_t *src = row + (size_t)(k0 / tr->block_size) * tr->type_size;
    int i = 0;
    switch (t) {
    case CHORD_TYPE_Q4_0: dequant_blocks(CHORD_TYPE_Q4_0, src, len, out); break;
    case CHORD_TYPE_Q4_1: dequant_blocks(CHORD_TYPE_Q4_1, src, len, out); break;
    case CHORD_TYPE_Q8_0: dequant_blocks(CHORD_TYPE_Q8_0, src, len, out); break;
    case CHORD_TYPE_F32: memcpy(out, src, (size_t)len * sizeof(float)); break;
    case CHORD_TYPE_F16:
        for (; i + VL <= len; i += VL)
            vf_storeu(out + i, vf_f16(src + 2 * i));
        for (; i < len; i++)
            out[i] = half_at(src + 2 * i);
        break;
    case CHORD_TYPE_BF16:
        for (; i + VL <= len; i += VL)
            vf_storeu(out + i, vf_bf16(src + 2 * i));
        for (; i < len; i++)
            out[i] = chord_bf16_to_f32((chord_bf16)(src[2 * i] | src[2 * i + 1] << 8));
        break;
    case CHORD_TYPE_Q5_0:
    case CHORD_TYPE_Q5_1:
    case CHORD_TYPE_Q4_K:
    case CHORD_TYPE_Q5_K:
    case CHORD_TYPE_Q6_K:
        for (; i < len; i += tr->block_size, src += tr->type_size) {
            value_sink snk = {out + i, NULL, {vf_zero(), vf_zero(), vf_zero(), vf_zero()}};
            dequant_q5_or_K(t, src, &snk, 0);
        }
        break;
    default: /* the split layouts: the ISA file's decoder where it has one (SPLIT_DEQUANT), else the reference's
              * own decoders, CHUNK values at a time */
#ifdef SPLIT_DEQUANT
        if (chord_type_info(t)->internal) {
            SPLIT_DEQUANT(t, row, k0, len, out);
            break;
        }
#endif
        for (; i < len; i += CHUNK) {
            const chord_dequant_args da = {t, len - i < CHUNK ? len - i : CHUNK};
            chord_dequant_reference(src + (size_t)(i / tr->block_size) * tr->type_size, out + i, &da);
        }
    }
}

/* ---- m = 1: mat-vec, every weight byte read once, R rows sharing each x load ---- */

/* R consecutive rows are read side by side, each at one row's pace: each row's stream is prefetched
 * PREFETCH_ROW bytes ahead of where that row is read, carrying on into the same row of the next R-row group once
 * the row ends (the hardware prefetcher alone left the q4_0 mat-vec at a third of the read bandwidth). v1 of this
 * prefetched the R rows as one run 8 KiB ahead at R times the pace, which is ahead of every row only while
 * R rows fit in 8 KiB: at k = 11008 (6192-byte q4_0 rows) rows 1-3 were fetched late and the mat-vec read 65.6%
 * of the host read against 81.5% at k = 4096. Prefetches past the buffer's end do not fault. */
#define PREFETCH_BYTES 8192 /* the floats' and the split layouts' run prefetch, and the first run's ramp */
#define PREFETCH_ROW 2048   /* per row of a block-type group: R x 2 KiB in flight */
INLINE void prefetch_ahead(const uint8_t *p, int bytes)
{
    for (int o = 0; o < bytes; o += 64)
        _mm_prefetch((const char *)p + PREFETCH_BYTES + o, _MM_HINT_T0);
}

/* Row r's stream of a group at byte off of its row (rows row_bytes apart, groups R rows apart): the line
 * PREFETCH_ROW bytes further along it. */
INLINE void prefetch_rows(const uint8_t *w, size_t row_bytes, size_t off, const int R)
{
    size_t o = off + PREFETCH_ROW, g = 0;
    if (o >= row_bytes)
        g = o / row_bytes, o -= g * row_bytes;
    UNROLL for (int r = 0; r < R; r++) _mm_prefetch((const char *)w + (g * R + r) * row_bytes + o, _MM_HINT_T0);
}

/* y[0, R) = W rows (row_bytes apart) . x over nb 32-value blocks of a fast block type. */
INLINE void matvec_blocks(chord_type t, const uint8_t *w, size_t row_bytes, const float *x, float *y, int nb,
                          const int R)
{
    const size_t bb = block_bytes(t);
    vf acc[MV_ROWS];
    UNROLL for (int r = 0; r < R; r++) acc[r] = vf_zero();
    for (int b0 = 0; b0 < nb; b0 += SUM_RUN / 32) {
        vf part[MV_ROWS];
        UNROLL for (int r = 0; r < R; r++) part[r] = vf_zero();
        for (int b = b0; b < nb && b < b0 + SUM_RUN / 32; b++) {
            if (2 * bb > 64 || (b & 1) == 0) /* a prefetch per 2 blocks (36 or 40 bytes), per q8_0 block */
                prefetch_rows(w, row_bytes, (size_t)b * bb, R);
            vf xv[NV];
            UNROLL for (int v = 0; v < NV; v++) xv[v] = vf_loadu(x + 32 * b + v * VL);
            vf sx = xv[0];
            UNROLL for (int v = 1; v < NV; v++) sx = vf_add(sx, xv[v]);
            UNROLL for (int r = 0; r < R; r++)
            {
                const uint8_t *blk = w + r * row_bytes + b * bb;
                vf q[NV];
                float d, m;
                dec_block(t, blk, q, &d, &m);
                vf dot = vf_mul(q[0], xv[0]);
                UNROLL for (int v = 1; v < NV; v++) dot = vf_fma(q[v], xv[v], dot);
                part[r] = vf_fma(dot, vf_set1(d), part[r]);
                if (t == CHORD_TYPE_Q4_1)
                    part[r] = vf_fma(sx, vf_set1(m), part[r]);
            }
        }
        UNROLL for (int r = 0; r < R; r++) acc[r] = vf_add(acc[r], part[r]);
    }
    UNROLL for (int r = 0; r < R; r++) y[r] = vf_hsum(acc[r]);
}

/* The same for f32, f16 and bf16 rows of k values (any k). */
INLINE void matvec_floats(chord_type t, const uint8_t *w, size_t row_bytes, const float *x, float *y, int k,
                          const int R)
{
    const int es = t == CHORD_TYPE_F32 ? 4 : 2;
    vf acc[MV_ROWS];
    UNROLL for (int r = 0; r < R; r++) acc[r] = vf_zero();
    int i = 0;
    while (i + VL <= k) {
        vf part[MV_ROWS];
        UNROLL for (int r = 0; r < R; r++) part[r] = vf_zero();
        for (const int end = k - i < SUM_RUN ? k : i + SUM_RUN; i + VL <= end; i += VL) {
            prefetch_ahead(w + (size_t)i * R * es, R * VL * es);
            const vf xv = vf_loadu(x + i);
            UNROLL for (int r = 0; r < R; r++)
            {
                const uint8_t *p = w + r * row_bytes + (size_t)i * es;
                const vf wv = t == CHORD_TYPE_F32   ? vf_loadu((const float *)p)
                              : t == CHORD_TYPE_F16 ? vf_f16(p)
                                                    : vf_bf16(p);
                part[r] = vf_fma(wv, xv, part[r]);
            }
        }
        UNROLL for (int r = 0; r < R; r++) acc[r] = vf_add(acc[r], part[r]);
    }
    UNROLL for (int r = 0; r < R; r++)
    {
        float tail[VL];
        dequant_run(t, w + r * row_bytes + (size_t)i * es, 0, k - i, tail);
        acc[r] = vf_fma(vf_load_part(tail, k - i), vf_load_part(x + i, k - i), acc[r]);
        y[r] = vf_hsum(acc[r]);
    }
}

/* The split layouts (block size 256): R rows dequantized CHUNK values at a time into L1, then dots sharing
 * each x load, R independent sums. */
INLINE void matvec_dequant(chord_type t, const uint8_t *w, size_t row_bytes, const float *x, float *y, int k,
                           const int R)
{
    _Alignas(64) float buf[MV_ROWS][CHUNK]; /* R rows' values k0 .. k0 + len - 1 */
    vf acc[MV_ROWS];
    UNROLL for (int r = 0; r < R; r++) acc[r] = vf_zero();
    for (int k0 = 0; k0 < k; k0 += CHUNK) {
        const int len = k - k0 < CHUNK ? k - k0 : CHUNK; /* whole blocks of 32 or 256: a multiple of VL */
        const size_t run = chord_type_row_bytes(t, len);
        prefetch_ahead(w + (size_t)(k0 / CHUNK) * run * R, (int)run * R);
        for (int r = 0; r < R; r++)
            dequant_run(t, w + r * row_bytes, k0, len, buf[r]);
        vf part[MV_ROWS];
        UNROLL for (int r = 0; r < R; r++) part[r] = vf_zero();
        for (int i = 0; i < len; i += VL) {
            const vf xv = vf_loadu(x + k0 + i);
            UNROLL for (int r = 0; r < R; r++) part[r] = vf_fma(vf_loadu(buf[r] + i), xv, part[r]);
        }
        UNROLL for (int r = 0; r < R; r++) acc[r] = vf_add(acc[r], part[r]);
    }
    UNROLL for (int r = 0; r < R; r++) y[r] = vf_hsum(acc[r]);
}

/* q5_0, q5_1 and the K-quants: a row at a time, each block decoded to registers and multiplied by x at once. */
INLINE void matvec_decoded(chord_type t, const uint8_t *w, const float *x, float *y, int k)
{
    const chord_type_traits *tr = chord_type_info(t);
    value_sink snk = {NULL, x, {vf_zero(), vf_zero(), vf_zero(), vf_zero()}};
    vf total = vf_zero();
    for (int i = 0; i < k;) {
        for (const int end = k - i < SUM_RUN ? k : i + SUM_RUN; i < end;
             i += tr->block_size, w += tr->type_size, snk.x += tr->block_size) {
            prefetch_ahead(w, (int)tr->type_size);
            dequant_q5_or_K(t, w, &snk, 1);
        }
        total = vf_add(total, vf_add(vf_add(snk.acc[0], snk.acc[1]), vf_add(snk.acc[2], snk.acc[3])));
        snk.acc[0] = snk.acc[1] = snk.acc[2] = snk.acc[3] = vf_zero();
    }
    *y = vf_hsum(total);
}

INLINE void matvec_decoded_rows(chord_type t, const uint8_t *w, size_t row_bytes, const float *x, float *y, int k,
                                int rows)
{
    for (int j = 0; j < rows; j++)
        matvec_decoded(t, w + j * row_bytes, x, y + j, k);
}

/* W rows n0 .. n1 - 1 (from w) . x, MV_ROWS at a time (t a constant where this is inlined). */
INLINE void matvec_rows(chord_type t, const uint8_t *w, size_t row_bytes, const float *x, float *y, int k, int rows)
{
    const int blocks = fast_block(t);
    int j = 0;
    for (; j + MV_ROWS <= rows; j += MV_ROWS)
        if (blocks)
            matvec_blocks(t, w + j * row_bytes, row_bytes, x, y + j, k / 32, MV_ROWS);
        else
            matvec_floats(t, w + j * row_bytes, row_bytes, x, y + j, k, MV_ROWS);
    for (; j < rows; j++)
        if (blocks)
            matvec_blocks(t, w + j * row_bytes, row_bytes, x, y + j, k / 32, 1);
        else
            matvec_floats(t, w + j * row_bytes, row_bytes, x, y + j, k, 1);
}

static void matvec(const uint8_t *w, size_t row_bytes, const float *x, float *y, const chord_matmul_args *a, int n0,
                   int n1)
{
    w += (size_t)n0 * row_bytes, y += n0;
    const int k = a->k, rows = n1 - n0;
    const size_t ramp = (size_t)rows * row_bytes < PREFETCH_BYTES ? (size_t)rows * row_bytes : PREFETCH_BYTES;
    for (size_t o = 0; o < ramp; o += 64) /* the run's first bytes, which the loop's prefetches do not cover */
        _mm_prefetch((const char *)w + o, _MM_HINT_T0);
    for (int r = 0; r < MV_ROWS && r < rows; r++) /* and each row's first bytes where the group outgrows the ramp */
        for (size_t o = 0; o < PREFETCH_ROW && o < row_bytes && (size_t)r * row_bytes + o >= ramp; o += 64)
            _mm_prefetch((const char *)w + (size_t)r * row_bytes + o, _MM_HINT_T0);
    switch (a->wtype) {
    case CHORD_TYPE_Q4_0: matvec_rows(CHORD_TYPE_Q4_0, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_Q4_1: matvec_rows(CHORD_TYPE_Q4_1, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_Q8_0: matvec_rows(CHORD_TYPE_Q8_0, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_F32: matvec_rows(CHORD_TYPE_F32, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_F16: matvec_rows(CHORD_TYPE_F16, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_BF16: matvec_rows(CHORD_TYPE_BF16, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_Q5_0: matvec_decoded_rows(CHORD_TYPE_Q5_0, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_Q5_1: matvec_decoded_rows(CHORD_TYPE_Q5_1, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_Q4_K: matvec_decoded_rows(CHORD_TYPE_Q4_K, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_Q5_K: matvec_decoded_rows(CHORD_TYPE_Q5_K, w, row_bytes, x, y, k, rows); break;
    case CHORD_TYPE_Q6_K: matvec_decoded_rows(CHORD_TYPE_Q6_K, w, row_bytes, x, y, k, rows); break;
    default: { /* the split layouts */
        int j = 0;
        for (; j + MV_ROWS <= rows; j += MV_ROWS)
            matvec_dequant(a->wtype, w + j * row_bytes, row_bytes, x, y + j, k, MV_ROWS);
        for (; j < rows; j++)
            matvec_dequant(a->wtype, w + j * row_bytes, row_bytes, x, y + j, k, 1);
    }
    }
}

/* ---- m > 1: W dequantized a tile at a time into f32, then a register-blocked micro-kernel ---- */

/* s[i] (4 floats) = rows xr[i] (kc values) . the NR tile rows at wt (TILE_K apart, zero past kc), i < MR.
 * The sums go in GEMM_KF-value pieces: each lane's chain of FMAs restarts every piece and the pieces' horizontal
 * sums are added in order. One chain over the tile (64 FMAs a lane with AVX-512, 128 with AVX2) put 2 (AVX-512)
 * and 11 (AVX2) of the 2M outputs of the case table's q8_0_split 512x4096x11008 outside the bound (1.4x); in
 * 256-value pieces the worst is 0.82-0.86 of it on both. 1B q4_0 pp128 A/B (-t 2, load 0.8): 98.9 / 126.1 tok/s one
 * chain, 116.0 / 130.2 pieces: no cost above this machine's noise. */
#define GEMM_KF 256 /* a multiple of VL */
INLINE void gemm_micro(const float *const xr[MR], const float *wt, int kc, __m128 s[MR])
{
    vf acc[MR][NR];
    UNROLL for (int i = 0; i < MR; i++) s[i] = _mm_setzero_ps();
    for (int c0 = 0; c0 < kc; c0 += GEMM_KF) {
        const int ce = kc - c0 < GEMM_KF ? kc : c0 + GEMM_KF;
        UNROLL for (int i = 0; i < MR; i++) UNROLL for (int j = 0; j < NR; j++) acc[i][j] = vf_zero();
        int l = c0;
        for (; l + VL <= ce; l += VL) {
            vf xv[MR];
            UNROLL for (int i = 0; i < MR; i++) xv[i] = vf_loadu(xr[i] + l);
            UNROLL for (int j = 0; j < NR; j++)
            {
                const vf wv = vf_loadu(wt + j * TILE_K + l);
                UNROLL for (int i = 0; i < MR; i++) acc[i][j] = vf_fma(xv[i], wv, acc[i][j]);
            }
        }
        if (l < ce) { /* only in the last piece: GEMM_KF is a multiple of VL */
            vf xv[MR];
            UNROLL for (int i = 0; i < MR; i++) xv[i] = vf_load_part(xr[i] + l, ce - l);
            UNROLL for (int j = 0; j < NR; j++)
            {
                const vf wv = vf_loadu(wt + j * TILE_K + l);
                UNROLL for (int i = 0; i < MR; i++) acc[i][j] = vf_fma(xv[i], wv, acc[i][j]);
            }
        }
        UNROLL for (int i = 0; i < MR; i++) s[i] = _mm_add_ps(s[i], vf_hsum4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
    }
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
