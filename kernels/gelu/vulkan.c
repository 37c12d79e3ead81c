/* gelu, Vulkan launcher: the shared elementwise dispatch (kernels/common/vulkan_launch.c) of
 * kernels/gelu/vulkan.comp. */
#include "../common/vulkan_launch.h"
#include "gelu.h"

chord_status chord_gelu_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_vk_elementwise(ctx, "gelu_f32", t, 2, ((const chord_gelu_args *)args)->n);
}
