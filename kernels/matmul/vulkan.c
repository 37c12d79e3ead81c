/* matmul, Vulkan launcher: one work-group per W row, MB rows of X each (kernels/matmul/vulkan.comp); W split
 * over several dispatches when it spans more than one binding may. */
#include <stdio.h>

#include "../common/vulkan_launch.h"
#include "matmul.h"

#define MATMUL_MB 4 /* rows of X per work-group: the shader's MB */

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t m, n, k, row_bytes, x_vec4, y_ld, w_vec4, tpr;
} matmul_pc;

static chord_status matmul_check(const chord_matmul_args *a, size_t *row_bytes)
{
    /* the argument contract is the registry's; these are Vulkan's limits. k = 0 would bind empty ranges,
     * which Vulkan forbids */
    if (a->k == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul: k = 0 (empty bindings)");
    const chord_type_traits *tr = chord_type_info(a->wtype);
    if (!chord_vk_wtype_name(a->wtype) || !tr || tr->block_size == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul: weight type %d", (int)a->wtype);
    *row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if (!chord_vk_matmul_fits(a->m, a->n, a->k, *row_bytes))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul: %dx%dx%d spans 4 GiB or more", a->m, a->n, a->k);
    return CHORD_OK;
}

chord_status chord_matmul_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_matmul_args *a = args;
    size_t row_bytes = 0;
    CHORD_TRY(matmul_check(a, &row_bytes));
    char name[64];
    snprintf(name, sizeof name, "matmul_%s_f32", chord_vk_wtype_name(a->wtype));
    if (!chord_vk_has_shader(vk, name))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul: shader %s not built", name);
    if (!t || a->m == 0 || a->n == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    /* byte-addressed block reads need 2-aligned W (blocks hold f16 scales); floats need 4 */
    if (t[0].offset % 2 != 0 || t[1].offset % 4 != 0 || t[2].offset % 4 != 0 ||
        (a->wtype == CHORD_TYPE_F32 && t[0].offset % 4 != 0))
        return chord_fail(CHORD_ERR_INVALID, "vulkan matmul: misaligned tensor offsets");
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    const uint32_t wg = chord_vk_pick_wg(vk, 128);
    /* W rows per dispatch: all of them unless W spans more than one binding may (big vocabulary
     * matrices); each range is bound from its first row and writes its columns of Y */
    const uint64_t slack = caps->min_offset_align + 4;
    const uint64_t rows_fit = caps->max_range > slack ? (caps->max_range - slack) / row_bytes : 0;
    if (rows_fit == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul: one W row (%zu bytes) exceeds the binding range",
                          row_bytes);
    matmul_pc pc = {.m = (uint32_t)a->m, .k = (uint32_t)a->k, .row_bytes = (uint32_t)row_bytes, .y_ld = (uint32_t)a->n};
    /* invocations per row: two subgroups' worth (64 on the H100: 8 q4_0 units each at k = 4096)
     * unless the tuning table says otherwise */
    uint32_t tpr = chord_vk_tuning(vk).matmul_tpr;
    if (tpr == 0) {
        tpr = caps->subgroup ? 2 * caps->subgroup : 64;
        tpr = tpr < 8 ? 8 : tpr;
    }
    tpr = tpr > wg ? wg : tpr;
    while (tpr & (tpr - 1))
        tpr &= tpr - 1; /* a power of two */
    pc.tpr = tpr;
    pc.x_vec4 = (a->k % 4 == 0 || a->m == 1) && chord_vk_pc_remainder(vk, t[1].offset) % 16 == 0;
    for (uint64_t r0 = 0; r0 < (uint64_t)a->n; r0 += rows_fit) {
        const uint64_t rows = (uint64_t)a->n - r0 < rows_fit ? (uint64_t)a->n - r0 : rows_fit;
        const chord_tensor tr[3] = {{t[0].buf, t[0].offset + r0 * row_bytes}, t[1], {t[2].buf, t[2].offset + r0 * 4}};
        const size_t bytes[3] = {rows * row_bytes, (size_t)a->m * a->k * 4, ((size_t)(a->m - 1) * a->n + rows) * 4};
        pc.n = (uint32_t)rows;
        pc.w_vec4 =
            a->wtype == CHORD_TYPE_F32 && row_bytes % 16 == 0 && chord_vk_pc_remainder(vk, tr[0].offset) % 16 == 0;
        CHORD_TRY(chord_vk_dispatch(vk, name, tr, bytes, 3, &pc, sizeof pc, wg,
                                    chord_vk_min_u32(chord_vk_cdiv(rows, wg / tpr), caps->max_groups[0]),
                                    chord_vk_min_u32(chord_vk_cdiv((uint64_t)a->m, MATMUL_MB), caps->max_groups[1]),
                                    1));
    }
    return CHORD_OK;
}
