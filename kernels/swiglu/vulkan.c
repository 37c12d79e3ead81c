/* swiglu, Vulkan launcher: the shared elementwise dispatch (kernels/common/vulkan_launch.c) of
 * kernels/swiglu/vulkan.comp. */
#include "../common/vulkan_launch.h"
#include "swiglu.h"

chord_status chord_swiglu_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_vk_elementwise(ctx, "swiglu_f32", t, 3, ((const chord_swiglu_args *)args)->n);
}
