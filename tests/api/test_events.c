/*
 * Timing events (ssmix_event_*): argument errors, and on a real backend that the device time of an
 * SSD forward call measured between two events is positive and no longer than the host time around
 * it, and that an empty interval is shorter than a busy one.
 * usage: test_events [selector]   (default cpu). Exit 77 when the backend is unavailable, unless
 * SSMIX_REQUIRE_BACKENDS names it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "api_test.h"

static double host_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}

static ssmix_buffer *filled(ssmix_context *ctx, size_t n, float value)
{
    ssmix_buffer *b = NULL;
    float *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++) h[i] = value * (float)((i * 7919) % 13) / 13.0f;
    if (ssmix_buffer_alloc(ctx, n * sizeof *h, &b) != SSMIX_SUCCESS || ssmix_buffer_write(b, 0, h, n * sizeof *h))
        fprintf(stderr, "buffer setup failed: %s\n", ssmix_last_error());
    free(h);
    return b;
}

int main(int argc, char **argv)
{
    const char *sel = argc > 1 ? argv[1] : "cpu";
    ssmix_context *ctx = NULL, *other = NULL;
    if (ssmix_context_create(&ctx, sel) != SSMIX_SUCCESS) {
        const char *req = getenv("SSMIX_REQUIRE_BACKENDS");
        printf("test_events: backend %s unavailable: %s\n", sel, ssmix_last_error());
        return req && strstr(req, sel) ? 1 : 77;
    }
    CHECK(ssmix_context_create(&other, "cpu") == SSMIX_SUCCESS, "%s", ssmix_last_error());

    ssmix_event *e0 = NULL, *e1 = NULL, *e2 = NULL, *foreign = NULL;
    float ms = -1.0f;
    CHECK_STATUS(ssmix_event_create(NULL, &e0), SSMIX_ERROR_INVALID_ARGUMENT, "ctx is NULL");
    CHECK_STATUS(ssmix_event_create(ctx, NULL), SSMIX_ERROR_INVALID_ARGUMENT, "event is NULL");
    CHECK(ssmix_event_create(ctx, &e0) == SSMIX_SUCCESS && e0, "%s", ssmix_last_error());
    CHECK(ssmix_event_create(ctx, &e1) == SSMIX_SUCCESS && e1, "%s", ssmix_last_error());
    CHECK(ssmix_event_create(ctx, &e2) == SSMIX_SUCCESS && e2, "%s", ssmix_last_error());
    CHECK(ssmix_event_create(other, &foreign) == SSMIX_SUCCESS && foreign, "%s", ssmix_last_error());
    CHECK_STATUS(ssmix_event_record(NULL), SSMIX_ERROR_INVALID_ARGUMENT, "event is NULL");
    CHECK_STATUS(ssmix_event_elapsed(e0, e1, &ms), SSMIX_ERROR_INVALID_ARGUMENT, "start has not been recorded");
    CHECK(ssmix_event_record(e0) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    CHECK_STATUS(ssmix_event_elapsed(e0, e1, &ms), SSMIX_ERROR_INVALID_ARGUMENT, "end has not been recorded");
    CHECK(ssmix_event_record(foreign) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    CHECK_STATUS(ssmix_event_elapsed(e0, foreign, &ms), SSMIX_ERROR_INVALID_ARGUMENT, "different contexts");
    CHECK_STATUS(ssmix_event_elapsed(e0, e0, NULL), SSMIX_ERROR_INVALID_ARGUMENT, "ms is NULL");
    CHECK_STATUS(ssmix_event_elapsed(NULL, e0, &ms), SSMIX_ERROR_INVALID_ARGUMENT, "start is NULL");

    /* A busy interval: one SSD forward (b=2, L=512, H=8, P=32, N=32, Q=64), f32. */
    enum { B = 2, L = 512, H = 8, P = 32, N = 32 };
    ssmix_buffer *bx = filled(ctx, (size_t)B * L * H * P, 1.0f), *bdt = filled(ctx, (size_t)B * L * H, 0.1f),
                 *bA = filled(ctx, H, -1.0f), *bB = filled(ctx, (size_t)B * L * N, 1.0f),
                 *bC = filled(ctx, (size_t)B * L * N, 1.0f), *bout = filled(ctx, (size_t)B * L * H * P, 0.0f);
    ssmix_tensor x, dt, A, Bt, Ct, out;
    int64_t sx[4] = {B, L, H, P}, sdt[3] = {B, L, H}, sa[1] = {H}, sbc[4] = {B, L, 1, N};
    ssmix_tensor_init(&x, bx, 0, SSMIX_F32, 4, sx, NULL);
    ssmix_tensor_init(&dt, bdt, 0, SSMIX_F32, 3, sdt, NULL);
    ssmix_tensor_init(&A, bA, 0, SSMIX_F32, 1, sa, NULL);
    ssmix_tensor_init(&Bt, bB, 0, SSMIX_F32, 4, sbc, NULL);
    ssmix_tensor_init(&Ct, bC, 0, SSMIX_F32, 4, sbc, NULL);
    ssmix_tensor_init(&out, bout, 0, SSMIX_F32, 4, sx, NULL);
    ssmix_ssd_params p;
    ssmix_ssd_params_init(&p);
    p.chunk_size = 64;
    ssmix_ssd_tensors t;
    memset(&t, 0, sizeof t);
    t.x = &x, t.dt = &dt, t.A = &A, t.B = &Bt, t.C = &Ct, t.out = &out;
    CHECK(ssmix_ssd_forward(ctx, &p, &t) == SSMIX_SUCCESS, "warm-up: %s", ssmix_last_error());
    CHECK(ssmix_synchronize(ctx) == SSMIX_SUCCESS, "%s", ssmix_last_error());

    double h0 = host_ms();
    CHECK(ssmix_event_record(e0) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    for (int i = 0; i < 3; i++) CHECK(ssmix_ssd_forward(ctx, &p, &t) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    CHECK(ssmix_event_record(e1) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    CHECK(ssmix_event_record(e2) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    float busy = -1.0f, idle = -1.0f;
    CHECK(ssmix_event_elapsed(e0, e1, &busy) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    double host = host_ms() - h0;
    CHECK(ssmix_event_elapsed(e1, e2, &idle) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    printf("test_events on %s: 3 SSD forward calls %.3f ms by events, %.3f ms by the host clock; empty interval %.3f ms\n",
           ssmix_context_backend(ctx), (double)busy, host, (double)idle);
    CHECK(busy > 0.0f, "busy interval %.6f ms is not positive", (double)busy);
    CHECK((double)busy <= host + 0.5, "device interval %.3f ms exceeds the host time around it %.3f ms", (double)busy, host);
    CHECK(idle >= 0.0f && idle < busy, "empty interval %.6f ms is not in [0, busy = %.6f)", (double)idle, (double)busy);

    ssmix_event_destroy(e0), ssmix_event_destroy(e1), ssmix_event_destroy(e2), ssmix_event_destroy(foreign);
    CHECK(ssmix_event_destroy(NULL) == SSMIX_SUCCESS, "destroy NULL");
    ssmix_buffer_free(bx), ssmix_buffer_free(bdt), ssmix_buffer_free(bA), ssmix_buffer_free(bB), ssmix_buffer_free(bC),
        ssmix_buffer_free(bout);
    ssmix_context_destroy(other);
    ssmix_context_destroy(ctx);
    return api_summary("test_events");
}
