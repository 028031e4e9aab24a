/*
 * Included by every HIP kernel translation unit after kernels/dialect.h and before the kernel file
 * (see cmake/SsmixGpuKernels.cmake, PRELUDE). HIP-only additions to the dialect live here.
 */
#ifndef SSMIX_HIP_PRELUDE_H
#define SSMIX_HIP_PRELUDE_H

#include "ssmix_hip_bf16.h"  /* bf16 value type, with or without <hip/hip_bf16.h> */
#include "ssmix_hip_mfma.h"  /* MFMA ssmix_tile_mac on CDNA (off unless SSMIX_HIP_MATRIX_CORES=1) */

#endif
