#include "oracle_cases.h"

#include <math.h>
#include <string.h>

#include "ref.h"

/* Memory orders used by the "permuted" layouts (outermost first). */
static const int PERM_X[4] = {0, 2, 3, 1};     /* x: [b][h][p][t] (non-unit stride of p) */
static const int PERM_Z[4] = {0, 2, 1, 3};     /* z: [b][h][t][p] */
static const int PERM_DOUT[4] = {0, 3, 1, 2};  /* dout: [b][p][t][h] */
static const int PERM_ACT[4] = {1, 0, 2, 3};   /* out dx dz: [t][b][h][p] */
static const int PERM_DT[3] = {2, 0, 1};       /* dt: [h][b][t] */
static const int PERM_BC[4] = {2, 3, 0, 1};    /* B C: [g][n][b][t] */
static const int PERM_ST[4] = {0, 1, 3, 2};    /* states: [b][h][n][p] */
static const int PERM_2D[2] = {1, 0};          /* D (H,P): [p][h]; seq_idx [t][b] */

static ot_tensor *mk(ssmix_dtype dt, int out, int permuted, const int *perm, int ndim, int64_t s0,
                     int64_t s1, int64_t s2, int64_t s3)
{
    int64_t shape[4] = {s0, s1, s2, s3};
    ot_layout l = {permuted ? perm : NULL, out, 0};
    return ot_new(dt, ndim, shape, &l);
}

/* ---------------------------------------------------------------- generators */

double ot_delta(double dt, double bias, int softplus, double dt_min, double dt_max)
{
    double v = dt + bias;
    double d1 = softplus ? ot_softplus_thr(v) : v;
    if (d1 < dt_min) d1 = dt_min;
    if (d1 > dt_max) d1 = dt_max;
    return d1;
}

static int near_kink(double v, int softplus, double dt_min, double dt_max, double m)
{
    double d1 = softplus ? ot_softplus_thr(v) : v;
    if (softplus && fabs(v - 20.0) < m) return 1;
    /* softplus output is > 0, so the default lower bound 0 is never a kink there */
    if ((!softplus || dt_min > 0) && fabs(d1 - dt_min) < m) return 1;
    if (isfinite(dt_max) && fabs(d1 - dt_max) < m) return 1;
    return 0;
}

void ot_gen_dt(ot_tensor *dt, const ot_tensor *bias, int softplus, float dt_min, float dt_max,
               int special, double margin, ot_rng *r)
{
    for (int64_t b = 0; b < dt->shape[0]; b++)
        for (int64_t t = 0; t < dt->shape[1]; t++)
            for (int64_t h = 0; h < dt->shape[2]; h++) {
                double bv = bias ? ot_get(bias, h, 0, 0, 0) : 0.0;
                double v;
                if (special == OT_DT_NEAR20 && ot_uniform(r) < 0.4) {
                    /* v = dt + bias a little above or below the softplus threshold 20 */
                    double off = 0.05 + 0.5 * ot_uniform(r);
                    v = ot_uniform(r) < 0.5 ? 20.0 + off : 20.0 - off;
                    v -= bv;
                } else if (special == OT_DT_SPREAD) {
                    v = softplus ? ot_normal(r) * 1.2 - 1.5 : -0.1 + 0.9 * ot_uniform(r);
                } else {
                    v = softplus ? ot_normal(r) * 0.5 - 2.0 : ot_softplus_thr(ot_normal(r) - 4.0);
                }
                if (margin > 0) {
                    int guard = 0;
                    while (near_kink(v + bv, softplus, dt_min, dt_max, margin) && guard++ < 1000)
                        v += 1.5 * margin;
                }
                ot_set(dt, b, t, h, 0, v);
            }
}

void ot_gen_seq(ot_tensor *seq, ot_rng *r)
{
    for (int64_t b = 0; b < seq->shape[0]; b++) {
        int id = ot_uniform(r) < 0.25 ? 1 : 0;
        for (int64_t t = 0; t < seq->shape[1]; t++) {
            if (t > 0 && ot_uniform(r) < 0.25) id += ot_uniform(r) < 0.3 ? 2 : 1;
            ot_set(seq, b, t, 0, 0, id);
        }
    }
}

void ot_gen_A(ot_tensor *A, ot_rng *r)
{
    for (int64_t h = 0; h < ot_numel(A); h++) ot_setl(A, h, -exp(ot_uniform(r)));
}

double ot_dot(const ot_tensor *a, const ot_tensor *b)
{
    double s = 0.0;
    for (int64_t i = 0, n = ot_numel(a); i < n; i++) s += ot_getl(a, i) * ot_getl(b, i);
    return s;
}

/* ---------------------------------------------------------------- SSD */

void ssd_cfg_init(ssd_cfg *c, int64_t b, int64_t L, int64_t H, int64_t G, int64_t P, int64_t N)
{
    memset(c, 0, sizeof *c);
    c->b = b, c->L = L, c->H = H, c->G = G, c->P = P, c->N = N;
    c->Q = 4;
    c->softplus = 1;
    c->dt_min = 0.0f;
    c->dt_max = INFINITY;
    c->D = 1;
    c->final = 1;
    c->io = OT_F64;
    c->st = OT_F64;
}

static const char *dtn(ssmix_dtype d)
{
    switch (d) {
    case SSMIX_F32: return "f32";
    case SSMIX_F16: return "f16";
    case SSMIX_BF16: return "bf16";
    default: return "f64";
    }
}

const char *ssd_cfg_str(const ssd_cfg *c)
{
    static char buf[320];
    snprintf(buf, sizeof buf,
             "ssd b%lld L%lld H%lld G%lld P%lld N%lld Q%lld sp%d lim(%g,%g) D%d z%d bias%d init%d "
             "seq%d final%d dfinal%d dt%d perm%d io=%s st=%s",
             (long long)c->b, (long long)c->L, (long long)c->H, (long long)c->G, (long long)c->P,
             (long long)c->N, (long long)c->Q, c->softplus, c->dt_min, c->dt_max, c->D, c->z, c->bias,
             c->init, c->seq, c->final, c->dfinal, c->dt_special, c->permuted, dtn(c->io), dtn(c->st));
    return buf;
}

void ssd_alloc(ssd_t *s, const ssd_cfg *c)
{
    memset(s, 0, sizeof *s);
    int pm = c->permuted;
    int64_t b = c->b, L = c->L, H = c->H, P = c->P, N = c->N, G = c->G;
    s->x = mk(c->io, 0, pm, PERM_X, 4, b, L, H, P);
    s->dt = mk(c->io, 0, pm, PERM_DT, 3, b, L, H, 1);
    s->A = mk(c->st, 0, 0, NULL, 1, H, 1, 1, 1);
    s->B = mk(c->io, 0, pm, PERM_BC, 4, b, L, G, N);
    s->C = mk(c->io, 0, pm, PERM_BC, 4, b, L, G, N);
    if (c->D == 1) s->D = mk(c->st, 0, 0, NULL, 1, H, 1, 1, 1);
    if (c->D == 2) s->D = mk(c->st, 0, pm, PERM_2D, 2, H, P, 1, 1);
    if (c->z) s->z = mk(c->io, 0, pm, PERM_Z, 4, b, L, H, P);
    if (c->bias) s->bias = mk(c->st, 0, 0, NULL, 1, H, 1, 1, 1);
    if (c->init) s->init = mk(c->st, 0, pm, PERM_ST, 4, b, H, P, N);
    if (c->seq) s->seq = mk(SSMIX_I32, 0, pm, PERM_2D, 2, b, L, 1, 1);
    s->out = mk(c->io, 1, pm, PERM_ACT, 4, b, L, H, P);
    if (c->final) s->final = mk(c->st, 1, pm, PERM_ST, 4, b, H, P, N);
    s->dout = mk(c->io, 0, pm, PERM_DOUT, 4, b, L, H, P);
    if (c->dfinal) s->dfinal = mk(c->st, 0, pm, PERM_ST, 4, b, H, P, N);
    s->dx = mk(c->io, 1, pm, PERM_ACT, 4, b, L, H, P);
    s->ddt = mk(c->io, 1, pm, PERM_DT, 3, b, L, H, 1);
    s->dA = mk(c->st, 1, 0, NULL, 1, H, 1, 1, 1);
    s->dB = mk(c->io, 1, pm, PERM_BC, 4, b, L, G, N);
    s->dC = mk(c->io, 1, pm, PERM_BC, 4, b, L, G, N);
    if (c->D == 1) s->dD = mk(c->st, 1, 0, NULL, 1, H, 1, 1, 1);
    if (c->D == 2) s->dD = mk(c->st, 1, pm, PERM_2D, 2, H, P, 1, 1);
    if (c->z) s->dz = mk(c->io, 1, pm, PERM_ACT, 4, b, L, H, P);
    if (c->bias) s->dbias = mk(c->st, 1, 0, NULL, 1, H, 1, 1, 1);
    if (c->init) s->dinit = mk(c->st, 1, pm, PERM_ST, 4, b, H, P, N);
}

void ssd_randomize(ssd_t *s, const ssd_cfg *c, ot_rng *r)
{
    ot_fill_normal(s->x, r, 1, 0);
    ot_fill_normal(s->B, r, 1, 0);
    ot_fill_normal(s->C, r, 1, 0);
    ot_gen_A(s->A, r);
    if (s->D) ot_fill_normal(s->D, r, 1, 0);
    if (s->z) ot_fill_normal(s->z, r, 1, 0);
    if (s->bias) ot_fill_normal(s->bias, r, c->softplus ? 1.0 : 0.1, 0);
    if (s->init) ot_fill_normal(s->init, r, 1, 0);
    if (s->seq) ot_gen_seq(s->seq, r);
    ot_gen_dt(s->dt, s->bias, c->softplus, c->dt_min, c->dt_max, c->dt_special, c->kink_margin, r);
    ot_fill_normal(s->dout, r, 1, 0);
    if (s->dfinal) ot_fill_normal(s->dfinal, r, 1, 0);
}

void ssd_problem(const ssd_t *s, const ssd_cfg *c, ssmix_ssd_problem *p, int pass)
{
    memset(p, 0, sizeof *p);
    p->batch = c->b, p->seqlen = c->L, p->nheads = c->H, p->headdim = c->P, p->dstate = c->N;
    p->ngroups = c->G, p->chunk_size = c->Q;
    p->dt_softplus = c->softplus;
    p->dt_min = c->dt_min, p->dt_max = c->dt_max;
    p->d_per_channel = c->D == 2;
    p->io_dtype = c->io;
    p->x = ot_view(s->x), p->dt = ot_view(s->dt), p->A = ot_view(s->A), p->B = ot_view(s->B);
    p->C = ot_view(s->C), p->D = ot_view(s->D), p->z = ot_view(s->z), p->dt_bias = ot_view(s->bias);
    p->init = ot_view(s->init), p->seq_idx = ot_view(s->seq);
    if (pass == 0) {
        p->out = ot_view(s->out);
        p->final_states = ot_view(s->final);
    } else {
        p->dout = ot_view(s->dout), p->dfinal = ot_view(s->dfinal);
        p->dx = ot_view(s->dx), p->ddt = ot_view(s->ddt), p->dA = ot_view(s->dA);
        p->dB = ot_view(s->dB), p->dC = ot_view(s->dC), p->dD = ot_view(s->dD);
        p->dz = ot_view(s->dz), p->ddt_bias = ot_view(s->dbias), p->dinit = ot_view(s->dinit);
    }
}

static void poison(ot_tensor *t)
{
    if (t) ot_poison(t);
}

static int written(const ot_tensor *t, const char *name)
{
    return t ? ot_check_written(t, name) != 0 : 0;
}

int ssd_run_forward(ssd_t *s, const ssd_cfg *c)
{
    ssmix_ssd_problem p;
    poison(s->out);
    poison(s->final);
    ssd_problem(s, c, &p, 0);
    ssmix_status st = ssmix_ref_ssd_forward(&p);
    OT_EXPECT(st == SSMIX_SUCCESS, "ssmix_ref_ssd_forward returned %d", (int)st);
    if (st != SSMIX_SUCCESS) return 1;
    return written(s->out, "out") + written(s->final, "final_states");
}

int ssd_run_backward(ssd_t *s, const ssd_cfg *c)
{
    ssmix_ssd_problem p;
    ot_tensor *outs[] = {s->dx, s->ddt, s->dA, s->dB, s->dC, s->dD, s->dz, s->dbias, s->dinit};
    const char *names[] = {"dx", "ddt", "dA", "dB", "dC", "dD", "dz", "ddt_bias", "dinitial_states"};
    for (int i = 0; i < 9; i++) poison(outs[i]);
    ssd_problem(s, c, &p, 1);
    ssmix_status st = ssmix_ref_ssd_backward(&p);
    OT_EXPECT(st == SSMIX_SUCCESS, "ssmix_ref_ssd_backward returned %d", (int)st);
    if (st != SSMIX_SUCCESS) return 1;
    int bad = 0;
    for (int i = 0; i < 9; i++) bad += written(outs[i], names[i]);
    return bad;
}

double ssd_loss(const ssd_t *s)
{
    double l = ot_dot(s->dout, s->out);
    if (s->dfinal && s->final) l += ot_dot(s->dfinal, s->final);
    return l;
}

/* ---------------------------------------------------------------- quasiseparable mixer */

void qs_cfg_init(qs_cfg *c, ssmix_qsmix_mode mode, int64_t b, int64_t L, int64_t H, int64_t G,
                 int64_t P, int64_t N)
{
    memset(c, 0, sizeof *c);
    c->mode = mode;
    c->b = b, c->L = L, c->H = H, c->G = G, c->P = P, c->N = N;
    c->Q = 4;
    c->softplus = 1;
    c->dt_min = 0.0f;
    c->dt_max = INFINITY;
    c->diag = 1;
    c->io = OT_F64;
    c->st = OT_F64;
}

const char *qs_cfg_str(const qs_cfg *c)
{
    static char buf[320];
    snprintf(buf, sizeof buf,
             "qsmix %s b%lld L%lld H%lld G%lld P%lld N%lld Q%lld sp%d lim(%g,%g) diag%d z%d bias%d "
             "init%d%d shared%d dt%d perm%d io=%s st=%s",
             c->mode == SSMIX_QSMIX_HYDRA ? "hydra" : "bimamba2", (long long)c->b, (long long)c->L,
             (long long)c->H, (long long)c->G, (long long)c->P, (long long)c->N, (long long)c->Q,
             c->softplus, c->dt_min, c->dt_max, c->diag, c->z, c->bias, c->init_f, c->init_b,
             c->shared, c->dt_special, c->permuted, dtn(c->io), dtn(c->st));
    return buf;
}

void qs_alloc(qs_t *s, const qs_cfg *c)
{
    memset(s, 0, sizeof *s);
    int pm = c->permuted;
    int64_t b = c->b, L = c->L, H = c->H, P = c->P, N = c->N, G = c->G;
    s->x = mk(c->io, 0, pm, PERM_X, 4, b, L, H, P);
    s->A = mk(c->st, 0, 0, NULL, 1, H, 1, 1, 1);
    if (c->bias) s->bias = mk(c->st, 0, 0, NULL, 1, H, 1, 1, 1);
    int ndir = c->shared ? 1 : 2;
    for (int d = 0; d < ndir; d++) {
        s->dt[d] = mk(c->io, 0, pm, PERM_DT, 3, b, L, H, 1);
        s->B[d] = mk(c->io, 0, pm, PERM_BC, 4, b, L, G, N);
        s->C[d] = mk(c->io, 0, pm, PERM_BC, 4, b, L, G, N);
        s->ddt[d] = mk(c->io, 1, pm, PERM_DT, 3, b, L, H, 1);
        s->dB[d] = mk(c->io, 1, pm, PERM_BC, 4, b, L, G, N);
        s->dC[d] = mk(c->io, 1, pm, PERM_BC, 4, b, L, G, N);
    }
    if (c->shared) s->dt[1] = s->dt[0], s->B[1] = s->B[0], s->C[1] = s->C[0];
    if (c->diag == 1) s->D = mk(c->st, 0, 0, NULL, 1, H, 1, 1, 1);
    if (c->diag == 2) s->D = mk(c->st, 0, pm, PERM_2D, 2, H, P, 1, 1);
    if (c->diag == 3) s->delta = mk(c->io, 0, pm, PERM_DT, 3, b, L, H, 1);
    if (c->z) s->z = mk(c->io, 0, pm, PERM_Z, 4, b, L, H, P);
    if (c->init_f) s->init[0] = mk(c->st, 0, pm, PERM_ST, 4, b, H, P, N);
    if (c->init_b) s->init[1] = mk(c->st, 0, pm, PERM_ST, 4, b, H, P, N);
    s->out = mk(c->io, 1, pm, PERM_ACT, 4, b, L, H, P);
    s->dout = mk(c->io, 0, pm, PERM_DOUT, 4, b, L, H, P);
    s->dx = mk(c->io, 1, pm, PERM_ACT, 4, b, L, H, P);
    s->dA = mk(c->st, 1, 0, NULL, 1, H, 1, 1, 1);
    if (c->bias) s->dbias = mk(c->st, 1, 0, NULL, 1, H, 1, 1, 1);
    if (c->diag == 1) s->dD = mk(c->st, 1, 0, NULL, 1, H, 1, 1, 1);
    if (c->diag == 2) s->dD = mk(c->st, 1, pm, PERM_2D, 2, H, P, 1, 1);
    if (c->diag == 3) s->ddelta = mk(c->io, 1, pm, PERM_DT, 3, b, L, H, 1);
    if (c->z) s->dz = mk(c->io, 1, pm, PERM_ACT, 4, b, L, H, P);
    if (c->init_f) s->dinit[0] = mk(c->st, 1, pm, PERM_ST, 4, b, H, P, N);
    if (c->init_b) s->dinit[1] = mk(c->st, 1, pm, PERM_ST, 4, b, H, P, N);
}

void qs_randomize(qs_t *s, const qs_cfg *c, ot_rng *r)
{
    ot_fill_normal(s->x, r, 1, 0);
    ot_gen_A(s->A, r);
    if (s->bias) ot_fill_normal(s->bias, r, c->softplus ? 1.0 : 0.1, 0);
    int ndir = c->shared ? 1 : 2;
    for (int d = 0; d < ndir; d++) {
        ot_gen_dt(s->dt[d], s->bias, c->softplus, c->dt_min, c->dt_max, c->dt_special,
                  c->kink_margin, r);
        ot_fill_normal(s->B[d], r, 1, 0);
        ot_fill_normal(s->C[d], r, 1, 0);
    }
    if (s->D) ot_fill_normal(s->D, r, 1, 0);
    if (s->delta) ot_fill_normal(s->delta, r, 1, 0);
    if (s->z) ot_fill_normal(s->z, r, 1, 0);
    for (int d = 0; d < 2; d++)
        if (s->init[d]) ot_fill_normal(s->init[d], r, 1, 0);
    ot_fill_normal(s->dout, r, 1, 0);
}

void qs_problem(const qs_t *s, const qs_cfg *c, ssmix_qsmix_problem *p, int pass)
{
    memset(p, 0, sizeof *p);
    p->batch = c->b, p->seqlen = c->L, p->nheads = c->H, p->headdim = c->P, p->dstate = c->N;
    p->ngroups = c->G, p->chunk_size = c->Q;
    p->mode = c->mode;
    p->dt_softplus = c->softplus;
    p->dt_min = c->dt_min, p->dt_max = c->dt_max;
    p->d_per_channel = c->diag == 2;
    p->shared_dirs = c->shared;
    p->io_dtype = c->io;
    p->x = ot_view(s->x), p->A = ot_view(s->A), p->dt_bias = ot_view(s->bias);
    p->D = ot_view(s->D), p->delta = ot_view(s->delta), p->z = ot_view(s->z);
    for (int d = 0; d < 2; d++) {
        p->dt[d] = ot_view(s->dt[d]), p->B[d] = ot_view(s->B[d]), p->C[d] = ot_view(s->C[d]);
        p->init[d] = ot_view(s->init[d]);
    }
    if (pass == 0) {
        p->out = ot_view(s->out);
    } else {
        p->dout = ot_view(s->dout);
        p->dx = ot_view(s->dx), p->dA = ot_view(s->dA), p->ddt_bias = ot_view(s->dbias);
        p->dD = ot_view(s->dD), p->ddelta = ot_view(s->ddelta), p->dz = ot_view(s->dz);
        for (int d = 0; d < 2; d++) {
            p->ddt[d] = ot_view(s->ddt[d]), p->dB[d] = ot_view(s->dB[d]);
            p->dC[d] = ot_view(s->dC[d]), p->dinit[d] = ot_view(s->dinit[d]);
        }
    }
}

int qs_run_forward(qs_t *s, const qs_cfg *c)
{
    ssmix_qsmix_problem p;
    poison(s->out);
    qs_problem(s, c, &p, 0);
    ssmix_status st = ssmix_ref_qsmix_forward(&p);
    OT_EXPECT(st == SSMIX_SUCCESS, "ssmix_ref_qsmix_forward returned %d", (int)st);
    if (st != SSMIX_SUCCESS) return 1;
    return written(s->out, "out");
}

int qs_run_backward(qs_t *s, const qs_cfg *c)
{
    ssmix_qsmix_problem p;
    ot_tensor *outs[] = {s->dx,    s->dA,    s->dbias,  s->dD,    s->ddelta,   s->dz,      s->ddt[0],
                         s->dB[0], s->dC[0], s->ddt[1], s->dB[1], s->dC[1], s->dinit[0], s->dinit[1]};
    const char *names[] = {"dx",    "dA",    "ddt_bias", "dD",    "ddelta",  "dz",      "ddt_f",
                           "dB_f",  "dC_f",  "ddt_b",    "dB_b",  "dC_b",    "dinit_f", "dinit_b"};
    for (int i = 0; i < 14; i++) poison(outs[i]);
    qs_problem(s, c, &p, 1);
    ssmix_status st = ssmix_ref_qsmix_backward(&p);
    OT_EXPECT(st == SSMIX_SUCCESS, "ssmix_ref_qsmix_backward returned %d", (int)st);
    if (st != SSMIX_SUCCESS) return 1;
    int bad = 0;
    for (int i = 0; i < 14; i++) bad += written(outs[i], names[i]);
    return bad;
}

double qs_loss(const qs_t *s) { return ot_dot(s->dout, s->out); }

/* ---------------------------------------------------------------- random configurations */

static void random_sizes(ot_rng *r, int64_t maxL, int64_t maxP, int64_t maxN, int64_t *b, int64_t *L,
                         int64_t *H, int64_t *G, int64_t *P, int64_t *N)
{
    static const int64_t hs[6] = {1, 2, 3, 4, 6, 8};
    *H = hs[ot_randint(r, 6)];
    int64_t divs[8], nd = 0;
    for (int64_t g = 1; g <= *H; g++)
        if (*H % g == 0) divs[nd++] = g;
    *G = divs[ot_randint(r, (int)nd)];
    *b = 1 + ot_randint(r, 3);
    *L = 1 + ot_randint(r, (int)maxL);
    *P = 1 + ot_randint(r, (int)maxP);
    *N = 1 + ot_randint(r, (int)maxN);
}

static void random_dt_opts(ot_rng *r, int *softplus, float *dt_min, float *dt_max, int *special)
{
    *softplus = ot_uniform(r) < 0.7;
    *dt_min = 0.0f, *dt_max = INFINITY;
    int lim = ot_randint(r, 3);
    if (lim == 1) *dt_min = 1e-3f, *dt_max = 0.1f;
    if (lim == 2) *dt_min = 0.05f, *dt_max = 0.5f;
    *special = OT_DT_NORMAL;
    double u = ot_uniform(r);
    if (*softplus && lim == 0 && u < 0.3) *special = OT_DT_NEAR20;
    else if (u < 0.5) *special = OT_DT_SPREAD;
}

void ssd_cfg_random(ssd_cfg *c, ot_rng *r, int64_t maxL, int64_t maxP, int64_t maxN)
{
    int64_t b, L, H, G, P, N;
    random_sizes(r, maxL, maxP, maxN, &b, &L, &H, &G, &P, &N);
    ssd_cfg_init(c, b, L, H, G, P, N);
    c->Q = 1 + ot_randint(r, 64);
    random_dt_opts(r, &c->softplus, &c->dt_min, &c->dt_max, &c->dt_special);
    c->D = ot_randint(r, 3);
    c->z = ot_randint(r, 2);
    c->bias = ot_randint(r, 2);
    c->init = ot_randint(r, 2);
    c->seq = ot_randint(r, 2);
    c->dfinal = ot_randint(r, 2);
    c->final = c->dfinal || ot_randint(r, 2);
}

void qs_cfg_random(qs_cfg *c, ot_rng *r, int64_t maxL, int64_t maxP, int64_t maxN)
{
    int64_t b, L, H, G, P, N;
    random_sizes(r, maxL, maxP, maxN, &b, &L, &H, &G, &P, &N);
    qs_cfg_init(c, (ssmix_qsmix_mode)ot_randint(r, 2), b, L, H, G, P, N);
    c->Q = 1 + ot_randint(r, 64);
    random_dt_opts(r, &c->softplus, &c->dt_min, &c->dt_max, &c->dt_special);
    c->diag = ot_randint(r, 4);
    c->z = ot_randint(r, 2);
    c->bias = ot_randint(r, 2);
    c->init_f = ot_randint(r, 2);
    c->init_b = ot_randint(r, 2);
    c->shared = ot_randint(r, 2);
}
