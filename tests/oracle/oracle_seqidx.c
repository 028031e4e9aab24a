/*
 * Oracle self-test 4: seq_idx packing (OPS.md section 1).
 *
 * A batch row holding several sequences back to back (seq_idx partitions, ids non-decreasing,
 * possibly skipping values, possibly starting above 0) must give the same results as running each
 * sequence alone (batch 1, no seq_idx):
 *   out, dx, ddt, dB, dC, dz     the per-sequence slices;
 *   final_states[b]              the final state of the row's last sequence;
 *   dA, dD, ddt_bias             sums over all sequences of all rows;
 *   initial_states / dinitial    only the sequence with id 0 at position 0 gets the initial state
 *                                (its dinitial is the row's; rows starting at id > 0 get 0);
 *   dfinal_states                feeds the row's last sequence only.
 * Double precision, tolerance 1e-12.
 */
#include <math.h>
#include <string.h>

#include "oracle_cases.h"
#include "oracle_selfcheck.h"

static const ot_tol TOL = {1e-12, 1e-12, 0.0};

/* dst[db, dt0 + t, ...] = src[sb, st0 + t, ...] for t < len (time is logical dim 1) */
static void copy_time(ot_tensor *dst, int64_t db, int64_t dt0, const ot_tensor *src, int64_t sb, int64_t st0,
                      int64_t len)
{
    for (int64_t t = 0; t < len; t++)
        for (int64_t i = 0; i < src->shape[2]; i++)
            for (int64_t j = 0; j < src->shape[3]; j++)
                ot_set(dst, db, dt0 + t, i, j, ot_get(src, sb, st0 + t, i, j));
}

/* dst[db, ...] = src[sb, ...] for tensors whose dim 0 is the batch */
static void copy_batch(ot_tensor *dst, int64_t db, const ot_tensor *src, int64_t sb)
{
    for (int64_t i = 0; i < src->shape[1]; i++)
        for (int64_t j = 0; j < src->shape[2]; j++)
            for (int64_t k = 0; k < src->shape[3]; k++) ot_set(dst, db, i, j, k, ot_get(src, sb, i, j, k));
}

/* pattern 0: random partitions; 1: fixed rows (several sequences, a row starting at id 2, one
 * sequence only, one token per sequence) -- needs b == 4 */
static void run_case(const ssd_cfg *c, int pattern, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ssd_t s;
    ssd_alloc(&s, c);
    ssd_randomize(&s, c, &r);
    if (pattern == 1) {
        for (int64_t t = 0; t < c->L; t++) {
            int64_t q = t * 10 / c->L;
            static const int row0[10] = {0, 0, 0, 1, 1, 3, 3, 3, 3, 4};
            static const int row1[10] = {2, 2, 2, 2, 2, 5, 5, 6, 6, 6};
            ot_set(s.seq, 0, t, 0, 0, row0[q]);
            ot_set(s.seq, 1, t, 0, 0, row1[q]);
            ot_set(s.seq, 2, t, 0, 0, 0);
            ot_set(s.seq, 3, t, 0, 0, (double)t);
        }
    }
    ot_set_case("seed %llu pattern %d %s", (unsigned long long)seed, pattern, ssd_cfg_str(c));
    if (ssd_run_forward(&s, c) || ssd_run_backward(&s, c)) return;

    ot_tensor *out = ot_zeros_like(s.out), *fin = ot_zeros_like(s.final), *dx = ot_zeros_like(s.dx);
    ot_tensor *ddt = ot_zeros_like(s.ddt), *dB = ot_zeros_like(s.dB), *dC = ot_zeros_like(s.dC);
    ot_tensor *dz = ot_zeros_like(s.dz), *dA = ot_zeros_like(s.dA), *dD = ot_zeros_like(s.dD);
    ot_tensor *dbias = ot_zeros_like(s.dbias), *dinit = ot_zeros_like(s.dinit);
    int nseg_total = 0;
    for (int64_t b = 0; b < c->b; b++) {
        int64_t t0 = 0;
        while (t0 < c->L) {
            int id = (int)ot_get(s.seq, b, t0, 0, 0);
            int64_t t1 = t0 + 1;
            while (t1 < c->L && (int)ot_get(s.seq, b, t1, 0, 0) == id) t1++;
            int last = t1 == c->L;
            ssd_cfg c1 = *c;
            c1.b = 1, c1.L = t1 - t0, c1.seq = 0, c1.final = 1;
            c1.init = c->init && id == 0;
            c1.dfinal = c->dfinal && last;
            ssd_t s1;
            ssd_alloc(&s1, &c1);
            copy_time(s1.x, 0, 0, s.x, b, t0, c1.L);
            copy_time(s1.dt, 0, 0, s.dt, b, t0, c1.L);
            copy_time(s1.B, 0, 0, s.B, b, t0, c1.L);
            copy_time(s1.C, 0, 0, s.C, b, t0, c1.L);
            copy_time(s1.dout, 0, 0, s.dout, b, t0, c1.L);
            if (s.z) copy_time(s1.z, 0, 0, s.z, b, t0, c1.L);
            ot_copy(s1.A, s.A);
            if (s.D) ot_copy(s1.D, s.D);
            if (s.bias) ot_copy(s1.bias, s.bias);
            if (c1.init) copy_batch(s1.init, 0, s.init, b);
            if (c1.dfinal) copy_batch(s1.dfinal, 0, s.dfinal, b);
            if (ssd_run_forward(&s1, &c1) || ssd_run_backward(&s1, &c1)) return;
            copy_time(out, b, t0, s1.out, 0, 0, c1.L);
            copy_time(dx, b, t0, s1.dx, 0, 0, c1.L);
            copy_time(ddt, b, t0, s1.ddt, 0, 0, c1.L);
            copy_time(dB, b, t0, s1.dB, 0, 0, c1.L);
            copy_time(dC, b, t0, s1.dC, 0, 0, c1.L);
            if (dz) copy_time(dz, b, t0, s1.dz, 0, 0, c1.L);
            ot_add_into(dA, s1.dA);
            if (dD) ot_add_into(dD, s1.dD);
            if (dbias) ot_add_into(dbias, s1.dbias);
            if (fin && last) copy_batch(fin, b, s1.final, 0);
            if (c1.init) copy_batch(dinit, b, s1.dinit, 0);
            nseg_total++;
            t0 = t1;
        }
    }
    int bad = 0;
    bad |= ot_compare("out", s.out, out, TOL);
    if (fin) bad |= ot_compare("final_states", s.final, fin, TOL);
    bad |= ot_compare("dx", s.dx, dx, TOL);
    bad |= ot_compare("ddt", s.ddt, ddt, TOL);
    bad |= ot_compare("dA", s.dA, dA, TOL);
    bad |= ot_compare("dB", s.dB, dB, TOL);
    bad |= ot_compare("dC", s.dC, dC, TOL);
    if (dz) bad |= ot_compare("dz", s.dz, dz, TOL);
    if (dD) bad |= ot_compare("dD", s.dD, dD, TOL);
    if (dbias) bad |= ot_compare("ddt_bias", s.dbias, dbias, TOL);
    if (dinit) bad |= ot_compare("dinitial_states", s.dinit, dinit, TOL);
    printf("  %s %s (%d sequences)\n", bad ? "FAIL" : "ok  ", ot_case, nseg_total);
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_seqidx_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 4000;
    ssd_cfg c;
    ssd_cfg_init(&c, 4, 20, 4, 2, 3, 5); /* fixed partitions */
    c.seq = c.init = c.dfinal = c.z = c.bias = 1;
    run_case(&c, 1, seed++);
    c.D = 2, c.softplus = 0, c.dt_min = 1e-3f, c.dt_max = 0.1f, c.z = 0;
    run_case(&c, 1, seed++);
    ssd_cfg_init(&c, 4, 10, 2, 1, 2, 3); /* one token per sequence in row 3, L = 10 */
    c.seq = c.init = c.dfinal = 1, c.dt_special = OT_DT_SPREAD, c.dt_min = 0.05f, c.dt_max = 0.5f;
    run_case(&c, 1, seed++);
    for (int k = 0; k < 6; k++) { /* random partitions */
        ssd_cfg_init(&c, 3, 17 + 5 * k, 4, k % 2 ? 4 : 2, 3, 4);
        c.seq = 1, c.init = k != 2, c.dfinal = k % 3 != 1, c.z = k % 2, c.bias = k != 4, c.D = k % 3;
        c.final = c.dfinal || k == 1;
        if (k == 3) c.dt_special = OT_DT_NEAR20;
        run_case(&c, 0, seed++);
    }
    return ot_n_failures != failures_before;
}
