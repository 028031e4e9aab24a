/*
 * Entry points of the backend-neutral GPU pipelines (backends/gpu/<op>_pipeline.c). A device backend
 * fills a ssmix_gpu_device and forwards the ops of its ssmix_backend_ops table here: the X-macro
 * SSMIX_GPU_PIPELINE_OPS lists every operator as X(op, problem type), where `op` is both the
 * ssmix_backend_ops slot and the suffix of ssmix_gpu_<op>().
 */
#ifndef SSMIX_GPU_PIPELINE_H
#define SSMIX_GPU_PIPELINE_H

#include "gpu_device.h"

#define SSMIX_GPU_PIPELINE_OPS(X)                 \
    X(ssd_forward, ssmix_ssd_problem)             \
    X(ssd_backward, ssmix_ssd_problem)            \
    X(qsmix_forward, ssmix_qsmix_problem)         \
    X(qsmix_backward, ssmix_qsmix_problem)        \
    X(gla_forward, ssmix_gla_problem)             \
    X(gla_backward, ssmix_gla_problem)            \
    X(sscan_forward, ssmix_sscan_problem)         \
    X(sscan_backward, ssmix_sscan_problem)        \
    X(sscan_decode, ssmix_sscan_decode_problem)   \
    X(conv1d_forward, ssmix_conv1d_problem)       \
    X(conv1d_backward, ssmix_conv1d_problem)      \
    X(conv1d_update, ssmix_conv1d_update_problem) \
    X(ssd_decode, ssmix_ssd_decode_problem)

#define SSMIX_GPU_PIPELINE_DECL_(op, problem) ssmix_status ssmix_gpu_##op(const ssmix_gpu_device *dev, const problem *p);
SSMIX_GPU_PIPELINE_OPS(SSMIX_GPU_PIPELINE_DECL_)
#undef SSMIX_GPU_PIPELINE_DECL_

/* Bytes of workspace the SSD pipeline needs for `p` (forward or backward). */
size_t ssmix_gpu_ssd_workspace_bytes(const ssmix_gpu_device *dev, const ssmix_ssd_problem *p, int backward);

#endif
