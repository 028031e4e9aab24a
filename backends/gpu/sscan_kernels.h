/* Kernels of selective scan and its decode step: X(name, file) entries, see gpu_kernels.h. */
#ifndef SSMIX_SSCAN_KERNELS_H
#define SSMIX_SSCAN_KERNELS_H

#define SSMIX_SSCAN_KERNELS(X)        \
    X(sscan_fwd_chunk, "sscan.cl")    \
    X(sscan_pass, "sscan.cl")         \
    X(sscan_fwd_out, "sscan.cl")      \
    X(sscan_bwd_chunk, "sscan.cl")    \
    X(sscan_bwd_main, "sscan.cl")     \
    X(sscan_reduce_f32, "sscan.cl")   \
    X(sscan_reduce_io, "sscan.cl")    \
    X(sscan_decode, "sscan.cl")

#endif
