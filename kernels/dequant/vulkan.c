/* dequant, Vulkan launcher: grid-stride over values (float types) or 8-value units (block types)
 * (kernels/dequant/vulkan.comp), split where DST spans more than one binding may. */
#include <stdio.h>

#include "../common/vulkan_launch.h"
#include "dequant.h"

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t n, nunits, y_vec4;
} dequant_pc;

static chord_status dequant_check(const chord_dequant_args *a)
{
    const chord_type_traits *tr = chord_type_info(a->type);
    if (!chord_vk_wtype_name(a->type) || !tr || tr->block_size == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan dequant: type %d", (int)a->type);
    if ((uint64_t)a->n * 4 >= CHORD_VK_U32_SPAN)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan dequant: n=%lld spans 4 GiB or more", (long long)a->n);
    return CHORD_OK;
}

chord_status chord_dequant_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_dequant_args *a = args;
    CHORD_TRY(dequant_check(a));
    char name[64];
    snprintf(name, sizeof name, "dequant_%s_f32", chord_vk_wtype_name(a->type));
    if (!chord_vk_has_shader(vk, name))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan dequant: shader %s not built", name);
    if (!t || a->n == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    if (t[0].offset % 2 != 0 || t[1].offset % 4 != 0 || (a->type == CHORD_TYPE_F32 && t[0].offset % 4 != 0))
        return chord_fail(CHORD_ERR_INVALID, "vulkan dequant: misaligned tensor offsets");
    const int is_float = a->type == CHORD_TYPE_F32 || a->type == CHORD_TYPE_F16 || a->type == CHORD_TYPE_BF16;
    /* values per dispatch: all unless DST spans more than one binding may; a multiple of 256, so
     * every range starts on a block boundary */
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    const uint64_t slack = caps->min_offset_align + 4;
    const int64_t chunk = caps->max_range > slack ? (int64_t)((caps->max_range - slack) / 4 / 256 * 256) : 0;
    if (chunk == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan dequant: the device's binding range is too small");
    const uint32_t wg = chord_vk_pick_wg(vk, 256);
    for (int64_t v0 = 0; v0 < a->n; v0 += chunk) {
        const int64_t nv = a->n - v0 < chunk ? a->n - v0 : chunk;
        const chord_tensor tr[2] = {{t[0].buf, t[0].offset + chord_type_row_bytes(a->type, v0)},
                                    {t[1].buf, t[1].offset + (size_t)v0 * 4}};
        const size_t bytes[2] = {chord_type_row_bytes(a->type, nv), (size_t)nv * 4};
        /* float types: one invocation per 16 values, the shader's 4 chunks of 4 per pass (a grid of one per
         * value left 3/4 of the invocations idle: f16 ran at 50% of copy on the H100) */
        dequant_pc pc = {.n = (uint32_t)nv, .nunits = (uint32_t)(nv / 8)};
        pc.y_vec4 = chord_vk_pc_remainder(vk, tr[1].offset) % 16 == 0;
        CHORD_TRY(chord_vk_dispatch(
            vk, name, tr, bytes, 2, &pc, sizeof pc, wg,
            chord_vk_stride_groups(vk, is_float ? ((uint64_t)nv + 15) / 16 : (uint64_t)nv / 8, wg), 1, 1));
    }
    return CHORD_OK;
}
