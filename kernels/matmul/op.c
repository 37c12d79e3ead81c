/* matmul's descriptor (matmul_tiled shares its contract, counts, fills and bounds) and its cases: decode
 * (m = 1), prefill batches, every weight type the model files use. */
#include "../ops.h"
#include "matmul.h"

const char *chord_matmul_check(const void *args)
{
    const chord_matmul_args *a = args;
    if (a->m < 0 || a->n < 0 || a->k < 0)
        return "negative m, n or k";
    if (!chord_whole_blocks(a->wtype, a->k))
        return "k is not whole blocks of the weight type";
    return NULL;
}

size_t chord_matmul_tensor_bytes(const void *args, int i)
{
    const chord_matmul_args *a = args;
    if (i == 0)
        return a->n > 0 && a->k > 0 ? chord_type_row_bytes(a->wtype, a->k) * (size_t)a->n : 0;
    return i == 1 ? chord_f32_bytes((int64_t)a->m * a->k) : chord_f32_bytes((int64_t)a->m * a->n);
}

double chord_matmul_flops(const void *args)
{
    const chord_matmul_args *a = args;
    return 2.0 * a->m * a->n * a->k;
}

void chord_matmul_fill(const chord_case *c, int i, void *host, size_t bytes, uint64_t *rng)
{
    const chord_matmul_args *a = c->args;
    if (i == 0)
        chord_fill_weights(a->wtype, (int64_t)a->n * a->k, host, rng);
    else
        chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), rng, -1, 1);
}

void chord_matmul_reference_t(void *const t[], const void *args) { chord_matmul_reference(t[0], t[1], t[2], args); }

#define SMALL(name_, m_, n_, k_, type_)                                       \
    {                                                                         \
        .op = CHORD_OP_MATMUL, .name = name_, .size = CHORD_CASE_SMALL,       \
        .args = CHORD_ARGS(chord_matmul_args, m_, n_, k_, CHORD_TYPE_##type_) \
    }
#define BENCH_ONLY(name_, m_, n_, k_, type_)                                  \
    {                                                                         \
        .op = CHORD_OP_MATMUL, .name = name_, .size = CHORD_CASE_HUGE,        \
        .args = CHORD_ARGS(chord_matmul_args, m_, n_, k_, CHORD_TYPE_##type_) \
    }
#define LARGE(name_, m_, n_, k_, type_)                                       \
    {                                                                         \
        .op = CHORD_OP_MATMUL, .name = name_, .size = CHORD_CASE_LARGE,       \
        .args = CHORD_ARGS(chord_matmul_args, m_, n_, k_, CHORD_TYPE_##type_) \
    }

static const chord_case cases[] = {
    SMALL("f32 1x1x1", 1, 1, 1, F32),
    SMALL("f32 1x577x579", 1, 577, 579, F32),
    SMALL("f32 7x129x255", 7, 129, 255, F32),
    SMALL("f32 33x65x1000", 33, 65, 1000, F32),
    SMALL("f16 3x97x160", 3, 97, 160, F16),
    SMALL("bf16 3x97x160", 3, 97, 160, BF16),
    SMALL("q4_0 1x577x576", 1, 577, 576, Q4_0),
    SMALL("q4_0 5x129x2048", 5, 129, 2048, Q4_0),
    SMALL("q4_1 1x1536x576", 1, 1536, 576, Q4_1),
    SMALL("q4_1 9x67x1536", 9, 67, 1536, Q4_1),
    SMALL("q5_0 2x99x320", 2, 99, 320, Q5_0),
    SMALL("q5_1 2x99x320", 2, 99, 320, Q5_1),
    SMALL("q8_0 1x577x576", 1, 577, 576, Q8_0),
    SMALL("q8_0 4x200x1024", 4, 200, 1024, Q8_0),
    SMALL("q4_K 2x33x512", 2, 33, 512, Q4_K),
    SMALL("q5_K 2x33x512", 2, 33, 512, Q5_K),
    SMALL("q6_K 2x33x768", 2, 33, 768, Q6_K),
    LARGE("q4_0 1x11008x4096", 1, 11008, 4096, Q4_0),
    LARGE("q4_1 1x4096x11008", 1, 4096, 11008, Q4_1),
    LARGE("q8_0 1x11008x4096", 1, 11008, 4096, Q8_0),
    LARGE("f32 1x4096x4096", 1, 4096, 4096, F32),
    /* both decode shapes of a 7B's FFN for each format the split layouts serve, and the split forms themselves
     * (types.h): odd n, one super-block rows (k = 256), batched m through the generic decoder */
    LARGE("q4_0 1x4096x11008", 1, 4096, 11008, Q4_0),
    LARGE("q4_1 1x11008x4096", 1, 11008, 4096, Q4_1),
    LARGE("q8_0 1x4096x11008", 1, 4096, 11008, Q8_0),
    SMALL("q4_0_split 1x577x512", 1, 577, 512, Q4_0_SPLIT),
    SMALL("q4_0_split 3x129x768", 3, 129, 768, Q4_0_SPLIT),
    SMALL("q4_1_split 1x1537x256", 1, 1537, 256, Q4_1_SPLIT),
    SMALL("q4_1_split 5x67x1536", 5, 67, 1536, Q4_1_SPLIT),
    SMALL("q8_0_split 1x579x1280", 1, 579, 1280, Q8_0_SPLIT),
    SMALL("q8_0_split 4x200x1024", 4, 200, 1024, Q8_0_SPLIT),
    /* prompt batches on the split forms take the tensor-core GEMM (m >= 16): odd m and n (partial tiles on both
     * sides), k of one super-block, and the 7B's prefill shapes */
    SMALL("q4_0_split 16x1x256", 16, 1, 256, Q4_0_SPLIT),
    SMALL("q4_0_split 37x131x768", 37, 131, 768, Q4_0_SPLIT),
    SMALL("q4_1_split 70x67x1536", 70, 67, 1536, Q4_1_SPLIT),
    SMALL("q8_0_split 65x200x1024", 65, 200, 1024, Q8_0_SPLIT),
    LARGE("q4_0_split 512x4096x4096", 512, 4096, 4096, Q4_0_SPLIT),
    LARGE("q4_1_split 512x11008x4096", 512, 11008, 4096, Q4_1_SPLIT),
    LARGE("q8_0_split 512x4096x11008", 512, 4096, 11008, Q8_0_SPLIT),
    BENCH_ONLY("q4_0_split 4096x4096x4096", 4096, 4096, 4096, Q4_0_SPLIT), /* the square shape cuBLAS is known by */
    LARGE("q4_0_split 1x11008x4096", 1, 11008, 4096, Q4_0_SPLIT),
    LARGE("q4_0_split 1x4096x11008", 1, 4096, 11008, Q4_0_SPLIT),
    LARGE("q4_0_split 1x4096x4096", 1, 4096, 4096, Q4_0_SPLIT), /* the 7B's attention projections */
    LARGE("q4_1_split 1x11008x4096", 1, 11008, 4096, Q4_1_SPLIT),
    LARGE("q4_1_split 1x4096x11008", 1, 4096, 11008, Q4_1_SPLIT),
    LARGE("q8_0_split 1x11008x4096", 1, 11008, 4096, Q8_0_SPLIT),
    LARGE("q8_0_split 1x4096x11008", 1, 4096, 11008, Q8_0_SPLIT),
};

CHORD_DEFINE_OP(matmul, .n_tensors = 3, .check = chord_matmul_check, .tensor_bytes = chord_matmul_tensor_bytes,
                .flops = chord_matmul_flops, .reference = chord_matmul_reference_t, CHORD_OP_CASES(cases),
                .fill = chord_matmul_fill, .tolerance = CHORD_MATMUL_TOLERANCE);
