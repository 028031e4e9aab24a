/*
 * Short depthwise convolutions (OPS.md section 5) and the causal conv state update (section 6): the resolved problem a backend receives. Included by ssmix_backend.h (never directly);
 * conventions (views, canonical stride orders, guarantees of the validator) as documented there.
 */
#ifndef SSMIX_PROBLEM_CONV_H
#define SSMIX_PROBLEM_CONV_H

typedef struct ssmix_conv1d_problem {
    int64_t batch; /* SKELETON: replaced by the operator's resolved problem */
} ssmix_conv1d_problem;

typedef struct ssmix_conv1d_update_problem {
    int64_t batch; /* SKELETON: replaced by the operator's resolved problem */
} ssmix_conv1d_update_problem;

#endif
