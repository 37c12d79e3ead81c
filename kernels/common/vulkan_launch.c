/* The helpers Vulkan launchers share (declared in vulkan_launch.h): work-group and grid sizes, alignment, the
 * tuning table, and the elementwise and row-op dispatch loops that split big tensors over several dispatches. */
#include <stdio.h>
#include <string.h>

#include "vulkan_launch.h"

#define WG_ELEMENTWISE 256u
#define WG_ROW_MAX 256u
#define WG_ROW_MIN 32u
#define MAX_GROUPS 65535u /* the minimum maxComputeWorkGroupCount; shaders grid-stride past it */

uint32_t chord_vk_pick_wg(const chord_vk *vk, uint32_t want)
{
    const uint32_t max_wg = chord_vk_get_caps(vk)->max_wg;
    uint32_t lim = want < max_wg ? want : max_wg;
    uint32_t wg = 1;
    while (wg * 2 <= lim)
        wg *= 2;
    return wg;
}

int chord_vk_matmul_fits(int m, int n, int k, size_t row_bytes)
{
    return (uint64_t)n * row_bytes < CHORD_VK_U32_SPAN && (uint64_t)m * k * 4 < CHORD_VK_U32_SPAN &&
           (uint64_t)m * n * 4 < CHORD_VK_U32_SPAN;
}

uint64_t chord_vk_cdiv(uint64_t n, uint64_t d) { return (n + d - 1) / d; }

uint32_t chord_vk_min_u32(uint64_t a, uint32_t b) { return a < b ? (uint32_t)a : b; }

size_t chord_vk_pc_remainder(const chord_vk *vk, size_t offset)
{
    const uint32_t align = chord_vk_get_caps(vk)->min_offset_align;
    return align > 1 ? offset % align : 0;
}

uint32_t chord_vk_stride_groups(const chord_vk *vk, uint64_t items, uint32_t wg)
{
    const uint32_t cap = chord_vk_get_caps(vk)->max_groups[0];
    const uint64_t want = chord_vk_cdiv(items, wg);
    return chord_vk_min_u32(want ? want : 1, cap < 65535 ? cap : 65535);
}

uint32_t chord_vk_groups_for(const chord_vk *vk, uint64_t items, uint32_t per_group)
{
    uint64_t g = (items + per_group - 1) / per_group;
    uint64_t lim =
        chord_vk_get_caps(vk)->max_groups[0] < MAX_GROUPS ? chord_vk_get_caps(vk)->max_groups[0] : MAX_GROUPS;
    return (uint32_t)(g < lim ? g : lim);
}

int chord_vk_vec4_ok(const chord_vk *vk, const chord_tensor *t, int n)
{
    const uint32_t align = chord_vk_get_caps(vk)->min_offset_align;
    for (int i = 0; i < n; i++)
        if (t[i].offset % align % 16 != 0)
            return 0;
    return 1;
}

uint64_t chord_vk_max_tensor_bytes(const chord_vk *vk)
{
    const chord_vk_caps *c = chord_vk_get_caps(vk);
    uint64_t b = c->max_range - c->min_offset_align;
    const uint64_t idx_lim = ((uint64_t)1 << 32) - 16;
    return (b < idx_lim ? b : idx_lim) & ~(uint64_t)15;
}

const char *chord_vk_wtype_name(chord_type t)
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
    case CHORD_TYPE_Q4_0_SPLIT: return "q4_0_split";
    case CHORD_TYPE_Q4_1_SPLIT: return "q4_1_split";
    case CHORD_TYPE_Q8_0_SPLIT: return "q8_0_split";
    default: return NULL;
    }
}

/* Per-device tunables, by device-name prefix (first match; the launchers' defaults otherwise).
 * lavapipe runs each barrier once per invocation (coroutine switches, ~0.6 us each): a GEMV row
 * per invocation and the narrowest attention work-groups are fastest there by far, and a split GEMV
 * whose k is not split (its 2 cores need no more invocations than the rows give). */
static const struct {
    const char *prefix;
    chord_vk_tune tune; /* 0 = the launcher's default: matmul 2 subgroups per row, attention 16 subgroups <= 512,
                         * split GEMV ~192k invocations */
} tuning[] = {
    {"llvmpipe", {.matmul_tpr = 1, .attn_wg = 32, .matmul_split_lanes = 1}},
};

chord_vk_tune chord_vk_tuning(const chord_vk *vk)
{
    const char *name = chord_vk_get_caps(vk)->name;
    for (size_t i = 0; i < sizeof tuning / sizeof tuning[0]; i++)
        if (strncmp(name, tuning[i].prefix, strlen(tuning[i].prefix)) == 0)
            return tuning[i].tune;
    return (chord_vk_tune){0, 0, 0};
}

typedef struct pc_elementwise {
    CHORD_VK_PC_OFFSETS;
    uint32_t n;
} pc_elementwise;

chord_status chord_vk_elementwise(chord_vk *vk, const char *base, const chord_tensor *t, int n_tensors, int64_t n)
{
    if (!chord_vk_has_shader(vk, base))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan: shader %s not built", base);
    if (!t) /* a support query: every n runs */
        return CHORD_OK;
    char v4name[64];
    snprintf(v4name, sizeof v4name, "%s_v4", base);
    const int v4 = n % 4 == 0 && chord_vk_vec4_ok(vk, t, n_tensors) && chord_vk_has_shader(vk, v4name);
    const uint32_t wg = chord_vk_pick_wg(vk, WG_ELEMENTWISE);
    /* a multiple of 4 elements per chunk keeps every chunk's offsets 16-byte aligned */
    const int64_t chunk_max = (int64_t)(chord_vk_max_tensor_bytes(vk) / 16 * 4);
    for (int64_t done = 0; done < n;) {
        const int64_t cnt = n - done < chunk_max ? n - done : chunk_max;
        chord_tensor tt[CHORD_MAX_TENSORS];
        size_t bytes[CHORD_MAX_TENSORS];
        for (int i = 0; i < n_tensors; i++) {
            tt[i] = (chord_tensor){t[i].buf, t[i].offset + (size_t)done * 4};
            bytes[i] = (size_t)cnt * 4;
        }
        pc_elementwise pc = {.n = (uint32_t)cnt};
        const uint32_t gx = chord_vk_groups_for(vk, (uint64_t)cnt / (v4 ? 4 : 1), wg);
        CHORD_TRY(chord_vk_dispatch(vk, v4 ? v4name : base, tt, bytes, n_tensors, &pc, sizeof pc, wg, gx, 1, 1));
        done += cnt;
    }
    return CHORD_OK;
}

chord_status chord_vk_rows(chord_vk *vk, const char *variant, const chord_tensor *t, int n_tensors, unsigned row_mask,
                           int n_rows, int n_cols, int vec, void *pc, size_t pc_size, chord_vk_row_split split)
{
    const size_t row_bytes = (size_t)n_cols * 4;
    const uint64_t max_bytes = chord_vk_max_tensor_bytes(vk);
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
        for (int i = 0; i < n_tensors; i++) {
            const int per_row = (row_mask >> i) & 1;
            tt[i] = (chord_tensor){t[i].buf, t[i].offset + (per_row ? (size_t)done * row_bytes : 0)};
            bytes[i] = per_row ? (size_t)cnt * row_bytes : row_bytes;
        }
        *split.n_rows = (uint32_t)cnt;
        if (split.row0)
            *split.row0 = (uint32_t)done;
        CHORD_TRY(chord_vk_dispatch(vk, variant, tt, bytes, n_tensors, pc, pc_size, wg,
                                    chord_vk_groups_for(vk, (uint64_t)cnt, 1), 1, 1));
        done += cnt;
    }
    return CHORD_OK;
}
