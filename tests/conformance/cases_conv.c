/*
 * Short-convolution conformance cases (OPS.md sections 5-6 against the oracle): conv1d forward and
 * backward (causal / centered, SiLU, bias, seq_idx with padding, initial/final states, channel-last
 * and channel-first, strided layouts, gradient subsets, wide kernels) and the decode state update
 * (state pool with state_batch_indices and padding rows, 1 or T tokens per call).
 *
 * quick: a hand-picked list covering every option, all three dtypes, odd sizes (L = 1 < W-1, W = 1,
 *        W > the local tile, L = 2048); sized for CI on a CPU OpenCL device.
 * full:  the quick list plus a deterministic sweep of W x L x layout x dtype x options.
 *
 * The update's conv_state is read and written: it is an output tensor (poisoned, guard-checked,
 * compared) whose view is restored from an input copy (state0) inside the call function, so both
 * sides start from the same state on every run, determinism reruns included.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"

#define F32 SSMIX_F32
#define F16 SSMIX_F16
#define BF16 SSMIX_BF16

enum { GDX = 1, GDW = 2, GDB = 4, GDI = 8, GALL = 15 };

typedef struct conv_case {
    int update;            /* 0: forward + backward; 1: decode update */
    int64_t b, L, C, W;    /* update: L = tokens per call (0: 2-D x) */
    ssmix_dtype io;
    int centered, silu, bias, seq, init, dfinal;
    int cf;                /* channel_first */
    int layout;            /* CONF_LAYOUT_* of x/out/dout/dx (update: of x/out/state) */
    int det;
    int grads;             /* update: 1 = state_batch_indices with a larger pool and padding rows */
} conv_case;

/* upd, b, L, C, W, io, centered, silu, bias, seq, init, dfinal, cf, layout, det, grads */
static const conv_case quick_cases[] = {
    {0, 2, 37, 24, 4, F32, 0, 1, 1, 1, 1, 1, 0, 0, 1, GALL},   /* Mamba front end, everything on */
    {0, 2, 37, 24, 4, F16, 0, 1, 0, 0, 1, 1, 1, 0, 0, GALL},   /* channel-first */
    {0, 2, 1, 5, 4, F32, 0, 0, 1, 0, 1, 1, 0, 1, 0, GALL},     /* L = 1 < W-1: final state from init */
    {0, 2, 50, 16, 7, BF16, 1, 1, 1, 1, 0, 0, 0, 1, 1, GALL},  /* Hydra centered, seq, padded */
    {0, 1, 65, 9, 3, F32, 1, 0, 1, 0, 0, 0, 1, 2, 0, GALL},    /* centered channel-first, col-major */
    {0, 3, 20, 8, 1, F32, 0, 1, 1, 1, 0, 0, 0, 0, 0, GALL},    /* W = 1 */
    {0, 1, 300, 70, 4, F32, 0, 1, 1, 1, 1, 1, 0, 0, 1, GALL},  /* several tiles in t and c */
    {0, 2, 40, 6, 2, F16, 0, 0, 0, 1, 1, 0, 1, 1, 0, GALL},    /* W = 2, cf padded */
    {0, 1, 2048, 32, 4, F32, 0, 1, 1, 1, 1, 1, 0, 0, 0, GALL}, /* L = 2048 */
    {0, 2, 30, 2, 4100, F32, 0, 0, 1, 1, 1, 1, 0, 0, 0, GALL}, /* W beyond the local tile */
    {0, 2, 45, 12, 4, F32, 0, 1, 1, 1, 1, 1, 0, 0, 0, GDX},    /* gradient subsets */
    {0, 2, 45, 12, 4, BF16, 0, 1, 1, 1, 1, 1, 1, 0, 0, GDW | GDB},
    {0, 2, 45, 12, 4, F32, 0, 0, 1, 0, 1, 1, 0, 2, 0, GDI},
    {1, 3, 0, 20, 4, F32, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0},       /* update: 2-D x, pool == b */
    {1, 4, 3, 9, 4, F16, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1},        /* 3 tokens, cf, pool + padding */
    {1, 2, 1, 33, 2, BF16, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1},
    {1, 2, 5, 5, 6, F32, 0, 1, 1, 0, 0, 0, 0, 2, 0, 1},
};
#define N_QUICK ((int)(sizeof quick_cases / sizeof quick_cases[0]))

/* full: the quick list, then a sweep */
static const int64_t sweep_W[] = {1, 2, 3, 4, 5, 7, 9};
static const int64_t sweep_L[] = {1, 16, 17, 77, 512, 2048};
static const ssmix_dtype sweep_io[] = {F32, F16, BF16};
#define N_SWEEP (7 * 6 * 3 * 2)

static conv_case get_case(int full, int index)
{
    if (index < N_QUICK) return quick_cases[index];
    int i = index - N_QUICK;
    conv_case c;
    memset(&c, 0, sizeof c);
    c.W = sweep_W[i % 7];
    c.L = sweep_L[(i / 7) % 6];
    c.io = sweep_io[(i / 42) % 3];
    int variant = i / 126; /* 0 or 1 */
    c.b = 2, c.C = (i % 3 == 0) ? 96 : 13 + i % 5;
    c.centered = (c.W % 2 == 1) && ((i + variant) % 3 == 0);
    c.silu = (i + variant) % 2, c.bias = (i / 2) % 2 == 0, c.seq = (i / 3 + variant) % 2;
    c.init = !c.centered && c.W > 1 && (i / 5 + variant) % 2 == 0;
    c.dfinal = !c.centered && c.W > 1 && (i / 7) % 2 == 1;
    c.cf = (i + variant) % 4 >= 2, c.layout = (i / 11 + variant) % 3, c.det = i % 5 == 0, c.grads = GALL;
    (void)full;
    /* every fourth sweep entry is an update case of the same W (W >= 2) */
    if (i % 4 == 3 && c.W >= 2) {
        c.update = 1;
        c.L = (i / 4) % 3 == 0 ? 0 : 1 + (i / 4) % 4;
        c.b = 3, c.grads = (i / 8) % 2;
    }
    return c;
}

static int conv_count(int full) { return full ? N_QUICK + N_SWEEP : N_QUICK; }

static void describe_case(const conv_case *c, char *buf, size_t size)
{
    const char *io = c->io == F32 ? "f32" : c->io == F16 ? "f16" : "bf16";
    if (c->update) {
        snprintf(buf, size, "update b=%lld T=%lld C=%lld W=%lld %s%s%s%s layout=%d%s%s", (long long)c->b, (long long)c->L,
                 (long long)c->C, (long long)c->W, io, c->silu ? " silu" : "", c->bias ? " bias" : "", c->cf ? " cf" : "",
                 c->layout, c->grads ? " pool+idx" : "", c->det ? " det" : "");
        return;
    }
    snprintf(buf, size, "b=%lld L=%lld C=%lld W=%lld %s %s%s%s%s%s%s%s layout=%d grads=%d%s", (long long)c->b,
             (long long)c->L, (long long)c->C, (long long)c->W, io, c->centered ? "centered" : "causal",
             c->silu ? " silu" : "", c->bias ? " bias" : "", c->seq ? " seq" : "", c->init ? " init" : "",
             c->dfinal ? " dfinal" : "", c->cf ? " cf" : "", c->layout, c->grads, c->det ? " det" : "");
}

static void conv_describe(int full, int index, char *buf, size_t size)
{
    conv_case c = get_case(full, index);
    describe_case(&c, buf, size);
}

typedef struct conv_state_t {
    ssmix_conv1d_params params;
    conf_tensor *x, *w, *bias, *seq, *init, *out, *fin, *dout, *dfin, *dx, *dw, *db, *dinit;
    conf_tensor *st, *st0, *idx; /* update */
} conv_state_t;

static ssmix_status conv_fwd(conf_runner *r, conf_side side, void *user)
{
    conv_state_t *S = user;
    ssmix_conv1d_tensors t;
    memset(&t, 0, sizeof t);
    t.x = conf_view(S->x, side), t.weight = conf_view(S->w, side), t.bias = conf_view(S->bias, side);
    t.seq_idx = conf_view(S->seq, side), t.initial_state = conf_view(S->init, side);
    t.out = conf_view(S->out, side), t.final_state = conf_view(S->fin, side);
    return ssmix_conv1d_forward(conf_ctx(r, side), &S->params, &t);
}

static ssmix_status conv_bwd(conf_runner *r, conf_side side, void *user)
{
    conv_state_t *S = user;
    ssmix_conv1d_tensors t;
    memset(&t, 0, sizeof t);
    t.x = conf_view(S->x, side), t.weight = conf_view(S->w, side), t.bias = conf_view(S->bias, side);
    t.seq_idx = conf_view(S->seq, side), t.initial_state = conf_view(S->init, side);
    t.dout = conf_view(S->dout, side), t.dfinal_state = conf_view(S->dfin, side);
    t.dx = conf_view(S->dx, side), t.dweight = conf_view(S->dw, side), t.dbias = conf_view(S->db, side);
    t.dinitial_state = conf_view(S->dinit, side);
    return ssmix_conv1d_backward(conf_ctx(r, side), &S->params, &t);
}

static ssmix_status conv_upd(conf_runner *r, conf_side side, void *user)
{
    conv_state_t *S = user;
    /* restore the in/out state: st and st0 have the same shape, dtype and layout, hence the same
     * buffer image (view and sentinel guards) */
    const ssmix_tensor *s0 = conf_view(S->st0, side), *s1 = conf_view(S->st, side);
    size_t bytes = ssmix_buffer_size(s0->buffer);
    unsigned char *img = malloc(bytes);
    if (!img) return SSMIX_ERROR_OUT_OF_MEMORY;
    ssmix_status st = ssmix_buffer_read(s0->buffer, 0, img, bytes);
    if (st == SSMIX_SUCCESS) st = ssmix_buffer_write(s1->buffer, 0, img, bytes);
    free(img);
    if (st != SSMIX_SUCCESS) return st;
    ssmix_conv1d_update_tensors t;
    memset(&t, 0, sizeof t);
    t.conv_state = s1, t.x = conf_view(S->x, side), t.weight = conf_view(S->w, side), t.bias = conf_view(S->bias, side);
    t.state_batch_indices = conf_view(S->idx, side), t.out = conf_view(S->out, side);
    return ssmix_conv1d_update(conf_ctx(r, side), &S->params, &t);
}

static int run_update_case(conf_runner *r, const conv_case *c, const char *label)
{
    conv_state_t S;
    memset(&S, 0, sizeof S);
    ssmix_conv1d_params_init(&S.params);
    S.params.activation = c->silu ? SSMIX_CONV1D_ACT_SILU : SSMIX_CONV1D_ACT_NONE;
    S.params.channel_first = c->cf;
    conf_set_case_dtype(r, c->io);
    const conf_tol none = {0, 0};
    const int64_t pool = c->grads ? 2 * c->b + 3 : c->b;
    int64_t sx[3], nd = c->L == 0 ? 2 : 3;
    if (nd == 2) sx[0] = c->b, sx[1] = c->C, sx[2] = 1;
    else sx[0] = c->b, sx[1] = c->cf ? c->C : c->L, sx[2] = c->cf ? c->L : c->C;
    int64_t sw[2] = {c->C, c->W}, sc[1] = {c->C}, ss[3] = {pool, c->C, c->W - 1}, sb[1] = {c->b};
    S.x = conf_tensor_new(r, "x", c->io, (int)nd, sx, c->layout, 0, none);
    S.w = conf_tensor_new(r, "weight", F32, 2, sw, 0, 0, none);
    S.st0 = conf_tensor_new(r, "conv_state0", F32, 3, ss, c->layout, 0, none);
    if (!S.x || !S.w || !S.st0) goto oom;
    conf_fill_normal(r, S.x, 0, 1);
    conf_fill_normal(r, S.w, 0, 0.5);
    conf_fill_normal(r, S.st0, 0, 1);
    if (c->bias) {
        S.bias = conf_tensor_new(r, "bias", F32, 1, sc, 0, 0, none);
        if (!S.bias) goto oom;
        conf_fill_normal(r, S.bias, 0, 0.5);
    }
    if (c->grads) {
        S.idx = conf_tensor_new(r, "state_batch_indices", SSMIX_I32, 1, sb, 0, 0, none);
        if (!S.idx) goto oom;
        double *v = conf_values(S.idx);
        /* distinct rows in a scrambled order; the last row is padding (-1), the first of three
         * rows or more points past the pool (also padding) */
        for (int64_t i = 0; i < c->b; ++i) v[i] = (double)((i * 5 + 2) % pool);
        v[c->b - 1] = -1;
        if (c->b >= 3) v[0] = (double)(pool + 4);
    }
    conf_tensor *ins[] = {S.x, S.w, S.st0, S.bias, S.idx};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; ++i)
        if (ins[i] && conf_upload(r, ins[i]) != SSMIX_SUCCESS) goto oom;
    S.out = conf_tensor_new(r, "out", c->io, (int)nd, sx, c->layout, 1, conf_tol_output(c->io));
    S.st = conf_tensor_new(r, "conv_state", F32, 3, ss, c->layout, 1, conf_tol_output(F32));
    if (!S.out || !S.st) goto oom;
    char lab[96];
    snprintf(lab, sizeof lab, "%s update", label);
    int failures = conf_execute(r, lab, 1, conv_upd, &S, c->det);
    conf_case_end(r);
    return failures;
oom:
    conf_case_end(r);
    fprintf(conf_out(r), "%s: could not set up the case\n", label);
    return 1;
}

static int run_conv_case(conf_runner *r, const conv_case *c, const char *label)
{
    if (c->update) return run_update_case(r, c, label);
    conv_state_t S;
    memset(&S, 0, sizeof S);
    ssmix_conv1d_params_init(&S.params);
    S.params.kind = c->centered ? SSMIX_CONV1D_CENTERED : SSMIX_CONV1D_CAUSAL;
    S.params.activation = c->silu ? SSMIX_CONV1D_ACT_SILU : SSMIX_CONV1D_ACT_NONE;
    S.params.channel_first = c->cf;
    conf_set_case_dtype(r, c->io);
    const conf_tol none = {0, 0};
    const int states = !c->centered && c->W > 1;
    int64_t sx[3] = {c->b, c->cf ? c->C : c->L, c->cf ? c->L : c->C};
    int64_t sw[2] = {c->C, c->W}, sc[1] = {c->C}, ss[3] = {c->b, c->C, c->W - 1}, sq[2] = {c->b, c->L};
    int lay = c->layout, failures = 0;

    S.x = conf_tensor_new(r, "x", c->io, 3, sx, lay, 0, none);
    S.w = conf_tensor_new(r, "weight", F32, 2, sw, 0, 0, none);
    if (!S.x || !S.w) goto oom;
    conf_fill_normal(r, S.x, 0, 1);
    conf_fill_normal(r, S.w, 0, c->W > 64 ? 0.05 : 0.5);
    if (c->bias) {
        S.bias = conf_tensor_new(r, "bias", F32, 1, sc, 0, 0, none);
        if (!S.bias) goto oom;
        conf_fill_normal(r, S.bias, 0, 0.5);
    }
    if (c->init && states) {
        S.init = conf_tensor_new(r, "initial_state", F32, 3, ss, lay == 2 ? 2 : 0, 0, none);
        if (!S.init) goto oom;
        conf_fill_normal(r, S.init, 0, 1);
    }
    if (c->seq) {
        S.seq = conf_tensor_new(r, "seq_idx", SSMIX_I32, 2, sq, 0, 0, none);
        if (!S.seq) goto oom;
        double *v = conf_values(S.seq);
        for (int64_t b = 0; b < c->b; ++b) {
            /* random partition with ids non-decreasing from 0 (odd rows from 1), ~4 boundaries per
             * row; odd rows end with a padded (-1) tail */
            int id = (int)(b % 2);
            int64_t tail = b % 2 ? 1 + c->L / 8 : 0;
            for (int64_t t = 0; t < c->L; ++t) {
                if (t > 0 && conf_randu(r) < 4.0 / (double)c->L) id += 1 + (conf_randu(r) < 0.2);
                v[b * c->L + t] = t >= c->L - tail ? -1 : id;
            }
        }
    }
    conf_tensor *ins[] = {S.x, S.w, S.bias, S.init, S.seq};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; ++i)
        if (ins[i] && conf_upload(r, ins[i]) != SSMIX_SUCCESS) goto oom;

    S.out = conf_tensor_new(r, "out", c->io, 3, sx, lay, 1, conf_tol_output(c->io));
    if (!S.out) goto oom;
    if (states) {
        S.fin = conf_tensor_new(r, "final_state", F32, 3, ss, lay == 1 ? 1 : 0, 1, conf_tol_output(F32));
        if (!S.fin) goto oom;
    }
    char lab[96];
    snprintf(lab, sizeof lab, "%s fwd", label);
    failures += conf_execute(r, lab, 1, conv_fwd, &S, c->det);

    S.dout = conf_tensor_new(r, "dout", c->io, 3, sx, lay == 2 ? 1 : lay, 0, none);
    if (!S.dout) goto oom;
    conf_fill_normal(r, S.dout, 0, 1);
    if (conf_upload(r, S.dout) != SSMIX_SUCCESS) goto oom;
    if (c->dfinal && states) {
        S.dfin = conf_tensor_new(r, "dfinal_state", F32, 3, ss, 0, 0, none);
        if (!S.dfin || (conf_fill_normal(r, S.dfin, 0, 1), conf_upload(r, S.dfin)) != SSMIX_SUCCESS) goto oom;
    }
    int g = c->grads;
    if (g & GDX) S.dx = conf_tensor_new(r, "dx", c->io, 3, sx, lay, 2, conf_tol_grad(c->io, 1));
    if (g & GDW) S.dw = conf_tensor_new(r, "dweight", F32, 2, sw, lay == 1 ? 1 : 0, 2, conf_tol_grad(F32, 1));
    if ((g & GDB) && S.bias) S.db = conf_tensor_new(r, "dbias", F32, 1, sc, 0, 2, conf_tol_grad(F32, 1));
    if ((g & GDI) && S.init) S.dinit = conf_tensor_new(r, "dinitial_state", F32, 3, ss, lay, 2, conf_tol_grad(F32, 1));
    snprintf(lab, sizeof lab, "%s bwd", label);
    failures += conf_execute(r, lab, 2, conv_bwd, &S, c->det);
    conf_case_end(r);
    return failures;
oom:
    conf_case_end(r);
    fprintf(conf_out(r), "%s: could not set up the case\n", label);
    return 1;
}

static int conv_run(conf_runner *r, int full, int index)
{
    conv_case c = get_case(full, index);
    char desc[200], label[64];
    describe_case(&c, desc, sizeof desc);
    snprintf(label, sizeof label, "conv#%d", index);
    fprintf(conf_out(r), "%s: %s\n", label, desc);
    return run_conv_case(r, &c, label);
}

const conf_suite conf_suite_conv = {"conv", conv_count, conv_describe, conv_run};
