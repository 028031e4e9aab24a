/*
 * Gated linear attention (OPS.md section 3) on a GPU backend: workspace layout and launch sequence of
 * the chunked kernels of kernels/gla.cl (the math and the stability argument are at the top of that
 * file). Backend-neutral: everything device-specific goes through ssmix_gpu_device (gpu_device.h).
 *
 * Per direction d (0 = causal; the bidirectional mode adds d = 1, the reversed scan):
 *   forward   gla_cumsum, gla_chunk_state(0), gla_state_pass, gla_attn(decay), gla_output
 *   backward  the forward's first four (states recomputed, final states kept in ws),
 *             gla_chunk_state(1) + gla_state_pass(reverse)   dH per chunk, dinitial_state
 *             gla_attn(no decay)                             DV = dout v^T (lower triangle)
 *             gla_bwd_dqk, gla_bwd_dgk                       dq, dk, dgk
 *             gla_bwd_dv                                     dv
 * gla_table runs once per call: sequences (batch rows or cu_seqlens segments) and chunk slots, built
 * on the device so cu_seqlens is never read by the host.
 *
 * Workspace (fp32 elements, Q = min(chunk_size, L), slots = b ceil(L/Q), or ceil(L/Q) + nseq with
 * cu_seqlens; each region rounded up to 64):
 *   G slots H Q K, S slots H K V, A slots H Q Q, [bidirectional] out accumulator b L H V,
 *   backward: + Hfin nseq H K V, dS slots H K V, DV slots H Q Q, dq/dk slots H Q K each,
 *             [bidirectional] dq/dk/dgk/dv accumulators b L H (3K + V),
 *   + the table: 4 nseq + 2 slots i32.
 * O(L H (K + V + Q) + chunks H K V): linear in L. All reductions have a fixed order (no atomics).
 */
#include <stdint.h>
#include <string.h>

#include "gpu_args.h"
#include "gpu_pipeline.h"

#define GLA_WG 256     /* work-items per group (the tiled kernels loop over any size; 256 balances them) */
#define GLA_QMAX 64    /* kernels/gla.cl */
#define GLA_BS 16
#define GLA_KT 32
#define GLA_VT 32

/* pointer, element offset and nd strides (zeros and a dummy buffer for an absent view) */

static int64_t gla_round64(int64_t n) { return (n + 63) / 64 * 64; }

typedef struct gla_plan {
    int64_t b, L, H, K, V, Q, nseq, slots;
    int ndir, backward;
    void *ws;
    int64_t o_G, o_S, o_A, o_oacc, o_fin, o_dS, o_DV, o_dq, o_dk, o_aq, o_ak, o_ag, o_av, o_tab, total;
} gla_plan;

static int64_t gla_take(gla_plan *pl, int64_t n)
{
    int64_t o = pl->total;
    pl->total += gla_round64(n);
    return o;
}

static void gla_make_plan(gla_plan *pl, const ssmix_gla_problem *p, int backward)
{
    memset(pl, 0, sizeof *pl);
    pl->b = p->batch, pl->L = p->seqlen, pl->H = p->nheads, pl->K = p->kdim, pl->V = p->vdim, pl->nseq = p->nseq;
    pl->Q = p->chunk_size < p->seqlen ? p->chunk_size : p->seqlen;
    if (pl->Q < 1) pl->Q = 1;
    int64_t ncl = ssmix_cdiv(pl->L, pl->Q);
    pl->slots = p->cu_seqlens.present ? ncl + pl->nseq : pl->b * ncl;
    pl->ndir = p->bidirectional ? 2 : 1;
    pl->backward = backward;
    int64_t sH = pl->slots * pl->H, KV = pl->K * pl->V, tokH = pl->b * pl->L * pl->H;
    pl->o_oacc = pl->o_fin = pl->o_dS = pl->o_DV = pl->o_dq = pl->o_dk = -1;
    pl->o_aq = pl->o_ak = pl->o_ag = pl->o_av = -1;
    pl->o_G = gla_take(pl, sH * pl->Q * pl->K);
    pl->o_S = gla_take(pl, sH * KV);
    pl->o_A = gla_take(pl, sH * pl->Q * pl->Q);
    if (!backward) {
        if (pl->ndir == 2) pl->o_oacc = gla_take(pl, tokH * pl->V);
    } else {
        pl->o_fin = gla_take(pl, pl->nseq * pl->H * KV);
        pl->o_dS = gla_take(pl, sH * KV);
        pl->o_DV = gla_take(pl, sH * pl->Q * pl->Q);
        pl->o_dq = gla_take(pl, sH * pl->Q * pl->K);
        pl->o_dk = gla_take(pl, sH * pl->Q * pl->K);
        if (pl->ndir == 2) {
            pl->o_aq = gla_take(pl, tokH * pl->K);
            pl->o_ak = gla_take(pl, tokH * pl->K);
            pl->o_ag = gla_take(pl, tokH * pl->K);
            pl->o_av = gla_take(pl, tokH * pl->V);
        }
    }
    pl->o_tab = gla_take(pl, 4 * pl->nseq + 2 * pl->slots); /* i32 elements, same size as float */
}

#define GLA_FAIL(dev, status, ...) ((dev)->host ? (dev)->host->set_error((status), __VA_ARGS__) : (status))

#define GLA_TRY(x)                                   \
    do {                                             \
        ssmix_status gla_st_ = (x);                  \
        if (gla_st_ != SSMIX_SUCCESS) return gla_st_; \
    } while (0)

static ssmix_status gla_launch(const ssmix_gpu_device *dev, ssmix_kernel_id id, ssmix_dtype io, int64_t groups,
                               size_t local, const ssmix_kargs *k)
{
    if (groups <= 0) return SSMIX_SUCCESS;
    if (groups > INT32_MAX)
        return GLA_FAIL(dev, SSMIX_ERROR_UNSUPPORTED, "gla: %s needs %lld work-groups (limit %d); the problem is too large",
                        ssmix_kernel_name(id), (long long)groups, INT32_MAX);
    size_t g[3] = {(size_t)groups, 1, 1}, l[3] = {local, 1, 1};
    return dev->launch(dev->impl, id, io, g, l, 0, k->n, k->a);
}

/* Work-group size: GLA_WG, or less where the device allows less (every kernel loops over its size). */
static ssmix_status gla_group(const ssmix_gpu_device *dev, ssmix_kernel_id id, ssmix_dtype io, size_t *wg)
{
    size_t m = 0;
    GLA_TRY(dev->max_group_size(dev->impl, id, io, &m));
    if (m < 1) return GLA_FAIL(dev, SSMIX_ERROR_UNSUPPORTED, "gla: kernel %s cannot run on this device", ssmix_kernel_name(id));
    *wg = m < GLA_WG ? m : GLA_WG;
    return SSMIX_SUCCESS;
}

static ssmix_status gla_run(const ssmix_gpu_device *dev, ssmix_kernel_id id, ssmix_dtype io, int64_t groups_for_wg1,
                            int per_item, const ssmix_kargs *k, int64_t items)
{
    /* per_item: `items` work-items in total, one per element (groups = ceil(items / wg) times
     * groups_for_wg1); otherwise groups_for_wg1 groups of wg work-items. */
    size_t wg = 1;
    GLA_TRY(gla_group(dev, id, io, &wg));
    int64_t groups = per_item ? groups_for_wg1 * ssmix_cdiv(items, (int64_t)wg) : groups_for_wg1;
    return gla_launch(dev, id, io, groups, wg, k);
}

static void ka_tab(ssmix_kargs *k, const gla_plan *pl)
{
    ka_buf(k, pl->ws);
    ka_i64(k, pl->o_tab);
    ka_i64(k, pl->nseq);
}

/* Table, cumsum, chunk states, state passing, A: what the forward and backward of direction d share. */
static ssmix_status gla_states(const ssmix_gpu_device *dev, const ssmix_gla_problem *p, const gla_plan *pl, int d)
{
    ssmix_dtype io = p->io_dtype;
    ssmix_kargs k;
    int64_t nkt = ssmix_cdiv(pl->K, GLA_KT), nvt = ssmix_cdiv(pl->V, GLA_VT), nblk = ssmix_cdiv(pl->Q, GLA_BS);

    k.n = 0;
    ka_view(&k, &p->gk, 4);
    ka_buf(&k, pl->ws);
    ka_i64(&k, pl->o_G);
    ka_tab(&k, pl);
    ka_i64(&k, pl->H), ka_i64(&k, pl->K), ka_i64(&k, pl->Q), ka_i32(&k, d);
    GLA_TRY(gla_run(dev, SSMIX_K_gla_cumsum, io, pl->slots * pl->H, 1, &k, pl->K));

    k.n = 0;
    ka_view(&k, &p->k, 4);
    ka_view(&k, &p->v, 4);
    ka_buf(&k, pl->ws);
    ka_i64(&k, pl->o_G), ka_i64(&k, pl->o_S);
    ka_tab(&k, pl);
    ka_i64(&k, pl->H), ka_i64(&k, pl->K), ka_i64(&k, pl->V), ka_i64(&k, pl->Q), ka_i32(&k, d), ka_i32(&k, 0);
    ka_f32(&k, p->scale);
    GLA_TRY(gla_run(dev, SSMIX_K_gla_chunk_state, io, pl->slots * pl->H * nkt * nvt, 0, &k, 0));

    /* states exist in the causal mode only (validated), so direction 0 owns them */
    const ssmix_view none = {0};
    const ssmix_view *s_in = d == 0 ? &p->init : &none, *s_out = d == 0 && !pl->backward ? &p->final_state : &none;
    k.n = 0;
    ka_buf(&k, pl->ws);
    ka_i64(&k, pl->o_S), ka_i64(&k, pl->o_G), ka_i64(&k, pl->o_fin);
    ka_view(&k, s_in, 4);
    ka_i32(&k, s_in->present);
    ka_view(&k, s_out, 4);
    ka_i32(&k, s_out->present);
    ka_tab(&k, pl);
    ka_i64(&k, pl->H), ka_i64(&k, pl->K), ka_i64(&k, pl->V), ka_i64(&k, pl->Q), ka_i32(&k, 0);
    GLA_TRY(gla_run(dev, SSMIX_K_gla_state_pass, io, pl->nseq * pl->H, 1, &k, pl->K * pl->V));

    k.n = 0;
    ka_view(&k, &p->q, 4);
    ka_view(&k, &p->k, 4);
    ka_buf(&k, pl->ws);
    ka_i64(&k, pl->o_G), ka_i64(&k, pl->o_A);
    ka_tab(&k, pl);
    ka_i64(&k, pl->H), ka_i64(&k, pl->K), ka_i64(&k, pl->Q), ka_i32(&k, d), ka_i32(&k, 1);
    return gla_run(dev, SSMIX_K_gla_attn, io, pl->slots * pl->H * nblk, 0, &k, 0);
}

static ssmix_status gla_prepare(const ssmix_gpu_device *dev, const ssmix_gla_problem *p, gla_plan *pl, int backward)
{
    gla_make_plan(pl, p, backward);
    if (pl->total > INT64_MAX / 4 || (uint64_t)pl->total * 4u > (uint64_t)SIZE_MAX)
        return GLA_FAIL(dev, SSMIX_ERROR_UNSUPPORTED, "gla: workspace of %lld floats is too large", (long long)pl->total);
    if (pl->nseq * 4 + pl->slots * 2 > INT32_MAX || pl->L > INT32_MAX)
        return GLA_FAIL(dev, SSMIX_ERROR_UNSUPPORTED, "gla: too many sequences or chunks for the i32 chunk table");
    GLA_TRY(dev->workspace(dev->impl, (size_t)pl->total * 4u, &pl->ws));
    ssmix_kargs k;
    k.n = 0;
    ka_view(&k, &p->cu_seqlens, 1);
    ka_i32(&k, p->cu_seqlens.present);
    ka_i64(&k, pl->nseq), ka_i64(&k, pl->L), ka_i64(&k, pl->Q), ka_i64(&k, pl->slots);
    ka_buf(&k, pl->ws);
    ka_i64(&k, pl->o_tab);
    return gla_launch(dev, SSMIX_K_gla_table, p->io_dtype, 1, 1, &k);
}

ssmix_status ssmix_gpu_gla_forward(const ssmix_gpu_device *dev, const ssmix_gla_problem *p)
{
    gla_plan pl;
    GLA_TRY(gla_prepare(dev, p, &pl, 0));
    int64_t nvt = ssmix_cdiv(pl.V, GLA_VT);
    for (int d = 0; d < pl.ndir; d++) {
        GLA_TRY(gla_states(dev, p, &pl, d));
        ssmix_kargs k;
        k.n = 0;
        ka_view(&k, &p->q, 4);
        ka_view(&k, &p->v, 4);
        ka_view(&k, &p->out, 4);
        ka_buf(&k, pl.ws);
        ka_i64(&k, pl.o_G), ka_i64(&k, pl.o_A), ka_i64(&k, pl.o_S), ka_i64(&k, pl.o_oacc < 0 ? 0 : pl.o_oacc);
        ka_tab(&k, &pl);
        ka_i64(&k, pl.H), ka_i64(&k, pl.K), ka_i64(&k, pl.V), ka_i64(&k, pl.Q), ka_i64(&k, pl.L), ka_i32(&k, d);
        ka_f32(&k, p->scale);
        ka_i32(&k, d == pl.ndir - 1), ka_i32(&k, d == 1);
        GLA_TRY(gla_run(dev, SSMIX_K_gla_output, p->io_dtype, pl.slots * pl.H * nvt, 0, &k, 0));
    }
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_gpu_gla_backward(const ssmix_gpu_device *dev, const ssmix_gla_problem *p)
{
    gla_plan pl;
    GLA_TRY(gla_prepare(dev, p, &pl, 1));
    ssmix_dtype io = p->io_dtype;
    int64_t nkt = ssmix_cdiv(pl.K, GLA_KT), nvt = ssmix_cdiv(pl.V, GLA_VT), nblk = ssmix_cdiv(pl.Q, GLA_BS);
    int need_qk = p->dq.present || p->dk.present || p->dgk.present;
    for (int d = 0; d < pl.ndir; d++) {
        int fin = d == pl.ndir - 1, acc = d == 1;
        GLA_TRY(gla_states(dev, p, &pl, d));
        ssmix_kargs k;
        /* dSloc, then dH per chunk (reverse state passing) and dinitial_state */
        k.n = 0;
        ka_view(&k, &p->q, 4);
        ka_view(&k, &p->dout, 4);
        ka_buf(&k, pl.ws);
        ka_i64(&k, pl.o_G), ka_i64(&k, pl.o_dS);
        ka_tab(&k, &pl);
        ka_i64(&k, pl.H), ka_i64(&k, pl.K), ka_i64(&k, pl.V), ka_i64(&k, pl.Q), ka_i32(&k, d), ka_i32(&k, 1);
        ka_f32(&k, p->scale);
        GLA_TRY(gla_run(dev, SSMIX_K_gla_chunk_state, io, pl.slots * pl.H * nkt * nvt, 0, &k, 0));

        const ssmix_view none = {0};
        const ssmix_view *s_in = d == 0 ? &p->dfinal : &none, *s_out = d == 0 ? &p->dinit : &none;
        k.n = 0;
        ka_buf(&k, pl.ws);
        ka_i64(&k, pl.o_dS), ka_i64(&k, pl.o_G), ka_i64(&k, -1);
        ka_view(&k, s_in, 4);
        ka_i32(&k, s_in->present);
        ka_view(&k, s_out, 4);
        ka_i32(&k, s_out->present);
        ka_tab(&k, &pl);
        ka_i64(&k, pl.H), ka_i64(&k, pl.K), ka_i64(&k, pl.V), ka_i64(&k, pl.Q), ka_i32(&k, 1);
        GLA_TRY(gla_run(dev, SSMIX_K_gla_state_pass, io, pl.nseq * pl.H, 1, &k, pl.K * pl.V));

        if (need_qk) {
            k.n = 0; /* DV = dout v^T */
            ka_view(&k, &p->dout, 4);
            ka_view(&k, &p->v, 4);
            ka_buf(&k, pl.ws);
            ka_i64(&k, pl.o_G), ka_i64(&k, pl.o_DV);
            ka_tab(&k, &pl);
            ka_i64(&k, pl.H), ka_i64(&k, pl.V), ka_i64(&k, pl.Q), ka_i32(&k, d), ka_i32(&k, 0);
            GLA_TRY(gla_run(dev, SSMIX_K_gla_attn, io, pl.slots * pl.H * nblk, 0, &k, 0));

            k.n = 0;
            ka_view(&k, &p->q, 4);
            ka_view(&k, &p->k, 4);
            ka_view(&k, &p->v, 4);
            ka_view(&k, &p->dout, 4);
            ka_buf(&k, pl.ws);
            ka_i64(&k, pl.o_G), ka_i64(&k, pl.o_S), ka_i64(&k, pl.o_dS), ka_i64(&k, pl.o_DV), ka_i64(&k, pl.o_dq);
            ka_i64(&k, pl.o_dk);
            ka_tab(&k, &pl);
            ka_i64(&k, pl.H), ka_i64(&k, pl.K), ka_i64(&k, pl.V), ka_i64(&k, pl.Q), ka_i32(&k, d);
            ka_f32(&k, p->scale);
            GLA_TRY(gla_run(dev, SSMIX_K_gla_bwd_dqk, io, pl.slots * pl.H * nblk * nkt, 0, &k, 0));

            k.n = 0;
            ka_view(&k, &p->q, 4);
            ka_view(&k, &p->k, 4);
            ka_view(&k, &p->dq, 4);
            ka_i32(&k, p->dq.present);
            ka_view(&k, &p->dk, 4);
            ka_i32(&k, p->dk.present);
            ka_view(&k, &p->dgk, 4);
            ka_i32(&k, p->dgk.present);
            ka_buf(&k, pl.ws);
            ka_i64(&k, pl.o_S), ka_i64(&k, pl.o_fin), ka_i64(&k, pl.o_dS), ka_i64(&k, pl.o_dq), ka_i64(&k, pl.o_dk);
            ka_i64(&k, pl.o_aq < 0 ? 0 : pl.o_aq), ka_i64(&k, pl.o_ak < 0 ? 0 : pl.o_ak), ka_i64(&k, pl.o_ag < 0 ? 0 : pl.o_ag);
            ka_tab(&k, &pl);
            ka_i64(&k, pl.H), ka_i64(&k, pl.K), ka_i64(&k, pl.V), ka_i64(&k, pl.Q), ka_i64(&k, pl.L), ka_i32(&k, d);
            ka_i32(&k, fin), ka_i32(&k, acc);
            GLA_TRY(gla_run(dev, SSMIX_K_gla_bwd_dgk, io, pl.slots * pl.H, 1, &k, pl.K));
        }

        if (p->dv.present) {
            k.n = 0;
            ka_view(&k, &p->k, 4);
            ka_view(&k, &p->dout, 4);
            ka_view(&k, &p->dv, 4);
            ka_buf(&k, pl.ws);
            ka_i64(&k, pl.o_G), ka_i64(&k, pl.o_A), ka_i64(&k, pl.o_dS), ka_i64(&k, pl.o_av < 0 ? 0 : pl.o_av);
            ka_tab(&k, &pl);
            ka_i64(&k, pl.H), ka_i64(&k, pl.K), ka_i64(&k, pl.V), ka_i64(&k, pl.Q), ka_i64(&k, pl.L), ka_i32(&k, d);
            ka_f32(&k, p->scale);
            ka_i32(&k, fin), ka_i32(&k, acc);
            GLA_TRY(gla_run(dev, SSMIX_K_gla_bwd_dv, io, pl.slots * pl.H * nvt, 0, &k, 0));
        }
    }
    return SSMIX_SUCCESS;
}
