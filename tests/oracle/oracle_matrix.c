/*
 * Oracle self-test 1: explicit matrices (OPS.md sections 1-2, L <= 64).
 *
 * The outputs of the CPU reference (computed by its sequential recurrences) are compared, in
 * double (SSMIX_INTERNAL_F64), with y = M x + Dterm built here directly from the inputs:
 *   causal SSD   M[i,j] = (C_i . B_j) Delta_j exp(A sum_{k=j+1..i} Delta_k), j <= i, same seq_idx;
 *                plus exp(A sum_{k=0..i} Delta_k) C_i . S0 for tokens of sequence id 0, then the gate;
 *                final state = sum_j exp(A sum_{k=j+1..L-1} Delta_k) Delta_j x_j B_j^T (+ decayed S0);
 *   Hydra        the strict shifted halves of section 2 plus the diagonal (D, D(H,P) or delta);
 *   Bi-Mamba2    M = Lf + J Lb' J + diag, shared or separate direction tensors;
 * with per-direction initial states entering as the zero-th "token" of each causal scan.
 * Nothing here calls the oracle to build the reference.
 */
#include <math.h>
#include <stdlib.h>

#include "oracle_cases.h"
#include "oracle_selfcheck.h"

static const ot_tol TOL = {1e-12, 1e-12, 0.0};

/* sum_{k=lo..hi} d[k] (0 for an empty range) */
static double range_sum(const double *d, int64_t lo, int64_t hi)
{
    double s = 0.0;
    for (int64_t k = lo; k <= hi; k++) s += d[k];
    return s;
}

static double dot_bc(const ot_tensor *X, int64_t b, int64_t i, const ot_tensor *Y, int64_t j, int64_t g,
                     int64_t N)
{
    double s = 0.0;
    for (int64_t n = 0; n < N; n++) s += ot_get(X, b, i, g, n) * ot_get(Y, b, j, g, n);
    return s;
}

/* C_i . S0[b,h,p,:] */
static double dot_cs(const ot_tensor *Cm, int64_t b, int64_t i, int64_t g, const ot_tensor *S0, int64_t h,
                     int64_t p, int64_t N)
{
    double s = 0.0;
    for (int64_t n = 0; n < N; n++) s += ot_get(Cm, b, i, g, n) * ot_get(S0, b, h, p, n);
    return s;
}

static double gate(double y, const ot_tensor *z, int64_t b, int64_t t, int64_t h, int64_t p)
{
    if (!z) return y;
    double zv = ot_get(z, b, t, h, p);
    return y * zv * ot_sigmoid(zv);
}

/* ---------------------------------------------------------------- causal SSD */

static void ssd_explicit(const ssd_t *s, const ssd_cfg *c, ot_tensor *out, ot_tensor *fin)
{
    int64_t L = c->L, P = c->P, N = c->N, hpg = c->H / c->G;
    double *dl = malloc(sizeof(double) * (size_t)L);
    int64_t *sid = malloc(sizeof(int64_t) * (size_t)L);
    for (int64_t b = 0; b < c->b; b++)
        for (int64_t h = 0; h < c->H; h++) {
            int64_t g = h / hpg;
            double A = ot_get(s->A, h, 0, 0, 0);
            double bias = s->bias ? ot_get(s->bias, h, 0, 0, 0) : 0.0;
            for (int64_t t = 0; t < L; t++) {
                dl[t] = ot_delta(ot_get(s->dt, b, t, h, 0), bias, c->softplus, c->dt_min, c->dt_max);
                sid[t] = s->seq ? (int64_t)ot_get(s->seq, b, t, 0, 0) : 0;
            }
            for (int64_t i = 0; i < L; i++)
                for (int64_t p = 0; p < P; p++) {
                    double y = 0.0;
                    for (int64_t j = 0; j <= i; j++) {
                        if (sid[j] != sid[i]) continue;
                        double m = dot_bc(s->C, b, i, s->B, j, g, N) * dl[j] * exp(A * range_sum(dl, j + 1, i));
                        y += m * ot_get(s->x, b, j, h, p);
                    }
                    if (s->init && sid[i] == 0)
                        y += exp(A * range_sum(dl, 0, i)) * dot_cs(s->C, b, i, g, s->init, h, p, N);
                    if (s->D) y += ot_get(s->D, h, c->D == 2 ? p : 0, 0, 0) * ot_get(s->x, b, i, h, p);
                    ot_set(out, b, i, h, p, gate(y, s->z, b, i, h, p));
                }
            if (!fin) continue;
            for (int64_t p = 0; p < P; p++)
                for (int64_t n = 0; n < N; n++) {
                    double st = 0.0;
                    for (int64_t j = 0; j < L; j++) {
                        if (sid[j] != sid[L - 1]) continue;
                        st += exp(A * range_sum(dl, j + 1, L - 1)) * dl[j] * ot_get(s->x, b, j, h, p) *
                              ot_get(s->B, b, j, g, n);
                    }
                    if (s->init && sid[L - 1] == 0)
                        st += exp(A * range_sum(dl, 0, L - 1)) * ot_get(s->init, b, h, p, n);
                    ot_set(fin, b, h, p, n, st);
                }
        }
    free(dl);
    free(sid);
}

static void run_ssd_case(const ssd_cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ssd_t s;
    ssd_alloc(&s, c);
    ssd_randomize(&s, c, &r);
    ot_set_case("seed %llu %s", (unsigned long long)seed, ssd_cfg_str(c));
    if (ssd_run_forward(&s, c)) return;
    ot_tensor *out = ot_new(OT_F64, 4, s.out->shape, &OT_PACKED);
    ot_tensor *fin = s.final ? ot_new(OT_F64, 4, s.final->shape, &OT_PACKED) : NULL;
    ssd_explicit(&s, c, out, fin);
    int bad = ot_compare("out", s.out, out, TOL);
    if (fin) bad |= ot_compare("final_states", s.final, fin, TOL);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* ---------------------------------------------------------------- quasiseparable mixer */

static double qs_diag(const qs_t *s, const qs_cfg *c, int64_t b, int64_t t, int64_t h, int64_t p)
{
    if (c->diag == 1) return ot_get(s->D, h, 0, 0, 0);
    if (c->diag == 2) return ot_get(s->D, h, p, 0, 0);
    if (c->diag == 3) return ot_get(s->delta, b, t, h, 0);
    return 0.0;
}

static void qs_explicit(const qs_t *s, const qs_cfg *c, ot_tensor *out)
{
    int64_t L = c->L, P = c->P, N = c->N, hpg = c->H / c->G;
    double *df = malloc(sizeof(double) * (size_t)L), *db = malloc(sizeof(double) * (size_t)L);
    const ot_tensor *Bf = s->B[0], *Cf = s->C[0], *Bb = s->B[1], *Cb = s->C[1];
    const ot_tensor *S0f = s->init[0], *S0b = s->init[1];
    int hydra = c->mode == SSMIX_QSMIX_HYDRA;
    for (int64_t b = 0; b < c->b; b++)
        for (int64_t h = 0; h < c->H; h++) {
            int64_t g = h / hpg;
            double A = ot_get(s->A, h, 0, 0, 0);
            double bias = s->bias ? ot_get(s->bias, h, 0, 0, 0) : 0.0;
            for (int64_t t = 0; t < L; t++) {
                df[t] = ot_delta(ot_get(s->dt[0], b, t, h, 0), bias, c->softplus, c->dt_min, c->dt_max);
                db[t] = ot_delta(ot_get(s->dt[1], b, t, h, 0), bias, c->softplus, c->dt_min, c->dt_max);
            }
            for (int64_t t = 0; t < L; t++)
                for (int64_t p = 0; p < P; p++) {
                    double y = 0.0;
                    for (int64_t j = 0; j < L; j++) {
                        double m = 0.0;
                        if (hydra) {
                            if (j < t)
                                m = dot_bc(Cf, b, t - 1, Bf, j, g, N) * df[j] * exp(A * range_sum(df, j + 1, t - 1));
                            else if (j > t)
                                m = dot_bc(Cb, b, t + 1, Bb, j, g, N) * db[j] * exp(A * range_sum(db, t + 1, j - 1));
                        } else {
                            if (j <= t)
                                m += dot_bc(Cf, b, t, Bf, j, g, N) * df[j] * exp(A * range_sum(df, j + 1, t));
                            if (j >= t)
                                m += dot_bc(Cb, b, t, Bb, j, g, N) * db[j] * exp(A * range_sum(db, t, j - 1));
                        }
                        y += m * ot_get(s->x, b, j, h, p);
                    }
                    if (hydra) {
                        if (S0f && t >= 1)
                            y += exp(A * range_sum(df, 0, t - 1)) * dot_cs(Cf, b, t - 1, g, S0f, h, p, N);
                        if (S0b && t <= L - 2)
                            y += exp(A * range_sum(db, t + 1, L - 1)) * dot_cs(Cb, b, t + 1, g, S0b, h, p, N);
                    } else {
                        if (S0f) y += exp(A * range_sum(df, 0, t)) * dot_cs(Cf, b, t, g, S0f, h, p, N);
                        if (S0b) y += exp(A * range_sum(db, t, L - 1)) * dot_cs(Cb, b, t, g, S0b, h, p, N);
                    }
                    y += qs_diag(s, c, b, t, h, p) * ot_get(s->x, b, t, h, p);
                    ot_set(out, b, t, h, p, gate(y, s->z, b, t, h, p));
                }
        }
    free(df);
    free(db);
}

static void run_qs_case(const qs_cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    qs_t s;
    qs_alloc(&s, c);
    qs_randomize(&s, c, &r);
    ot_set_case("seed %llu %s", (unsigned long long)seed, qs_cfg_str(c));
    if (qs_run_forward(&s, c)) return;
    ot_tensor *out = ot_new(OT_F64, 4, s.out->shape, &OT_PACKED);
    qs_explicit(&s, c, out);
    int bad = ot_compare("out", s.out, out, TOL);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

int oracle_matrix_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 1000;
    ssd_cfg c;

    /* --- causal SSD */
    ssd_cfg_init(&c, 1, 1, 1, 1, 1, 1);
    run_ssd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 7, 4, 2, 3, 5); /* everything on */
    c.z = c.bias = c.init = c.seq = 1;
    run_ssd_case(&c, seed++);
    c.D = 2; /* D (H,P) */
    run_ssd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 9, 4, 4, 2, 3); /* raw dt, dt_limit, no D, G = H */
    c.softplus = 0, c.dt_min = 1e-3f, c.dt_max = 0.1f, c.D = 0, c.init = 1, c.bias = 1;
    run_ssd_case(&c, seed++);
    ssd_cfg_init(&c, 1, 13, 2, 1, 3, 4); /* raw dt with default limits: negative Delta clamped to 0 */
    c.softplus = 0, c.bias = 1, c.z = 1, c.D = 2;
    run_ssd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 11, 4, 2, 3, 5); /* softplus near the threshold 20 on both sides */
    c.dt_special = OT_DT_NEAR20, c.bias = 1, c.init = 1, c.seq = 1, c.z = 1;
    run_ssd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 11, 4, 2, 3, 5); /* clamping from both sides */
    c.dt_special = OT_DT_SPREAD, c.dt_min = 0.05f, c.dt_max = 0.5f, c.bias = 1, c.init = 1;
    run_ssd_case(&c, seed++);
    ssd_cfg_init(&c, 1, 64, 8, 2, 4, 16); /* longest */
    c.z = c.bias = c.init = c.seq = 1, c.dt_min = 1e-3f, c.dt_max = 0.1f, c.Q = 17;
    run_ssd_case(&c, seed++);
    ssd_cfg_init(&c, 3, 33, 3, 1, 5, 8); /* seq_idx without init, odd sizes */
    c.seq = 1, c.D = 0, c.Q = 16;
    run_ssd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 20, 2, 2, 2, 2); /* final_states not requested */
    c.final = 0, c.init = 1, c.seq = 1;
    run_ssd_case(&c, seed++);

    /* --- quasiseparable mixer: both modes x shared/separate x diagonal kind x gate/init */
    for (int mode = 0; mode < 2; mode++)
        for (int shared = 0; shared < 2; shared++)
            for (int diag = 0; diag < 4; diag++) {
                qs_cfg q;
                qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 2, 7 + diag, 4, 2, 3, 5);
                q.shared = shared, q.diag = diag;
                q.z = (diag + shared) % 2;
                q.bias = diag != 2;
                q.init_f = diag % 2 == 0 || shared;
                q.init_b = diag >= 2 || shared;
                q.softplus = diag != 1;
                if (diag == 1) q.dt_min = 1e-3f, q.dt_max = 0.2f;
                run_qs_case(&q, seed++);
            }
    for (int mode = 0; mode < 2; mode++) {
        qs_cfg q;
        qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 1, 1, 2, 1, 2, 3); /* L = 1 */
        q.init_f = q.init_b = 1, q.z = 1;
        run_qs_case(&q, seed++);
        qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 2, 2, 2, 2, 2, 3); /* L = 2 */
        q.init_f = q.init_b = 1, q.diag = 3;
        run_qs_case(&q, seed++);
        qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 1, 64, 4, 2, 4, 16); /* L = 64 */
        q.init_f = q.init_b = 1, q.z = 1, q.bias = 1, q.diag = 2, q.Q = 17;
        run_qs_case(&q, seed++);
        qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 2, 12, 4, 1, 3, 4); /* near 20 */
        q.dt_special = OT_DT_NEAR20, q.bias = 1, q.init_b = 1;
        run_qs_case(&q, seed++);
    }

    /* --- random sweep over sizes (L <= 64) and options */
    for (int k = 0; k < 40; k++) {
        ot_rng cr;
        ot_rng_seed(&cr, 91000 + (uint64_t)k);
        ssd_cfg_random(&c, &cr, 64, 6, 17);
        run_ssd_case(&c, seed++);
        qs_cfg q;
        qs_cfg_random(&q, &cr, 64, 6, 17);
        run_qs_case(&q, seed++);
    }
    return ot_n_failures != failures_before;
}
