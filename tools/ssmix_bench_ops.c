/*
 * The operators of `ssmix bench` (the command line is ssmix_bench.c, timing bench_util.c): each is a
 * row of the table at the end, with its --shape fields and --mode choices, how it allocates its
 * tensors and makes one timed call, and its FLOP model. Inputs are random per OPS.md section 8
 * (x, B, C, delta ~ N(0,1); dt = N(0,1)*0.5 - 2 used with softplus; A = -exp(U(0,1)); D, biases
 * ~ N(0,1)); --rotate K input sets are used in turn so consecutive calls do not find their inputs in
 * a cache.
 *
 * Byte model: every tensor read counted once and every tensor written once, in its storage dtype
 * (forward: inputs + outputs; --backward adds the inputs again, dout and the gradients; a decode
 * state is read and written). FLOP models (2 per multiply-add, elementwise work counted where it is
 * the whole operator), per operator in the table's comments and docs/benchmarks.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define MAXT 24 /* tensors per operator */

typedef enum role { R_NONE = 0, R_IN, R_DOUT, R_OUT, R_GRAD, R_INOUT } role;

typedef struct opbench {
    const struct opdesc *d;
    const bench_cli *cli;
    ssmix_context *ctx;
    int64_t s[8];     /* --shape fields */
    int mode;         /* index into the operator's modes */
    int rotate;
    btensor (*in)[MAXT]; /* per input set: every tensor of the call (inputs, outputs, gradients) */
    role roles[MAXT];
} opbench;

typedef struct opdesc {
    const char *name, *fields, *modes, *help;
    int backward; /* has a backward pass */
    /* allocate input set k's tensors (slot, role) */
    ssmix_status (*alloc)(opbench *o, btensor *t, bench_rng *r);
    ssmix_status (*call)(opbench *o, btensor *t);
    double (*flops)(const opbench *o);
} opdesc;

/* Make tensor `slot` of the current set with a role (outputs and gradients only when needed). */
static ssmix_status mk(opbench *o, btensor *t, int slot, role ro, ssmix_dtype dt, int ndim, const int64_t *shape,
                       bench_fill fill, bench_rng *r)
{
    if ((ro == R_DOUT || ro == R_GRAD) && !o->cli->backward) return SSMIX_SUCCESS;
    o->roles[slot] = ro;
    return bench_tensor_make(o->ctx, &t[slot], dt, ndim, shape, ro == R_OUT || ro == R_GRAD ? FILL_NONE : fill, r);
}

#define V(i) bench_view(&t[i])
#define TRY(x) do { ssmix_status st_ = (x); if (st_ != SSMIX_SUCCESS) return st_; } while (0)

/* ---------------------------------------------------------------- SSD and the mixer
 * shape b,L,H,P,N,G,Q; SSD with D (H) and dt_bias; the mixer in Hydra mode (separate direction
 * tensors, per-token delta) or Bi-Mamba2 mode (shared tensors, D (H)); softplus on dt.
 * FLOPs: the matrix products of the chunked algorithm, per batch row, head and chunk of q positions:
 *   forward   CB = C B^T 2qqN, chunk state X^T (w B) 2qPN, state passing 2PN,
 *             chunk output (CB.decay) X 2qqP + C H^T 2qPN            = 2qqN + 2qqP + 4qPN + 2PN
 *   backward  recomputed CB, chunk states, state passing 2qqN + 2qPN + 2PN; dScores = dY X^T and
 *             dX_intra 4qqP; dC_intra, dB_intra 4qqN; dC_inter, dH, dX_state, dB_state 8qPN;
 *             state passing backward 2PN                             = 6qqN + 4qqP + 10qPN + 4PN
 * The mixer runs two scans (one per direction): twice the SSD count. */
enum { Q_X, Q_DT, Q_A, Q_B, Q_C, Q_D, Q_DTB, Q_DTb, Q_Bb, Q_Cb, Q_DELTA, Q_OUT, Q_DOUT, Q_DX, Q_DDT, Q_DA, Q_DB,
       Q_DC, Q_DD, Q_DDTB, Q_DDTb, Q_DBb, Q_DCb, Q_DDELTA };

static int is_hydra(const opbench *o) { return o->d->modes && o->mode == 0; }

static ssmix_status scan_alloc(opbench *o, btensor *t, bench_rng *r)
{
    int64_t b = o->s[0], L = o->s[1], H = o->s[2], P = o->s[3], N = o->s[4], G = o->s[5];
    int64_t sx[4] = {b, L, H, P}, sdt[3] = {b, L, H}, sh[1] = {H}, sbc[4] = {b, L, G, N};
    ssmix_dtype io = o->cli->io;
    TRY(mk(o, t, Q_X, R_IN, io, 4, sx, FILL_NORMAL, r));
    TRY(mk(o, t, Q_DT, R_IN, io, 3, sdt, FILL_DT, r));
    TRY(mk(o, t, Q_A, R_IN, SSMIX_F32, 1, sh, FILL_A, r));
    TRY(mk(o, t, Q_B, R_IN, io, 4, sbc, FILL_NORMAL, r));
    TRY(mk(o, t, Q_C, R_IN, io, 4, sbc, FILL_NORMAL, r));
    TRY(mk(o, t, Q_DTB, R_IN, SSMIX_F32, 1, sh, FILL_NORMAL, r));
    TRY(mk(o, t, Q_OUT, R_OUT, io, 4, sx, FILL_NONE, r));
    TRY(mk(o, t, Q_DOUT, R_DOUT, io, 4, sx, FILL_NORMAL, r));
    TRY(mk(o, t, Q_DX, R_GRAD, io, 4, sx, FILL_NONE, r));
    TRY(mk(o, t, Q_DDT, R_GRAD, io, 3, sdt, FILL_NONE, r));
    TRY(mk(o, t, Q_DA, R_GRAD, SSMIX_F32, 1, sh, FILL_NONE, r));
    TRY(mk(o, t, Q_DB, R_GRAD, io, 4, sbc, FILL_NONE, r));
    TRY(mk(o, t, Q_DC, R_GRAD, io, 4, sbc, FILL_NONE, r));
    TRY(mk(o, t, Q_DDTB, R_GRAD, SSMIX_F32, 1, sh, FILL_NONE, r));
    if (!is_hydra(o)) {
        TRY(mk(o, t, Q_D, R_IN, SSMIX_F32, 1, sh, FILL_NORMAL, r));
        return mk(o, t, Q_DD, R_GRAD, SSMIX_F32, 1, sh, FILL_NONE, r);
    }
    TRY(mk(o, t, Q_DTb, R_IN, io, 3, sdt, FILL_DT, r));
    TRY(mk(o, t, Q_Bb, R_IN, io, 4, sbc, FILL_NORMAL, r));
    TRY(mk(o, t, Q_Cb, R_IN, io, 4, sbc, FILL_NORMAL, r));
    TRY(mk(o, t, Q_DELTA, R_IN, io, 3, sdt, FILL_NORMAL, r));
    TRY(mk(o, t, Q_DDTb, R_GRAD, io, 3, sdt, FILL_NONE, r));
    TRY(mk(o, t, Q_DBb, R_GRAD, io, 4, sbc, FILL_NONE, r));
    TRY(mk(o, t, Q_DCb, R_GRAD, io, 4, sbc, FILL_NONE, r));
    return mk(o, t, Q_DDELTA, R_GRAD, io, 3, sdt, FILL_NONE, r);
}

static ssmix_status ssd_call(opbench *o, btensor *t)
{
    ssmix_ssd_params p;
    ssmix_ssd_params_init(&p);
    p.chunk_size = o->s[6];
    p.dt_softplus = 1;
    ssmix_ssd_tensors s;
    memset(&s, 0, sizeof s);
    s.x = V(Q_X), s.dt = V(Q_DT), s.A = V(Q_A), s.B = V(Q_B), s.C = V(Q_C), s.D = V(Q_D), s.dt_bias = V(Q_DTB);
    s.out = V(Q_OUT);
    TRY(ssmix_ssd_forward(o->ctx, &p, &s));
    if (!o->cli->backward) return SSMIX_SUCCESS;
    s.out = NULL;
    s.dout = V(Q_DOUT), s.dx = V(Q_DX), s.ddt = V(Q_DDT), s.dA = V(Q_DA), s.dB = V(Q_DB), s.dC = V(Q_DC);
    s.dD = V(Q_DD), s.ddt_bias = V(Q_DDTB);
    return ssmix_ssd_backward(o->ctx, &p, &s);
}

static ssmix_status qsmix_call(opbench *o, btensor *t)
{
    ssmix_qsmix_params p;
    ssmix_qsmix_params_init(&p);
    p.mode = is_hydra(o) ? SSMIX_QSMIX_HYDRA : SSMIX_QSMIX_BIMAMBA2;
    p.chunk_size = o->s[6];
    p.dt_softplus = 1;
    ssmix_qsmix_tensors s;
    memset(&s, 0, sizeof s);
    s.x = V(Q_X), s.A = V(Q_A), s.dt_bias = V(Q_DTB), s.dt_f = V(Q_DT), s.B_f = V(Q_B), s.C_f = V(Q_C);
    s.dt_b = V(Q_DTb), s.B_b = V(Q_Bb), s.C_b = V(Q_Cb), s.D = V(Q_D), s.delta = V(Q_DELTA), s.out = V(Q_OUT);
    TRY(ssmix_qsmix_forward(o->ctx, &p, &s));
    if (!o->cli->backward) return SSMIX_SUCCESS;
    s.out = NULL;
    s.dout = V(Q_DOUT), s.dx = V(Q_DX), s.dA = V(Q_DA), s.ddt_bias = V(Q_DDTB), s.dD = V(Q_DD);
    s.ddelta = V(Q_DDELTA), s.ddt_f = V(Q_DDT), s.dB_f = V(Q_DB), s.dC_f = V(Q_DC), s.ddt_b = V(Q_DDTb);
    s.dB_b = V(Q_DBb), s.dC_b = V(Q_DCb);
    return ssmix_qsmix_backward(o->ctx, &p, &s);
}

static double scan_flops(const opbench *o)
{
    double P = (double)o->s[3], N = (double)o->s[4], fwd = 0.0, bwd = 0.0;
    for (int64_t c0 = 0; c0 < o->s[1]; c0 += o->s[6]) {
        double q = (double)(o->s[1] - c0 < o->s[6] ? o->s[1] - c0 : o->s[6]);
        fwd += 2 * q * q * N + 2 * q * q * P + 4 * q * P * N + 2 * P * N;
        bwd += 6 * q * q * N + 4 * q * q * P + 10 * q * P * N + 4 * P * N;
    }
    double per_head = fwd + (o->cli->backward ? bwd : 0.0);
    return per_head * (double)o->s[0] * (double)o->s[2] * (o->d->modes ? 2.0 : 1.0);
}

/* ---------------------------------------------------------------- gated linear attention
 * shape b,L,H,K,V,Q; modes causal, bidirectional. FLOPs per (b,h) and chunk of q rows: scores
 * 2q^2K, scores x V 2q^2V, state into the output 2qKV, chunk state update 2qKV; bidirectional twice;
 * the backward counted as twice the forward (dq, dk and dv each redo products of that size). */
enum { G_Q, G_K, G_V, G_GK, G_OUT, G_DOUT, G_DQ, G_DK, G_DV, G_DGK };

static ssmix_status gla_alloc(opbench *o, btensor *t, bench_rng *r)
{
    int64_t b = o->s[0], L = o->s[1], H = o->s[2], K = o->s[3], Vd = o->s[4];
    int64_t sk[4] = {b, L, H, K}, sv[4] = {b, L, H, Vd};
    ssmix_dtype io = o->cli->io;
    TRY(mk(o, t, G_Q, R_IN, io, 4, sk, FILL_NORMAL, r));
    TRY(mk(o, t, G_K, R_IN, io, 4, sk, FILL_NORMAL, r));
    TRY(mk(o, t, G_V, R_IN, io, 4, sv, FILL_NORMAL, r));
    TRY(mk(o, t, G_GK, R_IN, io, 4, sk, FILL_LOGDECAY, r));
    TRY(mk(o, t, G_OUT, R_OUT, io, 4, sv, FILL_NONE, r));
    TRY(mk(o, t, G_DOUT, R_DOUT, io, 4, sv, FILL_NORMAL, r));
    TRY(mk(o, t, G_DQ, R_GRAD, io, 4, sk, FILL_NONE, r));
    TRY(mk(o, t, G_DK, R_GRAD, io, 4, sk, FILL_NONE, r));
    TRY(mk(o, t, G_DV, R_GRAD, io, 4, sv, FILL_NONE, r));
    return mk(o, t, G_DGK, R_GRAD, io, 4, sk, FILL_NONE, r);
}

static ssmix_status gla_call(opbench *o, btensor *t)
{
    ssmix_gla_params p;
    ssmix_gla_params_init(&p);
    p.bidirectional = o->mode == 1;
    p.chunk_size = o->s[5];
    ssmix_gla_tensors g;
    memset(&g, 0, sizeof g);
    g.q = V(G_Q), g.k = V(G_K), g.v = V(G_V), g.gk = V(G_GK), g.out = V(G_OUT);
    TRY(ssmix_gla_forward(o->ctx, &p, &g));
    if (!o->cli->backward) return SSMIX_SUCCESS;
    g.out = NULL;
    g.dout = V(G_DOUT), g.dq = V(G_DQ), g.dk = V(G_DK), g.dv = V(G_DV), g.dgk = V(G_DGK);
    return ssmix_gla_backward(o->ctx, &p, &g);
}

static double gla_flops(const opbench *o)
{
    double K = (double)o->s[3], Vd = (double)o->s[4], f = 0.0;
    for (int64_t c0 = 0; c0 < o->s[1]; c0 += o->s[5]) {
        double q = (double)(o->s[1] - c0 < o->s[5] ? o->s[1] - c0 : o->s[5]);
        f += 2 * q * q * K + 2 * q * q * Vd + 4 * q * K * Vd;
    }
    f *= (double)o->s[0] * (double)o->s[2] * (o->mode == 1 ? 2.0 : 1.0);
    return o->cli->backward ? 3.0 * f : f;
}

/* ---------------------------------------------------------------- selective scan
 * shape b,D,L,N,G; modes per-token (B, C (b,G,N,L)), constant (B, C (D,N) f32); with D, z,
 * delta_bias and softplus. FLOPs: the recurrence s = exp(dl A) s + dl B u and y += C s, 5 per
 * (b,d,t,n) (exp not counted); the backward counted as twice the forward. */
enum { S_U, S_DELTA, S_A, S_B, S_C, S_D, S_Z, S_DB, S_OUT, S_DOUT, S_DU, S_DDELTA, S_DA, S_DBB, S_DC, S_DD, S_DZ, S_DDB };

static ssmix_status sscan_alloc(opbench *o, btensor *t, bench_rng *r)
{
    int64_t b = o->s[0], D = o->s[1], L = o->s[2], N = o->s[3], G = o->s[4];
    int64_t su[3] = {b, D, L}, sa[2] = {D, N}, sbt[4] = {b, G, N, L}, sd[1] = {D};
    ssmix_dtype io = o->cli->io;
    int per_token = o->mode == 0;
    ssmix_dtype bdt = per_token ? io : SSMIX_F32;
    TRY(mk(o, t, S_U, R_IN, io, 3, su, FILL_NORMAL, r));
    TRY(mk(o, t, S_DELTA, R_IN, io, 3, su, FILL_DT, r));
    TRY(mk(o, t, S_A, R_IN, SSMIX_F32, 2, sa, FILL_A, r));
    TRY(mk(o, t, S_B, R_IN, bdt, per_token ? 4 : 2, per_token ? sbt : sa, FILL_NORMAL, r));
    TRY(mk(o, t, S_C, R_IN, bdt, per_token ? 4 : 2, per_token ? sbt : sa, FILL_NORMAL, r));
    TRY(mk(o, t, S_D, R_IN, SSMIX_F32, 1, sd, FILL_NORMAL, r));
    TRY(mk(o, t, S_Z, R_IN, io, 3, su, FILL_NORMAL, r));
    TRY(mk(o, t, S_DB, R_IN, SSMIX_F32, 1, sd, FILL_NORMAL, r));
    TRY(mk(o, t, S_OUT, R_OUT, io, 3, su, FILL_NONE, r));
    TRY(mk(o, t, S_DOUT, R_DOUT, io, 3, su, FILL_NORMAL, r));
    TRY(mk(o, t, S_DU, R_GRAD, io, 3, su, FILL_NONE, r));
    TRY(mk(o, t, S_DDELTA, R_GRAD, io, 3, su, FILL_NONE, r));
    TRY(mk(o, t, S_DA, R_GRAD, SSMIX_F32, 2, sa, FILL_NONE, r));
    TRY(mk(o, t, S_DBB, R_GRAD, bdt, per_token ? 4 : 2, per_token ? sbt : sa, FILL_NONE, r));
    TRY(mk(o, t, S_DC, R_GRAD, bdt, per_token ? 4 : 2, per_token ? sbt : sa, FILL_NONE, r));
    TRY(mk(o, t, S_DD, R_GRAD, SSMIX_F32, 1, sd, FILL_NONE, r));
    TRY(mk(o, t, S_DZ, R_GRAD, io, 3, su, FILL_NONE, r));
    return mk(o, t, S_DDB, R_GRAD, SSMIX_F32, 1, sd, FILL_NONE, r);
}

static ssmix_status sscan_call(opbench *o, btensor *t)
{
    ssmix_sscan_params p;
    ssmix_sscan_params_init(&p);
    p.delta_softplus = 1;
    ssmix_sscan_tensors s;
    memset(&s, 0, sizeof s);
    s.u = V(S_U), s.delta = V(S_DELTA), s.A = V(S_A), s.B = V(S_B), s.C = V(S_C), s.D = V(S_D), s.z = V(S_Z);
    s.delta_bias = V(S_DB), s.out = V(S_OUT);
    TRY(ssmix_sscan_forward(o->ctx, &p, &s));
    if (!o->cli->backward) return SSMIX_SUCCESS;
    s.out = NULL;
    s.dout = V(S_DOUT), s.du = V(S_DU), s.ddelta = V(S_DDELTA), s.dA = V(S_DA), s.dB = V(S_DBB), s.dC = V(S_DC);
    s.dD = V(S_DD), s.dz = V(S_DZ), s.ddelta_bias = V(S_DDB);
    return ssmix_sscan_backward(o->ctx, &p, &s);
}

static double sscan_flops(const opbench *o)
{
    double f = 5.0 * (double)o->s[0] * (double)o->s[1] * (double)o->s[2] * (double)o->s[3];
    return o->cli->backward ? 3.0 * f : f;
}

/* ---------------------------------------------------------------- short convolutions
 * shape b,L,C,W, channel-last, bias and SiLU; modes causal, centered (odd W). FLOPs: 2 b L C W
 * forward; the backward adds dx and dweight, 4 b L C W. */
enum { C_X, C_W, C_BIAS, C_OUT, C_DOUT, C_DX, C_DW, C_DBIAS };

static ssmix_status conv_alloc(opbench *o, btensor *t, bench_rng *r)
{
    int64_t sx[3] = {o->s[0], o->s[1], o->s[2]}, sw[2] = {o->s[2], o->s[3]}, sb[1] = {o->s[2]};
    ssmix_dtype io = o->cli->io;
    TRY(mk(o, t, C_X, R_IN, io, 3, sx, FILL_NORMAL, r));
    TRY(mk(o, t, C_W, R_IN, SSMIX_F32, 2, sw, FILL_NORMAL, r));
    TRY(mk(o, t, C_BIAS, R_IN, SSMIX_F32, 1, sb, FILL_NORMAL, r));
    TRY(mk(o, t, C_OUT, R_OUT, io, 3, sx, FILL_NONE, r));
    TRY(mk(o, t, C_DOUT, R_DOUT, io, 3, sx, FILL_NORMAL, r));
    TRY(mk(o, t, C_DX, R_GRAD, io, 3, sx, FILL_NONE, r));
    TRY(mk(o, t, C_DW, R_GRAD, SSMIX_F32, 2, sw, FILL_NONE, r));
    return mk(o, t, C_DBIAS, R_GRAD, SSMIX_F32, 1, sb, FILL_NONE, r);
}

static ssmix_status conv_call(opbench *o, btensor *t)
{
    ssmix_conv1d_params p;
    ssmix_conv1d_params_init(&p);
    p.kind = o->mode == 1 ? SSMIX_CONV1D_CENTERED : SSMIX_CONV1D_CAUSAL;
    p.activation = SSMIX_CONV1D_ACT_SILU;
    ssmix_conv1d_tensors c;
    memset(&c, 0, sizeof c);
    c.x = V(C_X), c.weight = V(C_W), c.bias = V(C_BIAS), c.out = V(C_OUT);
    TRY(ssmix_conv1d_forward(o->ctx, &p, &c));
    if (!o->cli->backward) return SSMIX_SUCCESS;
    c.out = NULL;
    c.dout = V(C_DOUT), c.dx = V(C_DX), c.dweight = V(C_DW), c.dbias = V(C_DBIAS);
    return ssmix_conv1d_backward(o->ctx, &p, &c);
}

static double conv_flops(const opbench *o)
{
    double f = 2.0 * (double)o->s[0] * (double)o->s[1] * (double)o->s[2] * (double)o->s[3];
    return o->cli->backward ? 3.0 * f : f;
}

/* ---------------------------------------------------------------- decode steps (pool = b, in place)
 * ssd_decode b,H,P,N,G: FLOPs 5 b H P N (decay, input, readout per state element).
 * sscan_decode b,D,N,G: 5 b D N.  conv_update b,C,W: 2 b C W. */
enum { DS_STATE, DS_X, DS_DT, DS_A, DS_B, DS_C, DS_D, DS_Z, DS_BIAS, DS_OUT };

static ssmix_status ssd_decode_alloc(opbench *o, btensor *t, bench_rng *r)
{
    int64_t b = o->s[0], H = o->s[1], P = o->s[2], N = o->s[3], G = o->s[4];
    int64_t sst[4] = {b, H, P, N}, sx[3] = {b, H, P}, sdt[2] = {b, H}, sh[1] = {H}, sbc[3] = {b, G, N};
    ssmix_dtype io = o->cli->io;
    TRY(mk(o, t, DS_STATE, R_INOUT, SSMIX_F32, 4, sst, FILL_SMALL, r));
    TRY(mk(o, t, DS_X, R_IN, io, 3, sx, FILL_NORMAL, r));
    TRY(mk(o, t, DS_DT, R_IN, io, 2, sdt, FILL_DT, r));
    TRY(mk(o, t, DS_A, R_IN, SSMIX_F32, 1, sh, FILL_A, r));
    TRY(mk(o, t, DS_B, R_IN, io, 3, sbc, FILL_NORMAL, r));
    TRY(mk(o, t, DS_C, R_IN, io, 3, sbc, FILL_NORMAL, r));
    TRY(mk(o, t, DS_D, R_IN, SSMIX_F32, 1, sh, FILL_NORMAL, r));
    TRY(mk(o, t, DS_Z, R_IN, io, 3, sx, FILL_NORMAL, r));
    TRY(mk(o, t, DS_BIAS, R_IN, SSMIX_F32, 1, sh, FILL_NORMAL, r));
    return mk(o, t, DS_OUT, R_OUT, io, 3, sx, FILL_NONE, r);
}

static ssmix_status ssd_decode_call(opbench *o, btensor *t)
{
    ssmix_ssd_decode_params p;
    ssmix_ssd_decode_params_init(&p);
    p.dt_softplus = 1;
    ssmix_ssd_decode_tensors d;
    memset(&d, 0, sizeof d);
    d.state = V(DS_STATE), d.x = V(DS_X), d.dt = V(DS_DT), d.A = V(DS_A), d.B = V(DS_B), d.C = V(DS_C);
    d.D = V(DS_D), d.z = V(DS_Z), d.dt_bias = V(DS_BIAS), d.out = V(DS_OUT);
    return ssmix_ssd_decode(o->ctx, &p, &d);
}

static double ssd_decode_flops(const opbench *o)
{
    return 5.0 * (double)o->s[0] * (double)o->s[1] * (double)o->s[2] * (double)o->s[3];
}

static ssmix_status sscan_decode_alloc(opbench *o, btensor *t, bench_rng *r)
{
    int64_t b = o->s[0], D = o->s[1], N = o->s[2], G = o->s[3];
    int64_t sst[3] = {b, D, N}, sx[2] = {b, D}, sa[2] = {D, N}, sd[1] = {D}, sbc[3] = {b, G, N};
    ssmix_dtype io = o->cli->io;
    TRY(mk(o, t, DS_STATE, R_INOUT, SSMIX_F32, 3, sst, FILL_SMALL, r));
    TRY(mk(o, t, DS_X, R_IN, io, 2, sx, FILL_NORMAL, r));
    TRY(mk(o, t, DS_DT, R_IN, io, 2, sx, FILL_DT, r));
    TRY(mk(o, t, DS_A, R_IN, SSMIX_F32, 2, sa, FILL_A, r));
    TRY(mk(o, t, DS_B, R_IN, io, 3, sbc, FILL_NORMAL, r));
    TRY(mk(o, t, DS_C, R_IN, io, 3, sbc, FILL_NORMAL, r));
    TRY(mk(o, t, DS_D, R_IN, SSMIX_F32, 1, sd, FILL_NORMAL, r));
    TRY(mk(o, t, DS_Z, R_IN, io, 2, sx, FILL_NORMAL, r));
    TRY(mk(o, t, DS_BIAS, R_IN, SSMIX_F32, 1, sd, FILL_NORMAL, r));
    return mk(o, t, DS_OUT, R_OUT, io, 2, sx, FILL_NONE, r);
}

static ssmix_status sscan_decode_call(opbench *o, btensor *t)
{
    ssmix_sscan_params p;
    ssmix_sscan_params_init(&p);
    p.delta_softplus = 1;
    ssmix_sscan_decode_tensors d;
    memset(&d, 0, sizeof d);
    d.state = V(DS_STATE), d.x = V(DS_X), d.delta = V(DS_DT), d.A = V(DS_A), d.B = V(DS_B), d.C = V(DS_C);
    d.D = V(DS_D), d.z = V(DS_Z), d.delta_bias = V(DS_BIAS), d.out = V(DS_OUT);
    return ssmix_sscan_decode(o->ctx, &p, &d);
}

static double sscan_decode_flops(const opbench *o)
{
    return 5.0 * (double)o->s[0] * (double)o->s[1] * (double)o->s[2];
}

static ssmix_status conv_update_alloc(opbench *o, btensor *t, bench_rng *r)
{
    int64_t b = o->s[0], C = o->s[1], W = o->s[2];
    int64_t sst[3] = {b, C, W - 1}, sx[2] = {b, C}, sw[2] = {C, W}, sb[1] = {C};
    TRY(mk(o, t, DS_STATE, R_INOUT, SSMIX_F32, 3, sst, FILL_NORMAL, r));
    TRY(mk(o, t, DS_X, R_IN, o->cli->io, 2, sx, FILL_NORMAL, r));
    TRY(mk(o, t, DS_A, R_IN, SSMIX_F32, 2, sw, FILL_NORMAL, r));
    TRY(mk(o, t, DS_BIAS, R_IN, SSMIX_F32, 1, sb, FILL_NORMAL, r));
    return mk(o, t, DS_OUT, R_OUT, o->cli->io, 2, sx, FILL_NONE, r);
}

static ssmix_status conv_update_call(opbench *o, btensor *t)
{
    ssmix_conv1d_params p;
    ssmix_conv1d_params_init(&p);
    p.activation = SSMIX_CONV1D_ACT_SILU;
    ssmix_conv1d_update_tensors u;
    memset(&u, 0, sizeof u);
    u.conv_state = V(DS_STATE), u.x = V(DS_X), u.weight = V(DS_A), u.bias = V(DS_BIAS), u.out = V(DS_OUT);
    return ssmix_conv1d_update(o->ctx, &p, &u);
}

static double conv_update_flops(const opbench *o)
{
    return 2.0 * (double)o->s[0] * (double)o->s[1] * (double)o->s[2];
}

/* ---------------------------------------------------------------- the table */

static const opdesc ops[] = {
    {"ssd", "b,L,H,P,N,G,Q", NULL, "causal chunked scan (Mamba-2), D (H), dt_bias, softplus; H % G == 0", 1,
     scan_alloc, ssd_call, scan_flops},
    {"qsmix", "b,L,H,P,N,G,Q", "hydra,bimamba",
     "bidirectional mixer; hydra: separate direction tensors, per-token delta; bimamba: shared, D (H)", 1,
     scan_alloc, qsmix_call, scan_flops},
    {"gla", "b,L,H,K,V,Q", "causal,bidirectional",
     "gated linear attention (HGRN2/GLA), Q = chunk size 1..64, scale K^-0.5", 1, gla_alloc, gla_call, gla_flops},
    {"sscan", "b,D,L,N,G", "per-token,constant",
     "selective scan (Mamba-1) with D, z, delta_bias, softplus; B/C per token (b,G,N,L) or constant (D,N)", 1,
     sscan_alloc, sscan_call, sscan_flops},
    {"conv", "b,L,C,W", "causal,centered", "depthwise conv1d, channel-last, bias + SiLU (centered: odd W)", 1,
     conv_alloc, conv_call, conv_flops},
    {"ssd_decode", "b,H,P,N,G", NULL, "one SSD decode step, state pool of b slots, D, z, dt_bias, softplus", 0,
     ssd_decode_alloc, ssd_decode_call, ssd_decode_flops},
    {"sscan_decode", "b,D,N,G", NULL, "one selective-scan decode step, D, z, delta_bias, softplus", 0,
     sscan_decode_alloc, sscan_decode_call, sscan_decode_flops},
    {"conv_update", "b,C,W", NULL, "one causal conv state update (decode), bias + SiLU, W >= 2", 0,
     conv_update_alloc, conv_update_call, conv_update_flops},
};
#define NOPS ((int)(sizeof ops / sizeof ops[0]))

static const opdesc *find(const char *name)
{
    for (int i = 0; i < NOPS; i++)
        if (!strcmp(ops[i].name, name)) return &ops[i];
    return NULL;
}

int bench_ops_has(const char *op) { return find(op) != NULL; }

void bench_ops_usage(FILE *f)
{
    fprintf(f, "\nOperators (--shape fields; --mode choices, the first is the default):\n");
    for (int i = 0; i < NOPS; i++)
        fprintf(f, "  --op %-12s --shape %-12s %s%s%s%s\n", ops[i].name, ops[i].fields, ops[i].modes ? "--mode " : "",
                ops[i].modes ? ops[i].modes : "", ops[i].modes ? "\n                                    " : "",
                ops[i].help);
}

/* Comma-separated positive integers, as many as the operator's fields. */
static int parse_fields(const opdesc *d, const char *text, int64_t *v, int *n)
{
    int want = 1;
    for (const char *c = d->fields; *c; c++) want += *c == ',';
    const char *p = text;
    for (int i = 0; i < want; i++) {
        char *end;
        long long x = strtoll(p, &end, 10);
        if (end == p || x < 1 || x > (1ll << 40) || (i < want - 1 && *end != ',') || (i == want - 1 && *end)) {
            fprintf(stderr, "ssmix bench: --shape for --op %s is %s: %d positive integers (got \"%s\")\n", d->name,
                    d->fields, want, text);
            return 0;
        }
        v[i] = x;
        p = end + 1;
    }
    *n = want;
    return 1;
}

static ssmix_status unit(void *user, int k)
{
    opbench *o = user;
    return o->d->call(o, o->in[k]);
}

int bench_ops_run(const bench_cli *cli)
{
    const opdesc *d = find(cli->op);
    opbench o;
    memset(&o, 0, sizeof o);
    o.d = d, o.cli = cli, o.rotate = cli->rotate;
    int nfields = 0;
    if (!cli->shape) {
        fprintf(stderr, "ssmix bench: --shape %s is required for --op %s\n", d->fields, d->name);
        return 2;
    }
    if (!parse_fields(d, cli->shape, o.s, &nfields)) return 2;
    if (cli->mode) {
        int found = 0, idx = 0;
        for (const char *m = d->modes; m && *m; idx++) {
            size_t len = strcspn(m, ",");
            if (strlen(cli->mode) == len && !strncmp(m, cli->mode, len)) found = 1, o.mode = idx;
            m += len + (m[len] == ',');
            if (found) break;
        }
        if (!found) {
            fprintf(stderr, "ssmix bench: --mode for --op %s must be one of: %s (got \"%s\")\n", d->name,
                    d->modes ? d->modes : "(none)", cli->mode);
            return 2;
        }
    }
    if (cli->backward && !d->backward) {
        fprintf(stderr, "ssmix bench: --op %s has no backward pass\n", d->name);
        return 2;
    }
    FILE *jf = NULL;
    if (cli->json && !(jf = strcmp(cli->json, "-") ? fopen(cli->json, "w") : stdout)) {
        fprintf(stderr, "ssmix bench: cannot open --json file \"%s\"\n", cli->json);
        return 2;
    }
    int rc = 1;
    ssmix_status st;
    const char *what = "context creation";
    o.in = calloc((size_t)o.rotate, sizeof *o.in);
    if (!o.in) goto done;
    double t_ctx = bench_now_s();
    if ((st = ssmix_context_create(&o.ctx, cli->selector)) != SSMIX_SUCCESS) goto fail;
    t_ctx = bench_now_s() - t_ctx;
    const char *mode_name = NULL;
    char modebuf[64] = "";
    if (d->modes) {
        const char *m = d->modes;
        for (int i = 0; i < o.mode; i++) m += strcspn(m, ",") + 1;
        snprintf(modebuf, sizeof modebuf, "%.*s", (int)strcspn(m, ","), m);
        mode_name = modebuf;
    }
    printf("ssmix bench: %s%s%s %s, %s = %s, %s\n", d->name, mode_name ? " " : "", mode_name ? mode_name : "",
           cli->dtype, d->fields, cli->shape, cli->backward ? "forward+backward" : d->backward ? "forward" : "one step");
    printf("backend %s, device \"%s\" (context created in %.1f ms)\n", ssmix_context_backend(o.ctx),
           ssmix_context_device(o.ctx), 1e3 * t_ctx);
    what = "allocation";
    bench_rng r = {0x5eed0full};
    for (int k = 0; k < o.rotate; k++)
        if ((st = d->alloc(&o, o.in[k], &r)) != SSMIX_SUCCESS) goto fail;
    if ((st = ssmix_synchronize(o.ctx)) != SSMIX_SUCCESS) goto fail;
    printf("timing: %s around each call; the first call is host wall clock\n",
           strcmp(ssmix_context_backend(o.ctx), "cpu") ? "device events" : "host clock (cpu backend: synchronous)");
    bench_timing tm;
    if ((st = bench_time(o.ctx, unit, &o, cli->warmup, cli->iters, o.rotate, &tm, &what)) != SSMIX_SUCCESS) goto fail;
    double bytes = 0.0, flops = d->flops(&o);
    for (int i = 0; i < MAXT; i++) {
        double b = bench_tensor_bytes(&o.in[0][i]);
        switch (o.roles[i]) {
        case R_IN: bytes += cli->backward ? 2 * b : b; break;
        case R_INOUT: bytes += 2 * b; break;
        case R_OUT: case R_DOUT: case R_GRAD: bytes += b; break;
        default: break;
        }
    }
    double gbps = bytes / (tm.median_ms * 1e-3) / 1e9, tflops = flops / (tm.median_ms * 1e-3) / 1e12;
    printf("%d warm-up, %d timed, %d input set%s: median %.4f ms, min %.4f ms\n", cli->warmup, cli->iters, o.rotate,
           o.rotate == 1 ? "" : "s", tm.median_ms, tm.min_ms);
    printf("model: %.4g MB moved, %.4g GFLOP -> %.3f GB/s, %.4f TFLOP/s at the median\n", bytes / 1e6, flops / 1e9,
           gbps, tflops);
    if (jf) {
        fprintf(jf, "{\"op\": ");
        bench_json_string(jf, d->name);
        fprintf(jf, ", \"mode\": ");
        if (mode_name) bench_json_string(jf, mode_name);
        else fprintf(jf, "null");
        fprintf(jf, ", \"shape\": {");
        const char *f = d->fields;
        for (int i = 0; i < nfields; i++) {
            size_t len = strcspn(f, ",");
            fprintf(jf, "%s\"%.*s\": %lld", i ? ", " : "", (int)len, f, (long long)o.s[i]);
            f += len + 1;
        }
        fprintf(jf, "}, \"dtype\": \"%s\", \"backward\": %s, \"backend\": ", cli->dtype, cli->backward ? "true" : "false");
        bench_json_string(jf, ssmix_context_backend(o.ctx));
        fprintf(jf, ", \"device\": ");
        bench_json_string(jf, ssmix_context_device(o.ctx));
        fprintf(jf,
                ", \"median_ms\": %.6g, \"min_ms\": %.6g, \"gbps\": %.6g, \"tflops\": %.6g, \"first_call_ms\": %.6g, "
                "\"bytes\": %.17g, \"flops\": %.17g, \"iters\": %d, \"warmup\": %d, \"rotate\": %d, \"timing\": ",
                tm.median_ms, tm.min_ms, gbps, tflops, tm.first_ms, bytes, flops, cli->iters, cli->warmup, o.rotate);
        bench_json_string(jf, tm.how);
        fprintf(jf, ", \"version\": \"%s\"}\n", ssmix_version_string());
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "ssmix bench: %s failed: %s: %s\n", what, ssmix_status_string(st), ssmix_last_error());
done:
    if (jf && jf != stdout) {
        if (fclose(jf) != 0) rc = 1;
        if (rc) remove(cli->json); /* no half-written result file after a failure */
    }
    for (int k = 0; o.in && k < o.rotate; k++)
        for (int i = 0; i < MAXT; i++) ssmix_buffer_free(o.in[k][i].buf);
    free(o.in);
    ssmix_context_destroy(o.ctx);
    return rc;
}
