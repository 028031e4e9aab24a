/*
 * Gated linear attention conformance cases (OPS.md section 3 against the oracle, tolerances of
 * section 8). Every case runs the forward (out, final_state) and the backward (dq, dk, dv, dgk,
 * dinitial_state, or a subset) through the public API on the backend and on the cpu oracle, outputs
 * poisoned, guard regions checked and, for some cases, a bitwise determinism rerun.
 *
 * quick: causal and bidirectional; states (initial, final, dfinal, dinitial); varlen packed batches
 *        with length-1 and empty sequences; chunk sizes 16, 17, 32, 64; partial last chunks and L = 1;
 *        K and V not multiples of the 32-wide tiles (K, V in {8, 12, 20, 24, 33, 40}); weak, moderate
 *        and strong (down to about -10 per step) decays; f32, f16, bf16; contiguous, padded and
 *        column-major layouts; a gradient subset. Sized for CI on a CPU OpenCL device.
 * full:  the quick list, then K = V = 256, K = V = 128 and 64 with long L (2048), varlen long runs,
 *        every dtype and both modes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"

typedef struct gla_case {
    int64_t b, L, H, K, V, Q;
    ssmix_dtype io;
    int bidir;
    int states; /* initial_state, final_state, dfinal_state, dinitial_state (causal only) */
    int layout; /* CONF_LAYOUT_* of the activations */
    int det;    /* determinism rerun */
    int nseq;   /* 0: no cu_seqlens; else nseq packed sequences (b = 1) */
    int decay;  /* 0 moderate, 1 strong, 2 weak */
    int subset; /* 1: only dv and dgk requested */
} gla_case;

#define F32 SSMIX_F32
#define F16 SSMIX_F16
#define BF16 SSMIX_BF16

/* b, L, H, K, V, Q, io, bidir, states, layout, det, nseq, decay, subset */
static const gla_case quick_cases[] = {
    {2, 70, 2, 16, 24, 64, F32, 0, 1, 0, 1, 0, 0, 0},  /* causal + states, partial chunk */
    {1, 37, 3, 40, 33, 16, F32, 1, 0, 1, 1, 0, 0, 0},  /* bidirectional, K/V off the tile, padded */
    {1, 100, 2, 20, 12, 32, F16, 0, 1, 0, 0, 5, 0, 0}, /* varlen (length 1 and empty) + states, f16 */
    {2, 45, 2, 20, 12, 17, BF16, 1, 0, 2, 1, 0, 0, 0}, /* bidirectional bf16, column-major, Q = 17 */
    {1, 64, 1, 8, 8, 16, F32, 0, 1, 0, 0, 0, 1, 0},    /* strong decays */
    {1, 90, 2, 24, 16, 64, F32, 1, 0, 0, 0, 3, 2, 0},  /* bidirectional varlen, weak decays */
    {1, 50, 2, 33, 20, 32, F32, 0, 1, 1, 0, 0, 0, 1},  /* gradient subset: dv, dgk */
    {3, 1, 2, 12, 8, 64, F32, 0, 1, 0, 0, 0, 0, 0},    /* L = 1 */
};
#define NQUICK ((int)(sizeof quick_cases / sizeof quick_cases[0]))

static const gla_case full_extra[] = {
    {1, 300, 2, 256, 256, 64, F32, 0, 1, 0, 1, 0, 0, 0},
    {1, 200, 2, 256, 256, 64, BF16, 1, 0, 1, 0, 0, 0, 0},
    {1, 2048, 2, 64, 64, 64, F32, 0, 1, 0, 0, 0, 2, 0},
    {1, 2048, 1, 128, 128, 64, F16, 1, 0, 0, 0, 0, 0, 0},
    {1, 2048, 2, 64, 32, 32, F32, 0, 1, 0, 0, 9, 0, 0},
    {2, 777, 4, 128, 64, 48, BF16, 0, 1, 2, 1, 0, 1, 0},
    {1, 515, 2, 100, 130, 64, F32, 1, 0, 1, 0, 6, 0, 0},
    {2, 129, 8, 64, 64, 1, F32, 0, 1, 0, 0, 0, 0, 0},   /* Q = 1 */
    {1, 1000, 2, 32, 256, 64, F16, 0, 1, 0, 0, 0, 1, 0},
};
#define NFULL_EXTRA ((int)(sizeof full_extra / sizeof full_extra[0]))

static gla_case get_case(int full, int index) { return index < NQUICK ? quick_cases[index] : full_extra[index - NQUICK]; }

static int gla_count(int full) { return full ? NQUICK + NFULL_EXTRA : NQUICK; }

static void gla_describe_case(const gla_case *c, char *buf, size_t size)
{
    static const char *lay[3] = {"contig", "padded", "colmajor"}, *dec[3] = {"moderate", "strong", "weak"};
    snprintf(buf, size, "b=%lld L=%lld H=%lld K=%lld V=%lld Q=%lld %s %s%s %s%s nseq=%d decay=%s%s",
             (long long)c->b, (long long)c->L, (long long)c->H, (long long)c->K, (long long)c->V, (long long)c->Q,
             ssmix_dtype_name(c->io), c->bidir ? "bidirectional" : "causal", c->states ? " states" : "",
             lay[c->layout], c->det ? " det" : "", c->nseq, dec[c->decay], c->subset ? " grads=dv,dgk" : "");
}

static void gla_describe(int full, int index, char *buf, size_t size)
{
    gla_case c = get_case(full, index);
    gla_describe_case(&c, buf, size);
}

typedef struct gla_state {
    ssmix_gla_params params;
    conf_tensor *q, *k, *v, *gk, *init, *cu, *out, *fin, *dout, *dfin, *dq, *dk, *dv, *dgk, *dinit;
} gla_state;

static void gla_inputs(gla_state *S, conf_side s, ssmix_gla_tensors *t)
{
    memset(t, 0, sizeof *t);
    t->q = conf_view(S->q, s);
    t->k = conf_view(S->k, s);
    t->v = conf_view(S->v, s);
    t->gk = conf_view(S->gk, s);
    t->initial_state = conf_view(S->init, s);
    t->cu_seqlens = conf_view(S->cu, s);
}

static ssmix_status gla_fwd(conf_runner *r, conf_side s, void *user)
{
    gla_state *S = user;
    ssmix_gla_tensors t;
    gla_inputs(S, s, &t);
    t.out = conf_view(S->out, s);
    t.final_state = conf_view(S->fin, s);
    return ssmix_gla_forward(conf_ctx(r, s), &S->params, &t);
}

static ssmix_status gla_bwd(conf_runner *r, conf_side s, void *user)
{
    gla_state *S = user;
    ssmix_gla_tensors t;
    gla_inputs(S, s, &t);
    t.dout = conf_view(S->dout, s);
    t.dfinal_state = conf_view(S->dfin, s);
    t.dq = conf_view(S->dq, s);
    t.dk = conf_view(S->dk, s);
    t.dv = conf_view(S->dv, s);
    t.dgk = conf_view(S->dgk, s);
    t.dinitial_state = conf_view(S->dinit, s);
    return ssmix_gla_backward(conf_ctx(r, s), &S->params, &t);
}

/* nseq lengths summing to L: cycling through a length-1 sequence, an empty one, exactly Q and
 * random ones; the last takes the rest (>= 0). */
static void gla_varlen_lengths(conf_runner *r, const gla_case *c, int64_t *lens)
{
    int64_t left = c->L;
    for (int i = 0; i < c->nseq - 1; i++) {
        int64_t len;
        switch (i % 4) {
        case 0: len = 1; break;
        case 1: len = 0; break;
        case 2: len = c->Q; break;
        default: len = 1 + (int64_t)(conf_randu(r) * 2.0 * (double)c->Q); break;
        }
        if (len > left) len = left;
        lens[i] = len;
        left -= len;
    }
    lens[c->nseq - 1] = left;
}

static double gla_logsig(double x) { return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }

static int run_gla_case(conf_runner *r, const gla_case *c, const char *label)
{
    gla_state S;
    memset(&S, 0, sizeof S);
    ssmix_gla_params_init(&S.params);
    S.params.chunk_size = c->Q;
    S.params.bidirectional = c->bidir;
    conf_set_case_dtype(r, c->io);
    const conf_tol none = {0, 0};
    int64_t nst = c->nseq ? c->nseq : c->b;
    int64_t sqk[4] = {c->b, c->L, c->H, c->K}, sv[4] = {c->b, c->L, c->H, c->V}, sst[4] = {nst, c->H, c->K, c->V};
    int lay = c->layout, failures = 0;

    S.q = conf_tensor_new(r, "q", c->io, 4, sqk, lay, 0, none);
    S.k = conf_tensor_new(r, "k", c->io, 4, sqk, lay == 1 ? 2 : lay, 0, none);
    S.v = conf_tensor_new(r, "v", c->io, 4, sv, lay, 0, none);
    S.gk = conf_tensor_new(r, "gk", c->io, 4, sqk, lay, 0, none);
    if (!S.q || !S.k || !S.v || !S.gk) goto oom;
    conf_fill_normal(r, S.q, 0, 1);
    conf_fill_normal(r, S.k, 0, 1);
    conf_fill_normal(r, S.v, 0, 1);
    /* log-decay = log sigmoid(x): moderate (~ -0.1), strong (down to ~ -10) or weak (~ -1e-3) */
    double *g = conf_values(S.gk);
    for (int64_t i = 0; i < conf_numel(S.gk); i++) {
        double x = c->decay == 1 ? 3.0 * conf_randn(r) - 1.0 : c->decay == 2 ? 7.0 + conf_randn(r) : 2.0 + conf_randn(r);
        g[i] = gla_logsig(x);
    }
    if (c->states) {
        S.init = conf_tensor_new(r, "initial_state", SSMIX_F32, 4, sst, lay == 2 ? 2 : 0, 0, none);
        if (!S.init) goto oom;
        conf_fill_normal(r, S.init, 0, 1);
    }
    if (c->nseq) {
        int64_t scu[1] = {c->nseq + 1}, lens[64];
        if (c->b != 1 || c->nseq > 64) goto oom;
        S.cu = conf_tensor_new(r, "cu_seqlens", SSMIX_I32, 1, scu, 0, 0, none);
        if (!S.cu) goto oom;
        gla_varlen_lengths(r, c, lens);
        double *cv = conf_values(S.cu);
        cv[0] = 0;
        for (int i = 0; i < c->nseq; i++) cv[i + 1] = cv[i] + (double)lens[i];
    }
    conf_tensor *ins[] = {S.q, S.k, S.v, S.gk, S.init, S.cu};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; ++i)
        if (ins[i] && conf_upload(r, ins[i]) != SSMIX_SUCCESS) goto oom;

    S.out = conf_tensor_new(r, "out", c->io, 4, sv, lay, 1, conf_tol_output(c->io));
    if (!S.out) goto oom;
    if (c->states) {
        S.fin = conf_tensor_new(r, "final_state", SSMIX_F32, 4, sst, lay == 1 ? 1 : 0, 1, conf_tol_output(SSMIX_F32));
        if (!S.fin) goto oom;
    }
    char lab[96];
    snprintf(lab, sizeof lab, "%s fwd", label);
    failures += conf_execute(r, lab, 1, gla_fwd, &S, c->det);

    S.dout = conf_tensor_new(r, "dout", c->io, 4, sv, lay == 2 ? 1 : lay, 0, none);
    if (!S.dout) goto oom;
    conf_fill_normal(r, S.dout, 0, 1);
    if (conf_upload(r, S.dout) != SSMIX_SUCCESS) goto oom;
    if (c->states) {
        S.dfin = conf_tensor_new(r, "dfinal_state", SSMIX_F32, 4, sst, 0, 0, none);
        if (!S.dfin) goto oom;
        conf_fill_normal(r, S.dfin, 0, 1);
        if (conf_upload(r, S.dfin) != SSMIX_SUCCESS) goto oom;
        S.dinit = conf_tensor_new(r, "dinitial_state", SSMIX_F32, 4, sst, lay == 2 ? 2 : 0, 2, conf_tol_grad(SSMIX_F32, 1));
        if (!S.dinit) goto oom;
    }
    if (!c->subset) {
        S.dq = conf_tensor_new(r, "dq", c->io, 4, sqk, lay, 2, conf_tol_grad(c->io, 1));
        S.dk = conf_tensor_new(r, "dk", c->io, 4, sqk, lay == 1 ? 2 : lay, 2, conf_tol_grad(c->io, 1));
        if (!S.dq || !S.dk) goto oom;
    }
    S.dv = conf_tensor_new(r, "dv", c->io, 4, sv, lay, 2, conf_tol_grad(c->io, 1));
    S.dgk = conf_tensor_new(r, "dgk", c->io, 4, sqk, lay, 2, conf_tol_grad(c->io, 1));
    if (!S.dv || !S.dgk) goto oom;
    snprintf(lab, sizeof lab, "%s bwd", label);
    failures += conf_execute(r, lab, 2, gla_bwd, &S, c->det);
    conf_case_end(r);
    return failures;
oom:
    conf_case_end(r);
    fprintf(conf_out(r), "%s: could not set up the case\n", label);
    return 1;
}

static int gla_run(conf_runner *r, int full, int index)
{
    gla_case c = get_case(full, index);
    char desc[240], label[64];
    gla_describe_case(&c, desc, sizeof desc);
    snprintf(label, sizeof label, "gla#%d", index);
    fprintf(conf_out(r), "%s: %s\n", label, desc);
    return run_gla_case(r, &c, label);
}

const conf_suite conf_suite_gla = {"gla", gla_count, gla_describe, gla_run};
