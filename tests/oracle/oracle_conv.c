/*
 * Oracle self-test of the short convolutions (OPS.md section 5) and the conv state update (section 6),
 * backends/cpu/ref_conv.c against independent forms:
 *   1. explicit banded Toeplitz matrix per (b, c) over the extended input [initial_state, x]: out,
 *      final_state, and the backward as its transpose (dx, dinitial_state, dweight, dbias), f64 1e-12;
 *   2. central finite differences in double of L = <out, R> + <final_state, Rf> for every gradient
 *      (dx, dweight, dbias, dinitial_state), SiLU on and off, seq_idx with padding;
 *   3. seq_idx packing == running each sequence alone (causal and centered);
 *   4. initial_state chaining: pieces chained through final_state -> initial_state equal one run, and
 *      the backward chained through dinitial_state -> dfinal_state equals the whole backward;
 *   5. L decode update steps (one token per call, and T tokens in one call; state pool with
 *      state_batch_indices and a padding row) == causal conv out and final_state;
 *   6. channel-last == channel-first (bitwise), guarded strided views, f32/f16/bf16 I/O within one
 *      storage ulp of the f64 run on the same inputs.
 * Every output is poisoned before each run and checked written (guards intact).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_util.h"
#include "ref.h"
#include "oracle_selfcheck.h"

static const ot_tol TOL = {1e-12, 1e-12, 0.0};

typedef struct cfg {
    int64_t b, L, C, W;
    int centered, silu, seq, init, bias, dfinal, cf;
} cfg;

typedef struct cs {
    ot_tensor *x, *w, *bias, *seq, *init, *out, *fin, *dout, *dfin, *dx, *dw, *db, *dinit;
} cs;

static const int PERM_CF[3] = {0, 2, 1};

static const char *cfg_str(const cfg *c)
{
    static char buf[160];
    snprintf(buf, sizeof buf, "b%lld L%lld C%lld W%lld %s%s%s%s%s%s%s", (long long)c->b, (long long)c->L, (long long)c->C,
             (long long)c->W, c->centered ? "centered" : "causal", c->silu ? " silu" : "", c->seq ? " seq" : "",
             c->init ? " init" : "", c->bias ? " bias" : "", c->dfinal ? " dfinal" : "", c->cf ? " cf" : "");
    return buf;
}

static int has_state(const cfg *c) { return !c->centered && c->W >= 2; }

/* Random seq_idx rows: non-decreasing ids from 0 or 1 with jumps, some rows with a padded (-1) tail
 * or a padded head. */
static void fill_seq(ot_tensor *s, ot_rng *r, int64_t b, int64_t L)
{
    for (int64_t i = 0; i < b; i++) {
        int id = i % 3 == 1 ? 1 : 0;
        int64_t tail = i % 2 == 1 ? 1 + ot_randint(r, 3) : 0;
        int64_t head = i % 4 == 3 ? 2 : 0;
        for (int64_t t = 0; t < L; t++) {
            if (t > 0 && ot_uniform(r) < 0.25) id += 1 + ot_randint(r, 2);
            int v = (t >= L - tail || t < head) ? -1 : id;
            ot_set(s, i, t, 0, 0, v);
        }
    }
}

static void alloc_cs(cs *s, const cfg *c, ssmix_dtype io, int guarded)
{
    memset(s, 0, sizeof *s);
    ot_layout lx = {c->cf ? PERM_CF : NULL, guarded, 0};
    ot_layout lp = {NULL, guarded, 0};
    const int64_t xs[3] = {c->b, c->L, c->C}, ws[2] = {c->C, c->W}, bs[1] = {c->C}, qs[2] = {c->b, c->L};
    const int64_t ss[3] = {c->b, c->C, c->W - 1};
    s->x = ot_new(io, 3, xs, &lx), s->out = ot_new(io, 3, xs, &lx), s->dout = ot_new(io, 3, xs, &lx);
    s->dx = ot_new(io, 3, xs, &lx);
    s->w = ot_new(OT_F64 == io ? OT_F64 : SSMIX_F32, 2, ws, &lp), s->dw = ot_new(s->w->dtype, 2, ws, &lp);
    if (c->bias) s->bias = ot_new(s->w->dtype, 1, bs, &lp), s->db = ot_new(s->w->dtype, 1, bs, &lp);
    if (c->seq) s->seq = ot_new(SSMIX_I32, 2, qs, &lp);
    if (has_state(c)) {
        s->fin = ot_new(s->w->dtype, 3, ss, &lp);
        if (c->init) s->init = ot_new(s->w->dtype, 3, ss, &lp), s->dinit = ot_new(s->w->dtype, 3, ss, &lp);
        if (c->dfinal) s->dfin = ot_new(s->w->dtype, 3, ss, &lp);
    }
}

static void randomize(cs *s, const cfg *c, ot_rng *r)
{
    ot_fill_normal(s->x, r, 1.0, 0.0);
    ot_fill_normal(s->w, r, 0.5, 0.0);
    ot_fill_normal(s->dout, r, 1.0, 0.0);
    if (s->bias) ot_fill_normal(s->bias, r, 0.5, 0.0);
    if (s->init) ot_fill_normal(s->init, r, 1.0, 0.0);
    if (s->dfin) ot_fill_normal(s->dfin, r, 1.0, 0.0);
    if (s->seq) fill_seq(s->seq, r, c->b, c->L);
}

static void copy_inputs(cs *d, const cs *s)
{
    ot_copy(d->x, s->x), ot_copy(d->w, s->w), ot_copy(d->dout, s->dout);
    if (s->bias) ot_copy(d->bias, s->bias);
    if (s->init) ot_copy(d->init, s->init);
    if (s->dfin) ot_copy(d->dfin, s->dfin);
    if (s->seq) ot_copy(d->seq, s->seq);
}

static ssmix_conv1d_problem problem(const cs *s, const cfg *c, int backward)
{
    ssmix_conv1d_problem p;
    memset(&p, 0, sizeof p);
    p.batch = c->b, p.seqlen = c->L, p.channels = c->C, p.width = c->W;
    p.centered = c->centered, p.silu = c->silu, p.io_dtype = s->x->dtype;
    p.x = ot_view(s->x), p.weight = ot_view(s->w), p.bias = ot_view(s->bias), p.seq_idx = ot_view(s->seq);
    p.init = ot_view(s->init);
    if (!backward) {
        p.out = ot_view(s->out), p.final_state = ot_view(s->fin);
    } else {
        p.dout = ot_view(s->dout), p.dfinal = ot_view(s->dfin);
        p.dx = ot_view(s->dx), p.dweight = ot_view(s->dw), p.dbias = ot_view(s->db), p.dinit = ot_view(s->dinit);
    }
    return p;
}

static int run_fwd(cs *s, const cfg *c)
{
    ot_poison(s->out);
    if (s->fin) ot_poison(s->fin);
    ssmix_conv1d_problem p = problem(s, c, 0);
    ssmix_status st = ssmix_cpu_conv1d_forward(NULL, &p);
    OT_EXPECT(st == SSMIX_SUCCESS, "forward returned %d", (int)st);
    if (st) return 1;
    int64_t bad = ot_check_written(s->out, "out");
    if (s->fin) bad += ot_check_written(s->fin, "final_state");
    return bad != 0;
}

static int run_bwd(cs *s, const cfg *c)
{
    ot_tensor *outs[4] = {s->dx, s->dw, s->db, s->dinit};
    for (int i = 0; i < 4; i++)
        if (outs[i]) ot_poison(outs[i]);
    ssmix_conv1d_problem p = problem(s, c, 1);
    ssmix_status st = ssmix_cpu_conv1d_backward(NULL, &p);
    OT_EXPECT(st == SSMIX_SUCCESS, "backward returned %d", (int)st);
    if (st) return 1;
    int64_t bad = 0;
    const char *names[4] = {"dx", "dweight", "dbias", "dinitial_state"};
    for (int i = 0; i < 4; i++)
        if (outs[i]) bad += ot_check_written(outs[i], names[i]);
    return bad != 0;
}

static double sgm(double v) { return 1.0 / (1.0 + exp(-v)); }

/* ------------------------------------------------------------------ 1. Toeplitz matrix */

static void matrix_case(const cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ot_set_case("matrix seed %llu %s", (unsigned long long)seed, cfg_str(c));
    cs s;
    alloc_cs(&s, c, OT_F64, 1);
    randomize(&s, c, &r);
    if (run_fwd(&s, c) || run_bwd(&s, c)) return;

    const int64_t B = c->b, L = c->L, C = c->C, W = c->W, off = c->centered ? 0 : W - 1, N = L + off;
    const int64_t left = c->centered ? (W - 1) / 2 : W - 1;
    const int64_t xs[3] = {B, L, C}, ss[3] = {B, C, W - 1 > 0 ? W - 1 : 1}, ws[2] = {C, W}, bs[1] = {C};
    ot_tensor *out = ot_new(OT_F64, 3, xs, NULL), *dx = ot_new(OT_F64, 3, xs, NULL);
    ot_tensor *fin = ot_new(OT_F64, 3, ss, NULL), *dinit = ot_new(OT_F64, 3, ss, NULL);
    ot_tensor *dw = ot_new(OT_F64, 2, ws, NULL), *db = ot_new(OT_F64, 1, bs, NULL);
    ot_fill(dw, 0.0), ot_fill(db, 0.0);
    double *M = malloc((size_t)(L * N) * sizeof(double)), *e = malloc((size_t)N * sizeof(double));
    double *pre = malloc((size_t)L * sizeof(double)), *g = malloc((size_t)L * sizeof(double));
    double *de = malloc((size_t)N * sizeof(double));
    int *tap = malloc((size_t)(L * N) * sizeof(int));
    for (int64_t b = 0; b < B; b++) {
        /* sequence id of extended index j (state columns continue the row's first sequence if its
         * id is 0, and match nothing otherwise) */
#define SID(j) (s.seq ? ((j) < off ? (ot_get(s.seq, b, 0, 0, 0) == 0.0 ? 0 : -2) : (int64_t)ot_get(s.seq, b, (j) - off, 0, 0)) : 0)
        for (int64_t ch = 0; ch < C; ch++) {
            for (int64_t j = 0; j < N; j++)
                e[j] = j < off ? (s.init ? ot_get(s.init, b, ch, j, 0) : 0.0) : ot_get(s.x, b, j - off, ch, 0);
            /* band: row t, column j holds weight[w] with w = (j - off) - t + left */
            for (int64_t t = 0; t < L; t++)
                for (int64_t j = 0; j < N; j++) {
                    int64_t w = (j - off) - t + left;
                    int ok = w >= 0 && w < W;
                    if (s.seq) {
                        int64_t st = SID(t + off);
                        ok = ok && st >= 0 && SID(j) == st;
                    }
                    tap[t * N + j] = ok ? (int)w : -1;
                    M[t * N + j] = ok ? ot_get(s.w, ch, w, 0, 0) : 0.0;
                }
            for (int64_t t = 0; t < L; t++) {
                double v = s.bias ? ot_get(s.bias, ch, 0, 0, 0) : 0.0;
                for (int64_t j = 0; j < N; j++) v += M[t * N + j] * e[j];
                pre[t] = v;
                int pad = s.seq && SID(t + off) < 0;
                ot_set(out, b, t, ch, 0, pad ? 0.0 : c->silu ? v * sgm(v) : v);
                double d = ot_get(s.dout, b, t, ch, 0);
                g[t] = pad ? 0.0 : c->silu ? d * sgm(v) * (1.0 + v * (1.0 - sgm(v))) : d;
            }
            /* transpose product, then final_state's copies of the last W-1 extended entries */
            for (int64_t j = 0; j < N; j++) {
                double v = 0.0;
                for (int64_t t = 0; t < L; t++) v += M[t * N + j] * g[t];
                de[j] = v;
            }
            if (has_state(c))
                for (int64_t k = 0; k < W - 1; k++) {
                    int64_t j = N - (W - 1) + k; /* >= 0: state columns are part of e */
                    double val = 0.0;
                    if (!s.seq || (SID(N - 1) >= 0 && SID(j) == SID(N - 1))) {
                        val = e[j];
                        if (s.dfin) de[j] += ot_get(s.dfin, b, ch, k, 0);
                    }
                    ot_set(fin, b, ch, k, 0, val);
                }
            for (int64_t t = 0; t < L; t++) ot_set(dx, b, t, ch, 0, de[t + off]);
            for (int64_t k = 0; k < off; k++) ot_set(dinit, b, ch, k, 0, de[k]);
            for (int64_t t = 0; t < L; t++) {
                ot_set(db, ch, 0, 0, 0, ot_get(db, ch, 0, 0, 0) + g[t]);
                for (int64_t j = 0; j < N; j++)
                    if (tap[t * N + j] >= 0) {
                        int64_t w = tap[t * N + j];
                        ot_set(dw, ch, w, 0, 0, ot_get(dw, ch, w, 0, 0) + g[t] * e[j]);
                    }
            }
        }
#undef SID
    }
    ot_compare("out", s.out, out, TOL);
    ot_compare("dx", s.dx, dx, TOL);
    ot_compare("dweight", s.dw, dw, TOL);
    if (s.db) ot_compare("dbias", s.db, db, TOL);
    if (s.fin) ot_compare("final_state", s.fin, fin, TOL);
    if (s.dinit) ot_compare("dinitial_state", s.dinit, dinit, TOL);
    free(M), free(e), free(pre), free(g), free(de), free(tap);
}

/* ------------------------------------------------------------------ 2. finite differences */

static double loss(cs *s, const cfg *c, const ot_tensor *R, const ot_tensor *Rf)
{
    run_fwd(s, c);
    double v = 0.0;
    for (int64_t i = 0, n = ot_numel(s->out); i < n; i++) v += ot_getl(s->out, i) * ot_getl(R, i);
    if (s->fin && Rf)
        for (int64_t i = 0, n = ot_numel(s->fin); i < n; i++) v += ot_getl(s->fin, i) * ot_getl(Rf, i);
    return v;
}

static void fd_check(cs *s, const cfg *c, ot_tensor *in, const ot_tensor *grad, const char *name)
{
    const double h = 1e-5;
    ot_tensor *fd = ot_new(OT_F64, in->ndim, in->shape, NULL);
    for (int64_t i = 0, n = ot_numel(in); i < n; i++) {
        double v0 = ot_getl(in, i);
        ot_setl(in, i, v0 + h);
        double lp = loss(s, c, s->dout, s->dfin);
        ot_setl(in, i, v0 - h);
        double lm = loss(s, c, s->dout, s->dfin);
        ot_setl(in, i, v0);
        ot_setl(fd, i, (lp - lm) / (2 * h));
    }
    ot_tol tol = {1e-7, 1e-8, 1e-9};
    ot_compare(name, grad, fd, tol);
}

static void fd_case(const cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ot_set_case("fd seed %llu %s", (unsigned long long)seed, cfg_str(c));
    cs s;
    alloc_cs(&s, c, OT_F64, 0);
    randomize(&s, c, &r);
    if (run_bwd(&s, c)) return;
    /* the backward's outputs are kept; the forward runs below reuse s.out / s.fin */
    fd_check(&s, c, s.x, s.dx, "dx");
    fd_check(&s, c, s.w, s.dw, "dweight");
    if (s.bias) fd_check(&s, c, s.bias, s.db, "dbias");
    if (s.init) fd_check(&s, c, s.init, s.dinit, "dinitial_state");
}

/* ------------------------------------------------------------------ 3. seq_idx packing */

static void seq_case(const cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ot_set_case("seqidx seed %llu %s", (unsigned long long)seed, cfg_str(c));
    cs s;
    alloc_cs(&s, c, OT_F64, 1);
    randomize(&s, c, &r);
    if (run_fwd(&s, c) || run_bwd(&s, c)) return;

    const int64_t B = c->b, L = c->L, C = c->C, W = c->W;
    const int64_t xs[3] = {B, L, C}, ss[3] = {B, C, W > 1 ? W - 1 : 1}, ws[2] = {C, W}, bs[1] = {C};
    ot_tensor *out = ot_new(OT_F64, 3, xs, NULL), *dx = ot_new(OT_F64, 3, xs, NULL);
    ot_tensor *fin = ot_new(OT_F64, 3, ss, NULL), *dinit = ot_new(OT_F64, 3, ss, NULL);
    ot_tensor *dw = ot_new(OT_F64, 2, ws, NULL), *db = ot_new(OT_F64, 1, bs, NULL);
    ot_fill(out, 0.0), ot_fill(dx, 0.0), ot_fill(fin, 0.0), ot_fill(dinit, 0.0), ot_fill(dw, 0.0), ot_fill(db, 0.0);
    int nseg = 0;
    for (int64_t b = 0; b < B; b++) {
        int64_t t0 = 0;
        while (t0 < L) {
            int id = (int)ot_get(s.seq, b, t0, 0, 0);
            int64_t t1 = t0 + 1;
            while (t1 < L && (int)ot_get(s.seq, b, t1, 0, 0) == id) t1++;
            if (id < 0) { /* padding: out and dx stay 0 */
                t0 = t1;
                continue;
            }
            /* the segment alone: batch 1, no seq_idx, the row's initial state only for id 0 at t = 0 */
            cfg c1 = *c;
            c1.b = 1, c1.L = t1 - t0, c1.seq = 0;
            int gets_init = c->init && id == 0 && t0 == 0;
            int is_last = t1 == L;
            c1.init = gets_init, c1.dfinal = c->dfinal && is_last;
            cs s1;
            alloc_cs(&s1, &c1, OT_F64, 0);
            for (int64_t t = t0; t < t1; t++)
                for (int64_t ch = 0; ch < C; ch++) {
                    ot_set(s1.x, 0, t - t0, ch, 0, ot_get(s.x, b, t, ch, 0));
                    ot_set(s1.dout, 0, t - t0, ch, 0, ot_get(s.dout, b, t, ch, 0));
                }
            ot_copy(s1.w, s.w);
            if (s1.bias) ot_copy(s1.bias, s.bias);
            for (int64_t ch = 0; ch < C; ch++)
                for (int64_t k = 0; k < W - 1; k++) {
                    if (s1.init) ot_set(s1.init, 0, ch, k, 0, ot_get(s.init, b, ch, k, 0));
                    if (s1.dfin) ot_set(s1.dfin, 0, ch, k, 0, ot_get(s.dfin, b, ch, k, 0));
                }
            if (run_fwd(&s1, &c1) || run_bwd(&s1, &c1)) return;
            nseg++;
            for (int64_t t = t0; t < t1; t++)
                for (int64_t ch = 0; ch < C; ch++) {
                    ot_set(out, b, t, ch, 0, ot_get(s1.out, 0, t - t0, ch, 0));
                    ot_set(dx, b, t, ch, 0, ot_get(s1.dx, 0, t - t0, ch, 0));
                }
            for (int64_t ch = 0; ch < C; ch++) {
                ot_set(db, ch, 0, 0, 0, ot_get(db, ch, 0, 0, 0) + (s1.db ? ot_get(s1.db, ch, 0, 0, 0) : 0.0));
                for (int64_t w = 0; w < W; w++) ot_set(dw, ch, w, 0, 0, ot_get(dw, ch, w, 0, 0) + ot_get(s1.dw, ch, w, 0, 0));
                for (int64_t k = 0; k < W - 1; k++) {
                    if (is_last && s1.fin) ot_set(fin, b, ch, k, 0, ot_get(s1.fin, 0, ch, k, 0));
                    if (gets_init) ot_set(dinit, b, ch, k, 0, ot_get(s1.dinit, 0, ch, k, 0));
                }
            }
            t0 = t1;
        }
    }
    OT_EXPECT(nseg > B, "only %d segments in %lld rows: the partition does not exercise packing", nseg, (long long)B);
    ot_compare("out", s.out, out, TOL);
    ot_compare("dx", s.dx, dx, TOL);
    ot_compare("dweight", s.dw, dw, TOL);
    if (s.db) ot_compare("dbias", s.db, db, TOL);
    if (s.fin) ot_compare("final_state", s.fin, fin, TOL);
    if (s.dinit) ot_compare("dinitial_state", s.dinit, dinit, TOL);
}

/* ------------------------------------------------------------------ 4. state chaining */

static void chain_case(const cfg *c, const int64_t *cuts, int ncuts, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ot_set_case("chain seed %llu %s cuts %d", (unsigned long long)seed, cfg_str(c), ncuts);
    cs s;
    alloc_cs(&s, c, OT_F64, 0);
    randomize(&s, c, &r);
    if (run_fwd(&s, c) || run_bwd(&s, c)) return;
    const int64_t B = c->b, L = c->L, C = c->C, W = c->W;
    const int64_t xs[3] = {B, L, C}, ws[2] = {C, W}, bs[1] = {C};
    ot_tensor *out = ot_new(OT_F64, 3, xs, NULL), *dx = ot_new(OT_F64, 3, xs, NULL);
    ot_tensor *dw = ot_new(OT_F64, 2, ws, NULL), *db = ot_new(OT_F64, 1, bs, NULL);
    ot_fill(dw, 0.0), ot_fill(db, 0.0);
    int np = ncuts + 1;
    cs *pc = calloc((size_t)np, sizeof *pc);
    cfg *pcfg = calloc((size_t)np, sizeof *pcfg);
    /* forward left to right: initial_state of piece i+1 = final_state of piece i */
    for (int i = 0; i < np; i++) {
        int64_t t0 = i == 0 ? 0 : cuts[i - 1], t1 = i == ncuts ? L : cuts[i];
        pcfg[i] = *c;
        pcfg[i].L = t1 - t0, pcfg[i].init = 1, pcfg[i].dfinal = 1;
        alloc_cs(&pc[i], &pcfg[i], OT_F64, 0);
        for (int64_t b = 0; b < B; b++)
            for (int64_t t = t0; t < t1; t++)
                for (int64_t ch = 0; ch < C; ch++) {
                    ot_set(pc[i].x, b, t - t0, ch, 0, ot_get(s.x, b, t, ch, 0));
                    ot_set(pc[i].dout, b, t - t0, ch, 0, ot_get(s.dout, b, t, ch, 0));
                }
        ot_copy(pc[i].w, s.w);
        if (c->bias) ot_copy(pc[i].bias, s.bias);
        if (i == 0) ot_copy(pc[i].init, s.init);
        else ot_copy(pc[i].init, pc[i - 1].fin);
        if (run_fwd(&pc[i], &pcfg[i])) goto done;
        for (int64_t b = 0; b < B; b++)
            for (int64_t t = t0; t < t1; t++)
                for (int64_t ch = 0; ch < C; ch++) ot_set(out, b, t, ch, 0, ot_get(pc[i].out, b, t - t0, ch, 0));
    }
    ot_compare("out (chained)", s.out, out, TOL);
    ot_compare("final_state (chained)", s.fin, pc[np - 1].fin, TOL);
    /* backward right to left: dfinal_state of piece i = dinitial_state of piece i+1 */
    for (int i = np - 1; i >= 0; i--) {
        int64_t t0 = i == 0 ? 0 : cuts[i - 1], t1 = i == ncuts ? L : cuts[i];
        if (i == np - 1) {
            if (c->dfinal) ot_copy(pc[i].dfin, s.dfin);
            else ot_fill(pc[i].dfin, 0.0);
        } else {
            ot_copy(pc[i].dfin, pc[i + 1].dinit);
        }
        if (run_bwd(&pc[i], &pcfg[i])) goto done;
        for (int64_t b = 0; b < B; b++)
            for (int64_t t = t0; t < t1; t++)
                for (int64_t ch = 0; ch < C; ch++) ot_set(dx, b, t, ch, 0, ot_get(pc[i].dx, b, t - t0, ch, 0));
        for (int64_t ch = 0; ch < C; ch++) {
            if (c->bias) ot_set(db, ch, 0, 0, 0, ot_get(db, ch, 0, 0, 0) + ot_get(pc[i].db, ch, 0, 0, 0));
            for (int64_t w = 0; w < W; w++) ot_set(dw, ch, w, 0, 0, ot_get(dw, ch, w, 0, 0) + ot_get(pc[i].dw, ch, w, 0, 0));
        }
    }
    ot_compare("dx (chained)", s.dx, dx, TOL);
    ot_compare("dweight (chained)", s.dw, dw, TOL);
    if (c->bias) ot_compare("dbias (chained)", s.db, db, TOL);
    ot_compare("dinitial_state (chained)", s.dinit, pc[0].dinit, TOL);
done:
    free(pc);
    free(pcfg);
}

/* ------------------------------------------------------------------ 5. decode update steps */

static void update_case(const cfg *c, int tokens_per_call, int use_idx, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ot_set_case("update seed %llu %s T%d idx%d", (unsigned long long)seed, cfg_str(c), tokens_per_call, use_idx);
    cs s;
    alloc_cs(&s, c, OT_F64, 0);
    randomize(&s, c, &r);
    if (run_fwd(&s, c)) return;
    const int64_t B = c->b, L = c->L, C = c->C, W = c->W;
    /* pool rows: row i of the batch lives at pool row 2*(B-1-i)+1 (reversed, interleaved with unused
     * rows); an extra batch row B is padding (index -1). Unused rows must stay untouched. */
    const int64_t pool = use_idx ? 2 * B + 1 : B, nb = use_idx ? B + 1 : B;
    const int64_t ps[3] = {pool, C, W - 1}, bs[1] = {nb};
    ot_layout g = {NULL, 1, 0};
    ot_tensor *state = ot_new(OT_F64, 3, ps, &g), *state0 = ot_new(OT_F64, 3, ps, NULL);
    ot_tensor *idx = use_idx ? ot_new(SSMIX_I32, 1, bs, &g) : NULL;
    ot_fill_normal(state0, &r, 1.0, 0.0);
    for (int64_t i = 0; i < B; i++) {
        int64_t row = use_idx ? 2 * (B - 1 - i) + 1 : i;
        if (idx) ot_set(idx, i, 0, 0, 0, (double)row);
        for (int64_t ch = 0; ch < C; ch++)
            for (int64_t k = 0; k < W - 1; k++) ot_set(state0, row, ch, k, 0, ot_get(s.init, i, ch, k, 0));
    }
    if (idx) ot_set(idx, B, 0, 0, 0, -1.0);
    ot_poison(state);
    ot_copy(state, state0);
    const int64_t T = tokens_per_call;
    const int64_t xs[3] = {nb, T, C};
    ot_layout lx = {c->cf ? PERM_CF : NULL, 1, 0};
    ot_tensor *x = ot_new(OT_F64, 3, xs, &lx), *o = ot_new(OT_F64, 3, xs, &lx);
    const int64_t os[3] = {B, L, C};
    ot_tensor *out = ot_new(OT_F64, 3, os, NULL);
    for (int64_t t0 = 0; t0 < L; t0 += T) {
        ot_fill(x, 7.0);
        for (int64_t i = 0; i < B; i++)
            for (int64_t j = 0; j < T; j++)
                for (int64_t ch = 0; ch < C; ch++) ot_set(x, i, j, ch, 0, t0 + j < L ? ot_get(s.x, i, t0 + j, ch, 0) : 0.0);
        ot_poison(o);
        ssmix_conv1d_update_problem p;
        memset(&p, 0, sizeof p);
        p.batch = nb, p.ntokens = T, p.channels = C, p.width = W, p.pool = pool, p.silu = c->silu;
        p.io_dtype = OT_F64;
        p.conv_state = ot_view(state), p.x = ot_view(x), p.weight = ot_view(s.w), p.bias = ot_view(s.bias);
        p.state_idx = ot_view(idx), p.out = ot_view(o);
        ssmix_status st = ssmix_cpu_conv1d_update(NULL, &p);
        OT_EXPECT(st == SSMIX_SUCCESS, "update returned %d", (int)st);
        if (st || ot_check_written(o, "update out")) return;
        for (int64_t i = 0; i < B; i++)
            for (int64_t j = 0; j < T && t0 + j < L; j++)
                for (int64_t ch = 0; ch < C; ch++) ot_set(out, i, t0 + j, ch, 0, ot_get(o, i, j, ch, 0));
        if (use_idx)
            for (int64_t j = 0; j < T; j++)
                for (int64_t ch = 0; ch < C; ch++)
                    OT_EXPECT(ot_get(o, B, j, ch, 0) == 0.0, "padding row output %g, expected 0", ot_get(o, B, j, ch, 0));
        if (T > 1) break; /* one call holds the whole sequence */
    }
    ot_compare("update out == conv out", out, s.out, TOL);
    /* final states: the batch rows' pool rows equal final_state; every other row is unchanged */
    const int64_t fs[3] = {B, C, W - 1};
    ot_tensor *fin = ot_new(OT_F64, 3, fs, NULL);
    for (int64_t i = 0; i < B; i++)
        for (int64_t ch = 0; ch < C; ch++)
            for (int64_t k = 0; k < W - 1; k++) ot_set(fin, i, ch, k, 0, ot_get(state, use_idx ? 2 * (B - 1 - i) + 1 : i, ch, k, 0));
    ot_compare("update state == final_state", fin, s.fin, TOL);
    if (use_idx) {
        int same = 1;
        for (int64_t row = 0; row < pool; row += 2)
            for (int64_t ch = 0; ch < C; ch++)
                for (int64_t k = 0; k < W - 1; k++) same &= ot_get(state, row, ch, k, 0) == ot_get(state0, row, ch, k, 0);
        OT_EXPECT(same, "pool rows not named by state_batch_indices were modified");
    }
    ot_check_written(state, "conv_state"); /* guards of the state pool intact */
}

/* ------------------------------------------------------------------ 6. layouts and dtypes */

static void layout_case(const cfg *c0, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    cfg c = *c0;
    c.cf = 0;
    cfg ccf = c;
    ccf.cf = 1;
    ot_set_case("layout seed %llu %s", (unsigned long long)seed, cfg_str(&c));
    cs a, bq;
    alloc_cs(&a, &c, OT_F64, 0);
    alloc_cs(&bq, &ccf, OT_F64, 1);
    randomize(&a, &c, &r);
    copy_inputs(&bq, &a);
    if (run_fwd(&a, &c) || run_bwd(&a, &c) || run_fwd(&bq, &ccf) || run_bwd(&bq, &ccf)) return;
    const ot_tol EXACT = {0.0, 0.0, 0.0};
    ot_compare("out cf == cl", bq.out, a.out, EXACT);
    ot_compare("dx cf == cl", bq.dx, a.dx, EXACT);
    ot_compare("dweight cf == cl", bq.dw, a.dw, EXACT);
    if (a.fin) ot_compare("final_state cf == cl", bq.fin, a.fin, EXACT);
    const ssmix_dtype dts[3] = {SSMIX_F32, SSMIX_F16, SSMIX_BF16};
    for (int k = 0; k < 3; k++) {
        ot_set_case("layout seed %llu %s io %d", (unsigned long long)seed, cfg_str(&ccf), (int)dts[k]);
        cs q, ref;
        alloc_cs(&q, &ccf, dts[k], 1);
        alloc_cs(&ref, &c, OT_F64, 0);
        copy_inputs(&q, &a);            /* rounds x and dout to the I/O dtype, params to f32 */
        copy_inputs(&ref, &q);          /* the f64 run sees exactly the rounded values */
        if (run_fwd(&q, &ccf) || run_bwd(&q, &ccf) || run_fwd(&ref, &c) || run_bwd(&ref, &c)) return;
        /* the only difference is the final rounding of each stored result */
        ot_compare_ulps("out", q.out, ref.out, dts[k], 0.5);
        ot_compare_ulps("dx", q.dx, ref.dx, dts[k], 0.5);
        ot_compare_ulps("dweight", q.dw, ref.dw, SSMIX_F32, 0.5);
        if (q.db) ot_compare_ulps("dbias", q.db, ref.db, SSMIX_F32, 0.5);
        if (q.fin) ot_compare_ulps("final_state", q.fin, ref.fin, SSMIX_F32, 0.5);
        if (q.dinit) ot_compare_ulps("dinitial_state", q.dinit, ref.dinit, SSMIX_F32, 0.5);
    }
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_conv_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 1;
    /* b, L, C, W, centered, silu, seq, init, bias, dfinal, cf */
    const cfg mats[] = {
        {2, 9, 3, 4, 0, 0, 0, 1, 1, 1, 0}, {2, 9, 3, 4, 0, 1, 1, 1, 1, 1, 1}, {3, 2, 2, 4, 0, 1, 0, 1, 0, 1, 0},
        {2, 11, 2, 1, 0, 1, 1, 0, 1, 0, 0}, {3, 10, 3, 7, 1, 0, 1, 0, 1, 0, 1}, {2, 4, 2, 7, 1, 1, 0, 0, 1, 0, 0},
        {4, 13, 2, 3, 0, 0, 1, 1, 0, 1, 0}, {4, 12, 2, 5, 1, 1, 1, 0, 0, 0, 0}, {1, 1, 3, 2, 0, 1, 0, 1, 1, 1, 0},
    };
    for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++) matrix_case(&mats[i], seed++);

    const cfg fds[] = {
        {2, 7, 2, 4, 0, 1, 1, 1, 1, 1, 0}, {2, 6, 2, 3, 0, 0, 0, 1, 1, 1, 1}, {2, 7, 2, 5, 1, 1, 1, 0, 1, 0, 0},
        {2, 3, 2, 4, 0, 1, 0, 1, 1, 1, 0}, {2, 5, 2, 1, 0, 1, 1, 0, 1, 0, 1}, {4, 8, 1, 2, 0, 1, 1, 1, 0, 1, 0},
    };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) fd_case(&fds[i], seed++);

    const cfg seqs[] = {
        {4, 23, 3, 4, 0, 1, 1, 1, 1, 1, 0}, {4, 19, 2, 2, 0, 0, 1, 1, 0, 1, 1}, {4, 23, 2, 7, 1, 1, 1, 0, 1, 0, 0},
        {4, 17, 2, 3, 1, 0, 1, 0, 1, 0, 1}, {4, 21, 2, 6, 0, 1, 1, 1, 1, 1, 0},
    };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) seq_case(&seqs[i], seed++);

    const cfg ch = {2, 15, 3, 4, 0, 1, 0, 1, 1, 1, 0}, ch2 = {2, 9, 2, 6, 0, 0, 0, 1, 0, 0, 1};
    const int64_t cuts1[] = {7}, cuts2[] = {1, 2, 8, 14}, cuts3[] = {3, 4, 5};
    chain_case(&ch, cuts1, 1, seed++);
    chain_case(&ch, cuts2, 4, seed++);
    chain_case(&ch2, cuts3, 3, seed++);

    const cfg up[] = {{3, 12, 3, 4, 0, 1, 0, 1, 1, 0, 0}, {2, 5, 2, 2, 0, 0, 0, 1, 0, 0, 1}, {2, 3, 2, 6, 0, 1, 0, 1, 1, 0, 0}};
    for (size_t i = 0; i < sizeof up / sizeof up[0]; i++) {
        update_case(&up[i], 1, 0, seed++);
        update_case(&up[i], 1, 1, seed++);
        update_case(&up[i], (int)up[i].L, 1, seed++);
    }

    const cfg lay[] = {{2, 13, 5, 4, 0, 1, 1, 1, 1, 1, 0}, {3, 9, 4, 5, 1, 1, 1, 0, 1, 0, 0}};
    for (size_t i = 0; i < sizeof lay / sizeof lay[0]; i++) layout_case(&lay[i], seed++);
    ot_free_all();
    return ot_n_failures != failures_before;
}
