/*
 * SSD decode step conformance cases (OPS.md section 6 against the oracle).
 *
 * Each case runs S consecutive decode steps (x, dt, B, C, z of shape (b,S,...) sliced per step, the
 * step's views built on the same buffers) on a state pool, on the backend and on the oracle, and
 * compares every step's output and the final state pool. The state is in-out: the framework
 * poisons it like any output, and the operator call of each side first restores the pool's initial
 * values into the view elements (guard bytes keep the sentinel), so unwritten outputs, writes
 * outside the view and writes to slots no row names (they must keep their initial values) are all
 * caught. With state_batch_indices, rows are permuted into a larger pool and include padding
 * (negative) and out-of-range (>= pool) indices, whose outputs must be 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"

typedef struct dec_case {
    int64_t b, pool, H, G, P, N, S;
    ssmix_dtype io;
    int D;        /* 0 none, 1 (H), 2 (H,P) */
    int z, bias, softplus, limit;
    int idx;      /* 0: no indices (pool == b); 1: permuted into the pool with padding rows */
    int layout;   /* CONF_LAYOUT_* of the activations and the state */
    int det;
} dec_case;

#define F32 SSMIX_F32
#define F16 SSMIX_F16
#define BF16 SSMIX_BF16

/* b, pool, H, G, P, N, S, io, D, z, bias, sp, lim, idx, layout, det */
static const dec_case quick_cases[] = {
    {3, 3, 4, 2, 5, 16, 5, F32, 1, 1, 1, 1, 0, 0, 0, 1},      /* several steps, no indices */
    {4, 7, 8, 2, 16, 64, 3, F16, 2, 0, 1, 0, 1, 1, 1, 0},     /* pool, padding, out of range */
    {2, 5, 2, 1, 64, 128, 2, BF16, 1, 1, 0, 1, 0, 1, 2, 1},   /* col-major, N=128 */
    {1, 1, 3, 3, 1, 1, 4, F32, 2, 1, 1, 1, 1, 0, 1, 0},       /* P=1, N=1 */
    {2, 4, 1, 1, 128, 256, 2, F32, 1, 0, 1, 1, 0, 1, 0, 0},   /* P=128, N=256 */
};
#define NQUICK ((int)(sizeof quick_cases / sizeof quick_cases[0]))
#define NFULL 40

static dec_case full_case(int i)
{
    static const int64_t Pv[] = {1, 5, 64, 128}, Nv[] = {1, 16, 64, 128, 256};
    static const int64_t HGv[][2] = {{1, 1}, {4, 4}, {8, 2}, {64, 64}};
    static const ssmix_dtype IOv[] = {F32, F16, BF16};
    dec_case c;
    memset(&c, 0, sizeof c);
    uint64_t h = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
    c.H = HGv[i % 4][0], c.G = HGv[i % 4][1];
    c.P = Pv[(i * 3 + 1) % 4];
    c.N = Nv[(i * 7 + 2) % 5];
    c.io = IOv[i % 3];
    c.b = 1 + (int64_t)(h % 5);
    c.idx = (int)((h >> 8) & 1);
    c.pool = c.idx ? c.b + 1 + (int64_t)((h >> 9) % 4) : c.b;
    c.S = 1 + (int64_t)((h >> 12) % 6);
    c.D = (int)((h >> 16) % 3);
    c.z = (int)((h >> 18) & 1);
    c.bias = (int)((h >> 19) & 1);
    c.softplus = (int)((h >> 20) & 1);
    c.limit = (int)((h >> 21) & 1);
    c.layout = (int)((h >> 22) % 3);
    c.det = i % 5 == 0;
    return c;
}

static dec_case get_case(int full, int index) { return full ? full_case(index) : quick_cases[index]; }
static int dec_count(int full) { return full ? NFULL : NQUICK; }

static void dec_describe_case(const dec_case *c, char *buf, size_t size)
{
    snprintf(buf, size, "b%lld pool%lld H%lld/G%lld P%lld N%lld steps%lld %s D%d%s%s%s%s%s%s", (long long)c->b,
             (long long)c->pool, (long long)c->H, (long long)c->G, (long long)c->P, (long long)c->N, (long long)c->S,
             ssmix_dtype_name(c->io), c->D, c->z ? " z" : "", c->bias ? " bias" : "", c->softplus ? " sp" : "",
             c->limit ? " lim" : "", c->idx ? " idx" : "", c->layout == 1 ? " padded" : c->layout == 2 ? " colmaj" : "");
}

static void dec_describe(int full, int index, char *buf, size_t size)
{
    dec_case c = get_case(full, index);
    dec_describe_case(&c, buf, size);
}

typedef struct dec_state {
    ssmix_ssd_decode_params params;
    int64_t S;
    conf_tensor *x, *dt, *A, *B, *C, *D, *z, *bias, *idx, *state, *out;
    double *state0; /* initial pool values, row-major */
} dec_state;

/* Write the initial state values into the view elements of the (poisoned) state buffer. */
static ssmix_status restore_state(const ssmix_tensor *v, const double *vals)
{
    size_t bytes = ssmix_buffer_size(v->buffer);
    unsigned char *img = malloc(bytes);
    if (!img) return SSMIX_ERROR_OUT_OF_MEMORY;
    ssmix_status st = ssmix_buffer_read(v->buffer, 0, img, bytes);
    int64_t n = v->shape[0] * v->shape[1] * v->shape[2] * v->shape[3];
    for (int64_t e = 0; st == SSMIX_SUCCESS && e < n; ++e) {
        int64_t rem = e, off = 0;
        for (int d = 3; d >= 0; --d) {
            off += (rem % v->shape[d]) * v->strides[d];
            rem /= v->shape[d];
        }
        float f = (float)vals[e];
        memcpy(img + v->offset + (size_t)off * 4, &f, 4);
    }
    if (st == SSMIX_SUCCESS) st = ssmix_buffer_write(v->buffer, 0, img, bytes);
    free(img);
    return st;
}

/* The step-s slice of a (b,S,...) tensor as a tensor without the step dimension. */
static const ssmix_tensor *slice(const ssmix_tensor *t, int64_t s, ssmix_tensor *tmp)
{
    if (!t) return NULL;
    *tmp = *t;
    tmp->offset = t->offset + (size_t)(s * t->strides[1]) * ssmix_dtype_size(t->dtype);
    tmp->ndim = t->ndim - 1;
    tmp->shape[0] = t->shape[0], tmp->strides[0] = t->strides[0];
    for (int d = 1; d < tmp->ndim; ++d) tmp->shape[d] = t->shape[d + 1], tmp->strides[d] = t->strides[d + 1];
    return tmp;
}

static ssmix_status dec_run(conf_runner *r, conf_side side, void *user)
{
    dec_state *S = user;
    ssmix_status st = restore_state(conf_view(S->state, side), S->state0);
    if (st != SSMIX_SUCCESS) return st;
    for (int64_t s = 0; s < S->S; ++s) {
        ssmix_tensor tx, tdt, tB, tC, tz, tout;
        ssmix_ssd_decode_tensors t;
        memset(&t, 0, sizeof t);
        t.state = conf_view(S->state, side);
        t.x = slice(conf_view(S->x, side), s, &tx);
        t.dt = slice(conf_view(S->dt, side), s, &tdt);
        t.A = conf_view(S->A, side);
        t.B = slice(conf_view(S->B, side), s, &tB);
        t.C = slice(conf_view(S->C, side), s, &tC);
        t.D = conf_view(S->D, side);
        t.z = slice(conf_view(S->z, side), s, &tz);
        t.dt_bias = conf_view(S->bias, side);
        t.state_batch_indices = conf_view(S->idx, side);
        t.out = slice(conf_view(S->out, side), s, &tout);
        st = ssmix_ssd_decode(conf_ctx(r, side), &S->params, &t);
        if (st != SSMIX_SUCCESS) return st;
    }
    return SSMIX_SUCCESS;
}

static int run_dec_case(conf_runner *r, const dec_case *c, const char *label)
{
    dec_state S;
    memset(&S, 0, sizeof S);
    ssmix_ssd_decode_params_init(&S.params);
    S.params.dt_softplus = c->softplus;
    if (c->limit) S.params.dt_min = 1e-3f, S.params.dt_max = 0.1f;
    S.S = c->S;
    conf_set_case_dtype(r, c->io);
    const conf_tol none = {0, 0};
    int64_t sx[4] = {c->b, c->S, c->H, c->P}, sdt[3] = {c->b, c->S, c->H}, sA[1] = {c->H};
    int64_t sB[4] = {c->b, c->S, c->G, c->N}, sD[2] = {c->H, c->P}, sst[4] = {c->pool, c->H, c->P, c->N};
    int64_t sidx[1] = {c->b};
    int lay = c->layout;
    int failures = 0;
    S.x = conf_tensor_new(r, "x", c->io, 4, sx, lay, 0, none);
    S.dt = conf_tensor_new(r, "dt", c->io, 3, sdt, lay, 0, none);
    S.A = conf_tensor_new(r, "A", F32, 1, sA, 0, 0, none);
    S.B = conf_tensor_new(r, "B", c->io, 4, sB, lay, 0, none);
    S.C = conf_tensor_new(r, "C", c->io, 4, sB, lay == 2 ? 1 : lay, 0, none);
    if (!S.x || !S.dt || !S.A || !S.B || !S.C) goto oom;
    conf_fill_normal(r, S.x, 0, 1);
    conf_fill_normal(r, S.B, 0, 1);
    conf_fill_normal(r, S.C, 0, 1);
    double *v = conf_values(S.dt);
    for (int64_t i = 0; i < conf_numel(S.dt); ++i)
        v[i] = c->softplus ? conf_randn(r) * 0.5 - 2.0 : conf_softplus(conf_randn(r) - 4.0);
    v = conf_values(S.A);
    for (int64_t h = 0; h < c->H; ++h) v[h] = -exp(conf_randu(r));
    if (c->D) {
        S.D = conf_tensor_new(r, "D", F32, c->D == 2 ? 2 : 1, c->D == 2 ? sD : sA, 0, 0, none);
        if (!S.D) goto oom;
        conf_fill_normal(r, S.D, 0, 1);
    }
    if (c->z) {
        S.z = conf_tensor_new(r, "z", c->io, 4, sx, lay == 1 ? 2 : lay, 0, none);
        if (!S.z) goto oom;
        conf_fill_normal(r, S.z, 0, 1);
    }
    if (c->bias) {
        S.bias = conf_tensor_new(r, "dt_bias", F32, 1, sA, 0, 0, none);
        if (!S.bias) goto oom;
        conf_fill_normal(r, S.bias, 0, 1);
    }
    if (c->idx) {
        /* a random permutation of the pool's slots; row 0 padding (-1), the last row out of range
         * when b > 2 */
        S.idx = conf_tensor_new(r, "state_batch_indices", SSMIX_I32, 1, sidx, 0, 0, none);
        if (!S.idx) goto oom;
        int64_t perm[64];
        for (int64_t k = 0; k < c->pool && k < 64; ++k) perm[k] = k;
        for (int64_t k = c->pool - 1; k > 0; --k) {
            int64_t j = (int64_t)(conf_randu(r) * (double)(k + 1)), tmp = perm[k];
            perm[k] = perm[j], perm[j] = tmp;
        }
        v = conf_values(S.idx);
        for (int64_t i = 0; i < c->b; ++i) v[i] = (double)perm[i];
        if (c->b > 1) v[0] = -1;
        if (c->b > 2) v[c->b - 1] = (double)(c->pool + 2);
    }
    conf_tensor *ins[] = {S.x, S.dt, S.A, S.B, S.C, S.D, S.z, S.bias, S.idx};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; ++i)
        if (ins[i] && conf_upload(r, ins[i]) != SSMIX_SUCCESS) goto oom;

    S.out = conf_tensor_new(r, "out", c->io, 4, sx, lay, 1, conf_tol_output(c->io));
    S.state = conf_tensor_new(r, "state", F32, 4, sst, lay, 1, conf_tol_output(F32));
    if (!S.out || !S.state) goto oom;
    int64_t nst = conf_numel(S.state);
    S.state0 = malloc((size_t)nst * sizeof(double));
    if (!S.state0) goto oom;
    for (int64_t i = 0; i < nst; ++i) S.state0[i] = conf_randn(r);
    char lab[96];
    snprintf(lab, sizeof lab, "%s steps", label);
    failures += conf_execute(r, lab, 1, dec_run, &S, c->det);
    free(S.state0);
    conf_case_end(r);
    return failures;
oom:
    conf_case_end(r);
    fprintf(conf_out(r), "%s: could not set up the case\n", label);
    return 1;
}

static int dec_run_case(conf_runner *r, int full, int index)
{
    dec_case c = get_case(full, index);
    char desc[200], label[64];
    dec_describe_case(&c, desc, sizeof desc);
    snprintf(label, sizeof label, "decode#%d", index);
    fprintf(conf_out(r), "%s: %s\n", label, desc);
    return run_dec_case(r, &c, label);
}

const conf_suite conf_suite_decode = {"decode", dec_count, dec_describe, dec_run_case};
