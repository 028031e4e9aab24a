/*
 * Argument validation for every operator, once for all backends, and resolution of the public
 * tensors into the canonical views backends receive (ssmix_backend.h). Nothing is written
 * anywhere until every check has passed, so a rejected call leaves all outputs untouched.
 *
 * Messages name the operator, the argument and the expected vs. actual value, e.g.
 *   "ssmix_ssd_forward: B.shape[2] (G) = 3 does not divide H = 8 (x.shape[2])".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "validate_util.h"

/* Sizes gathered from the leading tensors; checked against every other tensor. */
typedef struct sizes {
    int64_t b, L, H, P, G, N;
} sizes;

ssmix_status ssmix_check_fail(const ssmix_checker *c, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: %s", c->op, msg);
}

static void shape_str(char *buf, size_t size, const int64_t *shape, int ndim)
{
    size_t used = 0;
    buf[0] = '\0';
    used += (size_t)snprintf(buf + used, size - used, "(");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (used < size) snprintf(buf + used, size - used, ")");
}

/* Is there any overlap among the elements of a strided view? Sufficient test for "no": sorted by
 * stride, each stride exceeds the span covered by all smaller-stride dimensions. */
static int self_overlapping(const int64_t *shape, const int64_t *stride, int ndim)
{
    int order[SSMIX_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < ndim; i++)
        if (shape[i] > 1) order[n++] = i;
    for (int i = 1; i < n; i++) /* insertion sort by stride */
        for (int k = i; k > 0 && stride[order[k]] < stride[order[k - 1]]; k--) {
            int tmp = order[k]; order[k] = order[k - 1]; order[k - 1] = tmp;
        }
    int64_t span = 0; /* largest element index reachable with the smaller-stride dims */
    for (int i = 0; i < n; i++) {
        int d = order[i];
        if (stride[d] <= span) return 1;
        span += (shape[d] - 1) * stride[d];
    }
    return 0;
}

/*
 * Check one tensor against an expected rank, shape and dtype and resolve it into `view` with the
 * given canonical dimension mapping (canon[i] = tensor dim feeding view stride i, -1 = stride 0).
 * t == NULL leaves the view absent (callers decide whether that is allowed).
 */
ssmix_status ssmix_check_tensor(const ssmix_checker *c, const char *name, const ssmix_tensor *t, int ndim,
                                 const int64_t *shape, const char *dimnames, ssmix_dtype dtype, int output,
                                 const int *canon, ssmix_view *view)
{
    memset(view, 0, sizeof *view);
    if (!t) return SSMIX_SUCCESS;
    if (!t->buffer) return ssmix_check_fail(c, "%s.buffer is NULL", name);
    if (t->buffer->ctx != c->ctx) return ssmix_check_fail(c, "%s.buffer belongs to another context", name);
    if (ssmix_dtype_size(t->dtype) == 0) return ssmix_check_fail(c, "%s.dtype %d is not an ssmix_dtype", name, (int)t->dtype);
    if (t->dtype != dtype)
        return ssmix_check_fail(c, "%s.dtype is %s, expected %s%s", name, ssmix_dtype_name(t->dtype), ssmix_dtype_name(dtype),
                    dtype == SSMIX_F32 || dtype == SSMIX_I32 ? "" : " (the dtype of x)");
    char want[160], got[160];
    if (t->ndim != ndim) {
        shape_str(want, sizeof want, shape, ndim);
        return ssmix_check_fail(c, "%s has %d dimensions, expected %d: shape %s = %s", name, t->ndim, ndim, dimnames, want);
    }
    for (int i = 0; i < ndim; i++) {
        if (t->shape[i] != shape[i]) {
            shape_str(want, sizeof want, shape, ndim);
            shape_str(got, sizeof got, t->shape, ndim);
            return ssmix_check_fail(c, "%s.shape is %s, expected %s = %s", name, got, dimnames, want);
        }
        if (t->strides[i] < 0)
            return ssmix_check_fail(c, "%s.strides[%d] is %lld; strides must be >= 0 (elements)", name, i, (long long)t->strides[i]);
    }
    size_t esize = ssmix_dtype_size(t->dtype);
    if (t->offset % esize)
        return ssmix_check_fail(c, "%s.offset %zu is not a multiple of the %s element size %zu", name, t->offset,
                    ssmix_dtype_name(t->dtype), esize);
    /* Largest element index, in 64-bit with overflow checks; sizes are >= 1 here. */
    int64_t last = 0;
    for (int i = 0; i < ndim; i++) {
        int64_t extent = t->shape[i] - 1;
        if (extent > 0 && t->strides[i] > (INT64_MAX - last) / extent)
            return ssmix_check_fail(c, "%s: shape %s with strides overflows 64-bit element indexing", name, dimnames);
        last += extent * t->strides[i];
    }
    uint64_t end_elem = (uint64_t)last + 1 + t->offset / esize;
    if (end_elem > (uint64_t)SIZE_MAX / esize || end_elem * esize > t->buffer->size)
        return ssmix_check_fail(c, "%s does not fit in its buffer: the view ends at byte %llu, the buffer has %zu bytes", name,
                    (unsigned long long)(end_elem > (uint64_t)SIZE_MAX / esize ? UINT64_MAX : end_elem * esize),
                    t->buffer->size);
    if (output && self_overlapping(t->shape, t->strides, ndim))
        return ssmix_check_fail(c, "%s is an output whose strides make elements overlap (a stride of 0 or too small)", name);
    view->present = 1;
    view->native = t->buffer->native;
    view->offset = (int64_t)(t->offset / esize);
    view->dtype = t->dtype;
    for (int i = 0; i < 4; i++) view->stride[i] = canon[i] >= 0 && canon[i] < ndim ? t->strides[canon[i]] : 0;
    return SSMIX_SUCCESS;
}

static const int canon_id[4] = {0, 1, 2, 3};
static const int canon_d_head[4] = {0, -1, -1, -1}; /* D (H) viewed as [h][p] with p-stride 0 */

/* Sizes must be positive and their product must fit in int64 (checked per tensor shape). */
ssmix_status ssmix_check_sizes(const ssmix_checker *c, const char *name, const ssmix_tensor *t, int ndim,
                                const char *dimnames)
{
    if (!t) return ssmix_check_fail(c, "%s is NULL (required)", name);
    if (t->ndim != ndim) return ssmix_check_fail(c, "%s has %d dimensions, expected %d %s", name, t->ndim, ndim, dimnames);
    int64_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (t->shape[i] < 1)
            return ssmix_check_fail(c, "%s.shape[%d] is %lld; sizes %s must be >= 1", name, i, (long long)t->shape[i], dimnames);
        if (count > INT64_MAX / t->shape[i]) return ssmix_check_fail(c, "%s: element count of shape %s overflows int64", name, dimnames);
        count *= t->shape[i];
    }
    return SSMIX_SUCCESS;
}

/* Leading tensors fix b, L, H, P (x) and G, N (B): both modes of both operators share this. */
static ssmix_status gather_sizes(ssmix_checker *c, const ssmix_tensor *x, const char *bname, const ssmix_tensor *B,
                                 sizes *s)
{
    ssmix_status st = ssmix_check_sizes(c, "x", x, 4, "(b,L,H,P)");
    if (st) return st;
    st = ssmix_check_sizes(c, bname, B, 4, "(b,L,G,N)");
    if (st) return st;
    st = ssmix_check_io_dtype(c, "x", x);
    if (st) return st;
    s->b = x->shape[0], s->L = x->shape[1], s->H = x->shape[2], s->P = x->shape[3];
    s->G = B->shape[2], s->N = B->shape[3];
    if (B->shape[0] != s->b || B->shape[1] != s->L)
        return ssmix_check_fail(c, "%s.shape[0:2] is (%lld,%lld), expected (b,L) = (%lld,%lld) from x", bname,
                    (long long)B->shape[0], (long long)B->shape[1], (long long)s->b, (long long)s->L);
    if (s->H % s->G)
        return ssmix_check_fail(c, "%s.shape[2] (G) = %lld does not divide H = %lld (x.shape[2]); heads are split evenly into groups",
                    bname, (long long)s->G, (long long)s->H);
    return SSMIX_SUCCESS;
}

static ssmix_status check_common_params(const ssmix_checker *c, int64_t chunk_size, float dt_min, float dt_max)
{
    if (chunk_size < 1) return ssmix_check_fail(c, "params.chunk_size is %lld; must be >= 1", (long long)chunk_size);
    if (isnan(dt_min) || isnan(dt_max)) return ssmix_check_fail(c, "params.dt_min/dt_max must not be NaN");
    if (dt_min > dt_max) return ssmix_check_fail(c, "params.dt_min (%g) > params.dt_max (%g)", (double)dt_min, (double)dt_max);
    return SSMIX_SUCCESS;
}

/* D may be (H) or (H,P); dD must then have D's shape. */
static ssmix_status check_diag(const ssmix_checker *c, const char *name, const ssmix_tensor *t, const sizes *s, int output,
                               int *per_channel, ssmix_view *view)
{
    memset(view, 0, sizeof *view);
    if (!t) return SSMIX_SUCCESS;
    int64_t sh[2] = {s->H, s->P};
    if (t->ndim == 2) {
        if (per_channel) *per_channel = 1;
        return ssmix_check_tensor(c, name, t, 2, sh, "(H,P)", SSMIX_F32, output, canon_id, view);
    }
    if (t->ndim != 1)
        return ssmix_check_fail(c, "%s has %d dimensions, expected (H) = (%lld) or (H,P) = (%lld,%lld)", name, t->ndim,
                    (long long)s->H, (long long)s->H, (long long)s->P);
    if (per_channel) *per_channel = 0;
    return ssmix_check_tensor(c, name, t, 1, sh, "(H)", SSMIX_F32, output, canon_d_head, view);
}

/* A gradient output may only be given when its input is. */
ssmix_status ssmix_check_io_dtype(ssmix_checker *c, const char *name, const ssmix_tensor *t)
{
    if (t->dtype != SSMIX_F32 && t->dtype != SSMIX_F16 && t->dtype != SSMIX_BF16)
        return ssmix_check_fail(c, "%s.dtype is %s; the I/O dtype must be f32, f16 or bf16", name,
                                ssmix_dtype_name(t->dtype));
    c->io = t->dtype;
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_check_grad_needs_input(const ssmix_checker *c, const char *grad, const void *g, const char *input, const void *in)
{
    if (g && !in) return ssmix_check_fail(c, "%s is given but %s is not (a gradient needs its input)", grad, input);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_check_must_be_null(const ssmix_checker *c, const char *name, const void *t, const char *why)
{
    if (t) return ssmix_check_fail(c, "%s must be NULL %s", name, why);
    return SSMIX_SUCCESS;
}


ssmix_status ssmix_validate_ssd(const ssmix_context *ctx, const ssmix_ssd_params *params, const ssmix_ssd_tensors *t,
                                int backward, ssmix_ssd_problem *p)
{
    ssmix_checker c = {ctx, backward ? "ssmix_ssd_backward" : "ssmix_ssd_forward", SSMIX_F32};
    if (!ctx) return ssmix_check_fail(&c, "ctx is NULL");
    if (!params) return ssmix_check_fail(&c, "params is NULL (use ssmix_ssd_params_init)");
    if (!t) return ssmix_check_fail(&c, "tensors is NULL");
    sizes s;
    SSMIX_TRY(gather_sizes(&c, t->x, "B", t->B, &s));
    SSMIX_TRY(check_common_params(&c, params->chunk_size, params->dt_min, params->dt_max));

    memset(p, 0, sizeof *p);
    p->batch = s.b, p->seqlen = s.L, p->nheads = s.H, p->headdim = s.P, p->dstate = s.N, p->ngroups = s.G;
    p->chunk_size = params->chunk_size;
    p->dt_softplus = params->dt_softplus != 0;
    p->dt_min = params->dt_min, p->dt_max = params->dt_max;
    p->io_dtype = c.io;

    const int64_t x_sh[4] = {s.b, s.L, s.H, s.P}, dt_sh[3] = {s.b, s.L, s.H}, h_sh[1] = {s.H};
    const int64_t bc_sh[4] = {s.b, s.L, s.G, s.N}, sq_sh[2] = {s.b, s.L};
    int64_t st_sh[4] = {s.b, s.H, s.P, s.N};
    const char *X = "(b,L,H,P)", *DT = "(b,L,H)", *HH = "(H)", *BC = "(b,L,G,N)", *ST = "(b,H,P,N)";

    /* varlen: one packed row of nseq sequences; states get one row per sequence */
    if (t->cu_seqlens) {
        if (t->cu_seqlens->ndim != 1 || t->cu_seqlens->shape[0] < 2)
            return ssmix_check_fail(&c, "cu_seqlens must have shape (nseq+1) with nseq >= 1 (got %d dimensions, shape[0] = %lld)",
                                    t->cu_seqlens->ndim, (long long)(t->cu_seqlens->ndim >= 1 ? t->cu_seqlens->shape[0] : 0));
        if (s.b != 1)
            return ssmix_check_fail(&c, "cu_seqlens (varlen) requires batch 1, but x.shape[0] (b) = %lld", (long long)s.b);
        if (t->seq_idx) return ssmix_check_fail(&c, "seq_idx must be NULL when cu_seqlens is given (varlen and seq_idx are exclusive)");
        if (s.L > INT32_MAX)
            return ssmix_check_fail(&c, "cu_seqlens is given but L = %lld does not fit in its int32 entries", (long long)s.L);
        p->nseq = t->cu_seqlens->shape[0] - 1;
        if (p->nseq > s.L)
            return ssmix_check_fail(&c, "cu_seqlens has %lld sequences but L = %lld (every sequence needs length >= 1)",
                                    (long long)p->nseq, (long long)s.L);
        const int64_t cu_sh[1] = {p->nseq + 1};
        SSMIX_TRY(ssmix_check_tensor(&c, "cu_seqlens", t->cu_seqlens, 1, cu_sh, "(nseq+1)", SSMIX_I32, 0, canon_id, &p->cu_seqlens));
        st_sh[0] = p->nseq;
        ST = "(nseq,H,P,N)";
    }

    if (!t->dt) return ssmix_check_fail(&c, "dt is NULL (required)");
    if (!t->A) return ssmix_check_fail(&c, "A is NULL (required)");
    if (!t->C) return ssmix_check_fail(&c, "C is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "x", t->x, 4, x_sh, X, c.io, 0, canon_id, &p->x));
    SSMIX_TRY(ssmix_check_tensor(&c, "dt", t->dt, 3, dt_sh, DT, c.io, 0, canon_id, &p->dt));
    SSMIX_TRY(ssmix_check_tensor(&c, "A", t->A, 1, h_sh, HH, SSMIX_F32, 0, canon_id, &p->A));
    SSMIX_TRY(ssmix_check_tensor(&c, "B", t->B, 4, bc_sh, BC, c.io, 0, canon_id, &p->B));
    SSMIX_TRY(ssmix_check_tensor(&c, "C", t->C, 4, bc_sh, BC, c.io, 0, canon_id, &p->C));
    SSMIX_TRY(check_diag(&c, "D", t->D, &s, 0, &p->d_per_channel, &p->D));
    SSMIX_TRY(ssmix_check_tensor(&c, "z", t->z, 4, x_sh, X, c.io, 0, canon_id, &p->z));
    SSMIX_TRY(ssmix_check_tensor(&c, "dt_bias", t->dt_bias, 1, h_sh, HH, SSMIX_F32, 0, canon_id, &p->dt_bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "initial_states", t->initial_states, 4, st_sh, ST, SSMIX_F32, 0, canon_id, &p->init));
    SSMIX_TRY(ssmix_check_tensor(&c, "seq_idx", t->seq_idx, 2, sq_sh, "(b,L)", SSMIX_I32, 0, canon_id, &p->seq_idx));

    if (!backward) {
        const char *why = "in the forward pass";
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dout", t->dout, why));
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dfinal_states", t->dfinal_states, why));
        const ssmix_tensor *grads[] = {t->dx, t->ddt, t->dA, t->dB, t->dC, t->dD, t->dz, t->ddt_bias, t->dinitial_states};
        const char *gnames[] = {"dx", "ddt", "dA", "dB", "dC", "dD", "dz", "ddt_bias", "dinitial_states"};
        for (int i = 0; i < 9; i++) SSMIX_TRY(ssmix_check_must_be_null(&c, gnames[i], grads[i], why));
        if (!t->out) return ssmix_check_fail(&c, "out is NULL (required)");
        SSMIX_TRY(ssmix_check_tensor(&c, "out", t->out, 4, x_sh, X, c.io, 1, canon_id, &p->out));
        SSMIX_TRY(ssmix_check_tensor(&c, "final_states", t->final_states, 4, st_sh, ST, SSMIX_F32, 1, canon_id, &p->final_states));
        return SSMIX_SUCCESS;
    }

    const char *why = "in the backward pass";
    SSMIX_TRY(ssmix_check_must_be_null(&c, "out", t->out, why));
    SSMIX_TRY(ssmix_check_must_be_null(&c, "final_states", t->final_states, why));
    if (!t->dout) return ssmix_check_fail(&c, "dout is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "dout", t->dout, 4, x_sh, X, c.io, 0, canon_id, &p->dout));
    SSMIX_TRY(ssmix_check_tensor(&c, "dfinal_states", t->dfinal_states, 4, st_sh, ST, SSMIX_F32, 0, canon_id, &p->dfinal));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dD", t->dD, "D", t->D));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dz", t->dz, "z", t->z));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "ddt_bias", t->ddt_bias, "dt_bias", t->dt_bias));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dinitial_states", t->dinitial_states, "initial_states", t->initial_states));
    SSMIX_TRY(ssmix_check_tensor(&c, "dx", t->dx, 4, x_sh, X, c.io, 1, canon_id, &p->dx));
    SSMIX_TRY(ssmix_check_tensor(&c, "ddt", t->ddt, 3, dt_sh, DT, c.io, 1, canon_id, &p->ddt));
    SSMIX_TRY(ssmix_check_tensor(&c, "dA", t->dA, 1, h_sh, HH, SSMIX_F32, 1, canon_id, &p->dA));
    SSMIX_TRY(ssmix_check_tensor(&c, "dB", t->dB, 4, bc_sh, BC, c.io, 1, canon_id, &p->dB));
    SSMIX_TRY(ssmix_check_tensor(&c, "dC", t->dC, 4, bc_sh, BC, c.io, 1, canon_id, &p->dC));
    if (t->dD) {
        if (t->dD->ndim != t->D->ndim)
            return ssmix_check_fail(&c, "dD has %d dimensions, expected %d (the shape of D)", t->dD->ndim, t->D->ndim);
        SSMIX_TRY(check_diag(&c, "dD", t->dD, &s, 1, NULL, &p->dD));
    }
    SSMIX_TRY(ssmix_check_tensor(&c, "dz", t->dz, 4, x_sh, X, c.io, 1, canon_id, &p->dz));
    SSMIX_TRY(ssmix_check_tensor(&c, "ddt_bias", t->ddt_bias, 1, h_sh, HH, SSMIX_F32, 1, canon_id, &p->ddt_bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "dinitial_states", t->dinitial_states, 4, st_sh, ST, SSMIX_F32, 1, canon_id, &p->dinit));
    return SSMIX_SUCCESS;
}

static int same_view(const ssmix_tensor *a, const ssmix_tensor *b)
{
    if (a == b) return 1;
    if (!a || !b) return 0;
    if (a->buffer != b->buffer || a->offset != b->offset || a->dtype != b->dtype || a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim && i < SSMIX_MAX_DIMS; i++)
        if (a->shape[i] != b->shape[i] || a->strides[i] != b->strides[i]) return 0;
    return 1;
}

ssmix_status ssmix_validate_qsmix(const ssmix_context *ctx, const ssmix_qsmix_params *params,
                                  const ssmix_qsmix_tensors *t, int backward, ssmix_qsmix_problem *p)
{
    ssmix_checker c = {ctx, backward ? "ssmix_qsmix_backward" : "ssmix_qsmix_forward", SSMIX_F32};
    if (!ctx) return ssmix_check_fail(&c, "ctx is NULL");
    if (!params) return ssmix_check_fail(&c, "params is NULL (use ssmix_qsmix_params_init)");
    if (!t) return ssmix_check_fail(&c, "tensors is NULL");
    if (params->mode != SSMIX_QSMIX_HYDRA && params->mode != SSMIX_QSMIX_BIMAMBA2)
        return ssmix_check_fail(&c, "params.mode is %d; expected SSMIX_QSMIX_HYDRA (0) or SSMIX_QSMIX_BIMAMBA2 (1)", (int)params->mode);
    sizes s;
    SSMIX_TRY(gather_sizes(&c, t->x, "B_f", t->B_f, &s));
    SSMIX_TRY(check_common_params(&c, params->chunk_size, params->dt_min, params->dt_max));

    memset(p, 0, sizeof *p);
    p->batch = s.b, p->seqlen = s.L, p->nheads = s.H, p->headdim = s.P, p->dstate = s.N, p->ngroups = s.G;
    p->chunk_size = params->chunk_size;
    p->mode = params->mode;
    p->dt_softplus = params->dt_softplus != 0;
    p->dt_min = params->dt_min, p->dt_max = params->dt_max;
    p->io_dtype = c.io;

    const int64_t x_sh[4] = {s.b, s.L, s.H, s.P}, dt_sh[3] = {s.b, s.L, s.H}, h_sh[1] = {s.H};
    const int64_t bc_sh[4] = {s.b, s.L, s.G, s.N};
    int64_t st_sh[4] = {s.b, s.H, s.P, s.N};
    const char *X = "(b,L,H,P)", *DT = "(b,L,H)", *HH = "(H)", *BC = "(b,L,G,N)", *ST = "(b,H,P,N)";

    /* varlen: one packed row of nseq sequences; the states lead with nseq instead of b. The values
     * live on the device: backends that can read them (the cpu oracle) check them. */
    if (t->cu_seqlens) {
        const ssmix_tensor *cu = t->cu_seqlens;
        if (cu->ndim != 1)
            return ssmix_check_fail(&c, "cu_seqlens has %d dimensions, expected 1: (nseq+1)", cu->ndim);
        if (cu->shape[0] < 2)
            return ssmix_check_fail(&c, "cu_seqlens has shape (%lld), expected (nseq+1) with nseq >= 1", (long long)cu->shape[0]);
        if (s.b != 1)
            return ssmix_check_fail(&c, "cu_seqlens is given but the batch (x.shape[0]) is %lld; a varlen packed batch needs batch 1", (long long)s.b);
        if (s.L > INT32_MAX)
            return ssmix_check_fail(&c, "cu_seqlens is given but L = %lld does not fit in its int32 entries", (long long)s.L);
        if (cu->shape[0] - 1 > s.L)
            return ssmix_check_fail(&c, "cu_seqlens has %lld sequences but L = %lld (every sequence needs length >= 1)",
                                    (long long)(cu->shape[0] - 1), (long long)s.L);
        const int64_t cu_sh[1] = {cu->shape[0]};
        SSMIX_TRY(ssmix_check_tensor(&c, "cu_seqlens", cu, 1, cu_sh, "(nseq+1)", SSMIX_I32, 0, canon_id, &p->cu_seqlens));
        p->nseq = cu->shape[0] - 1;
        st_sh[0] = p->nseq;
        ST = "(nseq,H,P,N)";
    }

    int nb = (t->dt_b != NULL) + (t->B_b != NULL) + (t->C_b != NULL);
    if (nb != 0 && nb != 3) return ssmix_check_fail(&c, "dt_b, B_b and C_b must be given together (or all NULL to share the forward ones)");
    p->shared_dirs = nb == 0 || (same_view(t->dt_b, t->dt_f) && same_view(t->B_b, t->B_f) && same_view(t->C_b, t->C_f));

    if (!t->A) return ssmix_check_fail(&c, "A is NULL (required)");
    if (!t->dt_f) return ssmix_check_fail(&c, "dt_f is NULL (required)");
    if (!t->C_f) return ssmix_check_fail(&c, "C_f is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "x", t->x, 4, x_sh, X, c.io, 0, canon_id, &p->x));
    SSMIX_TRY(ssmix_check_tensor(&c, "A", t->A, 1, h_sh, HH, SSMIX_F32, 0, canon_id, &p->A));
    SSMIX_TRY(ssmix_check_tensor(&c, "dt_bias", t->dt_bias, 1, h_sh, HH, SSMIX_F32, 0, canon_id, &p->dt_bias));
    SSMIX_TRY(ssmix_check_tensor(&c, "dt_f", t->dt_f, 3, dt_sh, DT, c.io, 0, canon_id, &p->dt[0]));
    SSMIX_TRY(ssmix_check_tensor(&c, "B_f", t->B_f, 4, bc_sh, BC, c.io, 0, canon_id, &p->B[0]));
    SSMIX_TRY(ssmix_check_tensor(&c, "C_f", t->C_f, 4, bc_sh, BC, c.io, 0, canon_id, &p->C[0]));
    if (p->shared_dirs) {
        p->dt[1] = p->dt[0], p->B[1] = p->B[0], p->C[1] = p->C[0];
    } else {
        SSMIX_TRY(ssmix_check_tensor(&c, "dt_b", t->dt_b, 3, dt_sh, DT, c.io, 0, canon_id, &p->dt[1]));
        SSMIX_TRY(ssmix_check_tensor(&c, "B_b", t->B_b, 4, bc_sh, BC, c.io, 0, canon_id, &p->B[1]));
        SSMIX_TRY(ssmix_check_tensor(&c, "C_b", t->C_b, 4, bc_sh, BC, c.io, 0, canon_id, &p->C[1]));
    }
    if (t->D && t->delta) return ssmix_check_fail(&c, "D and delta are mutually exclusive (give the per-head D or the per-token delta)");
    SSMIX_TRY(check_diag(&c, "D", t->D, &s, 0, &p->d_per_channel, &p->D));
    SSMIX_TRY(ssmix_check_tensor(&c, "delta", t->delta, 3, dt_sh, DT, c.io, 0, canon_id, &p->delta));
    SSMIX_TRY(ssmix_check_tensor(&c, "z", t->z, 4, x_sh, X, c.io, 0, canon_id, &p->z));
    SSMIX_TRY(ssmix_check_tensor(&c, "initial_states_f", t->initial_states_f, 4, st_sh, ST, SSMIX_F32, 0, canon_id, &p->init[0]));
    SSMIX_TRY(ssmix_check_tensor(&c, "initial_states_b", t->initial_states_b, 4, st_sh, ST, SSMIX_F32, 0, canon_id, &p->init[1]));

    const ssmix_tensor *grads[] = {t->dx, t->dA, t->ddt_bias, t->dD, t->ddelta, t->dz, t->ddt_f, t->dB_f,
                                   t->dC_f, t->ddt_b, t->dB_b, t->dC_b, t->dinitial_states_f, t->dinitial_states_b};
    const char *gnames[] = {"dx", "dA", "ddt_bias", "dD", "ddelta", "dz", "ddt_f", "dB_f",
                            "dC_f", "ddt_b", "dB_b", "dC_b", "dinitial_states_f", "dinitial_states_b"};
    if (!backward) {
        const char *why = "in the forward pass";
        SSMIX_TRY(ssmix_check_must_be_null(&c, "dout", t->dout, why));
        for (int i = 0; i < 14; i++) SSMIX_TRY(ssmix_check_must_be_null(&c, gnames[i], grads[i], why));
        if (!t->out) return ssmix_check_fail(&c, "out is NULL (required)");
        return ssmix_check_tensor(&c, "out", t->out, 4, x_sh, X, c.io, 1, canon_id, &p->out);
    }

    SSMIX_TRY(ssmix_check_must_be_null(&c, "out", t->out, "in the backward pass"));
    if (!t->dout) return ssmix_check_fail(&c, "dout is NULL (required)");
    SSMIX_TRY(ssmix_check_tensor(&c, "dout", t->dout, 4, x_sh, X, c.io, 0, canon_id, &p->dout));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "ddt_bias", t->ddt_bias, "dt_bias", t->dt_bias));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dD", t->dD, "D", t->D));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "ddelta", t->ddelta, "delta", t->delta));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dz", t->dz, "z", t->z));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dinitial_states_f", t->dinitial_states_f, "initial_states_f", t->initial_states_f));
    SSMIX_TRY(ssmix_check_grad_needs_input(&c, "dinitial_states_b", t->dinitial_states_b, "initial_states_b", t->initial_states_b));
    SSMIX_TRY(ssmix_check_tensor(&c, "dx", t->dx, 4, x_sh, X, c.io, 1, canon_id, &p->dx));
    SSMIX_TRY(ssmix_check_tensor(&c, "dA", t->dA, 1, h_sh, HH, SSMIX_F32, 1, canon_id, &p->dA));
    SSMIX_TRY(ssmix_check_tensor(&c, "ddt_bias", t->ddt_bias, 1, h_sh, HH, SSMIX_F32, 1, canon_id, &p->ddt_bias));
    if (t->dD) {
        if (t->dD->ndim != t->D->ndim)
            return ssmix_check_fail(&c, "dD has %d dimensions, expected %d (the shape of D)", t->dD->ndim, t->D->ndim);
        SSMIX_TRY(check_diag(&c, "dD", t->dD, &s, 1, NULL, &p->dD));
    }
    SSMIX_TRY(ssmix_check_tensor(&c, "ddelta", t->ddelta, 3, dt_sh, DT, c.io, 1, canon_id, &p->ddelta));
    SSMIX_TRY(ssmix_check_tensor(&c, "dz", t->dz, 4, x_sh, X, c.io, 1, canon_id, &p->dz));
    SSMIX_TRY(ssmix_check_tensor(&c, "ddt_f", t->ddt_f, 3, dt_sh, DT, c.io, 1, canon_id, &p->ddt[0]));
    SSMIX_TRY(ssmix_check_tensor(&c, "dB_f", t->dB_f, 4, bc_sh, BC, c.io, 1, canon_id, &p->dB[0]));
    SSMIX_TRY(ssmix_check_tensor(&c, "dC_f", t->dC_f, 4, bc_sh, BC, c.io, 1, canon_id, &p->dC[0]));
    if (p->shared_dirs) {
        /* One set of direction parameters: the forward gradients receive both directions' sums. */
        const char *why = "when the directions share dt/B/C (or pass the same view as the forward gradient)";
        if (!same_view(t->ddt_b, t->ddt_f)) SSMIX_TRY(ssmix_check_must_be_null(&c, "ddt_b", t->ddt_b, why));
        if (!same_view(t->dB_b, t->dB_f)) SSMIX_TRY(ssmix_check_must_be_null(&c, "dB_b", t->dB_b, why));
        if (!same_view(t->dC_b, t->dC_f)) SSMIX_TRY(ssmix_check_must_be_null(&c, "dC_b", t->dC_b, why));
    } else {
        SSMIX_TRY(ssmix_check_tensor(&c, "ddt_b", t->ddt_b, 3, dt_sh, DT, c.io, 1, canon_id, &p->ddt[1]));
        SSMIX_TRY(ssmix_check_tensor(&c, "dB_b", t->dB_b, 4, bc_sh, BC, c.io, 1, canon_id, &p->dB[1]));
        SSMIX_TRY(ssmix_check_tensor(&c, "dC_b", t->dC_b, 4, bc_sh, BC, c.io, 1, canon_id, &p->dC[1]));
    }
    SSMIX_TRY(ssmix_check_tensor(&c, "dinitial_states_f", t->dinitial_states_f, 4, st_sh, ST, SSMIX_F32, 1, canon_id, &p->dinit[0]));
    SSMIX_TRY(ssmix_check_tensor(&c, "dinitial_states_b", t->dinitial_states_b, 4, st_sh, ST, SSMIX_F32, 1, canon_id, &p->dinit[1]));
    return SSMIX_SUCCESS;
}
