/*
 * hydra_mixer: a Hydra-style bidirectional sequence mixer, forward and backward, with ssmix.
 *
 *   usage: hydra_mixer [selector]      e.g. hydra_mixer cpu, hydra_mixer cuda:0, hydra_mixer opencl
 *
 * Without an argument the backend comes from SSMIX_BACKEND (unset means "auto": cuda, hip, opencl,
 * cpu, the first that works). The mixer runs in SSMIX_QSMIX_HYDRA mode with one set of direction
 * parameters shared by the causal and the anti-causal half (dt, B, C), a per-token diagonal delta
 * (Hydra computes delta = fc_D(x) + D in the model) and a z gate: out = y * silu(z). It prints the
 * backend and device used and checksums of the output and the gradients.
 *
 * Build: see examples/CMakeLists.txt (find_package(ssmix)) or examples/Makefile (pkg-config).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ssmix.h>

/* Sizes: batch, length, heads, head dim, groups of B/C, state size. */
enum { NB = 2, NL = 64, NH = 4, NP = 16, NG = 1, NN = 16 };

/* Report a failed call with ssmix's own message and leave. */
#define CHECK(call)                                                                              \
    do {                                                                                         \
        ssmix_status st_ = (call);                                                               \
        if (st_ != SSMIX_SUCCESS) {                                                              \
            fprintf(stderr, "hydra_mixer: %s failed: %s (%s)\n", #call, ssmix_status_string(st_), \
                    ssmix_last_error());                                                         \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

/* A device buffer holding one f32 tensor, with its view. */
typedef struct named_tensor {
    const char *name;
    int ndim;
    int64_t shape[4];
    ssmix_buffer *buf;
    ssmix_tensor t;
    size_t count;
} named_tensor;

static uint32_t rng_state = 12345u;
static float uniform(float lo, float hi) /* deterministic xorshift, same numbers on every platform */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return lo + (hi - lo) * (float)(rng_state >> 8) / 16777216.0f;
}

static ssmix_status make_tensor(ssmix_context *ctx, named_tensor *nt, const char *name, int ndim,
                                const int64_t *shape)
{
    nt->name = name;
    nt->ndim = ndim;
    nt->count = 1;
    for (int i = 0; i < ndim; i++) {
        nt->shape[i] = shape[i];
        nt->count *= (size_t)shape[i];
    }
    ssmix_status st = ssmix_buffer_alloc(ctx, nt->count * sizeof(float), &nt->buf);
    if (st != SSMIX_SUCCESS) return st;
    return ssmix_tensor_init(&nt->t, nt->buf, 0, SSMIX_F32, ndim, shape, NULL);
}

/* Fill with uniform numbers in [lo, hi). */
static ssmix_status fill(named_tensor *nt, float lo, float hi)
{
    float *host = malloc(nt->count * sizeof(float));
    if (!host) return SSMIX_ERROR_OUT_OF_MEMORY;
    for (size_t i = 0; i < nt->count; i++) host[i] = uniform(lo, hi);
    ssmix_status st = ssmix_buffer_write(nt->buf, 0, host, nt->count * sizeof(float));
    free(host);
    return st;
}

/* Sum and sum of absolute values of a tensor; *finite = 0 if a value is NaN or infinite. */
static ssmix_status checksum(const named_tensor *nt, double *sum, double *abs_sum, int *finite)
{
    float *host = malloc(nt->count * sizeof(float));
    if (!host) return SSMIX_ERROR_OUT_OF_MEMORY;
    ssmix_status st = ssmix_buffer_read(nt->buf, 0, host, nt->count * sizeof(float));
    *sum = *abs_sum = 0.0;
    *finite = 1;
    for (size_t i = 0; st == SSMIX_SUCCESS && i < nt->count; i++) {
        if (!isfinite(host[i])) *finite = 0;
        *sum += host[i];
        *abs_sum += fabs(host[i]);
    }
    free(host);
    return st;
}

int main(int argc, char **argv)
{
    const char *selector = argc > 1 ? argv[1] : NULL; /* NULL: SSMIX_BACKEND, else auto */
    ssmix_context *ctx = NULL;
    int rc = 1;

    const int64_t s_blhp[4] = {NB, NL, NH, NP}, s_blh[3] = {NB, NL, NH}, s_blgn[4] = {NB, NL, NG, NN};
    const int64_t s_h[1] = {NH};
    enum { X, DT, A, DT_BIAS, B, C, DELTA, Z, OUT, DOUT, DX, DDT, DA, DDT_BIAS, DB, DC, DDELTA, DZ, NT };
    named_tensor ts[NT];
    memset(ts, 0, sizeof ts);

    if (ssmix_context_create(&ctx, selector) != SSMIX_SUCCESS) {
        fprintf(stderr, "hydra_mixer: cannot create a context for \"%s\": %s\n",
                selector ? selector : (getenv("SSMIX_BACKEND") ? getenv("SSMIX_BACKEND") : "auto"),
                ssmix_last_error());
        fprintf(stderr, "hydra_mixer: run `ssmix info` to see which backends are usable\n");
        return 1;
    }
    printf("ssmix %s, backend %s, device \"%s\"\n", ssmix_version_string(), ssmix_context_backend(ctx),
           ssmix_context_device(ctx));

    static const char *names[NT] = {"x", "dt", "A", "dt_bias", "B", "C", "delta", "z", "out", "dout",
                                    "dx", "ddt", "dA", "ddt_bias", "dB", "dC", "ddelta", "dz"};
    const int64_t *shapes[NT] = {s_blhp, s_blh, s_h, s_h, s_blgn, s_blgn, s_blh, s_blhp, s_blhp, s_blhp,
                                 s_blhp, s_blh, s_h, s_h, s_blgn, s_blgn, s_blh, s_blhp};
    const int ndims[NT] = {4, 3, 1, 1, 4, 4, 3, 4, 4, 4, 4, 3, 1, 1, 4, 4, 3, 4};
    for (int i = 0; i < NT; i++) CHECK(make_tensor(ctx, &ts[i], names[i], ndims[i], shapes[i]));

    CHECK(fill(&ts[X], -1.0f, 1.0f));
    CHECK(fill(&ts[DT], -3.0f, -1.0f));     /* raw dt; softplus(dt + dt_bias) gives Delta */
    CHECK(fill(&ts[A], -1.0f, -0.1f));      /* A <= 0: decaying state */
    CHECK(fill(&ts[DT_BIAS], -0.5f, 0.5f));
    CHECK(fill(&ts[B], -0.5f, 0.5f));
    CHECK(fill(&ts[C], -0.5f, 0.5f));
    CHECK(fill(&ts[DELTA], 0.5f, 1.5f));
    CHECK(fill(&ts[Z], -1.0f, 1.0f));
    CHECK(fill(&ts[DOUT], -1.0f, 1.0f));

    ssmix_qsmix_params params;
    CHECK(ssmix_qsmix_params_init(&params));
    params.mode = SSMIX_QSMIX_HYDRA;
    params.chunk_size = 16;
    params.dt_softplus = 1;

    /* Shared direction parameters: dt_b, B_b and C_b stay NULL. */
    ssmix_qsmix_tensors fwd = {0};
    fwd.x = &ts[X].t;
    fwd.A = &ts[A].t;
    fwd.dt_bias = &ts[DT_BIAS].t;
    fwd.dt_f = &ts[DT].t;
    fwd.B_f = &ts[B].t;
    fwd.C_f = &ts[C].t;
    fwd.delta = &ts[DELTA].t;
    fwd.z = &ts[Z].t;
    fwd.out = &ts[OUT].t;
    CHECK(ssmix_qsmix_forward(ctx, &params, &fwd));

    /* Backward: same inputs, dout instead of out; with shared parameters ddt_f/dB_f/dC_f receive the
     * sum of both directions and ddt_b/dB_b/dC_b stay NULL. */
    ssmix_qsmix_tensors bwd = fwd;
    bwd.out = NULL;
    bwd.dout = &ts[DOUT].t;
    bwd.dx = &ts[DX].t;
    bwd.dA = &ts[DA].t;
    bwd.ddt_bias = &ts[DDT_BIAS].t;
    bwd.ddelta = &ts[DDELTA].t;
    bwd.dz = &ts[DZ].t;
    bwd.ddt_f = &ts[DDT].t;
    bwd.dB_f = &ts[DB].t;
    bwd.dC_f = &ts[DC].t;
    CHECK(ssmix_qsmix_backward(ctx, &params, &bwd));
    CHECK(ssmix_synchronize(ctx));

    int all_finite = 1;
    double total = 0.0;
    const int reported[] = {OUT, DX, DDT, DA, DDT_BIAS, DB, DC, DDELTA, DZ};
    for (size_t i = 0; i < sizeof reported / sizeof reported[0]; i++) {
        const named_tensor *nt = &ts[reported[i]];
        double sum, abs_sum;
        int finite;
        CHECK(checksum(nt, &sum, &abs_sum, &finite));
        printf("  %-9s sum %+.6e  |sum| %.6e%s\n", nt->name, sum, abs_sum, finite ? "" : "  NOT FINITE");
        all_finite &= finite;
        total += abs_sum;
    }
    printf("checksum %.6e\n", total);
    if (!all_finite || !(total > 0.0)) {
        fprintf(stderr, "hydra_mixer: results are not finite or all zero\n");
        goto fail;
    }
    rc = 0;
fail:
    for (int i = 0; i < NT; i++) ssmix_buffer_free(ts[i].buf);
    ssmix_context_destroy(ctx);
    if (rc == 0) printf("hydra_mixer: ok\n");
    return rc;
}
