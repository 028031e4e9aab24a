/*
 * What the backend-neutral GPU pipelines (the .c files of backends/gpu/, compiled into every GPU module) need
 * from a device backend (OpenCL, CUDA, HIP): launch a kernel of kernels/ by id and I/O dtype, and
 * hand out context-owned workspace. The sequence of launches, grid shapes and workspace layout of
 * every operator lives once in backends/gpu/; a backend implements only this table.
 *
 * Contract for pipelines
 * - Launches are asynchronous and execute in submission order on the context's one queue/stream.
 * - Kernel arguments are passed in declaration order. A tensor argument of the dialect is a buffer
 *   handle (SSMIX_KARG_BUF) followed by its element offset and strides (SSMIX_KARG_I64); `int`-like
 *   kernel parameters (i32) are SSMIX_KARG_I32, i64 are SSMIX_KARG_I64, float SSMIX_KARG_F32.
 * - Grids: groups[0] up to 2^31 - 1; groups[1] and groups[2] at most 65535 (CUDA's limit). The SSD
 *   pipeline uses 1-D grids only and decodes the group id in the kernel.
 * - Work-group size: local[0] * local[1] * local[2] must not exceed max_group_size() of that kernel.
 * - Errors: launch/workspace return a status and have already recorded the message through
 *   host->set_error; a pipeline returns that status unchanged.
 */
#ifndef SSMIX_GPU_DEVICE_H
#define SSMIX_GPU_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "ssmix_backend.h"
#include "gpu_kernels.h" /* enum ssmix_kernel_id: one entry per kernel of kernels/ */

typedef enum ssmix_karg_kind {
    SSMIX_KARG_BUF = 0, /* a buffer handle (view.native or workspace) */
    SSMIX_KARG_I64 = 1,
    SSMIX_KARG_I32 = 2,
    SSMIX_KARG_F32 = 3
} ssmix_karg_kind;

typedef struct ssmix_karg {
    ssmix_karg_kind kind;
    union {
        void *buf; /* NULL allowed for an absent optional tensor: the kernel gets a dummy */
        int64_t i64;
        int32_t i32;
        float f32;
    } v;
} ssmix_karg;

typedef struct ssmix_gpu_device {
    void *impl;
    /* Launch `kernel` compiled for I/O dtype `io` on groups[0..2] work-groups of local[0..2]
     * work-items, with `local_bytes` of dynamic local memory (0 unless the kernel declares it; on
     * OpenCL it becomes an extra trailing LOCAL pointer argument). */
    ssmix_status (*launch)(void *impl, ssmix_kernel_id kernel, ssmix_dtype io, const size_t groups[3],
                           const size_t local[3], size_t local_bytes, int nargs, const ssmix_karg *args);
    /* Largest work-group size this device allows for `kernel` (queried, never assumed). May build
     * the kernel's program on first use. */
    ssmix_status (*max_group_size)(void *impl, ssmix_kernel_id kernel, ssmix_dtype io, size_t *size);
    /* Context-owned scratch of at least `bytes`, valid until the next call on this context;
     * the pipeline carves it into pieces with offsets passed as kernel arguments. Work queued
     * earlier that still uses an older, smaller workspace stays valid (the backend defers freeing). */
    ssmix_status (*workspace)(void *impl, size_t bytes, void **native);
    size_t local_mem_bytes; /* per work-group */
    const ssmix_host_api *host; /* set_error / log of the core */
} ssmix_gpu_device;

#endif
