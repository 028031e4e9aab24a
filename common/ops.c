/* Public operator entry points: defaults, validation, dispatch to the context's backend. */
#include <math.h>
#include <string.h>

#include "internal.h"

ssmix_status ssmix_ssd_params_init(ssmix_ssd_params *params)
{
    if (!params) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_ssd_params_init: params is NULL");
    memset(params, 0, sizeof *params);
    params->chunk_size = 256;
    params->dt_softplus = 0;
    params->dt_min = 0.0f;
    params->dt_max = INFINITY;
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_qsmix_params_init(ssmix_qsmix_params *params)
{
    if (!params) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_qsmix_params_init: params is NULL");
    memset(params, 0, sizeof *params);
    params->mode = SSMIX_QSMIX_HYDRA;
    params->chunk_size = 256;
    params->dt_softplus = 0;
    params->dt_min = 0.0f;
    params->dt_max = INFINITY;
    return SSMIX_SUCCESS;
}

/* A backend that lacks an operator leaves its slot NULL. */
ssmix_status ssmix_op_missing(const ssmix_context *ctx, const char *op)
{
    return ssmix_set_error(SSMIX_ERROR_UNSUPPORTED, "%s: backend %s does not implement this operator", op,
                           ctx->backend_name);
}

ssmix_status ssmix_ssd_forward(ssmix_context *ctx, const ssmix_ssd_params *params, const ssmix_ssd_tensors *t)
{
    ssmix_ssd_problem p;
    ssmix_status st = ssmix_validate_ssd(ctx, params, t, 0, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->ssd_forward) return ssmix_op_missing(ctx, "ssmix_ssd_forward");
    return ctx->backend.ops->ssd_forward(ctx->bctx, &p);
}

ssmix_status ssmix_ssd_backward(ssmix_context *ctx, const ssmix_ssd_params *params, const ssmix_ssd_tensors *t)
{
    ssmix_ssd_problem p;
    ssmix_status st = ssmix_validate_ssd(ctx, params, t, 1, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->ssd_backward) return ssmix_op_missing(ctx, "ssmix_ssd_backward");
    return ctx->backend.ops->ssd_backward(ctx->bctx, &p);
}

ssmix_status ssmix_qsmix_forward(ssmix_context *ctx, const ssmix_qsmix_params *params, const ssmix_qsmix_tensors *t)
{
    ssmix_qsmix_problem p;
    ssmix_status st = ssmix_validate_qsmix(ctx, params, t, 0, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->qsmix_forward) return ssmix_op_missing(ctx, "ssmix_qsmix_forward");
    return ctx->backend.ops->qsmix_forward(ctx->bctx, &p);
}

ssmix_status ssmix_qsmix_backward(ssmix_context *ctx, const ssmix_qsmix_params *params, const ssmix_qsmix_tensors *t)
{
    ssmix_qsmix_problem p;
    ssmix_status st = ssmix_validate_qsmix(ctx, params, t, 1, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->qsmix_backward) return ssmix_op_missing(ctx, "ssmix_qsmix_backward");
    return ctx->backend.ops->qsmix_backward(ctx->bctx, &p);
}
