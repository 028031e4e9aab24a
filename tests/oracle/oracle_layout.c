/*
 * Oracle self-test 6: strided / broadcast views and I/O dtypes.
 *
 * (a) Permuted memory orders (x [b][h][p][t], z [b][h][t][p], dout [b][p][t][h], out dx dz
 *     [t][b][h][p], dt [h][b][t], B C [g][n][b][t], states [b][h][n][p], D (H,P) [p][h],
 *     seq_idx [t][b]) with guarded, gapped outputs give the same forward and backward results as
 *     row-major tensors (tolerance 1e-13).
 * (b) Broadcast inputs (stride 0: B, C and initial states over the batch, x over heads, z over
 *     the head channel) give the results of the materialized tensors.
 * (c) Outputs left out (present = 0) are not written and do not change the others.
 * (d) f32 / f16 / bf16 I/O (A, D, dt_bias, states f32): every output equals the f64 run on the
 *     same (exactly converted) inputs rounded once to the storage type. Both runs compute the
 *     same doubles, so round-to-nearest-even must land within 0.5 ulp of the storage type
 *     (stricter than "a couple of ulps": truncation or double rounding through f32 would fail).
 * Every output is poisoned before each call and its guards checked after (oracle_cases.c).
 */
#include <math.h>
#include <string.h>

#include "oracle_cases.h"
#include "ref.h"
#include "oracle_selfcheck.h"

static const ot_tol TOL = {1e-13, 1e-13, 0.0};
static const double ULPS = 0.5; /* round to nearest from the same double value: <= 0.5 ulp */

/* ---------------------------------------------------------------- (a) permuted */

static int cmp_ssd(const ssd_t *a, const ssd_t *b)
{
    int bad = 0;
    bad |= ot_compare("out", a->out, b->out, TOL);
    if (a->final) bad |= ot_compare("final_states", a->final, b->final, TOL);
    bad |= ot_compare("dx", a->dx, b->dx, TOL);
    bad |= ot_compare("ddt", a->ddt, b->ddt, TOL);
    bad |= ot_compare("dA", a->dA, b->dA, TOL);
    bad |= ot_compare("dB", a->dB, b->dB, TOL);
    bad |= ot_compare("dC", a->dC, b->dC, TOL);
    if (a->dD) bad |= ot_compare("dD", a->dD, b->dD, TOL);
    if (a->dz) bad |= ot_compare("dz", a->dz, b->dz, TOL);
    if (a->dbias) bad |= ot_compare("ddt_bias", a->dbias, b->dbias, TOL);
    if (a->dinit) bad |= ot_compare("dinitial_states", a->dinit, b->dinit, TOL);
    return bad;
}

static int cmp_qs(const qs_t *a, const qs_t *b)
{
    int bad = 0;
    bad |= ot_compare("out", a->out, b->out, TOL);
    bad |= ot_compare("dx", a->dx, b->dx, TOL);
    bad |= ot_compare("dA", a->dA, b->dA, TOL);
    if (a->dbias) bad |= ot_compare("ddt_bias", a->dbias, b->dbias, TOL);
    if (a->dD) bad |= ot_compare("dD", a->dD, b->dD, TOL);
    if (a->ddelta) bad |= ot_compare("ddelta", a->ddelta, b->ddelta, TOL);
    if (a->dz) bad |= ot_compare("dz", a->dz, b->dz, TOL);
    for (int d = 0; d < 2; d++) {
        if (a->ddt[d]) bad |= ot_compare(d ? "ddt_b" : "ddt_f", a->ddt[d], b->ddt[d], TOL);
        if (a->dB[d]) bad |= ot_compare(d ? "dB_b" : "dB_f", a->dB[d], b->dB[d], TOL);
        if (a->dC[d]) bad |= ot_compare(d ? "dC_b" : "dC_f", a->dC[d], b->dC[d], TOL);
        if (a->dinit[d]) bad |= ot_compare(d ? "dinit_b" : "dinit_f", a->dinit[d], b->dinit[d], TOL);
    }
    return bad;
}

static void ssd_permuted_case(ssd_cfg c, uint64_t seed)
{
    ot_rng r;
    ssd_t a, b;
    c.permuted = 0;
    ssd_alloc(&a, &c);
    ot_rng_seed(&r, seed);
    ssd_randomize(&a, &c, &r);
    c.permuted = 1;
    ssd_alloc(&b, &c);
    ot_rng_seed(&r, seed); /* generators walk logical indices: same values, other layout */
    ssd_randomize(&b, &c, &r);
    ot_set_case("permuted seed %llu %s", (unsigned long long)seed, ssd_cfg_str(&c));
    if (ssd_run_forward(&a, &c) || ssd_run_backward(&a, &c)) return;
    if (ssd_run_forward(&b, &c) || ssd_run_backward(&b, &c)) return;
    printf("  %s %s\n", cmp_ssd(&b, &a) ? "FAIL" : "ok  ", ot_case);
}

static void qs_permuted_case(qs_cfg c, uint64_t seed)
{
    ot_rng r;
    qs_t a, b;
    c.permuted = 0;
    qs_alloc(&a, &c);
    ot_rng_seed(&r, seed);
    qs_randomize(&a, &c, &r);
    c.permuted = 1;
    qs_alloc(&b, &c);
    ot_rng_seed(&r, seed);
    qs_randomize(&b, &c, &r);
    ot_set_case("permuted seed %llu %s", (unsigned long long)seed, qs_cfg_str(&c));
    if (qs_run_forward(&a, &c) || qs_run_backward(&a, &c)) return;
    if (qs_run_forward(&b, &c) || qs_run_backward(&b, &c)) return;
    printf("  %s %s\n", cmp_qs(&b, &a) ? "FAIL" : "ok  ", ot_case);
}

/* ---------------------------------------------------------------- (b) broadcast */

/* A stride-0 tensor over `mask` dims with `src`'s shape, filled from src (the last write to a
 * shared element wins); src is then overwritten with the materialized values. */
static ot_tensor *broadcast_of(ot_tensor *src, unsigned mask)
{
    ot_layout l = {NULL, 0, mask};
    ot_tensor *t = ot_new(src->dtype, src->ndim, src->shape, &l);
    ot_copy(t, src);
    ot_copy(src, t);
    return t;
}

static void ssd_broadcast_case(ssd_cfg c, uint64_t seed)
{
    ot_rng r;
    ssd_t a, b;
    ssd_alloc(&a, &c);
    ot_rng_seed(&r, seed);
    ssd_randomize(&a, &c, &r);
    b = a;
    /* b shares a's inputs except the broadcast ones; outputs of its own */
    ssd_t tmp;
    ssd_alloc(&tmp, &c);
    b.out = tmp.out, b.final = tmp.final, b.dx = tmp.dx, b.ddt = tmp.ddt, b.dA = tmp.dA, b.dB = tmp.dB;
    b.dC = tmp.dC, b.dD = tmp.dD, b.dz = tmp.dz, b.dbias = tmp.dbias, b.dinit = tmp.dinit;
    b.B = broadcast_of(a.B, 1u << 0);
    b.C = broadcast_of(a.C, 1u << 0);
    b.x = broadcast_of(a.x, 1u << 2);
    if (a.z) b.z = broadcast_of(a.z, 1u << 3);
    if (a.init) b.init = broadcast_of(a.init, 1u << 0);
    ot_set_case("broadcast seed %llu %s", (unsigned long long)seed, ssd_cfg_str(&c));
    if (ssd_run_forward(&a, &c) || ssd_run_backward(&a, &c)) return;
    if (ssd_run_forward(&b, &c) || ssd_run_backward(&b, &c)) return;
    printf("  %s %s\n", cmp_ssd(&b, &a) ? "FAIL" : "ok  ", ot_case);
}

static void qs_broadcast_case(qs_cfg c, uint64_t seed)
{
    ot_rng r;
    qs_t a, b, tmp;
    qs_alloc(&a, &c);
    ot_rng_seed(&r, seed);
    qs_randomize(&a, &c, &r);
    qs_alloc(&tmp, &c);
    b = a;
    b.out = tmp.out, b.dx = tmp.dx, b.dA = tmp.dA, b.dbias = tmp.dbias, b.dD = tmp.dD;
    b.ddelta = tmp.ddelta, b.dz = tmp.dz;
    for (int d = 0; d < 2; d++) {
        b.ddt[d] = tmp.ddt[d], b.dB[d] = tmp.dB[d], b.dC[d] = tmp.dC[d], b.dinit[d] = tmp.dinit[d];
    }
    b.x = broadcast_of(a.x, 1u << 2);
    b.B[0] = broadcast_of(a.B[0], 1u << 0);
    b.C[1] = broadcast_of(a.C[1], 1u << 0);
    if (c.shared) b.B[1] = b.B[0], b.C[0] = b.C[1];
    if (a.z) b.z = broadcast_of(a.z, 1u << 3);
    ot_set_case("broadcast seed %llu %s", (unsigned long long)seed, qs_cfg_str(&c));
    if (qs_run_forward(&a, &c) || qs_run_backward(&a, &c)) return;
    if (qs_run_forward(&b, &c) || qs_run_backward(&b, &c)) return;
    printf("  %s %s\n", cmp_qs(&b, &a) ? "FAIL" : "ok  ", ot_case);
}

/* ---------------------------------------------------------------- (c) outputs left out */

static void ssd_subset_case(ssd_cfg c, uint64_t seed)
{
    ot_rng r;
    ssd_t a;
    ssd_alloc(&a, &c);
    ot_rng_seed(&r, seed);
    ssd_randomize(&a, &c, &r);
    ot_set_case("subset seed %llu %s", (unsigned long long)seed, ssd_cfg_str(&c));
    if (ssd_run_forward(&a, &c) || ssd_run_backward(&a, &c)) return;
    /* forward without final_states; backward with each gradient alone */
    ssmix_ssd_problem p;
    ssd_t b;
    ssd_alloc(&b, &c);
    ssd_problem(&a, &c, &p, 0);
    p.out = ot_view(b.out);
    p.final_states = (ssmix_view){0};
    ot_poison(b.out), ot_poison(b.final);
    OT_EXPECT(ssmix_ref_ssd_forward(&p) == SSMIX_SUCCESS, "forward failed");
    int bad = ot_compare("out (no final)", b.out, a.out, TOL);
    bad |= ot_check_untouched(b.final, "final_states (not requested)") != 0;
    ot_tensor *ga[] = {a.dx, a.ddt, a.dA, a.dB, a.dC, a.dD, a.dz, a.dbias, a.dinit};
    ot_tensor *gb[] = {b.dx, b.ddt, b.dA, b.dB, b.dC, b.dD, b.dz, b.dbias, b.dinit};
    const char *names[] = {"dx", "ddt", "dA", "dB", "dC", "dD", "dz", "ddt_bias", "dinitial_states"};
    for (int k = 0; k < 9; k++) {
        if (!ga[k]) continue;
        ssd_problem(&a, &c, &p, 1);
        ssmix_view none = {0};
        p.dx = p.ddt = p.dA = p.dB = p.dC = p.dD = p.dz = p.ddt_bias = p.dinit = none;
        ssmix_view *slots[9] = {&p.dx, &p.ddt, &p.dA, &p.dB, &p.dC, &p.dD, &p.dz, &p.ddt_bias, &p.dinit};
        *slots[k] = ot_view(gb[k]);
        for (int j = 0; j < 9; j++)
            if (gb[j]) ot_poison(gb[j]);
        OT_EXPECT(ssmix_ref_ssd_backward(&p) == SSMIX_SUCCESS, "backward failed");
        char what[64];
        snprintf(what, sizeof what, "%s alone", names[k]);
        bad |= ot_check_written(gb[k], what) != 0;
        bad |= ot_compare(what, gb[k], ga[k], TOL);
        for (int j = 0; j < 9; j++) {
            if (j == k || !gb[j]) continue;
            char w2[96];
            snprintf(w2, sizeof w2, "%s (only %s requested)", names[j], names[k]);
            bad |= ot_check_untouched(gb[j], w2) != 0;
        }
    }
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* ---------------------------------------------------------------- (d) dtypes */

static int ulps_cmp(const char *what, const ot_tensor *got, const ot_tensor *ref)
{
    return ot_compare_ulps(what, got, ref, got->dtype, ULPS);
}

static void ssd_dtype_case(ssd_cfg c, ssmix_dtype io, uint64_t seed)
{
    ot_rng r;
    ssd_t lo, hi;
    ssd_cfg cl = c, ch = c;
    cl.io = io, cl.st = SSMIX_F32;
    ch.io = OT_F64, ch.st = OT_F64;
    ssd_alloc(&lo, &cl);
    ot_rng_seed(&r, seed);
    ssd_randomize(&lo, &cl, &r); /* values rounded to the storage types */
    ssd_alloc(&hi, &ch);
    ot_tensor *src[] = {lo.x, lo.dt, lo.A, lo.B, lo.C, lo.D, lo.z, lo.bias, lo.init, lo.seq, lo.dout, lo.dfinal};
    ot_tensor *dst[] = {hi.x, hi.dt, hi.A, hi.B, hi.C, hi.D, hi.z, hi.bias, hi.init, hi.seq, hi.dout, hi.dfinal};
    for (int k = 0; k < 12; k++)
        if (src[k]) ot_copy(dst[k], src[k]);
    ot_set_case("dtype seed %llu %s", (unsigned long long)seed, ssd_cfg_str(&cl));
    if (ssd_run_forward(&lo, &cl) || ssd_run_backward(&lo, &cl)) return;
    if (ssd_run_forward(&hi, &ch) || ssd_run_backward(&hi, &ch)) return;
    int bad = 0;
    bad |= ulps_cmp("out", lo.out, hi.out);
    if (lo.final) bad |= ulps_cmp("final_states", lo.final, hi.final);
    bad |= ulps_cmp("dx", lo.dx, hi.dx);
    bad |= ulps_cmp("ddt", lo.ddt, hi.ddt);
    bad |= ulps_cmp("dA", lo.dA, hi.dA);
    bad |= ulps_cmp("dB", lo.dB, hi.dB);
    bad |= ulps_cmp("dC", lo.dC, hi.dC);
    if (lo.dD) bad |= ulps_cmp("dD", lo.dD, hi.dD);
    if (lo.dz) bad |= ulps_cmp("dz", lo.dz, hi.dz);
    if (lo.dbias) bad |= ulps_cmp("ddt_bias", lo.dbias, hi.dbias);
    if (lo.dinit) bad |= ulps_cmp("dinitial_states", lo.dinit, hi.dinit);
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

static void qs_dtype_case(qs_cfg c, ssmix_dtype io, uint64_t seed)
{
    ot_rng r;
    qs_t lo, hi;
    qs_cfg cl = c, ch = c;
    cl.io = io, cl.st = SSMIX_F32;
    ch.io = OT_F64, ch.st = OT_F64;
    qs_alloc(&lo, &cl);
    ot_rng_seed(&r, seed);
    qs_randomize(&lo, &cl, &r);
    qs_alloc(&hi, &ch);
    ot_tensor *src[] = {lo.x, lo.A, lo.bias, lo.D, lo.delta, lo.z, lo.init[0], lo.init[1], lo.dout,
                        lo.dt[0], lo.B[0], lo.C[0], c.shared ? NULL : lo.dt[1], c.shared ? NULL : lo.B[1],
                        c.shared ? NULL : lo.C[1]};
    ot_tensor *dst[] = {hi.x, hi.A, hi.bias, hi.D, hi.delta, hi.z, hi.init[0], hi.init[1], hi.dout,
                        hi.dt[0], hi.B[0], hi.C[0], hi.dt[1], hi.B[1], hi.C[1]};
    for (int k = 0; k < 15; k++)
        if (src[k]) ot_copy(dst[k], src[k]);
    ot_set_case("dtype seed %llu %s", (unsigned long long)seed, qs_cfg_str(&cl));
    if (qs_run_forward(&lo, &cl) || qs_run_backward(&lo, &cl)) return;
    if (qs_run_forward(&hi, &ch) || qs_run_backward(&hi, &ch)) return;
    int bad = 0;
    bad |= ulps_cmp("out", lo.out, hi.out);
    bad |= ulps_cmp("dx", lo.dx, hi.dx);
    bad |= ulps_cmp("dA", lo.dA, hi.dA);
    if (lo.dbias) bad |= ulps_cmp("ddt_bias", lo.dbias, hi.dbias);
    if (lo.dD) bad |= ulps_cmp("dD", lo.dD, hi.dD);
    if (lo.ddelta) bad |= ulps_cmp("ddelta", lo.ddelta, hi.ddelta);
    if (lo.dz) bad |= ulps_cmp("dz", lo.dz, hi.dz);
    for (int d = 0; d < 2; d++) {
        if (lo.ddt[d]) bad |= ulps_cmp(d ? "ddt_b" : "ddt_f", lo.ddt[d], hi.ddt[d]);
        if (lo.dB[d]) bad |= ulps_cmp(d ? "dB_b" : "dB_f", lo.dB[d], hi.dB[d]);
        if (lo.dC[d]) bad |= ulps_cmp(d ? "dC_b" : "dC_f", lo.dC[d], hi.dC[d]);
        if (lo.dinit[d]) bad |= ulps_cmp(d ? "dinit_b" : "dinit_f", lo.dinit[d], hi.dinit[d]);
    }
    printf("  %s %s\n", bad ? "FAIL" : "ok  ", ot_case);
}

/* Every check of this file (oracle_selfcheck.h); nonzero if any failed. */
int oracle_layout_cases(void)
{
    long failures_before = ot_n_failures;
    uint64_t seed = 6000;
    ssd_cfg c;
    qs_cfg q;

    /* (a) permuted */
    ssd_cfg_init(&c, 2, 13, 4, 2, 3, 5);
    c.z = c.bias = c.init = c.seq = c.dfinal = 1, c.D = 2;
    ssd_permuted_case(c, seed++);
    c.D = 1, c.softplus = 0, c.dt_min = 1e-3f, c.dt_max = 0.1f, c.seq = 0;
    ssd_permuted_case(c, seed++);
    for (int mode = 0; mode < 2; mode++)
        for (int shared = 0; shared < 2; shared++) {
            qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 2, 11, 4, 2, 3, 5);
            q.shared = shared, q.z = 1, q.bias = 1, q.init_f = q.init_b = 1, q.diag = shared ? 3 : 2;
            qs_permuted_case(q, seed++);
        }

    /* (b) broadcast */
    ssd_cfg_init(&c, 3, 9, 4, 2, 3, 4);
    c.z = c.bias = c.init = c.dfinal = c.seq = 1;
    ssd_broadcast_case(c, seed++);
    for (int mode = 0; mode < 2; mode++) {
        qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 3, 9, 4, 2, 3, 4);
        q.z = q.bias = q.init_f = 1, q.diag = 3;
        qs_broadcast_case(q, seed++);
        q.shared = 1, q.diag = 1;
        qs_broadcast_case(q, seed++);
    }

    /* (c) outputs left out */
    ssd_cfg_init(&c, 2, 9, 4, 2, 3, 4);
    c.z = c.bias = c.init = c.dfinal = c.seq = 1, c.D = 2;
    ssd_subset_case(c, seed++);

    /* (d) dtypes */
    const ssmix_dtype dts[3] = {SSMIX_F32, SSMIX_F16, SSMIX_BF16};
    for (int k = 0; k < 3; k++) {
        ssd_cfg_init(&c, 2, 19, 4, 2, 3, 5);
        c.z = c.bias = c.init = c.dfinal = c.seq = 1, c.D = 1 + k % 2, c.permuted = k == 2;
        ssd_dtype_case(c, dts[k], seed++);
        c.softplus = 0, c.dt_min = 1e-3f, c.dt_max = 0.1f, c.z = 0, c.seq = 0;
        ssd_dtype_case(c, dts[k], seed++);
        for (int mode = 0; mode < 2; mode++) {
            qs_cfg_init(&q, (ssmix_qsmix_mode)mode, 2, 15, 4, 2, 3, 5);
            q.z = q.bias = q.init_f = q.init_b = 1, q.diag = 1 + (k + mode) % 3, q.shared = mode == k % 2;
            q.permuted = k == 1;
            qs_dtype_case(q, dts[k], seed++);
        }
    }
    return ot_n_failures != failures_before;
}
