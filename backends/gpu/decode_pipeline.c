/*
 * SSD decode step (OPS.md section 6) on a GPU backend: one launch of ssd_decode_step
 * (kernels/decode.cl), one work-group per (row, head), no workspace. The work-group size is the
 * device's limit for the kernel (power of two, at most 256) shrunk to what one head needs; the
 * lanes per channel are the power of two covering N (at most the group), so a head of P x N state
 * is walked in ceil(P / (group / lanes)) passes.
 */
#include <string.h>

#include "gpu_pipeline.h"

#define DEC_WG_MAX 256 /* mirrors kernels/decode.cl */
#define MAX_KARGS 64

typedef struct dargs {
    ssmix_karg a[MAX_KARGS];
    int n;
} dargs;

static void da_buf(dargs *k, void *b)
{
    k->a[k->n].kind = SSMIX_KARG_BUF;
    k->a[k->n++].v.buf = b;
}
static void da_i64(dargs *k, int64_t v)
{
    k->a[k->n].kind = SSMIX_KARG_I64;
    k->a[k->n++].v.i64 = v;
}
static void da_i32(dargs *k, int32_t v)
{
    k->a[k->n].kind = SSMIX_KARG_I32;
    k->a[k->n++].v.i32 = v;
}
static void da_f32(dargs *k, float v)
{
    k->a[k->n].kind = SSMIX_KARG_F32;
    k->a[k->n++].v.f32 = v;
}
/* pointer, offset, nd strides (zeros for an absent view) */
static void da_view(dargs *k, const ssmix_view *v, int nd)
{
    da_buf(k, v->present ? v->native : NULL);
    da_i64(k, v->present ? v->offset : 0);
    for (int d = 0; d < nd; ++d) da_i64(k, v->present ? v->stride[d] : 0);
}

static size_t pow2_floor(size_t x)
{
    size_t p = 1;
    while (p * 2 <= x) p *= 2;
    return p;
}

ssmix_status ssmix_gpu_ssd_decode(const ssmix_gpu_device *dev, const ssmix_ssd_decode_problem *p)
{
    size_t wg = 0;
    ssmix_status st = dev->max_group_size(dev->impl, SSMIX_K_ssd_decode_step, p->io_dtype, &wg);
    if (st != SSMIX_SUCCESS) return st;
    if (wg < 1) wg = 1;
    if (wg > DEC_WG_MAX) wg = DEC_WG_MAX;
    wg = pow2_floor(wg);
    size_t nl = 1;
    while (nl < (size_t)p->dstate && nl < wg) nl *= 2;
    /* no more work-items than the head has elements (P rows of nl lanes) */
    while (wg > nl && (uint64_t)(wg / 2) >= (uint64_t)p->headdim * nl) wg /= 2;

    int64_t groups = p->batch * p->nheads;
    if (groups > INT32_MAX)
        return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "ssmix_ssd_decode: %lld work-groups needed (limit %d)",
                                    (long long)groups, INT32_MAX);
    dargs a;
    a.n = 0;
    da_view(&a, &p->state, 4);
    da_view(&a, &p->x, 3);
    da_view(&a, &p->dt, 2);
    da_view(&a, &p->A, 1);
    da_view(&a, &p->B, 3);
    da_view(&a, &p->C, 3);
    da_view(&a, &p->D, 2);
    da_i32(&a, p->D.present);
    da_view(&a, &p->z, 3);
    da_i32(&a, p->z.present);
    da_view(&a, &p->dt_bias, 1);
    da_i32(&a, p->dt_bias.present);
    da_view(&a, &p->idx, 1);
    da_i32(&a, p->idx.present);
    da_view(&a, &p->out, 3);
    da_i32(&a, p->dt_softplus);
    da_f32(&a, p->dt_min);
    da_f32(&a, p->dt_max);
    da_i64(&a, p->batch);
    da_i64(&a, p->pool);
    da_i64(&a, p->nheads);
    da_i64(&a, p->headdim);
    da_i64(&a, p->dstate);
    da_i64(&a, p->ngroups);
    da_i32(&a, (int32_t)nl);
    size_t g[3] = {(size_t)groups, 1, 1}, l[3] = {wg, 1, 1};
    return dev->launch(dev->impl, SSMIX_K_ssd_decode_step, p->io_dtype, g, l, 0, a.n, a.a);
}
