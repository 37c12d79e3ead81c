/* Host check of the CUDA quant decoders (cuda_quant.cuh) against kernels/dequant/ref.c, runnable
 * without a GPU: the decoders are plain integer/float code, so this file compiles them for the host
 * (every __device__ becomes __host__, the _rn intrinsics become volatile single-rounding float ops,
 * the two f16/bf16 loads get host versions) and compares every value bit for bit, reading blocks
 * from a 2-aligned (not 4-aligned) address as the 18-byte q4_0 rows can. Built and registered with
 * CTest by runtime/cuda.cmake as cuda_quant_hostcheck. What it cannot see: device codegen. */
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef __device__
#define __device__ __host__
static inline float h_mul(float a, float b)
{
    volatile float r = a * b;
    return r;
}
static inline float h_add(float a, float b)
{
    volatile float r = a + b;
    return r;
}
static inline float h_sub(float a, float b)
{
    volatile float r = a - b;
    return r;
}
#define __fmul_rn h_mul
#define __fadd_rn h_add
#define __fsub_rn h_sub
/* cuda_common.cuh's shuffles and barriers have no host form: skip it, keep what the decoders use */
#define CHORD_CUDA_COMMON_CUH
#include "cuda_launch.h"
extern "C" {
#include "../dequant/dequant.h"
}
static inline float chord_cu_ld_f16(const uint8_t *p)
{
    return __half2float(__ushort_as_half(*(const unsigned short *)p));
}
static inline float chord_cu_ld_bf16(const uint8_t *p)
{
    const unsigned u = (unsigned)*(const unsigned short *)p << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
#include "cuda_quant.cuh"
#include "../matmul/cuda_split_tc.cuh"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_u32(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Bit-identical, or both NaN: a NaN's payload is not part of the format (random f16/bf16 bits hit
 * NaN patterns; f16 -> f32 conversions differ in whether they keep the payload). */
static bool same(float a, float b) { return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b); }

/* Random blocks with finite f16 scales at the format's scale offsets, decoded both ways. */
template <typename Q> static int check(chord_type t, int n_blocks, const int *scale_offs, int n_scales)
{
    const size_t bytes = (size_t)Q::BYTES * n_blocks;
    uint8_t *buf = (uint8_t *)malloc(bytes + 2);
    const int64_t n = (int64_t)Q::QK * n_blocks;
    float *ref = (float *)malloc(n * sizeof(float)), *got = (float *)malloc(n * sizeof(float));
    if (!buf || !ref || !got)
        return 1;
    uint8_t *src = buf + 2; /* 2-aligned, never 4 */
    for (size_t i = 0; i < bytes; i++)
        src[i] = (uint8_t)next_u32();
    for (int b = 0; b < n_blocks; b++)
        for (int s = 0; s < n_scales; s++) {
            const chord_f16 h = chord_f32_to_f16(((int)(next_u32() % 2001) - 1000) / 997.0f);
            memcpy(src + (size_t)b * Q::BYTES + scale_offs[s], &h, 2);
        }
    chord_dequant_args a = {t, n};
    chord_dequant_reference(src, ref, &a);
    for (int64_t e = 0; e + 4 <= n; e += 4)
        Q::get4(src, e, got + e);
    for (int64_t e = n & ~(int64_t)3; e < n; e++)
        got[e] = Q::get1(src, e);
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        if (!same(ref[i], got[i]) && bad++ < 3)
            printf("  %s value %lld: ref %.9g, decoder %.9g\n", chord_type_info(t)->name, (long long)i, ref[i], got[i]);
    /* get1 on every value of the first block too: the path of the k % 4 tails */
    for (int64_t i = 0; i < Q::QK && i < n; i++)
        if (!same(Q::get1(src, i), ref[i]) && bad++ < 3)
            printf("  %s get1(%lld) differs\n", chord_type_info(t)->name, (long long)i);
    printf("%-10s %6lld values: %s\n", chord_type_info(t)->name, (long long)n, bad ? "MISMATCH" : "bit-exact");
    free(buf);
    free(ref);
    free(got);
    return bad;
}

static float bf16_f32(uint32_t h)
{
    const uint32_t u = (h & 0xffffu) << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* The tensor-core GEMV's fragment maps (kernels/matmul/cuda_split_tc.cuh), run for the 32 lanes of a warp with
 * mma.m16n8k16 emulated from its documented operand layouts (A row g / g + 8 at k 2t, 2t+1 and 2t+8, 2t+9; B
 * column g at the same k; D row g / g + 8, columns 2t, 2t+1) and the kernel's epilogue: 16 rows of 2 super-blocks
 * against a double-precision dot product of the reference's values. */
static int check_tc(chord_type type, int has_m, uint32_t off)
{
    const int n = 16, k = 512, n_sb = k / 256;
    const size_t sbb = chord_type_info(type)->type_size, rb = sbb * n_sb;
    uint8_t *w = (uint8_t *)malloc(rb * n);
    float *wf = (float *)malloc(sizeof(float) * n * k), x[512];
    if (!w || !wf)
        return 1;
    for (size_t i = 0; i < rb * n; i++)
        w[i] = (uint8_t)next_u32();
    for (int r = 0; r < n * n_sb; r++)
        for (int s = 0; s < (has_m ? 16 : 8); s++) {
            const chord_f16 h = chord_f32_to_f16(((int)(next_u32() % 2001) - 1000) / 9970.0f);
            memcpy(w + (size_t)r * sbb + 128 + 2 * s, &h, 2);
        }
    for (int i = 0; i < k; i++) /* values across binades, so the three parts all matter */
        x[i] = ((int)(next_u32() % 2000001) - 1000000) / 1e6f * (float)(1 << (next_u32() % 8));
    const chord_dequant_args da = {type, (int64_t)n * k};
    chord_dequant_reference(w, wf, &da);
    float acc_a[32] = {0}, acc_b[32] = {0};
    for (int sb = 0; sb < n_sb; sb++)
        for (int gg = 0; gg < 8; gg++) {
            double D[16][8] = {{0}};
            for (int h = 0; h < 2; h++) {
                float A[16][16], B[16][8];
                for (int lane = 0; lane < 32; lane++) {
                    const int g = lane >> 2, t = lane & 3;
                    const uint8_t *sa = w + (size_t)g * rb + sb * sbb, *sbp = w + (size_t)(g + 8) * rb + sb * sbb;
                    uint32_t wa, wb;
                    memcpy(&wa, sa + 16 * (2 * t + h) + 4 * (gg >> 1), 4);
                    memcpy(&wb, sbp + 16 * (2 * t + h) + 4 * (gg >> 1), 4);
                    const uint32_t a[4] = {
                        mm_tc_sub(mm_tc_nib_pair(wa, gg & 1, 0), off), mm_tc_sub(mm_tc_nib_pair(wb, gg & 1, 0), off),
                        mm_tc_sub(mm_tc_nib_pair(wa, gg & 1, 1), off), mm_tc_sub(mm_tc_nib_pair(wb, gg & 1, 1), off)};
                    uint32_t b02[3], b13[3], b[2] = {0, 0};
                    mm_tc_b_frags(x + sb * 256 + 32 * gg + 4 * (2 * t + h), b02, b13);
                    if (g < 3)
                        b[0] = b02[g], b[1] = b13[g];
                    for (int i = 0; i < 2; i++) {
                        A[g][2 * t + i] = bf16_f32(a[0] >> 16 * i);
                        A[g + 8][2 * t + i] = bf16_f32(a[1] >> 16 * i);
                        A[g][2 * t + 8 + i] = bf16_f32(a[2] >> 16 * i);
                        A[g + 8][2 * t + 8 + i] = bf16_f32(a[3] >> 16 * i);
                        B[2 * t + i][g] = bf16_f32(b[0] >> 16 * i);
                        B[2 * t + 8 + i][g] = bf16_f32(b[1] >> 16 * i);
                    }
                }
                for (int m = 0; m < 16; m++)
                    for (int c = 0; c < 8; c++)
                        for (int kk = 0; kk < 16; kk++)
                            D[m][c] += (double)A[m][kk] * B[kk][c];
            }
            for (int lane = 0; lane < 32; lane++) { /* the kernel's epilogue for this block */
                const int g = lane >> 2, t = lane & 3;
                const uint8_t *sa = w + (size_t)g * rb + sb * sbb, *sbp = w + (size_t)(g + 8) * rb + sb * sbb;
                const float c[4] = {(float)D[g][2 * t], (float)D[g][2 * t + 1], (float)D[g + 8][2 * t],
                                    (float)D[g + 8][2 * t + 1]};
                acc_a[lane] += chord_cu_ld_f16(sa + 128 + 2 * gg) * (c[0] + c[1]);
                acc_b[lane] += chord_cu_ld_f16(sbp + 128 + 2 * gg) * (c[2] + c[3]);
                if (has_m && t == 0) {
                    float xs = 0;
                    for (int i = 0; i < 32; i++)
                        xs += x[sb * 256 + 32 * gg + i];
                    acc_a[lane] += chord_cu_ld_f16(sa + 144 + 2 * gg) * xs;
                    acc_b[lane] += chord_cu_ld_f16(sbp + 144 + 2 * gg) * xs;
                }
            }
        }
    int bad = 0;
    for (int r = 0; r < n; r++) {
        const int g = r & 7;
        float got = 0;
        for (int t = 0; t < 4; t++)
            got += r < 8 ? acc_a[4 * g + t] : acc_b[4 * g + t];
        double want = 0, mag = 0;
        for (int i = 0; i < k; i++) {
            want += (double)wf[(size_t)r * k + i] * x[i];
            mag += fabs((double)wf[(size_t)r * k + i] * x[i]);
        }
        if (!(fabs(got - want) <= 1e-6 * mag) && bad++ < 3)
            printf("  %s tensor-core map row %d: got %.9g, want %.9g\n", chord_type_info(type)->name, r, got, want);
    }
    printf("%-10s tensor-core fragment map, 16 rows x %d: %s\n", chord_type_info(type)->name, k,
           bad ? "MISMATCH" : "matches");
    free(w);
    free(wf);
    return bad;
}

int main(void)
{
    static const int d0[] = {0}, dm[] = {0, 2}, d6[] = {208};
    int bad = 0;
    bad += check<chord_cu_f16>(CHORD_TYPE_F16, 1001, NULL, 0) > 0;
    bad += check<chord_cu_bf16>(CHORD_TYPE_BF16, 1001, NULL, 0) > 0;
    bad += check<chord_cu_q4_0>(CHORD_TYPE_Q4_0, 37, d0, 1) > 0;
    bad += check<chord_cu_q4_1>(CHORD_TYPE_Q4_1, 37, dm, 2) > 0;
    bad += check<chord_cu_q5_0>(CHORD_TYPE_Q5_0, 37, d0, 1) > 0;
    bad += check<chord_cu_q5_1>(CHORD_TYPE_Q5_1, 37, dm, 2) > 0;
    bad += check<chord_cu_q8_0>(CHORD_TYPE_Q8_0, 37, d0, 1) > 0;
    bad += check<chord_cu_q4_K>(CHORD_TYPE_Q4_K, 5, dm, 2) > 0;
    bad += check<chord_cu_q5_K>(CHORD_TYPE_Q5_K, 5, dm, 2) > 0;
    bad += check<chord_cu_q6_K>(CHORD_TYPE_Q6_K, 5, d6, 1) > 0;
    static const int s4[] = {128, 130, 132, 134, 136, 138, 140, 142},
                     s41[] = {128, 130, 132, 134, 136, 138, 140, 142, 144, 146, 148, 150, 152, 154, 156, 158},
                     s8[] = {256, 258, 260, 262, 264, 266, 268, 270};
    bad += check<chord_cu_q4_0_split>(CHORD_TYPE_Q4_0_SPLIT, 5, s4, 8) > 0;
    bad += check<chord_cu_q4_1_split>(CHORD_TYPE_Q4_1_SPLIT, 5, s41, 16) > 0;
    bad += check<chord_cu_q8_0_split>(CHORD_TYPE_Q8_0_SPLIT, 5, s8, 8) > 0;
    bad += check_tc(CHORD_TYPE_Q4_0_SPLIT, 0, 0x43084308u) > 0;
    bad += check_tc(CHORD_TYPE_Q4_1_SPLIT, 1, 0x43004300u) > 0;
    return bad ? 1 : 0;
}
