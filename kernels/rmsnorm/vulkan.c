/* rmsnorm, Vulkan launcher: one work-group per row (kernels/rmsnorm/vulkan.comp), sums in double where the device
 * has shaderFloat64, vec4 loads when the rows and offsets allow. */
#include <string.h>

#include "../common/vulkan_launch.h"
#include "rmsnorm.h"

typedef struct pc_rmsnorm {
    CHORD_VK_PC_OFFSETS;
    uint32_t n_rows, n_cols;
    float eps;
} pc_rmsnorm;

/* The rmsnorm variant for this device and these tensors ("" when none is built). */
static const char *rmsnorm_variant(chord_vk *vk, const chord_tensor *t, int n_cols)
{
    static const char *names[2][2] = {{"rmsnorm_f32_f32acc", "rmsnorm_f32_f32acc_v4"},
                                      {"rmsnorm_f32_f64acc", "rmsnorm_f32_f64acc_v4"}};
    const int f64 = chord_vk_get_caps(vk)->has_f64 && chord_vk_has_shader(vk, names[1][0]);
    const int v4 = t && n_cols % 4 == 0 && chord_vk_vec4_ok(vk, t, 3) && chord_vk_has_shader(vk, names[f64][1]);
    return chord_vk_has_shader(vk, names[f64][v4]) ? names[f64][v4] : "";
}

chord_status chord_rmsnorm_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_rmsnorm_args *a = args;
    if (!rmsnorm_variant(vk, NULL, 1)[0])
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan rmsnorm: no variant built");
    if (!t || a->n_rows == 0 || a->n_cols == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    const char *variant = rmsnorm_variant(vk, t, a->n_cols);
    pc_rmsnorm pc = {.n_cols = (uint32_t)a->n_cols, .eps = a->eps};
    const int vec = variant[0] && variant[strlen(variant) - 1] == '4' ? 4 : 1;
    return chord_vk_rows(vk, variant, t, 3, 0x5u, a->n_rows, a->n_cols, vec, &pc, sizeof pc,
                         (chord_vk_row_split){&pc.n_rows, NULL});
}
