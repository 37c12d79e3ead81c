/* Which SIMD path the cpu backend runs: detected once from cpuid and the OS's enabled register state (XGETBV), so
 * a CPU whose kernel does not save YMM/ZMM state never runs code compiled for it. CHORD_CPU_ISA=portable|avx2|
 * avx512 forces a lower path (tests run the portable one on an AVX-512 machine); one the CPU or the build lacks is
 * an error. AMX is never used: it needs the arch_prctl(ARCH_REQ_XCOMP_PERM) request, and no kernel uses it. */
#ifndef CHORD_CPU_ISA_H
#define CHORD_CPU_ISA_H

#include "status.h"

typedef enum chord_cpu_isa { CHORD_CPU_PORTABLE, CHORD_CPU_AVX2, CHORD_CPU_AVX512 } chord_cpu_isa;

/* The best path both this CPU (cpuid and XGETBV) and this build (runtime/cpu.cmake's flags) have: AVX2 needs
 * avx2+fma+f16c and OS-enabled YMM state; AVX512 needs F+BW+VL+DQ and OS-enabled ZMM and opmask state. */
chord_cpu_isa chord_cpu_isa_detect(void);
/* "portable", "avx2+fma+f16c", "avx512f/bw/vl" (+ "+vnni" where the CPU has it) */
const char *chord_cpu_isa_name(chord_cpu_isa isa);
/* 1 where the CPU has AVX512-VNNI (vpdpbusd) beside the AVX512 path's features */
int chord_cpu_has_vnni(void);
/* The path to run: CHORD_CPU_ISA if set (CHORD_ERR_INVALID for an unknown name, CHORD_ERR_UNSUPPORTED for one
 * above what chord_cpu_isa_detect() found), else the detected one. */
chord_status chord_cpu_isa_select(chord_cpu_isa *out);

#endif
