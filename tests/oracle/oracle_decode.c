/*
 * Oracle self-test: the SSD decode step (OPS.md section 6) against the SSD scan oracle.
 *
 * 1. L decode steps on a state initialized from initial_states (or zeros) reproduce
 *    ssmix_ref_ssd_forward's out at every step and its final_states, for every option (D (H) or
 *    (H,P), z, dt_bias, softplus, dt_limit, groups, permuted layouts), in double (1e-12).
 *    The step's views are the scan's tensors sliced at time t (no copies).
 * 2. Padding: rows with a negative index, or an index >= pool, give out = 0 and leave every state
 *    untouched; the other rows equal a run without those rows.
 * 3. A pool larger than b with permuted indices: each row updates exactly its slot, equal to a
 *    run without indices on the gathered states; slots no row names are untouched (bitwise).
 */
#include <math.h>
#include <string.h>

#include "oracle_cases.h"
#include "ref.h"
#include "oracle_selfcheck.h"

static const ot_tol TOL = {1e-12, 1e-12, 0.0};

/* The [b][h][p] view of x-like (b,L,H,P) tensor t at time step tt. */
static ssmix_view at_t4(const ot_tensor *t, int64_t tt)
{
    ssmix_view v = ot_view(t);
    if (!t) return v;
    v.offset += tt * t->stride[1];
    v.stride[0] = t->stride[0], v.stride[1] = t->stride[2], v.stride[2] = t->stride[3], v.stride[3] = 0;
    return v;
}

/* The [b][h] view of dt (b,L,H) at time tt. */
static ssmix_view at_t3(const ot_tensor *t, int64_t tt)
{
    ssmix_view v = ot_view(t);
    v.offset += tt * t->stride[1];
    v.stride[0] = t->stride[0], v.stride[1] = t->stride[2], v.stride[2] = 0, v.stride[3] = 0;
    return v;
}

static void base_problem(ssmix_ssd_decode_problem *q, const ssd_cfg *c, int64_t batch, int64_t pool)
{
    memset(q, 0, sizeof *q);
    q->batch = batch, q->pool = pool, q->nheads = c->H, q->headdim = c->P, q->dstate = c->N, q->ngroups = c->G;
    q->dt_softplus = c->softplus, q->dt_min = c->dt_min, q->dt_max = c->dt_max;
    q->d_per_channel = c->D == 2;
    q->io_dtype = c->io;
}

/* 1. L steps == the scan */
static void steps_vs_scan(const ssd_cfg *c, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ssd_t s;
    ssd_alloc(&s, c);
    ssd_randomize(&s, c, &r);
    ot_set_case("steps seed %llu %s", (unsigned long long)seed, ssd_cfg_str(c));
    if (ssd_run_forward(&s, c)) return;
    int64_t st_sh[4] = {c->b, c->H, c->P, c->N}, o_sh[4] = {c->b, c->L, c->H, c->P};
    ot_tensor *state = ot_new(OT_F64, 4, st_sh, &OT_GUARDED);
    ot_tensor *out = ot_new(c->io, 4, o_sh, &OT_GUARDED);
    ot_poison(out);
    ot_poison(state);
    if (s.init) ot_copy(state, s.init);
    else ot_fill(state, 0.0);
    for (int64_t t = 0; t < c->L; t++) {
        ssmix_ssd_decode_problem q;
        base_problem(&q, c, c->b, c->b);
        q.state = ot_view(state);
        q.x = at_t4(s.x, t), q.dt = at_t3(s.dt, t), q.B = at_t4(s.B, t), q.C = at_t4(s.C, t);
        q.z = at_t4(s.z, t), q.out = at_t4(out, t);
        q.A = ot_view(s.A), q.D = ot_view(s.D), q.dt_bias = ot_view(s.bias);
        ssmix_status st = ssmix_cpu_ssd_decode(NULL, &q);
        OT_EXPECT(st == SSMIX_SUCCESS, "%s: step %lld returned %d", ot_case, (long long)t, (int)st);
    }
    int bad = ot_check_written(out, "out") != 0;
    bad |= ot_compare("out (L steps vs scan)", out, s.out, TOL);
    bad |= ot_compare("state (L steps vs final_states)", state, s.final, TOL);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* 2 and 3: indices into a pool. idx[i] for the b rows; pool slots. */
static void pool_case(const ssd_cfg *c, int64_t pool, const int *idx, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ssd_t s;
    ssd_cfg c1 = *c;
    c1.L = 1;
    ssd_alloc(&s, &c1);
    ssd_randomize(&s, &c1, &r);
    ot_set_case("pool %lld seed %llu %s", (long long)pool, (unsigned long long)seed, ssd_cfg_str(&c1));
    int64_t b = c->b;
    int64_t pool_sh[4] = {pool, c->H, c->P, c->N}, st_sh[4] = {b, c->H, c->P, c->N}, o_sh[4] = {b, 1, c->H, c->P};
    int64_t i_sh[1] = {b};
    ot_tensor *pst = ot_new(OT_F64, 4, pool_sh, &OT_GUARDED), *orig = ot_new(OT_F64, 4, pool_sh, &OT_PACKED);
    ot_poison(pst); /* guards keep the sentinel; the view gets random states */
    for (int64_t e = 0, n = ot_numel(pst); e < n; e++) ot_setl(pst, e, ot_normal(&r));
    ot_copy(orig, pst);
    ot_tensor *it = ot_new(SSMIX_I32, 1, i_sh, &OT_PACKED);
    for (int64_t i = 0; i < b; i++) ot_set(it, i, 0, 0, 0, idx[i]);
    ot_tensor *out = ot_new(c->io, 4, o_sh, &OT_GUARDED);
    ot_poison(out);

    ssmix_ssd_decode_problem q;
    base_problem(&q, c, b, pool);
    q.state = ot_view(pst), q.idx = ot_view(it);
    q.x = at_t4(s.x, 0), q.dt = at_t3(s.dt, 0), q.B = at_t4(s.B, 0), q.C = at_t4(s.C, 0), q.z = at_t4(s.z, 0);
    q.out = at_t4(out, 0);
    q.A = ot_view(s.A), q.D = ot_view(s.D), q.dt_bias = ot_view(s.bias);
    ssmix_status st = ssmix_cpu_ssd_decode(NULL, &q);
    OT_EXPECT(st == SSMIX_SUCCESS, "%s: decode with indices returned %d", ot_case, (int)st);

    /* reference: no indices, gathered states (padding rows get a zero state, their outputs ignored) */
    ot_tensor *gst = ot_new(OT_F64, 4, st_sh, &OT_PACKED), *gout = ot_new(c->io, 4, o_sh, &OT_PACKED);
    for (int64_t i = 0; i < b; i++)
        for (int64_t h = 0; h < c->H; h++)
            for (int64_t p = 0; p < c->P; p++)
                for (int64_t n = 0; n < c->N; n++)
                    ot_set(gst, i, h, p, n, idx[i] >= 0 && idx[i] < pool ? ot_get(orig, idx[i], h, p, n) : 0.0);
    ssmix_ssd_decode_problem q2 = q;
    q2.pool = b, q2.state = ot_view(gst), memset(&q2.idx, 0, sizeof q2.idx), q2.out = at_t4(gout, 0);
    st = ssmix_cpu_ssd_decode(NULL, &q2);
    OT_EXPECT(st == SSMIX_SUCCESS, "%s: decode without indices returned %d", ot_case, (int)st);

    int bad = ot_check_written(out, "out") != 0;
    bad |= ot_check_written(pst, "state pool") != 0; /* guards intact */
    int64_t nbad_out = 0, nbad_state = 0;
    double worst = 0;
    for (int64_t i = 0; i < b; i++) {
        int pad = idx[i] < 0 || idx[i] >= pool;
        for (int64_t h = 0; h < c->H; h++)
            for (int64_t p = 0; p < c->P; p++) {
                double o = ot_get(out, i, 0, h, p), ref = pad ? 0.0 : ot_get(gout, i, 0, h, p);
                if (pad ? o != 0.0 : fabs(o - ref) > 1e-12 * (1 + fabs(ref))) nbad_out++;
                if (!pad)
                    for (int64_t n = 0; n < c->N; n++) {
                        double e = fabs(ot_get(pst, idx[i], h, p, n) - ot_get(gst, i, h, p, n));
                        if (e > worst) worst = e;
                        if (e > 1e-12 * (1 + fabs(ot_get(gst, i, h, p, n)))) nbad_state++;
                    }
            }
    }
    /* slots that no (valid) row names keep their exact values */
    int64_t nbad_untouched = 0;
    for (int64_t k = 0; k < pool; k++) {
        int named = 0;
        for (int64_t i = 0; i < b; i++) named |= idx[i] == k;
        if (named) continue;
        for (int64_t h = 0; h < c->H; h++)
            for (int64_t p = 0; p < c->P; p++)
                for (int64_t n = 0; n < c->N; n++)
                    if (ot_get(pst, k, h, p, n) != ot_get(orig, k, h, p, n)) nbad_untouched++;
    }
    OT_EXPECT(nbad_out == 0, "%s: %lld outputs differ (padding rows must be 0)", ot_case, (long long)nbad_out);
    OT_EXPECT(nbad_state == 0, "%s: %lld updated state elements differ (max err %g)", ot_case, (long long)nbad_state, worst);
    OT_EXPECT(nbad_untouched == 0, "%s: %lld elements of unnamed slots changed", ot_case, (long long)nbad_untouched);
    bad |= nbad_out || nbad_state || nbad_untouched;
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_decode_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 9100;
    ssd_cfg c;
    /* 1. every option, L steps vs the scan */
    for (int k = 0; k < 8; k++) {
        ssd_cfg_init(&c, 1 + k % 3, 1 + 7 * k % 23, k % 2 ? 4 : 6, k % 2 ? 2 : 3, 1 + k % 5, 1 + 3 * k % 7);
        c.D = k % 3, c.z = k % 2, c.bias = k % 4 != 1, c.init = k % 3 != 2, c.softplus = k % 4 != 3;
        if (k % 4 == 2) c.dt_min = 1e-3f, c.dt_max = 0.1f;
        c.permuted = k >= 4;
        if (k == 5) c.dt_special = OT_DT_NEAR20;
        steps_vs_scan(&c, seed++);
    }
    ssd_cfg_init(&c, 2, 40, 8, 2, 16, 32); /* a longer run, larger state */
    c.D = 2, c.z = 1, c.bias = 1, c.init = 1;
    steps_vs_scan(&c, seed++);
    /* 2. padding rows: negative and out-of-range indices */
    ssd_cfg_init(&c, 4, 1, 4, 2, 3, 5);
    c.D = 1, c.z = 1, c.bias = 1;
    static const int pad1[4] = {-1, 1, 5, 0};
    pool_case(&c, 4, pad1, seed++);
    static const int pad2[4] = {-7, -1, 2, 100};
    pool_case(&c, 3, pad2, seed++);
    /* 3. a pool larger than b, permuted indices */
    static const int perm1[4] = {5, 0, 3, 6};
    pool_case(&c, 8, perm1, seed++);
    c.D = 2, c.z = 0, c.softplus = 0, c.dt_min = 1e-3f, c.dt_max = 0.1f, c.permuted = 1;
    static const int perm2[4] = {2, 4, 1, 0};
    pool_case(&c, 5, perm2, seed++);
    return ot_n_failures != failures_before;
}
