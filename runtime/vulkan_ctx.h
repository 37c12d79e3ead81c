/* The Vulkan backend's context and the helpers its host-side files share (runtime/vulkan.c: instance,
 * device, validation, the backend table; vulkan_cmd.c: command batches, memory, transfers, timing;
 * vulkan_pipe.c: pipelines, dispatch and the capabilities launchers read). Launchers (kernels/<op>/vulkan.c) see
 * only kernels/common/vulkan_launch.h. */
#ifndef CHORD_VULKAN_CTX_H
#define CHORD_VULKAN_CTX_H

#include <vulkan/vulkan.h>

#include "backend.h"
#include "common/vulkan_launch.h"

/* Command buffers in flight: while one batch runs, the next is recorded. */
#define CHORD_VK_FRAMES 2
/* Dispatches per command buffer (and descriptor sets per frame's pool): a full batch is submitted. */
#define CHORD_VK_BATCH 256
/* Host-visible staging buffer, reused by every upload and download; bigger transfers are chunked. */
#define CHORD_VK_STAGING_BYTES ((size_t)64 << 20)

typedef struct vk_frame {
    VkCommandBuffer cmd;
    VkFence fence;
    VkDescriptorPool pool;
    int recording; /* vkBeginCommandBuffer done, not yet submitted */
    int pending;   /* submitted, fence not yet waited on */
    int n_sets;    /* descriptor sets allocated from pool since its last reset */
} vk_frame;

/* One pipeline per (variant, work-group size); the layout depends on the variant's binding count. */
typedef struct vk_pipe {
    const char *name; /* points into chord_vk_shaders[] */
    uint32_t wg;
    int n_bind;
    VkShaderModule module;
    VkDescriptorSetLayout dsl;
    VkPipelineLayout layout;
    VkPipeline pipeline;
} vk_pipe;

struct chord_buf {
    VkBuffer buf;
    VkDeviceMemory mem;
    size_t bytes;       /* as requested */
    size_t alloc_bytes; /* rounded up to 16 so 4-byte-rounded bindings stay inside */
};

struct chord_vk {
    VkInstance inst;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkDevice dev;
    VkQueue queue;
    uint32_t queue_family;
    chord_vk_caps caps;
    VkPhysicalDeviceMemoryProperties mem_props;
    VkDeviceSize max_alloc; /* maxMemoryAllocationSize */

    VkCommandPool cmd_pool;
    vk_frame frames[CHORD_VK_FRAMES];
    int cur;           /* frame being recorded */
    int any_submitted; /* a command exists before the next one: it needs a barrier */

    VkPipelineCache pipeline_cache;
    vk_pipe *pipes;
    int n_pipes, cap_pipes;

    VkBuffer staging;
    VkDeviceMemory staging_mem;
    unsigned char *staging_map;
    size_t staging_used; /* bytes handed to recorded copies since the device was last idle */

    VkQueryPool timer_pool; /* VK_NULL_HANDLE: no timestamps on this queue */
    double timestamp_period_ns;
    uint64_t timestamp_mask;
    int timer_running;

    int validation;          /* the validation layer is enabled */
    volatile int val_errors; /* counted by the debug messenger */
    int val_reported;        /* errors already returned to a caller */
    char val_first[768];     /* the first error's message */

    int copy_shader; /* vk_copy runs the copy_u32 shader (GPUs; CHORD_VK_COPY_SHADER=0|1 overrides) */

    int profile; /* CHORD_VK_PROFILE=1: each op waited for and timed on the host */
    double prof_ms[CHORD_OP_COUNT];
    long prof_n[CHORD_OP_COUNT];
};

/* vulkan.c: CHORD_ERR_DEVICE (with the first message) if validation errors arrived since the last report. */
chord_status vk_validation_status(chord_vk *vk);

/* vulkan_cmd.c */
chord_status vk_cmd_init(chord_vk *vk);
void vk_cmd_destroy(chord_vk *vk);
/* The command buffer to record into, with a barrier ordering the next command behind every earlier
 * one (compute and transfer writes -> compute and transfer reads and writes). */
chord_status vk_begin_command(chord_vk *vk, VkCommandBuffer *out);
/* Submits the batch being recorded (if any); with wait, also waits until the device is idle. */
chord_status vk_flush(chord_vk *vk, int wait);
/* A descriptor set from the current frame's pool, submitting the batch first when it is full. */
chord_status vk_alloc_set(chord_vk *vk, VkDescriptorSetLayout dsl, VkDescriptorSet *out);
chord_status vk_find_memory(const chord_vk *vk, uint32_t type_bits, VkMemoryPropertyFlags want,
                            VkMemoryPropertyFlags prefer, uint32_t *out);

/* vulkan_pipe.c */
void vk_pipes_destroy(chord_vk *vk);

/* the backend functions vulkan.c puts in the table */
chord_status vk_alloc(void *ctx, size_t bytes, chord_buf **out);
void vk_free(void *ctx, chord_buf *buf);
size_t vk_buf_bytes(const chord_buf *buf);
chord_status vk_upload(void *ctx, chord_buf *dst, size_t off, const void *src, size_t bytes);
chord_status vk_download(void *ctx, const chord_buf *src, size_t off, void *dst, size_t bytes);
chord_status vk_copy(void *ctx, chord_buf *dst, size_t doff, const chord_buf *src, size_t soff, size_t bytes);
chord_status vk_sync(void *ctx);
chord_status vk_timer_start(void *ctx);
chord_status vk_timer_stop(void *ctx, double *ms);

#endif
