/*
 * Oracle self-test 2: the mixer (OPS.md section 2) as a composition of causal SSD oracle calls.
 *
 * Forward:  yf = SSD(x, dt_f, B_f, C_f; init_f),  yb = flip(SSD(flip x, flip dt_b, flip B_b, flip C_b; init_b))
 *   Hydra:      y[t] = yf[t-1] (t >= 1) + yb[t+1] (t <= L-2) + diag x[t]
 *   Bi-Mamba2:  y[t] = yf[t] + yb[t] + diag x[t]
 *   out = y * silu(z) when gated.
 * Backward: g = dout * silu(z); the SSD calls get the adjoint of the shifts as their dout
 * (Hydra: dout_f[t] = g[t+1], dout_b[t] = g[t-1]; Bi-Mamba2: g for both), and
 *   dx = dx_f + flip(dx_b') + diag g,  ddt_b = flip(ddt_b'), dB_b, dC_b likewise,
 *   dA, ddt_bias summed over both calls, dinit per call, dD / ddelta = sums of g x,
 *   dz = dout y sigma(z) (1 + z (1 - sigma(z))); shared directions: the two gradients summed.
 * Flipped inputs are built by copying reversed arrays. Everything in double; tolerance 1e-12.
 * For Bi-Mamba2 with D, one variant passes D into the forward-direction SSD call instead.
 */
#include <math.h>
#include <string.h>

#include "oracle_cases.h"
#include "ref.h"
#include "oracle_selfcheck.h"

static const ot_tol TOL = {1e-12, 1e-12, 0.0};

/* dst[b][L-1-t][..] = src[b][t][..] (time is logical dim 1) */
static void flip_time(ot_tensor *dst, const ot_tensor *src)
{
    int64_t L = src->shape[1];
    for (int64_t i = 0, n = ot_numel(src); i < n; i++) {
        int64_t idx[4];
        ot_unravel(src, i, idx);
        double v = ot_get(src, idx[0], idx[1], idx[2], idx[3]);
        ot_set(dst, idx[0], L - 1 - idx[1], idx[2], idx[3], v);
    }
}

static double diag_of(const qs_t *s, const qs_cfg *c, int64_t b, int64_t t, int64_t h, int64_t p)
{
    if (c->diag == 1) return ot_get(s->D, h, 0, 0, 0);
    if (c->diag == 2) return ot_get(s->D, h, p, 0, 0);
    if (c->diag == 3) return ot_get(s->delta, b, t, h, 0);
    return 0.0;
}

static void run_case(const qs_cfg *c, int d_in_ssd, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    qs_t q;
    qs_alloc(&q, c);
    qs_randomize(&q, c, &r);
    ot_set_case("seed %llu %s%s", (unsigned long long)seed, qs_cfg_str(c), d_in_ssd ? " D-in-ssd" : "");
    int hydra = c->mode == SSMIX_QSMIX_HYDRA;
    int pass_d = d_in_ssd && !hydra && (c->diag == 1 || c->diag == 2);
    int64_t b = c->b, L = c->L, H = c->H, P = c->P;

    if (qs_run_forward(&q, c) || qs_run_backward(&q, c)) return;

    /* the two causal SSD problems */
    ssd_cfg sc[2];
    ssd_t s[2];
    for (int d = 0; d < 2; d++) {
        ssd_cfg_init(&sc[d], b, L, H, c->G, P, c->N);
        sc[d].Q = c->Q, sc[d].softplus = c->softplus, sc[d].dt_min = c->dt_min, sc[d].dt_max = c->dt_max;
        sc[d].D = (d == 0 && pass_d) ? c->diag : 0;
        sc[d].bias = c->bias, sc[d].init = q.init[d] != NULL, sc[d].final = 0, sc[d].dfinal = 0;
        ssd_alloc(&s[d], &sc[d]);
        ot_copy(s[d].A, q.A);
        if (c->bias) ot_copy(s[d].bias, q.bias);
        if (q.init[d]) ot_copy(s[d].init, q.init[d]);
    }
    if (pass_d) ot_copy(s[0].D, q.D);
    ot_copy(s[0].x, q.x), ot_copy(s[0].dt, q.dt[0]), ot_copy(s[0].B, q.B[0]), ot_copy(s[0].C, q.C[0]);
    flip_time(s[1].x, q.x), flip_time(s[1].dt, q.dt[1]), flip_time(s[1].B, q.B[1]), flip_time(s[1].C, q.C[1]);
    if (ssd_run_forward(&s[0], &sc[0]) || ssd_run_forward(&s[1], &sc[1])) return;
    ot_tensor *yf = s[0].out, *yb = ot_zeros_like(q.x);
    flip_time(yb, s[1].out);

    /* composed forward and the gate's backward */
    ot_tensor *y = ot_zeros_like(q.x), *out = ot_zeros_like(q.x), *g = ot_zeros_like(q.x);
    ot_tensor *dz = c->z ? ot_zeros_like(q.x) : NULL;
    for (int64_t bi = 0; bi < b; bi++)
        for (int64_t t = 0; t < L; t++)
            for (int64_t h = 0; h < H; h++)
                for (int64_t p = 0; p < P; p++) {
                    double v;
                    if (hydra)
                        v = (t >= 1 ? ot_get(yf, bi, t - 1, h, p) : 0.0) + (t + 1 < L ? ot_get(yb, bi, t + 1, h, p) : 0.0);
                    else
                        v = ot_get(yf, bi, t, h, p) + ot_get(yb, bi, t, h, p);
                    if (!pass_d) v += diag_of(&q, c, bi, t, h, p) * ot_get(q.x, bi, t, h, p);
                    ot_set(y, bi, t, h, p, v);
                    double dout = ot_get(q.dout, bi, t, h, p), o = v, gv = dout;
                    if (c->z) {
                        double zv = ot_get(q.z, bi, t, h, p), sg = ot_sigmoid(zv);
                        o = v * zv * sg;
                        gv = dout * zv * sg;
                        ot_set(dz, bi, t, h, p, dout * v * sg * (1.0 + zv * (1.0 - sg)));
                    }
                    ot_set(out, bi, t, h, p, o);
                    ot_set(g, bi, t, h, p, gv);
                }
    int bad = ot_compare("out", q.out, out, TOL);

    /* adjoint of the shifts -> dout of the SSD calls */
    ot_tensor *gb = ot_zeros_like(q.x);
    for (int64_t bi = 0; bi < b; bi++)
        for (int64_t t = 0; t < L; t++)
            for (int64_t h = 0; h < H; h++)
                for (int64_t p = 0; p < P; p++) {
                    double gf, gbv;
                    if (hydra) {
                        gf = t + 1 < L ? ot_get(g, bi, t + 1, h, p) : 0.0;
                        gbv = t >= 1 ? ot_get(g, bi, t - 1, h, p) : 0.0;
                    } else {
                        gf = gbv = ot_get(g, bi, t, h, p);
                    }
                    ot_set(s[0].dout, bi, t, h, p, gf);
                    ot_set(gb, bi, t, h, p, gbv);
                }
    flip_time(s[1].dout, gb);
    if (ssd_run_backward(&s[0], &sc[0]) || ssd_run_backward(&s[1], &sc[1])) return;

    /* composed gradients */
    ot_tensor *dx = ot_zeros_like(q.x), *tmp = ot_zeros_like(q.x);
    ot_add_into(dx, s[0].dx);
    flip_time(tmp, s[1].dx);
    ot_add_into(dx, tmp);
    ot_tensor *dD = q.dD ? ot_zeros_like(q.dD) : NULL, *ddelta = q.ddelta ? ot_zeros_like(q.ddelta) : NULL;
    for (int64_t bi = 0; bi < b; bi++)
        for (int64_t t = 0; t < L; t++)
            for (int64_t h = 0; h < H; h++)
                for (int64_t p = 0; p < P; p++) {
                    double gv = ot_get(g, bi, t, h, p), xv = ot_get(q.x, bi, t, h, p);
                    if (!pass_d)
                        ot_set(dx, bi, t, h, p, ot_get(dx, bi, t, h, p) + diag_of(&q, c, bi, t, h, p) * gv);
                    if (c->diag == 1 && !pass_d) ot_set(dD, h, 0, 0, 0, ot_get(dD, h, 0, 0, 0) + gv * xv);
                    if (c->diag == 2 && !pass_d) ot_set(dD, h, p, 0, 0, ot_get(dD, h, p, 0, 0) + gv * xv);
                    if (c->diag == 3) ot_set(ddelta, bi, t, h, 0, ot_get(ddelta, bi, t, h, 0) + gv * xv);
                }
    if (pass_d) ot_copy(dD, s[0].dD);

    ot_tensor *ddt[2], *dB[2], *dC[2];
    ddt[0] = ot_zeros_like(q.dt[0]), dB[0] = ot_zeros_like(q.B[0]), dC[0] = ot_zeros_like(q.C[0]);
    ddt[1] = ot_zeros_like(q.dt[0]), dB[1] = ot_zeros_like(q.B[0]), dC[1] = ot_zeros_like(q.C[0]);
    ot_copy(ddt[0], s[0].ddt), ot_copy(dB[0], s[0].dB), ot_copy(dC[0], s[0].dC);
    flip_time(ddt[1], s[1].ddt), flip_time(dB[1], s[1].dB), flip_time(dC[1], s[1].dC);
    if (c->shared) ot_add_into(ddt[0], ddt[1]), ot_add_into(dB[0], dB[1]), ot_add_into(dC[0], dC[1]);
    ot_tensor *dA = ot_zeros_like(q.A);
    ot_add_into(dA, s[0].dA), ot_add_into(dA, s[1].dA);
    ot_tensor *dbias = NULL;
    if (c->bias) {
        dbias = ot_zeros_like(q.bias);
        ot_add_into(dbias, s[0].dbias), ot_add_into(dbias, s[1].dbias);
    }

    bad |= ot_compare("dx", q.dx, dx, TOL);
    bad |= ot_compare("dA", q.dA, dA, TOL);
    if (dbias) bad |= ot_compare("ddt_bias", q.dbias, dbias, TOL);
    if (dD) bad |= ot_compare("dD", q.dD, dD, TOL);
    if (ddelta) bad |= ot_compare("ddelta", q.ddelta, ddelta, TOL);
    if (dz) bad |= ot_compare("dz", q.dz, dz, TOL);
    bad |= ot_compare("ddt_f", q.ddt[0], ddt[0], TOL);
    bad |= ot_compare("dB_f", q.dB[0], dB[0], TOL);
    bad |= ot_compare("dC_f", q.dC[0], dC[0], TOL);
    if (!c->shared) {
        bad |= ot_compare("ddt_b", q.ddt[1], ddt[1], TOL);
        bad |= ot_compare("dB_b", q.dB[1], dB[1], TOL);
        bad |= ot_compare("dC_b", q.dC[1], dC[1], TOL);
    }
    if (q.dinit[0]) bad |= ot_compare("dinit_f", q.dinit[0], s[0].dinit, TOL);
    if (q.dinit[1]) bad |= ot_compare("dinit_b", q.dinit[1], s[1].dinit, TOL);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_compose_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 2000;
    for (int mode = 0; mode < 2; mode++)
        for (int shared = 0; shared < 2; shared++)
            for (int diag = 0; diag < 4; diag++) {
                qs_cfg c;
                qs_cfg_init(&c, (ssmix_qsmix_mode)mode, 2, 7 + 2 * diag, 4, 2, 3, 5);
                c.shared = shared, c.diag = diag;
                c.z = (diag + shared + mode) % 2;
                c.bias = diag != 1;
                c.init_f = (diag + mode) % 2 == 0 || shared;
                c.init_b = diag >= 2 || shared;
                c.softplus = diag != 2;
                if (diag == 2) c.dt_min = 1e-3f, c.dt_max = 0.1f;
                if (diag == 3) c.dt_min = 0.05f, c.dt_max = 0.5f, c.dt_special = OT_DT_SPREAD;
                run_case(&c, 0, seed++);
                if (mode == SSMIX_QSMIX_BIMAMBA2 && (diag == 1 || diag == 2)) run_case(&c, 1, seed++);
            }
    for (int mode = 0; mode < 2; mode++) {
        qs_cfg c;
        qs_cfg_init(&c, (ssmix_qsmix_mode)mode, 1, 1, 2, 1, 2, 3); /* L = 1: no off-diagonal at all */
        c.init_f = c.init_b = 1, c.z = 1, c.bias = 1;
        run_case(&c, 0, seed++);
        qs_cfg_init(&c, (ssmix_qsmix_mode)mode, 2, 2, 2, 2, 2, 3); /* L = 2 */
        c.init_f = c.init_b = 1, c.diag = 3, c.z = 1;
        run_case(&c, 0, seed++);
        qs_cfg_init(&c, (ssmix_qsmix_mode)mode, 2, 50, 8, 2, 4, 8); /* longer, G < H */
        c.init_f = c.init_b = 1, c.z = 1, c.bias = 1, c.diag = 2, c.Q = 16;
        run_case(&c, 0, seed++);
        c.shared = 1, c.diag = 3, c.dt_special = OT_DT_NEAR20;
        run_case(&c, 0, seed++);
    }
    for (int k = 0; k < 24; k++) { /* random sweep over sizes and options */
        ot_rng cr;
        ot_rng_seed(&cr, 92000 + (uint64_t)k);
        qs_cfg c;
        qs_cfg_random(&c, &cr, 40, 5, 9);
        run_case(&c, k % 3 == 0, seed++);
    }
    return ot_n_failures != failures_before;
}
