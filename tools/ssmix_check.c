/*
 * `ssmix check`: the conformance cases of tests/conformance on a backend, compared with the CPU
 * oracle through the public API (outputs poisoned, guards checked, every output and gradient
 * compared with OPS.md tolerances). When the backend is the cpu oracle itself, comparing it with
 * itself would prove nothing, so it is checked against its independent forms instead: explicit
 * matrices and finite-difference gradients (tests/oracle).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformance.h"
#include "oracle_cases.h"
#include "oracle_selfcheck.h"
#include "ssmix.h"
#include "ssmix_tool.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ssmix check [--backend SEL] [--op NAME|all] [--quick|--full] [--dtype f32|f16|bf16]\n"
            "                   [--seed N] [--list] [--verbose]\n\n"
            "Runs the conformance cases on the backend SEL (default: $SSMIX_BACKEND, else auto) and compares\n"
            "every output and gradient with the CPU oracle. Prints a line per checked call (every tensor with\n"
            "--verbose: max error, tolerance, relative RMS) and a summary; exits 1 on any failure.\n"
            "On the cpu backend, the oracle is checked against independent forms (explicit matrices,\n"
            "finite-difference gradients) instead.\n"
            "  --op      one operator family (ssmix check --list shows them all), or all (default)\n"
            "  --quick   a sample of the check matrix (default)    --full   the whole matrix\n"
            "  --dtype   only cases with this I/O dtype             --list   list the cases and exit\n");
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    timespec_get(&t1, TIME_UTC);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

static int check_oracle(void)
{
    printf("backend cpu is the oracle itself: checking it against independent forms\n");
    struct timespec t0;
    timespec_get(&t0, TIME_UTC);
    ot_init("ssmix check (cpu oracle: explicit matrices, finite differences, compositions, packing)", 0, NULL);
    for (const oracle_check *c = oracle_checks; c->name; c++) {
        struct timespec t1;
        timespec_get(&t1, TIME_UTC);
        int failed = c->run();
        printf("oracle %-14s %s (%.2f s)\n", c->name, failed ? "FAILED" : "ok", seconds_since(&t1));
        fflush(stdout);
    }
    int rc = ot_finish();
    printf("%.1f s\n", seconds_since(&t0));
    return rc;
}

/* Case descriptions name the I/O dtype as a word ("bf16", "f16", "f32"). */
static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        int left = p == text || !((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= '0' && p[-1] <= '9'));
        char c = p[n];
        int right = !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
        if (left && right) return 1;
    }
    return 0;
}

int tool_check(int argc, char **argv)
{
    const char *sel = getenv("SSMIX_BACKEND"), *op = "all", *dtype = NULL;
    int full = 0, list = 0;
    conf_options opt;
    memset(&opt, 0, sizeof opt);
    opt.seed = 12345;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--backend") && more) sel = argv[++i];
        else if (!strcmp(a, "--op") && more) op = argv[++i];
        else if (!strcmp(a, "--dtype") && more) dtype = argv[++i];
        else if (!strcmp(a, "--seed") && more) opt.seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--quick")) full = 0;
        else if (!strcmp(a, "--full")) full = 1;
        else if (!strcmp(a, "--list")) list = 1;
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) opt.verbose = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "ssmix check: unexpected argument \"%s\"\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    const conf_suite *const *suites = conf_suites();
    int known = !strcmp(op, "all");
    for (int s = 0; suites[s]; s++) known |= !strcmp(op, suites[s]->op);
    if (!known) {
        fprintf(stderr, "ssmix check: --op must be all or one of:");
        for (int s = 0; suites[s]; s++) fprintf(stderr, " %s", suites[s]->op);
        fprintf(stderr, " (got \"%s\")\n", op);
        return 2;
    }
    if (dtype && strcmp(dtype, "f32") && strcmp(dtype, "f16") && strcmp(dtype, "bf16")) {
        fprintf(stderr, "ssmix check: --dtype must be f32, f16 or bf16 (got \"%s\")\n", dtype);
        return 2;
    }
    if (list) {
        for (int s = 0; suites[s]; s++) {
            if (strcmp(op, "all") && strcmp(op, suites[s]->op)) continue;
            for (int i = 0; i < suites[s]->count(full); i++) {
                char d[256];
                suites[s]->describe(full, i, d, sizeof d);
                if (!dtype || has_word(d, dtype)) printf("%s#%d: %s\n", suites[s]->op, i, d);
            }
        }
        return 0;
    }

    /* Resolve the selector first: the cpu oracle is checked differently. */
    ssmix_context *probe = NULL;
    if (ssmix_context_create(&probe, sel) != SSMIX_SUCCESS) {
        fprintf(stderr, "ssmix check: %s\n", ssmix_last_error());
        return 1;
    }
    int is_cpu = !strcmp(ssmix_context_backend(probe), "cpu");
    char resolved[300];
    snprintf(resolved, sizeof resolved, "%s", ssmix_context_backend(probe));
    ssmix_context_destroy(probe);
    if (is_cpu) return check_oracle();

    /* The same selector resolves the same way again (auto: to the backend just found). */
    opt.selector = sel && *sel ? sel : resolved;
    conf_runner *r = NULL;
    if (conf_runner_new(&opt, &r) != SSMIX_SUCCESS) {
        fprintf(stderr, "ssmix check: %s\n", ssmix_last_error());
        return 1;
    }
    printf("ssmix check: backend %s, device \"%s\", %s mode, seed %llu, against the cpu oracle\n",
           ssmix_context_backend(conf_ctx(r, CONF_DEV)), ssmix_context_device(conf_ctx(r, CONF_DEV)),
           full ? "full" : "quick", (unsigned long long)opt.seed);
    struct timespec t0;
    timespec_get(&t0, TIME_UTC);
    int ncases = 0, failed = 0;
    for (int s = 0; suites[s]; s++) {
        if (strcmp(op, "all") && strcmp(op, suites[s]->op)) continue;
        for (int i = 0; i < suites[s]->count(full); i++) {
            char d[256];
            suites[s]->describe(full, i, d, sizeof d);
            if (dtype && !has_word(d, dtype)) continue;
            ncases++;
            failed += suites[s]->run(r, full, i) > 0;
        }
    }
    printf("summary: %d cases, %d failed; %ld tensor checks, %ld failed; worst error/tolerance f32 %.3f f16 %.3f "
           "bf16 %.3f; %.1f s\n",
           ncases, failed, conf_checks(r), conf_failures(r), conf_worst_ratio(r, 0), conf_worst_ratio(r, 1),
           conf_worst_ratio(r, 2), seconds_since(&t0));
    int rc = conf_failures(r) || failed ? 1 : 0;
    conf_runner_free(r);
    return rc;
}
