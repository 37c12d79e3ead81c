/* dequant on the cpu backend: the reference's exact arithmetic (the op is defined bit for bit), on whole blocks in
 * pieces over the pool. The model uses it for one embedding row per token, so the pieces are what matters here. */
#include "../common/cpu_launch.h"
#include "dequant.h"

typedef struct dequant_job {
    const unsigned char *src;
    float *dst;
    const chord_dequant_args *a;
    size_t block_bytes;
    int block_size;
} dequant_job;

static void dequant_range(void *arg, int64_t i0, int64_t i1)
{
    const dequant_job *j = arg; /* i0, i1: values, multiples of the block size (but the end) */
    const chord_dequant_args piece = {j->a->type, i1 - i0};
    chord_dequant_reference(j->src + (size_t)(i0 / j->block_size) * j->block_bytes, j->dst + i0, &piece);
}

chord_status chord_dequant_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_dequant_args *a = args;
    const chord_type_traits *ti = chord_type_info(a->type);
    if (!chord_dequant_supported(a->type) || ti->block_size <= 0 || a->n % ti->block_size != 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cpu dequant: type %s, %lld values", ti->name, (long long)a->n);
    if (!t)
        return CHORD_OK;
    dequant_job j = {chord_cpu_ptr(t[0]), chord_cpu_ptr(t[1]), a, ti->type_size, ti->block_size}; /* SRC, DST (n) */
    const int64_t align = ti->block_size > 16 ? ti->block_size : 16; /* whole blocks, whole cache lines of DST */
    chord_cpu_parallel_range(chord_cpu_ctx_pool(ctx), a->n, 65536, align, dequant_range, &j);
    return CHORD_OK;
}
