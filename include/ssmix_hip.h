/*
 * ssmix HIP extras: run a context's work on a caller's hipStream_t, wrap device pointers.
 *
 * Header-only, like ssmix_cuda.h: typed wrappers over the backend-neutral native-stream calls of
 * ssmix.h, so a program links libssmix alone and needs no HIP header here: hipStream_t is
 * `struct ihipStream_t *` in the AMD HIP runtime, and the same incomplete struct is named here.
 *
 * Semantics are those of ssmix_cuda.h: subsequent work goes to the caller's stream, work queued
 * earlier is ordered before it, the caller keeps ownership and the stream must belong to the
 * context's device; NULL returns to the context's own stream (so HIP's null stream itself cannot be
 * selected: use a stream of your own, or hipStreamPerThread, SSMIX_HIP_STREAM_PER_THREAD).
 */
#ifndef SSMIX_HIP_H
#define SSMIX_HIP_H

#include "ssmix.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ihipStream_t; /* hipStream_t == struct ihipStream_t * */

/* The HIP runtime's per-thread default stream handle (hipStreamPerThread). */
#define SSMIX_HIP_STREAM_PER_THREAD ((struct ihipStream_t *)0x2)

static inline ssmix_status ssmix_hip_set_stream(ssmix_context *ctx, struct ihipStream_t *stream)
{
    return ssmix_context_set_native_stream(ctx, "hip", (void *)stream);
}

static inline ssmix_status ssmix_hip_get_stream(const ssmix_context *ctx, struct ihipStream_t **stream)
{
    void *s = NULL;
    ssmix_status st = ssmix_context_native_stream(ctx, "hip", &s);
    if (stream) *stream = (struct ihipStream_t *)s;
    return st;
}

/* ssmix_context_create + ssmix_hip_set_stream; `selector` must pick the hip backend (NULL: "hip"). */
static inline ssmix_status ssmix_hip_context_create_with_stream(ssmix_context **ctx, const char *selector,
                                                                struct ihipStream_t *stream)
{
    ssmix_status st = ssmix_context_create(ctx, selector ? selector : "hip");
    if (st != SSMIX_SUCCESS) return st;
    st = ssmix_hip_set_stream(*ctx, stream);
    if (st != SSMIX_SUCCESS) {
        ssmix_context_destroy(*ctx);
        *ctx = NULL;
    }
    return st;
}

/* Wrap a device pointer (hipMalloc, a framework's allocator) of the context's device. */
static inline ssmix_status ssmix_hip_buffer_wrap(ssmix_context *ctx, void *device_ptr, size_t bytes,
                                                 ssmix_buffer **buf)
{
    return ssmix_buffer_wrap(ctx, device_ptr, bytes, buf);
}

#ifdef __cplusplus
}
#endif
#endif /* SSMIX_HIP_H */
