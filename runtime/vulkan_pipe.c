/* Vulkan pipelines and dispatch: one compute pipeline per (variant, work-group size), created on
 * first use through the context's VkPipelineCache and kept until shutdown; one descriptor set per
 * dispatch from the recording frame's pool; and what launchers may ask of the device (caps, shaders). */
#include <stdlib.h>
#include <string.h>

#include "vulkan_ctx.h"

/* The push-constant range every pipeline layout declares: the minimum maxPushConstantsSize. */
#define PC_MAX 128u

const char *chord_vk_result_name(int result)
{
    switch ((VkResult)result) {
#define R(x) \
    case x: return #x;
        R(VK_SUCCESS)
        R(VK_NOT_READY)
        R(VK_TIMEOUT)
        R(VK_EVENT_SET)
        R(VK_EVENT_RESET)
        R(VK_INCOMPLETE)
        R(VK_ERROR_OUT_OF_HOST_MEMORY)
        R(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        R(VK_ERROR_INITIALIZATION_FAILED)
        R(VK_ERROR_DEVICE_LOST)
        R(VK_ERROR_MEMORY_MAP_FAILED)
        R(VK_ERROR_LAYER_NOT_PRESENT)
        R(VK_ERROR_EXTENSION_NOT_PRESENT)
        R(VK_ERROR_FEATURE_NOT_PRESENT)
        R(VK_ERROR_INCOMPATIBLE_DRIVER)
        R(VK_ERROR_TOO_MANY_OBJECTS)
        R(VK_ERROR_FORMAT_NOT_SUPPORTED)
        R(VK_ERROR_FRAGMENTED_POOL)
        R(VK_ERROR_UNKNOWN)
        R(VK_ERROR_OUT_OF_POOL_MEMORY)
        R(VK_ERROR_INVALID_EXTERNAL_HANDLE)
        R(VK_ERROR_FRAGMENTATION)
        R(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
        R(VK_PIPELINE_COMPILE_REQUIRED)
        R(VK_ERROR_VALIDATION_FAILED_EXT)
        R(VK_ERROR_INVALID_SHADER_NV)
#undef R
    default: return "unknown VkResult";
    }
}

static const chord_vk_shader *find_shader(const char *variant)
{
    for (int i = 0; i < chord_vk_n_shaders; i++)
        if (strcmp(chord_vk_shaders[i].name, variant) == 0)
            return &chord_vk_shaders[i];
    return NULL;
}

const chord_vk_caps *chord_vk_get_caps(const chord_vk *vk) { return &vk->caps; }

int chord_vk_has_shader(const chord_vk *vk, const char *variant)
{
    (void)vk;
    return find_shader(variant) != NULL;
}

static void destroy_pipe(chord_vk *vk, vk_pipe *p)
{
    if (p->pipeline)
        vkDestroyPipeline(vk->dev, p->pipeline, NULL);
    if (p->layout)
        vkDestroyPipelineLayout(vk->dev, p->layout, NULL);
    if (p->dsl)
        vkDestroyDescriptorSetLayout(vk->dev, p->dsl, NULL);
    if (p->module)
        vkDestroyShaderModule(vk->dev, p->module, NULL);
}

void vk_pipes_destroy(chord_vk *vk)
{
    for (int i = 0; i < vk->n_pipes; i++)
        destroy_pipe(vk, &vk->pipes[i]);
    free(vk->pipes);
    vk->pipes = NULL;
    vk->n_pipes = vk->cap_pipes = 0;
}

static chord_status build_pipe(chord_vk *vk, const chord_vk_shader *sh, uint32_t wg, int n_bind, vk_pipe *p)
{
    const size_t len = *sh->len;
    if (len == 0 || len % 4)
        return chord_fail(CHORD_ERR_DEVICE, "vulkan: SPIR-V of %s has %zu bytes", sh->name, len);
    /* the embedded bytes need not be 4-aligned; pCode must be */
    uint32_t *code = malloc(len);
    if (!code)
        return chord_fail(CHORD_ERR_NOMEM, "vulkan: out of host memory");
    memcpy(code, sh->spv, len);
    VkShaderModuleCreateInfo smi = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = len, .pCode = code};
    VkResult r = vkCreateShaderModule(vk->dev, &smi, NULL, &p->module);
    free(code);
    CHORD_VK_CHECK(r);

    VkDescriptorSetLayoutBinding b[CHORD_MAX_TENSORS];
    for (int i = 0; i < n_bind; i++)
        b[i] = (VkDescriptorSetLayoutBinding){
            .binding = (uint32_t)i,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    VkDescriptorSetLayoutCreateInfo dli = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = (uint32_t)n_bind,
        .pBindings = b,
    };
    CHORD_VK_CHECK(vkCreateDescriptorSetLayout(vk->dev, &dli, NULL, &p->dsl));
    VkPushConstantRange pcr = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0, .size = PC_MAX};
    VkPipelineLayoutCreateInfo pli = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &p->dsl,
        .pushConstantRangeCount = 1,
        .pPushConstantRanges = &pcr,
    };
    CHORD_VK_CHECK(vkCreatePipelineLayout(vk->dev, &pli, NULL, &p->layout));

    VkSpecializationMapEntry me = {.constantID = 0, .offset = 0, .size = sizeof(uint32_t)};
    VkSpecializationInfo spec = {.mapEntryCount = 1, .pMapEntries = &me, .dataSize = sizeof wg, .pData = &wg};
    VkComputePipelineCreateInfo cpi = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage =
            {
                .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = p->module,
                .pName = "main",
                .pSpecializationInfo = &spec,
            },
        .layout = p->layout,
    };
    CHORD_VK_CHECK(vkCreateComputePipelines(vk->dev, vk->pipeline_cache, 1, &cpi, NULL, &p->pipeline));
    return CHORD_OK;
}

static chord_status get_pipe(chord_vk *vk, const char *variant, uint32_t wg, int n_bind, vk_pipe **out)
{
    for (int i = 0; i < vk->n_pipes; i++) {
        vk_pipe *p = &vk->pipes[i];
        if (p->wg == wg && strcmp(p->name, variant) == 0) {
            if (p->n_bind != n_bind)
                return chord_fail(CHORD_ERR_INVALID, "vulkan: %s dispatched with %d tensors, earlier with %d", variant,
                                  n_bind, p->n_bind);
            *out = p;
            return CHORD_OK;
        }
    }
    const chord_vk_shader *sh = find_shader(variant);
    if (!sh)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "vulkan: shader variant %s is not built into this binary", variant);
    if (vk->n_pipes == vk->cap_pipes) {
        int cap = vk->cap_pipes ? 2 * vk->cap_pipes : 32;
        vk_pipe *np = realloc(vk->pipes, (size_t)cap * sizeof *np);
        if (!np)
            return chord_fail(CHORD_ERR_NOMEM, "vulkan: out of host memory");
        vk->pipes = np;
        vk->cap_pipes = cap;
    }
    vk_pipe p = {.name = sh->name, .wg = wg, .n_bind = n_bind};
    chord_status s = build_pipe(vk, sh, wg, n_bind, &p);
    if (s != CHORD_OK) {
        destroy_pipe(vk, &p);
        return s;
    }
    vk->pipes[vk->n_pipes] = p;
    *out = &vk->pipes[vk->n_pipes++];
    return CHORD_OK;
}

chord_status chord_vk_dispatch(chord_vk *vk, const char *variant, const chord_tensor *t, const size_t *bytes,
                               int n_tensors, void *pc, size_t pc_size, uint32_t wg, uint32_t gx, uint32_t gy,
                               uint32_t gz)
{
    const chord_vk_caps *c = &vk->caps;
    if (n_tensors < 1 || n_tensors > CHORD_MAX_TENSORS || pc_size < 16 || pc_size > PC_MAX || pc_size % 4)
        return chord_fail(CHORD_ERR_INVALID, "vulkan: %s: %d tensors, %zu bytes of push constants", variant, n_tensors,
                          pc_size);
    if (wg == 0 || wg > c->max_wg)
        return chord_fail(CHORD_ERR_INVALID, "vulkan: %s: work-group size %u (device limit %u)", variant, wg,
                          c->max_wg);
    if (gx > c->max_groups[0] || gy > c->max_groups[1] || gz > c->max_groups[2])
        return chord_fail(CHORD_ERR_INVALID, "vulkan: %s: %u x %u x %u groups exceed the limit %u x %u x %u", variant,
                          gx, gy, gz, c->max_groups[0], c->max_groups[1], c->max_groups[2]);
    if (gx == 0 || gy == 0 || gz == 0)
        return CHORD_OK; /* empty work */

    VkDescriptorBufferInfo bi[CHORD_MAX_TENSORS];
    uint32_t rem[4] = {0, 0, 0, 0};
    for (int i = 0; i < n_tensors; i++) {
        const chord_buf *b = t[i].buf;
        if (t[i].offset > b->bytes || bytes[i] > b->bytes - t[i].offset)
            return chord_fail(CHORD_ERR_INVALID, "vulkan: %s: tensor %d spans %zu+%zu bytes of a %zu-byte buffer",
                              variant, i, t[i].offset, bytes[i], b->bytes);
        const size_t base = t[i].offset / c->min_offset_align * c->min_offset_align;
        rem[i] = (uint32_t)(t[i].offset - base);
        size_t range = (rem[i] + bytes[i] + 3) & ~(size_t)3; /* shaders read whole 32-bit words */
        if (range == 0)
            range = 4;
        if (range > c->max_range)
            return chord_fail(CHORD_ERR_UNSUPPORTED,
                              "vulkan: %s: tensor %d spans %zu bytes, more than maxStorageBufferRange (%llu) of %s",
                              variant, i, range, (unsigned long long)c->max_range, c->name);
        /* alloc_bytes is a multiple of 16 >= bytes, so rounding to 4 stays inside the buffer */
        bi[i] = (VkDescriptorBufferInfo){.buffer = b->buf, .offset = base, .range = range};
    }
    memcpy(pc, rem, 16); /* CHORD_PC_OFFSETS: o0..o3 */

    vk_pipe *p = NULL;
    CHORD_TRY(get_pipe(vk, variant, wg, n_tensors, &p));
    VkDescriptorSet set;
    CHORD_TRY(vk_alloc_set(vk, p->dsl, &set));
    VkWriteDescriptorSet w[CHORD_MAX_TENSORS];
    for (int i = 0; i < n_tensors; i++)
        w[i] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstSet = set,
            .dstBinding = (uint32_t)i,
            .descriptorCount = 1,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .pBufferInfo = &bi[i],
        };
    vkUpdateDescriptorSets(vk->dev, (uint32_t)n_tensors, w, 0, NULL);

    VkCommandBuffer cmd = VK_NULL_HANDLE;
    CHORD_TRY(vk_begin_command(vk, &cmd));
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
    vkCmdPushConstants(cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, (uint32_t)pc_size, pc);
    vkCmdDispatch(cmd, gx, gy, gz);
    return CHORD_OK;
}
