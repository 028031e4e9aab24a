/*
 * `ssmix bench`: time one operator call (or a forward+backward pair) on a backend.
 *
 * Timing is host wall clock (CLOCK_MONOTONIC) around "operator call(s) + ssmix_synchronize()": the
 * public API has no device events, so each sample is the end-to-end time of one call as a program
 * sees it, launch overhead and synchronization included. For very short kernels this overstates
 * device time; for long ones it converges to it.
 *
 * Inputs are random per OPS.md section 8 (x, B, C, delta ~ N(0,1); dt = N(0,1)*0.5 - 2 used with
 * dt_softplus; A = -exp(U(0,1)); D, dt_bias ~ N(0,1)). K sets of inputs (--rotate K) are allocated
 * and used in turn, so that with K > 1 consecutive calls do not find their inputs in a cache.
 *
 * Byte model (reported as GB/s): every input tensor the call reads counted once plus every output
 * tensor it writes counted once, in its storage dtype. Workspace traffic is not counted.
 *
 * FLOP model (reported as TFLOP/s): the matrix products of the chunked algorithm, 2 flops per
 * multiply-add, elementwise work (exp, softplus, gates) not counted. Per batch row, per head, per
 * chunk of q = min(Q, L - c*Q) positions:
 *   forward   CB = C B^T                          2 q q N
 *             chunk state  X^T (w B)              2 q P N
 *             state passing H = a H + Sloc        2 P N
 *             chunk output intra (CB.decay) X     2 q q P
 *                          inter C H^T            2 q P N
 *             total                                2qqN + 2qqP + 4qPN + 2PN
 *   backward  recomputed CB, chunk states, state passing         2qqN + 2qPN + 2PN
 *             dScores = dY X^T, dX_intra = Scores^T dY           4qqP
 *             dC_intra = dS B, dB_intra = dS^T C                  4qqN
 *             dC_inter, dH, dX_state, dB_state                   8qPN
 *             state passing backward                              2PN
 *             total                                6qqN + 4qqP + 10qPN + 4PN
 * The mixer (qsmix) runs two such scans (one per direction): twice the SSD count.
 * With --backward each sample is a forward followed by a backward call; bytes and FLOPs are the sum.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmix.h"
#include "ssmix_tool.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ssmix bench --op ssd|qsmix [--mode hydra|bimamba] --shape b,L,H,P,N,G,Q\n"
            "                   [--dtype f32|f16|bf16] [--backward] [--backend SEL] [--warmup N]\n"
            "                   [--iters N] [--rotate K] [--json FILE]\n\n"
            "Times one operator call (with --backward: a forward then a backward call) on the backend SEL\n"
            "(default: $SSMIX_BACKEND, else auto) and prints the median and minimum time, achieved GB/s\n"
            "and TFLOP/s, and the latency of the first call in a fresh context.\n"
            "  --op       ssd (causal chunked scan) or qsmix (bidirectional mixer)\n"
            "  --mode     qsmix only: hydra (default; separate direction parameters, per-token delta)\n"
            "             or bimamba (Bi-Mamba2: shared parameters, D of shape (H))\n"
            "  --shape    batch, length, heads, head dim, state size, groups, chunk size (H %% G == 0)\n"
            "  --dtype    I/O dtype of x, dt, B, C, out (default f32); A, D, dt_bias are f32\n"
            "  --backward time forward+backward pairs, all gradients requested\n"
            "  --warmup   untimed calls after the first call (default 3)\n"
            "  --iters    timed calls (default 20)\n"
            "  --rotate   input sets used in turn, to defeat caches (default 1)\n"
            "  --json     also write one JSON object with the results to FILE (\"-\": stdout)\n\n"
            "Times are host wall clock around the call and ssmix_synchronize() (the API has no device\n"
            "events): end-to-end time of one operator call, launch overhead included. Bytes: each input\n"
            "read once + each output written once. FLOPs: matrix products of the chunked algorithm\n"
            "(docs/benchmarks.md). Progress goes to stderr when a run takes more than a few seconds.\n");
}

/* ---------------------------------------------------------------- small utilities */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_uniform(rng *r) /* [0, 1) */
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_normal(rng *r) /* Box-Muller */
{
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
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

/* ---------------------------------------------------------------- tensors of the benchmark */

typedef enum fill_kind { FILL_NONE, FILL_NORMAL, FILL_DT, FILL_A } fill_kind;

typedef struct btensor {
    ssmix_buffer *buf;
    ssmix_tensor t;
    int used;
} btensor;

static int64_t numel(const btensor *b)
{
    int64_t n = 1;
    for (int i = 0; i < b->t.ndim; i++) n *= b->t.shape[i];
    return n;
}

static double tensor_bytes(const btensor *b)
{
    return b->used ? (double)numel(b) * (double)ssmix_dtype_size(b->t.dtype) : 0.0;
}

/* Allocate a row-major tensor and fill it (inputs) from the generator. */
static ssmix_status bt_make(ssmix_context *ctx, btensor *b, ssmix_dtype dt, int ndim, const int64_t *shape,
                            fill_kind fill, rng *r)
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
        case FILL_DT: v = rng_normal(r) * 0.5 - 2.0; break;
        case FILL_A: v = -exp(rng_uniform(r)); break;
        default: v = rng_normal(r); break;
        }
        float f = (float)v;
        if (dt == SSMIX_F32) ((float *)host)[i] = f;
        else if (dt == SSMIX_F16) ((uint16_t *)host)[i] = to_f16(f);
        else ((uint16_t *)host)[i] = to_bf16(f);
    }
    st = ssmix_buffer_write(b->buf, 0, host, bytes);
    free(host);
    return st;
}

static const ssmix_tensor *view(const btensor *b) { return b->used ? &b->t : NULL; }

/* Inputs (one set per rotation) and outputs (one set). */
enum { I_X, I_DT, I_A, I_B, I_C, I_D, I_DTBIAS, I_DTB, I_BB, I_CB, I_DELTA, I_DOUT, N_IN };
enum { O_OUT, O_DX, O_DDT, O_DA, O_DB, O_DC, O_DD, O_DDTBIAS, O_DDTB, O_DBB, O_DCB, O_DDELTA, N_OUT };

typedef struct bench {
    int op_qsmix, mode_bimamba, backward;
    int64_t b, L, H, P, N, G, Q;
    ssmix_dtype io;
    ssmix_context *ctx;
    int rotate;
    btensor (*in)[N_IN];
    btensor out[N_OUT];
    ssmix_ssd_params sp;
    ssmix_qsmix_params qp;
} bench;

static ssmix_status bench_alloc(bench *bm, uint64_t seed)
{
    int64_t sx[4] = {bm->b, bm->L, bm->H, bm->P}, sdt[3] = {bm->b, bm->L, bm->H}, sh[1] = {bm->H},
            sbc[4] = {bm->b, bm->L, bm->G, bm->N};
    ssmix_context *ctx = bm->ctx;
    ssmix_status st;
    rng r = {seed};
    int hydra = bm->op_qsmix && !bm->mode_bimamba;
    for (int k = 0; k < bm->rotate; k++) {
        btensor *in = bm->in[k];
        if ((st = bt_make(ctx, &in[I_X], bm->io, 4, sx, FILL_NORMAL, &r)) ||
            (st = bt_make(ctx, &in[I_DT], bm->io, 3, sdt, FILL_DT, &r)) ||
            (st = bt_make(ctx, &in[I_A], SSMIX_F32, 1, sh, FILL_A, &r)) ||
            (st = bt_make(ctx, &in[I_B], bm->io, 4, sbc, FILL_NORMAL, &r)) ||
            (st = bt_make(ctx, &in[I_C], bm->io, 4, sbc, FILL_NORMAL, &r)) ||
            (st = bt_make(ctx, &in[I_DTBIAS], SSMIX_F32, 1, sh, FILL_NORMAL, &r)))
            return st;
        if (hydra) {
            if ((st = bt_make(ctx, &in[I_DTB], bm->io, 3, sdt, FILL_DT, &r)) ||
                (st = bt_make(ctx, &in[I_BB], bm->io, 4, sbc, FILL_NORMAL, &r)) ||
                (st = bt_make(ctx, &in[I_CB], bm->io, 4, sbc, FILL_NORMAL, &r)) ||
                (st = bt_make(ctx, &in[I_DELTA], bm->io, 3, sdt, FILL_NORMAL, &r)))
                return st;
        } else if ((st = bt_make(ctx, &in[I_D], SSMIX_F32, 1, sh, FILL_NORMAL, &r))) {
            return st;
        }
        if (bm->backward && (st = bt_make(ctx, &in[I_DOUT], bm->io, 4, sx, FILL_NORMAL, &r))) return st;
    }
    btensor *o = bm->out;
    if ((st = bt_make(ctx, &o[O_OUT], bm->io, 4, sx, FILL_NONE, NULL))) return st;
    if (!bm->backward) return SSMIX_SUCCESS;
    if ((st = bt_make(ctx, &o[O_DX], bm->io, 4, sx, FILL_NONE, NULL)) ||
        (st = bt_make(ctx, &o[O_DDT], bm->io, 3, sdt, FILL_NONE, NULL)) ||
        (st = bt_make(ctx, &o[O_DA], SSMIX_F32, 1, sh, FILL_NONE, NULL)) ||
        (st = bt_make(ctx, &o[O_DB], bm->io, 4, sbc, FILL_NONE, NULL)) ||
        (st = bt_make(ctx, &o[O_DC], bm->io, 4, sbc, FILL_NONE, NULL)) ||
        (st = bt_make(ctx, &o[O_DDTBIAS], SSMIX_F32, 1, sh, FILL_NONE, NULL)))
        return st;
    if (hydra) {
        if ((st = bt_make(ctx, &o[O_DDTB], bm->io, 3, sdt, FILL_NONE, NULL)) ||
            (st = bt_make(ctx, &o[O_DBB], bm->io, 4, sbc, FILL_NONE, NULL)) ||
            (st = bt_make(ctx, &o[O_DCB], bm->io, 4, sbc, FILL_NONE, NULL)) ||
            (st = bt_make(ctx, &o[O_DDELTA], bm->io, 3, sdt, FILL_NONE, NULL)))
            return st;
    } else if ((st = bt_make(ctx, &o[O_DD], SSMIX_F32, 1, sh, FILL_NONE, NULL))) {
        return st;
    }
    return SSMIX_SUCCESS;
}

static void bench_free(bench *bm)
{
    for (int k = 0; bm->in && k < bm->rotate; k++)
        for (int i = 0; i < N_IN; i++) ssmix_buffer_free(bm->in[k][i].buf);
    for (int i = 0; i < N_OUT; i++) ssmix_buffer_free(bm->out[i].buf);
    free(bm->in);
    bm->in = NULL;
}

/* One timed unit: forward, or forward then backward, on input set k. Does not synchronize. */
static ssmix_status bench_call(bench *bm, int k)
{
    const btensor *in = bm->in[k], *o = bm->out;
    ssmix_status st;
    if (!bm->op_qsmix) {
        ssmix_ssd_tensors t;
        memset(&t, 0, sizeof t);
        t.x = view(&in[I_X]);
        t.dt = view(&in[I_DT]);
        t.A = view(&in[I_A]);
        t.B = view(&in[I_B]);
        t.C = view(&in[I_C]);
        t.D = view(&in[I_D]);
        t.dt_bias = view(&in[I_DTBIAS]);
        t.out = view(&o[O_OUT]);
        if ((st = ssmix_ssd_forward(bm->ctx, &bm->sp, &t)) != SSMIX_SUCCESS || !bm->backward) return st;
        t.out = NULL;
        t.dout = view(&in[I_DOUT]);
        t.dx = view(&o[O_DX]);
        t.ddt = view(&o[O_DDT]);
        t.dA = view(&o[O_DA]);
        t.dB = view(&o[O_DB]);
        t.dC = view(&o[O_DC]);
        t.dD = view(&o[O_DD]);
        t.ddt_bias = view(&o[O_DDTBIAS]);
        return ssmix_ssd_backward(bm->ctx, &bm->sp, &t);
    }
    ssmix_qsmix_tensors t;
    memset(&t, 0, sizeof t);
    t.x = view(&in[I_X]);
    t.A = view(&in[I_A]);
    t.dt_bias = view(&in[I_DTBIAS]);
    t.dt_f = view(&in[I_DT]);
    t.B_f = view(&in[I_B]);
    t.C_f = view(&in[I_C]);
    t.dt_b = view(&in[I_DTB]);
    t.B_b = view(&in[I_BB]);
    t.C_b = view(&in[I_CB]);
    t.D = view(&in[I_D]);
    t.delta = view(&in[I_DELTA]);
    t.out = view(&o[O_OUT]);
    if ((st = ssmix_qsmix_forward(bm->ctx, &bm->qp, &t)) != SSMIX_SUCCESS || !bm->backward) return st;
    t.out = NULL;
    t.dout = view(&in[I_DOUT]);
    t.dx = view(&o[O_DX]);
    t.dA = view(&o[O_DA]);
    t.ddt_bias = view(&o[O_DDTBIAS]);
    t.dD = view(&o[O_DD]);
    t.ddelta = view(&o[O_DDELTA]);
    t.ddt_f = view(&o[O_DDT]);
    t.dB_f = view(&o[O_DB]);
    t.dC_f = view(&o[O_DC]);
    t.ddt_b = view(&o[O_DDTB]);
    t.dB_b = view(&o[O_DBB]);
    t.dC_b = view(&o[O_DCB]);
    return ssmix_qsmix_backward(bm->ctx, &bm->qp, &t);
}

/* Bytes of one timed unit (model in the header comment). */
static double bench_bytes(const bench *bm)
{
    const btensor *in = bm->in[0], *o = bm->out;
    double fwd = tensor_bytes(&o[O_OUT]), bwd = 0.0;
    for (int i = 0; i < N_IN; i++)
        if (i != I_DOUT) fwd += tensor_bytes(&in[i]);
    if (bm->backward) {
        for (int i = 0; i < N_IN; i++) bwd += tensor_bytes(&in[i]); /* inputs again, plus dout */
        for (int i = O_DX; i < N_OUT; i++) bwd += tensor_bytes(&o[i]);
    }
    return fwd + bwd;
}

/* FLOPs of one timed unit (model in the header comment). */
static double bench_flops(const bench *bm)
{
    double P = (double)bm->P, N = (double)bm->N, fwd = 0.0, bwd = 0.0;
    for (int64_t c0 = 0; c0 < bm->L; c0 += bm->Q) {
        double q = (double)(bm->L - c0 < bm->Q ? bm->L - c0 : bm->Q);
        fwd += 2 * q * q * N + 2 * q * q * P + 4 * q * P * N + 2 * P * N;
        bwd += 6 * q * q * N + 4 * q * q * P + 10 * q * P * N + 4 * P * N;
    }
    double per_head = fwd + (bm->backward ? bwd : 0.0);
    return per_head * (double)bm->b * (double)bm->H * (bm->op_qsmix ? 2.0 : 1.0);
}

/* ---------------------------------------------------------------- argument parsing */

/* b,L,H,P,N,G,Q: seven positive integers. Returns 0 and an explanation in msg on error. */
static int parse_shape(const char *s, int64_t v[7], char *msg, size_t msize)
{
    static const char *names[7] = {"b", "L", "H", "P", "N", "G", "Q"};
    const char *p = s;
    for (int i = 0; i < 7; i++) {
        if (*p < '0' || *p > '9') {
            snprintf(msg, msize, "field %d (%s) is not a positive integer", i + 1, names[i]);
            return 0;
        }
        errno = 0;
        char *end;
        long long x = strtoll(p, &end, 10);
        if (errno || x < 1 || x > (1ll << 40)) {
            snprintf(msg, msize, "%s = %.*s is out of range (1 .. 2^40)", names[i], (int)(end - p), p);
            return 0;
        }
        v[i] = x;
        p = end;
        if (i < 6) {
            if (*p != ',') {
                snprintf(msg, msize, "expected 7 comma-separated fields b,L,H,P,N,G,Q; %s",
                         *p ? "unexpected character after field" : "too few fields");
                if (*p) snprintf(msg + strlen(msg), msize - strlen(msg), " %d (%s)", i + 1, names[i]);
                return 0;
            }
            p++;
        }
    }
    if (*p) {
        snprintf(msg, msize, "expected exactly 7 fields b,L,H,P,N,G,Q; trailing \"%s\"", p);
        return 0;
    }
    if (v[2] % v[5]) {
        snprintf(msg, msize, "H = %lld is not divisible by G = %lld", (long long)v[2], (long long)v[5]);
        return 0;
    }
    /* the largest tensor, b*L*H*P elements of 4 bytes, must fit comfortably in size_t */
    double big = (double)v[0] * (double)v[1] * (double)v[2] * (double)v[3] * 4.0;
    double bcs = (double)v[0] * (double)v[1] * (double)v[5] * (double)v[4] * 4.0;
    if (big > 9e15 || bcs > 9e15) {
        snprintf(msg, msize, "tensors of this shape do not fit in memory (%.3g bytes)", big > bcs ? big : bcs);
        return 0;
    }
    return 1;
}

static int parse_count(const char *opt, const char *s, int min, int *out)
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

static void json_string(FILE *f, const char *s)
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

/* ---------------------------------------------------------------- the command */

int tool_bench(int argc, char **argv)
{
    const char *sel = getenv("SSMIX_BACKEND"), *op = NULL, *mode = NULL, *shape = NULL, *dtype = "f32",
               *json = NULL;
    int backward = 0, warmup = 3, iters = 20, rotate = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--backward")) {
            backward = 1;
            continue;
        }
        int takes = !strcmp(a, "--op") || !strcmp(a, "--mode") || !strcmp(a, "--shape") || !strcmp(a, "--dtype") ||
                    !strcmp(a, "--backend") || !strcmp(a, "--warmup") || !strcmp(a, "--iters") ||
                    !strcmp(a, "--rotate") || !strcmp(a, "--json");
        if (!takes) {
            fprintf(stderr, "ssmix bench: unexpected argument \"%s\"\n\n", a);
            usage(stderr);
            return 2;
        }
        if (!more) {
            fprintf(stderr, "ssmix bench: %s needs a value (see ssmix bench --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--op")) op = v;
        else if (!strcmp(a, "--mode")) mode = v;
        else if (!strcmp(a, "--shape")) shape = v;
        else if (!strcmp(a, "--dtype")) dtype = v;
        else if (!strcmp(a, "--backend")) sel = v;
        else if (!strcmp(a, "--json")) json = v;
        else if (!strcmp(a, "--warmup") && !parse_count(a, v, 0, &warmup)) return 2;
        else if (!strcmp(a, "--iters") && !parse_count(a, v, 1, &iters)) return 2;
        else if (!strcmp(a, "--rotate") && !parse_count(a, v, 1, &rotate)) return 2;
    }
    if (!op) {
        fprintf(stderr, "ssmix bench: --op ssd|qsmix is required (see ssmix bench --help)\n");
        return 2;
    }
    if (strcmp(op, "ssd") && strcmp(op, "qsmix")) {
        fprintf(stderr, "ssmix bench: --op must be ssd or qsmix (got \"%s\")\n", op);
        return 2;
    }
    int is_qsmix = !strcmp(op, "qsmix");
    if (mode && !is_qsmix) {
        fprintf(stderr, "ssmix bench: --mode applies to --op qsmix only\n");
        return 2;
    }
    if (mode && strcmp(mode, "hydra") && strcmp(mode, "bimamba")) {
        fprintf(stderr, "ssmix bench: --mode must be hydra or bimamba (got \"%s\")\n", mode);
        return 2;
    }
    if (!shape) {
        fprintf(stderr, "ssmix bench: --shape b,L,H,P,N,G,Q is required, e.g. --shape 1,256,4,16,16,1,64\n");
        return 2;
    }
    int64_t sv[7];
    char msg[256];
    if (!parse_shape(shape, sv, msg, sizeof msg)) {
        fprintf(stderr, "ssmix bench: --shape \"%s\": %s\n", shape, msg);
        return 2;
    }
    ssmix_dtype io;
    if (!strcmp(dtype, "f32")) io = SSMIX_F32;
    else if (!strcmp(dtype, "f16")) io = SSMIX_F16;
    else if (!strcmp(dtype, "bf16")) io = SSMIX_BF16;
    else {
        fprintf(stderr, "ssmix bench: --dtype must be f32, f16 or bf16 (got \"%s\")\n", dtype);
        return 2;
    }
    FILE *jf = NULL;
    if (json) {
        jf = strcmp(json, "-") ? fopen(json, "w") : stdout;
        if (!jf) {
            fprintf(stderr, "ssmix bench: cannot open --json file \"%s\": %s\n", json, strerror(errno));
            return 2;
        }
    }

    bench bm;
    memset(&bm, 0, sizeof bm);
    bm.op_qsmix = is_qsmix;
    bm.mode_bimamba = mode && !strcmp(mode, "bimamba");
    bm.backward = backward;
    bm.b = sv[0], bm.L = sv[1], bm.H = sv[2], bm.P = sv[3], bm.N = sv[4], bm.G = sv[5], bm.Q = sv[6];
    bm.io = io;
    bm.rotate = rotate;
    ssmix_ssd_params_init(&bm.sp);
    bm.sp.chunk_size = bm.Q;
    bm.sp.dt_softplus = 1;
    ssmix_qsmix_params_init(&bm.qp);
    bm.qp.mode = bm.mode_bimamba ? SSMIX_QSMIX_BIMAMBA2 : SSMIX_QSMIX_HYDRA;
    bm.qp.chunk_size = bm.Q;
    bm.qp.dt_softplus = 1;

    int rc = 1;
    ssmix_status st;
    const char *what = "context creation";
    bm.in = calloc((size_t)rotate, sizeof *bm.in);
    if (!bm.in) {
        fprintf(stderr, "ssmix bench: out of host memory\n");
        goto done;
    }
    double t_ctx = now_s();
    if ((st = ssmix_context_create(&bm.ctx, sel)) != SSMIX_SUCCESS) goto fail;
    t_ctx = now_s() - t_ctx;
    const char *mode_name = !is_qsmix ? NULL : bm.mode_bimamba ? "bimamba" : "hydra";
    printf("ssmix bench: %s%s%s %s, b=%lld L=%lld H=%lld P=%lld N=%lld G=%lld Q=%lld, %s\n", op,
           mode_name ? " " : "", mode_name ? mode_name : "", dtype, (long long)bm.b, (long long)bm.L,
           (long long)bm.H, (long long)bm.P, (long long)bm.N, (long long)bm.G, (long long)bm.Q,
           backward ? "forward+backward" : "forward");
    printf("backend %s, device \"%s\" (context created in %.1f ms)\n", ssmix_context_backend(bm.ctx),
           ssmix_context_device(bm.ctx), 1e3 * t_ctx);
    printf("timing: host wall clock around the call(s) + ssmix_synchronize(); no device events in the API,\n"
           "        so each sample is the end-to-end time of one %s, launch overhead included\n",
           backward ? "forward+backward pair" : "operator call");
    what = "allocation";
    if ((st = bench_alloc(&bm, 0x55aa1234ull)) != SSMIX_SUCCESS) goto fail;
    if ((st = ssmix_synchronize(bm.ctx)) != SSMIX_SUCCESS) goto fail;

    /* First call in the fresh context: includes program builds / cache loads and workspace growth. */
    what = "first call";
    double t0 = now_s();
    if ((st = bench_call(&bm, 0)) != SSMIX_SUCCESS || (st = ssmix_synchronize(bm.ctx)) != SSMIX_SUCCESS) goto fail;
    double first_ms = 1e3 * (now_s() - t0);
    printf("first call %.3f ms (fresh context: program builds or cache loads, workspace allocation)\n", first_ms);
    fflush(stdout);

    double last_progress = now_s(), start = last_progress;
    int total = warmup + iters;
    double *ms = malloc(sizeof(double) * (size_t)iters);
    if (!ms) {
        fprintf(stderr, "ssmix bench: out of host memory\n");
        goto done;
    }
    for (int i = 0; i < total; i++) {
        what = i < warmup ? "warm-up call" : "timed call";
        int k = (i + 1) % rotate;
        t0 = now_s();
        if ((st = bench_call(&bm, k)) != SSMIX_SUCCESS || (st = ssmix_synchronize(bm.ctx)) != SSMIX_SUCCESS) {
            free(ms);
            goto fail;
        }
        double t1 = now_s();
        if (i >= warmup) ms[i - warmup] = 1e3 * (t1 - t0);
        if (t1 - last_progress > 2.0) {
            fprintf(stderr, "ssmix bench: %s %d/%d, last %.2f ms, %.0f s elapsed\n", i < warmup ? "warm-up" : "iteration",
                    i < warmup ? i + 1 : i - warmup + 1, i < warmup ? warmup : iters, 1e3 * (t1 - t0), t1 - start);
            last_progress = t1;
        }
    }
    qsort(ms, (size_t)iters, sizeof *ms, cmp_double);
    double median = iters % 2 ? ms[iters / 2] : 0.5 * (ms[iters / 2 - 1] + ms[iters / 2]);
    double minimum = ms[0];
    free(ms);
    double bytes = bench_bytes(&bm), flops = bench_flops(&bm);
    double gbps = bytes / (median * 1e-3) / 1e9, tflops = flops / (median * 1e-3) / 1e12;
    printf("%d warm-up, %d timed, %d input set%s: median %.3f ms, min %.3f ms\n", warmup, iters, rotate,
           rotate == 1 ? "" : "s", median, minimum);
    printf("model: %.4g MB moved, %.4g GFLOP -> %.3f GB/s, %.4f TFLOP/s at the median\n", bytes / 1e6, flops / 1e9,
           gbps, tflops);
    if (jf) {
        fprintf(jf, "{\"op\": \"%s\", \"mode\": ", op);
        if (mode_name) json_string(jf, mode_name);
        else fprintf(jf, "null");
        fprintf(jf,
                ", \"shape\": {\"b\": %lld, \"L\": %lld, \"H\": %lld, \"P\": %lld, \"N\": %lld, \"G\": %lld, "
                "\"Q\": %lld}, \"dtype\": \"%s\", \"backward\": %s, \"backend\": ",
                (long long)bm.b, (long long)bm.L, (long long)bm.H, (long long)bm.P, (long long)bm.N,
                (long long)bm.G, (long long)bm.Q, dtype, backward ? "true" : "false");
        json_string(jf, ssmix_context_backend(bm.ctx));
        fprintf(jf, ", \"device\": ");
        json_string(jf, ssmix_context_device(bm.ctx));
        fprintf(jf,
                ", \"median_ms\": %.6g, \"min_ms\": %.6g, \"gbps\": %.6g, \"tflops\": %.6g, \"first_call_ms\": "
                "%.6g, \"bytes\": %.17g, \"flops\": %.17g, \"iters\": %d, \"warmup\": %d, \"rotate\": %d, "
                "\"timing\": \"host wall clock around call + ssmix_synchronize\", \"version\": \"%s\"}\n",
                median, minimum, gbps, tflops, first_ms, bytes, flops, iters, warmup, rotate, ssmix_version_string());
        if (jf != stdout && fclose(jf) != 0) {
            jf = NULL;
            fprintf(stderr, "ssmix bench: writing \"%s\" failed\n", json);
            goto done;
        }
        jf = NULL;
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "ssmix bench: %s failed: %s: %s\n", what, ssmix_status_string(st), ssmix_last_error());
done:
    if (jf && jf != stdout) {
        fclose(jf);
        remove(json); /* no half-written or empty result file after a failure */
    }
    bench_free(&bm);
    ssmix_context_destroy(bm.ctx);
    return rc;
}
