/* matmul on the cpu backend: W's rows split in chunks over the pool, each chunk computed by the matmul core
 * (cpu_rows.h) for every row of X. A chunk is a multiple of 4 rows (one tile of the portable path, whole cache
 * lines of Y) and there are about 4 per thread, so a thread the machine delays holds up a small piece only.
 * The split layouts (types.h) are taken where the AVX2 or AVX-512 path runs them (cpu_split_avx2.c,
 * cpu_split_avx512.c: the model then keeps q4_0/q4_1/q8_0 matrices with k a multiple of 256 in them, its decode
 * faster); the portable path refuses them, so the model keeps GGUF's there. */
#include "../common/cpu_launch.h"
#include "../dequant/dequant.h"
#include "cpu_rows.h"

/* Multiply-adds a chunk holds at least, below which a wake-up costs more than sharing the work saves. SmolLM2 Q4_1
 * decode, portable path, 2 threads (load average ~1.6 on the 2 cores): 16 Ki 31.1 tok/s, 64 Ki 29.8-30.1, 256 Ki
 * 24.4, 1 Mi 20.6; with two busy loops beside it 64 Ki and 256 Ki both ran 16-17 tok/s (one thread: 11-13). */
#define MIN_MACS 65536

static void matmul_rows(const chord_cpu_job *j, int64_t n0, int64_t n1)
{
    chord_matmul_cpu_rows(j->isa, j->t[0], j->t[1], j->t[2], j->args, (int)n0, (int)n1); /* W, X, Y */
}

chord_status chord_matmul_cpu_check(const char *op, void *ctx, const chord_matmul_args *a)
{
    const chord_type_traits *ti = chord_type_info(a->wtype);
    /* the split layouts where the AVX2 or AVX-512 path has their own mat-vec (cpu_split_avx2.c,
     * cpu_split_avx512.c); elsewhere GGUF's. A path runs only where its file was built (CHORD_CPU_HAVE_*). */
    const chord_cpu_isa isa = chord_cpu_ctx_isa(ctx);
    int split_isa = 0;
#ifdef CHORD_CPU_HAVE_AVX2
    split_isa |= isa == CHORD_CPU_AVX2;
#endif
#ifdef CHORD_CPU_HAVE_AVX512
    split_isa |= isa == CHORD_CPU_AVX512;
#endif
    (void)isa;
    const int split_ok = split_isa && a->k % CHORD_QK_SPLIT == 0 && a->k <= CHORD_CPU_SPLIT_MAX_K;
    if (!chord_dequant_supported(a->wtype) || (ti->internal && !split_ok))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cpu %s: weight type %s", op, ti->name);
    return CHORD_OK;
}

int64_t chord_matmul_cpu_min_rows(const chord_matmul_args *a)
{
    const int64_t per_row = (int64_t)a->m * a->k > 0 ? (int64_t)a->m * a->k : 1;
    return (MIN_MACS + per_row - 1) / per_row;
}

#ifdef CHORD_CPU_HAVE_AVX512
/* The opt-in 8-bit-activation GEMM (cpu_q8_avx512.c): X quantized into the ctx's scratch, rows over the pool, then
 * W's rows over the pool against it. */
typedef struct q8_job {
    chord_matmul_args a;
    void *x8; /* (m, k / 256) quantized X blocks */
} q8_job;

static void q8_quantize_rows(const chord_cpu_job *j, int64_t i0, int64_t i1)
{
    const q8_job *q = j->args;
    chord_matmul_cpu_q8_quantize_avx512(j->t[1], q->x8, &q->a, (int)i0, (int)i1); /* X */
}

static void q8_gemm_rows(const chord_cpu_job *j, int64_t n0, int64_t n1)
{
    const q8_job *q = j->args;
    chord_matmul_cpu_q8_gemm_avx512(j->t[0], q->x8, j->t[2], &q->a, (int)n0, (int)n1); /* W, Y */
}

/* Whether this launch takes the 8-bit path: asked for, a prefill shape of a type it serves, and VNNI. */
static int q8_path(void *ctx, const chord_matmul_args *a)
{
    return chord_cpu_ctx_q8_act(ctx) && a->m > 1 && chord_cpu_ctx_isa(ctx) == CHORD_CPU_AVX512 &&
           chord_cpu_has_vnni() && (a->wtype == CHORD_TYPE_Q4_0_SPLIT || a->wtype == CHORD_TYPE_Q4_1_SPLIT) &&
           a->k > 0 && a->k % CHORD_QK_SPLIT == 0 && a->k <= CHORD_CPU_SPLIT_MAX_K;
}

static chord_status q8_launch(void *ctx, const chord_tensor *t, const chord_matmul_args *a)
{
    q8_job q = {*a, chord_cpu_ctx_scratch(ctx, chord_matmul_cpu_q8_bytes(a))};
    if (!q.x8)
        return chord_fail(CHORD_ERR_NOMEM, "cpu matmul: no host memory for %zu bytes of 8-bit activations",
                          chord_matmul_cpu_q8_bytes(a));
    CHORD_TRY(chord_cpu_launch_items(ctx, t, 3, &q, a->m, (65536 + a->k - 1) / a->k, 1, q8_quantize_rows));
    return chord_cpu_launch_items(ctx, t, 3, &q, a->n, chord_matmul_cpu_min_rows(a), 4, q8_gemm_rows);
}
#endif

chord_status chord_matmul_cpu_launch(const char *op, void *ctx, const chord_tensor *t, const chord_matmul_args *a)
{
    CHORD_TRY(chord_matmul_cpu_check(op, ctx, a));
    if (!t || a->m == 0 || a->n == 0)
        return CHORD_OK;
#ifdef CHORD_CPU_HAVE_AVX512
    if (q8_path(ctx, a))
        return q8_launch(ctx, t, a);
#endif
    return chord_cpu_launch_items(ctx, t, 3, a, a->n, chord_matmul_cpu_min_rows(a), 4, matmul_rows);
}

chord_status chord_matmul_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_matmul_cpu_launch("matmul", ctx, t, args); /* W (n, k) of wtype, X (m, k), Y (m, n) */
}
