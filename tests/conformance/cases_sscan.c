/*
 * Selective scan (Mamba-1) conformance cases: OPS.md section 4 forward/backward and the section 6
 * decode step against the oracle.
 *
 * Scan cases run forward then backward. Decode cases are of two kinds:
 *   chain: the backend runs L decode steps (state in place, per-token slices of u/delta/B/C/z) and its
 *          outputs and final state are compared with the oracle's *scan* (out, last_state): the decode
 *          step reproduces the scan on the device under test;
 *   pool:  one step with state_batch_indices into a larger pool (rows of index -1 and >= pool are
 *          padding), the whole pool compared (unused slots must keep their values) and out.
 * The state of a decode case is an output tensor (poisoned by the framework, guards checked); the
 * operator call first writes its starting values into the view, then runs the steps.
 *
 * quick: every option, both B/C forms and mixes, odd lengths (partial chunks of 16), N = 1 .. 256,
 *        D beyond one work-group (channel blocks), all dtypes and layouts, determinism reruns; sized
 *        for CI on a CPU OpenCL device.
 * full:  a deterministic sample over L, (D, G), N, dtype, B/C form and options, plus decode cases.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"

enum { GU = 1, GDL = 2, GA = 4, GB = 8, GC = 16, GD = 32, GZ = 64, GBIAS = 128, GINIT = 256, GALL = 511 };

typedef struct sc_case {
    int64_t b, D, L, N, G;
    int bconst, cconst;
    ssmix_dtype io;
    int Dv, z, bias, softplus, init, dlast;
    int layout, det, grads;
    int decode; /* 0 scan, 1 decode chain, 2 decode pool */
} sc_case;

#define F32 SSMIX_F32
#define F16 SSMIX_F16
#define BF16 SSMIX_BF16

/* b, D, L, N, G, Bc, Cc, io, Dv, z, bias, sp, init, dlast, layout, det, grads, decode */
static const sc_case quick_cases[] = {
    {2, 8, 37, 16, 2, 0, 0, F32, 1, 1, 1, 1, 1, 1, 0, 1, GALL, 0},   /* partial chunk, groups */
    {1, 4, 16, 4, 1, 1, 1, F32, 1, 0, 1, 0, 1, 1, 1, 0, GALL, 0},    /* constant B and C, L = chunk, padded */
    {2, 6, 50, 8, 3, 0, 1, F16, 1, 1, 0, 1, 0, 1, 2, 0, GALL, 0},    /* constant C only, col-major */
    {1, 3, 1, 256, 1, 0, 0, BF16, 1, 1, 1, 1, 1, 1, 0, 1, GALL, 0},  /* L = 1, N = 256 */
    {1, 200, 21, 16, 1, 0, 0, F32, 1, 1, 1, 1, 1, 0, 0, 1, GALL, 0}, /* one group of 200 channels: 2 blocks */
    {1, 16, 33, 64, 16, 0, 0, F32, 0, 0, 0, 0, 0, 0, 0, 0, GALL, 0}, /* G = D, minimal options */
    {2, 8, 40, 16, 2, 1, 0, F32, 1, 1, 1, 1, 1, 1, 0, 0, GU | GB | GBIAS, 0}, /* gradient subset */
    {1, 8, 130, 5, 4, 0, 0, BF16, 1, 1, 1, 1, 1, 1, 1, 0, GALL, 0},  /* longer, padded, bf16 */
    {1, 2, 17, 1, 1, 0, 0, F16, 1, 0, 1, 0, 1, 1, 0, 0, GDL | GA | GC | GINIT, 0}, /* N = 1, raw delta */
    {2, 8, 20, 16, 2, 0, 0, F32, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1},      /* decode chain == scan */
    {1, 4, 17, 8, 1, 0, 0, F16, 1, 0, 1, 0, 0, 0, 2, 0, 0, 1},       /* decode chain, f16, col-major */
    {4, 6, 1, 5, 3, 0, 0, F32, 1, 1, 1, 1, 0, 0, 0, 1, 0, 2},        /* decode pool + padding */
    {3, 4, 1, 130, 2, 0, 0, BF16, 0, 1, 0, 1, 0, 0, 1, 0, 0, 2},     /* decode pool, bf16, N = 130 */
};

#define NQUICK ((int)(sizeof quick_cases / sizeof quick_cases[0]))
#define NFULL_SCAN 120
#define NFULL_DEC 24
#define NFULL (NFULL_SCAN + NFULL_DEC)

static const int64_t Lv[] = {1, 15, 16, 17, 53, 2048};
static const int64_t DGv[][2] = {{1, 1}, {8, 2}, {64, 64}, {256, 1}, {48, 3}};
static const int64_t Nv[] = {1, 16, 64, 128, 256};
static const ssmix_dtype IOv[] = {F32, F16, BF16};

static sc_case full_case(int i)
{
    sc_case c;
    memset(&c, 0, sizeof c);
    uint64_t h = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    /* each factor cycles through its values, shifted by independent hash bits so combinations vary */
    c.L = Lv[(i + (int)((h >> 40) % 6)) % 6];
    int dg = (i + (int)((h >> 44) % 5)) % 5;
    c.D = DGv[dg][0];
    c.G = DGv[dg][1];
    c.N = Nv[(i + (int)((h >> 48) % 5)) % 5];
    c.io = IOv[i % 3];
    int form = (int)((h >> 8) % 4);
    c.bconst = form == 1 || form == 3;
    c.cconst = form == 2 || form == 3;
    c.Dv = (int)((h >> 12) & 1);
    c.z = (int)((h >> 13) & 1);
    c.bias = (int)((h >> 14) & 1);
    c.softplus = (int)((h >> 15) & 1);
    c.init = (int)((h >> 16) & 1);
    c.dlast = (int)((h >> 17) & 1);
    c.layout = (int)((h >> 18) % 3);
    c.det = i % 8 == 0;
    c.grads = GALL;
    c.b = ((h >> 24) & 3) == 0 ? 2 : 1;
    if (i >= NFULL_SCAN) { /* decode cases: per-token B/C */
        c.bconst = c.cconst = 0;
        c.decode = 1 + (i % 2);
        c.grads = 0;
        if (c.decode == 2) {
            c.L = 1;
            c.b = 1 + (int64_t)((h >> 26) % 6);
        } else if (c.L > 300) {
            c.L = 300;
        }
    }
    /* keep the double-precision oracle affordable */
    while (c.b * c.D * c.L * c.N > 40000000 && c.D > 8) c.D /= 2, c.G = c.G > c.D ? c.D : c.G;
    if (c.D % c.G) c.G = 1;
    return c;
}

static sc_case get_case(int full, int index) { return full ? full_case(index) : quick_cases[index]; }
static int sc_count(int full) { return full ? NFULL : NQUICK; }

static void describe_case(const sc_case *c, char *buf, size_t size)
{
    snprintf(buf, size, "%sb%lld D%lld L%lld N%lld G%lld %s%s%s%s%s%s%s%s%s%s%s%s", c->decode == 1 ? "decode-chain " : c->decode == 2 ? "decode-pool " : "",
             (long long)c->b, (long long)c->D, (long long)c->L, (long long)c->N, (long long)c->G, ssmix_dtype_name(c->io),
             c->bconst ? " Bconst" : "", c->cconst ? " Cconst" : "", c->Dv ? " D" : "", c->z ? " z" : "", c->bias ? " bias" : "",
             c->softplus ? " sp" : "", c->init ? " init" : "", c->dlast ? " dlast" : "",
             c->layout == 1 ? " padded" : c->layout == 2 ? " colmaj" : "", c->grads != GALL && !c->decode ? " subset" : "",
             c->det ? " det" : "");
}

static void sc_describe(int full, int index, char *buf, size_t size)
{
    sc_case c = get_case(full, index);
    describe_case(&c, buf, size);
}

typedef struct sc_state {
    ssmix_sscan_params params;
    const sc_case *c;
    conf_tensor *u, *delta, *A, *B, *C, *Dv, *z, *bias, *init;
    conf_tensor *out, *last;
    conf_tensor *dout, *dlast;
    conf_tensor *du, *ddelta, *dA, *dB, *dC, *dD, *dz, *dbias, *dinit;
    /* decode pool */
    conf_tensor *x, *dl, *Bt, *Ct, *zt, *idx, *state, *state0, *dout1;
} sc_state;

static void inputs(sc_state *S, conf_side s, ssmix_sscan_tensors *t)
{
    memset(t, 0, sizeof *t);
    t->u = conf_view(S->u, s);
    t->delta = conf_view(S->delta, s);
    t->A = conf_view(S->A, s);
    t->B = conf_view(S->B, s);
    t->C = conf_view(S->C, s);
    t->D = conf_view(S->Dv, s);
    t->z = conf_view(S->z, s);
    t->delta_bias = conf_view(S->bias, s);
    t->initial_state = conf_view(S->init, s);
}

static ssmix_status sc_fwd(conf_runner *r, conf_side s, void *user)
{
    sc_state *S = user;
    ssmix_sscan_tensors t;
    inputs(S, s, &t);
    t.out = conf_view(S->out, s);
    t.last_state = conf_view(S->last, s);
    return ssmix_sscan_forward(conf_ctx(r, s), &S->params, &t);
}

static ssmix_status sc_bwd(conf_runner *r, conf_side s, void *user)
{
    sc_state *S = user;
    ssmix_sscan_tensors t;
    inputs(S, s, &t);
    t.dout = conf_view(S->dout, s);
    t.dlast_state = conf_view(S->dlast, s);
    t.du = conf_view(S->du, s);
    t.ddelta = conf_view(S->ddelta, s);
    t.dA = conf_view(S->dA, s);
    t.dB = conf_view(S->dB, s);
    t.dC = conf_view(S->dC, s);
    t.dD = conf_view(S->dD, s);
    t.dz = conf_view(S->dz, s);
    t.ddelta_bias = conf_view(S->dbias, s);
    t.dinitial_state = conf_view(S->dinit, s);
    return ssmix_sscan_backward(conf_ctx(r, s), &S->params, &t);
}

/* Write `vals` (logical row-major, 3-D) into the f32 view `v`, keeping every byte outside it. */
static ssmix_status write_state(const ssmix_tensor *v, const double *vals)
{
    size_t bytes = ssmix_buffer_size(v->buffer);
    unsigned char *img = malloc(bytes);
    if (!img) return SSMIX_ERROR_OUT_OF_MEMORY;
    ssmix_status st = ssmix_buffer_read(v->buffer, 0, img, bytes);
    for (int64_t i = 0, k = 0; st == SSMIX_SUCCESS && i < v->shape[0]; i++)
        for (int64_t j = 0; j < v->shape[1]; j++)
            for (int64_t n = 0; n < v->shape[2]; n++, k++) {
                float f = (float)vals[k];
                memcpy(img + v->offset + 4 * (size_t)(i * v->strides[0] + j * v->strides[1] + n * v->strides[2]), &f, 4);
            }
    if (st == SSMIX_SUCCESS) st = ssmix_buffer_write(v->buffer, 0, img, bytes);
    free(img);
    return st;
}

/* A 2-D / 3-D slice at time t of a (.., L) view: drop the last dimension. */
static ssmix_tensor slice_t(const ssmix_tensor *v, int64_t t)
{
    ssmix_tensor s = *v;
    s.ndim = v->ndim - 1;
    s.offset = v->offset + (size_t)(t * v->strides[v->ndim - 1]) * ssmix_dtype_size(v->dtype);
    s.shape[s.ndim] = 0;
    s.strides[s.ndim] = 0;
    return s;
}

/* Oracle side: the scan. Backend side: L decode steps from the same initial state. */
static ssmix_status sc_chain(conf_runner *r, conf_side s, void *user)
{
    sc_state *S = user;
    if (s == CONF_REF) {
        ssmix_sscan_tensors t;
        inputs(S, s, &t);
        t.out = conf_view(S->out, s);
        t.last_state = conf_view(S->last, s);
        return ssmix_sscan_forward(conf_ctx(r, s), &S->params, &t);
    }
    const ssmix_tensor *state = conf_view(S->last, s);
    int64_t n0 = S->c->b * S->c->D * S->c->N;
    double *zeros = calloc((size_t)n0, sizeof(double));
    if (!zeros) return SSMIX_ERROR_OUT_OF_MEMORY;
    ssmix_status st = write_state(state, S->init ? conf_values(S->init) : zeros);
    free(zeros);
    for (int64_t t = 0; st == SSMIX_SUCCESS && t < S->c->L; t++) {
        ssmix_tensor x = slice_t(conf_view(S->u, s), t), dl = slice_t(conf_view(S->delta, s), t);
        ssmix_tensor B = slice_t(conf_view(S->B, s), t), C = slice_t(conf_view(S->C, s), t);
        ssmix_tensor out = slice_t(conf_view(S->out, s), t), z;
        if (S->z) z = slice_t(conf_view(S->z, s), t);
        ssmix_sscan_decode_tensors d;
        memset(&d, 0, sizeof d);
        d.state = state;
        d.x = &x;
        d.delta = &dl;
        d.A = conf_view(S->A, s);
        d.B = &B;
        d.C = &C;
        d.D = conf_view(S->Dv, s);
        d.z = S->z ? &z : NULL;
        d.delta_bias = conf_view(S->bias, s);
        d.out = &out;
        st = ssmix_sscan_decode(conf_ctx(r, s), &S->params, &d);
    }
    return st;
}

/* One decode step into a pool, both sides. */
static ssmix_status sc_pool(conf_runner *r, conf_side s, void *user)
{
    sc_state *S = user;
    ssmix_status st = write_state(conf_view(S->state, s), conf_values(S->state0));
    if (st != SSMIX_SUCCESS) return st;
    ssmix_sscan_decode_tensors d;
    memset(&d, 0, sizeof d);
    d.state = conf_view(S->state, s);
    d.x = conf_view(S->x, s);
    d.delta = conf_view(S->dl, s);
    d.A = conf_view(S->A, s);
    d.B = conf_view(S->Bt, s);
    d.C = conf_view(S->Ct, s);
    d.D = conf_view(S->Dv, s);
    d.z = conf_view(S->zt, s);
    d.delta_bias = conf_view(S->bias, s);
    d.state_batch_indices = conf_view(S->idx, s);
    d.out = conf_view(S->out, s);
    return ssmix_sscan_decode(conf_ctx(r, s), &S->params, &d);
}

static void fill_delta(conf_runner *r, conf_tensor *t, int softplus)
{
    double *v = conf_values(t);
    for (int64_t i = 0; i < conf_numel(t); ++i) v[i] = softplus ? conf_randn(r) * 0.5 - 2.0 : conf_softplus(conf_randn(r) - 4.0);
}

/* delta_bias ~ N(0,1) under softplus; raw delta has no clamp, so its bias stays >= 0 (0.01 |N(0,1)|):
 * a negative dl makes the state grow like exp(|dl A| L), an ill-posed comparison at L = 2048. */
static void fill_bias(conf_runner *r, conf_tensor *t, int softplus)
{
    double *v = conf_values(t);
    for (int64_t i = 0; i < conf_numel(t); ++i) v[i] = softplus ? conf_randn(r) : 0.01 * fabs(conf_randn(r));
}

#define NEW_OR_FAIL(dst, expr) \
    do {                       \
        (dst) = (expr);        \
        if (!(dst)) goto oom;  \
    } while (0)

static int run_pool(conf_runner *r, const sc_case *c, sc_state *S, const char *label)
{
    const conf_tol none = {0, 0};
    int64_t pool = c->b + 3;
    int64_t sx[2] = {c->b, c->D}, sbc[3] = {c->b, c->G, c->N}, sst[3] = {pool, c->D, c->N}, si[1] = {c->b};
    int lay = c->layout;
    NEW_OR_FAIL(S->x, conf_tensor_new(r, "x", c->io, 2, sx, lay, 0, none));
    NEW_OR_FAIL(S->dl, conf_tensor_new(r, "delta", c->io, 2, sx, lay, 0, none));
    NEW_OR_FAIL(S->Bt, conf_tensor_new(r, "B", c->io, 3, sbc, lay, 0, none));
    NEW_OR_FAIL(S->Ct, conf_tensor_new(r, "C", c->io, 3, sbc, 0, 0, none));
    if (c->z) NEW_OR_FAIL(S->zt, conf_tensor_new(r, "z", c->io, 2, sx, lay, 0, none));
    NEW_OR_FAIL(S->idx, conf_tensor_new(r, "state_batch_indices", SSMIX_I32, 1, si, 0, 0, none));
    NEW_OR_FAIL(S->state0, conf_tensor_new(r, "state0", SSMIX_F32, 3, sst, 0, 0, none));
    conf_fill_normal(r, S->x, 0, 1);
    fill_delta(r, S->dl, c->softplus);
    conf_fill_normal(r, S->Bt, 0, 1);
    conf_fill_normal(r, S->Ct, 0, 1);
    if (S->zt) conf_fill_normal(r, S->zt, 0, 1);
    conf_fill_normal(r, S->state0, 0, 1);
    /* distinct slots in reverse order, shifted; the last row is padding (-1), and with b > 2 the
     * second-to-last indexes past the pool */
    double *iv = conf_values(S->idx);
    for (int64_t i = 0; i < c->b; i++) iv[i] = (double)((c->b - 1 - i + 2) % pool);
    if (c->b > 1) iv[c->b - 1] = -1;
    if (c->b > 2) iv[c->b - 2] = (double)pool;
    conf_tensor *ins[] = {S->x, S->dl, S->Bt, S->Ct, S->zt, S->idx, S->state0};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; ++i)
        if (ins[i] && conf_upload(r, ins[i]) != SSMIX_SUCCESS) goto oom;
    NEW_OR_FAIL(S->out, conf_tensor_new(r, "out", c->io, 2, sx, lay, 1, conf_tol_output(c->io)));
    NEW_OR_FAIL(S->state, conf_tensor_new(r, "state", SSMIX_F32, 3, sst, lay, 1, conf_tol_output(SSMIX_F32)));
    char lab[96];
    snprintf(lab, sizeof lab, "%s pool", label);
    int f = conf_execute(r, lab, 1, sc_pool, S, c->det);
    conf_case_end(r);
    return f;
oom:
    conf_case_end(r);
    fprintf(conf_out(r), "%s: could not set up the case\n", label);
    return 1;
}

static int run_case(conf_runner *r, const sc_case *c, const char *label)
{
    sc_state S;
    memset(&S, 0, sizeof S);
    S.c = c;
    ssmix_sscan_params_init(&S.params);
    S.params.delta_softplus = c->softplus;
    conf_set_case_dtype(r, c->io);
    const conf_tol none = {0, 0};
    int64_t sx[3] = {c->b, c->D, c->L}, sA[2] = {c->D, c->N}, sd[1] = {c->D}, sst[3] = {c->b, c->D, c->N};
    int64_t sbc[4] = {c->b, c->G, c->N, c->L};
    int lay = c->layout, failures = 0;

    if (c->decode == 2) {
        NEW_OR_FAIL(S.A, conf_tensor_new(r, "A", SSMIX_F32, 2, sA, 0, 0, none));
        double *v = conf_values(S.A);
        for (int64_t i = 0; i < conf_numel(S.A); ++i) v[i] = -exp(conf_randu(r));
        if (conf_upload(r, S.A) != SSMIX_SUCCESS) goto oom;
        if (c->Dv) {
            NEW_OR_FAIL(S.Dv, conf_tensor_new(r, "D", SSMIX_F32, 1, sd, 0, 0, none));
            conf_fill_normal(r, S.Dv, 0, 1);
            if (conf_upload(r, S.Dv) != SSMIX_SUCCESS) goto oom;
        }
        if (c->bias) {
            NEW_OR_FAIL(S.bias, conf_tensor_new(r, "delta_bias", SSMIX_F32, 1, sd, 0, 0, none));
            fill_bias(r, S.bias, c->softplus);
            if (conf_upload(r, S.bias) != SSMIX_SUCCESS) goto oom;
        }
        return run_pool(r, c, &S, label);
    }

    /* inputs */
    NEW_OR_FAIL(S.u, conf_tensor_new(r, "u", c->io, 3, sx, lay, 0, none));
    NEW_OR_FAIL(S.delta, conf_tensor_new(r, "delta", c->io, 3, sx, lay, 0, none));
    NEW_OR_FAIL(S.A, conf_tensor_new(r, "A", SSMIX_F32, 2, sA, lay == 2 ? 2 : 0, 0, none));
    if (c->bconst) NEW_OR_FAIL(S.B, conf_tensor_new(r, "B", SSMIX_F32, 2, sA, lay, 0, none));
    else NEW_OR_FAIL(S.B, conf_tensor_new(r, "B", c->io, 4, sbc, lay, 0, none));
    if (c->cconst) NEW_OR_FAIL(S.C, conf_tensor_new(r, "C", SSMIX_F32, 2, sA, lay == 2 ? 1 : lay, 0, none));
    else NEW_OR_FAIL(S.C, conf_tensor_new(r, "C", c->io, 4, sbc, lay == 2 ? 1 : lay, 0, none));
    conf_fill_normal(r, S.u, 0, 1);
    conf_fill_normal(r, S.B, 0, 1);
    conf_fill_normal(r, S.C, 0, 1);
    fill_delta(r, S.delta, c->softplus);
    double *v = conf_values(S.A);
    for (int64_t i = 0; i < conf_numel(S.A); ++i) v[i] = -exp(conf_randu(r));
    if (c->Dv) {
        NEW_OR_FAIL(S.Dv, conf_tensor_new(r, "D", SSMIX_F32, 1, sd, 0, 0, none));
        conf_fill_normal(r, S.Dv, 0, 1);
    }
    if (c->z) {
        NEW_OR_FAIL(S.z, conf_tensor_new(r, "z", c->io, 3, sx, lay == 1 ? 2 : lay, 0, none));
        conf_fill_normal(r, S.z, 0, 1);
    }
    if (c->bias) {
        NEW_OR_FAIL(S.bias, conf_tensor_new(r, "delta_bias", SSMIX_F32, 1, sd, 0, 0, none));
        fill_bias(r, S.bias, c->softplus);
    }
    if (c->init) {
        NEW_OR_FAIL(S.init, conf_tensor_new(r, "initial_state", SSMIX_F32, 3, sst, lay, 0, none));
        conf_fill_normal(r, S.init, 0, 1);
    }
    conf_tensor *ins[] = {S.u, S.delta, S.A, S.B, S.C, S.Dv, S.z, S.bias, S.init};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; ++i)
        if (ins[i] && conf_upload(r, ins[i]) != SSMIX_SUCCESS) goto oom;

    /* forward (or the decode chain) */
    NEW_OR_FAIL(S.out, conf_tensor_new(r, "out", c->io, 3, sx, lay, 1, conf_tol_output(c->io)));
    NEW_OR_FAIL(S.last, conf_tensor_new(r, "last_state", SSMIX_F32, 3, sst, lay == 2 ? 1 : 0, 1, conf_tol_output(SSMIX_F32)));
    char lab[96];
    snprintf(lab, sizeof lab, "%s %s", label, c->decode ? "decode-chain" : "fwd");
    failures += conf_execute(r, lab, 1, c->decode ? sc_chain : sc_fwd, &S, c->det);
    if (c->decode) {
        conf_case_end(r);
        return failures;
    }

    /* backward */
    NEW_OR_FAIL(S.dout, conf_tensor_new(r, "dout", c->io, 3, sx, lay == 2 ? 1 : lay, 0, none));
    conf_fill_normal(r, S.dout, 0, 1);
    if (conf_upload(r, S.dout) != SSMIX_SUCCESS) goto oom;
    if (c->dlast) {
        NEW_OR_FAIL(S.dlast, conf_tensor_new(r, "dlast_state", SSMIX_F32, 3, sst, 0, 0, none));
        conf_fill_normal(r, S.dlast, 0, 1);
        if (conf_upload(r, S.dlast) != SSMIX_SUCCESS) goto oom;
    }
    int g = c->grads;
    ssmix_dtype bdt = c->bconst ? SSMIX_F32 : c->io, cdt = c->cconst ? SSMIX_F32 : c->io;
    if (g & GU) NEW_OR_FAIL(S.du, conf_tensor_new(r, "du", c->io, 3, sx, lay, 2, conf_tol_grad(c->io, 1)));
    if (g & GDL) NEW_OR_FAIL(S.ddelta, conf_tensor_new(r, "ddelta", c->io, 3, sx, lay, 2, conf_tol_grad(c->io, 5)));
    if (g & GA) NEW_OR_FAIL(S.dA, conf_tensor_new(r, "dA", SSMIX_F32, 2, sA, 0, 2, conf_tol_grad(SSMIX_F32, 5)));
    if (g & GB)
        NEW_OR_FAIL(S.dB, conf_tensor_new(r, "dB", bdt, c->bconst ? 2 : 4, c->bconst ? sA : sbc, lay, 2,
                                          conf_tol_grad(bdt, c->bconst ? 5 : 1)));
    if (g & GC)
        NEW_OR_FAIL(S.dC, conf_tensor_new(r, "dC", cdt, c->cconst ? 2 : 4, c->cconst ? sA : sbc, lay == 1 ? 2 : lay, 2,
                                          conf_tol_grad(cdt, c->cconst ? 5 : 1)));
    if ((g & GD) && c->Dv) NEW_OR_FAIL(S.dD, conf_tensor_new(r, "dD", SSMIX_F32, 1, sd, 0, 2, conf_tol_grad(SSMIX_F32, 1)));
    if ((g & GZ) && c->z) NEW_OR_FAIL(S.dz, conf_tensor_new(r, "dz", c->io, 3, sx, lay, 2, conf_tol_grad(c->io, 1)));
    if ((g & GBIAS) && c->bias)
        NEW_OR_FAIL(S.dbias, conf_tensor_new(r, "ddelta_bias", SSMIX_F32, 1, sd, 0, 2, conf_tol_grad(SSMIX_F32, 5)));
    if ((g & GINIT) && c->init)
        NEW_OR_FAIL(S.dinit, conf_tensor_new(r, "dinitial_state", SSMIX_F32, 3, sst, lay == 2 ? 2 : 0, 2, conf_tol_grad(SSMIX_F32, 1)));
    snprintf(lab, sizeof lab, "%s bwd", label);
    failures += conf_execute(r, lab, 2, sc_bwd, &S, c->det);
    conf_case_end(r);
    return failures;
oom:
    conf_case_end(r);
    fprintf(conf_out(r), "%s: could not set up the case\n", label);
    return 1;
}

static int sc_run(conf_runner *r, int full, int index)
{
    sc_case c = get_case(full, index);
    char desc[200], label[64];
    describe_case(&c, desc, sizeof desc);
    snprintf(label, sizeof label, "sscan#%d", index);
    fprintf(conf_out(r), "%s: %s\n", label, desc);
    return run_case(r, &c, label);
}

const conf_suite conf_suite_sscan = {"sscan", sc_count, sc_describe, sc_run};
