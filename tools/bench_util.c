/* Shared pieces of `ssmix bench`: see bench_util.h. */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}


static uint64_t rng_next(bench_rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double bench_rng_uniform(bench_rng *r) /* [0, 1) */
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double bench_rng_normal(bench_rng *r) /* Box-Muller */
{
    double u1 = bench_rng_uniform(r), u2 = bench_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* float -> IEEE binary16, round to nearest even. */
static uint16_t to_f16(float f)
{
    uint32_t x = f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    int exp = (int)((x >> 23) & 0xff);
    uint32_t mant = x & 0x7fffffu;
    if (exp == 255) return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0u));
    int e = exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10) return sign;
        mant |= 0x800000u;
        int shift = 14 - e;
        uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1u))) h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++; /* a carry into the exponent is right */
    return (uint16_t)(sign | h);
}

/* float -> bfloat16, round to nearest even. */
static uint16_t to_bf16(float f)
{
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}



static int64_t numel(const btensor *b)
{
    int64_t n = 1;
    for (int i = 0; i < b->t.ndim; i++) n *= b->t.shape[i];
    return n;
}

double bench_tensor_bytes(const btensor *b)
{
    return b->used ? (double)numel(b) * (double)ssmix_dtype_size(b->t.dtype) : 0.0;
}

/* Allocate a row-major tensor and fill it (inputs) from the generator. */
ssmix_status bench_tensor_make(ssmix_context *ctx, btensor *b, ssmix_dtype dt, int ndim, const int64_t *shape,
                            bench_fill fill, bench_rng *r)
{
    memset(b, 0, sizeof *b);
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    size_t es = ssmix_dtype_size(dt), bytes = (size_t)n * es;
    ssmix_status st = ssmix_buffer_alloc(ctx, bytes, &b->buf);
    if (st != SSMIX_SUCCESS) return st;
    b->used = 1;
    st = ssmix_tensor_init(&b->t, b->buf, 0, dt, ndim, shape, NULL);
    if (st != SSMIX_SUCCESS || fill == FILL_NONE) return st;
    void *host = malloc(bytes);
    if (!host) return SSMIX_ERROR_OUT_OF_MEMORY;
    for (int64_t i = 0; i < n; i++) {
        double v;
        switch (fill) {
        case FILL_DT: v = bench_rng_normal(r) * 0.5 - 2.0; break;
        case FILL_A: v = -exp(bench_rng_uniform(r)); break;
        case FILL_LOGDECAY: v = -log1p(exp(-bench_rng_normal(r) - 2.0)) / 4.0; break; /* log sigmoid, <= 0 */
        case FILL_DELTA: v = 0.001 + 0.1 * bench_rng_uniform(r); break;             /* positive step size */
        case FILL_SMALL: v = 0.1 * bench_rng_normal(r); break;
        default: v = bench_rng_normal(r); break;
        }
        float f = (float)v;
        if (dt == SSMIX_I32) ((int32_t *)host)[i] = (int32_t)i; /* identity indices */
        else if (dt == SSMIX_F32) ((float *)host)[i] = f;
        else if (dt == SSMIX_F16) ((uint16_t *)host)[i] = to_f16(f);
        else ((uint16_t *)host)[i] = to_bf16(f);
    }
    st = ssmix_buffer_write(b->buf, 0, host, bytes);
    free(host);
    return st;
}

const ssmix_tensor *bench_view(const btensor *b) { return b->used ? &b->t : NULL; }

int bench_parse_count(const char *opt, const char *s, int min, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > 1000000) {
        fprintf(stderr, "ssmix bench: %s must be an integer in %d .. 1000000 (got \"%s\")\n", opt, min, s);
        return 0;
    }
    *out = (int)v;
    return 1;
}

void bench_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

ssmix_status bench_time(ssmix_context *ctx, bench_call_fn call, void *user, int warmup, int iters, int rotate,
                        bench_timing *t, const char **what)
{
    ssmix_status st;
    ssmix_event *ev0 = NULL, *ev1 = NULL;
    double *ms = NULL;
    memset(t, 0, sizeof *t);
    t->how = strcmp(ssmix_context_backend(ctx), "cpu") ? "device events" : "host clock (cpu backend: synchronous)";
    *what = "first call";
    double t0 = bench_now_s();
    if ((st = call(user, 0)) != SSMIX_SUCCESS || (st = ssmix_synchronize(ctx)) != SSMIX_SUCCESS) return st;
    t->first_ms = 1e3 * (bench_now_s() - t0);
    printf("first call %.3f ms (fresh context: program builds or cache loads, workspace allocation)\n", t->first_ms);
    fflush(stdout);
    *what = "event creation";
    if ((st = ssmix_event_create(ctx, &ev0)) != SSMIX_SUCCESS || (st = ssmix_event_create(ctx, &ev1)) != SSMIX_SUCCESS)
        goto out;
    ms = malloc(sizeof(double) * (size_t)iters);
    if (!ms) {
        st = SSMIX_ERROR_OUT_OF_MEMORY;
        goto out;
    }
    double last_progress = bench_now_s(), start = last_progress;
    for (int i = 0; i < warmup + iters; i++) {
        *what = i < warmup ? "warm-up call" : "timed call";
        float sample = 0.0f;
        if ((st = ssmix_event_record(ev0)) != SSMIX_SUCCESS || (st = call(user, (i + 1) % rotate)) != SSMIX_SUCCESS ||
            (st = ssmix_event_record(ev1)) != SSMIX_SUCCESS || (st = ssmix_event_elapsed(ev0, ev1, &sample)) != SSMIX_SUCCESS)
            goto out;
        if (i >= warmup) ms[i - warmup] = (double)sample;
        double now = bench_now_s();
        if (now - last_progress > 2.0) {
            fprintf(stderr, "ssmix bench: %s %d/%d, last %.2f ms, %.0f s elapsed\n", i < warmup ? "warm-up" : "iteration",
                    i < warmup ? i + 1 : i - warmup + 1, i < warmup ? warmup : iters, (double)sample, now - start);
            last_progress = now;
        }
    }
    qsort(ms, (size_t)iters, sizeof *ms, cmp_double);
    t->median_ms = iters % 2 ? ms[iters / 2] : 0.5 * (ms[iters / 2 - 1] + ms[iters / 2]);
    t->min_ms = ms[0];
out:
    free(ms);
    ssmix_event_destroy(ev0);
    ssmix_event_destroy(ev1);
    return st;
}
