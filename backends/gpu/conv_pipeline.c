/*
 * Short convolutions and the causal conv state update (OPS.md sections 5-6) on a GPU backend: tile
 * shapes, workspace layout and the launch sequence of kernels/conv.cl. Backend-neutral.
 *
 * Forward:   conv_fwd(mode 0) out;  conv_final final_state (if requested)
 * Backward:  conv_fwd(mode 1) g = dout * act'(pre) -> ws          (recomputes pre)
 *            conv_bwd_dx      dx       (correlation of g with the flipped taps, g window in local memory)
 *            conv_bwd_dinit   dinitial_state
 *            conv_bwd_dw_part + conv_bwd_dw_reduce   dweight, dbias (partials per (b, chunk of CONV_TLW
 *            positions), then a fixed-order sum: bitwise reproducible, no atomics)
 * Update:    conv_update, one work-item per (row, channel), tokens in order.
 * Workspace (fp32): b L C (g) + b ceil(L/CONV_TLW) C (W+1) (partials, only for dweight/dbias).
 * Tiles: a work-group covers tl positions x tc channels and stages a (tl+W-1) x tc window in local
 * memory (CONV_LDS floats, mirrors kernels/conv.cl); channels are the fast tile dimension when they
 * have the smaller stride (channel-last), positions otherwise (channel-first).
 */
#include <stdint.h>
#include <string.h>

#include "gpu_args.h"
#include "gpu_pipeline.h"

#define CONV_LDS 4096 /* kernels/conv.cl */
#define CONV_TLW 128  /* positions per dweight/dbias partial */
#define CONV_WG_MAX 256

static ssmix_status cv_launch(const ssmix_gpu_device *dev, ssmix_kernel_id k, ssmix_dtype io, int64_t groups, size_t wg,
                              const ssmix_kargs *a)
{
    if (groups <= 0) return SSMIX_SUCCESS;
    if (groups > INT32_MAX)
        return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "conv1d: %s needs %lld work-groups (limit %d); the problem is too large",
                                    ssmix_kernel_name(k), (long long)groups, INT32_MAX);
    size_t g[3] = {(size_t)groups, 1, 1}, l[3] = {wg, 1, 1};
    return dev->launch(dev->impl, k, io, g, l, 0, a->n, a->a);
}

/* One work-item per item. */
static ssmix_status cv_items(const ssmix_gpu_device *dev, ssmix_kernel_id k, ssmix_dtype io, int64_t items, const ssmix_kargs *a)
{
    size_t wg = 1;
    ssmix_status st = ssmix_gpu_group_size(dev, k, io, CONV_WG_MAX, &wg);
    if (st != SSMIX_SUCCESS) return st;
    return cv_launch(dev, k, io, ssmix_cdiv(items, (int64_t)wg), wg, a);
}

typedef struct cv_tile {
    int tl, tc, c_fast, use_lds;
} cv_tile;

/* Tile shape for a [b][t][c] view with time stride st and channel stride sc. */
static cv_tile cv_plan_tile(int64_t L, int64_t C, int64_t W, int64_t st, int64_t sc)
{
    cv_tile t;
    t.c_fast = sc <= st;
    int64_t tc = t.c_fast ? 32 : 4, tl = t.c_fast ? 32 : 128;
    while (tc > 1 && tc / 2 >= C) tc /= 2; /* no wider than the channels (power of two >= C) */
    while (tl > 1 && tl / 2 >= L) tl /= 2;
    while (tl > 1 && (tl + W - 1) * tc > CONV_LDS) tl /= 2;
    while (tc > 1 && (tl + W - 1) * tc > CONV_LDS) tc /= 2;
    t.use_lds = (tl + W - 1) * tc <= CONV_LDS;
    if (!t.use_lds) tl = 32, tc = 1; /* very wide kernels: taps read global memory */
    t.tl = (int)tl, t.tc = (int)tc;
    return t;
}

static int64_t cv_left(const ssmix_conv1d_problem *p) { return p->centered ? (p->width - 1) / 2 : p->width - 1; }

#define CV_CHECK(x)                                \
    do {                                           \
        ssmix_status st_ = (x);                    \
        if (st_ != SSMIX_SUCCESS) return st_;      \
    } while (0)

/* conv_fwd in mode 0 (out) or 1 (g into ws at off_g). */
static ssmix_status cv_run_fwd(const ssmix_gpu_device *dev, const ssmix_conv1d_problem *p, int mode, void *ws, int64_t off_g)
{
    const ssmix_view none = {0};
    cv_tile t = cv_plan_tile(p->seqlen, p->channels, p->width, p->x.stride[1], p->x.stride[2]);
    size_t wg = 1;
    CV_CHECK(ssmix_gpu_group_size(dev, SSMIX_K_conv_fwd, p->io_dtype, CONV_WG_MAX, &wg));
    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->x, 3);
    ka_view(&a, &p->weight, 2);
    ka_view(&a, &p->bias, 1);
    ka_i32(&a, p->bias.present);
    ka_view(&a, &p->seq_idx, 2);
    ka_i32(&a, p->seq_idx.present);
    ka_view(&a, &p->init, 3);
    ka_i32(&a, p->init.present);
    ka_view(&a, mode == 0 ? &p->out : &none, 3);
    ka_view(&a, mode == 1 ? &p->dout : &none, 3);
    ka_buf(&a, ws);
    ka_i64(&a, off_g);
    ka_i32(&a, mode);
    ka_i64(&a, p->batch);
    ka_i64(&a, p->seqlen);
    ka_i64(&a, p->channels);
    ka_i64(&a, p->width);
    ka_i64(&a, cv_left(p));
    ka_i32(&a, p->silu);
    ka_i32(&a, t.tl);
    ka_i32(&a, t.tc);
    ka_i32(&a, t.c_fast);
    ka_i32(&a, t.use_lds);
    int64_t groups = p->batch * ssmix_cdiv(p->seqlen, t.tl) * ssmix_cdiv(p->channels, t.tc);
    return cv_launch(dev, SSMIX_K_conv_fwd, p->io_dtype, groups, wg, &a);
}

ssmix_status ssmix_gpu_conv1d_forward(const ssmix_gpu_device *dev, const ssmix_conv1d_problem *p)
{
    CV_CHECK(cv_run_fwd(dev, p, 0, NULL, 0));
    if (!p->final_state.present) return SSMIX_SUCCESS;
    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->x, 3);
    ka_view(&a, &p->seq_idx, 2);
    ka_i32(&a, p->seq_idx.present);
    ka_view(&a, &p->init, 3);
    ka_i32(&a, p->init.present);
    ka_view(&a, &p->final_state, 3);
    ka_i64(&a, p->batch);
    ka_i64(&a, p->seqlen);
    ka_i64(&a, p->channels);
    ka_i64(&a, p->width);
    return cv_items(dev, SSMIX_K_conv_final, p->io_dtype, p->batch * p->channels * (p->width - 1), &a);
}

ssmix_status ssmix_gpu_conv1d_backward(const ssmix_gpu_device *dev, const ssmix_conv1d_problem *p)
{
    const int need_dw = p->dweight.present || p->dbias.present;
    if (!p->dx.present && !need_dw && !p->dinit.present) return SSMIX_SUCCESS;
    const int64_t B = p->batch, L = p->seqlen, C = p->channels, W = p->width;
    const int64_t nch = ssmix_cdiv(L, CONV_TLW);
    const int64_t n_g = B * L * C, n_part = need_dw ? B * nch * C * (W + 1) : 0;
    const int64_t off_g = 0, off_part = (n_g + 63) / 64 * 64;
    const int64_t total = off_part + n_part;
    if ((uint64_t)total > SIZE_MAX / sizeof(float))
        return dev->host->set_error(SSMIX_ERROR_OUT_OF_MEMORY, "conv1d: workspace of %lld floats does not fit in size_t",
                                    (long long)total);
    void *ws = NULL;
    CV_CHECK(dev->workspace(dev->impl, (size_t)total * sizeof(float), &ws));
    CV_CHECK(cv_run_fwd(dev, p, 1, ws, off_g));

    ssmix_kargs a;
    if (p->dx.present) {
        cv_tile t = cv_plan_tile(L, C, W, p->dx.stride[1], p->dx.stride[2]);
        size_t wg = 1;
        CV_CHECK(ssmix_gpu_group_size(dev, SSMIX_K_conv_bwd_dx, p->io_dtype, CONV_WG_MAX, &wg));
        a.n = 0;
        ka_buf(&a, ws);
        ka_i64(&a, off_g);
        ka_view(&a, &p->weight, 2);
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_view(&a, &p->dfinal, 3);
        ka_i32(&a, p->dfinal.present);
        ka_view(&a, &p->dx, 3);
        ka_i64(&a, B);
        ka_i64(&a, L);
        ka_i64(&a, C);
        ka_i64(&a, W);
        ka_i64(&a, cv_left(p));
        ka_i32(&a, t.tl);
        ka_i32(&a, t.tc);
        ka_i32(&a, t.c_fast);
        ka_i32(&a, t.use_lds);
        CV_CHECK(cv_launch(dev, SSMIX_K_conv_bwd_dx, p->io_dtype, B * ssmix_cdiv(L, t.tl) * ssmix_cdiv(C, t.tc), wg, &a));
    }
    if (p->dinit.present) {
        a.n = 0;
        ka_buf(&a, ws);
        ka_i64(&a, off_g);
        ka_view(&a, &p->weight, 2);
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_view(&a, &p->dfinal, 3);
        ka_i32(&a, p->dfinal.present);
        ka_view(&a, &p->dinit, 3);
        ka_i64(&a, B);
        ka_i64(&a, L);
        ka_i64(&a, C);
        ka_i64(&a, W);
        CV_CHECK(cv_items(dev, SSMIX_K_conv_bwd_dinit, p->io_dtype, B * C * (W - 1), &a));
    }
    if (need_dw) {
        a.n = 0;
        ka_buf(&a, ws);
        ka_i64(&a, off_g);
        ka_i64(&a, off_part);
        ka_view(&a, &p->x, 3);
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_view(&a, &p->init, 3);
        ka_i32(&a, p->init.present);
        ka_i64(&a, B);
        ka_i64(&a, L);
        ka_i64(&a, C);
        ka_i64(&a, W);
        ka_i64(&a, cv_left(p));
        ka_i64(&a, CONV_TLW);
        ka_i64(&a, nch);
        CV_CHECK(cv_items(dev, SSMIX_K_conv_bwd_dw_part, p->io_dtype, n_part, &a));
        a.n = 0;
        ka_buf(&a, ws);
        ka_i64(&a, off_part);
        ka_i64(&a, B * nch);
        ka_i64(&a, C);
        ka_i64(&a, W);
        ka_view(&a, &p->dweight, 2);
        ka_i32(&a, p->dweight.present);
        ka_view(&a, &p->dbias, 1);
        ka_i32(&a, p->dbias.present);
        CV_CHECK(cv_items(dev, SSMIX_K_conv_bwd_dw_reduce, p->io_dtype, C * (W + 1), &a));
    }
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_gpu_conv1d_update(const ssmix_gpu_device *dev, const ssmix_conv1d_update_problem *p)
{
    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->conv_state, 3);
    ka_view(&a, &p->x, 3);
    ka_view(&a, &p->weight, 2);
    ka_view(&a, &p->bias, 1);
    ka_i32(&a, p->bias.present);
    ka_view(&a, &p->state_idx, 1);
    ka_i32(&a, p->state_idx.present);
    ka_view(&a, &p->out, 3);
    ka_i64(&a, p->batch);
    ka_i64(&a, p->ntokens);
    ka_i64(&a, p->channels);
    ka_i64(&a, p->width);
    ka_i64(&a, p->pool);
    ka_i32(&a, p->silu);
    return cv_items(dev, SSMIX_K_conv_update, p->io_dtype, p->batch * p->channels, &a);
}
