/*
 * ssmix_conformance: run the conformance suite of conformance.h against one backend.
 *   ssmix_conformance [--backend SEL] [--op NAME|all] [--quick|--full] [--case N] [--seed S]
 *                     [--list] [--verbose]
 * SEL defaults to $SSMIX_BACKEND, else "opencl". Prints one line per tensor compared (--verbose) or
 * only failures, a line per operator call, and a summary. Exit status: 0 all passed, 1 failures or
 * errors, 2 bad usage, 77 the backend is not available (skipped) unless SSMIX_REQUIRE_BACKENDS (a
 * comma list) names it, in which case its absence is a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformance.h"

static int required(const char *backend)
{
    const char *req = getenv("SSMIX_REQUIRE_BACKENDS");
    if (!req) return 0;
    size_t n = strlen(backend);
    for (const char *p = req; *p;) {
        while (*p == ' ' || *p == ',') ++p;
        size_t len = strcspn(p, ",");
        while (len && p[len - 1] == ' ') --len;
        if (len == n && !strncmp(p, backend, n)) return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: ssmix_conformance [--backend SEL] [--op NAME|all] [--quick|--full] [--case N] "
               "[--seed S] [--list] [--verbose]\n");
}

int main(int argc, char **argv)
{
    const char *sel = getenv("SSMIX_BACKEND");
    const char *op = "all";
    int full = 0, only = -1, list = 0;
    conf_options opt;
    memset(&opt, 0, sizeof opt);
    opt.seed = 12345;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (!strcmp(a, "--backend") && i + 1 < argc) sel = argv[++i];
        else if (!strcmp(a, "--op") && i + 1 < argc) op = argv[++i];
        else if (!strcmp(a, "--quick")) full = 0;
        else if (!strcmp(a, "--full")) full = 1;
        else if (!strcmp(a, "--case") && i + 1 < argc) only = atoi(argv[++i]);
        else if (!strcmp(a, "--seed") && i + 1 < argc) opt.seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--list")) list = 1;
        else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) opt.verbose = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!sel || !*sel || !strcmp(sel, "auto")) sel = "opencl";
    /* any suite name compiled in (checked below), or "all" */
    const conf_suite *const *suites = conf_suites();
    int found = 0;
    for (int s = 0; suites[s]; ++s) found += !strcmp(op, "all") || !strcmp(op, suites[s]->op);
    if (!found) {
        fprintf(stderr, "ssmix_conformance: no %s cases are built into this driver\n", op);
        return 2;
    }
    if (list) {
        for (int s = 0; suites[s]; ++s) {
            if (strcmp(op, "all") && strcmp(op, suites[s]->op)) continue;
            for (int i = 0; i < suites[s]->count(full); ++i) {
                char d[256];
                suites[s]->describe(full, i, d, sizeof d);
                printf("%s#%d: %s\n", suites[s]->op, i, d);
            }
        }
        return 0;
    }

    char backend[32];
    snprintf(backend, sizeof backend, "%.*s", (int)strcspn(sel, ":,"), sel);
    opt.selector = sel;
    conf_runner *r = NULL;
    ssmix_status st = conf_runner_new(&opt, &r);
    if (st != SSMIX_SUCCESS) {
        int req = required(backend);
        printf("ssmix_conformance: backend '%s' %s: %s (%s)\n", sel, req ? "is required but unavailable" : "unavailable, skipping",
               ssmix_status_string(st), ssmix_last_error());
        return (st == SSMIX_ERROR_BACKEND_UNAVAILABLE && !req) ? 77 : 1;
    }
    printf("ssmix_conformance: backend %s, device '%s', %s mode, seed %llu\n", ssmix_context_backend(conf_ctx(r, CONF_DEV)),
           ssmix_context_device(conf_ctx(r, CONF_DEV)), full ? "full" : "quick", (unsigned long long)opt.seed);
    struct timespec t0, t1;
    timespec_get(&t0, TIME_UTC);
    int ncases = 0, failed_cases = 0;
    for (int s = 0; suites[s]; ++s) {
        if (strcmp(op, "all") && strcmp(op, suites[s]->op)) continue;
        int n = suites[s]->count(full);
        for (int i = 0; i < n; ++i) {
            if (only >= 0 && i != only) continue;
            ++ncases;
            failed_cases += suites[s]->run(r, full, i) > 0;
        }
    }
    timespec_get(&t1, TIME_UTC);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("summary: %d cases, %d failed; %ld tensor checks, %ld failed; worst error/tolerance f32 %.3f f16 %.3f "
           "bf16 %.3f; %.1f s\n",
           ncases, failed_cases, conf_checks(r), conf_failures(r), conf_worst_ratio(r, 0), conf_worst_ratio(r, 1),
           conf_worst_ratio(r, 2), secs);
    int rc = conf_failures(r) ? 1 : 0;
    conf_runner_free(r);
    return rc;
}
