/*
 * Included by every CUDA kernel translation unit after kernels/dialect.h and before the kernel file
 * (see cmake/SsmixGpuKernels.cmake, PRELUDE). CUDA-only additions to the dialect live here.
 */
#ifndef SSMIX_CUDA_PRELUDE_H
#define SSMIX_CUDA_PRELUDE_H

#include "ssmix_cuda_mma.h" /* tensor-core ssmix_tile_mac (sm_80+, switchable at run time) */

#endif
