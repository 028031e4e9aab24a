/*
 * Shared pieces of `ssmix bench` (ssmix_bench.c: the command line; ssmix_bench_ops.c: the operator
 * table): random inputs, benchmark tensors, the timing loop and small parsing/JSON helpers.
 */
#ifndef SSMIX_BENCH_UTIL_H
#define SSMIX_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "ssmix.h"

double bench_now_s(void); /* CLOCK_MONOTONIC seconds */

typedef struct bench_rng {
    uint64_t s;
} bench_rng;
double bench_rng_uniform(bench_rng *r); /* [0, 1) */
double bench_rng_normal(bench_rng *r);

/* How an input is filled (OPS.md section 8 distributions). */
typedef enum bench_fill {
    FILL_NONE,     /* outputs: left as allocated */
    FILL_NORMAL,   /* N(0,1) */
    FILL_DT,       /* N(0,1)*0.5 - 2, used with softplus */
    FILL_A,        /* -exp(U(0,1)) */
    FILL_LOGDECAY, /* log sigmoid(N(0,1)+2) / 4: a GLA log-decay in (-inf, 0] */
    FILL_DELTA,    /* 0.001 + 0.1*U(0,1): a positive raw step size */
    FILL_SMALL     /* 0.1*N(0,1) (states) */
} bench_fill;

typedef struct btensor {
    ssmix_buffer *buf;
    ssmix_tensor t;
    int used;
} btensor;

/* Allocate a row-major tensor and fill it (inputs) from the generator; i32 tensors get 0, 1, 2, ... */
ssmix_status bench_tensor_make(ssmix_context *ctx, btensor *b, ssmix_dtype dt, int ndim, const int64_t *shape,
                               bench_fill fill, bench_rng *r);
const ssmix_tensor *bench_view(const btensor *b); /* NULL for an unused tensor */
double bench_tensor_bytes(const btensor *b);      /* 0 for an unused tensor */

/* One timed unit on input set k (0 <= k < rotate); must not synchronize. */
typedef ssmix_status (*bench_call_fn)(void *user, int k);

typedef struct bench_timing {
    double first_ms;  /* first call in the (fresh) context: host wall clock around call + synchronize */
    double median_ms; /* over `iters` samples, each the time between two timing events */
    double min_ms;
    const char *how;  /* "device events" or "host clock (cpu backend: synchronous)" */
} bench_timing;

/* First call, `warmup` untimed calls, `iters` samples timed with ssmix events around each call;
 * input sets rotate. Prints the first-call line and progress (stderr) on long runs. On failure
 * returns the status and sets *what to the step that failed. */
ssmix_status bench_time(ssmix_context *ctx, bench_call_fn call, void *user, int warmup, int iters, int rotate,
                        bench_timing *t, const char **what);

int bench_parse_count(const char *opt, const char *s, int min, int *out); /* 0 after printing an error */
void bench_json_string(FILE *f, const char *s);

/* Command-line options of `ssmix bench`, parsed once (ssmix_bench.c). */
typedef struct bench_cli {
    const char *selector, *op, *mode, *shape, *dtype, *json;
    ssmix_dtype io;
    int backward, warmup, iters, rotate;
} bench_cli;

/* The operator table (ssmix_bench_ops.c): is `op` one of its rows; run it (exit status 0/1/2);
 * list the rows with their --shape fields and --mode choices. */
int bench_ops_has(const char *op);
int bench_ops_run(const bench_cli *cli);
void bench_ops_usage(FILE *f);

#endif
