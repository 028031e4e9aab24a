/*
 * Quasiseparable mixer (OPS.md section 2): fused bidirectional chunked kernels for Hydra and
 * Bi-Mamba2, forward and backward. Written in the dialect of kernels/dialect.h (OpenCL C 1.2, CUDA,
 * HIP); the launch sequence, grids and workspace layout live in backends/gpu/qsmix_pipeline.c.
 *
 * ---------------------------------------------------------------------------------------------
 * Math (per batch row b and head h; t = 0..L-1; a = A_h; Q chunk size; chunk c covers
 * [cQ, cQ + len_c), len_c = min(Q, L - cQ); l is the position inside the chunk)
 *
 *   Delta_d[t] = clamp(softplus?(dt_d[t] + dt_bias)),   d = 0 forward half, 1 backward half
 *   forward half  Sf_t = exp(a Df_t) Sf_{t-1} + Df_t x_t Bf_t^T,  Sf_{-1} = init_f,  yf_t = Sf_t Cf_t
 *   backward half Sb_t = exp(a Db_t) Sb_{t+1} + Db_t x_t Bb_t^T,  Sb_L  = init_b,  yb_t = Sb_t Cb_t
 *   Hydra:     y_t = yf_{t-1} [0 at t = 0] + yb_{t+1} [0 at t = L-1] + diag_t x_t
 *   Bi-Mamba2: y_t = yf_t + yb_t + diag_t x_t;       out = y * silu(z) if z.
 *
 * Chunk quantities (workspace, fp32; the cumsums as (hi, lo) double-float pairs, see qs_cdiff, so
 * that exp(L_i - L_j) stays accurate for any chunk size), all restarting at every chunk boundary:
 *   Lf_l = sum_{k<=l} a Df_k      forward inclusive cumsum   (padded positions have Delta = 0)
 *   Lb_l = sum_{k>=l} a Db_k      reverse inclusive cumsum   (Lb_0 = the chunk total)
 *   Hf_c = Sf_{cQ-1}               forward state entering chunk c (Hf_0 = init_f)
 *   Hb_c = Sb_{(c+1)Q}             backward state entering chunk c from the right (Hb_{nc-1} = init_b)
 *   inside chunk c:  Sf_{cQ+l} = exp(Lf_l) Hf_c + sum_{j<=l} exp(Lf_l - Lf_j) Df_j x_j Bf_j^T
 *                    Sb_{cQ+l} = exp(Lb_l) Hb_c + sum_{j>=l} exp(Lb_l - Lb_j) Db_j x_j Bb_j^T
 *   chunk states:    Hf_{c+1} = exp(Lf_{Q-1}) Hf_c + sum_j exp(Lf_{Q-1} - Lf_j) Df_j x_j Bf_j^T
 *                    Hb_{c-1} = exp(Lb_0)     Hb_c + sum_j exp(Lb_0     - Lb_j) Db_j x_j Bb_j^T
 *
 * Output row i = cQ + l (qsmix_chunk_output). Bi-Mamba2 reads the two formulas above at l.
 * Hydra's shift: the forward half of row i is yf_{i-1} = Sf_{i-1} Cf_{i-1}.
 *   - l >= 1: i-1 is in chunk c, Sf_{i-1} = exp(Lf_{l-1}) Hf_c + sum_{j<=l-1} exp(Lf_{l-1}-Lf_j) ...,
 *     i.e. the row uses C_f at i-1, the EXCLUSIVE cumsum Ef_l = Lf_{l-1}, and columns j < l.
 *   - l = 0, c >= 1: i-1 is the last position of chunk c-1 and Sf_{i-1} = Hf_c exactly (the state
 *     after chunk c-1 is the state entering chunk c). The general formula gives the same with
 *     Ef_0 = 0 (exp(0) = 1) and no intra-chunk column: the row contracts Cf[i-1] (read from the
 *     previous chunk, a plain global load) with Hf_c.
 *   - i = 0: no forward term; the load of C_f at position -1 returns 0, which zeroes both parts.
 * Mirror for the backward half of row i: yb_{i+1} = Sb_{i+1} Cb_{i+1}: C_b at i+1, the exclusive
 * reverse cumsum Eb_l = Lb_{l+1} (0 when l+1 = Q, or past the chunk end where padded Lb = 0), columns
 * j > l, and at the last row of a chunk Sb_{i+1} = Hb_c; at i = L-1 the load of C_b at L returns 0.
 * So one rule covers both modes: row i of chunk c is
 *   y_i = exp(rf) Cf[i-sf] . Hf_c + sum_{j in chunk, j <(=) l} (Cf[i-sf].Bf_j) exp(min(rf - Lf_j, 0)) Df_j x_j
 *       + exp(rb) Cb[i+sf] . Hb_c + sum_{j in chunk, j >(=) l} (Cb[i+sf].Bb_j) exp(min(rb - Lb_j, 0)) Db_j x_j
 *       + diag_i x_i
 * with sf = 1, rf = Ef_l, rb = Eb_l and strict masks for Hydra; sf = 0, rf = Lf_l, rb = Lb_l and
 * inclusive masks for Bi-Mamba2 (the diagonal j = l is then counted by both halves). The intra-chunk
 * part is one two-sided Q x Q matrix per chunk: lower triangle from C_f B_f^T with forward decays,
 * upper from C_b B_b^T with reverse decays. Exponent differences are clamped at 0, so masked entries
 * never produce inf * 0.
 *
 * Backward. With g_t = dout_t * silu(z_t) (dz needs y, recomputed by qsmix_chunk_output), each half
 * is a plain causal SSD (in its own scan order) evaluated at every step s, whose output gradient is
 *   Hydra:  gf_s = g_{s+1} (0 at s = L-1),  gb_s = g_{s-1} (0 at s = 0);   Bi-Mamba2: gf_s = gb_s = g_s.
 * So the backward works in "SSD coordinates" (the shift moves to the loads of g; no chunk boundary
 * special case remains) and, for the forward half (the backward half mirrors it):
 *   dHf_c   adjoint of Hf_c:  dHf_nc = 0,  dHf_c = exp(Lf_{Q-1}) dHf_{c+1} + sum_s exp(Lf_s) gf_s Cf_s^T
 *   Lam_j = sum_{s>=j in chunk} exp(Lf_s - Lf_j) gf_s Cf_s^T + exp(Lf_{Q-1} - Lf_j) dHf_{c+1}
 *   dx_j  += Df_j Lam_j Bf_j;   dBf_j = Df_j Lam_j^T x_j;   dinit_f = dHf_0
 *   dCf_s  = exp(Lf_s) Hf_c^T gf_s + sum_{j<=s} exp(Lf_s - Lf_j) Df_j (gf_s . x_j) Bf_j
 *   dDelta_j (direct) = x_j . Lam_j Bf_j
 *   dl_t = d/d(a Df_t) = exp(a Df_t) <Lam_t, Sf_{t-1}>, which in chunk terms is the per-pair sum
 *     dl_t = sum_{s >= t > j} W_sj  with W_sj = exp(Lf_s - Lf_j) Df_j (gf_s . x_j)(Cf_s . Bf_j),
 *     extended by a row j = "entering state" (W = exp(Lf_s) gf_s . Hf_c Cf_s), a column s = "leaving
 *     state" (W = exp(Lf_{Q-1} - Lf_j) Df_j x_j . dHf_{c+1} Bf_j) and their corner
 *     exp(Lf_{Q-1}) <dHf_{c+1}, Hf_c>. Every term is a product of decays <= 1; no reverse cumsum of
 *     a difference is ever formed (qsmix_bwd_dlog sums each rectangle from tile row/column sums).
 *   dDelta = direct + a dl;  dA += sum Delta dl;  ddt = dDelta * dDelta/d(dt).
 *
 * Kernels (all fp32 math, 64-bit indices, 256 work-items per group for the tiled ones):
 *   qsmix_dt_cumsum     Delta and both chunk cumsums (TwoSum-compensated), one work-item per
 *                       (direction, b, h, chunk)
 *   qsmix_chunk_state   per (b,h,c,P-tile,N-tile): both directions' local chunk states in one pass
 *                       over x (adj = 1: the adjoint local states sum_s exp(L_s) g_s C_s^T)
 *   qsmix_state_pass    forward (ascending c) and reverse (descending c) passing over chunks, one
 *                       work-item per state element; in place; the adjoint mode runs the opposite
 *                       orders and writes dinit
 *   qsmix_chunk_output  per (b,h,c,row-tile,P-tile): inter-chunk terms of both directions + the
 *                       two-sided intra-chunk matrix + diag + gate (dz mode: writes dz instead)
 *   qsmix_bwd_chunk     per (b,h,c,row-tile,P- or N-tile): dx (both halves + diag), or per-head dB,
 *                       or per-head dC of both directions (summed over heads by qsmix_reduce_heads)
 *   qsmix_bwd_dlog      per (direction, b,h,c): direct dDelta and the cumsum gradient dl in the
 *                       per-pair form above
 *   qsmix_bwd_finish    per (b,h,c): ddt (dt chain, both directions), ddelta, and per-chunk partial
 *                       sums of dA, ddt_bias, dD (reduced in fixed order by qsmix_reduce_params)
 *   qsmix_reduce_heads  dB/dC: ordered sum over the heads of a group (and both directions if shared)
 *   qsmix_reduce_params dA, ddt_bias, dD: ordered sum of the per-(b, chunk) partials
 *   qsmix_varlen_table  varlen only: cu_seqlens -> chunk table (qs_chunk)
 * No float atomics: every sum has a fixed order, so results are bitwise reproducible.
 *
 * Varlen (cu_seqlens, batch 1): chunks are cut per sequence (the chunk table), so every chunk lies
 * inside one sequence [lo, hi) and all the math above holds per sequence with L replaced by the
 * sequence: token reads at a shifted position (the Hydra C and g shifts) give 0 outside [lo, hi),
 * and qsmix_state_pass restarts both passes at every sequence (from its row of init_f / init_b, and
 * writes each sequence's dinit row). The grid covers the bound on the chunk count; unused slots
 * have len 0. Without varlen tab_off = -1 and qs_chunk gives the fixed chunks: unchanged results.
 * ---------------------------------------------------------------------------------------------
 */

#ifndef SSMIX_KERNEL_DIALECT_H
#include "dialect.h"
#endif

#define QS_T 32                 /* tile edge (rows, columns, features) */
#define QS_TP (QS_T + 1)        /* padded pitch of tiles read column-wise */
#define QS_WG 256               /* work-items per group of the tiled kernels */
#define QS_TW 16                /* the group is QS_TW x QS_TW; each work-item owns 2 x 2 of a tile */
#define QS_SM (2 * QS_T * QS_TP + 2 * QS_T * QS_T + 8 * QS_T)
#define QS_MIN(a, b) ((a) < (b) ? (a) : (b))

/* Strided view arguments: base pointer, element offset, strides in the canonical order. */
#define QS_V1(T, n) const GLOBAL T *n, i64 n##_off, i64 n##_s0
#define QS_V2(T, n) const GLOBAL T *n, i64 n##_off, i64 n##_s0, i64 n##_s1
#define QS_V3(T, n) const GLOBAL T *n, i64 n##_off, i64 n##_s0, i64 n##_s1, i64 n##_s2
#define QS_V4(T, n) const GLOBAL T *n, i64 n##_off, i64 n##_s0, i64 n##_s1, i64 n##_s2, i64 n##_s3
#define QS_V3O(T, n) GLOBAL T *n, i64 n##_off, i64 n##_s0, i64 n##_s1, i64 n##_s2
#define QS_V4O(T, n) GLOBAL T *n, i64 n##_off, i64 n##_s0, i64 n##_s1, i64 n##_s2, i64 n##_s3

/* A token-by-feature operand of one (b, head or group): element (pos, f) lives at
 * base + pos*st + f*sf; positions are read at pos + shift and give 0 outside the current sequence
 * [slo, shi) ([0, L) without varlen: a shifted read never crosses a sequence boundary), features
 * give 0 at f >= nf. gated: the value is multiplied by silu(z) (z with its own strides). */
typedef struct qs_opnd {
    const GLOBAL io_t *p;
    const GLOBAL io_t *z;
    i64 base, st, sf;
    i64 zbase, zst, zsf;
    i64 nf, shift;
    int gated;
} qs_opnd;

DEVICE qs_opnd qs_mk(const GLOBAL io_t *p, i64 off, i64 sb, i64 st, i64 sh, i64 sf, i64 b, i64 hg,
                     i64 nf, i64 shift)
{
    qs_opnd o;
    o.p = p;
    o.z = p;
    o.base = off + b * sb + hg * sh;
    o.st = st;
    o.sf = sf;
    o.zbase = 0;
    o.zst = 0;
    o.zsf = 0;
    o.nf = nf;
    o.shift = shift;
    o.gated = 0;
    return o;
}

DEVICE void qs_gate(qs_opnd *o, const GLOBAL io_t *z, i64 off, i64 sb, i64 st, i64 sh, i64 sf,
                    i64 b, i64 h)
{
    o->z = z;
    o->zbase = off + b * sb + h * sh;
    o->zst = st;
    o->zsf = sf;
    o->gated = 1;
}

DEVICE float qs_ld(const qs_opnd *o, i64 pos, i64 f, i64 slo, i64 shi)
{
    i64 q = pos + o->shift;
    if (q < slo || q >= shi || f >= o->nf) return 0.0f;
    float v = LOAD_IO(o->p, o->base + q * o->st + f * o->sf);
    if (o->gated) v *= ssmix_silu(LOAD_IO(o->z, o->zbase + q * o->zst + f * o->zsf));
    return v;
}

/* dst[r*pitch + f] = operand at chunk position li0 + step*r (zero unless inside [0, len)), feature
 * f0 + f, for r, f < QS_T. cpos0 is the chunk's first global position. */
DEVICE void qs_tile_tok(LOCAL float *dst, int pitch, const qs_opnd *o, i64 cpos0, i64 li0, int step,
                        i64 len, i64 f0, i64 slo, i64 shi)
{
    for (int e = LID(0); e < QS_T * QS_T; e += QS_WG) {
        int r = e / QS_T, f = e - r * QS_T;
        i64 li = li0 + (i64)step * r;
        float v = 0.0f;
        if (li >= 0 && li < len) v = qs_ld(o, cpos0 + li, f0 + f, slo, shi);
        dst[r * pitch + f] = v;
    }
}

/* dst[m*QS_T + k] = state element (m0 + m, k0 + k) at ws[st + m*sm + k*sk], zero outside M x K. */
DEVICE void qs_tile_state(LOCAL float *dst, const GLOBAL float *ws, i64 st, i64 sm, i64 sk, i64 m0,
                          i64 M, i64 k0, i64 K)
{
    for (int e = LID(0); e < QS_T * QS_T; e += QS_WG) {
        int m = e / QS_T, k = e - m * QS_T;
        float v = 0.0f;
        if (m0 + m < M && k0 + k < K) v = ws[st + (m0 + m) * sm + (k0 + k) * sk];
        dst[e] = v;
    }
}

/* The chunk cumsums are double-float numbers: element i of a direction's chunk is the pair
 * (hi, lo) at ws[base + 2i], ws[base + 2i + 1] with hi + lo the running sum carried by TwoSum.
 * With a plain fp32 running sum every step rounds at eps |Lambda| (Lambda reaches -100s over long
 * chunks), so exp(Lambda_i - Lambda_j) would carry relative errors ~1e-5 even for neighbouring i, j;
 * with the pair the difference of nearby hi's is exact and lo carries the rounding residues. */
DEVICE float qs_cum(const GLOBAL float *ws, i64 base, i64 i) { return ws[base + 2 * i] + ws[base + 2 * i + 1]; }
DEVICE float qs_cum_lo(const GLOBAL float *ws, i64 base, i64 i) { return ws[base + 2 * i + 1]; }
DEVICE float qs_cum_hi(const GLOBAL float *ws, i64 base, i64 i) { return ws[base + 2 * i]; }
/* Lambda_i - Lambda_j */
DEVICE float qs_cdiff(const GLOBAL float *ws, i64 base, i64 i, i64 j)
{
    return (ws[base + 2 * i] - ws[base + 2 * j]) + (ws[base + 2 * i + 1] - ws[base + 2 * j + 1]);
}

/* ------------------------------------------------------------------------------------------
 * The chunk product engine shared by the forward output and the dx / dB / dC kernels. For the
 * rows r0 <= r < r0 + QS_T of one chunk and the value features k0 <= k < k0 + QS_T it adds
 *   acc[r][k] += coef_r * sum_m R_r[m] St[m][k]                                   (inter-chunk)
 *              + sum_{c in mask(r)} (R_r . S_c) exp(min(sgn (cr_r - cc_c), 0)) cw_c rw_r V_c[k]
 * with cr_r = cum[r + rshift] (0 outside the chunk), cc_c = cum[c] (differences taken hi - hi +
 * (lo - lo)), cw_c = Delta_c or 1, rw_r = Delta_r or 1,
 * coef_r = rw_r * (emode 0: exp(cr_r); 1: exp(min(cum[tot_idx] - cum[r], 0))),
 * mask: c <= r (upper = 0) or c >= r (upper = 1), c != r if strict. st < 0: no inter term.
 * ------------------------------------------------------------------------------------------ */
typedef struct qs_prod {
    qs_opnd R, S, V;   /* row operand, column operand (both over M features), value operand (K) */
    i64 M, K;
    i64 cum, dtv;      /* workspace offsets of this direction's chunk cumsum (pairs) / Delta (index = l) */
    i64 st, st_sm, st_sk, tot_idx;
    int sgn, rshift, emode, rw_dt, cw_dt, upper, strict;
} qs_prod;

DEVICE void qs_product(float *acc, LOCAL float *sm, const GLOBAL float *ws, const qs_prod *pp,
                       i64 cpos0, i64 len, i64 Q, i64 r0, i64 k0, i64 slo, i64 shi)
{
    LOCAL float *Rt = sm;                     /* [QS_T][QS_TP] row operand */
    LOCAL float *St = sm + QS_T * QS_TP;      /* [QS_T][QS_TP] column operand / state tile */
    LOCAL float *Wt = sm + 2 * QS_T * QS_TP;  /* [QS_T][QS_T] masked weights */
    LOCAL float *Vt = Wt + QS_T * QS_T;       /* [QS_T][QS_T] value operand */
    LOCAL float *rsc = Vt + QS_T * QS_T;      /* row cum hi | inter coefficient | row weight | row cum lo */
    LOCAL float *csc = rsc + 4 * QS_T;        /* column cum hi | column weight | column cum lo */
    int lid = LID(0), ty = lid / QS_TW, tx = lid - (lid / QS_TW) * QS_TW;
    i64 rcount = QS_MIN((i64)QS_T, len - r0);

    BARRIER(); /* the caller's previous use of sm is over */
    if (lid < QS_T) {
        float cr = 0.0f, crl = 0.0f, e = 0.0f, w = 0.0f;
        if (lid < rcount) {
            i64 r = r0 + lid, ri = r + pp->rshift;
            if (ri >= 0 && ri < Q) {
                cr = qs_cum_hi(ws, pp->cum, ri);
                crl = qs_cum_lo(ws, pp->cum, ri);
            }
            e = pp->emode == 0 ? EXPF(cr + crl) : EXPF(FMINF(qs_cdiff(ws, pp->cum, pp->tot_idx, r), 0.0f));
            w = pp->rw_dt ? ws[pp->dtv + r] : 1.0f;
        }
        rsc[lid] = cr;
        rsc[QS_T + lid] = e * w;
        rsc[2 * QS_T + lid] = w;
        rsc[3 * QS_T + lid] = crl;
    }

    if (pp->st >= 0) { /* inter-chunk term: rows against the P x N state */
        float t4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (i64 m0 = 0; m0 < pp->M; m0 += QS_T) {
            qs_tile_tok(Rt, QS_TP, &pp->R, cpos0, r0, 1, len, m0, slo, shi);
            qs_tile_state(St, ws, pp->st, pp->st_sm, pp->st_sk, m0, pp->M, k0, pp->K);
            BARRIER();
            float u4[4] = {0.0f, 0.0f, 0.0f, 0.0f}; /* two-level sums: one partial per slab */
            for (int m = 0; m < QS_T; m++) {
                float a0 = Rt[ty * QS_TP + m], a1 = Rt[(ty + QS_TW) * QS_TP + m];
                float b0 = St[m * QS_T + tx], b1 = St[m * QS_T + tx + QS_TW];
                u4[0] += a0 * b0;
                u4[1] += a0 * b1;
                u4[2] += a1 * b0;
                u4[3] += a1 * b1;
            }
            for (int q = 0; q < 4; q++) t4[q] += u4[q];
            BARRIER();
        }
        acc[0] += rsc[QS_T + ty] * t4[0];
        acc[1] += rsc[QS_T + ty] * t4[1];
        acc[2] += rsc[QS_T + ty + QS_TW] * t4[2];
        acc[3] += rsc[QS_T + ty + QS_TW] * t4[3];
    }

    /* intra-chunk term: column tiles on the masked side of the row tile (r0 is tile aligned) */
    i64 cbeg = pp->upper ? r0 : 0;
    i64 cend = pp->upper ? len : r0 + rcount;
    for (i64 c0 = cbeg; c0 < cend; c0 += QS_T) {
        i64 ccount = QS_MIN((i64)QS_T, len - c0);
        float s4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        if (lid < QS_T) {
            int ok = lid < ccount;
            csc[lid] = ok ? qs_cum_hi(ws, pp->cum, c0 + lid) : 0.0f;
            csc[QS_T + lid] = ok ? (pp->cw_dt ? ws[pp->dtv + c0 + lid] : 1.0f) : 0.0f;
            csc[2 * QS_T + lid] = ok ? qs_cum_lo(ws, pp->cum, c0 + lid) : 0.0f;
        }
        for (i64 m0 = 0; m0 < pp->M; m0 += QS_T) {
            qs_tile_tok(Rt, QS_TP, &pp->R, cpos0, r0, 1, len, m0, slo, shi);
            qs_tile_tok(St, QS_TP, &pp->S, cpos0, c0, 1, len, m0, slo, shi);
            BARRIER();
            float u4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (int m = 0; m < QS_T; m++) {
                float a0 = Rt[ty * QS_TP + m], a1 = Rt[(ty + QS_TW) * QS_TP + m];
                float b0 = St[tx * QS_TP + m], b1 = St[(tx + QS_TW) * QS_TP + m];
                u4[0] += a0 * b0;
                u4[1] += a0 * b1;
                u4[2] += a1 * b0;
                u4[3] += a1 * b1;
            }
            for (int q = 0; q < 4; q++) s4[q] += u4[q];
            BARRIER();
        }
        for (int q = 0; q < 4; q++) {
            int r = ty + (q >> 1) * QS_TW, c = tx + (q & 1) * QS_TW;
            i64 gr = r0 + r, gc = c0 + c;
            int ok = r < rcount && c < ccount && (pp->upper ? gc >= gr : gc <= gr) && !(pp->strict && gc == gr);
            float w = 0.0f;
            if (ok)
                w = s4[q] *
                    EXPF(FMINF((float)pp->sgn * ((rsc[r] - csc[c]) + (rsc[3 * QS_T + r] - csc[2 * QS_T + c])), 0.0f)) *
                    csc[QS_T + c] * rsc[2 * QS_T + r];
            Wt[r * QS_T + c] = w;
        }
        qs_tile_tok(Vt, QS_T, &pp->V, cpos0, c0, 1, len, k0, slo, shi);
        BARRIER();
        float u4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int c = 0; c < QS_T; c++) {
            float w0 = Wt[ty * QS_T + c], w1 = Wt[(ty + QS_TW) * QS_T + c];
            float v0 = Vt[c * QS_T + tx], v1 = Vt[c * QS_T + tx + QS_TW];
            u4[0] += w0 * v0;
            u4[1] += w0 * v1;
            u4[2] += w1 * v0;
            u4[3] += w1 * v1;
        }
        for (int q = 0; q < 4; q++) acc[q] += u4[q];
        BARRIER();
    }
}

/* Work-group sum of one value per work-item in a fixed tree order; every work-item gets the sum. */
DEVICE float qs_group_sum(LOCAL float *red, float v)
{
    int lid = LID(0);
    BARRIER();
    red[lid] = v;
    BARRIER();
    for (int s = QS_WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        BARRIER();
    }
    float r = red[0];
    BARRIER();
    return r;
}

/* Direction d's chunk offset in the [dir][b][h][nc*Q] workspace arrays (cumsums, Delta, dl, dd). */
DEVICE i64 qs_tok_off(int d, i64 b, i64 h, i64 c, i64 batch, i64 H, i64 nc, i64 Q)
{
    return (((i64)d * batch + b) * H + h) * nc * Q + c * Q;
}

/* Offset of the P x N state [dir][b][c][h] in a workspace state array. */
DEVICE i64 qs_st_off(int d, i64 b, i64 c, i64 h, i64 batch, i64 nc, i64 H, i64 PN)
{
    return ((((i64)d * batch + b) * nc + c) * H + h) * PN;
}

/* One chunk: tokens [pos0, pos0 + len) of sequence seq, which covers [lo, hi). Without varlen
 * (tab_off < 0) chunk c of batch row b is [cQ, min(cQ + Q, L)) of the row, sequence = the row.
 * With varlen the chunk table (qsmix_varlen_table) splits every sequence into its own chunks, so
 * no chunk straddles a boundary; unused table slots have len = 0 and every kernel skips them. */
typedef struct qs_chk {
    i64 pos0, len, lo, hi, seq;
} qs_chk;

#define QS_TAB 5 /* ints per chunk table entry: pos0, len, lo, hi, seq */

DEVICE qs_chk qs_chunk(const GLOBAL i32 *tab, i64 tab_off, i64 c, i64 b, i64 Q, i64 L)
{
    qs_chk k;
    if (tab_off < 0) {
        k.pos0 = c * Q;
        k.len = QS_MIN(Q, L - k.pos0);
        k.lo = 0;
        k.hi = L;
        k.seq = b;
    } else {
        const GLOBAL i32 *e = tab + tab_off + QS_TAB * c;
        k.pos0 = e[0];
        k.len = e[1];
        k.lo = e[2];
        k.hi = e[3];
        k.seq = e[4];
    }
    return k;
}

/* ------------------------------------------------------------------------------------------
 * qsmix_varlen_table: one work-item; the chunk table of a varlen packed row from cu_seqlens
 * (device memory: the host never reads it). Sequence i covers [cu[i], cu[i+1]) split into chunks of
 * at most Q tokens; slots past the last chunk get len = 0. The values are not validated here;
 * instead they are made safe: cu[0] and cu[nseq] are taken as 0 and L, and every other entry is
 * clamped into [previous boundary, L], so a bad cu_seqlens gives unspecified results (empty
 * sequences are skipped, their states neither read nor written) but never an access outside the
 * tensors or the table (at most ncmax = min(L, (L + nseq (Q-1)) / Q) chunks can result).
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_varlen_table)(const GLOBAL i32 *cu, i64 cu_off, i64 cu_s0, i64 nseq,
                                       GLOBAL i32 *tab, i64 tab_off, i64 L, i64 Q, i64 ncmax)
{
    if (GID(0) != 0 || LID(0) != 0) return;
    i64 k = 0, lo = 0;
    for (i64 i = 0; i < nseq; i++) {
        i64 hi = i + 1 == nseq ? L : (i64)cu[cu_off + (i + 1) * cu_s0];
        hi = hi < lo ? lo : (hi > L ? L : hi);
        for (i64 p0 = lo; p0 < hi && k < ncmax; p0 += Q, k++) {
            GLOBAL i32 *e = tab + tab_off + QS_TAB * k;
            e[0] = (i32)p0;
            e[1] = (i32)QS_MIN(Q, hi - p0);
            e[2] = (i32)lo;
            e[3] = (i32)hi;
            e[4] = (i32)i;
        }
        lo = hi;
    }
    for (; k < ncmax; k++) {
        GLOBAL i32 *e = tab + tab_off + QS_TAB * k;
        e[0] = (i32)L;
        e[1] = 0;
        e[2] = (i32)L;
        e[3] = (i32)L;
        e[4] = 0;
    }
}

/* ------------------------------------------------------------------------------------------
 * qsmix_dt_cumsum: one work-item per (dir, b, h, chunk); Delta (0 at padded positions) and the
 * chunk cumsum of a*Delta (double-float, see qs_cdiff): inclusive forward for dir 0, inclusive
 * reverse for dir 1.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_dt_cumsum)(QS_V3(io_t, dtf), QS_V3(io_t, dtb), QS_V1(float, A),
                                    QS_V1(float, bias), i32 has_bias, GLOBAL float *ws, i64 ws_dt,
                                    i64 ws_cum, i64 batch, i64 L, i64 H, i64 Q, i64 nc,
                                    i32 softplus, float dt_min, float dt_max,
                                    const GLOBAL i32 *tab, i64 tab_off)
{
    i64 idx = GID(0) * LSIZE(0) + LID(0);
    if (idx >= 2 * batch * H * nc) return;
    i64 c = idx % nc, r = idx / nc;
    i64 h = r % H;
    r /= H;
    i64 b = r % batch;
    int d = (int)(r / batch);
    const GLOBAL io_t *dt = d == 0 ? dtf : dtb;
    i64 dbase = d == 0 ? dtf_off + b * dtf_s0 + h * dtf_s2 : dtb_off + b * dtb_s0 + h * dtb_s2;
    i64 dst = d == 0 ? dtf_s1 : dtb_s1;
    float a = A[A_off + h * A_s0];
    float bi = has_bias ? bias[bias_off + h * bias_s0] : 0.0f;
    i64 o = qs_tok_off(d, b, h, c, batch, H, nc, Q);
    qs_chk ck = qs_chunk(tab, tab_off, c, b, Q, L);
    float hi = 0.0f, lo = 0.0f;
    for (i64 k = 0; k < Q; k++) {
        i64 l = d == 0 ? k : Q - 1 - k, pos = ck.pos0 + l;
        float delta = 0.0f;
        if (l < ck.len) {
            float v = LOAD_IO(dt, dbase + pos * dst) + bi;
            float d1 = softplus ? ssmix_softplus(v) : v;
            delta = d1 < dt_min ? dt_min : (d1 > dt_max ? dt_max : d1);
        }
        float v = a * delta, t = hi + v, bv = t - hi; /* TwoSum(hi, v) */
        lo += (hi - (t - bv)) + (v - bv);
        hi = t;
        ws[ws_dt + o + l] = delta;
        ws[ws_cum + 2 * o + 2 * l] = hi;
        ws[ws_cum + 2 * o + 2 * l + 1] = lo;
    }
}

/* ------------------------------------------------------------------------------------------
 * qsmix_chunk_state: group per (b, h, c, P-tile, N-tile). adj = 0: local chunk states of both
 * directions in one pass over x,
 *   Sloc_f[p][n] = sum_l exp(Lf_{Q-1} - Lf_l) Df_l x_l[p] Bf_l[n],
 *   Sloc_b[p][n] = sum_l exp(Lb_0 - Lb_l) Db_l x_l[p] Bb_l[n];
 * adj = 1: adjoint local states sum_l exp(L_l) g_l[p] C_l[n] with the shifted gradients gf, gb.
 * Written to ws[ws_st + state offset].
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_chunk_state)(QS_V4(io_t, x), QS_V4(io_t, go), QS_V4(io_t, z),
                                      QS_V4(io_t, Bf), QS_V4(io_t, Cf), QS_V4(io_t, Bb),
                                      QS_V4(io_t, Cb), GLOBAL float *ws, i64 ws_dt, i64 ws_cum,
                                      i64 ws_st, i64 batch, i64 L, i64 H, i64 P, i64 N, i64 G,
                                      i64 Q, i64 nc, i32 mode, i32 has_z, i32 adj,
                                      const GLOBAL i32 *tab, i64 tab_off)
{
    SHARED float sm[QS_SM];
    LOCAL float *X0 = sm, *X1 = sm + QS_T * QS_T, *Y0 = sm + 2 * QS_T * QS_T, *Y1 = sm + 3 * QS_T * QS_T;
    LOCAL float *w0 = sm + 4 * QS_T * QS_T, *w1 = w0 + QS_T;
    i64 ntp = (P + QS_T - 1) / QS_T, ntn = (N + QS_T - 1) / QS_T;
    i64 gid = GID(0);
    i64 tn = gid % ntn;
    gid /= ntn;
    i64 tp = gid % ntp;
    gid /= ntp;
    i64 c = gid % nc;
    gid /= nc;
    i64 h = gid % H, b = gid / H;
    qs_chk ck = qs_chunk(tab, tab_off, c, b, Q, L);
    i64 g = h / (H / G), cpos0 = ck.pos0, len = ck.len, slo = ck.lo, shi = ck.hi, p0 = tp * QS_T, n0 = tn * QS_T;
    int lid = LID(0), ty = lid / QS_TW, tx = lid - (lid / QS_TW) * QS_TW;
    int hydra = mode == 0;
    qs_opnd Xo0, Xo1, Yo0, Yo1;
    if (!adj) {
        Xo0 = qs_mk(x, x_off, x_s0, x_s1, x_s2, x_s3, b, h, P, 0);
        Xo1 = Xo0;
        Yo0 = qs_mk(Bf, Bf_off, Bf_s0, Bf_s1, Bf_s2, Bf_s3, b, g, N, 0);
        Yo1 = qs_mk(Bb, Bb_off, Bb_s0, Bb_s1, Bb_s2, Bb_s3, b, g, N, 0);
    } else {
        Xo0 = qs_mk(go, go_off, go_s0, go_s1, go_s2, go_s3, b, h, P, hydra ? 1 : 0);
        Xo1 = qs_mk(go, go_off, go_s0, go_s1, go_s2, go_s3, b, h, P, hydra ? -1 : 0);
        if (has_z) {
            qs_gate(&Xo0, z, z_off, z_s0, z_s1, z_s2, z_s3, b, h);
            qs_gate(&Xo1, z, z_off, z_s0, z_s1, z_s2, z_s3, b, h);
        }
        Yo0 = qs_mk(Cf, Cf_off, Cf_s0, Cf_s1, Cf_s2, Cf_s3, b, g, N, 0);
        Yo1 = qs_mk(Cb, Cb_off, Cb_s0, Cb_s1, Cb_s2, Cb_s3, b, g, N, 0);
    }
    int xshared = !adj || !hydra; /* both directions read the same X rows */
    i64 o0 = qs_tok_off(0, b, h, c, batch, H, nc, Q), o1 = qs_tok_off(1, b, h, c, batch, H, nc, Q);
    float a0[4] = {0.0f, 0.0f, 0.0f, 0.0f}, a1[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (i64 l0 = 0; l0 < len; l0 += QS_T) {
        if (lid < QS_T) {
            i64 l = l0 + lid;
            float v0 = 0.0f, v1 = 0.0f;
            if (l < len) {
                if (!adj) {
                    v0 = EXPF(FMINF(qs_cdiff(ws, ws_cum + 2 * o0, Q - 1, l), 0.0f)) * ws[ws_dt + o0 + l];
                    v1 = EXPF(FMINF(qs_cdiff(ws, ws_cum + 2 * o1, 0, l), 0.0f)) * ws[ws_dt + o1 + l];
                } else {
                    v0 = EXPF(qs_cum(ws, ws_cum + 2 * o0, l));
                    v1 = EXPF(qs_cum(ws, ws_cum + 2 * o1, l));
                }
            }
            w0[lid] = v0;
            w1[lid] = v1;
        }
        qs_tile_tok(X0, QS_T, &Xo0, cpos0, l0, 1, len, p0, slo, shi);
        if (!xshared) qs_tile_tok(X1, QS_T, &Xo1, cpos0, l0, 1, len, p0, slo, shi);
        qs_tile_tok(Y0, QS_T, &Yo0, cpos0, l0, 1, len, n0, slo, shi);
        qs_tile_tok(Y1, QS_T, &Yo1, cpos0, l0, 1, len, n0, slo, shi);
        BARRIER();
        LOCAL float *X1r = xshared ? X0 : X1;
        for (int l = 0; l < QS_T; l++) {
            float f0 = w0[l], f1 = w1[l];
            float xa = X0[l * QS_T + ty], xb = X0[l * QS_T + ty + QS_TW];
            float xc = X1r[l * QS_T + ty], xd = X1r[l * QS_T + ty + QS_TW];
            float ya = Y0[l * QS_T + tx], yb = Y0[l * QS_T + tx + QS_TW];
            float yc = Y1[l * QS_T + tx], yd = Y1[l * QS_T + tx + QS_TW];
            a0[0] += f0 * xa * ya;
            a0[1] += f0 * xa * yb;
            a0[2] += f0 * xb * ya;
            a0[3] += f0 * xb * yb;
            a1[0] += f1 * xc * yc;
            a1[1] += f1 * xc * yd;
            a1[2] += f1 * xd * yc;
            a1[3] += f1 * xd * yd;
        }
        BARRIER();
    }
    i64 PN = P * N;
    i64 s0 = ws_st + qs_st_off(0, b, c, h, batch, nc, H, PN);
    i64 s1 = ws_st + qs_st_off(1, b, c, h, batch, nc, H, PN);
    for (int q = 0; q < 4; q++) {
        i64 p = p0 + ty + (q >> 1) * QS_TW, n = n0 + tx + (q & 1) * QS_TW;
        if (p < P && n < N) {
            ws[s0 + p * N + n] = a0[q];
            ws[s1 + p * N + n] = a1[q];
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * qsmix_state_pass: one work-item per (dir, b, h, state element), sequential over chunks, in place
 * on the chunk states at ws_st: slot c receives the state entering chunk c.
 *   adjoint = 0: dir 0 ascending from init_f, dir 1 descending from init_b (the forward pass);
 *   adjoint = 1: dir 0 descending, dir 1 ascending, from 0; slot c receives the adjoint of the
 *                state leaving chunk c, and the final carry is dinit (written if present).
 * Both: tmp = slot[c]; slot[c] = carry; carry = exp(chunk total of a*Delta) * carry + tmp.
 * Varlen (tab_off >= 0): the carry restarts at every sequence in the pass's order (from that
 * sequence's row of init, or 0) and, in the adjoint, is written to that row of dinit when the pass
 * leaves the sequence; unused table slots (len 0) are skipped.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_state_pass)(GLOBAL float *ws, i64 ws_cum, i64 ws_st, QS_V4O(float, sf),
                                     i32 has_sf, QS_V4O(float, sb), i32 has_sb, i64 batch, i64 H,
                                     i64 P, i64 N, i64 Q, i64 nc, i32 adjoint,
                                     const GLOBAL i32 *tab, i64 tab_off)
{
    i64 PN = P * N, nblk = (PN + QS_WG - 1) / QS_WG;
    i64 gid = GID(0);
    i64 blk = gid % nblk;
    gid /= nblk;
    i64 h = gid % H;
    gid /= H;
    i64 b = gid % batch;
    int d = (int)(gid / batch);
    i64 e = blk * QS_WG + LID(0);
    if (e >= PN) return;
    i64 p = e / N, n = e - (e / N) * N;
    int has = d == 0 ? has_sf : has_sb;
    GLOBAL float *sv = d == 0 ? sf : sb;
    /* state element (p, n) of head h in row r (the batch row, or the sequence with varlen) */
    i64 sbase = d == 0 ? sf_off + h * sf_s1 + p * sf_s2 + n * sf_s3 : sb_off + h * sb_s1 + p * sb_s2 + n * sb_s3;
    i64 srow = d == 0 ? sf_s0 : sb_s0;
    int asc = (d == 0) == (adjoint == 0);
    int varlen = tab_off >= 0;
    float carry = (!adjoint && has) ? sv[sbase + b * srow] : 0.0f;
    for (i64 k = 0; k < nc; k++) {
        i64 c = asc ? k : nc - 1 - k;
        i64 so = ws_st + qs_st_off(d, b, c, h, batch, nc, H, PN) + e;
        int leave = 0;
        i64 seq = b;
        if (varlen) {
            qs_chk ck = qs_chunk(tab, tab_off, c, b, Q, 0);
            if (ck.len == 0) continue;
            int first = ck.pos0 == ck.lo, last = ck.pos0 + ck.len == ck.hi;
            int enter = asc ? first : last; /* the pass's first chunk of this sequence */
            leave = asc ? last : first;
            seq = ck.seq;
            if (enter) carry = (!adjoint && has) ? sv[sbase + seq * srow] : 0.0f;
        }
        float tmp = ws[so];
        ws[so] = carry;
        float dec = EXPF(qs_cum(ws, ws_cum + 2 * qs_tok_off(d, b, h, c, batch, H, nc, Q), d == 0 ? Q - 1 : 0));
        carry = dec * carry + tmp;
        if (varlen && leave && adjoint && has) sv[sbase + seq * srow] = carry;
    }
    if (!varlen && adjoint && has) sv[sbase + b * srow] = carry;
}

/* ------------------------------------------------------------------------------------------
 * qsmix_chunk_output: group per (b, h, c, row tile, P tile); the formula of the header comment.
 * dz_mode = 1 (backward, with z): instead of out, writes dz = dout * y * sigma(z) (1 + z (1 - sigma(z)))
 * into the output view, reading dout from go.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_chunk_output)(QS_V4(io_t, x), QS_V4(io_t, Bf), QS_V4(io_t, Cf),
                                       QS_V4(io_t, Bb), QS_V4(io_t, Cb), QS_V2(float, D),
                                       QS_V3(io_t, dl), QS_V4(io_t, z), QS_V4(io_t, go),
                                       QS_V4O(io_t, y), const GLOBAL float *ws, i64 ws_dt,
                                       i64 ws_cum, i64 ws_st, i64 batch, i64 L, i64 H, i64 P,
                                       i64 N, i64 G, i64 Q, i64 nc, i32 mode, i32 diag, i32 has_z,
                                       i32 dz_mode, const GLOBAL i32 *tab, i64 tab_off)
{
    SHARED float sm[QS_SM];
    i64 ntq = (Q + QS_T - 1) / QS_T, ntp = (P + QS_T - 1) / QS_T;
    i64 gid = GID(0);
    i64 tq = gid % ntq;
    gid /= ntq;
    i64 tp = gid % ntp;
    gid /= ntp;
    i64 c = gid % nc;
    gid /= nc;
    i64 h = gid % H, b = gid / H;
    qs_chk ck = qs_chunk(tab, tab_off, c, b, Q, L);
    i64 g = h / (H / G), cpos0 = ck.pos0, len = ck.len, slo = ck.lo, shi = ck.hi, r0 = tq * QS_T, p0 = tp * QS_T;
    if (r0 >= len) return; /* whole group */
    int lid = LID(0), ty = lid / QS_TW, tx = lid - (lid / QS_TW) * QS_TW;
    int hydra = mode == 0;
    i64 PN = P * N;
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int d = 0; d < 2; d++) {
        qs_prod pp;
        int sh = hydra ? (d == 0 ? -1 : 1) : 0;
        if (d == 0) {
            pp.R = qs_mk(Cf, Cf_off, Cf_s0, Cf_s1, Cf_s2, Cf_s3, b, g, N, sh);
            pp.S = qs_mk(Bf, Bf_off, Bf_s0, Bf_s1, Bf_s2, Bf_s3, b, g, N, 0);
        } else {
            pp.R = qs_mk(Cb, Cb_off, Cb_s0, Cb_s1, Cb_s2, Cb_s3, b, g, N, sh);
            pp.S = qs_mk(Bb, Bb_off, Bb_s0, Bb_s1, Bb_s2, Bb_s3, b, g, N, 0);
        }
        pp.V = qs_mk(x, x_off, x_s0, x_s1, x_s2, x_s3, b, h, P, 0);
        pp.M = N;
        pp.K = P;
        pp.cum = ws_cum + 2 * qs_tok_off(d, b, h, c, batch, H, nc, Q);
        pp.dtv = ws_dt + qs_tok_off(d, b, h, c, batch, H, nc, Q);
        pp.st = ws_st + qs_st_off(d, b, c, h, batch, nc, H, PN);
        pp.st_sm = 1; /* m = n */
        pp.st_sk = N; /* k = p */
        pp.sgn = 1;
        pp.rshift = sh;
        pp.emode = 0;
        pp.tot_idx = 0;
        pp.rw_dt = 0;
        pp.cw_dt = 1;
        pp.upper = d;
        pp.strict = hydra;
        qs_product(acc, sm, ws, &pp, cpos0, len, Q, r0, p0, slo, shi);
    }
    for (int q = 0; q < 4; q++) {
        i64 r = r0 + ty + (q >> 1) * QS_TW, p = p0 + tx + (q & 1) * QS_TW;
        if (r >= len || p >= P) continue;
        i64 t = cpos0 + r;
        float xv = LOAD_IO(x, x_off + b * x_s0 + t * x_s1 + h * x_s2 + p * x_s3);
        float v = acc[q];
        if (diag == 1) v += D[D_off + h * D_s0 + p * D_s1] * xv;
        else if (diag == 2) v += LOAD_IO(dl, dl_off + b * dl_s0 + t * dl_s1 + h * dl_s2) * xv;
        i64 yi = y_off + b * y_s0 + t * y_s1 + h * y_s2 + p * y_s3;
        if (has_z) {
            float zv = LOAD_IO(z, z_off + b * z_s0 + t * z_s1 + h * z_s2 + p * z_s3);
            float sg = ssmix_sigmoid(zv);
            if (dz_mode) {
                float gv = LOAD_IO(go, go_off + b * go_s0 + t * go_s1 + h * go_s2 + p * go_s3);
                v = gv * v * sg * (1.0f + zv * (1.0f - sg));
            } else {
                v *= zv * sg;
            }
        }
        STORE_IO(y, yi, v);
    }
}

/* ------------------------------------------------------------------------------------------
 * qsmix_bwd_chunk: group per (b, h, c, row tile, feature tile), in SSD coordinates (the Hydra
 * shift is applied to the loads of g). kind 0: dx (P tiles), both halves + diag * g:
 *   dx_j = sum_d Delta_j [ sum_{s >=(d=0) / <=(d=1) j} exp(L_s - L_j) (C_s . B_j) g_s
 *                          + exp(L_tot - L_j) dHout B_j ]
 * kind 1: per-head dB_j = Delta_j [ sum_s exp(L_s - L_j) (g_s . x_j) C_s + exp(L_tot - L_j) dHout^T x_j ]
 * kind 2: per-head dC_s = exp(L_s) Hin^T g_s + sum_j exp(L_s - L_j) Delta_j (g_s . x_j) B_j
 * (kinds 1 and 2: N tiles; direction d's result goes to the [b][t][h][n] array at ws_pf / ws_pb).
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_bwd_chunk)(QS_V4(io_t, x), QS_V4(io_t, go), QS_V4(io_t, z),
                                    QS_V4(io_t, Bf), QS_V4(io_t, Cf), QS_V4(io_t, Bb),
                                    QS_V4(io_t, Cb), QS_V2(float, D), QS_V3(io_t, dl),
                                    QS_V4O(io_t, dx), GLOBAL float *ws, i64 ws_dt, i64 ws_cum,
                                    i64 ws_st, i64 ws_adj, i64 ws_pf, i64 ws_pb, i64 batch, i64 L,
                                    i64 H, i64 P, i64 N, i64 G, i64 Q, i64 nc, i32 mode, i32 diag,
                                    i32 has_z, i32 kind, const GLOBAL i32 *tab, i64 tab_off)
{
    SHARED float sm[QS_SM];
    i64 Kd = kind == 0 ? P : N;
    i64 ntq = (Q + QS_T - 1) / QS_T, ntk = (Kd + QS_T - 1) / QS_T;
    i64 gid = GID(0);
    i64 tq = gid % ntq;
    gid /= ntq;
    i64 tk = gid % ntk;
    gid /= ntk;
    i64 c = gid % nc;
    gid /= nc;
    i64 h = gid % H, b = gid / H;
    qs_chk ck = qs_chunk(tab, tab_off, c, b, Q, L);
    i64 g = h / (H / G), cpos0 = ck.pos0, len = ck.len, slo = ck.lo, shi = ck.hi, r0 = tq * QS_T, k0 = tk * QS_T;
    if (r0 >= len) return; /* whole group */
    int lid = LID(0), ty = lid / QS_TW, tx = lid - (lid / QS_TW) * QS_TW;
    int hydra = mode == 0;
    i64 PN = P * N;
    float acc0[4] = {0.0f, 0.0f, 0.0f, 0.0f}, acc1[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int d = 0; d < 2; d++) {
        qs_prod pp;
        qs_opnd gop = qs_mk(go, go_off, go_s0, go_s1, go_s2, go_s3, b, h, P, hydra ? (d == 0 ? 1 : -1) : 0);
        if (has_z) qs_gate(&gop, z, z_off, z_s0, z_s1, z_s2, z_s3, b, h);
        qs_opnd xop = qs_mk(x, x_off, x_s0, x_s1, x_s2, x_s3, b, h, P, 0);
        qs_opnd Bop = d == 0 ? qs_mk(Bf, Bf_off, Bf_s0, Bf_s1, Bf_s2, Bf_s3, b, g, N, 0)
                             : qs_mk(Bb, Bb_off, Bb_s0, Bb_s1, Bb_s2, Bb_s3, b, g, N, 0);
        qs_opnd Cop = d == 0 ? qs_mk(Cf, Cf_off, Cf_s0, Cf_s1, Cf_s2, Cf_s3, b, g, N, 0)
                             : qs_mk(Cb, Cb_off, Cb_s0, Cb_s1, Cb_s2, Cb_s3, b, g, N, 0);
        pp.cum = ws_cum + 2 * qs_tok_off(d, b, h, c, batch, H, nc, Q);
        pp.dtv = ws_dt + qs_tok_off(d, b, h, c, batch, H, nc, Q);
        pp.rshift = 0;
        pp.tot_idx = d == 0 ? Q - 1 : 0;
        pp.strict = 0;
        if (kind == 0) {
            pp.R = Bop;
            pp.S = Cop;
            pp.V = gop;
            pp.M = N;
            pp.K = P;
            pp.st = ws_adj + qs_st_off(d, b, c, h, batch, nc, H, PN);
            pp.st_sm = 1;
            pp.st_sk = N;
            pp.sgn = -1;
            pp.emode = 1;
            pp.rw_dt = 1;
            pp.cw_dt = 0;
            pp.upper = d == 0;
        } else if (kind == 1) {
            pp.R = xop;
            pp.S = gop;
            pp.V = Cop;
            pp.M = P;
            pp.K = N;
            pp.st = ws_adj + qs_st_off(d, b, c, h, batch, nc, H, PN);
            pp.st_sm = N;
            pp.st_sk = 1;
            pp.sgn = -1;
            pp.emode = 1;
            pp.rw_dt = 1;
            pp.cw_dt = 0;
            pp.upper = d == 0;
        } else {
            pp.R = gop;
            pp.S = xop;
            pp.V = Bop;
            pp.M = P;
            pp.K = N;
            pp.st = ws_st + qs_st_off(d, b, c, h, batch, nc, H, PN);
            pp.st_sm = N;
            pp.st_sk = 1;
            pp.sgn = 1;
            pp.emode = 0;
            pp.rw_dt = 0;
            pp.cw_dt = 1;
            pp.upper = d == 1;
        }
        qs_product(kind == 0 || d == 0 ? acc0 : acc1, sm, ws, &pp, cpos0, len, Q, r0, k0, slo, shi);
    }
    for (int q = 0; q < 4; q++) {
        i64 r = r0 + ty + (q >> 1) * QS_TW, k = k0 + tx + (q & 1) * QS_TW;
        if (r >= len || k >= Kd) continue;
        i64 t = cpos0 + r;
        if (kind == 0) {
            float v = acc0[q];
            if (diag != 0) {
                float gv = LOAD_IO(go, go_off + b * go_s0 + t * go_s1 + h * go_s2 + k * go_s3);
                if (has_z) gv *= ssmix_silu(LOAD_IO(z, z_off + b * z_s0 + t * z_s1 + h * z_s2 + k * z_s3));
                float dg = diag == 1 ? D[D_off + h * D_s0 + k * D_s1]
                                     : LOAD_IO(dl, dl_off + b * dl_s0 + t * dl_s1 + h * dl_s2);
                v += dg * gv;
            }
            STORE_IO(dx, dx_off + b * dx_s0 + t * dx_s1 + h * dx_s2 + k * dx_s3, v);
        } else {
            i64 o = ((b * nc * Q + t) * H + h) * N + k;
            ws[ws_pf + o] = acc0[q];
            ws[ws_pb + o] = acc1[q];
        }
    }
}

/* For rows r < QS_T at logical chunk positions li0 + step*r: out[r] = sum_k V_r[k] sum_m R_r[m] St[m][k]
 * with the state at ws[st + m*sm + k*sk] (M x K). Fixed summation order. */
DEVICE void qs_row_state_dot(LOCAL float *out, LOCAL float *sm, const GLOBAL float *ws,
                             const qs_opnd *R, const qs_opnd *V, i64 M, i64 K, i64 st, i64 ssm,
                             i64 ssk, i64 cpos0, i64 li0, int step, i64 len, i64 slo, i64 shi)
{
    LOCAL float *Rt = sm;                    /* [QS_T][QS_TP] */
    LOCAL float *Stt = sm + QS_T * QS_TP;    /* [QS_T][QS_T] */
    LOCAL float *Vt = Stt + QS_T * QS_T;     /* [QS_T][QS_T] */
    LOCAL float *red = Vt + QS_T * QS_T;     /* [QS_T][QS_TW] */
    int lid = LID(0), ty = lid / QS_TW, tx = lid - (lid / QS_TW) * QS_TW;
    float part0 = 0.0f, part1 = 0.0f;
    BARRIER();
    for (i64 k0 = 0; k0 < K; k0 += QS_T) {
        float t4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (i64 m0 = 0; m0 < M; m0 += QS_T) {
            qs_tile_tok(Rt, QS_TP, R, cpos0, li0, step, len, m0, slo, shi);
            qs_tile_state(Stt, ws, st, ssm, ssk, m0, M, k0, K);
            BARRIER();
            for (int m = 0; m < QS_T; m++) {
                float a0 = Rt[ty * QS_TP + m], a1 = Rt[(ty + QS_TW) * QS_TP + m];
                float b0 = Stt[m * QS_T + tx], b1 = Stt[m * QS_T + tx + QS_TW];
                t4[0] += a0 * b0;
                t4[1] += a0 * b1;
                t4[2] += a1 * b0;
                t4[3] += a1 * b1;
            }
            BARRIER();
        }
        qs_tile_tok(Vt, QS_T, V, cpos0, li0, step, len, k0, slo, shi);
        BARRIER();
        part0 += t4[0] * Vt[ty * QS_T + tx] + t4[1] * Vt[ty * QS_T + tx + QS_TW];
        part1 += t4[2] * Vt[(ty + QS_TW) * QS_T + tx] + t4[3] * Vt[(ty + QS_TW) * QS_T + tx + QS_TW];
        BARRIER();
    }
    red[ty * QS_TW + tx] = part0;
    red[(ty + QS_TW) * QS_TW + tx] = part1;
    BARRIER();
    if (lid < QS_T) {
        float s = 0.0f;
        for (int i = 0; i < QS_TW; i++) s += red[lid * QS_TW + i];
        out[lid] = s;
    }
    BARRIER();
}

/* ------------------------------------------------------------------------------------------
 * qsmix_bwd_dlog: group per (dir, b, h, c). Works in the direction's scan order ("logical"
 * positions lam; physical chunk position phys(lam) = lam for dir 0, Q-1-lam for dir 1, so that the
 * backward half is a causal SSD too; its cumsum Lb read at phys(lam) is then the inclusive prefix
 * sum in scan order). Writes, at physical positions of the [dir][b][h][nc*Q] arrays,
 *   dd[j] = direct dDelta_j = sum_{s >= j} V_sj + exp(L_tot - L_j) x_j . dHout B_j
 *   dl[t] = sum_{s >= t > j} Delta_j V_sj + sum_{s >= t} exp(L_s) g_s . Hin C_s
 *           + sum_{j < t} exp(L_tot - L_j) Delta_j x_j . dHout B_j + exp(L_tot) <dHout, Hin>
 * with V_sj = exp(L_s - L_j) (g_s . x_j)(C_s . B_j). Each workspace element of dd/dl is read and
 * written only by work-item (lam mod QS_WG) of this group, so no global-memory barrier is needed.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_bwd_dlog)(QS_V4(io_t, x), QS_V4(io_t, go), QS_V4(io_t, z), QS_V4(io_t, Bf),
                                   QS_V4(io_t, Cf), QS_V4(io_t, Bb), QS_V4(io_t, Cb),
                                   GLOBAL float *ws, i64 ws_dt, i64 ws_cum, i64 ws_st, i64 ws_adj,
                                   i64 ws_dl, i64 ws_dd, i64 batch, i64 L, i64 H, i64 P, i64 N,
                                   i64 G, i64 Q, i64 nc, i32 mode, i32 has_z,
                                   const GLOBAL i32 *tab, i64 tab_off)
{
    SHARED float sm[QS_SM];
    LOCAL float *Wv = sm + 2 * QS_T * QS_TP; /* [QS_T][QS_T] V tile (pairs s >= j) */
    LOCAL float *Ww = Wv + QS_T * QS_T;      /* [QS_T][QS_T] W tile (pairs s > j, times Delta_j) */
    LOCAL float *rws = Ww + QS_T * QS_T;     /* row sums of W */
    LOCAL float *cws = rws + QS_T;           /* column sums of W */
    LOCAL float *ext = cws + QS_T;           /* per-row extension terms */
    LOCAL float *ex2 = ext + QS_T;
    i64 gid = GID(0);
    i64 c = gid % nc;
    gid /= nc;
    i64 h = gid % H;
    gid /= H;
    int d = (int)(gid % 2);
    i64 b = gid / 2;
    qs_chk ck = qs_chunk(tab, tab_off, c, b, Q, L);
    i64 g = h / (H / G), cpos0 = ck.pos0, len = ck.len, slo = ck.lo, shi = ck.hi;
    /* len == 0 (unused varlen slot) runs through harmlessly: every load is masked by len and every
     * write stays inside the slot. No early return here: PoCL mis-executed this kernel with one. */
    int lid = LID(0), ty = lid / QS_TW, tx = lid - (lid / QS_TW) * QS_TW;
    int hydra = mode == 0;
    int step = d == 0 ? 1 : -1;
    i64 PN = P * N;
    i64 to = qs_tok_off(d, b, h, c, batch, H, nc, Q);
    i64 cum = ws_cum + 2 * to, dtv = ws_dt + to, dlo = ws_dl + to, ddo = ws_dd + to;
    i64 hin = ws_st + qs_st_off(d, b, c, h, batch, nc, H, PN);
    i64 hout = ws_adj + qs_st_off(d, b, c, h, batch, nc, H, PN);
    qs_opnd xop = qs_mk(x, x_off, x_s0, x_s1, x_s2, x_s3, b, h, P, 0);
    qs_opnd gop = qs_mk(go, go_off, go_s0, go_s1, go_s2, go_s3, b, h, P, hydra ? (d == 0 ? 1 : -1) : 0);
    if (has_z) qs_gate(&gop, z, z_off, z_s0, z_s1, z_s2, z_s3, b, h);
    qs_opnd Bop = d == 0 ? qs_mk(Bf, Bf_off, Bf_s0, Bf_s1, Bf_s2, Bf_s3, b, g, N, 0)
                         : qs_mk(Bb, Bb_off, Bb_s0, Bb_s1, Bb_s2, Bb_s3, b, g, N, 0);
    qs_opnd Cop = d == 0 ? qs_mk(Cf, Cf_off, Cf_s0, Cf_s1, Cf_s2, Cf_s3, b, g, N, 0)
                         : qs_mk(Cb, Cb_off, Cb_s0, Cb_s1, Cb_s2, Cb_s3, b, g, N, 0);
    /* valid logical positions [vlo, vhi) are those whose physical position is < len */
    i64 vlo = d == 0 ? 0 : Q - len, vhi = d == 0 ? len : Q;
    i64 tlo = vlo / QS_T, thi = (vhi - 1) / QS_T;
    i64 itot = d == 0 ? Q - 1 : 0; /* the chunk total sits at physical index itot */
#define QS_PHYS(lam) (d == 0 ? (lam) : Q - 1 - (lam))

    for (i64 lam = lid; lam < Q; lam += QS_WG) {
        ws[dlo + QS_PHYS(lam)] = 0.0f;
        ws[ddo + QS_PHYS(lam)] = 0.0f;
    }

    /* intra-chunk pairs, tile by tile (s tile >= j tile) */
    for (i64 ts = tlo; ts <= thi; ts++) {
        for (i64 tj = tlo; tj <= ts; tj++) {
            i64 s0 = ts * QS_T, j0 = tj * QS_T;
            float cb[4] = {0.0f, 0.0f, 0.0f, 0.0f}, gx[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            LOCAL float *Rt = sm, *St = sm + QS_T * QS_TP;
            BARRIER();
            for (i64 m0 = 0; m0 < N; m0 += QS_T) {
                qs_tile_tok(Rt, QS_TP, &Cop, cpos0, QS_PHYS(s0), step, len, m0, slo, shi);
                qs_tile_tok(St, QS_TP, &Bop, cpos0, QS_PHYS(j0), step, len, m0, slo, shi);
                BARRIER();
                for (int m = 0; m < QS_T; m++) {
                    float a0 = Rt[ty * QS_TP + m], a1 = Rt[(ty + QS_TW) * QS_TP + m];
                    float b0 = St[tx * QS_TP + m], b1 = St[(tx + QS_TW) * QS_TP + m];
                    cb[0] += a0 * b0;
                    cb[1] += a0 * b1;
                    cb[2] += a1 * b0;
                    cb[3] += a1 * b1;
                }
                BARRIER();
            }
            for (i64 m0 = 0; m0 < P; m0 += QS_T) {
                qs_tile_tok(Rt, QS_TP, &gop, cpos0, QS_PHYS(s0), step, len, m0, slo, shi);
                qs_tile_tok(St, QS_TP, &xop, cpos0, QS_PHYS(j0), step, len, m0, slo, shi);
                BARRIER();
                for (int m = 0; m < QS_T; m++) {
                    float a0 = Rt[ty * QS_TP + m], a1 = Rt[(ty + QS_TW) * QS_TP + m];
                    float b0 = St[tx * QS_TP + m], b1 = St[(tx + QS_TW) * QS_TP + m];
                    gx[0] += a0 * b0;
                    gx[1] += a0 * b1;
                    gx[2] += a1 * b0;
                    gx[3] += a1 * b1;
                }
                BARRIER();
            }
            for (int q = 0; q < 4; q++) {
                int r = ty + (q >> 1) * QS_TW, cc = tx + (q & 1) * QS_TW;
                i64 s = s0 + r, j = j0 + cc;
                float v = 0.0f, w = 0.0f;
                if (s < Q && j < Q && s >= j) {
                    v = cb[q] * gx[q] * EXPF(FMINF(qs_cdiff(ws, cum, QS_PHYS(s), QS_PHYS(j)), 0.0f));
                    if (s > j) w = v * ws[dtv + QS_PHYS(j)];
                }
                Wv[r * QS_T + cc] = v;
                Ww[r * QS_T + cc] = w;
            }
            BARRIER();
            if (lid < QS_T) {
                float rs = 0.0f;
                for (int cc = 0; cc < QS_T; cc++) rs += Ww[lid * QS_T + cc];
                rws[lid] = rs;
            }
            {
                i64 col = lid - (j0 % QS_WG); /* the owner of column j = j0 + col is lid = j % QS_WG */
                if (col >= 0 && col < QS_T) {
                    float sv = 0.0f, sw = 0.0f;
                    for (int r = 0; r < QS_T; r++) {
                        sv += Wv[r * QS_T + col];
                        sw += Ww[r * QS_T + col];
                    }
                    cws[col] = sw;
                    if (j0 + col < Q) ws[ddo + QS_PHYS(j0 + col)] += sv;
                }
            }
            BARRIER();
            /* rectangle sums: dl[t] += sum_{s in tile ts, s >= t} sum_{j in tile tj, j < t} W_sj */
            {
                i64 a = j0 + 1, e = QS_MIN(s0 + QS_T, Q) - 1; /* t in [a, e] */
                i64 t = a + ((lid - a % QS_WG) + QS_WG) % QS_WG;
                for (; t <= e; t += QS_WG) {
                    float v = 0.0f;
                    if (ts == tj) {
                        for (i64 s = t; s <= e; s++)
                            for (i64 j = j0; j < t; j++) v += Ww[(s - s0) * QS_T + (j - j0)];
                    } else if (t < j0 + QS_T) {
                        for (i64 j = j0; j < t; j++) v += cws[j - j0];
                    } else if (t < s0) {
                        for (int r = 0; r < QS_T; r++) v += rws[r];
                    } else {
                        for (i64 s = t; s <= e; s++) v += rws[s - s0];
                    }
                    ws[dlo + QS_PHYS(t)] += v;
                }
            }
        }
    }

    /* Extension terms, one tile of rows at a time (ph 0: ascending tiles; ph 1: descending).
     *   ph 0, the state leaving the chunk: f_j = exp(L_tot - L_j) x_j . dHout B_j goes to dd[j], and
     *         Delta_j f_j to dl[t] for every t > j (running prefix sum).
     *   ph 1, the state entering it: e_s = exp(L_s) g_s . Hin C_s goes to dl[t] for every t <= s
     *         (running suffix sum), together with the corner exp(L_tot) <dHout, Hin>. */
    {
        float part = 0.0f;
        for (i64 e = lid; e < PN; e += QS_WG) part += ws[hout + e] * ws[hin + e];
        float corner = EXPF(qs_cum(ws, cum, itot)) * qs_group_sum(sm, part);
        for (int ph = 0; ph < 2; ph++) {
            float carry = 0.0f;
            for (i64 it = 0; it <= thi - tlo; it++) {
                i64 t0 = ph == 0 ? (tlo + it) * QS_T : (thi - it) * QS_T;
                qs_row_state_dot(ext, sm, ws, ph == 0 ? &Bop : &Cop, ph == 0 ? &xop : &gop, N, P,
                                 ph == 0 ? hout : hin, 1, N, cpos0, QS_PHYS(t0), step, len, slo, shi);
                if (lid < QS_T) {
                    i64 j = t0 + lid;
                    float f = 0.0f, df = 0.0f;
                    if (j < Q) {
                        f = (ph == 0 ? EXPF(FMINF(qs_cdiff(ws, cum, itot, QS_PHYS(j)), 0.0f))
                                     : EXPF(qs_cum(ws, cum, QS_PHYS(j)))) * ext[lid];
                        df = ph == 0 ? f * ws[dtv + QS_PHYS(j)] : f;
                    }
                    ext[lid] = f;
                    ex2[lid] = df;
                }
                BARRIER();
                i64 col = lid - (t0 % QS_WG); /* owner of position t0 + col */
                if (col >= 0 && col < QS_T && t0 + col < Q) {
                    float v = carry;
                    if (ph == 0) {
                        for (int i = 0; i < (int)col; i++) v += ex2[i];
                        ws[ddo + QS_PHYS(t0 + col)] += ext[col];
                    } else {
                        v += corner;
                        for (int i = (int)col; i < QS_T; i++) v += ex2[i];
                    }
                    ws[dlo + QS_PHYS(t0 + col)] += v;
                }
                for (int i = 0; i < QS_T; i++) carry += ex2[i];
            }
        }
    }
#undef QS_PHYS
}

/* dDelta/d(dt) of the dt pipeline (0 where clamped). */
DEVICE float qs_dt_factor(float v, int softplus, float dt_min, float dt_max)
{
    float d1 = softplus ? ssmix_softplus(v) : v;
    if (d1 < dt_min || d1 > dt_max) return 0.0f;
    return (softplus && v <= 20.0f) ? ssmix_sigmoid(v) : 1.0f;
}

/* ------------------------------------------------------------------------------------------
 * qsmix_bwd_finish: group per (b, h, c). want_dt: dDelta_d = dd_d + A dl_d, ddt_d = dDelta_d *
 * dDelta/d(dt_d) (written as ddt_f + ddt_b into ddtf when shared), partials of dA = sum Delta dl and
 * ddt_bias = sum ddt. diag_grad: 1 partial of dD (H) = sum g.x, 2 partials of dD (H,P), 3 ddelta.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_bwd_finish)(QS_V4(io_t, x), QS_V4(io_t, go), QS_V4(io_t, z), QS_V3(io_t, dtf),
                                     QS_V3(io_t, dtb), QS_V1(float, A), QS_V1(float, bias),
                                     QS_V3O(io_t, ddtf), QS_V3O(io_t, ddtb), QS_V3O(io_t, ddl),
                                     GLOBAL float *ws, i64 ws_dt, i64 ws_dl, i64 ws_dd, i64 ws_pA,
                                     i64 ws_pbias, i64 ws_pD, i64 batch, i64 L, i64 H, i64 P,
                                     i64 Q, i64 nc, i32 has_bias, i32 softplus, float dt_min,
                                     float dt_max, i32 shared, i32 has_z, i32 want_dt,
                                     i32 want_ddtf, i32 want_ddtb, i32 diag_grad,
                                     const GLOBAL i32 *tab, i64 tab_off)
{
    SHARED float red[QS_WG];
    i64 gid = GID(0);
    i64 c = gid % nc;
    gid /= nc;
    i64 h = gid % H, b = gid / H;
    qs_chk ck = qs_chunk(tab, tab_off, c, b, Q, L);
    i64 cpos0 = ck.pos0, len = ck.len; /* len = 0 (unused varlen slot): zero partials */
    int lid = LID(0);
    i64 o0 = qs_tok_off(0, b, h, c, batch, H, nc, Q), o1 = qs_tok_off(1, b, h, c, batch, H, nc, Q);
    float a = A[A_off + h * A_s0], bi = has_bias ? bias[bias_off + h * bias_s0] : 0.0f;
    float pa = 0.0f, pb = 0.0f, pd = 0.0f;
    for (i64 l = lid; l < len; l += QS_WG) {
        i64 t = cpos0 + l;
        if (want_dt) {
            float dl0 = ws[ws_dl + o0 + l], dl1 = ws[ws_dl + o1 + l];
            float dD0 = ws[ws_dd + o0 + l] + a * dl0, dD1 = ws[ws_dd + o1 + l] + a * dl1;
            float v0 = LOAD_IO(dtf, dtf_off + b * dtf_s0 + t * dtf_s1 + h * dtf_s2) + bi;
            float v1 = LOAD_IO(dtb, dtb_off + b * dtb_s0 + t * dtb_s1 + h * dtb_s2) + bi;
            float g0 = dD0 * qs_dt_factor(v0, softplus, dt_min, dt_max);
            float g1 = dD1 * qs_dt_factor(v1, softplus, dt_min, dt_max);
            if (shared) {
                if (want_ddtf) STORE_IO(ddtf, ddtf_off + b * ddtf_s0 + t * ddtf_s1 + h * ddtf_s2, g0 + g1);
            } else {
                if (want_ddtf) STORE_IO(ddtf, ddtf_off + b * ddtf_s0 + t * ddtf_s1 + h * ddtf_s2, g0);
                if (want_ddtb) STORE_IO(ddtb, ddtb_off + b * ddtb_s0 + t * ddtb_s1 + h * ddtb_s2, g1);
            }
            pa += ws[ws_dt + o0 + l] * dl0 + ws[ws_dt + o1 + l] * dl1;
            pb += g0 + g1;
        }
        if (diag_grad == 1 || diag_grad == 3) {
            float s = 0.0f;
            for (i64 p = 0; p < P; p++) {
                float gv = LOAD_IO(go, go_off + b * go_s0 + t * go_s1 + h * go_s2 + p * go_s3);
                if (has_z) gv *= ssmix_silu(LOAD_IO(z, z_off + b * z_s0 + t * z_s1 + h * z_s2 + p * z_s3));
                s += gv * LOAD_IO(x, x_off + b * x_s0 + t * x_s1 + h * x_s2 + p * x_s3);
            }
            if (diag_grad == 3) STORE_IO(ddl, ddl_off + b * ddl_s0 + t * ddl_s1 + h * ddl_s2, s);
            pd += s;
        }
    }
    i64 pi = (b * nc + c) * H + h;
    if (want_dt) {
        float sa = qs_group_sum(red, pa);
        float sb = qs_group_sum(red, pb);
        if (lid == 0) {
            ws[ws_pA + pi] = sa;
            ws[ws_pbias + pi] = sb;
        }
    }
    if (diag_grad == 1) {
        float sd = qs_group_sum(red, pd);
        if (lid == 0) ws[ws_pD + pi] = sd;
    } else if (diag_grad == 2) {
        for (i64 p = lid; p < P; p += QS_WG) {
            float s = 0.0f;
            for (i64 l = 0; l < len; l++) {
                i64 t = cpos0 + l;
                float gv = LOAD_IO(go, go_off + b * go_s0 + t * go_s1 + h * go_s2 + p * go_s3);
                if (has_z) gv *= ssmix_silu(LOAD_IO(z, z_off + b * z_s0 + t * z_s1 + h * z_s2 + p * z_s3));
                s += gv * LOAD_IO(x, x_off + b * x_s0 + t * x_s1 + h * x_s2 + p * x_s3);
            }
            ws[ws_pD + pi * P + p] = s;
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * qsmix_reduce_heads: one work-item per (b, t, g, n) of dB or dC: the per-head partials at ws_a
 * ([b][nc*Q][H][N]) summed over the heads of group g in order, then (add_b) those at ws_b.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_reduce_heads)(const GLOBAL float *ws, i64 ws_a, i64 ws_b, i32 add_b,
                                       QS_V4O(io_t, o), i64 batch, i64 L, i64 H, i64 G, i64 N,
                                       i64 ncQ)
{
    i64 idx = GID(0) * LSIZE(0) + LID(0);
    if (idx >= batch * L * G * N) return;
    i64 n = idx % N, r = idx / N;
    i64 g = r % G;
    r /= G;
    i64 t = r % L, b = r / L;
    i64 hpg = H / G;
    i64 base = ((b * ncQ + t) * H + g * hpg) * N + n;
    float s = 0.0f;
    for (i64 k = 0; k < hpg; k++) s += ws[ws_a + base + k * N];
    if (add_b)
        for (i64 k = 0; k < hpg; k++) s += ws[ws_b + base + k * N];
    STORE_IO(o, o_off + b * o_s0 + t * o_s1 + g * o_s2 + n * o_s3, s);
}

/* ------------------------------------------------------------------------------------------
 * qsmix_reduce_params: out[h][p] (f32, strides s0, s1; pp = 1 for (H) outputs) = sum over k < nk
 * of the partials ws[ws_p + k*H*pp + h*pp + p], in order.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(qsmix_reduce_params)(const GLOBAL float *ws, i64 ws_p, i64 nk, i64 H, i64 pp,
                                        GLOBAL float *o, i64 o_off, i64 o_s0, i64 o_s1)
{
    i64 idx = GID(0) * LSIZE(0) + LID(0);
    if (idx >= H * pp) return;
    float s = 0.0f;
    for (i64 k = 0; k < nk; k++) s += ws[ws_p + k * H * pp + idx];
    o[o_off + (idx / pp) * o_s0 + (idx % pp) * o_s1] = s;
}
