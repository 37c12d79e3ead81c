/* rope, Vulkan launcher: grid-stride over (pairs + copied tail) of every group of ROPE_HPI heads
 * (kernels/rope/vulkan.comp); angles reduced in double where the device has shaderFloat64. */
#include "../common/vulkan_launch.h"
#include "rope.h"
#include "vulkan_rope.h"

#define ROPE_HPI 4 /* the shader's HPI */

typedef struct {
    CHORD_VK_PC_OFFSETS;
    uint32_t n_tok, n_head, head_dim, n_rot;
    int32_t pos0;
    chord_vk_rope_ratio r;
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
    if ((uint64_t)a->n_tok * a->n_head * a->head_dim * 4 >= CHORD_VK_U32_SPAN)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan rope: tensor spans 4 GiB or more");
    return CHORD_OK;
}

chord_status chord_rope_vulkan(void *ctx, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    const chord_rope_args *a = args;
    CHORD_TRY(rope_check(a));
    if (!chord_vk_has_shader(vk, rope_variant(vk, a->mode)))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan rope: shader %s not built", rope_variant(vk, a->mode));
    if (!t) /* a support query */
        return CHORD_OK;
    /* the shader's items: (pairs + tail) per token and group of ROPE_HPI heads */
    const uint64_t items =
        (uint64_t)a->n_tok * chord_vk_cdiv((uint64_t)a->n_head, ROPE_HPI) * (uint64_t)(a->head_dim - a->n_rot / 2);
    if (items == 0)
        return CHORD_OK;
    if (t[0].offset % 4 != 0 || t[1].offset % 4 != 0)
        return chord_fail(CHORD_ERR_INVALID, "vulkan rope: tensor offsets must be multiples of 4");
    const size_t n_bytes = (size_t)a->n_tok * a->n_head * a->head_dim * 4;
    const size_t bytes[2] = {n_bytes, n_bytes};
    rope_pc pc = {.n_tok = (uint32_t)a->n_tok,
                  .n_head = (uint32_t)a->n_head,
                  .head_dim = (uint32_t)a->head_dim,
                  .n_rot = (uint32_t)a->n_rot,
                  .pos0 = a->pos0,
                  .r = chord_vk_rope_ratio_of(a->theta_base, a->n_rot)};
    const uint32_t wg = chord_vk_pick_wg(vk, 256);
    return chord_vk_dispatch(vk, rope_variant(vk, a->mode), t, bytes, 2, &pc, sizeof pc, wg,
                             chord_vk_stride_groups(vk, items, wg), 1, 1);
}
