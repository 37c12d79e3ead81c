/* The cpu backend's matmul core: Y[:, n0:n1] = X W[n0:n1, :]^T for the matmul contract (matmul.h), any m, any
 * wtype chord_dequant_supported() accepts (the *_split layouts included). One call computes the outputs of W rows
 * n0 .. n1-1 for all m rows of X, so the launchers split the work by W rows and every weight byte is read by one
 * thread, once per call.
 *
 * Paths: chord_matmul_cpu_rows() dispatches on the ISA; the portable one (cpu_rows.c) is plain C for the
 * auto-vectorizer, cpu_rows_avx2.c / cpu_rows_avx512.c (same signature, minus isa) the intrinsic ones; they
 * hand the split layouts' mat-vec to cpu_split_avx2.c / cpu_split_avx512.c. Numerics of
 * every path: activations stay f32, sums in f32 in any order (FMA allowed), within CHORD_MATMUL_TOLERANCE. */
#ifndef CHORD_MATMUL_CPU_ROWS_H
#define CHORD_MATMUL_CPU_ROWS_H

#include "../common/cpu_isa.h"
#include "matmul.h"

/* w: (n, k) of wtype, the whole matrix; x: (m, k) f32; y: (m, n) f32, columns n0 .. n1-1 written */
void chord_matmul_cpu_rows(chord_cpu_isa isa, const void *w, const float *x, float *y, const chord_matmul_args *a,
                           int n0, int n1);
void chord_matmul_cpu_rows_portable(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0,
                                    int n1);
void chord_matmul_cpu_rows_avx2(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1);
void chord_matmul_cpu_rows_avx512(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1);

/* The split layouts (kernels/common/types.h) on the AVX2 and AVX-512 paths (cpu_split_avx2.c, cpu_split_avx512.c):
 * the mat-vec (m = 1), and the decoder of values k0 .. k0 + len - 1 of a row (whole super-blocks) into f32 for the
 * GEMM's tile. k is at most CHORD_CPU_SPLIT_MAX_K: the mat-vec keeps x, re-ordered, on the stack. */
#define CHORD_CPU_SPLIT_MAX_K 16384
void chord_matmul_cpu_split_matvec_avx2(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0,
                                        int n1);
void chord_matmul_cpu_split_dequant_avx2(chord_type t, const uint8_t *row, int k0, int len, float *out);
void chord_matmul_cpu_split_matvec_avx512(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0,
                                          int n1);
void chord_matmul_cpu_split_dequant_avx512(chord_type t, const uint8_t *row, int k0, int len, float *out);

/* The opt-in 8-bit-activation GEMM (cpu_q8_avx512.c; CHORD_CPU_Q8_ACT=1, m > 1, q4_0_split / q4_1_split, AVX-512
 * + VNNI): X quantized once per launch into x8 (chord_matmul_cpu_q8_bytes(a) bytes, 64-aligned; rows i0 .. i1 - 1
 * a call), then W rows n0 .. n1 - 1 against it. CHORD_CPU_Q8_NMSE is the bound its test holds it to (on matmul's
 * case-table fills; the exact path's is matmul's own tolerance). */
#define CHORD_CPU_Q8_NMSE 1e-4
size_t chord_matmul_cpu_q8_bytes(const chord_matmul_args *a);
void chord_matmul_cpu_q8_quantize_avx512(const float *x, void *x8, const chord_matmul_args *a, int i0, int i1);
void chord_matmul_cpu_q8_gemm_avx512(const void *w, const void *x8, float *y, const chord_matmul_args *a, int n0,
                                     int n1);

/* The launcher both matmul ops share (kernels/matmul/cpu.c): the support query, then W's rows in chunks over the
 * pool. op names the op in messages. */
chord_status chord_matmul_cpu_launch(const char *op, void *ctx, const chord_tensor *t, const chord_matmul_args *a);
/* Its parts, for the fused ops built on the core (matmul_swiglu): the support query (a status with the reason) and
 * the fewest W rows a piece of the pool's work holds. */
chord_status chord_matmul_cpu_check(const char *op, void *ctx, const chord_matmul_args *a);
int64_t chord_matmul_cpu_min_rows(const chord_matmul_args *a);

#endif
