/* Kernels of selective scan and its decode step: X(name, file) entries, see gpu_kernels.h. */
#ifndef SSMIX_SSCAN_KERNELS_H
#define SSMIX_SSCAN_KERNELS_H

#define SSMIX_SSCAN_KERNELS(X) /* SKELETON: filled in with the operator's kernels */

#endif
