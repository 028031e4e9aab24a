/*
 * Oracle self-test: gated linear attention (OPS.md section 3), the CPU reference against independent
 * forms, all in SSMIX_INTERNAL_F64 unless noted:
 *  1. explicit attention matrix  o_t = scale sum_{s<=t} sum_k q_t[k] exp(G_t[k]-G_s[k]) k_s[k] v_s
 *     (+ the initial-state term scale q_t exp(G_t) S0, and the anti-causal mirror when bidirectional),
 *     final state  diag(exp(G_{L-1})) S0 + sum_s diag(exp(G_{L-1}-G_s)) k_s v_s^T, G = inclusive cumsum;
 *  2. finite differences (4th order, double) for dq dk dv dgk dinitial_state, causal with states
 *     (dfinal given and not), bidirectional, varlen;
 *  3. varlen (cu_seqlens) == separate runs, with length-1 and empty sequences;
 *  4. state chaining: final -> initial forward, dinitial -> dfinal backward;
 *  5. bidirectional == causal + flip(causal(flip)) through two causal oracle calls, forward and backward;
 *  6. strided guarded views and f32/bf16 I/O: guards intact, every output written, values match f64.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_util.h"
#include "ref.h"
#include "oracle_selfcheck.h"

static const ot_tol TIGHT = {1e-12, 1e-12, 1e-13};
static const ot_tol FD_TOL = {1e-7, 1e-8, 1e-10};

/* One problem's host tensors (any may be NULL where optional). */
typedef struct gla_t {
    int64_t b, L, H, K, V, nseq;
    double scale;
    int bidir;
    ot_tensor *q, *k, *v, *g, *init, *cu, *out, *fin, *dout, *dfin, *dq, *dk, *dv, *dg, *dinit;
} gla_t;

static ot_tensor *t4(ssmix_dtype dt, int64_t a, int64_t b, int64_t c, int64_t d, const ot_layout *lay)
{
    int64_t sh[4] = {a, b, c, d};
    return ot_new(dt, 4, sh, lay);
}

static void gla_alloc(gla_t *s, int64_t b, int64_t L, int64_t H, int64_t K, int64_t V, int states, int bidir,
                      const int *cu /* NULL or nseq+1 */, int64_t nseq, ssmix_dtype io, const ot_layout *lay, ot_rng *r)
{
    memset(s, 0, sizeof *s);
    s->b = b, s->L = L, s->H = H, s->K = K, s->V = V, s->bidir = bidir;
    s->nseq = cu ? nseq : b;
    s->scale = (double)(float)(1.0 / sqrt((double)K)); /* the problem carries a float scale */
    s->q = t4(io, b, L, H, K, lay), s->k = t4(io, b, L, H, K, lay), s->g = t4(io, b, L, H, K, lay);
    s->v = t4(io, b, L, H, V, lay);
    s->out = t4(io, b, L, H, V, lay), s->dout = t4(io, b, L, H, V, lay);
    s->dq = t4(io, b, L, H, K, lay), s->dk = t4(io, b, L, H, K, lay), s->dg = t4(io, b, L, H, K, lay);
    s->dv = t4(io, b, L, H, V, lay);
    ot_fill_normal(s->q, r, 1.0, 0.0), ot_fill_normal(s->k, r, 1.0, 0.0), ot_fill_normal(s->v, r, 1.0, 0.0);
    ot_fill_normal(s->dout, r, 1.0, 0.0);
    for (int64_t i = 0, n = ot_numel(s->g); i < n; i++) ot_setl(s->g, i, -0.05 - 0.6 * ot_uniform(r)); /* log-decay < 0 */
    if (cu) {
        int64_t sh[1] = {nseq + 1};
        s->cu = ot_new(SSMIX_I32, 1, sh, &OT_PACKED);
        for (int64_t i = 0; i <= nseq; i++) ot_setl(s->cu, i, cu[i]);
    }
    if (states) {
        ssmix_dtype f = io == OT_F64 ? OT_F64 : SSMIX_F32;
        s->init = t4(f, s->nseq, H, K, V, lay), s->fin = t4(f, s->nseq, H, K, V, lay);
        s->dfin = t4(f, s->nseq, H, K, V, lay), s->dinit = t4(f, s->nseq, H, K, V, lay);
        ot_fill_normal(s->init, r, 1.0, 0.0), ot_fill_normal(s->dfin, r, 1.0, 0.0);
    }
}

static void gla_problem(const gla_t *s, ssmix_gla_problem *p, int backward, int with_dfin)
{
    memset(p, 0, sizeof *p);
    p->batch = s->b, p->seqlen = s->L, p->nheads = s->H, p->kdim = s->K, p->vdim = s->V, p->nseq = s->nseq;
    p->chunk_size = 64, p->scale = (float)s->scale, p->bidirectional = s->bidir, p->io_dtype = s->q->dtype;
    p->q = ot_view(s->q), p->k = ot_view(s->k), p->v = ot_view(s->v), p->gk = ot_view(s->g);
    p->init = ot_view(s->init), p->cu_seqlens = ot_view(s->cu);
    if (!backward) {
        p->out = ot_view(s->out), p->final_state = ot_view(s->fin);
        return;
    }
    p->dout = ot_view(s->dout), p->dfinal = with_dfin ? ot_view(s->dfin) : ot_view(NULL);
    p->dq = ot_view(s->dq), p->dk = ot_view(s->dk), p->dv = ot_view(s->dv), p->dgk = ot_view(s->dg);
    p->dinit = ot_view(s->dinit);
}

static int gla_fwd(gla_t *s)
{
    ssmix_gla_problem p;
    gla_problem(s, &p, 0, 0);
    ssmix_status st = ssmix_cpu_gla_forward(NULL, &p);
    OT_EXPECT(st == SSMIX_SUCCESS, "forward returned %d", (int)st);
    return st != SSMIX_SUCCESS;
}

static int gla_bwd(gla_t *s, int with_dfin)
{
    ssmix_gla_problem p;
    gla_problem(s, &p, 1, with_dfin);
    ssmix_status st = ssmix_cpu_gla_backward(NULL, &p);
    OT_EXPECT(st == SSMIX_SUCCESS, "backward returned %d", (int)st);
    return st != SSMIX_SUCCESS;
}

/* Sequence bounds of sequence i. */
static void seq_bounds(const gla_t *s, int64_t i, int64_t *bi, int64_t *t0, int64_t *n)
{
    if (s->cu) {
        *bi = 0, *t0 = (int64_t)ot_getl(s->cu, i), *n = (int64_t)ot_getl(s->cu, i + 1) - *t0;
    } else {
        *bi = i, *t0 = 0, *n = s->L;
    }
}

/* ---------------------------------------------------------------- 1. explicit matrix form */
static void test_matrix(int64_t b, int64_t L, int64_t H, int64_t K, int64_t V, int states, int bidir, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    gla_t s;
    gla_alloc(&s, b, L, H, K, V, states, bidir, NULL, 0, OT_F64, &OT_PACKED, &r);
    ot_set_case("matrix b%lld L%lld H%lld K%lld V%lld states %d bidir %d", (long long)b, (long long)L, (long long)H,
                (long long)K, (long long)V, states, bidir);
    if (gla_fwd(&s)) return;
    ot_tensor *o = t4(OT_F64, b, L, H, V, &OT_PACKED), *f = states ? t4(OT_F64, b, H, K, V, &OT_PACKED) : NULL;
    double *G = malloc((size_t)(L * K) * sizeof(double));
    for (int64_t bi = 0; bi < b; bi++)
        for (int64_t h = 0; h < H; h++) {
            for (int64_t a = 0; a < K; a++) /* inclusive cumulative log-decay */
                for (int64_t t = 0; t < L; t++) {
                    G[t * K + a] = (t ? G[(t - 1) * K + a] : 0.0) + ot_get(s.g, bi, t, h, a);
                }
            for (int64_t t = 0; t < L; t++)
                for (int64_t c = 0; c < V; c++) {
                    double acc = 0.0;
                    for (int64_t j = 0; j < L; j++) {
                        if (j > t && !bidir) continue;
                        double w = 0.0;
                        for (int64_t a = 0; a < K; a++) {
                            double qk = ot_get(s.q, bi, t, h, a) * ot_get(s.k, bi, j, h, a);
                            if (j <= t) w += qk * exp(G[t * K + a] - G[j * K + a]);
                            /* anti-causal half: decays gk_t .. gk_{j-1} = G_{j-1} - G_{t-1} */
                            if (bidir && j >= t) w += qk * exp((j ? G[(j - 1) * K + a] : 0.0) - (t ? G[(t - 1) * K + a] : 0.0));
                        }
                        acc += w * ot_get(s.v, bi, j, h, c);
                    }
                    if (states)
                        for (int64_t a = 0; a < K; a++) acc += ot_get(s.q, bi, t, h, a) * exp(G[t * K + a]) * ot_get(s.init, bi, h, a, c);
                    ot_set(o, bi, t, h, c, s.scale * acc);
                }
            if (states)
                for (int64_t a = 0; a < K; a++)
                    for (int64_t c = 0; c < V; c++) {
                        double acc = exp(G[(L - 1) * K + a]) * ot_get(s.init, bi, h, a, c);
                        for (int64_t j = 0; j < L; j++)
                            acc += exp(G[(L - 1) * K + a] - G[j * K + a]) * ot_get(s.k, bi, j, h, a) * ot_get(s.v, bi, j, h, c);
                        ot_set(f, bi, h, a, c, acc);
                    }
        }
    free(G);
    ot_compare("out", s.out, o, TIGHT);
    if (states) ot_compare("final_state", s.fin, f, TIGHT);
}

/* ---------------------------------------------------------------- 2. finite differences */
typedef struct fd_ctx {
    gla_t *s;
    int with_dfin;
} fd_ctx;

static double fd_loss(fd_ctx *x)
{
    gla_t *s = x->s;
    if (gla_fwd(s)) return NAN;
    double l = 0.0;
    for (int64_t i = 0, n = ot_numel(s->out); i < n; i++) l += ot_getl(s->out, i) * ot_getl(s->dout, i);
    if (x->with_dfin && s->fin)
        for (int64_t i = 0, n = ot_numel(s->fin); i < n; i++) l += ot_getl(s->fin, i) * ot_getl(s->dfin, i);
    return l;
}

static void fd_check(const char *name, ot_tensor *in, const ot_tensor *grad, fd_ctx *x)
{
    const double h = 1e-4;
    ot_tensor *fd = ot_new(OT_F64, in->ndim, in->shape, &OT_PACKED);
    for (int64_t i = 0, n = ot_numel(in); i < n; i++) {
        double v0 = ot_getl(in, i), l[4];
        const double st[4] = {h, -h, 2 * h, -2 * h};
        for (int k = 0; k < 4; k++) {
            ot_setl(in, i, v0 + st[k]);
            l[k] = fd_loss(x);
        }
        ot_setl(in, i, v0);
        ot_setl(fd, i, (8.0 * (l[0] - l[1]) - (l[2] - l[3])) / (12.0 * h));
    }
    ot_compare(name, grad, fd, FD_TOL);
}

static void test_fd(int states, int with_dfin, int bidir, const int *cu, int64_t nseq, int64_t L, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    gla_t s;
    gla_alloc(&s, cu ? 1 : 2, L, 2, 3, 2, states, bidir, cu, nseq, OT_F64, &OT_PACKED, &r);
    ot_set_case("fd L%lld states %d dfinal %d bidir %d varlen %d", (long long)L, states, with_dfin, bidir, cu != NULL);
    if (gla_bwd(&s, with_dfin)) return;
    fd_ctx x = {&s, with_dfin};
    fd_check("dq", s.q, s.dq, &x);
    fd_check("dk", s.k, s.dk, &x);
    fd_check("dv", s.v, s.dv, &x);
    fd_check("dgk", s.g, s.dg, &x);
    if (states) fd_check("dinitial_state", s.init, s.dinit, &x);
}

/* ---------------------------------------------------------------- helpers: copy a time range */
static void copy_time(ot_tensor *dst, int64_t db, int64_t dt0, const ot_tensor *src, int64_t sb, int64_t st0, int64_t len, int flip)
{
    for (int64_t t = 0; t < len; t++)
        for (int64_t h = 0; h < src->shape[2]; h++)
            for (int64_t c = 0; c < src->shape[3]; c++)
                ot_set(dst, db, dt0 + (flip ? len - 1 - t : t), h, c, ot_get(src, sb, st0 + t, h, c));
}

static void copy_state(ot_tensor *dst, int64_t di, const ot_tensor *src, int64_t si)
{
    if (!dst || !src) return;
    for (int64_t h = 0; h < src->shape[1]; h++)
        for (int64_t a = 0; a < src->shape[2]; a++)
            for (int64_t c = 0; c < src->shape[3]; c++) ot_set(dst, di, h, a, c, ot_get(src, si, h, a, c));
}

/* Run sequence `i` of `s` alone (batch 1, its own length) into a fresh problem; compare to s. */
static void test_varlen(const int *cu, int64_t nseq, int states, int bidir, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    gla_t s;
    int64_t L = cu[nseq];
    gla_alloc(&s, 1, L, 2, 4, 3, states, bidir, cu, nseq, OT_F64, &OT_PACKED, &r);
    ot_set_case("varlen nseq %lld L %lld states %d bidir %d", (long long)nseq, (long long)L, states, bidir);
    if (gla_fwd(&s) || gla_bwd(&s, states)) return;
    ot_tensor *o = ot_clone(s.out, OT_F64, &OT_PACKED), *dq = ot_clone(s.dq, OT_F64, &OT_PACKED);
    ot_tensor *dk = ot_clone(s.dk, OT_F64, &OT_PACKED), *dv = ot_clone(s.dv, OT_F64, &OT_PACKED);
    ot_tensor *dg = ot_clone(s.dg, OT_F64, &OT_PACKED);
    ot_tensor *fin = states ? ot_clone(s.fin, OT_F64, &OT_PACKED) : NULL, *di = states ? ot_clone(s.dinit, OT_F64, &OT_PACKED) : NULL;
    for (int64_t i = 0; i < nseq; i++) {
        int64_t bi, t0, n;
        seq_bounds(&s, i, &bi, &t0, &n);
        if (n == 0) { /* empty sequence: the state passes through, its gradient too */
            if (states) {
                ot_tensor *x = t4(OT_F64, 1, 2, 4, 3, &OT_PACKED), *y = t4(OT_F64, 1, 2, 4, 3, &OT_PACKED);
                copy_state(x, 0, s.init, i), copy_state(y, 0, s.dfin, i);
                copy_state(fin, i, x, 0), copy_state(di, i, y, 0);
            }
            continue;
        }
        gla_t u;
        gla_alloc(&u, 1, n, 2, 4, 3, states, bidir, NULL, 0, OT_F64, &OT_PACKED, &r);
        copy_time(u.q, 0, 0, s.q, 0, t0, n, 0), copy_time(u.k, 0, 0, s.k, 0, t0, n, 0);
        copy_time(u.v, 0, 0, s.v, 0, t0, n, 0), copy_time(u.g, 0, 0, s.g, 0, t0, n, 0);
        copy_time(u.dout, 0, 0, s.dout, 0, t0, n, 0);
        copy_state(u.init, 0, s.init, i), copy_state(u.dfin, 0, s.dfin, i);
        if (gla_fwd(&u) || gla_bwd(&u, states)) return;
        copy_time(o, 0, t0, u.out, 0, 0, n, 0), copy_time(dq, 0, t0, u.dq, 0, 0, n, 0);
        copy_time(dk, 0, t0, u.dk, 0, 0, n, 0), copy_time(dv, 0, t0, u.dv, 0, 0, n, 0);
        copy_time(dg, 0, t0, u.dg, 0, 0, n, 0);
        copy_state(fin, i, u.fin, 0), copy_state(di, i, u.dinit, 0);
    }
    ot_compare("out", s.out, o, TIGHT), ot_compare("dq", s.dq, dq, TIGHT), ot_compare("dk", s.dk, dk, TIGHT);
    ot_compare("dv", s.dv, dv, TIGHT), ot_compare("dgk", s.dg, dg, TIGHT);
    if (states) ot_compare("final_state", s.fin, fin, TIGHT), ot_compare("dinitial_state", s.dinit, di, TIGHT);
}

/* ---------------------------------------------------------------- 4. state chaining */
static void test_chain(int64_t L, int64_t cut, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    gla_t s, a, b2;
    gla_alloc(&s, 2, L, 2, 3, 4, 1, 0, NULL, 0, OT_F64, &OT_PACKED, &r);
    ot_set_case("chain L %lld cut %lld", (long long)L, (long long)cut);
    if (gla_fwd(&s) || gla_bwd(&s, 1)) return;
    gla_alloc(&a, 2, cut, 2, 3, 4, 1, 0, NULL, 0, OT_F64, &OT_PACKED, &r);
    gla_alloc(&b2, 2, L - cut, 2, 3, 4, 1, 0, NULL, 0, OT_F64, &OT_PACKED, &r);
    ot_tensor *o = ot_clone(s.out, OT_F64, &OT_PACKED), *dg = ot_clone(s.dg, OT_F64, &OT_PACKED);
    ot_tensor *dq = ot_clone(s.dq, OT_F64, &OT_PACKED), *dk = ot_clone(s.dk, OT_F64, &OT_PACKED), *dv = ot_clone(s.dv, OT_F64, &OT_PACKED);
    for (int64_t bi = 0; bi < 2; bi++) {
        ot_tensor *src[5] = {s.q, s.k, s.v, s.g, s.dout};
        ot_tensor *da[5] = {a.q, a.k, a.v, a.g, a.dout}, *db[5] = {b2.q, b2.k, b2.v, b2.g, b2.dout};
        for (int i = 0; i < 5; i++) copy_time(da[i], bi, 0, src[i], bi, 0, cut, 0), copy_time(db[i], bi, 0, src[i], bi, cut, L - cut, 0);
    }
    ot_copy(a.init, s.init);
    if (gla_fwd(&a)) return;
    ot_copy(b2.init, a.fin);
    ot_copy(b2.dfin, s.dfin);
    if (gla_fwd(&b2) || gla_bwd(&b2, 1)) return;
    ot_copy(a.dfin, b2.dinit);
    if (gla_bwd(&a, 1)) return;
    for (int64_t bi = 0; bi < 2; bi++) {
        copy_time(o, bi, 0, a.out, bi, 0, cut, 0), copy_time(o, bi, cut, b2.out, bi, 0, L - cut, 0);
        ot_tensor *ga[4] = {a.dq, a.dk, a.dv, a.dg}, *gb[4] = {b2.dq, b2.dk, b2.dv, b2.dg}, *gd[4] = {dq, dk, dv, dg};
        for (int i = 0; i < 4; i++) copy_time(gd[i], bi, 0, ga[i], bi, 0, cut, 0), copy_time(gd[i], bi, cut, gb[i], bi, 0, L - cut, 0);
    }
    ot_compare("out", s.out, o, TIGHT), ot_compare("final_state", s.fin, b2.fin, TIGHT);
    ot_compare("dq", s.dq, dq, TIGHT), ot_compare("dk", s.dk, dk, TIGHT), ot_compare("dv", s.dv, dv, TIGHT);
    ot_compare("dgk", s.dg, dg, TIGHT), ot_compare("dinitial_state", s.dinit, a.dinit, TIGHT);
}

/* ---------------------------------------------------------------- 5. bidirectional composition */
static void test_bidir_compose(int64_t L, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    gla_t s, c1, c2;
    gla_alloc(&s, 2, L, 2, 3, 4, 0, 1, NULL, 0, OT_F64, &OT_PACKED, &r);
    ot_set_case("bidir compose L %lld", (long long)L);
    if (gla_fwd(&s) || gla_bwd(&s, 0)) return;
    gla_alloc(&c1, 2, L, 2, 3, 4, 0, 0, NULL, 0, OT_F64, &OT_PACKED, &r);
    gla_alloc(&c2, 2, L, 2, 3, 4, 0, 0, NULL, 0, OT_F64, &OT_PACKED, &r);
    ot_tensor *src[5] = {s.q, s.k, s.v, s.g, s.dout}, *d1[5] = {c1.q, c1.k, c1.v, c1.g, c1.dout}, *d2[5] = {c2.q, c2.k, c2.v, c2.g, c2.dout};
    for (int64_t bi = 0; bi < 2; bi++)
        for (int i = 0; i < 5; i++) copy_time(d1[i], bi, 0, src[i], bi, 0, L, 0), copy_time(d2[i], bi, 0, src[i], bi, 0, L, 1);
    if (gla_fwd(&c1) || gla_bwd(&c1, 0) || gla_fwd(&c2) || gla_bwd(&c2, 0)) return;
    ot_tensor *got[5] = {s.out, s.dq, s.dk, s.dv, s.dg}, *p1[5] = {c1.out, c1.dq, c1.dk, c1.dv, c1.dg}, *p2[5] = {c2.out, c2.dq, c2.dk, c2.dv, c2.dg};
    const char *names[5] = {"out", "dq", "dk", "dv", "dgk"};
    for (int i = 0; i < 5; i++) {
        ot_tensor *e = ot_clone(p1[i], OT_F64, &OT_PACKED), *fl = ot_clone(p2[i], OT_F64, &OT_PACKED);
        for (int64_t bi = 0; bi < 2; bi++) copy_time(fl, bi, 0, p2[i], bi, 0, L, 1);
        for (int64_t j = 0, n = ot_numel(e); j < n; j++) ot_setl(e, j, ot_getl(e, j) + ot_getl(fl, j));
        ot_compare(names[i], got[i], e, TIGHT);
    }
}

/* ---------------------------------------------------------------- 6. layouts and dtypes */
static void test_layout(ssmix_dtype io, int bidir, uint64_t seed)
{
    static const int perm[4] = {2, 0, 3, 1};
    const ot_layout lay = {perm, 1, 0};
    ot_rng r;
    ot_rng_seed(&r, seed);
    gla_t s, d;
    int states = !bidir;
    gla_alloc(&s, 2, 9, 3, 5, 4, states, bidir, NULL, 0, io, &lay, &r);
    ot_set_case("layout io %s bidir %d", io == SSMIX_F32 ? "f32" : io == SSMIX_BF16 ? "bf16" : "f16", bidir);
    gla_alloc(&d, 2, 9, 3, 5, 4, states, bidir, NULL, 0, OT_F64, &OT_PACKED, &r);
    ot_tensor *in_s[6] = {s.q, s.k, s.v, s.g, s.dout, NULL}, *in_d[6] = {d.q, d.k, d.v, d.g, d.dout, NULL};
    for (int i = 0; i < 5; i++) ot_copy(in_d[i], in_s[i]); /* the same (quantized) values */
    if (states) ot_copy(d.init, s.init), ot_copy(d.dfin, s.dfin);
    ot_tensor *outs[7] = {s.out, s.fin, s.dq, s.dk, s.dv, s.dg, s.dinit};
    for (int i = 0; i < 7; i++)
        if (outs[i]) ot_poison(outs[i]);
    if (gla_fwd(&s) || gla_bwd(&s, states) || gla_fwd(&d) || gla_bwd(&d, states)) return;
    const char *names[7] = {"out", "final_state", "dq", "dk", "dv", "dgk", "dinitial_state"};
    ot_tensor *refs[7] = {d.out, d.fin, d.dq, d.dk, d.dv, d.dg, d.dinit};
    for (int i = 0; i < 7; i++) {
        if (!outs[i]) continue;
        OT_EXPECT(ot_check_written(outs[i], names[i]) == 0, "%s: unwritten elements or damaged guards", names[i]);
        /* one rounding of the f64 result to the storage dtype */
        ot_compare_ulps(names[i], outs[i], refs[i], outs[i]->dtype, 0.5001);
    }
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_gla_cases(void)
{
    long failures_before = ot_n_failures;
    test_matrix(1, 1, 1, 1, 1, 0, 0, 1);
    test_matrix(2, 7, 2, 3, 4, 1, 0, 2);
    test_matrix(1, 12, 3, 5, 2, 0, 1, 3);
    test_matrix(2, 5, 1, 4, 4, 0, 1, 4);
    test_fd(1, 1, 0, NULL, 0, 5, 10);
    test_fd(1, 0, 0, NULL, 0, 4, 11);
    test_fd(0, 0, 1, NULL, 0, 5, 12);
    {
        static const int cu[] = {0, 2, 3, 6};
        test_fd(1, 1, 0, cu, 3, 6, 13);
        test_fd(0, 0, 1, cu, 3, 6, 14);
    }
    {
        static const int cu1[] = {0, 1, 5, 5, 6, 13};
        static const int cu2[] = {0, 9};
        test_varlen(cu1, 5, 1, 0, 20);
        test_varlen(cu1, 5, 0, 1, 21);
        test_varlen(cu2, 1, 1, 0, 22);
    }
    test_chain(9, 1, 30);
    test_chain(9, 4, 31);
    test_chain(9, 8, 32);
    test_bidir_compose(1, 40);
    test_bidir_compose(11, 41);
    test_layout(SSMIX_F32, 0, 50);
    test_layout(SSMIX_BF16, 0, 51);
    test_layout(SSMIX_F16, 1, 52);
    ot_free_all();
    return ot_n_failures != failures_before;
}
