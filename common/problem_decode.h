/*
 * SSD decode step (OPS.md section 6): the resolved problem a backend receives. Included by ssmix_backend.h (never directly);
 * conventions (views, canonical stride orders, guarantees of the validator) as documented there.
 */
#ifndef SSMIX_PROBLEM_DECODE_H
#define SSMIX_PROBLEM_DECODE_H

/* One recurrent SSD step for `batch` rows on a pool of `pool` states. Canonical stride orders:
 *   state                   [slot][h][p][n]   (read and written in place)
 *   x z out                 [b][h][p]
 *   dt                      [b][h]
 *   B C                     [b][g][n]
 *   A dt_bias               [h]
 *   D                       [h][p]  (d_per_channel == 0: stride[1] == 0)
 *   idx                     [b]     (state_batch_indices, i32)
 * Guarantees: sizes >= 1, nheads % ngroups == 0, views inside their buffers, activations share
 * io_dtype, A/D/dt_bias/state f32, idx i32; without idx, pool == batch. The idx values live on the
 * device and are not checked: a row whose index is < 0 or >= pool is a padding row (out = 0, no
 * state touched). out and state do not overlap themselves. */
typedef struct ssmix_ssd_decode_problem {
    int64_t batch, pool, nheads, headdim, dstate, ngroups;
    int dt_softplus;
    float dt_min, dt_max;
    int d_per_channel;
    ssmix_dtype io_dtype;
    ssmix_view state, x, dt, A, B, C, D, z, dt_bias, idx, out;
} ssmix_ssd_decode_problem;

#endif
