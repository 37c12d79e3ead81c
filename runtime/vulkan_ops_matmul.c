/* Vulkan launchers for matmul, matmul_tiled, attention, rope and dequant (placeholder: registers
 * nothing yet, so those ops report unsupported on vulkan). */
#include "vulkan_internal.h"

void chord_vk_register_matmul(chord_op_fn ops[CHORD_OP_COUNT], chord_vk_supports_fn supports[CHORD_OP_COUNT])
{
    (void)ops;
    (void)supports;
}
