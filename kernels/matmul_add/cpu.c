/* matmul_add on the cpu backend: the matmul core (../matmul/cpu_rows.h) for a piece of W's rows into a buffer on the
 * stack, then R + that piece into Y, in one task of the pool: one launch (one wake-up and one wait of the pool)
 * instead of two, and the add reads the projection from L1.
 * Numerics: the projection is the matmul core's (within matmul's bound), the add one f32 rounding, as add's. */
#include "../common/cpu_launch.h"
#include "../matmul/cpu_rows.h"
#include "matmul_add.h"

#define P_FLOATS 8192 /* the stack buffer of the projection: (m, rows) of a sub-piece */

static void fused_rows(const chord_cpu_job *j, int64_t n0, int64_t n1)
{
    const chord_matmul_add_args *a = j->args;
    const float *r = j->t[0];    /* (m, n) */
    const uint8_t *w = j->t[1];  /* (n, k) of wtype */
    const float *x = j->t[2];    /* (m, k) */
    float *y = j->t[3];          /* (m, n), may be r */
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    const int step = P_FLOATS / a->m; /* rows per sub-piece; m <= P_FLOATS (chord_matmul_add_cpu) */
    float p[P_FLOATS];                /* (m, r1 - r0) W rows r0 .. r1 - 1 . X */
    for (int r0 = (int)n0; r0 < n1; r0 += step) {
        const int r1 = n1 - r0 < step ? (int)n1 : r0 + step, nr = r1 - r0;
        const chord_matmul_args pa = {a->m, nr, a->k, a->wtype}; /* W rows r0 .. r1 - 1 as a matrix of their own */
        chord_matmul_cpu_rows(j->isa, w + (size_t)r0 * row_bytes, x, p, &pa, 0, nr);
        for (int i = 0; i < a->m; i++)
            for (int c = 0; c < nr; c++)
                y[(size_t)i * a->n + r0 + c] = r[(size_t)i * a->n + r0 + c] + p[(size_t)i * nr + c];
    }
}

chord_status chord_matmul_add_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_add_args *a = args;
    CHORD_TRY(chord_matmul_cpu_check("matmul_add", ctx, a));
    if (a->m > P_FLOATS)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cpu matmul_add: m = %d rows (at most %d)", a->m, P_FLOATS);
    if (!t || a->m == 0 || a->n == 0)
        return CHORD_OK;
    /* R (m, n), W (n, k), X (m, k), Y (m, n): pieces of W rows, as matmul's */
    return chord_cpu_launch_items(ctx, t, 4, a, a->n, chord_matmul_cpu_min_rows(a), 4, fused_rows);
}
