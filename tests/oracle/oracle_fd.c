/*
 * Oracle self-test 3: finite differences in double for every gradient output.
 *
 * Scalar loss  l = sum(dout * out) + sum(dfinal * final)  (the final-state term only when dfinal
 * is given), evaluated with the oracle's forward in SSMIX_INTERNAL_F64. Every element of every
 * differentiable input is perturbed and the fourth-order central difference
 *   (8 (l(v+h) - l(v-h)) - (l(v+2h) - l(v-2h))) / (12 h),  h = 1e-4,
 * is compared with the oracle's backward:
 *   SSD:   dx ddt dA dB dC dD(H) dD(H,P) dz ddt_bias dinitial_states, dfinal given and not,
 *          seq_idx on and off (including rows that start at id 1, where dinitial_states = 0);
 *   mixer: dx dA ddt_bias dD(H) dD(H,P) ddelta dz ddt_f dB_f dC_f ddt_b dB_b dC_b dinit_f dinit_b
 *          for both modes and shared / separate directions.
 * The dt distributions cover softplus on both sides of the threshold 20 (v in 20 +- [0.05, 0.55])
 * and clamping by dt_limit from below and above; inputs are kept >= 1e-2 away from every kink
 * (clamp bounds, v = 20) so no difference straddles one.
 */
#include <math.h>
#include <string.h>

#include "oracle_cases.h"
#include "oracle_selfcheck.h"
#include "ref.h"

static const double FD_H = 1e-4;
static const ot_tol FD_TOL = {1e-7, 1e-8, 1e-10};
static const double KINK_MARGIN = 1e-2;

typedef double (*loss_fn)(void *ctx);

static int fd_check(const char *name, ot_tensor *in, const ot_tensor *grad, loss_fn f, void *ctx)
{
    ot_tensor *fd = ot_new(OT_F64, in->ndim, in->shape, &OT_PACKED);
    for (int64_t i = 0, n = ot_numel(in); i < n; i++) {
        double v0 = ot_getl(in, i), l[4];
        const double steps[4] = {FD_H, -FD_H, 2 * FD_H, -2 * FD_H};
        for (int k = 0; k < 4; k++) {
            ot_setl(in, i, v0 + steps[k]);
            l[k] = f(ctx);
        }
        ot_setl(in, i, v0);
        ot_setl(fd, i, (8.0 * (l[0] - l[1]) - (l[2] - l[3])) / (12.0 * FD_H));
    }
    return ot_compare(name, grad, fd, FD_TOL);
}

/* ---------------------------------------------------------------- SSD */

typedef struct ssd_ctx {
    ssd_t *s;
    const ssd_cfg *c;
} ssd_ctx;

static double ssd_loss_fn(void *vctx)
{
    ssd_ctx *x = vctx;
    ssmix_ssd_problem p;
    ssd_problem(x->s, x->c, &p, 0);
    if (ssmix_ref_ssd_forward(&p) != SSMIX_SUCCESS) return NAN;
    return ssd_loss(x->s);
}

static void ssd_fd_case(const ssd_cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ssd_t s;
    ssd_alloc(&s, c);
    ssd_randomize(&s, c, &r);
    ot_set_case("seed %llu %s", (unsigned long long)seed, ssd_cfg_str(c));
    if (ssd_run_forward(&s, c) || ssd_run_backward(&s, c)) return;
    ssd_ctx ctx = {&s, c};
    int bad = 0;
    bad |= fd_check("dx", s.x, s.dx, ssd_loss_fn, &ctx);
    bad |= fd_check("ddt", s.dt, s.ddt, ssd_loss_fn, &ctx);
    bad |= fd_check("dA", s.A, s.dA, ssd_loss_fn, &ctx);
    bad |= fd_check("dB", s.B, s.dB, ssd_loss_fn, &ctx);
    bad |= fd_check("dC", s.C, s.dC, ssd_loss_fn, &ctx);
    if (s.D) bad |= fd_check(c->D == 2 ? "dD(H,P)" : "dD(H)", s.D, s.dD, ssd_loss_fn, &ctx);
    if (s.z) bad |= fd_check("dz", s.z, s.dz, ssd_loss_fn, &ctx);
    if (s.bias) bad |= fd_check("ddt_bias", s.bias, s.dbias, ssd_loss_fn, &ctx);
    if (s.init) bad |= fd_check("dinitial_states", s.init, s.dinit, ssd_loss_fn, &ctx);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* ---------------------------------------------------------------- mixer */

typedef struct qs_ctx {
    qs_t *s;
    const qs_cfg *c;
} qs_ctx;

static double qs_loss_fn(void *vctx)
{
    qs_ctx *x = vctx;
    ssmix_qsmix_problem p;
    qs_problem(x->s, x->c, &p, 0);
    if (ssmix_ref_qsmix_forward(&p) != SSMIX_SUCCESS) return NAN;
    return qs_loss(x->s);
}

static void qs_fd_case(const qs_cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    qs_t s;
    qs_alloc(&s, c);
    qs_randomize(&s, c, &r);
    ot_set_case("seed %llu %s", (unsigned long long)seed, qs_cfg_str(c));
    if (qs_run_forward(&s, c) || qs_run_backward(&s, c)) return;
    qs_ctx ctx = {&s, c};
    int bad = 0;
    bad |= fd_check("dx", s.x, s.dx, qs_loss_fn, &ctx);
    bad |= fd_check("dA", s.A, s.dA, qs_loss_fn, &ctx);
    if (s.bias) bad |= fd_check("ddt_bias", s.bias, s.dbias, qs_loss_fn, &ctx);
    if (s.D) bad |= fd_check(c->diag == 2 ? "dD(H,P)" : "dD(H)", s.D, s.dD, qs_loss_fn, &ctx);
    if (s.delta) bad |= fd_check("ddelta", s.delta, s.ddelta, qs_loss_fn, &ctx);
    if (s.z) bad |= fd_check("dz", s.z, s.dz, qs_loss_fn, &ctx);
    /* shared: dt[1] is dt[0], so perturbing it moves both directions; the [0] gradient is the sum */
    bad |= fd_check(c->shared ? "ddt (shared)" : "ddt_f", s.dt[0], s.ddt[0], qs_loss_fn, &ctx);
    bad |= fd_check(c->shared ? "dB (shared)" : "dB_f", s.B[0], s.dB[0], qs_loss_fn, &ctx);
    bad |= fd_check(c->shared ? "dC (shared)" : "dC_f", s.C[0], s.dC[0], qs_loss_fn, &ctx);
    if (!c->shared) {
        bad |= fd_check("ddt_b", s.dt[1], s.ddt[1], qs_loss_fn, &ctx);
        bad |= fd_check("dB_b", s.B[1], s.dB[1], qs_loss_fn, &ctx);
        bad |= fd_check("dC_b", s.C[1], s.dC[1], qs_loss_fn, &ctx);
    }
    if (s.init[0]) bad |= fd_check("dinit_f", s.init[0], s.dinit[0], qs_loss_fn, &ctx);
    if (s.init[1]) bad |= fd_check("dinit_b", s.init[1], s.dinit[1], qs_loss_fn, &ctx);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

int oracle_fd_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 3000;
    ssd_cfg c;

    /* --- SSD (b=2, L=7, H=4, G=2, P=3, N=5 unless noted) */
    ssd_cfg_init(&c, 2, 7, 4, 2, 3, 5); /* everything, D (H), seq_idx, dfinal given */
    c.kink_margin = KINK_MARGIN, c.z = c.bias = c.init = c.seq = c.dfinal = 1;
    ssd_fd_case(&c, seed++);
    c.D = 2, c.seq = 0, c.dfinal = 0; /* D (H,P), no seq_idx, dfinal not given */
    ssd_fd_case(&c, seed++);
    c.D = 0, c.z = 0, c.seq = 1, c.dfinal = 0, c.final = 0; /* minimal outputs, seq_idx */
    ssd_fd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 7, 4, 2, 3, 5); /* softplus on both sides of v = 20, unclamped */
    c.kink_margin = KINK_MARGIN, c.dt_special = OT_DT_NEAR20, c.z = c.bias = c.init = c.dfinal = 1;
    ssd_fd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 7, 4, 2, 3, 5); /* softplus + dt_limit clamping from below and above */
    c.kink_margin = KINK_MARGIN, c.dt_special = OT_DT_SPREAD, c.dt_min = 0.05f, c.dt_max = 0.5f;
    c.bias = c.init = c.dfinal = c.seq = 1, c.D = 2;
    ssd_fd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 7, 4, 2, 3, 5); /* softplus near 20 with dt_max: the v > 20 tokens clamp */
    c.kink_margin = KINK_MARGIN, c.dt_special = OT_DT_NEAR20, c.dt_min = 0.1f, c.dt_max = 19.9f;
    c.bias = c.z = c.dfinal = 1;
    ssd_fd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 7, 4, 2, 3, 5); /* raw dt with dt_limit (1e-3, 0.1) */
    c.kink_margin = KINK_MARGIN, c.softplus = 0, c.dt_min = 1e-3f, c.dt_max = 0.1f;
    c.bias = c.init = c.seq = c.dfinal = c.z = 1, c.D = 2;
    ssd_fd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 7, 4, 2, 3, 5); /* raw dt, default limits: negative Delta clamped to 0 */
    c.kink_margin = KINK_MARGIN, c.softplus = 0, c.dt_special = OT_DT_SPREAD;
    c.bias = c.init = c.dfinal = 1;
    ssd_fd_case(&c, seed++);
    ssd_cfg_init(&c, 3, 6, 4, 4, 2, 3); /* G = H, three rows of seq_idx */
    c.kink_margin = KINK_MARGIN, c.z = c.bias = c.init = c.seq = c.dfinal = 1;
    ssd_fd_case(&c, seed++);
    ssd_cfg_init(&c, 2, 1, 2, 1, 2, 3); /* L = 1 */
    c.kink_margin = KINK_MARGIN, c.z = c.bias = c.init = c.dfinal = 1;
    ssd_fd_case(&c, seed++);

    /* --- mixer: both modes x shared/separate x diagonal kind */
    for (int mode = 0; mode < 2; mode++)
        for (int shared = 0; shared < 2; shared++)
            for (int diag = 0; diag < 4; diag++) {
                qs_cfg q;
                qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 2, 7, 4, 2, 3, 5);
                q.kink_margin = KINK_MARGIN;
                q.shared = shared, q.diag = diag;
                q.z = (diag + shared) % 2 == 0;
                q.bias = 1;
                q.init_f = q.init_b = 1;
                if (diag == 0) q.init_b = 0;
                if (diag == 1) q.init_f = 0;
                if (diag == 2) q.softplus = 0, q.dt_min = 1e-3f, q.dt_max = 0.1f;
                if (diag == 3) q.dt_special = OT_DT_SPREAD, q.dt_min = 0.05f, q.dt_max = 0.5f;
                qs_fd_case(&q, seed++);
            }
    for (int mode = 0; mode < 2; mode++) {
        qs_cfg q;
        qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 2, 7, 4, 2, 3, 5); /* near 20 */
        q.kink_margin = KINK_MARGIN, q.dt_special = OT_DT_NEAR20, q.bias = q.z = q.init_f = q.init_b = 1;
        qs_fd_case(&q, seed++);
        qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 1, 2, 2, 1, 2, 3); /* L = 2 */
        q.kink_margin = KINK_MARGIN, q.bias = q.z = q.init_f = q.init_b = 1, q.diag = 3;
        qs_fd_case(&q, seed++);
    }

    /* --- random sweep over small sizes and options */
    for (int k = 0; k < 12; k++) {
        ot_rng cr;
        ot_rng_seed(&cr, 93000 + (uint64_t)k);
        ssd_cfg_random(&c, &cr, 9, 3, 4);
        c.kink_margin = KINK_MARGIN;
        ssd_fd_case(&c, seed++);
        qs_cfg q;
        qs_cfg_random(&q, &cr, 9, 3, 4);
        q.kink_margin = KINK_MARGIN;
        qs_fd_case(&q, seed++);
    }
    return ot_n_failures != failures_before;
}
