/* matmul_qkv on the cpu backend.
 * m = 1 (a decode step): one task of the pool over the three matrices' rows as one run (WQ's, WK's, WV's), in pieces
 * of whole heads: a piece runs the matmul core (../matmul/cpu_rows.h) on its rows of each matrix it covers, then
 * turns its heads of Q and K with the cpu rope's own code (chord_rope_cpu_span) for the one token. One launch (one wake-up and one wait of the pool) instead of five, with each head still in L1 when it
 * turns. Numerics: the matmul core's and the cpu rope's, so the composition's to the bit.
 * Expected: a few pool wake-ups and waits fewer per layer, a few % of a decode step on SmolLM2-135M.
 * Measured (SmolLM2-135M-Instruct Q4_1, bench-model tg64 -t 2 -r 3, 8 alternated pairs CHORD_QKV_FUSED=1 vs 0 on a
 * 2-core Xeon with AVX-512, load average ~0.9): median ratio 1.12 (0.88 .. 1.35), 6 of 8 pairs faster.
 * m > 1: the composition of the cpu backend's own launchers, three matmuls and two ropes, in order. */
#include "../common/cpu_launch.h"
#include "../matmul/cpu_rows.h"
#include "../rope/cpu_rope.h"
#include "matmul_qkv.h"

chord_launcher chord_matmul_cpu, chord_rope_cpu;

static void qkv_rows(const chord_cpu_job *j, int64_t i0, int64_t i1)
{
    const chord_matmul_qkv_args *a = j->args;
    const int64_t n_q = (int64_t)a->n_head * a->head_dim, n_kv = (int64_t)a->n_head_kv * a->head_dim;
    const int64_t base[3] = {0, n_q, n_q + n_kv}, rows[3] = {n_q, n_kv, n_kv};
    for (int p = 0; p < 3; p++) { /* the piece's rows of matrix p: whole heads (the pieces align to head_dim) */
        const int64_t r0 = i0 - base[p] > 0 ? i0 - base[p] : 0, r1 = i1 - base[p] < rows[p] ? i1 - base[p] : rows[p];
        if (r0 >= r1)
            continue;
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        float *y = j->t[4 + p]; /* (1, rows[p]) */
        chord_matmul_cpu_rows(j->isa, j->t[p], j->t[3], y, &ma, (int)r0, (int)r1);
        if (p < 2) { /* its heads as a tensor of their own: one token of (r1 - r0) / head_dim heads */
            chord_rope_args ra = chord_matmul_qkv_rope(a, p);
            ra.n_head = (int)((r1 - r0) / a->head_dim);
            chord_rope_cpu_span(y + r0, y + r0, &ra, 0, 1);
        }
    }
}

chord_status chord_matmul_qkv_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_qkv_args *a = args;
    for (int p = 0; p < 3; p++) { /* support: every part */
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        CHORD_TRY(chord_matmul_cpu(ctx, NULL, &ma));
    }
    for (int p = 0; p < 2; p++) {
        const chord_rope_args ra = chord_matmul_qkv_rope(a, p);
        CHORD_TRY(chord_rope_cpu(ctx, NULL, &ra));
    }
    if (!t)
        return CHORD_OK;
    if (a->m == 1 && a->head_dim > 0) {
        const chord_matmul_args mq = chord_matmul_qkv_matmul(a, 0);
        const int64_t total = (int64_t)(a->n_head + 2 * a->n_head_kv) * a->head_dim;
        if (total == 0)
            return CHORD_OK;
        /* pieces of whole heads, a multiple of 4 rows as the matmul core's other users take */
        const int64_t align = a->head_dim % 4 == 0 ? a->head_dim : 4 * (int64_t)a->head_dim;
        return chord_cpu_launch_items(ctx, t, 7, a, total, chord_matmul_cpu_min_rows(&mq), align, qkv_rows);
    }
    for (int p = 0; p < 3; p++) { /* WQ/WK/WV, X, Q/K/V: matmul's W, X, Y */
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        const chord_tensor mt[3] = {t[p], t[3], t[4 + p]};
        CHORD_TRY(chord_matmul_cpu(ctx, mt, &ma));
        if (p < 2) { /* rope in place on the projection */
            const chord_rope_args ra = chord_matmul_qkv_rope(a, p);
            const chord_tensor rt[2] = {t[4 + p], t[4 + p]};
            CHORD_TRY(chord_rope_cpu(ctx, rt, &ra));
        }
    }
    return CHORD_OK;
}
