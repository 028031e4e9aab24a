/*
 * bf16 for HIP device code on every ROCm version, without patching system headers.
 *
 * The kernels' I/O stores bf16 as a 16-bit integer (kernels/dialect.h) and never needs this header.
 * It serves HIP-specific code that wants a bf16 value type (e.g. an MFMA path on CDNA): the type
 * ssmix_hbf16 and exact conversions that agree bit for bit with the dialect's
 * ssmix_bf16_load/ssmix_bf16_store (round to nearest even, NaN kept quiet).
 *
 * SSMIX_HIP_BF16_HEADER is set by the build from the configure-time probe
 * (cmake/SsmixHipBf16Probe.cmake): 1 only when <hip/hip_bf16.h> exists and two translation units
 * including it link (ROCm >= 6.1). ROCm < 6.0 has no such header, and ROCm 6.0's defines non-inline
 * functions (multiple definitions at link time): there the library's own type is used.
 */
#ifndef SSMIX_HIP_BF16_H
#define SSMIX_HIP_BF16_H

#ifndef SSMIX_HIP_BF16_HEADER
#define SSMIX_HIP_BF16_HEADER 0
#endif

#if SSMIX_HIP_BF16_HEADER
#include <hip/hip_bf16.h>
typedef __hip_bfloat16 ssmix_hbf16;
/* The header's own conversions; __float2bfloat16 rounds to nearest even. */
DEVICE float ssmix_hbf16_to_float(ssmix_hbf16 v) { return __bfloat162float(v); }
DEVICE ssmix_hbf16 ssmix_hbf16_from_float(float f) { return __float2bfloat16(f); }
#else
typedef struct ssmix_hbf16 {
    u16 bits;
} ssmix_hbf16;
DEVICE float ssmix_hbf16_to_float(ssmix_hbf16 v) { return BITS_F32((u32)v.bits << 16); }
DEVICE ssmix_hbf16 ssmix_hbf16_from_float(float f)
{
    ssmix_hbf16 r;
    u32 u = F32_BITS(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        r.bits = (u16)((u >> 16) | 0x40u);
    } else {
        u += 0x7fffu + ((u >> 16) & 1u);
        r.bits = (u16)(u >> 16);
    }
    return r;
}
#endif

#endif
