/*
 * Problem builders of the oracle self-tests: a configuration struct per operator (sizes and
 * option flags), the set of host tensors of one problem, random inputs per OPS.md section 8, and
 * wrappers that poison the outputs, build the ssmix_*_problem, call the CPU reference and check
 * that every output element (and no guard element) was written.
 */
#ifndef SSMIX_ORACLE_CASES_H
#define SSMIX_ORACLE_CASES_H

#include "oracle_util.h"

enum { OT_DT_NORMAL = 0, OT_DT_NEAR20 = 1, OT_DT_SPREAD = 2 };

/* ---------------------------------------------------------------- SSD */
typedef struct ssd_cfg {
    int64_t b, L, H, P, N, G, Q;
    int softplus;
    float dt_min, dt_max;
    int D;          /* 0 none, 1 shape (H), 2 shape (H,P) */
    int z, bias, init, seq, final, dfinal;
    int dt_special; /* OT_DT_* */
    double kink_margin; /* > 0: keep dt + dt_bias this far from clamp bounds and from v = 20 */
    int permuted;   /* non-row-major memory orders for every tensor (outputs are guarded anyway) */
    ssmix_dtype io; /* activations */
    ssmix_dtype st; /* A, D, dt_bias, states and their gradients */
} ssd_cfg;

void ssd_cfg_init(ssd_cfg *c, int64_t b, int64_t L, int64_t H, int64_t G, int64_t P, int64_t N);
const char *ssd_cfg_str(const ssd_cfg *c); /* static buffer */

typedef struct ssd_t {
    ot_tensor *x, *dt, *A, *B, *C, *D, *z, *bias, *init, *seq;
    ot_tensor *out, *final;
    ot_tensor *dout, *dfinal;
    ot_tensor *dx, *ddt, *dA, *dB, *dC, *dD, *dz, *dbias, *dinit;
} ssd_t;

/* Allocate every tensor the configuration uses (inputs packed or permuted, outputs guarded). */
void ssd_alloc(ssd_t *s, const ssd_cfg *c);
/* Random inputs (and dout / dfinal). */
void ssd_randomize(ssd_t *s, const ssd_cfg *c, ot_rng *r);
/* pass 0: forward problem (out, final); pass 1: backward (dout, dfinal, every gradient). */
void ssd_problem(const ssd_t *s, const ssd_cfg *c, ssmix_ssd_problem *p, int pass);
/* Poison outputs, run the oracle, check status and written/guards. Return failures (0 = ok). */
int ssd_run_forward(ssd_t *s, const ssd_cfg *c);
int ssd_run_backward(ssd_t *s, const ssd_cfg *c);
/* sum(dout * out) + sum(dfinal * final) (the FD loss) after a forward run. */
double ssd_loss(const ssd_t *s);

/* ---------------------------------------------------------------- quasiseparable mixer */
typedef struct qs_cfg {
    int64_t b, L, H, P, N, G, Q;
    ssmix_qsmix_mode mode;
    int softplus;
    float dt_min, dt_max;
    int diag;       /* 0 none, 1 D (H), 2 D (H,P), 3 per-token delta (b,L,H) */
    int z, bias, init_f, init_b, shared;
    int dt_special;
    double kink_margin;
    int permuted;
    ssmix_dtype io, st;
} qs_cfg;

void qs_cfg_init(qs_cfg *c, ssmix_qsmix_mode mode, int64_t b, int64_t L, int64_t H, int64_t G,
                 int64_t P, int64_t N);
const char *qs_cfg_str(const qs_cfg *c);

typedef struct qs_t {
    ot_tensor *x, *A, *bias, *dt[2], *B[2], *C[2], *D, *delta, *z, *init[2];
    ot_tensor *out, *dout;
    ot_tensor *dx, *dA, *dbias, *dD, *ddelta, *dz, *ddt[2], *dB[2], *dC[2], *dinit[2];
} qs_t; /* shared: dt[1] == dt[0] etc., ddt[1] == dB[1] == dC[1] == NULL */

void qs_alloc(qs_t *s, const qs_cfg *c);
void qs_randomize(qs_t *s, const qs_cfg *c, ot_rng *r);
void qs_problem(const qs_t *s, const qs_cfg *c, ssmix_qsmix_problem *p, int pass);
int qs_run_forward(qs_t *s, const qs_cfg *c);
int qs_run_backward(qs_t *s, const qs_cfg *c);
double qs_loss(const qs_t *s);

/* ---------------------------------------------------------------- random configurations */
/* Random sizes (L in 1..maxL, P in 1..maxP, N in 1..maxN, H in {1,2,3,4,6,8} with a random
 * divisor G, b in 1..3) and random options (D kind, z, dt_bias, softplus, dt_limit, initial
 * states, seq_idx, final / dfinal, dt distribution). kink_margin is left at 0. */
void ssd_cfg_random(ssd_cfg *c, ot_rng *r, int64_t maxL, int64_t maxP, int64_t maxN);
void qs_cfg_random(qs_cfg *c, ot_rng *r, int64_t maxL, int64_t maxP, int64_t maxN);

/* ---------------------------------------------------------------- shared generators */
/* dt (b,L,H) per OPS.md section 8 (or a special distribution), moved away from kinks. */
void ot_gen_dt(ot_tensor *dt, const ot_tensor *bias, int softplus, float dt_min, float dt_max,
               int special, double margin, ot_rng *r);
/* Random non-decreasing seq_idx rows (some rows start at 1, ids may skip values). */
void ot_gen_seq(ot_tensor *seq, ot_rng *r);
/* A = -exp(U(0,1)). */
void ot_gen_A(ot_tensor *A, ot_rng *r);
/* OPS.md dt pipeline: Delta = clamp(softplus_thr(dt + bias) or dt + bias, dt_min, dt_max). */
double ot_delta(double dt, double bias, int softplus, double dt_min, double dt_max);
/* sum_i a_i * b_i over the logical elements. */
double ot_dot(const ot_tensor *a, const ot_tensor *b);

#endif
