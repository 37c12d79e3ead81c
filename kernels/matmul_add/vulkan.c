/* matmul_add, Vulkan launcher: the decode step's projections (m = 1) on the split layouts, as matmul's split GEMV
 * with the residual added in its store (kernels/matmul_add/vulkan.comp). Other shapes and types are refused, and
 * the model then records matmul and add. */
#include "../matmul/vulkan_split.h"
#include "matmul_add.h"

chord_status chord_matmul_add_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    /* t: 0 R (n), 1 W (n, k), 2 X (k), 3 Y (n), Y may alias R */
    if (!t)
        return chord_vk_fused_split_gemv(ctx, "matmul_add", args, NULL, NULL, NULL, NULL, NULL, NULL);
    return chord_vk_fused_split_gemv(ctx, "matmul_add", args, &t[1], &t[2], &t[3], &t[0], NULL, NULL);
}
