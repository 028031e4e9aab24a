/*
 * SSD decode step (OPS.md section 6): the resolved problem a backend receives. Included by ssmix_backend.h (never directly);
 * conventions (views, canonical stride orders, guarantees of the validator) as documented there.
 */
#ifndef SSMIX_PROBLEM_DECODE_H
#define SSMIX_PROBLEM_DECODE_H

typedef struct ssmix_ssd_decode_problem {
    int64_t batch; /* SKELETON: replaced by the operator's resolved problem */
} ssmix_ssd_decode_problem;

#endif
