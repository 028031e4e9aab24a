/*
 * Short depthwise convolutions (OPS.md section 5) and the causal conv state update (section 6),
 * written in the dialect of dialect.h. Host side: backends/gpu/conv_pipeline.c. Definitions (the
 * oracle, backends/cpu/ref_conv.c):
 *   xe(s)      = x[s] (0 <= s < L); init[W-1+s] (s < 0, causal with an initial state); 0 otherwise
 *   valid(t,s) = no seq_idx, or seq(t) >= 0 and seq(s) == seq(t); seq(s < 0) = 0 if seq(0) == 0 else -2
 *   pre[t]     = bias + sum_w weight[w] (valid(t, t-left+w) ? xe(t-left+w) : 0);  out = act(pre), 0 if seq(t) < 0
 * Tensors are (pointer, element offset, element strides) in the canonical order of
 * common/problem_conv.h: x/out/dout/dx [b][t][c], weight [c][w], states [b][c][k]; any non-negative
 * strides. `ws` is the fp32 workspace: g = d(loss)/d(pre) as [b][t][c] at off_g, and the dweight/dbias
 * partial sums [b][chunk][c][W+1] at off_part. Every sum runs in a fixed order (no atomics).
 */
#ifndef SSMIX_KERNEL_DIALECT_H
#include "dialect.h"
#endif

/* Floats of the local tile: a (tl + W - 1) x tc window of x (forward) or g (backward dx). */
#define CONV_LDS 4096

#define CV1(T, n) GLOBAL T *n, i64 n##_off, i64 n##_s0
#define CV2(T, n) CV1(T, n), i64 n##_s1
#define CV3(T, n) CV2(T, n), i64 n##_s2
#define CAT2(n, i, j) (n##_off + (i) * n##_s0 + (j) * n##_s1)
#define CAT3(n, i, j, k) (CAT2(n, i, j) + (k) * n##_s2)

/* seq id of position s (s < L) of row b; see the header comment for s < 0. */
DEVICE i32 conv_seq(const GLOBAL i32 *seq, i64 seq_off, i64 seq_s0, i64 seq_s1, i64 b, i64 s)
{
    if (s < 0) return seq[seq_off + b * seq_s0] == 0 ? 0 : -2;
    return seq[seq_off + b * seq_s0 + s * seq_s1];
}
#define CSEQ(bb, ss) conv_seq(seq, seq_off, seq_s0, seq_s1, (bb), (ss))

/* valid(t, s) for 0 <= t < L, s < L; st = seq(t) (ignored without seq_idx). */
#define CVALID(bb, st, ss) (!has_seq || ((st) >= 0 && CSEQ(bb, ss) == (st)))

/* xe(s) for any s < L + W (has_init is 0 for a centered convolution). */
DEVICE float conv_xe(const GLOBAL io_t *x, i64 x_off, i64 x_s0, i64 x_s1, i64 x_s2, const GLOBAL float *init,
                     i64 init_off, i64 init_s0, i64 init_s1, i64 init_s2, int has_init, i64 b, i64 s, i64 c, i64 L,
                     i64 W)
{
    if (s >= 0 && s < L) return LOAD_IO(x, x_off + b * x_s0 + s * x_s1 + c * x_s2);
    if (s < 0 && has_init) return init[init_off + b * init_s0 + c * init_s1 + (W - 1 + s) * init_s2];
    return 0.0f;
}
#define CXE(bb, ss, cc)                                                                                            \
    conv_xe(x, x_off, x_s0, x_s1, x_s2, init, init_off, init_s0, init_s1, init_s2, has_init, (bb), (ss), (cc), L, W)

/* Tile element e -> (tt, cc): channels fastest when channels are the unit-stride dimension. */
DEVICE void conv_tile_pos(int e, int rows, int cols, int c_fast, int *tt, int *cc)
{
    if (c_fast) {
        *tt = e / cols;
        *cc = e - (e / cols) * cols;
    } else {
        *cc = e / rows;
        *tt = e - (e / rows) * rows;
    }
}

/* ======================================================================== forward
 *
 * conv_fwd: one work-group per (b, t tile of tl, c tile of tc). The x window [t0-left, t0+tl-1+right]
 * is staged in local memory (use_lds; without it, for very wide kernels, taps read global memory).
 * mode 0 writes out; mode 1 (backward) writes g = dout * act'(pre) (0 for padding tokens) to ws. */
KERNEL void KNAME(conv_fwd)(CV3(const io_t, x), CV2(const float, wt), CV1(const float, bias), i32 has_bias,
                            CV2(const i32, seq), i32 has_seq, CV3(const float, init), i32 has_init, CV3(io_t, out),
                            CV3(const io_t, dout), GLOBAL float *ws, i64 off_g, i32 mode, i64 batch, i64 L, i64 C,
                            i64 W, i64 left, i32 silu, i32 tl, i32 tc, i32 c_fast, i32 use_lds)
{
    SHARED float xs[CONV_LDS];
    i64 ntl = (L + tl - 1) / tl, ntc = (C + tc - 1) / tc;
    i64 g = GID(0);
    i64 jc = g % ntc, jt = (g / ntc) % ntl, b = g / (ntc * ntl);
    if (b >= batch) return; /* uniform for the whole group */
    i64 t0 = jt * tl, c0 = jc * tc;
    int tw = tl + (int)W - 1;
    int nload = use_lds ? tw * tc : 0;
    for (int e = LID(0); e < nload; e += LSIZE(0)) {
        int tt, cc;
        conv_tile_pos(e, tw, tc, c_fast, &tt, &cc);
        i64 s = t0 - left + tt, c = c0 + cc;
        xs[tt * tc + cc] = c < C ? CXE(b, s, c) : 0.0f;
    }
    BARRIER();
    for (int e = LID(0); e < tl * tc; e += LSIZE(0)) {
        int tt, cc;
        conv_tile_pos(e, tl, tc, c_fast, &tt, &cc);
        i64 t = t0 + tt, c = c0 + cc;
        if (t >= L || c >= C) continue;
        i32 st = has_seq ? CSEQ(b, t) : 0;
        int pad = has_seq && st < 0;
        float pre = has_bias ? bias[bias_off + c * bias_s0] : 0.0f;
        for (i64 w = 0; w < W; ++w) {
            i64 s = t - left + w;
            if (s >= L || !CVALID(b, st, s)) continue;
            float xv = use_lds ? xs[(tt + (int)w) * tc + cc] : CXE(b, s, c);
            pre += wt[CAT2(wt, c, w)] * xv;
        }
        if (mode == 0) {
            float v = pad ? 0.0f : (silu ? ssmix_silu(pre) : pre);
            STORE_IO(out, CAT3(out, b, t, c), v);
        } else {
            float d = pad ? 0.0f : LOAD_IO(dout, CAT3(dout, b, t, c));
            if (silu) {
                float sg = ssmix_sigmoid(pre);
                d *= sg * (1.0f + pre * (1.0f - sg));
            }
            ws[off_g + (b * L + t) * C + c] = d;
        }
    }
}

/* conv_final: one work-item per (b, c, k): final[k] = valid(L-1, s) ? xe(s) : 0, s = L-(W-1)+k. */
KERNEL void KNAME(conv_final)(CV3(const io_t, x), CV2(const i32, seq), i32 has_seq, CV3(const float, init), i32 has_init,
                              CV3(float, fin), i64 batch, i64 L, i64 C, i64 W)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    i64 K = W - 1;
    if (gi >= batch * C * K) return;
    i64 k = gi % K, c = (gi / K) % C, b = gi / (K * C);
    i64 s = L - K + k;
    i32 st = has_seq ? CSEQ(b, L - 1) : 0;
    float v = CVALID(b, st, s) ? CXE(b, s, c) : 0.0f;
    fin[CAT3(fin, b, c, k)] = v;
}

/* ======================================================================== backward
 *
 * d(loss)/d(xe(s)) = sum_w weight[w] g[t] over t = s + left - w in [0, L) with valid(t, s), plus
 * dfinal[s - (L-(W-1))] when s >= L-(W-1) and valid(L-1, s) (final_state copies those inputs). */

/* conv_bwd_dx: dx for s in [0, L), tiles as conv_fwd; the g window [s0-right, s0+tl-1+left] is staged
 * in local memory. Taps are summed in w order, then the dfinal term (as the oracle). */
KERNEL void KNAME(conv_bwd_dx)(GLOBAL float *ws, i64 off_g, CV2(const float, wt), CV2(const i32, seq), i32 has_seq,
                               CV3(const float, dfin), i32 has_dfin, CV3(io_t, dx), i64 batch, i64 L, i64 C, i64 W,
                               i64 left, i32 tl, i32 tc, i32 c_fast, i32 use_lds)
{
    SHARED float gs[CONV_LDS];
    i64 ntl = (L + tl - 1) / tl, ntc = (C + tc - 1) / tc;
    i64 grp = GID(0);
    i64 jc = grp % ntc, jt = (grp / ntc) % ntl, b = grp / (ntc * ntl);
    if (b >= batch) return;
    i64 s0 = jt * tl, c0 = jc * tc, right = W - 1 - left;
    int tw = tl + (int)W - 1;
    int nload = use_lds ? tw * tc : 0;
    for (int e = LID(0); e < nload; e += LSIZE(0)) {
        int tt, cc;
        conv_tile_pos(e, tw, tc, c_fast, &tt, &cc);
        i64 t = s0 - right + tt, c = c0 + cc;
        gs[tt * tc + cc] = (c < C && t >= 0 && t < L) ? ws[off_g + (b * L + t) * C + c] : 0.0f;
    }
    BARRIER();
    for (int e = LID(0); e < tl * tc; e += LSIZE(0)) {
        int ds, cc;
        conv_tile_pos(e, tl, tc, c_fast, &ds, &cc);
        i64 s = s0 + ds, c = c0 + cc;
        if (s >= L || c >= C) continue;
        float acc = 0.0f;
        for (i64 w = 0; w < W; ++w) {
            i64 t = s + left - w;
            if (t < 0 || t >= L) continue;
            i32 st = has_seq ? CSEQ(b, t) : 0;
            if (!CVALID(b, st, s)) continue;
            float gv = use_lds ? gs[(ds + (int)(W - 1 - w)) * tc + cc] : ws[off_g + (b * L + t) * C + c];
            acc += wt[CAT2(wt, c, w)] * gv;
        }
        if (has_dfin && s >= L - (W - 1)) {
            i32 sl = has_seq ? CSEQ(b, L - 1) : 0;
            if (CVALID(b, sl, s)) acc += dfin[CAT3(dfin, b, c, s - (L - (W - 1)))];
        }
        STORE_IO(dx, CAT3(dx, b, s, c), acc);
    }
}

/* conv_bwd_dinit: one work-item per (b, c, k): dinit[k] = d(loss)/d(xe(k - (W-1))) (causal only). */
KERNEL void KNAME(conv_bwd_dinit)(GLOBAL float *ws, i64 off_g, CV2(const float, wt), CV2(const i32, seq), i32 has_seq,
                                  CV3(const float, dfin), i32 has_dfin, CV3(float, dinit), i64 batch, i64 L, i64 C,
                                  i64 W)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    i64 K = W - 1;
    if (gi >= batch * C * K) return;
    i64 k = gi % K, c = (gi / K) % C, b = gi / (K * C);
    i64 s = k - K;
    float acc = 0.0f;
    for (i64 w = 0; w < W; ++w) {
        i64 t = s + K - w;
        if (t < 0 || t >= L) continue;
        i32 st = has_seq ? CSEQ(b, t) : 0;
        if (!CVALID(b, st, s)) continue;
        acc += wt[CAT2(wt, c, w)] * ws[off_g + (b * L + t) * C + c];
    }
    if (has_dfin && s >= L - K) {
        i32 sl = has_seq ? CSEQ(b, L - 1) : 0;
        if (CVALID(b, sl, s)) acc += dfin[CAT3(dfin, b, c, s - (L - K))];
    }
    dinit[CAT3(dinit, b, c, k)] = acc;
}

/* conv_bwd_dw_part: one work-item per (b, chunk j of tlw positions, c, w' <= W): the chunk's part of
 * dweight[c,w'] = sum_t g[t] (valid ? xe(t-left+w') : 0), or for w' == W of dbias[c] = sum_t g[t].
 * Stored at ws[off_part + ((b nch + j) C + c)(W+1) + w'] and reduced in order by conv_bwd_dw_reduce. */
KERNEL void KNAME(conv_bwd_dw_part)(GLOBAL float *ws, i64 off_g, i64 off_part, CV3(const io_t, x),
                                    CV2(const i32, seq), i32 has_seq, CV3(const float, init), i32 has_init, i64 batch,
                                    i64 L, i64 C, i64 W, i64 left, i64 tlw, i64 nch)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    i64 W1 = W + 1;
    if (gi >= batch * nch * C * W1) return;
    i64 wp = gi % W1, c = (gi / W1) % C, j = (gi / (W1 * C)) % nch, b = gi / (W1 * C * nch);
    i64 t0 = j * tlw, t1 = IMIN(t0 + tlw, L);
    float acc = 0.0f;
    for (i64 t = t0; t < t1; ++t) {
        float gv = ws[off_g + (b * L + t) * C + c];
        if (wp == W) {
            acc += gv;
            continue;
        }
        i64 s = t - left + wp;
        if (s >= L) continue;
        i32 st = has_seq ? CSEQ(b, t) : 0;
        if (!CVALID(b, st, s)) continue;
        acc += gv * CXE(b, s, c);
    }
    ws[off_part + gi] = acc;
}

/* conv_bwd_dw_reduce: one work-item per (c, w' <= W): sums the partials over (b, chunk) in order. */
KERNEL void KNAME(conv_bwd_dw_reduce)(GLOBAL float *ws, i64 off_part, i64 R, i64 C, i64 W, CV2(float, dw),
                                      i32 has_dw, CV1(float, db), i32 has_db)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    i64 W1 = W + 1;
    if (gi >= C * W1) return;
    i64 wp = gi % W1, c = gi / W1;
    if (wp == W ? !has_db : !has_dw) return;
    float acc = 0.0f;
    for (i64 r = 0; r < R; ++r) acc += ws[off_part + r * C * W1 + gi];
    if (wp == W) db[db_off + c * db_s0] = acc;
    else dw[CAT2(dw, c, wp)] = acc;
}

/* ======================================================================== decode update
 *
 * conv_update: one work-item per (batch row i, channel c); the row's T tokens in order. The state row
 * r = idx[i] (or i); r outside [0, pool) is padding: out 0, state untouched. */
KERNEL void KNAME(conv_update)(CV3(float, st), CV3(const io_t, x), CV2(const float, wt), CV1(const float, bias),
                               i32 has_bias, CV1(const i32, idx), i32 has_idx, CV3(io_t, out), i64 batch, i64 T, i64 C,
                               i64 W, i64 pool, i32 silu)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= batch * C) return;
    i64 c = gi % C, i = gi / C;
    i64 r = has_idx ? (i64)idx[idx_off + i * idx_s0] : i;
    int pad = r < 0 || r >= pool;
    float bv = has_bias ? bias[bias_off + c * bias_s0] : 0.0f;
    for (i64 j = 0; j < T; ++j) {
        if (pad) {
            STORE_IO(out, CAT3(out, i, j, c), 0.0f);
            continue;
        }
        float xv = LOAD_IO(x, CAT3(x, i, j, c));
        float pre = bv;
        for (i64 w = 0; w < W - 1; ++w) pre += wt[CAT2(wt, c, w)] * st[CAT3(st, r, c, w)];
        pre += wt[CAT2(wt, c, W - 1)] * xv;
        STORE_IO(out, CAT3(out, i, j, c), silu ? ssmix_silu(pre) : pre);
        for (i64 k = 0; k + 1 < W - 1; ++k) st[CAT3(st, r, c, k)] = st[CAT3(st, r, c, k + 1)];
        st[CAT3(st, r, c, W - 2)] = xv;
    }
}
