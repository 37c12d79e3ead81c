/* What the Vulkan backend (runtime/vulkan*.c: instance, device, memory, command recording, pipelines, timing)
 * offers its launchers (kernels/<op>/vulkan.c: argument checks, variant choice and dispatch geometry per op),
 * and the helpers the launchers share (kernels/common/vulkan_launch.c). Not part of libchord's public interface.
 *
 * Shader conventions (kernels/common/vulkan_common.glsl): binding i = tensor i of the op, bound at its
 * offset rounded down to minStorageBufferOffsetAlignment; the byte remainders go into push constants
 * o0..o3, which open every push-constant block (CHORD_PC_OFFSETS); specialization constant 0 is the
 * work-group size. */
#ifndef CHORD_VULKAN_LAUNCH_H
#define CHORD_VULKAN_LAUNCH_H

#include <stddef.h>
#include <stdint.h>

#include "../ops.h"

/* One compiled variant (runtime/vulkan.cmake generates the table from each shader's variant lines). */
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
    uint32_t max_wg;                /* maxComputeWorkGroupInvocations (and maxComputeWorkGroupSize[0]) */
    uint32_t shared_bytes;          /* maxComputeSharedMemorySize */
    uint32_t subgroup;              /* subgroupSize: informative, shaders never assume it */
    int has_subgroup_shuffle;       /* compute shaders have SUBGROUP_FEATURE_BASIC and _SHUFFLE */
    uint32_t min_offset_align;      /* minStorageBufferOffsetAlignment */
    uint32_t max_groups[3];         /* maxComputeWorkGroupCount */
    uint64_t max_range;             /* maxStorageBufferRange: bytes one binding may span */
    int has_f64, has_f16, has_int8; /* shaderFloat64, shaderFloat16, shaderInt8 (enabled when present) */
    char name[256];                 /* deviceName (VK_MAX_PHYSICAL_DEVICE_NAME_SIZE bytes with its NUL) */
} chord_vk_caps;

/* ---- the backend's side (runtime/vulkan_pipe.c) ---- */

const chord_vk_caps *chord_vk_get_caps(const chord_vk *vk);

/* Whether `variant` is built into this binary. */
int chord_vk_has_shader(const chord_vk *vk, const char *variant);

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

/* ---- the launchers, chord_<op>_vulkan (kernels/<op>/vulkan.c), and the helpers they share ---- */

CHORD_OPS(CHORD_DECLARE_VULKAN)

/* Every index a shader computes is a 32-bit uint: tensors and byte addresses must stay below 2^32. */
#define CHORD_VK_U32_SPAN 0xffffffffull

/* Whether a matmul's W (n rows of row_bytes), X (m, k) f32 and Y (m, n) f32 each span less than 4 GiB. */
int chord_vk_matmul_fits(int m, int n, int k, size_t row_bytes);
/* The largest power of two <= min(want, the device's work-group limit): the usual spec constant 0. */
uint32_t chord_vk_pick_wg(const chord_vk *vk, uint32_t want);
/* n / d rounded up; the smaller of a and b. */
uint64_t chord_vk_cdiv(uint64_t n, uint64_t d);
uint32_t chord_vk_min_u32(uint64_t a, uint32_t b);
/* The byte remainder the shader sees for a tensor: its offset modulo the binding alignment. */
size_t chord_vk_pc_remainder(const chord_vk *vk, size_t offset);
/* Groups for a grid-stride 1-D loop over `items`: enough for a few waves, within the device limit. */
uint32_t chord_vk_stride_groups(const chord_vk *vk, uint64_t items, uint32_t wg);
/* Groups for `items` at per_group each, at most 65535 (the minimum maxComputeWorkGroupCount; shaders
 * grid-stride past it). */
uint32_t chord_vk_groups_for(const chord_vk *vk, uint64_t items, uint32_t per_group);
/* Whether tensors t[0 .. n) start 16-byte aligned inside their bindings (a binding starts at the offset rounded
 * down to minStorageBufferOffsetAlignment). */
int chord_vk_vec4_ok(const chord_vk *vk, const chord_tensor *t, int n);
/* Bytes one dispatch may give a tensor: the binding range less the worst-case alignment remainder, and at most
 * 4 GiB - 16 so that float indices stay 32-bit. */
uint64_t chord_vk_max_tensor_bytes(const chord_vk *vk);
/* The variant suffix of a weight type ("q4_0"), or NULL when no shader handles it. */
const char *chord_vk_wtype_name(chord_type type);

/* Per-device tunables, by device-name prefix; 0 where the device has no entry (the launcher's default). */
typedef struct chord_vk_tune {
    uint32_t matmul_tpr;         /* matmul: invocations per W row */
    uint32_t attn_wg;            /* attention: work-group width */
    uint32_t matmul_split_lanes; /* matmul on the split layouts: the invocations its k split aims for */
} chord_vk_tune;
chord_vk_tune chord_vk_tuning(const chord_vk *vk);

/* An elementwise op: t[0 .. n_tensors) each (n) f32, the output last, dispatched as `base` (or base_v4 when n and
 * every offset allow vec4) in as many dispatches as the binding range needs; push constants {offsets, n}.
 * t == NULL (a support query): whether `base` is built. */
chord_status chord_vk_elementwise(chord_vk *vk, const char *base, const chord_tensor *t, int n_tensors, int64_t n);

/* The fields of a row op's push constants that change per dispatch. */
typedef struct chord_vk_row_split {
    uint32_t *n_rows; /* rows of this dispatch */
    uint32_t *row0;   /* first row of this dispatch within the op, or NULL */
} chord_vk_row_split;

/* Dispatches `variant` over n_rows rows of n_cols floats, one work-group per row, in as few dispatches as the
 * binding range allows; tensors with bit i of row_mask set are (n_rows, n_cols), the others are bound whole
 * (one row's bytes). vec: floats per shader load (1 or 4). */
chord_status chord_vk_rows(chord_vk *vk, const char *variant, const chord_tensor *t, int n_tensors, unsigned row_mask,
                           int n_rows, int n_cols, int vec, void *pc, size_t pc_size, chord_vk_row_split split);

#endif
