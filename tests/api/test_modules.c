/*
 * Module search and loading, on staged copies of libssmix (so the modules of this build cannot
 * interfere):
 *   argv[1]  <stage_empty>/lib/libssmix.so     no ssmix/ module directory beside it
 *   argv[2]  <stage_default>/lib/libssmix.so   ssmix/libssmix-hip.so beside it is the fake module
 *   argv[3..5]  directories holding a fake libssmix-hip.so: valid, ABI 999, refusing to initialize
 * Checks: a requested module that is absent fails with the paths tried; the built-in search
 * directory <libdir>/ssmix/ works with no environment; SSMIX_BACKEND_PATH is searched first and in
 * order; an ABI mismatch and a refusing module are rejected with their reasons; a module without
 * an operator makes the call fail cleanly.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <dlfcn.h>
#include <stdlib.h>

#include "api_test.h"

typedef struct lib {
    void *dl;
    ssmix_status (*create)(ssmix_context **, const char *);
    ssmix_status (*destroy)(ssmix_context *);
    ssmix_status (*probe)(const char *, ssmix_backend_info *);
    const char *(*last_error)(void);
    const char *(*device)(const ssmix_context *);
    ssmix_status (*alloc)(ssmix_context *, size_t, ssmix_buffer **);
    ssmix_status (*buffer_free)(ssmix_buffer *);
    ssmix_status (*tensor_init)(ssmix_tensor *, ssmix_buffer *, size_t, ssmix_dtype, int, const int64_t *,
                                const int64_t *);
    ssmix_status (*params_init)(ssmix_ssd_params *);
    ssmix_status (*ssd_forward)(ssmix_context *, const ssmix_ssd_params *, const ssmix_ssd_tensors *);
} lib;

static int open_lib(lib *L, const char *path)
{
    memset(L, 0, sizeof *L);
    L->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!L->dl) {
        CHECK(0, "dlopen %s: %s", path, dlerror());
        return 0;
    }
#define SYM(field, name) *(void **)&L->field = dlsym(L->dl, name); CHECK(L->field != NULL, "symbol %s", name)
    SYM(create, "ssmix_context_create");
    SYM(destroy, "ssmix_context_destroy");
    SYM(probe, "ssmix_backend_probe");
    SYM(last_error, "ssmix_last_error");
    SYM(device, "ssmix_context_device");
    SYM(alloc, "ssmix_buffer_alloc");
    SYM(buffer_free, "ssmix_buffer_free");
    SYM(tensor_init, "ssmix_tensor_init");
    SYM(params_init, "ssmix_ssd_params_init");
    SYM(ssd_forward, "ssmix_ssd_forward");
#undef SYM
    return L->create && L->destroy && L->probe && L->last_error && L->device && L->alloc && L->buffer_free &&
           L->tensor_init && L->params_init && L->ssd_forward;
}

#define LCHECK_STATUS(L, call, want, frag)                                                          \
    do {                                                                                            \
        ssmix_status g_ = (call);                                                                   \
        CHECK(g_ == (want), "%s returned %d, expected %d: %s", #call, (int)g_, (int)(want), (L)->last_error()); \
        CHECK(strstr((L)->last_error(), frag) != NULL, "%s: message \"%s\" lacks \"%s\"", #call,    \
              (L)->last_error(), frag);                                                             \
    } while (0)

static void test_absent(lib *L, const char *stage_lib)
{
    unsetenv("SSMIX_BACKEND_PATH");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", stage_lib);
    *strrchr(dir, '/') = '\0';
    char expected[1200];
    snprintf(expected, sizeof expected, "%s/ssmix/libssmix-opencl.so: not found", dir);
    ssmix_context *ctx = NULL;
    LCHECK_STATUS(L, L->create(&ctx, "opencl"), SSMIX_ERROR_BACKEND_UNAVAILABLE, expected);
    CHECK(ctx == NULL, "context for an absent module");
    /* auto still works: cpu is built in */
    CHECK(L->create(&ctx, "auto") == SSMIX_SUCCESS, "auto without modules: %s", L->last_error());
    L->destroy(ctx);
    ctx = NULL;
    /* a list naming only absent modules reports each */
    LCHECK_STATUS(L, L->create(&ctx, "cuda,hip"), SSMIX_ERROR_BACKEND_UNAVAILABLE, "libssmix-cuda.so: not found");
    CHECK(strstr(L->last_error(), "libssmix-hip.so: not found") != NULL, "hip reason missing: %s", L->last_error());
    ssmix_backend_info info;
    CHECK(L->probe("cuda", &info) == SSMIX_SUCCESS && !info.available, "probe of absent cuda");
    CHECK(strstr(info.reason, "not found") != NULL, "probe reason: %s", info.reason);
}

static void test_default_dir(lib *L)
{
    unsetenv("SSMIX_BACKEND_PATH");
    ssmix_context *ctx = NULL;
    CHECK(L->create(&ctx, "hip") == SSMIX_SUCCESS, "module beside libssmix not found: %s", L->last_error());
    if (ctx) {
        CHECK(!strcmp(L->device(ctx), "fake device for tests"), "device %s", L->device(ctx));
        /* no operators in the fake module: a clean UNSUPPORTED, not a crash */
        ssmix_buffer *buf = NULL;
        CHECK(L->alloc(ctx, 4096, &buf) == SSMIX_SUCCESS, "alloc: %s", L->last_error());
        int64_t x_sh[4] = {1, 2, 1, 1}, dt_sh[3] = {1, 2, 1}, h_sh[1] = {1};
        ssmix_tensor x, dt, A, B, C, out;
        L->tensor_init(&x, buf, 0, SSMIX_F32, 4, x_sh, NULL);
        L->tensor_init(&dt, buf, 64, SSMIX_F32, 3, dt_sh, NULL);
        L->tensor_init(&A, buf, 128, SSMIX_F32, 1, h_sh, NULL);
        L->tensor_init(&B, buf, 192, SSMIX_F32, 4, x_sh, NULL);
        L->tensor_init(&C, buf, 256, SSMIX_F32, 4, x_sh, NULL);
        L->tensor_init(&out, buf, 320, SSMIX_F32, 4, x_sh, NULL);
        ssmix_ssd_tensors t;
        memset(&t, 0, sizeof t);
        t.x = &x, t.dt = &dt, t.A = &A, t.B = &B, t.C = &C, t.out = &out;
        ssmix_ssd_params prm;
        L->params_init(&prm);
        LCHECK_STATUS(L, L->ssd_forward(ctx, &prm, &t), SSMIX_ERROR_UNSUPPORTED, "does not implement");
        L->buffer_free(buf);
        L->destroy(ctx);
    }
    ctx = NULL;
    LCHECK_STATUS(L, L->create(&ctx, "hip:3"), SSMIX_ERROR_BACKEND_UNAVAILABLE, "fake module has one device");
}

static void test_path(lib *L, const char *ok_dir, const char *abi_dir, const char *refusing_dir)
{
    ssmix_backend_info info;
    char path[4096];

    setenv("SSMIX_BACKEND_PATH", abi_dir, 1);
    CHECK(L->probe("hip", &info) == SSMIX_SUCCESS && !info.available, "ABI 999 module accepted");
    CHECK(strstr(info.reason, "ABI version 999") != NULL, "ABI mismatch not reported: %s", info.reason);

    setenv("SSMIX_BACKEND_PATH", refusing_dir, 1);
    CHECK(L->probe("hip", &info) == SSMIX_SUCCESS && !info.available, "refusing module accepted");
    CHECK(strstr(info.reason, "refused to initialize") && strstr(info.reason, "fake refusal: no runtime"),
          "refusal not reported with the module's reason: %s", info.reason);

    /* search order: the first directory that holds a usable module wins; failures before it are skipped */
    snprintf(path, sizeof path, "%s:%s:%s", refusing_dir, abi_dir, ok_dir);
    setenv("SSMIX_BACKEND_PATH", path, 1);
    CHECK(L->probe("hip", &info) == SSMIX_SUCCESS && info.available, "not found through the path: %s", info.reason);
    CHECK(strncmp(info.module_path, ok_dir, strlen(ok_dir)) == 0, "loaded %s, expected one in %s", info.module_path, ok_dir);

    /* a directory without the module is skipped, and named in the error when nothing works */
    snprintf(path, sizeof path, "/nonexistent-ssmix-dir:%s", abi_dir);
    setenv("SSMIX_BACKEND_PATH", path, 1);
    ssmix_context *ctx = NULL;
    LCHECK_STATUS(L, L->create(&ctx, "hip"), SSMIX_ERROR_BACKEND_UNAVAILABLE, "/nonexistent-ssmix-dir/libssmix-hip.so: not found");
    CHECK(strstr(L->last_error(), "ABI version 999"), "ABI reason missing: %s", L->last_error());
    unsetenv("SSMIX_BACKEND_PATH");
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: test_modules EMPTY_LIB DEFAULT_LIB OK_DIR ABI_DIR REFUSING_DIR\n");
        return 1;
    }
    lib empty, deflt;
    if (open_lib(&empty, argv[1])) {
        test_absent(&empty, argv[1]);
        test_path(&empty, argv[3], argv[4], argv[5]);
    }
    if (open_lib(&deflt, argv[2])) test_default_dir(&deflt);
    return api_summary("test_modules");
}
