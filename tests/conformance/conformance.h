/*
 * Backend conformance suite (OPS.md sections 7 and 8): runs an operator on a backend context and on
 * the "cpu" oracle context through the public API, on the same (already quantized) random inputs,
 * and compares every output per tensor with atol/rtol and relative RMS. Every output is poisoned
 * (NaN) before each run and lives inside a buffer whose bytes outside the view (guard regions before
 * and after, gaps of strided views) hold a sentinel that must survive; inputs must come back
 * unchanged. Optionally the backend runs twice and must reproduce its outputs bit for bit.
 *
 * Used by the ctest driver ssmix_conformance (main.c) and by `ssmix check`. Operators plug in as
 * conf_suite objects: cases_<op>.c defines conf_suite_<op> (every cases_*.c is built) and the list
 * in conformance.c names it; conf_suites() returns that list.
 *
 * Writing a case (see cases_ssd.c):
 *     conf_tensor *x = conf_tensor_new(r, "x", io, 4, shape, CONF_LAYOUT_CONTIG, 0, tol_none);
 *     conf_fill_normal(r, x, 0.0, 1.0); conf_upload(r, x);          // inputs: fill, then upload
 *     conf_tensor *out = conf_tensor_new(r, "out", io, 4, shape, 0, 1, conf_tol_output(io));
 *     failures += conf_execute(r, "case-name fwd", 1, my_fn, &my_state, determinism);
 *     conf_case_end(r);                                              // frees the case's tensors
 * where my_fn(r, side, user) builds the operator's tensor struct from conf_view(t, side) and calls
 * the operator on conf_ctx(r, side).
 */
#ifndef SSMIX_CONFORMANCE_H
#define SSMIX_CONFORMANCE_H

#include <stdint.h>
#include <stdio.h>

#include "ssmix.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum conf_side { CONF_DEV = 0, CONF_REF = 1 } conf_side;

typedef struct conf_tol {
    double rtol, atol;
} conf_tol;

/* OPS.md section 8 tolerances by the compared tensor's dtype: outputs (fp32 1e-4/1e-4, fp16
 * 3e-3/5e-3, bf16 2e-2/5e-2) and gradients (fp32 1e-3/1e-3, 16-bit as outputs), `looser` (1..5)
 * multiplies both for the gradients that sum over many terms (dA, ddt, ddt_bias). */
conf_tol conf_tol_output(ssmix_dtype dt);
conf_tol conf_tol_grad(ssmix_dtype dt, double looser);

/* Storage layouts of a test tensor's view (every layout keeps guard regions around the view). */
enum {
    CONF_LAYOUT_CONTIG = 0, /* row-major, unit inner stride */
    CONF_LAYOUT_PADDED = 1, /* row-major over a larger box: gaps after every row of every dimension */
    CONF_LAYOUT_COLMAJOR = 2 /* first dimension fastest: non-unit inner stride */
};

typedef struct conf_runner conf_runner;
typedef struct conf_tensor conf_tensor;

typedef struct conf_options {
    const char *selector; /* backend under test, e.g. "opencl" or "opencl:pocl" */
    uint64_t seed;
    FILE *out;            /* table output (stdout if NULL) */
    int verbose;          /* 1: print every row; 0: print failures and a line per case */
} conf_options;

/* Create the two contexts. On failure returns the status of the backend context creation (e.g.
 * SSMIX_ERROR_BACKEND_UNAVAILABLE) with ssmix_last_error() describing it; *r is NULL. */
ssmix_status conf_runner_new(const conf_options *opt, conf_runner **r);
void conf_runner_free(conf_runner *r);
ssmix_context *conf_ctx(conf_runner *r, conf_side side);
/* Totals so far: compared tensors (checks) and failed checks. */
long conf_checks(const conf_runner *r);
long conf_failures(const conf_runner *r);
FILE *conf_out(const conf_runner *r);
int conf_verbose(const conf_runner *r);
/* Worst error ratio max(|dev-ref| / (atol + rtol |ref|)) and largest max-abs error seen per I/O
 * dtype (index 0 f32, 1 f16, 2 bf16) of the cases run so far (for the summary line). */
double conf_worst_ratio(const conf_runner *r, int dtype_index);
void conf_set_case_dtype(conf_runner *r, ssmix_dtype io);

/* Random numbers (deterministic per runner seed). */
double conf_randn(conf_runner *r);
double conf_randu(conf_runner *r); /* [0, 1) */
uint64_t conf_rand_u64(conf_runner *r);

/* softplus_thr of OPS.md section 0, for cases that shape their dt/delta data through it. */
double conf_softplus(double v);

/* A tensor of the current case. `group` 0 = input; >= 1 = output of the conf_execute() call with
 * that group (poisoned before, compared after). Shapes up to 4 dims. tol is used for outputs. */
conf_tensor *conf_tensor_new(conf_runner *r, const char *name, ssmix_dtype dt, int ndim, const int64_t *shape,
                             int layout, int group, conf_tol tol);
/* Logical values in row-major order (double); fill them for inputs, then conf_upload(). */
double *conf_values(conf_tensor *t);
int64_t conf_numel(const conf_tensor *t);
void conf_fill_normal(conf_runner *r, conf_tensor *t, double mean, double stddev);
void conf_fill_uniform(conf_runner *r, conf_tensor *t, double lo, double hi);
/* Quantize the values to the dtype (round to nearest even), store them into both backends' buffers.
 * The values array is updated to the quantized values. */
ssmix_status conf_upload(conf_runner *r, conf_tensor *t);
/* The view of a tensor on one side, or NULL if t is NULL (handy for optional tensors). */
const ssmix_tensor *conf_view(conf_tensor *t, conf_side side);

/* The operator call for one side. */
typedef ssmix_status (*conf_op_fn)(conf_runner *r, conf_side side, void *user);

/* Poison the outputs of `group` on both sides, run fn on the oracle then on the backend, check
 * guards/sentinels and unchanged inputs, compare every output of the group; with `determinism`,
 * run the backend again (outputs re-poisoned) and require bitwise equal outputs. Prints rows and
 * returns the number of failed checks. */
int conf_execute(conf_runner *r, const char *label, int group, conf_op_fn fn, void *user, int determinism);

/* Release every tensor of the current case. */
void conf_case_end(conf_runner *r);

/* ---------------------------------------------------------------- suites */

typedef struct conf_suite {
    const char *op; /* "ssd", "qsmix" */
    /* number of cases in quick (full == 0) or full mode */
    int (*count)(int full);
    /* one-line description of case `index` */
    void (*describe)(int full, int index, char *buf, size_t size);
    /* run case `index`; returns the number of failed checks */
    int (*run)(conf_runner *r, int full, int index);
} conf_suite;

/* NULL-terminated list of the suites compiled in. */
const conf_suite *const *conf_suites(void);

#ifdef __cplusplus
}
#endif
#endif
