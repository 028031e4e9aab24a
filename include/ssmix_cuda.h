/*
 * ssmix CUDA extras: run a context's work on a caller's cudaStream_t, wrap device pointers.
 *
 * Header-only, on purpose: these are typed wrappers over the backend-neutral native-stream calls of
 * ssmix.h (ssmix_context_set_native_stream / ssmix_context_native_stream), so a program links
 * libssmix alone, never the CUDA module (which is dlopen'ed and may be absent), and this header
 * needs no CUDA header: cudaStream_t is `struct CUstream_st *` in the CUDA runtime, and the same
 * incomplete struct is named here, so a cudaStream_t converts without a cast.
 *
 * Interoperation with frameworks (PyTorch, JAX, CuPy): libssmix-cuda links the CUDA runtime
 * statically, but device pointers and streams belong to the device's primary context and are shared
 * by every copy of the runtime in the process, so a framework's stream and allocations can be used
 * directly:
 *
 *     ssmix_context *ctx;
 *     ssmix_cuda_context_create_with_stream(&ctx, "cuda:0", torch_stream);   // or ssmix_cuda_set_stream
 *     ssmix_buffer *x;
 *     ssmix_buffer_wrap(ctx, tensor_data_ptr, tensor_bytes, &x);            // no copy, caller owns
 *     ... ssmix_ssd_forward(ctx, ...)                                        // queued on torch_stream
 *
 * Semantics of a caller's stream
 * - Everything the context queues afterwards (operators, buffer copies, ssmix_synchronize) goes to
 *   that stream; work queued earlier on the previous stream is ordered before it (an event), so the
 *   context's workspace is never used by two streams at once.
 * - The caller keeps ownership: the stream must outlive its use by the context (set another stream,
 *   or NULL, before destroying it). It must belong to the context's device.
 * - NULL returns to the context's own stream (created by the context; it synchronizes with the legacy
 *   default stream like any stream created without cudaStreamNonBlocking). To queue on the legacy or
 *   per-thread default stream pass SSMIX_CUDA_STREAM_LEGACY or SSMIX_CUDA_STREAM_PER_THREAD.
 */
#ifndef SSMIX_CUDA_H
#define SSMIX_CUDA_H

#include "ssmix.h"

#ifdef __cplusplus
extern "C" {
#endif

struct CUstream_st; /* cudaStream_t == struct CUstream_st * */

/* The CUDA runtime's special stream handles (cudaStreamLegacy, cudaStreamPerThread). */
#define SSMIX_CUDA_STREAM_LEGACY ((struct CUstream_st *)0x1)
#define SSMIX_CUDA_STREAM_PER_THREAD ((struct CUstream_st *)0x2)

/* Queue the context's work on `stream` (NULL: the context's own stream). The context must run on
 * the cuda backend (SSMIX_ERROR_INVALID_ARGUMENT otherwise). */
static inline ssmix_status ssmix_cuda_set_stream(ssmix_context *ctx, struct CUstream_st *stream)
{
    return ssmix_context_set_native_stream(ctx, "cuda", (void *)stream);
}

/* The stream the context queues work on now (its own unless one was set). */
static inline ssmix_status ssmix_cuda_get_stream(const ssmix_context *ctx, struct CUstream_st **stream)
{
    void *s = NULL;
    ssmix_status st = ssmix_context_native_stream(ctx, "cuda", &s);
    if (stream) *stream = (struct CUstream_st *)s;
    return st;
}

/* ssmix_context_create(ctx, selector) + ssmix_cuda_set_stream(*ctx, stream). `selector` must pick
 * the cuda backend ("cuda", "cuda:1", "cuda:H100"; NULL means "cuda"). On failure *ctx is NULL. */
static inline ssmix_status ssmix_cuda_context_create_with_stream(ssmix_context **ctx, const char *selector,
                                                                 struct CUstream_st *stream)
{
    ssmix_status st = ssmix_context_create(ctx, selector ? selector : "cuda");
    if (st != SSMIX_SUCCESS) return st;
    st = ssmix_cuda_set_stream(*ctx, stream);
    if (st != SSMIX_SUCCESS) {
        ssmix_context_destroy(*ctx);
        *ctx = NULL;
    }
    return st;
}

/* Wrap a device pointer (cudaMalloc, cudaMallocAsync, a framework's allocator; managed memory is
 * accepted too) of the context's device: the same as ssmix_buffer_wrap, typed for readability. The
 * module checks that the pointer is device memory of the context's device. */
static inline ssmix_status ssmix_cuda_buffer_wrap(ssmix_context *ctx, void *device_ptr, size_t bytes,
                                                  ssmix_buffer **buf)
{
    return ssmix_buffer_wrap(ctx, device_ptr, bytes, buf);
}

#ifdef __cplusplus
}
#endif
#endif /* SSMIX_CUDA_H */
