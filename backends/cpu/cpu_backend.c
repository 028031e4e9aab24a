/*
 * The built-in cpu backend: host memory and the reference implementations (ref_*.c). Always
 * available; one "device", the host CPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "ref.h"

/* A cpu context carries nothing but its device name. */
typedef struct cpu_ctx {
    char name[128];
} cpu_ctx;

static void cpu_describe(ssmix_device_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "host CPU (reference implementation, double accumulation)");
    snprintf(info->platform, sizeof info->platform, "ssmix cpu reference");
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    info->memory_bytes = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    info->compute_units = n > 0 ? (int)n : 0;
#if defined(__x86_64__)
    snprintf(info->arch, sizeof info->arch, "x86_64");
#elif defined(__aarch64__)
    snprintf(info->arch, sizeof info->arch, "aarch64");
#endif
}

static ssmix_status cpu_device_count(int *count) { *count = 1; return SSMIX_SUCCESS; }

static ssmix_status cpu_device_info(int index, ssmix_device_info *info)
{
    (void)index;
    cpu_describe(info);
    return SSMIX_SUCCESS;
}

static ssmix_status cpu_open(const char *device_sel, void **bctx)
{
    if (device_sel && *device_sel && strcmp(device_sel, "0") != 0)
        return ssmix_set_error(SSMIX_ERROR_BACKEND_UNAVAILABLE,
                               "the cpu backend has one device (index 0); \"%s\" does not select it", device_sel);
    cpu_ctx *c = calloc(1, sizeof *c);
    if (!c) return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "out of host memory");
    snprintf(c->name, sizeof c->name, "host CPU (reference)");
    *bctx = c;
    return SSMIX_SUCCESS;
}

static void cpu_close(void *bctx) { free(bctx); }
static const char *cpu_device_name(void *bctx) { return ((cpu_ctx *)bctx)->name; }

static ssmix_status cpu_context_device_info(void *bctx, ssmix_device_info *info)
{
    (void)bctx;
    cpu_describe(info);
    return SSMIX_SUCCESS;
}

static ssmix_status cpu_synchronize(void *bctx) { (void)bctx; return SSMIX_SUCCESS; }

static ssmix_status cpu_buffer_alloc(void *bctx, size_t bytes, void **native)
{
    (void)bctx;
    /* 64-byte alignment so any dtype view and vector loads are aligned */
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded < bytes) return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "buffer of %zu bytes is too large", bytes);
    void *p = aligned_alloc(64, rounded);
    if (!p) return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "cannot allocate %zu bytes of host memory", bytes);
    *native = p;
    return SSMIX_SUCCESS;
}

static ssmix_status cpu_buffer_wrap(void *bctx, void *user, size_t bytes, void **native)
{
    (void)bctx, (void)bytes;
    *native = user;
    return SSMIX_SUCCESS;
}

static void cpu_buffer_free(void *bctx, void *native, int owned)
{
    (void)bctx;
    if (owned) free(native);
}

static void *cpu_buffer_user_handle(void *bctx, void *native) { (void)bctx; return native; }

static ssmix_status cpu_buffer_write(void *bctx, void *native, size_t offset, const void *src, size_t bytes)
{
    (void)bctx;
    memmove((char *)native + offset, src, bytes);
    return SSMIX_SUCCESS;
}

static ssmix_status cpu_buffer_read(void *bctx, void *native, size_t offset, void *dst, size_t bytes)
{
    (void)bctx;
    memmove(dst, (const char *)native + offset, bytes);
    return SSMIX_SUCCESS;
}

static ssmix_status oom(ssmix_status st)
{
    if (st == SSMIX_ERROR_OUT_OF_MEMORY) return ssmix_set_error(st, "cpu reference: out of host memory for scratch");
    return st;
}

static ssmix_status cpu_ssd_forward(void *bctx, const ssmix_ssd_problem *p) { (void)bctx; return oom(ssmix_ref_ssd_forward(p)); }
static ssmix_status cpu_ssd_backward(void *bctx, const ssmix_ssd_problem *p) { (void)bctx; return oom(ssmix_ref_ssd_backward(p)); }
static ssmix_status cpu_qsmix_forward(void *bctx, const ssmix_qsmix_problem *p) { (void)bctx; return oom(ssmix_ref_qsmix_forward(p)); }
static ssmix_status cpu_qsmix_backward(void *bctx, const ssmix_qsmix_problem *p) { (void)bctx; return oom(ssmix_ref_qsmix_backward(p)); }

static const ssmix_backend_ops cpu_ops = {
    .abi_version = SSMIX_BACKEND_ABI_VERSION,
    .name = "cpu",
    .archs = "",
    .device_count = cpu_device_count,
    .device_info = cpu_device_info,
    .open = cpu_open,
    .close = cpu_close,
    .device_name = cpu_device_name,
    .context_device_info = cpu_context_device_info,
    .synchronize = cpu_synchronize,
    .buffer_alloc = cpu_buffer_alloc,
    .buffer_wrap = cpu_buffer_wrap,
    .buffer_free = cpu_buffer_free,
    .buffer_user_handle = cpu_buffer_user_handle,
    .buffer_write = cpu_buffer_write,
    .buffer_read = cpu_buffer_read,
    .ssd_forward = cpu_ssd_forward,
    .ssd_backward = cpu_ssd_backward,
    .qsmix_forward = cpu_qsmix_forward,
    .qsmix_backward = cpu_qsmix_backward,
    .set_stream = NULL, /* no native streams: the cpu backend runs synchronously */
    .get_stream = NULL,
    .gla_forward = ssmix_cpu_gla_forward,
    .gla_backward = ssmix_cpu_gla_backward,
    .sscan_forward = ssmix_cpu_sscan_forward,
    .sscan_backward = ssmix_cpu_sscan_backward,
    .sscan_decode = ssmix_cpu_sscan_decode,
    .conv1d_forward = ssmix_cpu_conv1d_forward,
    .conv1d_backward = ssmix_cpu_conv1d_backward,
    .conv1d_update = ssmix_cpu_conv1d_update,
    .ssd_decode = ssmix_cpu_ssd_decode,
};

const ssmix_backend_ops *ssmix_cpu_backend_ops(void) { return &cpu_ops; }
