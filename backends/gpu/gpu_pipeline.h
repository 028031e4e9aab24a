/*
 * Entry points of the backend-neutral GPU pipelines (backends/gpu/<op>_pipeline.c). A device backend
 * fills a ssmix_gpu_device and forwards the ops of its ssmix_backend_ops table here.
 *
 * SSD: backends/gpu/ssd_pipeline.c. QSMIX: backends/gpu/qsmix_pipeline.c (optional at build time: a
 * module builds it and defines SSMIX_HAVE_QSMIX_PIPELINE=1 when the file exists; otherwise the
 * module reports qsmix as unsupported).
 */
#ifndef SSMIX_GPU_PIPELINE_H
#define SSMIX_GPU_PIPELINE_H

#include "gpu_device.h"

ssmix_status ssmix_gpu_ssd_forward(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p);
ssmix_status ssmix_gpu_ssd_backward(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p);
/* Bytes of workspace the SSD pipeline needs for `p` (forward or backward). */
size_t ssmix_gpu_ssd_workspace_bytes(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p, int backward);

ssmix_status ssmix_gpu_qsmix_forward(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p);
ssmix_status ssmix_gpu_qsmix_backward(const ssmix_gpu_device *dev, const ssmix_qsmix_problem *p);

#endif
