/*
 * SSD decode step (OPS.md section 6): parameter defaults, argument validation into
 * ssmix_ssd_decode_problem, dispatch. Nothing is written until every check has passed.
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "validate_util.h"

ssmix_status ssmix_ssd_decode_params_init(ssmix_ssd_decode_params *params)
{
    if (!params) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_ssd_decode_params_init: params is NULL");
    memset(params, 0, sizeof *params);
    params->dt_softplus = 0;
    params->dt_min = 0.0f;
    params->dt_max = INFINITY;
    return SSMIX_SUCCESS;
}

static const int canon_id[4] = {0, 1, 2, 3};
static const int canon_d_head[4] = {0, -1, -1, -1}; /* D (H) viewed as [h][p] with p-stride 0 */

static ssmix_status validate_decode(const ssmix_context *ctx, const ssmix_ssd_decode_params *params,
                                    const ssmix_ssd_decode_tensors *t, ssmix_ssd_decode_problem *p)
{
    ssmix_checker c = {ctx, "ssmix_ssd_decode", SSMIX_F32};
    if (!ctx) return ssmix_check_fail(&c, "ctx is NULL");
    if (!params) return ssmix_check_fail(&c, "params is NULL (use ssmix_ssd_decode_params_init)");
    if (!t) return ssmix_check_fail(&c, "tensors is NULL");
    if (isnan(params->dt_min) || isnan(params->dt_max)) return ssmix_check_fail(&c, "params.dt_min/dt_max must not be NaN");
    if (params->dt_min > params->dt_max)
        return ssmix_check_fail(&c, "params.dt_min (%g) > params.dt_max (%g)", (double)params->dt_min, (double)params->dt_max);

    SSMIX_TRY(ssmix_check_sizes(&c, "state", t->state, 4, "(pool,H,P,N)"));
    SSMIX_TRY(ssmix_check_sizes(&c, "x", t->x, 3, "(b,H,P)"));
    SSMIX_TRY(ssmix_check_sizes(&c, "B", t->B, 3, "(b,G,N)"));
    SSMIX_TRY(ssmix_check_io_dtype(&c, "x", t->x));
    const int64_t b = t->x->shape[0], H = t->x->shape[1], P = t->x->shape[2];
    const int64_t G = t->B->shape[1], N = t->B->shape[2], pool = t->state->shape[0];
    if (t->B->shape[0] != b)
        return ssmix_check_fail(&c, "B.shape[0] is %lld, expected b = %lld from x", (long long)t->B->shape[0], (long long)b);
    if (H % G)
        return ssmix_check_fail(&c, "B.shape[1] (G) = %lld does not divide H = %lld (x.shape[1]); heads are split evenly into groups",
                                (long long)G, (long long)H);
    if (!t->state_batch_indices && pool != b)
        return ssmix_check_fail(&c, "state.shape[0] (pool) is %lld but x.shape[0] (b) is %lld; without state_batch_indices "
                                "row i uses state i, so pool must equal b", (long long)pool, (long long)b);

    memset(p, 0, sizeof *p);
    p->batch = b, p->pool = pool, p->nheads = H, p->headdim = P, p->dstate = N, p->ngroups = G;
    p->dt_softplus = params->dt_softplus != 0;
    p->dt_min = params->dt_min, p->dt_max = params->dt_max;
    p->io_dtype = c.io;

    const int64_t st_sh[4] = {pool, H, P, N}, x_sh[3] = {b, H, P}, dt_sh[2] = {b, H}, h_sh[1] = {H};
    const int64_t bc_sh[3] = {b, G, N}, hp_sh[2] = {H, P}, i_sh[1] = {b};
    if (!t->dt) return ssmix_check_fail(&c, "dt is NULL (required)");
    if (!t->A) return ssmix_check_fail(&c, "A is NULL (required)");
    if (!t->C) return ssmix_check_fail(&c, "C is NULL (required)");
    if (!t->out) return ssmix_check_fail(&c, "out is NULL (required)");
    /* state is read and written: an output for the overlap check */
    SSMIX_TRY(ssmix_check_tensor(&c, "state", t->state, 4, st_sh, "(pool,H,P,N)", SSMIX_F32, 1, canon_id, &p->state));
    SSMIX_TRY(ssmix_check_tensor(&c, "x", t->x, 3, x_sh, "(b,H,P)", c.io, 0, canon_id, &p->x));
    SSMIX_TRY(ssmix_check_tensor(&c, "dt", t->dt, 2, dt_sh, "(b,H)", c.io, 0, canon_id, &p->dt));
    SSMIX_TRY(ssmix_check_tensor(&c, "A", t->A, 1, h_sh, "(H)", SSMIX_F32, 0, canon_id, &p->A));
    SSMIX_TRY(ssmix_check_tensor(&c, "B", t->B, 3, bc_sh, "(b,G,N)", c.io, 0, canon_id, &p->B));
    SSMIX_TRY(ssmix_check_tensor(&c, "C", t->C, 3, bc_sh, "(b,G,N)", c.io, 0, canon_id, &p->C));
    if (t->D) {
        if (t->D->ndim == 2) {
            p->d_per_channel = 1;
            SSMIX_TRY(ssmix_check_tensor(&c, "D", t->D, 2, hp_sh, "(H,P)", SSMIX_F32, 0, canon_id, &p->D));
        } else if (t->D->ndim == 1) {
            SSMIX_TRY(ssmix_check_tensor(&c, "D", t->D, 1, h_sh, "(H)", SSMIX_F32, 0, canon_d_head, &p->D));
        } else {
            return ssmix_check_fail(&c, "D has %d dimensions, expected (H) = (%lld) or (H,P) = (%lld,%lld)", t->D->ndim,
                                    (long long)H, (long long)H, (long long)P);
        }
    }
    SSMIX_TRY(ssmix_check_tensor(&c, "z", t->z, 3, x_sh, "(b,H,P)", c.io, 0, canon_id, &p->z));
    SSMIX_TRY(ssmix_check_tensor(&c, "dt_bias", t->dt_bias, 1, h_sh, "(H)", SSMIX_F32, 0, canon_id, &p->dt_bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "state_batch_indices", t->state_batch_indices, 1, i_sh, "(b)", SSMIX_I32, 0, canon_id,
                                 &p->idx));
    SSMIX_TRY(ssmix_check_tensor(&c, "out", t->out, 3, x_sh, "(b,H,P)", c.io, 1, canon_id, &p->out));
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_ssd_decode(ssmix_context *ctx, const ssmix_ssd_decode_params *params, const ssmix_ssd_decode_tensors *t)
{
    ssmix_ssd_decode_problem p;
    ssmix_status st = validate_decode(ctx, params, t, &p);
    if (st != SSMIX_SUCCESS) return st;
    if (!ctx->backend.ops->ssd_decode) return ssmix_op_missing(ctx, "ssmix_ssd_decode");
    return ctx->backend.ops->ssd_decode(ctx->bctx, &p);
}
