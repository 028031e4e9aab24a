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

#include "gpu_pipeline.h"

#define CONV_LDS 4096 /* kernels/conv.cl */
#define CONV_TLW 128  /* positions per dweight/dbias partial */
#define CONV_WG_MAX 256
#define CONV_MAX_KARGS 64

typedef struct cv_kargs {
    ssmix_karg a[CONV_MAX_KARGS];
    int n;
} cv_kargs;

static void cv_buf(cv_kargs *k, void *b)
{
    k->a[k->n].kind = SSMIX_KARG_BUF;
    k->a[k->n++].v.buf = b;
}
static void cv_i64(cv_kargs *k, int64_t v)
{
    k->a[k->n].kind = SSMIX_KARG_I64;
    k->a[k->n++].v.i64 = v;
}
static void cv_i32(cv_kargs *k, int32_t v)
{
    k->a[k->n].kind = SSMIX_KARG_I32;
    k->a[k->n++].v.i32 = v;
}
/* pointer, offset, nd strides (zeros for an absent view) */
static void cv_view(cv_kargs *k, const ssmix_view *v, int nd)
{
    cv_buf(k, v->present ? v->native : NULL);
    cv_i64(k, v->present ? v->offset : 0);
    for (int d = 0; d < nd; ++d) cv_i64(k, v->present ? v->stride[d] : 0);
}

static int64_t cv_cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static ssmix_status cv_wg(const ssmix_gpu_device *dev, ssmix_kernel_id k, ssmix_dtype io, size_t *wg)
{
    size_t m = 0;
    ssmix_status st = dev->max_group_size(dev->impl, k, io, &m);
    if (st != SSMIX_SUCCESS) return st;
    if (m > CONV_WG_MAX) m = CONV_WG_MAX;
    size_t p = 1;
    while (p * 2 <= m) p *= 2;
    *wg = p;
    return SSMIX_SUCCESS;
}

static ssmix_status cv_launch(const ssmix_gpu_device *dev, ssmix_kernel_id k, ssmix_dtype io, int64_t groups, size_t wg,
                              const cv_kargs *a)
{
    if (groups <= 0) return SSMIX_SUCCESS;
    if (groups > INT32_MAX)
        return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "conv1d: %s needs %lld work-groups (limit %d); the problem is too large",
                                    ssmix_kernel_name(k), (long long)groups, INT32_MAX);
    size_t g[3] = {(size_t)groups, 1, 1}, l[3] = {wg, 1, 1};
    return dev->launch(dev->impl, k, io, g, l, 0, a->n, a->a);
}

/* One work-item per item. */
static ssmix_status cv_items(const ssmix_gpu_device *dev, ssmix_kernel_id k, ssmix_dtype io, int64_t items, const cv_kargs *a)
{
    size_t wg = 1;
    ssmix_status st = cv_wg(dev, k, io, &wg);
    if (st != SSMIX_SUCCESS) return st;
    return cv_launch(dev, k, io, cv_cdiv(items, (int64_t)wg), wg, a);
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
    CV_CHECK(cv_wg(dev, SSMIX_K_conv_fwd, p->io_dtype, &wg));
    cv_kargs a;
    a.n = 0;
    cv_view(&a, &p->x, 3);
    cv_view(&a, &p->weight, 2);
    cv_view(&a, &p->bias, 1);
    cv_i32(&a, p->bias.present);
    cv_view(&a, &p->seq_idx, 2);
    cv_i32(&a, p->seq_idx.present);
    cv_view(&a, &p->init, 3);
    cv_i32(&a, p->init.present);
    cv_view(&a, mode == 0 ? &p->out : &none, 3);
    cv_view(&a, mode == 1 ? &p->dout : &none, 3);
    cv_buf(&a, ws);
    cv_i64(&a, off_g);
    cv_i32(&a, mode);
    cv_i64(&a, p->batch);
    cv_i64(&a, p->seqlen);
    cv_i64(&a, p->channels);
    cv_i64(&a, p->width);
    cv_i64(&a, cv_left(p));
    cv_i32(&a, p->silu);
    cv_i32(&a, t.tl);
    cv_i32(&a, t.tc);
    cv_i32(&a, t.c_fast);
    cv_i32(&a, t.use_lds);
    int64_t groups = p->batch * cv_cdiv(p->seqlen, t.tl) * cv_cdiv(p->channels, t.tc);
    return cv_launch(dev, SSMIX_K_conv_fwd, p->io_dtype, groups, wg, &a);
}

ssmix_status ssmix_gpu_conv1d_forward(const ssmix_gpu_device *dev, const ssmix_conv1d_problem *p)
{
    CV_CHECK(cv_run_fwd(dev, p, 0, NULL, 0));
    if (!p->final_state.present) return SSMIX_SUCCESS;
    cv_kargs a;
    a.n = 0;
    cv_view(&a, &p->x, 3);
    cv_view(&a, &p->seq_idx, 2);
    cv_i32(&a, p->seq_idx.present);
    cv_view(&a, &p->init, 3);
    cv_i32(&a, p->init.present);
    cv_view(&a, &p->final_state, 3);
    cv_i64(&a, p->batch);
    cv_i64(&a, p->seqlen);
    cv_i64(&a, p->channels);
    cv_i64(&a, p->width);
    return cv_items(dev, SSMIX_K_conv_final, p->io_dtype, p->batch * p->channels * (p->width - 1), &a);
}

ssmix_status ssmix_gpu_conv1d_backward(const ssmix_gpu_device *dev, const ssmix_conv1d_problem *p)
{
    const int need_dw = p->dweight.present || p->dbias.present;
    if (!p->dx.present && !need_dw && !p->dinit.present) return SSMIX_SUCCESS;
    const int64_t B = p->batch, L = p->seqlen, C = p->channels, W = p->width;
    const int64_t nch = cv_cdiv(L, CONV_TLW);
    const int64_t n_g = B * L * C, n_part = need_dw ? B * nch * C * (W + 1) : 0;
    const int64_t off_g = 0, off_part = (n_g + 63) / 64 * 64;
    const int64_t total = off_part + n_part;
    if ((uint64_t)total > SIZE_MAX / sizeof(float))
        return dev->host->set_error(SSMIX_ERROR_OUT_OF_MEMORY, "conv1d: workspace of %lld floats does not fit in size_t",
                                    (long long)total);
    void *ws = NULL;
    CV_CHECK(dev->workspace(dev->impl, (size_t)total * sizeof(float), &ws));
    CV_CHECK(cv_run_fwd(dev, p, 1, ws, off_g));

    cv_kargs a;
    if (p->dx.present) {
        cv_tile t = cv_plan_tile(L, C, W, p->dx.stride[1], p->dx.stride[2]);
        size_t wg = 1;
        CV_CHECK(cv_wg(dev, SSMIX_K_conv_bwd_dx, p->io_dtype, &wg));
        a.n = 0;
        cv_buf(&a, ws);
        cv_i64(&a, off_g);
        cv_view(&a, &p->weight, 2);
        cv_view(&a, &p->seq_idx, 2);
        cv_i32(&a, p->seq_idx.present);
        cv_view(&a, &p->dfinal, 3);
        cv_i32(&a, p->dfinal.present);
        cv_view(&a, &p->dx, 3);
        cv_i64(&a, B);
        cv_i64(&a, L);
        cv_i64(&a, C);
        cv_i64(&a, W);
        cv_i64(&a, cv_left(p));
        cv_i32(&a, t.tl);
        cv_i32(&a, t.tc);
        cv_i32(&a, t.c_fast);
        cv_i32(&a, t.use_lds);
        CV_CHECK(cv_launch(dev, SSMIX_K_conv_bwd_dx, p->io_dtype, B * cv_cdiv(L, t.tl) * cv_cdiv(C, t.tc), wg, &a));
    }
    if (p->dinit.present) {
        a.n = 0;
        cv_buf(&a, ws);
        cv_i64(&a, off_g);
        cv_view(&a, &p->weight, 2);
        cv_view(&a, &p->seq_idx, 2);
        cv_i32(&a, p->seq_idx.present);
        cv_view(&a, &p->dfinal, 3);
        cv_i32(&a, p->dfinal.present);
        cv_view(&a, &p->dinit, 3);
        cv_i64(&a, B);
        cv_i64(&a, L);
        cv_i64(&a, C);
        cv_i64(&a, W);
        CV_CHECK(cv_items(dev, SSMIX_K_conv_bwd_dinit, p->io_dtype, B * C * (W - 1), &a));
    }
    if (need_dw) {
        a.n = 0;
        cv_buf(&a, ws);
        cv_i64(&a, off_g);
        cv_i64(&a, off_part);
        cv_view(&a, &p->x, 3);
        cv_view(&a, &p->seq_idx, 2);
        cv_i32(&a, p->seq_idx.present);
        cv_view(&a, &p->init, 3);
        cv_i32(&a, p->init.present);
        cv_i64(&a, B);
        cv_i64(&a, L);
        cv_i64(&a, C);
        cv_i64(&a, W);
        cv_i64(&a, cv_left(p));
        cv_i64(&a, CONV_TLW);
        cv_i64(&a, nch);
        CV_CHECK(cv_items(dev, SSMIX_K_conv_bwd_dw_part, p->io_dtype, n_part, &a));
        a.n = 0;
        cv_buf(&a, ws);
        cv_i64(&a, off_part);
        cv_i64(&a, B * nch);
        cv_i64(&a, C);
        cv_i64(&a, W);
        cv_view(&a, &p->dweight, 2);
        cv_i32(&a, p->dweight.present);
        cv_view(&a, &p->dbias, 1);
        cv_i32(&a, p->dbias.present);
        CV_CHECK(cv_items(dev, SSMIX_K_conv_bwd_dw_reduce, p->io_dtype, C * (W + 1), &a));
    }
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_gpu_conv1d_update(const ssmix_gpu_device *dev, const ssmix_conv1d_update_problem *p)
{
    cv_kargs a;
    a.n = 0;
    cv_view(&a, &p->conv_state, 3);
    cv_view(&a, &p->x, 3);
    cv_view(&a, &p->weight, 2);
    cv_view(&a, &p->bias, 1);
    cv_i32(&a, p->bias.present);
    cv_view(&a, &p->state_idx, 1);
    cv_i32(&a, p->state_idx.present);
    cv_view(&a, &p->out, 3);
    cv_i64(&a, p->batch);
    cv_i64(&a, p->ntokens);
    cv_i64(&a, p->channels);
    cv_i64(&a, p->width);
    cv_i64(&a, p->pool);
    cv_i32(&a, p->silu);
    return cv_items(dev, SSMIX_K_conv_update, p->io_dtype, p->batch * p->channels, &a);
}
