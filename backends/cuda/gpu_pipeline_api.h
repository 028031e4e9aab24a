/*
 * The names gpu_runtime.c uses from backends/gpu/ (kernel ids and the backend-neutral pipelines),
 * gathered in one place.
 */
#ifndef SSMIX_GPU_PIPELINE_API_H
#define SSMIX_GPU_PIPELINE_API_H

#include "gpu_device.h"
#include "gpu_pipeline.h"

/* Number of kernel ids and the base name of one (as written in kernels/: KNAME(name)). */
#define SSMIX_RT_KERNEL_COUNT ((int)SSMIX_KERNEL_COUNT)
#define SSMIX_RT_KERNEL_NAME(id) ssmix_kernel_name((ssmix_kernel_id)(id))

#endif
