/*
 * Host-side dtype conversions (header-only so modules, tools and tests share one definition).
 * 16-bit stores round to nearest, ties to even, directly from double (no double rounding through
 * float): the value is scaled by a power of two so that its last kept bit is the units place,
 * rounded with nearbyint (the default rounding mode is ties-to-even), and scaled back; the result
 * is then exactly representable in float and its bits are repacked without further rounding.
 */
#ifndef SSMIX_DTYPE_H
#define SSMIX_DTYPE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t ssmix_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float ssmix_bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static inline float ssmix_bf16_to_f32(uint16_t h) { return ssmix_bits_f32((uint32_t)h << 16); }

static inline float ssmix_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    if (exp == 0x1f) return ssmix_bits_f32(sign | 0x7f800000u | (man << 13)); /* inf / nan */
    if (exp == 0) return (sign ? -1.0f : 1.0f) * ldexpf((float)man, -24);    /* zero / subnormal */
    return ssmix_bits_f32(sign | ((exp + 112) << 23) | (man << 13));
}

/* Round |v| to a binary format with `mant_bits` explicit mantissa bits, minimum normal exponent
 * `emin` and largest finite value `maxval`. Returns the rounded value (inf on overflow). */
static inline double ssmix_round_binary(double v, int mant_bits, int emin, double maxval)
{
    if (!isfinite(v) || v == 0.0) return v;
    int e;
    frexp(fabs(v), &e); /* |v| = f * 2^e, f in [0.5, 1): unit exponent is e - 1 */
    int unit_exp = e - 1;
    if (unit_exp < emin) unit_exp = emin; /* subnormal: fixed quantum */
    double quantum_exp = (double)(unit_exp - mant_bits);
    double r = ldexp(nearbyint(ldexp(v, (int)-quantum_exp)), (int)quantum_exp);
    if (fabs(r) > maxval) return copysign(INFINITY, v);
    return r;
}

static inline uint16_t ssmix_f64_to_bf16(double v)
{
    if (isnan(v)) return 0x7fc0;
    float r = (float)ssmix_round_binary(v, 7, -126, 3.3895313892515355e38);
    return (uint16_t)(ssmix_f32_bits(r) >> 16);
}

static inline uint16_t ssmix_f64_to_f16(double v)
{
    if (isnan(v)) return 0x7e00;
    double r = ssmix_round_binary(v, 10, -14, 65504.0);
    uint16_t sign = signbit(r) ? 0x8000 : 0;
    double a = fabs(r);
    if (isinf(a)) return sign | 0x7c00;
    if (a == 0.0) return sign;
    if (a < ldexp(1.0, -14)) return sign | (uint16_t)(a * ldexp(1.0, 24)); /* exact subnormal */
    int e;
    double f = frexp(a, &e); /* a = f * 2^e, f in [0.5,1) */
    uint16_t exp = (uint16_t)(e - 1 + 15);
    uint16_t man = (uint16_t)((f * 2.0 - 1.0) * 1024.0); /* exact after rounding */
    return sign | (uint16_t)(exp << 10) | man;
}

static inline uint16_t ssmix_f32_to_bf16(float f) { return ssmix_f64_to_bf16((double)f); }
static inline uint16_t ssmix_f32_to_f16(float f) { return ssmix_f64_to_f16((double)f); }

#endif /* SSMIX_DTYPE_H */
