/*
 * SSD conformance cases (OPS.md section 1 against the oracle, section 8 check matrix).
 *
 * quick: a hand-picked list that covers every option and the odd sizes (Q = 17, L = 3Q+5, P = 5,
 *        N = 1, N = 256, L = 1, Q > L, Q = 1), all three dtypes, strided layouts, subsets of
 *        requested gradients, and determinism checks; sized for CI on a CPU OpenCL device.
 * full:  a deterministic sample of the whole matrix (every value of every factor appears many times;
 *        the L = 2048 rows are kept for all head/state sizes, which takes a while on the CPU oracle).
 * varlen (cu_seqlens, batch 1): the last cases of both lists. Each partition has a length-1
 * sequence and a sequence ending exactly on a chunk boundary, plus random boundaries; states are
 * (nseq,H,P,N).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"

enum {
    GX = 1, GDT = 2, GA = 4, GB = 8, GC = 16, GD = 32, GZ = 64, GBIAS = 128, GINIT = 256, GALL = 511
};

typedef struct ssd_case {
    int64_t b, L, H, G, P, N, Q;
    ssmix_dtype io;
    int D;        /* 0 none, 1 (H), 2 (H,P) */
    int z, bias, softplus, limit, init, dfinal;
    int seq;      /* 0 none, 1 random partition from 0, 2 random partition from 1 (initial state unused) */
    int layout;   /* CONF_LAYOUT_* for the activations */
    int det;      /* determinism rerun */
    int grads;    /* requested gradients (bit set), GALL = all that apply */
    int amode;    /* 0: A = -exp(U(0,1)), 1: A = -0.5 |N(0,1)| */
    int vl;       /* varlen: cu_seqlens with a random partition (b == 1, seq == 0); 2: dense (many short) */
} ssd_case;

#define F32 SSMIX_F32
#define F16 SSMIX_F16
#define BF16 SSMIX_BF16

/* b, L, H, G, P, N, Q, io, D, z, bias, sp, lim, init, dfin, seq, layout, det, grads, amode, vl */
static const ssd_case quick_cases[] = {
    {2, 56, 4, 4, 5, 16, 17, F32, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, GALL, 0, 0},   /* Q=17, L=3Q+5, P=5 */
    {2, 56, 8, 2, 5, 16, 17, F16, 2, 1, 0, 0, 1, 1, 1, 1, 0, 0, GALL, 1, 0},   /* groups, seq, dt_limit */
    {1, 56, 8, 2, 16, 1, 17, BF16, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, GALL, 0, 0},  /* N=1 */
    {1, 15, 4, 4, 64, 16, 16, F32, 2, 0, 1, 0, 0, 1, 0, 0, 1, 0, GALL, 1, 0},  /* L=Q-1, padded layout */
    {2, 16, 1, 1, 1, 8, 16, F32, 1, 1, 0, 1, 1, 1, 1, 2, 0, 0, GALL, 0, 0},    /* P=1, L=Q, seq from 1 */
    {1, 17, 1, 1, 7, 256, 16, F32, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, GALL, 0, 0},  /* N=256, L=Q+1 */
    {1, 1, 4, 2, 8, 16, 32, F32, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, GALL, 1, 0},    /* L=1 */
    {1, 40, 2, 1, 128, 32, 32, F16, 2, 1, 1, 1, 0, 1, 1, 1, 2, 0, GALL, 0, 0}, /* P=128, col-major layout */
    {1, 101, 8, 2, 16, 64, 64, F32, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, GALL, 1, 0}, /* seq + limit, Q=64 */
    {1, 300, 2, 2, 16, 16, 256, BF16, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, GALL, 0, 0}, /* Q=256, partial chunk */
    {1, 2048, 1, 1, 16, 16, 256, F32, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, GALL, 0, 0}, /* L=2048 */
    {1, 37, 64, 64, 5, 8, 16, F32, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, GALL, 1, 0},  /* (H,G) = (64,64) */
    {1, 29, 3, 1, 6, 5, 1, F32, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, GALL, 0, 0},     /* Q=1 */
    {2, 23, 2, 1, 9, 12, 5, F16, 2, 1, 1, 0, 1, 1, 1, 1, 1, 0, GALL, 1, 0},    /* Q=5 */
    {1, 17, 2, 2, 8, 16, 256, F32, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, GALL, 0, 0},  /* Q > L, minimal options */
    {1, 70, 4, 2, 32, 64, 32, F32, 2, 1, 1, 1, 0, 1, 1, 0, 0, 0, GX | GB, 0, 0},        /* gradient subsets */
    {1, 70, 4, 2, 32, 64, 32, F32, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, GDT | GBIAS | GINIT, 1, 0},
    {1, 70, 4, 4, 32, 64, 32, F16, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, GA | GC | GD | GZ, 0, 0},
    {2, 77, 4, 1, 64, 128, 64, F32, 2, 1, 1, 1, 0, 1, 1, 1, 0, 1, GALL, 0, 0}, /* P=64, N=128 */
    {1, 53, 2, 2, 33, 65, 17, BF16, 2, 1, 1, 1, 1, 1, 1, 0, 1, 0, GALL, 1, 0}, /* odd tiles, padded */
    {1, 64, 2, 1, 128, 256, 64, F32, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, GALL, 0, 0}, /* P=128, N=256 */
    {1, 40, 4, 4, 16, 16, 16, F32, 1, 1, 0, 0, 0, 0, 0, 1, 2, 0, GALL, 1, 0},  /* raw dt, col-major, seq */
    {1, 20, 1, 1, 256, 64, 16, BF16, 2, 1, 1, 1, 0, 1, 1, 0, 0, 0, GALL, 0, 0}, /* P=256 */
    /* varlen (tile shapes of cases 0 and 1, so PoCL reuses their compiled kernels) */
    {1, 56, 4, 2, 5, 16, 17, F32, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, GALL, 0, 1},  /* init + dfinal, Q=17 */
    {1, 45, 8, 2, 5, 16, 17, F16, 2, 0, 1, 0, 1, 1, 0, 0, 2, 0, GALL, 1, 1},  /* init only, col-major */
    {1, 60, 4, 2, 5, 16, 17, F32, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, GALL, 0, 1},  /* dfinal only */
};

#define NQUICK ((int)(sizeof quick_cases / sizeof quick_cases[0]))
#define NFULL 240
#define NFULL_VL 24 /* varlen variants of full cases, appended */

static const int64_t Qv[] = {16, 17, 32, 64, 256};
static const int64_t HGv[][2] = {{1, 1}, {4, 4}, {8, 2}, {64, 64}};
static const int64_t Pv[] = {1, 5, 64, 128};
static const int64_t Nv[] = {1, 16, 64, 128, 256};
static const ssmix_dtype IOv[] = {F32, F16, BF16};

/* Case `i` of the full sample: factor k takes value (i * step_k + off_k) mod n_k with steps coprime
 * to the counts, so every value of every factor recurs and combinations vary. */
static ssd_case full_case(int i)
{
    ssd_case c;
    memset(&c, 0, sizeof c);
    uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    c.Q = Qv[(i * 3 + 1) % 5];
    int li = (int)((i * 7 + (int)(h % 3)) % 6);
    int64_t Ls[6] = {1, c.Q - 1, c.Q, c.Q + 1, 3 * c.Q + 5, 2048};
    c.L = Ls[li] < 1 ? 1 : Ls[li];
    int hg = (i * 5 + 2) % 4;
    c.H = HGv[hg][0];
    c.G = HGv[hg][1];
    c.P = Pv[(i * 3 + (int)(h >> 8) % 2) % 4];
    c.N = Nv[(i * 7 + 3) % 5];
    c.io = IOv[i % 3];
    c.D = (i / 3) % 3;
    c.z = (int)((h >> 12) & 1);
    c.bias = (int)((h >> 13) & 1);
    c.softplus = (int)((h >> 14) & 1);
    c.limit = (int)((h >> 15) & 1);
    c.init = (int)((h >> 16) & 1);
    c.dfinal = (int)((h >> 17) & 1);
    c.seq = (int)((h >> 18) % 3);
    c.layout = (int)((h >> 21) % 3);
    c.det = (i % 8) == 0;
    c.grads = GALL;
    c.amode = (int)((h >> 23) & 1);
    c.b = ((h >> 24) & 3) == 0 ? 2 : 1;
    /* keep the double-precision oracle affordable: at most ~1.5e8 state updates per pass */
    while (c.b * c.L * c.H * c.P * c.N > 150000000 && c.H > 1) {
        c.H = c.H >= 4 ? c.H / 4 : 1;
        if (c.G > c.H) c.G = c.H;
        if (c.H % c.G) c.G = 1;
    }
    while (c.b * c.L * c.H * c.P * c.N > 150000000 && c.L > 3 * c.Q + 5) c.L = 3 * c.Q + 5;
    return c;
}

/* Varlen case `i` of the full sample: full case 7 i + 3 (every factor still varies) as one packed row. */
static ssd_case full_vl_case(int i)
{
    ssd_case c = full_case(7 * i + 3);
    c.b = 1;
    c.seq = 0;
    c.vl = 1 + i % 2;
    c.init = i % 3 != 2;
    c.dfinal = i % 2 == 0 || i % 5 == 1;
    if (c.L < 2) c.L = 2 * c.Q + 3;
    return c;
}

static ssd_case get_case(int full, int index)
{
    if (!full) return quick_cases[index];
    return index < NFULL ? full_case(index) : full_vl_case(index - NFULL);
}

static int ssd_count(int full) { return full ? NFULL + NFULL_VL : NQUICK; }

static void ssd_describe_case(const ssd_case *c, char *buf, size_t size)
{
    snprintf(buf, size, "b%lld L%lld H%lld/G%lld P%lld N%lld Q%lld %s D%d%s%s%s%s%s%s%s%s%s",
             (long long)c->b, (long long)c->L, (long long)c->H, (long long)c->G, (long long)c->P, (long long)c->N,
             (long long)c->Q, ssmix_dtype_name(c->io), c->D, c->z ? " z" : "", c->bias ? " bias" : "",
             c->softplus ? " sp" : "", c->limit ? " lim" : "", c->init ? " init" : "", c->dfinal ? " dfin" : "",
             c->seq == 1 ? " seq" : c->seq == 2 ? " seq1" : c->vl == 2 ? " varlen-dense" : c->vl ? " varlen" : "",
             c->layout == 1 ? " padded" : c->layout == 2 ? " colmaj" : "", c->grads != GALL ? " subset" : "");
}

static void ssd_describe(int full, int index, char *buf, size_t size)
{
    ssd_case c = get_case(full, index);
    ssd_describe_case(&c, buf, size);
}

typedef struct ssd_state {
    ssmix_ssd_params params;
    conf_tensor *x, *dt, *A, *B, *C, *D, *z, *bias, *init, *seq, *cu;
    conf_tensor *out, *fin;
    conf_tensor *dout, *dfin;
    conf_tensor *dx, *ddt, *dA, *dB, *dC, *dD, *dz, *dbias, *dinit;
} ssd_state;

static ssmix_status ssd_fwd(conf_runner *r, conf_side s, void *user)
{
    ssd_state *S = user;
    ssmix_ssd_tensors t;
    memset(&t, 0, sizeof t);
    t.x = conf_view(S->x, s);
    t.dt = conf_view(S->dt, s);
    t.A = conf_view(S->A, s);
    t.B = conf_view(S->B, s);
    t.C = conf_view(S->C, s);
    t.D = conf_view(S->D, s);
    t.z = conf_view(S->z, s);
    t.dt_bias = conf_view(S->bias, s);
    t.initial_states = conf_view(S->init, s);
    t.seq_idx = conf_view(S->seq, s);
    t.cu_seqlens = conf_view(S->cu, s);
    t.out = conf_view(S->out, s);
    t.final_states = conf_view(S->fin, s);
    return ssmix_ssd_forward(conf_ctx(r, s), &S->params, &t);
}

static ssmix_status ssd_bwd(conf_runner *r, conf_side s, void *user)
{
    ssd_state *S = user;
    ssmix_ssd_tensors t;
    memset(&t, 0, sizeof t);
    t.x = conf_view(S->x, s);
    t.dt = conf_view(S->dt, s);
    t.A = conf_view(S->A, s);
    t.B = conf_view(S->B, s);
    t.C = conf_view(S->C, s);
    t.D = conf_view(S->D, s);
    t.z = conf_view(S->z, s);
    t.dt_bias = conf_view(S->bias, s);
    t.initial_states = conf_view(S->init, s);
    t.seq_idx = conf_view(S->seq, s);
    t.cu_seqlens = conf_view(S->cu, s);
    t.dout = conf_view(S->dout, s);
    t.dfinal_states = conf_view(S->dfin, s);
    t.dx = conf_view(S->dx, s);
    t.ddt = conf_view(S->ddt, s);
    t.dA = conf_view(S->dA, s);
    t.dB = conf_view(S->dB, s);
    t.dC = conf_view(S->dC, s);
    t.dD = conf_view(S->dD, s);
    t.dz = conf_view(S->dz, s);
    t.ddt_bias = conf_view(S->dbias, s);
    t.dinitial_states = conf_view(S->dinit, s);
    return ssmix_ssd_backward(conf_ctx(r, s), &S->params, &t);
}

static int run_ssd_case(conf_runner *r, const ssd_case *c, const char *label)
{
    ssd_state S;
    memset(&S, 0, sizeof S);
    ssmix_ssd_params_init(&S.params);
    S.params.chunk_size = c->Q;
    S.params.dt_softplus = c->softplus;
    if (c->limit) {
        S.params.dt_min = 1e-3f;
        S.params.dt_max = 0.1f;
    }
    conf_set_case_dtype(r, c->io);
    const conf_tol none = {0, 0};
    int64_t sx[4] = {c->b, c->L, c->H, c->P}, sdt[3] = {c->b, c->L, c->H}, sA[1] = {c->H};
    int64_t sB[4] = {c->b, c->L, c->G, c->N}, sD[2] = {c->H, c->P}, sst[4] = {c->b, c->H, c->P, c->N};
    int64_t sseq[2] = {c->b, c->L};
    int lay = c->layout;
    int failures = 0;

    /* varlen: boundaries at a chunk boundary (Q), around a length-1 sequence, and random */
    int64_t cuv[1024];
    int nseq = 0;
    if (c->vl) {
        int64_t one = c->L > 4 ? c->L / 2 + (int64_t)(conf_randu(r) * (double)(c->L / 4)) : -1;
        cuv[0] = 0;
        for (int64_t t = 1; t < c->L && nseq < 1000; ++t)
            if (t == c->Q || t == one || t == one + 1 || conf_randu(r) < (c->vl == 2 ? 0.3 : 4.0 / (double)c->L))
                cuv[++nseq] = t;
        cuv[++nseq] = c->L;
        sst[0] = nseq;
    }

    /* inputs */
    S.x = conf_tensor_new(r, "x", c->io, 4, sx, lay, 0, none);
    S.dt = conf_tensor_new(r, "dt", c->io, 3, sdt, lay, 0, none);
    S.A = conf_tensor_new(r, "A", SSMIX_F32, 1, sA, 0, 0, none);
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
    for (int64_t h = 0; h < c->H; ++h) v[h] = c->amode ? -0.5 * fabs(conf_randn(r)) : -exp(conf_randu(r));
    if (c->D) {
        S.D = conf_tensor_new(r, "D", SSMIX_F32, c->D == 2 ? 2 : 1, c->D == 2 ? sD : sA, 0, 0, none);
        if (!S.D) goto oom;
        conf_fill_normal(r, S.D, 0, 1);
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
    if (c->init) {
        S.init = conf_tensor_new(r, "init", SSMIX_F32, 4, sst, lay, 0, none);
        if (!S.init) goto oom;
        conf_fill_normal(r, S.init, 0, 1);
    }
    if (c->seq) {
        S.seq = conf_tensor_new(r, "seq_idx", SSMIX_I32, 2, sseq, 0, 0, none);
        if (!S.seq) goto oom;
        v = conf_values(S.seq);
        for (int64_t b = 0; b < c->b; ++b) {
            /* a random partition: each position starts a new sequence with probability ~3/L (at
             * least one boundary when L > 1), ids non-decreasing */
            int id = c->seq == 2 ? 1 : 0;
            int64_t forced = c->L > 1 ? 1 + (int64_t)(conf_randu(r) * (double)(c->L - 1)) : -1;
            for (int64_t t = 0; t < c->L; ++t) {
                if (t > 0 && (t == forced || conf_randu(r) < 3.0 / (double)c->L)) id += 1 + (conf_randu(r) < 0.2);
                v[b * c->L + t] = id;
            }
        }
    }
    if (c->vl) {
        int64_t scu[1] = {nseq + 1};
        S.cu = conf_tensor_new(r, "cu_seqlens", SSMIX_I32, 1, scu, 0, 0, none);
        if (!S.cu) goto oom;
        v = conf_values(S.cu);
        for (int k = 0; k <= nseq; ++k) v[k] = (double)cuv[k];
    }
    conf_tensor *ins[] = {S.x, S.dt, S.A, S.B, S.C, S.D, S.z, S.bias, S.init, S.seq, S.cu};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; ++i)
        if (ins[i] && conf_upload(r, ins[i]) != SSMIX_SUCCESS) goto oom;

    /* forward */
    S.out = conf_tensor_new(r, "out", c->io, 4, sx, lay, 1, conf_tol_output(c->io));
    S.fin = conf_tensor_new(r, "final_states", SSMIX_F32, 4, sst, 0, 1, conf_tol_output(SSMIX_F32));
    if (!S.out || !S.fin) goto oom;
    char lab[96];
    snprintf(lab, sizeof lab, "%s fwd", label);
    failures += conf_execute(r, lab, 1, ssd_fwd, &S, c->det);

    /* backward */
    S.dout = conf_tensor_new(r, "dout", c->io, 4, sx, lay == 2 ? 1 : lay, 0, none);
    if (!S.dout) goto oom;
    conf_fill_normal(r, S.dout, 0, 1);
    if (conf_upload(r, S.dout) != SSMIX_SUCCESS) goto oom;
    if (c->dfinal) {
        S.dfin = conf_tensor_new(r, "dfinal", SSMIX_F32, 4, sst, 0, 0, none);
        if (!S.dfin) goto oom;
        conf_fill_normal(r, S.dfin, 0, 1);
        if (conf_upload(r, S.dfin) != SSMIX_SUCCESS) goto oom;
    }
    int g = c->grads;
    if (g & GX) S.dx = conf_tensor_new(r, "dx", c->io, 4, sx, lay, 2, conf_tol_grad(c->io, 1));
    if (g & GDT) S.ddt = conf_tensor_new(r, "ddt", c->io, 3, sdt, lay, 2, conf_tol_grad(c->io, 5));
    if (g & GA) S.dA = conf_tensor_new(r, "dA", SSMIX_F32, 1, sA, 0, 2, conf_tol_grad(SSMIX_F32, 5));
    if (g & GB) S.dB = conf_tensor_new(r, "dB", c->io, 4, sB, lay, 2, conf_tol_grad(c->io, 1));
    if (g & GC) S.dC = conf_tensor_new(r, "dC", c->io, 4, sB, lay == 1 ? 2 : lay, 2, conf_tol_grad(c->io, 1));
    if ((g & GD) && c->D)
        S.dD = conf_tensor_new(r, "dD", SSMIX_F32, c->D == 2 ? 2 : 1, c->D == 2 ? sD : sA, 0, 2, conf_tol_grad(SSMIX_F32, 1));
    if ((g & GZ) && c->z) S.dz = conf_tensor_new(r, "dz", c->io, 4, sx, lay, 2, conf_tol_grad(c->io, 1));
    if ((g & GBIAS) && c->bias) S.dbias = conf_tensor_new(r, "ddt_bias", SSMIX_F32, 1, sA, 0, 2, conf_tol_grad(SSMIX_F32, 5));
    if ((g & GINIT) && c->init)
        S.dinit = conf_tensor_new(r, "dinitial_states", SSMIX_F32, 4, sst, lay == 2 ? 2 : 0, 2, conf_tol_grad(SSMIX_F32, 1));
    snprintf(lab, sizeof lab, "%s bwd", label);
    failures += conf_execute(r, lab, 2, ssd_bwd, &S, c->det);
    conf_case_end(r);
    return failures;
oom:
    conf_case_end(r);
    fprintf(conf_out(r), "%s: could not set up the case\n", label);
    return 1;
}

static int ssd_run(conf_runner *r, int full, int index)
{
    ssd_case c = get_case(full, index);
    char desc[200], label[64];
    ssd_describe_case(&c, desc, sizeof desc);
    snprintf(label, sizeof label, "ssd#%d", index);
    fprintf(conf_out(r), "%s: %s\n", label, desc);
    return run_ssd_case(r, &c, label);
}

const conf_suite conf_suite_ssd = {"ssd", ssd_count, ssd_describe, ssd_run};
