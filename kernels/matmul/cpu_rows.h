/* The cpu backend's mat-mul rows: what the matmul and matmul_tiled launchers (kernels/matmul/cpu.c,
 * kernels/matmul_tiled/cpu.c) hand each pool task. */
#ifndef CHORD_MATMUL_CPU_ROWS_H
#define CHORD_MATMUL_CPU_ROWS_H

#include "matmul.h"
#include "../common/cpu_isa.h"

/* Y[:, n0:n1] = X W[n0:n1, :]^T for the matmul contract (kernels/matmul/matmul.h), any m, any wtype that
 * chord_dequant_supported() accepts (and the *_split types of types.h if supported; else refuse in the support
 * query). Computes the outputs of W rows n0..n1-1 for all m rows of X. */
void chord_matmul_cpu_rows(chord_cpu_isa isa, const void *w, const float *x, float *y, const chord_matmul_args *a,
                           int n0, int n1);

/* The same for one instruction set each (kernels/matmul/cpu_rows_avx2.c, cpu_rows_avx512.c); only called after
 * chord_cpu_isa_detect() said the CPU and the OS run it. */
void chord_matmul_cpu_rows_avx2(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1);
void chord_matmul_cpu_rows_avx512(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1);

#endif
