/* Kernels of gated linear attention: X(name, file) entries, see gpu_kernels.h. */
#ifndef SSMIX_GLA_KERNELS_H
#define SSMIX_GLA_KERNELS_H

#define SSMIX_GLA_KERNELS(X) /* SKELETON: filled in with the operator's kernels */

#endif
