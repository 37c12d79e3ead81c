/* matmul_add, Vulkan launcher: the decode step's projections (m = 1) on the split layouts, as matmul's split GEMV
 * with the residual added in its store (kernels/matmul_add/vulkan.comp). Other shapes and types are refused, and
 * the model then records matmul and add. */
#include <stdio.h>

#include "../matmul/vulkan_split.h"
#include "matmul_add.h"

chord_status chord_matmul_add_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_matmul_add_args *a = args;
    const chord_type_traits *tr = chord_type_info(a->wtype);
    if (a->m != 1)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_add: m = %d (only m = 1, a decode step)", a->m);
    if (!tr || !tr->internal || !chord_vk_wtype_name(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_add: weight type %s (the split layouts only)",
                          tr ? tr->name : "?");
    char name[64];
    snprintf(name, sizeof name, "matmul_add_%s_f32_mb1", chord_vk_wtype_name(a->wtype));
    if (!chord_vk_has_shader(vk, name))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_add: shader %s not built", name);
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if (a->k == 0 || !chord_vk_matmul_fits(a->m, a->n, a->k, row_bytes))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_add: 1x%dx%d (k = 0, or 4 GiB or more)", a->n, a->k);
    uint64_t rows_fit = 0;
    CHORD_TRY(chord_vk_matmul_rows_fit(vk, row_bytes, &rows_fit));
    if (!t || a->n == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    /* t: 0 R (n), 1 W (n, k), 2 X (k), 3 Y (n) */
    if (t[0].offset % 4 != 0 || t[2].offset % 4 != 0 || t[3].offset % 4 != 0)
        return chord_fail(CHORD_ERR_INVALID, "vulkan matmul_add: misaligned tensor offsets");
    for (uint64_t r0 = 0; r0 < (uint64_t)a->n; r0 += rows_fit) {
        const uint64_t rows = (uint64_t)a->n - r0 < rows_fit ? (uint64_t)a->n - r0 : rows_fit;
        int ran = 0;
        CHORD_TRY(chord_vk_split_gemv(vk, "matmul_add", &t[1], &t[2], &t[3], &t[0], a, row_bytes, r0, rows, &ran));
        if (!ran)
            return chord_fail(CHORD_ERR_UNSUPPORTED,
                              "vulkan matmul_add: W or X not 16-byte aligned in its binding, or the work-group "
                              "limit too small for the split GEMV");
    }
    return CHORD_OK;
}
