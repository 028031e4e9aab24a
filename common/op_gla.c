/* Gated linear attention (OPS.md section 3): defaults, validation into ssmix_gla_problem, dispatch. */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "validate_util.h"

#define GLA_MAX_CHUNK 64 /* kernels/gla.cl GLA_QMAX */

ssmix_status ssmix_gla_params_init(ssmix_gla_params *params)
{
    if (!params) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_gla_params_init: params is NULL");
    memset(params, 0, sizeof *params);
    params->scale = NAN; /* resolved to K^-0.5 at call time */
    params->bidirectional = 0;
    params->chunk_size = 64;
    return SSMIX_SUCCESS;
}

static const int canon_id[4] = {0, 1, 2, 3};

static ssmix_status validate_gla(const ssmix_context *ctx, const ssmix_gla_params *params, const ssmix_gla_tensors *t,
                                 int backward, ssmix_gla_problem *p)
{
    ssmix_checker c = {ctx, backward ? "ssmix_gla_backward" : "ssmix_gla_forward", SSMIX_F32};
    if (!ctx) return ssmix_check_fail(&c, "ctx is NULL");
    if (!params) return ssmix_check_fail(&c, "params is NULL (use ssmix_gla_params_init)");
    if (!t) return ssmix_check_fail(&c, "tensors is NULL");
    if (params->chunk_size < 1 || params->chunk_size > GLA_MAX_CHUNK)
        return ssmix_check_fail(&c, "params.chunk_size is %lld; must be in [1, %d]", (long long)params->chunk_size, GLA_MAX_CHUNK);
    if (isinf(params->scale)) return ssmix_check_fail(&c, "params.scale is infinite; give a finite value or NAN for K^-0.5");
    if (params->bidirectional != 0 && params->bidirectional != 1)
        return ssmix_check_fail(&c, "params.bidirectional is %d; expected 0 or 1", params->bidirectional);

    SSMIX_TRY(ssmix_check_sizes(&c, "q", t->q, 4, "(b,L,H,K)"));
    SSMIX_TRY(ssmix_check_sizes(&c, "v", t->v, 4, "(b,L,H,V)"));
    SSMIX_TRY(ssmix_check_io_dtype(&c, "q", t->q));
    int64_t b = t->q->shape[0], L = t->q->shape[1], H = t->q->shape[2], K = t->q->shape[3], V = t->v->shape[3];

    memset(p, 0, sizeof *p);
    p->batch = b, p->seqlen = L, p->nheads = H, p->kdim = K, p->vdim = V, p->nseq = b;
    p->chunk_size = params->chunk_size;
    p->bidirectional = params->bidirectional;
    p->scale = isnan(params->scale) ? (float)(1.0 / sqrt((double)K)) : params->scale;
    p->io_dtype = c.io;

    if (t->cu_seqlens) {
        SSMIX_TRY(ssmix_check_sizes(&c, "cu_seqlens", t->cu_seqlens, 1, "(nseq+1)"));
        if (t->cu_seqlens->shape[0] < 2)
            return ssmix_check_fail(&c, "cu_seqlens.shape is (%lld); expected (nseq+1) with nseq >= 1", (long long)t->cu_seqlens->shape[0]);
        if (b != 1) return ssmix_check_fail(&c, "q.shape[0] (b) is %lld; must be 1 with cu_seqlens (varlen packs the sequences along L)", (long long)b);
        if (L > INT32_MAX) return ssmix_check_fail(&c, "L = %lld does not fit the i32 offsets of cu_seqlens", (long long)L);
        p->nseq = t->cu_seqlens->shape[0] - 1;
        const int64_t cu_sh[1] = {p->nseq + 1};
        SSMIX_TRY(ssmix_check_tensor(&c, "cu_seqlens", t->cu_seqlens, 1, cu_sh, "(nseq+1)", SSMIX_I32, 0, canon_id, &p->cu_seqlens));
    }

    const int64_t qk_sh[4] = {b, L, H, K}, v_sh[4] = {b, L, H, V}, st_sh[4] = {p->nseq, H, K, V};
    const char *QK = "(b,L,H,K)", *VV = "(b,L,H,V)", *ST = t->cu_seqlens ? "(nseq,H,K,V)" : "(b,H,K,V)";
    if (!t->k) return ssmix_check_fail(&c, "k is NULL (required)");
    if (!t->gk) return ssmix_check_fail(&c, "gk is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "q", t->q, 4, qk_sh, QK, c.io, 0, canon_id, &p->q));
    SSMIX_TRY(ssmix_check_tensor(&c, "k", t->k, 4, qk_sh, QK, c.io, 0, canon_id, &p->k));
    SSMIX_TRY(ssmix_check_tensor(&c, "v", t->v, 4, v_sh, VV, c.io, 0, canon_id, &p->v));
    SSMIX_TRY(ssmix_check_tensor(&c, "gk", t->gk, 4, qk_sh, QK, c.io, 0, canon_id, &p->gk));
    SSMIX_TRY(ssmix_check_tensor(&c, "initial_state", t->initial_state, 4, st_sh, ST, SSMIX_F32, 0, canon_id, &p->init));

    if (p->bidirectional) {
        const char *why = "when params.bidirectional is set (states are defined for the causal mode only)";
        SSMIX_TRY(ssmix_check_must_be_null(&c, "initial_state", t->initial_state, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "final_state", t->final_state, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dfinal_state", t->dfinal_state, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dinitial_state", t->dinitial_state, why));
    }

    if (!backward) {
        const char *why = "in the forward pass";
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dout", t->dout, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dfinal_state", t->dfinal_state, why));
        const ssmix_tensor *grads[] = {t->dq, t->dk, t->dv, t->dgk, t->dinitial_state};
        const char *gnames[] = {"dq", "dk", "dv", "dgk", "dinitial_state"};
        for (int i = 0; i < 5; i++) SSMIX_TRY(ssmix_check_must_be_null(&c, gnames[i], grads[i], why));
        if (!t->out) return ssmix_check_fail(&c, "out is NULL (required)");
        SSMIX_TRY(ssmix_check_tensor(&c, "out", t->out, 4, v_sh, VV, c.io, 1, canon_id, &p->out));
        SSMIX_TRY(ssmix_check_tensor(&c, "final_state", t->final_state, 4, st_sh, ST, SSMIX_F32, 1, canon_id, &p->final_state));
        return SSMIX_SUCCESS;
    }

    const char *why = "in the backward pass";
    SSMIX_TRY(ssmix_check_must_be_null(&c, "out", t->out, why));
    SSMIX_TRY(ssmix_check_must_be_null(&c, "final_state", t->final_state, why));
    if (!t->dout) return ssmix_check_fail(&c, "dout is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "dout", t->dout, 4, v_sh, VV, c.io, 0, canon_id, &p->dout));
    SSMIX_TRY(ssmix_check_tensor(&c, "dfinal_state", t->dfinal_state, 4, st_sh, ST, SSMIX_F32, 0, canon_id, &p->dfinal));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dinitial_state", t->dinitial_state, "initial_state", t->initial_state));
    SSMIX_TRY(ssmix_check_tensor(&c, "dq", t->dq, 4, qk_sh, QK, c.io, 1, canon_id, &p->dq));
    SSMIX_TRY(ssmix_check_tensor(&c, "dk", t->dk, 4, qk_sh, QK, c.io, 1, canon_id, &p->dk));
    SSMIX_TRY(ssmix_check_tensor(&c, "dv", t->dv, 4, v_sh, VV, c.io, 1, canon_id, &p->dv));
    SSMIX_TRY(ssmix_check_tensor(&c, "dgk", t->dgk, 4, qk_sh, QK, c.io, 1, canon_id, &p->dgk));
    SSMIX_TRY(ssmix_check_tensor(&c, "dinitial_state", t->dinitial_state, 4, st_sh, ST, SSMIX_F32, 1, canon_id, &p->dinit));
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_gla_forward(ssmix_context *ctx, const ssmix_gla_params *params, const ssmix_gla_tensors *t)
{
    ssmix_gla_problem p;
    ssmix_status st = validate_gla(ctx, params, t, 0, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->gla_forward) return ssmix_op_missing(ctx, "ssmix_gla_forward");
    return ctx->backend.ops->gla_forward(ctx->bctx, &p);
}

ssmix_status ssmix_gla_backward(ssmix_context *ctx, const ssmix_gla_params *params, const ssmix_gla_tensors *t)
{
    ssmix_gla_problem p;
    ssmix_status st = validate_gla(ctx, params, t, 1, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->gla_backward) return ssmix_op_missing(ctx, "ssmix_gla_backward");
    return ctx->backend.ops->gla_backward(ctx->bctx, &p);
}
