/* Tiny assertion helpers shared by the API tests (selection, bad input, modules). */
#ifndef SSMIX_API_TEST_H
#define SSMIX_API_TEST_H

#include <stdio.h>
#include <string.h>

#include "ssmix.h"

static int api_failures = 0, api_checks = 0;

#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        api_checks++;                                                                     \
        if (!(cond)) {                                                                    \
            api_failures++;                                                               \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fprintf(stderr, "\n");                                                        \
        }                                                                                 \
    } while (0)

/* The call returned `want` and the thread's message contains every given substring. */
#define CHECK_STATUS(call, want, ...)                                                     \
    do {                                                                                  \
        ssmix_status got_ = (call);                                                       \
        const char *subs_[] = {__VA_ARGS__};                                              \
        CHECK(got_ == (want), "%s returned %d (%s), expected %d; message: %s", #call,     \
              (int)got_, ssmix_status_string(got_), (int)(want), ssmix_last_error());     \
        for (size_t k_ = 0; k_ < sizeof subs_ / sizeof subs_[0]; k_++)                    \
            CHECK(strstr(ssmix_last_error(), subs_[k_]) != NULL,                          \
                  "%s: message \"%s\" lacks \"%s\"", #call, ssmix_last_error(), subs_[k_]); \
    } while (0)

static int api_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, api_checks - api_failures, api_failures);
    return api_failures ? 1 : 0;
}

#endif
