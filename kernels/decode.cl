/*
 * SSD decode step (OPS.md section 6), written in the dialect of dialect.h. Host side:
 * backends/gpu/decode_pipeline.c.
 *
 * ssd_decode_step: one work-group per (row i, head h), power-of-two size nth. The group walks the
 * head's P x N state in passes of `rows` = nth / nl channels; within a pass work-item lid owns
 * channel p = p0 + lid / nl and state indices n = lid % nl, lid % nl + nl, ... (nl lanes, a power of
 * two <= nth), so consecutive work-items touch consecutive n (coalesced state traffic). Each
 * work-item updates its state elements in place,
 *     S[p,n] = exp(Delta A) S[p,n] + Delta x[p] B[n],
 * and accumulates sum_n S[p,n] C[n] over its n; the nl partial sums of a channel are combined by a
 * fixed-order tree in local memory (deterministic), then y = sum + D x, out = y * silu(z).
 * Rows whose slot (state_batch_indices[i], or i) is < 0 or >= pool are padding: out = 0, the state
 * is not read or written. The slot is the same for the whole group, so that exit is uniform.
 */
#ifndef SSMIX_KERNEL_DIALECT_H
#include "dialect.h"
#endif

#define DEC_WG_MAX 256

KERNEL void KNAME(ssd_decode_step)(GLOBAL float *st, i64 st_off, i64 st_s0, i64 st_s1, i64 st_s2, i64 st_s3,
                                   const GLOBAL io_t *x, i64 x_off, i64 x_s0, i64 x_s1, i64 x_s2,
                                   const GLOBAL io_t *dt, i64 dt_off, i64 dt_s0, i64 dt_s1,
                                   const GLOBAL float *A, i64 A_off, i64 A_s0,
                                   const GLOBAL io_t *Bm, i64 B_off, i64 B_s0, i64 B_s1, i64 B_s2,
                                   const GLOBAL io_t *Cm, i64 C_off, i64 C_s0, i64 C_s1, i64 C_s2,
                                   const GLOBAL float *D, i64 D_off, i64 D_s0, i64 D_s1, i32 has_D,
                                   const GLOBAL io_t *z, i64 z_off, i64 z_s0, i64 z_s1, i64 z_s2, i32 has_z,
                                   const GLOBAL float *dtb, i64 dtb_off, i64 dtb_s0, i32 has_dtb,
                                   const GLOBAL i32 *idx, i64 idx_off, i64 idx_s0, i32 has_idx,
                                   GLOBAL io_t *out, i64 out_off, i64 out_s0, i64 out_s1, i64 out_s2,
                                   i32 softplus, float dt_min, float dt_max, i64 batch, i64 pool, i64 H, i64 P,
                                   i64 N, i64 G, i32 nl)
{
    SHARED float red[DEC_WG_MAX];
    int lid = LID(0), nth = LSIZE(0);
    i64 gid = GID(0);
    i64 h = gid % H, i = gid / H;
    if (i >= batch) return;
    i64 slot = has_idx ? (i64)idx[idx_off + i * idx_s0] : i;
    if (slot < 0 || slot >= pool) { /* padding row: uniform exit */
        for (i64 p = lid; p < P; p += nth) STORE_IO(out, out_off + i * out_s0 + h * out_s1 + p * out_s2, 0.0f);
        return;
    }
    i64 g = h / (H / G);
    float v = LOAD_IO(dt, dt_off + i * dt_s0 + h * dt_s1) + (has_dtb ? dtb[dtb_off + h * dtb_s0] : 0.0f);
    float d1 = softplus ? ssmix_softplus(v) : v;
    float delta = FMINF(FMAXF(d1, dt_min), dt_max);
    float a = EXPF(delta * A[A_off + h * A_s0]);
    int rows = nth / nl;
    int pr = lid / nl, lane = lid - pr * nl;
    for (i64 p0 = 0; p0 < P; p0 += rows) { /* same trip count for the whole group */
        i64 p = p0 + pr;
        float acc = 0.0f;
        if (p < P) {
            float dx = delta * LOAD_IO(x, x_off + i * x_s0 + h * x_s1 + p * x_s2);
            i64 sb = st_off + slot * st_s0 + h * st_s1 + p * st_s2;
            for (i64 n = lane; n < N; n += nl) {
                float s = a * st[sb + n * st_s3] + dx * LOAD_IO(Bm, B_off + i * B_s0 + g * B_s1 + n * B_s2);
                st[sb + n * st_s3] = s;
                acc += s * LOAD_IO(Cm, C_off + i * C_s0 + g * C_s1 + n * C_s2);
            }
        }
        red[lid] = acc;
        BARRIER();
        for (int w = nl / 2; w > 0; w /= 2) {
            if (lane < w) red[lid] += red[lid + w];
            BARRIER();
        }
        if (lane == 0 && p < P) {
            float xv = LOAD_IO(x, x_off + i * x_s0 + h * x_s1 + p * x_s2);
            float y = red[lid];
            if (has_D) y += D[D_off + h * D_s0 + p * D_s1] * xv;
            if (has_z) y *= ssmix_silu(LOAD_IO(z, z_off + i * z_s0 + h * z_s1 + p * z_s2));
            STORE_IO(out, out_off + i * out_s0 + h * out_s1 + p * out_s2, y);
        }
        BARRIER(); /* red is reused by the next pass */
    }
}
