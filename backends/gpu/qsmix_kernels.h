/*
 * Kernels of the quasiseparable mixer (kernels/qsmix.cl), hooked into the kernel id list of
 * backends/gpu/gpu_kernels.h (enum values SSMIX_K_<name>). Launch sequence: qsmix_pipeline.c.
 */
#ifndef SSMIX_QSMIX_KERNELS_H
#define SSMIX_QSMIX_KERNELS_H

#define SSMIX_QSMIX_KERNELS(X)                \
    X(qsmix_dt_cumsum, "qsmix.cl")            \
    X(qsmix_chunk_state, "qsmix.cl")          \
    X(qsmix_state_pass, "qsmix.cl")           \
    X(qsmix_chunk_output, "qsmix.cl")         \
    X(qsmix_bwd_chunk, "qsmix.cl")            \
    X(qsmix_bwd_dlog, "qsmix.cl")             \
    X(qsmix_bwd_finish, "qsmix.cl")           \
    X(qsmix_reduce_heads, "qsmix.cl")         \
    X(qsmix_reduce_params, "qsmix.cl")        \
    X(qsmix_varlen_table, "qsmix.cl")

#endif
