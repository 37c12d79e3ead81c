/* The Vulkan backend: instance and device choice, the validation layer, capabilities and the backend
 * table. Memory, command batches and timing are in vulkan_cmd.c, pipelines, dispatch and the capabilities the
 * launchers read in vulkan_pipe.c, the launchers in kernels/<op>/vulkan.c.
 *
 * Devices are listed discrete GPUs first, then integrated, virtual and CPU implementations (so
 * `vulkan:0` is the GPU on a machine that also has lavapipe); `-b vulkan:N` picks entry N.
 * CHORD_VK_VALIDATION=1 enables VK_LAYER_KHRONOS_validation (with synchronization validation) when it
 * is installed; each error it reports makes the next backend call fail with its message.
 * CHORD_VK_MAX_RANGE=BYTES lowers maxStorageBufferRange (a test hook: big tensors are split into
 * several dispatches, which tests can then exercise with small ones); CHORD_VK_NO_F64=1 hides
 * shaderFloat64 from the ops, so the float-only variants can be tested on any device; CHORD_VK_NO_SUBGROUP_OPS=1
 * hides the subgroup operations likewise (the ops take their shared-memory variants).
 * CHORD_VK_COPY_SHADER=0|1 sends device copies through vkCmdCopyBuffer or the copy_u32 shader instead
 * of the per-device-type default (vulkan_cmd.c: the shader on GPUs, where it was 3.4x faster on the H100).
 * CHORD_VK_PROFILE=1 waits for every op and prints per-op host-timed totals at shutdown (slow; for
 * finding which op dominates a model step, where timestamps around single ops are not at hand). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vulkan_ctx.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

/* ---- instance ---- */

static int has_layer(const char *name)
{
    uint32_t n = 0;
    if (vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || n == 0)
        return 0;
    VkLayerProperties *p = calloc(n, sizeof *p);
    int found = 0;
    if (p && vkEnumerateInstanceLayerProperties(&n, p) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++)
            found = strcmp(p[i].layerName, name) == 0;
    free(p);
    return found;
}

static int want_validation(void)
{
    const char *e = getenv("CHORD_VK_VALIDATION");
    return e && *e && strcmp(e, "0") != 0;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_debug_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                       VkDebugUtilsMessageTypeFlagsEXT type,
                                                       const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
    (void)type;
    chord_vk *vk = user;
    if (!(severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) || !vk)
        return VK_FALSE;
    const char *msg = data && data->pMessage ? data->pMessage : "(no message)";
    if (vk->val_errors == vk->val_reported) /* the first error since the last report */
        snprintf(vk->val_first, sizeof vk->val_first, "%s", msg);
    if (vk->val_errors < 10)
        fprintf(stderr, "vulkan: validation error: %s\n", msg);
    vk->val_errors++;
    return VK_FALSE; /* never abort the call: the error is reported through chord_status */
}

static uint32_t instance_api_version(void)
{
    uint32_t v = VK_API_VERSION_1_0;
    PFN_vkEnumerateInstanceVersion f =
        (PFN_vkEnumerateInstanceVersion)vkGetInstanceProcAddr(NULL, "vkEnumerateInstanceVersion");
    if (f)
        f(&v);
    /* 1.2 is enough for every feature struct used here; ask no more than the loader has */
    return v >= VK_API_VERSION_1_2 ? VK_API_VERSION_1_2 : v;
}

/* vk may be NULL (probe): then no validation. */
static chord_status create_instance(chord_vk *vk, VkInstance *out)
{
    uint32_t api = instance_api_version();
    if (api < VK_API_VERSION_1_1)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "vulkan: the loader offers Vulkan %u.%u, chord needs 1.1",
                          VK_API_VERSION_MAJOR(api), VK_API_VERSION_MINOR(api));
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "chord",
        .pEngineName = "chord",
        .apiVersion = api,
    };
    VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app};
    const char *layers[] = {VALIDATION_LAYER};
    const char *exts[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME};
    VkValidationFeatureEnableEXT enables[] = {VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
    VkValidationFeaturesEXT features = {
        .sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
        .enabledValidationFeatureCount = 1,
        .pEnabledValidationFeatures = enables,
    };
    VkDebugUtilsMessengerCreateInfoEXT dbg = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity =
            VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_debug_message,
        .pUserData = vk,
    };
    if (vk && want_validation()) {
        if (has_layer(VALIDATION_LAYER)) {
            vk->validation = 1;
            ci.enabledLayerCount = 1;
            ci.ppEnabledLayerNames = layers;
            ci.enabledExtensionCount = 2;
            ci.ppEnabledExtensionNames = exts;
            /* the messenger in pNext also sees instance creation and destruction */
            features.pNext = &dbg;
            ci.pNext = &features;
        } else {
            fprintf(stderr, "vulkan: CHORD_VK_VALIDATION is set but %s is not installed: running unvalidated\n",
                    VALIDATION_LAYER);
        }
    }
    VkResult r = vkCreateInstance(&ci, NULL, out);
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "vulkan: no Vulkan driver (vkCreateInstance: %s)",
                          chord_vk_result_name(r));
    CHORD_VK_CHECK(r);
    if (vk && vk->validation) {
        PFN_vkCreateDebugUtilsMessengerEXT f =
            (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(*out, "vkCreateDebugUtilsMessengerEXT");
        if (!f)
            return chord_fail(CHORD_ERR_DEVICE, "vulkan: vkCreateDebugUtilsMessengerEXT is missing");
        CHORD_VK_CHECK(f(*out, &dbg, NULL, &vk->messenger));
    }
    return CHORD_OK;
}

/* ---- devices ---- */

static int type_rank(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
    }
}

static const char *type_name(VkPhysicalDeviceType t)
{
    static const char *names[] = {"other", "integrated GPU", "discrete GPU", "virtual GPU", "CPU"};
    return (unsigned)t < 5 ? names[t] : "other";
}

/* The physical devices in chord's order (best type first, then the driver's order); *n <= max. */
static chord_status list_devices(VkInstance inst, VkPhysicalDevice *out, uint32_t max, uint32_t *n)
{
    uint32_t count = 0;
    CHORD_VK_CHECK(vkEnumeratePhysicalDevices(inst, &count, NULL));
    VkPhysicalDevice *all = calloc(count ? count : 1, sizeof *all);
    if (!all)
        return chord_fail(CHORD_ERR_NOMEM, "vulkan: out of host memory");
    VkResult r = vkEnumeratePhysicalDevices(inst, &count, all);
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
        free(all);
        CHORD_VK_CHECK(r);
    }
    *n = 0;
    for (int rank = 0; rank <= 4; rank++)
        for (uint32_t i = 0; i < count; i++) {
            VkPhysicalDeviceProperties p;
            vkGetPhysicalDeviceProperties(all[i], &p);
            if (type_rank(p.deviceType) == rank && *n < max)
                out[(*n)++] = all[i];
        }
    free(all);
    return CHORD_OK;
}

static uint64_t device_local_bytes(VkPhysicalDevice pd)
{
    VkPhysicalDeviceMemoryProperties m;
    vkGetPhysicalDeviceMemoryProperties(pd, &m);
    uint64_t b = 0;
    for (uint32_t i = 0; i < m.memoryHeapCount; i++)
        if (m.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
            b += m.memoryHeaps[i].size;
    return b;
}

/* The subgroup size and maxMemoryAllocationSize (the largest single buffer). */
static uint32_t subgroup_size(VkPhysicalDevice pd, uint64_t *max_alloc)
{
    VkPhysicalDeviceMaintenance3Properties m3 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceSubgroupProperties sg = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
                                             .pNext = &m3};
    VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &sg};
    vkGetPhysicalDeviceProperties2(pd, &p2);
    *max_alloc = m3.maxMemoryAllocationSize;
    return sg.subgroupSize;
}

static chord_status vk_probe(chord_device_info *devs, int max, int *n_out)
{
    *n_out = 0;
    VkInstance inst;
    CHORD_TRY(create_instance(NULL, &inst));
    VkPhysicalDevice pds[CHORD_MAX_DEVICES];
    uint32_t n = 0;
    chord_status s = list_devices(inst, pds, CHORD_MAX_DEVICES, &n);
    for (uint32_t i = 0; s == CHORD_OK && i < n && (int)i < max; i++) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(pds[i], &p);
        snprintf(devs[i].name, sizeof devs[i].name, "%.*s", (int)sizeof devs[i].name - 1, p.deviceName);
        devs[i].software = p.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
        uint64_t max_alloc = 0;
        const uint32_t subgroup = subgroup_size(pds[i], &max_alloc);
        devs[i].mem_bytes = device_local_bytes(pds[i]);
        devs[i].max_alloc_bytes = max_alloc;
        snprintf(devs[i].detail, sizeof devs[i].detail,
                 "Vulkan %u.%u.%u, %s, subgroup %u, %u KiB shared, %u invocations/group, %.1f GiB device-local",
                 VK_API_VERSION_MAJOR(p.apiVersion), VK_API_VERSION_MINOR(p.apiVersion),
                 VK_API_VERSION_PATCH(p.apiVersion), type_name(p.deviceType), subgroup,
                 p.limits.maxComputeSharedMemorySize / 1024, p.limits.maxComputeWorkGroupInvocations,
                 (double)devs[i].mem_bytes / (1 << 30));
    }
    if (s == CHORD_OK)
        *n_out = (int)(n < (uint32_t)max ? n : (uint32_t)max);
    vkDestroyInstance(inst, NULL);
    return s;
}

/* ---- init ---- */

static chord_status pick_queue(chord_vk *vk)
{
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(vk->phys, &n, NULL);
    VkQueueFamilyProperties *q = calloc(n ? n : 1, sizeof *q);
    if (!q)
        return chord_fail(CHORD_ERR_NOMEM, "vulkan: out of host memory");
    vkGetPhysicalDeviceQueueFamilyProperties(vk->phys, &n, q);
    /* a compute family, preferably one with timestamps (the benchmarks time on the device), then one
     * with graphics too: drivers may give a compute-only family's vkCmdCopyBuffer to a copy engine
     * (vk_copy mostly runs a shader anyway). NVIDIA's family 0 is graphics+compute already. */
    int best = -1, best_score = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (!(q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || q[i].queueCount == 0)
            continue;
        const int score = 2 * (q[i].timestampValidBits > 0) + ((q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) != 0);
        if (score > best_score) {
            best = (int)i;
            best_score = score;
        }
    }
    uint32_t bits = best >= 0 ? q[best].timestampValidBits : 0;
    free(q);
    if (best < 0)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "vulkan: %s has no compute queue", vk->caps.name);
    vk->queue_family = (uint32_t)best;
    vk->timestamp_mask = bits >= 64 ? ~(uint64_t)0 : bits ? (((uint64_t)1 << bits) - 1) : 0;
    return CHORD_OK;
}

static chord_status create_device(chord_vk *vk, uint32_t api)
{
    /* Every optional feature a shader variant may use is enabled when present; caps tell the ops. */
    VkPhysicalDeviceVulkan12Features f12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceVulkan11Features f11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceFeatures2 f2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    const int v12 = api >= VK_API_VERSION_1_2;
    if (v12) {
        f2.pNext = &f11;
        f11.pNext = &f12;
    }
    vkGetPhysicalDeviceFeatures2(vk->phys, &f2);

    VkPhysicalDeviceVulkan12Features e12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceVulkan11Features e11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceFeatures2 e2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    e2.features.shaderFloat64 = f2.features.shaderFloat64;
    e2.features.shaderInt64 = f2.features.shaderInt64;
    e2.features.shaderInt16 = f2.features.shaderInt16;
    if (v12) {
        e2.pNext = &e11;
        e11.pNext = &e12;
        e11.storageBuffer16BitAccess = f11.storageBuffer16BitAccess;
        e12.shaderFloat16 = f12.shaderFloat16;
        e12.shaderInt8 = f12.shaderInt8;
        e12.storageBuffer8BitAccess = f12.storageBuffer8BitAccess;
    }
    /* CHORD_VK_NO_F64=1 (a test hook) makes the ops pick their float-only variants */
    const char *no_f64 = getenv("CHORD_VK_NO_F64");
    vk->caps.has_f64 = f2.features.shaderFloat64 && !(no_f64 && strcmp(no_f64, "1") == 0);
    vk->caps.has_f16 = v12 && f12.shaderFloat16;
    vk->caps.has_int8 = v12 && f12.shaderInt8;

    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = vk->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &prio,
    };
    VkDeviceCreateInfo dci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = &e2,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &qci,
    };
    CHORD_VK_CHECK(vkCreateDevice(vk->phys, &dci, NULL, &vk->dev));
    vkGetDeviceQueue(vk->dev, vk->queue_family, 0, &vk->queue);
    return CHORD_OK;
}

static void vk_shutdown(void *ctx);

static chord_status init_device(chord_vk *vk, int device)
{
    CHORD_TRY(create_instance(vk, &vk->inst));
    VkPhysicalDevice pds[CHORD_MAX_DEVICES];
    uint32_t n = 0;
    CHORD_TRY(list_devices(vk->inst, pds, CHORD_MAX_DEVICES, &n));
    if (device < 0 || (uint32_t)device >= n)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "vulkan: device %d does not exist (%u found)", device, n);
    vk->phys = pds[device];

    VkPhysicalDeviceMaintenance3Properties m3 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceSubgroupProperties sg = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
                                             .pNext = &m3};
    VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &sg};
    vkGetPhysicalDeviceProperties2(vk->phys, &p2);
    const VkPhysicalDeviceProperties *p = &p2.properties;
    const VkPhysicalDeviceLimits *l = &p->limits;
    if (p->apiVersion < VK_API_VERSION_1_1)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "vulkan: %s offers Vulkan %u.%u, chord's SPIR-V needs 1.1",
                          p->deviceName, VK_API_VERSION_MAJOR(p->apiVersion), VK_API_VERSION_MINOR(p->apiVersion));
    chord_vk_caps *c = &vk->caps;
    snprintf(c->name, sizeof c->name, "%.*s", (int)sizeof c->name - 1, p->deviceName);
    c->max_wg = l->maxComputeWorkGroupInvocations < l->maxComputeWorkGroupSize[0] ? l->maxComputeWorkGroupInvocations
                                                                                  : l->maxComputeWorkGroupSize[0];
    c->shared_bytes = l->maxComputeSharedMemorySize;
    c->subgroup = sg.subgroupSize;
    /* subgroup operations count only where compute shaders have them */
    const char *no_sg = getenv("CHORD_VK_NO_SUBGROUP_OPS");
    const VkSubgroupFeatureFlags shuffle = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_SHUFFLE_BIT;
    c->has_subgroup_shuffle = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                              (sg.supportedOperations & shuffle) == shuffle && !(no_sg && strcmp(no_sg, "1") == 0);
    c->min_offset_align = (uint32_t)l->minStorageBufferOffsetAlignment;
    for (int i = 0; i < 3; i++)
        c->max_groups[i] = l->maxComputeWorkGroupCount[i];
    c->max_range = l->maxStorageBufferRange;
    const char *lim = getenv("CHORD_VK_MAX_RANGE"); /* test hook: exercises the ops' splitting of big tensors */
    if (lim && strtoull(lim, NULL, 0) >= 4096 && strtoull(lim, NULL, 0) < c->max_range)
        c->max_range = strtoull(lim, NULL, 0);
    vk->max_alloc = m3.maxMemoryAllocationSize;
    vkGetPhysicalDeviceMemoryProperties(vk->phys, &vk->mem_props);
    if (l->maxPushConstantsSize < 128 || c->min_offset_align == 0 || c->min_offset_align > 256)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "vulkan: %s: unexpected limits (push constants %u, alignment %u)",
                          c->name, l->maxPushConstantsSize, c->min_offset_align);

    CHORD_TRY(pick_queue(vk));
    /* timestamps need timestampComputeAndGraphics or a queue family that reports valid bits */
    vk->timestamp_period_ns = l->timestampPeriod;
    if (vk->timestamp_mask == 0 || l->timestampPeriod <= 0.0f)
        vk->timestamp_mask = 0;

    uint32_t api = p->apiVersion < instance_api_version() ? p->apiVersion : instance_api_version();
    CHORD_TRY(create_device(vk, api));
    CHORD_TRY(vk_cmd_init(vk));

    VkPipelineCacheCreateInfo pci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    CHORD_VK_CHECK(vkCreatePipelineCache(vk->dev, &pci, NULL, &vk->pipeline_cache));

    const char *prof = getenv("CHORD_VK_PROFILE");
    vk->profile = prof && strcmp(prof, "1") == 0;
    return vk_validation_status(vk);
}

static chord_status vk_init(int device, void **ctx_out)
{
    chord_vk *vk = calloc(1, sizeof *vk);
    if (!vk)
        return chord_fail(CHORD_ERR_NOMEM, "vulkan: out of host memory");
    chord_status s = init_device(vk, device);
    if (s != CHORD_OK) {
        char *msg = strdup(chord_last_error()); /* shutdown may overwrite the message */
        vk_shutdown(vk);
        if (msg)
            chord_fail(s, "%s", msg);
        free(msg);
        return s;
    }
    *ctx_out = vk;
    return CHORD_OK;
}

static void vk_shutdown(void *ctx)
{
    chord_vk *vk = ctx;
    if (!vk)
        return;
    if (vk->dev) {
        vkDeviceWaitIdle(vk->dev); /* nothing to report to: the context is going away */
        vk_pipes_destroy(vk);
        if (vk->pipeline_cache)
            vkDestroyPipelineCache(vk->dev, vk->pipeline_cache, NULL);
        vk_cmd_destroy(vk);
        vkDestroyDevice(vk->dev, NULL);
    }
    if (vk->messenger) {
        PFN_vkDestroyDebugUtilsMessengerEXT f =
            (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(vk->inst, "vkDestroyDebugUtilsMessengerEXT");
        if (f)
            f(vk->inst, vk->messenger, NULL);
    }
    if (vk->inst)
        vkDestroyInstance(vk->inst, NULL);
    if (vk->validation)
        fprintf(stderr, "vulkan: validation layer: %d errors\n", vk->val_errors);
    for (int op = 0; op < CHORD_OP_COUNT; op++)
        if (vk->prof_n[op])
            fprintf(stderr, "vulkan: profile: %-13s %7ld launches %10.3f ms (%.3f ms each, host-timed)\n",
                    chord_op_name((chord_op)op), vk->prof_n[op], vk->prof_ms[op], vk->prof_ms[op] / vk->prof_n[op]);
    free(vk);
}

chord_status vk_validation_status(chord_vk *vk)
{
    int n = vk->val_errors;
    if (n == vk->val_reported)
        return CHORD_OK;
    const int fresh = n - vk->val_reported;
    vk->val_reported = n;
    return chord_fail(CHORD_ERR_DEVICE, "vulkan: the validation layer reported %d new error(s); the first: %s", fresh,
                      vk->val_first);
}

/* ---- the backend table: launches go through run, which reports validation messages and profiles ---- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static chord_status vk_run(void *ctx, chord_op op, chord_op_fn fn, const chord_tensor *t, const void *args)
{
    chord_vk *vk = ctx;
    CHORD_TRY(vk_validation_status(vk));
    if (vk->profile) { /* earlier work first, so the time is this op's alone */
        CHORD_TRY(vk_flush(vk, 1));
        const double t0 = now_ms();
        CHORD_TRY(fn(vk, t, args));
        CHORD_TRY(vk_flush(vk, 1));
        vk->prof_ms[op] += now_ms() - t0;
        vk->prof_n[op]++;
    } else {
        CHORD_TRY(fn(vk, t, args));
    }
    return vk_validation_status(vk);
}

const chord_backend chord_backend_vulkan = {CHORD_BACKEND_FIELDS(vk, "vulkan", CHORD_REGISTER_VULKAN), .run = vk_run};
