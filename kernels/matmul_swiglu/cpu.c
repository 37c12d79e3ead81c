/* matmul_swiglu on the cpu backend: the matmul core (../matmul/cpu_rows.h) for a piece of WG's rows into Y, the
 * same rows of WU into a buffer on the stack, then swiglu's span over the piece, all in one task of the pool. So a
 * decode step's FFN pays one launch (one wake-up and one wait of the pool) for gate, up and SwiGLU instead of
 * three, and the piece's gate and up outputs are still in L1 when SwiGLU reads them.
 * Numerics: each projection is the matmul core's (within matmul's bound), SwiGLU the cpu swiglu's (float exp): the
 * composition of the cpu backend's own matmul and swiglu, which the op's bound (op.c) allows for.
 * Expected: a decode step of the 1B q4_0 file launches 113 matmuls; this takes 16 launches off (and the swiglu
 * ones), worth ~1-3% where a pool wake-up and wait cost a few microseconds. Measured (bench-model tg64 -t 2, 8
 * alternated pairs CHORD_FFN_FUSED=1 vs 0, load average 1.3-1.6, the host's read bandwidth moving 38-56 GB/s):
 * median ratio 0.99 (0.67 .. 1.20): within this machine's noise, neither gain nor loss resolved. */
#include "../common/cpu_launch.h"
#include "../matmul/cpu_rows.h"
#include "../swiglu/cpu_span.h"
#include "matmul_swiglu.h"

#define UP_FLOATS 8192 /* the stack buffer of the up projection: (m, rows) of a sub-piece */

static void fused_rows(const chord_cpu_job *j, int64_t n0, int64_t n1)
{
    const chord_matmul_swiglu_args *a = j->args;
    const chord_cpu_span_fn span = chord_cpu_pick_span(j->isa, swiglu_span, CHORD_CPU_AVX2(chord_swiglu_span_avx2),
                                                       CHORD_CPU_AVX512(chord_swiglu_span_avx512));
    const uint8_t *wu = j->t[1]; /* (n, k) of wtype */
    const float *x = j->t[2];    /* (m, k) */
    float *y = j->t[3];          /* (m, n) */
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    const int step = UP_FLOATS / a->m; /* rows per sub-piece; m <= UP_FLOATS (chord_matmul_swiglu_cpu) */
    float up[UP_FLOATS];               /* (m, r1 - r0) WU rows r0 .. r1 - 1 . X */
    for (int r0 = (int)n0; r0 < n1; r0 += step) {
        const int r1 = n1 - r0 < step ? (int)n1 : r0 + step, nr = r1 - r0;
        const chord_matmul_args ua = {a->m, nr, a->k, a->wtype}; /* WU rows r0 .. r1 - 1 as a matrix of their own */
        chord_matmul_cpu_rows(j->isa, j->t[0], x, y, a, r0, r1);
        chord_matmul_cpu_rows(j->isa, wu + (size_t)r0 * row_bytes, x, up, &ua, 0, nr);
        for (int i = 0; i < a->m; i++)
            span(y + (size_t)i * a->n + r0, up + (size_t)i * nr, y + (size_t)i * a->n + r0, nr);
    }
}

chord_status chord_matmul_swiglu_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_swiglu_args *a = args;
    CHORD_TRY(chord_matmul_cpu_check("matmul_swiglu", ctx, a));
    if (a->m > UP_FLOATS)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cpu matmul_swiglu: m = %d rows (at most %d)", a->m, UP_FLOATS);
    if (!t || a->m == 0 || a->n == 0)
        return CHORD_OK;
    /* WG (n, k), WU (n, k), X (m, k), Y (m, n): pieces of W rows, each with twice matmul's work per row */
    const int64_t min_rows = (chord_matmul_cpu_min_rows(a) + 1) / 2;
    return chord_cpu_launch_items(ctx, t, 4, a, a->n, min_rows, 4, fused_rows);
}
