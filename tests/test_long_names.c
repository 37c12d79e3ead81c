/* Strings a driver supplies, of any length, through the code that reads them. This executable defines
 * clGetDeviceInfo / clGetPlatformInfo and vkGetPhysicalDeviceProperties(2) itself: chord's calls land here, the
 * real call runs (dlsym RTLD_NEXT), and the device name, version, vendor and platform name come back lengthened
 * to 65, 129, 257 and 4000 bytes, with the size protocol of the spec (CL_INVALID_VALUE when the buffer is short).
 * PoCL's CL_DEVICE_VERSION on a Xeon is 65 bytes with its NUL; a 64-byte buffer once stopped `chord check`.
 * Also: a status message longer than any fixed buffer is kept whole. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <string.h>

#include "add/add.h"
#include "chord.h"

static size_t long_len; /* 0: strings pass through unchanged */

/* The real string lengthened to long_len bytes (a recognizable tail of 'x'), then the spec's size protocol. */
static int lengthen(const char *real, size_t real_len, size_t size, void *value, size_t *size_ret)
{
    char text[4096 + 1];
    size_t n = real_len && real[real_len - 1] == 0 ? real_len - 1 : real_len;
    if (n > long_len)
        n = long_len;
    memcpy(text, real, n);
    memset(text + n, 'x', long_len - n);
    text[long_len] = 0;
    if (size_ret)
        *size_ret = long_len + 1;
    if (!value)
        return 0;
    if (size < long_len + 1)
        return -30; /* CL_INVALID_VALUE */
    memcpy(value, text, long_len + 1);
    return 0;
}

#ifdef CHORD_HAVE_OPENCL
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

static int is_long(cl_uint param)
{
    return long_len && (param == CL_DEVICE_NAME || param == CL_DEVICE_VERSION || param == CL_DEVICE_VENDOR ||
                        param == CL_PLATFORM_NAME);
}

/* Defines the OpenCL entry point `name` (a clGet*Info on obj_t) here: a query that is not of a long string passes
 * to the real call (dlsym RTLD_NEXT); a long one is asked of the real call whole (size first), then lengthened. */
#define LENGTHENED_INFO(name, obj_t, param_t)                                                                  \
    CL_API_ENTRY cl_int CL_API_CALL name(obj_t obj, param_t param, size_t size, void *value, size_t *size_ret) \
    {                                                                                                          \
        typedef cl_int (*real_fn)(obj_t, param_t, size_t, void *, size_t *);                                   \
        static real_fn real;                                                                                   \
        if (!real)                                                                                             \
            real = (real_fn)dlsym(RTLD_NEXT, #name);                                                           \
        if (!is_long(param))                                                                                   \
            return real(obj, param, size, value, size_ret);                                                    \
        size_t real_len = 0;                                                                                   \
        char buf[4096];                                                                                        \
        cl_int e = real(obj, param, 0, NULL, &real_len);                                                       \
        if (e == CL_SUCCESS && real_len <= sizeof buf)                                                         \
            e = real(obj, param, real_len, buf, NULL);                                                         \
        if (e != CL_SUCCESS)                                                                                   \
            return e;                                                                                          \
        return lengthen(buf, real_len, size, value, size_ret);                                                 \
    }

LENGTHENED_INFO(clGetDeviceInfo, cl_device_id, cl_device_info)
LENGTHENED_INFO(clGetPlatformInfo, cl_platform_id, cl_platform_info)
#endif

#ifdef CHORD_HAVE_VULKAN
#include <vulkan/vulkan.h>

/* deviceName is a fixed VK_MAX_PHYSICAL_DEVICE_NAME_SIZE array: filled to its last byte, NUL-less (a driver that
 * broke the rule must not make chord read past it). */
static void fill_name(char *name)
{
    if (long_len)
        memset(name, 'v', VK_MAX_PHYSICAL_DEVICE_NAME_SIZE);
}

VKAPI_ATTR void VKAPI_CALL vkGetPhysicalDeviceProperties(VkPhysicalDevice pd, VkPhysicalDeviceProperties *p)
{
    static PFN_vkGetPhysicalDeviceProperties real;
    if (!real)
        real = (PFN_vkGetPhysicalDeviceProperties)dlsym(RTLD_NEXT, "vkGetPhysicalDeviceProperties");
    real(pd, p);
    fill_name(p->deviceName);
}

VKAPI_ATTR void VKAPI_CALL vkGetPhysicalDeviceProperties2(VkPhysicalDevice pd, VkPhysicalDeviceProperties2 *p)
{
    static PFN_vkGetPhysicalDeviceProperties2 real;
    if (!real)
        real = (PFN_vkGetPhysicalDeviceProperties2)dlsym(RTLD_NEXT, "vkGetPhysicalDeviceProperties2");
    real(pd, p);
    fill_name(p->properties.deviceName);
}
#endif

/* One add on the backend, checked: the device still works with its lengthened strings. */
static void expect_add_runs(chord_rt *rt)
{
    enum { N = 37 };
    float a[N], y[N];
    for (int i = 0; i < N; i++)
        a[i] = (float)i - 3.5f;
    chord_buf *buf;
    cr_assert_eq(chord_alloc(rt, sizeof a, &buf), CHORD_OK, "%s", chord_last_error());
    const chord_tensor t[3] = {{buf, 0}, {buf, 0}, {buf, 0}};
    const chord_add_args args = {N};
    cr_assert_eq(chord_upload(rt, buf, 0, a, sizeof a), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_launch(rt, CHORD_OP_ADD, t, &args), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_download(rt, buf, 0, y, sizeof y), CHORD_OK, "%s", chord_last_error());
    for (int i = 0; i < N; i++)
        cr_expect_eq(y[i], 2 * a[i], "y[%d] = %g", i, (double)y[i]);
    chord_free(rt, buf);
}

/* Probes and opens `name` with strings of each length; the table's fields hold a NUL-terminated prefix. */
static void probe_and_open(const char *name, const char *expect_char)
{
    static const size_t lens[] = {65, 129, 257, 4000};
    const chord_backend *be = chord_backend_find(name);
    cr_assert_not_null(be);
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        long_len = lens[k];
        chord_device_info devs[CHORD_MAX_DEVICES];
        memset(devs, 0, sizeof devs);
        int n = 0;
        const chord_status s = be->probe(devs, CHORD_MAX_DEVICES, &n);
        if (s == CHORD_ERR_UNAVAILABLE) { /* no driver: nothing reads a name */
            long_len = 0;
            cr_skip_test("%s is absent here: %s", name, chord_last_error());
        }
        cr_assert_eq(s, CHORD_OK, "%s probe with %zu-byte strings: %s", name, long_len, chord_last_error());
        if (n == 0) {
            long_len = 0;
            cr_skip_test("%s has no device here", name);
        }
        const size_t got = strnlen(devs[0].name, sizeof devs[0].name);
        const size_t want = long_len < sizeof devs[0].name - 1 ? long_len : sizeof devs[0].name - 1;
        cr_expect(got < sizeof devs[0].name, "%s: the name is not NUL-terminated", name);
        if (strcmp(expect_char, "x") == 0) /* OpenCL: exactly the prefix that fits */
            cr_expect_eq(got, want, "%s with %zu-byte strings: name of %zu bytes, want %zu", name, long_len, got, want);
        else /* Vulkan: the whole array, cut to what fits with the NUL */
            cr_expect_eq(got, sizeof devs[0].name - 1, "%s: name of %zu bytes", name, got);
        cr_expect(strnlen(devs[0].detail, sizeof devs[0].detail) < sizeof devs[0].detail);
        cr_expect(strstr(devs[0].name, expect_char) != NULL, "%s: '%s' is not the lengthened name", name, devs[0].name);
        chord_rt rt;
        cr_assert_eq(chord_open(name, &rt, NULL), CHORD_OK, "%s open with %zu-byte strings: %s", name, long_len,
                     chord_last_error());
        expect_add_runs(&rt);
        chord_close(&rt);
    }
    long_len = 0;
}

Test(long_names, opencl_device_and_platform_strings)
{
#ifdef CHORD_HAVE_OPENCL
    probe_and_open("opencl", "x");
#else
    cr_skip_test("OpenCL is not compiled in");
#endif
}

Test(long_names, vulkan_device_name_without_nul)
{
#ifdef CHORD_HAVE_VULKAN
    probe_and_open("vulkan", "v");
#else
    cr_skip_test("Vulkan is not compiled in");
#endif
}

Test(long_names, status_message_kept_whole)
{
    static char big[20000];
    memset(big, 'm', sizeof big - 1);
    cr_expect_eq(chord_fail(CHORD_ERR_INVALID, "%s", big), CHORD_ERR_INVALID);
    cr_expect_eq(strlen(chord_last_error()), sizeof big - 1);
    /* the message may prefix itself: the old text stays readable while the new one is formatted */
    chord_fail(CHORD_ERR_INVALID, "outer: %s", chord_last_error());
    cr_expect_eq(strlen(chord_last_error()), sizeof big - 1 + 7);
    cr_expect(strncmp(chord_last_error(), "outer: mmm", 10) == 0);
}
