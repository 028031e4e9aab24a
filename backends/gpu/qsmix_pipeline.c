/*
 * Quasiseparable mixer (OPS.md section 2, Hydra and Bi-Mamba2) on a GPU backend: workspace layout and
 * launch sequence of the fused bidirectional kernels of kernels/qsmix.cl (the math, including the
 * Hydra shift at chunk boundaries, is derived in the comment at the top of that file).
 * Backend-neutral: everything device-specific goes through ssmix_gpu_device (gpu_device.h).
 *
 * Forward                                    Backward (recomputes the forward chunk states first)
 *   qsmix_dt_cumsum     Delta, cumsums (both)   qsmix_dt_cumsum, qsmix_chunk_state, qsmix_state_pass
 *   qsmix_chunk_state   local states (both)     qsmix_chunk_output(dz mode)         dz      (if z and dz)
 *   qsmix_state_pass    fwd asc / bwd desc      qsmix_chunk_state(adj), qsmix_state_pass(adjoint)
 *   qsmix_chunk_output  out                                                         dinit_f, dinit_b
 *                                               qsmix_bwd_chunk(dx)                 dx
 *                                               qsmix_bwd_chunk(dB) + qsmix_reduce_heads
 *                                               qsmix_bwd_chunk(dC) + qsmix_reduce_heads
 *                                               qsmix_bwd_dlog                      (ddt, dA, ddt_bias)
 *                                               qsmix_bwd_finish                    ddt, ddelta, partials
 *                                               qsmix_reduce_params                 dA, ddt_bias, dD
 *
 * Workspace (fp32 elements, Q = min(chunk_size, L), nc = ceil(L/Q), each region rounded up to 64):
 *   forward:  6 b H nc Q (Delta and double-float cumsum, two directions) + 2 b nc H P N (chunk states)
 *   backward: forward + 2 b nc H P N (state adjoints)
 *             + [ddt|dA|ddt_bias] 4 b H nc Q (dd, dl)      + 2 b nc H (dA, ddt_bias partials)
 *             + [dB|dC] 2 b nc Q H N (per-head partials of the two directions, reused by dB and dC)
 *             + [dD] b nc H P
 * i.e. O(b nc H P N + b L H N), linear in L, never O(L^2). All reductions have a fixed order.
 *
 * Varlen (cu_seqlens, batch 1): qsmix_varlen_table first expands cu_seqlens (device memory) into a
 * chunk table in the workspace (5 int32 per chunk) that splits every sequence into its own chunks,
 * so no chunk straddles a boundary and the chunked algorithm above applies unchanged per sequence;
 * the state passes restart at every sequence and the Hydra shifts read nothing outside the current
 * sequence. The host cannot see the lengths, so nc becomes the bound
 * min(L, (L + nseq) / Q) >= sum_i ceil(len_i / Q) and unused table slots are skipped.
 * The tiled kernels need work-groups of exactly 256 work-items (QS_WG in kernels/qsmix.cl).
 */
#include <stdint.h>
#include <string.h>

#include "gpu_args.h"
#include "gpu_pipeline.h"

#define QS_T 32   /* kernels/qsmix.cl QS_T */
#define QS_WG 256 /* kernels/qsmix.cl QS_WG */

/* pointer, element offset and nd strides (zeros and a dummy buffer for an absent view) */

static int64_t qs_round64(int64_t n) { return (n + 63) / 64 * 64; }

typedef struct qs_plan {
    int64_t b, L, H, P, N, G, Q, nc, nseq;
    int backward, want_dt, want_bc, want_adj, diag_grad, varlen;
    void *ws;
    /* region offsets in floats (-1: not allocated) */
    int64_t o_dt, o_cum, o_st, o_adj, o_dl, o_dd, o_pf, o_pb, o_pA, o_pbias, o_pD, o_tab, total;
} qs_plan;

static int64_t qs_take(qs_plan *pl, int64_t n)
{
    int64_t o = pl->total;
    pl->total += qs_round64(n);
    return o;
}

static void qs_sizes(qs_plan *pl, const ssmix_qsmix_problem *p)
{
    pl->b = p->batch;
    pl->L = p->seqlen;
    pl->H = p->nheads;
    pl->P = p->headdim;
    pl->N = p->dstate;
    pl->G = p->ngroups;
    pl->Q = p->chunk_size < p->seqlen ? p->chunk_size : p->seqlen; /* a chunk longer than L is L */
    if (pl->Q < 1) pl->Q = 1;
    pl->nc = ssmix_cdiv(pl->L, pl->Q);
    pl->varlen = p->cu_seqlens.present;
    pl->nseq = p->nseq;
    if (pl->varlen) { /* sum_i ceil(len_i / Q) over nseq lengths >= 1 summing to L */
        int64_t bound = (pl->L + pl->nseq * (pl->Q - 1)) / pl->Q;
        pl->nc = bound < pl->L ? bound : pl->L;
    }
}

static void qs_layout(qs_plan *pl)
{
    int64_t tok = 2 * pl->b * pl->H * pl->nc * pl->Q, st = 2 * pl->b * pl->nc * pl->H * pl->P * pl->N;
    pl->total = 0;
    pl->o_adj = pl->o_dl = pl->o_dd = pl->o_pf = pl->o_pb = pl->o_pA = pl->o_pbias = pl->o_pD = pl->o_tab = -1;
    if (pl->varlen) pl->o_tab = qs_take(pl, 5 * pl->nc); /* int32 entries (kernels/qsmix.cl QS_TAB) */
    pl->o_dt = qs_take(pl, tok);
    pl->o_cum = qs_take(pl, 2 * tok); /* (hi, lo) pairs: kernels/qsmix.cl qs_cdiff */
    pl->o_st = qs_take(pl, st);
    if (!pl->backward) return;
    if (pl->want_adj) pl->o_adj = qs_take(pl, st);
    if (pl->want_dt) {
        pl->o_dl = qs_take(pl, tok);
        pl->o_dd = qs_take(pl, tok);
        pl->o_pA = qs_take(pl, pl->b * pl->nc * pl->H);
        pl->o_pbias = qs_take(pl, pl->b * pl->nc * pl->H);
    }
    if (pl->want_bc) {
        int64_t one = pl->b * pl->nc * pl->Q * pl->H * pl->N;
        pl->o_pf = qs_take(pl, one);
        pl->o_pb = qs_take(pl, one);
    }
    if (pl->diag_grad == 1 || pl->diag_grad == 2) pl->o_pD = qs_take(pl, pl->b * pl->nc * pl->H * pl->P);
}

/* Record an error through the core (when the device table carries it) and return the status. */
#define QS_FAIL(dev, status, ...) \
    ((dev)->host ? (dev)->host->set_error((status), __VA_ARGS__) : (status))

static ssmix_status qs_launch(const ssmix_gpu_device *dev, ssmix_kernel_id id, ssmix_dtype io, int64_t groups,
                              size_t local, const ssmix_kargs *k)
{
    if (groups <= 0) return SSMIX_SUCCESS;
    if (groups > INT32_MAX)
        return QS_FAIL(dev, SSMIX_ERROR_UNSUPPORTED, "qsmix: %s needs %lld work-groups (limit %d); the problem is too large",
                       ssmix_kernel_name(id), (long long)groups, INT32_MAX);
    size_t g[3] = {(size_t)groups, 1, 1}, l[3] = {local, 1, 1};
    return dev->launch(dev->impl, id, io, g, l, 0, k->n, k->a);
}

/* The tiled kernels declare their local arrays for 256 work-items; refuse devices that cannot run that. */
static ssmix_status qs_check_device(const ssmix_gpu_device *dev, ssmix_dtype io, int backward)
{
    static const ssmix_kernel_id fwd[] = {SSMIX_K_qsmix_chunk_state, SSMIX_K_qsmix_state_pass,
                                          SSMIX_K_qsmix_chunk_output};
    static const ssmix_kernel_id bwd[] = {SSMIX_K_qsmix_bwd_chunk, SSMIX_K_qsmix_bwd_dlog, SSMIX_K_qsmix_bwd_finish};
    for (int pass = 0; pass < (backward ? 2 : 1); pass++) {
        const ssmix_kernel_id *ids = pass == 0 ? fwd : bwd;
        for (int i = 0; i < 3; i++) {
            size_t m = 0;
            ssmix_status st = dev->max_group_size(dev->impl, ids[i], io, &m);
            if (st != SSMIX_SUCCESS) return st;
            if (m < QS_WG)
                return QS_FAIL(dev, SSMIX_ERROR_UNSUPPORTED,
                               "qsmix: kernel %s needs work-groups of %d work-items, the device allows %zu",
                               ssmix_kernel_name(ids[i]), QS_WG, m);
        }
    }
    return SSMIX_SUCCESS;
}

#define QS_TRY(x)                                  \
    do {                                           \
        ssmix_status qs_st_ = (x);                 \
        if (qs_st_ != SSMIX_SUCCESS) return qs_st_; \
    } while (0)

static void qa_ws(ssmix_kargs *k, const qs_plan *pl) { ka_buf(k, pl->ws); }
static void qa_sizes(ssmix_kargs *k, const qs_plan *pl)
{
    ka_i64(k, pl->b);
    ka_i64(k, pl->L);
    ka_i64(k, pl->H);
    ka_i64(k, pl->P);
    ka_i64(k, pl->N);
    ka_i64(k, pl->G);
    ka_i64(k, pl->Q);
    ka_i64(k, pl->nc);
}

/* The chunk table arguments every per-chunk kernel takes last (offset -1: no varlen). */
static void qa_tab(ssmix_kargs *k, const qs_plan *pl)
{
    ka_buf(k, pl->ws);
    ka_i64(k, pl->o_tab);
}

/* Varlen: expand cu_seqlens into the chunk table (one work-item; O(nseq + nc)). */
static ssmix_status qs_table(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p, const qs_plan *pl)
{
    if (!pl->varlen) return SSMIX_SUCCESS;
    ssmix_kargs k;
    k.n = 0;
    ka_view(&k, &p->cu_seqlens, 1);
    ka_i64(&k, pl->nseq);
    qa_ws(&k, pl);
    ka_i64(&k, pl->o_tab);
    ka_i64(&k, pl->L);
    ka_i64(&k, pl->Q);
    ka_i64(&k, pl->nc);
    return qs_launch(dev, SSMIX_K_qsmix_varlen_table, p->io_dtype, 1, 64, &k);
}

/* Delta and cumsums, local chunk states, state passing: the forward chunk states in ws. */
static ssmix_status qs_states(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p, const qs_plan *pl)
{
    ssmix_dtype io = p->io_dtype;
    ssmix_kargs k;

    k.n = 0;
    ka_view(&k, &p->dt[0], 3);
    ka_view(&k, &p->dt[1], 3);
    ka_view(&k, &p->A, 1);
    ka_view(&k, &p->dt_bias, 1);
    ka_i32(&k, p->dt_bias.present);
    qa_ws(&k, pl);
    ka_i64(&k, pl->o_dt);
    ka_i64(&k, pl->o_cum);
    ka_i64(&k, pl->b);
    ka_i64(&k, pl->L);
    ka_i64(&k, pl->H);
    ka_i64(&k, pl->Q);
    ka_i64(&k, pl->nc);
    ka_i32(&k, p->dt_softplus);
    ka_f32(&k, p->dt_min);
    ka_f32(&k, p->dt_max);
    qa_tab(&k, pl);
    QS_TRY(qs_launch(dev, SSMIX_K_qsmix_dt_cumsum, io, ssmix_cdiv(2 * pl->b * pl->H * pl->nc, 64), 64, &k));

    k.n = 0;
    ka_view(&k, &p->x, 4);
    ka_view(&k, &p->x, 4); /* go: unused in this mode */
    ka_view(&k, &p->x, 4); /* z: unused */
    ka_view(&k, &p->B[0], 4);
    ka_view(&k, &p->C[0], 4);
    ka_view(&k, &p->B[1], 4);
    ka_view(&k, &p->C[1], 4);
    qa_ws(&k, pl);
    ka_i64(&k, pl->o_dt);
    ka_i64(&k, pl->o_cum);
    ka_i64(&k, pl->o_st);
    qa_sizes(&k, pl);
    ka_i32(&k, (int32_t)p->mode);
    ka_i32(&k, 0);
    ka_i32(&k, 0);
    int64_t ntp = ssmix_cdiv(pl->P, QS_T), ntn = ssmix_cdiv(pl->N, QS_T);
    qa_tab(&k, pl);
    QS_TRY(qs_launch(dev, SSMIX_K_qsmix_chunk_state, io, ntp * ntn * pl->nc * pl->H * pl->b, QS_WG, &k));

    ssmix_view none;
    memset(&none, 0, sizeof none);
    k.n = 0;
    qa_ws(&k, pl);
    ka_i64(&k, pl->o_cum);
    ka_i64(&k, pl->o_st);
    ka_view(&k, p->init[0].present ? &p->init[0] : &none, 4);
    ka_i32(&k, p->init[0].present);
    ka_view(&k, p->init[1].present ? &p->init[1] : &none, 4);
    ka_i32(&k, p->init[1].present);
    ka_i64(&k, pl->b);
    ka_i64(&k, pl->H);
    ka_i64(&k, pl->P);
    ka_i64(&k, pl->N);
    ka_i64(&k, pl->Q);
    ka_i64(&k, pl->nc);
    ka_i32(&k, 0);
    qa_tab(&k, pl);
    QS_TRY(qs_launch(dev, SSMIX_K_qsmix_state_pass, io, ssmix_cdiv(pl->P * pl->N, QS_WG) * pl->H * pl->b * 2, QS_WG, &k));
    return SSMIX_SUCCESS;
}

/* qsmix_chunk_output: out (dz_mode 0) or dz (dz_mode 1). */
static ssmix_status qs_output(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p, const qs_plan *pl,
                              int dz_mode)
{
    ssmix_kargs k;
    k.n = 0;
    ka_view(&k, &p->x, 4);
    ka_view(&k, &p->B[0], 4);
    ka_view(&k, &p->C[0], 4);
    ka_view(&k, &p->B[1], 4);
    ka_view(&k, &p->C[1], 4);
    ka_view(&k, &p->D, 2);
    ka_view(&k, &p->delta, 3);
    ka_view(&k, &p->z, 4);
    ka_view(&k, dz_mode ? &p->dout : &p->x, 4);
    ka_view(&k, dz_mode ? &p->dz : &p->out, 4);
    qa_ws(&k, pl);
    ka_i64(&k, pl->o_dt);
    ka_i64(&k, pl->o_cum);
    ka_i64(&k, pl->o_st);
    qa_sizes(&k, pl);
    ka_i32(&k, (int32_t)p->mode);
    ka_i32(&k, p->D.present ? 1 : p->delta.present ? 2 : 0);
    ka_i32(&k, p->z.present);
    ka_i32(&k, dz_mode);
    int64_t ntq = ssmix_cdiv(pl->Q, QS_T), ntp = ssmix_cdiv(pl->P, QS_T);
    qa_tab(&k, pl);
    return qs_launch(dev, SSMIX_K_qsmix_chunk_output, p->io_dtype, ntq * ntp * pl->nc * pl->H * pl->b, QS_WG, &k);
}

static ssmix_status qs_plan_ws(const ssmix_gpu_device *dev, qs_plan *pl)
{
    if ((uint64_t)pl->total > (uint64_t)(SIZE_MAX / sizeof(float)))
        return QS_FAIL(dev, SSMIX_ERROR_OUT_OF_MEMORY, "qsmix: workspace of %lld floats does not fit in size_t",
                       (long long)pl->total);
    size_t bytes = (size_t)pl->total * sizeof(float);
    return dev->workspace(dev->impl, bytes ? bytes : sizeof(float), &pl->ws);
}

ssmix_status ssmix_gpu_qsmix_forward(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p)
{
    qs_plan pl;
    memset(&pl, 0, sizeof pl);
    qs_sizes(&pl, p);
    qs_layout(&pl);
    QS_TRY(qs_check_device(dev, p->io_dtype, 0));
    QS_TRY(qs_plan_ws(dev, &pl));
    QS_TRY(qs_table(dev, p, &pl));
    QS_TRY(qs_states(dev, p, &pl));
    return qs_output(dev, p, &pl, 0);
}

/* Common inputs of qsmix_bwd_chunk and qsmix_bwd_dlog: x, dout, z, B/C of both directions. */
static void qa_bwd_inputs(ssmix_kargs *k, const ssmix_qsmix_problem *p)
{
    ka_view(k, &p->x, 4);
    ka_view(k, &p->dout, 4);
    ka_view(k, p->z.present ? &p->z : &p->dout, 4);
    ka_view(k, &p->B[0], 4);
    ka_view(k, &p->C[0], 4);
    ka_view(k, &p->B[1], 4);
    ka_view(k, &p->C[1], 4);
}

static ssmix_status qs_bwd_chunk(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p, const qs_plan *pl,
                                 int kind)
{
    ssmix_kargs k;
    k.n = 0;
    qa_bwd_inputs(&k, p);
    ka_view(&k, &p->D, 2);
    ka_view(&k, &p->delta, 3);
    ka_view(&k, kind == 0 ? &p->dx : &p->x, 4); /* dx written by kind 0 only */
    qa_ws(&k, pl);
    ka_i64(&k, pl->o_dt);
    ka_i64(&k, pl->o_cum);
    ka_i64(&k, pl->o_st);
    ka_i64(&k, pl->o_adj >= 0 ? pl->o_adj : pl->o_st);
    ka_i64(&k, pl->o_pf >= 0 ? pl->o_pf : 0);
    ka_i64(&k, pl->o_pb >= 0 ? pl->o_pb : 0);
    qa_sizes(&k, pl);
    ka_i32(&k, (int32_t)p->mode);
    ka_i32(&k, p->D.present ? 1 : p->delta.present ? 2 : 0);
    ka_i32(&k, p->z.present);
    ka_i32(&k, kind);
    int64_t ntq = ssmix_cdiv(pl->Q, QS_T), ntk = ssmix_cdiv(kind == 0 ? pl->P : pl->N, QS_T);
    qa_tab(&k, pl);
    return qs_launch(dev, SSMIX_K_qsmix_bwd_chunk, p->io_dtype, ntq * ntk * pl->nc * pl->H * pl->b, QS_WG, &k);
}

/* dB or dC of each direction slot from the per-head partials. */
static ssmix_status qs_reduce_heads(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p, const qs_plan *pl,
                                    const ssmix_view out[2])
{
    for (int slot = 0; slot < 2; slot++) {
        if (!out[slot].present) continue;
        ssmix_kargs k;
        k.n = 0;
        qa_ws(&k, pl);
        ka_i64(&k, slot == 0 ? pl->o_pf : pl->o_pb);
        ka_i64(&k, pl->o_pb);
        ka_i32(&k, slot == 0 && p->shared_dirs);
        ka_view(&k, &out[slot], 4);
        ka_i64(&k, pl->b);
        ka_i64(&k, pl->L);
        ka_i64(&k, pl->H);
        ka_i64(&k, pl->G);
        ka_i64(&k, pl->N);
        ka_i64(&k, pl->nc * pl->Q);
        QS_TRY(qs_launch(dev, SSMIX_K_qsmix_reduce_heads, p->io_dtype, ssmix_cdiv(pl->b * pl->L * pl->G * pl->N, QS_WG),
                         QS_WG, &k));
    }
    return SSMIX_SUCCESS;
}

static ssmix_status qs_reduce_params(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p, const qs_plan *pl,
                                     int64_t off, int64_t pp, const ssmix_view *out)
{
    ssmix_kargs k;
    k.n = 0;
    qa_ws(&k, pl);
    ka_i64(&k, off);
    ka_i64(&k, pl->b * pl->nc);
    ka_i64(&k, pl->H);
    ka_i64(&k, pp);
    ka_buf(&k, out->native);
    ka_i64(&k, out->offset);
    ka_i64(&k, out->stride[0]);
    ka_i64(&k, pp > 1 ? out->stride[1] : 0);
    return qs_launch(dev, SSMIX_K_qsmix_reduce_params, p->io_dtype, ssmix_cdiv(pl->H * pp, 64), 64, &k);
}

ssmix_status ssmix_gpu_qsmix_backward(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p)
{
    qs_plan pl;
    memset(&pl, 0, sizeof pl);
    qs_sizes(&pl, p);
    pl.backward = 1;
    pl.want_dt = p->ddt[0].present || p->ddt[1].present || p->dA.present || p->ddt_bias.present;
    pl.want_bc = p->dB[0].present || p->dB[1].present || p->dC[0].present || p->dC[1].present;
    int want_dB = p->dB[0].present || p->dB[1].present, want_dC = p->dC[0].present || p->dC[1].present;
    pl.want_adj = pl.want_dt || p->dx.present || want_dB || p->dinit[0].present || p->dinit[1].present;
    pl.diag_grad = p->dD.present ? (p->d_per_channel ? 2 : 1) : p->ddelta.present ? 3 : 0;
    qs_layout(&pl);
    QS_TRY(qs_check_device(dev, p->io_dtype, 1));
    QS_TRY(qs_plan_ws(dev, &pl));
    QS_TRY(qs_table(dev, p, &pl));
    ssmix_dtype io = p->io_dtype;
    int need_states = pl.want_dt || p->dx.present || want_dB || want_dC || (p->z.present && p->dz.present);
    if (need_states || pl.want_adj) QS_TRY(qs_states(dev, p, &pl));
    if (p->z.present && p->dz.present) QS_TRY(qs_output(dev, p, &pl, 1));

    ssmix_kargs k;
    if (pl.want_adj) {
        k.n = 0;
        qa_bwd_inputs(&k, p);
        qa_ws(&k, &pl);
        ka_i64(&k, pl.o_dt);
        ka_i64(&k, pl.o_cum);
        ka_i64(&k, pl.o_adj);
        qa_sizes(&k, &pl);
        ka_i32(&k, (int32_t)p->mode);
        ka_i32(&k, p->z.present);
        ka_i32(&k, 1);
        int64_t ntp = ssmix_cdiv(pl.P, QS_T), ntn = ssmix_cdiv(pl.N, QS_T);
        qa_tab(&k, &pl);
        QS_TRY(qs_launch(dev, SSMIX_K_qsmix_chunk_state, io, ntp * ntn * pl.nc * pl.H * pl.b, QS_WG, &k));

        ssmix_view none;
        memset(&none, 0, sizeof none);
        k.n = 0;
        qa_ws(&k, &pl);
        ka_i64(&k, pl.o_cum);
        ka_i64(&k, pl.o_adj);
        ka_view(&k, p->dinit[0].present ? &p->dinit[0] : &none, 4);
        ka_i32(&k, p->dinit[0].present);
        ka_view(&k, p->dinit[1].present ? &p->dinit[1] : &none, 4);
        ka_i32(&k, p->dinit[1].present);
        ka_i64(&k, pl.b);
        ka_i64(&k, pl.H);
        ka_i64(&k, pl.P);
        ka_i64(&k, pl.N);
        ka_i64(&k, pl.Q);
        ka_i64(&k, pl.nc);
        ka_i32(&k, 1);
        qa_tab(&k, &pl);
        QS_TRY(qs_launch(dev, SSMIX_K_qsmix_state_pass, io, ssmix_cdiv(pl.P * pl.N, QS_WG) * pl.H * pl.b * 2, QS_WG, &k));
    }

    if (p->dx.present) QS_TRY(qs_bwd_chunk(dev, p, &pl, 0));
    if (want_dB) {
        QS_TRY(qs_bwd_chunk(dev, p, &pl, 1));
        QS_TRY(qs_reduce_heads(dev, p, &pl, p->dB));
    }
    if (want_dC) {
        QS_TRY(qs_bwd_chunk(dev, p, &pl, 2));
        QS_TRY(qs_reduce_heads(dev, p, &pl, p->dC));
    }

    if (pl.want_dt) {
        k.n = 0;
        qa_bwd_inputs(&k, p);
        qa_ws(&k, &pl);
        ka_i64(&k, pl.o_dt);
        ka_i64(&k, pl.o_cum);
        ka_i64(&k, pl.o_st);
        ka_i64(&k, pl.o_adj);
        ka_i64(&k, pl.o_dl);
        ka_i64(&k, pl.o_dd);
        qa_sizes(&k, &pl);
        ka_i32(&k, (int32_t)p->mode);
        ka_i32(&k, p->z.present);
        qa_tab(&k, &pl);
        QS_TRY(qs_launch(dev, SSMIX_K_qsmix_bwd_dlog, io, pl.nc * pl.H * 2 * pl.b, QS_WG, &k));
    }

    if (pl.want_dt || pl.diag_grad) {
        k.n = 0;
        ka_view(&k, &p->x, 4);
        ka_view(&k, &p->dout, 4);
        ka_view(&k, p->z.present ? &p->z : &p->dout, 4);
        ka_view(&k, &p->dt[0], 3);
        ka_view(&k, &p->dt[1], 3);
        ka_view(&k, &p->A, 1);
        ka_view(&k, &p->dt_bias, 1);
        ka_view(&k, p->ddt[0].present ? &p->ddt[0] : &p->dt[0], 3);
        ka_view(&k, p->ddt[1].present ? &p->ddt[1] : &p->dt[1], 3);
        ka_view(&k, p->ddelta.present ? &p->ddelta : &p->dt[0], 3);
        qa_ws(&k, &pl);
        ka_i64(&k, pl.o_dt);
        ka_i64(&k, pl.o_dl >= 0 ? pl.o_dl : 0);
        ka_i64(&k, pl.o_dd >= 0 ? pl.o_dd : 0);
        ka_i64(&k, pl.o_pA >= 0 ? pl.o_pA : 0);
        ka_i64(&k, pl.o_pbias >= 0 ? pl.o_pbias : 0);
        ka_i64(&k, pl.o_pD >= 0 ? pl.o_pD : 0);
        ka_i64(&k, pl.b);
        ka_i64(&k, pl.L);
        ka_i64(&k, pl.H);
        ka_i64(&k, pl.P);
        ka_i64(&k, pl.Q);
        ka_i64(&k, pl.nc);
        ka_i32(&k, p->dt_bias.present);
        ka_i32(&k, p->dt_softplus);
        ka_f32(&k, p->dt_min);
        ka_f32(&k, p->dt_max);
        ka_i32(&k, p->shared_dirs);
        ka_i32(&k, p->z.present);
        ka_i32(&k, pl.want_dt);
        ka_i32(&k, p->ddt[0].present);
        ka_i32(&k, p->ddt[1].present);
        ka_i32(&k, pl.diag_grad);
        qa_tab(&k, &pl);
        QS_TRY(qs_launch(dev, SSMIX_K_qsmix_bwd_finish, io, pl.nc * pl.H * pl.b, QS_WG, &k));
    }
    if (p->dA.present) QS_TRY(qs_reduce_params(dev, p, &pl, pl.o_pA, 1, &p->dA));
    if (p->ddt_bias.present) QS_TRY(qs_reduce_params(dev, p, &pl, pl.o_pbias, 1, &p->ddt_bias));
    if (p->dD.present) QS_TRY(qs_reduce_params(dev, p, &pl, pl.o_pD, p->d_per_channel ? pl.P : 1, &p->dD));
    return SSMIX_SUCCESS;
}
