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

/* Operators of OPS.md sections 3-6: the functions of the cpu backend's ops table themselves
 * (ref_gla.c, ref_sscan.c, ref_conv.c, ref_decode.c). They record their own error messages. */
ssmix_status ssmix_cpu_gla_forward(void *bctx, const ssmix_gla_problem *p);
ssmix_status ssmix_cpu_gla_backward(void *bctx, const ssmix_gla_problem *p);
ssmix_status ssmix_cpu_sscan_forward(void *bctx, const ssmix_sscan_problem *p);
ssmix_status ssmix_cpu_sscan_backward(void *bctx, const ssmix_sscan_problem *p);
ssmix_status ssmix_cpu_sscan_decode(void *bctx, const ssmix_sscan_decode_problem *p);
ssmix_status ssmix_cpu_conv1d_forward(void *bctx, const ssmix_conv1d_problem *p);
ssmix_status ssmix_cpu_conv1d_backward(void *bctx, const ssmix_conv1d_problem *p);
ssmix_status ssmix_cpu_conv1d_update(void *bctx, const ssmix_conv1d_update_problem *p);
ssmix_status ssmix_cpu_ssd_decode(void *bctx, const ssmix_ssd_decode_problem *p);

#endif
