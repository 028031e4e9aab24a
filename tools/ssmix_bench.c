/*
 * `ssmix bench`: time one operator call (or a forward+backward pair) on a backend.
 *
 * Timing: each sample is the device time between two ssmix timing events recorded around the
 * call(s) (CUDA/HIP events, OpenCL marker profiling timestamps; the synchronous cpu backend's events
 * read the host clock). The first call in the fresh context is host wall clock around call +
 * ssmix_synchronize(), the latency a program sees.
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
#include "bench_util.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ssmix bench --op OP [--mode MODE] --shape S\n"
            "                   [--dtype f32|f16|bf16] [--backward] [--backend SEL] [--warmup N]\n"
            "                   [--iters N] [--rotate K] [--json FILE]\n\n"
            "Times one operator call (with --backward: a forward then a backward call) on the backend SEL\n"
            "(default: $SSMIX_BACKEND, else auto) and prints the median and minimum time, achieved GB/s\n"
            "and TFLOP/s, and the latency of the first call in a fresh context.\n"
            "  --op ssd   causal chunked scan, --shape b,L,H,P,N,G,Q (H %% G == 0)\n"
            "  --op qsmix bidirectional mixer, --shape b,L,H,P,N,G,Q; --mode hydra (default; separate\n"
            "             direction parameters, per-token delta) or bimamba (shared parameters, D (H))\n"
            "  --dtype    I/O dtype of x, dt, B, C, out (default f32); A, D, dt_bias are f32\n"
            "  --backward time forward+backward pairs, all gradients requested\n"
            "  --warmup   untimed calls after the first call (default 3)\n"
            "  --iters    timed calls (default 20)\n"
            "  --rotate   input sets used in turn, to defeat caches (default 1)\n"
            "  --json     also write one JSON object with the results to FILE (\"-\": stdout)\n\n"
            "Samples are device time between timing events around the call(s) (host clock on the cpu\n"
            "backend); the first call is host wall clock including synchronization. Bytes: each input\n"
            "read once + each output written once. FLOPs: matrix products of the chunked algorithm\n"
            "(docs/benchmarks.md). Progress goes to stderr when a run takes more than a few seconds.\n");
    bench_ops_usage(f);
}



/* ---------------------------------------------------------------- tensors of the benchmark */


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
    bench_rng r = {seed};
    int hydra = bm->op_qsmix && !bm->mode_bimamba;
    for (int k = 0; k < bm->rotate; k++) {
        btensor *in = bm->in[k];
        if ((st = bench_tensor_make(ctx, &in[I_X], bm->io, 4, sx, FILL_NORMAL, &r)) ||
            (st = bench_tensor_make(ctx, &in[I_DT], bm->io, 3, sdt, FILL_DT, &r)) ||
            (st = bench_tensor_make(ctx, &in[I_A], SSMIX_F32, 1, sh, FILL_A, &r)) ||
            (st = bench_tensor_make(ctx, &in[I_B], bm->io, 4, sbc, FILL_NORMAL, &r)) ||
            (st = bench_tensor_make(ctx, &in[I_C], bm->io, 4, sbc, FILL_NORMAL, &r)) ||
            (st = bench_tensor_make(ctx, &in[I_DTBIAS], SSMIX_F32, 1, sh, FILL_NORMAL, &r)))
            return st;
        if (hydra) {
            if ((st = bench_tensor_make(ctx, &in[I_DTB], bm->io, 3, sdt, FILL_DT, &r)) ||
                (st = bench_tensor_make(ctx, &in[I_BB], bm->io, 4, sbc, FILL_NORMAL, &r)) ||
                (st = bench_tensor_make(ctx, &in[I_CB], bm->io, 4, sbc, FILL_NORMAL, &r)) ||
                (st = bench_tensor_make(ctx, &in[I_DELTA], bm->io, 3, sdt, FILL_NORMAL, &r)))
                return st;
        } else if ((st = bench_tensor_make(ctx, &in[I_D], SSMIX_F32, 1, sh, FILL_NORMAL, &r))) {
            return st;
        }
        if (bm->backward && (st = bench_tensor_make(ctx, &in[I_DOUT], bm->io, 4, sx, FILL_NORMAL, &r))) return st;
    }
    btensor *o = bm->out;
    if ((st = bench_tensor_make(ctx, &o[O_OUT], bm->io, 4, sx, FILL_NONE, NULL))) return st;
    if (!bm->backward) return SSMIX_SUCCESS;
    if ((st = bench_tensor_make(ctx, &o[O_DX], bm->io, 4, sx, FILL_NONE, NULL)) ||
        (st = bench_tensor_make(ctx, &o[O_DDT], bm->io, 3, sdt, FILL_NONE, NULL)) ||
        (st = bench_tensor_make(ctx, &o[O_DA], SSMIX_F32, 1, sh, FILL_NONE, NULL)) ||
        (st = bench_tensor_make(ctx, &o[O_DB], bm->io, 4, sbc, FILL_NONE, NULL)) ||
        (st = bench_tensor_make(ctx, &o[O_DC], bm->io, 4, sbc, FILL_NONE, NULL)) ||
        (st = bench_tensor_make(ctx, &o[O_DDTBIAS], SSMIX_F32, 1, sh, FILL_NONE, NULL)))
        return st;
    if (hydra) {
        if ((st = bench_tensor_make(ctx, &o[O_DDTB], bm->io, 3, sdt, FILL_NONE, NULL)) ||
            (st = bench_tensor_make(ctx, &o[O_DBB], bm->io, 4, sbc, FILL_NONE, NULL)) ||
            (st = bench_tensor_make(ctx, &o[O_DCB], bm->io, 4, sbc, FILL_NONE, NULL)) ||
            (st = bench_tensor_make(ctx, &o[O_DDELTA], bm->io, 3, sdt, FILL_NONE, NULL)))
            return st;
    } else if ((st = bench_tensor_make(ctx, &o[O_DD], SSMIX_F32, 1, sh, FILL_NONE, NULL))) {
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
        t.x = bench_view(&in[I_X]);
        t.dt = bench_view(&in[I_DT]);
        t.A = bench_view(&in[I_A]);
        t.B = bench_view(&in[I_B]);
        t.C = bench_view(&in[I_C]);
        t.D = bench_view(&in[I_D]);
        t.dt_bias = bench_view(&in[I_DTBIAS]);
        t.out = bench_view(&o[O_OUT]);
        if ((st = ssmix_ssd_forward(bm->ctx, &bm->sp, &t)) != SSMIX_SUCCESS || !bm->backward) return st;
        t.out = NULL;
        t.dout = bench_view(&in[I_DOUT]);
        t.dx = bench_view(&o[O_DX]);
        t.ddt = bench_view(&o[O_DDT]);
        t.dA = bench_view(&o[O_DA]);
        t.dB = bench_view(&o[O_DB]);
        t.dC = bench_view(&o[O_DC]);
        t.dD = bench_view(&o[O_DD]);
        t.ddt_bias = bench_view(&o[O_DDTBIAS]);
        return ssmix_ssd_backward(bm->ctx, &bm->sp, &t);
    }
    ssmix_qsmix_tensors t;
    memset(&t, 0, sizeof t);
    t.x = bench_view(&in[I_X]);
    t.A = bench_view(&in[I_A]);
    t.dt_bias = bench_view(&in[I_DTBIAS]);
    t.dt_f = bench_view(&in[I_DT]);
    t.B_f = bench_view(&in[I_B]);
    t.C_f = bench_view(&in[I_C]);
    t.dt_b = bench_view(&in[I_DTB]);
    t.B_b = bench_view(&in[I_BB]);
    t.C_b = bench_view(&in[I_CB]);
    t.D = bench_view(&in[I_D]);
    t.delta = bench_view(&in[I_DELTA]);
    t.out = bench_view(&o[O_OUT]);
    if ((st = ssmix_qsmix_forward(bm->ctx, &bm->qp, &t)) != SSMIX_SUCCESS || !bm->backward) return st;
    t.out = NULL;
    t.dout = bench_view(&in[I_DOUT]);
    t.dx = bench_view(&o[O_DX]);
    t.dA = bench_view(&o[O_DA]);
    t.ddt_bias = bench_view(&o[O_DDTBIAS]);
    t.dD = bench_view(&o[O_DD]);
    t.ddelta = bench_view(&o[O_DDELTA]);
    t.ddt_f = bench_view(&o[O_DDT]);
    t.dB_f = bench_view(&o[O_DB]);
    t.dC_f = bench_view(&o[O_DC]);
    t.ddt_b = bench_view(&o[O_DDTB]);
    t.dB_b = bench_view(&o[O_DBB]);
    t.dC_b = bench_view(&o[O_DCB]);
    return ssmix_qsmix_backward(bm->ctx, &bm->qp, &t);
}

static ssmix_status bench_call_unit(void *user, int k) { return bench_call(user, k); }

/* Bytes of one timed unit (model in the header comment). */
static double bench_bytes(const bench *bm)
{
    const btensor *in = bm->in[0], *o = bm->out;
    double fwd = bench_tensor_bytes(&o[O_OUT]), bwd = 0.0;
    for (int i = 0; i < N_IN; i++)
        if (i != I_DOUT) fwd += bench_tensor_bytes(&in[i]);
    if (bm->backward) {
        for (int i = 0; i < N_IN; i++) bwd += bench_tensor_bytes(&in[i]); /* inputs again, plus dout */
        for (int i = O_DX; i < N_OUT; i++) bwd += bench_tensor_bytes(&o[i]);
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
        else if (!strcmp(a, "--warmup") && !bench_parse_count(a, v, 0, &warmup)) return 2;
        else if (!strcmp(a, "--iters") && !bench_parse_count(a, v, 1, &iters)) return 2;
        else if (!strcmp(a, "--rotate") && !bench_parse_count(a, v, 1, &rotate)) return 2;
    }
    if (!op) {
        fprintf(stderr, "ssmix bench: --op is required (see ssmix bench --help)\n");
        return 2;
    }
    if (bench_ops_has(op)) {
        bench_cli cli = {sel, op, mode, shape, dtype, json, SSMIX_F32, backward, warmup, iters, rotate};
        if (!strcmp(dtype, "f32")) cli.io = SSMIX_F32;
        else if (!strcmp(dtype, "f16")) cli.io = SSMIX_F16;
        else if (!strcmp(dtype, "bf16")) cli.io = SSMIX_BF16;
        else {
            fprintf(stderr, "ssmix bench: --dtype must be f32, f16 or bf16 (got \"%s\")\n", dtype);
            return 2;
        }
        return bench_ops_run(&cli);
    }
    if (strcmp(op, "ssd") && strcmp(op, "qsmix")) {
        fprintf(stderr, "ssmix bench: unknown --op \"%s\" (ssd, qsmix, gla, sscan, conv, ssd_decode, sscan_decode, conv_update)\n", op);
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
    double t_ctx = bench_now_s();
    if ((st = ssmix_context_create(&bm.ctx, sel)) != SSMIX_SUCCESS) goto fail;
    t_ctx = bench_now_s() - t_ctx;
    const char *mode_name = !is_qsmix ? NULL : bm.mode_bimamba ? "bimamba" : "hydra";
    printf("ssmix bench: %s%s%s %s, b=%lld L=%lld H=%lld P=%lld N=%lld G=%lld Q=%lld, %s\n", op,
           mode_name ? " " : "", mode_name ? mode_name : "", dtype, (long long)bm.b, (long long)bm.L,
           (long long)bm.H, (long long)bm.P, (long long)bm.N, (long long)bm.G, (long long)bm.Q,
           backward ? "forward+backward" : "forward");
    printf("backend %s, device \"%s\" (context created in %.1f ms)\n", ssmix_context_backend(bm.ctx),
           ssmix_context_device(bm.ctx), 1e3 * t_ctx);
    what = "allocation";
    if ((st = bench_alloc(&bm, 0x55aa1234ull)) != SSMIX_SUCCESS) goto fail;
    if ((st = ssmix_synchronize(bm.ctx)) != SSMIX_SUCCESS) goto fail;
    bench_timing tm;
    printf("timing: %s around each %s; the first call is host wall clock\n",
           strcmp(ssmix_context_backend(bm.ctx), "cpu") ? "device events" : "host clock (cpu backend: synchronous)",
           backward ? "forward+backward pair" : "operator call");
    if ((st = bench_time(bm.ctx, bench_call_unit, &bm, warmup, iters, rotate, &tm, &what)) != SSMIX_SUCCESS) goto fail;
    double median = tm.median_ms, minimum = tm.min_ms, first_ms = tm.first_ms;
    const char *timing = tm.how;
    double bytes = bench_bytes(&bm), flops = bench_flops(&bm);
    double gbps = bytes / (median * 1e-3) / 1e9, tflops = flops / (median * 1e-3) / 1e12;
    printf("%d warm-up, %d timed, %d input set%s: median %.3f ms, min %.3f ms\n", warmup, iters, rotate,
           rotate == 1 ? "" : "s", median, minimum);
    printf("model: %.4g MB moved, %.4g GFLOP -> %.3f GB/s, %.4f TFLOP/s at the median\n", bytes / 1e6, flops / 1e9,
           gbps, tflops);
    if (jf) {
        fprintf(jf, "{\"op\": \"%s\", \"mode\": ", op);
        if (mode_name) bench_json_string(jf, mode_name);
        else fprintf(jf, "null");
        fprintf(jf,
                ", \"shape\": {\"b\": %lld, \"L\": %lld, \"H\": %lld, \"P\": %lld, \"N\": %lld, \"G\": %lld, "
                "\"Q\": %lld}, \"dtype\": \"%s\", \"backward\": %s, \"backend\": ",
                (long long)bm.b, (long long)bm.L, (long long)bm.H, (long long)bm.P, (long long)bm.N,
                (long long)bm.G, (long long)bm.Q, dtype, backward ? "true" : "false");
        bench_json_string(jf, ssmix_context_backend(bm.ctx));
        fprintf(jf, ", \"device\": ");
        bench_json_string(jf, ssmix_context_device(bm.ctx));
        fprintf(jf,
                ", \"median_ms\": %.6g, \"min_ms\": %.6g, \"gbps\": %.6g, \"tflops\": %.6g, \"first_call_ms\": "
                "%.6g, \"bytes\": %.17g, \"flops\": %.17g, \"iters\": %d, \"warmup\": %d, \"rotate\": %d, "
                "\"timing\": \"%s\", \"version\": \"%s\"}\n",
                median, minimum, gbps, tflops, first_ms, bytes, flops, iters, warmup, rotate, timing,
                ssmix_version_string());
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
