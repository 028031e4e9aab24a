/* Kernels of SSD decode step: X(name, file) entries, see gpu_kernels.h. */
#ifndef SSMIX_DECODE_KERNELS_H
#define SSMIX_DECODE_KERNELS_H

#define SSMIX_DECODE_KERNELS(X) X(ssd_decode_step, "decode.cl")

#endif
