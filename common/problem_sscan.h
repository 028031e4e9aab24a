/*
 * Selective scan (OPS.md section 4) and its decode step (section 6): the resolved problem a backend receives. Included by ssmix_backend.h (never directly);
 * conventions (views, canonical stride orders, guarantees of the validator) as documented there.
 */
#ifndef SSMIX_PROBLEM_SSCAN_H
#define SSMIX_PROBLEM_SSCAN_H

typedef struct ssmix_sscan_problem {
    int64_t batch; /* SKELETON: replaced by the operator's resolved problem */
} ssmix_sscan_problem;

typedef struct ssmix_sscan_decode_problem {
    int64_t batch; /* SKELETON: replaced by the operator's resolved problem */
} ssmix_sscan_decode_problem;

#endif
