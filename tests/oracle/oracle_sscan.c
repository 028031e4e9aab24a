/*
 * Oracle self-test of the selective scan (Mamba-1, OPS.md section 4) and its decode step (section 6).
 *
 * 1. independent form: the explicit sums
 *        s_{L-1}[n] = e^{A_n S(0,L-1)} init[n] + sum_j e^{A_n S(j+1,L-1)} dl_j B_j[n] u_j
 *        y_t = sum_n C_t[n] (e^{A_n S(0,t)} init[n] + sum_{j<=t} e^{A_n S(j+1,t)} dl_j B_j[n] u_j) + D u_t
 *    (S(i,k) = sum_{m=i..k} dl_m), evaluated directly for small L, vs the recurrence; 1e-12.
 * 2. central finite differences in double of L = sum dout*out + sum dlast*last_state for every input
 *    element, vs every gradient output.
 * 3. chaining: pieces joined by last_state -> initial_state (and dinitial_state -> dlast_state) equal
 *    one run.
 * 4. decode: L decode steps reproduce the scan's out and last_state; state_batch_indices into a
 *    larger pool with padding rows (negative and >= pool) give 0 and leave every other slot untouched.
 * 5. constant B/C (D,N) equal per-token B/C with G = D repeated over (b, t); constant gradients are the
 *    per-token ones summed over (b, t).
 * 6. strided guarded layouts and f32/f16/bf16 I/O: every output written, guards intact; f32 I/O
 *    matches the f64 run within f32 rounding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_util.h"
#include "ref.h"
#include "oracle_selfcheck.h"

typedef struct sc_cfg {
    int64_t b, D, L, N, G;
    int bconst, cconst, Dv, z, bias, softplus, init, last, dlast;
    ssmix_dtype io;
    const ot_layout *lay; /* layout of every tensor */
} sc_cfg;

typedef struct sc_t {
    ot_tensor *u, *delta, *A, *B, *C, *Dv, *z, *bias, *init;
    ot_tensor *out, *last, *dout, *dlast;
    ot_tensor *du, *ddelta, *dA, *dB, *dC, *dD, *dz, *dbias, *dinit;
} sc_t;

static sc_cfg cfg_default(int64_t b, int64_t D, int64_t L, int64_t N, int64_t G)
{
    sc_cfg c;
    memset(&c, 0, sizeof c);
    c.b = b, c.D = D, c.L = L, c.N = N, c.G = G;
    c.Dv = c.z = c.bias = c.softplus = c.init = c.last = c.dlast = 1;
    c.io = OT_F64;
    c.lay = &OT_PACKED;
    return c;
}

static const char *cfg_str(const sc_cfg *c)
{
    static char buf[200];
    snprintf(buf, sizeof buf, "b%lld D%lld L%lld N%lld G%lld%s%s%s%s%s%s%s%s%s", (long long)c->b, (long long)c->D,
             (long long)c->L, (long long)c->N, (long long)c->G, c->bconst ? " Bconst" : "", c->cconst ? " Cconst" : "",
             c->Dv ? " D" : "", c->z ? " z" : "", c->bias ? " bias" : "", c->softplus ? " sp" : "", c->init ? " init" : "",
             c->dlast ? " dlast" : "", c->io == OT_F64 ? "" : c->io == SSMIX_F32 ? " f32" : c->io == SSMIX_F16 ? " f16" : " bf16");
    return buf;
}

static ot_tensor *mk(ssmix_dtype dt, int nd, int64_t a, int64_t b, int64_t c, int64_t d, const ot_layout *lay)
{
    int64_t sh[4] = {a, b, c, d};
    return ot_new(dt, nd, sh, lay);
}

static void sc_alloc(sc_t *s, const sc_cfg *c)
{
    memset(s, 0, sizeof *s);
    ssmix_dtype io = c->io, f = c->io == OT_F64 ? OT_F64 : SSMIX_F32;
    const ot_layout *L = c->lay;
    s->u = mk(io, 3, c->b, c->D, c->L, 0, L);
    s->delta = mk(io, 3, c->b, c->D, c->L, 0, L);
    s->A = mk(f, 2, c->D, c->N, 0, 0, L);
    s->B = c->bconst ? mk(f, 2, c->D, c->N, 0, 0, L) : mk(io, 4, c->b, c->G, c->N, c->L, L);
    s->C = c->cconst ? mk(f, 2, c->D, c->N, 0, 0, L) : mk(io, 4, c->b, c->G, c->N, c->L, L);
    if (c->Dv) s->Dv = mk(f, 1, c->D, 0, 0, 0, L);
    if (c->z) s->z = mk(io, 3, c->b, c->D, c->L, 0, L);
    if (c->bias) s->bias = mk(f, 1, c->D, 0, 0, 0, L);
    if (c->init) s->init = mk(f, 3, c->b, c->D, c->N, 0, L);
    s->out = mk(io, 3, c->b, c->D, c->L, 0, &OT_GUARDED);
    if (c->last) s->last = mk(f, 3, c->b, c->D, c->N, 0, &OT_GUARDED);
    s->dout = mk(io, 3, c->b, c->D, c->L, 0, L);
    if (c->dlast) s->dlast = mk(f, 3, c->b, c->D, c->N, 0, L);
    s->du = ot_clone(s->u, io, &OT_GUARDED);
    s->ddelta = ot_clone(s->delta, io, &OT_GUARDED);
    s->dA = ot_clone(s->A, f, &OT_GUARDED);
    s->dB = ot_clone(s->B, s->B->dtype, &OT_GUARDED);
    s->dC = ot_clone(s->C, s->C->dtype, &OT_GUARDED);
    if (c->Dv) s->dD = ot_clone(s->Dv, f, &OT_GUARDED);
    if (c->z) s->dz = ot_clone(s->z, io, &OT_GUARDED);
    if (c->bias) s->dbias = ot_clone(s->bias, f, &OT_GUARDED);
    if (c->init) s->dinit = ot_clone(s->init, f, &OT_GUARDED);
}

/* OPS.md section 8 inputs: u, B, C ~ N(0,1); delta ~ N(0,1)*0.5 - 2 under softplus, softplus(N - 4) raw;
 * A = -exp(U(0,1)); D, delta_bias ~ N(0,1) (under raw delta 0.01 |N(0,1)|, so dl = delta + bias > 0). */
static void sc_randomize(sc_t *s, const sc_cfg *c, ot_rng *r)
{
    ot_fill_normal(s->u, r, 1, 0);
    ot_fill_normal(s->B, r, 1, 0);
    ot_fill_normal(s->C, r, 1, 0);
    for (int64_t i = 0, n = ot_numel(s->delta); i < n; i++)
        ot_setl(s->delta, i, c->softplus ? ot_normal(r) * 0.5 - 2.0 : ot_softplus_thr(ot_normal(r) - 4.0));
    for (int64_t i = 0, n = ot_numel(s->A); i < n; i++) ot_setl(s->A, i, -exp(ot_uniform(r)));
    if (s->Dv) ot_fill_normal(s->Dv, r, 1, 0);
    if (s->z) ot_fill_normal(s->z, r, 1, 0);
    if (s->bias)
        for (int64_t i = 0, n = ot_numel(s->bias); i < n; i++)
            ot_setl(s->bias, i, c->softplus ? ot_normal(r) : 0.01 * fabs(ot_normal(r)));
    if (s->init) ot_fill_normal(s->init, r, 1, 0);
    ot_fill_normal(s->dout, r, 1, 0);
    if (s->dlast) ot_fill_normal(s->dlast, r, 1, 0);
}

static void sc_problem(const sc_t *s, const sc_cfg *c, ssmix_sscan_problem *p, int backward)
{
    memset(p, 0, sizeof *p);
    p->batch = c->b, p->dim = c->D, p->seqlen = c->L, p->dstate = c->N;
    p->ngroups = (c->bconst && c->cconst) ? 1 : c->G;
    p->delta_softplus = c->softplus;
    p->B_const = c->bconst, p->C_const = c->cconst;
    p->io_dtype = c->io;
    p->u = ot_view(s->u), p->delta = ot_view(s->delta), p->A = ot_view(s->A), p->B = ot_view(s->B);
    p->C = ot_view(s->C), p->D = ot_view(s->Dv), p->z = ot_view(s->z), p->delta_bias = ot_view(s->bias);
    p->init = ot_view(s->init);
    if (!backward) {
        p->out = ot_view(s->out), p->last = ot_view(s->last);
        return;
    }
    p->dout = ot_view(s->dout), p->dlast = ot_view(s->dlast);
    p->du = ot_view(s->du), p->ddelta = ot_view(s->ddelta), p->dA = ot_view(s->dA), p->dB = ot_view(s->dB);
    p->dC = ot_view(s->dC), p->dD = ot_view(s->dD), p->dz = ot_view(s->dz), p->ddelta_bias = ot_view(s->dbias);
    p->dinit = ot_view(s->dinit);
}

static int sc_forward(sc_t *s, const sc_cfg *c)
{
    ssmix_sscan_problem p;
    ot_poison(s->out);
    if (s->last) ot_poison(s->last);
    sc_problem(s, c, &p, 0);
    ssmix_status st = ssmix_cpu_sscan_forward(NULL, &p);
    OT_EXPECT(st == SSMIX_SUCCESS, "forward status %d", (int)st);
    int bad = st != SSMIX_SUCCESS;
    bad |= ot_check_written(s->out, "out") != 0;
    if (s->last) bad |= ot_check_written(s->last, "last_state") != 0;
    return bad;
}

static int sc_backward(sc_t *s, const sc_cfg *c)
{
    ssmix_sscan_problem p;
    ot_tensor *g[] = {s->du, s->ddelta, s->dA, s->dB, s->dC, s->dD, s->dz, s->dbias, s->dinit};
    const char *gn[] = {"du", "ddelta", "dA", "dB", "dC", "dD", "dz", "ddelta_bias", "dinitial_state"};
    for (int i = 0; i < 9; i++)
        if (g[i]) ot_poison(g[i]);
    sc_problem(s, c, &p, 1);
    ssmix_status st = ssmix_cpu_sscan_backward(NULL, &p);
    OT_EXPECT(st == SSMIX_SUCCESS, "backward status %d", (int)st);
    int bad = st != SSMIX_SUCCESS;
    for (int i = 0; i < 9; i++)
        if (g[i]) bad |= ot_check_written(g[i], gn[i]) != 0;
    return bad;
}

static double bc_at(const ot_tensor *t, int is_const, int64_t b, int64_t g, int64_t d, int64_t n, int64_t tt)
{
    return is_const ? ot_get(t, d, n, 0, 0) : ot_get(t, b, g, n, tt);
}

static double dl_at(const sc_t *s, const sc_cfg *c, int64_t b, int64_t d, int64_t t)
{
    double v = ot_get(s->delta, b, d, t, 0) + (s->bias ? ot_get(s->bias, d, 0, 0, 0) : 0.0);
    return c->softplus ? ot_softplus_thr(v) : v;
}

static const ot_tol TIGHT = {1e-12, 1e-12, 0.0};

/* ---------------------------------------------------------------- 1. explicit sums */
static void test_explicit(const sc_cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    sc_t s;
    sc_alloc(&s, c);
    sc_randomize(&s, c, &r);
    ot_set_case("explicit %s", cfg_str(c));
    if (sc_forward(&s, c)) return;
    ot_tensor *out = ot_clone(s.out, OT_F64, &OT_PACKED), *last = s.last ? ot_clone(s.last, OT_F64, &OT_PACKED) : NULL;
    int64_t L = c->L, dpg = c->D / c->G;
    double *dl = malloc((size_t)L * sizeof(double));
    for (int64_t b = 0; b < c->b; b++)
        for (int64_t d = 0; d < c->D; d++) {
            int64_t g = d / dpg;
            for (int64_t t = 0; t < L; t++) dl[t] = dl_at(&s, c, b, d, t);
            for (int64_t t = 0; t <= L; t++) { /* t == L: the last state */
                int64_t te = t < L ? t : L - 1;
                double y = 0.0;
                for (int64_t n = 0; n < c->N; n++) {
                    double A = ot_get(s.A, d, n, 0, 0), S = 0.0, st = 0.0;
                    for (int64_t m = 0; m <= te; m++) S += dl[m];
                    if (s.init) st += exp(A * S) * ot_get(s.init, b, d, n, 0);
                    for (int64_t j = 0; j <= te; j++) {
                        double Sj = 0.0;
                        for (int64_t m = j + 1; m <= te; m++) Sj += dl[m];
                        st += exp(A * Sj) * dl[j] * bc_at(s.B, c->bconst, b, g, d, n, j) * ot_get(s.u, b, d, j, 0);
                    }
                    if (t == L) {
                        if (last) ot_set(last, b, d, n, 0, st);
                    } else {
                        y += bc_at(s.C, c->cconst, b, g, d, n, t) * st;
                    }
                }
                if (t == L) continue;
                double uu = ot_get(s.u, b, d, t, 0);
                if (s.Dv) y += ot_get(s.Dv, d, 0, 0, 0) * uu;
                if (s.z) y *= ot_get(s.z, b, d, t, 0) * ot_sigmoid(ot_get(s.z, b, d, t, 0));
                ot_set(out, b, d, t, 0, y);
            }
        }
    free(dl);
    ot_compare("out vs explicit", s.out, out, TIGHT);
    if (last) ot_compare("last_state vs explicit", s.last, last, TIGHT);
}

/* ---------------------------------------------------------------- 2. finite differences */
static double sc_loss(sc_t *s, const sc_cfg *c)
{
    ssmix_sscan_problem p;
    sc_problem(s, c, &p, 0);
    ssmix_cpu_sscan_forward(NULL, &p);
    double L = 0.0;
    for (int64_t i = 0, n = ot_numel(s->out); i < n; i++) L += ot_getl(s->out, i) * ot_getl(s->dout, i);
    if (s->last && s->dlast)
        for (int64_t i = 0, n = ot_numel(s->last); i < n; i++) L += ot_getl(s->last, i) * ot_getl(s->dlast, i);
    return L;
}

static void fd_one(sc_t *s, const sc_cfg *c, ot_tensor *in, const ot_tensor *grad, const char *name)
{
    if (!in || !grad) return;
    ot_tensor *fd = ot_clone(grad, OT_F64, &OT_PACKED);
    for (int64_t i = 0, n = ot_numel(in); i < n; i++) {
        double v = ot_getl(in, i), h = 1e-6 * (1.0 + fabs(v));
        ot_setl(in, i, v + h);
        double lp = sc_loss(s, c);
        ot_setl(in, i, v - h);
        double lm = sc_loss(s, c);
        ot_setl(in, i, v);
        ot_setl(fd, i, (lp - lm) / (2 * h));
    }
    char what[64];
    snprintf(what, sizeof what, "%s vs finite differences", name);
    const ot_tol tol = {1e-6, 1e-7, 1e-9};
    ot_compare(what, grad, fd, tol);
}

static void test_fd(const sc_cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    sc_t s;
    sc_alloc(&s, c);
    sc_randomize(&s, c, &r);
    ot_set_case("fd %s", cfg_str(c));
    if (sc_forward(&s, c) || sc_backward(&s, c)) return;
    fd_one(&s, c, s.u, s.du, "du");
    fd_one(&s, c, s.delta, s.ddelta, "ddelta");
    fd_one(&s, c, s.A, s.dA, "dA");
    fd_one(&s, c, s.B, s.dB, "dB");
    fd_one(&s, c, s.C, s.dC, "dC");
    fd_one(&s, c, s.Dv, s.dD, "dD");
    fd_one(&s, c, s.z, s.dz, "dz");
    fd_one(&s, c, s.bias, s.dbias, "ddelta_bias");
    fd_one(&s, c, s.init, s.dinit, "dinitial_state");
}

/* ---------------------------------------------------------------- 3. chaining */
static void copy_t(ot_tensor *dst, int64_t d0, const ot_tensor *src, int64_t s0, int64_t len, int tdim)
{
    int64_t idx[4], n = ot_numel(dst);
    for (int64_t i = 0; i < n; i++) {
        ot_unravel(dst, i, idx);
        if (idx[tdim] < d0 || idx[tdim] >= d0 + len) continue;
        int64_t sidx[4] = {idx[0], idx[1], idx[2], idx[3]};
        sidx[tdim] = idx[tdim] - d0 + s0;
        ot_set(dst, idx[0], idx[1], idx[2], idx[3], ot_get(src, sidx[0], sidx[1], sidx[2], sidx[3]));
    }
}

static void test_chain(const sc_cfg *c, int64_t cut, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    sc_t s;
    sc_alloc(&s, c);
    sc_randomize(&s, c, &r);
    ot_set_case("chain cut %lld %s", (long long)cut, cfg_str(c));
    if (sc_forward(&s, c) || sc_backward(&s, c)) return;
    sc_cfg pc[2] = {*c, *c};
    sc_t ps[2];
    int64_t start[3] = {0, cut, c->L};
    for (int k = 0; k < 2; k++) {
        pc[k].L = start[k + 1] - start[k];
        pc[k].init = k == 1 || c->init;
        pc[k].last = 1;
        pc[k].dlast = k == 0 || c->dlast;
        sc_alloc(&ps[k], &pc[k]);
        sc_t *p = &ps[k];
        int64_t len = pc[k].L;
        copy_t(p->u, 0, s.u, start[k], len, 2);
        copy_t(p->delta, 0, s.delta, start[k], len, 2);
        copy_t(p->dout, 0, s.dout, start[k], len, 2);
        if (s.z) copy_t(p->z, 0, s.z, start[k], len, 2);
        if (c->bconst) ot_copy(p->B, s.B); else copy_t(p->B, 0, s.B, start[k], len, 3);
        if (c->cconst) ot_copy(p->C, s.C); else copy_t(p->C, 0, s.C, start[k], len, 3);
        ot_copy(p->A, s.A);
        if (s.Dv) ot_copy(p->Dv, s.Dv);
        if (s.bias) ot_copy(p->bias, s.bias);
        if (k == 0 && c->init) ot_copy(p->init, s.init);
        if (k == 1 && c->dlast) ot_copy(p->dlast, s.dlast);
    }
    if (sc_forward(&ps[0], &pc[0])) return;
    ot_copy(ps[1].init, ps[0].last);
    if (sc_forward(&ps[1], &pc[1]) || sc_backward(&ps[1], &pc[1])) return;
    ot_copy(ps[0].dlast, ps[1].dinit);
    if (sc_backward(&ps[0], &pc[0])) return;

    ot_tensor *out = ot_clone(s.out, OT_F64, &OT_PACKED), *du = ot_clone(s.du, OT_F64, &OT_PACKED);
    ot_tensor *ddl = ot_clone(s.ddelta, OT_F64, &OT_PACKED), *dz = s.dz ? ot_clone(s.dz, OT_F64, &OT_PACKED) : NULL;
    ot_tensor *dB = ot_clone(s.dB, OT_F64, &OT_PACKED), *dC = ot_clone(s.dC, OT_F64, &OT_PACKED);
    ot_tensor *dA = ot_clone(s.dA, OT_F64, &OT_PACKED), *dD = s.dD ? ot_clone(s.dD, OT_F64, &OT_PACKED) : NULL;
    ot_tensor *db = s.dbias ? ot_clone(s.dbias, OT_F64, &OT_PACKED) : NULL;
    ot_fill(dA, 0.0);
    if (dD) ot_fill(dD, 0.0);
    if (db) ot_fill(db, 0.0);
    if (c->bconst) ot_fill(dB, 0.0);
    if (c->cconst) ot_fill(dC, 0.0);
    for (int k = 0; k < 2; k++) {
        int64_t len = pc[k].L;
        copy_t(out, start[k], ps[k].out, 0, len, 2);
        copy_t(du, start[k], ps[k].du, 0, len, 2);
        copy_t(ddl, start[k], ps[k].ddelta, 0, len, 2);
        if (dz) copy_t(dz, start[k], ps[k].dz, 0, len, 2);
        if (c->bconst) ot_add_into(dB, ps[k].dB); else copy_t(dB, start[k], ps[k].dB, 0, len, 3);
        if (c->cconst) ot_add_into(dC, ps[k].dC); else copy_t(dC, start[k], ps[k].dC, 0, len, 3);
        ot_add_into(dA, ps[k].dA);
        if (dD) ot_add_into(dD, ps[k].dD);
        if (db) ot_add_into(db, ps[k].dbias);
    }
    ot_compare("out", s.out, out, TIGHT);
    ot_compare("last_state", s.last, ps[1].last, TIGHT);
    ot_compare("du", s.du, du, TIGHT);
    ot_compare("ddelta", s.ddelta, ddl, TIGHT);
    ot_compare("dB", s.dB, dB, TIGHT);
    ot_compare("dC", s.dC, dC, TIGHT);
    ot_compare("dA", s.dA, dA, TIGHT);
    if (dz) ot_compare("dz", s.dz, dz, TIGHT);
    if (dD) ot_compare("dD", s.dD, dD, TIGHT);
    if (db) ot_compare("ddelta_bias", s.dbias, db, TIGHT);
    if (s.dinit) ot_compare("dinitial_state", s.dinit, ps[0].dinit, TIGHT);
}

/* ---------------------------------------------------------------- 4. decode == scan */
static void test_decode(const sc_cfg *c0, int pooled, uint64_t seed)
{
    sc_cfg c = *c0;
    c.bconst = c.cconst = 0;
    c.last = 1;
    ot_rng r;
    ot_rng_seed(&r, seed);
    sc_t s;
    sc_alloc(&s, &c);
    sc_randomize(&s, &c, &r);
    ot_set_case("decode%s %s", pooled ? " pooled" : "", cfg_str(&c));
    if (sc_forward(&s, &c)) return;

    /* rows: the batch rows, plus (pooled) a row of index -1 and one of index pool; slots permuted */
    int64_t nb = c.b + (pooled ? 2 : 0), pool = pooled ? c.b + 3 : c.b;
    ot_tensor *state = mk(OT_F64, 3, pool, c.D, c.N, 0, &OT_GUARDED);
    ot_tensor *idx = pooled ? mk(SSMIX_I32, 1, nb, 0, 0, 0, &OT_PACKED) : NULL;
    ot_tensor *x = mk(OT_F64, 2, nb, c.D, 0, 0, &OT_PACKED), *dl = mk(OT_F64, 2, nb, c.D, 0, 0, &OT_PACKED);
    ot_tensor *z = c.z ? mk(OT_F64, 2, nb, c.D, 0, 0, &OT_PACKED) : NULL;
    ot_tensor *Bt = mk(OT_F64, 3, nb, c.G, c.N, 0, &OT_PACKED), *Ct = mk(OT_F64, 3, nb, c.G, c.N, 0, &OT_PACKED);
    ot_tensor *out = mk(OT_F64, 2, nb, c.D, 0, 0, &OT_GUARDED);
    ot_tensor *got = ot_clone(s.out, OT_F64, &OT_PACKED), *gotlast = ot_clone(s.last, OT_F64, &OT_PACKED);
    ot_poison(state); /* guards keep the sentinel; the view gets values */
    ot_fill_normal(state, &r, 1, 0); /* slots that no row uses keep these values */
    ot_tensor *state0 = ot_clone(state, OT_F64, &OT_PACKED);
    int64_t slot[64];
    for (int64_t i = 0; i < c.b; i++) slot[i] = i;
    if (pooled) { /* keep slots distinct and in range: rows map to b-1-i, odd rows shifted by 3 mod pool */
        for (int64_t i = 0; i < c.b; i++) slot[i] = (c.b - 1 - i + 3 * (i % 2)) % pool;
        for (int64_t i = 0; i < c.b; i++)
            for (int64_t j = 0; j < i; j++)
                if (slot[i] == slot[j]) slot[i] = (slot[i] + 1) % pool;
        slot[c.b] = -1;
        slot[c.b + 1] = pool;
        for (int64_t i = 0; i < nb; i++) ot_set(idx, i, 0, 0, 0, (double)slot[i]);
    }
    for (int64_t i = 0; i < c.b; i++)
        for (int64_t d = 0; d < c.D; d++)
            for (int64_t n = 0; n < c.N; n++)
                ot_set(state, slot[i], d, n, 0, s.init ? ot_get(s.init, i, d, n, 0) : 0.0);
    ssmix_sscan_decode_problem p;
    memset(&p, 0, sizeof p);
    p.batch = nb, p.dim = c.D, p.dstate = c.N, p.ngroups = c.G, p.pool = pool;
    p.delta_softplus = c.softplus;
    p.io_dtype = OT_F64;
    p.state = ot_view(state), p.x = ot_view(x), p.delta = ot_view(dl), p.A = ot_view(s.A), p.B = ot_view(Bt);
    p.C = ot_view(Ct), p.D = ot_view(s.Dv), p.z = ot_view(z), p.delta_bias = ot_view(s.bias), p.idx = ot_view(idx);
    p.out = ot_view(out);
    for (int64_t t = 0; t < c.L; t++) {
        for (int64_t i = 0; i < nb; i++) {
            int64_t bi = i < c.b ? i : 0; /* padding rows get real-looking data */
            for (int64_t d = 0; d < c.D; d++) {
                ot_set(x, i, d, 0, 0, ot_get(s.u, bi, d, t, 0));
                ot_set(dl, i, d, 0, 0, ot_get(s.delta, bi, d, t, 0));
                if (z) ot_set(z, i, d, 0, 0, ot_get(s.z, bi, d, t, 0));
            }
            for (int64_t g = 0; g < c.G; g++)
                for (int64_t n = 0; n < c.N; n++) {
                    ot_set(Bt, i, g, n, 0, ot_get(s.B, bi, g, n, t));
                    ot_set(Ct, i, g, n, 0, ot_get(s.C, bi, g, n, t));
                }
        }
        ot_poison(out);
        ssmix_status st = ssmix_cpu_sscan_decode(NULL, &p);
        OT_EXPECT(st == SSMIX_SUCCESS, "decode status %d", (int)st);
        if (ot_check_written(out, "decode out")) return;
        for (int64_t i = 0; i < nb; i++)
            for (int64_t d = 0; d < c.D; d++) {
                if (i < c.b) ot_set(got, i, d, t, 0, ot_get(out, i, d, 0, 0));
                else OT_EXPECT(ot_get(out, i, d, 0, 0) == 0.0, "padding row %lld: out[%lld] = %g, expected 0", (long long)i,
                               (long long)d, ot_get(out, i, d, 0, 0));
            }
    }
    for (int64_t i = 0; i < c.b; i++)
        for (int64_t d = 0; d < c.D; d++)
            for (int64_t n = 0; n < c.N; n++) ot_set(gotlast, i, d, n, 0, ot_get(state, slot[i], d, n, 0));
    ot_compare("decode out vs scan", got, s.out, TIGHT);
    ot_compare("decode state vs scan last_state", gotlast, s.last, TIGHT);
    /* slots no row uses are untouched */
    int64_t changed = 0;
    for (int64_t q = 0; q < pool; q++) {
        int used = 0;
        for (int64_t i = 0; i < c.b; i++) used |= slot[i] == q;
        if (used) continue;
        for (int64_t d = 0; d < c.D; d++)
            for (int64_t n = 0; n < c.N; n++) changed += ot_get(state, q, d, n, 0) != ot_get(state0, q, d, n, 0);
    }
    OT_EXPECT(changed == 0, "%lld elements of unused pool slots changed", (long long)changed);
    OT_EXPECT(ot_check_written(state, "state") == 0, "state guards");
}

/* ---------------------------------------------------------------- 5. constant == per-token */
static void test_const(const sc_cfg *c0, uint64_t seed)
{
    sc_cfg cc = *c0, cp = *c0;
    cc.bconst = cc.cconst = 1;
    cp.bconst = cp.cconst = 0;
    cc.G = cp.G = c0->D; /* per-token with one group per channel */
    ot_rng r;
    ot_rng_seed(&r, seed);
    sc_t a, p;
    sc_alloc(&a, &cc);
    sc_alloc(&p, &cp);
    sc_randomize(&a, &cc, &r);
    ot_set_case("const vs per-token %s", cfg_str(&cc));
    ot_tensor *pin[] = {p.u, p.delta, p.A, p.Dv, p.z, p.bias, p.init, p.dout, p.dlast};
    ot_tensor *ain[] = {a.u, a.delta, a.A, a.Dv, a.z, a.bias, a.init, a.dout, a.dlast};
    for (int i = 0; i < 9; i++)
        if (pin[i]) ot_copy(pin[i], ain[i]);
    for (int64_t b = 0; b < cc.b; b++)
        for (int64_t d = 0; d < cc.D; d++)
            for (int64_t n = 0; n < cc.N; n++)
                for (int64_t t = 0; t < cc.L; t++) {
                    ot_set(p.B, b, d, n, t, ot_get(a.B, d, n, 0, 0));
                    ot_set(p.C, b, d, n, t, ot_get(a.C, d, n, 0, 0));
                }
    if (sc_forward(&a, &cc) || sc_backward(&a, &cc) || sc_forward(&p, &cp) || sc_backward(&p, &cp)) return;
    ot_compare("out", a.out, p.out, TIGHT);
    ot_compare("last_state", a.last, p.last, TIGHT);
    ot_compare("du", a.du, p.du, TIGHT);
    ot_compare("ddelta", a.ddelta, p.ddelta, TIGHT);
    ot_compare("dA", a.dA, p.dA, TIGHT);
    ot_tensor *dB = ot_clone(a.dB, OT_F64, &OT_PACKED), *dC = ot_clone(a.dC, OT_F64, &OT_PACKED);
    ot_fill(dB, 0.0);
    ot_fill(dC, 0.0);
    for (int64_t b = 0; b < cc.b; b++)
        for (int64_t d = 0; d < cc.D; d++)
            for (int64_t n = 0; n < cc.N; n++)
                for (int64_t t = 0; t < cc.L; t++) {
                    ot_set(dB, d, n, 0, 0, ot_get(dB, d, n, 0, 0) + ot_get(p.dB, b, d, n, t));
                    ot_set(dC, d, n, 0, 0, ot_get(dC, d, n, 0, 0) + ot_get(p.dC, b, d, n, t));
                }
    ot_compare("constant dB = sum of per-token dB", a.dB, dB, TIGHT);
    ot_compare("constant dC = sum of per-token dC", a.dC, dC, TIGHT);
}

/* ---------------------------------------------------------------- 6. layouts and dtypes */
static void test_layout(const sc_cfg *c0, ssmix_dtype io, uint64_t seed)
{
    sc_cfg ref = *c0, lo = *c0;
    ref.io = OT_F64;
    ref.lay = &OT_PACKED;
    lo.io = io;
    lo.lay = &OT_GUARDED;
    ot_rng r;
    ot_rng_seed(&r, seed);
    sc_t a, s;
    sc_alloc(&a, &lo);
    sc_alloc(&s, &ref);
    sc_randomize(&a, &lo, &r); /* values rounded to the I/O dtype */
    ot_set_case("layout %s", cfg_str(&lo));
    ot_tensor *ain[] = {a.u, a.delta, a.A, a.B, a.C, a.Dv, a.z, a.bias, a.init, a.dout, a.dlast};
    ot_tensor *sin[] = {s.u, s.delta, s.A, s.B, s.C, s.Dv, s.z, s.bias, s.init, s.dout, s.dlast};
    for (int i = 0; i < 11; i++)
        if (ain[i]) ot_copy(sin[i], ain[i]);
    if (sc_forward(&a, &lo) || sc_backward(&a, &lo) || sc_forward(&s, &ref) || sc_backward(&s, &ref)) return;
    /* every output was written (checked by the runners); values equal the f64 run to the output
     * dtype's rounding: one rounding of a double result */
    double ulps = 1.0;
    ot_compare_ulps("out", a.out, s.out, io, ulps);
    ot_compare_ulps("du", a.du, s.du, io, ulps);
    ot_compare_ulps("ddelta", a.ddelta, s.ddelta, io, ulps);
    ot_compare_ulps("dA", a.dA, s.dA, SSMIX_F32, ulps);
    ot_compare_ulps("dB", a.dB, s.dB, a.dB->dtype, ulps);
    ot_compare_ulps("dC", a.dC, s.dC, a.dC->dtype, ulps);
    if (a.last) ot_compare_ulps("last_state", a.last, s.last, SSMIX_F32, ulps);
    if (a.dinit) ot_compare_ulps("dinitial_state", a.dinit, s.dinit, SSMIX_F32, ulps);
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_sscan_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 1;

    /* 1. explicit sums */
    sc_cfg c = cfg_default(2, 4, 9, 3, 2);
    test_explicit(&c, seed++);
    c.softplus = 0;
    c.z = 0;
    test_explicit(&c, seed++);
    c = cfg_default(1, 3, 1, 5, 1);
    test_explicit(&c, seed++);
    c = cfg_default(2, 4, 6, 2, 2);
    c.bconst = 1;
    c.init = 0;
    test_explicit(&c, seed++);
    c.bconst = 0;
    c.cconst = 1;
    test_explicit(&c, seed++);

    /* 2. finite differences */
    c = cfg_default(2, 4, 7, 3, 2);
    test_fd(&c, seed++);
    c.softplus = 0;
    c.dlast = 0;
    test_fd(&c, seed++);
    c = cfg_default(1, 2, 5, 2, 1);
    c.bconst = 1;
    test_fd(&c, seed++);
    c.bconst = 0;
    c.cconst = 1;
    c.z = 0;
    test_fd(&c, seed++);
    c = cfg_default(2, 3, 4, 4, 3);
    c.Dv = c.bias = c.init = 0;
    test_fd(&c, seed++);

    /* 3. chaining */
    c = cfg_default(2, 4, 20, 3, 2);
    test_chain(&c, 1, seed++);
    test_chain(&c, 10, seed++);
    test_chain(&c, 19, seed++);
    c.init = c.dlast = 0;
    c.bconst = 1;
    test_chain(&c, 7, seed++);
    c.bconst = 0;
    c.cconst = 1;
    test_chain(&c, 13, seed++);

    /* 4. decode == scan */
    c = cfg_default(3, 4, 12, 5, 2);
    test_decode(&c, 0, seed++);
    test_decode(&c, 1, seed++);
    c.softplus = c.z = c.Dv = c.bias = c.init = 0;
    test_decode(&c, 1, seed++);

    /* 5. constant B/C == per-token */
    c = cfg_default(2, 3, 11, 4, 1);
    test_const(&c, seed++);
    c.init = c.z = 0;
    test_const(&c, seed++);

    /* 6. layouts and dtypes */
    c = cfg_default(2, 4, 13, 5, 2);
    test_layout(&c, SSMIX_F32, seed++);
    test_layout(&c, SSMIX_F16, seed++);
    test_layout(&c, SSMIX_BF16, seed++);
    c.bconst = 1;
    test_layout(&c, SSMIX_F32, seed++);
    return ot_n_failures != failures_before;
}
