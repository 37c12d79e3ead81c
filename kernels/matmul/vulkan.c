/* matmul, Vulkan launcher: on the split layouts with W and X 16-byte aligned, the split GEMV
 * (kernels/matmul/vulkan_split.comp: 8 invocations per W row, k split over slices when the rows are few); else
 * one work-group per W row, MB rows of X each (kernels/matmul/vulkan.comp). W split over several dispatches
 * when it spans more than one binding may.
 * CHORD_VK_SPLIT_KS=1|2|4|8 fixes the split GEMV's k slices (for A/B runs, and so tests reach every path on a
 * device whose default is one slice). The split GEMV's dispatch is also the fused decode ops' (matmul_add,
 * matmul_swiglu, matmul_qkv: vulkan_split.h). */
#include <stdio.h>
#include <stdlib.h>

#include "../common/vulkan_launch.h"
#include "matmul.h"
#include "vulkan_split.h"

#define MATMUL_MB 4        /* rows of X per work-group: vulkan.comp's MB */
#define SPLIT_MB 4         /* rows of X per invocation of vulkan_split.comp's batched variants */
#define SPLIT_KS_MAX 8     /* k slices per row */
#define SPLIT_LANES 196608 /* invocations the k split aims for by default: ~1.5 resident waves of a 132-SM GPU */

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t m, n, k, row_bytes, x_vec4, y_ld, w_vec4, tpr;
} matmul_pc;

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t m, n, n_sb, row_vec4, y_ld, ks, rpw;
    chord_vk_split_rope rope; /* read by the ROPE variants only */
} split_pc;

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

chord_status chord_vk_matmul_rows_fit(const chord_vk *vk, size_t row_bytes, uint64_t *rows_fit)
{
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    const uint64_t slack = caps->min_offset_align + 4;
    *rows_fit = caps->max_range > slack ? (caps->max_range - slack) / row_bytes : 0;
    if (*rows_fit == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul: one W row (%zu bytes) exceeds the binding range",
                          row_bytes);
    return CHORD_OK;
}

/* The split GEMV's geometry for `rows` W rows at gy X-row blocks: slices per row, rows per slice in a work-group
 * (whole subgroups of one slice where the subgroup has 8 lanes or more), and whether the subgroup variant runs. */
typedef struct {
    uint32_t ks, rpw, wg;
    int subgroup;
} split_geom;

static split_geom split_geometry(const chord_vk *vk, const chord_matmul_args *a, uint64_t rows, uint64_t gy)
{
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    const uint32_t sg = caps->subgroup, n_sb = (uint32_t)(a->k / CHORD_QK_SPLIT);
    split_geom g = {.ks = 1, .rpw = sg / 8 > 4 ? sg / 8 : 4};
    const char *env = getenv("CHORD_VK_SPLIT_KS");
    const int forced = env ? atoi(env) : 0;
    if (forced == 1 || forced == 2 || forced == 4 || forced == 8) {
        g.ks = (uint32_t)forced;
    } else {
        /* slices while the grid falls short of the target, each slice keeping >= 2 super-blocks */
        const uint32_t tuned = chord_vk_tuning(vk).matmul_split_lanes;
        const uint64_t target = tuned ? tuned : SPLIT_LANES;
        while (g.ks < SPLIT_KS_MAX && rows * 8 * g.ks * gy < target && n_sb >= 4 * g.ks)
            g.ks *= 2;
    }
    const uint32_t max_wg = chord_vk_pick_wg(vk, 8 * SPLIT_KS_MAX * g.rpw);
    while (8 * g.ks * g.rpw > max_wg && g.rpw > 1)
        g.rpw /= 2;
    while (8 * g.ks * g.rpw > max_wg && g.ks > 1)
        g.ks /= 2;
    g.wg = 8 * g.ks * g.rpw;
    /* octets of 8 lanes must tile the subgroups, and subgroups the work-group */
    g.subgroup = caps->has_subgroup_shuffle && sg >= 8 && (sg & (sg - 1)) == 0 && g.wg % sg == 0;
    return g;
}

chord_status chord_vk_split_gemv(chord_vk *vk, const char *op, const chord_tensor *w, const chord_tensor *x,
                                 const chord_tensor *y, const chord_tensor *r, const chord_tensor *wu,
                                 const chord_vk_split_rope *rope, const chord_matmul_args *a, size_t row_bytes,
                                 uint64_t r0, uint64_t rows, int *ran)
{
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    const chord_tensor tr[4] = {{w->buf, w->offset + r0 * row_bytes},
                                *x,
                                {y->buf, y->offset + r0 * 4},
                                r    ? (chord_tensor){r->buf, r->offset + r0 * 4}
                                : wu ? (chord_tensor){wu->buf, wu->offset + r0 * row_bytes}
                                     : (chord_tensor){0}};
    const uint32_t mb = a->m == 1 ? 1 : SPLIT_MB;
    const uint64_t gy = chord_vk_min_u32(chord_vk_cdiv((uint64_t)a->m, mb), caps->max_groups[1]);
    const split_geom g = split_geometry(vk, a, rows, gy);
    char name[64];
    snprintf(name, sizeof name, "%s_%s_f32_mb%u%s", op, chord_vk_wtype_name(a->wtype), mb, g.subgroup ? "" : "_smem");
    *ran = chord_vk_pc_remainder(vk, tr[0].offset) % 16 == 0 && chord_vk_pc_remainder(vk, tr[1].offset) % 16 == 0 &&
           (!wu || chord_vk_pc_remainder(vk, tr[3].offset) % 16 == 0) && g.wg >= 8 && chord_vk_has_shader(vk, name) &&
           (!rope || (g.rpw % 2 == 0 && r0 == 0)); /* a rope pair in one work-group, rows counted from 0 */
    if (!*ran)
        return CHORD_OK;
    split_pc pc = {.m = (uint32_t)a->m,
                   .n = (uint32_t)rows,
                   .n_sb = (uint32_t)(a->k / CHORD_QK_SPLIT),
                   .row_vec4 = (uint32_t)(row_bytes / 16),
                   .y_ld = (uint32_t)a->n,
                   .ks = g.ks,
                   .rpw = g.rpw,
                   .rope = rope ? *rope : (chord_vk_split_rope){0}};
    const size_t y_bytes = ((size_t)(a->m - 1) * a->n + rows) * 4;
    const size_t bytes[4] = {rows * row_bytes, (size_t)a->m * a->k * 4, y_bytes, wu ? rows * row_bytes : y_bytes};
    return chord_vk_dispatch(vk, name, tr, bytes, r || wu ? 4 : 3, &pc, sizeof pc, g.wg,
                             chord_vk_min_u32(chord_vk_cdiv(rows, g.rpw), caps->max_groups[0]), (uint32_t)gy, 1);
}

chord_status chord_vk_fused_split_gemv(chord_vk *vk, const char *op, const chord_matmul_args *a, const chord_tensor *w,
                                       const chord_tensor *x, const chord_tensor *y, const chord_tensor *r,
                                       const chord_tensor *wu, const chord_vk_split_rope *rope)
{
    const chord_type_traits *tr = chord_type_info(a->wtype);
    if (a->m != 1)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan %s: m = %d (only m = 1, a decode step)", op, a->m);
    if (!tr || !tr->internal || !chord_vk_wtype_name(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan %s: weight type %s (the split layouts only)", op,
                          tr ? tr->name : "?");
    char name[64];
    snprintf(name, sizeof name, "%s_%s_f32_mb1", op, chord_vk_wtype_name(a->wtype));
    if (!chord_vk_has_shader(vk, name))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan %s: shader %s not built", op, name);
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if (a->k == 0 || !chord_vk_matmul_fits(a->m, a->n, a->k, row_bytes))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan %s: 1x%dx%d (k = 0, or 4 GiB or more)", op, a->n, a->k);
    uint64_t rows_fit = 0;
    CHORD_TRY(chord_vk_matmul_rows_fit(vk, row_bytes, &rows_fit));
    if (rope && rows_fit < (uint64_t)a->n)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan %s: %d rows with RoPE exceed one binding", op, a->n);
    if (!w || a->n == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    if (x->offset % 4 != 0 || y->offset % 4 != 0 || (r && r->offset % 4 != 0))
        return chord_fail(CHORD_ERR_INVALID, "vulkan %s: misaligned tensor offsets", op);
    for (uint64_t r0 = 0; r0 < (uint64_t)a->n; r0 += rows_fit) {
        const uint64_t rows = (uint64_t)a->n - r0 < rows_fit ? (uint64_t)a->n - r0 : rows_fit;
        int ran = 0;
        CHORD_TRY(chord_vk_split_gemv(vk, op, w, x, y, r, wu, rope, a, row_bytes, r0, rows, &ran));
        if (!ran)
            return chord_fail(CHORD_ERR_UNSUPPORTED,
                              "vulkan %s: W or X not 16-byte aligned in its binding, or the work-group limit too "
                              "small for the split GEMV (with RoPE: for an even number of rows per work-group)",
                              op);
    }
    return CHORD_OK;
}

/* vulkan.comp over W rows [r0, r0 + rows). */
static chord_status generic_dispatch(chord_vk *vk, const char *name, const chord_tensor *t, const chord_matmul_args *a,
                                     size_t row_bytes, uint64_t r0, uint64_t rows)
{
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    const uint32_t wg = chord_vk_pick_wg(vk, 128);
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
    const chord_tensor tr[3] = {{t[0].buf, t[0].offset + r0 * row_bytes}, t[1], {t[2].buf, t[2].offset + r0 * 4}};
    const size_t bytes[3] = {rows * row_bytes, (size_t)a->m * a->k * 4, ((size_t)(a->m - 1) * a->n + rows) * 4};
    pc.n = (uint32_t)rows;
    pc.w_vec4 = a->wtype == CHORD_TYPE_F32 && row_bytes % 16 == 0 && chord_vk_pc_remainder(vk, tr[0].offset) % 16 == 0;
    return chord_vk_dispatch(vk, name, tr, bytes, 3, &pc, sizeof pc, wg,
                             chord_vk_min_u32(chord_vk_cdiv(rows, wg / tpr), caps->max_groups[0]),
                             chord_vk_min_u32(chord_vk_cdiv((uint64_t)a->m, MATMUL_MB), caps->max_groups[1]), 1);
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
    /* W rows per dispatch: all of them unless W spans more than one binding may (big vocabulary
     * matrices); each range is bound from its first row and writes its columns of Y */
    uint64_t rows_fit = 0;
    CHORD_TRY(chord_vk_matmul_rows_fit(vk, row_bytes, &rows_fit));
    const int split = chord_type_info(a->wtype)->internal;
    for (uint64_t r0 = 0; r0 < (uint64_t)a->n; r0 += rows_fit) {
        const uint64_t rows = (uint64_t)a->n - r0 < rows_fit ? (uint64_t)a->n - r0 : rows_fit;
        int ran = 0;
        if (split)
            CHORD_TRY(chord_vk_split_gemv(vk, "matmul", &t[0], &t[1], &t[2], NULL, NULL, NULL, a, row_bytes, r0, rows,
                                          &ran));
        if (!ran)
            CHORD_TRY(generic_dispatch(vk, name, t, a, row_bytes, r0, rows));
    }
    return CHORD_OK;
}
