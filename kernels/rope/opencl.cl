/* rope: rotary embedding of the first n_rot values of each head (contract: kernels/rope/rope.h;
 * Y may alias X). Work-item j of a token: j < n_rot/2 turns pair j, the rest copy one value past
 * n_rot each, so every value is read and written by one item (safe in place). Each item serves
 * ROPE_HPI heads with one angle: the angle depends on (token, pair) only.
 * Angles, cos and sin are in double where the device has fp64 (CHORD_FP64): at positions ~1000 a
 * float angle is off by ~1e-4 rad, as large as the bound, so without fp64 the runtime refuses
 * positions past 512 (kernels/rope/opencl.c).
 *
 * Versions: v1 one item per (token, head, pair), angle per item; v2 ROPE_HPI heads per item
 * share the angle (the double cos/sin cost is divided by ROPE_HPI); v3 (this) loads all ROPE_HPI
 * heads' pairs before storing (v2's loop serialized load -> store -> load, since Y may alias X);
 * v4 (this) ROPE_HPI 8 -> 16 and exp2(log2(base) * e) for pow: the double angle work per byte moved
 * drops below a quarter of an H100's fp64 rate. */
#ifndef ROPE_HPI
#define ROPE_HPI 16
#endif

__kernel void rope(__global const uchar *xb, ulong x_off, __global uchar *yb, ulong y_off, int n_head, int head_dim,
                   int n_rot, int neox, float theta_base, int pos0)
{
    const int j = get_global_id(0);
    const int t = get_global_id(1);
    const int h0 = get_global_id(2) * ROPE_HPI;
    const int n_pair = n_rot / 2;
    if (j >= n_pair + (head_dim - n_rot))
        return;
    __global const float *x = CHORD_AT_CONST(float, xb, x_off) + (size_t)t * n_head * head_dim; /* (n_head, head_dim) */
    __global float *y = CHORD_AT(float, yb, y_off) + (size_t)t * n_head * head_dim;
    const int h1 = min(h0 + ROPE_HPI, n_head);
    if (j >= n_pair) { /* the unrotated tail */
        const int d = n_rot + (j - n_pair);
        for (int h = h0; h < h1; h++)
            y[(size_t)h * head_dim + d] = x[(size_t)h * head_dim + d];
        return;
    }
    chord_rope_t cs, sn; /* theta_base^(-2j/n_rot) as exp2 of a product: cheaper than double pow, ~1e-15 relative */
    chord_rope_angle(pos0 + t, j, n_rot, theta_base, &cs, &sn);
    const int i0 = neox ? j : 2 * j;
    const int i1 = neox ? j + n_pair : 2 * j + 1;
    /* all loads before any store: Y may alias X, so the compiler could not hoist them itself, and
     * ROPE_HPI independent loads in flight per item are what keeps the memory system busy */
    float x0[ROPE_HPI], x1[ROPE_HPI];
#pragma unroll
    for (int q = 0; q < ROPE_HPI; q++) {
        const size_t b = (size_t)min(h0 + q, h1 - 1) * head_dim;
        x0[q] = x[b + i0];
        x1[q] = x[b + i1];
    }
#pragma unroll
    for (int q = 0; q < ROPE_HPI; q++) {
        if (h0 + q < h1) {
            const size_t b = (size_t)(h0 + q) * head_dim;
            const float2 turned = chord_rope_turn(x0[q], x1[q], cs, sn);
            y[b + i0] = turned.x;
            y[b + i1] = turned.y;
        }
    }
}
