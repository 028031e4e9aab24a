/*
 * Gated linear attention (OPS.md section 3): the resolved problem a backend receives. Included by ssmix_backend.h (never directly);
 * conventions (views, canonical stride orders, guarantees of the validator) as documented there.
 */
#ifndef SSMIX_PROBLEM_GLA_H
#define SSMIX_PROBLEM_GLA_H

/* Forward and backward share it (fields unused by a pass have present == 0).
 * Canonical stride order of each view:
 *   q k gk dq dk dgk                     [b][t][h][k]
 *   v out dout dv                        [b][t][h][v]
 *   init final dfinal dinit              [s][h][k][v]   s = batch index, or sequence index with cu_seqlens
 *   cu_seqlens                           [i]            nseq + 1 entries
 * Guarantees: all sizes >= 1, views inside their buffers, activation views share io_dtype, states f32,
 * cu_seqlens i32 with batch == 1, strides >= 0, outputs do not overlap themselves, element counts
 * fit in int64, 1 <= chunk_size <= 64, scale finite (the K^-0.5 default already resolved), no states
 * when bidirectional. The contents of cu_seqlens are NOT checked by the validator (they may live in
 * device memory): a backend must stay in bounds for any contents (clamp), the cpu backend rejects
 * contents that are not 0 = cu[0] <= ... <= cu[nseq] = L. */
typedef struct ssmix_gla_problem {
    int64_t batch, seqlen, nheads, kdim, vdim, nseq, chunk_size; /* nseq = batch without cu_seqlens */
    float scale;
    int bidirectional;
    ssmix_dtype io_dtype;
    ssmix_view q, k, v, gk, init, cu_seqlens;
    ssmix_view out, final_state;          /* forward outputs */
    ssmix_view dout, dfinal;              /* backward inputs */
    ssmix_view dq, dk, dv, dgk, dinit;    /* backward outputs */
} ssmix_gla_problem;

#endif
