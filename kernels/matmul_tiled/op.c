/* matmul_tiled's descriptor: matmul's contract, counts, fills and bounds; its truth is the plain product
 * (chord_matmul_reference), so a tiled kernel is checked against the untiled definition. Cases: f32 GEMMs with odd
 * edges around every tile size. */
#include "../ops.h"
#include "matmul_tiled.h"

#define CASE(size_, name_, m_, n_, k_)                                    \
    {                                                                     \
        .op = CHORD_OP_MATMUL_TILED, .name = name_, .size = size_,        \
        .args = CHORD_ARGS(chord_matmul_args, m_, n_, k_, CHORD_TYPE_F32) \
    }
#define SMALL(name_, m_, n_, k_) CASE(CHORD_CASE_SMALL, name_, m_, n_, k_)
#define LARGE(name_, m_, n_, k_) CASE(CHORD_CASE_LARGE, name_, m_, n_, k_)
#define BENCH_ONLY(name_, m_, n_, k_) CASE(CHORD_CASE_HUGE, name_, m_, n_, k_)

static const chord_case cases[] = {
    SMALL("f32 1x1x1", 1, 1, 1),
    SMALL("f32 31x17x47", 31, 17, 47),
    SMALL("f32 1x577x579", 1, 577, 579),
    SMALL("f32 67x129x255", 67, 129, 255),
    SMALL("f32 128x128x128", 128, 128, 128),
    SMALL("f32 257x263x129", 257, 263, 129),
    LARGE("f32 512x576x576", 512, 576, 576),
    /* enough tiles that GPU backends pick their largest tile: full tiles, then ragged edges with odd k */
    LARGE("f32 1664x1664x264", 1664, 1664, 264),
    LARGE("f32 1664x1664x272", 1664, 1664, 272), /* k % 16 == 0: CUDA's BK=16 kernels */
    LARGE("f32 1537x1543x515", 1537, 1543, 515),
    BENCH_ONLY("f32 4096x4096x4096", 4096, 4096, 4096),
};

CHORD_DEFINE_OP(matmul_tiled, .n_tensors = 3, .check = chord_matmul_check, .tensor_bytes = chord_matmul_tensor_bytes,
                .flops = chord_matmul_flops, .reference = chord_matmul_reference_t, CHORD_OP_CASES(cases),
                .fill = chord_matmul_fill, .tolerance = CHORD_MATMUL_TOLERANCE);
