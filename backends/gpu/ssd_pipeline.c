/*
 * SSD (OPS.md section 1) on a GPU backend: tile shapes, workspace layout and the launch sequence of
 * the kernels in kernels/ssd.cl. Backend-neutral: everything device-specific goes through
 * ssmix_gpu_device (gpu_device.h).
 *
 * Forward                                  Backward (recomputes the forward states first)
 *   ssd_chunk_cumsum     dl, lam             ssd_chunk_cumsum, ssd_chunk_state(0), ssd_state_passing
 *   ssd_chunk_state(0)   Sloc                ssd_chunk_state(1)   dHloc
 *   ssd_state_passing    H_c, final          ssd_dstate_passing   dH_{c+1}, dinitial_states
 *   ssd_chunk_scan       out                 ssd_chunk_scan(bwd)  dz                       (if dz)
 *                                            ssd_bwd_dx           dx, X1/X2 partials
 *                                            ssd_bwd_dB [+ ssd_reduce_heads]               (if dB)
 *                                            ssd_bwd_dC [+ ssd_reduce_heads]  dC, a partials
 *                                            ssd_bwd_ddecay, ssd_bwd_pairs, ssd_bwd_ddt    (ddt/dA/ddt_bias)
 *                                            ssd_reduce_rows      dA, ddt_bias
 *                                            ssd_bwd_dD, ssd_reduce_rows                   (if dD)
 *
 * Workspace (fp32 elements; each region rounded up to 64 elements; T = the position tile <= 32):
 *   forward:  2 b H L  (dl, lam)  +  b nc H P N  (chunk states)
 *   backward: forward + b nc H P N (state adjoints)
 *             + [ddt|dA|ddt_bias] b H L (2 ceil(P/tp) + ceil(N/tn) + 3) + b nc H (ceil(min(Q,L)/T)^2 + 3)
 *             + [dD] b nc H P  + [dB or dC, H > G] b L H N (per-head partials, shared by dB and dC)
 * i.e. O(b nc H P N + b L H (P/32 + N/32 + N)) and never O(L^2); see ssmix_gpu_ssd_workspace_bytes().
 * All reductions (over heads of a group, over (b, t) for dA/ddt_bias/dD, over tiles) are sums in a
 * fixed order, so results are bitwise reproducible run to run.
 *
 * Varlen (cu_seqlens, batch 1): ssd_varlen_seq expands cu_seqlens into seq ids in the workspace
 * (L i32) and every kernel runs with them as its seq_idx, so the state resets at sequence starts.
 * The states of the sequences are per sequence (kernels/ssd_varlen.cl): sequence 0's initial state
 * and the last sequence's dfinal go through the ordinary H_0 / dH_nc paths; the others enter where
 * their sequence starts or ends inside a chunk (the `vs` arguments of ssd.cl, with lseq = the chunk
 * cumsum restarted at sequence starts, b H L floats, when initial states are given); final states
 * come from ssd_varlen_final, initial-state gradients of sequences > 0 from ssd_varlen_dinit, and
 * their dt-gradient terms from ssd_varlen_v (2 nseq H floats). Without cu_seqlens none of this is
 * launched and the other kernels get has_vs = 0 (no extra work).
 */
#include <stdint.h>
#include <string.h>

#include "gpu_args.h"
#include "gpu_pipeline.h"

/* Mirrors kernels/dialect.h. */
#define TILE_MAX 32 /* SSMIX_TILE */
#define TILE_R 4    /* SSMIX_TILE_R */
#define WG_MAX 256  /* largest work-group the pipeline asks for (ssd_bwd_ddecay's local array) */

typedef struct ssd_plan {
    int64_t b, L, H, P, N, G, Q, nc, qmax, hpg;
    int tq;           /* position tile (scan, dx, dB, dC) and pair block */
    int tp;           /* headdim tile of ssd_chunk_scan / ssd_bwd_dx */
    int tn;           /* dstate tile of ssd_bwd_dB / ssd_bwd_dC */
    int sp, sn;       /* ssd_chunk_state tile */
    int nit, npt, nnt, spt, snt, nbmax;
    size_t wg[SSMIX_KERNEL_COUNT];
    int need_ddt;
    /* workspace region offsets in floats; -1 = not allocated */
    int64_t off_dl, off_lam, off_st, off_dst, off_x1, off_x2, off_a, off_rs, off_cs, off_inb, off_tot, off_v,
        off_dap, off_dtbp, off_ddp, off_part;
    int varlen;                         /* cu_seqlens given */
    int64_t nseq, off_seq, off_lseq, off_vs, off_ve; /* varlen regions; -1 = not allocated */
    ssmix_view vinit, vdfin;            /* varlen: the per-sequence initial states / dfinal (else absent) */
    int64_t total; /* floats */
} ssd_plan;

static size_t pow2_ceil(size_t x)
{
    size_t p = 1;
    while (p < x) p *= 2;
    return p;
}

static const ssmix_kernel_id tile_kernels[] = {SSMIX_K_ssd_chunk_state, SSMIX_K_ssd_chunk_scan, SSMIX_K_ssd_bwd_dx,
                                               SSMIX_K_ssd_bwd_dB, SSMIX_K_ssd_bwd_dC, SSMIX_K_ssd_bwd_pairs};

/* Halve the larger of two tile edges until their product fits. */
static void fit2(int *a, int *b, size_t cap)
{
    while ((size_t)(*a) * (size_t)(*b) > cap) {
        if (*a >= *b) *a = (*a + 1) / 2;
        else *b = (*b + 1) / 2;
    }
}

static ssmix_status make_plan(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p, int backward, ssd_plan *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->b = p->batch;
    pl->L = p->seqlen;
    pl->H = p->nheads;
    pl->P = p->headdim;
    pl->N = p->dstate;
    pl->G = p->ngroups;
    pl->Q = p->chunk_size;
    pl->nc = ssmix_cdiv(pl->L, pl->Q);
    pl->qmax = pl->Q < pl->L ? pl->Q : pl->L;
    pl->hpg = pl->H / pl->G;
    pl->need_ddt = backward && (p->ddt.present || p->dA.present || p->ddt_bias.present);

    /* work-group sizes, queried per kernel; the tile capacity is the smallest of the tile kernels */
    size_t cap = (size_t)WG_MAX * TILE_R;
    for (int k = 0; k < SSMIX_KERNEL_COUNT; ++k) pl->wg[k] = 1;
    for (int k = SSMIX_K_ssd_chunk_cumsum; k <= SSMIX_K_ssd_reduce_heads; ++k) {
        ssmix_status st = ssmix_gpu_group_size(dev, (ssmix_kernel_id)k, p->io_dtype, WG_MAX, &pl->wg[k]);
        if (st != SSMIX_SUCCESS) return st;
    }
    pl->varlen = p->cu_seqlens.present;
    pl->nseq = p->nseq;
    if (pl->varlen) {
        pl->vinit = p->init;
        pl->vdfin = p->dfinal;
    }
    if (pl->varlen)
        for (int k = SSMIX_K_ssd_varlen_seq; k <= SSMIX_K_ssd_varlen_v; ++k) {
            ssmix_status st = ssmix_gpu_group_size(dev, (ssmix_kernel_id)k, p->io_dtype, WG_MAX, &pl->wg[k]);
            if (st != SSMIX_SUCCESS) return st;
        }
    for (size_t i = 0; i < sizeof tile_kernels / sizeof tile_kernels[0]; ++i) {
        size_t c = pl->wg[tile_kernels[i]] * TILE_R;
        if (c < cap) cap = c;
    }
    int tq = (int)(pl->qmax < TILE_MAX ? pl->qmax : TILE_MAX);
    while ((size_t)tq * (size_t)tq > cap) tq = (tq + 1) / 2;
    int tp = (int)(pl->P < TILE_MAX ? pl->P : TILE_MAX);
    int tn = (int)(pl->N < TILE_MAX ? pl->N : TILE_MAX);
    int tq2 = tq, tq3 = tq;
    fit2(&tq2, &tp, cap); /* tq is already <= sqrt(cap): only tp shrinks */
    fit2(&tq3, &tn, cap);
    int sp = (int)(pl->P < TILE_MAX ? pl->P : TILE_MAX), sn = (int)(pl->N < TILE_MAX ? pl->N : TILE_MAX);
    fit2(&sp, &sn, cap);
    pl->tq = tq;
    pl->tp = tp;
    pl->tn = tn;
    pl->sp = sp;
    pl->sn = sn;
    pl->nit = (int)ssmix_cdiv(pl->qmax, tq);
    pl->npt = (int)ssmix_cdiv(pl->P, tp);
    pl->nnt = (int)ssmix_cdiv(pl->N, tn);
    pl->spt = (int)ssmix_cdiv(pl->P, sp);
    pl->snt = (int)ssmix_cdiv(pl->N, sn);
    pl->nbmax = pl->nit;

    /* shrink the tile kernels' work-groups to what their tiles use */
    size_t need_scan = pow2_ceil((size_t)ssmix_cdiv((int64_t)tq * (tq > tp ? tq : tp), TILE_R));
    size_t need_b = pow2_ceil((size_t)ssmix_cdiv((int64_t)tq * (tq > tn ? tq : tn), TILE_R));
    size_t need_st = pow2_ceil((size_t)ssmix_cdiv((int64_t)sp * sn, TILE_R));
    size_t need_pairs = pow2_ceil((size_t)ssmix_cdiv((int64_t)tq * tq, TILE_R));
#define SHRINK(k, need) pl->wg[k] = pl->wg[k] < (need) ? pl->wg[k] : (need)
    SHRINK(SSMIX_K_ssd_chunk_state, need_st);
    SHRINK(SSMIX_K_ssd_chunk_scan, need_scan);
    SHRINK(SSMIX_K_ssd_bwd_dx, need_scan);
    SHRINK(SSMIX_K_ssd_bwd_dB, need_b);
    SHRINK(SSMIX_K_ssd_bwd_dC, need_b);
    SHRINK(SSMIX_K_ssd_bwd_pairs, need_pairs);
#undef SHRINK

    /* workspace layout */
    int64_t off = 0;
#define REGION(field, count)                                    \
    do {                                                        \
        pl->field = off;                                        \
        off += ((int64_t)(count) + 63) / 64 * 64;               \
    } while (0)
    pl->off_dst = pl->off_x1 = pl->off_x2 = pl->off_a = pl->off_rs = pl->off_cs = pl->off_inb = pl->off_tot = -1;
    pl->off_v = pl->off_dap = pl->off_dtbp = pl->off_ddp = pl->off_part = -1;
    pl->off_seq = pl->off_lseq = pl->off_vs = pl->off_ve = -1;
    int64_t bhl = pl->b * pl->H * pl->L, bch = pl->b * pl->nc * pl->H;
    int64_t states = bch * pl->P * pl->N;
    REGION(off_dl, bhl);
    REGION(off_lam, bhl);
    REGION(off_st, states);
    if (backward) {
        REGION(off_dst, states);
        if (pl->need_ddt) {
            REGION(off_x1, bhl * pl->npt);
            REGION(off_x2, bhl * pl->npt);
            REGION(off_a, bhl * pl->nnt);
            REGION(off_rs, bhl);
            REGION(off_cs, bhl);
            REGION(off_inb, bhl);
            REGION(off_tot, bch * pl->nbmax * pl->nbmax);
            REGION(off_v, bch);
            REGION(off_dap, bch);
            REGION(off_dtbp, bch);
        }
        if (p->dD.present) REGION(off_ddp, bch * pl->P);
        if ((p->dB.present || p->dC.present) && pl->hpg > 1) REGION(off_part, pl->b * pl->L * pl->H * pl->N);
    }
    if (pl->varlen) {
        REGION(off_seq, pl->L); /* i32 seq ids */
        if (p->init.present) REGION(off_lseq, bhl);
        if (pl->need_ddt) {
            REGION(off_vs, pl->nseq * pl->H);
            REGION(off_ve, pl->nseq * pl->H);
        }
    }
#undef REGION
    pl->total = off;
    return SSMIX_SUCCESS;
}

size_t ssmix_gpu_ssd_workspace_bytes(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p, int backward)
{
    ssd_plan pl;
    if (make_plan(dev, p, backward, &pl) != SSMIX_SUCCESS) return 0;
    return (size_t)pl.total * sizeof(float);
}

/* 1-D launch of `groups` work-groups of `wg` work-items. */
static ssmix_status launch(const ssmix_gpu_device *dev, ssmix_kernel_id k, ssmix_dtype io, int64_t groups, size_t wg,
                           const ssmix_kargs *a)
{
    if (groups <= 0) return SSMIX_SUCCESS;
    if (groups > INT32_MAX)
        return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "ssd: %s needs %lld work-groups (limit %d); the problem is too large",
                                    ssmix_kernel_name(k), (long long)groups, INT32_MAX);
    size_t g[3] = {(size_t)groups, 1, 1}, l[3] = {wg, 1, 1};
    return dev->launch(dev->impl, k, io, g, l, 0, a->n, a->a);
}

/* Launch over `items` work-items (one per item), work-group size of the plan. */
static ssmix_status launch_items(const ssmix_gpu_device *dev, const ssd_plan *pl, ssmix_kernel_id k, ssmix_dtype io,
                                 int64_t items, const ssmix_kargs *a)
{
    size_t wg = pl->wg[k];
    return launch(dev, k, io, ssmix_cdiv(items, (int64_t)wg), wg, a);
}

static void ka_sizes(ssmix_kargs *k, const ssd_plan *pl)
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

#define CHECK(x)                                   \
    do {                                           \
        ssmix_status st_ = (x);                    \
        if (st_ != SSMIX_SUCCESS) return st_;      \
    } while (0)

/* dl/lam, chunk states, state passing: the forward recurrence up to H_c (and final states). */
static ssmix_status run_states(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p, const ssd_plan *pl, void *ws,
                               int write_final)
{
    ssmix_dtype io = p->io_dtype;
    ssmix_kargs a;
    ssmix_view none;
    memset(&none, 0, sizeof none);

    if (pl->varlen) {
        a.n = 0;
        ka_view(&a, &p->cu_seqlens, 1);
        ka_i64(&a, pl->nseq);
        ka_buf(&a, ws);
        ka_i64(&a, pl->off_seq);
        ka_i64(&a, pl->L);
        CHECK(launch_items(dev, pl, SSMIX_K_ssd_varlen_seq, io, pl->L, &a));
    }

    a.n = 0;
    ka_view(&a, &p->dt, 3);
    ka_view(&a, &p->A, 1);
    ka_view(&a, &p->dt_bias, 1);
    ka_i32(&a, p->dt_bias.present);
    ka_i32(&a, p->dt_softplus);
    ka_f32(&a, p->dt_min);
    ka_f32(&a, p->dt_max);
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_dl);
    ka_i64(&a, pl->off_lam);
    ka_i64(&a, pl->b);
    ka_i64(&a, pl->L);
    ka_i64(&a, pl->H);
    ka_i64(&a, pl->Q);
    ka_i64(&a, pl->nc);
    CHECK(launch_items(dev, pl, SSMIX_K_ssd_chunk_cumsum, io, pl->b * pl->H * pl->nc, &a));

    if (pl->off_lseq >= 0) {
        a.n = 0;
        ka_buf(&a, ws);
        ka_i64(&a, pl->off_seq);
        ka_view(&a, &p->A, 1);
        ka_buf(&a, ws);
        ka_i64(&a, pl->off_dl);
        ka_i64(&a, pl->off_lseq);
        ka_i64(&a, pl->L);
        ka_i64(&a, pl->H);
        ka_i64(&a, pl->Q);
        ka_i64(&a, pl->nc);
        CHECK(launch_items(dev, pl, SSMIX_K_ssd_varlen_lseq, io, pl->H * pl->nc, &a));
    }

    a.n = 0;
    ka_view(&a, &p->x, 4);
    ka_view(&a, &none, 4);
    ka_i32(&a, 0);
    ka_view(&a, &p->B, 4);
    ka_view(&a, &p->seq_idx, 2);
    ka_i32(&a, p->seq_idx.present);
    ka_view(&a, &pl->vinit, 4);
    ka_i32(&a, pl->vinit.present);
    ka_i64(&a, pl->off_lseq >= 0 ? pl->off_lseq : 0);
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_dl);
    ka_i64(&a, pl->off_lam);
    ka_i64(&a, pl->off_st);
    ka_sizes(&a, pl);
    ka_i32(&a, 0);
    ka_i32(&a, pl->sp);
    ka_i32(&a, pl->sn);
    ka_i32(&a, pl->spt);
    ka_i32(&a, pl->snt);
    CHECK(launch(dev, SSMIX_K_ssd_chunk_state, io, pl->b * pl->nc * pl->H * pl->spt * pl->snt,
                 pl->wg[SSMIX_K_ssd_chunk_state], &a));

    a.n = 0;
    ka_view(&a, &p->init, 4);
    ka_i32(&a, p->init.present);
    ka_view(&a, write_final ? &p->final_states : &none, 4);
    ka_i32(&a, write_final && p->final_states.present);
    ka_view(&a, &p->seq_idx, 2);
    ka_i32(&a, p->seq_idx.present);
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_lam);
    ka_i64(&a, pl->off_st);
    ka_sizes(&a, pl);
    CHECK(launch_items(dev, pl, SSMIX_K_ssd_state_passing, io, pl->b * pl->H * pl->P * pl->N, &a));
    return SSMIX_SUCCESS;
}

/* ssd_chunk_scan: forward output (bwd == 0) or dz (bwd == 1). */
static ssmix_status run_scan(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p, const ssd_plan *pl, void *ws,
                             int bwd)
{
    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->x, 4);
    ka_view(&a, &p->B, 4);
    ka_view(&a, &p->C, 4);
    ka_view(&a, &p->D, 2);
    ka_i32(&a, p->D.present);
    ka_view(&a, &p->z, 4);
    ka_i32(&a, p->z.present);
    ka_view(&a, &p->seq_idx, 2);
    ka_i32(&a, p->seq_idx.present);
    ka_view(&a, bwd ? &p->dout : &p->x, 4); /* unused in forward: any valid buffer */
    ka_view(&a, bwd ? &p->dz : &p->out, 4);
    ka_i32(&a, bwd);
    ka_view(&a, &pl->vinit, 4);
    ka_i32(&a, pl->vinit.present);
    ka_i64(&a, pl->off_lseq >= 0 ? pl->off_lseq : 0);
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_dl);
    ka_i64(&a, pl->off_lam);
    ka_i64(&a, pl->off_st);
    ka_sizes(&a, pl);
    ka_i32(&a, pl->tq);
    ka_i32(&a, pl->tp);
    ka_i32(&a, pl->nit);
    int64_t npg = ssmix_cdiv(pl->npt, 2); /* the kernel takes the p-tiles in pairs */
    ka_i32(&a, (int32_t)npg);
    return launch(dev, SSMIX_K_ssd_chunk_scan, p->io_dtype, pl->b * pl->nc * pl->H * pl->nit * npg,
                  pl->wg[SSMIX_K_ssd_chunk_scan], &a);
}

static ssmix_status get_workspace(const ssmix_gpu_device *dev, const ssd_plan *pl, void **ws)
{
    if ((uint64_t)pl->total > (uint64_t)(SIZE_MAX / sizeof(float)))
        return dev->host->set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssd: workspace of %lld floats does not fit in size_t",
                                    (long long)pl->total);
    return dev->workspace(dev->impl, (size_t)pl->total * sizeof(float), ws);
}

/* The problem the ssd.cl kernels see. Varlen: seq_idx = the expanded seq ids in the workspace;
 * the (nseq, ...) state views reduced to what the batch-row paths use: init row 0 (H_0 of
 * sequence 0), dfinal row nseq-1 (dH_nc of the last sequence), dinit row 0 (dH_0); final states
 * come from ssd_varlen_final instead. */
static void kernel_problem(const ssmix_ssd_problem *p, const ssd_plan *pl, void *ws, ssmix_ssd_problem *q)
{
    *q = *p;
    if (!pl->varlen) return;
    memset(&q->seq_idx, 0, sizeof q->seq_idx);
    q->seq_idx.present = 1;
    q->seq_idx.native = ws;
    q->seq_idx.offset = pl->off_seq;
    q->seq_idx.dtype = SSMIX_I32;
    q->seq_idx.stride[0] = 0;
    q->seq_idx.stride[1] = 1;
    memset(&q->final_states, 0, sizeof q->final_states);
    if (q->dfinal.present) q->dfinal.offset += (pl->nseq - 1) * q->dfinal.stride[0];
}

/* varlen: final_states[k] for every sequence (after the state passing). */
static ssmix_status run_varlen_final(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p, const ssd_plan *pl,
                                     void *ws)
{
    ssmix_kargs a;
    a.n = 0;
    ka_view(&a, &p->x, 4);
    ka_view(&a, &p->B, 4);
    ka_view(&a, &p->cu_seqlens, 1);
    ka_i64(&a, pl->nseq);
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_seq);
    ka_view(&a, &p->init, 4);
    ka_i32(&a, p->init.present);
    ka_view(&a, &p->final_states, 4);
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_dl);
    ka_i64(&a, pl->off_lam);
    ka_i64(&a, pl->off_lseq >= 0 ? pl->off_lseq : 0);
    ka_i64(&a, pl->off_st);
    ka_i64(&a, pl->L);
    ka_i64(&a, pl->H);
    ka_i64(&a, pl->P);
    ka_i64(&a, pl->N);
    ka_i64(&a, pl->G);
    ka_i64(&a, pl->Q);
    ka_i64(&a, pl->nc);
    return launch_items(dev, pl, SSMIX_K_ssd_varlen_final, p->io_dtype, pl->nseq * pl->H * pl->P * pl->N, &a);
}

ssmix_status ssmix_gpu_ssd_forward(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p)
{
    ssd_plan pl;
    void *ws = NULL;
    ssmix_ssd_problem q;
    CHECK(make_plan(dev, p, 0, &pl));
    CHECK(get_workspace(dev, &pl, &ws));
    kernel_problem(p, &pl, ws, &q);
    CHECK(run_states(dev, &q, &pl, ws, 1));
    CHECK(run_scan(dev, &q, &pl, ws, 0));
    if (pl.varlen && p->final_states.present) CHECK(run_varlen_final(dev, p, &pl, ws));
    return SSMIX_SUCCESS;
}

/* out[...] = ordered sum of per-(b,c) partials (dA, ddt_bias, dD). */
static ssmix_status run_reduce_rows(const ssmix_gpu_device *dev, const ssd_plan *pl, ssmix_dtype io, void *ws,
                                    int64_t off_part, int64_t R, int64_t K, int64_t Qn, int64_t K2,
                                    const ssmix_view *out)
{
    ssmix_kargs a;
    a.n = 0;
    ka_buf(&a, ws);
    ka_i64(&a, off_part);
    ka_i64(&a, R);
    ka_i64(&a, K);
    ka_i64(&a, Qn);
    ka_i64(&a, K2);
    ka_view(&a, out, 2);
    return launch_items(dev, pl, SSMIX_K_ssd_reduce_rows, io, K, &a);
}

static ssmix_status run_reduce_heads(const ssmix_gpu_device *dev, const ssd_plan *pl, ssmix_dtype io, void *ws,
                                     const ssmix_view *out)
{
    ssmix_kargs a;
    a.n = 0;
    ka_buf(&a, ws);
    ka_i64(&a, pl->off_part);
    ka_view(&a, out, 4);
    ka_i64(&a, pl->b);
    ka_i64(&a, pl->L);
    ka_i64(&a, pl->H);
    ka_i64(&a, pl->G);
    ka_i64(&a, pl->N);
    return launch_items(dev, pl, SSMIX_K_ssd_reduce_heads, io, pl->b * pl->L * pl->G * pl->N, &a);
}

ssmix_status ssmix_gpu_ssd_backward(const ssmix_gpu_device *dev, const ssmix_ssd_problem *pin)
{
    ssd_plan pl;
    void *ws = NULL;
    ssmix_dtype io = pin->io_dtype;
    ssmix_kargs a;
    ssmix_view none;
    memset(&none, 0, sizeof none);
    ssmix_ssd_problem q;
    CHECK(make_plan(dev, pin, 1, &pl));
    CHECK(get_workspace(dev, &pl, &ws));
    kernel_problem(pin, &pl, ws, &q);
    const ssmix_ssd_problem *p = &q; /* what the ssd.cl kernels see; pin keeps the per-sequence views */
    CHECK(run_states(dev, p, &pl, ws, 0));
    const int direct = pl.hpg == 1;

    /* dHloc (chunk state of g and C), then reverse state passing */
    a.n = 0;
    ka_view(&a, &p->dout, 4);
    ka_view(&a, &p->z, 4);
    ka_i32(&a, p->z.present);
    ka_view(&a, &p->C, 4);
    ka_view(&a, &p->seq_idx, 2);
    ka_i32(&a, p->seq_idx.present);
    ka_view(&a, &pl.vdfin, 4);
    ka_i32(&a, pl.vdfin.present);
    ka_i64(&a, 0);
    ka_buf(&a, ws);
    ka_i64(&a, pl.off_dl);
    ka_i64(&a, pl.off_lam);
    ka_i64(&a, pl.off_dst);
    ka_sizes(&a, &pl);
    ka_i32(&a, 1);
    ka_i32(&a, pl.sp);
    ka_i32(&a, pl.sn);
    ka_i32(&a, pl.spt);
    ka_i32(&a, pl.snt);
    CHECK(launch(dev, SSMIX_K_ssd_chunk_state, io, pl.b * pl.nc * pl.H * pl.spt * pl.snt,
                 pl.wg[SSMIX_K_ssd_chunk_state], &a));

    a.n = 0;
    ka_view(&a, &p->dfinal, 4);
    ka_i32(&a, p->dfinal.present);
    ka_view(&a, &p->dinit, 4);
    ka_i32(&a, p->dinit.present);
    ka_view(&a, &p->seq_idx, 2);
    ka_i32(&a, p->seq_idx.present);
    ka_buf(&a, ws);
    ka_i64(&a, pl.off_lam);
    ka_i64(&a, pl.off_dst);
    ka_sizes(&a, &pl);
    CHECK(launch_items(dev, &pl, SSMIX_K_ssd_dstate_passing, io, pl.b * pl.H * pl.P * pl.N, &a));

    if (p->dz.present) CHECK(run_scan(dev, p, &pl, ws, 1));

    if (p->dx.present || pl.need_ddt) {
        a.n = 0;
        ka_view(&a, &p->x, 4);
        ka_view(&a, &p->B, 4);
        ka_view(&a, &p->C, 4);
        ka_view(&a, &p->D, 2);
        ka_i32(&a, p->D.present);
        ka_view(&a, &p->z, 4);
        ka_i32(&a, p->z.present);
        ka_view(&a, &p->dout, 4);
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_view(&a, &p->dx, 4);
        ka_i32(&a, p->dx.present);
        ka_i32(&a, pl.need_ddt);
        ka_view(&a, &pl.vdfin, 4);
        ka_i32(&a, pl.vdfin.present);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_dl);
        ka_i64(&a, pl.off_lam);
        ka_i64(&a, pl.off_dst);
        ka_i64(&a, pl.need_ddt ? pl.off_x1 : 0);
        ka_i64(&a, pl.need_ddt ? pl.off_x2 : 0);
        ka_sizes(&a, &pl);
        ka_i32(&a, pl.tq);
        ka_i32(&a, pl.tp);
        ka_i32(&a, pl.nit);
        ka_i32(&a, pl.npt);
        CHECK(launch(dev, SSMIX_K_ssd_bwd_dx, io, pl.b * pl.nc * pl.H * pl.nit * pl.npt, pl.wg[SSMIX_K_ssd_bwd_dx], &a));
    }

    if (p->dB.present) {
        a.n = 0;
        ka_view(&a, &p->x, 4);
        ka_view(&a, &p->C, 4);
        ka_view(&a, &p->z, 4);
        ka_i32(&a, p->z.present);
        ka_view(&a, &p->dout, 4);
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_view(&a, &p->dB, 4);
        ka_i32(&a, direct);
        ka_view(&a, &pl.vdfin, 4);
        ka_i32(&a, pl.vdfin.present);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_dl);
        ka_i64(&a, pl.off_lam);
        ka_i64(&a, pl.off_dst);
        ka_i64(&a, direct ? 0 : pl.off_part);
        ka_sizes(&a, &pl);
        ka_i32(&a, pl.tq);
        ka_i32(&a, pl.tn);
        ka_i32(&a, pl.nit);
        ka_i32(&a, pl.nnt);
        CHECK(launch(dev, SSMIX_K_ssd_bwd_dB, io, pl.b * pl.nc * pl.H * pl.nit * pl.nnt, pl.wg[SSMIX_K_ssd_bwd_dB], &a));
        if (!direct) CHECK(run_reduce_heads(dev, &pl, io, ws, &p->dB));
    }

    if (p->dC.present || pl.need_ddt) {
        a.n = 0;
        ka_view(&a, &p->x, 4);
        ka_view(&a, &p->B, 4);
        ka_view(&a, &p->C, 4);
        ka_view(&a, &p->z, 4);
        ka_i32(&a, p->z.present);
        ka_view(&a, &p->dout, 4);
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_view(&a, &p->dC, 4);
        ka_i32(&a, p->dC.present);
        ka_i32(&a, direct);
        ka_i32(&a, pl.need_ddt);
        ka_view(&a, &pl.vinit, 4);
        ka_i32(&a, pl.vinit.present);
        ka_i64(&a, pl.off_lseq >= 0 ? pl.off_lseq : 0);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_dl);
        ka_i64(&a, pl.off_lam);
        ka_i64(&a, pl.off_st);
        ka_i64(&a, (p->dC.present && !direct) ? pl.off_part : 0);
        ka_i64(&a, pl.need_ddt ? pl.off_a : 0);
        ka_sizes(&a, &pl);
        ka_i32(&a, pl.tq);
        ka_i32(&a, pl.tn);
        ka_i32(&a, pl.nit);
        ka_i32(&a, pl.nnt);
        CHECK(launch(dev, SSMIX_K_ssd_bwd_dC, io, pl.b * pl.nc * pl.H * pl.nit * pl.nnt, pl.wg[SSMIX_K_ssd_bwd_dC], &a));
        if (p->dC.present && !direct) CHECK(run_reduce_heads(dev, &pl, io, ws, &p->dC));
    }

    if (pl.need_ddt && pl.varlen) {
        a.n = 0;
        ka_view(&a, &pin->cu_seqlens, 1);
        ka_i64(&a, pl.nseq);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_seq);
        ka_view(&a, &pin->init, 4);
        ka_i32(&a, pin->init.present);
        ka_view(&a, &pin->dfinal, 4);
        ka_i32(&a, pin->dfinal.present);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_lam);
        ka_i64(&a, pl.off_lseq >= 0 ? pl.off_lseq : 0);
        ka_i64(&a, pl.off_st);
        ka_i64(&a, pl.off_dst);
        ka_i64(&a, pl.off_vs);
        ka_i64(&a, pl.off_ve);
        ka_i64(&a, pl.L);
        ka_i64(&a, pl.H);
        ka_i64(&a, pl.P);
        ka_i64(&a, pl.N);
        ka_i64(&a, pl.Q);
        ka_i64(&a, pl.nc);
        CHECK(launch(dev, SSMIX_K_ssd_varlen_v, io, pl.nseq * pl.H, pl.wg[SSMIX_K_ssd_varlen_v], &a));
    }

    if (pl.need_ddt) {
        a.n = 0;
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_lam);
        ka_i64(&a, pl.off_st);
        ka_i64(&a, pl.off_dst);
        ka_i64(&a, pl.off_v);
        ka_sizes(&a, &pl);
        CHECK(launch(dev, SSMIX_K_ssd_bwd_ddecay, io, pl.b * pl.nc * pl.H, pl.wg[SSMIX_K_ssd_bwd_ddecay], &a));

        a.n = 0;
        ka_view(&a, &p->x, 4);
        ka_view(&a, &p->B, 4);
        ka_view(&a, &p->C, 4);
        ka_view(&a, &p->z, 4);
        ka_i32(&a, p->z.present);
        ka_view(&a, &p->dout, 4);
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_dl);
        ka_i64(&a, pl.off_lam);
        ka_i64(&a, pl.off_rs);
        ka_i64(&a, pl.off_cs);
        ka_i64(&a, pl.off_inb);
        ka_i64(&a, pl.off_tot);
        ka_sizes(&a, &pl);
        ka_i32(&a, pl.tq);
        ka_i32(&a, pl.nbmax);
        CHECK(launch(dev, SSMIX_K_ssd_bwd_pairs, io, pl.b * pl.nc * pl.H * pl.nbmax, pl.wg[SSMIX_K_ssd_bwd_pairs], &a));

        a.n = 0;
        ka_view(&a, &p->dt, 3);
        ka_view(&a, &p->A, 1);
        ka_view(&a, &p->dt_bias, 1);
        ka_i32(&a, p->dt_bias.present);
        ka_i32(&a, p->dt_softplus);
        ka_f32(&a, p->dt_min);
        ka_f32(&a, p->dt_max);
        ka_view(&a, &p->ddt, 3);
        ka_i32(&a, p->ddt.present);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_dl);
        ka_i64(&a, pl.off_x1);
        ka_i64(&a, pl.off_x2);
        ka_i64(&a, pl.off_a);
        ka_i64(&a, pl.off_rs);
        ka_i64(&a, pl.off_cs);
        ka_i64(&a, pl.off_inb);
        ka_i64(&a, pl.off_tot);
        ka_i64(&a, pl.off_v);
        ka_i64(&a, pl.off_dap);
        ka_i64(&a, pl.off_dtbp);
        ka_i64(&a, pl.b);
        ka_i64(&a, pl.L);
        ka_i64(&a, pl.H);
        ka_i64(&a, pl.Q);
        ka_i64(&a, pl.nc);
        ka_i32(&a, pl.tq);
        ka_i32(&a, pl.nbmax);
        ka_i32(&a, pl.npt);
        ka_i32(&a, pl.nnt);
        ka_view(&a, &p->seq_idx, 2);
        ka_i32(&a, p->seq_idx.present);
        ka_i32(&a, pl.varlen);
        ka_i64(&a, pl.varlen ? pl.off_vs : 0);
        ka_i64(&a, pl.varlen ? pl.off_ve : 0);
        CHECK(launch_items(dev, &pl, SSMIX_K_ssd_bwd_ddt, io, pl.b * pl.nc * pl.H, &a));

        if (p->dA.present) CHECK(run_reduce_rows(dev, &pl, io, ws, pl.off_dap, pl.b * pl.nc, pl.H, 1, 1, &p->dA));
        if (p->ddt_bias.present)
            CHECK(run_reduce_rows(dev, &pl, io, ws, pl.off_dtbp, pl.b * pl.nc, pl.H, 1, 1, &p->ddt_bias));
    }

    if (p->dD.present) {
        a.n = 0;
        ka_view(&a, &p->x, 4);
        ka_view(&a, &p->z, 4);
        ka_i32(&a, p->z.present);
        ka_view(&a, &p->dout, 4);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_ddp);
        ka_i64(&a, pl.b);
        ka_i64(&a, pl.L);
        ka_i64(&a, pl.H);
        ka_i64(&a, pl.P);
        ka_i64(&a, pl.Q);
        ka_i64(&a, pl.nc);
        CHECK(launch_items(dev, &pl, SSMIX_K_ssd_bwd_dD, io, pl.b * pl.nc * pl.H * pl.P, &a));
        if (p->d_per_channel)
            CHECK(run_reduce_rows(dev, &pl, io, ws, pl.off_ddp, pl.b * pl.nc, pl.H * pl.P, 1, pl.P, &p->dD));
        else
            CHECK(run_reduce_rows(dev, &pl, io, ws, pl.off_ddp, pl.b * pl.nc, pl.H, pl.P, 1, &p->dD));
    }

    if (pl.varlen && pin->dinit.present && pl.nseq > 1) {
        a.n = 0;
        ka_view(&a, &p->dout, 4);
        ka_view(&a, &p->z, 4);
        ka_i32(&a, p->z.present);
        ka_view(&a, &p->C, 4);
        ka_view(&a, &pin->cu_seqlens, 1);
        ka_i64(&a, pl.nseq);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_seq);
        ka_view(&a, &pin->dfinal, 4);
        ka_i32(&a, pin->dfinal.present);
        ka_view(&a, &pin->dinit, 4);
        ka_buf(&a, ws);
        ka_i64(&a, pl.off_lseq);
        ka_i64(&a, pl.off_dst);
        ka_i64(&a, pl.L);
        ka_i64(&a, pl.H);
        ka_i64(&a, pl.P);
        ka_i64(&a, pl.N);
        ka_i64(&a, pl.G);
        ka_i64(&a, pl.Q);
        ka_i64(&a, pl.nc);
        CHECK(launch_items(dev, &pl, SSMIX_K_ssd_varlen_dinit, io, pl.nseq * pl.H * pl.P * pl.N, &a));
    }
    return SSMIX_SUCCESS;
}
