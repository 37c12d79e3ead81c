/* matmul_swiglu, Vulkan launcher: the decode step's gate and up projections (m = 1) on the split layouts, as
 * matmul's split GEMV over both matrices with SwiGLU in its store (kernels/matmul_swiglu/vulkan.comp). Other
 * shapes and types are refused, and the model then records matmul twice and swiglu. */
#include "../matmul/vulkan_split.h"
#include "matmul_swiglu.h"

chord_status chord_matmul_swiglu_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: 0 WG (n, k), 1 WU (n, k), 2 X (k), 3 Y (n) */
    if (!t)
        return chord_vk_fused_split_gemv(ctx, "matmul_swiglu", args, NULL, NULL, NULL, NULL, NULL, NULL);
    return chord_vk_fused_split_gemv(ctx, "matmul_swiglu", args, &t[0], &t[2], &t[3], NULL, &t[1], NULL);
}
