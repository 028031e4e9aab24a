/*
 * OpenCL programs: one per (kernel source file, I/O dtype), built on first use from the source embedded
 * in the module (kernels/dialect.h + kernels/<file>), with options chosen per device, and cached on
 * disk as device binaries.
 *
 * Disk cache
 * - Directory: $SSMIX_CACHE_DIR; "off" (or "0", "none") disables the cache; unset or empty means
 *   $XDG_CACHE_HOME/ssmix, else $HOME/.cache/ssmix. Created on demand (mode 0700).
 * - Key: a text naming everything the binary depends on: cache format, ssmix version, platform name and
 *   version, device name, vendor and version, driver version, build options, and a 128-bit hash of the
 *   exact source text compiled. File name: opencl-<file>-<dtype>-<128-bit hash of the key>.bin.
 * - File: "SSMIXOCL", u32 format, u32 key length, key, u64 binary length, u64 binary hash, binary.
 *   The stored key is compared in full and the binary hash checked before use; any mismatch, a short
 *   or unreadable file, or a binary the runtime rejects makes the entry ignored, rebuilt from source
 *   and overwritten. Entries are written to a unique temporary file in the same directory and renamed
 *   into place, so readers never see a partial file and concurrent writers are harmless.
 * - SSMIX_LOG=debug reports "loaded from cache", "built from source" and "rejected" per program.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ocl_internal.h"

#define CACHE_MAGIC "SSMIXOCL"
#define CACHE_FORMAT 1u
#define CACHE_MAX_FILE (256u << 20)

static const char *const dtype_names[OCL_NDTYPES] = {"f32", "f16", "bf16"};

/* ---------------------------------------------------------------- hashing */

static uint64_t fnv1a(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* 128 bits from two FNV-1a streams with different bases (the second also mixes the length). */
static void hash128_hex(const void *data, size_t n, char out[33])
{
    uint64_t a = fnv1a(data, n, 0xcbf29ce484222325ull);
    uint64_t b = fnv1a(&n, sizeof n, fnv1a(data, n, 0x84222325cbf29ce4ull));
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

/* ---------------------------------------------------------------- cache directory */

static int cache_dir(char *out, size_t size)
{
    const char *e = getenv("SSMIX_CACHE_DIR");
    if (e && *e) {
        if (!strcmp(e, "off") || !strcmp(e, "OFF") || !strcmp(e, "Off") || !strcmp(e, "0") || !strcmp(e, "none"))
            return 0;
        return snprintf(out, size, "%s", e) < (int)size;
    }
    const char *x = getenv("XDG_CACHE_HOME");
    if (x && x[0] == '/') return snprintf(out, size, "%s/ssmix", x) < (int)size;
    const char *h = getenv("HOME");
    if (h && *h) return snprintf(out, size, "%s/.cache/ssmix", h) < (int)size;
    return 0;
}

static int mkdir_p(const char *path)
{
    char tmp[1024];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) return -1;
    for (char *p = tmp + 1; *p; ++p) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
    return 0;
}

/* ---------------------------------------------------------------- cache files */

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && (unsigned long)n <= CACHE_MAX_FILE && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n);
            if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            }
            *size = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

/* Parse a cache file; returns the binary (pointer into buf) or NULL with *why set. */
static const unsigned char *parse_entry(const unsigned char *buf, size_t size, const char *key, size_t *bin_size,
                                        const char **why)
{
    size_t klen = strlen(key), pos = 0;
    uint32_t fmt, kl;
    uint64_t bl, bh;
    if (size < 8 + 4 + 4 || memcmp(buf, CACHE_MAGIC, 8) != 0) {
        *why = "bad magic";
        return NULL;
    }
    pos = 8;
    memcpy(&fmt, buf + pos, 4);
    memcpy(&kl, buf + pos + 4, 4);
    pos += 8;
    if (fmt != CACHE_FORMAT) {
        *why = "other cache format";
        return NULL;
    }
    if (kl != klen || size - pos < (size_t)kl + 16 || memcmp(buf + pos, key, klen) != 0) {
        *why = "key mismatch";
        return NULL;
    }
    pos += kl;
    memcpy(&bl, buf + pos, 8);
    memcpy(&bh, buf + pos + 8, 8);
    pos += 16;
    if (bl == 0 || bl != size - pos) {
        *why = "truncated binary";
        return NULL;
    }
    if (fnv1a(buf + pos, (size_t)bl, 0xcbf29ce484222325ull) != bh) {
        *why = "binary checksum mismatch";
        return NULL;
    }
    *bin_size = (size_t)bl;
    return buf + pos;
}

static void write_entry(const char *dir, const char *path, const char *key, const unsigned char *bin, size_t bin_size)
{
    static unsigned counter;
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%u-%lx.part", dir, (long)getpid(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED),
             (unsigned long)(uintptr_t)&tmp);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        OCL_LOG(2, "opencl: cache: cannot write %s (%s)", tmp, strerror(errno));
        return;
    }
    uint32_t fmt = CACHE_FORMAT, kl = (uint32_t)strlen(key);
    uint64_t bl = bin_size, bh = fnv1a(bin, bin_size, 0xcbf29ce484222325ull);
    int ok = fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(&fmt, 4, 1, f) == 1 && fwrite(&kl, 4, 1, f) == 1 &&
             fwrite(key, 1, kl, f) == kl && fwrite(&bl, 8, 1, f) == 1 && fwrite(&bh, 8, 1, f) == 1 &&
             fwrite(bin, 1, bin_size, f) == bin_size;
    ok = ok && fflush(f) == 0;
    if (ok) fsync(fileno(f));
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        OCL_LOG(2, "opencl: cache: writing %s failed (%s)", path, strerror(errno));
        remove(tmp);
        return;
    }
    OCL_LOG(2, "opencl: cache: stored %s (%zu bytes)", path, bin_size);
}

/* ---------------------------------------------------------------- build */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int find_source(const char *name)
{
    for (int i = 0; ocl_sources[i].name; ++i)
        if (!strcmp(ocl_sources[i].name, name)) return i;
    return -1;
}

/* Options per device: OpenCL C 1.2, the I/O dtype, no fast-math (the kernels rely on IEEE exp/log1p
 * accuracy), then $SSMIX_OPENCL_OPTIONS appended verbatim (for experiments and the build-failure
 * test; part of the cache key like every option). */
static void build_options(const ocl_ctx *c, int di, char *out, size_t size)
{
    (void)c;
    const char *extra = getenv("SSMIX_OPENCL_OPTIONS");
    snprintf(out, size, "-cl-std=CL1.2 -DSSMIX_IO_DTYPE=%d%s%s", di, extra && *extra ? " " : "", extra ? extra : "");
}

static ssmix_status build_error(ocl_ctx *c, cl_program prog, cl_int err, const char *file, int di, const char *opts)
{
    size_t n = 0;
    char *log = NULL;
    if (c->cl->clGetProgramBuildInfo(prog, c->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) == CL_SUCCESS && n > 0) {
        log = malloc(n + 1);
        if (log && c->cl->clGetProgramBuildInfo(prog, c->device, CL_PROGRAM_BUILD_LOG, n, log, NULL) == CL_SUCCESS)
            log[n] = '\0';
        else if (log)
            log[0] = '\0';
    }
    OCL_LOG(1, "opencl: build log of %s [%s]:\n%s", file, dtype_names[di], log ? log : "");
    ssmix_status st = OCL_ERR(SSMIX_ERROR_DEVICE, "opencl: building %s [%s] for '%s' failed: %s (%d), options '%s'; compiler log:\n%s",
                              file, dtype_names[di], c->info.name, ocl_error_name(err), (int)err, opts,
                              log && *log ? log : "(empty)");
    free(log);
    return st;
}

static cl_program try_binary(ocl_ctx *c, const unsigned char *bin, size_t bin_size, const char *opts, const char **why)
{
    cl_int err, bstatus = CL_SUCCESS;
    cl_program prog = c->cl->clCreateProgramWithBinary(c->context, 1, &c->device, &bin_size, &bin, &bstatus, &err);
    if (err != CL_SUCCESS || bstatus != CL_SUCCESS) {
        if (prog) c->cl->clReleaseProgram(prog);
        *why = "the runtime rejected the binary";
        return NULL;
    }
    err = c->cl->clBuildProgram(prog, 1, &c->device, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        c->cl->clReleaseProgram(prog);
        *why = "building the binary failed";
        return NULL;
    }
    return prog;
}

ssmix_status ocl_get_program(ocl_ctx *c, const char *file, int di, cl_program *out)
{
    const ocl_api *cl = c->cl;
    int si = file ? find_source(file) : -1, hi = find_source("dialect.h");
    if (si < 0 || hi < 0)
        return OCL_ERR(SSMIX_ERROR_INTERNAL, "opencl: kernel source '%s' is not embedded in this module", file ? file : "?");
    ocl_program *pp = &c->programs[si * OCL_NDTYPES + di];
    if (pp->prog) {
        *out = pp->prog;
        return SSMIX_SUCCESS;
    }

    /* the exact text compiled: the dialect, then the file (its own #include of dialect.h is guarded) */
    const ocl_source *hs = &ocl_sources[hi], *ss = &ocl_sources[si];
    char line[256];
    snprintf(line, sizeof line, "\n#line 1 \"%s\"\n", file);
    size_t len = hs->size + strlen(line) + ss->size;
    char *src = malloc(len + 1);
    if (!src) return OCL_ERR(SSMIX_ERROR_OUT_OF_MEMORY, "opencl: out of host memory");
    memcpy(src, hs->text, hs->size);
    memcpy(src + hs->size, line, strlen(line));
    memcpy(src + hs->size + strlen(line), ss->text, ss->size);
    src[len] = '\0';

    char opts[1024];
    build_options(c, di, opts, sizeof opts);
    char src_hash[33];
    hash128_hex(src, len, src_hash);
    char key[3072];
    snprintf(key, sizeof key,
             "ssmix-opencl-cache %u\nssmix %d.%d.%d\nplatform %s\nplatform_version %s\ndevice %s\nvendor %s\n"
             "device_version %s\ndriver %s\noptions %s\nsource %s %s\n",
             CACHE_FORMAT, SSMIX_VERSION_MAJOR, SSMIX_VERSION_MINOR, SSMIX_VERSION_PATCH, c->info.platform,
             c->platform_version, c->info.name, c->vendor, c->device_version, c->driver_version, opts, file, src_hash);
    char key_hash[33], dir[1024], path[1400];
    hash128_hex(key, strlen(key), key_hash);
    int use_cache = cache_dir(dir, sizeof dir);
    if (use_cache) {
        char base[96];
        snprintf(base, sizeof base, "%.40s", file);
        char *dot = strchr(base, '.');
        if (dot) *dot = '\0';
        snprintf(path, sizeof path, "%s/opencl-%s-%s-%s.bin", dir, base, dtype_names[di], key_hash);
    }

    /* 1. the disk cache */
    cl_program prog = NULL;
    if (use_cache) {
        size_t fsize = 0;
        unsigned char *fbuf = read_file(path, &fsize);
        if (fbuf) {
            const char *why = NULL;
            size_t bsize = 0;
            const unsigned char *bin = parse_entry(fbuf, fsize, key, &bsize, &why);
            if (bin) prog = try_binary(c, bin, bsize, opts, &why);
            if (prog) OCL_LOG(2, "opencl: program %s [%s]: loaded from cache %s", file, dtype_names[di], path);
            else OCL_LOG(2, "opencl: program %s [%s]: cache entry %s rejected (%s); rebuilding", file, dtype_names[di], path, why);
            free(fbuf);
        }
    }

    /* 2. build from source */
    if (!prog) {
        double t = now_s();
        cl_int err;
        const char *srcs[1] = {src};
        prog = cl->clCreateProgramWithSource(c->context, 1, srcs, &len, &err);
        if (err != CL_SUCCESS) {
            free(src);
            return ocl_fail(err, "clCreateProgramWithSource");
        }
        err = cl->clBuildProgram(prog, 1, &c->device, opts, NULL, NULL);
        if (err != CL_SUCCESS) {
            ssmix_status st = build_error(c, prog, err, file, di, opts);
            cl->clReleaseProgram(prog);
            free(src);
            return st;
        }
        OCL_LOG(2, "opencl: program %s [%s]: built from source in %.2f s", file, dtype_names[di], now_s() - t);
        if (use_cache) {
            size_t bsize = 0;
            if (cl->clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof bsize, &bsize, NULL) == CL_SUCCESS && bsize > 0) {
                unsigned char *bin = malloc(bsize);
                unsigned char *bins[1] = {bin};
                if (bin && cl->clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS) {
                    if (mkdir_p(dir) == 0) write_entry(dir, path, key, bin, bsize);
                    else OCL_LOG(2, "opencl: cache: cannot create %s (%s)", dir, strerror(errno));
                }
                free(bin);
            }
        }
    }
    free(src);
    pp->prog = prog;
    *out = prog;
    return SSMIX_SUCCESS;
}

void ocl_release_programs(ocl_ctx *c)
{
    if (!c->programs) return;
    for (int i = 0; i < c->nsources * OCL_NDTYPES; ++i)
        if (c->programs[i].prog) c->cl->clReleaseProgram(c->programs[i].prog);
}
