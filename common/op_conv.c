/*
 * Short convolutions (OPS.md section 5) and the causal conv state update (section 6): parameter
 * defaults, argument validation into ssmix_conv1d_problem / ssmix_conv1d_update_problem, dispatch.
 * Nothing is written until every check has passed.
 */
#include <string.h>

#include "internal.h"
#include "validate_util.h"

ssmix_status ssmix_conv1d_params_init(ssmix_conv1d_params *params)
{
    if (!params) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_conv1d_params_init: params is NULL");
    memset(params, 0, sizeof *params);
    params->kind = SSMIX_CONV1D_CAUSAL;
    params->activation = SSMIX_CONV1D_ACT_NONE;
    params->channel_first = 0;
    return SSMIX_SUCCESS;
}

static const int canon_id[4] = {0, 1, 2, 3};
static const int canon_cf[4] = {0, 2, 1, -1}; /* (b,C,L) tensor -> [b][t][c] view */

static ssmix_status check_params(const ssmix_checker *c, const ssmix_conv1d_params *params)
{
    if (params->kind != SSMIX_CONV1D_CAUSAL && params->kind != SSMIX_CONV1D_CENTERED)
        return ssmix_check_fail(c, "params.kind is %d; expected SSMIX_CONV1D_CAUSAL (0) or SSMIX_CONV1D_CENTERED (1)",
                                (int)params->kind);
    if (params->activation != SSMIX_CONV1D_ACT_NONE && params->activation != SSMIX_CONV1D_ACT_SILU)
        return ssmix_check_fail(c, "params.activation is %d; expected SSMIX_CONV1D_ACT_NONE (0) or SSMIX_CONV1D_ACT_SILU (1)",
                                (int)params->activation);
    if (params->channel_first != 0 && params->channel_first != 1)
        return ssmix_check_fail(c, "params.channel_first is %d; expected 0 (x is (b,L,C)) or 1 (x is (b,C,L))",
                                params->channel_first);
    return SSMIX_SUCCESS;
}

static ssmix_status validate_conv1d(const ssmix_context *ctx, const ssmix_conv1d_params *params,
                                    const ssmix_conv1d_tensors *t, int backward, ssmix_conv1d_problem *p)
{
    ssmix_checker c = {ctx, backward ? "ssmix_conv1d_backward" : "ssmix_conv1d_forward", SSMIX_F32};
    if (!ctx) return ssmix_check_fail(&c, "ctx is NULL");
    if (!params) return ssmix_check_fail(&c, "params is NULL (use ssmix_conv1d_params_init)");
    if (!t) return ssmix_check_fail(&c, "tensors is NULL");
    SSMIX_TRY(check_params(&c, params));
    const int cf = params->channel_first, centered = params->kind == SSMIX_CONV1D_CENTERED;
    const char *X = cf ? "(b,C,L)" : "(b,L,C)";
    SSMIX_TRY(ssmix_check_sizes(&c, "x", t->x, 3, X));
    SSMIX_TRY(ssmix_check_io_dtype(&c, "x", t->x));
    SSMIX_TRY(ssmix_check_sizes(&c, "weight", t->weight, 2, "(C,W)"));
    const int64_t b = t->x->shape[0], L = t->x->shape[cf ? 2 : 1], C = t->x->shape[cf ? 1 : 2];
    const int64_t W = t->weight->shape[1];
    if (t->weight->shape[0] != C)
        return ssmix_check_fail(&c, "weight.shape[0] is %lld, expected C = %lld (x.shape[%d])", (long long)t->weight->shape[0],
                                (long long)C, cf ? 1 : 2);
    if (centered && W % 2 == 0)
        return ssmix_check_fail(&c, "weight.shape[1] (W) is %lld; a centered convolution needs an odd width", (long long)W);

    memset(p, 0, sizeof *p);
    p->batch = b, p->seqlen = L, p->channels = C, p->width = W;
    p->centered = centered;
    p->silu = params->activation == SSMIX_CONV1D_ACT_SILU;
    p->io_dtype = c.io;

    const int *cx = cf ? canon_cf : canon_id;
    const int64_t x_sh[3] = {b, cf ? C : L, cf ? L : C}, w_sh[2] = {C, W}, c_sh[1] = {C}, sq_sh[2] = {b, L};
    const int64_t st_sh[3] = {b, C, W - 1};
    const char *ST = "(b,C,W-1)";

    /* States exist only for a causal convolution of width >= 2. */
    const ssmix_tensor *states[] = {t->initial_state, t->final_state, t->dfinal_state, t->dinitial_state};
    const char *snames[] = {"initial_state", "final_state", "dfinal_state", "dinitial_state"};
    for (int i = 0; i < 4; i++) {
        if (centered) SSMIX_TRY(ssmix_check_must_be_null(&c, snames[i], states[i], "for a centered convolution (no state)"));
        else if (W == 1) SSMIX_TRY(ssmix_check_must_be_null(&c, snames[i], states[i], "when W = 1 (the state has W-1 = 0 columns)"));
    }

    SSMIX_TRY(ssmix_check_tensor(&c, "x", t->x, 3, x_sh, X, c.io, 0, cx, &p->x));
    SSMIX_TRY(ssmix_check_tensor(&c, "weight", t->weight, 2, w_sh, "(C,W)", SSMIX_F32, 0, canon_id, &p->weight));
    SSMIX_TRY(ssmix_check_tensor(&c, "bias", t->bias, 1, c_sh, "(C)", SSMIX_F32, 0, canon_id, &p->bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "seq_idx", t->seq_idx, 2, sq_sh, "(b,L)", SSMIX_I32, 0, canon_id, &p->seq_idx));
    SSMIX_TRY(ssmix_check_tensor(&c, "initial_state", t->initial_state, 3, st_sh, ST, SSMIX_F32, 0, canon_id, &p->init));

    if (!backward) {
        const char *why = "in the forward pass";
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dout", t->dout, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dfinal_state", t->dfinal_state, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dx", t->dx, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dweight", t->dweight, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dbias", t->dbias, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dinitial_state", t->dinitial_state, why));
        if (!t->out) return ssmix_check_fail(&c, "out is NULL (required)");
        SSMIX_TRY(ssmix_check_tensor(&c, "out", t->out, 3, x_sh, X, c.io, 1, cx, &p->out));
        SSMIX_TRY(ssmix_check_tensor(&c, "final_state", t->final_state, 3, st_sh, ST, SSMIX_F32, 1, canon_id, &p->final_state));
        return SSMIX_SUCCESS;
    }

    const char *why = "in the backward pass";
    SSMIX_TRY(ssmix_check_must_be_null(&c, "out", t->out, why));
    SSMIX_TRY(ssmix_check_must_be_null(&c, "final_state", t->final_state, why));
    if (!t->dout) return ssmix_check_fail(&c, "dout is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "dout", t->dout, 3, x_sh, X, c.io, 0, cx, &p->dout));
    SSMIX_TRY(ssmix_check_tensor(&c, "dfinal_state", t->dfinal_state, 3, st_sh, ST, SSMIX_F32, 0, canon_id, &p->dfinal));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dbias", t->dbias, "bias", t->bias));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dinitial_state", t->dinitial_state, "initial_state", t->initial_state));
    SSMIX_TRY(ssmix_check_tensor(&c, "dx", t->dx, 3, x_sh, X, c.io, 1, cx, &p->dx));
    SSMIX_TRY(ssmix_check_tensor(&c, "dweight", t->dweight, 2, w_sh, "(C,W)", SSMIX_F32, 1, canon_id, &p->dweight));
    SSMIX_TRY(ssmix_check_tensor(&c, "dbias", t->dbias, 1, c_sh, "(C)", SSMIX_F32, 1, canon_id, &p->dbias));
    SSMIX_TRY(ssmix_check_tensor(&c, "dinitial_state", t->dinitial_state, 3, st_sh, ST, SSMIX_F32, 1, canon_id, &p->dinit));
    return SSMIX_SUCCESS;
}

static ssmix_status validate_update(const ssmix_context *ctx, const ssmix_conv1d_params *params,
                                    const ssmix_conv1d_update_tensors *t, ssmix_conv1d_update_problem *p)
{
    ssmix_checker c = {ctx, "ssmix_conv1d_update", SSMIX_F32};
    if (!ctx) return ssmix_check_fail(&c, "ctx is NULL");
    if (!params) return ssmix_check_fail(&c, "params is NULL (use ssmix_conv1d_params_init)");
    if (!t) return ssmix_check_fail(&c, "tensors is NULL");
    SSMIX_TRY(check_params(&c, params));
    if (params->kind != SSMIX_CONV1D_CAUSAL)
        return ssmix_check_fail(&c, "params.kind must be SSMIX_CONV1D_CAUSAL: a centered convolution has no decode state");
    if (!t->x) return ssmix_check_fail(&c, "x is NULL (required)");
    const int cf = params->channel_first, nd = t->x->ndim;
    if (nd != 2 && nd != 3)
        return ssmix_check_fail(&c, "x has %d dimensions, expected 2 (b,C) or 3 %s", nd, cf ? "(b,C,T)" : "(b,T,C)");
    const char *X = nd == 2 ? "(b,C)" : cf ? "(b,C,T)" : "(b,T,C)";
    SSMIX_TRY(ssmix_check_sizes(&c, "x", t->x, nd, X));
    SSMIX_TRY(ssmix_check_io_dtype(&c, "x", t->x));
    SSMIX_TRY(ssmix_check_sizes(&c, "weight", t->weight, 2, "(C,W)"));
    SSMIX_TRY(ssmix_check_sizes(&c, "conv_state", t->conv_state, 3, "(pool,C,W-1)"));
    const int64_t b = t->x->shape[0];
    const int64_t T = nd == 2 ? 1 : t->x->shape[cf ? 2 : 1], C = nd == 2 ? t->x->shape[1] : t->x->shape[cf ? 1 : 2];
    const int64_t W = t->weight->shape[1], pool = t->conv_state->shape[0];
    if (t->weight->shape[0] != C)
        return ssmix_check_fail(&c, "weight.shape[0] is %lld, expected C = %lld (from x)", (long long)t->weight->shape[0],
                                (long long)C);
    if (W < 2)
        return ssmix_check_fail(&c, "weight.shape[1] (W) is %lld; the state update needs W >= 2 (W = 1 has no state: use "
                                "ssmix_conv1d_forward)", (long long)W);
    if (!t->state_batch_indices && pool != b)
        return ssmix_check_fail(&c, "conv_state.shape[0] (pool) is %lld, expected b = %lld when state_batch_indices is NULL",
                                (long long)pool, (long long)b);

    memset(p, 0, sizeof *p);
    p->batch = b, p->ntokens = T, p->channels = C, p->width = W, p->pool = pool;
    p->silu = params->activation == SSMIX_CONV1D_ACT_SILU;
    p->io_dtype = c.io;

    static const int canon_x2[4] = {0, -1, 1, -1}; /* (b,C) -> [b][t][c] with one token */
    const int *cx = nd == 2 ? canon_x2 : cf ? canon_cf : canon_id;
    int64_t x_sh[3];
    if (nd == 2) x_sh[0] = b, x_sh[1] = C, x_sh[2] = 1;
    else x_sh[0] = b, x_sh[1] = cf ? C : T, x_sh[2] = cf ? T : C;
    const int64_t st_sh[3] = {pool, C, W - 1}, w_sh[2] = {C, W}, c_sh[1] = {C}, b_sh[1] = {b};

    SSMIX_TRY(ssmix_check_tensor(&c, "conv_state", t->conv_state, 3, st_sh, "(pool,C,W-1)", SSMIX_F32, 1, canon_id,
                                 &p->conv_state));
    SSMIX_TRY(ssmix_check_tensor(&c, "x", t->x, nd, x_sh, X, c.io, 0, cx, &p->x));
    SSMIX_TRY(ssmix_check_tensor(&c, "weight", t->weight, 2, w_sh, "(C,W)", SSMIX_F32, 0, canon_id, &p->weight));
    SSMIX_TRY(ssmix_check_tensor(&c, "bias", t->bias, 1, c_sh, "(C)", SSMIX_F32, 0, canon_id, &p->bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "state_batch_indices", t->state_batch_indices, 1, b_sh, "(b)", SSMIX_I32, 0, canon_id,
                                 &p->state_idx));
    if (!t->out) return ssmix_check_fail(&c, "out is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "out", t->out, nd, x_sh, X, c.io, 1, cx, &p->out));
    if (nd == 2) p->x.stride[1] = 0, p->out.stride[1] = 0;
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_conv1d_forward(ssmix_context *ctx, const ssmix_conv1d_params *params, const ssmix_conv1d_tensors *t)
{
    ssmix_conv1d_problem p;
    SSMIX_TRY(validate_conv1d(ctx, params, t, 0, &p));
    if (!ctx->backend.ops->conv1d_forward) return ssmix_op_missing(ctx, "ssmix_conv1d_forward");
    return ctx->backend.ops->conv1d_forward(ctx->bctx, &p);
}

ssmix_status ssmix_conv1d_backward(ssmix_context *ctx, const ssmix_conv1d_params *params, const ssmix_conv1d_tensors *t)
{
    ssmix_conv1d_problem p;
    SSMIX_TRY(validate_conv1d(ctx, params, t, 1, &p));
    if (!ctx->backend.ops->conv1d_backward) return ssmix_op_missing(ctx, "ssmix_conv1d_backward");
    return ctx->backend.ops->conv1d_backward(ctx->bctx, &p);
}

ssmix_status ssmix_conv1d_update(ssmix_context *ctx, const ssmix_conv1d_params *params, const ssmix_conv1d_update_tensors *t)
{
    ssmix_conv1d_update_problem p;
    SSMIX_TRY(validate_update(ctx, params, t, &p));
    if (!ctx->backend.ops->conv1d_update) return ssmix_op_missing(ctx, "ssmix_conv1d_update");
    return ctx->backend.ops->conv1d_update(ctx->bctx, &p);
}
