/* The Vulkan backend's internal API, shared by runtime/vulkan*.c (the host side: instance, device,
 * memory, command recording, timing) and the ops files runtime/vulkan_ops_*.c (argument checks and
 * dispatch geometry per op). Not part of libchord's public interface.
 *
 * Shader conventions (kernels/common/vulkan_common.glsl): binding i = tensor i of the op, bound at its
 * offset rounded down to minStorageBufferOffsetAlignment; the byte remainders go into push constants
 * o0..o3, which open every push-constant block (CHORD_PC_OFFSETS); specialization constant 0 is the
 * work-group size. */
#ifndef CHORD_VULKAN_INTERNAL_H
#define CHORD_VULKAN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* One compiled variant of CHORD_VK_VARIANTS (runtime/vulkan.cmake generates the table). */
typedef struct chord_vk_shader {
    const char *name;         /* "matmul_q4_0_f32" */
    const unsigned char *spv; /* SPIR-V words as bytes (not necessarily 4-aligned) */
    const size_t *len;        /* bytes */
} chord_vk_shader;

extern const chord_vk_shader chord_vk_shaders[];
extern const int chord_vk_n_shaders;

typedef struct chord_vk chord_vk; /* the backend context: the ctx of every backend call */

/* What the chosen device offers, for picking variants and geometry. */
typedef struct chord_vk_caps {
    uint32_t max_wg;           /* maxComputeWorkGroupInvocations (and maxComputeWorkGroupSize[0]) */
    uint32_t shared_bytes;     /* maxComputeSharedMemorySize */
    uint32_t subgroup;         /* subgroupSize: informative, shaders never assume it */
    uint32_t min_offset_align; /* minStorageBufferOffsetAlignment */
    uint32_t max_groups[3];    /* maxComputeWorkGroupCount */
    uint64_t max_range;        /* maxStorageBufferRange: bytes one binding may span */
    int has_f64, has_f16, has_int8; /* shaderFloat64, shaderFloat16, shaderInt8 (enabled when present) */
    char name[256];            /* deviceName (VK_MAX_PHYSICAL_DEVICE_NAME_SIZE bytes with its NUL) */
} chord_vk_caps;

const chord_vk_caps *chord_vk_get_caps(const chord_vk *vk);

/* Whether `variant` is built into this binary (a row of CHORD_VK_VARIANTS whose source existed). */
int chord_vk_has_shader(const chord_vk *vk, const char *variant);

/* The largest power of two <= min(want, the device's work-group limit): the usual spec constant 0. */
uint32_t chord_vk_pick_wg(const chord_vk *vk, uint32_t want);

/* The push-constant prefix every block starts with (CHORD_PC_OFFSETS in GLSL): dispatch fills it. */
#define CHORD_VK_PC_OFFSETS uint32_t o[4]

/* Records one dispatch of `variant`:
 * - t[0..n_tensors) (n_tensors <= 4) bound at bindings 0..n-1, each at its offset rounded down to the
 *   device's alignment; bytes[i] is how many bytes tensor i spans from its offset (the bound range is
 *   the remainder plus bytes[i], rounded up to 4 and checked against the buffer and
 *   maxStorageBufferRange: CHORD_ERR_UNSUPPORTED if it does not fit, so callers split big work);
 * - the byte remainders are written into the first 16 bytes of pc, which must start with
 *   CHORD_VK_PC_OFFSETS; pc[0..pc_size) (a multiple of 4, <= 128 bytes) are the push constants;
 * - specialization constant 0 = wg; groups gx * gy * gz (each <= max_groups).
 * Records into the current command buffer after a barrier that orders it behind every earlier
 * dispatch or copy (shader/transfer write -> shader read/write); the batch is submitted at
 * sync/download/timer_stop or when it is full. Pipelines are created on first use and cached. */
chord_status chord_vk_dispatch(chord_vk *vk, const char *variant, const chord_tensor *t, const size_t *bytes,
                               int n_tensors, void *pc, size_t pc_size, uint32_t wg, uint32_t gx, uint32_t gy,
                               uint32_t gz);

/* Per-op support check beside each op: NULL means "yes when the op is registered". */
typedef int (*chord_vk_supports_fn)(chord_vk *vk, const void *args);

/* Each ops file fills the entries of the ops it implements (vulkan.c calls these at init). */
void chord_vk_register_basic(chord_op_fn ops[CHORD_OP_COUNT], chord_vk_supports_fn supports[CHORD_OP_COUNT]);
void chord_vk_register_matmul(chord_op_fn ops[CHORD_OP_COUNT], chord_vk_supports_fn supports[CHORD_OP_COUNT]);

/* Vulkan error handling: every vk* call that returns a VkResult goes through CHORD_VK_CHECK, which
 * returns CHORD_ERR_DEVICE from the enclosing function with the call text, file, line and the
 * VkResult's name (so it is usable only in functions returning chord_status). */
const char *chord_vk_result_name(int result);
#define CHORD_VK_CHECK(call)                                                                                 \
    do {                                                                                                     \
        int chord_vk_r_ = (int)(call);                                                                       \
        if (chord_vk_r_ != 0)                                                                                \
            return chord_fail(CHORD_ERR_DEVICE, "vulkan: %s failed at %s:%d: %s", #call, __FILE__, __LINE__, \
                              chord_vk_result_name(chord_vk_r_));                                            \
    } while (0)

#endif
