/*
 * Kernels of gated linear attention (kernels/gla.cl), hooked into the kernel id list of
 * backends/gpu/gpu_kernels.h (enum values SSMIX_K_<name>). Launch sequence: gla_pipeline.c.
 */
#ifndef SSMIX_GLA_KERNELS_H
#define SSMIX_GLA_KERNELS_H

#define SSMIX_GLA_KERNELS(X)          \
    X(gla_table, "gla.cl")            \
    X(gla_cumsum, "gla.cl")           \
    X(gla_chunk_state, "gla.cl")      \
    X(gla_state_pass, "gla.cl")       \
    X(gla_attn, "gla.cl")             \
    X(gla_output, "gla.cl")           \
    X(gla_bwd_dqk, "gla.cl")          \
    X(gla_bwd_dgk, "gla.cl")          \
    X(gla_bwd_dv, "gla.cl")

#endif
