/* cpu_isa.h's detection: cpuid leaf 1 and 7 for the features, XGETBV for what the OS saves on a context switch. */
#include <stdlib.h>
#include <string.h>

#include "cpu_isa.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

static unsigned long long xgetbv0(void)
{
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (unsigned long long)hi << 32 | lo;
}

typedef struct cpu_features {
    int avx2, avx512, vnni;
} cpu_features;

static cpu_features features(void)
{
    cpu_features f = {0, 0, 0};
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return f;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx)
        return f;
    const unsigned long long xcr0 = xgetbv0();
    const int ymm_on = (xcr0 & 0x6) == 0x6;   /* SSE and AVX state */
    const int zmm_on = (xcr0 & 0xe6) == 0xe6; /* plus opmask, ZMM_Hi256, Hi16_ZMM */
    if (!ymm_on || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return f;
    const int avx2 = (b >> 5) & 1, f512 = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    f.avx2 = avx2 && fma && f16c;
    f.avx512 = f.avx2 && zmm_on && f512 && dq && bw && vl;
    f.vnni = f.avx512 && ((c >> 11) & 1);
    return f;
}
#else
typedef struct cpu_features {
    int avx2, avx512, vnni;
} cpu_features;

static cpu_features features(void) { return (cpu_features){0, 0, 0}; }
#endif

chord_cpu_isa chord_cpu_isa_detect(void)
{
    const cpu_features f = features();
#ifdef CHORD_CPU_HAVE_AVX512
    if (f.avx512)
        return CHORD_CPU_AVX512;
#endif
#ifdef CHORD_CPU_HAVE_AVX2
    if (f.avx2)
        return CHORD_CPU_AVX2;
#endif
    (void)f;
    return CHORD_CPU_PORTABLE;
}

int chord_cpu_has_vnni(void) { return features().vnni; }

const char *chord_cpu_isa_name(chord_cpu_isa isa)
{
    switch (isa) {
    case CHORD_CPU_AVX2: return "avx2+fma+f16c";
    case CHORD_CPU_AVX512: return features().vnni ? "avx512f/bw/vl+vnni" : "avx512f/bw/vl";
    default: return "portable";
    }
}

chord_status chord_cpu_isa_select(chord_cpu_isa *out)
{
    static const char *const names[] = {"portable", "avx2", "avx512"};
    const chord_cpu_isa best = chord_cpu_isa_detect();
    const char *env = getenv("CHORD_CPU_ISA");
    *out = best;
    if (!env || !*env)
        return CHORD_OK;
    for (int i = 0; i < 3; i++)
        if (strcmp(env, names[i]) == 0) {
            if (i > (int)best)
                return chord_fail(CHORD_ERR_UNSUPPORTED, "cpu: CHORD_CPU_ISA=%s, but this CPU and build run at most %s",
                                  env, names[best]);
            *out = (chord_cpu_isa)i;
            return CHORD_OK;
        }
    return chord_fail(CHORD_ERR_INVALID, "cpu: CHORD_CPU_ISA=%s is not one of portable, avx2, avx512", env);
}
