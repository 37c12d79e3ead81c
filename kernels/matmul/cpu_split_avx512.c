/* cpu mat-mul on the split layouts (kernels/common/types.h: 8 GGUF blocks' quants first, 16-byte aligned, their 8
 * scales after), AVX-512: the mat-vec, and the tile decoder the GEMM of cpu_rows_simd.h calls for these types.
 *
 * Why the split layouts on a CPU: the GGUF-order mat-vec (cpu_rows_simd.h) spends per 32-value q4_0 block and row
 * a widening load, a shift and two vpermps on the quants, and a vpinsrw + vcvtph2ps + vbroadcastss on the scale:
 * 10 vector instructions, 6 of them shuffles, for 18 bytes (its disassembly in a 1B q4_0 decode profile, where
 * matvec is ~90% of the time outside loading). Here a whole 64-byte load feeds 8 vpermps directly: vpermps reads
 * only the low 4 bits of each index dword, so shifting the loaded dwords by 4 (8 times) walks all 8 nibbles of
 * each dword with no widening. The nibbles come out in the layout's order, not the values', so x is permuted once
 * per call into that order (xp, k floats shared by every row of the call); a super-block's 8 scales are converted
 * by one vcvtph2ps and spread by two vpermps. Per block and row: 2 vpermps, 2 shifts, 2 FMAs, ~0.5 for the scale.
 *
 * Dword i of the 64-byte half `half` of a q4 super-block is word i % 4 of lane 4 half + i / 4; its bits 4 u .. 4 u
 * + 3 hold the nibble of block g = 2 (i % 4) + u % 2, value 4 (4 half + i / 4) + u / 2 (types.h's order). So lane
 * i of every shift's vector lies in block 2 (i % 4) + u % 2: two scale vectors (u even, u odd) serve all 16.
 * q8_0: each 16 bytes of lane j widen (vpmovsxbd) to its words 4 h .. 4 h + 3: lane i in block 4 h + i / 4.
 *
 * Numerics: x stays f32; each lane sums its 8 (q4) or 16 (q8) products of a super-block in f32, then that partial
 * times its block's d is added to the row's running sum (as cpu_rows_simd.h's per-block partials); q4_1's
 * m x sum(x of the block) uses block sums of x computed once. W's values are the reference's exactly.
 *
 * Versions (AMD EPYC, 2 cores, AVX-512; bench-model on the synthetic llama-1b q4_0 file, -t 2, tg64 medians of 3,
 * split vs --file-layout (the GGUF path) alternated in one sitting; the host's read bandwidth on this shared
 * machine moved between 38 and 56 GB/s from minute to minute, so each pair is read against its own neighbour):
 *   expected: the GGUF mat-vec is instruction-bound at ~16 GB/s per core; 40% fewer vector instructions per block
 *      should lift decode towards the memory's rate, +10-20% where 2 cores' compute was below it.
 *   v1 x re-ordered by a scalar loop in every task: tg32 47.4, 47.0, 51.3 vs 46.6, 45.7, 49.5 tok/s (+2.5%):
 *      the re-ordering (k floats per task, 8 tasks a launch) ate most of the gain.
 *   v2 the re-ordering by 4 x 4 transposes in registers: tg64 76.3 vs 49.8 (host read 56.0 GB/s in the same
 *      minute: the split path at 95% of it, GGUF's at 62%), 55.7 vs 43.5 (read 42.9), 54.0 vs 45.2 (read 38.3);
 *      vs-llama.sh --cpu (3 sittings, load average 1.0-1.8): chord tg64 54.4 tok/s vs llama.cpp 47.2 (1.15x).
 *      Prefill unchanged (pp128 154.3 / 149.2 split vs 154.0 / 147.8 GGUF): the GEMM's tile decoder is not its cost.
 *      chord-bench -t 2 (load average 2.7-2.9, copy ceiling 33.0 GB/s in the run): q4_0_split 1x11008x4096 31.0 GB/s
 *      (94% of copy), 1x4096x11008 29.1 (88%); the GGUF q4_0 path beside it 18.3 (56%) and 16.8 (51%).
 *      Tried and left out (8 alternated bench-model tg64 pairs each, load average 2-3.5; median ratio to v2):
 *      4 KiB or 1 KiB per-row prefetch distance 0.99 / 0.96; prefetchnta 0.95; 2 or 8 pool tasks per thread
 *      instead of 4 0.94 / 0.96; weight buffers on 2 MiB transparent huge pages (madvise; 602 MB of the 1B file's
 *      663 MB did get them) 0.98; the pool's range split into pieces a quarter the size for the last quarter of
 *      the rows (the threads' spin at the end of a launch fell from 4.4% to 2.4% of a tg128 profile) 0.99: the
 *      waiting thread costs little while the other one has the memory to itself. No gain above the noise, so
 *      none kept. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "cpu_split.h"

#define INLINE static inline __attribute__((always_inline))

/* Per 128-bit lane q: out[t] lane 4 q + c = a[c] lane 4 q + t (a 4 x 4 transpose in each quarter). */
INLINE void transpose4x4(const __m512 a[4], __m512 out[4])
{
    const __m512d t0 = _mm512_castps_pd(_mm512_unpacklo_ps(a[0], a[1])), /* a0[0] a1[0] a0[1] a1[1] */
        t1 = _mm512_castps_pd(_mm512_unpackhi_ps(a[0], a[1])),           /* a0[2] a1[2] a0[3] a1[3] */
        t2 = _mm512_castps_pd(_mm512_unpacklo_ps(a[2], a[3])), t3 = _mm512_castps_pd(_mm512_unpackhi_ps(a[2], a[3]));
    out[0] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    out[1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    out[2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    out[3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
}

/* xp (k) = x in the order of the type's quants; xs (k / 32) the sum of x over each 32-value block (q4_1's m
 * term, only for q4_1). v1 of this was a scalar loop per element: with every task of a launch re-ordering its own
 * copy of x, it was ~5% of a 1B decode step; now shuffles, ~2 per 16 values. */
static void permute_x(chord_type t, const float *x, int k, float *restrict xp, float *restrict xs)
{
    for (int s = 0; s < k / CHORD_QK_SPLIT; s++) {
        const float *b = x + (size_t)s * CHORD_QK_SPLIT;
        float *o = xp + (size_t)s * CHORD_QK_SPLIT;
        if (t == CHORD_TYPE_Q8_0_SPLIT) {
            /* vector 2 j + h, quarter q: values 4 j .. 4 j + 3 of block 4 h + q */
            for (int h = 0; h < 2; h++)
                for (int j = 0; j < 8; j++) {
                    const float *p = b + 32 * 4 * h + 4 * j;
                    __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(p));
                    v = _mm512_insertf32x4(v, _mm_loadu_ps(p + 32), 1);
                    v = _mm512_insertf32x4(v, _mm_loadu_ps(p + 64), 2);
                    v = _mm512_insertf32x4(v, _mm_loadu_ps(p + 96), 3);
                    _mm512_store_ps(o + 16 * (2 * j + h), v);
                }
        } else {
            /* vector 8 half + 2 t + h, lane 4 q + c: value 16 half + 4 q + t of block 2 c + h */
            for (int half = 0; half < 2; half++)
                for (int h = 0; h < 2; h++) {
                    __m512 a[4], out[4];
                    for (int c = 0; c < 4; c++)
                        a[c] = _mm512_loadu_ps(b + 32 * (2 * c + h) + 16 * half);
                    transpose4x4(a, out);
                    for (int tt = 0; tt < 4; tt++)
                        _mm512_store_ps(o + 16 * (8 * half + 2 * tt + h), out[tt]);
                }
        }
        if (t == CHORD_TYPE_Q4_1_SPLIT)
            for (int g = 0; g < 8; g++)
                xs[s * 8 + g] =
                    _mm512_reduce_add_ps(_mm512_add_ps(_mm512_loadu_ps(b + 32 * g), _mm512_loadu_ps(b + 32 * g + 16)));
    }
}

INLINE __m512 nibble_table(chord_type t)
{
    return t == CHORD_TYPE_Q4_0_SPLIT ? _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7)
                                      : _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

/* 8 f16 at p as the low 8 floats of a vector */
INLINE __m512 halves8(const uint8_t *p)
{
    return _mm512_castps256_ps512(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)));
}

/* y[0, R) = R split rows (row_bytes apart) . x over ns super-blocks, x given as xp and xs; t a constant. */
INLINE void matvec_split(chord_type t, const uint8_t *w, size_t row_bytes, const float *xp, const float *xs, float *y,
                         int ns, const int R)
{
    const size_t sb = split_super_bytes(t), d_off = t == CHORD_TYPE_Q8_0_SPLIT ? 256 : 128; /* scales after quants */
    const __m512 table = nibble_table(t);
    /* lane i's scale: q4 d[2 (i % 4) + h], q8 d[4 h + i / 4], for the vectors of h = 0 and h = 1 */
    const __m512i idx0 = t == CHORD_TYPE_Q8_0_SPLIT ? _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)
                                                    : _mm512_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6, 0, 2, 4, 6, 0, 2, 4, 6);
    const __m512i idx1 = _mm512_add_epi32(idx0, _mm512_set1_epi32(t == CHORD_TYPE_Q8_0_SPLIT ? 4 : 1));
    __m512 total[SPLIT_MV_ROWS];
    __m256 mins[SPLIT_MV_ROWS]; /* q4_1: m[g] x (sum of x over block g), a block per lane */
    for (int r = 0; r < R; r++)
        total[r] = _mm512_setzero_ps(), mins[r] = _mm256_setzero_ps();
    for (int s = 0; s < ns; s++, xp += CHORD_QK_SPLIT, xs += 8) {
        const size_t off = (size_t)s * sb;
        split_prefetch_rows(w, row_bytes, off, sb, R);
        __m512 acc0[SPLIT_MV_ROWS], acc1[SPLIT_MV_ROWS];
        for (int r = 0; r < R; r++)
            acc0[r] = acc1[r] = _mm512_setzero_ps();
        if (t == CHORD_TYPE_Q8_0_SPLIT) {
            for (int v = 0; v < 16; v++) { /* lane v / 2's 16-byte half v % 2 */
                const __m512 xv = _mm512_load_ps(xp + 16 * v);
                for (int r = 0; r < R; r++) {
                    const __m128i q8 = _mm_loadu_si128((const __m128i *)(w + r * row_bytes + off + 16 * v));
                    const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q8));
                    if (v & 1)
                        acc1[r] = _mm512_fmadd_ps(q, xv, acc1[r]);
                    else
                        acc0[r] = _mm512_fmadd_ps(q, xv, acc0[r]);
                }
            }
        } else {
            for (int half = 0; half < 2; half++) {
                __m512i nib[SPLIT_MV_ROWS];
                for (int r = 0; r < R; r++)
                    nib[r] = _mm512_loadu_si512((const void *)(w + r * row_bytes + off + 64 * half));
                for (int u = 0; u < 8; u++) {
                    const __m512 xv = _mm512_load_ps(xp + 16 * (8 * half + u));
                    for (int r = 0; r < R; r++) {
                        const __m512 q = _mm512_permutexvar_ps(nib[r], table); /* indexes by the low 4 bits */
                        if (u & 1)
                            acc1[r] = _mm512_fmadd_ps(q, xv, acc1[r]);
                        else
                            acc0[r] = _mm512_fmadd_ps(q, xv, acc0[r]);
                        nib[r] = _mm512_srli_epi32(nib[r], 4);
                    }
                }
            }
        }
        for (int r = 0; r < R; r++) {
            const uint8_t *blk = w + r * row_bytes + off;
            const __m512 d8 = halves8(blk + d_off);
            total[r] = _mm512_fmadd_ps(acc0[r], _mm512_permutexvar_ps(idx0, d8), total[r]);
            total[r] = _mm512_fmadd_ps(acc1[r], _mm512_permutexvar_ps(idx1, d8), total[r]);
            if (t == CHORD_TYPE_Q4_1_SPLIT)
                mins[r] = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + 144))),
                                          _mm256_loadu_ps(xs), mins[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        y[r] = _mm512_reduce_add_ps(total[r]);
        if (t == CHORD_TYPE_Q4_1_SPLIT)
            y[r] += _mm512_reduce_add_ps(_mm512_zextps256_ps512(mins[r]));
    }
}

INLINE void matvec_split_rows(chord_type t, const uint8_t *w, size_t row_bytes, const float *xp, const float *xs,
                              float *y, int ns, int rows)
{
    int j = 0;
    for (; j + SPLIT_MV_ROWS <= rows; j += SPLIT_MV_ROWS)
        matvec_split(t, w + j * row_bytes, row_bytes, xp, xs, y + j, ns, SPLIT_MV_ROWS);
    for (; j < rows; j++)
        matvec_split(t, w + j * row_bytes, row_bytes, xp, xs, y + j, ns, 1);
}

void chord_matmul_cpu_split_matvec_avx512(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0,
                                          int n1)
{
    /* w: (n, k) split super-blocks; x: (1, k); y: (1, n), columns n0 .. n1 - 1 written */
    _Alignas(64) float xp[CHORD_CPU_SPLIT_MAX_K]; /* (k) x in the quants' order */
    float xs[CHORD_CPU_SPLIT_MAX_K / 32];         /* (k / 32) block sums of x */
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    const int ns = a->k / CHORD_QK_SPLIT, rows = n1 - n0;
    const uint8_t *w0 = (const uint8_t *)w + (size_t)n0 * row_bytes;
    split_prefetch_first(w0, row_bytes, rows);
    permute_x(a->wtype, x, a->k, xp, xs);
    y += n0;
    switch (a->wtype) {
    case CHORD_TYPE_Q4_0_SPLIT: matvec_split_rows(CHORD_TYPE_Q4_0_SPLIT, w0, row_bytes, xp, xs, y, ns, rows); break;
    case CHORD_TYPE_Q4_1_SPLIT: matvec_split_rows(CHORD_TYPE_Q4_1_SPLIT, w0, row_bytes, xp, xs, y, ns, rows); break;
    default: matvec_split_rows(CHORD_TYPE_Q8_0_SPLIT, w0, row_bytes, xp, xs, y, ns, rows); break;
    }
}

/* Stores the 4 128-bit pieces of v at out + stride p (p = 0..3). */
INLINE void store_pieces(float *out, int stride, __m512 v)
{
    _mm_storeu_ps(out, _mm512_extractf32x4_ps(v, 0));
    _mm_storeu_ps(out + stride, _mm512_extractf32x4_ps(v, 1));
    _mm_storeu_ps(out + 2 * stride, _mm512_extractf32x4_ps(v, 2));
    _mm_storeu_ps(out + 3 * stride, _mm512_extractf32x4_ps(v, 3));
}

/* out[0, len) = values k0 .. k0 + len - 1 of a split row in the values' order (k0, len: whole super-blocks), the
 * GEMM's f32 tile. Each 16 quant bytes widen to 16 dwords whose 4-value runs belong to 4 blocks: 4 stores each. */
void chord_matmul_cpu_split_dequant_avx512(chord_type t, const uint8_t *row, int k0, int len, float *out)
{
    const size_t sb = split_super_bytes(t);
    const __m512 table = nibble_table(t);
    const __m512i word = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3); /* lane i: word i / 4 */
    for (int s = 0; s < len / CHORD_QK_SPLIT; s++, out += CHORD_QK_SPLIT) {
        const uint8_t *b = row + (size_t)(k0 / CHORD_QK_SPLIT + s) * sb;
        if (t == CHORD_TYPE_Q8_0_SPLIT) {
            const __m512 d8 = halves8(b + 256);
            for (int h = 0; h < 2; h++) { /* words 4 h .. 4 h + 3 of each lane: blocks 4 h + i / 4 */
                const __m512 d = _mm512_permutexvar_ps(_mm512_add_epi32(word, _mm512_set1_epi32(4 * h)), d8);
                for (int j = 0; j < 8; j++) {
                    const __m128i q8 = _mm_loadu_si128((const __m128i *)(b + 32 * j + 16 * h));
                    store_pieces(out + 32 * 4 * h + 4 * j, 32,
                                 _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q8)), d));
                }
            }
            continue;
        }
        /* q4: word w's low nibbles are block 2 w, its high ones block 2 w + 1 */
        const __m512i even = _mm512_add_epi32(word, word), odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
        const __m512 d8 = halves8(b + 128);
        const __m512 d_lo = _mm512_permutexvar_ps(even, d8), d_hi = _mm512_permutexvar_ps(odd, d8);
        __m512 m_lo = _mm512_setzero_ps(), m_hi = _mm512_setzero_ps();
        if (t == CHORD_TYPE_Q4_1_SPLIT) {
            const __m512 m8 = halves8(b + 144);
            m_lo = _mm512_permutexvar_ps(even, m8), m_hi = _mm512_permutexvar_ps(odd, m8);
        }
        for (int j = 0; j < 8; j++) {
            const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(b + 16 * j)));
            const __m512 lo = _mm512_permutexvar_ps(v, table),
                         hi = _mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), table);
            /* lanes 4 p .. 4 p + 3: values 4 j .. 4 j + 3 of blocks 2 p (lo) and 2 p + 1 (hi) */
            store_pieces(out + 4 * j, 64,
                         t == CHORD_TYPE_Q4_1_SPLIT ? _mm512_fmadd_ps(lo, d_lo, m_lo) : _mm512_mul_ps(lo, d_lo));
            store_pieces(out + 32 + 4 * j, 64,
                         t == CHORD_TYPE_Q4_1_SPLIT ? _mm512_fmadd_ps(hi, d_hi, m_hi) : _mm512_mul_ps(hi, d_hi));
        }
    }
}
