/* Vulkan command batches, memory, transfers and timing.
 *
 * Work is recorded into the current frame's command buffer; a frame is submitted when it holds
 * CHORD_VK_BATCH dispatches, or at sync, download, free and timer_stop. Two frames alternate, so one
 * batch runs while the next is recorded. Every recorded command is preceded by one global memory
 * barrier (compute and transfer writes -> compute and transfer reads and writes): ops, uploads and
 * copies then behave as if run one after another, also across submits (a barrier's first scope is
 * everything earlier in submission order), and read-after-write as well as write-after-read hazards
 * are covered without tracking buffers.
 *
 * Uploads and downloads go through one host-visible staging buffer: an upload copies into its free
 * part and records a copy; a download records a copy into it, a transfer -> host barrier, submits and
 * waits. The staging space is reclaimed only when the device is idle, so nothing in flight is
 * overwritten. On GPUs, device copies of 4-byte aligned, non-overlapping ranges run the copy_u32 shader
 * (vkCmdCopyBuffer was 3.4x slower on the H100); on CPU implementations vkCmdCopyBuffer is a memcpy
 * and stays (lavapipe: 25.6 GB/s, the shader 1.8 GB/s). CHORD_VK_COPY_SHADER=0|1 overrides the choice
 * (tests run the shader on lavapipe). Overlapping copies bounce through staging. */
#include <stdlib.h>
#include <string.h>

#include "vulkan_ctx.h"

/* A hung or lost device must not hang the caller forever. */
#define FENCE_TIMEOUT_NS ((uint64_t)600 * 1000000000)

static chord_status create_buffer(chord_vk *vk, VkDeviceSize bytes, VkBufferUsageFlags usage,
                                  VkMemoryPropertyFlags want, VkMemoryPropertyFlags prefer, VkBuffer *buf,
                                  VkDeviceMemory *mem)
{
    if (vk->max_alloc && bytes > vk->max_alloc)
        return chord_fail(CHORD_ERR_NOMEM, "vulkan: %llu bytes exceed maxMemoryAllocationSize (%llu) of %s",
                          (unsigned long long)bytes, (unsigned long long)vk->max_alloc, vk->caps.name);
    VkBufferCreateInfo bci = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = bytes,
        .usage = usage,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    CHORD_VK_CHECK(vkCreateBuffer(vk->dev, &bci, NULL, buf));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(vk->dev, *buf, &req);
    uint32_t type = 0;
    chord_status s = vk_find_memory(vk, req.memoryTypeBits, want, prefer, &type);
    if (s == CHORD_OK) {
        VkMemoryAllocateInfo mai = {
            .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
            .allocationSize = req.size,
            .memoryTypeIndex = type,
        };
        VkResult r = vkAllocateMemory(vk->dev, &mai, NULL, mem);
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
            s = chord_fail(CHORD_ERR_NOMEM, "vulkan: cannot allocate %llu bytes on %s (%s)", (unsigned long long)bytes,
                           vk->caps.name, chord_vk_result_name(r));
        else if (r != VK_SUCCESS)
            s = chord_fail(CHORD_ERR_DEVICE, "vulkan: vkAllocateMemory(%llu bytes) failed: %s",
                           (unsigned long long)bytes, chord_vk_result_name(r));
    }
    if (s == CHORD_OK) {
        VkResult r = vkBindBufferMemory(vk->dev, *buf, *mem, 0);
        if (r != VK_SUCCESS) {
            vkFreeMemory(vk->dev, *mem, NULL);
            s = chord_fail(CHORD_ERR_DEVICE, "vulkan: vkBindBufferMemory failed: %s", chord_vk_result_name(r));
        }
    }
    if (s != CHORD_OK) {
        vkDestroyBuffer(vk->dev, *buf, NULL);
        *buf = VK_NULL_HANDLE;
        *mem = VK_NULL_HANDLE;
    }
    return s;
}

chord_status vk_find_memory(const chord_vk *vk, uint32_t type_bits, VkMemoryPropertyFlags want,
                            VkMemoryPropertyFlags prefer, uint32_t *out)
{
    const VkPhysicalDeviceMemoryProperties *m = &vk->mem_props;
    for (int pass = 0; pass < 2; pass++) {
        const VkMemoryPropertyFlags need = pass == 0 ? want | prefer : want;
        for (uint32_t i = 0; i < m->memoryTypeCount; i++)
            if ((type_bits & (1u << i)) && (m->memoryTypes[i].propertyFlags & need) == need) {
                *out = i;
                return CHORD_OK;
            }
    }
    return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan: %s has no memory type with flags 0x%x", vk->caps.name,
                      (unsigned)want);
}

chord_status vk_cmd_init(chord_vk *vk)
{
    VkCommandPoolCreateInfo cpi = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = vk->queue_family,
    };
    CHORD_VK_CHECK(vkCreateCommandPool(vk->dev, &cpi, NULL, &vk->cmd_pool));
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(vk->phys, &props);
    const char *cs = getenv("CHORD_VK_COPY_SHADER");
    vk->copy_shader = cs && *cs ? strcmp(cs, "0") != 0 : props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU;
    VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, CHORD_VK_BATCH * CHORD_MAX_TENSORS};
    for (int i = 0; i < CHORD_VK_FRAMES; i++) {
        vk_frame *f = &vk->frames[i];
        VkCommandBufferAllocateInfo cai = {
            .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
            .commandPool = vk->cmd_pool,
            .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
            .commandBufferCount = 1,
        };
        CHORD_VK_CHECK(vkAllocateCommandBuffers(vk->dev, &cai, &f->cmd));
        VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        CHORD_VK_CHECK(vkCreateFence(vk->dev, &fci, NULL, &f->fence));
        VkDescriptorPoolCreateInfo dpi = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
            .maxSets = CHORD_VK_BATCH,
            .poolSizeCount = 1,
            .pPoolSizes = &size,
        };
        CHORD_VK_CHECK(vkCreateDescriptorPool(vk->dev, &dpi, NULL, &f->pool));
    }
    CHORD_TRY(create_buffer(vk, CHORD_VK_STAGING_BYTES,
                            VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                            VK_MEMORY_PROPERTY_HOST_CACHED_BIT, /* downloads read it back */
                            &vk->staging, &vk->staging_mem));
    void *map;
    CHORD_VK_CHECK(vkMapMemory(vk->dev, vk->staging_mem, 0, VK_WHOLE_SIZE, 0, &map));
    vk->staging_map = map;
    if (vk->timestamp_mask) {
        VkQueryPoolCreateInfo qpi = {
            .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
            .queryType = VK_QUERY_TYPE_TIMESTAMP,
            .queryCount = 2,
        };
        CHORD_VK_CHECK(vkCreateQueryPool(vk->dev, &qpi, NULL, &vk->timer_pool));
    }
    return CHORD_OK;
}

void vk_cmd_destroy(chord_vk *vk)
{
    if (vk->timer_pool)
        vkDestroyQueryPool(vk->dev, vk->timer_pool, NULL);
    if (vk->staging_map)
        vkUnmapMemory(vk->dev, vk->staging_mem);
    if (vk->staging)
        vkDestroyBuffer(vk->dev, vk->staging, NULL);
    if (vk->staging_mem)
        vkFreeMemory(vk->dev, vk->staging_mem, NULL);
    for (int i = 0; i < CHORD_VK_FRAMES; i++) {
        vk_frame *f = &vk->frames[i];
        if (f->pool)
            vkDestroyDescriptorPool(vk->dev, f->pool, NULL);
        if (f->fence)
            vkDestroyFence(vk->dev, f->fence, NULL);
    }
    if (vk->cmd_pool)
        vkDestroyCommandPool(vk->dev, vk->cmd_pool, NULL); /* frees the command buffers */
}

/* Waits for frame f's submission and makes it reusable. */
static chord_status retire(chord_vk *vk, vk_frame *f)
{
    if (!f->pending)
        return CHORD_OK;
    VkResult r = vkWaitForFences(vk->dev, 1, &f->fence, VK_TRUE, FENCE_TIMEOUT_NS);
    if (r == VK_TIMEOUT)
        return chord_fail(CHORD_ERR_DEVICE, "vulkan: a batch did not finish within %llu s (hung shader?)",
                          (unsigned long long)(FENCE_TIMEOUT_NS / 1000000000));
    CHORD_VK_CHECK(r);
    f->pending = 0;
    CHORD_VK_CHECK(vkResetFences(vk->dev, 1, &f->fence));
    CHORD_VK_CHECK(vkResetDescriptorPool(vk->dev, f->pool, 0));
    f->n_sets = 0;
    return CHORD_OK;
}

chord_status vk_begin_command(chord_vk *vk, VkCommandBuffer *out)
{
    vk_frame *f = &vk->frames[vk->cur];
    if (!f->recording) {
        CHORD_TRY(retire(vk, f));
        CHORD_VK_CHECK(vkResetCommandBuffer(f->cmd, 0));
        VkCommandBufferBeginInfo bi = {
            .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
            .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
        };
        CHORD_VK_CHECK(vkBeginCommandBuffer(f->cmd, &bi));
        f->recording = 1;
    }
    if (vk->any_submitted) {
        VkMemoryBarrier mb = {
            .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
            .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
            .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                             VK_ACCESS_TRANSFER_WRITE_BIT,
        };
        const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
        vkCmdPipelineBarrier(f->cmd, stages, stages, 0, 1, &mb, 0, NULL, 0, NULL);
    }
    vk->any_submitted = 1;
    *out = f->cmd;
    return CHORD_OK;
}

chord_status vk_flush(chord_vk *vk, int wait)
{
    vk_frame *f = &vk->frames[vk->cur];
    if (f->recording) {
        f->recording = 0; /* even on failure: the buffer is reset before its next use */
        CHORD_VK_CHECK(vkEndCommandBuffer(f->cmd));
        VkSubmitInfo si = {
            .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
            .commandBufferCount = 1,
            .pCommandBuffers = &f->cmd,
        };
        CHORD_VK_CHECK(vkQueueSubmit(vk->queue, 1, &si, f->fence));
        f->pending = 1;
        vk->cur = (vk->cur + 1) % CHORD_VK_FRAMES;
    }
    if (wait) {
        for (int i = 0; i < CHORD_VK_FRAMES; i++)
            CHORD_TRY(retire(vk, &vk->frames[i]));
        vk->staging_used = 0; /* nothing in flight reads or writes it any more */
    }
    return vk_validation_status(vk);
}

chord_status vk_alloc_set(chord_vk *vk, VkDescriptorSetLayout dsl, VkDescriptorSet *out)
{
    if (vk->frames[vk->cur].n_sets >= CHORD_VK_BATCH)
        CHORD_TRY(vk_flush(vk, 0));
    vk_frame *f = &vk->frames[vk->cur];
    if (!f->recording)
        CHORD_TRY(retire(vk, f)); /* its pool may still hold the sets of its last batch */
    VkDescriptorSetAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorPool = f->pool,
        .descriptorSetCount = 1,
        .pSetLayouts = &dsl,
    };
    CHORD_VK_CHECK(vkAllocateDescriptorSets(vk->dev, &ai, out));
    f->n_sets++;
    return CHORD_OK;
}

/* ---- memory and transfers ---- */

chord_status vk_alloc(void *ctx, size_t bytes, chord_buf **out)
{
    chord_vk *vk = ctx;
    CHORD_TRY(vk_validation_status(vk));
    chord_buf *b = calloc(1, sizeof *b);
    if (!b)
        return chord_fail(CHORD_ERR_NOMEM, "vulkan: out of host memory");
    b->bytes = bytes;
    b->alloc_bytes = (bytes + 15) & ~(size_t)15;
    chord_status s = create_buffer(vk, b->alloc_bytes,
                                   VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                       VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                   VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, &b->buf, &b->mem);
    if (s != CHORD_OK) {
        free(b);
        return s;
    }
    *out = b;
    return CHORD_OK;
}

void vk_free(void *ctx, chord_buf *b)
{
    chord_vk *vk = ctx;
    /* recorded or running commands may still use it. free() returns nothing: validation errors stay
     * pending for the next call to report, and a lost device fails that call again. */
    const int reported = vk->val_reported;
    vk_flush(vk, 1);
    vk->val_reported = reported;
    vkDestroyBuffer(vk->dev, b->buf, NULL);
    vkFreeMemory(vk->dev, b->mem, NULL);
    free(b);
}

size_t vk_buf_bytes(const chord_buf *b) { return b->bytes; }

/* Reserves up to `want` bytes of staging (16-aligned start), waiting for the device if none is free. */
static chord_status staging_reserve(chord_vk *vk, size_t want, size_t *at, size_t *got)
{
    if (vk->staging_used >= CHORD_VK_STAGING_BYTES)
        CHORD_TRY(vk_flush(vk, 1));
    *at = vk->staging_used;
    *got = CHORD_VK_STAGING_BYTES - *at < want ? CHORD_VK_STAGING_BYTES - *at : want;
    vk->staging_used = (*at + *got + 15) & ~(size_t)15;
    return CHORD_OK;
}

static chord_status record_copy(chord_vk *vk, VkBuffer src, size_t soff, VkBuffer dst, size_t doff, size_t n)
{
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    CHORD_TRY(vk_begin_command(vk, &cmd));
    VkBufferCopy region = {.srcOffset = soff, .dstOffset = doff, .size = n};
    vkCmdCopyBuffer(cmd, src, dst, 1, &region);
    return CHORD_OK;
}

chord_status vk_upload(void *ctx, chord_buf *dst, size_t off, const void *src, size_t bytes)
{
    chord_vk *vk = ctx;
    CHORD_TRY(vk_validation_status(vk));
    const unsigned char *p = src;
    while (bytes > 0) {
        size_t at, n;
        CHORD_TRY(staging_reserve(vk, bytes, &at, &n));
        memcpy(vk->staging_map + at, p, n); /* coherent: visible to the device at submit */
        CHORD_TRY(record_copy(vk, vk->staging, at, dst->buf, off, n));
        p += n;
        off += n;
        bytes -= n;
    }
    return CHORD_OK;
}

/* Copies device bytes into staging and waits: *at is where they landed. */
static chord_status fetch(chord_vk *vk, VkBuffer src, size_t off, size_t want, size_t *at, size_t *got)
{
    CHORD_TRY(staging_reserve(vk, want, at, got));
    CHORD_TRY(record_copy(vk, src, off, vk->staging, *at, *got));
    VkMemoryBarrier mb = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
    };
    vkCmdPipelineBarrier(vk->frames[vk->cur].cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb,
                         0, NULL, 0, NULL);
    return vk_flush(vk, 1);
}

chord_status vk_download(void *ctx, const chord_buf *src, size_t off, void *dst, size_t bytes)
{
    chord_vk *vk = ctx;
    CHORD_TRY(vk_validation_status(vk));
    unsigned char *p = dst;
    while (bytes > 0) {
        size_t at, n;
        CHORD_TRY(fetch(vk, src->buf, off, bytes, &at, &n));
        memcpy(p, vk->staging_map + at, n);
        p += n;
        off += n;
        bytes -= n;
    }
    return CHORD_OK;
}

typedef struct pc_copy {
    CHORD_VK_PC_OFFSETS;
    uint32_t n; /* items: uints or uvec4s */
} pc_copy;

#define COPY_WG 256u
#define COPY_UNROLL 4u         /* items per invocation and pass, as UNROLL in the shader */
#define COPY_MAX_GROUPS 65535u /* the minimum maxComputeWorkGroupCount; the shader grid-strides past it */

/* Copies the non-overlapping ranges, on GPUs, with the copy_u32 shader where both offsets are multiples
 * of 4 (kernels/common/vulkan_copy.comp says why: vkCmdCopyBuffer reached 845 GB/s on the H100, a shader
 * 2.9 TB/s), uvec4 at a time when both also start 16-byte aligned in their bindings; the bytes past the
 * last whole item, and every copy the shader cannot do, go through vkCmdCopyBuffer. Downloads and later
 * commands are ordered behind the dispatches by vk_begin_command's barrier (shader write -> transfer
 * or shader read). */
static chord_status copy_disjoint(chord_vk *vk, chord_buf *dst, size_t doff, const chord_buf *src, size_t soff,
                                  size_t bytes)
{
    const chord_vk_caps *c = chord_vk_get_caps(vk);
    const int v4 = soff % c->min_offset_align % 16 == 0 && doff % c->min_offset_align % 16 == 0 &&
                   chord_vk_has_shader(vk, "copy_u32_v4");
    const size_t item = v4 ? 16 : 4;
    size_t bulk = bytes / item * item;
    const char *variant = v4 ? "copy_u32_v4" : "copy_u32";
    if (!vk->copy_shader || soff % 4 != 0 || doff % 4 != 0 || !chord_vk_has_shader(vk, variant))
        bulk = 0;
    /* bytes per dispatch: one binding's range less the alignment remainder, a multiple of 16 so every
     * chunk keeps the offsets' alignment, and few enough items for 32-bit indices */
    uint64_t chunk_max = c->max_range > c->min_offset_align ? c->max_range - c->min_offset_align : 0;
    if (chunk_max > ((uint64_t)1 << 32) - 16)
        chunk_max = ((uint64_t)1 << 32) - 16;
    chunk_max &= ~(uint64_t)15;
    if (chunk_max == 0)
        bulk = 0;
    const uint32_t wg = chord_vk_pick_wg(vk, COPY_WG);
    const uint32_t max_groups = c->max_groups[0] < COPY_MAX_GROUPS ? c->max_groups[0] : COPY_MAX_GROUPS;
    for (size_t done = 0; done < bulk;) {
        const size_t cnt = bulk - done < chunk_max ? bulk - done : (size_t)chunk_max;
        const chord_tensor t[2] = {{(chord_buf *)src, soff + done}, {dst, doff + done}};
        const size_t span[2] = {cnt, cnt};
        pc_copy pc = {.n = (uint32_t)(cnt / item)};
        const uint64_t per_group = (uint64_t)wg * COPY_UNROLL, want = (pc.n + per_group - 1) / per_group;
        const uint32_t gx = want < max_groups ? (uint32_t)want : max_groups;
        CHORD_TRY(chord_vk_dispatch(vk, variant, t, span, 2, &pc, sizeof pc, wg, gx, 1, 1));
        done += cnt;
    }
    if (bulk == bytes)
        return CHORD_OK;
    return record_copy(vk, src->buf, soff + bulk, dst->buf, doff + bulk, bytes - bulk);
}

chord_status vk_copy(void *ctx, chord_buf *dst, size_t doff, const chord_buf *src, size_t soff, size_t bytes)
{
    chord_vk *vk = ctx;
    CHORD_TRY(vk_validation_status(vk));
    if (bytes == 0)
        return CHORD_OK;
    if (dst != src || doff + bytes <= soff || soff + bytes <= doff)
        return copy_disjoint(vk, dst, doff, src, soff, bytes);
    /* vkCmdCopyBuffer forbids overlap: bounce through staging (memmove semantics, rare and slow).
     * Chunks run back to front when the destination lies after the source, so no chunk reads bytes
     * an earlier chunk already overwrote. */
    const int backward = doff > soff;
    while (bytes > 0) {
        size_t at, n;
        CHORD_TRY(staging_reserve(vk, bytes, &at, &n));
        const size_t s = backward ? soff + bytes - n : soff, d = backward ? doff + bytes - n : doff;
        CHORD_TRY(record_copy(vk, src->buf, s, vk->staging, at, n));
        CHORD_TRY(record_copy(vk, vk->staging, at, dst->buf, d, n));
        if (!backward) {
            soff += n;
            doff += n;
        }
        bytes -= n;
    }
    return CHORD_OK;
}

chord_status vk_sync(void *ctx) { return vk_flush(ctx, 1); }

/* ---- timing: two timestamps, each written when every earlier command has finished ---- */

chord_status vk_timer_start(void *ctx)
{
    chord_vk *vk = ctx;
    CHORD_TRY(vk_validation_status(vk));
    if (!vk->timer_pool)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan: %s's compute queue has no timestamps", vk->caps.name);
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    CHORD_TRY(vk_begin_command(vk, &cmd));
    vkCmdResetQueryPool(cmd, vk->timer_pool, 0, 2);
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, vk->timer_pool, 0);
    vk->timer_running = 1;
    return CHORD_OK;
}

chord_status vk_timer_stop(void *ctx, double *ms)
{
    chord_vk *vk = ctx;
    if (!vk->timer_running)
        return chord_fail(CHORD_ERR_INVALID, "vulkan: timer_stop without timer_start");
    vk->timer_running = 0;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    CHORD_TRY(vk_begin_command(vk, &cmd));
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, vk->timer_pool, 1);
    CHORD_TRY(vk_flush(vk, 1));
    uint64_t ts[2];
    CHORD_VK_CHECK(vkGetQueryPoolResults(vk->dev, vk->timer_pool, 0, 2, sizeof ts, ts, sizeof ts[0],
                                         VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
    const uint64_t ticks = (ts[1] - ts[0]) & vk->timestamp_mask; /* wraps within the valid bits */
    *ms = (double)ticks * vk->timestamp_period_ns * 1e-6;
    return CHORD_OK;
}
