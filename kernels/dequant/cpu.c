/* dequant on the cpu backend: the reference's exact arithmetic (the op is defined bit for bit), on whole blocks in
 * pieces over the pool. The model uses it for one embedding row per token, so the pieces are what matters here.
 * Measured: 16M: q4_0/q4_1/q8_0 11.0-11.8 GB/s (30-32% of the copy), f16 4.7, bf16 7.3, q6_K 6.9: the reference's
 * scalar code (chord-bench, AVX-512 machine of 2 cores at load average ~1.5, copy ceiling 37 GB/s in the same run). */
#include "../common/cpu_launch.h"
#include "dequant.h"

static void dequant_values(const chord_cpu_job *j, int64_t i0, int64_t i1)
{
    const chord_dequant_args *a = j->args; /* i0, i1: multiples of the block size (but the end) */
    const chord_type_traits *ti = chord_type_info(a->type);
    const chord_dequant_args piece = {a->type, i1 - i0};
    const unsigned char *src = j->t[0]; /* (n / block_size) blocks */
    chord_dequant_reference(src + (size_t)(i0 / ti->block_size) * ti->type_size, (float *)j->t[1] + i0, &piece);
}

chord_status chord_dequant_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_dequant_args *a = args;
    const chord_type_traits *ti = chord_type_info(a->type);
    if (!chord_dequant_supported(a->type) || ti->block_size <= 0 || a->n % ti->block_size != 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cpu dequant: type %s, %lld values", ti->name, (long long)a->n);
    if (!t)
        return CHORD_OK;
    const int64_t align = ti->block_size > 16 ? ti->block_size : 16; /* whole blocks, whole cache lines of DST */
    return chord_cpu_launch_items(ctx, t, 2, a, a->n, 65536, align, dequant_values); /* SRC, DST (n) f32 */
}
