/*
 * Run-time binding to the OpenCL ICD loader (libOpenCL.so.1, or $SSMIX_OPENCL_LIBRARY), resolved once
 * per process. The handle is never closed: ICD drivers do not support being unloaded and reloaded
 * reliably.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl_internal.h"

static ocl_api api;
static const ocl_api *api_ok;
static char api_why[512];
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void load_once(void)
{
    /* SSMIX_OPENCL_LIBRARY names another loader (a path or soname) instead of the system one. */
    const char *over = getenv("SSMIX_OPENCL_LIBRARY");
    const char *names[2] = {"libOpenCL.so.1", "libOpenCL.so"};
    size_t nnames = 2;
    if (over && *over) {
        names[0] = over;
        nnames = 1;
    }
    void *dl = NULL;
    char first_err[256] = "";
    for (size_t i = 0; i < nnames && !dl; ++i) {
        dl = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!dl && i == 0) {
            const char *e = dlerror();
            snprintf(first_err, sizeof first_err, "%s", e ? e : "dlopen failed");
        }
    }
    if (!dl) {
        snprintf(api_why, sizeof api_why, "%s not found (no OpenCL ICD loader installed; %s)", names[0], first_err);
        return;
    }
#define OCL_RESOLVE_(name, ret, args)                                                                   \
    *(void **)&api.name = dlsym(dl, #name);                                                             \
    if (!api.name) {                                                                                    \
        snprintf(api_why, sizeof api_why, "libOpenCL.so.1 lacks %s (OpenCL 1.2 runtime required)", #name); \
        return;                                                                                         \
    }
    OCL_FUNCS(OCL_RESOLVE_)
#undef OCL_RESOLVE_
    api_ok = &api;
}

const ocl_api *ocl_load(const char **why)
{
    pthread_once(&api_once, load_once);
    if (!api_ok && why) *why = api_why;
    return api_ok;
}

const char *ocl_error_name(cl_int err)
{
    switch (err) {
#define E(x) \
    case x: return #x;
        E(CL_SUCCESS)
        E(CL_DEVICE_NOT_FOUND)
        E(CL_DEVICE_NOT_AVAILABLE)
        E(CL_COMPILER_NOT_AVAILABLE)
        E(CL_MEM_OBJECT_ALLOCATION_FAILURE)
        E(CL_OUT_OF_RESOURCES)
        E(CL_OUT_OF_HOST_MEMORY)
        E(CL_PROFILING_INFO_NOT_AVAILABLE)
        E(CL_MEM_COPY_OVERLAP)
        E(CL_IMAGE_FORMAT_MISMATCH)
        E(CL_IMAGE_FORMAT_NOT_SUPPORTED)
        E(CL_BUILD_PROGRAM_FAILURE)
        E(CL_MAP_FAILURE)
        E(CL_MISALIGNED_SUB_BUFFER_OFFSET)
        E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
        E(CL_COMPILE_PROGRAM_FAILURE)
        E(CL_LINKER_NOT_AVAILABLE)
        E(CL_LINK_PROGRAM_FAILURE)
        E(CL_DEVICE_PARTITION_FAILED)
        E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE)
        E(CL_INVALID_VALUE)
        E(CL_INVALID_DEVICE_TYPE)
        E(CL_INVALID_PLATFORM)
        E(CL_INVALID_DEVICE)
        E(CL_INVALID_CONTEXT)
        E(CL_INVALID_QUEUE_PROPERTIES)
        E(CL_INVALID_COMMAND_QUEUE)
        E(CL_INVALID_HOST_PTR)
        E(CL_INVALID_MEM_OBJECT)
        E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR)
        E(CL_INVALID_IMAGE_SIZE)
        E(CL_INVALID_SAMPLER)
        E(CL_INVALID_BINARY)
        E(CL_INVALID_BUILD_OPTIONS)
        E(CL_INVALID_PROGRAM)
        E(CL_INVALID_PROGRAM_EXECUTABLE)
        E(CL_INVALID_KERNEL_NAME)
        E(CL_INVALID_KERNEL_DEFINITION)
        E(CL_INVALID_KERNEL)
        E(CL_INVALID_ARG_INDEX)
        E(CL_INVALID_ARG_VALUE)
        E(CL_INVALID_ARG_SIZE)
        E(CL_INVALID_KERNEL_ARGS)
        E(CL_INVALID_WORK_DIMENSION)
        E(CL_INVALID_WORK_GROUP_SIZE)
        E(CL_INVALID_WORK_ITEM_SIZE)
        E(CL_INVALID_GLOBAL_OFFSET)
        E(CL_INVALID_EVENT_WAIT_LIST)
        E(CL_INVALID_EVENT)
        E(CL_INVALID_OPERATION)
        E(CL_INVALID_GL_OBJECT)
        E(CL_INVALID_BUFFER_SIZE)
        E(CL_INVALID_MIP_LEVEL)
        E(CL_INVALID_GLOBAL_WORK_SIZE)
        E(CL_INVALID_PROPERTY)
        E(CL_INVALID_IMAGE_DESCRIPTOR)
        E(CL_INVALID_COMPILER_OPTIONS)
        E(CL_INVALID_LINKER_OPTIONS)
        E(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef E
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    }
    return "unknown OpenCL error";
}

ssmix_status ocl_fail(cl_int err, const char *what)
{
    ssmix_status st = (err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES ||
                       err == CL_OUT_OF_HOST_MEMORY || err == CL_INVALID_BUFFER_SIZE)
                          ? SSMIX_ERROR_OUT_OF_MEMORY
                          : SSMIX_ERROR_DEVICE;
    return OCL_ERR(st, "opencl: %s failed: %s (%d)", what, ocl_error_name(err), (int)err);
}
