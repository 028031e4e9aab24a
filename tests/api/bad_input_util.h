/*
 * Scaffolding shared by the bad-input tests (test_bad_input*.c): tensors in their own buffers with
 * small valid inputs and poisoned outputs (0xFF bytes), and REJECT(call, status, fragments...): the
 * call returned `status`, its message holds every fragment, and no output byte changed.
 * Header-only: each test is one translation unit that sets `ctx` (and `other_ctx` where needed).
 */
#ifndef SSMIX_BAD_INPUT_UTIL_H
#define SSMIX_BAD_INPUT_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "api_test.h"

typedef struct tens {
    ssmix_buffer *buf;
    ssmix_tensor t;
    size_t bytes;
    int output;
} tens;

static ssmix_context *ctx __attribute__((unused)), *other_ctx __attribute__((unused));
static tens *bi_all[128];
static int bi_nall;
/* f32 inputs hold bi_input_sign * (0.25 + 0.01 (i % 7)): negative by default, valid for A <= 0 and
 * log-decays; a test needing positive values sets +1 before making tensors. */
static float bi_input_sign = -1.0f;

/* A row-major tensor of context c; i32 inputs hold `ivals` (or 0). Aborts if allocation fails. */
static inline tens *make_in(ssmix_context *c, ssmix_dtype dt, int output, int ndim, int64_t d0, int64_t d1,
                            int64_t d2, int64_t d3, const int *ivals)
{
    tens *t = calloc(1, sizeof *t);
    int64_t shape[4] = {d0, d1, d2, d3};
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= (size_t)shape[i];
    t->bytes = count * ssmix_dtype_size(dt);
    t->output = output;
    if (ssmix_buffer_alloc(c, t->bytes, &t->buf) != SSMIX_SUCCESS) abort();
    ssmix_tensor_init(&t->t, t->buf, 0, dt, ndim, shape, NULL);
    unsigned char *host = malloc(t->bytes);
    memset(host, output ? 0xFF : 0, t->bytes);
    if (!output && dt == SSMIX_F32)
        for (size_t i = 0; i < count; i++) ((float *)host)[i] = bi_input_sign * (0.25f + 0.01f * (float)(i % 7));
    if (!output && dt == SSMIX_I32 && ivals)
        for (size_t i = 0; i < count; i++) ((int32_t *)host)[i] = ivals[i];
    ssmix_buffer_write(t->buf, 0, host, t->bytes);
    free(host);
    bi_all[bi_nall++] = t;
    return t;
}

static inline tens *make(ssmix_dtype dt, int output, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    return make_in(ctx, dt, output, ndim, d0, d1, d2, d3, NULL);
}

/* Every output made so far still holds only 0xFF bytes. */
static inline int outputs_untouched(void)
{
    int ok = 1;
    for (int i = 0; i < bi_nall && ok; i++) {
        if (!bi_all[i]->output) continue;
        unsigned char *host = malloc(bi_all[i]->bytes);
        ssmix_buffer_read(bi_all[i]->buf, 0, host, bi_all[i]->bytes);
        for (size_t k = 0; k < bi_all[i]->bytes; k++)
            if (host[k] != 0xFF) {
                ok = 0;
                break;
            }
        free(host);
    }
    return ok;
}

/* Poison every output again (after a call that was meant to succeed). */
static inline void repoison(void)
{
    for (int i = 0; i < bi_nall; i++) {
        if (!bi_all[i]->output) continue;
        unsigned char *host = malloc(bi_all[i]->bytes);
        memset(host, 0xFF, bi_all[i]->bytes);
        ssmix_buffer_write(bi_all[i]->buf, 0, host, bi_all[i]->bytes);
        free(host);
    }
}

/* Free every tensor made so far (before destroying the contexts). */
static inline void free_all(void)
{
    for (int i = 0; i < bi_nall; i++) {
        ssmix_buffer_free(bi_all[i]->buf);
        free(bi_all[i]);
    }
    bi_nall = 0;
}

#define REJECT(call, want, ...)                                                                    \
    do {                                                                                           \
        CHECK_STATUS(call, want, __VA_ARGS__);                                                     \
        CHECK(outputs_untouched(), "%s wrote to an output while failing", #call);                  \
    } while (0)

#endif
