/* rope's angles (kernels/rope/vulkan.comp says how and why), shared with the matmul_qkv variants of
 * kernels/matmul/vulkan_split.glsl. The includer declares ANGLE_F64 and a push-constant block pc holding r_lo, r_hi
 * (the double r = theta_base^(-2/n_rot)) and rf_hi, rf_lo (r as a float-float). */
/* (sin x, cos x) for |x| <= pi/4 + a little */
vec2 sincos_reduced(float x)
{
    const float z = x * x;
    const float s = x + x * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
    const float c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
    return vec2(s, c);
}

#if !ANGLE_F64
/* Float-float helpers: (hi, lo) pairs with |lo| <= ulp(hi) / 2. `precise` forbids contraction and
 * reassociation, which would break the error-free transformations. */
vec2 ff_two_prod(float a, float b)
{
    precise float p = a * b;
    precise float ca = 4097.0 * a, cb = 4097.0 * b;
    precise float ah = ca - (ca - a), al = a - ah;
    precise float bh = cb - (cb - b), bl = b - bh;
    precise float err = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return vec2(p, err);
}

vec2 ff_mul(vec2 a, vec2 b)
{
    const vec2 p = ff_two_prod(a.x, b.x);
    precise float e = p.y + (a.x * b.y + a.y * b.x);
    precise float s = p.x + e;
    precise float lo = e - (s - p.x);
    return vec2(s, lo);
}
#endif

/* (sin, cos) of p * r^i */
vec2 rope_sincos(uint i, int p)
{
    float x;
    uint quadrant;
#if ANGLE_F64
    const double r = packDouble2x32(uvec2(pc.r_lo, pc.r_hi));
    double f = 1.0LF, b = r;
    for (uint e = i; e != 0u; e >>= 1) {
        if ((e & 1u) != 0u)
            f *= b;
        b *= b;
    }
    const double theta = double(p) * f;
    const double q = floor(theta * 0.63661977236758134LF + 0.5LF);
    x = float(theta - q * 1.5707963267948966LF);
    quadrant = uint(int(q) & 3);
#else
    vec2 f = vec2(1.0, 0.0), b = vec2(pc.rf_hi, pc.rf_lo);
    for (uint e = i; e != 0u; e >>= 1) {
        if ((e & 1u) != 0u)
            f = ff_mul(f, b);
        b = ff_mul(b, b);
    }
    const vec2 theta = ff_mul(vec2(float(p), 0.0), f);
    const float q = floor(theta.x * 0.63661977 + 0.5);
    /* q < 2^13 for p < ~8000 keeps q * C1 and q * C2 exact; beyond, the error grows slowly */
    precise float red = ((theta.x - q * 1.5703125) - q * 4.837512969970703125e-4) - q * 7.54978995489188216e-8;
    x = red + theta.y;
    quadrant = uint(int(q) & 3);
#endif
    const vec2 sc = sincos_reduced(x);
    switch (quadrant) {
    case 0u: return sc;
    case 1u: return vec2(sc.y, -sc.x);
    case 2u: return vec2(-sc.x, -sc.y);
    default: return vec2(-sc.y, sc.x);
    }
}
