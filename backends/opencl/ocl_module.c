/*
 * The OpenCL backend module: entry point, platform/device choice, contexts, buffers, launches.
 *
 * Device selection (the text after "opencl:" in SSMIX_BACKEND or the context selector):
 *   ""            the first usable GPU or accelerator in platform order, else the first usable device
 *   "P"           platform P, its first usable device. P is a platform index (digits) or a
 *                 case-insensitive substring of the platform name or vendor ("pocl" matches PoCL's
 *                 vendor "The pocl project"); a name that matches no platform is tried against the
 *                 device names of every platform ("opencl:gfx90a").
 *   "P:D"         device D of platform P; D is an index into the platform's device list (clinfo order)
 *                 or a name substring.
 * A usable device is available, has a compiler, speaks OpenCL 1.2 or later and has enough local
 * memory for the kernels. The backend's own device order (device_count/device_info) lists the usable
 * devices of all platforms, platform by platform.
 *
 * Buffers are cl_mem objects of the context's cl_context. buffer_wrap accepts a caller's cl_mem of the
 * same cl_context (retained while wrapped); the native handle of a buffer is its cl_mem.
 * One in-order command queue per context; the workspace is one cl_mem grown on demand.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_pipeline.h"
#include "ocl_internal.h"

#define MIN_LOCAL_MEM (20u * 1024u) /* the largest SSD kernel declares about 17 KiB */
#define MAX_PLATFORMS 16
#define MAX_DEVICES 64

const ssmix_host_api *ocl_host;

/* ---------------------------------------------------------------- strings */

static int ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0) return 1;
    for (; *hay; ++hay) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) ++i;
        if (i == n) return 1;
    }
    return 0;
}

static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; ++s)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i])) ++i;
    if (i) memmove(s, s + i, n - i + 1);
}

static void plat_str(const ocl_api *cl, cl_platform_id p, cl_platform_info what, char *out, size_t size)
{
    out[0] = '\0';
    if (cl->clGetPlatformInfo(p, what, size, out, NULL) != CL_SUCCESS) out[0] = '\0';
    out[size - 1] = '\0';
    trim(out);
}

static void dev_str(const ocl_api *cl, cl_device_id d, cl_device_info what, char *out, size_t size)
{
    out[0] = '\0';
    if (cl->clGetDeviceInfo(d, what, size, out, NULL) != CL_SUCCESS) out[0] = '\0';
    out[size - 1] = '\0';
    trim(out);
}

/* ---------------------------------------------------------------- enumeration */

typedef struct devref {
    cl_platform_id platform;
    cl_device_id device;
    int pidx, didx; /* platform index, index in the platform's device list */
    int usable;
    char why[160];  /* why not usable */
} devref;

typedef struct devlist {
    int nplat;
    cl_platform_id plats[MAX_PLATFORMS];
    int ndev;
    devref devs[MAX_PLATFORMS * MAX_DEVICES];
} devlist;

static void check_usable(const ocl_api *cl, devref *d)
{
    cl_bool avail = CL_FALSE, comp = CL_FALSE;
    cl_ulong lmem = 0;
    char ver[256];
    d->usable = 0;
    if (cl->clGetDeviceInfo(d->device, CL_DEVICE_AVAILABLE, sizeof avail, &avail, NULL) != CL_SUCCESS || !avail) {
        snprintf(d->why, sizeof d->why, "device not available");
        return;
    }
    if (cl->clGetDeviceInfo(d->device, CL_DEVICE_COMPILER_AVAILABLE, sizeof comp, &comp, NULL) != CL_SUCCESS || !comp) {
        snprintf(d->why, sizeof d->why, "no OpenCL C compiler");
        return;
    }
    dev_str(cl, d->device, CL_DEVICE_VERSION, ver, sizeof ver);
    int major = 0, minor = 0;
    if (sscanf(ver, "OpenCL %d.%d", &major, &minor) != 2 || major * 10 + minor < 12) {
        snprintf(d->why, sizeof d->why, "OpenCL 1.2 required (device reports '%.100s')", ver);
        return;
    }
    if (cl->clGetDeviceInfo(d->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lmem, &lmem, NULL) != CL_SUCCESS ||
        lmem < MIN_LOCAL_MEM) {
        snprintf(d->why, sizeof d->why, "%llu bytes of local memory (%u needed)", (unsigned long long)lmem,
                 MIN_LOCAL_MEM);
        return;
    }
    d->usable = 1;
}

/* All devices of all platforms. Fails (with the reason recorded) only if the runtime is missing or
 * has no platform. */
static ssmix_status enumerate(const ocl_api **clp, devlist *dl)
{
    const char *why = NULL;
    const ocl_api *cl = ocl_load(&why);
    if (!cl) return OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE, "%s", why);
    *clp = cl;
    memset(dl, 0, sizeof *dl);
    cl_uint np = 0;
    cl_int err = cl->clGetPlatformIDs(MAX_PLATFORMS, dl->plats, &np);
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (err == CL_SUCCESS && np == 0))
        return OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE,
                       "no OpenCL platform found (the ICD loader found no driver in /etc/OpenCL/vendors)");
    if (err != CL_SUCCESS)
        return OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE, "clGetPlatformIDs failed: %s (%d)", ocl_error_name(err),
                       (int)err);
    dl->nplat = (int)(np < MAX_PLATFORMS ? np : MAX_PLATFORMS);
    for (int p = 0; p < dl->nplat; ++p) {
        cl_device_id ids[MAX_DEVICES];
        cl_uint nd = 0;
        if (dl->plats[p] == NULL) continue;
        err = cl->clGetDeviceIDs(dl->plats[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, ids, &nd);
        if (err != CL_SUCCESS) continue; /* CL_DEVICE_NOT_FOUND: a platform without devices */
        if (nd > MAX_DEVICES) nd = MAX_DEVICES;
        for (cl_uint d = 0; d < nd; ++d) {
            devref *r = &dl->devs[dl->ndev++];
            r->platform = dl->plats[p];
            r->device = ids[d];
            r->pidx = p;
            r->didx = (int)d;
            check_usable(cl, r);
        }
    }
    return SSMIX_SUCCESS;
}

/* Text listing every platform and device (for error messages). */
static void describe(const ocl_api *cl, const devlist *dl, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int p = 0; p < dl->nplat; ++p) {
        char pname[128];
        plat_str(cl, dl->plats[p], CL_PLATFORM_NAME, pname, sizeof pname);
        used += (size_t)snprintf(out + used, used < size ? size - used : 0, "%splatform %d '%s':", p ? "; " : "", p, pname);
        if (used >= size) return;
        for (int i = 0; i < dl->ndev; ++i) {
            if (dl->devs[i].pidx != p) continue;
            char dname[128];
            dev_str(cl, dl->devs[i].device, CL_DEVICE_NAME, dname, sizeof dname);
            used += (size_t)snprintf(out + used, used < size ? size - used : 0, " [%d] '%s'%s%s%s", dl->devs[i].didx,
                                     dname, dl->devs[i].usable ? "" : " (unusable: ",
                                     dl->devs[i].usable ? "" : dl->devs[i].why, dl->devs[i].usable ? "" : ")");
            if (used >= size) return;
        }
    }
}

static ssmix_status op_device_count(int *count)
{
    const ocl_api *cl = NULL;
    devlist *dl = calloc(1, sizeof *dl);
    if (!dl) return OCL_ERR(SSMIX_ERROR_OUT_OF_MEMORY, "opencl: out of host memory");
    *count = 0;
    ssmix_status st = enumerate(&cl, dl);
    if (st == SSMIX_SUCCESS) {
        for (int i = 0; i < dl->ndev; ++i) *count += dl->devs[i].usable;
        if (*count == 0) {
            char desc[1024];
            describe(cl, dl, desc, sizeof desc);
            OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE, "no usable OpenCL device (%s)",
                    dl->ndev ? desc : "the platforms have no devices");
        }
    }
    free(dl);
    return st;
}

static void fill_info(const ocl_api *cl, cl_platform_id plat, cl_device_id dev, ssmix_device_info *info)
{
    memset(info, 0, sizeof *info);
    dev_str(cl, dev, CL_DEVICE_NAME, info->name, sizeof info->name);
    plat_str(cl, plat, CL_PLATFORM_NAME, info->platform, sizeof info->platform);
    cl_ulong mem = 0;
    cl_uint cu = 0;
    if (cl->clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL) == CL_SUCCESS)
        info->memory_bytes = (uint64_t)mem;
    if (cl->clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL) == CL_SUCCESS)
        info->compute_units = (int)cu;
    /* Architecture: sm_XY on NVIDIA (cl_nv_device_attribute_query), gfxNNN on AMD (the device name),
     * the PoCL host string ("pthread-x86_64-...-skylake-avx512") on PoCL, else empty. */
    char ext[4096], vendor[256], ver[256];
    dev_str(cl, dev, CL_DEVICE_EXTENSIONS, ext, sizeof ext);
    dev_str(cl, dev, CL_DEVICE_VENDOR, vendor, sizeof vendor);
    dev_str(cl, dev, CL_DEVICE_VERSION, ver, sizeof ver);
    cl_uint ccmaj = 0, ccmin = 0;
    const char *hstr = strstr(ver, "HSTR: ");
    if (strstr(ext, "cl_nv_device_attribute_query") &&
        cl->clGetDeviceInfo(dev, 0x4000 /* CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV */, sizeof ccmaj, &ccmaj, NULL) == CL_SUCCESS &&
        cl->clGetDeviceInfo(dev, 0x4001 /* CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV */, sizeof ccmin, &ccmin, NULL) == CL_SUCCESS) {
        snprintf(info->arch, sizeof info->arch, "sm_%u%u", ccmaj, ccmin);
    } else if (!strncmp(info->name, "gfx", 3)) {
        snprintf(info->arch, sizeof info->arch, "%.*s", (int)strcspn(info->name, ": "), info->name);
    } else if (hstr) {
        snprintf(info->arch, sizeof info->arch, "%.63s", hstr + 6);
    }
}

static ssmix_status op_device_info(int index, ssmix_device_info *info)
{
    const ocl_api *cl = NULL;
    devlist *dl = calloc(1, sizeof *dl);
    if (!dl) return OCL_ERR(SSMIX_ERROR_OUT_OF_MEMORY, "opencl: out of host memory");
    ssmix_status st = enumerate(&cl, dl);
    if (st == SSMIX_SUCCESS) {
        int k = 0, found = 0;
        for (int i = 0; i < dl->ndev && !found; ++i) {
            if (!dl->devs[i].usable) continue;
            if (k++ == index) {
                fill_info(cl, dl->devs[i].platform, dl->devs[i].device, info);
                found = 1;
            }
        }
        if (!found) st = OCL_ERR(SSMIX_ERROR_INVALID_ARGUMENT, "opencl: device index %d out of range (%d usable)", index, k);
    }
    free(dl);
    return st;
}

/* Resolve a selector to one device (see the header comment). */
static ssmix_status select_device(const ocl_api *cl, const devlist *dl, const char *sel, const devref **out)
{
    char f1[128] = "", f2[128] = "";
    const char *colon = strchr(sel, ':');
    if (colon) {
        snprintf(f1, sizeof f1, "%.*s", (int)(colon - sel), sel);
        snprintf(f2, sizeof f2, "%s", colon + 1);
        if (strchr(f2, ':'))
            return OCL_ERR(SSMIX_ERROR_INVALID_ARGUMENT,
                           "device selector '%s' has too many fields (expected opencl[:platform[:device]])", sel);
    } else {
        snprintf(f1, sizeof f1, "%s", sel);
    }
    trim(f1);
    trim(f2);
    char desc[1536];
    *out = NULL;

    if (!*f1 && !colon) { /* default: first usable GPU/accelerator, else first usable device */
        const devref *first = NULL;
        for (int i = 0; i < dl->ndev; ++i) {
            if (!dl->devs[i].usable) continue;
            if (!first) first = &dl->devs[i];
            cl_device_type type = 0;
            cl->clGetDeviceInfo(dl->devs[i].device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
            if (type & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR)) {
                *out = &dl->devs[i];
                return SSMIX_SUCCESS;
            }
        }
        if (first) {
            *out = first;
            return SSMIX_SUCCESS;
        }
        describe(cl, dl, desc, sizeof desc);
        return OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE, "no usable OpenCL device (%s)", desc);
    }

    /* platform field */
    int plat = -1;
    for (int p = 0; p < dl->nplat && plat < 0; ++p) {
        char pname[256], pvendor[256];
        plat_str(cl, dl->plats[p], CL_PLATFORM_NAME, pname, sizeof pname);
        plat_str(cl, dl->plats[p], CL_PLATFORM_VENDOR, pvendor, sizeof pvendor);
        if (!*f1 || (all_digits(f1) ? atoi(f1) == p : (ci_contains(pname, f1) || ci_contains(pvendor, f1)))) plat = p;
    }
    if (plat < 0 && !colon && !all_digits(f1)) { /* a lone name may name a device */
        for (int i = 0; i < dl->ndev; ++i) {
            char dname[256];
            dev_str(cl, dl->devs[i].device, CL_DEVICE_NAME, dname, sizeof dname);
            if (!ci_contains(dname, f1)) continue;
            if (!dl->devs[i].usable)
                return OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE, "device '%s' matches '%s' but is not usable: %s",
                               dname, f1, dl->devs[i].why);
            *out = &dl->devs[i];
            return SSMIX_SUCCESS;
        }
    }
    if (plat < 0) {
        describe(cl, dl, desc, sizeof desc);
        return OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE, "no platform %s '%s' (found: %s)",
                       all_digits(f1) ? "with index" : "or device name matches", f1, desc);
    }
    for (int i = 0; i < dl->ndev; ++i) {
        const devref *d = &dl->devs[i];
        if (d->pidx != plat) continue;
        int match;
        if (!*f2) match = d->usable; /* first usable device of the platform */
        else if (all_digits(f2)) match = atoi(f2) == d->didx;
        else {
            char dname[256];
            dev_str(cl, d->device, CL_DEVICE_NAME, dname, sizeof dname);
            match = ci_contains(dname, f2);
        }
        if (!match) continue;
        if (!d->usable) {
            char dname[256];
            dev_str(cl, d->device, CL_DEVICE_NAME, dname, sizeof dname);
            return OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE, "device %d '%s' of platform %d is not usable: %s",
                           d->didx, dname, plat, d->why);
        }
        *out = d;
        return SSMIX_SUCCESS;
    }
    describe(cl, dl, desc, sizeof desc);
    return OCL_ERR(SSMIX_ERROR_BACKEND_UNAVAILABLE, "platform %d has no %sdevice matching '%s' (found: %s)", plat,
                   *f2 ? "" : "usable ", f2, desc);
}

/* ---------------------------------------------------------------- gpu_device implementation */

static int dtype_index(ssmix_dtype io)
{
    switch (io) {
    case SSMIX_F16: return 1;
    case SSMIX_BF16: return 2;
    default: return 0;
    }
}

static ssmix_status get_kernel(ocl_ctx *c, ssmix_kernel_id k, ssmix_dtype io, cl_kernel *out)
{
    int di = dtype_index(io);
    if ((int)k < 0 || k >= SSMIX_KERNEL_COUNT) return OCL_ERR(SSMIX_ERROR_INTERNAL, "opencl: kernel id %d invalid", (int)k);
    if (!c->kernels[k][di]) {
        cl_program prog;
        ssmix_status st = ocl_get_program(c, ssmix_kernel_file(k), di, &prog);
        if (st != SSMIX_SUCCESS) return st;
        cl_int err;
        cl_kernel kern = c->cl->clCreateKernel(prog, ssmix_kernel_name(k), &err);
        if (err != CL_SUCCESS)
            return OCL_ERR(SSMIX_ERROR_INTERNAL, "opencl: kernel '%s' not found in program %s: %s", ssmix_kernel_name(k),
                           ssmix_kernel_file(k), ocl_error_name(err));
        size_t wg = 0;
        err = c->cl->clGetKernelWorkGroupInfo(kern, c->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
        if (err != CL_SUCCESS) {
            c->cl->clReleaseKernel(kern);
            return ocl_fail(err, "clGetKernelWorkGroupInfo");
        }
        if (wg > c->max_wg) wg = c->max_wg;
        if (wg > c->max_item0) wg = c->max_item0;
        if (wg < 1) wg = 1;
        c->kernels[k][di] = kern;
        c->kernel_wg[k][di] = wg;
    }
    *out = c->kernels[k][di];
    return SSMIX_SUCCESS;
}

static ssmix_status gd_max_group_size(void *impl, ssmix_kernel_id k, ssmix_dtype io, size_t *size)
{
    ocl_ctx *c = impl;
    cl_kernel kern = NULL;
    ssmix_status st = get_kernel(c, k, io, &kern);
    if (st != SSMIX_SUCCESS) return st;
    *size = c->kernel_wg[k][dtype_index(io)];
    return SSMIX_SUCCESS;
}

static ssmix_status gd_launch(void *impl, ssmix_kernel_id k, ssmix_dtype io, const size_t groups[3], const size_t local[3],
                              size_t local_bytes, int nargs, const ssmix_karg *args)
{
    ocl_ctx *c = impl;
    const ocl_api *cl = c->cl;
    cl_kernel kern = NULL;
    ssmix_status st = get_kernel(c, k, io, &kern);
    if (st != SSMIX_SUCCESS) return st;
    size_t wgsize = local[0] * local[1] * local[2];
    if (wgsize > c->kernel_wg[k][dtype_index(io)])
        return OCL_ERR(SSMIX_ERROR_INTERNAL, "opencl: %s launched with %zu work-items per group (limit %zu)",
                       ssmix_kernel_name(k), wgsize, c->kernel_wg[k][dtype_index(io)]);
    for (int i = 0; i < nargs; ++i) {
        cl_int err;
        const ssmix_karg *a = &args[i];
        switch (a->kind) {
        case SSMIX_KARG_BUF: {
            cl_mem m = a->v.buf ? (cl_mem)a->v.buf : c->dummy;
            err = cl->clSetKernelArg(kern, (cl_uint)i, sizeof(cl_mem), &m);
            break;
        }
        case SSMIX_KARG_I64: {
            cl_long v = (cl_long)a->v.i64;
            err = cl->clSetKernelArg(kern, (cl_uint)i, sizeof v, &v);
            break;
        }
        case SSMIX_KARG_I32: {
            cl_int v = (cl_int)a->v.i32;
            err = cl->clSetKernelArg(kern, (cl_uint)i, sizeof v, &v);
            break;
        }
        case SSMIX_KARG_F32: {
            cl_float v = a->v.f32;
            err = cl->clSetKernelArg(kern, (cl_uint)i, sizeof v, &v);
            break;
        }
        default: err = CL_INVALID_ARG_VALUE;
        }
        if (err != CL_SUCCESS)
            return OCL_ERR(SSMIX_ERROR_INTERNAL, "opencl: %s: setting argument %d failed: %s", ssmix_kernel_name(k), i,
                           ocl_error_name(err));
    }
    if (local_bytes) {
        cl_int err = cl->clSetKernelArg(kern, (cl_uint)nargs, local_bytes, NULL);
        if (err != CL_SUCCESS) return ocl_fail(err, "clSetKernelArg (local memory)");
    }
    cl_uint dims = (groups[2] > 1 || local[2] > 1) ? 3 : (groups[1] > 1 || local[1] > 1) ? 2 : 1;
    size_t global[3] = {groups[0] * local[0], groups[1] * local[1], groups[2] * local[2]};
    cl_int err = cl->clEnqueueNDRangeKernel(c->queue, kern, dims, NULL, global, local, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
        char what[160];
        snprintf(what, sizeof what, "enqueueing %s (%zu groups of %zu)", ssmix_kernel_name(k), groups[0] * groups[1] * groups[2],
                 wgsize);
        return ocl_fail(err, what);
    }
    return SSMIX_SUCCESS;
}

static ssmix_status gd_workspace(void *impl, size_t bytes, void **native)
{
    ocl_ctx *c = impl;
    if (bytes < 256) bytes = 256;
    if (!c->workspace || c->workspace_bytes < bytes) {
        size_t want = bytes + (bytes >> 3); /* some slack for slightly larger problems */
        if (want > c->max_alloc) want = bytes;
        if ((cl_ulong)bytes > c->max_alloc)
            return OCL_ERR(SSMIX_ERROR_OUT_OF_MEMORY,
                           "opencl: the workspace needs %zu bytes, more than the device's largest allocation (%llu bytes)",
                           bytes, (unsigned long long)c->max_alloc);
        /* Work queued earlier keeps the old buffer alive: OpenCL defers the release. */
        if (c->workspace) c->cl->clReleaseMemObject(c->workspace);
        c->workspace = NULL;
        c->workspace_bytes = 0;
        cl_int err;
        cl_mem m = c->cl->clCreateBuffer(c->context, CL_MEM_READ_WRITE, want, NULL, &err);
        if (err != CL_SUCCESS) return ocl_fail(err, "allocating the workspace");
        c->workspace = m;
        c->workspace_bytes = want;
        OCL_LOG(2, "opencl: workspace grown to %zu bytes", want);
    }
    *native = c->workspace;
    return SSMIX_SUCCESS;
}

/* ---------------------------------------------------------------- contexts */

static void op_close(void *bctx)
{
    ocl_ctx *c = bctx;
    if (!c) return;
    const ocl_api *cl = c->cl;
    if (c->queue) cl->clFinish(c->queue);
    for (int k = 0; k < SSMIX_KERNEL_COUNT; ++k)
        for (int d = 0; d < OCL_NDTYPES; ++d)
            if (c->kernels[k][d]) cl->clReleaseKernel(c->kernels[k][d]);
    ocl_release_programs(c);
    if (c->workspace) cl->clReleaseMemObject(c->workspace);
    if (c->dummy) cl->clReleaseMemObject(c->dummy);
    if (c->queue) cl->clReleaseCommandQueue(c->queue);
    if (c->context) cl->clReleaseContext(c->context);
    free(c->programs);
    free(c);
}

static ssmix_status op_open(const char *device_sel, void **bctx)
{
    const ocl_api *cl = NULL;
    *bctx = NULL;
    devlist *dl = calloc(1, sizeof *dl);
    if (!dl) return OCL_ERR(SSMIX_ERROR_OUT_OF_MEMORY, "opencl: out of host memory");
    ssmix_status st = enumerate(&cl, dl);
    const devref *d = NULL;
    if (st == SSMIX_SUCCESS) st = select_device(cl, dl, device_sel ? device_sel : "", &d);
    if (st != SSMIX_SUCCESS) {
        free(dl);
        return st;
    }
    ocl_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        free(dl);
        return OCL_ERR(SSMIX_ERROR_OUT_OF_MEMORY, "opencl: out of host memory");
    }
    c->cl = cl;
    c->platform = d->platform;
    c->device = d->device;
    free(dl);

    fill_info(cl, c->platform, c->device, &c->info);
    plat_str(cl, c->platform, CL_PLATFORM_VERSION, c->platform_version, sizeof c->platform_version);
    dev_str(cl, c->device, CL_DEVICE_VERSION, c->device_version, sizeof c->device_version);
    dev_str(cl, c->device, CL_DRIVER_VERSION, c->driver_version, sizeof c->driver_version);
    dev_str(cl, c->device, CL_DEVICE_VENDOR, c->vendor, sizeof c->vendor);
    size_t items[3] = {0, 0, 0};
    cl->clGetDeviceInfo(c->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof c->max_wg, &c->max_wg, NULL);
    cl->clGetDeviceInfo(c->device, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof items, items, NULL);
    cl->clGetDeviceInfo(c->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof c->max_alloc, &c->max_alloc, NULL);
    cl->clGetDeviceInfo(c->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof c->local_mem, &c->local_mem, NULL);
    c->max_item0 = items[0] ? items[0] : c->max_wg;
    if (c->max_wg < 1) c->max_wg = 1;

    cl_int err;
    cl_context_properties props[3] = {CL_CONTEXT_PLATFORM, (cl_context_properties)c->platform, 0};
    c->context = cl->clCreateContext(props, 1, &c->device, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        st = ocl_fail(err, "clCreateContext");
        op_close(c);
        return st;
    }
    /* Profiling timestamps serve ssmix_event_* (markers); every OpenCL device supports them. */
    c->queue = cl->clCreateCommandQueue(c->context, c->device, CL_QUEUE_PROFILING_ENABLE, &err);
    if (err != CL_SUCCESS) {
        st = ocl_fail(err, "clCreateCommandQueue");
        op_close(c);
        return st;
    }
    c->dummy = cl->clCreateBuffer(c->context, CL_MEM_READ_WRITE, 256, NULL, &err);
    if (err != CL_SUCCESS) {
        st = ocl_fail(err, "clCreateBuffer");
        op_close(c);
        return st;
    }
    int ns = 0;
    while (ocl_sources[ns].name) ++ns;
    c->nsources = ns;
    c->programs = calloc((size_t)(ns ? ns : 1) * OCL_NDTYPES, sizeof *c->programs);
    if (!c->programs) {
        op_close(c);
        return OCL_ERR(SSMIX_ERROR_OUT_OF_MEMORY, "opencl: out of host memory");
    }
    c->gdev.impl = c;
    c->gdev.launch = gd_launch;
    c->gdev.max_group_size = gd_max_group_size;
    c->gdev.workspace = gd_workspace;
    c->gdev.local_mem_bytes = (size_t)c->local_mem;
    c->gdev.host = ocl_host;
    OCL_LOG(1, "opencl: opened '%s' on platform '%s' (%s, driver %s)", c->info.name, c->info.platform, c->device_version,
            c->driver_version);
    *bctx = c;
    return SSMIX_SUCCESS;
}

static const char *op_device_name(void *bctx) { return ((ocl_ctx *)bctx)->info.name; }

static ssmix_status op_context_device_info(void *bctx, ssmix_device_info *info)
{
    *info = ((ocl_ctx *)bctx)->info;
    return SSMIX_SUCCESS;
}

static ssmix_status op_synchronize(void *bctx)
{
    ocl_ctx *c = bctx;
    cl_int err = c->cl->clFinish(c->queue);
    return err == CL_SUCCESS ? SSMIX_SUCCESS : ocl_fail(err, "clFinish");
}

/* ---------------------------------------------------------------- buffers */

static ssmix_status op_buffer_alloc(void *bctx, size_t bytes, void **native)
{
    ocl_ctx *c = bctx;
    if ((cl_ulong)bytes > c->max_alloc)
        return OCL_ERR(SSMIX_ERROR_OUT_OF_MEMORY, "opencl: %zu bytes exceed the device's largest allocation (%llu bytes)",
                       bytes, (unsigned long long)c->max_alloc);
    cl_int err;
    cl_mem m = c->cl->clCreateBuffer(c->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err != CL_SUCCESS) return ocl_fail(err, "clCreateBuffer");
    *native = m;
    return SSMIX_SUCCESS;
}

static ssmix_status op_buffer_wrap(void *bctx, void *user_native, size_t bytes, void **native)
{
    ocl_ctx *c = bctx;
    cl_mem m = (cl_mem)user_native;
    cl_context mc = NULL;
    size_t size = 0;
    cl_int err = c->cl->clGetMemObjectInfo(m, CL_MEM_CONTEXT, sizeof mc, &mc, NULL);
    if (err != CL_SUCCESS)
        return OCL_ERR(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_wrap: native is not a valid cl_mem (%s)",
                       ocl_error_name(err));
    if (mc != c->context)
        return OCL_ERR(SSMIX_ERROR_INVALID_ARGUMENT,
                       "ssmix_buffer_wrap: the cl_mem belongs to another cl_context than the ssmix context's");
    err = c->cl->clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof size, &size, NULL);
    if (err != CL_SUCCESS) return ocl_fail(err, "clGetMemObjectInfo");
    if (size < bytes)
        return OCL_ERR(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_wrap: bytes %zu exceeds the cl_mem's size %zu", bytes, size);
    err = c->cl->clRetainMemObject(m);
    if (err != CL_SUCCESS) return ocl_fail(err, "clRetainMemObject");
    *native = m;
    return SSMIX_SUCCESS;
}

static void op_buffer_free(void *bctx, void *native, int owned)
{
    ocl_ctx *c = bctx;
    (void)owned; /* a wrapped cl_mem was retained: releasing drops exactly that reference */
    if (native) c->cl->clReleaseMemObject((cl_mem)native);
}

static void *op_buffer_user_handle(void *bctx, void *native)
{
    (void)bctx;
    return native;
}

static ssmix_status op_buffer_write(void *bctx, void *native, size_t offset, const void *src, size_t bytes)
{
    ocl_ctx *c = bctx;
    cl_int err = c->cl->clEnqueueWriteBuffer(c->queue, (cl_mem)native, CL_TRUE, offset, bytes, src, 0, NULL, NULL);
    return err == CL_SUCCESS ? SSMIX_SUCCESS : ocl_fail(err, "clEnqueueWriteBuffer");
}

static ssmix_status op_buffer_read(void *bctx, void *native, size_t offset, void *dst, size_t bytes)
{
    ocl_ctx *c = bctx;
    cl_int err = c->cl->clEnqueueReadBuffer(c->queue, (cl_mem)native, CL_TRUE, offset, bytes, dst, 0, NULL, NULL);
    return err == CL_SUCCESS ? SSMIX_SUCCESS : ocl_fail(err, "clEnqueueReadBuffer");
}

/* ---------------------------------------------------------------- operators */

/* ---------------------------------------------------------------- native handles */

static ssmix_status op_native_handle(void *bctx, const char *name, void **handle)
{
    ocl_ctx *c = bctx;
    if (!strcmp(name, "cl_platform_id")) *handle = (void *)c->platform;
    else if (!strcmp(name, "cl_device_id")) *handle = (void *)c->device;
    else if (!strcmp(name, "cl_context")) *handle = (void *)c->context;
    else if (!strcmp(name, "cl_command_queue")) *handle = (void *)c->queue;
    else
        return ocl_host->set_error(SSMIX_ERROR_UNSUPPORTED,
                                   "ssmix_context_native_handle: opencl has no handle \"%s\" (it has cl_platform_id, "
                                   "cl_device_id, cl_context, cl_command_queue)", name);
    return SSMIX_SUCCESS;
}

/* ---------------------------------------------------------------- timing events */

/* An event is a marker command; its profiling END timestamp is when all earlier work finished. */
typedef struct ocl_event {
    cl_event marker; /* NULL until recorded */
} ocl_event;

static ssmix_status op_event_create(void *bctx, void **event)
{
    (void)bctx;
    ocl_event *e = calloc(1, sizeof *e);
    if (!e) return ocl_host->set_error(SSMIX_ERROR_OUT_OF_MEMORY, "opencl: out of host memory for an event");
    *event = e;
    return SSMIX_SUCCESS;
}

static void op_event_destroy(void *bctx, void *event)
{
    ocl_ctx *c = bctx;
    ocl_event *e = event;
    if (e->marker) c->cl->clReleaseEvent(e->marker);
    free(e);
}

static ssmix_status op_event_record(void *bctx, void *event)
{
    ocl_ctx *c = bctx;
    ocl_event *e = event;
    cl_event marker = NULL;
    cl_int err = c->cl->clEnqueueMarkerWithWaitList(c->queue, 0, NULL, &marker);
    if (err != CL_SUCCESS) return ocl_fail(err, "clEnqueueMarkerWithWaitList (recording an event)");
    if (e->marker) c->cl->clReleaseEvent(e->marker);
    e->marker = marker;
    c->cl->clFlush(c->queue);
    return SSMIX_SUCCESS;
}

static ssmix_status op_event_elapsed(void *bctx, void *start, void *end, float *ms)
{
    ocl_ctx *c = bctx;
    cl_event ev[2] = {((ocl_event *)start)->marker, ((ocl_event *)end)->marker};
    cl_ulong t[2];
    cl_int err = c->cl->clWaitForEvents(2, ev);
    if (err != CL_SUCCESS) return ocl_fail(err, "clWaitForEvents (event elapsed time)");
    for (int i = 0; i < 2; i++) {
        err = c->cl->clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_END, sizeof t[i], &t[i], NULL);
        if (err != CL_SUCCESS) return ocl_fail(err, "clGetEventProfilingInfo (event elapsed time)");
    }
    *ms = (float)(((double)t[1] - (double)t[0]) * 1e-6);
    return SSMIX_SUCCESS;
}

/* Every operator runs its backend-neutral pipeline (backends/gpu/) on this context's device table,
 * then flushes the queue so the work starts while the host goes on. */
#define OCL_PIPELINE_OP(op, problem)                                  \
    static ssmix_status op_##op(void *bctx, const problem *p)         \
    {                                                                 \
        ocl_ctx *c = bctx;                                            \
        ssmix_status st = ssmix_gpu_##op(&c->gdev, p);                \
        if (st == SSMIX_SUCCESS) c->cl->clFlush(c->queue);            \
        return st;                                                    \
    }
SSMIX_GPU_PIPELINE_OPS(OCL_PIPELINE_OP)
#undef OCL_PIPELINE_OP

static const ssmix_backend_ops ocl_ops = {
    .abi_version = SSMIX_BACKEND_ABI_VERSION,
    .name = "opencl",
    .archs = "", /* no ahead-of-time architectures: programs are built per device at run time */
    .device_count = op_device_count,
    .device_info = op_device_info,
    .open = op_open,
    .close = op_close,
    .device_name = op_device_name,
    .context_device_info = op_context_device_info,
    .synchronize = op_synchronize,
    .buffer_alloc = op_buffer_alloc,
    .buffer_wrap = op_buffer_wrap,
    .buffer_free = op_buffer_free,
    .buffer_user_handle = op_buffer_user_handle,
    .buffer_write = op_buffer_write,
    .buffer_read = op_buffer_read,
    .set_stream = NULL, /* OpenCL queues are not exposed as native streams */
    .get_stream = NULL,
    .native_handle = op_native_handle,
    .event_create = op_event_create,
    .event_destroy = op_event_destroy,
    .event_record = op_event_record,
    .event_elapsed = op_event_elapsed,
#define OCL_OP_SLOT(op, problem) .op = op_##op,
    SSMIX_GPU_PIPELINE_OPS(OCL_OP_SLOT)
#undef OCL_OP_SLOT
};

__attribute__((visibility("default"))) const ssmix_backend_ops *ssmix_backend_entry(const ssmix_host_api *host);

__attribute__((visibility("default"))) const ssmix_backend_ops *ssmix_backend_entry(const ssmix_host_api *host)
{
    if (!host) return NULL;
    ocl_host = host;
    /* The runtime is loaded lazily: a missing libOpenCL makes the backend unavailable, not the module. */
    return &ocl_ops;
}
