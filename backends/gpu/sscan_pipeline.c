/*
 * Selective scan (OPS.md section 4) and its decode step (section 6) on a GPU backend: workspace
 * layout and launch sequence of the kernels in kernels/sscan.cl (the algorithm is described there).
 *
 * Forward                                   Backward
 *   sscan_fwd_chunk     Sloc_c, dsum_c        sscan_fwd_chunk, sscan_pass         H_c
 *   sscan_pass          H_c, last_state       sscan_bwd_chunk                     E_c
 *   sscan_fwd_out       out                   sscan_pass (reverse)                K_c, dinitial_state
 *                                             sscan_bwd_main                      du, ddelta, dz, partials
 *                                             sscan_reduce_f32 / _io              dA, dB, dC, dD, ddelta_bias
 * Decode: sscan_decode, one launch.
 *
 * Workspace (fp32 elements, nc = ceil(L/16), regions rounded up to 64 elements):
 *   forward:  b nc D (N + 1)
 *   backward: b nc D (2N + 1) + b nc D N per requested dA / constant dB / constant dC
 *             + b nc D per requested dD / ddelta_bias + ndblk b G N L per requested per-token dB / dC
 * where ndblk = ceil((D/G) / W) is the number of channel blocks of a group (W <= 128 the work-group
 * size of sscan_bwd_main). All sums are in a fixed order: bitwise reproducible.
 */
#include <stdint.h>
#include <string.h>

#include "gpu_args.h"
#include "gpu_pipeline.h"

#define SSCAN_T 16  /* mirrors kernels/sscan.cl */
#define SSCAN_W 128 /* mirrors kernels/sscan.cl: largest work-group of sscan_bwd_main */
#define WG_1D 128   /* work-group size asked for the one-item-per-element kernels */

/* B or C: the per-token io view (4 strides), the constant f32 view (2 strides), the form flag. */
static void ka_bc(ssmix_kargs *k, const ssmix_view *v, int is_const)
{
    ssmix_view none;
    memset(&none, 0, sizeof none);
    ka_view(k, is_const ? &none : v, 4);
    ka_view(k, is_const ? v : &none, 2);
    ka_i32(k, is_const);
}

#define CHECK(x)                                   \
    do {                                           \
        ssmix_status st_ = (x);                    \
        if (st_ != SSMIX_SUCCESS) return st_;      \
    } while (0)

/* One work-item per element over `items`. */
static ssmix_status launch_items(const ssmix_gpu_device *dev, ssmix_kernel_id k, ssmix_dtype io, int64_t items,
                                 const ssmix_kargs *a)
{
    if (items <= 0) return SSMIX_SUCCESS;
    size_t wg;
    CHECK(ssmix_gpu_group_size(dev, k, io, WG_1D, &wg));
    int64_t groups = ssmix_cdiv(items, (int64_t)wg);
    if (groups > INT32_MAX)
        return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "sscan: %s needs %lld work-groups (limit %d); the problem is too large",
                                    ssmix_kernel_name(k), (long long)groups, INT32_MAX);
    size_t g[3] = {(size_t)groups, 1, 1}, l[3] = {wg, 1, 1};
    return dev->launch(dev->impl, k, io, g, l, 0, a->n, a->a);
}

typedef struct sscan_plan {
    int64_t b, D, L, N, G, nc, dpg, ndblk;
    size_t wmain;
    /* workspace regions in floats; -1 = not allocated */
    int64_t off_S, off_ds, off_E, off_dA, off_dBc, off_dCc, off_pB, off_pC, off_dD, off_db, total;
} sscan_plan;

static ssmix_status make_plan(const ssmix_gpu_device *dev, const ssmix_sscan_problem *p, int backward, sscan_plan *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->b = p->batch, pl->D = p->dim, pl->L = p->seqlen, pl->N = p->dstate, pl->G = p->ngroups;
    pl->nc = ssmix_cdiv(pl->L, SSCAN_T);
    pl->dpg = pl->D / pl->G;
    pl->wmain = 1;
    if (backward) {
        size_t cap = SSCAN_W;
        while (cap / 2 >= (size_t)pl->dpg && cap > 1) cap /= 2; /* no wider than a group */
        CHECK(ssmix_gpu_group_size(dev, SSMIX_K_sscan_bwd_main, p->io_dtype, cap, &pl->wmain));
        pl->ndblk = ssmix_cdiv(pl->dpg, (int64_t)pl->wmain);
    }
    int64_t off = 0;
#define REGION(field, count)                              \
    do {                                                  \
        pl->field = off;                                  \
        off += ((int64_t)(count) + 63) / 64 * 64;         \
    } while (0)
    pl->off_E = pl->off_dA = pl->off_dBc = pl->off_dCc = pl->off_pB = pl->off_pC = pl->off_dD = pl->off_db = -1;
    int64_t states = pl->b * pl->nc * pl->N * pl->D, rows = pl->b * pl->nc * pl->D;
    REGION(off_S, states);
    REGION(off_ds, rows);
    if (backward) {
        REGION(off_E, states);
        if (p->dA.present) REGION(off_dA, states);
        if (p->dB.present && p->B_const) REGION(off_dBc, states);
        if (p->dC.present && p->C_const) REGION(off_dCc, states);
        if (p->dB.present && !p->B_const) REGION(off_pB, pl->ndblk * pl->b * pl->G * pl->N * pl->L);
        if (p->dC.present && !p->C_const) REGION(off_pC, pl->ndblk * pl->b * pl->G * pl->N * pl->L);
        if (p->dD.present) REGION(off_dD, rows);
        if (p->ddelta_bias.present) REGION(off_db, rows);
    }
#undef REGION
    pl->total = off;
    return SSMIX_SUCCESS;
}

static ssmix_status get_workspace(const ssmix_gpu_device *dev, const sscan_plan *pl, void **ws)
{
    if ((uint64_t)pl->total > (uint64_t)SIZE_MAX / sizeof(float))
        return dev->host->set_error(SSMIX_ERROR_OUT_OF_MEMORY, "sscan: workspace of %lld floats is too large",
                                    (long long)pl->total);
    return dev->workspace(dev->impl, (size_t)pl->total * sizeof(float), ws);
}

static void ka_sizes(ssmix_kargs *a, const sscan_plan *pl)
{
    ka_i64(a, pl->b);
    ka_i64(a, pl->D);
    ka_i64(a, pl->L);
    ka_i64(a, pl->N);
    ka_i64(a, pl->G);
    ka_i64(a, pl->nc);
}

/* Chunk-local states and the forward state passing: leaves H_c in the S region. */
static ssmix_status run_states(const ssmix_gpu_device *dev, const ssmix_sscan_problem *p, const sscan_plan *pl, void *ws,
                               const ssmix_view *last)
{
    ssmix_dtype io = p->io_dtype;
    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->u, 3);
    ka_view(&a, &p->delta, 3);
    ka_view(&a, &p->A, 2);
    ka_bc(&a, &p->B, p->B_const);
    ka_view(&a, &p->delta_bias, 1);
    ka_i32(&a, p->delta_bias.present);
    ka_i32(&a, p->delta_softplus);
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_S);
    ka_i64(&a, pl->off_ds);
    ka_sizes(&a, pl);
    CHECK(launch_items(dev, SSMIX_K_sscan_fwd_chunk, io, pl->b * pl->nc * pl->D, &a));

    a.n = 0;
    ka_view(&a, &p->A, 2);
    ka_view(&a, &p->init, 3);
    ka_i32(&a, p->init.present);
    ka_view(&a, last, 3);
    ka_i32(&a, last->present);
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_S);
    ka_i64(&a, pl->off_ds);
    ka_i32(&a, 0);
    ka_i64(&a, pl->b);
    ka_i64(&a, pl->D);
    ka_i64(&a, pl->N);
    ka_i64(&a, pl->nc);
    return launch_items(dev, SSMIX_K_sscan_pass, io, pl->b * pl->N * pl->D, &a);
}

ssmix_status ssmix_gpu_sscan_forward(const ssmix_gpu_device *dev, const ssmix_sscan_problem *p)
{
    sscan_plan pl;
    void *ws = NULL;
    CHECK(make_plan(dev, p, 0, &pl));
    CHECK(get_workspace(dev, &pl, &ws));
    CHECK(run_states(dev, p, &pl, ws, &p->last));

    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->u, 3);
    ka_view(&a, &p->delta, 3);
    ka_view(&a, &p->A, 2);
    ka_bc(&a, &p->B, p->B_const);
    ka_bc(&a, &p->C, p->C_const);
    ka_view(&a, &p->D, 1);
    ka_i32(&a, p->D.present);
    ka_view(&a, &p->z, 3);
    ka_i32(&a, p->z.present);
    ka_view(&a, &p->delta_bias, 1);
    ka_i32(&a, p->delta_bias.present);
    ka_i32(&a, p->delta_softplus);
    ka_view(&a, &p->out, 3);
    ka_buf(&a, ws);
    ka_i64(&a, pl.off_S);
    ka_sizes(&a, &pl);
    return launch_items(dev, SSMIX_K_sscan_fwd_out, p->io_dtype, pl.b * pl.nc * pl.D, &a);
}

/* out (f32 or io view, 4 canonical strides given explicitly) = sum over R rows of a workspace region. */
static ssmix_status reduce(const ssmix_gpu_device *dev, const ssmix_sscan_problem *p, void *ws, int64_t off, int64_t R,
                           int64_t M, int64_t n1, int64_t n2, int64_t n3, const ssmix_view *v, const int64_t *strides,
                           int io_out)
{
    ssmix_kargs a;
    a.n = 0;
    ka_buf(&a, ws);
    ka_i64(&a, off);
    ka_i64(&a, R);
    ka_i64(&a, M);
    ka_i64(&a, n1);
    ka_i64(&a, n2);
    ka_i64(&a, n3);
    ka_buf(&a, v->native);
    ka_i64(&a, v->offset);
    for (int i = 0; i < 4; ++i) ka_i64(&a, strides[i]);
    return launch_items(dev, io_out ? SSMIX_K_sscan_reduce_io : SSMIX_K_sscan_reduce_f32, p->io_dtype, M, &a);
}

ssmix_status ssmix_gpu_sscan_backward(const ssmix_gpu_device *dev, const ssmix_sscan_problem *p)
{
    sscan_plan pl;
    void *ws = NULL;
    ssmix_dtype io = p->io_dtype;
    ssmix_view none;
    memset(&none, 0, sizeof none);
    CHECK(make_plan(dev, p, 1, &pl));
    CHECK(get_workspace(dev, &pl, &ws));
    CHECK(run_states(dev, p, &pl, ws, &none));

    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->dout, 3);
    ka_view(&a, &p->z, 3);
    ka_i32(&a, p->z.present);
    ka_view(&a, &p->delta, 3);
    ka_view(&a, &p->A, 2);
    ka_bc(&a, &p->C, p->C_const);
    ka_view(&a, &p->delta_bias, 1);
    ka_i32(&a, p->delta_bias.present);
    ka_i32(&a, p->delta_softplus);
    ka_buf(&a, ws);
    ka_i64(&a, pl.off_E);
    ka_sizes(&a, &pl);
    CHECK(launch_items(dev, SSMIX_K_sscan_bwd_chunk, io, pl.b * pl.nc * pl.D, &a));

    /* reverse state passing of the adjoint: K_c in the E region, dinitial_state */
    a.n = 0;
    ka_view(&a, &p->A, 2);
    ka_view(&a, &p->dlast, 3);
    ka_i32(&a, p->dlast.present);
    ka_view(&a, &p->dinit, 3);
    ka_i32(&a, p->dinit.present);
    ka_buf(&a, ws);
    ka_i64(&a, pl.off_E);
    ka_i64(&a, pl.off_ds);
    ka_i32(&a, 1);
    ka_i64(&a, pl.b);
    ka_i64(&a, pl.D);
    ka_i64(&a, pl.N);
    ka_i64(&a, pl.nc);
    CHECK(launch_items(dev, SSMIX_K_sscan_pass, io, pl.b * pl.N * pl.D, &a));

    a.n = 0;
    ka_view(&a, &p->u, 3);
    ka_view(&a, &p->delta, 3);
    ka_view(&a, &p->A, 2);
    ka_bc(&a, &p->B, p->B_const);
    ka_bc(&a, &p->C, p->C_const);
    ka_view(&a, &p->D, 1);
    ka_i32(&a, p->D.present);
    ka_view(&a, &p->z, 3);
    ka_i32(&a, p->z.present);
    ka_view(&a, &p->delta_bias, 1);
    ka_i32(&a, p->delta_bias.present);
    ka_i32(&a, p->delta_softplus);
    ka_view(&a, &p->dout, 3);
    ka_view(&a, &p->du, 3);
    ka_i32(&a, p->du.present);
    ka_view(&a, &p->ddelta, 3);
    ka_i32(&a, p->ddelta.present);
    ka_view(&a, &p->dz, 3);
    ka_i32(&a, p->dz.present);
    ka_buf(&a, ws);
    ka_i64(&a, pl.off_S);
    ka_i64(&a, pl.off_E);
    ka_i64(&a, pl.off_dA);
    ka_i64(&a, pl.off_dBc);
    ka_i64(&a, pl.off_dCc);
    ka_i64(&a, pl.off_pB);
    ka_i64(&a, pl.off_pC);
    ka_i64(&a, pl.off_dD);
    ka_i64(&a, pl.off_db);
    ka_sizes(&a, &pl);
    ka_i64(&a, pl.ndblk);
    int64_t groups = pl.b * pl.nc * pl.G * pl.ndblk;
    if (groups > INT32_MAX)
        return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "sscan: sscan_bwd_main needs %lld work-groups (limit %d); the problem is too large",
                                    (long long)groups, INT32_MAX);
    size_t g3[3] = {(size_t)groups, 1, 1}, l3[3] = {pl.wmain, 1, 1};
    CHECK(dev->launch(dev->impl, SSMIX_K_sscan_bwd_main, io, g3, l3, 0, a.n, a.a));

    /* fixed-order reductions of the partials */
    int64_t R = pl.b * pl.nc, ND = pl.N * pl.D;
    if (p->dA.present) {
        const int64_t s[4] = {p->dA.stride[1], p->dA.stride[0], 0, 0}; /* partial index n * D + d */
        CHECK(reduce(dev, p, ws, pl.off_dA, R, ND, pl.D, 1, 1, &p->dA, s, 0));
    }
    if (pl.off_dBc >= 0) {
        const int64_t s[4] = {p->dB.stride[1], p->dB.stride[0], 0, 0};
        CHECK(reduce(dev, p, ws, pl.off_dBc, R, ND, pl.D, 1, 1, &p->dB, s, 0));
    }
    if (pl.off_dCc >= 0) {
        const int64_t s[4] = {p->dC.stride[1], p->dC.stride[0], 0, 0};
        CHECK(reduce(dev, p, ws, pl.off_dCc, R, ND, pl.D, 1, 1, &p->dC, s, 0));
    }
    int64_t M = pl.b * pl.G * pl.N * pl.L;
    if (pl.off_pB >= 0) CHECK(reduce(dev, p, ws, pl.off_pB, pl.ndblk, M, pl.G, pl.N, pl.L, &p->dB, p->dB.stride, 1));
    if (pl.off_pC >= 0) CHECK(reduce(dev, p, ws, pl.off_pC, pl.ndblk, M, pl.G, pl.N, pl.L, &p->dC, p->dC.stride, 1));
    if (p->dD.present) {
        const int64_t s[4] = {p->dD.stride[0], 0, 0, 0};
        CHECK(reduce(dev, p, ws, pl.off_dD, R, pl.D, 1, 1, 1, &p->dD, s, 0));
    }
    if (p->ddelta_bias.present) {
        const int64_t s[4] = {p->ddelta_bias.stride[0], 0, 0, 0};
        CHECK(reduce(dev, p, ws, pl.off_db, R, pl.D, 1, 1, 1, &p->ddelta_bias, s, 0));
    }
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_gpu_sscan_decode(const ssmix_gpu_device *dev, const ssmix_sscan_decode_problem *p)
{
    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->state, 3);
    ka_view(&a, &p->x, 2);
    ka_view(&a, &p->delta, 2);
    ka_view(&a, &p->A, 2);
    ka_view(&a, &p->B, 3);
    ka_view(&a, &p->C, 3);
    ka_view(&a, &p->D, 1);
    ka_i32(&a, p->D.present);
    ka_view(&a, &p->z, 2);
    ka_i32(&a, p->z.present);
    ka_view(&a, &p->delta_bias, 1);
    ka_i32(&a, p->delta_bias.present);
    ka_i32(&a, p->delta_softplus);
    ka_view(&a, &p->idx, 1);
    ka_i32(&a, p->idx.present);
    ka_view(&a, &p->out, 2);
    ka_i64(&a, p->batch);
    ka_i64(&a, p->dim);
    ka_i64(&a, p->dstate);
    ka_i64(&a, p->ngroups);
    ka_i64(&a, p->pool);
    return launch_items(dev, SSMIX_K_sscan_decode, p->io_dtype, p->batch * p->dim, &a);
}
