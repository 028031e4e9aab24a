/*
 * test_gpu_module <backend> <archs>: a built GPU module (cuda or hip) loads through libssmix, announces
 * the architectures it was built for, and either reports "unavailable: <reason>" (no driver, no
 * device) or, on a machine with a device, works end to end through the public API: device queries,
 * selectors, buffers (alloc, copies, wrap of a device pointer, rejection of a host pointer), and a
 * smoke run of SSD forward and backward (and the mixer when built) in f32/f16/bf16 against the CPU
 * reference. This checks the module's host glue; the operator conformance suite is elsewhere.
 *
 * `--bench` adds a timing of SSD forward/backward at a Mamba-2-like size (not part of the ctest).
 *
 * Without a device the test passes after the load checks, unless SSMIX_REQUIRE_BACKENDS names the
 * backend, in which case the absence is a failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssmix.h"

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

static int summary(void)
{
    printf("test_gpu_module: %d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}

static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && !strncmp(p, name, n)) return 1;
        if (!c) break;
        p = c + 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- host 16-bit conversions */

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint16_t to_bf16(float f)
{
    uint32_t u = f32_bits(f);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static float from_bf16(uint16_t h) { return bits_f32((uint32_t)h << 16); }

static uint16_t to_f16(float f)
{
    uint32_t u = f32_bits(f), sign = (u >> 16) & 0x8000u;
    float a = fabsf(f);
    if (a >= 65520.0f) return (uint16_t)(sign | 0x7c00u);
    if (a < 6.103515625e-05f) { /* subnormal: multiples of 2^-24 */
        float q = a * 16777216.0f;
        return (uint16_t)(sign | (uint32_t)nearbyintf(q));
    }
    uint32_t m = u & 0x7fffffu;
    int e = (int)((u >> 23) & 0xff) - 127 + 15;
    uint32_t h = ((uint32_t)e << 10) | (m >> 13);
    uint32_t rest = m & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
    return (uint16_t)(sign | h);
}

static float from_f16(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ffu;
    if (e == 0) return (sign ? -1.0f : 1.0f) * (float)m * 5.9604644775390625e-08f;
    if (e == 31) return bits_f32(sign | 0x7f800000u | (m << 13));
    return bits_f32(sign | ((e - 15 + 127) << 23) | (m << 13));
}

/* ---------------------------------------------------------------- tensors on one backend */

typedef struct host_tensor {
    ssmix_dtype dtype;
    int ndim;
    int64_t shape[4];
    size_t n;
    float *v; /* values as f32 (already rounded to dtype) */
} host_tensor;

static uint32_t rng = 12345u;
static float urand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffffff) / 16777216.0f;
}
static float nrand(void)
{
    float u1 = urand() + 1e-7f, u2 = urand();
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

static float round_to(ssmix_dtype dt, float v)
{
    if (dt == SSMIX_F16) return from_f16(to_f16(v));
    if (dt == SSMIX_BF16) return from_bf16(to_bf16(v));
    return v;
}

static void make(host_tensor *t, ssmix_dtype dt, int ndim, const int64_t *shape, float scale, float shift)
{
    t->dtype = dt;
    t->ndim = ndim;
    t->n = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        t->n *= (size_t)shape[i];
    }
    t->v = calloc(t->n, sizeof(float));
    for (size_t i = 0; i < t->n; i++) t->v[i] = round_to(dt, nrand() * scale + shift);
}

typedef struct dev_tensor {
    ssmix_buffer *buf;
    ssmix_tensor t;
} dev_tensor;

static void upload(ssmix_context *ctx, const host_tensor *h, dev_tensor *d, int fill_only)
{
    size_t es = ssmix_dtype_size(h->dtype);
    OK(ssmix_buffer_alloc(ctx, h->n * es, &d->buf));
    void *raw = malloc(h->n * es);
    for (size_t i = 0; i < h->n; i++) {
        float v = fill_only ? NAN : h->v[i];
        if (h->dtype == SSMIX_F32) ((float *)raw)[i] = v;
        else if (h->dtype == SSMIX_F16) ((uint16_t *)raw)[i] = to_f16(v);
        else if (h->dtype == SSMIX_BF16) ((uint16_t *)raw)[i] = to_bf16(v);
        else ((int32_t *)raw)[i] = (int32_t)v;
    }
    OK(ssmix_buffer_write(d->buf, 0, raw, h->n * es));
    free(raw);
    OK(ssmix_tensor_init(&d->t, d->buf, 0, h->dtype, h->ndim, h->shape, NULL));
}

static float *download(const dev_tensor *d, const host_tensor *like)
{
    size_t es = ssmix_dtype_size(like->dtype);
    void *raw = malloc(like->n * es);
    float *out = calloc(like->n, sizeof(float));
    OK(ssmix_buffer_read(d->buf, 0, raw, like->n * es));
    for (size_t i = 0; i < like->n; i++) {
        if (like->dtype == SSMIX_F32) out[i] = ((float *)raw)[i];
        else if (like->dtype == SSMIX_F16) out[i] = from_f16(((uint16_t *)raw)[i]);
        else out[i] = from_bf16(((uint16_t *)raw)[i]);
    }
    free(raw);
    return out;
}

/* Relative RMS error and the largest |gpu - ref| / max|ref|. */
static void compare(const char *what, const float *gpu, const float *ref, size_t n, double tol)
{
    double num = 0, den = 0, maxref = 0, maxdiff = 0;
    int finite = 1;
    for (size_t i = 0; i < n; i++) {
        double d = (double)gpu[i] - (double)ref[i];
        if (!isfinite(gpu[i])) finite = 0;
        num += d * d;
        den += (double)ref[i] * ref[i];
        if (fabs(ref[i]) > maxref) maxref = fabs(ref[i]);
        if (fabs(d) > maxdiff) maxdiff = fabs(d);
    }
    double rrms = den > 0 ? sqrt(num / den) : sqrt(num);
    double rmax = maxref > 0 ? maxdiff / maxref : maxdiff;
    printf("  %-28s rel.rms %.2e  max|d|/max|ref| %.2e\n", what, rrms, rmax);
    CHECK(finite && rrms <= tol && rmax <= 4 * tol, "%s: rel.rms %.3e, rel.max %.3e (tolerance %.1e)", what, rrms,
          rmax, tol);
}

/* ---------------------------------------------------------------- SSD smoke run */

enum { T_X, T_DT, T_A, T_B, T_C, T_D, T_Z, T_DTB, T_OUT, T_FIN, T_DOUT, T_DX, T_DDT, T_DA, T_DB, T_DC, T_DD, T_DZ,
       T_DDTB, T_COUNT };

static const char *const tnames[T_COUNT] = {"x", "dt", "A", "B", "C", "D", "z", "dt_bias", "out", "final_states", "dout",
                                            "dx", "ddt", "dA", "dB", "dC", "dD", "dz", "ddt_bias"};

/* Run forward + backward on one context; results (as f32) in res[T_OUT..]. */
static int run_ssd(ssmix_context *ctx, host_tensor *h, float **res)
{
    dev_tensor d[T_COUNT];
    memset(d, 0, sizeof d);
    for (int i = 0; i < T_COUNT; i++) upload(ctx, &h[i], &d[i], i == T_OUT || i == T_FIN || i >= T_DX);
    ssmix_ssd_params prm;
    OK(ssmix_ssd_params_init(&prm));
    prm.chunk_size = 32;
    prm.dt_softplus = 1;
    ssmix_ssd_tensors t;
    memset(&t, 0, sizeof t);
    t.x = &d[T_X].t; t.dt = &d[T_DT].t; t.A = &d[T_A].t; t.B = &d[T_B].t; t.C = &d[T_C].t;
    t.D = &d[T_D].t; t.z = &d[T_Z].t; t.dt_bias = &d[T_DTB].t;
    t.out = &d[T_OUT].t; t.final_states = &d[T_FIN].t;
    ssmix_status st = ssmix_ssd_forward(ctx, &prm, &t);
    CHECK(st == SSMIX_SUCCESS, "ssd_forward on %s: %s", ssmix_context_backend(ctx), ssmix_last_error());
    int ok = st == SSMIX_SUCCESS;
    if (ok) {
        t.out = NULL; t.final_states = NULL;
        t.dout = &d[T_DOUT].t;
        t.dx = &d[T_DX].t; t.ddt = &d[T_DDT].t; t.dA = &d[T_DA].t; t.dB = &d[T_DB].t; t.dC = &d[T_DC].t;
        t.dD = &d[T_DD].t; t.dz = &d[T_DZ].t; t.ddt_bias = &d[T_DDTB].t;
        st = ssmix_ssd_backward(ctx, &prm, &t);
        CHECK(st == SSMIX_SUCCESS, "ssd_backward on %s: %s", ssmix_context_backend(ctx), ssmix_last_error());
        OK(ssmix_synchronize(ctx));
    }
    for (int i = 0; i < T_COUNT; i++) {
        res[i] = (ok && (i == T_OUT || i == T_FIN || i >= T_DX)) ? download(&d[i], &h[i]) : NULL;
        ssmix_buffer_free(d[i].buf);
    }
    return ok;
}

static void ssd_smoke(ssmix_context *gpu, ssmix_context *cpu, ssmix_dtype io)
{
    const int64_t b = 2, L = 77, H = 4, P = 16, N = 8, G = 2;
    int64_t s_bLHP[4] = {b, L, H, P}, s_bLH[3] = {b, L, H}, s_H[1] = {H}, s_bLGN[4] = {b, L, G, N},
            s_bHPN[4] = {b, H, P, N};
    host_tensor h[T_COUNT];
    make(&h[T_X], io, 4, s_bLHP, 1, 0);
    make(&h[T_DT], io, 3, s_bLH, 0.5f, -2.0f);
    make(&h[T_A], SSMIX_F32, 1, s_H, 0.5f, 0);
    for (size_t i = 0; i < h[T_A].n; i++) h[T_A].v[i] = -fabsf(h[T_A].v[i]) - 0.1f;
    make(&h[T_B], io, 4, s_bLGN, 1, 0);
    make(&h[T_C], io, 4, s_bLGN, 1, 0);
    make(&h[T_D], SSMIX_F32, 1, s_H, 1, 0);
    make(&h[T_Z], io, 4, s_bLHP, 1, 0);
    make(&h[T_DTB], SSMIX_F32, 1, s_H, 0.5f, 0);
    make(&h[T_OUT], io, 4, s_bLHP, 0, 0);
    make(&h[T_FIN], SSMIX_F32, 4, s_bHPN, 0, 0);
    make(&h[T_DOUT], io, 4, s_bLHP, 1, 0);
    make(&h[T_DX], io, 4, s_bLHP, 0, 0);
    make(&h[T_DDT], io, 3, s_bLH, 0, 0);
    make(&h[T_DA], SSMIX_F32, 1, s_H, 0, 0);
    make(&h[T_DB], io, 4, s_bLGN, 0, 0);
    make(&h[T_DC], io, 4, s_bLGN, 0, 0);
    make(&h[T_DD], SSMIX_F32, 1, s_H, 0, 0);
    make(&h[T_DZ], io, 4, s_bLHP, 0, 0);
    make(&h[T_DDTB], SSMIX_F32, 1, s_H, 0, 0);

    float *rg[T_COUNT], *rc[T_COUNT];
    printf(" ssd %s (b=%d L=%d H=%d P=%d N=%d G=%d Q=32, D, z, dt_bias, softplus):\n", ssmix_dtype_name(io), (int)b,
           (int)L, (int)H, (int)P, (int)N, (int)G);
    int okg = run_ssd(gpu, h, rg), okc = run_ssd(cpu, h, rc);
    double tol = io == SSMIX_F32 ? 1e-4 : io == SSMIX_F16 ? 5e-3 : 3e-2;
    if (okg && okc) {
        for (int i = T_OUT; i < T_COUNT; i++) {
            if (i == T_DOUT) continue;
            double k = (i == T_DA || i == T_DDT || i == T_DDTB) ? 5.0 : (i >= T_DX ? 2.0 : 1.0);
            char label[64];
            snprintf(label, sizeof label, "%s %s", tnames[i], ssmix_dtype_name(io));
            compare(label, rg[i], rc[i], h[i].n, tol * k);
        }
    }
    for (int i = 0; i < T_COUNT; i++) {
        free(rg[i]);
        free(rc[i]);
        free(h[i].v);
    }
}


/* ---------------------------------------------------------------- optional timing (--bench) */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* SSD forward and backward at a Mamba-2-like size, median of 10 runs, for f32 and bf16 I/O. */
static void bench(ssmix_context *ctx)
{
    const int64_t b = 2, L = 2048, H = 16, P = 64, N = 64, G = 1;
    int64_t s_bLHP[4] = {b, L, H, P}, s_bLH[3] = {b, L, H}, s_H[1] = {H}, s_bLGN[4] = {b, L, G, N};
    ssmix_dtype dts[2] = {SSMIX_F32, SSMIX_BF16};
    for (int di = 0; di < 2; di++) {
        ssmix_dtype io = dts[di];
        host_tensor h[T_COUNT];
        memset(h, 0, sizeof h);
        make(&h[T_X], io, 4, s_bLHP, 1, 0);
        make(&h[T_DT], io, 3, s_bLH, 0.5f, -2.0f);
        make(&h[T_A], SSMIX_F32, 1, s_H, 0.5f, -1.0f);
        make(&h[T_B], io, 4, s_bLGN, 1, 0);
        make(&h[T_C], io, 4, s_bLGN, 1, 0);
        make(&h[T_OUT], io, 4, s_bLHP, 0, 0);
        make(&h[T_DOUT], io, 4, s_bLHP, 1, 0);
        make(&h[T_DX], io, 4, s_bLHP, 0, 0);
        make(&h[T_DDT], io, 3, s_bLH, 0, 0);
        make(&h[T_DA], SSMIX_F32, 1, s_H, 0, 0);
        make(&h[T_DB], io, 4, s_bLGN, 0, 0);
        make(&h[T_DC], io, 4, s_bLGN, 0, 0);
        int used[] = {T_X, T_DT, T_A, T_B, T_C, T_OUT, T_DOUT, T_DX, T_DDT, T_DA, T_DB, T_DC};
        dev_tensor d[T_COUNT];
        memset(d, 0, sizeof d);
        for (size_t k = 0; k < sizeof used / sizeof used[0]; k++) upload(ctx, &h[used[k]], &d[used[k]], 0);
        ssmix_ssd_params prm;
        ssmix_ssd_params_init(&prm);
        prm.chunk_size = 256;
        prm.dt_softplus = 1;
        ssmix_ssd_tensors f, bw;
        memset(&f, 0, sizeof f);
        f.x = &d[T_X].t; f.dt = &d[T_DT].t; f.A = &d[T_A].t; f.B = &d[T_B].t; f.C = &d[T_C].t;
        bw = f;
        f.out = &d[T_OUT].t;
        bw.dout = &d[T_DOUT].t; bw.dx = &d[T_DX].t; bw.ddt = &d[T_DDT].t; bw.dA = &d[T_DA].t;
        bw.dB = &d[T_DB].t; bw.dC = &d[T_DC].t;
        double tf[10], tb[10];
        for (int rep = -2; rep < 10; rep++) {
            double t0 = now_ms();
            OK(ssmix_ssd_forward(ctx, &prm, &f));
            OK(ssmix_synchronize(ctx));
            double t1 = now_ms();
            OK(ssmix_ssd_backward(ctx, &prm, &bw));
            OK(ssmix_synchronize(ctx));
            double t2 = now_ms();
            if (rep >= 0) { tf[rep] = t1 - t0; tb[rep] = t2 - t1; }
        }
        for (int i = 0; i < 10; i++) /* sort for the median */
            for (int j = i + 1; j < 10; j++) {
                if (tf[j] < tf[i]) { double t = tf[i]; tf[i] = tf[j]; tf[j] = t; }
                if (tb[j] < tb[i]) { double t = tb[i]; tb[i] = tb[j]; tb[j] = t; }
            }
        printf("bench ssd %s b=%d L=%d H=%d P=%d N=%d Q=256: forward %.3f ms, backward %.3f ms (median of 10)\n",
               ssmix_dtype_name(io), (int)b, (int)L, (int)H, (int)P, (int)N, tf[5], tb[5]);
        for (int i = 0; i < T_COUNT; i++) {
            if (d[i].buf) ssmix_buffer_free(d[i].buf);
            free(h[i].v);
        }
    }
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <cuda|hip> <archs> [--bench]\n", argv[0]);
        return 2;
    }
    const char *name = argv[1], *archs = argv[2];
    char want[256];
    snprintf(want, sizeof want, "%s_archs=%s\n", name, archs);
    CHECK(strstr(ssmix_features(), want) != NULL, "ssmix_features() lacks \"%s\":\n%s", want, ssmix_features());

    ssmix_backend_info info;
    OK(ssmix_backend_probe(name, &info));
    printf("%s: built=%d available=%d devices=%d module=%s\n  reason: %s\n", name, info.built, info.available,
           info.device_count, info.module_path, info.reason[0] ? info.reason : "-");
    CHECK(info.built == 1, "the %s module is not listed as built", name);
    CHECK(info.module_path[0] != '\0', "the %s module did not load: %s", name, info.reason);
    if (!info.available) {
        CHECK(!strncmp(info.reason, "unavailable: ", 13), "reason should start with \"unavailable: \": %s", info.reason);
        const char *req = getenv("SSMIX_REQUIRE_BACKENDS");
        CHECK(!listed(req, name), "SSMIX_REQUIRE_BACKENDS lists %s but it is unavailable: %s", name, info.reason);
        /* The context API must say the same, and never fall back. */
        ssmix_context *none = NULL;
        ssmix_status st = ssmix_context_create(&none, name);
        CHECK(st == SSMIX_ERROR_BACKEND_UNAVAILABLE && none == NULL, "context_create(\"%s\") returned %d", name, (int)st);
        printf("%s: no usable device here; module load checks only\n", name);
        return summary();
    }

    /* ---- devices and selectors */
    ssmix_device_info dev;
    OK(ssmix_backend_device(name, 0, &dev));
    printf("device 0: %s | %s | %s | %llu MiB | %d CUs\n", dev.name, dev.arch, dev.platform,
           (unsigned long long)(dev.memory_bytes >> 20), dev.compute_units);
    CHECK(dev.name[0] && dev.arch[0] && dev.memory_bytes > 0 && dev.compute_units > 0, "incomplete device info");
    char sel[300];
    ssmix_context *ctx = NULL;
    snprintf(sel, sizeof sel, "%s:%d", name, info.device_count + 5);
    ssmix_status st = ssmix_context_create(&ctx, sel);
    CHECK(st == SSMIX_ERROR_BACKEND_UNAVAILABLE, "%s: status %d, message %s", sel, (int)st, ssmix_last_error());
    snprintf(sel, sizeof sel, "%s:%s", name, dev.arch); /* name substring: the arch matches too */
    st = ssmix_context_create(&ctx, sel);
    CHECK(st == SSMIX_SUCCESS, "%s: %s", sel, ssmix_last_error());
    ssmix_context_destroy(ctx);
    ctx = NULL;
    snprintf(sel, sizeof sel, "%s:0", name);
    OK(ssmix_context_create(&ctx, sel));
    if (!ctx) return summary();
    CHECK(!strcmp(ssmix_context_backend(ctx), name), "backend %s", ssmix_context_backend(ctx));

    /* ---- buffers */
    const size_t n = 1 << 20;
    float *a = malloc(n * 4), *r = malloc(n * 4);
    for (size_t i = 0; i < n; i++) a[i] = (float)i * 0.5f - 7.0f;
    ssmix_buffer *buf = NULL, *wrapped = NULL;
    OK(ssmix_buffer_alloc(ctx, n * 4, &buf));
    OK(ssmix_buffer_write(buf, 0, a, n * 4));
    memset(r, 0, n * 4);
    OK(ssmix_buffer_read(buf, 0, r, n * 4));
    CHECK(!memcmp(a, r, n * 4), "read-back differs from what was written");
    OK(ssmix_buffer_read(buf, 4000, r, 400));
    CHECK(!memcmp(a + 1000, r, 400), "read at an offset differs");
    void *native = ssmix_buffer_native(buf);
    CHECK(native != NULL, "no native handle");
    OK(ssmix_buffer_wrap(ctx, native, n * 4, &wrapped));
    memset(r, 0, n * 4);
    OK(ssmix_buffer_read(wrapped, 0, r, n * 4));
    CHECK(!memcmp(a, r, n * 4), "read through a wrapped device pointer differs");
    CHECK(ssmix_buffer_native(wrapped) == native, "wrapped handle differs");
    OK(ssmix_buffer_free(wrapped));
    ssmix_buffer *hostwrap = NULL;
    st = ssmix_buffer_wrap(ctx, a, n * 4, &hostwrap);
    CHECK(st == SSMIX_ERROR_INVALID_ARGUMENT && hostwrap == NULL, "wrapping a host pointer: status %d, message %s",
          (int)st, ssmix_last_error());
    OK(ssmix_buffer_free(buf));
    OK(ssmix_synchronize(ctx));
    free(a);
    free(r);

    /* ---- operators against the CPU reference */
    ssmix_context *cpu = NULL;
    OK(ssmix_context_create(&cpu, "cpu"));
    if (cpu) {
        ssd_smoke(ctx, cpu, SSMIX_F32);
        ssd_smoke(ctx, cpu, SSMIX_F16);
        ssd_smoke(ctx, cpu, SSMIX_BF16);
        ssmix_context_destroy(cpu);
    }
    if (argc > 3 && !strcmp(argv[3], "--bench")) bench(ctx);
    ssmix_context_destroy(ctx);
    return summary();
}
