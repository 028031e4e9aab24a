/*
 * Internals of the OpenCL backend module (libssmix-opencl.so).
 *
 * The module never links libOpenCL: ocl_loader.c dlopens libOpenCL.so.1 (the ICD loader) at run time
 * and resolves the few entry points below, so a machine without an OpenCL runtime still loads the
 * module and reports "unavailable: libOpenCL.so.1 not found". The CL headers supply types only.
 */
#ifndef SSMIX_OCL_INTERNAL_H
#define SSMIX_OCL_INTERNAL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <stddef.h>
#include <stdint.h>

#include "gpu_device.h"
#include "ssmix_backend.h"

/* ---------------------------------------------------------------- runtime entry points */
#define OCL_FUNCS(X)                                                                                      \
    X(clGetPlatformIDs, cl_int, (cl_uint, cl_platform_id *, cl_uint *))                                   \
    X(clGetPlatformInfo, cl_int, (cl_platform_id, cl_platform_info, size_t, void *, size_t *))            \
    X(clGetDeviceIDs, cl_int, (cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *))       \
    X(clGetDeviceInfo, cl_int, (cl_device_id, cl_device_info, size_t, void *, size_t *))                  \
    X(clCreateContext, cl_context,                                                                        \
      (const cl_context_properties *, cl_uint, const cl_device_id *,                                      \
       void(CL_CALLBACK *)(const char *, const void *, size_t, void *), void *, cl_int *))                \
    X(clReleaseContext, cl_int, (cl_context))                                                             \
    X(clCreateCommandQueue, cl_command_queue, (cl_context, cl_device_id, cl_command_queue_properties, cl_int *)) \
    X(clReleaseCommandQueue, cl_int, (cl_command_queue))                                                  \
    X(clCreateBuffer, cl_mem, (cl_context, cl_mem_flags, size_t, void *, cl_int *))                      \
    X(clRetainMemObject, cl_int, (cl_mem))                                                                \
    X(clReleaseMemObject, cl_int, (cl_mem))                                                               \
    X(clGetMemObjectInfo, cl_int, (cl_mem, cl_mem_info, size_t, void *, size_t *))                       \
    X(clEnqueueReadBuffer, cl_int,                                                                        \
      (cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint, const cl_event *, cl_event *)) \
    X(clEnqueueWriteBuffer, cl_int,                                                                       \
      (cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint, const cl_event *, cl_event *)) \
    X(clCreateProgramWithSource, cl_program, (cl_context, cl_uint, const char **, const size_t *, cl_int *)) \
    X(clCreateProgramWithBinary, cl_program,                                                              \
      (cl_context, cl_uint, const cl_device_id *, const size_t *, const unsigned char **, cl_int *, cl_int *)) \
    X(clBuildProgram, cl_int,                                                                             \
      (cl_program, cl_uint, const cl_device_id *, const char *, void(CL_CALLBACK *)(cl_program, void *), void *)) \
    X(clGetProgramInfo, cl_int, (cl_program, cl_program_info, size_t, void *, size_t *))                 \
    X(clGetProgramBuildInfo, cl_int, (cl_program, cl_device_id, cl_program_build_info, size_t, void *, size_t *)) \
    X(clReleaseProgram, cl_int, (cl_program))                                                             \
    X(clCreateKernel, cl_kernel, (cl_program, const char *, cl_int *))                                    \
    X(clReleaseKernel, cl_int, (cl_kernel))                                                               \
    X(clSetKernelArg, cl_int, (cl_kernel, cl_uint, size_t, const void *))                                 \
    X(clGetKernelWorkGroupInfo, cl_int, (cl_kernel, cl_device_id, cl_kernel_work_group_info, size_t, void *, size_t *)) \
    X(clEnqueueNDRangeKernel, cl_int,                                                                     \
      (cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *, cl_uint,     \
       const cl_event *, cl_event *))                                                                     \
    X(clFlush, cl_int, (cl_command_queue))                                                                \
    X(clFinish, cl_int, (cl_command_queue))                                                               \
    X(clEnqueueMarkerWithWaitList, cl_int, (cl_command_queue, cl_uint, const cl_event *, cl_event *))     \
    X(clWaitForEvents, cl_int, (cl_uint, const cl_event *))                                               \
    X(clGetEventProfilingInfo, cl_int, (cl_event, cl_profiling_info, size_t, void *, size_t *))           \
    X(clReleaseEvent, cl_int, (cl_event))

typedef struct ocl_api {
#define OCL_MEMBER_(name, ret, args) ret(CL_API_CALL *name) args;
    OCL_FUNCS(OCL_MEMBER_)
#undef OCL_MEMBER_
} ocl_api;

/* Load the runtime once per process. Returns the table, or NULL with *why set to the reason. */
const ocl_api *ocl_load(const char **why);
const char *ocl_error_name(cl_int err);

/* The core's services (set in the module entry). */
extern const ssmix_host_api *ocl_host;
#define OCL_ERR(status, ...) ocl_host->set_error((status), __VA_ARGS__)
#define OCL_LOG(level, ...) ocl_host->log((level), __VA_ARGS__)
/* Status for a failed runtime call: allocation failures map to OUT_OF_MEMORY, the rest to DEVICE. */
ssmix_status ocl_fail(cl_int err, const char *what);

/* ---------------------------------------------------------------- embedded kernel sources */
typedef struct ocl_source {
    const char *name; /* "dialect.h", "ssd.cl", ... */
    const char *text;
    size_t size;
} ocl_source;
extern const ocl_source ocl_sources[]; /* generated at build time; ends with {NULL, NULL, 0} */

/* ---------------------------------------------------------------- per-context state */
#define OCL_NDTYPES 3 /* f32, f16, bf16: one program per (source file, I/O dtype) */

typedef struct ocl_program {
    cl_program prog; /* NULL until built (a failed build is retried on the next use) */
} ocl_program;

typedef struct ocl_ctx {
    const ocl_api *cl;
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    ssmix_device_info info;
    char platform_version[256], device_version[256], driver_version[256], vendor[256];
    size_t max_wg;        /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
    size_t max_item0;     /* CL_DEVICE_MAX_WORK_ITEM_SIZES[0] */
    cl_ulong max_alloc;   /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
    cl_ulong local_mem;   /* CL_DEVICE_LOCAL_MEM_SIZE */
    int nsources;
    ocl_program *programs;          /* [nsources][OCL_NDTYPES] */
    cl_kernel kernels[SSMIX_KERNEL_COUNT][OCL_NDTYPES];
    size_t kernel_wg[SSMIX_KERNEL_COUNT][OCL_NDTYPES];
    cl_mem workspace;
    size_t workspace_bytes;
    cl_mem dummy;                   /* bound for absent optional tensors */
    ssmix_gpu_device gdev;
} ocl_ctx;

/* Program for source file `file` and dtype index (0 f32, 1 f16, 2 bf16): built on first use from the
 * embedded source, or loaded from the on-disk binary cache (ocl_program.c). */
ssmix_status ocl_get_program(ocl_ctx *c, const char *file, int dtype_index, cl_program *prog);
void ocl_release_programs(ocl_ctx *c);

#endif
