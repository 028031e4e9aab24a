/*
 * SSD varlen (cu_seqlens) helper kernels, in the dialect of dialect.h. The chunked SSD kernels of
 * ssd.cl do the bulk of the work with the seq ids these kernels expand; these add what is per
 * sequence: seq ids, the chunk cumsum restarted at sequence starts, per-sequence final states,
 * initial-state gradients and the dt-gradient terms of the states of sequences that start or end
 * inside a chunk. Host side: backends/gpu/ssd_pipeline.c. Varlen problems have batch 1, so the
 * batch index is 0 throughout; workspace layouts are those of ssd.cl ([b][h][t], [b][c][h][p][n]).
 *
 * Invalid cu_seqlens values (not checked on the device) never cause out-of-bounds accesses: every
 * position read from cu_seqlens is clamped to [0, L-1] and every seq id produced lies in
 * [0, nseq-1]; the results are then unspecified.
 */
#ifndef SSMIX_KERNEL_DIALECT_H
#include "dialect.h"
#endif

#define VL_WG_MAX 256

/* seq id of position t (t < 0: 0, the id the initial state belongs to) */
DEVICE i32 vl_seq(const GLOBAL i32 *sq, i64 t) { return t >= 0 ? sq[t] : 0; }

/* clamp a cu_seqlens value into [lo, hi] */
DEVICE i64 vl_clamp(i64 v, i64 lo, i64 hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* ssd_varlen_seq: one work-item per position t: seq[t] = the largest k < nseq with cu[k] <= t
 * (binary search; k = 0 when none), written as i32 into the workspace. */
KERNEL void KNAME(ssd_varlen_seq)(const GLOBAL i32 *cu, i64 cu_off, i64 cu_s0, i64 nseq, GLOBAL i32 *wsi, i64 off_seq,
                                  i64 L)
{
    i64 t = GID(0) * LSIZE(0) + LID(0);
    if (t >= L) return;
    i64 lo = 0, hi = nseq - 1;
    while (lo < hi) {
        i64 mid = (lo + hi + 1) / 2;
        if ((i64)cu[cu_off + mid * cu_s0] <= t) lo = mid;
        else hi = mid - 1;
    }
    wsi[off_seq + t] = (i32)lo;
}

/* ssd_varlen_lseq: one work-item per (h, c): lseq_t = sum of dl_k A over k from max(chunk start,
 * sequence start) to t (inclusive), the decay of a sequence's initial state inside the chunk where
 * it starts. */
KERNEL void KNAME(ssd_varlen_lseq)(const GLOBAL i32 *wsi, i64 off_seq, const GLOBAL float *A, i64 A_off, i64 A_s0,
                                   GLOBAL float *ws, i64 off_dl, i64 off_lseq, i64 L, i64 H, i64 Q, i64 nc)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= H * nc) return;
    i64 c = gi % nc, h = gi / nc;
    const GLOBAL i32 *sq = wsi + off_seq;
    float a = A[A_off + h * A_s0];
    i64 t0 = c * Q, t1 = IMIN(t0 + Q, L);
    float cum = 0.0f;
    for (i64 t = t0; t < t1; ++t) {
        if (t > t0 && sq[t] != sq[t - 1]) cum = 0.0f;
        cum += ws[off_dl + h * L + t] * a;
        ws[off_lseq + h * L + t] = cum;
    }
}

/* ssd_varlen_final: one work-item per (k, h, p, n): the state at e = cu[k+1]-1, the last position
 * of sequence k, from the chunk c = e / Q that holds it:
 *   seq k running into chunk c (seq[c Q - 1] == k):  exp(lam_e) H_c      (ws off_st, from state passing)
 *   seq k starting inside chunk c:                   exp(lseq_e) init[k] (0 without init)
 *   + sum_{c Q <= j <= e, seq_j == k} exp(lam_e - lam_j) dl_j x_j[p] B_j[n]. */
KERNEL void KNAME(ssd_varlen_final)(const GLOBAL io_t *x, i64 x_off, i64 x_s0, i64 x_s1, i64 x_s2, i64 x_s3,
                                    const GLOBAL io_t *Bm, i64 B_off, i64 B_s0, i64 B_s1, i64 B_s2, i64 B_s3,
                                    const GLOBAL i32 *cu, i64 cu_off, i64 cu_s0, i64 nseq, const GLOBAL i32 *wsi,
                                    i64 off_seq, const GLOBAL float *init, i64 in_off, i64 in_s0, i64 in_s1,
                                    i64 in_s2, i64 in_s3, i32 has_init, GLOBAL float *fin, i64 fin_off, i64 fin_s0,
                                    i64 fin_s1, i64 fin_s2, i64 fin_s3, const GLOBAL float *ws, i64 off_dl,
                                    i64 off_lam, i64 off_lseq, i64 off_st, i64 L, i64 H, i64 P, i64 N, i64 G, i64 Q,
                                    i64 nc)
{
    i64 PN = P * N;
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= nseq * H * PN) return;
    i64 pn = gi % PN, h = (gi / PN) % H, k = gi / (PN * H);
    i64 p = pn / N, n = pn % N, g = h / (H / G);
    const GLOBAL i32 *sq = wsi + off_seq;
    const GLOBAL float *dl = ws + off_dl + h * L, *lam = ws + off_lam + h * L;
    i64 e = vl_clamp((i64)cu[cu_off + (k + 1) * cu_s0], 1, L) - 1;
    i64 c = e / Q, t0 = c * Q;
    float s = 0.0f;
    if (vl_seq(sq, t0 - 1) == (i32)k) s = EXPF(lam[e]) * ws[off_st + (c * H + h) * PN + pn];
    else if (has_init) s = EXPF(ws[off_lseq + h * L + e]) * init[in_off + k * in_s0 + h * in_s1 + p * in_s2 + n * in_s3];
    for (i64 j = t0; j <= e; ++j) {
        if (sq[j] != (i32)k) continue;
        float u = LOAD_IO(x, x_off + j * x_s1 + h * x_s2 + p * x_s3);
        float v = LOAD_IO(Bm, B_off + j * B_s1 + g * B_s2 + n * B_s3);
        s += EXPF(lam[e] - lam[j]) * dl[j] * u * v;
    }
    fin[fin_off + k * fin_s0 + h * fin_s1 + p * fin_s2 + n * fin_s3] = s;
}

/* The state adjoint leaving the start segment of sequence k (positions s..e' of chunk c): dH_{c+1}
 * when the segment reaches the chunk's end (ssd_dstate_passing left it in ws off_dst; it holds
 * dfinal[k] when k ends there), else dfinal[k] (0 without dfinal). */
#define VL_PHI(pn_)                                                                                             \
    (ep == t0 + qc - 1 ? ws[off_dst + (c * H + h) * PN + (pn_)]                                                 \
                       : (has_dfin ? dfin[df_off + k * df_s0 + h * df_s1 + ((pn_) / N) * df_s2 + ((pn_) % N) * df_s3] : 0.0f))

/* ssd_varlen_dinit: one work-item per (k, h, p, n) for the sequences that start inside a chunk
 * (all but sequence 0, whose gradient ssd_dstate_passing writes as dH_0):
 *   dinit[k] = exp(lseq_e') Phi + sum_{s <= i <= e'} exp(lseq_i) g_i[p] C_i[n]
 * with s = cu[k], e' the last position of k in s's chunk, Phi as in VL_PHI, g = dout * silu(z). */
KERNEL void KNAME(ssd_varlen_dinit)(const GLOBAL io_t *dout, i64 do_off, i64 do_s0, i64 do_s1, i64 do_s2, i64 do_s3,
                                    const GLOBAL io_t *z, i64 z_off, i64 z_s0, i64 z_s1, i64 z_s2, i64 z_s3, i32 has_z,
                                    const GLOBAL io_t *Cm, i64 C_off, i64 C_s0, i64 C_s1, i64 C_s2, i64 C_s3,
                                    const GLOBAL i32 *cu, i64 cu_off, i64 cu_s0, i64 nseq, const GLOBAL i32 *wsi,
                                    i64 off_seq, const GLOBAL float *dfin, i64 df_off, i64 df_s0, i64 df_s1,
                                    i64 df_s2, i64 df_s3, i32 has_dfin, GLOBAL float *dinit, i64 di_off, i64 di_s0,
                                    i64 di_s1, i64 di_s2, i64 di_s3, const GLOBAL float *ws, i64 off_lseq, i64 off_dst,
                                    i64 L, i64 H, i64 P, i64 N, i64 G, i64 Q, i64 nc)
{
    i64 PN = P * N;
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= nseq * H * PN) return;
    i64 pn = gi % PN, h = (gi / PN) % H, k = gi / (PN * H);
    i64 p = pn / N, n = pn % N, g = h / (H / G);
    const GLOBAL i32 *sq = wsi + off_seq;
    i64 s = vl_clamp((i64)cu[cu_off + k * cu_s0], 0, L - 1);
    i64 c = s / Q, t0 = c * Q, qc = IMIN(Q, L - t0);
    if (vl_seq(sq, t0 - 1) == (i32)k) return; /* sequence 0: written by ssd_dstate_passing */
    i64 ep = s;
    while (ep + 1 < t0 + qc && sq[ep + 1] == (i32)k) ++ep;
    const GLOBAL float *lseq = ws + off_lseq + h * L;
    float v = EXPF(lseq[ep]) * VL_PHI(pn);
    for (i64 i = s; i <= ep; ++i) {
        if (sq[i] != (i32)k) continue;
        float gv = LOAD_IO(dout, do_off + i * do_s1 + h * do_s2 + p * do_s3);
        if (has_z) gv *= ssmix_silu(LOAD_IO(z, z_off + i * z_s1 + h * z_s2 + p * z_s3));
        v += EXPF(lseq[i]) * gv * LOAD_IO(Cm, C_off + i * C_s1 + g * C_s2 + n * C_s3);
    }
    dinit[di_off + k * di_s0 + h * di_s1 + p * di_s2 + n * di_s3] = v;
}

/* ssd_varlen_v: one work-group per (k, h) (power-of-two size): the gradient of the cumsum at the
 * end of a segment through a state that enters and leaves it, for the segments ssd_bwd_ddecay's
 * V_c does not cover:
 *   Vs[k] = exp(lseq_e') <Phi, init[k]>   start segment of k (k starts inside a chunk; needs init)
 *   Ve[k] = exp(lam_e) <dfinal[k], H_c>   end segment: k runs into the chunk c of its last position
 *                                         e = cu[k+1]-1 and ends before the chunk's end (needs dfinal)
 * (0 where not applicable). ssd_bwd_ddt adds Vs/Ve to R_l of the segment's positions. */
KERNEL void KNAME(ssd_varlen_v)(const GLOBAL i32 *cu, i64 cu_off, i64 cu_s0, i64 nseq, const GLOBAL i32 *wsi,
                                i64 off_seq, const GLOBAL float *init, i64 in_off, i64 in_s0, i64 in_s1, i64 in_s2,
                                i64 in_s3, i32 has_init, const GLOBAL float *dfin, i64 df_off, i64 df_s0, i64 df_s1,
                                i64 df_s2, i64 df_s3, i32 has_dfin, GLOBAL float *ws, i64 off_lam, i64 off_lseq,
                                i64 off_st, i64 off_dst, i64 off_vs, i64 off_ve, i64 L, i64 H, i64 P, i64 N, i64 Q,
                                i64 nc)
{
    SHARED float red1[VL_WG_MAX];
    SHARED float red2[VL_WG_MAX];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    i64 h = gid % H, k = gid / H;
    if (k >= nseq) return;
    i64 PN = P * N;
    const GLOBAL i32 *sq = wsi + off_seq;
    /* start segment */
    i64 s = vl_clamp((i64)cu[cu_off + k * cu_s0], 0, L - 1);
    i64 c = s / Q, t0 = c * Q, qc = IMIN(Q, L - t0);
    int use_s = has_init && vl_seq(sq, t0 - 1) != (i32)k;
    i64 ep = s;
    while (ep + 1 < t0 + qc && sq[ep + 1] == (i32)k) ++ep;
    float s1 = 0.0f;
    if (use_s)
        for (i64 e = lid; e < PN; e += nth)
            s1 += VL_PHI(e) * init[in_off + k * in_s0 + h * in_s1 + (e / N) * in_s2 + (e % N) * in_s3];
    /* end segment */
    i64 ee = vl_clamp((i64)cu[cu_off + (k + 1) * cu_s0], 1, L) - 1;
    i64 c2 = ee / Q, t02 = c2 * Q, qc2 = IMIN(Q, L - t02);
    int use_e = has_dfin && vl_seq(sq, t02 - 1) == (i32)k && ee < t02 + qc2 - 1;
    float s2 = 0.0f;
    if (use_e)
        for (i64 e = lid; e < PN; e += nth)
            s2 += dfin[df_off + k * df_s0 + h * df_s1 + (e / N) * df_s2 + (e % N) * df_s3] *
                  ws[off_st + (c2 * H + h) * PN + e];
    red1[lid] = s1;
    red2[lid] = s2;
    BARRIER();
    for (int w = nth / 2; w > 0; w /= 2) {
        if (lid < w) {
            red1[lid] += red1[lid + w];
            red2[lid] += red2[lid + w];
        }
        BARRIER();
    }
    if (lid == 0) {
        ws[off_vs + k * H + h] = use_s ? EXPF(ws[off_lseq + h * L + ep]) * red1[0] : 0.0f;
        ws[off_ve + k * H + h] = use_e ? EXPF(ws[off_lam + h * L + ee]) * red2[0] : 0.0f;
    }
}
