/* Name table of backends/gpu/gpu_kernels.h. */
#include "gpu_kernels.h"

#include <stddef.h>

static const char *const kernel_names[SSMIX_KERNEL_COUNT + 1] = {
#define SSMIX_KERNEL_NAME_(name, file) #name,
    SSMIX_ALL_KERNELS(SSMIX_KERNEL_NAME_)
#undef SSMIX_KERNEL_NAME_
    NULL};

static const char *const kernel_files[SSMIX_KERNEL_COUNT + 1] = {
#define SSMIX_KERNEL_FILE_(name, file) file,
    SSMIX_ALL_KERNELS(SSMIX_KERNEL_FILE_)
#undef SSMIX_KERNEL_FILE_
    NULL};

const char *ssmix_kernel_name(ssmix_kernel_id id)
{
    return ((int)id >= 0 && id < SSMIX_KERNEL_COUNT) ? kernel_names[id] : NULL;
}

const char *ssmix_kernel_file(ssmix_kernel_id id)
{
    return ((int)id >= 0 && id < SSMIX_KERNEL_COUNT) ? kernel_files[id] : NULL;
}
