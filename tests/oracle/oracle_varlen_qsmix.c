/*
 * Oracle self-test: varlen packed batches of the quasiseparable mixer (OPS.md section 2,
 * ssmix_qsmix_tensors.cu_seqlens).
 *
 * One packed row of nseq sequences [cu[i], cu[i+1]) must give the same results as running each
 * sequence alone (batch 1, no cu_seqlens), in both modes:
 *   out, dx, ddt_f/_b, dB_f/_b, dC_f/_b, ddelta, dz   the per-sequence slices;
 *   dA, dD, ddt_bias                                 sums over the sequences;
 *   initial_states_f/_b[i], dinitial_states_f/_b[i]  row i belongs to sequence i.
 * So neither direction nor the Hydra shift may carry anything across a boundary. Double precision,
 * tolerance 1e-12. Also: invalid cu_seqlens values are refused with INVALID_ARGUMENT, writing nothing.
 */
#include <math.h>
#include <string.h>

#include "oracle_cases.h"
#include "ref.h"
#include "oracle_selfcheck.h"

static const ot_tol TOL = {1e-12, 1e-12, 0.0};

/* dst[0, dt0 + t, ...] = src[0, st0 + t, ...] for t < len (time is logical dim 1) */
static void copy_time(ot_tensor *dst, int64_t dt0, const ot_tensor *src, int64_t st0, int64_t len)
{
    for (int64_t t = 0; t < len; t++)
        for (int64_t i = 0; i < src->shape[2]; i++)
            for (int64_t j = 0; j < src->shape[3]; j++) ot_set(dst, 0, dt0 + t, i, j, ot_get(src, 0, st0 + t, i, j));
}

/* dst[db, ...] = src[sb, ...] for state tensors (dim 0 = sequence) */
static void copy_row(ot_tensor *dst, int64_t db, const ot_tensor *src, int64_t sb)
{
    for (int64_t i = 0; i < src->shape[1]; i++)
        for (int64_t j = 0; j < src->shape[2]; j++)
            for (int64_t k = 0; k < src->shape[3]; k++) ot_set(dst, db, i, j, k, ot_get(src, sb, i, j, k));
}

static ot_tensor *state_tensor(const qs_cfg *c, int64_t nseq, int output)
{
    int64_t sh[4] = {nseq, c->H, c->P, c->N};
    return ot_new(c->st, 4, sh, output ? &OT_GUARDED : &OT_PACKED);
}

static ot_tensor *make_cu(const int64_t *lens, int nseq)
{
    int64_t sh[1] = {nseq + 1};
    ot_tensor *cu = ot_new(SSMIX_I32, 1, sh, &OT_PACKED);
    int64_t acc = 0;
    ot_set(cu, 0, 0, 0, 0, 0.0);
    for (int i = 0; i < nseq; i++) {
        acc += lens[i];
        ot_set(cu, i + 1, 0, 0, 0, (double)acc);
    }
    return cu;
}

static void set_varlen(ssmix_qsmix_problem *p, const ot_tensor *cu)
{
    p->cu_seqlens = ot_view(cu);
    p->nseq = cu->shape[0] - 1;
}

/* The packed run: poison, call, check every output element was written (and no guard). */
static int run_packed(qs_t *s, const qs_cfg *c, const ot_tensor *cu)
{
    ssmix_qsmix_problem p;
    ot_poison(s->out);
    qs_problem(s, c, &p, 0);
    set_varlen(&p, cu);
    ssmix_status st = ssmix_ref_qsmix_forward(&p);
    OT_EXPECT(st == SSMIX_SUCCESS, "varlen forward returned %d", (int)st);
    if (st != SSMIX_SUCCESS) return 1;
    int bad = ot_check_written(s->out, "out") != 0;

    ot_tensor *outs[] = {s->dx,    s->dA,    s->dbias,  s->dD,    s->ddelta,   s->dz,      s->ddt[0],
                         s->dB[0], s->dC[0], s->ddt[1], s->dB[1], s->dC[1], s->dinit[0], s->dinit[1]};
    const char *names[] = {"dx",   "dA",   "ddt_bias", "dD",   "ddelta", "dz",      "ddt_f",
                           "dB_f", "dC_f", "ddt_b",    "dB_b", "dC_b",   "dinit_f", "dinit_b"};
    for (int i = 0; i < 14; i++)
        if (outs[i]) ot_poison(outs[i]);
    qs_problem(s, c, &p, 1);
    set_varlen(&p, cu);
    st = ssmix_ref_qsmix_backward(&p);
    OT_EXPECT(st == SSMIX_SUCCESS, "varlen backward returned %d", (int)st);
    if (st != SSMIX_SUCCESS) return 1;
    for (int i = 0; i < 14; i++)
        if (outs[i]) bad |= ot_check_written(outs[i], names[i]) != 0;
    return bad;
}

static void run_case(qs_cfg c, const int64_t *lens, int nseq, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    c.b = 1;
    c.L = 0;
    for (int i = 0; i < nseq; i++) c.L += lens[i];
    int init[2] = {c.init_f, c.init_b};
    qs_cfg cp = c; /* the packed tensors; its states are replaced by (nseq,H,P,N) ones below */
    cp.init_f = cp.init_b = 0;
    qs_t s;
    qs_alloc(&s, &cp);
    qs_randomize(&s, &cp, &r);
    for (int d = 0; d < 2; d++) {
        if (!init[d]) continue;
        s.init[d] = state_tensor(&c, nseq, 0);
        ot_fill_normal(s.init[d], &r, 1.0, 0.0);
        s.dinit[d] = state_tensor(&c, nseq, 1);
    }
    ot_tensor *cu = make_cu(lens, nseq);
    char lbuf[160];
    size_t used = 0;
    lbuf[0] = 0;
    for (int i = 0; i < nseq && used + 24 < sizeof lbuf; i++)
        used += (size_t)snprintf(lbuf + used, sizeof lbuf - used, "%s%lld", i ? "," : "", (long long)lens[i]);
    ot_set_case("seed %llu lens {%s} %s", (unsigned long long)seed, lbuf, qs_cfg_str(&c));
    if (run_packed(&s, &c, cu)) {
        printf("  FAIL %s (packed run)\n", ot_case);
        return;
    }

    int ndir = c.shared ? 1 : 2;
    ot_tensor *out = ot_zeros_like(s.out), *dx = ot_zeros_like(s.dx), *ddelta = ot_zeros_like(s.ddelta);
    ot_tensor *dz = ot_zeros_like(s.dz), *dA = ot_zeros_like(s.dA), *dD = ot_zeros_like(s.dD), *dbias = ot_zeros_like(s.dbias);
    ot_tensor *ddt[2], *dB[2], *dC[2], *dinit[2];
    for (int d = 0; d < 2; d++) {
        ddt[d] = d < ndir ? ot_zeros_like(s.ddt[d]) : NULL;
        dB[d] = d < ndir ? ot_zeros_like(s.dB[d]) : NULL;
        dC[d] = d < ndir ? ot_zeros_like(s.dC[d]) : NULL;
        dinit[d] = ot_zeros_like(s.dinit[d]);
    }
    int64_t t0 = 0;
    for (int i = 0; i < nseq; i++) {
        qs_cfg c1 = c;
        c1.L = lens[i];
        qs_t s1;
        qs_alloc(&s1, &c1);
        copy_time(s1.x, 0, s.x, t0, c1.L);
        copy_time(s1.dout, 0, s.dout, t0, c1.L);
        for (int d = 0; d < ndir; d++) {
            copy_time(s1.dt[d], 0, s.dt[d], t0, c1.L);
            copy_time(s1.B[d], 0, s.B[d], t0, c1.L);
            copy_time(s1.C[d], 0, s.C[d], t0, c1.L);
        }
        if (s.z) copy_time(s1.z, 0, s.z, t0, c1.L);
        if (s.delta) copy_time(s1.delta, 0, s.delta, t0, c1.L);
        ot_copy(s1.A, s.A);
        if (s.D) ot_copy(s1.D, s.D);
        if (s.bias) ot_copy(s1.bias, s.bias);
        for (int d = 0; d < 2; d++)
            if (init[d]) copy_row(s1.init[d], 0, s.init[d], i);
        if (qs_run_forward(&s1, &c1) || qs_run_backward(&s1, &c1)) {
            printf("  FAIL %s (sequence %d alone)\n", ot_case, i);
            return;
        }
        copy_time(out, t0, s1.out, 0, c1.L);
        copy_time(dx, t0, s1.dx, 0, c1.L);
        if (ddelta) copy_time(ddelta, t0, s1.ddelta, 0, c1.L);
        if (dz) copy_time(dz, t0, s1.dz, 0, c1.L);
        for (int d = 0; d < ndir; d++) {
            copy_time(ddt[d], t0, s1.ddt[d], 0, c1.L);
            copy_time(dB[d], t0, s1.dB[d], 0, c1.L);
            copy_time(dC[d], t0, s1.dC[d], 0, c1.L);
        }
        ot_add_into(dA, s1.dA);
        if (dD) ot_add_into(dD, s1.dD);
        if (dbias) ot_add_into(dbias, s1.dbias);
        for (int d = 0; d < 2; d++)
            if (init[d]) copy_row(dinit[d], i, s1.dinit[d], 0);
        t0 += c1.L;
    }
    int bad = 0;
    static const char *dn[2][4] = {{"ddt_f", "dB_f", "dC_f", "dinitial_states_f"},
                                   {"ddt_b", "dB_b", "dC_b", "dinitial_states_b"}};
    bad |= ot_compare("out", s.out, out, TOL);
    bad |= ot_compare("dx", s.dx, dx, TOL);
    bad |= ot_compare("dA", s.dA, dA, TOL);
    if (ddelta) bad |= ot_compare("ddelta", s.ddelta, ddelta, TOL);
    if (dz) bad |= ot_compare("dz", s.dz, dz, TOL);
    if (dD) bad |= ot_compare("dD", s.dD, dD, TOL);
    if (dbias) bad |= ot_compare("ddt_bias", s.dbias, dbias, TOL);
    for (int d = 0; d < 2; d++) {
        if (d < ndir) {
            bad |= ot_compare(dn[d][0], s.ddt[d], ddt[d], TOL);
            bad |= ot_compare(dn[d][1], s.dB[d], dB[d], TOL);
            bad |= ot_compare(dn[d][2], s.dC[d], dC[d], TOL);
        }
        if (dinit[d]) bad |= ot_compare(dn[d][3], s.dinit[d], dinit[d], TOL);
    }
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* Invalid cu_seqlens values: INVALID_ARGUMENT and no output written (outputs stay poisoned). */
static void run_invalid(void)
{
    qs_cfg c;
    qs_cfg_init(&c, SSMIX_QSMIX_HYDRA, 1, 6, 2, 1, 2, 3);
    ot_rng r;
    ot_rng_seed(&r, 77);
    qs_t s;
    qs_alloc(&s, &c);
    qs_randomize(&s, &c, &r);
    static const int64_t bad_cu[4][3] = {{1, 3, 6}, {0, 3, 3}, {0, 4, 2}, {0, 2, 5}};
    static const char *what[4] = {"cu[0] != 0", "empty sequence", "decreasing", "cu[nseq] != L"};
    for (int k = 0; k < 4; k++) {
        ot_set_case("invalid cu_seqlens: %s", what[k]);
        int64_t sh[1] = {3};
        ot_tensor *cu = ot_new(SSMIX_I32, 1, sh, &OT_PACKED);
        for (int i = 0; i < 3; i++) ot_set(cu, i, 0, 0, 0, (double)bad_cu[k][i]);
        for (int pass = 0; pass < 2; pass++) {
            ssmix_qsmix_problem p;
            ot_tensor *o = pass == 0 ? s.out : s.dx;
            ot_poison(o);
            qs_problem(&s, &c, &p, pass);
            set_varlen(&p, cu);
            ssmix_status st = pass == 0 ? ssmix_ref_qsmix_forward(&p) : ssmix_ref_qsmix_backward(&p);
            OT_EXPECT(st == SSMIX_ERROR_INVALID_ARGUMENT, "%s returned %d, expected INVALID_ARGUMENT",
                      pass ? "backward" : "forward", (int)st);
            OT_EXPECT(ot_check_untouched(o, pass ? "dx" : "out") == 0, "an output was written");
        }
        printf("  ok   %s\n", ot_case);
    }
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_varlen_qsmix_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 9100;
    qs_cfg c;
    /* lens ending exactly on chunk boundaries of Q = 4, length-1 sequences, a long one */
    static const int64_t l1[] = {4, 8, 1, 3, 1, 4};
    static const int64_t l2[] = {1, 1, 1};
    static const int64_t l3[] = {7, 2, 9};
    static const int64_t l4[] = {5};
    for (int mode = 0; mode < 2; mode++) {
        ssmix_qsmix_mode m = mode ? SSMIX_QSMIX_BIMAMBA2 : SSMIX_QSMIX_HYDRA;
        for (int k = 0; k < 4; k++) {
            qs_cfg_init(&c, m, 1, 1, 4, 2, 3, 5);
            c.Q = 4;
            c.shared = k % 2;
            c.init_f = k != 1;
            c.init_b = k != 2;
            c.z = k >= 2;
            c.bias = k != 3;
            c.diag = k; /* none, D (H), D (H,P), delta */
            if (k == 3) c.softplus = 0, c.dt_min = 1e-3f, c.dt_max = 0.1f;
            run_case(c, l1, 6, seed++);
        }
        qs_cfg_init(&c, m, 1, 1, 2, 1, 2, 3);
        c.init_f = c.init_b = 1, c.diag = 3, c.z = 1;
        run_case(c, l2, 3, seed++); /* only length-1 sequences */
        qs_cfg_init(&c, m, 1, 1, 3, 3, 4, 2);
        c.init_b = 1, c.shared = 0, c.diag = 1;
        run_case(c, l3, 3, seed++);
        qs_cfg_init(&c, m, 1, 1, 2, 2, 3, 3);
        c.init_f = c.init_b = 1, c.shared = 1;
        run_case(c, l4, 1, seed++); /* one sequence: the same as no cu_seqlens */
    }
    run_invalid();
    return ot_n_failures != failures_before;
}
