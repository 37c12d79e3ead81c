/* The ref backend: host memory and the scalar references, so the reference runs through the
 * same interface as every device and serves as the last choice of `auto`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"

struct chord_buf {
    size_t bytes;
    unsigned char *data;
};

typedef struct ref_ctx {
    struct timespec t0;
} ref_ctx;

#define PTR(t) ((void *)((t).buf->data + (t).offset))

/* Threads for the matmul reference. Each output is still computed by the one reference function in the same
 * order, so results are bit-identical for any count; threads only make --verify on 7B shapes affordable. */
static int ref_threads(void)
{
    const char *env = getenv("CHORD_REF_THREADS");
    long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
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

/* One row of X: slices of W rows write disjoint runs of Y. Several rows of X: slices of X rows. */
static void matmul_threaded(void (*fn)(const void *, const float *, float *, const chord_matmul_args *),
                            const void *w, const float *x, float *y, const chord_matmul_args *a)
{
    const int by_w = a->m == 1;
    const int rows = by_w ? a->n : a->m;
    int nt = (double)a->m * a->n * a->k < 4e6 ? 1 : ref_threads(); /* small products: threads cost more */
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

static chord_status ref_probe(chord_device_info *devs, int max, int *n_out)
{
    if (max > 0) {
        devs[0].software = 1;
        strcpy(devs[0].name, "host CPU (scalar C reference)");
        snprintf(devs[0].detail, sizeof devs[0].detail,
                 "defines every op; matmul outputs split over %d threads (CHORD_REF_THREADS)", ref_threads());
        const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE); /* host memory: malloc's */
        devs[0].mem_bytes = devs[0].max_alloc_bytes = pages > 0 && page > 0 ? (unsigned long long)pages * page : 0;
    }
    *n_out = 1;
    return CHORD_OK;
}

static chord_status ref_init(int device, void **ctx_out)
{
    (void)device;
    ref_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return chord_fail(CHORD_ERR_NOMEM, "ref: out of host memory");
    *ctx_out = c;
    return CHORD_OK;
}

static void ref_shutdown(void *ctx)
{
    free(ctx);
}

static chord_status ref_alloc(void *ctx, size_t bytes, chord_buf **out)
{
    (void)ctx;
    chord_buf *b = malloc(sizeof *b);
    unsigned char *d = malloc(bytes);
    if (!b || !d) {
        free(b);
        free(d);
        return chord_fail(CHORD_ERR_NOMEM, "ref: cannot allocate %zu bytes", bytes);
    }
    b->bytes = bytes;
    b->data = d;
    *out = b;
    return CHORD_OK;
}

static void ref_free(void *ctx, chord_buf *b)
{
    (void)ctx;
    free(b->data);
    free(b);
}

static size_t ref_buf_bytes(const chord_buf *b)
{
    return b->bytes;
}

static chord_status ref_upload(void *ctx, chord_buf *dst, size_t off, const void *src, size_t bytes)
{
    (void)ctx;
    memcpy(dst->data + off, src, bytes);
    return CHORD_OK;
}

static chord_status ref_download(void *ctx, const chord_buf *src, size_t off, void *dst, size_t bytes)
{
    (void)ctx;
    memcpy(dst, src->data + off, bytes);
    return CHORD_OK;
}

static chord_status ref_copy(void *ctx, chord_buf *dst, size_t doff, const chord_buf *src, size_t soff,
                             size_t bytes)
{
    (void)ctx;
    memmove(dst->data + doff, src->data + soff, bytes);
    return CHORD_OK;
}

static chord_status ref_sync(void *ctx)
{
    (void)ctx;
    return CHORD_OK;
}

static chord_status ref_timer_start(void *ctx)
{
    clock_gettime(CLOCK_MONOTONIC, &((ref_ctx *)ctx)->t0);
    return CHORD_OK;
}

static chord_status ref_timer_stop(void *ctx, double *ms)
{
    struct timespec t1, *t0 = &((ref_ctx *)ctx)->t0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ms = (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-6;
    return CHORD_OK;
}

static int ref_supports(void *ctx, chord_op op, const void *args)
{
    (void)ctx;
    if (op == CHORD_OP_DEQUANT)
        return chord_dequant_supported(((const chord_dequant_args *)args)->type);
    if (op == CHORD_OP_MATMUL || op == CHORD_OP_MATMUL_TILED)
        return chord_dequant_supported(((const chord_matmul_args *)args)->wtype);
    return 1;
}

static chord_status op_matmul(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    matmul_threaded(chord_matmul_ref, PTR(t[0]), PTR(t[1]), PTR(t[2]), a);
    return CHORD_OK;
}

static chord_status op_matmul_tiled(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    matmul_threaded(chord_matmul_tiled_ref, PTR(t[0]), PTR(t[1]), PTR(t[2]), a);
    return CHORD_OK;
}

static chord_status op_rmsnorm(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    chord_rmsnorm_ref(PTR(t[0]), PTR(t[1]), PTR(t[2]), a);
    return CHORD_OK;
}

static chord_status op_softmax(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    chord_softmax_ref(PTR(t[0]), PTR(t[1]), a);
    return CHORD_OK;
}

static chord_status op_rope(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    chord_rope_ref(PTR(t[0]), PTR(t[1]), a);
    return CHORD_OK;
}

static chord_status op_dequant(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    if (chord_dequant_ref(PTR(t[0]), PTR(t[1]), a) != 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref: dequant of this type or size is not supported");
    return CHORD_OK;
}

static chord_status op_add(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    chord_add_ref(PTR(t[0]), PTR(t[1]), PTR(t[2]), a);
    return CHORD_OK;
}

static chord_status op_swiglu(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    chord_swiglu_ref(PTR(t[0]), PTR(t[1]), PTR(t[2]), a);
    return CHORD_OK;
}

static chord_status op_attention(void *ctx, const chord_tensor *t, const void *a)
{
    (void)ctx;
    chord_attention_ref(PTR(t[0]), PTR(t[1]), PTR(t[2]), PTR(t[3]), a);
    return CHORD_OK;
}

const chord_backend chord_backend_ref = {
    .name = "ref",
    .probe = ref_probe,
    .init = ref_init,
    .shutdown = ref_shutdown,
    .alloc = ref_alloc,
    .free = ref_free,
    .buf_bytes = ref_buf_bytes,
    .upload = ref_upload,
    .download = ref_download,
    .copy = ref_copy,
    .sync = ref_sync,
    .timer_start = ref_timer_start,
    .timer_stop = ref_timer_stop,
    .supports = ref_supports,
    .ops =
        {
            [CHORD_OP_MATMUL] = op_matmul,
            [CHORD_OP_MATMUL_TILED] = op_matmul_tiled,
            [CHORD_OP_RMSNORM] = op_rmsnorm,
            [CHORD_OP_SOFTMAX] = op_softmax,
            [CHORD_OP_ROPE] = op_rope,
            [CHORD_OP_DEQUANT] = op_dequant,
            [CHORD_OP_ADD] = op_add,
            [CHORD_OP_SWIGLU] = op_swiglu,
            [CHORD_OP_ATTENTION] = op_attention,
        },
};
