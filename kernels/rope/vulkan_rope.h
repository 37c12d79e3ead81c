/* rope's ratio as the Vulkan shaders take it (kernels/rope/vulkan_rope.glsl): r = theta_base^(-2/n_rot), the
 * angle of pair i at position p being p * r^i. Shared by rope's launcher and matmul_qkv's. */
#ifndef CHORD_ROPE_VULKAN_ROPE_H
#define CHORD_ROPE_VULKAN_ROPE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint32_t r_lo, r_hi; /* the double r, low word first (the f64 variants) */
    float rf_hi, rf_lo;  /* r as a float-float (the f32 variants) */
} chord_vk_rope_ratio;

static inline chord_vk_rope_ratio chord_vk_rope_ratio_of(float theta_base, int n_rot)
{
    const double r = n_rot > 0 ? pow((double)theta_base, -2.0 / n_rot) : 1.0;
    uint64_t bits;
    memcpy(&bits, &r, sizeof bits);
    return (chord_vk_rope_ratio){(uint32_t)bits, (uint32_t)(bits >> 32), (float)r, (float)(r - (double)(float)r)};
}

#endif
