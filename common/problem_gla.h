/*
 * Gated linear attention (OPS.md section 3): the resolved problem a backend receives. Included by ssmix_backend.h (never directly);
 * conventions (views, canonical stride orders, guarantees of the validator) as documented there.
 */
#ifndef SSMIX_PROBLEM_GLA_H
#define SSMIX_PROBLEM_GLA_H

typedef struct ssmix_gla_problem {
    int64_t batch; /* SKELETON: replaced by the operator's resolved problem */
} ssmix_gla_problem;

#endif
