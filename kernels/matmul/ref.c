/* matmul reference: Y = X W^T with each weight row dequantized by the dequant reference and every
 * dot product accumulated in double (products of two floats are exact in double), stored as float.
 * W rows are dequantized in chunks of whole blocks into a stack buffer so the reference needs no
 * allocation; the k order of the sum is ascending, which matmul_tiled's reference repeats exactly. */
#include <math.h>
#include <pthread.h>

#include "matmul.h"
#include "../common/ref_launch.h"
#include "../dequant/dequant.h"

#define CHUNK 256 /* values per dequantized chunk: a multiple of every block size (1, 32, 256) */

int chord_matmul_reference_runs(const chord_matmul_args *a, float *y)
{
    if (chord_dequant_supported(a->wtype) && (chord_type_row_bytes(a->wtype, a->k) != 0 || a->k == 0))
        return 1;
    for (int64_t i = 0; i < (int64_t)a->m * a->n; i++)
        y[i] = NAN;
    return 0;
}

/* Y = X W^T and, with s set, S = |X| |W|^T in the same pass over W: the sums of |w x| that bound a dot's rounding
 * in any order */
static void matmul_rows(const void *w, const float *x, float *y, float *s, const chord_matmul_args *a)
{
    /* w: (n, k) of wtype; x: (m, k) f32; y, s: (m, n) f32 */
    const unsigned char *wb = w;
    const chord_type_traits *t = chord_type_info(a->wtype);
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if (!chord_matmul_reference_runs(a, y))
        return;
    const size_t chunk_bytes = (size_t)(CHUNK / t->block_size) * t->type_size;
    float wrow[CHUNK];
    for (int i = 0; i < a->m; i++) {
        const float *xi = x + (size_t)i * a->k;
        for (int j = 0; j < a->n; j++) {
            const unsigned char *wj = wb + (size_t)j * row_bytes;
            double acc = 0.0, mag = 0.0;
            for (int k0 = 0; k0 < a->k; k0 += CHUNK) {
                const int len = a->k - k0 < CHUNK ? a->k - k0 : CHUNK;
                const chord_dequant_args da = {a->wtype, len};
                chord_dequant_reference(wj + (size_t)(k0 / CHUNK) * chunk_bytes, wrow, &da);
                if (s)
                    for (int l = 0; l < len; l++) {
                        const double p = (double)wrow[l] * (double)xi[k0 + l];
                        acc += p;
                        mag += fabs(p);
                    }
                else
                    for (int l = 0; l < len; l++)
                        acc += (double)wrow[l] * (double)xi[k0 + l];
            }
            y[(size_t)i * a->n + j] = (float)acc;
            if (s)
                s[(size_t)i * a->n + j] = (float)mag;
        }
    }
}

void chord_matmul_reference(const void *w, const float *x, float *y, const chord_matmul_args *a)
{
    matmul_rows(w, x, y, NULL, a);
}

void chord_matmul_magnitude(const void *w, const float *x, float *y, float *s, const chord_matmul_args *a)
{
    matmul_rows(w, x, y, s, a);
}

typedef struct matmul_slice {
    void (*fn)(const void *, const float *, float *, const chord_matmul_args *);
    const unsigned char *w;
    const float *x;
    float *y;
    chord_matmul_args a;
} matmul_slice;

static void *matmul_slice_run(void *p)
{
    matmul_slice *s = p;
    s->fn(s->w, s->x, s->y, &s->a);
    return NULL;
}

/* One row of X: slices of W rows write disjoint runs of Y. Several rows of X: slices of X rows. Threads only make
 * --verify on 7B shapes affordable. */
void chord_matmul_threaded(void (*fn)(const void *, const float *, float *, const chord_matmul_args *), const void *w,
                           const float *x, float *y, const chord_matmul_args *a)
{
    const int by_w = a->m == 1;
    const int rows = by_w ? a->n : a->m;
    int nt = (double)a->m * a->n * a->k < 4e6 ? 1 : chord_ref_threads(); /* small products: threads cost more */
    if (nt > rows)
        nt = rows > 0 ? rows : 1;
    matmul_slice sl[64];
    pthread_t th[64];
    int started[64] = {0};
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    for (int i = 0; i < nt; i++) {
        const int r0 = (int)((int64_t)rows * i / nt), r1 = (int)((int64_t)rows * (i + 1) / nt);
        sl[i] = (matmul_slice){fn, w, x, y, *a};
        if (by_w) {
            sl[i].w += (size_t)r0 * row_bytes;
            sl[i].y += r0;
            sl[i].a.n = r1 - r0;
        } else {
            sl[i].x += (size_t)r0 * a->k;
            sl[i].y += (size_t)r0 * a->n;
            sl[i].a.m = r1 - r0;
        }
        /* slice 0 runs on this thread; a thread that cannot start runs its slice here too */
        if (i > 0 && pthread_create(&th[i], NULL, matmul_slice_run, &sl[i]) == 0)
            started[i] = 1;
    }
    for (int i = 0; i < nt; i++)
        if (i == 0 || !started[i])
            matmul_slice_run(&sl[i]);
    for (int i = 1; i < nt; i++)
        if (started[i])
            pthread_join(th[i], NULL);
}

chord_status chord_matmul_ref(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_args *a = args;
    (void)ctx;
    if (!chord_dequant_supported(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref matmul: weight type %s", chord_type_info(a->wtype)->name);
    if (t) /* W (n, k) of wtype, X (m, k), Y (m, n) */
        chord_matmul_threaded(chord_matmul_reference, chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), chord_ref_ptr(t[2]), a);
    return CHORD_OK;
}
