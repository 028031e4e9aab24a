/*
 * Selective scan (OPS.md section 4) and its decode step (section 6): parameter defaults, argument
 * validation into ssmix_sscan_problem / ssmix_sscan_decode_problem, dispatch to the backend.
 * Nothing is written until every check has passed.
 */
#include <string.h>

#include "internal.h"
#include "validate_util.h"

ssmix_status ssmix_sscan_params_init(ssmix_sscan_params *params)
{
    if (!params) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_sscan_params_init: params is NULL");
    memset(params, 0, sizeof *params);
    params->delta_softplus = 0;
    return SSMIX_SUCCESS;
}

static const int canon_id[4] = {0, 1, 2, 3};

static ssmix_status check_params(const ssmix_checker *c, const ssmix_sscan_params *params)
{
    if (params->delta_softplus != 0 && params->delta_softplus != 1)
        return ssmix_check_fail(c, "params.delta_softplus is %d; expected 0 or 1", params->delta_softplus);
    return SSMIX_SUCCESS;
}

/* B or C (or their gradients): per-token (b,G,N,L) in the I/O dtype, or constant (D,N) f32. For an
 * input, *is_const receives the form; for a gradient, the form must match the input's (want_const). */
static ssmix_status check_bc(const ssmix_checker *c, const char *name, const ssmix_tensor *t, int64_t b, int64_t Dd,
                             int64_t L, int64_t G, int64_t N, int output, int want_const, ssmix_view *view)
{
    memset(view, 0, sizeof *view);
    if (!t) return SSMIX_SUCCESS;
    if (want_const) {
        const int64_t sh[2] = {Dd, N};
        return ssmix_check_tensor(c, name, t, 2, sh, "(D,N)", SSMIX_F32, output, canon_id, view);
    }
    const int64_t sh[4] = {b, G, N, L};
    return ssmix_check_tensor(c, name, t, 4, sh, "(b,G,N,L)", c->io, output, canon_id, view);
}

/* Rank of B/C decides the form; reports the groups of a per-token tensor. */
static ssmix_status bc_form(const ssmix_checker *c, const char *name, const ssmix_tensor *t, int *is_const, int64_t *G)
{
    if (!t) return ssmix_check_fail(c, "%s is NULL (required)", name);
    if (t->ndim == 2) {
        SSMIX_TRY(ssmix_check_sizes(c, name, t, 2, "(D,N)"));
        *is_const = 1;
        return SSMIX_SUCCESS;
    }
    if (t->ndim != 4)
        return ssmix_check_fail(c, "%s has %d dimensions, expected 4 (b,G,N,L) for per-token values or 2 (D,N) for constant ones",
                                name, t->ndim);
    SSMIX_TRY(ssmix_check_sizes(c, name, t, 4, "(b,G,N,L)"));
    *is_const = 0;
    *G = t->shape[1];
    return SSMIX_SUCCESS;
}

static ssmix_status validate_sscan(const ssmix_context *ctx, const ssmix_sscan_params *params, const ssmix_sscan_tensors *t,
                                   int backward, ssmix_sscan_problem *p)
{
    ssmix_checker c = {ctx, backward ? "ssmix_sscan_backward" : "ssmix_sscan_forward", SSMIX_F32};
    if (!ctx) return ssmix_check_fail(&c, "ctx is NULL");
    if (!params) return ssmix_check_fail(&c, "params is NULL (use ssmix_sscan_params_init)");
    if (!t) return ssmix_check_fail(&c, "tensors is NULL");
    SSMIX_TRY(check_params(&c, params));
    SSMIX_TRY(ssmix_check_sizes(&c, "u", t->u, 3, "(b,D,L)"));
    SSMIX_TRY(ssmix_check_io_dtype(&c, "u", t->u));
    SSMIX_TRY(ssmix_check_sizes(&c, "A", t->A, 2, "(D,N)"));
    const int64_t b = t->u->shape[0], Dd = t->u->shape[1], L = t->u->shape[2], N = t->A->shape[1];
    int bconst = 0, cconst = 0;
    int64_t gB = 0, gC = 0;
    SSMIX_TRY(bc_form(&c, "B", t->B, &bconst, &gB));
    SSMIX_TRY(bc_form(&c, "C", t->C, &cconst, &gC));
    if (!bconst && !cconst && gB != gC)
        return ssmix_check_fail(&c, "C.shape[1] (G) is %lld but B.shape[1] is %lld; per-token B and C share the groups",
                                (long long)gC, (long long)gB);
    const int64_t G = !bconst ? gB : !cconst ? gC : 1;
    const char *gname = !bconst ? "B" : "C";
    if (Dd % G)
        return ssmix_check_fail(&c, "%s.shape[1] (G) = %lld does not divide D = %lld (u.shape[1]); channels are split evenly into groups",
                                gname, (long long)G, (long long)Dd);

    memset(p, 0, sizeof *p);
    p->batch = b, p->dim = Dd, p->seqlen = L, p->dstate = N, p->ngroups = G;
    p->delta_softplus = params->delta_softplus;
    p->B_const = bconst, p->C_const = cconst;
    p->io_dtype = c.io;

    const int64_t x_sh[3] = {b, Dd, L}, a_sh[2] = {Dd, N}, d_sh[1] = {Dd}, st_sh[3] = {b, Dd, N};
    const char *X = "(b,D,L)", *DN = "(D,N)", *DD = "(D)", *ST = "(b,D,N)";

    if (!t->delta) return ssmix_check_fail(&c, "delta is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "u", t->u, 3, x_sh, X, c.io, 0, canon_id, &p->u));
    SSMIX_TRY(ssmix_check_tensor(&c, "delta", t->delta, 3, x_sh, X, c.io, 0, canon_id, &p->delta));
    SSMIX_TRY(ssmix_check_tensor(&c, "A", t->A, 2, a_sh, DN, SSMIX_F32, 0, canon_id, &p->A));
    SSMIX_TRY(check_bc(&c, "B", t->B, b, Dd, L, G, N, 0, bconst, &p->B));
    SSMIX_TRY(check_bc(&c, "C", t->C, b, Dd, L, G, N, 0, cconst, &p->C));
    SSMIX_TRY(ssmix_check_tensor(&c, "D", t->D, 1, d_sh, DD, SSMIX_F32, 0, canon_id, &p->D));
    SSMIX_TRY(ssmix_check_tensor(&c, "z", t->z, 3, x_sh, X, c.io, 0, canon_id, &p->z));
    SSMIX_TRY(ssmix_check_tensor(&c, "delta_bias", t->delta_bias, 1, d_sh, DD, SSMIX_F32, 0, canon_id, &p->delta_bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "initial_state", t->initial_state, 3, st_sh, ST, SSMIX_F32, 0, canon_id, &p->init));

    if (!backward) {
        const char *why = "in the forward pass";
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dout", t->dout, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dlast_state", t->dlast_state, why));
        const ssmix_tensor *grads[] = {t->du, t->ddelta, t->dA, t->dB, t->dC, t->dD, t->dz, t->ddelta_bias, t->dinitial_state};
        const char *gnames[] = {"du", "ddelta", "dA", "dB", "dC", "dD", "dz", "ddelta_bias", "dinitial_state"};
        for (int i = 0; i < 9; i++) SSMIX_TRY(ssmix_check_must_be_null(&c, gnames[i], grads[i], why));
        if (!t->out) return ssmix_check_fail(&c, "out is NULL (required)");
        SSMIX_TRY(ssmix_check_tensor(&c, "out", t->out, 3, x_sh, X, c.io, 1, canon_id, &p->out));
        SSMIX_TRY(ssmix_check_tensor(&c, "last_state", t->last_state, 3, st_sh, ST, SSMIX_F32, 1, canon_id, &p->last));
        return SSMIX_SUCCESS;
    }

    const char *why = "in the backward pass";
    SSMIX_TRY(ssmix_check_must_be_null(&c, "out", t->out, why));
    SSMIX_TRY(ssmix_check_must_be_null(&c, "last_state", t->last_state, why));
    if (!t->dout) return ssmix_check_fail(&c, "dout is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "dout", t->dout, 3, x_sh, X, c.io, 0, canon_id, &p->dout));
    SSMIX_TRY(ssmix_check_tensor(&c, "dlast_state", t->dlast_state, 3, st_sh, ST, SSMIX_F32, 0, canon_id, &p->dlast));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dD", t->dD, "D", t->D));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dz", t->dz, "z", t->z));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "ddelta_bias", t->ddelta_bias, "delta_bias", t->delta_bias));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dinitial_state", t->dinitial_state, "initial_state", t->initial_state));
    SSMIX_TRY(ssmix_check_tensor(&c, "du", t->du, 3, x_sh, X, c.io, 1, canon_id, &p->du));
    SSMIX_TRY(ssmix_check_tensor(&c, "ddelta", t->ddelta, 3, x_sh, X, c.io, 1, canon_id, &p->ddelta));
    SSMIX_TRY(ssmix_check_tensor(&c, "dA", t->dA, 2, a_sh, DN, SSMIX_F32, 1, canon_id, &p->dA));
    if (t->dB && t->dB->ndim != t->B->ndim)
        return ssmix_check_fail(&c, "dB has %d dimensions, expected %d (the shape of B)", t->dB->ndim, t->B->ndim);
    if (t->dC && t->dC->ndim != t->C->ndim)
        return ssmix_check_fail(&c, "dC has %d dimensions, expected %d (the shape of C)", t->dC->ndim, t->C->ndim);
    SSMIX_TRY(check_bc(&c, "dB", t->dB, b, Dd, L, G, N, 1, bconst, &p->dB));
    SSMIX_TRY(check_bc(&c, "dC", t->dC, b, Dd, L, G, N, 1, cconst, &p->dC));
    SSMIX_TRY(ssmix_check_tensor(&c, "dD", t->dD, 1, d_sh, DD, SSMIX_F32, 1, canon_id, &p->dD));
    SSMIX_TRY(ssmix_check_tensor(&c, "dz", t->dz, 3, x_sh, X, c.io, 1, canon_id, &p->dz));
    SSMIX_TRY(ssmix_check_tensor(&c, "ddelta_bias", t->ddelta_bias, 1, d_sh, DD, SSMIX_F32, 1, canon_id, &p->ddelta_bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "dinitial_state", t->dinitial_state, 3, st_sh, ST, SSMIX_F32, 1, canon_id, &p->dinit));
    return SSMIX_SUCCESS;
}

static ssmix_status validate_decode(const ssmix_context *ctx, const ssmix_sscan_params *params,
                                    const ssmix_sscan_decode_tensors *t, ssmix_sscan_decode_problem *p)
{
    ssmix_checker c = {ctx, "ssmix_sscan_decode", SSMIX_F32};
    if (!ctx) return ssmix_check_fail(&c, "ctx is NULL");
    if (!params) return ssmix_check_fail(&c, "params is NULL (use ssmix_sscan_params_init)");
    if (!t) return ssmix_check_fail(&c, "tensors is NULL");
    SSMIX_TRY(check_params(&c, params));
    SSMIX_TRY(ssmix_check_sizes(&c, "x", t->x, 2, "(b,D)"));
    SSMIX_TRY(ssmix_check_io_dtype(&c, "x", t->x));
    SSMIX_TRY(ssmix_check_sizes(&c, "state", t->state, 3, "(pool,D,N)"));
    SSMIX_TRY(ssmix_check_sizes(&c, "B", t->B, 3, "(b,G,N)"));
    const int64_t b = t->x->shape[0], Dd = t->x->shape[1], pool = t->state->shape[0], N = t->state->shape[2];
    const int64_t G = t->B->shape[1];
    if (t->state->shape[1] != Dd)
        return ssmix_check_fail(&c, "state.shape[1] is %lld, expected D = %lld (x.shape[1])", (long long)t->state->shape[1],
                                (long long)Dd);
    if (Dd % G)
        return ssmix_check_fail(&c, "B.shape[1] (G) = %lld does not divide D = %lld (x.shape[1]); channels are split evenly into groups",
                                (long long)G, (long long)Dd);
    if (!t->state_batch_indices && pool != b)
        return ssmix_check_fail(&c, "state.shape[0] is %lld but x has %lld rows; without state_batch_indices the pool is the batch",
                                (long long)pool, (long long)b);

    memset(p, 0, sizeof *p);
    p->batch = b, p->dim = Dd, p->dstate = N, p->ngroups = G, p->pool = pool;
    p->delta_softplus = params->delta_softplus;
    p->io_dtype = c.io;

    const int64_t st_sh[3] = {pool, Dd, N}, x_sh[2] = {b, Dd}, bc_sh[3] = {b, G, N}, a_sh[2] = {Dd, N};
    const int64_t d_sh[1] = {Dd}, i_sh[1] = {b};
    const char *X = "(b,D)", *BC = "(b,G,N)", *DD = "(D)";
    if (!t->delta) return ssmix_check_fail(&c, "delta is NULL (required)");
    if (!t->A) return ssmix_check_fail(&c, "A is NULL (required)");
    if (!t->C) return ssmix_check_fail(&c, "C is NULL (required)");
    if (!t->out) return ssmix_check_fail(&c, "out is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "state", t->state, 3, st_sh, "(pool,D,N)", SSMIX_F32, 1, canon_id, &p->state));
    SSMIX_TRY(ssmix_check_tensor(&c, "x", t->x, 2, x_sh, X, c.io, 0, canon_id, &p->x));
    SSMIX_TRY(ssmix_check_tensor(&c, "delta", t->delta, 2, x_sh, X, c.io, 0, canon_id, &p->delta));
    SSMIX_TRY(ssmix_check_tensor(&c, "A", t->A, 2, a_sh, "(D,N)", SSMIX_F32, 0, canon_id, &p->A));
    SSMIX_TRY(ssmix_check_tensor(&c, "B", t->B, 3, bc_sh, BC, c.io, 0, canon_id, &p->B));
    SSMIX_TRY(ssmix_check_tensor(&c, "C", t->C, 3, bc_sh, BC, c.io, 0, canon_id, &p->C));
    SSMIX_TRY(ssmix_check_tensor(&c, "D", t->D, 1, d_sh, DD, SSMIX_F32, 0, canon_id, &p->D));
    SSMIX_TRY(ssmix_check_tensor(&c, "z", t->z, 2, x_sh, X, c.io, 0, canon_id, &p->z));
    SSMIX_TRY(ssmix_check_tensor(&c, "delta_bias", t->delta_bias, 1, d_sh, DD, SSMIX_F32, 0, canon_id, &p->delta_bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "state_batch_indices", t->state_batch_indices, 1, i_sh, "(b)", SSMIX_I32, 0, canon_id,
                                 &p->idx));
    SSMIX_TRY(ssmix_check_tensor(&c, "out", t->out, 2, x_sh, X, c.io, 1, canon_id, &p->out));
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_sscan_forward(ssmix_context *ctx, const ssmix_sscan_params *params, const ssmix_sscan_tensors *t)
{
    ssmix_sscan_problem p;
    ssmix_status st = validate_sscan(ctx, params, t, 0, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->sscan_forward) return ssmix_op_missing(ctx, "ssmix_sscan_forward");
    return ctx->backend.ops->sscan_forward(ctx->bctx, &p);
}

ssmix_status ssmix_sscan_backward(ssmix_context *ctx, const ssmix_sscan_params *params, const ssmix_sscan_tensors *t)
{
    ssmix_sscan_problem p;
    ssmix_status st = validate_sscan(ctx, params, t, 1, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->sscan_backward) return ssmix_op_missing(ctx, "ssmix_sscan_backward");
    return ctx->backend.ops->sscan_backward(ctx->bctx, &p);
}

ssmix_status ssmix_sscan_decode(ssmix_context *ctx, const ssmix_sscan_params *params, const ssmix_sscan_decode_tensors *t)
{
    ssmix_sscan_decode_problem p;
    ssmix_status st = validate_decode(ctx, params, t, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->sscan_decode) return ssmix_op_missing(ctx, "ssmix_sscan_decode");
    return ctx->backend.ops->sscan_decode(ctx->bctx, &p);
}
