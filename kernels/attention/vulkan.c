/* attention, Vulkan launcher: one work-group per (head, token), online softmax over WG-key chunks
 * (kernels/attention/vulkan.comp), head_dim split over work-groups when a decode step leaves the device idle. */
#include "../common/vulkan_launch.h"
#include "attention.h"

#define ATTN_ACC 4             /* the shader's ACC: head_dim <= ACC * WG */
#define ATTN_HD_MAX 256        /* the shader's HD_MAX */
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
    uint32_t want = chord_vk_tuning(vk).attn_wg;
    if (want == 0)
        want = sg ? 16 * sg : 512;
    want = want > 512 ? 512 : want;
    while (a->head_dim > 0 && want * ATTN_ACC < (uint32_t)a->head_dim)
        want *= 2;
    *wg = chord_vk_pick_wg(vk, want);
    if (a->head_dim > ATTN_HD_MAX || (uint32_t)a->head_dim > ATTN_ACC * *wg)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan attention: head_dim %d > %d", a->head_dim, ATTN_HD_MAX);
    const uint64_t n_kv = (uint64_t)a->pos0 + (uint64_t)a->n_tok;
    if (n_kv * a->n_head_kv * a->head_dim * 4 >= CHORD_VK_U32_SPAN ||
        (uint64_t)a->n_tok * a->n_head * a->head_dim * 4 >= CHORD_VK_U32_SPAN)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan attention: tensors span 4 GiB or more");
    if ((uint32_t)a->n_head > chord_vk_get_caps(vk)->max_groups[0])
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan attention: %d heads exceed the work-group count limit",
                          a->n_head);
    return CHORD_OK;
}

chord_status chord_attention_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_attention_args *a = args;
    uint32_t wg = 0;
    CHORD_TRY(attention_check(vk, a, &wg));
    if (!chord_vk_has_shader(vk, "attention_f32"))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan attention: shader attention_f32 not built");
    if (!t || a->n_tok == 0) /* a support query, or nothing to do */
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
    pc.k_vec4 = a->head_dim % 4 == 0 && chord_vk_pc_remainder(vk, t[1].offset) % 16 == 0;
    /* work-groups per (head, token), each with a slice of head_dim: ~256 work-groups in all
     * (a decode step has only n_head), slices of >= 16 values, within the group-count limit */
    uint32_t split = 1;
    const uint64_t base = (uint64_t)a->n_head * (a->n_tok < 65535 ? a->n_tok : 65535);
    while (base * split * 2 <= ATTN_TARGET_GROUPS && (uint32_t)a->head_dim / (split * 2) >= 16 &&
           (uint64_t)a->n_head * split * 2 <= chord_vk_get_caps(vk)->max_groups[0])
        split *= 2;
    pc.d_split = split;
    return chord_vk_dispatch(vk, "attention_f32", t, bytes, 4, &pc, sizeof pc, wg, (uint32_t)a->n_head * split,
                             chord_vk_min_u32((uint64_t)a->n_tok, chord_vk_get_caps(vk)->max_groups[1]), 1);
}
