/*
 * `ssmix bench`: time one operator call (or a forward+backward pair) on a backend. This file is the
 * command line; the operators, their tensors and FLOP models are the table of ssmix_bench_ops.c,
 * the timing loop is bench_util.c.
 *
 * Timing: each sample is the device time between two ssmix timing events recorded around the
 * call(s) (CUDA/HIP events, OpenCL marker profiling timestamps; the synchronous cpu backend's events
 * read the host clock). The first call in the fresh context is host wall clock around call +
 * ssmix_synchronize(), the latency a program sees.
 *
 * Byte model (reported as GB/s): every tensor the call reads counted once plus every tensor it
 * writes counted once, in its storage dtype; with --backward the forward and backward calls are
 * summed. Workspace traffic is not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "ssmix.h"
#include "ssmix_tool.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ssmix bench --op OP [--mode MODE] --shape S [--dtype f32|f16|bf16] [--backward]\n"
            "                   [--backend SEL] [--warmup N] [--iters N] [--rotate K] [--json FILE]\n\n"
            "Times one operator call (with --backward: a forward then a backward call) on the backend SEL\n"
            "(default: $SSMIX_BACKEND, else auto) and prints the median and minimum time, achieved GB/s\n"
            "and TFLOP/s, and the latency of the first call in a fresh context.\n"
            "  --dtype    I/O dtype of the activations (default f32); parameters and states are f32\n"
            "  --backward time forward+backward pairs, all gradients requested\n"
            "  --warmup   untimed calls after the first call (default 3)\n"
            "  --iters    timed calls (default 20)\n"
            "  --rotate   input sets used in turn, to defeat caches (default 1)\n"
            "  --json     also write one JSON object with the results to FILE (\"-\": stdout)\n\n"
            "Samples are device time between timing events around the call(s) (host clock on the cpu\n"
            "backend); the first call is host wall clock including synchronization. Bytes: each tensor\n"
            "read once + each tensor written once. FLOPs: per operator (docs/benchmarks.md). Progress\n"
            "goes to stderr when a run takes more than a few seconds.\n");
    bench_ops_usage(f);
}

int tool_bench(int argc, char **argv)
{
    bench_cli cli = {getenv("SSMIX_BACKEND"), NULL, NULL, NULL, "f32", NULL, SSMIX_F32, 0, 3, 20, 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--backward")) {
            cli.backward = 1;
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
        if (i + 1 >= argc) {
            fprintf(stderr, "ssmix bench: %s needs a value (see ssmix bench --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--op")) cli.op = v;
        else if (!strcmp(a, "--mode")) cli.mode = v;
        else if (!strcmp(a, "--shape")) cli.shape = v;
        else if (!strcmp(a, "--dtype")) cli.dtype = v;
        else if (!strcmp(a, "--backend")) cli.selector = v;
        else if (!strcmp(a, "--json")) cli.json = v;
        else if (!strcmp(a, "--warmup") && !bench_parse_count(a, v, 0, &cli.warmup)) return 2;
        else if (!strcmp(a, "--iters") && !bench_parse_count(a, v, 1, &cli.iters)) return 2;
        else if (!strcmp(a, "--rotate") && !bench_parse_count(a, v, 1, &cli.rotate)) return 2;
    }
    if (!cli.op || !bench_ops_has(cli.op)) {
        if (cli.op) fprintf(stderr, "ssmix bench: unknown --op \"%s\"\n", cli.op);
        else fprintf(stderr, "ssmix bench: --op is required\n");
        bench_ops_usage(stderr);
        return 2;
    }
    if (!strcmp(cli.dtype, "f32")) cli.io = SSMIX_F32;
    else if (!strcmp(cli.dtype, "f16")) cli.io = SSMIX_F16;
    else if (!strcmp(cli.dtype, "bf16")) cli.io = SSMIX_BF16;
    else {
        fprintf(stderr, "ssmix bench: --dtype must be f32, f16 or bf16 (got \"%s\")\n", cli.dtype);
        return 2;
    }
    return bench_ops_run(&cli);
}
