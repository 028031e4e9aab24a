/*
 * Oracle self-test 5: state chaining (OPS.md section 1).
 *
 * A sequence run in pieces, each piece's final_states passed as the next piece's initial_states,
 * equals one run (out concatenated, final state of the last piece). The backward chain runs the
 * pieces in reverse, feeding each piece's dinitial_states as the previous piece's dfinal_states:
 * dx, ddt, dB, dC, dz concatenate; dA, dD, ddt_bias sum; dinitial_states is the first piece's.
 * With seq_idx, a later piece gets seq_idx - (last id of the previous piece), so a piece that
 * continues a sequence starts at id 0 (its initial state applies) and one that starts a new
 * sequence starts above 0 (its initial state is ignored, as in the full run).
 * Cuts at 1, L/2, L-1 and three-way; dfinal given and not; double precision, tolerance 1e-12.
 */
#include <math.h>
#include <string.h>

#include "oracle_cases.h"
#include "oracle_selfcheck.h"

static const ot_tol TOL = {1e-12, 1e-12, 0.0};

static void copy_time(ot_tensor *dst, int64_t dt0, const ot_tensor *src, int64_t st0, int64_t len)
{
    for (int64_t b = 0; b < src->shape[0]; b++)
        for (int64_t t = 0; t < len; t++)
            for (int64_t i = 0; i < src->shape[2]; i++)
                for (int64_t j = 0; j < src->shape[3]; j++)
                    ot_set(dst, b, dt0 + t, i, j, ot_get(src, b, st0 + t, i, j));
}

#define MAXP 4

static void run_case(const ssd_cfg *c, int npieces, const int64_t *cuts /* npieces-1 */, uint64_t seed)
{
    ot_rng r;
    ot_rng_seed(&r, seed);
    ssd_t s;
    ssd_alloc(&s, c);
    ssd_randomize(&s, c, &r);
    char cb[64] = "";
    for (int k = 0; k < npieces - 1; k++)
        snprintf(cb + strlen(cb), sizeof cb - strlen(cb), "%s%lld", k ? "," : "", (long long)cuts[k]);
    ot_set_case("seed %llu cuts %s %s", (unsigned long long)seed, cb, ssd_cfg_str(c));
    if (ssd_run_forward(&s, c) || ssd_run_backward(&s, c)) return;

    int64_t start[MAXP + 1];
    start[0] = 0;
    for (int k = 0; k < npieces - 1; k++) start[k + 1] = cuts[k];
    start[npieces] = c->L;
    ssd_cfg pc[MAXP];
    ssd_t ps[MAXP];
    for (int k = 0; k < npieces; k++) {
        int64_t len = start[k + 1] - start[k];
        pc[k] = *c;
        pc[k].L = len;
        pc[k].init = k > 0 || c->init;
        pc[k].final = 1;
        pc[k].dfinal = k < npieces - 1 || c->dfinal;
        ssd_alloc(&ps[k], &pc[k]);
        ssd_t *p = &ps[k];
        copy_time(p->x, 0, s.x, start[k], len);
        copy_time(p->dt, 0, s.dt, start[k], len);
        copy_time(p->B, 0, s.B, start[k], len);
        copy_time(p->C, 0, s.C, start[k], len);
        copy_time(p->dout, 0, s.dout, start[k], len);
        if (s.z) copy_time(p->z, 0, s.z, start[k], len);
        ot_copy(p->A, s.A);
        if (s.D) ot_copy(p->D, s.D);
        if (s.bias) ot_copy(p->bias, s.bias);
        if (k == 0 && c->init) ot_copy(p->init, s.init);
        if (k == npieces - 1 && c->dfinal) ot_copy(p->dfinal, s.dfinal);
        if (s.seq)
            for (int64_t b = 0; b < c->b; b++) {
                double base = k == 0 ? 0.0 : ot_get(s.seq, b, start[k] - 1, 0, 0);
                for (int64_t t = 0; t < len; t++)
                    ot_set(p->seq, b, t, 0, 0, ot_get(s.seq, b, start[k] + t, 0, 0) - base);
            }
    }
    /* forward chain */
    for (int k = 0; k < npieces; k++) {
        if (k > 0) ot_copy(ps[k].init, ps[k - 1].final);
        if (ssd_run_forward(&ps[k], &pc[k])) return;
    }
    /* backward chain */
    for (int k = npieces - 1; k >= 0; k--) {
        if (k < npieces - 1) ot_copy(ps[k].dfinal, ps[k + 1].dinit);
        if (ssd_run_backward(&ps[k], &pc[k])) return;
    }
    ot_tensor *out = ot_zeros_like(s.out), *dx = ot_zeros_like(s.dx), *ddt = ot_zeros_like(s.ddt);
    ot_tensor *dB = ot_zeros_like(s.dB), *dC = ot_zeros_like(s.dC), *dz = ot_zeros_like(s.dz);
    ot_tensor *dA = ot_zeros_like(s.dA), *dD = ot_zeros_like(s.dD), *dbias = ot_zeros_like(s.dbias);
    for (int k = 0; k < npieces; k++) {
        int64_t len = pc[k].L;
        copy_time(out, start[k], ps[k].out, 0, len);
        copy_time(dx, start[k], ps[k].dx, 0, len);
        copy_time(ddt, start[k], ps[k].ddt, 0, len);
        copy_time(dB, start[k], ps[k].dB, 0, len);
        copy_time(dC, start[k], ps[k].dC, 0, len);
        if (dz) copy_time(dz, start[k], ps[k].dz, 0, len);
        ot_add_into(dA, ps[k].dA);
        if (dD) ot_add_into(dD, ps[k].dD);
        if (dbias) ot_add_into(dbias, ps[k].dbias);
    }
    int bad = 0;
    bad |= ot_compare("out", s.out, out, TOL);
    if (s.final) bad |= ot_compare("final_states", s.final, ps[npieces - 1].final, TOL);
    bad |= ot_compare("dx", s.dx, dx, TOL);
    bad |= ot_compare("ddt", s.ddt, ddt, TOL);
    bad |= ot_compare("dA", s.dA, dA, TOL);
    bad |= ot_compare("dB", s.dB, dB, TOL);
    bad |= ot_compare("dC", s.dC, dC, TOL);
    if (dz) bad |= ot_compare("dz", s.dz, dz, TOL);
    if (dD) bad |= ot_compare("dD", s.dD, dD, TOL);
    if (dbias) bad |= ot_compare("ddt_bias", s.dbias, dbias, TOL);
    if (s.dinit) bad |= ot_compare("dinitial_states", s.dinit, ps[0].dinit, TOL);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_chain_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 5000;
    for (int k = 0; k < 8; k++) {
        ssd_cfg c;
        ssd_cfg_init(&c, 2, 24, 4, 2, 3, 5);
        c.init = k % 2 == 0, c.dfinal = k % 4 < 2, c.z = k % 3 == 0, c.bias = 1, c.D = k % 3;
        c.seq = k >= 4;
        if (k == 3) c.softplus = 0, c.dt_min = 1e-3f, c.dt_max = 0.1f;
        if (k == 5) c.dt_special = OT_DT_NEAR20;
        if (k == 6) c.dt_special = OT_DT_SPREAD, c.dt_min = 0.05f, c.dt_max = 0.5f;
        int64_t half = 12, one = 1, last = 23, three[2] = {5, 16};
        run_case(&c, 2, &half, seed);
        run_case(&c, 2, &one, seed);
        run_case(&c, 2, &last, seed);
        run_case(&c, 3, three, seed);
        seed++;
    }
    return ot_n_failures != failures_before;
}
