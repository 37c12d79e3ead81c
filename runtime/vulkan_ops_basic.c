/* Vulkan launchers for the bandwidth-bound ops: add and swiglu (elementwise), rmsnorm and softmax
 * (row reductions, one work-group per row). Shaders: kernels/<op>/vulkan.comp.
 *
 * Each launcher picks the vec4 variant when the shapes and every tensor's offset allow 16-byte
 * accesses, and splits the work into several dispatches when a tensor spans more bytes than one
 * binding may (maxStorageBufferRange: 128 MiB on lavapipe, 4 GiB on NVIDIA), so big tensors work
 * wherever the allocation does. */
#include <stdio.h>
#include <string.h>

#include "vulkan_internal.h"

#define WG_ELEMENTWISE 256u
#define WG_ROW_MAX 256u
#define WG_ROW_MIN 32u
#define MAX_GROUPS 65535u /* the minimum maxComputeWorkGroupCount; shaders grid-stride past it */

static uint32_t groups_for(const chord_vk *vk, uint64_t items, uint32_t per_group)
{
    uint64_t g = (items + per_group - 1) / per_group;
    uint64_t lim = chord_vk_get_caps(vk)->max_groups[0] < MAX_GROUPS ? chord_vk_get_caps(vk)->max_groups[0] : MAX_GROUPS;
    return (uint32_t)(g < lim ? g : lim);
}

/* Whether tensor t starts 16-byte aligned inside its binding (the binding starts at the offset
 * rounded down to minStorageBufferOffsetAlignment). */
static int vec4_ok(const chord_vk *vk, const chord_tensor *t, int n)
{
    const uint32_t align = chord_vk_get_caps(vk)->min_offset_align;
    for (int i = 0; i < n; i++)
        if (t[i].offset % align % 16 != 0)
            return 0;
    return 1;
}

/* Bytes one dispatch may give a tensor: the binding range less the worst-case alignment remainder,
 * and at most 4 GiB - 16 so that float indices stay 32-bit. */
static uint64_t max_tensor_bytes(const chord_vk *vk)
{
    const chord_vk_caps *c = chord_vk_get_caps(vk);
    uint64_t b = c->max_range - c->min_offset_align;
    const uint64_t idx_lim = ((uint64_t)1 << 32) - 16;
    return (b < idx_lim ? b : idx_lim) & ~(uint64_t)15;
}

/* ---- add, swiglu ---- */

typedef struct pc_elementwise {
    CHORD_VK_PC_OFFSETS;
    uint32_t n;
} pc_elementwise;

/* t: 0 (n), 1 (n), 2 (n) f32; `base` names the variants base and base_v4. */
static chord_status elementwise(chord_vk *vk, const char *base, const chord_tensor *t, int64_t n)
{
    char v4name[64];
    snprintf(v4name, sizeof v4name, "%s_v4", base);
    const int v4 = n % 4 == 0 && vec4_ok(vk, t, 3) && chord_vk_has_shader(vk, v4name);
    const uint32_t wg = chord_vk_pick_wg(vk, WG_ELEMENTWISE);
    /* a multiple of 4 elements per chunk keeps every chunk's offsets 16-byte aligned */
    const int64_t chunk_max = (int64_t)(max_tensor_bytes(vk) / 16 * 4);
    for (int64_t done = 0; done < n;) {
        const int64_t cnt = n - done < chunk_max ? n - done : chunk_max;
        chord_tensor tt[3];
        size_t bytes[3];
        for (int i = 0; i < 3; i++) {
            tt[i] = (chord_tensor){t[i].buf, t[i].offset + (size_t)done * 4};
            bytes[i] = (size_t)cnt * 4;
        }
        pc_elementwise pc = {.n = (uint32_t)cnt};
        const uint32_t gx = groups_for(vk, (uint64_t)cnt / (v4 ? 4 : 1), wg);
        CHORD_TRY(chord_vk_dispatch(vk, v4 ? v4name : base, tt, bytes, 3, &pc, sizeof pc, wg, gx, 1, 1));
        done += cnt;
    }
    return CHORD_OK;
}

static chord_status op_add(void *ctx, const chord_tensor *t, const void *args)
{
    return elementwise(ctx, "add_f32", t, ((const chord_add_args *)args)->n);
}

static chord_status op_swiglu(void *ctx, const chord_tensor *t, const void *args)
{
    return elementwise(ctx, "swiglu_f32", t, ((const chord_swiglu_args *)args)->n);
}

static int supports_add(chord_vk *vk, const void *args)
{
    (void)args;
    return chord_vk_has_shader(vk, "add_f32");
}

static int supports_swiglu(chord_vk *vk, const void *args)
{
    (void)args;
    return chord_vk_has_shader(vk, "swiglu_f32");
}

/* ---- row ops: rmsnorm, softmax ---- */

/* The fields of a row op's push constants that change per dispatch. */
typedef struct row_split {
    uint32_t *n_rows; /* rows of this dispatch */
    uint32_t *row0;   /* first row of this dispatch within the op, or NULL */
} row_split;

/* Dispatches `variant` over n_rows rows of n_cols floats, as few dispatches as the binding range
 * allows; tensors with bit i of row_mask set are (n_rows, n_cols), the others are bound whole. */
static chord_status rows(chord_vk *vk, const char *variant, const chord_tensor *t, int nt, unsigned row_mask,
                         int n_rows, int n_cols, int vec, void *pc, size_t pc_size, row_split split)
{
    const size_t row_bytes = (size_t)n_cols * 4;
    const uint64_t max_bytes = max_tensor_bytes(vk);
    if (row_bytes > max_bytes)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan: %s: a row of %d floats exceeds one binding (%llu bytes)",
                          variant, n_cols, (unsigned long long)max_bytes);
    const int chunk_max = max_bytes / row_bytes > (uint64_t)n_rows ? n_rows : (int)(max_bytes / row_bytes);
    uint32_t nq = (uint32_t)(n_cols / vec), want = WG_ROW_MIN;
    while (want < nq && want < WG_ROW_MAX)
        want *= 2;
    const uint32_t wg = chord_vk_pick_wg(vk, want);
    for (int done = 0; done < n_rows;) {
        const int cnt = n_rows - done < chunk_max ? n_rows - done : chunk_max;
        chord_tensor tt[CHORD_MAX_TENSORS];
        size_t bytes[CHORD_MAX_TENSORS];
        for (int i = 0; i < nt; i++) {
            const int per_row = (row_mask >> i) & 1;
            tt[i] = (chord_tensor){t[i].buf, t[i].offset + (per_row ? (size_t)done * row_bytes : 0)};
            bytes[i] = per_row ? (size_t)cnt * row_bytes : row_bytes;
        }
        *split.n_rows = (uint32_t)cnt;
        if (split.row0)
            *split.row0 = (uint32_t)done;
        CHORD_TRY(chord_vk_dispatch(vk, variant, tt, bytes, nt, pc, pc_size, wg, groups_for(vk, (uint64_t)cnt, 1), 1,
                                    1));
        done += cnt;
    }
    return CHORD_OK;
}

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
    const int v4 = t && n_cols % 4 == 0 && vec4_ok(vk, t, 3) && chord_vk_has_shader(vk, names[f64][1]);
    return chord_vk_has_shader(vk, names[f64][v4]) ? names[f64][v4] : "";
}

static chord_status op_rmsnorm(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_rmsnorm_args *a = args;
    if (a->n_rows == 0 || a->n_cols == 0)
        return CHORD_OK;
    const char *variant = rmsnorm_variant(vk, t, a->n_cols);
    pc_rmsnorm pc = {.n_cols = (uint32_t)a->n_cols, .eps = a->eps};
    const int vec = variant[0] && variant[strlen(variant) - 1] == '4' ? 4 : 1;
    return rows(vk, variant, t, 3, 0x5u, a->n_rows, a->n_cols, vec, &pc, sizeof pc,
                (row_split){&pc.n_rows, NULL});
}

static int supports_rmsnorm(chord_vk *vk, const void *args)
{
    (void)args;
    return rmsnorm_variant(vk, NULL, 1)[0] != 0;
}

typedef struct pc_softmax {
    CHORD_VK_PC_OFFSETS;
    uint32_t n_rows, n_cols;
    float scale;
    int32_t causal, pos0;
    uint32_t rows_per_pos;
    uint32_t row0;
} pc_softmax;

static chord_status op_softmax(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_softmax_args *a = args;
    if (a->n_rows == 0 || a->n_cols == 0)
        return CHORD_OK;
    const int v4 = a->n_cols % 4 == 0 && vec4_ok(vk, t, 2) && chord_vk_has_shader(vk, "softmax_f32_v4");
    pc_softmax pc = {
        .n_cols = (uint32_t)a->n_cols,
        .scale = a->scale,
        .causal = a->causal != 0,
        .pos0 = a->pos0,
        .rows_per_pos = a->rows_per_pos > 0 ? (uint32_t)a->rows_per_pos : 1u, /* as the reference */
    };
    return rows(vk, v4 ? "softmax_f32_v4" : "softmax_f32", t, 2, 0x3u, a->n_rows, a->n_cols, v4 ? 4 : 1, &pc,
                sizeof pc, (row_split){&pc.n_rows, &pc.row0});
}

static int supports_softmax(chord_vk *vk, const void *args)
{
    (void)args;
    return chord_vk_has_shader(vk, "softmax_f32");
}

void chord_vk_register_basic(chord_op_fn ops[CHORD_OP_COUNT], chord_vk_supports_fn supports[CHORD_OP_COUNT])
{
    ops[CHORD_OP_ADD] = op_add;
    supports[CHORD_OP_ADD] = supports_add;
    ops[CHORD_OP_SWIGLU] = op_swiglu;
    supports[CHORD_OP_SWIGLU] = supports_swiglu;
    ops[CHORD_OP_RMSNORM] = op_rmsnorm;
    supports[CHORD_OP_RMSNORM] = supports_rmsnorm;
    ops[CHORD_OP_SOFTMAX] = op_softmax;
    supports[CHORD_OP_SOFTMAX] = supports_softmax;
}
