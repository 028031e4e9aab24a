/*
 * Short depthwise convolutions (OPS.md section 5) and the causal conv state update (section 6): the
 * resolved problem a backend receives. Included by ssmix_backend.h (never directly); conventions
 * (views, canonical stride orders, guarantees of the validator) as documented there.
 */
#ifndef SSMIX_PROBLEM_CONV_H
#define SSMIX_PROBLEM_CONV_H

/* conv1d forward and backward (fields unused by a pass have present == 0).
 * Canonical stride order of each view (whatever the public layout, channel-last or channel-first):
 *   x out dout dx                        [b][t][c]
 *   weight dweight                       [c][w]
 *   bias dbias                           [c]
 *   seq_idx                              [b][t]
 *   init final dfinal dinit              [b][c][k]   k < W-1; x position k-(W-1) resp. L-(W-1)+k
 * pre[b,t,c] = bias[c] + sum_w weight[c,w] x[b,t-left+w,c], left = W-1 (causal) or (W-1)/2 (centered).
 * Tap validity with seq_idx: seq(s) == seq(t) and seq(t) >= 0, with seq(s < 0) = 0 if seq(0) == 0 and
 * -2 (matches nothing) otherwise; seq(t) < 0 gives out 0.
 * Guarantees: all sizes >= 1; centered => W odd and no state views; state views only with W >= 2;
 * x/out/dout/dx share io_dtype; weight, bias, states and their gradients are f32; seq_idx is i32;
 * strides >= 0; every present view lies inside its buffer; outputs do not overlap themselves;
 * dbias only with bias, dinit only with init; element counts fit in int64. */
typedef struct ssmix_conv1d_problem {
    int64_t batch, seqlen, channels, width;
    int centered;   /* 0 causal, 1 centered */
    int silu;       /* 1: out = silu(pre) */
    ssmix_dtype io_dtype;
    ssmix_view x, weight, bias, seq_idx, init;   /* inputs */
    ssmix_view out, final_state;                 /* forward outputs */
    ssmix_view dout, dfinal;                     /* backward inputs */
    ssmix_view dx, dweight, dbias, dinit;        /* backward outputs */
} ssmix_conv1d_problem;

/* conv1d decode update (causal).
 * Canonical stride order:
 *   x out              [b][t][c]   (a 2-D public x has ntokens == 1 and stride[1] == 0)
 *   conv_state         [r][c][k]   r < pool, k < W-1 (read and written in place)
 *   weight [c][w], bias [c], state_idx [b]
 * Guarantees: all sizes >= 1, W >= 2; pool == batch when state_idx is absent; conv_state does not
 * overlap itself; dtypes as for conv1d. Indices outside [0, pool) are padding (out 0, state untouched);
 * the caller promises distinct non-negative indices (not checkable on the host). */
typedef struct ssmix_conv1d_update_problem {
    int64_t batch, ntokens, channels, width, pool;
    int silu;
    ssmix_dtype io_dtype;
    ssmix_view conv_state, x, weight, bias, state_idx, out;
} ssmix_conv1d_update_problem;

#endif
