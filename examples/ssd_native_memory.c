/*
 * ssd_native_memory: run SSD forward on memory the caller owns, wrapped with ssmix_buffer_wrap().
 *
 *   usage: ssd_native_memory [selector]      e.g. ssd_native_memory cpu
 *
 * A framework (PyTorch, JAX, your own allocator) owns its tensors; ssmix works on them in place
 * through ssmix_buffer_wrap(ctx, native, bytes, &buf), which takes
 *   - cpu:    a host pointer (here: a malloc'ed array),
 *   - cuda:   a device pointer, e.g. from cudaMalloc or torch.Tensor.data_ptr(), cast to void *,
 *   - hip:    a device pointer from hipMalloc, cast to void *,
 *   - opencl: a cl_mem, cast to void *.
 * The wrapper does not own the memory: ssmix_buffer_free() releases only the wrapper, and the
 * allocation must outlive it. Tensors are views into the wrapped buffer at byte offsets, so one
 * arena can hold all of them.
 *
 * So that this example needs no vendor headers, on a GPU backend it plays the framework with
 * ssmix_buffer_alloc(): it takes that buffer's native handle (ssmix_buffer_native(): the CUDA/HIP
 * device pointer or cl_mem) as "the framework's allocation" and wraps it, exactly as one would wrap
 * a pointer from cudaMalloc. On cpu it wraps a plain malloc'ed host array and, after the call,
 * reads the result straight from that array.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssmix.h>

enum { NB = 1, NL = 100, NH = 2, NP = 8, NG = 1, NN = 8 };

#define CHECK(call)                                                                                   \
    do {                                                                                              \
        ssmix_status st_ = (call);                                                                    \
        if (st_ != SSMIX_SUCCESS) {                                                                   \
            fprintf(stderr, "ssd_native_memory: %s failed: %s (%s)\n", #call, ssmix_status_string(st_), \
                    ssmix_last_error());                                                              \
            goto done;                                                                                \
        }                                                                                             \
    } while (0)

/* Byte offsets of the tensors in the arena, 256-byte aligned as a framework's allocator would be. */
static size_t align256(size_t n) { return (n + 255u) & ~(size_t)255u; }

int main(int argc, char **argv)
{
    const char *selector = argc > 1 ? argv[1] : NULL;
    ssmix_context *ctx = NULL;
    ssmix_buffer *owner = NULL;   /* GPU backends: stands in for the framework's allocator */
    ssmix_buffer *wrapped = NULL; /* the wrapper around the native allocation */
    void *host_arena = NULL;      /* cpu: the caller's host array */
    float *staging = NULL, *result = NULL;
    int rc = 1;

    const size_t n_x = (size_t)NB * NL * NH * NP, n_dt = (size_t)NB * NL * NH, n_bc = (size_t)NB * NL * NG * NN;
    const size_t off_x = 0, off_dt = off_x + align256(n_x * 4), off_A = off_dt + align256(n_dt * 4);
    const size_t off_B = off_A + align256(NH * 4), off_C = off_B + align256(n_bc * 4);
    const size_t off_out = off_C + align256(n_bc * 4), arena_bytes = off_out + align256(n_x * 4);

    if (ssmix_context_create(&ctx, selector) != SSMIX_SUCCESS) {
        fprintf(stderr, "ssd_native_memory: cannot create a context: %s\n", ssmix_last_error());
        return 1;
    }
    const char *backend = ssmix_context_backend(ctx);
    printf("ssmix %s, backend %s, device \"%s\"\n", ssmix_version_string(), backend, ssmix_context_device(ctx));

    /* Host copy of the inputs, laid out like the arena. */
    staging = calloc(1, arena_bytes);
    result = malloc(n_x * sizeof(float));
    if (!staging || !result) {
        fprintf(stderr, "ssd_native_memory: out of host memory\n");
        goto done;
    }
    uint32_t seed = 7u;
    for (size_t i = 0; i < arena_bytes / sizeof(float); i++) {
        seed = seed * 1664525u + 1013904223u;
        staging[i] = (float)(seed >> 8) / 16777216.0f - 0.5f; /* [-0.5, 0.5) */
    }
    for (size_t i = 0; i < n_dt; i++) staging[off_dt / 4 + i] = 0.05f + 0.1f * (staging[off_dt / 4 + i] + 0.5f);
    for (size_t h = 0; h < NH; h++) staging[off_A / 4 + h] = -0.5f - (float)h;

    void *native;
    if (strcmp(backend, "cpu") == 0) {
        /* The caller's own host memory. */
        host_arena = malloc(arena_bytes);
        if (!host_arena) {
            fprintf(stderr, "ssd_native_memory: out of host memory\n");
            goto done;
        }
        memcpy(host_arena, staging, arena_bytes);
        native = host_arena;
        printf("wrapping a malloc'ed host array of %zu bytes\n", arena_bytes);
    } else {
        /* Stand-in for cudaMalloc / hipMalloc / clCreateBuffer by the framework. */
        CHECK(ssmix_buffer_alloc(ctx, arena_bytes, &owner));
        native = ssmix_buffer_native(owner);
        printf("wrapping a native %s allocation (%s %p) of %zu bytes\n", backend,
               strcmp(backend, "opencl") == 0 ? "cl_mem" : "device pointer", native, arena_bytes);
    }
    CHECK(ssmix_buffer_wrap(ctx, native, arena_bytes, &wrapped));
    if (ssmix_buffer_native(wrapped) != native || ssmix_buffer_size(wrapped) != arena_bytes) {
        fprintf(stderr, "ssd_native_memory: the wrapper does not report the wrapped allocation\n");
        goto done;
    }
    if (!host_arena) CHECK(ssmix_buffer_write(wrapped, 0, staging, arena_bytes)); /* framework's upload */

    /* Views into the arena. */
    const int64_t s_x[4] = {NB, NL, NH, NP}, s_dt[3] = {NB, NL, NH}, s_A[1] = {NH}, s_bc[4] = {NB, NL, NG, NN};
    ssmix_tensor x, dt, A, B, C, out;
    CHECK(ssmix_tensor_init(&x, wrapped, off_x, SSMIX_F32, 4, s_x, NULL));
    CHECK(ssmix_tensor_init(&dt, wrapped, off_dt, SSMIX_F32, 3, s_dt, NULL));
    CHECK(ssmix_tensor_init(&A, wrapped, off_A, SSMIX_F32, 1, s_A, NULL));
    CHECK(ssmix_tensor_init(&B, wrapped, off_B, SSMIX_F32, 4, s_bc, NULL));
    CHECK(ssmix_tensor_init(&C, wrapped, off_C, SSMIX_F32, 4, s_bc, NULL));
    CHECK(ssmix_tensor_init(&out, wrapped, off_out, SSMIX_F32, 4, s_x, NULL));

    ssmix_ssd_params params;
    CHECK(ssmix_ssd_params_init(&params));
    params.chunk_size = 32;
    ssmix_ssd_tensors t = {0};
    t.x = &x;
    t.dt = &dt;
    t.A = &A;
    t.B = &B;
    t.C = &C;
    t.out = &out;
    CHECK(ssmix_ssd_forward(ctx, &params, &t));
    CHECK(ssmix_synchronize(ctx));

    CHECK(ssmix_buffer_read(wrapped, off_out, result, n_x * sizeof(float)));
    if (host_arena && memcmp(result, (const char *)host_arena + off_out, n_x * sizeof(float)) != 0) {
        fprintf(stderr, "ssd_native_memory: the output did not land in the caller's array\n");
        goto done;
    }
    double sum = 0.0, abs_sum = 0.0;
    for (size_t i = 0; i < n_x; i++) {
        if (!isfinite(result[i])) {
            fprintf(stderr, "ssd_native_memory: out[%zu] is not finite\n", i);
            goto done;
        }
        sum += result[i];
        abs_sum += fabs(result[i]);
    }
    printf("out: sum %+.6e  |sum| %.6e\n", sum, abs_sum);
    if (!(abs_sum > 0.0)) {
        fprintf(stderr, "ssd_native_memory: the output is all zero\n");
        goto done;
    }
    if (host_arena) printf("the result was written in place into the caller's host array\n");
    rc = 0;
done:
    ssmix_buffer_free(wrapped); /* the wrapper only: the native allocation stays the caller's */
    ssmix_buffer_free(owner);
    free(host_arena);
    free(staging);
    free(result);
    ssmix_context_destroy(ctx);
    if (rc == 0) printf("ssd_native_memory: ok\n");
    return rc;
}
