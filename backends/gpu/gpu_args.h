/*
 * Building the argument list of a kernel launch (gpu_device.h's contract), shared by every pipeline
 * of backends/gpu/: append arguments in the kernel's declaration order, then pass `n` and `a` to
 * ssmix_gpu_device.launch.
 */
#ifndef SSMIX_GPU_ARGS_H
#define SSMIX_GPU_ARGS_H

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

#endif
