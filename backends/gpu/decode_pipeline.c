/*
 * SSD decode step (OPS.md section 6) on a GPU backend: one launch of ssd_decode_step
 * (kernels/decode.cl), one work-group per (row, head), no workspace. The work-group size is the
 * device's limit for the kernel (power of two, at most 256) shrunk to what one head needs; the
 * lanes per channel are the power of two covering N (at most the group), so a head of P x N state
 * is walked in ceil(P / (group / lanes)) passes.
 */
#include <string.h>

#include "gpu_args.h"
#include "gpu_pipeline.h"

#define DEC_WG_MAX 256 /* mirrors kernels/decode.cl */

ssmix_status ssmix_gpu_ssd_decode(const ssmix_gpu_device *dev, const ssmix_ssd_decode_problem *p)
{
    size_t wg = 1;
    ssmix_status st = ssmix_gpu_group_size(dev, SSMIX_K_ssd_decode_step, p->io_dtype, DEC_WG_MAX, &wg);
    if (st != SSMIX_SUCCESS) return st;
    size_t nl = 1;
    while (nl < (size_t)p->dstate && nl < wg) nl *= 2;
    /* no more work-items than the head has elements (P rows of nl lanes) */
    while (wg > nl && (uint64_t)(wg / 2) >= (uint64_t)p->headdim * nl) wg /= 2;

    int64_t groups = p->batch * p->nheads;
    if (groups > INT32_MAX)
        return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "ssmix_ssd_decode: %lld work-groups needed (limit %d)",
                                    (long long)groups, INT32_MAX);
    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->state, 4);
    ka_view(&a, &p->x, 3);
    ka_view(&a, &p->dt, 2);
    ka_view(&a, &p->A, 1);
    ka_view(&a, &p->B, 3);
    ka_view(&a, &p->C, 3);
    ka_view(&a, &p->D, 2);
    ka_i32(&a, p->D.present);
    ka_view(&a, &p->z, 3);
    ka_i32(&a, p->z.present);
    ka_view(&a, &p->dt_bias, 1);
    ka_i32(&a, p->dt_bias.present);
    ka_view(&a, &p->idx, 1);
    ka_i32(&a, p->idx.present);
    ka_view(&a, &p->out, 3);
    ka_i32(&a, p->dt_softplus);
    ka_f32(&a, p->dt_min);
    ka_f32(&a, p->dt_max);
    ka_i64(&a, p->batch);
    ka_i64(&a, p->pool);
    ka_i64(&a, p->nheads);
    ka_i64(&a, p->headdim);
    ka_i64(&a, p->dstate);
    ka_i64(&a, p->ngroups);
    ka_i32(&a, (int32_t)nl);
    size_t g[3] = {(size_t)groups, 1, 1}, l[3] = {wg, 1, 1};
    return dev->launch(dev->impl, SSMIX_K_ssd_decode_step, p->io_dtype, g, l, 0, a.n, a.a);
}
