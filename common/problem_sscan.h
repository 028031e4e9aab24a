/*
 * Selective scan (OPS.md section 4) and its decode step (section 6): the resolved problem a backend receives. Included by ssmix_backend.h (never directly);
 * conventions (views, canonical stride orders, guarantees of the validator) as documented there.
 */
#ifndef SSMIX_PROBLEM_SSCAN_H
#define SSMIX_PROBLEM_SSCAN_H

/* Scan problem (forward and backward share it; fields unused by a pass have present == 0).
 * Canonical stride order of each view:
 *   u delta z out dout du ddelta dz     [b][d][t]
 *   A dA                                [d][n]
 *   B C dB dC   per-token (B_const 0)   [b][g][n][t]
 *               constant  (B_const 1)   [d][n]       (f32)
 *   D dD delta_bias ddelta_bias         [d]
 *   init last dlast dinit               [b][d][n]
 * Guarantees: all sizes >= 1, dim % ngroups == 0 (ngroups is 1 when B and C are both constant),
 * every present view lies inside its buffer, activation views (and per-token B/C) share io_dtype,
 * A/D/delta_bias/constant B,C/states are f32, strides >= 0, output views do not overlap themselves. */
typedef struct ssmix_sscan_problem {
    int64_t batch, dim, seqlen, dstate, ngroups;
    int delta_softplus;
    int B_const, C_const; /* B (C) has shape (D,N): one value per channel for every token */
    ssmix_dtype io_dtype;
    ssmix_view u, delta, A, B, C, D, z, delta_bias, init;
    ssmix_view out, last;                                  /* forward outputs */
    ssmix_view dout, dlast;                                /* backward inputs */
    ssmix_view du, ddelta, dA, dB, dC, dD, dz, ddelta_bias, dinit; /* backward outputs */
} ssmix_sscan_problem;

/* Decode step problem. Canonical orders:
 *   state [slot][d][n] (pool slots)    x delta z out [b][d]    B C [b][g][n]
 *   A [d][n]    D delta_bias [d]       idx [b] (i32, may be absent: row i uses slot i, pool == b)
 * Index values are not checked on the host: a backend treats idx < 0 or idx >= pool as padding
 * (out row 0, state untouched). */
typedef struct ssmix_sscan_decode_problem {
    int64_t batch, dim, dstate, ngroups, pool;
    int delta_softplus;
    ssmix_dtype io_dtype;
    ssmix_view state, x, delta, A, B, C, D, z, delta_bias, idx;
    ssmix_view out;
} ssmix_sscan_decode_problem;

#endif
