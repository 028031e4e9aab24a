/*
 * Building blocks of argument validation shared by every operator's validator (common/validate.c
 * for SSD and the mixer, common/op_<name>.c for the others). Messages follow one pattern:
 *   "<operator>: <argument>... expected ... got ...".
 */
#ifndef SSMIX_VALIDATE_UTIL_H
#define SSMIX_VALIDATE_UTIL_H

#include "internal.h"

typedef struct ssmix_checker {
    const ssmix_context *ctx;
    const char *op;        /* "ssmix_ssd_forward": prefixes every message */
    ssmix_dtype io;        /* the operator's activation (I/O) dtype, once known */
} ssmix_checker;

/* Record SSMIX_ERROR_INVALID_ARGUMENT with "<op>: <message>" and return it. */
ssmix_status ssmix_check_fail(const ssmix_checker *c, const char *fmt, ...) SSMIX_PRINTF(2, 3);

/* Check one tensor against rank `ndim`, `shape` (dimnames such as "(b,L,H,P)" for messages) and
 * `dtype`; that its strides are >= 0, its offset aligned, its extent inside its buffer (64-bit,
 * overflow-checked) and, for an output, that its elements do not overlap. Resolve it into `view`
 * with canon[i] = the tensor dimension feeding view stride i (-1: stride 0). t == NULL leaves the
 * view absent (present == 0); the caller decides whether that is allowed. */
ssmix_status ssmix_check_tensor(const ssmix_checker *c, const char *name, const ssmix_tensor *t, int ndim,
                                const int64_t *shape, const char *dimnames, ssmix_dtype dtype, int output,
                                const int *canon, ssmix_view *view);

/* A required tensor's rank, sizes >= 1 and element count within int64 (before sizes are taken from it). */
ssmix_status ssmix_check_sizes(const ssmix_checker *c, const char *name, const ssmix_tensor *t, int ndim,
                               const char *dimnames);

/* The operator's leading activation tensor `name` fixes the I/O dtype (f32, f16 or bf16): check it
 * and set c->io. */
ssmix_status ssmix_check_io_dtype(ssmix_checker *c, const char *name, const ssmix_tensor *t);

/* A gradient output may only be given when its input is. */
ssmix_status ssmix_check_grad_needs_input(const ssmix_checker *c, const char *grad, const void *g,
                                          const char *input, const void *in);

/* `name` must be NULL `why` ("in the forward pass", ...). */
ssmix_status ssmix_check_must_be_null(const ssmix_checker *c, const char *name, const void *t, const char *why);

#define SSMIX_TRY(expr) do { ssmix_status st_ = (expr); if (st_ != SSMIX_SUCCESS) return st_; } while (0)

#endif
