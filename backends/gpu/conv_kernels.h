/* Kernels of short convolutions and the causal conv state update (kernels/conv.cl): X(name, file)
 * entries, see gpu_kernels.h. Launch sequence: conv_pipeline.c. */
#ifndef SSMIX_CONV_KERNELS_H
#define SSMIX_CONV_KERNELS_H

#define SSMIX_CONV_KERNELS(X)           \
    X(conv_fwd, "conv.cl")              \
    X(conv_final, "conv.cl")            \
    X(conv_bwd_dx, "conv.cl")           \
    X(conv_bwd_dinit, "conv.cl")        \
    X(conv_bwd_dw_part, "conv.cl")      \
    X(conv_bwd_dw_reduce, "conv.cl")    \
    X(conv_update, "conv.cl")

#endif
