/* swiglu's arithmetic (kernels/swiglu/vulkan.comp says why it is computed so), shared with the matmul_swiglu
 * variants of kernels/matmul/vulkan_split.glsl. */
/* exp(x) for x <= 0 (cephes expf): x = k ln2 + r, |r| <= ln2 / 2, ln2 split so k * C1 is exact. */
float exp_neg(float x)
{
    x = max(x, -87.0); /* below, exp underflows to where float denormals (possibly flushed) start */
    const float k = floor(x * 1.44269504088896341 + 0.5);
    precise float r = x - k * 0.693359375;
    r = r - k * -2.12194440e-4;
    precise float p = 1.9875691500e-4;
    p = p * r + 1.3981999507e-3;
    p = p * r + 8.3334519073e-3;
    p = p * r + 4.1665795894e-2;
    p = p * r + 1.6666665459e-1;
    p = p * r + 5.0000001201e-1;
    p = p * (r * r) + r + 1.0;
    return ldexp(p, int(k));
}

float swiglu1(float g, float u)
{
    const float e = exp_neg(-abs(g));    /* exp(-|g|), in (0, 1] */
    precise float d = 1.0 + e;
    const float num = g >= 0.0 ? 1.0 : e; /* sigmoid(g) = num / d for either sign, no overflow */
    precise float s = num / d;
    s = s + (num - s * d) / d;            /* one residual step: the quotient to ~0.5 ulp */
    precise float y = g * s * u;
    return y;
}
