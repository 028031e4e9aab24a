/*
 * OpenCL interoperation: the context's cl_context / queue / device through ssmix_opencl.h; a cl_mem
 * the caller allocates in that cl_context, wrapped with ssmix_buffer_wrap, carries a real SSD
 * forward whose output equals the cpu oracle's; the caller's own enqueue on the context's queue sees
 * ssmix's results; a cl_mem of another cl_context is refused; unknown handle names are UNSUPPORTED.
 * Links the OpenCL loader (the library itself never does). Exit 77 when no OpenCL device is usable,
 * unless SSMIX_REQUIRE_BACKENDS names opencl.
 */
#include <CL/cl.h> /* CL_TARGET_OPENCL_VERSION=120 from the build */
#include <math.h>
#include <stdlib.h>

#include "api_test.h"
#include "ssmix_opencl.h"

enum { B = 1, L = 40, H = 2, P = 4, N = 8 };

/* x, dt, A, B, C of a small SSD problem (f32, row-major). */
static void make_inputs(float *x, float *dt, float *A, float *Bm, float *Cm)
{
    for (int i = 0; i < B * L * H * P; i++) x[i] = sinf(0.37f * (float)i);
    for (int i = 0; i < B * L * H; i++) dt[i] = 0.05f + 0.02f * (float)(i % 5);
    for (int i = 0; i < H; i++) A[i] = -0.5f - 0.25f * (float)i;
    for (int i = 0; i < B * L * N; i++) Bm[i] = cosf(0.11f * (float)i), Cm[i] = sinf(0.23f * (float)i + 1.0f);
}

/* SSD forward on `ctx` with every tensor in its own buffer from `bufs` (x, dt, A, B, C, out). */
static ssmix_status run_ssd(ssmix_context *ctx, ssmix_buffer *const bufs[6])
{
    int64_t sx[4] = {B, L, H, P}, sdt[3] = {B, L, H}, sa[1] = {H}, sbc[4] = {B, L, 1, N};
    ssmix_tensor x, dt, A, Bt, Ct, out;
    ssmix_tensor_init(&x, bufs[0], 0, SSMIX_F32, 4, sx, NULL);
    ssmix_tensor_init(&dt, bufs[1], 0, SSMIX_F32, 3, sdt, NULL);
    ssmix_tensor_init(&A, bufs[2], 0, SSMIX_F32, 1, sa, NULL);
    ssmix_tensor_init(&Bt, bufs[3], 0, SSMIX_F32, 4, sbc, NULL);
    ssmix_tensor_init(&Ct, bufs[4], 0, SSMIX_F32, 4, sbc, NULL);
    ssmix_tensor_init(&out, bufs[5], 0, SSMIX_F32, 4, sx, NULL);
    ssmix_ssd_params p;
    ssmix_ssd_params_init(&p);
    p.chunk_size = 16;
    ssmix_ssd_tensors t;
    memset(&t, 0, sizeof t);
    t.x = &x, t.dt = &dt, t.A = &A, t.B = &Bt, t.C = &Ct, t.out = &out;
    return ssmix_ssd_forward(ctx, &p, &t);
}

int main(void)
{
    ssmix_context *ctx = NULL, *cpu = NULL;
    if (ssmix_context_create(&ctx, "opencl") != SSMIX_SUCCESS) {
        const char *req = getenv("SSMIX_REQUIRE_BACKENDS");
        printf("test_opencl_interop: opencl unavailable: %s\n", ssmix_last_error());
        return req && strstr(req, "opencl") ? 1 : 77;
    }
    CHECK(ssmix_context_create(&cpu, "cpu") == SSMIX_SUCCESS, "%s", ssmix_last_error());

    cl_context clctx = NULL;
    cl_command_queue queue = NULL;
    cl_device_id dev = NULL;
    cl_platform_id plat = NULL;
    CHECK(ssmix_opencl_context(ctx, &clctx) == SSMIX_SUCCESS && clctx, "%s", ssmix_last_error());
    CHECK(ssmix_opencl_queue(ctx, &queue) == SSMIX_SUCCESS && queue, "%s", ssmix_last_error());
    CHECK(ssmix_opencl_device(ctx, &dev) == SSMIX_SUCCESS && dev, "%s", ssmix_last_error());
    CHECK(ssmix_opencl_platform(ctx, &plat) == SSMIX_SUCCESS && plat, "%s", ssmix_last_error());
    void *h = NULL;
    CHECK_STATUS(ssmix_context_native_handle(ctx, "cl_kernel", &h), SSMIX_ERROR_UNSUPPORTED, "cl_kernel", "cl_context");
    CHECK_STATUS(ssmix_context_native_handle(ctx, NULL, &h), SSMIX_ERROR_INVALID_ARGUMENT, "name is NULL");
    CHECK_STATUS(ssmix_context_native_handle(ctx, "cl_context", NULL), SSMIX_ERROR_INVALID_ARGUMENT, "handle is NULL");
    CHECK_STATUS(ssmix_opencl_context(cpu, &clctx), SSMIX_ERROR_UNSUPPORTED, "cpu");
    if (!clctx || !queue || !dev) return api_summary("test_opencl_interop");
    CHECK(ssmix_opencl_context(ctx, &clctx) == SSMIX_SUCCESS, "%s", ssmix_last_error());

    /* the handles are consistent with each other */
    cl_context qctx = NULL;
    cl_device_id qdev = NULL;
    CHECK(clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof qctx, &qctx, NULL) == CL_SUCCESS && qctx == clctx,
          "the queue does not belong to the context's cl_context");
    CHECK(clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof qdev, &qdev, NULL) == CL_SUCCESS && qdev == dev,
          "the queue does not belong to the context's device");

    /* caller-allocated cl_mem objects in the context's cl_context carry a real operator call */
    const size_t sizes[6] = {sizeof(float) * B * L * H * P, sizeof(float) * B * L * H, sizeof(float) * H,
                             sizeof(float) * B * L * N, sizeof(float) * B * L * N, sizeof(float) * B * L * H * P};
    float *host[6];
    cl_mem mems[6];
    ssmix_buffer *wrapped[6] = {NULL}, *ref[6] = {NULL};
    for (int i = 0; i < 6; i++) {
        host[i] = calloc(sizes[i] / sizeof(float), sizeof(float));
        cl_int err = CL_SUCCESS;
        mems[i] = clCreateBuffer(clctx, CL_MEM_READ_WRITE, sizes[i], NULL, &err);
        CHECK(err == CL_SUCCESS, "clCreateBuffer: %d", (int)err);
        CHECK(ssmix_buffer_wrap(ctx, mems[i], sizes[i], &wrapped[i]) == SSMIX_SUCCESS, "%s", ssmix_last_error());
        CHECK(ssmix_buffer_alloc(cpu, sizes[i], &ref[i]) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    }
    make_inputs(host[0], host[1], host[2], host[3], host[4]);
    for (int i = 0; i < 5; i++) {
        /* inputs go in through the caller's own queue operations, outputs come back through ssmix */
        CHECK(clEnqueueWriteBuffer(queue, mems[i], CL_TRUE, 0, sizes[i], host[i], 0, NULL, NULL) == CL_SUCCESS,
              "clEnqueueWriteBuffer");
        CHECK(ssmix_buffer_write(ref[i], 0, host[i], sizes[i]) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    }
    float nan = NAN;
    cl_int ferr = clEnqueueFillBuffer(queue, mems[5], &nan, sizeof nan, 0, sizes[5], 0, NULL, NULL);
    CHECK(ferr == CL_SUCCESS, "clEnqueueFillBuffer: %d", (int)ferr);
    CHECK(run_ssd(ctx, wrapped) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    CHECK(run_ssd(cpu, ref) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    /* a blocking read enqueued by the caller on the same queue is ordered after ssmix's kernels */
    float *got = calloc((size_t)B * L * H * P, sizeof(float)), *want = calloc((size_t)B * L * H * P, sizeof(float));
    CHECK(clEnqueueReadBuffer(queue, mems[5], CL_TRUE, 0, sizes[5], got, 0, NULL, NULL) == CL_SUCCESS,
          "clEnqueueReadBuffer");
    CHECK(ssmix_buffer_read(ref[5], 0, want, sizes[5]) == SSMIX_SUCCESS, "%s", ssmix_last_error());
    double worst = 0.0;
    int bad = 0;
    for (int i = 0; i < B * L * H * P; i++) {
        double e = fabs((double)got[i] - (double)want[i]);
        if (!(e <= 1e-4 + 1e-4 * fabs((double)want[i]))) bad++;
        if (e > worst || isnan(e)) worst = isnan(e) ? INFINITY : e;
    }
    CHECK(bad == 0, "%d outputs differ from the cpu oracle (worst |diff| %g)", bad, worst);
    printf("test_opencl_interop: SSD forward on caller-owned cl_mem buffers: worst |diff| vs oracle %.3g\n", worst);

    /* a cl_mem of another cl_context is refused, naming the reason */
    cl_int err = CL_SUCCESS;
    cl_context other = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    CHECK(err == CL_SUCCESS && other, "clCreateContext: %d", (int)err);
    if (other) {
        cl_mem foreign = clCreateBuffer(other, CL_MEM_READ_WRITE, 64, NULL, &err);
        ssmix_buffer *fb = NULL;
        CHECK_STATUS(ssmix_buffer_wrap(ctx, foreign, 64, &fb), SSMIX_ERROR_INVALID_ARGUMENT, "another cl_context");
        clReleaseMemObject(foreign);
        clReleaseContext(other);
    }

    for (int i = 0; i < 6; i++) {
        ssmix_buffer_free(wrapped[i]);
        ssmix_buffer_free(ref[i]);
        clReleaseMemObject(mems[i]);
        free(host[i]);
    }
    free(got), free(want);
    ssmix_context_destroy(cpu);
    ssmix_context_destroy(ctx);
    return api_summary("test_opencl_interop");
}
