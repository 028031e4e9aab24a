/*
 * The CPU reference backend ("the oracle"): literal sequential implementations of OPS.md sections
 * 1-2 in double precision over any strides and all I/O dtypes. Views carry host pointers.
 * Each function assumes a problem validated by common/validate.c, writes only the outputs that are
 * present, and returns SSMIX_SUCCESS or SSMIX_ERROR_OUT_OF_MEMORY (scratch allocation).
 */
#ifndef SSMIX_CPU_REF_H
#define SSMIX_CPU_REF_H

#include "ssmix_backend.h"

ssmix_status ssmix_ref_ssd_forward(const ssmix_ssd_problem *p);
ssmix_status ssmix_ref_ssd_backward(const ssmix_ssd_problem *p);
ssmix_status ssmix_ref_qsmix_forward(const ssmix_qsmix_problem *p);
ssmix_status ssmix_ref_qsmix_backward(const ssmix_qsmix_problem *p);

#endif
