/* Kernels of SSD decode step: X(name, file) entries, see gpu_kernels.h. */
#ifndef SSMIX_DECODE_KERNELS_H
#define SSMIX_DECODE_KERNELS_H

#define SSMIX_DECODE_KERNELS(X) /* SKELETON: filled in with the operator's kernels */

#endif
