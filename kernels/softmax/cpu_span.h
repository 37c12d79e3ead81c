/* softmax's rows on the cpu backend, the one C body each SIMD path compiles (cpu.c portable, cpu_avx2.c,
 * cpu_avx512.c): per row the max of scale * x over the valid columns, the exps (cpu_math.h's) in float and their sum in
 * double, one division per row, zeros past the causal limit.
 * Measured: 4096x4096: 8.6 GB/s, 37% of the copy (16% before the max went into lanes) (chord-bench, AVX-512 machine of
 * 2 cores at load average ~1.5, copy ceiling 23.5 GB/s in that run). */
#ifndef CHORD_SOFTMAX_CPU_SPAN_H
#define CHORD_SOFTMAX_CPU_SPAN_H

#include <math.h>

#include "../common/cpu_launch.h"
#include "../common/cpu_math.h"
#include "softmax.h"

#define CHORD_SOFTMAX_LANES 8

static inline void softmax_rows(const chord_cpu_job *j, int64_t r0, int64_t r1)
{
    const float *x = j->t[0]; /* (n_rows, n_cols) */
    float *y = j->t[1];       /* (n_rows, n_cols), may alias x */
    const chord_softmax_args *a = j->args;
    const int rpp = a->rows_per_pos > 0 ? a->rows_per_pos : 1;
    const float scale = a->scale;
    for (int64_t r = r0; r < r1; r++) {
        const float *xr = x + (size_t)r * a->n_cols; /* x[c] is read before y[c] is written */
        float *yr = y + (size_t)r * a->n_cols;
        long long n_valid = a->n_cols;
        if (a->causal) {
            const long long limit = (long long)a->pos0 + r / rpp;
            n_valid = limit + 1 < a->n_cols ? limit + 1 : a->n_cols;
            n_valid = n_valid < 0 ? 0 : n_valid;
        }
        float lane_max[CHORD_SOFTMAX_LANES], max = -INFINITY; /* lanes of selects: SIMD max, unlike fmaxf */
        for (int l = 0; l < CHORD_SOFTMAX_LANES; l++)
            lane_max[l] = -INFINITY;
        long long c = 0;
        for (; c + CHORD_SOFTMAX_LANES <= n_valid; c += CHORD_SOFTMAX_LANES)
            for (int l = 0; l < CHORD_SOFTMAX_LANES; l++) {
                const float v = scale * xr[c + l];
                lane_max[l] = v > lane_max[l] ? v : lane_max[l];
            }
        for (; c < n_valid; c++)
            max = scale * xr[c] > max ? scale * xr[c] : max;
        for (int l = 0; l < CHORD_SOFTMAX_LANES; l++)
            max = lane_max[l] > max ? lane_max[l] : max;
        for (long long c = 0; c < n_valid; c++)
            yr[c] = chord_cpu_expf(scale * xr[c] - max);
        double sum[CHORD_SOFTMAX_LANES] = {0}; /* in double: a float sum of 49k terms drifts past the bound */
        c = 0;
        for (; c + CHORD_SOFTMAX_LANES <= n_valid; c += CHORD_SOFTMAX_LANES)
            for (int l = 0; l < CHORD_SOFTMAX_LANES; l++)
                sum[l] += yr[c + l];
        for (; c < n_valid; c++)
            sum[0] += yr[c];
        for (int l = 1; l < CHORD_SOFTMAX_LANES; l++)
            sum[0] += sum[l];
        const float inv = (float)(1.0 / sum[0]);
        for (long long c = 0; c < n_valid; c++)
            yr[c] *= inv;
        for (long long c = n_valid; c < a->n_cols; c++)
            yr[c] = 0.0f;
    }
}

void chord_softmax_rows_avx2(const chord_cpu_job *j, int64_t r0, int64_t r1);
void chord_softmax_rows_avx512(const chord_cpu_job *j, int64_t r0, int64_t r1);

#endif
