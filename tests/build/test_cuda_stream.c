/*
 * test_cuda_stream: the CUDA module queues a context's work on a caller's cudaStream_t
 * (include/ssmix_cuda.h) and works with caller-owned device memory.
 *
 * - ssmix_cuda_context_create_with_stream / ssmix_cuda_get_stream round-trip the caller's stream;
 * - an SSD forward on wrapped cudaMalloc memory, captured into a CUDA graph on the caller's stream:
 *   the graph must contain the operator's kernels (so they were queued on that stream and nothing
 *   else), and replaying it gives the same result as a direct run and as the CPU reference;
 * - NULL restores the context's own stream; a hip-typed call on a cuda context is rejected.
 * Exit 77 (skipped) without a CUDA device.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "ssmix.h"
#include "ssmix_cuda.h"
#include "ssmix_hip.h"

static int failures = 0, checks = 0;
#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        checks++;                                                                        \
        if (!(cond)) {                                                                   \
            failures++;                                                                  \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);              \
            fprintf(stderr, __VA_ARGS__);                                                \
            fprintf(stderr, "\n");                                                       \
        }                                                                                \
    } while (0)
#define OK(call) CHECK((call) == SSMIX_SUCCESS, "%s: %s", #call, ssmix_last_error())
#define CU(call) CHECK((call) == cudaSuccess, "%s: %s", #call, cudaGetErrorString(cudaGetLastError()))

enum { B = 1, L = 50, H = 2, P = 8, N = 4, G = 1, NX = B * L * H * P, NDT = B * L * H, NBC = B * L * G * N };

typedef struct problem {
    ssmix_buffer *x, *dt, *A, *Bm, *C, *out;
    ssmix_tensor tx, tdt, tA, tB, tC, tout;
} problem;

static void setup(ssmix_context *ctx, problem *pr, void *dev_x, void *dev_out, const float *x, const float *dt,
                  const float *A, const float *Bm, const float *C)
{
    int64_t sx[4] = {B, L, H, P}, sdt[3] = {B, L, H}, sA[1] = {H}, sbc[4] = {B, L, G, N};
    if (dev_x) OK(ssmix_cuda_buffer_wrap(ctx, dev_x, NX * 4, &pr->x));
    else OK(ssmix_buffer_alloc(ctx, NX * 4, &pr->x));
    if (dev_out) OK(ssmix_cuda_buffer_wrap(ctx, dev_out, NX * 4, &pr->out));
    else OK(ssmix_buffer_alloc(ctx, NX * 4, &pr->out));
    OK(ssmix_buffer_alloc(ctx, NDT * 4, &pr->dt));
    OK(ssmix_buffer_alloc(ctx, H * 4, &pr->A));
    OK(ssmix_buffer_alloc(ctx, NBC * 4, &pr->Bm));
    OK(ssmix_buffer_alloc(ctx, NBC * 4, &pr->C));
    if (!dev_x) OK(ssmix_buffer_write(pr->x, 0, x, NX * 4));
    OK(ssmix_buffer_write(pr->dt, 0, dt, NDT * 4));
    OK(ssmix_buffer_write(pr->A, 0, A, H * 4));
    OK(ssmix_buffer_write(pr->Bm, 0, Bm, NBC * 4));
    OK(ssmix_buffer_write(pr->C, 0, C, NBC * 4));
    OK(ssmix_tensor_init(&pr->tx, pr->x, 0, SSMIX_F32, 4, sx, NULL));
    OK(ssmix_tensor_init(&pr->tout, pr->out, 0, SSMIX_F32, 4, sx, NULL));
    OK(ssmix_tensor_init(&pr->tdt, pr->dt, 0, SSMIX_F32, 3, sdt, NULL));
    OK(ssmix_tensor_init(&pr->tA, pr->A, 0, SSMIX_F32, 1, sA, NULL));
    OK(ssmix_tensor_init(&pr->tB, pr->Bm, 0, SSMIX_F32, 4, sbc, NULL));
    OK(ssmix_tensor_init(&pr->tC, pr->C, 0, SSMIX_F32, 4, sbc, NULL));
}

static ssmix_status forward(ssmix_context *ctx, problem *pr)
{
    ssmix_ssd_params prm;
    ssmix_ssd_params_init(&prm);
    prm.chunk_size = 16;
    prm.dt_softplus = 1;
    ssmix_ssd_tensors t;
    memset(&t, 0, sizeof t);
    t.x = &pr->tx; t.dt = &pr->tdt; t.A = &pr->tA; t.B = &pr->tB; t.C = &pr->tC; t.out = &pr->tout;
    return ssmix_ssd_forward(ctx, &prm, &t);
}

static void release(problem *pr)
{
    ssmix_buffer_free(pr->x); ssmix_buffer_free(pr->dt); ssmix_buffer_free(pr->A);
    ssmix_buffer_free(pr->Bm); ssmix_buffer_free(pr->C); ssmix_buffer_free(pr->out);
}

static double max_rel_diff(const float *a, const float *b, int n)
{
    double m = 0, r = 0;
    for (int i = 0; i < n; i++) {
        if (fabs(b[i]) > r) r = fabs(b[i]);
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN propagates */
    }
    return r > 0 ? m / r : m;
}

int main(void)
{
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
        printf("test_cuda_stream: no CUDA device, skipped\n");
        return 77;
    }
    static float x[NX], dt[NDT], A[H], Bm[NBC], C[NBC], ref[NX], direct[NX], replay[NX];
    unsigned s = 7;
    for (int i = 0; i < NX; i++) x[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 0xff) / 128.0f - 1.0f;
    for (int i = 0; i < NDT; i++) dt[i] = (float)(i % 7) * 0.1f - 0.3f;
    for (int i = 0; i < H; i++) A[i] = -0.5f - (float)i;
    for (int i = 0; i < NBC; i++) Bm[i] = (float)((i * 37) % 11) / 11.0f - 0.5f;
    for (int i = 0; i < NBC; i++) C[i] = (float)((i * 53) % 13) / 13.0f - 0.5f;

    /* CPU reference */
    ssmix_context *cpu = NULL;
    OK(ssmix_context_create(&cpu, "cpu"));
    problem pc;
    memset(&pc, 0, sizeof pc);
    setup(cpu, &pc, NULL, NULL, x, dt, A, Bm, C);
    OK(forward(cpu, &pc));
    OK(ssmix_buffer_read(pc.out, 0, ref, sizeof ref));
    release(&pc);
    ssmix_context_destroy(cpu);

    /* caller's stream and memory */
    cudaStream_t stream;
    CU(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    void *dx = NULL, *dout = NULL;
    CU(cudaMalloc(&dx, NX * 4));
    CU(cudaMalloc(&dout, NX * 4));
    CU(cudaMemcpy(dx, x, NX * 4, cudaMemcpyHostToDevice));

    ssmix_context *ctx = NULL;
    OK(ssmix_cuda_context_create_with_stream(&ctx, "cuda:0", stream));
    if (!ctx) {
        printf("test_cuda_stream: %d passed, %d failed\n", checks - failures, failures);
        return 1;
    }
    cudaStream_t got = NULL;
    OK(ssmix_cuda_get_stream(ctx, &got));
    CHECK(got == stream, "get_stream returned %p, expected %p", (void *)got, (void *)stream);
    struct ihipStream_t *hs = NULL;
    CHECK(ssmix_hip_set_stream(ctx, hs) == SSMIX_ERROR_INVALID_ARGUMENT, "a hip stream on a cuda context: %s",
          ssmix_last_error());

    problem pg;
    memset(&pg, 0, sizeof pg);
    setup(ctx, &pg, dx, dout, x, dt, A, Bm, C);

    /* direct run (also sizes the workspace, so the captured run allocates nothing) */
    OK(forward(ctx, &pg));
    CU(cudaMemcpyAsync(direct, dout, NX * 4, cudaMemcpyDeviceToHost, stream));
    CU(cudaStreamSynchronize(stream));
    CHECK(max_rel_diff(direct, ref, NX) < 1e-4, "direct run differs from the CPU: %g", max_rel_diff(direct, ref, NX));

    /* captured run: the kernels must land in the graph of the caller's stream */
    CU(cudaMemset(dout, 0xff, NX * 4)); /* NaN */
    cudaGraph_t graph = NULL;
    CU(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed));
    ssmix_status st = forward(ctx, &pg);
    CU(cudaStreamEndCapture(stream, &graph));
    CHECK(st == SSMIX_SUCCESS, "forward during capture: %s", ssmix_last_error());
    size_t nodes = 0;
    if (graph) CU(cudaGraphGetNodes(graph, NULL, &nodes));
    printf("captured graph: %zu nodes\n", nodes);
    CHECK(nodes > 0, "no kernel of the operator was queued on the caller's stream");
    if (graph) {
        cudaGraphExec_t exec = NULL;
        CU(cudaGraphInstantiate(&exec, graph, 0));
        CU(cudaGraphLaunch(exec, stream));
        CU(cudaMemcpyAsync(replay, dout, NX * 4, cudaMemcpyDeviceToHost, stream));
        CU(cudaStreamSynchronize(stream));
        CHECK(max_rel_diff(replay, direct, NX) == 0.0, "graph replay differs from the direct run: %g",
              max_rel_diff(replay, direct, NX));
        cudaGraphExecDestroy(exec);
        cudaGraphDestroy(graph);
    }

    /* back to the context's own stream */
    OK(ssmix_cuda_set_stream(ctx, NULL));
    OK(ssmix_cuda_get_stream(ctx, &got));
    CHECK(got != stream && got != NULL, "NULL did not restore the context's own stream (%p)", (void *)got);
    OK(forward(ctx, &pg));
    OK(ssmix_buffer_read(pg.out, 0, direct, sizeof direct));
    CHECK(max_rel_diff(direct, ref, NX) < 1e-4, "own-stream run differs from the CPU");

    release(&pg);
    ssmix_context_destroy(ctx);
    cudaFree(dx);
    cudaFree(dout);
    cudaStreamDestroy(stream);
    printf("test_cuda_stream: %d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
