/*
 * SSD (Mamba-2 chunked scan) forward and backward kernels, written in the dialect of dialect.h.
 * The host side (launch order, tile shapes, workspace layout) is backends/gpu/ssd_pipeline.c.
 *
 * Notation (shared/spec/OPS.md section 1): b batch, t time, h head, p head channel, n state index,
 * g = h / (H/G) group, Q chunk size, nc = ceil(L/Q) chunks, qc = valid length of the current chunk
 * (the last chunk may be partial: its missing positions are simply not visited, which is the same as
 * Delta = 0 there). Inside chunk c (positions t = c*Q + i):
 *   dl_i  = Delta_i (dt pipeline),  lam_i = sum_{k<=i} dl_k A_h   (inclusive, restarts every chunk)
 *   H_c   = state entering chunk c (P x N), dH_{c+1} = adjoint of the state leaving chunk c
 *   s_prev = seq id of position c*Q-1 (0 for the virtual position -1), s_last = seq id of the last
 *   position of the chunk. With seq_idx non-decreasing, "no reset between j and i" is seq_j == seq_i.
 * Every exponent below is of a difference lam_i - lam_j with j <= i inside one chunk (or of lam_i
 * itself), so it is <= 0 for Delta >= 0, A <= 0; masked (acausal or cross-sequence) entries are
 * selected away before any exponential is taken, never multiplied by a 0/1 mask.
 *
 * Conventions: tensors are passed as (pointer, element offset, element strides...) in the canonical
 * dimension order of common/ssmix_backend.h; any non-negative strides are accepted. `ws` is the fp32
 * workspace; `off_*` are element offsets of its regions. All index arithmetic is 64-bit; ints are used
 * only inside a tile. Work is split 1-D over work-groups (group id decoded in the kernel), so no grid
 * dimension limit other than dimension 0 applies.
 */
#ifndef SSMIX_KERNEL_DIALECT_H
#include "dialect.h"
#endif

#define SSD_T SSMIX_TILE
#define SSD_R SSMIX_TILE_R

/* View arguments: pointer, offset and 1..4 strides. */
#define V1(T, n) GLOBAL T *n, i64 n##_off, i64 n##_s0
#define V2(T, n) V1(T, n), i64 n##_s1
#define V3(T, n) V2(T, n), i64 n##_s2
#define V4(T, n) V3(T, n), i64 n##_s3
#define AT2(n, i, j) (n##_off + (i) * n##_s0 + (j) * n##_s1)
#define AT3(n, i, j, k) (AT2(n, i, j) + (k) * n##_s2)
#define AT4(n, i, j, k, l) (AT3(n, i, j, k) + (l) * n##_s3)
#define SSD_SIZES i64 batch, i64 L, i64 H, i64 P, i64 N, i64 G, i64 Q, i64 nc

/* seq id of position t of row b; t = -1 (before the sequence) and "no seq_idx" give 0. */
DEVICE i32 ssd_seq(const GLOBAL i32 *seq, i64 off, i64 s0, i64 s1, int has, i64 b, i64 t)
{
    return (has && t >= 0) ? seq[off + b * s0 + t * s1] : 0;
}
#define SEQ(bb, tt) ssd_seq(seq, seq_off, seq_s0, seq_s1, has_seq, (bb), (tt))

/* Varlen (cu_seqlens): one packed row whose seq ids 0..nseq-1 come from ssd_varlen_seq, with one
 * state per sequence. Beyond the seq_idx machinery, a sequence k that starts inside a chunk (seq id
 * differs from s_prev) gets its initial state init[k] through lseq = the chunk cumsum restarted at
 * sequence starts, and a sequence that ends inside a chunk (before its last position) gets its
 * dfinal[k] through exp(lam_e - lam_j), e its last position. The kernels below take these as one
 * extra state view `vs` (init or dfinal) with flag has_vs (0 outside varlen: no extra work). */

/* Relative index (in the chunk) of the last position of the sequence of relative position r,
 * scanning forward to the chunk's last position qc-1. */
DEVICE i64 ssd_seq_end(const GLOBAL i32 *seq, i64 off, i64 s0, i64 s1, int has, i64 b, i64 t0, i64 r, i64 qc)
{
    i32 s = ssd_seq(seq, off, s0, s1, has, b, t0 + r);
    while (r + 1 < qc && ssd_seq(seq, off, s0, s1, has, b, t0 + r + 1) == s) ++r;
    return r;
}
#define SEQ_END(bb, rr) ssd_seq_end(seq, seq_off, seq_s0, seq_s1, has_seq, (bb), t0, (rr), qc)

/* g = dout * silu(z) (the gradient w.r.t. y before the gate); z is not read without a gate. */
DEVICE float ssd_gate(float d, const GLOBAL io_t *z, i64 zi, int has_z)
{
    return has_z ? d * ssmix_silu(LOAD_IO(z, zi)) : d;
}
#define LDG(bb, tt, hh, pp) ssd_gate(LOAD_IO(dout, AT4(dout, bb, tt, hh, pp)), z, AT4(z, bb, tt, hh, pp), has_z)
#define LDV(n, bb, tt, hh, pp) LOAD_IO(n, AT4(n, bb, tt, hh, pp))

DEVICE void ssd_zero_acc(float *acc)
{
    for (int r = 0; r < SSD_R; ++r) acc[r] = 0.0f;
}

/* Pitches (in floats) of local tiles. A matrix unit reads an operand fragment as 8 rows x 4
 * k-columns per warp (CUDA mma.m16n8k8: row g = lane / 4, k = lane % 4): a pitch of 4 (mod 32) puts
 * the fragment of a [row][k] tile in 32 distinct banks, a pitch of 8 (mod 32) that of a [k][col]
 * tile (the plain pitch 32 made 4- and 8-way bank conflicts). */
#define SSD_KN SSMIX_TILE_K  /* N slab of ssd_chunk_scan */
#define SSD_LDK (SSD_KN + 4) /* [row][n] slabs: C, B, state rows */
#define SSD_LDR (SSD_T + 4)  /* [row][k] tiles */
#define SSD_LDC (SSD_T + 8)  /* [k][col] tiles */
#define SSD_LDX2 (2 * SSD_T + 8) /* [k][col] tile of two p-tiles (ssd_chunk_scan) */
#define SSD_BS_SIZE (SSD_LDK > SSD_LDX2 ? SSD_T * SSD_LDK : SSD_T * SSD_LDX2)

/* Smallest s with 2^s >= n (n >= 1). */
DEVICE int ssd_log2_ceil(int n)
{
    int s = 0;
    while ((1 << s) < n) ++s;
    return s;
}

/* Tile loaders: dst[r * ld + k] = element (r, k) = src[base + r * rs + k * ks] of a block of nr rows
 * and nk columns, for r < SSD_T (rows nr.. are zero-filled) and k < nk (columns beyond are left alone:
 * tile products never read them). 2^kshift >= nk columns per row map work-items without a division;
 * consecutive work-items take consecutive columns (coalesced when ks == 1). */
DEVICE void ssd_load_io(LOCAL float *dst, int ld, const GLOBAL io_t *src, i64 base, i64 rs, i64 ks, int nr, int nk,
                        int kshift)
{
    const int kw = 1 << kshift;
    for (int e = LID(0); e < (SSD_T << kshift); e += LSIZE(0)) {
        int r = e >> kshift, k = e & (kw - 1);
        if (k < nk) dst[r * ld + k] = r < nr ? LOAD_IO(src, base + r * rs + k * ks) : 0.0f;
    }
}
DEVICE void ssd_load_f32(LOCAL float *dst, int ld, const GLOBAL float *src, i64 base, i64 rs, i64 ks, int nr, int nk,
                         int kshift)
{
    const int kw = 1 << kshift;
    for (int e = LID(0); e < (SSD_T << kshift); e += LSIZE(0)) {
        int r = e >> kshift, k = e & (kw - 1);
        if (k < nk) dst[r * ld + k] = r < nr ? src[base + r * rs + k * ks] : 0.0f;
    }
}

/* ======================================================================== forward (and recompute)
 *
 * ssd_chunk_cumsum: one work-item per (b, h, c). dl = clamp(softplus?(dt + dt_bias)), lam = its
 * inclusive running sum times A inside the chunk. ws layout [b][h][t] for both. */
KERNEL void KNAME(ssd_chunk_cumsum)(V3(const io_t, dt), V1(const float, A), V1(const float, dtb), i32 has_dtb,
                                    i32 softplus, float dt_min, float dt_max, GLOBAL float *ws, i64 off_dl,
                                    i64 off_lam, i64 batch, i64 L, i64 H, i64 Q, i64 nc)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= batch * H * nc) return;
    i64 c = gi % nc, h = (gi / nc) % H, b = gi / (nc * H);
    float a = A[A_off + h * A_s0];
    float bias = has_dtb ? dtb[dtb_off + h * dtb_s0] : 0.0f;
    i64 t0 = c * Q, t1 = IMIN(t0 + Q, L);
    i64 base = (b * H + h) * L;
    float cum = 0.0f;
    for (i64 t = t0; t < t1; ++t) {
        float v = LOAD_IO(dt, AT3(dt, b, t, h)) + bias;
        float d1 = softplus ? ssmix_softplus(v) : v;
        float d = FMINF(FMAXF(d1, dt_min), dt_max);
        cum += d * a;
        ws[off_dl + base + t] = d;
        ws[off_lam + base + t] = cum;
    }
}

/* ssd_chunk_state: one work-group per (b, c, h, p-tile, n-tile); output tile tp x tn of
 *   mode 0 (chunk state):        Sloc[p,n]  = sum_k [seq_k == s_last] exp(lam_last - lam_k) dl_k u_k[p] v_k[n]
 *                                with u = x, v = B
 *   mode 1 (chunk state adjoint): dHloc[p,n] = sum_k [seq_k == s_prev] exp(lam_k) u_k[p] v_k[n]
 *                                with u = dout * silu(z), v = C
 * written to ws[off_out] in layout [b][c][h][p][n]. The k loop runs over the chunk in slabs of
 * SSD_T positions staged in local memory. */
KERNEL void KNAME(ssd_chunk_state)(V4(const io_t, u), V4(const io_t, z), i32 has_z, V4(const io_t, v),
                                   V2(const i32, seq), i32 has_seq, V4(const float, vs), i32 has_vs, i64 off_lseq,
                                   GLOBAL float *ws, i64 off_dl, i64 off_lam, i64 off_out, SSD_SIZES, i32 mode, i32 tp,
                                   i32 tn, i32 npt, i32 nnt)
{
    SHARED float Us[SSD_T * SSD_LDC];
    SHARED float Vs[SSD_T * SSD_LDC];
    SHARED float wk[SSD_T];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    int nt = (int)(gid % nnt);
    gid /= nnt;
    int pt = (int)(gid % npt);
    gid /= npt;
    i64 h = gid % H;
    gid /= H;
    i64 c = gid % nc, b = gid / nc;
    i64 g = h / (H / G);
    i64 t0 = c * Q, qc = IMIN(Q, L - t0);
    i64 p0 = (i64)pt * tp, n0 = (i64)nt * tn;
    int np = (int)IMIN((i64)tp, P - p0), nn = (int)IMIN((i64)tn, N - n0);
    i64 bh = b * H + h;
    const GLOBAL float *dl = ws + off_dl + bh * L + t0;
    const GLOBAL float *lam = ws + off_lam + bh * L + t0;
    float lam_last = lam[qc - 1];
    i32 s_last = SEQ(b, t0 + qc - 1), s_prev = SEQ(b, t0 - 1);
    float acc[SSD_R];
    ssd_zero_acc(acc);
    for (i64 k0 = 0; k0 < qc; k0 += SSD_T) {
        int kk = (int)IMIN((i64)SSD_T, qc - k0);
        BARRIER();
        for (int k = lid; k < kk; k += nth) {
            i32 s = SEQ(b, t0 + k0 + k);
            float w;
            if (mode == 0) w = (s == s_last) ? EXPF(lam_last - lam[k0 + k]) * dl[k0 + k] : 0.0f;
            else w = (s == s_prev) ? EXPF(lam[k0 + k]) : 0.0f;
            wk[k] = w;
        }
        BARRIER();
        for (int e = lid; e < kk * tp; e += nth) {
            int k = e / tp, p = e - k * tp;
            float val = 0.0f;
            if (p < np && wk[k] != 0.0f) {
                i64 t = t0 + k0 + k;
                val = LDV(u, b, t, h, p0 + p);
                if (has_z) val *= ssmix_silu(LDV(z, b, t, h, p0 + p));
                val *= wk[k];
            }
            Us[k * SSD_LDC + p] = val;
        }
        for (int e = lid; e < kk * tn; e += nth) {
            int k = e / tn, n = e - k * tn;
            Vs[k * SSD_LDC + n] = n < nn ? LDV(v, b, t0 + k0 + k, g, n0 + n) : 0.0f;
        }
        BARRIER();
        ssmix_tile_mac(acc, Us, 1, SSD_LDC, Vs, SSD_LDC, 1, kk, tp, tn);
    }
    GLOBAL float *out = ws + off_out + ((b * nc + c) * H + h) * P * N;
    /* varlen: mode 0 adds the initial state of a sequence that starts in this chunk and is still
     * running at its end; mode 1 the dfinal of the s_prev sequence when it ends in this chunk
     * (possibly at position t0-1: factor 1) */
    float vfac = 0.0f;
    i32 vk = 0;
    if (has_vs && s_last != s_prev) {
        if (mode == 0) {
            vk = s_last;
            vfac = EXPF(ws[off_lseq + bh * L + t0 + qc - 1]);
        } else {
            i64 e = -1;
            while (e + 1 < qc && SEQ(b, t0 + e + 1) == s_prev) ++e;
            vk = s_prev;
            vfac = e >= 0 ? EXPF(lam[e]) : 1.0f;
        }
    }
    for (int r = 0; r < SSD_R; ++r) {
        int p, n;
        if (ssmix_tile_elem(r, tp, tn, &p, &n) && p < np && n < nn) {
            float val = acc[r];
            if (vfac != 0.0f) val += vfac * vs[AT4(vs, (i64)vk, h, p0 + p, n0 + n)];
            out[(p0 + p) * N + n0 + n] = val;
        }
    }
}

/* Decay of the whole chunk c applied to the state entering it: exp(lam_last), or 0 when a new
 * sequence starts inside the chunk (the carried state is dropped). */
#define CHUNK_DECAY(lamv, bb, cc)                                                                  \
    ((SEQ(bb, IMIN((cc) * Q + Q, L) - 1) == SEQ(bb, (cc) * Q - 1)) ? EXPF((lamv)[IMIN((cc) * Q + Q, L) - 1]) \
                                                                   : 0.0f)

/* ssd_state_passing: one work-item per (b, h, p, n), sequential over chunks:
 *   H_0 = init (or 0);  H_{c+1} = decay_c H_c + Sloc_c.
 * Replaces Sloc_c in place by H_c (the state entering chunk c) and writes final_states = H_nc. */
KERNEL void KNAME(ssd_state_passing)(V4(const float, init), i32 has_init, V4(float, fin), i32 has_fin,
                                     V2(const i32, seq), i32 has_seq, GLOBAL float *ws, i64 off_lam,
                                     i64 off_st, SSD_SIZES)
{
    i64 PN = P * N;
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= batch * H * PN) return;
    i64 pn = gi % PN, bh = gi / PN;
    i64 h = bh % H, b = bh / H, p = pn / N, n = pn % N;
    const GLOBAL float *lam = ws + off_lam + bh * L;
    float s = has_init ? init[AT4(init, b, h, p, n)] : 0.0f;
    for (i64 c = 0; c < nc; ++c) {
        float decay = CHUNK_DECAY(lam, b, c);
        GLOBAL float *st = ws + off_st + ((b * nc + c) * H + h) * PN + pn;
        float loc = *st;
        *st = s;
        s = decay * s + loc;
    }
    if (has_fin) fin[AT4(fin, b, h, p, n)] = s;
}

/* ssd_chunk_scan: one work-group per (b, c, h, i-tile, pair of p-tiles); output tiles tq x tp of
 *   y_i[p] = [seq_i == s_prev] exp(lam_i) sum_n C_i[n] H_c[p,n]
 *          + sum_{j <= i, seq_j == seq_i} (C_i . B_j) exp(lam_i - lam_j) dl_j x_j[p]  + Dterm
 * for the p-tiles 2 pg and 2 pg + 1 (the second may be empty), so that the weighted C_i B_j^T block,
 * the costly part, is computed once for up to 2 tp head channels.
 * Forward (bwd == 0): out = y * silu(z) (or y). Backward recompute (bwd == 1, needs z): writes
 * dz = dout * y * sigma(z) (1 + z (1 - sigma(z))) into `out`.
 * N is covered in slabs of SSD_KN. When N fits in one slab (N <= 128 on CUDA and HIP) the rows C_i
 * are loaded once and stay in local memory for the whole j loop. For each j-tile, C_i B_j^T is one
 * tile product over the slab (both operands are inputs: exact 16-bit products where the target has
 * them), weighted into Ss and multiplied with the x tile, which reuses the B_j slab's local memory. */
KERNEL KERNEL_BOUNDS(256, 2) void KNAME(ssd_chunk_scan)(V4(const io_t, x), V4(const io_t, Bm), V4(const io_t, Cm),
                                  V2(const float, D), i32 has_D, V4(const io_t, z), i32 has_z, V2(const i32, seq),
                                  i32 has_seq, V4(const io_t, dout), V4(io_t, out), i32 bwd, V4(const float, vs),
                                  i32 has_vs, i64 off_lseq, GLOBAL float *ws, i64 off_dl, i64 off_lam, i64 off_st,
                                  SSD_SIZES, i32 tq, i32 tp, i32 nit, i32 npg)
{
    SHARED float Cs[SSD_T * SSD_LDK];
    SHARED float Bs[SSD_BS_SIZE]; /* B_j slab, state rows H_c[p, :], or the x tile (pitch SSD_LDX2) */
    SHARED float Ss[SSD_T * SSD_LDR];
    SHARED float lam_i[SSD_T];
    SHARED float fac_i[SSD_T];
    SHARED float lam_j[SSD_T];
    SHARED float dl_j[SSD_T];
    SHARED i32 seq_i[SSD_T];
    SHARED i32 seq_j[SSD_T];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    int pg = (int)(gid % npg);
    gid /= npg;
    int it = (int)(gid % nit);
    gid /= nit;
    i64 h = gid % H;
    gid /= H;
    i64 c = gid % nc, b = gid / nc;
    i64 g = h / (H / G);
    i64 t0 = c * Q, qc = IMIN(Q, L - t0);
    i64 i0 = (i64)it * tq;
    if (i0 >= qc) return;
    int ni = (int)IMIN((i64)tq, qc - i0);
    /* p-tile a = [pa, pa + npa), p-tile b = [pa + tp, pa + tp + npb); colsb = 0 when b is empty */
    i64 pa = (i64)pg * 2 * tp;
    int npa = (int)IMIN((i64)tp, P - pa);
    int npb = (int)IMAX((i64)0, IMIN((i64)tp, P - pa - tp));
    int colsb = npb > 0 ? tp : 0;
    i64 bh = b * H + h;
    const GLOBAL float *dl = ws + off_dl + bh * L + t0;
    const GLOBAL float *lam = ws + off_lam + bh * L + t0;
    const GLOBAL float *st = ws + off_st + ((b * nc + c) * H + h) * P * N;
    const int c_resident = N <= SSD_KN;
    const i64 c_base = AT4(Cm, b, t0 + i0, g, (i64)0), b_base = AT4(Bm, b, t0, g, (i64)0);
    const i64 x_base = AT4(x, b, t0, h, pa);
    const int nshift = ssd_log2_ceil((int)IMIN((i64)SSD_KN, N)), xshift = ssd_log2_ceil(2 * tp);
    i32 s_prev = SEQ(b, t0 - 1);
    for (int r = lid; r < tq; r += nth) {
        float lv = 0.0f, f = 0.0f;
        i32 s = -1;
        if (r < ni) {
            lv = lam[i0 + r];
            s = SEQ(b, t0 + i0 + r);
            f = (s == s_prev) ? EXPF(lv) : 0.0f;
        }
        lam_i[r] = lv;
        seq_i[r] = s;
        fac_i[r] = f;
    }
    float acca[SSD_R], accb[SSD_R];
    ssd_zero_acc(acca);
    ssd_zero_acc(accb);

    /* inter-chunk term: acc = C_i . H_c[p, :] over N, then scaled by fac_i row by row */
    for (i64 n0 = 0; n0 < N; n0 += SSD_KN) {
        int kn = (int)IMIN((i64)SSD_KN, N - n0);
        BARRIER();
        ssd_load_io(Cs, SSD_LDK, Cm, c_base + n0 * Cm_s3, Cm_s1, Cm_s3, ni, kn, nshift);
        ssd_load_f32(Bs, SSD_LDK, st, pa * N + n0, N, 1, npa, kn, nshift);
        BARRIER();
        ssmix_tile_mac(acca, Cs, SSD_LDK, 1, Bs, 1, SSD_LDK, kn, tq, tp);
        BARRIER();
        ssd_load_f32(Bs, SSD_LDK, st, (pa + tp) * N + n0, N, 1, npb, kn, nshift);
        BARRIER();
        ssmix_tile_mac(accb, Cs, SSD_LDK, 1, Bs, 1, SSD_LDK, kn, tq, colsb);
    }
    for (int r = 0; r < SSD_R; ++r) {
        int i, p;
        if (ssmix_tile_elem(r, tq, tp, &i, &p)) acca[r] = fac_i[i] != 0.0f ? acca[r] * fac_i[i] : 0.0f;
        if (ssmix_tile_elem(r, tq, colsb, &i, &p)) accb[r] = fac_i[i] != 0.0f ? accb[r] * fac_i[i] : 0.0f;
    }

    /* intra-chunk term over the j-tiles up to the diagonal one */
    for (i64 j0 = 0; j0 <= i0; j0 += tq) {
        int nj = (int)IMIN((i64)tq, qc - j0);
        BARRIER();
        for (int r = lid; r < tq; r += nth) {
            lam_j[r] = r < nj ? lam[j0 + r] : 0.0f;
            dl_j[r] = r < nj ? dl[j0 + r] : 0.0f;
            seq_j[r] = r < nj ? SEQ(b, t0 + j0 + r) : -2;
        }
        float sacc[SSD_R];
        ssd_zero_acc(sacc);
        for (i64 n0 = 0; n0 < N; n0 += SSD_KN) {
            int kn = (int)IMIN((i64)SSD_KN, N - n0);
            BARRIER();
            if (!c_resident) ssd_load_io(Cs, SSD_LDK, Cm, c_base + n0 * Cm_s3, Cm_s1, Cm_s3, ni, kn, nshift);
            ssd_load_io(Bs, SSD_LDK, Bm, b_base + j0 * Bm_s1 + n0 * Bm_s3, Bm_s1, Bm_s3, nj, kn, nshift);
            BARRIER();
            ssmix_tile_mac_io(sacc, Cs, SSD_LDK, 1, Bs, 1, SSD_LDK, kn, tq, tq);
        }
        for (int r = 0; r < SSD_R; ++r) {
            int i, j;
            if (!ssmix_tile_elem(r, tq, tq, &i, &j)) continue;
            float val = 0.0f;
            if (i < ni && j < nj && j0 + j <= i0 + i && seq_i[i] == seq_j[j])
                val = sacc[r] * EXPF(lam_i[i] - lam_j[j]) * dl_j[j];
            Ss[i * SSD_LDR + j] = val;
        }
        BARRIER(); /* every C_i B_j^T product is done with Bs */
        ssd_load_io(Bs, SSD_LDX2, x, x_base + j0 * x_s1, x_s1, x_s3, nj, npa + npb, xshift);
        BARRIER();
        ssmix_tile_mac(acca, Ss, SSD_LDR, 1, Bs, SSD_LDX2, 1, nj, tq, tp);
        ssmix_tile_mac(accb, Ss, SSD_LDR, 1, Bs + tp, SSD_LDX2, 1, nj, tq, colsb);
    }

    for (int q = 0; q < 2; ++q) {
        const i64 p0 = q == 0 ? pa : pa + tp;
        const int np = q == 0 ? npa : npb;
        for (int r = 0; r < SSD_R; ++r) {
            int i, p;
            if (!ssmix_tile_elem(r, tq, q == 0 ? tp : colsb, &i, &p)) continue;
            if (i >= ni || p >= np) continue;
            i64 t = t0 + i0 + i, pp = p0 + p;
            float y = q == 0 ? acca[r] : accb[r];
            if (has_vs && seq_i[i] != s_prev) {
                /* varlen: the sequence started in this chunk; its initial state decays by exp(lseq) */
                i32 k = seq_i[i];
                float sum = 0.0f;
                for (i64 n = 0; n < N; ++n) sum += LDV(Cm, b, t, g, n) * vs[AT4(vs, (i64)k, h, pp, n)];
                y += EXPF(ws[off_lseq + bh * L + t]) * sum;
            }
            if (has_D) y += D[AT2(D, h, pp)] * LDV(x, b, t, h, pp);
            if (!bwd) {
                if (has_z) y *= ssmix_silu(LDV(z, b, t, h, pp));
                STORE_IO(out, AT4(out, b, t, h, pp), y);
            } else {
                float zv = LDV(z, b, t, h, pp);
                float sg = ssmix_sigmoid(zv);
                float dz = LDV(dout, b, t, h, pp) * y * sg * (1.0f + zv * (1.0f - sg));
                STORE_IO(out, AT4(out, b, t, h, pp), dz);
            }
        }
    }
}

/* ======================================================================== backward
 *
 * ssd_dstate_passing: one work-item per (b, h, p, n), sequential over chunks in reverse:
 *   dH_nc = dfinal (or 0);  dH_c = decay_c dH_{c+1} + dHloc_c.
 * Replaces dHloc_c (from ssd_chunk_state mode 1) in place by dH_{c+1}, the adjoint of the state
 * leaving chunk c, and writes dinitial_states = dH_0. */
KERNEL void KNAME(ssd_dstate_passing)(V4(const float, dfin), i32 has_dfin, V4(float, dinit), i32 has_dinit,
                                      V2(const i32, seq), i32 has_seq, GLOBAL float *ws, i64 off_lam,
                                      i64 off_dst, SSD_SIZES)
{
    i64 PN = P * N;
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= batch * H * PN) return;
    i64 pn = gi % PN, bh = gi / PN;
    i64 h = bh % H, b = bh / H, p = pn / N, n = pn % N;
    const GLOBAL float *lam = ws + off_lam + bh * L;
    float dh = has_dfin ? dfin[AT4(dfin, b, h, p, n)] : 0.0f;
    for (i64 c = nc - 1; c >= 0; --c) {
        float decay = CHUNK_DECAY(lam, b, c);
        GLOBAL float *ds = ws + off_dst + ((b * nc + c) * H + h) * PN + pn;
        float loc = *ds;
        *ds = dh;
        dh = decay * dh + loc;
    }
    if (has_dinit) dinit[AT4(dinit, b, h, p, n)] = dh;
}

/* ssd_bwd_dx: one work-group per (b, c, h, j-tile, p-tile); output tile tq x tp of
 *   inner_j[p] = sum_{i >= j, seq_i == seq_j} (C_i . B_j) exp(lam_i - lam_j) g_i[p]
 *   st_j[p]    = [seq_j == s_last] exp(lam_last - lam_j) sum_n B_j[n] dH_{c+1}[p,n]
 *   dx_j[p]    = dl_j (inner + st) + Dcoef g_j[p]
 * and, for the dt gradient, the per-p-tile partial sums X1_j = sum_p x_j[p] inner_j[p] and
 * X2_j = sum_p x_j[p] st_j[p] into ws [b][h][p-tile][t] (reduced in ssd_bwd_ddt, in tile order). */
KERNEL KERNEL_BOUNDS(256, 2) void KNAME(ssd_bwd_dx)(V4(const io_t, x), V4(const io_t, Bm), V4(const io_t, Cm), V2(const float, D),
                              i32 has_D, V4(const io_t, z), i32 has_z, V4(const io_t, dout), V2(const i32, seq),
                              i32 has_seq, V4(io_t, dx), i32 has_dx, i32 want_x12, V4(const float, vs), i32 has_vs,
                              GLOBAL float *ws, i64 off_dl, i64 off_lam, i64 off_dst, i64 off_x1, i64 off_x2, SSD_SIZES,
                              i32 tq, i32 tp, i32 njt, i32 npt)
{
    SHARED float As[SSD_T * SSD_LDR];
    SHARED float Bs[SSD_T * SSD_LDR];
    SHARED float Ss[SSD_T * SSD_LDR];
    SHARED float Xs[SSD_T * SSD_LDC];
    SHARED float lam_j[SSD_T];
    SHARED float fac_j[SSD_T];
    SHARED float vfac_j[SSD_T];
    SHARED float lam_i[SSD_T];
    SHARED i32 seq_j[SSD_T];
    SHARED i32 seq_i[SSD_T];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    int pt = (int)(gid % npt);
    gid /= npt;
    int jt = (int)(gid % njt);
    gid /= njt;
    i64 h = gid % H;
    gid /= H;
    i64 c = gid % nc, b = gid / nc;
    i64 g = h / (H / G);
    i64 t0 = c * Q, qc = IMIN(Q, L - t0);
    i64 j0 = (i64)jt * tq;
    if (j0 >= qc) return;
    int nj = (int)IMIN((i64)tq, qc - j0);
    i64 p0 = (i64)pt * tp;
    int np = (int)IMIN((i64)tp, P - p0);
    i64 bh = b * H + h;
    const GLOBAL float *dl = ws + off_dl + bh * L + t0;
    const GLOBAL float *lam = ws + off_lam + bh * L + t0;
    const GLOBAL float *dst = ws + off_dst + ((b * nc + c) * H + h) * P * N;
    float lam_last = lam[qc - 1];
    i32 s_last = SEQ(b, t0 + qc - 1);
    for (int r = lid; r < tq; r += nth) {
        float lv = 0.0f, f = 0.0f, vf = 0.0f;
        i32 s = -1;
        if (r < nj) {
            lv = lam[j0 + r];
            s = SEQ(b, t0 + j0 + r);
            f = (s == s_last) ? EXPF(lam_last - lv) : 0.0f;
            /* varlen: a sequence ending inside the chunk leaves through its dfinal */
            if (has_vs && s != s_last) vf = EXPF(lam[SEQ_END(b, j0 + r)] - lv);
        }
        lam_j[r] = lv;
        seq_j[r] = s;
        fac_j[r] = f;
        vfac_j[r] = vf;
    }
    float acc[SSD_R], acc2[SSD_R];
    ssd_zero_acc(acc);
    ssd_zero_acc(acc2);

    /* state term: acc2 += (fac_j B_j) . dH[p, :] */
    for (i64 n0 = 0; n0 < N; n0 += SSD_T) {
        int kn = (int)IMIN((i64)SSD_T, N - n0);
        BARRIER();
        for (int e = lid; e < tq * kn; e += nth) {
            int r = e / kn, k = e - r * kn;
            As[r * SSD_LDR + k] = (r < nj && fac_j[r] != 0.0f) ? fac_j[r] * LDV(Bm, b, t0 + j0 + r, g, n0 + k) : 0.0f;
        }
        for (int e = lid; e < tp * kn; e += nth) {
            int p = e / kn, k = e - p * kn;
            Bs[k * SSD_LDR + p] = p < np ? dst[(p0 + p) * N + n0 + k] : 0.0f;
        }
        BARRIER();
        ssmix_tile_mac(acc2, As, SSD_LDR, 1, Bs, SSD_LDR, 1, kn, tq, tp);
    }

    /* intra-chunk term over the i-tiles from the diagonal one to the end of the chunk */
    for (i64 i0 = j0; i0 < qc; i0 += tq) {
        int ni = (int)IMIN((i64)tq, qc - i0);
        BARRIER();
        for (int r = lid; r < tq; r += nth) {
            lam_i[r] = r < ni ? lam[i0 + r] : 0.0f;
            seq_i[r] = r < ni ? SEQ(b, t0 + i0 + r) : -2;
        }
        float sacc[SSD_R];
        ssd_zero_acc(sacc);
        for (i64 n0 = 0; n0 < N; n0 += SSD_T) {
            int kn = (int)IMIN((i64)SSD_T, N - n0);
            BARRIER();
            for (int e = lid; e < tq * kn; e += nth) {
                int r = e / kn, k = e - r * kn;
                As[r * SSD_LDR + k] = r < nj ? LDV(Bm, b, t0 + j0 + r, g, n0 + k) : 0.0f;
                Bs[r * SSD_LDR + k] = r < ni ? LDV(Cm, b, t0 + i0 + r, g, n0 + k) : 0.0f;
            }
            BARRIER();
            ssmix_tile_mac_io(sacc, As, SSD_LDR, 1, Bs, 1, SSD_LDR, kn, tq, tq); /* row j, col i */
        }
        for (int r = 0; r < SSD_R; ++r) {
            int j, i;
            if (!ssmix_tile_elem(r, tq, tq, &j, &i)) continue;
            float val = 0.0f;
            if (j < nj && i < ni && i0 + i >= j0 + j && seq_i[i] == seq_j[j])
                val = sacc[r] * EXPF(lam_i[i] - lam_j[j]);
            Ss[j * SSD_LDR + i] = val;
        }
        for (int e = lid; e < ni * tp; e += nth) {
            int i = e / tp, p = e - i * tp;
            Xs[i * SSD_LDC + p] = p < np ? LDG(b, t0 + i0 + i, h, p0 + p) : 0.0f;
        }
        BARRIER();
        ssmix_tile_mac(acc, Ss, SSD_LDR, 1, Xs, SSD_LDC, 1, ni, tq, tp);
    }

    for (int r = 0; r < SSD_R; ++r) {
        int j, p;
        if (!ssmix_tile_elem(r, tq, tp, &j, &p)) continue;
        if (j >= nj || p >= np) continue;
        i64 t = t0 + j0 + j, pp = p0 + p;
        if (vfac_j[j] != 0.0f) {
            float sum = 0.0f;
            for (i64 n = 0; n < N; ++n) sum += LDV(Bm, b, t, g, n) * vs[AT4(vs, (i64)seq_j[j], h, pp, n)];
            acc2[r] += vfac_j[j] * sum;
        }
        if (has_dx) {
            float val = dl[j0 + j] * (acc[r] + acc2[r]);
            if (has_D) val += D[AT2(D, h, pp)] * LDG(b, t, h, pp);
            STORE_IO(dx, AT4(dx, b, t, h, pp), val);
        }
        if (want_x12) {
            float xv = LDV(x, b, t, h, pp);
            As[j * SSD_LDR + p] = xv * acc[r];
            Bs[j * SSD_LDR + p] = xv * acc2[r];
        }
    }
    BARRIER(); /* unconditional: see the barrier rule in dialect.h */
    if (want_x12) {
        for (int j = lid; j < nj; j += nth) {
            float s1 = 0.0f, s2 = 0.0f;
            for (int p = 0; p < np; ++p) {
                s1 += As[j * SSD_LDR + p];
                s2 += Bs[j * SSD_LDR + p];
            }
            i64 o = (bh * npt + pt) * L + t0 + j0 + j;
            ws[off_x1 + o] = s1;
            ws[off_x2 + o] = s2;
        }
    }
}

/* ssd_bwd_dB: one work-group per (b, c, h, j-tile, n-tile); output tile tq x tn of the head's share
 *   dB_j[n] = dl_j ( sum_{i >= j, seq_i == seq_j} (g_i . x_j) exp(lam_i - lam_j) C_i[n]
 *                    + [seq_j == s_last] exp(lam_last - lam_j) sum_p x_j[p] dH_{c+1}[p,n] )
 * direct != 0 (one head per group): stored to dB; else to the per-head partial ws [b][t][h][n],
 * summed over the heads of each group in order by ssd_reduce_heads. */
KERNEL KERNEL_BOUNDS(256, 2) void KNAME(ssd_bwd_dB)(V4(const io_t, x), V4(const io_t, Cm), V4(const io_t, z), i32 has_z,
                              V4(const io_t, dout), V2(const i32, seq), i32 has_seq, V4(io_t, dB), i32 direct,
                              V4(const float, vs), i32 has_vs, GLOBAL float *ws, i64 off_dl, i64 off_lam, i64 off_dst,
                              i64 off_part, SSD_SIZES, i32 tq, i32 tn, i32 njt, i32 nnt)
{
    SHARED float As[SSD_T * SSD_LDR];
    SHARED float Bs[SSD_T * SSD_LDR];
    SHARED float Ss[SSD_T * SSD_LDR];
    SHARED float Xs[SSD_T * SSD_LDC];
    SHARED float lam_j[SSD_T];
    SHARED float fac_j[SSD_T];
    SHARED float vfac_j[SSD_T];
    SHARED float lam_i[SSD_T];
    SHARED i32 seq_j[SSD_T];
    SHARED i32 seq_i[SSD_T];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    int nt = (int)(gid % nnt);
    gid /= nnt;
    int jt = (int)(gid % njt);
    gid /= njt;
    i64 h = gid % H;
    gid /= H;
    i64 c = gid % nc, b = gid / nc;
    i64 g = h / (H / G);
    i64 t0 = c * Q, qc = IMIN(Q, L - t0);
    i64 j0 = (i64)jt * tq;
    if (j0 >= qc) return;
    int nj = (int)IMIN((i64)tq, qc - j0);
    i64 n0 = (i64)nt * tn;
    int nn = (int)IMIN((i64)tn, N - n0);
    i64 bh = b * H + h;
    const GLOBAL float *dl = ws + off_dl + bh * L + t0;
    const GLOBAL float *lam = ws + off_lam + bh * L + t0;
    const GLOBAL float *dst = ws + off_dst + ((b * nc + c) * H + h) * P * N;
    float lam_last = lam[qc - 1];
    i32 s_last = SEQ(b, t0 + qc - 1);
    for (int r = lid; r < tq; r += nth) {
        float lv = 0.0f, f = 0.0f, vf = 0.0f;
        i32 s = -1;
        if (r < nj) {
            lv = lam[j0 + r];
            s = SEQ(b, t0 + j0 + r);
            f = (s == s_last) ? EXPF(lam_last - lv) : 0.0f;
            /* varlen: a sequence ending inside the chunk leaves through its dfinal */
            if (has_vs && s != s_last) vf = EXPF(lam[SEQ_END(b, j0 + r)] - lv);
        }
        lam_j[r] = lv;
        seq_j[r] = s;
        fac_j[r] = f;
        vfac_j[r] = vf;
    }
    float acc[SSD_R];
    ssd_zero_acc(acc);

    /* state term: acc += (fac_j x_j) . dH[:, n] */
    for (i64 q0 = 0; q0 < P; q0 += SSD_T) {
        int kp = (int)IMIN((i64)SSD_T, P - q0);
        BARRIER();
        for (int e = lid; e < tq * kp; e += nth) {
            int r = e / kp, k = e - r * kp;
            As[r * SSD_LDR + k] = (r < nj && fac_j[r] != 0.0f) ? fac_j[r] * LDV(x, b, t0 + j0 + r, h, q0 + k) : 0.0f;
        }
        for (int e = lid; e < kp * tn; e += nth) {
            int k = e / tn, n = e - k * tn;
            Bs[k * SSD_LDR + n] = n < nn ? dst[(q0 + k) * N + n0 + n] : 0.0f;
        }
        BARRIER();
        ssmix_tile_mac(acc, As, SSD_LDR, 1, Bs, SSD_LDR, 1, kp, tq, tn);
    }

    for (i64 i0 = j0; i0 < qc; i0 += tq) {
        int ni = (int)IMIN((i64)tq, qc - i0);
        BARRIER();
        for (int r = lid; r < tq; r += nth) {
            lam_i[r] = r < ni ? lam[i0 + r] : 0.0f;
            seq_i[r] = r < ni ? SEQ(b, t0 + i0 + r) : -2;
        }
        float gacc[SSD_R];
        ssd_zero_acc(gacc);
        for (i64 q0 = 0; q0 < P; q0 += SSD_T) {
            int kp = (int)IMIN((i64)SSD_T, P - q0);
            BARRIER();
            for (int e = lid; e < tq * kp; e += nth) {
                int r = e / kp, k = e - r * kp;
                As[r * SSD_LDR + k] = r < nj ? LDV(x, b, t0 + j0 + r, h, q0 + k) : 0.0f;
                Bs[r * SSD_LDR + k] = r < ni ? LDG(b, t0 + i0 + r, h, q0 + k) : 0.0f;
            }
            BARRIER();
            ssmix_tile_mac(gacc, As, SSD_LDR, 1, Bs, 1, SSD_LDR, kp, tq, tq); /* row j, col i */
        }
        for (int r = 0; r < SSD_R; ++r) {
            int j, i;
            if (!ssmix_tile_elem(r, tq, tq, &j, &i)) continue;
            float val = 0.0f;
            if (j < nj && i < ni && i0 + i >= j0 + j && seq_i[i] == seq_j[j])
                val = gacc[r] * EXPF(lam_i[i] - lam_j[j]);
            Ss[j * SSD_LDR + i] = val;
        }
        for (int e = lid; e < ni * tn; e += nth) {
            int i = e / tn, n = e - i * tn;
            Xs[i * SSD_LDC + n] = n < nn ? LDV(Cm, b, t0 + i0 + i, g, n0 + n) : 0.0f;
        }
        BARRIER();
        ssmix_tile_mac(acc, Ss, SSD_LDR, 1, Xs, SSD_LDC, 1, ni, tq, tn);
    }

    for (int r = 0; r < SSD_R; ++r) {
        int j, n;
        if (!ssmix_tile_elem(r, tq, tn, &j, &n)) continue;
        if (j >= nj || n >= nn) continue;
        i64 t = t0 + j0 + j;
        float a = acc[r];
        if (vfac_j[j] != 0.0f) {
            float sum = 0.0f;
            for (i64 q = 0; q < P; ++q) sum += LDV(x, b, t, h, q) * vs[AT4(vs, (i64)seq_j[j], h, q, n0 + n)];
            a += vfac_j[j] * sum;
        }
        float val = dl[j0 + j] * a;
        if (direct) STORE_IO(dB, AT4(dB, b, t, g, n0 + n), val);
        else ws[off_part + ((b * L + t) * H + h) * N + n0 + n] = val;
    }
}

/* ssd_bwd_dC: one work-group per (b, c, h, i-tile, n-tile); output tile tq x tn of the head's share
 *   inter_i[n] = [seq_i == s_prev] exp(lam_i) sum_p g_i[p] H_c[p,n]
 *   dC_i[n]    = inter_i[n] + sum_{j <= i, seq_j == seq_i} (g_i . x_j) exp(lam_i - lam_j) dl_j B_j[n]
 * stored like dB (direct or per-head partial), and for the dt gradient the per-n-tile partial
 * a_i = sum_n C_i[n] inter_i[n] into ws [b][h][n-tile][t]. */
KERNEL void KNAME(ssd_bwd_dC)(V4(const io_t, x), V4(const io_t, Bm), V4(const io_t, Cm), V4(const io_t, z),
                              i32 has_z, V4(const io_t, dout), V2(const i32, seq), i32 has_seq, V4(io_t, dC),
                              i32 has_dC, i32 direct, i32 want_a, V4(const float, vs), i32 has_vs, i64 off_lseq,
                              GLOBAL float *ws, i64 off_dl, i64 off_lam, i64 off_st, i64 off_part, i64 off_a,
                              SSD_SIZES, i32 tq, i32 tn, i32 nit, i32 nnt)
{
    SHARED float As[SSD_T * SSD_LDR];
    SHARED float Bs[SSD_T * SSD_LDR];
    SHARED float Ss[SSD_T * SSD_LDR];
    SHARED float Xs[SSD_T * SSD_LDC];
    SHARED float lam_i[SSD_T];
    SHARED float fac_i[SSD_T];
    SHARED float lam_j[SSD_T];
    SHARED float dl_j[SSD_T];
    SHARED i32 seq_i[SSD_T];
    SHARED i32 seq_j[SSD_T];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    int nt = (int)(gid % nnt);
    gid /= nnt;
    int it = (int)(gid % nit);
    gid /= nit;
    i64 h = gid % H;
    gid /= H;
    i64 c = gid % nc, b = gid / nc;
    i64 g = h / (H / G);
    i64 t0 = c * Q, qc = IMIN(Q, L - t0);
    i64 i0 = (i64)it * tq;
    if (i0 >= qc) return;
    int ni = (int)IMIN((i64)tq, qc - i0);
    i64 n0 = (i64)nt * tn;
    int nn = (int)IMIN((i64)tn, N - n0);
    i64 bh = b * H + h;
    const GLOBAL float *dl = ws + off_dl + bh * L + t0;
    const GLOBAL float *lam = ws + off_lam + bh * L + t0;
    const GLOBAL float *st = ws + off_st + ((b * nc + c) * H + h) * P * N;
    i32 s_prev = SEQ(b, t0 - 1);
    for (int r = lid; r < tq; r += nth) {
        float lv = 0.0f, f = 0.0f;
        i32 s = -1;
        if (r < ni) {
            lv = lam[i0 + r];
            s = SEQ(b, t0 + i0 + r);
            f = (s == s_prev) ? EXPF(lv) : 0.0f;
        }
        lam_i[r] = lv;
        seq_i[r] = s;
        fac_i[r] = f;
    }
    float acc[SSD_R], acc2[SSD_R];
    ssd_zero_acc(acc);
    ssd_zero_acc(acc2);

    /* inter-chunk term: acc2 += (fac_i g_i) . H_c[:, n] */
    for (i64 q0 = 0; q0 < P; q0 += SSD_T) {
        int kp = (int)IMIN((i64)SSD_T, P - q0);
        BARRIER();
        for (int e = lid; e < tq * kp; e += nth) {
            int r = e / kp, k = e - r * kp;
            As[r * SSD_LDR + k] = (r < ni && fac_i[r] != 0.0f) ? fac_i[r] * LDG(b, t0 + i0 + r, h, q0 + k) : 0.0f;
        }
        for (int e = lid; e < kp * tn; e += nth) {
            int k = e / tn, n = e - k * tn;
            Bs[k * SSD_LDR + n] = n < nn ? st[(q0 + k) * N + n0 + n] : 0.0f;
        }
        BARRIER();
        ssmix_tile_mac(acc2, As, SSD_LDR, 1, Bs, SSD_LDR, 1, kp, tq, tn);
    }

    for (i64 j0 = 0; j0 <= i0; j0 += tq) {
        int nj = (int)IMIN((i64)tq, qc - j0);
        BARRIER();
        for (int r = lid; r < tq; r += nth) {
            lam_j[r] = r < nj ? lam[j0 + r] : 0.0f;
            dl_j[r] = r < nj ? dl[j0 + r] : 0.0f;
            seq_j[r] = r < nj ? SEQ(b, t0 + j0 + r) : -2;
        }
        float gacc[SSD_R];
        ssd_zero_acc(gacc);
        for (i64 q0 = 0; q0 < P; q0 += SSD_T) {
            int kp = (int)IMIN((i64)SSD_T, P - q0);
            BARRIER();
            for (int e = lid; e < tq * kp; e += nth) {
                int r = e / kp, k = e - r * kp;
                As[r * SSD_LDR + k] = r < ni ? LDG(b, t0 + i0 + r, h, q0 + k) : 0.0f;
                Bs[r * SSD_LDR + k] = r < nj ? LDV(x, b, t0 + j0 + r, h, q0 + k) : 0.0f;
            }
            BARRIER();
            ssmix_tile_mac(gacc, As, SSD_LDR, 1, Bs, 1, SSD_LDR, kp, tq, tq); /* row i, col j */
        }
        for (int r = 0; r < SSD_R; ++r) {
            int i, j;
            if (!ssmix_tile_elem(r, tq, tq, &i, &j)) continue;
            float val = 0.0f;
            if (i < ni && j < nj && j0 + j <= i0 + i && seq_i[i] == seq_j[j])
                val = gacc[r] * EXPF(lam_i[i] - lam_j[j]) * dl_j[j];
            Ss[i * SSD_LDR + j] = val;
        }
        for (int e = lid; e < nj * tn; e += nth) {
            int j = e / tn, n = e - j * tn;
            Xs[j * SSD_LDC + n] = n < nn ? LDV(Bm, b, t0 + j0 + j, g, n0 + n) : 0.0f;
        }
        BARRIER();
        ssmix_tile_mac(acc, Ss, SSD_LDR, 1, Xs, SSD_LDC, 1, nj, tq, tn);
    }

    for (int r = 0; r < SSD_R; ++r) {
        int i, n;
        if (!ssmix_tile_elem(r, tq, tn, &i, &n)) continue;
        if (i >= ni || n >= nn) continue;
        i64 t = t0 + i0 + i;
        if (has_vs && seq_i[i] != s_prev) {
            /* varlen: the initial state of a sequence that started in this chunk (also part of a_i) */
            float sum = 0.0f;
            for (i64 q = 0; q < P; ++q) sum += LDG(b, t, h, q) * vs[AT4(vs, (i64)seq_i[i], h, q, n0 + n)];
            acc2[r] += EXPF(ws[off_lseq + bh * L + t]) * sum;
        }
        if (has_dC) {
            float val = acc[r] + acc2[r];
            if (direct) STORE_IO(dC, AT4(dC, b, t, g, n0 + n), val);
            else ws[off_part + ((b * L + t) * H + h) * N + n0 + n] = val;
        }
        if (want_a) As[i * SSD_LDR + n] = LDV(Cm, b, t, g, n0 + n) * acc2[r];
    }
    BARRIER();
    if (want_a) {
        for (int i = lid; i < ni; i += nth) {
            float s = 0.0f;
            for (int n = 0; n < nn; ++n) s += As[i * SSD_LDR + n];
            ws[off_a + (bh * nnt + nt) * L + t0 + i0 + i] = s;
        }
    }
}

/* ssd_bwd_pairs: the intra-chunk pair terms of the cumsum gradient, in the stable per-pair form.
 * For j < i in one chunk and sequence, T_ij = (C_i . B_j)(g_i . x_j) exp(lam_i - lam_j) dl_j adds
 * +T_ij to dlam_i and -T_ij to dlam_j, so its share of R_l = sum_{k >= l} dlam_k is T_ij exactly when
 * j < l <= i (the pair "straddles" l). R_l is assembled from non-negative-weighted sums of pairs, never
 * as a difference. With position blocks of size tb, l in block bl:
 *   R^pairs_l = F(bl) + sum_{i in bl, i >= l} RS_i + sum_{j in bl, j < l} CS_j + INB_l
 *   RS_i  = sum over pairs (i, j) with j in an earlier block        (row sums, this kernel)
 *   CS_j  = sum over pairs (i, j) with i in a later block           (column sums, this kernel)
 *   INB_l = sum over pairs inside block bl straddling l               (this kernel)
 *   F(bl) = sum_{bi > bl > bj} tot(bi, bj), tot = sum of a block     (tot written here, F in ssd_bwd_ddt)
 * One work-group per (b, c, h, block): it forms its row tiles (bj < blk), its diagonal tile and its
 * column tiles (bi > blk) in a fixed order, so every sum is deterministic. Outputs ws [b][h][t] for
 * RS, CS, INB and [b][c][h][nbmax][nbmax] for tot. */
KERNEL KERNEL_BOUNDS(256, 2) void KNAME(ssd_bwd_pairs)(V4(const io_t, x), V4(const io_t, Bm), V4(const io_t, Cm), V4(const io_t, z),
                                 i32 has_z, V4(const io_t, dout), V2(const i32, seq), i32 has_seq, GLOBAL float *ws,
                                 i64 off_dl, i64 off_lam, i64 off_rs, i64 off_cs, i64 off_inb, i64 off_tot, SSD_SIZES,
                                 i32 tb, i32 nbmax)
{
    SHARED float As[SSD_T * SSD_LDR];
    SHARED float Bs[SSD_T * SSD_LDR];
    SHARED float Ts[SSD_T * SSD_LDR];
    SHARED float rsum[SSD_T];
    SHARED float csum[SSD_T];
    SHARED float tmp[SSD_T];
    SHARED float lam_r[SSD_T];
    SHARED float lam_c[SSD_T];
    SHARED float dl_c[SSD_T];
    SHARED i32 seq_r[SSD_T];
    SHARED i32 seq_c[SSD_T];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    int blk = (int)(gid % nbmax);
    gid /= nbmax;
    i64 h = gid % H;
    gid /= H;
    i64 c = gid % nc, b = gid / nc;
    i64 g = h / (H / G);
    i64 t0 = c * Q, qc = IMIN(Q, L - t0);
    i64 o0 = (i64)blk * tb;
    if (o0 >= qc) return;
    int no = (int)IMIN((i64)tb, qc - o0);
    int nb = (int)((qc + tb - 1) / tb);
    i64 bh = b * H + h;
    const GLOBAL float *dl = ws + off_dl + bh * L + t0;
    const GLOBAL float *lam = ws + off_lam + bh * L + t0;
    for (int r = lid; r < tb; r += nth) {
        rsum[r] = 0.0f;
        csum[r] = 0.0f;
    }
    for (int k = 0; k < nb; ++k) {
        int bi = k < blk ? blk : k, bj = k < blk ? k : blk;
        i64 r0 = (i64)bi * tb, c0 = (i64)bj * tb;
        int nr = (int)IMIN((i64)tb, qc - r0), ncl = (int)IMIN((i64)tb, qc - c0);
        BARRIER();
        for (int r = lid; r < tb; r += nth) {
            lam_r[r] = r < nr ? lam[r0 + r] : 0.0f;
            seq_r[r] = r < nr ? SEQ(b, t0 + r0 + r) : -1;
            lam_c[r] = r < ncl ? lam[c0 + r] : 0.0f;
            dl_c[r] = r < ncl ? dl[c0 + r] : 0.0f;
            seq_c[r] = r < ncl ? SEQ(b, t0 + c0 + r) : -2;
        }
        float cacc[SSD_R], gacc[SSD_R];
        ssd_zero_acc(cacc);
        ssd_zero_acc(gacc);
        for (i64 n0 = 0; n0 < N; n0 += SSD_T) {
            int kn = (int)IMIN((i64)SSD_T, N - n0);
            BARRIER();
            for (int e = lid; e < tb * kn; e += nth) {
                int r = e / kn, q = e - r * kn;
                As[r * SSD_LDR + q] = r < nr ? LDV(Cm, b, t0 + r0 + r, g, n0 + q) : 0.0f;
                Bs[r * SSD_LDR + q] = r < ncl ? LDV(Bm, b, t0 + c0 + r, g, n0 + q) : 0.0f;
            }
            BARRIER();
            ssmix_tile_mac_io(cacc, As, SSD_LDR, 1, Bs, 1, SSD_LDR, kn, tb, tb);
        }
        for (i64 q0 = 0; q0 < P; q0 += SSD_T) {
            int kp = (int)IMIN((i64)SSD_T, P - q0);
            BARRIER();
            for (int e = lid; e < tb * kp; e += nth) {
                int r = e / kp, q = e - r * kp;
                As[r * SSD_LDR + q] = r < nr ? LDG(b, t0 + r0 + r, h, q0 + q) : 0.0f;
                Bs[r * SSD_LDR + q] = r < ncl ? LDV(x, b, t0 + c0 + r, h, q0 + q) : 0.0f;
            }
            BARRIER();
            ssmix_tile_mac(gacc, As, SSD_LDR, 1, Bs, 1, SSD_LDR, kp, tb, tb);
        }
        for (int r = 0; r < SSD_R; ++r) {
            int i, j;
            if (!ssmix_tile_elem(r, tb, tb, &i, &j)) continue;
            float val = 0.0f;
            if (i < nr && j < ncl && c0 + j < r0 + i && seq_r[i] == seq_c[j])
                val = cacc[r] * gacc[r] * EXPF(lam_r[i] - lam_c[j]) * dl_c[j];
            Ts[i * SSD_LDR + j] = val;
        }
        BARRIER();
        if (k < blk) {
            for (int i = lid; i < nr; i += nth) {
                float s = 0.0f;
                for (int j = 0; j < ncl; ++j) s += Ts[i * SSD_LDR + j];
                tmp[i] = s;
                rsum[i] += s;
            }
        } else if (k == blk) {
            for (int l = lid; l < no; l += nth) {
                float s = 0.0f;
                for (int i = l; i < nr; ++i)
                    for (int j = 0; j < l; ++j) s += Ts[i * SSD_LDR + j];
                ws[off_inb + bh * L + t0 + o0 + l] = s;
            }
        } else {
            for (int j = lid; j < ncl; j += nth) {
                float s = 0.0f;
                for (int i = 0; i < nr; ++i) s += Ts[i * SSD_LDR + j];
                csum[j] += s;
            }
        }
        BARRIER();
        if (k < blk && lid == 0) {
            float s = 0.0f;
            for (int i = 0; i < nr; ++i) s += tmp[i];
            ws[off_tot + (((b * nc + c) * H + h) * nbmax + blk) * nbmax + k] = s;
        }
    }
    BARRIER();
    for (int l = lid; l < no; l += nth) {
        ws[off_rs + bh * L + t0 + o0 + l] = rsum[l];
        ws[off_cs + bh * L + t0 + o0 + l] = csum[l];
    }
}

/* ssd_bwd_ddecay: one work-group per (b, c, h) (power-of-two size):
 *   V_c = decay_c <dH_{c+1}, H_c>, the gradient of lam_last through the carried state. */
KERNEL void KNAME(ssd_bwd_ddecay)(V2(const i32, seq), i32 has_seq, GLOBAL float *ws, i64 off_lam, i64 off_st,
                                  i64 off_dst, i64 off_v, SSD_SIZES)
{
    SHARED float red[256];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    i64 h = gid % H;
    gid /= H;
    i64 c = gid % nc, b = gid / nc;
    i64 bh = b * H + h, PN = P * N;
    const GLOBAL float *lam = ws + off_lam + bh * L;
    float decay = CHUNK_DECAY(lam, b, c);
    i64 base = ((b * nc + c) * H + h) * PN;
    float s = 0.0f;
    if (decay != 0.0f)
        for (i64 e = lid; e < PN; e += nth) s += ws[off_dst + base + e] * ws[off_st + base + e];
    red[lid] = s;
    BARRIER();
    for (int w = nth / 2; w > 0; w /= 2) {
        if (lid < w) red[lid] += red[lid + w];
        BARRIER();
    }
    if (lid == 0) ws[off_v + (b * nc + c) * H + h] = decay * red[0];
}

/* ssd_bwd_ddt: one work-item per (b, c, h). Assembles, for every position l of the chunk,
 *   R_l   = sum_{k >= l} dlam_k
 *         = sum_{i >= l} a_i  +  R^pairs_l  +  sum_{j < l} U_j  +  V_c
 *     a_i = [seq_i == s_prev] exp(lam_i) g_i . (H_c C_i)           (ssd_bwd_dC partials)
 *     U_j = dl_j X2_j, the state-leaving pair (last, j), j < l     (ssd_bwd_dx partials)
 *     V_c = decay_c <dH_{c+1}, H_c>                                 (ssd_bwd_ddecay)
 *   dDelta_l = X1_l + X2_l + A R_l,   dA partial += dl_l R_l
 * then the dt chain (clamp mask, softplus derivative), writes ddt and the per-(b,c,h) partials of
 * dA and ddt_bias (reduced over (b,c) in order by ssd_reduce_rows). The RS array is reused in place
 * for the suffix terms of the first (backward) pass. */
KERNEL void KNAME(ssd_bwd_ddt)(V3(const io_t, dt), V1(const float, A), V1(const float, dtb), i32 has_dtb,
                               i32 softplus, float dt_min, float dt_max, V3(io_t, ddt), i32 has_ddt, GLOBAL float *ws,
                               i64 off_dl, i64 off_x1, i64 off_x2, i64 off_a, i64 off_rs, i64 off_cs, i64 off_inb,
                               i64 off_tot, i64 off_v, i64 off_dap, i64 off_dtbp, i64 batch, i64 L, i64 H, i64 Q,
                               i64 nc, i32 tb, i32 nbmax, i32 npt, i32 nnt, V2(const i32, seq), i32 has_seq,
                               i32 has_vl, i64 off_vs, i64 off_ve)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= batch * nc * H) return;
    i64 h = gi % H, c = (gi / H) % nc, b = gi / (H * nc);
    i64 bh = b * H + h, t0 = c * Q, qc = IMIN(Q, L - t0);
    int nb = (int)((qc + tb - 1) / tb);
    float a = A[A_off + h * A_s0];
    float bias = has_dtb ? dtb[dtb_off + h * dtb_s0] : 0.0f;
    GLOBAL float *rs = ws + off_rs + bh * L + t0;
    const GLOBAL float *cs = ws + off_cs + bh * L + t0;
    const GLOBAL float *inb = ws + off_inb + bh * L + t0;
    const GLOBAL float *dl = ws + off_dl + bh * L + t0;
    const GLOBAL float *tot = ws + off_tot + ((b * nc + c) * H + h) * nbmax * nbmax;

    /* varlen: the suffix sums of a_i and prefix sums of U_j restart at sequence boundaries (a
     * sequence's terms never reach into another), and V is per sequence segment (see
     * ssd_varlen_v). Without varlen the restarts would only add zeros, so they are skipped. */
    i32 s_prev = SEQ(b, t0 - 1), s_last = SEQ(b, t0 + qc - 1);
    /* pass 1 (l descending): suffix sums of a_i and, inside each block, of RS_i */
    float suf_a = 0.0f, rs_run = 0.0f;
    for (i64 l = qc - 1; l >= 0; --l) {
        if (l == qc - 1 || (l + 1) % tb == 0) rs_run = 0.0f;
        if (has_vl && l < qc - 1 && SEQ(b, t0 + l + 1) != SEQ(b, t0 + l)) suf_a = 0.0f;
        float av = 0.0f;
        for (int q = 0; q < nnt; ++q) av += ws[off_a + (bh * nnt + q) * L + t0 + l];
        suf_a += av;
        rs_run += rs[l];
        rs[l] = suf_a + rs_run;
    }

    /* pass 2 (l ascending): prefix sums of U_j and, inside each block, of CS_j; block totals */
    float V = ws[off_v + (b * nc + c) * H + h];
    float pre_u = 0.0f, cs_run = 0.0f, F = 0.0f, dA_acc = 0.0f, dtb_acc = 0.0f;
    for (i64 l = 0; l < qc; ++l) {
        if (l % tb == 0) {
            int bl = (int)(l / tb);
            cs_run = 0.0f;
            F = 0.0f;
            for (int bi = bl + 1; bi < nb; ++bi)
                for (int bj = 0; bj < bl; ++bj) F += tot[bi * nbmax + bj];
        }
        i64 t = t0 + l;
        float x1 = 0.0f, x2 = 0.0f;
        for (int q = 0; q < npt; ++q) {
            x1 += ws[off_x1 + (bh * npt + q) * L + t];
            x2 += ws[off_x2 + (bh * npt + q) * L + t];
        }
        float dlv = dl[l];
        float Vl = V;
        if (has_vl) {
            i32 sl = SEQ(b, t);
            if (l > 0 && sl != SEQ(b, t - 1)) pre_u = 0.0f;
            if (sl != s_prev) Vl = ws[off_vs + (i64)sl * H + h];
            else if (s_last != s_prev) Vl = ws[off_ve + (i64)sl * H + h];
        }
        float R = rs[l] + pre_u + cs_run + F + inb[l] + Vl;
        cs_run += cs[l];
        pre_u += dlv * x2;
        float dd = x1 + x2 + a * R;
        dA_acc += dlv * R;
        float v = LOAD_IO(dt, AT3(dt, b, t, h)) + bias;
        float d1 = softplus ? ssmix_softplus(v) : v;
        float gv = (d1 < dt_min || d1 > dt_max) ? 0.0f : dd;
        if (softplus && v <= 20.0f) gv *= ssmix_sigmoid(v);
        if (has_ddt) STORE_IO(ddt, AT3(ddt, b, t, h), gv);
        dtb_acc += gv;
    }
    ws[off_dap + (b * nc + c) * H + h] = dA_acc;
    ws[off_dtbp + (b * nc + c) * H + h] = dtb_acc;
}

/* ssd_bwd_dD: one work-item per (b, c, h, p): sum over the chunk of g_t[p] x_t[p] into ws
 * [b][c][h][p] (reduced by ssd_reduce_rows). */
KERNEL void KNAME(ssd_bwd_dD)(V4(const io_t, x), V4(const io_t, z), i32 has_z, V4(const io_t, dout),
                              GLOBAL float *ws, i64 off_out, i64 batch, i64 L, i64 H, i64 P, i64 Q, i64 nc)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= batch * nc * H * P) return;
    i64 p = gi % P, h = (gi / P) % H, c = (gi / (P * H)) % nc, b = gi / (P * H * nc);
    i64 t0 = c * Q, t1 = IMIN(t0 + Q, L);
    float s = 0.0f;
    for (i64 t = t0; t < t1; ++t) s += LDG(b, t, h, p) * LDV(x, b, t, h, p);
    ws[off_out + gi] = s;
}

/* ssd_reduce_rows: one work-item per k < K:
 *   out[k / K2, k % K2] = sum_{r < R} sum_{q < Qn} part[(r K + k) Qn + q]      (fixed order)
 * used for dA and ddt_bias (R = b*nc, K = H), dD of shape (H,P) (K = H*P, K2 = P) and (H) (Qn = P). */
KERNEL void KNAME(ssd_reduce_rows)(GLOBAL float *ws, i64 off_part, i64 R, i64 K, i64 Qn, i64 K2, V2(float, out))
{
    i64 k = GID(0) * LSIZE(0) + LID(0);
    if (k >= K) return;
    float s = 0.0f;
    for (i64 r = 0; r < R; ++r)
        for (i64 q = 0; q < Qn; ++q) s += ws[off_part + (r * K + k) * Qn + q];
    out[AT2(out, k / K2, k % K2)] = s;
}

/* ssd_reduce_heads: one work-item per (b, t, g, n): out[b,t,g,n] = sum of the per-head partials
 * ws [b][t][h][n] over the heads h of group g, in ascending h. */
KERNEL void KNAME(ssd_reduce_heads)(GLOBAL float *ws, i64 off_part, V4(io_t, out), i64 batch, i64 L, i64 H, i64 G,
                                    i64 N)
{
    i64 gi = GID(0) * LSIZE(0) + LID(0);
    if (gi >= batch * L * G * N) return;
    i64 n = gi % N, g = (gi / N) % G, t = (gi / (N * G)) % L, b = gi / (N * G * L);
    i64 hpg = H / G;
    const GLOBAL float *part = ws + off_part + (b * L + t) * H * N + n;
    float s = 0.0f;
    for (i64 h = g * hpg; h < (g + 1) * hpg; ++h) s += part[h * N];
    STORE_IO(out, AT4(out, b, t, g, n), s);
}
