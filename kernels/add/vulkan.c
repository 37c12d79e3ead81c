/* add, Vulkan launcher: the shared elementwise dispatch (kernels/common/vulkan_launch.c) of
 * kernels/add/vulkan.comp. */
#include "../common/vulkan_launch.h"
#include "add.h"

chord_status chord_add_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_vk_elementwise(ctx, "add_f32", t, 3, ((const chord_add_args *)args)->n);
}
