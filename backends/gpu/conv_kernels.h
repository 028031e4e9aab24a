/* Kernels of short convolutions and the causal conv state update: X(name, file) entries, see gpu_kernels.h. */
#ifndef SSMIX_CONV_KERNELS_H
#define SSMIX_CONV_KERNELS_H

#define SSMIX_CONV_KERNELS(X) /* SKELETON: filled in with the operator's kernels */

#endif
