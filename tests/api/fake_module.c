/*
 * A fake backend module for the loader tests, built three ways:
 *   FAKE_KIND 0: a valid "hip" module with one host-memory device and no operators,
 *   FAKE_KIND 1: declares ABI version 999,
 *   FAKE_KIND 2: refuses to initialize (entry returns NULL after set_error).
 */
#include <stdlib.h>
#include <string.h>

#include "ssmix_backend.h"

#ifndef FAKE_KIND
#define FAKE_KIND 0
#endif

static const ssmix_host_api *host;

static ssmix_status fake_count(int *n) { *n = 1; return SSMIX_SUCCESS; }
static ssmix_status fake_info(int i, ssmix_device_info *info)
{
    (void)i;
    strcpy(info->name, "fake device for tests");
    return SSMIX_SUCCESS;
}
static ssmix_status fake_open(const char *sel, void **bctx)
{
    if (*sel && strcmp(sel, "0") != 0 && strcmp(sel, "fake") != 0)
        return host->set_error(SSMIX_ERROR_BACKEND_UNAVAILABLE, "the fake module has one device; \"%s\" is not it", sel);
    *bctx = (void *)&host;
    return SSMIX_SUCCESS;
}
static void fake_close(void *b) { (void)b; }
static const char *fake_name(void *b) { (void)b; return "fake device for tests"; }
static ssmix_status fake_ctx_info(void *b, ssmix_device_info *info) { (void)b; return fake_info(0, info); }
static ssmix_status fake_sync(void *b) { (void)b; return SSMIX_SUCCESS; }
static ssmix_status fake_alloc(void *b, size_t n, void **p)
{
    (void)b;
    *p = malloc(n);
    return *p ? SSMIX_SUCCESS : SSMIX_ERROR_OUT_OF_MEMORY;
}
static ssmix_status fake_wrap(void *b, void *u, size_t n, void **p) { (void)b, (void)n; *p = u; return SSMIX_SUCCESS; }
static void fake_free(void *b, void *p, int owned) { (void)b; if (owned) free(p); }
static void *fake_user(void *b, void *p) { (void)b; return p; }
static ssmix_status fake_write(void *b, void *p, size_t off, const void *src, size_t n)
{
    (void)b;
    memcpy((char *)p + off, src, n);
    return SSMIX_SUCCESS;
}
static ssmix_status fake_read(void *b, void *p, size_t off, void *dst, size_t n)
{
    (void)b;
    memcpy(dst, (char *)p + off, n);
    return SSMIX_SUCCESS;
}

/* No operators: every slot left out is NULL, which the core reports as unsupported. */
static const ssmix_backend_ops fake_ops = {
    .abi_version = FAKE_KIND == 1 ? 999u : SSMIX_BACKEND_ABI_VERSION,
    .name = "hip",
    .archs = "",
    .device_count = fake_count,
    .device_info = fake_info,
    .open = fake_open,
    .close = fake_close,
    .device_name = fake_name,
    .context_device_info = fake_ctx_info,
    .synchronize = fake_sync,
    .buffer_alloc = fake_alloc,
    .buffer_wrap = fake_wrap,
    .buffer_free = fake_free,
    .buffer_user_handle = fake_user,
    .buffer_write = fake_write,
    .buffer_read = fake_read,
};

__attribute__((visibility("default"))) const ssmix_backend_ops *ssmix_backend_entry(const ssmix_host_api *h);
const ssmix_backend_ops *ssmix_backend_entry(const ssmix_host_api *h)
{
    host = h;
    if (FAKE_KIND == 2) {
        h->set_error(SSMIX_ERROR_BACKEND_UNAVAILABLE, "fake refusal: no runtime");
        return NULL;
    }
    return &fake_ops;
}
