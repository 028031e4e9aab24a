/*
 * Backend selection: every SSMIX_BACKEND form, malformed selectors, explicit requests that cannot be
 * met (clear error, no silent fallback), lists as preference order, against the modules of this
 * build. Module search and loading with fake modules: test_modules.c.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stdlib.h>

#include "api_test.h"

static const char *names[4] = {"cuda", "hip", "opencl", "cpu"};

/* First available backend in auto order, by probing. */
static const char *expected_auto(void)
{
    for (int i = 0; i < 4; i++) {
        ssmix_backend_info info;
        if (ssmix_backend_probe(names[i], &info) == SSMIX_SUCCESS && info.available) return names[i];
    }
    return "cpu";
}

static void expect_backend(const char *selector, const char *want)
{
    ssmix_context *ctx = NULL;
    ssmix_status st = ssmix_context_create(&ctx, selector);
    CHECK(st == SSMIX_SUCCESS, "selector \"%s\": %s", selector ? selector : "(NULL)", ssmix_last_error());
    if (st == SSMIX_SUCCESS) {
        CHECK(!strcmp(ssmix_context_backend(ctx), want), "selector \"%s\" chose %s, expected %s",
              selector ? selector : "(NULL)", ssmix_context_backend(ctx), want);
        CHECK(ssmix_context_device(ctx) && *ssmix_context_device(ctx), "device name empty for %s", want);
    }
    ssmix_context_destroy(ctx);
}

static void expect_invalid(const char *selector, const char *fragment)
{
    ssmix_context *ctx = (ssmix_context *)&ctx; /* must be reset to NULL on failure */
    CHECK_STATUS(ssmix_context_create(&ctx, selector), SSMIX_ERROR_INVALID_ARGUMENT, fragment,
                 "cpu, cuda, hip, opencl");
    CHECK(ctx == NULL, "ctx not reset to NULL for \"%s\"", selector);
}

static void test_forms(void)
{
    const char *autob = expected_auto();
    unsetenv("SSMIX_BACKEND");
    expect_backend(NULL, autob);          /* unset: auto */
    setenv("SSMIX_BACKEND", "", 1);
    expect_backend(NULL, autob);          /* empty: auto */
    setenv("SSMIX_BACKEND", "  auto ", 1);
    expect_backend(NULL, autob);
    setenv("SSMIX_BACKEND", "cpu", 1);
    expect_backend(NULL, "cpu");          /* env is read when selector is NULL */
    expect_backend("auto", autob);        /* an explicit selector wins over the env */
    unsetenv("SSMIX_BACKEND");
    expect_backend("cpu", "cpu");
    expect_backend("CPU", "cpu");
    expect_backend("cpu:0", "cpu");
    expect_backend(" cpu ", "cpu");

    /* Lists are a preference order: unavailable entries are skipped, listed ones only. */
    for (int i = 0; i < 3; i++) {
        ssmix_backend_info info;
        CHECK(ssmix_backend_probe(names[i], &info) == SSMIX_SUCCESS, "probe %s", names[i]);
        char list[64];
        snprintf(list, sizeof list, "%s,cpu", names[i]);
        expect_backend(list, info.available ? names[i] : "cpu");
        if (!info.available) {
            CHECK(*info.reason, "probe of unavailable %s gives no reason", names[i]);
            /* An explicit request that cannot be met fails with the reason; no fallback. */
            ssmix_context *ctx = NULL;
            CHECK_STATUS(ssmix_context_create(&ctx, names[i]), SSMIX_ERROR_BACKEND_UNAVAILABLE, names[i]);
            CHECK(ctx == NULL, "context returned for unavailable %s", names[i]);
            printf("  %s unavailable: %s\n", names[i], info.reason);
        } else {
            char sel[64];
            snprintf(sel, sizeof sel, "%s:0", names[i]);
            expect_backend(sel, names[i]);
            /* a device index past the end is an unmet explicit request */
            snprintf(sel, sizeof sel, "%s:999", names[i]);
            ssmix_context *ctx = NULL;
            CHECK_STATUS(ssmix_context_create(&ctx, sel), SSMIX_ERROR_BACKEND_UNAVAILABLE, names[i]);
            snprintf(sel, sizeof sel, "%s:no-such-device-name", names[i]);
            CHECK_STATUS(ssmix_context_create(&ctx, sel), SSMIX_ERROR_BACKEND_UNAVAILABLE, "no-such-device-name");
        }
    }
    /* cpu has exactly one device */
    ssmix_context *ctx = NULL;
    CHECK_STATUS(ssmix_context_create(&ctx, "cpu:1"), SSMIX_ERROR_BACKEND_UNAVAILABLE, "cpu", "one device");

    /* Every reason tried is reported when nothing in a list works. */
    CHECK_STATUS(ssmix_context_create(&ctx, "cpu:7,cpu:8"), SSMIX_ERROR_BACKEND_UNAVAILABLE, "cpu:7", "cpu:8");
}

static void test_malformed(void)
{
    expect_invalid("gpu", "unknown backend \"gpu\"");
    expect_invalid("cpu,", "empty item");
    expect_invalid(",cpu", "empty item");
    expect_invalid("cpu,,opencl", "empty item");
    expect_invalid("cpu:", "empty device field");
    expect_invalid("opencl::0", "empty device field");
    expect_invalid("auto:1", "auto");
    expect_invalid("cudaa", "unknown backend");
    setenv("SSMIX_BACKEND", "nvidia", 1);
    ssmix_context *ctx = NULL;
    CHECK_STATUS(ssmix_context_create(&ctx, NULL), SSMIX_ERROR_INVALID_ARGUMENT, "SSMIX_BACKEND", "nvidia");
    unsetenv("SSMIX_BACKEND");
    CHECK_STATUS(ssmix_context_create(NULL, "cpu"), SSMIX_ERROR_INVALID_ARGUMENT, "ctx");
    ssmix_backend_info info;
    CHECK_STATUS(ssmix_backend_probe("vulkan", &info), SSMIX_ERROR_INVALID_ARGUMENT, "vulkan");
    CHECK_STATUS(ssmix_backend_probe("cpu", NULL), SSMIX_ERROR_INVALID_ARGUMENT, "info");
}

int main(void)
{
    test_forms();
    test_malformed();
    return api_summary("test_selection");
}
