/*
 * Launch helpers shared by every pipeline of backends/gpu/: the argument list of a kernel launch
 * (gpu_device.h's contract: append arguments in the kernel's declaration order, then pass `n` and `a`
 * to ssmix_gpu_device.launch) and work-group sizing.
 */
#ifndef SSMIX_GPU_ARGS_H
#define SSMIX_GPU_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "gpu_device.h"

#define SSMIX_KARGS_MAX 128 /* more than any kernel of kernels/ takes */

typedef struct ssmix_kargs {
    ssmix_karg a[SSMIX_KARGS_MAX];
    int n;
} ssmix_kargs;

static inline void ka_buf(ssmix_kargs *k, void *b)
{
    k->a[k->n].kind = SSMIX_KARG_BUF;
    k->a[k->n++].v.buf = b;
}

static inline void ka_i64(ssmix_kargs *k, int64_t v)
{
    k->a[k->n].kind = SSMIX_KARG_I64;
    k->a[k->n++].v.i64 = v;
}

static inline void ka_i32(ssmix_kargs *k, int32_t v)
{
    k->a[k->n].kind = SSMIX_KARG_I32;
    k->a[k->n++].v.i32 = v;
}

static inline void ka_f32(ssmix_kargs *k, float v)
{
    k->a[k->n].kind = SSMIX_KARG_F32;
    k->a[k->n++].v.f32 = v;
}

/* A tensor argument of the dialect: buffer, element offset, `nd` strides (zeros for an absent view). */
static inline void ka_view(ssmix_kargs *k, const ssmix_view *v, int nd)
{
    ka_buf(k, v->present ? v->native : NULL);
    ka_i64(k, v->present ? v->offset : 0);
    for (int d = 0; d < nd; ++d) ka_i64(k, v->present ? v->stride[d] : 0);
}

static inline int64_t ssmix_cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static inline size_t ssmix_pow2_floor(size_t x)
{
    size_t p = 1;
    while (p * 2 <= x) p *= 2;
    return p;
}

/* The largest power-of-two work-group size <= cap that the device allows for kernel k (at least 1). */
static inline ssmix_status ssmix_gpu_group_size(const ssmix_gpu_device *dev, ssmix_kernel_id k, ssmix_dtype io,
                                                size_t cap, size_t *wg)
{
    size_t m = 0;
    ssmix_status st = dev->max_group_size(dev->impl, k, io, &m);
    if (st != SSMIX_SUCCESS) return st;
    if (m > cap) m = cap;
    *wg = ssmix_pow2_floor(m);
    return SSMIX_SUCCESS;
}

#endif
