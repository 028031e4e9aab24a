/*
 * ssmix OpenCL extras: the context's OpenCL objects, typed, for interoperation (allocate a cl_mem in
 * the context's cl_context and hand it to ssmix_buffer_wrap; enqueue your own kernels on the same
 * queue so they are ordered with ssmix's work).
 *
 * Header-only typed wrappers over ssmix_context_native_handle (ssmix.h): a program links libssmix
 * alone, never the OpenCL module or the OpenCL loader, and this header needs no CL header: the
 * OpenCL types are pointers to the incomplete structs named below (cl_context is
 * `struct _cl_context *` in CL/cl.h), so they convert without casts.
 *
 *     cl_context clctx;  cl_command_queue q;
 *     ssmix_opencl_context(ctx, &clctx);  ssmix_opencl_queue(ctx, &q);
 *     cl_mem m = clCreateBuffer(clctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
 *     ssmix_buffer *x;  ssmix_buffer_wrap(ctx, m, bytes, &x);     // retained by the wrapper
 *
 * The handles stay owned by the context: do not release them; they live as long as it does.
 * On a context of another backend these return SSMIX_ERROR_UNSUPPORTED.
 */
#ifndef SSMIX_OPENCL_H
#define SSMIX_OPENCL_H

#include "ssmix.h"

#ifdef __cplusplus
extern "C" {
#endif

struct _cl_platform_id;
struct _cl_device_id;
struct _cl_context;
struct _cl_command_queue;

static inline ssmix_status ssmix_opencl_platform(const ssmix_context *ctx, struct _cl_platform_id **platform)
{
    return ssmix_context_native_handle(ctx, "cl_platform_id", (void **)platform);
}

static inline ssmix_status ssmix_opencl_device(const ssmix_context *ctx, struct _cl_device_id **device)
{
    return ssmix_context_native_handle(ctx, "cl_device_id", (void **)device);
}

static inline ssmix_status ssmix_opencl_context(const ssmix_context *ctx, struct _cl_context **context)
{
    return ssmix_context_native_handle(ctx, "cl_context", (void **)context);
}

static inline ssmix_status ssmix_opencl_queue(const ssmix_context *ctx, struct _cl_command_queue **queue)
{
    return ssmix_context_native_handle(ctx, "cl_command_queue", (void **)queue);
}

#ifdef __cplusplus
}
#endif
#endif /* SSMIX_OPENCL_H */
