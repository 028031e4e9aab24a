/* Timing events: the public ssmix_event_* calls over the backend's optional event slots, with a
 * host-clock fallback (synchronize, then read CLOCK_MONOTONIC) for backends without them. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "internal.h"

struct ssmix_event {
    ssmix_context *ctx;
    void *native;   /* the backend's event (NULL when the backend has no event slots) */
    int recorded;
    double host_ms; /* fallback: host clock at record time, after synchronizing */
};

static int backend_has_events(const ssmix_context *ctx)
{
    const ssmix_backend_ops *o = ctx->backend.ops;
    return o->event_create && o->event_destroy && o->event_record && o->event_elapsed;
}

ssmix_status ssmix_event_create(ssmix_context *ctx, ssmix_event **event)
{
    if (!event) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_event_create: event is NULL");
    *event = NULL;
    if (!ctx) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_event_create: ctx is NULL");
    ssmix_event *e = calloc(1, sizeof *e);
    if (!e) return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssmix_event_create: out of host memory");
    e->ctx = ctx;
    if (backend_has_events(ctx)) {
        ssmix_status st = ctx->backend.ops->event_create(ctx->bctx, &e->native);
        if (st != SSMIX_SUCCESS) {
            free(e);
            return st;
        }
    }
    *event = e;
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_event_destroy(ssmix_event *event)
{
    if (!event) return SSMIX_SUCCESS;
    if (event->native) event->ctx->backend.ops->event_destroy(event->ctx->bctx, event->native);
    free(event);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_event_record(ssmix_event *event)
{
    if (!event) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_event_record: event is NULL");
    ssmix_context *ctx = event->ctx;
    ssmix_status st;
    if (event->native) {
        st = ctx->backend.ops->event_record(ctx->bctx, event->native);
    } else {
        st = ctx->backend.ops->synchronize(ctx->bctx);
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        event->host_ms = 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
    }
    if (st == SSMIX_SUCCESS) event->recorded = 1;
    return st;
}

ssmix_status ssmix_event_elapsed(const ssmix_event *start, const ssmix_event *end, float *ms)
{
    if (!start || !end || !ms)
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_event_elapsed: %s is NULL",
                               !start ? "start" : !end ? "end" : "ms");
    if (start->ctx != end->ctx)
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT,
                               "ssmix_event_elapsed: start and end belong to different contexts");
    if (!start->recorded || !end->recorded)
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_event_elapsed: %s has not been recorded",
                               !start->recorded ? "start" : "end");
    ssmix_context *ctx = start->ctx;
    if (start->native) return ctx->backend.ops->event_elapsed(ctx->bctx, start->native, end->native, ms);
    *ms = (float)(end->host_ms - start->host_ms);
    return SSMIX_SUCCESS;
}
