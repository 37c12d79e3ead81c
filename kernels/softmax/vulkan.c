/* softmax, Vulkan launcher: one work-group per row (kernels/softmax/vulkan.comp), vec4 loads when the rows and
 * offsets allow; the causal limit of each dispatch's rows from row0. */
#include "../common/vulkan_launch.h"
#include "softmax.h"

typedef struct pc_softmax {
    CHORD_VK_PC_OFFSETS;
    uint32_t n_rows, n_cols;
    float scale;
    int32_t causal, pos0;
    uint32_t rows_per_pos;
    uint32_t row0;
} pc_softmax;

chord_status chord_softmax_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_softmax_args *a = args;
    if (!chord_vk_has_shader(vk, "softmax_f32"))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan softmax: shader softmax_f32 not built");
    if (!t || a->n_rows == 0 || a->n_cols == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    const int v4 = a->n_cols % 4 == 0 && chord_vk_vec4_ok(vk, t, 2) && chord_vk_has_shader(vk, "softmax_f32_v4");
    pc_softmax pc = {
        .n_cols = (uint32_t)a->n_cols,
        .scale = a->scale,
        .causal = a->causal != 0,
        .pos0 = a->pos0,
        .rows_per_pos = a->rows_per_pos > 0 ? (uint32_t)a->rows_per_pos : 1u, /* as the reference */
    };
    return chord_vk_rows(vk, v4 ? "softmax_f32_v4" : "softmax_f32", t, 2, 0x3u, a->n_rows, a->n_cols, v4 ? 4 : 1, &pc,
                         sizeof pc, (chord_vk_row_split){&pc.n_rows, &pc.row0});
}
