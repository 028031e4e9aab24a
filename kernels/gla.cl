/*
 * Gated linear attention with per-channel decay (OPS.md section 3): chunked forward and backward,
 * written in the dialect of kernels/dialect.h. Launch sequence, grids and workspace:
 * backends/gpu/gla_pipeline.c.
 *
 * ---------------------------------------------------------------------------------------------
 * Math, per sequence (batch row, or one cu_seqlens segment), head h and direction. A direction is a
 * causal scan over scan positions p = 0..n-1 mapped to physical times t = t0 + p (forward) or
 * t = t0 + n-1-p (reversed half of the bidirectional mode); every kernel works in scan order and
 * maps to t only where it touches the user's tensors. Chunk c covers scan positions [cQ, cQ + nc).
 *
 *   G_i   = sum_{l<=i} gk_l            inclusive cumsum restarting in every chunk (fp32; padded
 *                                      positions repeat the chunk total, so G_{Q-1} = G_last)
 *   H_c   = state entering chunk c (H_0 = initial state), H_{c+1} = exp(G_last) H_c + Sloc_c,
 *   Sloc_c[k,v] = sum_j exp(G_last - G_j)[k] k_j[k] v_j[v]
 *   o_i   = scale ( (q_i . exp(G_i))^T H_c + sum_{j<=i} A_ij v_j ),
 *   A_ij  = sum_k q_i[k] k_j[k] exp(G_i - G_j)[k]
 *
 * Stability: gk <= 0, so G is non-increasing and every exponent below is <= 0: no exp can overflow
 * and an underflow only drops a term that is negligible anyway. A_ij is computed per sub-chunk of
 * GLA_BS rows I = [n0, n0 + 16): for j < n0 it factors through the anchor n0,
 *   exp(G_i - G_j) = exp(G_i - G_n0) * exp(G_n0 - G_j)     (both factors <= 1),
 * so the two factors are computed once per (row, channel) and (column, channel); the diagonal
 * sub-block (n0 <= j <= i) is elementwise exp(G_i - G_j) in fp32. exp(G_i - G_j) is never split as
 * exp(G_i) * exp(-G_j) over a whole chunk.
 *
 * Backward (do = dout, dH_{c+1} = adjoint of the state after chunk c, dH after the last chunk =
 * dfinal or 0; dH_c = exp(G_last) dH_{c+1} + dSloc_c, dSloc_c = scale sum_i (q_i . exp(G_i)) do_i^T,
 * dinitial = dH_0; DV_ij = do_i . v_j):
 *   dq_i = scale ( exp(G_i) . (H_c do_i) + sum_{j<=i} DV_ij exp(G_i - G_j) . k_j )
 *   dk_j = exp(G_last - G_j) . (dH_{c+1} v_j) + scale sum_{i>=j} DV_ij exp(G_i - G_j) . q_i
 *   dv_j = (k_j . exp(G_last - G_j))^T dH_{c+1} + scale sum_{i>=j} A_ij do_i
 *   dgk_i = sum_{l>=i in chunk} (q_l . dq_l - k_l . dk_l) + rowsum(dH_{c+1} . H_{c+1})
 * The last line is the derivative w.r.t. the chunk cumsum G_l (query role + key role + the chunk's
 * outgoing state), pushed back through the cumsum. dq and dk use the same anchored sub-chunks (rows
 * of block I anchored at its first row for dq, columns of block J at its last row for dk).
 *
 * Bidirectional: the two directions run one after the other; the first writes fp32 accumulators in
 * the workspace, the second adds its part and writes the user's tensor (every element has one
 * owner work-item in each pass: no atomics, bitwise reproducible).
 * ---------------------------------------------------------------------------------------------
 */

#ifndef SSMIX_KERNEL_DIALECT_H
#include "dialect.h"
#endif

#define GLA_QMAX 64 /* largest chunk (common/op_gla.c GLA_MAX_CHUNK) */
#define GLA_BS 16   /* sub-chunk rows */
#define GLA_KT 32   /* K tile */
#define GLA_VT 32   /* V tile */
#define GLA_P (GLA_KT + 1) /* padded pitch */

/* Strided 4-d view arguments: base pointer, element offset, strides in the canonical order. */
#define GLA_V4(T, n) GLOBAL T *n, i64 n##_off, i64 n##_s0, i64 n##_s1, i64 n##_s2, i64 n##_s3
#define GLA_AT(n, a, b, c, d) (n##_off + (a) * n##_s0 + (b) * n##_s1 + (c) * n##_s2 + (d) * n##_s3)

/* One chunk slot of the table built by gla_table. */
typedef struct gla_ck {
    i64 seq, bi, t0, len, first, ci, nch, p0, n;
} gla_ck;

/* Table layout (i32): seq s at tab_off + 4 s: {batch row, t0, len, first slot}; slot c at
 * tab_off + 4 nseq + 2 c: {seq (-1: unused), chunk index within the sequence}. */
DEVICE void gla_seq_info(const GLOBAL i32 *tab, i64 tab_off, i64 s, i64 Q, gla_ck *ck)
{
    const GLOBAL i32 *e = tab + tab_off + 4 * s;
    ck->seq = s;
    ck->bi = e[0];
    ck->t0 = e[1];
    ck->len = e[2];
    ck->first = e[3];
    ck->nch = (ck->len + Q - 1) / Q;
}

DEVICE int gla_chunk(const GLOBAL i32 *tab, i64 tab_off, i64 nseq, i64 slot, i64 Q, gla_ck *ck)
{
    const GLOBAL i32 *e = tab + tab_off + 4 * nseq + 2 * slot;
    if (e[0] < 0) return 0;
    gla_seq_info(tab, tab_off, e[0], Q, ck);
    ck->ci = e[1];
    ck->p0 = ck->ci * Q;
    ck->n = IMIN(Q, ck->len - ck->p0);
    return ck->n > 0;
}

/* Physical time of chunk row i. */
DEVICE i64 gla_t(const gla_ck *ck, i64 i, int rev)
{
    i64 p = ck->p0 + i;
    return ck->t0 + (rev ? ck->len - 1 - p : p);
}

/* Store a result: into the fp32 accumulator (first direction of two) or, adding the accumulator
 * when there is one, into the user's view. */
DEVICE void gla_put(GLOBAL io_t *out, i64 oidx, int has_out, GLOBAL float *ws, i64 aidx, int final_pass,
                    int has_acc, float val)
{
    if (!final_pass) {
        ws[aidx] = val;
        return;
    }
    if (has_acc) val += ws[aidx];
    if (has_out) STORE_IO(out, oidx, val);
}

/* ------------------------------------------------------------------------------------------
 * gla_table: one work-item; sequences (batch rows, or cu_seqlens segments clamped into [0, L] so
 * any contents stay in bounds) and their chunk slots.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_table)(const GLOBAL i32 *cu, i64 cu_off, i64 cu_s0, i32 has_cu, i64 nseq, i64 L, i64 Q,
                             i64 nslots, GLOBAL i32 *tab, i64 tab_off)
{
    if (GID(0) != 0 || LID(0) != 0) return;
    i64 slot = 0, lo = 0;
    for (i64 s = 0; s < nseq; s++) {
        i64 bi = has_cu ? 0 : s, t0 = 0, hi = L;
        if (has_cu) {
            t0 = lo;
            hi = (i64)cu[cu_off + (s + 1) * cu_s0];
            hi = hi < t0 ? t0 : (hi > L ? L : hi);
            lo = hi;
        }
        GLOBAL i32 *e = tab + tab_off + 4 * s;
        e[0] = (i32)bi;
        e[1] = (i32)t0;
        e[2] = (i32)(hi - t0);
        e[3] = (i32)slot;
        for (i64 p = t0; p < hi && slot < nslots; p += Q, slot++) {
            GLOBAL i32 *c = tab + tab_off + 4 * nseq + 2 * slot;
            c[0] = (i32)s;
            c[1] = (i32)((p - t0) / Q);
        }
    }
    for (; slot < nslots; slot++) tab[tab_off + 4 * nseq + 2 * slot] = -1;
}

/* ------------------------------------------------------------------------------------------
 * gla_cumsum: one work-item per (slot, h, k): G[slot][h][i][k], i < Q (padding = chunk total).
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_cumsum)(GLA_V4(const io_t, gk), GLOBAL float *ws, i64 o_G, const GLOBAL i32 *tab, i64 tab_off,
                              i64 nseq, i64 H, i64 K, i64 Q, i32 rev)
{
    i64 nkb = (K + LSIZE(0) - 1) / LSIZE(0);
    i64 gid = GID(0);
    i64 kb = gid % nkb;
    gid /= nkb;
    i64 h = gid % H, slot = gid / H;
    i64 k = kb * LSIZE(0) + LID(0);
    gla_ck ck;
    if (k >= K || !gla_chunk(tab, tab_off, nseq, slot, Q, &ck)) return;
    i64 gb = o_G + (slot * H + h) * Q * K + k;
    float acc = 0.0f;
    for (i64 i = 0; i < Q; i++) {
        if (i < ck.n) acc += LOAD_IO(gk, GLA_AT(gk, ck.bi, gla_t(&ck, i, rev), h, k));
        ws[gb + i * K] = acc;
    }
}

/* ------------------------------------------------------------------------------------------
 * gla_chunk_state: per (slot, h, K tile, V tile), out[slot][h][k][v] = sum_i c_i[k] a_i[k] b_i[v]
 *   mode 0 (chunk state):  a = k, b = v,    c_i = exp(G_last - G_i)
 *   mode 1 (its adjoint):  a = q, b = dout, c_i = scale exp(G_i)
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_chunk_state)(GLA_V4(const io_t, a), GLA_V4(const io_t, bb), GLOBAL float *ws, i64 o_G, i64 o_out,
                                   const GLOBAL i32 *tab, i64 tab_off, i64 nseq, i64 H, i64 K, i64 V, i64 Q, i32 rev,
                                   i32 mode, float scale)
{
    SHARED float As[GLA_QMAX * GLA_P];
    SHARED float Bs[GLA_QMAX * GLA_P];
    i64 nkt = (K + GLA_KT - 1) / GLA_KT, nvt = (V + GLA_VT - 1) / GLA_VT;
    i64 gid = GID(0);
    i64 vt = gid % nvt;
    gid /= nvt;
    i64 kt = gid % nkt;
    gid /= nkt;
    i64 h = gid % H, slot = gid / H;
    gla_ck ck;
    if (!gla_chunk(tab, tab_off, nseq, slot, Q, &ck)) return;
    i64 k0 = kt * GLA_KT, v0 = vt * GLA_VT;
    int kw = (int)IMIN(GLA_KT, K - k0), vw = (int)IMIN(GLA_VT, V - v0);
    i64 gb = o_G + (slot * H + h) * Q * K;
    for (int e = LID(0); e < GLA_QMAX * GLA_KT; e += LSIZE(0)) {
        int i = e / GLA_KT, kk = e % GLA_KT;
        float x = 0.0f, y = 0.0f;
        if (i < ck.n && kk < kw) {
            i64 t = gla_t(&ck, i, rev);
            float g = ws[gb + i * K + k0 + kk];
            float c = mode == 0 ? EXPF(ws[gb + (Q - 1) * K + k0 + kk] - g) : scale * EXPF(g);
            x = c * LOAD_IO(a, GLA_AT(a, ck.bi, t, h, k0 + kk));
        }
        if (i < ck.n && kk < vw) y = LOAD_IO(bb, GLA_AT(bb, ck.bi, gla_t(&ck, i, rev), h, v0 + kk));
        As[i * GLA_P + kk] = x;
        Bs[i * GLA_P + kk] = y;
    }
    BARRIER();
    for (int e = LID(0); e < GLA_KT * GLA_VT; e += LSIZE(0)) {
        int kk = e / GLA_VT, vv = e % GLA_VT;
        if (kk >= kw || vv >= vw) continue;
        float s = 0.0f;
        for (int i = 0; i < (int)ck.n; i++) s += As[i * GLA_P + kk] * Bs[i * GLA_P + vv];
        ws[o_out + ((slot * H + h) * K + k0 + kk) * V + v0 + vv] = s;
    }
}

/* ------------------------------------------------------------------------------------------
 * gla_state_pass: one work-item per (sequence, h, k, v); walks the sequence's chunks (ascending,
 * or descending for the adjoint), replacing each chunk's local state by the carry entering it:
 *   carry_0 = sin (initial state / dfinal) or 0;  ws[S] <- carry;  carry = exp(G_last) carry + local
 * and writes the last carry to sout (final state / dinitial) and to ws[o_fin] when o_fin >= 0.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_state_pass)(GLOBAL float *ws, i64 o_S, i64 o_G, i64 o_fin, GLA_V4(const float, sinp), i32 has_in,
                                  GLA_V4(float, soutp), i32 has_out, const GLOBAL i32 *tab, i64 tab_off, i64 nseq,
                                  i64 H, i64 K, i64 V, i64 Q, i32 reverse)
{
    (void)nseq; /* the sequence index comes from the grid */
    i64 KV = K * V, nb = (KV + LSIZE(0) - 1) / LSIZE(0);
    i64 gid = GID(0);
    i64 blk = gid % nb;
    gid /= nb;
    i64 h = gid % H, s = gid / H;
    i64 e = blk * LSIZE(0) + LID(0);
    if (e >= KV) return;
    i64 k = e / V, v = e - (e / V) * V;
    gla_ck ck;
    gla_seq_info(tab, tab_off, s, Q, &ck);
    float carry = has_in ? sinp[GLA_AT(sinp, s, h, k, v)] : 0.0f;
    for (i64 c = 0; c < ck.nch; c++) {
        i64 slot = ck.first + (reverse ? ck.nch - 1 - c : c);
        i64 idx = o_S + (slot * H + h) * KV + e;
        float loc = ws[idx];
        ws[idx] = carry;
        carry = EXPF(ws[o_G + ((slot * H + h) * Q + Q - 1) * K + k]) * carry + loc;
    }
    if (has_out) soutp[GLA_AT(soutp, s, h, k, v)] = carry;
    if (o_fin >= 0) ws[o_fin + (s * H + h) * KV + e] = carry;
}

/* ------------------------------------------------------------------------------------------
 * gla_attn: per (slot, h, sub-chunk I of GLA_BS rows), the lower triangle (j <= i) of
 *   decay = 1:  A_ij  = sum_k a_i[k] b_j[k] exp(G_i - G_j)[k]   (a = q, b = k, width K)
 *   decay = 0:  DV_ij = sum_v a_i[v] b_j[v]                     (a = dout, b = v, width V)
 * into ws[o_A + (slot H + h) Q Q + i Q + j] (0 above the diagonal). Anchored at the block's first
 * row n0 for j < n0; elementwise on the diagonal block.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_attn)(GLA_V4(const io_t, a), GLA_V4(const io_t, bb), GLOBAL float *ws, i64 o_G, i64 o_A,
                            const GLOBAL i32 *tab, i64 tab_off, i64 nseq, i64 H, i64 W, i64 Q, i32 rev, i32 decay)
{
    SHARED float qa[GLA_BS * GLA_P];  /* a_i exp(G_i - G_n0) */
    SHARED float qr[GLA_BS * GLA_P];  /* a_i */
    SHARED float gi[GLA_BS * GLA_P];  /* G_i of the block rows */
    SHARED float kb[GLA_QMAX * GLA_P]; /* b_j exp(G_n0 - G_j) for j < n0, b_j on the diagonal block */
    SHARED float acc[GLA_BS * GLA_QMAX];
    i64 nblk = (Q + GLA_BS - 1) / GLA_BS;
    i64 gid = GID(0);
    i64 ib = gid % nblk;
    gid /= nblk;
    i64 h = gid % H, slot = gid / H;
    gla_ck ck;
    if (!gla_chunk(tab, tab_off, nseq, slot, Q, &ck)) return;
    int n = (int)ck.n, n0 = (int)ib * GLA_BS;
    if (n0 >= n) return;
    int rows = IMIN(GLA_BS, n - n0), cols = n0 + rows;
    i64 gb = o_G + (slot * H + h) * Q * W; /* only read when decay (then W == K) */
    for (int e = LID(0); e < GLA_BS * GLA_QMAX; e += LSIZE(0)) acc[e] = 0.0f;
    for (i64 w0 = 0; w0 < W; w0 += GLA_KT) {
        int kw = (int)IMIN(GLA_KT, W - w0);
        BARRIER();
        for (int e = LID(0); e < GLA_BS * GLA_KT; e += LSIZE(0)) {
            int r = e / GLA_KT, kk = e % GLA_KT;
            float x = 0.0f, g = 0.0f, gn = 0.0f;
            if (r < rows && kk < kw) {
                x = LOAD_IO(a, GLA_AT(a, ck.bi, gla_t(&ck, n0 + r, rev), h, w0 + kk));
                if (decay) {
                    g = ws[gb + (n0 + r) * W + w0 + kk];
                    gn = ws[gb + n0 * W + w0 + kk];
                }
            }
            qr[r * GLA_P + kk] = x;
            qa[r * GLA_P + kk] = decay ? x * EXPF(g - gn) : x;
            gi[r * GLA_P + kk] = g;
        }
        for (int e = LID(0); e < GLA_QMAX * GLA_KT; e += LSIZE(0)) {
            int j = e / GLA_KT, kk = e % GLA_KT;
            float y = 0.0f;
            if (j < cols && kk < kw) {
                y = LOAD_IO(bb, GLA_AT(bb, ck.bi, gla_t(&ck, j, rev), h, w0 + kk));
                if (decay && j < n0) y *= EXPF(ws[gb + n0 * W + w0 + kk] - ws[gb + j * W + w0 + kk]);
            }
            kb[j * GLA_P + kk] = y;
        }
        BARRIER();
        for (int e = LID(0); e < GLA_BS * GLA_QMAX; e += LSIZE(0)) {
            int r = e / GLA_QMAX, j = e % GLA_QMAX;
            if (r >= rows || j > n0 + r) continue;
            float s = 0.0f;
            if (j < n0) {
                for (int kk = 0; kk < kw; kk++) s += qa[r * GLA_P + kk] * kb[j * GLA_P + kk];
            } else if (decay) {
                int rj = j - n0;
                for (int kk = 0; kk < kw; kk++)
                    s += qr[r * GLA_P + kk] * kb[j * GLA_P + kk] * EXPF(gi[r * GLA_P + kk] - gi[rj * GLA_P + kk]);
            } else {
                for (int kk = 0; kk < kw; kk++) s += qr[r * GLA_P + kk] * kb[j * GLA_P + kk];
            }
            acc[e] += s;
        }
    }
    i64 ab = o_A + (slot * H + h) * Q * Q;
    for (int e = LID(0); e < GLA_BS * GLA_QMAX; e += LSIZE(0)) {
        int r = e / GLA_QMAX, j = e % GLA_QMAX;
        if (r < rows && j < Q) ws[ab + (i64)(n0 + r) * Q + j] = j <= n0 + r ? acc[e] : 0.0f;
    }
}

/* ------------------------------------------------------------------------------------------
 * gla_output: per (slot, h, V tile), o_i = scale ((q_i . exp(G_i))^T H_c + sum_{j<=i} A_ij v_j).
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_output)(GLA_V4(const io_t, q), GLA_V4(const io_t, v), GLA_V4(io_t, out), GLOBAL float *ws,
                              i64 o_G, i64 o_A, i64 o_S, i64 o_acc, const GLOBAL i32 *tab, i64 tab_off, i64 nseq,
                              i64 H, i64 K, i64 V, i64 Q, i64 L, i32 rev, float scale, i32 final_pass, i32 has_acc)
{
    SHARED float vs[GLA_QMAX * GLA_P];
    SHARED float qe[GLA_QMAX * GLA_P];
    SHARED float hs[GLA_KT * GLA_P];
    SHARED float acc[GLA_QMAX * GLA_VT];
    i64 nvt = (V + GLA_VT - 1) / GLA_VT;
    i64 gid = GID(0);
    i64 vt = gid % nvt;
    gid /= nvt;
    i64 h = gid % H, slot = gid / H;
    gla_ck ck;
    if (!gla_chunk(tab, tab_off, nseq, slot, Q, &ck)) return;
    int n = (int)ck.n;
    i64 v0 = vt * GLA_VT;
    int vw = (int)IMIN(GLA_VT, V - v0);
    i64 gb = o_G + (slot * H + h) * Q * K, ab = o_A + (slot * H + h) * Q * Q, sb = o_S + (slot * H + h) * K * V;
    for (int e = LID(0); e < GLA_QMAX * GLA_VT; e += LSIZE(0)) {
        int i = e / GLA_VT, vv = e % GLA_VT;
        vs[i * GLA_P + vv] = i < n && vv < vw ? LOAD_IO(v, GLA_AT(v, ck.bi, gla_t(&ck, i, rev), h, v0 + vv)) : 0.0f;
    }
    BARRIER();
    for (int e = LID(0); e < GLA_QMAX * GLA_VT; e += LSIZE(0)) {
        int i = e / GLA_VT, vv = e % GLA_VT;
        float s = 0.0f;
        if (i < n && vv < vw)
            for (int j = 0; j <= i; j++) s += ws[ab + (i64)i * Q + j] * vs[j * GLA_P + vv];
        acc[e] = s;
    }
    for (i64 k0 = 0; k0 < K; k0 += GLA_KT) {
        int kw = (int)IMIN(GLA_KT, K - k0);
        BARRIER();
        for (int e = LID(0); e < GLA_QMAX * GLA_KT; e += LSIZE(0)) {
            int i = e / GLA_KT, kk = e % GLA_KT;
            float x = 0.0f;
            if (i < n && kk < kw)
                x = LOAD_IO(q, GLA_AT(q, ck.bi, gla_t(&ck, i, rev), h, k0 + kk)) * EXPF(ws[gb + (i64)i * K + k0 + kk]);
            qe[i * GLA_P + kk] = x;
        }
        for (int e = LID(0); e < GLA_KT * GLA_VT; e += LSIZE(0)) {
            int kk = e / GLA_VT, vv = e % GLA_VT;
            hs[kk * GLA_P + vv] = kk < kw && vv < vw ? ws[sb + (k0 + kk) * V + v0 + vv] : 0.0f;
        }
        BARRIER();
        for (int e = LID(0); e < GLA_QMAX * GLA_VT; e += LSIZE(0)) {
            int i = e / GLA_VT, vv = e % GLA_VT;
            if (i >= n || vv >= vw) continue;
            float s = 0.0f;
            for (int kk = 0; kk < kw; kk++) s += qe[i * GLA_P + kk] * hs[kk * GLA_P + vv];
            acc[e] += s;
        }
    }
    for (int e = LID(0); e < GLA_QMAX * GLA_VT; e += LSIZE(0)) {
        int i = e / GLA_VT, vv = e % GLA_VT;
        if (i >= n || vv >= vw) continue;
        i64 t = gla_t(&ck, i, rev);
        gla_put(out, GLA_AT(out, ck.bi, t, h, v0 + vv), 1, ws, o_acc + ((ck.bi * L + t) * H + h) * V + v0 + vv,
                final_pass, has_acc, scale * acc[e]);
    }
}

/* ------------------------------------------------------------------------------------------
 * gla_bwd_dqk: per (slot, h, sub-chunk I, K tile): dq_i for the rows of I and dk_j for the
 * columns j of I (fp32, complete, into ws[o_dq] / ws[o_dk] as [slot][h][i][k]). DV is the lower
 * triangle of dout v^T from gla_attn (decay = 0); S holds H_c, dS holds dH_{c+1}.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_bwd_dqk)(GLA_V4(const io_t, q), GLA_V4(const io_t, k), GLA_V4(const io_t, v),
                               GLA_V4(const io_t, dout), GLOBAL float *ws, i64 o_G, i64 o_S, i64 o_dS, i64 o_DV,
                               i64 o_dq, i64 o_dk, const GLOBAL i32 *tab, i64 tab_off, i64 nseq, i64 H, i64 K, i64 V,
                               i64 Q, i32 rev, float scale)
{
    SHARED float gs[GLA_QMAX * GLA_P]; /* G */
    SHARED float kt[GLA_QMAX * GLA_P]; /* k_j exp(G_n0 - G_j) for j < n0, k_j otherwise */
    SHARED float qt[GLA_QMAX * GLA_P]; /* q_i exp(G_i - G_e) for i > e, q_i otherwise */
    i64 nblk = (Q + GLA_BS - 1) / GLA_BS, nkt = (K + GLA_KT - 1) / GLA_KT;
    i64 gid = GID(0);
    i64 ktile = gid % nkt;
    gid /= nkt;
    i64 ib = gid % nblk;
    gid /= nblk;
    i64 h = gid % H, slot = gid / H;
    gla_ck ck;
    if (!gla_chunk(tab, tab_off, nseq, slot, Q, &ck)) return;
    int n = (int)ck.n, n0 = (int)ib * GLA_BS;
    if (n0 >= n) return;
    int rows = IMIN(GLA_BS, n - n0), eb = n0 + rows - 1;
    i64 k0 = ktile * GLA_KT;
    int kw = (int)IMIN(GLA_KT, K - k0);
    i64 gb = o_G + (slot * H + h) * Q * K, db = o_DV + (slot * H + h) * Q * Q;
    i64 sb = o_S + (slot * H + h) * K * V, dsb = o_dS + (slot * H + h) * K * V;
    for (int e = LID(0); e < GLA_QMAX * GLA_KT; e += LSIZE(0)) {
        int j = e / GLA_KT, kk = e % GLA_KT;
        gs[j * GLA_P + kk] = j < n && kk < kw ? ws[gb + (i64)j * K + k0 + kk] : 0.0f;
    }
    BARRIER();
    for (int e = LID(0); e < GLA_QMAX * GLA_KT; e += LSIZE(0)) {
        int j = e / GLA_KT, kk = e % GLA_KT;
        float kv = 0.0f, qv = 0.0f;
        if (j < n && kk < kw) {
            i64 t = gla_t(&ck, j, rev);
            kv = LOAD_IO(k, GLA_AT(k, ck.bi, t, h, k0 + kk));
            qv = LOAD_IO(q, GLA_AT(q, ck.bi, t, h, k0 + kk));
            if (j < n0) kv *= EXPF(gs[n0 * GLA_P + kk] - gs[j * GLA_P + kk]);
            if (j > eb) qv *= EXPF(gs[j * GLA_P + kk] - gs[eb * GLA_P + kk]);
        }
        kt[j * GLA_P + kk] = kv;
        qt[j * GLA_P + kk] = qv;
    }
    BARRIER();
    for (int e = LID(0); e < 2 * GLA_BS * GLA_KT; e += LSIZE(0)) {
        int which = e / (GLA_BS * GLA_KT), r = (e % (GLA_BS * GLA_KT)) / GLA_KT, kk = e % GLA_KT;
        if (r >= rows || kk >= kw) continue;
        int i = n0 + r;
        i64 kidx = k0 + kk, t = gla_t(&ck, i, rev);
        float gi_ = gs[i * GLA_P + kk];
        if (which == 0) { /* dq_i */
            float inter = 0.0f;
            for (i64 c = 0; c < V; c++) inter += ws[sb + kidx * V + c] * LOAD_IO(dout, GLA_AT(dout, ck.bi, t, h, c));
            float off = 0.0f, dg = 0.0f;
            for (int j = 0; j < n0; j++) off += ws[db + (i64)i * Q + j] * kt[j * GLA_P + kk];
            for (int j = n0; j <= i; j++)
                dg += ws[db + (i64)i * Q + j] * kt[j * GLA_P + kk] * EXPF(gi_ - gs[j * GLA_P + kk]);
            float dq = scale * (EXPF(gi_) * inter + EXPF(gi_ - gs[n0 * GLA_P + kk]) * off + dg);
            ws[o_dq + ((slot * H + h) * Q + i) * K + kidx] = dq;
        } else { /* dk_j, j = i */
            float inter = 0.0f;
            for (i64 c = 0; c < V; c++) inter += ws[dsb + kidx * V + c] * LOAD_IO(v, GLA_AT(v, ck.bi, t, h, c));
            float off = 0.0f, dg = 0.0f;
            for (int l = eb + 1; l < n; l++) off += ws[db + (i64)l * Q + i] * qt[l * GLA_P + kk];
            for (int l = i; l <= eb; l++)
                dg += ws[db + (i64)l * Q + i] * qt[l * GLA_P + kk] * EXPF(gs[l * GLA_P + kk] - gi_);
            float dk = EXPF(gs[(n - 1) * GLA_P + kk] - gi_) * inter +
                       scale * (EXPF(gs[eb * GLA_P + kk] - gi_) * off + dg);
            ws[o_dk + ((slot * H + h) * Q + i) * K + kidx] = dk;
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * gla_bwd_dgk: one work-item per (slot, h, k): dgk by the reverse cumsum over the chunk of
 * q.dq - k.dk plus the outgoing-state term rowsum(dH_{c+1} . H_{c+1}); stores dq, dk, dgk.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_bwd_dgk)(GLA_V4(const io_t, q), GLA_V4(const io_t, k), GLA_V4(io_t, dq), i32 has_dq,
                               GLA_V4(io_t, dk), i32 has_dk, GLA_V4(io_t, dgk), i32 has_dgk, GLOBAL float *ws,
                               i64 o_S, i64 o_fin, i64 o_dS, i64 o_dq, i64 o_dk, i64 o_aq, i64 o_ak, i64 o_ag,
                               const GLOBAL i32 *tab, i64 tab_off, i64 nseq, i64 H, i64 K, i64 V, i64 Q, i64 L,
                               i32 rev, i32 final_pass, i32 has_acc)
{
    i64 nkb = (K + LSIZE(0) - 1) / LSIZE(0);
    i64 gid = GID(0);
    i64 kb = gid % nkb;
    gid /= nkb;
    i64 h = gid % H, slot = gid / H;
    i64 kc = kb * LSIZE(0) + LID(0);
    gla_ck ck;
    if (kc >= K || !gla_chunk(tab, tab_off, nseq, slot, Q, &ck)) return;
    i64 KV = K * V;
    i64 nb = ck.ci + 1 < ck.nch ? o_S + ((slot + 1) * H + h) * KV : o_fin + (ck.seq * H + h) * KV; /* H_{c+1} */
    i64 db = o_dS + (slot * H + h) * KV;
    float acc = 0.0f;
    for (i64 c = 0; c < V; c++) acc += ws[db + kc * V + c] * ws[nb + kc * V + c];
    for (i64 i = ck.n - 1; i >= 0; i--) {
        i64 t = gla_t(&ck, i, rev), wi = ((slot * H + h) * Q + i) * K + kc, ai = ((ck.bi * L + t) * H + h) * K + kc;
        float dqv = ws[o_dq + wi], dkv = ws[o_dk + wi];
        acc += LOAD_IO(q, GLA_AT(q, ck.bi, t, h, kc)) * dqv - LOAD_IO(k, GLA_AT(k, ck.bi, t, h, kc)) * dkv;
        gla_put(dq, GLA_AT(dq, ck.bi, t, h, kc), has_dq, ws, o_aq + ai, final_pass, has_acc, dqv);
        gla_put(dk, GLA_AT(dk, ck.bi, t, h, kc), has_dk, ws, o_ak + ai, final_pass, has_acc, dkv);
        gla_put(dgk, GLA_AT(dgk, ck.bi, t, h, kc), has_dgk, ws, o_ag + ai, final_pass, has_acc, acc);
    }
}

/* ------------------------------------------------------------------------------------------
 * gla_bwd_dv: per (slot, h, V tile), dv_j = (k_j . exp(G_last - G_j))^T dH_{c+1} + scale sum_{i>=j} A_ij do_i.
 * ------------------------------------------------------------------------------------------ */
KERNEL void KNAME(gla_bwd_dv)(GLA_V4(const io_t, k), GLA_V4(const io_t, dout), GLA_V4(io_t, dv), GLOBAL float *ws,
                              i64 o_G, i64 o_A, i64 o_dS, i64 o_av, const GLOBAL i32 *tab, i64 tab_off, i64 nseq,
                              i64 H, i64 K, i64 V, i64 Q, i64 L, i32 rev, float scale, i32 final_pass, i32 has_acc)
{
    SHARED float ds[GLA_QMAX * GLA_P];
    SHARED float ke[GLA_QMAX * GLA_P];
    SHARED float hs[GLA_KT * GLA_P];
    SHARED float acc[GLA_QMAX * GLA_VT];
    i64 nvt = (V + GLA_VT - 1) / GLA_VT;
    i64 gid = GID(0);
    i64 vt = gid % nvt;
    gid /= nvt;
    i64 h = gid % H, slot = gid / H;
    gla_ck ck;
    if (!gla_chunk(tab, tab_off, nseq, slot, Q, &ck)) return;
    int n = (int)ck.n;
    i64 v0 = vt * GLA_VT;
    int vw = (int)IMIN(GLA_VT, V - v0);
    i64 gb = o_G + (slot * H + h) * Q * K, ab = o_A + (slot * H + h) * Q * Q, sb = o_dS + (slot * H + h) * K * V;
    for (int e = LID(0); e < GLA_QMAX * GLA_VT; e += LSIZE(0)) {
        int i = e / GLA_VT, vv = e % GLA_VT;
        ds[i * GLA_P + vv] = i < n && vv < vw ? LOAD_IO(dout, GLA_AT(dout, ck.bi, gla_t(&ck, i, rev), h, v0 + vv)) : 0.0f;
    }
    BARRIER();
    for (int e = LID(0); e < GLA_QMAX * GLA_VT; e += LSIZE(0)) {
        int j = e / GLA_VT, vv = e % GLA_VT;
        float s = 0.0f;
        if (j < n && vv < vw)
            for (int i = j; i < n; i++) s += ws[ab + (i64)i * Q + j] * ds[i * GLA_P + vv];
        acc[e] = scale * s;
    }
    for (i64 k0 = 0; k0 < K; k0 += GLA_KT) {
        int kw = (int)IMIN(GLA_KT, K - k0);
        BARRIER();
        for (int e = LID(0); e < GLA_QMAX * GLA_KT; e += LSIZE(0)) {
            int j = e / GLA_KT, kk = e % GLA_KT;
            float x = 0.0f;
            if (j < n && kk < kw)
                x = LOAD_IO(k, GLA_AT(k, ck.bi, gla_t(&ck, j, rev), h, k0 + kk)) *
                    EXPF(ws[gb + (Q - 1) * K + k0 + kk] - ws[gb + (i64)j * K + k0 + kk]);
            ke[j * GLA_P + kk] = x;
        }
        for (int e = LID(0); e < GLA_KT * GLA_VT; e += LSIZE(0)) {
            int kk = e / GLA_VT, vv = e % GLA_VT;
            hs[kk * GLA_P + vv] = kk < kw && vv < vw ? ws[sb + (k0 + kk) * V + v0 + vv] : 0.0f;
        }
        BARRIER();
        for (int e = LID(0); e < GLA_QMAX * GLA_VT; e += LSIZE(0)) {
            int j = e / GLA_VT, vv = e % GLA_VT;
            if (j >= n || vv >= vw) continue;
            float s = 0.0f;
            for (int kk = 0; kk < kw; kk++) s += ke[j * GLA_P + kk] * hs[kk * GLA_P + vv];
            acc[e] += s;
        }
    }
    for (int e = LID(0); e < GLA_QMAX * GLA_VT; e += LSIZE(0)) {
        int j = e / GLA_VT, vv = e % GLA_VT;
        if (j >= n || vv >= vw) continue;
        i64 t = gla_t(&ck, j, rev);
        gla_put(dv, GLA_AT(dv, ck.bi, t, h, v0 + vv), 1, ws, o_av + ((ck.bi * L + t) * H + h) * V + v0 + vv, final_pass,
                has_acc, acc[e]);
    }
}
