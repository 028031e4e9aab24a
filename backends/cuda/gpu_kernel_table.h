/*
 * Launch handles of the ahead-of-time compiled kernels (CUDA and HIP modules).
 *
 * The build (cmake/SsmixGpuKernels.cmake) compiles every kernels/<file>.cl once per I/O dtype into a
 * wrapper translation unit that ends with a table ssmix_kt_<file>_<dtype>[] of
 * { base kernel name, address of the __global__ function } (the host-side handle that
 * cudaLaunchKernel / hipLaunchKernel take), and generates ssmix_ktables[], the list of all tables.
 * The runtime maps a kernel id of backends/gpu/gpu_kernels.h to its name and looks the name up here,
 * so a kernel added to kernels/ and to gpu_kernels.h needs no edit in the CUDA or HIP backend.
 */
#ifndef SSMIX_GPU_KERNEL_TABLE_H
#define SSMIX_GPU_KERNEL_TABLE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ssmix_kentry {
    const char *name; /* base name, without the dtype suffix; NULL ends a table. "@flags": not a
                         kernel but the module's int device flag word (symbol for MemcpyToSymbol) */
    const void *fn;   /* launch handle */
} ssmix_kentry;

typedef struct ssmix_ktable {
    int dtype_index;              /* 0 = f32, 1 = f16, 2 = bf16; -1 ends the list */
    const ssmix_kentry *entries;
} ssmix_ktable;

extern const ssmix_ktable ssmix_ktables[];

#ifdef __cplusplus
}
#endif
#endif
