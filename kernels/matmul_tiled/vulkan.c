/* matmul_tiled, Vulkan launcher: f32 GEMM in BM x BN tiles of (BM/8)(BN/8) invocations
 * (kernels/matmul_tiled/vulkan.comp), the largest tile the device holds that still fills it. */
#include "../common/vulkan_launch.h"
#include "matmul_tiled.h"

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t m, n, k, vec4_ok, y_ld;
} tiled_pc;

/* The tile variants of vulkan.comp, largest first: (name, BM = BN, shared bytes).
 * Shared memory: BK = 16 slices of X and W with rows padded by 4 floats. */
static const struct {
    const char *name;
    uint32_t tile;
} tiled_variants[] = {
    {"matmul_tiled_f32_128", 128},
    {"matmul_tiled_f32_64", 64},
};

/* The largest tile the device holds (work-group size, shared memory) that still gives a few
 * work-groups per compute unit's worth of parallelism; the smallest otherwise. -1 if none fits. */
static int tiled_pick(const chord_vk *vk, const chord_matmul_args *a)
{
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    const int nv = (int)(sizeof tiled_variants / sizeof tiled_variants[0]);
    int fallback = -1;
    for (int i = 0; i < nv; i++) {
        const uint32_t tile = tiled_variants[i].tile;
        const uint32_t wg = (tile / 8) * (tile / 8);
        const uint32_t shared = 2 * (tile + 4) * 16 * 4; /* the shader's As + Bs, padded rows */
        if (!chord_vk_has_shader(vk, tiled_variants[i].name) || wg > caps->max_wg || shared > caps->shared_bytes)
            continue;
        fallback = i;
        /* 128-tiles only when they alone make >= 64 work-groups: small GEMMs want more, smaller ones */
        if (chord_vk_cdiv((uint64_t)a->m, tile) * chord_vk_cdiv((uint64_t)a->n, tile) >= 64 || i == nv - 1)
            return i;
    }
    return fallback;
}

static chord_status tiled_check(const chord_matmul_args *a)
{
    if (a->wtype != CHORD_TYPE_F32)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: only f32 weights (got type %d)", (int)a->wtype);
    if (a->k == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: k = 0 (empty bindings)");
    if (!chord_vk_matmul_fits(a->m, a->n, a->k, (size_t)a->k * 4))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: %dx%dx%d spans 4 GiB or more", a->m, a->n, a->k);
    return CHORD_OK;
}

chord_status chord_matmul_tiled_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_matmul_args *a = args;
    CHORD_TRY(tiled_check(a));
    const int v = tiled_pick(vk, a);
    if (v < 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: no tile variant fits this device");
    if (!t || a->m == 0 || a->n == 0) /* a support query, or nothing to do */
        return CHORD_OK;
    if (t[0].offset % 4 != 0 || t[1].offset % 4 != 0 || t[2].offset % 4 != 0)
        return chord_fail(CHORD_ERR_INVALID, "vulkan matmul_tiled: tensor offsets must be multiples of 4");
    const uint32_t tile = tiled_variants[v].tile;
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    /* W rows per dispatch: all unless W spans more than one binding may; whole tiles */
    const uint64_t slack = caps->min_offset_align + 4;
    const uint64_t rows_fit =
        caps->max_range > slack ? (caps->max_range - slack) / ((uint64_t)a->k * 4) / tile * tile : 0;
    const uint64_t gy = chord_vk_cdiv((uint64_t)a->m, tile);
    if (rows_fit == 0 ||
        chord_vk_cdiv(rows_fit < (uint64_t)a->n ? rows_fit : (uint64_t)a->n, tile) > caps->max_groups[0] ||
        gy > caps->max_groups[1])
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: %dx%dx%d does not fit the device's limits", a->m,
                          a->n, a->k);
    tiled_pc pc = {.m = (uint32_t)a->m, .k = (uint32_t)a->k, .y_ld = (uint32_t)a->n};
    for (uint64_t r0 = 0; r0 < (uint64_t)a->n; r0 += rows_fit) {
        const uint64_t rows = (uint64_t)a->n - r0 < rows_fit ? (uint64_t)a->n - r0 : rows_fit;
        const chord_tensor tr[3] = {{t[0].buf, t[0].offset + r0 * a->k * 4}, t[1], {t[2].buf, t[2].offset + r0 * 4}};
        const size_t bytes[3] = {rows * a->k * 4, (size_t)a->m * a->k * 4, ((size_t)(a->m - 1) * a->n + rows) * 4};
        pc.n = (uint32_t)rows;
        pc.vec4_ok = a->k % 4 == 0 && chord_vk_pc_remainder(vk, tr[0].offset) % 16 == 0 &&
                     chord_vk_pc_remainder(vk, tr[1].offset) % 16 == 0;
        CHORD_TRY(chord_vk_dispatch(vk, tiled_variants[v].name, tr, bytes, 3, &pc, sizeof pc, (tile / 8) * (tile / 8),
                                    (uint32_t)chord_vk_cdiv(rows, tile), (uint32_t)gy, 1));
    }
    return CHORD_OK;
}
