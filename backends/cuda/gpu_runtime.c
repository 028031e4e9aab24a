/*
 * Host side of the CUDA and HIP backend modules: devices, contexts, streams, memory and kernel
 * launch. One source for both (see gpu_rt.h): compiled with SSMIX_RT_CUDA=1 into libssmix-cuda.so and
 * with SSMIX_RT_HIP=1 into libssmix-hip.so. The operators themselves are the backend-neutral
 * pipelines of backends/gpu/, which drive the device through the ssmix_gpu_device table built here.
 *
 * Handles: a buffer's native handle is the device pointer itself (allocated or wrapped), so views
 * and kernel arguments carry plain device addresses. Every runtime call is checked; a failure
 * becomes a status with the runtime's own error string (host->set_error).
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu_rt.h"

#include "gpu_device.h"
#include "gpu_kernel_table.h"
#include "gpu_pipeline_api.h"

#define SSMIX_EXPORT __attribute__((visibility("default")))

static const ssmix_host_api *g_host;

#define FAIL(status, ...) g_host->set_error((status), __VA_ARGS__)

/* ------------------------------------------------------------------ errors */

static ssmix_status status_of(rt_error e)
{
    switch (e) {
    case RT_ERR_OOM: return SSMIX_ERROR_OUT_OF_MEMORY;
    case RT_ERR_NO_DEVICE:
    case RT_ERR_INSUFFICIENT_DRIVER: return SSMIX_ERROR_BACKEND_UNAVAILABLE;
    default: return SSMIX_ERROR_DEVICE;
    }
}

/* Turn a runtime error into a status and the thread's message: "<what>: <string> (<name>)". */
static ssmix_status rt_fail(rt_error e, const char *what)
{
    (void)RT(GetLastError)(); /* a non-sticky error must not resurface in a later call */
    return FAIL(status_of(e), RT_NAME " error in %s: %s (%s)", what, RT(GetErrorString)(e), RT(GetErrorName)(e));
}

#define RT_TRY(call, what)                                                                                 \
    do {                                                                                                   \
        rt_error rt_e_ = (call);                                                                           \
        if (rt_e_ != RT_SUCCESS) return rt_fail(rt_e_, what);                                              \
    } while (0)

/* ------------------------------------------------------------------ kernel table */

enum { NDTYPES = 3, MAX_KARGS = 256 };
#define NKERNELS (SSMIX_RT_KERNEL_COUNT > 0 ? SSMIX_RT_KERNEL_COUNT : 1)

static const void *g_kfn[NKERNELS][NDTYPES];
static pthread_once_t g_kfn_once = PTHREAD_ONCE_INIT;

/* Map kernel ids to launch handles once: id -> name (gpu_kernels.h) -> generated tables. */
static void build_kernel_table(void)
{
    for (int k = 0; k < SSMIX_RT_KERNEL_COUNT; k++) {
        const char *name = SSMIX_RT_KERNEL_NAME(k);
        if (!name) continue;
        for (const ssmix_ktable *t = ssmix_ktables; t->dtype_index >= 0; t++) {
            if (t->dtype_index >= NDTYPES) continue;
            for (const ssmix_kentry *e = t->entries; e->name; e++)
                if (!g_kfn[k][t->dtype_index] && !strcmp(e->name, name)) g_kfn[k][t->dtype_index] = e->fn;
        }
    }
}

static int dtype_index(ssmix_dtype io)
{
    switch (io) {
    case SSMIX_F32: return 0;
    case SSMIX_F16: return 1;
    case SSMIX_BF16: return 2;
    default: return -1;
    }
}

static const char *const g_dtype_suffix[NDTYPES] = {"f32", "f16", "bf16"};

static const char *kernel_name(ssmix_kernel_id kernel)
{
    const char *n = ((int)kernel >= 0 && (int)kernel < SSMIX_RT_KERNEL_COUNT) ? SSMIX_RT_KERNEL_NAME(kernel) : NULL;
    return n ? n : "(unknown kernel)";
}

static ssmix_status kernel_fn(ssmix_kernel_id kernel, ssmix_dtype io, const void **fn)
{
    pthread_once(&g_kfn_once, build_kernel_table);
    int d = dtype_index(io);
    if ((int)kernel < 0 || (int)kernel >= SSMIX_RT_KERNEL_COUNT || d < 0)
        return FAIL(SSMIX_ERROR_INTERNAL, RT_NAME " backend: kernel id %d / dtype %d out of range", (int)kernel, (int)io);
    *fn = g_kfn[kernel][d];
    if (!*fn)
        return FAIL(SSMIX_ERROR_UNSUPPORTED,
                    RT_NAME " backend: kernel %s_%s is not compiled into this module (rebuild libssmix-" RT_BACKEND
                    " from the same source tree as the kernel list)",
                    kernel_name(kernel), g_dtype_suffix[d]);
    return SSMIX_SUCCESS;
}

/* ------------------------------------------------------------------ devices */

static void version_string(char *buf, size_t size, int v)
{
#if defined(SSMIX_RT_CUDA) && SSMIX_RT_CUDA
    snprintf(buf, size, "%d.%d", v / 1000, (v % 1000) / 10);
#else
    snprintf(buf, size, "%d.%d.%d", v / 10000000, (v / 100000) % 100, v % 100000);
#endif
}

/* Why there is no usable device: driver missing, driver too old, no device, or another error. */
static ssmix_status explain_unavailable(rt_error e)
{
    (void)RT(GetLastError)();
    if (e == RT_SUCCESS || e == RT_ERR_NO_DEVICE) {
#if defined(SSMIX_RT_HIP) && SSMIX_RT_HIP
        if (access("/dev/kfd", R_OK | W_OK) != 0)
            return FAIL(SSMIX_ERROR_BACKEND_UNAVAILABLE,
                        "unavailable: no HIP device (/dev/kfd is missing or not accessible: no amdgpu kernel "
                        "driver, or the user is not in the render/video group)");
#endif
        return FAIL(SSMIX_ERROR_BACKEND_UNAVAILABLE, "unavailable: no " RT_NAME " device");
    }
    int drv = 0, rtv = 0;
    (void)RT(DriverGetVersion)(&drv);
    (void)RT(RuntimeGetVersion)(&rtv);
    (void)RT(GetLastError)();
    char dv[32], rv[32];
    version_string(dv, sizeof dv, drv);
    version_string(rv, sizeof rv, rtv);
#if defined(SSMIX_RT_CUDA) && SSMIX_RT_CUDA
    if (drv == 0) {
        const char *why = "not installed";
        void *h = dlopen(RT_DRIVER_LIBRARY, RTLD_LAZY | RTLD_LOCAL);
        if (!h) {
            const char *dl = dlerror();
            if (dl) why = dl;
        } else {
            dlclose(h);
            why = "loaded, but it reports no driver";
        }
        return FAIL(SSMIX_ERROR_BACKEND_UNAVAILABLE, "unavailable: CUDA driver not found (%s)", why);
    }
#endif
    if (e == RT_ERR_INSUFFICIENT_DRIVER)
        return FAIL(SSMIX_ERROR_BACKEND_UNAVAILABLE,
                    "unavailable: " RT_NAME " driver %s is older than the runtime %s this module was built with "
                    "(update the driver)", dv, rv);
    return FAIL(SSMIX_ERROR_BACKEND_UNAVAILABLE, "unavailable: " RT_NAME " reports %s (%s) (driver %s, runtime %s)",
                RT(GetErrorString)(e), RT(GetErrorName)(e), dv, rv);
}

static ssmix_status rt_device_count(int *count)
{
    if (!count) return FAIL(SSMIX_ERROR_INTERNAL, RT_NAME " backend: device_count(NULL)");
    *count = 0;
    int n = 0;
    rt_error e = RT(GetDeviceCount)(&n);
    if (e != RT_SUCCESS || n <= 0) return explain_unavailable(e);
    *count = n;
    return SSMIX_SUCCESS;
}

static ssmix_status get_props(int index, rt_device_prop *prop)
{
    int n = 0;
    ssmix_status st = rt_device_count(&n);
    if (st != SSMIX_SUCCESS) return st;
    if (index < 0 || index >= n)
        return FAIL(SSMIX_ERROR_INVALID_ARGUMENT, RT_NAME " device index %d out of range (%d device%s)", index, n,
                    n == 1 ? "" : "s");
    memset(prop, 0, sizeof *prop);
    RT_TRY(RT(GetDeviceProperties)(prop, index), "GetDeviceProperties");
    return SSMIX_SUCCESS;
}

static void fill_info(const rt_device_prop *prop, ssmix_device_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", prop->name);
    int drv = 0, rtv = 0;
    (void)RT(DriverGetVersion)(&drv);
    (void)RT(RuntimeGetVersion)(&rtv);
    (void)RT(GetLastError)();
    char dv[32], rv[32];
    version_string(dv, sizeof dv, drv);
    version_string(rv, sizeof rv, rtv);
#if defined(SSMIX_RT_CUDA) && SSMIX_RT_CUDA
    snprintf(info->platform, sizeof info->platform, "CUDA runtime %s (static), driver %s", rv, dv);
#else
    snprintf(info->platform, sizeof info->platform, "HIP runtime %s, %.200s", rv, prop->gcnArchName);
#endif
    info->memory_bytes = (uint64_t)prop->totalGlobalMem;
    info->compute_units = prop->multiProcessorCount;
    RT_ARCH_STRING(info->arch, sizeof info->arch, prop);
}

static ssmix_status rt_device_info(int index, ssmix_device_info *info)
{
    rt_device_prop prop;
    ssmix_status st = get_props(index, &prop);
    if (st != SSMIX_SUCCESS) return st;
    fill_info(&prop, info);
    return SSMIX_SUCCESS;
}

/* ------------------------------------------------------------------ contexts */

typedef struct rt_ctx {
    int device;
    ssmix_device_info info;
    size_t shared_default; /* dynamic shared memory usable without opting in */
    size_t shared_optin;   /* with opting in (CUDA sm_70+) */
    rt_stream own_stream;  /* created by the context */
    rt_stream stream;      /* where work goes: own_stream or the caller's */
    void *workspace;
    size_t workspace_bytes;
    int sync_launches;     /* SSMIX_SYNC_LAUNCHES=1: synchronize after each launch (debugging) */
    int matrix_units;      /* ssmix_tile_mac on tensor/matrix cores (device flag word of the kernels) */
    int max_threads[NKERNELS][NDTYPES]; /* cache of FuncGetAttributes().maxThreadsPerBlock, 0 = unknown */
    ssmix_gpu_device dev;
} rt_ctx;

static ssmix_status set_device(const rt_ctx *c)
{
    RT_TRY(RT(SetDevice)(c->device), "SetDevice");
    return SSMIX_SUCCESS;
}

static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == n) return 1;
    }
    return n == 0;
}

/* device_sel: "" (device 0), an index, or a case-insensitive substring of the device name. */
static ssmix_status pick_device(const char *sel, int *index)
{
    int n = 0;
    ssmix_status st = rt_device_count(&n);
    if (st != SSMIX_SUCCESS) return st;
    if (!sel || !*sel) {
        *index = 0;
        return SSMIX_SUCCESS;
    }
    if (strchr(sel, ':'))
        return FAIL(SSMIX_ERROR_INVALID_ARGUMENT,
                    RT_BACKEND " device selector \"%s\": expected one field, a device index or a name substring", sel);
    if (all_digits(sel)) {
        long v = strtol(sel, NULL, 10);
        if (v >= n)
            return FAIL(SSMIX_ERROR_BACKEND_UNAVAILABLE, RT_NAME " device %ld requested, but %d device%s found", v, n,
                        n == 1 ? " was" : "s were");
        *index = (int)v;
        return SSMIX_SUCCESS;
    }
    char names[768] = "";
    for (int i = 0; i < n; i++) {
        rt_device_prop prop;
        RT_TRY(RT(GetDeviceProperties)(&prop, i), "GetDeviceProperties");
        char arch[64];
        RT_ARCH_STRING(arch, sizeof arch, &prop);
        if (contains_nocase(prop.name, sel) || contains_nocase(arch, sel)) {
            *index = i;
            return SSMIX_SUCCESS;
        }
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%d: %s (%s)", i ? ", " : "", i, prop.name, arch);
    }
    return FAIL(SSMIX_ERROR_BACKEND_UNAVAILABLE, "no " RT_NAME " device matches \"%s\" (devices: %s)", sel, names);
}

/* Write the kernels' device flag word (entries "@flags" of the kernel tables, one per compiled
 * translation unit) on the context's device. Bit 0: matrix units in ssmix_tile_mac; bit 1: with 16-bit
 * operands (see backends/cuda/ssmix_cuda_mma.h). The word is per device and process: it starts at 0
 * and is written only when a context asks for a different value than the last one written (normally
 * once, as the environment does not change; a change while another context's kernels run on that
 * device is not supported). */
enum { MAX_FLAG_DEVICES = 256 };
static int g_dev_flags[MAX_FLAG_DEVICES];
static pthread_mutex_t g_dev_flags_lock = PTHREAD_MUTEX_INITIALIZER;

static ssmix_status set_kernel_flags(int device, int flags)
{
    if (device < 0 || device >= MAX_FLAG_DEVICES) return FAIL(SSMIX_ERROR_UNSUPPORTED, "device index %d", device);
    ssmix_status st = SSMIX_SUCCESS;
    pthread_mutex_lock(&g_dev_flags_lock);
    if (g_dev_flags[device] != flags) {
        for (const ssmix_ktable *t = ssmix_ktables; st == SSMIX_SUCCESS && t->dtype_index >= 0; t++)
            for (const ssmix_kentry *e = t->entries; e->name; e++)
                if (!strcmp(e->name, "@flags")) {
                    rt_error err = RT(MemcpyToSymbol)(e->fn, &flags, sizeof flags, 0, RT_MEMCPY_H2D);
                    if (err != RT_SUCCESS) {
                        st = rt_fail(err, "setting the kernels' flags");
                        break;
                    }
                }
        g_dev_flags[device] = st == SSMIX_SUCCESS ? flags : -1; /* -1: partly written, rewrite next time */
    }
    pthread_mutex_unlock(&g_dev_flags_lock);
    return st;
}

/* Matrix units, as the kernels' flag word: 0 off, 1 on (fp32-accurate operands), 3 on with 16-bit
 * operands. Capable hardware first, then the environment variable (0, 1 or fast), else the default. */
static int want_matrix_units(const rt_device_prop *prop)
{
    if (!RT_MATRIX_CAPABLE(prop)) return 0;
    const char *v = getenv(RT_MATRIX_ENV);
    if (v && *v) return !strcmp(v, "0") ? 0 : !strcmp(v, "fast") ? 3 : 1;
    return RT_MATRIX_DEFAULT;
}

static ssmix_status rt_launch(void *impl, ssmix_kernel_id kernel, ssmix_dtype io, const size_t groups[3],
                              const size_t local[3], size_t local_bytes, int nargs, const ssmix_karg *args);
static ssmix_status rt_max_group_size(void *impl, ssmix_kernel_id kernel, ssmix_dtype io, size_t *size);
static ssmix_status rt_workspace(void *impl, size_t bytes, void **native);

static void rt_close(void *bctx)
{
    rt_ctx *c = bctx;
    if (!c) return;
    if (RT(SetDevice)(c->device) == RT_SUCCESS) {
        if (c->stream) (void)RT(StreamSynchronize)(c->stream);
        if (c->workspace) (void)RT(Free)(c->workspace);
        if (c->own_stream) (void)RT(StreamDestroy)(c->own_stream);
    }
    (void)RT(GetLastError)();
    free(c);
}

static ssmix_status rt_open(const char *device_sel, void **bctx)
{
    *bctx = NULL;
    int index = 0;
    ssmix_status st = pick_device(device_sel, &index);
    if (st != SSMIX_SUCCESS) return st;
    rt_ctx *c = calloc(1, sizeof *c);
    if (!c) return FAIL(SSMIX_ERROR_OUT_OF_MEMORY, RT_NAME " backend: out of host memory for a context");
    c->device = index;
    rt_device_prop prop;
    rt_error e = RT(SetDevice)(index);
    if (e == RT_SUCCESS) e = RT(GetDeviceProperties)(&prop, index);
    if (e == RT_SUCCESS) e = RT(StreamCreateWithFlags)(&c->own_stream, RT_STREAM_DEFAULT_FLAGS);
    if (e != RT_SUCCESS) {
        st = rt_fail(e, "opening the device");
        free(c);
        return st;
    }
    c->matrix_units = want_matrix_units(&prop);
    if (set_kernel_flags(index, c->matrix_units) != SSMIX_SUCCESS) {
        g_host->log(1, RT_BACKEND ": could not set the kernels' flags (" RT_MATRIX_NAME " %s)",
                    c->matrix_units ? "requested but left off" : "off");
        (void)set_kernel_flags(index, 0);
        c->matrix_units = 0;
    }
    fill_info(&prop, &c->info);
    {
        size_t used = strlen(c->info.platform);
        snprintf(c->info.platform + used, sizeof c->info.platform - used, ", " RT_MATRIX_NAME " %s",
                 c->matrix_units == 0 ? "off" : c->matrix_units == 1 ? "on" : "on (16-bit operands)");
    }
    c->stream = c->own_stream;
    c->shared_default = prop.sharedMemPerBlock;
    c->shared_optin = RT_SHARED_OPTIN(&prop) > prop.sharedMemPerBlock ? (size_t)RT_SHARED_OPTIN(&prop) : prop.sharedMemPerBlock;
    const char *sync = getenv("SSMIX_SYNC_LAUNCHES");
    c->sync_launches = sync && *sync && strcmp(sync, "0") != 0;
    c->dev.impl = c;
    c->dev.launch = rt_launch;
    c->dev.max_group_size = rt_max_group_size;
    c->dev.workspace = rt_workspace;
    c->dev.local_mem_bytes = c->shared_default;
    c->dev.host = g_host;
    g_host->log(1, RT_BACKEND ": opened device %d, %s (%s, %s)", index, c->info.name, c->info.arch, c->info.platform);
    *bctx = c;
    return SSMIX_SUCCESS;
}

static const char *rt_device_name(void *bctx)
{
    return bctx ? ((rt_ctx *)bctx)->info.name : "";
}

static ssmix_status rt_context_device_info(void *bctx, ssmix_device_info *info)
{
    *info = ((rt_ctx *)bctx)->info;
    return SSMIX_SUCCESS;
}

static ssmix_status rt_synchronize(void *bctx)
{
    rt_ctx *c = bctx;
    ssmix_status st = set_device(c);
    if (st != SSMIX_SUCCESS) return st;
    RT_TRY(RT(StreamSynchronize)(c->stream), "synchronize (an operation queued earlier failed on the device)");
    return SSMIX_SUCCESS;
}

#if SSMIX_BACKEND_ABI_VERSION < 2
/* Not reachable until the ops table has set_stream/get_stream (see include/ssmix_cuda.h). */
#define RT_STREAM_FN __attribute__((unused))
#else
#define RT_STREAM_FN
#endif

/* Caller-owned stream (NULL: the context's own). Work queued on the previous stream is ordered before
 * anything queued on the new one, so the workspace is never used by both at once. */
RT_STREAM_FN static ssmix_status rt_set_stream(void *bctx, void *native_stream)
{
    rt_ctx *c = bctx;
    ssmix_status st = set_device(c);
    if (st != SSMIX_SUCCESS) return st;
    rt_stream next = native_stream ? (rt_stream)native_stream : c->own_stream;
    if (next == c->stream) return SSMIX_SUCCESS;
    rt_event ev;
    RT_TRY(RT(EventCreateWithFlags)(&ev, RT_EVENT_DISABLE_TIMING), "set_stream: EventCreate");
    rt_error e = RT(EventRecord)(ev, c->stream);
    if (e == RT_SUCCESS) e = RT(StreamWaitEvent)(next, ev, 0);
    (void)RT(EventDestroy)(ev);
    if (e != RT_SUCCESS) return rt_fail(e, "set_stream: ordering the new stream after the previous one");
    c->stream = next;
    return SSMIX_SUCCESS;
}

RT_STREAM_FN static void *rt_get_stream(void *bctx)
{
    return (void *)((rt_ctx *)bctx)->stream;
}

/* ------------------------------------------------------------------ buffers */

static ssmix_status alloc_device(rt_ctx *c, size_t bytes, void **p, const char *what)
{
    *p = NULL;
    rt_error e = RT(Malloc)(p, bytes);
    if (e == RT_SUCCESS) return SSMIX_SUCCESS;
    *p = NULL;
    (void)RT(GetLastError)();
    if (e == RT_ERR_OOM) {
        size_t free_b = 0, total_b = 0;
        (void)RT(MemGetInfo)(&free_b, &total_b);
        (void)RT(GetLastError)();
        return FAIL(SSMIX_ERROR_OUT_OF_MEMORY, RT_NAME " out of device memory: %s of %zu bytes on device %d (%s) "
                    "failed, %zu of %zu bytes free", what, bytes, c->device, c->info.name, free_b, total_b);
    }
    return rt_fail(e, what);
}

static ssmix_status rt_buffer_alloc(void *bctx, size_t bytes, void **native)
{
    rt_ctx *c = bctx;
    ssmix_status st = set_device(c);
    if (st != SSMIX_SUCCESS) return st;
    return alloc_device(c, bytes, native, "buffer allocation");
}

static ssmix_status rt_buffer_wrap(void *bctx, void *user_native, size_t bytes, void **native)
{
    rt_ctx *c = bctx;
    ssmix_status st = set_device(c);
    if (st != SSMIX_SUCCESS) return st;
    rt_ptr_attr attr;
    memset(&attr, 0, sizeof attr);
    rt_error e = RT(PointerGetAttributes)(&attr, user_native);
    (void)RT(GetLastError)();
    if (e != RT_SUCCESS || !RT_PTR_IS_DEVICE(attr))
        return FAIL(SSMIX_ERROR_INVALID_ARGUMENT,
                    "ssmix_buffer_wrap: native %p is not " RT_NAME " device memory (expected a device pointer from "
                    RT_BACKEND "Malloc or a framework allocator)", user_native);
    if (RT_PTR_DEVICE(attr) != c->device)
        return FAIL(SSMIX_ERROR_INVALID_ARGUMENT,
                    "ssmix_buffer_wrap: native %p belongs to " RT_NAME " device %d, the context is on device %d",
                    user_native, RT_PTR_DEVICE(attr), c->device);
    (void)bytes;
    *native = user_native;
    return SSMIX_SUCCESS;
}

static void rt_buffer_free(void *bctx, void *native, int owned)
{
    rt_ctx *c = bctx;
    if (!owned || !native) return;
    if (RT(SetDevice)(c->device) == RT_SUCCESS) {
        rt_error e = RT(Free)(native);
        if (e != RT_SUCCESS)
            g_host->log(1, RT_BACKEND ": Free(%p) failed: %s", native, RT(GetErrorString)(e));
    }
    (void)RT(GetLastError)();
}

static void *rt_buffer_user_handle(void *bctx, void *native)
{
    (void)bctx;
    return native;
}

static ssmix_status rt_buffer_write(void *bctx, void *native, size_t offset, const void *src, size_t bytes)
{
    rt_ctx *c = bctx;
    if (bytes == 0) return SSMIX_SUCCESS;
    ssmix_status st = set_device(c);
    if (st != SSMIX_SUCCESS) return st;
    RT_TRY(RT(MemcpyAsync)((char *)native + offset, src, bytes, RT_MEMCPY_H2D, c->stream), "buffer write (host to device copy)");
    RT_TRY(RT(StreamSynchronize)(c->stream), "buffer write (waiting for the copy)");
    return SSMIX_SUCCESS;
}

static ssmix_status rt_buffer_read(void *bctx, void *native, size_t offset, void *dst, size_t bytes)
{
    rt_ctx *c = bctx;
    if (bytes == 0) return SSMIX_SUCCESS;
    ssmix_status st = set_device(c);
    if (st != SSMIX_SUCCESS) return st;
    RT_TRY(RT(MemcpyAsync)(dst, (const char *)native + offset, bytes, RT_MEMCPY_D2H, c->stream), "buffer read (device to host copy)");
    RT_TRY(RT(StreamSynchronize)(c->stream), "buffer read (waiting for the copy)");
    return SSMIX_SUCCESS;
}

/* ------------------------------------------------------------------ ssmix_gpu_device */

static ssmix_status rt_max_group_size(void *impl, ssmix_kernel_id kernel, ssmix_dtype io, size_t *size)
{
    rt_ctx *c = impl;
    const void *fn = NULL;
    ssmix_status st = kernel_fn(kernel, io, &fn);
    if (st != SSMIX_SUCCESS) return st;
    int *cached = &c->max_threads[kernel][dtype_index(io)];
    if (*cached <= 0) {
        rt_func_attr attr;
        memset(&attr, 0, sizeof attr);
        RT_TRY(RT(FuncGetAttributes)(&attr, fn), "FuncGetAttributes");
        *cached = attr.maxThreadsPerBlock > 0 ? attr.maxThreadsPerBlock : 1;
    }
    *size = (size_t)*cached;
    return SSMIX_SUCCESS;
}

static ssmix_status rt_workspace(void *impl, size_t bytes, void **native)
{
    rt_ctx *c = impl;
    if (bytes <= c->workspace_bytes) {
        *native = c->workspace;
        return SSMIX_SUCCESS;
    }
    /* Grow in whole MiB. The old block may still be in use by queued work: wait for that work before
     * freeing it (growth is rare: the steady state reuses the block). */
    size_t want = (bytes + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
    if (want < bytes) want = bytes;
    if (c->workspace) {
        RT_TRY(RT(StreamSynchronize)(c->stream), "workspace growth (waiting for queued work)");
        (void)RT(Free)(c->workspace);
        c->workspace = NULL;
        c->workspace_bytes = 0;
    }
    void *p;
    ssmix_status st = alloc_device(c, want, &p, "workspace allocation");
    if (st != SSMIX_SUCCESS) return st;
    c->workspace = p;
    c->workspace_bytes = want;
    *native = p;
    return SSMIX_SUCCESS;
}

typedef union karg_value {
    void *p;
    long long i64;
    int i32;
    float f32;
} karg_value;

static ssmix_status rt_launch(void *impl, ssmix_kernel_id kernel, ssmix_dtype io, const size_t groups[3],
                              const size_t local[3], size_t local_bytes, int nargs, const ssmix_karg *args)
{
    rt_ctx *c = impl;
    const void *fn = NULL;
    ssmix_status st = kernel_fn(kernel, io, &fn);
    if (st != SSMIX_SUCCESS) return st;
    const char *name = kernel_name(kernel);
    const char *sfx = g_dtype_suffix[dtype_index(io)];
    if (nargs < 0 || nargs > MAX_KARGS)
        return FAIL(SSMIX_ERROR_INTERNAL, RT_NAME " launch of %s_%s: %d arguments (at most %d)", name, sfx, nargs, MAX_KARGS);
    if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0) return SSMIX_SUCCESS; /* empty grid: nothing to do */
    if (groups[0] > 0x7fffffffu || groups[1] > 65535 || groups[2] > 65535)
        return FAIL(SSMIX_ERROR_UNSUPPORTED, RT_NAME " launch of %s_%s: grid %zux%zux%zu exceeds the device limits "
                    "(2^31-1 x 65535 x 65535)", name, sfx, groups[0], groups[1], groups[2]);
    size_t threads = local[0] * local[1] * local[2];
    size_t maxt = 0;
    st = rt_max_group_size(c, kernel, io, &maxt);
    if (st != SSMIX_SUCCESS) return st;
    if (threads == 0 || threads > maxt)
        return FAIL(SSMIX_ERROR_INTERNAL, RT_NAME " launch of %s_%s: work-group %zux%zux%zu (%zu work-items) but the "
                    "kernel allows 1..%zu on %s", name, sfx, local[0], local[1], local[2], threads, maxt, c->info.name);
    if (local_bytes > c->shared_optin)
        return FAIL(SSMIX_ERROR_UNSUPPORTED, RT_NAME " launch of %s_%s: %zu bytes of dynamic local memory, the device "
                    "allows %zu", name, sfx, local_bytes, c->shared_optin);
    if (local_bytes > c->shared_default)
        RT_TRY(RT(FuncSetAttribute)(fn, RT_ATTR_MAX_DYNAMIC_SHARED, (int)local_bytes), "FuncSetAttribute(dynamic shared memory)");

    karg_value vals[MAX_KARGS];
    void *ptrs[MAX_KARGS];
    for (int i = 0; i < nargs; i++) {
        switch (args[i].kind) {
        case SSMIX_KARG_BUF: vals[i].p = args[i].v.buf; break;
        case SSMIX_KARG_I64: vals[i].i64 = (long long)args[i].v.i64; break;
        case SSMIX_KARG_I32: vals[i].i32 = (int)args[i].v.i32; break;
        case SSMIX_KARG_F32: vals[i].f32 = args[i].v.f32; break;
        default:
            return FAIL(SSMIX_ERROR_INTERNAL, RT_NAME " launch of %s_%s: argument %d has unknown kind %d", name, sfx, i,
                        (int)args[i].kind);
        }
        ptrs[i] = &vals[i];
    }
    dim3 grid = {(unsigned)groups[0], (unsigned)groups[1], (unsigned)groups[2]};
    dim3 block = {(unsigned)local[0], (unsigned)local[1], (unsigned)local[2]};
    rt_error e = RT(LaunchKernel)(fn, grid, block, ptrs, local_bytes, c->stream);
    if (e == RT_SUCCESS) e = RT(GetLastError)();
    if (e == RT_SUCCESS && c->sync_launches) e = RT(StreamSynchronize)(c->stream);
    if (e != RT_SUCCESS) {
        char what[256];
        snprintf(what, sizeof what, "launch of %s_%s (grid %zux%zux%zu, block %zux%zux%zu, %zu B dynamic local)%s", name,
                 sfx, groups[0], groups[1], groups[2], local[0], local[1], local[2], local_bytes,
                 c->sync_launches ? " or its execution" : "");
        return rt_fail(e, what);
    }
    return SSMIX_SUCCESS;
}

/* ------------------------------------------------------------------ operators */

/* ------------------------------------------------------------------ native handles */

static ssmix_status rt_native_handle(void *bctx, const char *name, void **handle)
{
    rt_ctx *c = bctx;
    if (strcmp(name, "device"))
        return FAIL(SSMIX_ERROR_UNSUPPORTED,
                    "ssmix_context_native_handle: " RT_BACKEND " has no handle \"%s\" (it has device; streams: "
                    "ssmix_context_native_stream)", name);
    *handle = (void *)(intptr_t)c->device;
    return SSMIX_SUCCESS;
}

/* ------------------------------------------------------------------ timing events */

static ssmix_status rt_event_create(void *bctx, void **event)
{
    rt_ctx *c = bctx;
    rt_event ev = NULL;
    ssmix_status st = set_device(c);
    if (st != SSMIX_SUCCESS) return st;
    RT_TRY(RT(EventCreate)(&ev), "EventCreate");
    *event = (void *)ev;
    return SSMIX_SUCCESS;
}

static void rt_event_destroy(void *bctx, void *event)
{
    (void)bctx;
    (void)RT(EventDestroy)((rt_event)event);
}

static ssmix_status rt_event_record(void *bctx, void *event)
{
    rt_ctx *c = bctx;
    RT_TRY(RT(EventRecord)((rt_event)event, c->stream), "EventRecord");
    return SSMIX_SUCCESS;
}

static ssmix_status rt_event_elapsed(void *bctx, void *start, void *end, float *ms)
{
    (void)bctx;
    RT_TRY(RT(EventSynchronize)((rt_event)end), "EventSynchronize (an operation queued earlier failed on the device)");
    RT_TRY(RT(EventElapsedTime)(ms, (rt_event)start, (rt_event)end), "EventElapsedTime");
    return SSMIX_SUCCESS;
}

/* Every operator runs its backend-neutral pipeline (backends/gpu/) on this context's device table. */
#define RT_PIPELINE_OP(op, problem)                                       \
    static ssmix_status rt_##op(void *bctx, const problem *p)             \
    {                                                                     \
        rt_ctx *c = bctx;                                                 \
        ssmix_status st = set_device(c);                                  \
        return st != SSMIX_SUCCESS ? st : ssmix_gpu_##op(&c->dev, p);     \
    }
SSMIX_GPU_PIPELINE_OPS(RT_PIPELINE_OP)
#undef RT_PIPELINE_OP

/* ------------------------------------------------------------------ module entry */

#ifndef SSMIX_RT_ARCHS
#define SSMIX_RT_ARCHS ""
#endif

static const ssmix_backend_ops g_ops = {
    .abi_version = SSMIX_BACKEND_ABI_VERSION,
    .name = RT_BACKEND,
    .archs = SSMIX_RT_ARCHS,
    .device_count = rt_device_count,
    .device_info = rt_device_info,
    .open = rt_open,
    .close = rt_close,
    .device_name = rt_device_name,
    .context_device_info = rt_context_device_info,
    .synchronize = rt_synchronize,
    .buffer_alloc = rt_buffer_alloc,
    .buffer_wrap = rt_buffer_wrap,
    .buffer_free = rt_buffer_free,
    .buffer_user_handle = rt_buffer_user_handle,
    .buffer_write = rt_buffer_write,
    .buffer_read = rt_buffer_read,
    .set_stream = rt_set_stream,
    .get_stream = rt_get_stream,
    .native_handle = rt_native_handle,
    .event_create = rt_event_create,
    .event_destroy = rt_event_destroy,
    .event_record = rt_event_record,
    .event_elapsed = rt_event_elapsed,
#define RT_OP_SLOT(op, problem) .op = rt_##op,
    SSMIX_GPU_PIPELINE_OPS(RT_OP_SLOT)
#undef RT_OP_SLOT
};

SSMIX_EXPORT const ssmix_backend_ops *ssmix_backend_entry(const ssmix_host_api *host);

SSMIX_EXPORT const ssmix_backend_ops *ssmix_backend_entry(const ssmix_host_api *host)
{
    if (!host) return NULL;
    if (host->abi_version != SSMIX_BACKEND_ABI_VERSION) {
        if (host->set_error)
            host->set_error(SSMIX_ERROR_BACKEND_UNAVAILABLE,
                            "libssmix-" RT_BACKEND " was built for backend ABI %u, the core offers %u",
                            SSMIX_BACKEND_ABI_VERSION, host->abi_version);
        return NULL;
    }
    g_host = host;
    return &g_ops;
}
