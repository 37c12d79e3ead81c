/* matmul_qkv, Vulkan launcher: the decode step's Q, K and V projections (m = 1) on the split layouts, Q and K with
 * RoPE (NORMAL pairs) in the split GEMV's store (kernels/matmul_qkv/vulkan.comp), V as matmul's split GEMV: three
 * dispatches. Other shapes, types and modes are refused, and the model then records matmul three times and rope
 * twice. */
#include "../matmul/vulkan_split.h"
#include "matmul_qkv.h"

chord_status chord_matmul_qkv_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_matmul_qkv_args *a = args;
    if (a->mode != CHORD_ROPE_NORMAL || a->head_dim % 2)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_qkv: rope mode %d, head_dim %d (NORMAL, even only)",
                          a->mode, a->head_dim);
    const chord_vk_split_rope rope = {.head_dim = (uint32_t)a->head_dim,
                                      .n_rot = (uint32_t)a->n_rot,
                                      .pos0 = a->pos0,
                                      .r = chord_vk_rope_ratio_of(a->theta_base, a->n_rot)};
    const char *op = chord_vk_get_caps(vk)->has_f64 ? "matmul_qkv_f64" : "matmul_qkv_f32";
    /* t: 0 WQ, 1 WK, 2 WV, 3 X, 4 Q, 5 K, 6 V; p = 0, 1 rotated, 2 plain */
    for (int p = 0; p < 3; p++) {
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        CHORD_TRY(chord_vk_fused_split_gemv(vk, p < 2 ? op : "matmul", &ma, t ? &t[p] : NULL, t ? &t[3] : NULL,
                                            t ? &t[4 + p] : NULL, NULL, NULL, p < 2 ? &rope : NULL));
    }
    return CHORD_OK;
}
