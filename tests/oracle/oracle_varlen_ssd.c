/*
 * Oracle self-test: SSD varlen (cu_seqlens, OPS.md section 1 run per packed sequence).
 *
 * One packed row (batch 1) of nseq sequences given by cu_seqlens must give the same results as
 * running each sequence alone (batch 1, its own initial state, no seq_idx):
 *   out, dx, ddt, dB, dC, dz     the per-sequence slices;
 *   final_states[k]              sequence k's final state (one row per sequence);
 *   dinitial_states[k]           sequence k's (dfinal_states[k] feeds sequence k);
 *   dA, dD, ddt_bias             sums over the sequences.
 * Partitions include length-1 sequences, a sequence ending exactly on a chunk boundary (the chunk
 * size does not change the oracle's math, but the cases are shared with the GPU conformance
 * suite's shapes), a single sequence, and random ones; with and without initial / final states.
 * Double precision, tolerance 1e-12. Invalid cu_seqlens values are rejected by the oracle with
 * SSMIX_ERROR_INVALID_ARGUMENT and nothing written.
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

/* dst[db, ...] = src[sb, ...] for (rows,H,P,N) state tensors */
static void copy_row(ot_tensor *dst, int64_t db, const ot_tensor *src, int64_t sb)
{
    for (int64_t i = 0; i < src->shape[1]; i++)
        for (int64_t j = 0; j < src->shape[2]; j++)
            for (int64_t k = 0; k < src->shape[3]; k++) ot_set(dst, db, i, j, k, ot_get(src, sb, i, j, k));
}

/* cu: nseq+1 boundaries; c: b = 1, L = cu[nseq]. */
static void run_case(const ssd_cfg *c, const int *cu, int nseq, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ssd_cfg cp = *c; /* the packed problem without states: ssd_alloc makes (b,...) states */
    cp.init = cp.final = cp.dfinal = 0;
    ssd_t s;
    ssd_alloc(&s, &cp);
    ssd_randomize(&s, &cp, &r);
    int64_t sst[4] = {nseq, c->H, c->P, c->N}, scu[1] = {nseq + 1};
    ot_layout lst = {NULL, 0, 0};
    ot_tensor *init = NULL, *fin = NULL, *dfin = NULL, *dinit = NULL;
    if (c->init) {
        init = ot_new(c->st, 4, sst, &lst);
        ot_fill_normal(init, &r, 1, 0);
        dinit = ot_new(c->st, 4, sst, &OT_GUARDED);
    }
    if (c->final) fin = ot_new(c->st, 4, sst, &OT_GUARDED);
    if (c->dfinal) {
        dfin = ot_new(c->st, 4, sst, &lst);
        ot_fill_normal(dfin, &r, 1, 0);
    }
    ot_tensor *cut = ot_new(SSMIX_I32, 1, scu, &OT_PACKED);
    for (int k = 0; k <= nseq; k++) ot_set(cut, k, 0, 0, 0, cu[k]);
    ot_set_case("seed %llu nseq %d %s", (unsigned long long)seed, nseq, ssd_cfg_str(c));

    ssmix_ssd_problem p;
    ssd_problem(&s, &cp, &p, 0);
    p.cu_seqlens = ot_view(cut), p.nseq = nseq;
    p.init = ot_view(init), p.final_states = ot_view(fin);
    ot_poison(s.out);
    if (fin) ot_poison(fin);
    ssmix_status st = ssmix_ref_ssd_forward(&p);
    OT_EXPECT(st == SSMIX_SUCCESS, "%s: varlen forward returned %d", ot_case, (int)st);
    int bad = ot_check_written(s.out, "out") != 0;
    if (fin) bad |= ot_check_written(fin, "final_states") != 0;
    ssd_problem(&s, &cp, &p, 1);
    p.cu_seqlens = ot_view(cut), p.nseq = nseq;
    p.init = ot_view(init), p.dfinal = ot_view(dfin), p.dinit = ot_view(dinit);
    ot_tensor *gouts[] = {s.dx, s.ddt, s.dA, s.dB, s.dC, s.dD, s.dz, s.dbias, dinit};
    for (int i = 0; i < 9; i++)
        if (gouts[i]) ot_poison(gouts[i]);
    st = ssmix_ref_ssd_backward(&p);
    OT_EXPECT(st == SSMIX_SUCCESS, "%s: varlen backward returned %d", ot_case, (int)st);
    for (int i = 0; i < 9; i++)
        if (gouts[i]) bad |= ot_check_written(gouts[i], "gradient") != 0;

    /* every sequence alone */
    ot_tensor *out = ot_zeros_like(s.out), *rfin = ot_zeros_like(fin), *dx = ot_zeros_like(s.dx), *ddt = ot_zeros_like(s.ddt);
    ot_tensor *dB = ot_zeros_like(s.dB), *dC = ot_zeros_like(s.dC), *dz = ot_zeros_like(s.dz), *dA = ot_zeros_like(s.dA);
    ot_tensor *dD = ot_zeros_like(s.dD), *dbias = ot_zeros_like(s.dbias), *rdinit = ot_zeros_like(dinit);
    for (int k = 0; k < nseq; k++) {
        int64_t t0 = cu[k], len = cu[k + 1] - cu[k];
        ssd_cfg c1 = *c;
        c1.b = 1, c1.L = len, c1.seq = 0, c1.final = 1;
        ssd_t s1;
        ssd_alloc(&s1, &c1);
        copy_time(s1.x, 0, s.x, t0, len);
        copy_time(s1.dt, 0, s.dt, t0, len);
        copy_time(s1.B, 0, s.B, t0, len);
        copy_time(s1.C, 0, s.C, t0, len);
        copy_time(s1.dout, 0, s.dout, t0, len);
        if (s.z) copy_time(s1.z, 0, s.z, t0, len);
        ot_copy(s1.A, s.A);
        if (s.D) ot_copy(s1.D, s.D);
        if (s.bias) ot_copy(s1.bias, s.bias);
        if (init) copy_row(s1.init, 0, init, k);
        if (dfin) copy_row(s1.dfinal, 0, dfin, k);
        if (ssd_run_forward(&s1, &c1) || ssd_run_backward(&s1, &c1)) return;
        copy_time(out, t0, s1.out, 0, len);
        copy_time(dx, t0, s1.dx, 0, len);
        copy_time(ddt, t0, s1.ddt, 0, len);
        copy_time(dB, t0, s1.dB, 0, len);
        copy_time(dC, t0, s1.dC, 0, len);
        if (dz) copy_time(dz, t0, s1.dz, 0, len);
        ot_add_into(dA, s1.dA);
        if (dD) ot_add_into(dD, s1.dD);
        if (dbias) ot_add_into(dbias, s1.dbias);
        if (rfin) copy_row(rfin, k, s1.final, 0);
        if (rdinit) copy_row(rdinit, k, s1.dinit, 0);
    }
    bad |= ot_compare("out", s.out, out, TOL);
    if (fin) bad |= ot_compare("final_states", fin, rfin, TOL);
    bad |= ot_compare("dx", s.dx, dx, TOL);
    bad |= ot_compare("ddt", s.ddt, ddt, TOL);
    bad |= ot_compare("dA", s.dA, dA, TOL);
    bad |= ot_compare("dB", s.dB, dB, TOL);
    bad |= ot_compare("dC", s.dC, dC, TOL);
    if (dz) bad |= ot_compare("dz", s.dz, dz, TOL);
    if (dD) bad |= ot_compare("dD", s.dD, dD, TOL);
    if (dbias) bad |= ot_compare("ddt_bias", s.dbias, dbias, TOL);
    if (dinit) bad |= ot_compare("dinitial_states", dinit, rdinit, TOL);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* Invalid cu_seqlens values: INVALID_ARGUMENT, no output written. */
static void invalid_case(const int *cu, int nseq, int64_t L, const char *what)
{
    ssd_cfg c;
    ssd_cfg_init(&c, 1, L, 2, 1, 2, 3);
    c.final = 0;
    ot_rng r;
    ot_rng_seed(&r, 77);
    ssd_t s;
    ssd_alloc(&s, &c);
    ssd_randomize(&s, &c, &r);
    int64_t scu[1] = {nseq + 1};
    ot_tensor *cut = ot_new(SSMIX_I32, 1, scu, &OT_PACKED);
    for (int k = 0; k <= nseq; k++) ot_set(cut, k, 0, 0, 0, cu[k]);
    ot_set_case("invalid cu_seqlens: %s", what);
    for (int pass = 0; pass < 2; pass++) {
        ssmix_ssd_problem p;
        ssd_problem(&s, &c, &p, pass);
        p.cu_seqlens = ot_view(cut), p.nseq = nseq;
        ot_poison(pass ? s.dx : s.out);
        ssmix_status st = pass ? ssmix_ref_ssd_backward(&p) : ssmix_ref_ssd_forward(&p);
        OT_EXPECT(st == SSMIX_ERROR_INVALID_ARGUMENT, "%s: pass %d returned %d, expected INVALID_ARGUMENT", ot_case, pass, (int)st);
        OT_EXPECT(ot_check_untouched(pass ? s.dx : s.out, "output") == 0, "%s: pass %d wrote an output", ot_case, pass);
    }
    printf("  ok   %s\n", ot_case);
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_varlen_ssd_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 7300;
    ssd_cfg c;
    /* fixed partitions: length-1 sequences, a sequence ending on the chunk boundary 8 (Q = 4: also
     * on 4 and 12), one sequence only */
    static const int cu1[] = {0, 1, 8, 9, 10, 16, 23};
    static const int cu2[] = {0, 12};
    static const int cu3[] = {0, 1, 2, 3, 4, 5};
    for (int k = 0; k < 6; k++) {
        ssd_cfg_init(&c, 1, 23, 4, 2, 3, 5);
        c.init = k % 2 == 0, c.final = k % 3 != 2, c.dfinal = k % 3 == 0 || k == 5;
        c.z = k % 2, c.bias = k != 3, c.D = k % 3, c.softplus = k != 4;
        if (k == 4) c.dt_min = 1e-3f, c.dt_max = 0.1f;
        c.permuted = k >= 3;
        run_case(&c, cu1, 6, seed++);
    }
    ssd_cfg_init(&c, 1, 12, 2, 1, 4, 6);
    c.init = c.final = c.dfinal = c.z = c.bias = 1;
    run_case(&c, cu2, 1, seed++);
    ssd_cfg_init(&c, 1, 5, 3, 3, 2, 2);
    c.init = c.final = c.dfinal = 1, c.D = 2;
    run_case(&c, cu3, 5, seed++);
    ssd_cfg_init(&c, 1, 5, 3, 3, 2, 2); /* no states at all */
    c.init = c.final = c.dfinal = 0;
    run_case(&c, cu3, 5, seed++);
    /* random partitions */
    ot_rng rr;
    ot_rng_seed(&rr, 99);
    for (int k = 0; k < 6; k++) {
        int cu[40], n = 0;
        int64_t L = 10 + 9 * k;
        cu[0] = 0;
        while (cu[n] < L && n < 38) {
            int len = 1 + ot_randint(&rr, k % 2 ? 3 : 9);
            cu[n + 1] = cu[n] + len > L ? (int)L : cu[n] + len;
            n++;
        }
        cu[n] = (int)L;
        ssd_cfg_init(&c, 1, L, k % 2 ? 4 : 6, k % 2 ? 4 : 2, 1 + k % 4, 1 + (2 * k) % 5);
        c.init = k != 2, c.final = k != 1, c.dfinal = k % 3 != 0, c.z = k % 2, c.bias = k % 3 != 1, c.D = k % 3;
        if (k == 3) c.dt_special = OT_DT_NEAR20;
        run_case(&c, cu, n, seed++);
    }
    /* invalid values */
    static const int bad0[] = {1, 3, 6};
    static const int bad1[] = {0, 3, 3, 6};
    static const int bad2[] = {0, 4, 2, 6};
    static const int bad3[] = {0, 3, 5};
    static const int bad4[] = {0, 3, 7};
    invalid_case(bad0, 2, 6, "cu_seqlens[0] != 0");
    invalid_case(bad1, 3, 6, "an empty sequence");
    invalid_case(bad2, 3, 6, "decreasing");
    invalid_case(bad3, 2, 6, "last < L");
    invalid_case(bad4, 2, 6, "last > L");
    return ot_n_failures != failures_before;
}
