/* Vulkan launchers for matmul, matmul_tiled, attention, rope and dequant: argument checks, variant
 * choice, push constants (layouts mirror the shaders' PC blocks field for field) and dispatch
 * geometry. Shaders: kernels/<op>/vulkan.comp; variants: CHORD_VK_VARIANTS in runtime/vulkan.cmake. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vulkan_internal.h"

/* Every index a shader computes is a 32-bit uint: tensors and byte addresses must stay below 2^32. */
#define U32_SPAN 0xffffffffull

/* The variant suffix of a weight type ("q4_0"), or NULL when no shader handles it. */
static const char *wtype_name(chord_type t)
{
    switch (t) {
    case CHORD_TYPE_F32: return "f32";
    case CHORD_TYPE_F16: return "f16";
    case CHORD_TYPE_BF16: return "bf16";
    case CHORD_TYPE_Q4_0: return "q4_0";
    case CHORD_TYPE_Q4_1: return "q4_1";
    case CHORD_TYPE_Q5_0: return "q5_0";
    case CHORD_TYPE_Q5_1: return "q5_1";
    case CHORD_TYPE_Q8_0: return "q8_0";
    case CHORD_TYPE_Q4_K: return "q4_K";
    case CHORD_TYPE_Q5_K: return "q5_K";
    case CHORD_TYPE_Q6_K: return "q6_K";
    default: return NULL;
    }
}

/* Rounds n / d up. */
static uint64_t cdiv(uint64_t n, uint64_t d)
{
    return (n + d - 1) / d;
}

static uint32_t min_u32(uint64_t a, uint32_t b)
{
    return a < b ? (uint32_t)a : b;
}

/* The byte remainder the shader sees for a tensor: its offset modulo the binding alignment. */
static size_t pc_remainder(const chord_vk *vk, size_t offset)
{
    const uint32_t align = chord_vk_get_caps(vk)->min_offset_align;
    return align > 1 ? offset % align : 0;
}

/* Groups for a grid-stride 1-D loop over `items`: enough for a few waves, within the device limit. */
static uint32_t stride_groups(const chord_vk *vk, uint64_t items, uint32_t wg)
{
    const uint32_t cap = chord_vk_get_caps(vk)->max_groups[0];
    const uint64_t want = cdiv(items, wg);
    return min_u32(want ? want : 1, cap < 65535 ? cap : 65535);
}

/* Per-device tunables, by device-name prefix (first match; the defaults below otherwise).
 * lavapipe runs each barrier once per invocation (coroutine switches, ~0.6 us each): a GEMV row
 * per invocation and the narrowest attention work-groups are fastest there by far. */
static const struct {
    const char *prefix;
    uint32_t matmul_tpr; /* invocations per W row; 0 = default (2 subgroups) */
    uint32_t attn_wg;    /* attention work-group width; 0 = default (16 subgroups, <= 512) */
} tuning[] = {
    {"llvmpipe", 1, 32},
};

static uint32_t tune(const chord_vk *vk, int which)
{
    const char *name = chord_vk_get_caps(vk)->name;
    for (size_t i = 0; i < sizeof tuning / sizeof tuning[0]; i++)
        if (strncmp(name, tuning[i].prefix, strlen(tuning[i].prefix)) == 0)
            return which == 0 ? tuning[i].matmul_tpr : tuning[i].attn_wg;
    return 0;
}

/* ---- matmul: one work-group per W row (MB rows of X each), see kernels/matmul/vulkan.comp ---- */

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
    if (!wtype_name(a->wtype) || !tr || tr->block_size == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul: weight type %d", (int)a->wtype);
    *row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if ((uint64_t)a->n * *row_bytes >= U32_SPAN || (uint64_t)a->m * a->k * 4 >= U32_SPAN ||
        (uint64_t)a->m * a->n * 4 >= U32_SPAN)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul: %dx%dx%d spans 4 GiB or more", a->m, a->n, a->k);
    return CHORD_OK;
}

static int matmul_supports(chord_vk *vk, const void *args)
{
    const chord_matmul_args *a = args;
    size_t rb;
    char name[64];
    if (matmul_check(a, &rb) != CHORD_OK)
        return 0;
    snprintf(name, sizeof name, "matmul_%s_f32", wtype_name(a->wtype));
    return chord_vk_has_shader(vk, name);
}

static chord_status matmul_vk(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_matmul_args *a = args;
    size_t row_bytes = 0;
    CHORD_TRY(matmul_check(a, &row_bytes));
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    char name[64];
    snprintf(name, sizeof name, "matmul_%s_f32", wtype_name(a->wtype));
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
    uint32_t tpr = tune(vk, 0);
    if (tpr == 0) {
        tpr = caps->subgroup ? 2 * caps->subgroup : 64;
        tpr = tpr < 8 ? 8 : tpr;
    }
    tpr = tpr > wg ? wg : tpr;
    while (tpr & (tpr - 1))
        tpr &= tpr - 1; /* a power of two */
    pc.tpr = tpr;
    pc.x_vec4 = (a->k % 4 == 0 || a->m == 1) && pc_remainder(vk, t[1].offset) % 16 == 0;
    for (uint64_t r0 = 0; r0 < (uint64_t)a->n; r0 += rows_fit) {
        const uint64_t rows = (uint64_t)a->n - r0 < rows_fit ? (uint64_t)a->n - r0 : rows_fit;
        const chord_tensor tr[3] = {{t[0].buf, t[0].offset + r0 * row_bytes}, t[1], {t[2].buf, t[2].offset + r0 * 4}};
        const size_t bytes[3] = {rows * row_bytes, (size_t)a->m * a->k * 4,
                                 ((size_t)(a->m - 1) * a->n + rows) * 4};
        pc.n = (uint32_t)rows;
        pc.w_vec4 = a->wtype == CHORD_TYPE_F32 && row_bytes % 16 == 0 && pc_remainder(vk, tr[0].offset) % 16 == 0;
        CHORD_TRY(chord_vk_dispatch(vk, name, tr, bytes, 3, &pc, sizeof pc, wg,
                                    min_u32(cdiv(rows, wg / tpr), caps->max_groups[0]),
                                    min_u32(cdiv((uint64_t)a->m, MATMUL_MB), caps->max_groups[1]), 1));
    }
    return CHORD_OK;
}

/* ---- matmul_tiled: f32 GEMM in BM x BN tiles of (BM/8)(BN/8) invocations ---- */

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t m, n, k, vec4_ok, y_ld;
} tiled_pc;

/* The tile variants of CHORD_VK_VARIANTS, largest first: (name, BM = BN, shared bytes).
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
        if (cdiv((uint64_t)a->m, tile) * cdiv((uint64_t)a->n, tile) >= 64 || i == nv - 1)
            return i;
    }
    return fallback;
}

static chord_status tiled_check(const chord_matmul_args *a)
{
    if (a->wtype != CHORD_TYPE_F32)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: only f32 weights (got type %d)",
                          (int)a->wtype);
    if (a->k == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: k = 0 (empty bindings)");
    if ((uint64_t)a->n * a->k * 4 >= U32_SPAN || (uint64_t)a->m * a->k * 4 >= U32_SPAN ||
        (uint64_t)a->m * a->n * 4 >= U32_SPAN)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: %dx%dx%d spans 4 GiB or more", a->m, a->n,
                          a->k);
    return CHORD_OK;
}

static int tiled_supports(chord_vk *vk, const void *args)
{
    return tiled_check(args) == CHORD_OK && tiled_pick(vk, args) >= 0;
}

static chord_status tiled_vk(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_matmul_args *a = args;
    CHORD_TRY(tiled_check(a));
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    if (t[0].offset % 4 != 0 || t[1].offset % 4 != 0 || t[2].offset % 4 != 0)
        return chord_fail(CHORD_ERR_INVALID, "vulkan matmul_tiled: tensor offsets must be multiples of 4");
    const int v = tiled_pick(vk, a);
    if (v < 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: no tile variant fits this device");
    const uint32_t tile = tiled_variants[v].tile;
    const chord_vk_caps *caps = chord_vk_get_caps(vk);
    /* W rows per dispatch: all unless W spans more than one binding may; whole tiles */
    const uint64_t slack = caps->min_offset_align + 4;
    const uint64_t rows_fit = caps->max_range > slack ? (caps->max_range - slack) / ((uint64_t)a->k * 4) / tile * tile : 0;
    const uint64_t gy = cdiv((uint64_t)a->m, tile);
    if (rows_fit == 0 || cdiv(rows_fit < (uint64_t)a->n ? rows_fit : (uint64_t)a->n, tile) > caps->max_groups[0] ||
        gy > caps->max_groups[1])
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan matmul_tiled: %dx%dx%d does not fit the device's limits",
                          a->m, a->n, a->k);
    tiled_pc pc = {.m = (uint32_t)a->m, .k = (uint32_t)a->k, .y_ld = (uint32_t)a->n};
    for (uint64_t r0 = 0; r0 < (uint64_t)a->n; r0 += rows_fit) {
        const uint64_t rows = (uint64_t)a->n - r0 < rows_fit ? (uint64_t)a->n - r0 : rows_fit;
        const chord_tensor tr[3] = {{t[0].buf, t[0].offset + r0 * a->k * 4}, t[1], {t[2].buf, t[2].offset + r0 * 4}};
        const size_t bytes[3] = {rows * a->k * 4, (size_t)a->m * a->k * 4, ((size_t)(a->m - 1) * a->n + rows) * 4};
        pc.n = (uint32_t)rows;
        pc.vec4_ok = a->k % 4 == 0 && pc_remainder(vk, tr[0].offset) % 16 == 0 &&
                     pc_remainder(vk, tr[1].offset) % 16 == 0;
        CHORD_TRY(chord_vk_dispatch(vk, tiled_variants[v].name, tr, bytes, 3, &pc, sizeof pc,
                                    (tile / 8) * (tile / 8), (uint32_t)cdiv(rows, tile), (uint32_t)gy, 1));
    }
    return CHORD_OK;
}

/* ---- attention: one work-group per (head, token), online softmax over WG-key chunks ---- */

#define ATTN_ACC 4    /* the shader's ACC: head_dim <= ACC * WG */
#define ATTN_HD_MAX 256 /* the shader's HD_MAX */
#define ATTN_TARGET_GROUPS 256 /* enough work-groups for a big GPU (132 SMs on the H100) */

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t n_tok, n_head, n_head_kv, head_dim;
    int32_t pos0;
    float scale;
    uint32_t k_vec4, d_split;
} attention_pc;

static chord_status attention_check(const chord_vk *vk, const chord_attention_args *a, uint32_t *wg)
{
    /* few work-groups exist, so wide ones (the shader's v2): 16 subgroups, 512 on the H100, unless
     * the tuning table says otherwise; never under head_dim / ACC */
    const uint32_t sg = chord_vk_get_caps(vk)->subgroup;
    uint32_t want = tune(vk, 1);
    if (want == 0)
        want = sg ? 16 * sg : 512;
    want = want > 512 ? 512 : want;
    while (a->head_dim > 0 && want * ATTN_ACC < (uint32_t)a->head_dim)
        want *= 2;
    *wg = chord_vk_pick_wg(vk, want);
    if (a->head_dim > ATTN_HD_MAX || (uint32_t)a->head_dim > ATTN_ACC * *wg)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan attention: head_dim %d > %d", a->head_dim, ATTN_HD_MAX);
    const uint64_t n_kv = (uint64_t)a->pos0 + (uint64_t)a->n_tok;
    if (n_kv * a->n_head_kv * a->head_dim * 4 >= U32_SPAN ||
        (uint64_t)a->n_tok * a->n_head * a->head_dim * 4 >= U32_SPAN)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan attention: tensors span 4 GiB or more");
    if ((uint32_t)a->n_head > chord_vk_get_caps(vk)->max_groups[0])
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan attention: %d heads exceed the work-group count limit",
                          a->n_head);
    return CHORD_OK;
}

static int attention_supports(chord_vk *vk, const void *args)
{
    uint32_t wg = 0;
    return attention_check(vk, args, &wg) == CHORD_OK && chord_vk_has_shader(vk, "attention_f32");
}

static chord_status attention_vk(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_attention_args *a = args;
    uint32_t wg = 0;
    CHORD_TRY(attention_check(vk, a, &wg));
    if (a->n_tok == 0)
        return CHORD_OK;
    for (int i = 0; i < 4; i++)
        if (t[i].offset % 4 != 0)
            return chord_fail(CHORD_ERR_INVALID, "vulkan attention: tensor %d offset not a multiple of 4", i);
    const size_t q_bytes = (size_t)a->n_tok * a->n_head * a->head_dim * 4;
    /* only the rows the queries see are bound: rows past pos0 + n_tok - 1 may be anything */
    const size_t kv_bytes = ((size_t)a->pos0 + a->n_tok) * a->n_head_kv * a->head_dim * 4;
    const size_t bytes[4] = {q_bytes, kv_bytes, kv_bytes, q_bytes};
    attention_pc pc = {.n_tok = (uint32_t)a->n_tok,
                       .n_head = (uint32_t)a->n_head,
                       .n_head_kv = (uint32_t)a->n_head_kv,
                       .head_dim = (uint32_t)a->head_dim,
                       .pos0 = a->pos0,
                       .scale = a->scale};
    pc.k_vec4 = a->head_dim % 4 == 0 && pc_remainder(vk, t[1].offset) % 16 == 0;
    /* work-groups per (head, token), each with a slice of head_dim: ~256 work-groups in all
     * (a decode step has only n_head), slices of >= 16 values, within the group-count limit */
    uint32_t split = 1;
    const uint64_t base = (uint64_t)a->n_head * (a->n_tok < 65535 ? a->n_tok : 65535);
    while (base * split * 2 <= ATTN_TARGET_GROUPS && (uint32_t)a->head_dim / (split * 2) >= 16 &&
           (uint64_t)a->n_head * split * 2 <= chord_vk_get_caps(vk)->max_groups[0])
        split *= 2;
    pc.d_split = split;
    return chord_vk_dispatch(vk, "attention_f32", t, bytes, 4, &pc, sizeof pc, wg, (uint32_t)a->n_head * split,
                             min_u32((uint64_t)a->n_tok, chord_vk_get_caps(vk)->max_groups[1]), 1);
}

/* ---- rope: grid-stride over (pairs + copied tail) of every group of ROPE_HPI heads ---- */

#define ROPE_HPI 4 /* the shader's HPI */

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t n_tok, n_head, head_dim, n_rot;
    int32_t pos0;
    uint32_t r_lo, r_hi; /* the double r = theta_base^(-2/n_rot), low word first */
    float rf_hi, rf_lo;  /* r as a float-float, for the f32 variant */
} rope_pc;

/* The variant for these args: double angles where the device has shaderFloat64. */
static const char *rope_variant(const chord_vk *vk, int mode)
{
    const int f64 = chord_vk_get_caps(vk)->has_f64;
    if (mode == CHORD_ROPE_NEOX)
        return f64 ? "rope_neox_f64" : "rope_neox_f32";
    return f64 ? "rope_norm_f64" : "rope_norm_f32";
}

static chord_status rope_check(const chord_rope_args *a)
{
    if (a->mode != CHORD_ROPE_NORMAL && a->mode != CHORD_ROPE_NEOX)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan rope: mode %d", a->mode);
    if ((uint64_t)a->n_tok * a->n_head * a->head_dim * 4 >= U32_SPAN)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan rope: tensor spans 4 GiB or more");
    return CHORD_OK;
}

static int rope_supports(chord_vk *vk, const void *args)
{
    const chord_rope_args *a = args;
    return rope_check(a) == CHORD_OK && chord_vk_has_shader(vk, rope_variant(vk, a->mode));
}

static chord_status rope_vk(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_rope_args *a = args;
    CHORD_TRY(rope_check(a));
    /* the shader's items: (pairs + tail) per token and group of ROPE_HPI heads */
    const uint64_t items = (uint64_t)a->n_tok * cdiv((uint64_t)a->n_head, ROPE_HPI) * (uint64_t)(a->head_dim - a->n_rot / 2);
    if (items == 0)
        return CHORD_OK;
    if (t[0].offset % 4 != 0 || t[1].offset % 4 != 0)
        return chord_fail(CHORD_ERR_INVALID, "vulkan rope: tensor offsets must be multiples of 4");
    const double r = a->n_rot > 0 ? pow((double)a->theta_base, -2.0 / a->n_rot) : 1.0;
    uint64_t rbits;
    memcpy(&rbits, &r, sizeof rbits);
    const size_t n_bytes = (size_t)a->n_tok * a->n_head * a->head_dim * 4;
    const size_t bytes[2] = {n_bytes, n_bytes};
    rope_pc pc = {.n_tok = (uint32_t)a->n_tok,
                  .n_head = (uint32_t)a->n_head,
                  .head_dim = (uint32_t)a->head_dim,
                  .n_rot = (uint32_t)a->n_rot,
                  .pos0 = a->pos0,
                  .r_lo = (uint32_t)rbits,
                  .r_hi = (uint32_t)(rbits >> 32),
                  .rf_hi = (float)r,
                  .rf_lo = (float)(r - (double)(float)r)};
    const uint32_t wg = chord_vk_pick_wg(vk, 256);
    return chord_vk_dispatch(vk, rope_variant(vk, a->mode), t, bytes, 2, &pc, sizeof pc, wg,
                             stride_groups(vk, items, wg), 1, 1);
}

/* ---- dequant: grid-stride over values (float types) or 8-value units (block types) ---- */

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t n, nunits, y_vec4;
} dequant_pc;

static chord_status dequant_check(const chord_dequant_args *a)
{
    const chord_type_traits *tr = chord_type_info(a->type);
    if (!wtype_name(a->type) || !tr || tr->block_size == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan dequant: type %d", (int)a->type);
    if ((uint64_t)a->n * 4 >= U32_SPAN)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan dequant: n=%lld spans 4 GiB or more", (long long)a->n);
    return CHORD_OK;
}

static int dequant_supports(chord_vk *vk, const void *args)
{
    const chord_dequant_args *a = args;
    char name[64];
    if (dequant_check(a) != CHORD_OK)
        return 0;
    snprintf(name, sizeof name, "dequant_%s_f32", wtype_name(a->type));
    return chord_vk_has_shader(vk, name);
}

static chord_status dequant_vk(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_dequant_args *a = args;
    CHORD_TRY(dequant_check(a));
    if (a->n == 0)
        return CHORD_OK;
    if (t[0].offset % 2 != 0 || t[1].offset % 4 != 0 || (a->type == CHORD_TYPE_F32 && t[0].offset % 4 != 0))
        return chord_fail(CHORD_ERR_INVALID, "vulkan dequant: misaligned tensor offsets");
    char name[64];
    snprintf(name, sizeof name, "dequant_%s_f32", wtype_name(a->type));
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
        pc.y_vec4 = pc_remainder(vk, tr[1].offset) % 16 == 0;
        CHORD_TRY(chord_vk_dispatch(vk, name, tr, bytes, 2, &pc, sizeof pc, wg,
                                    stride_groups(vk, is_float ? ((uint64_t)nv + 15) / 16 : (uint64_t)nv / 8, wg),
                                    1, 1));
    }
    return CHORD_OK;
}

void chord_vk_register_matmul(chord_op_fn ops[CHORD_OP_COUNT], chord_vk_supports_fn supports[CHORD_OP_COUNT])
{
    ops[CHORD_OP_MATMUL] = matmul_vk;
    supports[CHORD_OP_MATMUL] = matmul_supports;
    ops[CHORD_OP_MATMUL_TILED] = tiled_vk;
    supports[CHORD_OP_MATMUL_TILED] = tiled_supports;
    ops[CHORD_OP_ATTENTION] = attention_vk;
    supports[CHORD_OP_ATTENTION] = attention_supports;
    ops[CHORD_OP_ROPE] = rope_vk;
    supports[CHORD_OP_ROPE] = rope_supports;
    ops[CHORD_OP_DEQUANT] = dequant_vk;
    supports[CHORD_OP_DEQUANT] = dequant_supports;
}
