/* Contexts, buffers, tensors, version and backend queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef SSMIX_BUILT_BACKENDS
#define SSMIX_BUILT_BACKENDS "cpu"
#endif
#ifndef SSMIX_CUDA_ARCHS
#define SSMIX_CUDA_ARCHS ""
#endif
#ifndef SSMIX_HIP_ARCHS
#define SSMIX_HIP_ARCHS ""
#endif

#define STR2(x) #x
#define STR(x) STR2(x)

int ssmix_version(void) { return SSMIX_VERSION; }

const char *ssmix_version_string(void)
{
    return STR(SSMIX_VERSION_MAJOR) "." STR(SSMIX_VERSION_MINOR) "." STR(SSMIX_VERSION_PATCH);
}

const char *ssmix_features(void)
{
    return "version=" STR(SSMIX_VERSION_MAJOR) "." STR(SSMIX_VERSION_MINOR) "." STR(SSMIX_VERSION_PATCH) "\n"
           "backends=" SSMIX_BUILT_BACKENDS "\n"
           "cuda_archs=" SSMIX_CUDA_ARCHS "\n"
           "hip_archs=" SSMIX_HIP_ARCHS "\n"
           "module_dir=<libssmix dir>/" SSMIX_MODULE_SUBDIR "\n";
}

const char *ssmix_dtype_name(ssmix_dtype dtype)
{
    switch (dtype) {
    case SSMIX_F32: return "f32";
    case SSMIX_F16: return "f16";
    case SSMIX_BF16: return "bf16";
    case SSMIX_I32: return "i32";
    }
    return "?";
}

size_t ssmix_dtype_size(ssmix_dtype dtype)
{
    switch (dtype) {
    case SSMIX_F32: case SSMIX_I32: return 4;
    case SSMIX_F16: case SSMIX_BF16: return 2;
    }
    return 0;
}

/* ---------------------------------------------------------------- backend queries */

static int known_backend(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, ssmix_backend_names[i])) return 1;
    return 0;
}

static int built_backend(const char *name)
{
    const char *list = SSMIX_BUILT_BACKENDS;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && !strncmp(p, name, n)) return 1;
        if (!comma) break;
        p = comma + 1;
    }
    return 0;
}

ssmix_status ssmix_backend_probe(const char *name, ssmix_backend_info *info)
{
    if (!info) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_backend_probe: info is NULL");
    memset(info, 0, sizeof *info);
    if (!name || !known_backend(name))
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT,
                               "ssmix_backend_probe: name \"%s\" is not one of cpu, cuda, hip, opencl",
                               name ? name : "(null)");
    ssmix_strlcpy(info->name, name, sizeof info->name);
    info->built = built_backend(name);
    ssmix_backend_handle h;
    if (ssmix_backend_load(name, &h) != SSMIX_SUCCESS) {
        ssmix_strlcpy(info->reason, ssmix_last_error(), sizeof info->reason);
        ssmix_clear_error();
        return SSMIX_SUCCESS;
    }
    ssmix_strlcpy(info->module_path, h.path, sizeof info->module_path);
    int count = 0;
    ssmix_clear_error();
    ssmix_status st = h.ops->device_count(&count);
    if (st != SSMIX_SUCCESS || count <= 0) {
        ssmix_strlcpy(info->reason, *ssmix_last_error() ? ssmix_last_error() : "no device", sizeof info->reason);
        count = 0;
    }
    info->device_count = count;
    info->available = count > 0;
    ssmix_backend_unload(&h);
    ssmix_clear_error();
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_backend_device(const char *name, int index, ssmix_device_info *info)
{
    if (!info) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_backend_device: info is NULL");
    if (!name || !known_backend(name))
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT,
                               "ssmix_backend_device: name \"%s\" is not one of cpu, cuda, hip, opencl",
                               name ? name : "(null)");
    ssmix_backend_handle h;
    ssmix_status st = ssmix_backend_load(name, &h);
    if (st != SSMIX_SUCCESS) return st;
    int count = 0;
    st = h.ops->device_count(&count);
    if (st == SSMIX_SUCCESS && (index < 0 || index >= count))
        st = ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_backend_device: index %d out of range (backend %s has %d devices)",
                             index, name, count);
    if (st == SSMIX_SUCCESS) {
        memset(info, 0, sizeof *info);
        st = h.ops->device_info(index, info);
    }
    ssmix_backend_unload(&h);
    return st;
}

/* ---------------------------------------------------------------- contexts */

ssmix_status ssmix_context_create(ssmix_context **ctx, const char *selector)
{
    if (!ctx) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_context_create: ctx is NULL");
    *ctx = NULL;
    const char *origin = "selector";
    if (!selector) {
        selector = getenv("SSMIX_BACKEND");
        origin = "SSMIX_BACKEND";
    }
    ssmix_selector_item items[SSMIX_MAX_SELECTOR_ITEMS];
    int count;
    ssmix_status st = ssmix_selector_parse(selector, origin, items, &count);
    if (st != SSMIX_SUCCESS) return st;

    char reasons[4096] = "";
    for (int i = 0; i < count; i++) {
        const ssmix_selector_item *it = &items[i];
        ssmix_log(SSMIX_LOG_INFO, "trying backend %s%s%s", it->backend, *it->device_sel ? ":" : "", it->device_sel);
        ssmix_backend_handle h;
        ssmix_clear_error();
        st = ssmix_backend_load(it->backend, &h);
        void *bctx = NULL;
        if (st == SSMIX_SUCCESS) {
            ssmix_clear_error();
            st = h.ops->open(it->device_sel, &bctx);
            if (st != SSMIX_SUCCESS) ssmix_backend_unload(&h);
        }
        if (st != SSMIX_SUCCESS) {
            size_t used = strlen(reasons);
            snprintf(reasons + used, sizeof reasons - used, "%s%s%s%s: %s", used ? "; " : "", it->backend,
                     *it->device_sel ? ":" : "", it->device_sel, *ssmix_last_error() ? ssmix_last_error() : ssmix_status_string(st));
            ssmix_log(SSMIX_LOG_INFO, "backend %s not used: %s", it->backend, ssmix_last_error());
            continue;
        }
        ssmix_context *c = calloc(1, sizeof *c);
        if (!c) {
            h.ops->close(bctx);
            ssmix_backend_unload(&h);
            return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssmix_context_create: out of host memory");
        }
        c->backend = h;
        c->bctx = bctx;
        ssmix_strlcpy(c->backend_name, it->backend, sizeof c->backend_name);
        const char *dn = h.ops->device_name(bctx);
        ssmix_strlcpy(c->device_name, dn ? dn : "", sizeof c->device_name);
        ssmix_log(SSMIX_LOG_INFO, "using backend %s, device \"%s\"", c->backend_name, c->device_name);
        ssmix_clear_error();
        *ctx = c;
        return SSMIX_SUCCESS;
    }
    return ssmix_set_error(SSMIX_ERROR_BACKEND_UNAVAILABLE, "no backend of %s \"%s\" could be used: %s", origin,
                           selector ? selector : "", reasons);
}

ssmix_status ssmix_context_destroy(ssmix_context *ctx)
{
    if (!ctx) return SSMIX_SUCCESS;
    ctx->backend.ops->close(ctx->bctx);
    ssmix_backend_unload(&ctx->backend);
    free(ctx);
    return SSMIX_SUCCESS;
}

const char *ssmix_context_backend(const ssmix_context *ctx) { return ctx ? ctx->backend_name : NULL; }
const char *ssmix_context_device(const ssmix_context *ctx) { return ctx ? ctx->device_name : NULL; }

ssmix_status ssmix_context_device_info(const ssmix_context *ctx, ssmix_device_info *info)
{
    if (!ctx) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_context_device_info: ctx is NULL");
    if (!info) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_context_device_info: info is NULL");
    memset(info, 0, sizeof *info);
    return ctx->backend.ops->context_device_info(ctx->bctx, info);
}

ssmix_status ssmix_synchronize(ssmix_context *ctx)
{
    if (!ctx) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_synchronize: ctx is NULL");
    return ctx->backend.ops->synchronize(ctx->bctx);
}

static ssmix_status check_stream_backend(const ssmix_context *ctx, const char *backend, const char *fn)
{
    if (!ctx) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: ctx is NULL", fn);
    if (!backend || strcmp(backend, ctx->backend_name) != 0)
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: backend \"%s\" given, but the context runs on %s",
                               fn, backend ? backend : "(null)", ctx->backend_name);
    if (!ctx->backend.ops->set_stream || !ctx->backend.ops->get_stream)
        return ssmix_set_error(SSMIX_ERROR_UNSUPPORTED, "%s: backend %s has no native streams", fn, ctx->backend_name);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_context_set_native_stream(ssmix_context *ctx, const char *backend, void *stream)
{
    ssmix_status st = check_stream_backend(ctx, backend, "ssmix_context_set_native_stream");
    if (st != SSMIX_SUCCESS) return st;
    return ctx->backend.ops->set_stream(ctx->bctx, stream);
}

ssmix_status ssmix_context_native_stream(const ssmix_context *ctx, const char *backend, void **stream)
{
    ssmix_status st = check_stream_backend(ctx, backend, "ssmix_context_native_stream");
    if (st != SSMIX_SUCCESS) return st;
    if (!stream) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_context_native_stream: stream is NULL");
    *stream = ctx->backend.ops->get_stream(ctx->bctx);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_context_native_handle(const ssmix_context *ctx, const char *name, void **handle)
{
    if (!ctx) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_context_native_handle: ctx is NULL");
    if (!name) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_context_native_handle: name is NULL");
    if (!handle) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_context_native_handle: handle is NULL");
    if (!ctx->backend.ops->native_handle)
        return ssmix_set_error(SSMIX_ERROR_UNSUPPORTED,
                               "ssmix_context_native_handle: backend %s has no native handles (asked for \"%s\")",
                               ctx->backend_name, name);
    return ctx->backend.ops->native_handle(ctx->bctx, name, handle);
}

/* ---------------------------------------------------------------- buffers */

static ssmix_status new_buffer(ssmix_context *ctx, void *native, size_t bytes, int owned, ssmix_buffer **buf)
{
    ssmix_buffer *b = calloc(1, sizeof *b);
    if (!b) {
        ctx->backend.ops->buffer_free(ctx->bctx, native, owned);
        return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "out of host memory for a buffer handle");
    }
    b->ctx = ctx;
    b->native = native;
    b->size = bytes;
    b->owned = owned;
    *buf = b;
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_buffer_alloc(ssmix_context *ctx, size_t bytes, ssmix_buffer **buf)
{
    if (!buf) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_alloc: buf is NULL");
    *buf = NULL;
    if (!ctx) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_alloc: ctx is NULL");
    if (bytes == 0) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_alloc: bytes is 0 (must be > 0)");
    void *native = NULL;
    ssmix_status st = ctx->backend.ops->buffer_alloc(ctx->bctx, bytes, &native);
    if (st != SSMIX_SUCCESS) return st;
    return new_buffer(ctx, native, bytes, 1, buf);
}

ssmix_status ssmix_buffer_wrap(ssmix_context *ctx, void *native, size_t bytes, ssmix_buffer **buf)
{
    if (!buf) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_wrap: buf is NULL");
    *buf = NULL;
    if (!ctx) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_wrap: ctx is NULL");
    if (!native) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_wrap: native is NULL");
    if (bytes == 0) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_buffer_wrap: bytes is 0 (must be > 0)");
    void *handle = NULL;
    ssmix_status st = ctx->backend.ops->buffer_wrap(ctx->bctx, native, bytes, &handle);
    if (st != SSMIX_SUCCESS) return st;
    return new_buffer(ctx, handle, bytes, 0, buf);
}

ssmix_status ssmix_buffer_free(ssmix_buffer *buf)
{
    if (!buf) return SSMIX_SUCCESS;
    buf->ctx->backend.ops->buffer_free(buf->ctx->bctx, buf->native, buf->owned);
    free(buf);
    return SSMIX_SUCCESS;
}

size_t ssmix_buffer_size(const ssmix_buffer *buf) { return buf ? buf->size : 0; }

void *ssmix_buffer_native(const ssmix_buffer *buf)
{
    return buf ? buf->ctx->backend.ops->buffer_user_handle(buf->ctx->bctx, buf->native) : NULL;
}

static ssmix_status check_range(const char *fn, const ssmix_buffer *buf, size_t offset, const void *host, size_t bytes)
{
    if (!buf) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: buf is NULL", fn);
    if (!host && bytes) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: host pointer is NULL", fn);
    if (offset > buf->size || bytes > buf->size - offset)
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT,
                               "%s: range [%zu, %zu + %zu) exceeds the buffer size %zu", fn, offset, offset, bytes, buf->size);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_buffer_write(ssmix_buffer *buf, size_t offset, const void *src, size_t bytes)
{
    ssmix_status st = check_range("ssmix_buffer_write", buf, offset, src, bytes);
    if (st != SSMIX_SUCCESS || bytes == 0) return st;
    return buf->ctx->backend.ops->buffer_write(buf->ctx->bctx, buf->native, offset, src, bytes);
}

ssmix_status ssmix_buffer_read(const ssmix_buffer *buf, size_t offset, void *dst, size_t bytes)
{
    ssmix_status st = check_range("ssmix_buffer_read", buf, offset, dst, bytes);
    if (st != SSMIX_SUCCESS || bytes == 0) return st;
    return buf->ctx->backend.ops->buffer_read(buf->ctx->bctx, buf->native, offset, dst, bytes);
}

/* ---------------------------------------------------------------- tensors */

ssmix_status ssmix_tensor_init(ssmix_tensor *t, ssmix_buffer *buffer, size_t offset, ssmix_dtype dtype, int ndim,
                               const int64_t *shape, const int64_t *strides)
{
    if (!t) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_tensor_init: t is NULL");
    if (ndim < 0 || ndim > SSMIX_MAX_DIMS)
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_tensor_init: ndim %d outside [0, %d]", ndim, SSMIX_MAX_DIMS);
    if (ndim > 0 && !shape) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_tensor_init: shape is NULL");
    if (ssmix_dtype_size(dtype) == 0)
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "ssmix_tensor_init: dtype %d is not an ssmix_dtype", (int)dtype);
    memset(t, 0, sizeof *t);
    t->buffer = buffer;
    t->offset = offset;
    t->dtype = dtype;
    t->ndim = ndim;
    int64_t stride = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        t->shape[i] = shape[i];
        t->strides[i] = strides ? strides[i] : stride;
        if (shape[i] > 0 && stride <= INT64_MAX / shape[i]) stride *= shape[i];
    }
    return SSMIX_SUCCESS;
}
