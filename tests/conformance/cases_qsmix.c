/*
 * Quasiseparable mixer conformance cases (OPS.md section 2 against the oracle, section 8 matrix).
 *
 * Every case runs the forward (out) and the backward (every gradient that applies, or a subset)
 * through the public API on the backend and on the cpu oracle, with outputs poisoned, guard regions
 * checked and, for some cases, a bitwise determinism rerun.
 *
 * quick: a hand-picked list covering both modes (Hydra, Bi-Mamba2), shared and separate direction
 *        parameters (shared passed both as NULL and as the same views), every diagonal (none, D (H),
 *        D (H,P), per-token delta), z, dt_bias, softplus, dt limits, initial states of either or
 *        both directions, chunk sizes 1, 5, 17, 32, 64, 70, 96, 256 and > L, L in {1, Q-1, Q, Q+1,
 *        3Q+5}, P = 1 and 5, N = 1 and 256, grouped heads, strided layouts, gradient subsets and
 *        all three dtypes, and varlen packed batches (cu_seqlens: boundaries on and off chunk
 *        boundaries, length-1 sequences, per-sequence initial states); sized for CI on a CPU
 *        OpenCL device.
 * full:  a deterministic sample of the whole check matrix (L = 2048 included), then varlen
 *        variants of it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"

/* requested gradients */
enum {
    QX = 1, QDT = 2, QA = 4, QB = 8, QC = 16, QDIAG = 32, QZ = 64, QBIAS = 128, QINIT = 256, QALL = 511
};

typedef struct qs_case {
    int64_t b, L, H, G, P, N, Q;
    ssmix_dtype io;
    int mode;   /* 0 Hydra, 1 Bi-Mamba2 */
    int shared; /* 0 separate parameters, 1 shared (backward tensors NULL), 2 shared (same views passed) */
    int diag;   /* 0 none, 1 D (H), 2 D (H,P), 3 per-token delta */
    int z, bias, softplus, limit;
    int init;   /* bit 0: initial state of the forward half, bit 1: of the backward half */
    int layout; /* CONF_LAYOUT_* for the activations */
    int det;    /* determinism rerun */
    int grads;  /* requested gradients (bit set) */
    int amode;  /* 0: A = -exp(U(0,1)), 1: A = -0.5 |N(0,1)| */
    int nseq;   /* 0: no cu_seqlens; else a varlen packed batch of nseq sequences (b must be 1) */
} qs_case;

#define F32 SSMIX_F32
#define F16 SSMIX_F16
#define BF16 SSMIX_BF16
#define HY 0
#define BI 1

/* b, L, H, G, P, N, Q, io, mode, shared, diag, z, bias, sp, lim, init, layout, det, grads, amode, nseq */
static const qs_case quick_cases[] = {
    {2, 56, 4, 2, 5, 16, 17, F32, HY, 0, 1, 1, 1, 1, 0, 3, 0, 1, QALL, 0, 0},      /* Q=17, L=3Q+5, P=5 */
    {2, 56, 4, 2, 5, 16, 17, F32, BI, 0, 2, 1, 1, 1, 0, 3, 0, 0, QALL, 1, 0},      /* same, Bi-Mamba2, D (H,P) */
    {1, 56, 4, 4, 5, 16, 17, F16, HY, 1, 3, 1, 1, 0, 1, 1, 0, 0, QALL, 0, 0},      /* shared, delta, raw dt + limit */
    {1, 56, 4, 4, 5, 16, 17, BF16, BI, 2, 0, 0, 1, 1, 0, 2, 0, 1, QALL, 0, 0},     /* shared (same views), no diag */
    {1, 215, 2, 1, 8, 1, 70, F32, HY, 2, 3, 1, 0, 1, 0, 3, 0, 0, QALL, 1, 0},      /* N=1, Q=70 > 64, L=3Q+5 */
    {1, 97, 2, 1, 5, 256, 96, F32, BI, 1, 1, 1, 1, 1, 1, 3, 0, 0, QALL, 0, 0},     /* N=256, Q=96, L=Q+1 */
    {1, 53, 2, 2, 5, 256, 17, BF16, HY, 0, 2, 1, 1, 1, 0, 1, 1, 0, QALL, 0, 0},    /* N=256 bf16, padded layout */
    {1, 1, 2, 1, 4, 8, 16, F32, HY, 0, 1, 1, 1, 1, 0, 3, 0, 1, QALL, 0, 0},        /* L=1: Hydra halves vanish */
    {1, 1, 2, 1, 4, 8, 16, F32, BI, 1, 3, 1, 1, 1, 0, 3, 0, 0, QALL, 0, 0},        /* L=1, Bi-Mamba2 */
    {1, 29, 3, 1, 6, 5, 1, F32, HY, 0, 1, 1, 1, 1, 0, 3, 0, 0, QALL, 0, 0},        /* Q=1 */
    {2, 23, 2, 1, 9, 12, 5, F16, BI, 0, 2, 1, 1, 0, 1, 3, 2, 1, QALL, 1, 0},       /* Q=5, col-major layout */
    {1, 37, 2, 2, 8, 16, 256, F32, BI, 0, 0, 0, 0, 1, 0, 0, 0, 0, QALL, 0, 0},     /* Q > L, minimal options */
    {1, 31, 2, 1, 1, 16, 32, F32, HY, 1, 1, 0, 1, 1, 0, 2, 0, 0, QALL, 0, 0},      /* P=1, L=Q-1 */
    {1, 32, 2, 1, 7, 33, 32, F16, HY, 0, 3, 1, 0, 1, 0, 3, 0, 0, QALL, 0, 0},      /* L=Q */
    {1, 33, 2, 1, 7, 33, 32, BF16, BI, 0, 1, 1, 1, 1, 0, 1, 0, 1, QALL, 0, 0},     /* L=Q+1 */
    {1, 197, 8, 2, 64, 64, 64, F32, HY, 2, 2, 1, 1, 1, 0, 3, 0, 1, QALL, 0, 0},    /* (H,G)=(8,2), P=N=64 */
    {1, 197, 8, 2, 64, 64, 64, F32, BI, 0, 1, 1, 1, 1, 0, 3, 1, 0, QALL, 1, 0},    /* same, separate, padded */
    {1, 300, 2, 2, 16, 16, 256, BF16, BI, 1, 1, 1, 1, 1, 0, 3, 0, 0, QALL, 0, 0},  /* Q=256, partial chunk */
    {1, 300, 2, 1, 16, 32, 256, F16, HY, 0, 3, 1, 1, 1, 0, 3, 0, 0, QALL, 0, 0},   /* Q=256 Hydra */
    {1, 21, 16, 16, 5, 8, 8, F32, HY, 0, 1, 1, 1, 1, 0, 3, 0, 0, QALL, 0, 0},      /* many heads, H=G */
    {1, 70, 4, 2, 33, 40, 32, F32, HY, 0, 2, 1, 1, 1, 0, 3, 0, 0, QX | QB, 0, 0},                  /* subsets */
    {1, 70, 4, 2, 33, 40, 32, F32, BI, 0, 1, 1, 1, 1, 0, 3, 0, 0, QDT | QBIAS | QINIT, 1, 0},
    {1, 70, 4, 4, 33, 40, 32, F16, HY, 1, 3, 1, 1, 1, 0, 3, 0, 0, QA | QC | QDIAG | QZ, 0, 0},
    {1, 50, 2, 1, 16, 16, 16, F32, BI, 2, 2, 1, 0, 0, 0, 3, 2, 1, QALL, 0, 0},     /* raw dt, col-major */
    {1, 61, 4, 2, 5, 16, 16, F32, HY, 0, 1, 1, 1, 1, 0, 3, 0, 1, QALL, 0, 5},   /* varlen, separate */
    {1, 45, 2, 2, 8, 33, 17, F16, BI, 1, 3, 1, 0, 1, 1, 3, 0, 0, QALL, 1, 4},   /* varlen, shared, delta */
    {1, 40, 2, 1, 7, 8, 8, BF16, HY, 2, 2, 0, 1, 0, 0, 2, 2, 0, QALL, 0, 9},    /* varlen, many short */
};

#define NQUICK ((int)(sizeof quick_cases / sizeof quick_cases[0]))
#define NFULL 200
#define NFULL_VARLEN 40 /* varlen variants of full cases 0.. after the NFULL plain ones */

static const int64_t Qv[] = {16, 17, 32, 64, 256};
static const int64_t HGv[][2] = {{1, 1}, {4, 4}, {8, 2}, {64, 64}};
static const int64_t Pv[] = {1, 5, 64, 128};
static const int64_t Nv[] = {1, 16, 64, 128, 256};
static const ssmix_dtype IOv[] = {F32, F16, BF16};

/* Case i of the full sample: each factor cycles through its values with a step coprime to its
 * count (plus hash bits for the flags), so every value recurs in varied combinations. */
static qs_case full_case(int i)
{
    qs_case c;
    memset(&c, 0, sizeof c);
    uint64_t h = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
    c.Q = Qv[(i * 3 + 2) % 5];
    int64_t Ls[6] = {1, c.Q - 1, c.Q, c.Q + 1, 3 * c.Q + 5, 2048};
    c.L = Ls[(i * 7 + (int)(h % 3)) % 6];
    if (c.L < 1) c.L = 1;
    int hg = (i * 5 + 1) % 4;
    c.H = HGv[hg][0];
    c.G = HGv[hg][1];
    c.P = Pv[(i * 3 + (int)((h >> 8) % 2)) % 4];
    c.N = Nv[(i * 7 + 1) % 5];
    c.io = IOv[i % 3];
    c.mode = (i / 3) % 2;
    c.shared = (int)((h >> 10) % 3);
    c.diag = (i / 2) % 4;
    c.z = (int)((h >> 12) & 1);
    c.bias = (int)((h >> 13) & 1);
    c.softplus = (int)((h >> 14) & 1);
    c.limit = (int)((h >> 15) & 1);
    c.init = (int)((h >> 16) % 4);
    c.layout = (int)((h >> 21) % 3);
    c.det = (i % 8) == 0;
    c.grads = QALL;
    c.amode = (int)((h >> 23) & 1);
    c.b = ((h >> 24) & 3) == 0 ? 2 : 1;
    /* keep the double-precision oracle affordable (two directions, forward and backward) */
    while (c.b * c.L * c.H * c.P * c.N > 60000000 && c.H > 1) {
        c.H = c.H >= 4 ? c.H / 4 : 1;
        if (c.G > c.H) c.G = c.H;
        if (c.H % c.G) c.G = 1;
    }
    while (c.b * c.L * c.H * c.P * c.N > 60000000 && c.L > 3 * c.Q + 5) c.L = 3 * c.Q + 5;
    return c;
}

/* Varlen variant of a full case: one packed row of 2..9 sequences. */
static qs_case full_varlen_case(int i)
{
    qs_case c = full_case(i);
    c.b = 1;
    if (c.L < 8) c.L = 3 * c.Q + 5;
    c.nseq = 2 + (i * 5) % 8;
    if (c.nseq > c.L) c.nseq = (int)c.L;
    return c;
}

static qs_case get_case(int full, int index)
{
    if (!full) return quick_cases[index];
    return index < NFULL ? full_case(index) : full_varlen_case(index - NFULL);
}

static int qs_count(int full) { return full ? NFULL + NFULL_VARLEN : NQUICK; }

/* Sequence lengths of a varlen case (nseq >= 1 lengths >= 1 summing to L), cycling through kinds
 * that stress the chunk logic: exactly Q (ends on a chunk boundary), 1, random up to 2Q, Q + 1. */
static void qs_varlen_lengths(conf_runner *r, const qs_case *c, int64_t *lens)
{
    int64_t left = c->L;
    for (int i = 0; i < c->nseq - 1; i++) {
        int64_t reserve = c->nseq - 1 - i, len;
        switch (i % 4) {
        case 0: len = c->Q; break;
        case 1: len = 1; break;
        case 2: len = 1 + (int64_t)(conf_randu(r) * 2.0 * (double)c->Q); break;
        default: len = c->Q + 1; break;
        }
        if (len > left - reserve) len = left - reserve;
        if (len < 1) len = 1;
        lens[i] = len;
        left -= len;
    }
    lens[c->nseq - 1] = left;
}

static void qs_describe_case(const qs_case *c, char *buf, size_t size)
{
    static const char *diag[] = {"", " D(H)", " D(H,P)", " delta"};
    static const char *shared[] = {" separate", " shared", " shared(same views)"};
    snprintf(buf, size, "%s b%lld L%lld H%lld/G%lld P%lld N%lld Q%lld %s%s%s%s%s%s%s%s%s%s%s",
             c->mode ? "bimamba2" : "hydra", (long long)c->b, (long long)c->L, (long long)c->H, (long long)c->G,
             (long long)c->P, (long long)c->N, (long long)c->Q, ssmix_dtype_name(c->io), shared[c->shared],
             diag[c->diag], c->z ? " z" : "", c->bias ? " bias" : "", c->softplus ? " sp" : "",
             c->limit ? " lim" : "", (c->init & 1) ? " init_f" : "", (c->init & 2) ? " init_b" : "",
             c->layout == 1 ? " padded" : c->layout == 2 ? " colmaj" : "", c->grads != QALL ? " subset" : "");
    if (c->nseq) {
        size_t n = strlen(buf);
        if (n < size) snprintf(buf + n, size - n, " varlen%d", c->nseq);
    }
}

static void qs_describe(int full, int index, char *buf, size_t size)
{
    qs_case c = get_case(full, index);
    qs_describe_case(&c, buf, size);
}

typedef struct qs_state {
    ssmix_qsmix_params params;
    int shared; /* as qs_case.shared */
    conf_tensor *x, *A, *bias, *dt[2], *B[2], *C[2], *D, *delta, *z, *init[2], *cu;
    conf_tensor *out, *dout;
    conf_tensor *dx, *dA, *dbias, *dD, *ddelta, *dz, *ddt[2], *dB[2], *dC[2], *dinit[2];
} qs_state;

/* Inputs common to both passes. */
static void qs_inputs(qs_state *S, conf_side s, ssmix_qsmix_tensors *t)
{
    memset(t, 0, sizeof *t);
    t->x = conf_view(S->x, s);
    t->A = conf_view(S->A, s);
    t->dt_bias = conf_view(S->bias, s);
    t->dt_f = conf_view(S->dt[0], s);
    t->B_f = conf_view(S->B[0], s);
    t->C_f = conf_view(S->C[0], s);
    if (S->shared == 0) {
        t->dt_b = conf_view(S->dt[1], s);
        t->B_b = conf_view(S->B[1], s);
        t->C_b = conf_view(S->C[1], s);
    } else if (S->shared == 2) {
        t->dt_b = t->dt_f;
        t->B_b = t->B_f;
        t->C_b = t->C_f;
    }
    t->D = conf_view(S->D, s);
    t->delta = conf_view(S->delta, s);
    t->z = conf_view(S->z, s);
    t->initial_states_f = conf_view(S->init[0], s);
    t->initial_states_b = conf_view(S->init[1], s);
    t->cu_seqlens = conf_view(S->cu, s);
}

static ssmix_status qs_fwd(conf_runner *r, conf_side s, void *user)
{
    qs_state *S = user;
    ssmix_qsmix_tensors t;
    qs_inputs(S, s, &t);
    t.out = conf_view(S->out, s);
    return ssmix_qsmix_forward(conf_ctx(r, s), &S->params, &t);
}

static ssmix_status qs_bwd(conf_runner *r, conf_side s, void *user)
{
    qs_state *S = user;
    ssmix_qsmix_tensors t;
    qs_inputs(S, s, &t);
    t.dout = conf_view(S->dout, s);
    t.dx = conf_view(S->dx, s);
    t.dA = conf_view(S->dA, s);
    t.ddt_bias = conf_view(S->dbias, s);
    t.dD = conf_view(S->dD, s);
    t.ddelta = conf_view(S->ddelta, s);
    t.dz = conf_view(S->dz, s);
    t.ddt_f = conf_view(S->ddt[0], s);
    t.dB_f = conf_view(S->dB[0], s);
    t.dC_f = conf_view(S->dC[0], s);
    t.ddt_b = conf_view(S->ddt[1], s);
    t.dB_b = conf_view(S->dB[1], s);
    t.dC_b = conf_view(S->dC[1], s);
    t.dinitial_states_f = conf_view(S->dinit[0], s);
    t.dinitial_states_b = conf_view(S->dinit[1], s);
    return ssmix_qsmix_backward(conf_ctx(r, s), &S->params, &t);
}

static double qs_softplus(double v) { return v > 20 ? v : log1p(exp(v)); }

static int run_qs_case(conf_runner *r, const qs_case *c, const char *label)
{
    qs_state S;
    memset(&S, 0, sizeof S);
    ssmix_qsmix_params_init(&S.params);
    S.params.mode = c->mode ? SSMIX_QSMIX_BIMAMBA2 : SSMIX_QSMIX_HYDRA;
    S.params.chunk_size = c->Q;
    S.params.dt_softplus = c->softplus;
    if (c->limit) {
        S.params.dt_min = 1e-3f;
        S.params.dt_max = 0.1f;
    }
    S.shared = c->shared;
    conf_set_case_dtype(r, c->io);
    const conf_tol none = {0, 0};
    int64_t sx[4] = {c->b, c->L, c->H, c->P}, sdt[3] = {c->b, c->L, c->H}, sA[1] = {c->H};
    /* varlen: the states lead with nseq (one per sequence) */
    int64_t sB[4] = {c->b, c->L, c->G, c->N}, sD[2] = {c->H, c->P}, sst[4] = {c->nseq ? c->nseq : c->b, c->H, c->P, c->N};
    int lay = c->layout, ndir = c->shared ? 1 : 2;
    int failures = 0;
    static const char *dtn[2] = {"dt_f", "dt_b"}, *Bn[2] = {"B_f", "B_b"}, *Cn[2] = {"C_f", "C_b"};
    static const char *in[2] = {"init_f", "init_b"};

    /* inputs */
    S.x = conf_tensor_new(r, "x", c->io, 4, sx, lay, 0, none);
    S.A = conf_tensor_new(r, "A", SSMIX_F32, 1, sA, 0, 0, none);
    if (!S.x || !S.A) goto oom;
    conf_fill_normal(r, S.x, 0, 1);
    double *v = conf_values(S.A);
    for (int64_t h = 0; h < c->H; ++h) v[h] = c->amode ? -0.5 * fabs(conf_randn(r)) : -exp(conf_randu(r));
    for (int d = 0; d < ndir; ++d) {
        S.dt[d] = conf_tensor_new(r, dtn[d], c->io, 3, sdt, lay, 0, none);
        S.B[d] = conf_tensor_new(r, Bn[d], c->io, 4, sB, lay, 0, none);
        S.C[d] = conf_tensor_new(r, Cn[d], c->io, 4, sB, lay == 2 ? 1 : lay, 0, none);
        if (!S.dt[d] || !S.B[d] || !S.C[d]) goto oom;
        v = conf_values(S.dt[d]);
        for (int64_t i = 0; i < conf_numel(S.dt[d]); ++i)
            v[i] = c->softplus ? conf_randn(r) * 0.5 - 2.0 : qs_softplus(conf_randn(r) - 4.0);
        conf_fill_normal(r, S.B[d], 0, 1);
        conf_fill_normal(r, S.C[d], 0, 1);
    }
    if (c->diag == 1 || c->diag == 2) {
        S.D = conf_tensor_new(r, "D", SSMIX_F32, c->diag == 2 ? 2 : 1, c->diag == 2 ? sD : sA, 0, 0, none);
        if (!S.D) goto oom;
        conf_fill_normal(r, S.D, 0, 1);
    } else if (c->diag == 3) {
        S.delta = conf_tensor_new(r, "delta", c->io, 3, sdt, lay == 1 ? 2 : lay, 0, none);
        if (!S.delta) goto oom;
        conf_fill_normal(r, S.delta, 0, 1);
    }
    if (c->z) {
        S.z = conf_tensor_new(r, "z", c->io, 4, sx, lay == 1 ? 2 : lay, 0, none);
        if (!S.z) goto oom;
        conf_fill_normal(r, S.z, 0, 1);
    }
    if (c->bias) {
        S.bias = conf_tensor_new(r, "dt_bias", SSMIX_F32, 1, sA, 0, 0, none);
        if (!S.bias) goto oom;
        conf_fill_normal(r, S.bias, 0, 1);
    }
    for (int d = 0; d < 2; ++d) {
        if (!(c->init & (1 << d))) continue;
        S.init[d] = conf_tensor_new(r, in[d], SSMIX_F32, 4, sst, d ? lay : 0, 0, none);
        if (!S.init[d]) goto oom;
        conf_fill_normal(r, S.init[d], 0, 1);
    }
    if (c->nseq) {
        int64_t scu[1] = {c->nseq + 1}, lens[64];
        if (c->b != 1 || c->nseq > 64) goto oom;
        S.cu = conf_tensor_new(r, "cu_seqlens", SSMIX_I32, 1, scu, 0, 0, none);
        if (!S.cu) goto oom;
        qs_varlen_lengths(r, c, lens);
        v = conf_values(S.cu);
        v[0] = 0;
        for (int i = 0; i < c->nseq; i++) v[i + 1] = v[i] + (double)lens[i];
    }
    conf_tensor *ins[] = {S.x, S.A, S.bias, S.dt[0], S.B[0], S.C[0], S.dt[1], S.B[1], S.C[1],
                          S.D, S.delta, S.z, S.init[0], S.init[1], S.cu};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; ++i)
        if (ins[i] && conf_upload(r, ins[i]) != SSMIX_SUCCESS) goto oom;

    /* forward */
    S.out = conf_tensor_new(r, "out", c->io, 4, sx, lay, 1, conf_tol_output(c->io));
    if (!S.out) goto oom;
    char lab[96];
    snprintf(lab, sizeof lab, "%s fwd", label);
    failures += conf_execute(r, lab, 1, qs_fwd, &S, c->det);

    /* backward */
    S.dout = conf_tensor_new(r, "dout", c->io, 4, sx, lay == 2 ? 1 : lay, 0, none);
    if (!S.dout) goto oom;
    conf_fill_normal(r, S.dout, 0, 1);
    if (conf_upload(r, S.dout) != SSMIX_SUCCESS) goto oom;
    int g = c->grads;
    static const char *ddtn[2] = {"ddt_f", "ddt_b"}, *dBn[2] = {"dB_f", "dB_b"}, *dCn[2] = {"dC_f", "dC_b"};
    static const char *din[2] = {"dinit_f", "dinit_b"};
    if (g & QX) S.dx = conf_tensor_new(r, "dx", c->io, 4, sx, lay, 2, conf_tol_grad(c->io, 1));
    if (g & QA) S.dA = conf_tensor_new(r, "dA", SSMIX_F32, 1, sA, 0, 2, conf_tol_grad(SSMIX_F32, 5));
    if ((g & QBIAS) && c->bias) S.dbias = conf_tensor_new(r, "ddt_bias", SSMIX_F32, 1, sA, 0, 2, conf_tol_grad(SSMIX_F32, 5));
    if ((g & QDIAG) && (c->diag == 1 || c->diag == 2))
        S.dD = conf_tensor_new(r, "dD", SSMIX_F32, c->diag == 2 ? 2 : 1, c->diag == 2 ? sD : sA, 0, 2,
                               conf_tol_grad(SSMIX_F32, 1));
    if ((g & QDIAG) && c->diag == 3) S.ddelta = conf_tensor_new(r, "ddelta", c->io, 3, sdt, lay, 2, conf_tol_grad(c->io, 1));
    if ((g & QZ) && c->z) S.dz = conf_tensor_new(r, "dz", c->io, 4, sx, lay, 2, conf_tol_grad(c->io, 1));
    for (int d = 0; d < 2; ++d) {
        /* subsets request the backward direction's gradients only in every other case */
        int want = c->grads == QALL || d == 0 || (c->Q & 1);
        if (d < ndir && want) {
            if (g & QDT) S.ddt[d] = conf_tensor_new(r, ddtn[d], c->io, 3, sdt, lay, 2, conf_tol_grad(c->io, 5));
            if (g & QB) S.dB[d] = conf_tensor_new(r, dBn[d], c->io, 4, sB, lay, 2, conf_tol_grad(c->io, 1));
            if (g & QC) S.dC[d] = conf_tensor_new(r, dCn[d], c->io, 4, sB, lay == 1 ? 2 : lay, 2, conf_tol_grad(c->io, 1));
        }
        if ((g & QINIT) && S.init[d] && (want || d == 1))
            S.dinit[d] = conf_tensor_new(r, din[d], SSMIX_F32, 4, sst, lay == 2 ? 2 : 0, 2, conf_tol_grad(SSMIX_F32, 1));
    }
    snprintf(lab, sizeof lab, "%s bwd", label);
    failures += conf_execute(r, lab, 2, qs_bwd, &S, c->det);
    conf_case_end(r);
    return failures;
oom:
    conf_case_end(r);
    fprintf(conf_out(r), "%s: could not set up the case\n", label);
    return 1;
}

static int qs_run(conf_runner *r, int full, int index)
{
    qs_case c = get_case(full, index);
    char desc[240], label[64];
    qs_describe_case(&c, desc, sizeof desc);
    snprintf(label, sizeof label, "qsmix#%d", index);
    fprintf(conf_out(r), "%s: %s\n", label, desc);
    return run_qs_case(r, &c, label);
}

const conf_suite conf_suite_qsmix = {"qsmix", qs_count, qs_describe, qs_run};
