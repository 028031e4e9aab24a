/*
 * The kernels of kernels/, by id, shared by every GPU backend (OpenCL, CUDA, HIP).
 *
 * Each entry is X(name, file): `name` is the kernel's base name as written in KNAME(name) in
 * kernels/<file> (CUDA/HIP objects append _f32/_f16/_bf16; OpenCL builds one program per file and
 * I/O dtype, so the plain name is used there). The enum value is SSMIX_K_<name>.
 *
 * Adding kernels for an operator: put them in kernels/<op>.cl, list them in the X-macro of
 * backends/gpu/<op>_kernels.h (included below). Nothing in a backend needs to change: backends
 * look kernels up by name and file, and the builds pick up every .cl file of kernels/.
 */
#ifndef SSMIX_GPU_KERNELS_H
#define SSMIX_GPU_KERNELS_H

#define SSMIX_SSD_KERNELS(X)              \
    X(ssd_chunk_cumsum, "ssd.cl")         \
    X(ssd_chunk_state, "ssd.cl")          \
    X(ssd_state_passing, "ssd.cl")        \
    X(ssd_chunk_scan, "ssd.cl")           \
    X(ssd_dstate_passing, "ssd.cl")       \
    X(ssd_bwd_dx, "ssd.cl")               \
    X(ssd_bwd_dB, "ssd.cl")               \
    X(ssd_bwd_dC, "ssd.cl")               \
    X(ssd_bwd_pairs, "ssd.cl")            \
    X(ssd_bwd_ddecay, "ssd.cl")           \
    X(ssd_bwd_ddt, "ssd.cl")              \
    X(ssd_bwd_dD, "ssd.cl")               \
    X(ssd_reduce_rows, "ssd.cl")          \
    X(ssd_reduce_heads, "ssd.cl")

#include "qsmix_kernels.h" /* SSMIX_QSMIX_KERNELS */
#include "gla_kernels.h"   /* SSMIX_GLA_KERNELS */
#include "sscan_kernels.h" /* SSMIX_SSCAN_KERNELS (selective scan and its decode step) */
#include "conv_kernels.h"  /* SSMIX_CONV_KERNELS (short convolutions and the state update) */
#include "decode_kernels.h" /* SSMIX_DECODE_KERNELS (SSD decode step) */
#include "ssd_varlen_kernels.h" /* SSMIX_SSD_VARLEN_KERNELS (SSD cu_seqlens helpers) */

#define SSMIX_ALL_KERNELS(X)                                                                \
    SSMIX_SSD_KERNELS(X) SSMIX_QSMIX_KERNELS(X) SSMIX_GLA_KERNELS(X) SSMIX_SSCAN_KERNELS(X) \
    SSMIX_CONV_KERNELS(X) SSMIX_DECODE_KERNELS(X) SSMIX_SSD_VARLEN_KERNELS(X)

typedef enum ssmix_kernel_id {
#define SSMIX_KERNEL_ENUM_(name, file) SSMIX_K_##name,
    SSMIX_ALL_KERNELS(SSMIX_KERNEL_ENUM_)
#undef SSMIX_KERNEL_ENUM_
    SSMIX_KERNEL_COUNT
} ssmix_kernel_id;

/* Base name ("ssd_chunk_scan") and source file ("ssd.cl") of a kernel; NULL for an invalid id.
 * Defined in backends/gpu/gpu_kernels.c. */
const char *ssmix_kernel_name(ssmix_kernel_id id);
const char *ssmix_kernel_file(ssmix_kernel_id id);

#endif
