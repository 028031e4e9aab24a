/*
 * Backend registry and module loader. The cpu backend is built in; every other backend is a module
 * libssmix-<name>.so found, in order, in the directories of SSMIX_BACKEND_PATH (':'-separated) and
 * in <directory of libssmix>/ssmix/ (the build tree and the install tree share that layout).
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef SSMIX_MODULE_SUBDIR
#define SSMIX_MODULE_SUBDIR "ssmix"
#endif

/* Directory holding this library (found through any symbol of it). */
static int own_directory(char *dir, size_t size)
{
    Dl_info info;
    if (!dladdr((void *)&ssmix_backend_load, &info) || !info.dli_fname) return 0;
    ssmix_strlcpy(dir, info.dli_fname, size);
    char *slash = strrchr(dir, '/');
    if (!slash) return 0;
    *slash = '\0';
    return 1;
}

/* Append formatted text to a bounded message buffer. */
static void appendf(char *buf, size_t size, const char *fmt, ...) SSMIX_PRINTF(3, 4);
static void appendf(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

/* Try one candidate file. Returns 1 and fills *out on success; otherwise appends why to `why`. */
static int try_module(const char *name, const char *path, ssmix_backend_handle *out, char *why, size_t why_size)
{
    if (access(path, F_OK) != 0) {
        appendf(why, why_size, "%s%s: not found", *why ? "; " : "", path);
        ssmix_log(SSMIX_LOG_DEBUG, "%s module: %s not found", name, path);
        return 0;
    }
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        appendf(why, why_size, "%s%s: cannot be loaded (%s)", *why ? "; " : "", path, e ? e : "unknown dlopen error");
        ssmix_log(SSMIX_LOG_INFO, "%s module: %s cannot be loaded: %s", name, path, e ? e : "?");
        return 0;
    }
    ssmix_backend_entry_fn entry;
    *(void **)&entry = dlsym(dl, SSMIX_BACKEND_ENTRY_SYMBOL);
    if (!entry) {
        appendf(why, why_size, "%s%s: not an ssmix module (no symbol %s)", *why ? "; " : "", path,
                SSMIX_BACKEND_ENTRY_SYMBOL);
        dlclose(dl);
        return 0;
    }
    ssmix_clear_error();
    const ssmix_backend_ops *ops = entry(&ssmix_host);
    if (!ops) {
        appendf(why, why_size, "%s%s: module refused to initialize (%s)", *why ? "; " : "", path, ssmix_last_error());
        dlclose(dl);
        return 0;
    }
    if (ops->abi_version != SSMIX_BACKEND_ABI_VERSION) {
        appendf(why, why_size, "%s%s: module ABI version %u, this libssmix expects %u (mixed installations?)",
                *why ? "; " : "", path, ops->abi_version, SSMIX_BACKEND_ABI_VERSION);
        dlclose(dl);
        return 0;
    }
    if (!ops->name || strcmp(ops->name, name) != 0) {
        appendf(why, why_size, "%s%s: module declares backend \"%s\", expected \"%s\"", *why ? "; " : "", path,
                ops->name ? ops->name : "(null)", name);
        dlclose(dl);
        return 0;
    }
    out->ops = ops;
    out->dl = dl;
    ssmix_strlcpy(out->path, path, sizeof out->path);
    ssmix_log(SSMIX_LOG_INFO, "%s module: loaded %s", name, path);
    return 1;
}

ssmix_status ssmix_backend_load(const char *name, ssmix_backend_handle *out)
{
    memset(out, 0, sizeof *out);
    if (!strcmp(name, "cpu")) {
        out->ops = ssmix_cpu_backend_ops();
        return SSMIX_SUCCESS;
    }
    char file[64];
    snprintf(file, sizeof file, "libssmix-%s.so", name);
    char why[3072] = "";
    char path[1024];

    const char *env = getenv("SSMIX_BACKEND_PATH");
    if (env && *env) {
        const char *p = env;
        while (*p) {
            const char *colon = strchr(p, ':');
            size_t n = colon ? (size_t)(colon - p) : strlen(p);
            if (n > 0 && n < 900) {
                snprintf(path, sizeof path, "%.*s/%s", (int)n, p, file);
                if (try_module(name, path, out, why, sizeof why)) return SSMIX_SUCCESS;
            }
            if (!colon) break;
            p = colon + 1;
        }
    }
    char dir[900];
    if (own_directory(dir, sizeof dir)) {
        snprintf(path, sizeof path, "%s/%s/%s", dir, SSMIX_MODULE_SUBDIR, file);
        if (try_module(name, path, out, why, sizeof why)) return SSMIX_SUCCESS;
    } else {
        appendf(why, sizeof why, "%scould not locate libssmix's own directory", *why ? "; " : "");
    }
    return ssmix_set_error(SSMIX_ERROR_BACKEND_UNAVAILABLE, "module %s not usable: %s", file, why);
}

void ssmix_backend_unload(ssmix_backend_handle *h)
{
    if (h->dl) dlclose(h->dl);
    memset(h, 0, sizeof *h);
}
