/*
 * The thin layer that lets one host runtime (gpu_runtime.c) serve both CUDA and HIP: the HIP runtime
 * API mirrors the CUDA runtime API name for name (cudaMalloc / hipMalloc), so RT(Malloc) expands to
 * the one or the other. The file is compiled twice: with SSMIX_RT_CUDA=1 into libssmix-cuda and with
 * SSMIX_RT_HIP=1 into libssmix-hip. Only the few spots where the two APIs differ are spelled out here.
 */
#ifndef SSMIX_GPU_RT_H
#define SSMIX_GPU_RT_H

#if defined(SSMIX_RT_CUDA) && SSMIX_RT_CUDA
#include <cuda_runtime_api.h>

#define RT(name) cuda##name
#define RT_NAME "CUDA"
#define RT_BACKEND "cuda"
typedef cudaError_t rt_error;
typedef cudaStream_t rt_stream;
typedef cudaEvent_t rt_event;
typedef struct cudaDeviceProp rt_device_prop;
typedef struct cudaFuncAttributes rt_func_attr;
typedef struct cudaPointerAttributes rt_ptr_attr;
#define RT_SUCCESS cudaSuccess
#define RT_ERR_OOM cudaErrorMemoryAllocation
#define RT_ERR_NO_DEVICE cudaErrorNoDevice
#define RT_ERR_INSUFFICIENT_DRIVER cudaErrorInsufficientDriver
#define RT_STREAM_DEFAULT_FLAGS cudaStreamDefault
#define RT_EVENT_DISABLE_TIMING cudaEventDisableTiming
#define RT_MEMCPY_H2D cudaMemcpyHostToDevice
#define RT_MEMCPY_D2H cudaMemcpyDeviceToHost
#define RT_ATTR_MAX_DYNAMIC_SHARED cudaFuncAttributeMaxDynamicSharedMemorySize
/* Memory the device can address: device or managed allocations. */
#define RT_PTR_IS_DEVICE(a) ((a).type == cudaMemoryTypeDevice || (a).type == cudaMemoryTypeManaged)
#define RT_PTR_DEVICE(a) ((a).device)
/* "sm_90" */
#define RT_ARCH_STRING(buf, size, prop) snprintf((buf), (size), "sm_%d%d", (prop)->major, (prop)->minor)
/* The shared library that carries the driver: its absence is the usual reason for "unavailable". */
#define RT_DRIVER_LIBRARY "libcuda.so.1"
#define RT_SHARED_OPTIN(prop) ((prop)->sharedMemPerBlockOptin)
/* Matrix units for ssmix_tile_mac (backends/cuda/ssmix_cuda_mma.h): mma.sync needs sm_80+; on by
 * default there (3xTF32, fp32-accurate). SSMIX_CUDA_TENSOR_CORES=0 selects the generic path, =fast
 * 16-bit operands for f16/bf16 kernels (below the fp32 tolerances of states: opt-in). */
#define RT_MATRIX_ENV "SSMIX_CUDA_TENSOR_CORES"
#define RT_MATRIX_NAME "tensor cores"
#define RT_MATRIX_CAPABLE(prop) ((prop)->major >= 8)
#define RT_MATRIX_DEFAULT 1

#elif defined(SSMIX_RT_HIP) && SSMIX_RT_HIP
#if !defined(__HIP_PLATFORM_AMD__) && !defined(__HIP_PLATFORM_NVIDIA__)
#define __HIP_PLATFORM_AMD__ 1
#endif
#include <hip/hip_runtime_api.h>

#define RT(name) hip##name
#define RT_NAME "HIP"
#define RT_BACKEND "hip"
typedef hipError_t rt_error;
typedef hipStream_t rt_stream;
typedef hipEvent_t rt_event;
typedef hipDeviceProp_t rt_device_prop;
typedef struct hipFuncAttributes rt_func_attr;
typedef hipPointerAttribute_t rt_ptr_attr;
#define RT_SUCCESS hipSuccess
#define RT_ERR_OOM hipErrorOutOfMemory
#define RT_ERR_NO_DEVICE hipErrorNoDevice
#define RT_ERR_INSUFFICIENT_DRIVER hipErrorInsufficientDriver
#define RT_STREAM_DEFAULT_FLAGS hipStreamDefault
#define RT_EVENT_DISABLE_TIMING hipEventDisableTiming
#define RT_MEMCPY_H2D hipMemcpyHostToDevice
#define RT_MEMCPY_D2H hipMemcpyDeviceToHost
#define RT_ATTR_MAX_DYNAMIC_SHARED hipFuncAttributeMaxDynamicSharedMemorySize
/* ROCm 6 renamed memoryType to type; hipMemoryTypeManaged appeared in ROCm 5.3. */
#if defined(HIP_VERSION_MAJOR) && HIP_VERSION_MAJOR >= 6
#define RT_PTR_IS_DEVICE(a) ((a).type == hipMemoryTypeDevice || (a).type == hipMemoryTypeManaged)
#else
#define RT_PTR_IS_DEVICE(a) ((a).memoryType == hipMemoryTypeDevice || (a).isManaged)
#endif
#define RT_PTR_DEVICE(a) ((a).device)
/* "gfx90a" (the feature suffix of gcnArchName, ":sramecc+:xnack-", is dropped) */
#define RT_ARCH_STRING(buf, size, prop) snprintf((buf), (size), "%.*s", (int)strcspn((prop)->gcnArchName, ":"), (prop)->gcnArchName)
#define RT_DRIVER_LIBRARY NULL /* the HIP runtime is linked dynamically; no separate driver library */
#define RT_SHARED_OPTIN(prop) ((prop)->sharedMemPerBlock)
/* Matrix units (MFMA) on CDNA: compiled for gfx90a but not validated on hardware yet, hence off
 * unless SSMIX_HIP_MATRIX_CORES=1 (see backends/hip/ssmix_hip_mfma.h). */
#define RT_MATRIX_ENV "SSMIX_HIP_MATRIX_CORES"
#define RT_MATRIX_NAME "matrix cores"
#define RT_MATRIX_CAPABLE(prop) (!strncmp((prop)->gcnArchName, "gfx908", 6) || !strncmp((prop)->gcnArchName, "gfx90a", 6) || !strncmp((prop)->gcnArchName, "gfx94", 5))
#define RT_MATRIX_DEFAULT 0

#else
#error "gpu_rt.h: define SSMIX_RT_CUDA=1 or SSMIX_RT_HIP=1"
#endif

#endif
