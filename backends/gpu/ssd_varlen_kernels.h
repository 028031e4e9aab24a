/* Kernels of SSD varlen (cu_seqlens): X(name, file) entries, see gpu_kernels.h. */
#ifndef SSMIX_SSD_VARLEN_KERNELS_H
#define SSMIX_SSD_VARLEN_KERNELS_H

#define SSMIX_SSD_VARLEN_KERNELS(X)     \
    X(ssd_varlen_seq, "ssd_varlen.cl")  \
    X(ssd_varlen_lseq, "ssd_varlen.cl") \
    X(ssd_varlen_final, "ssd_varlen.cl") \
    X(ssd_varlen_dinit, "ssd_varlen.cl") \
    X(ssd_varlen_v, "ssd_varlen.cl")

#endif
