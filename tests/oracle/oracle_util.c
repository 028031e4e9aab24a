#include "oracle_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dtype.h"

/* ---------------------------------------------------------------- RNG */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void ot_rng_seed(ot_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    r->has_spare = 0;
    r->spare = 0.0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t ot_rng_u64(ot_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double ot_uniform(ot_rng *r) { return (double)(ot_rng_u64(r) >> 11) * 0x1.0p-53; }

double ot_normal(ot_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1, u2;
    do u1 = ot_uniform(r);
    while (u1 <= 0.0);
    u2 = ot_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586476925 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

int ot_randint(ot_rng *r, int n) { return (int)(ot_uniform(r) * n); }

/* ---------------------------------------------------------------- tensors */

const ot_layout OT_PACKED = {NULL, 0, 0};
const ot_layout OT_GUARDED = {NULL, 1, 0};

static ot_tensor *g_allocs;

size_t ot_elem_size(ssmix_dtype dtype)
{
    switch (dtype) {
    case SSMIX_F32: return 4;
    case SSMIX_F16:
    case SSMIX_BF16: return 2;
    case SSMIX_I32: return 4;
    default: return dtype == OT_F64 ? 8 : 0;
    }
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fprintf(stderr, "out of host memory\n");
        exit(2);
    }
    return p;
}

ot_tensor *ot_new(ssmix_dtype dtype, int ndim, const int64_t *shape, const ot_layout *layout)
{
    if (!layout) layout = &OT_PACKED;
    ot_tensor *t = xcalloc(1, sizeof *t);
    t->dtype = dtype;
    t->ndim = ndim;
    for (int d = 0; d < 4; d++) {
        t->shape[d] = d < ndim ? shape[d] : 1;
        t->stride[d] = 0;
    }
    int perm[4] = {0, 1, 2, 3};
    if (layout->perm)
        for (int k = 0; k < ndim; k++) perm[k] = layout->perm[k];
    int64_t s = 1;
    int innermost = 1;
    for (int k = ndim - 1; k >= 0; k--) {
        int d = perm[k];
        if (layout->bcast_mask & (1u << d)) continue;
        t->stride[d] = s;
        s *= t->shape[d];
        if (innermost) {
            if (layout->guarded) s += 1;
            innermost = 0;
        }
    }
    int64_t span = 1;
    for (int d = 0; d < ndim; d++) span += (t->shape[d] - 1) * t->stride[d];
    int64_t guard = layout->guarded ? 3 : 0;
    t->offset = guard;
    t->nalloc = guard + span + guard;
    t->buf = xcalloc((size_t)t->nalloc, ot_elem_size(dtype));
    t->next_alloc = g_allocs;
    g_allocs = t;
    return t;
}

ot_tensor *ot_clone(const ot_tensor *like, ssmix_dtype dtype, const ot_layout *layout)
{
    ot_tensor *t = ot_new(dtype, like->ndim, like->shape, layout);
    ot_copy(t, like);
    return t;
}

void ot_free_all(void)
{
    while (g_allocs) {
        ot_tensor *n = g_allocs->next_alloc;
        free(g_allocs->buf);
        free(g_allocs);
        g_allocs = n;
    }
}

int64_t ot_numel(const ot_tensor *t) { return t->shape[0] * t->shape[1] * t->shape[2] * t->shape[3]; }

void ot_unravel(const ot_tensor *t, int64_t lin, int64_t idx[4])
{
    for (int d = 3; d >= 0; d--) {
        idx[d] = lin % t->shape[d];
        lin /= t->shape[d];
    }
}

int64_t ot_eoff(const ot_tensor *t, const int64_t idx[4])
{
    return t->offset + idx[0] * t->stride[0] + idx[1] * t->stride[1] + idx[2] * t->stride[2] +
           idx[3] * t->stride[3];
}

double ot_raw_get(const ot_tensor *t, int64_t e)
{
    switch (t->dtype) {
    case SSMIX_F32: return ((const float *)t->buf)[e];
    case SSMIX_F16: return ssmix_f16_to_f32(((const uint16_t *)t->buf)[e]);
    case SSMIX_BF16: return ssmix_bf16_to_f32(((const uint16_t *)t->buf)[e]);
    case SSMIX_I32: return ((const int32_t *)t->buf)[e];
    default: return ((const double *)t->buf)[e];
    }
}

void ot_raw_set(ot_tensor *t, int64_t e, double v)
{
    switch (t->dtype) {
    case SSMIX_F32: ((float *)t->buf)[e] = (float)v; break;
    case SSMIX_F16: ((uint16_t *)t->buf)[e] = ssmix_f64_to_f16(v); break;
    case SSMIX_BF16: ((uint16_t *)t->buf)[e] = ssmix_f64_to_bf16(v); break;
    case SSMIX_I32: ((int32_t *)t->buf)[e] = (int32_t)v; break;
    default: ((double *)t->buf)[e] = v; break;
    }
}

double ot_get(const ot_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3)
{
    int64_t idx[4] = {i0, i1, i2, i3};
    return ot_raw_get(t, ot_eoff(t, idx));
}

void ot_set(ot_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3, double v)
{
    int64_t idx[4] = {i0, i1, i2, i3};
    ot_raw_set(t, ot_eoff(t, idx), v);
}

double ot_getl(const ot_tensor *t, int64_t lin)
{
    int64_t idx[4];
    ot_unravel(t, lin, idx);
    return ot_raw_get(t, ot_eoff(t, idx));
}

void ot_setl(ot_tensor *t, int64_t lin, double v)
{
    int64_t idx[4];
    ot_unravel(t, lin, idx);
    ot_raw_set(t, ot_eoff(t, idx), v);
}

void ot_copy(ot_tensor *dst, const ot_tensor *src)
{
    int64_t n = ot_numel(src);
    if (n != ot_numel(dst)) {
        fprintf(stderr, "ot_copy: shape mismatch\n");
        exit(2);
    }
    for (int64_t i = 0; i < n; i++) ot_setl(dst, i, ot_getl(src, i));
}

void ot_fill(ot_tensor *t, double v)
{
    for (int64_t i = 0, n = ot_numel(t); i < n; i++) ot_setl(t, i, v);
}

void ot_fill_normal(ot_tensor *t, ot_rng *r, double scale, double shift)
{
    for (int64_t i = 0, n = ot_numel(t); i < n; i++) ot_setl(t, i, ot_normal(r) * scale + shift);
}

double ot_maxabs(const ot_tensor *t)
{
    double m = 0.0;
    for (int64_t i = 0, n = ot_numel(t); i < n; i++) {
        double v = fabs(ot_getl(t, i));
        if (v > m || isnan(v)) m = v;
    }
    return m;
}

/* Sentinel bit patterns (quiet NaNs with a payload; i32 gets an arbitrary pattern). */
static void sentinel_bytes(ssmix_dtype dtype, unsigned char out[8])
{
    uint64_t u64 = 0x7ff8deadbeefcafeull;
    uint32_t u32 = 0x7fc0dead, i32 = 0x5eadbeef;
    uint16_t h = 0x7e5a, bf = 0x7fda;
    switch (dtype) {
    case SSMIX_F32: memcpy(out, &u32, 4); break;
    case SSMIX_F16: memcpy(out, &h, 2); break;
    case SSMIX_BF16: memcpy(out, &bf, 2); break;
    case SSMIX_I32: memcpy(out, &i32, 4); break;
    default: memcpy(out, &u64, 8); break;
    }
}

void ot_poison(ot_tensor *t)
{
    unsigned char s[8];
    size_t es = ot_elem_size(t->dtype);
    sentinel_bytes(t->dtype, s);
    for (int64_t e = 0; e < t->nalloc; e++) memcpy((char *)t->buf + e * es, s, es);
}

int64_t ot_check_written(const ot_tensor *t, const char *what)
{
    unsigned char s[8];
    size_t es = ot_elem_size(t->dtype);
    sentinel_bytes(t->dtype, s);
    unsigned char *mask = xcalloc((size_t)t->nalloc, 1);
    int64_t bad_view = 0, bad_guard = 0, first_view = -1, first_guard = -1;
    for (int64_t i = 0, n = ot_numel(t); i < n; i++) {
        int64_t idx[4];
        ot_unravel(t, i, idx);
        int64_t e = ot_eoff(t, idx);
        mask[e] = 1;
        const char *p = (const char *)t->buf + e * es;
        if (memcmp(p, s, es) == 0 || isnan(ot_raw_get(t, e))) {
            if (bad_view++ == 0) first_view = i;
        }
    }
    for (int64_t e = 0; e < t->nalloc; e++) {
        if (mask[e]) continue;
        if (memcmp((const char *)t->buf + e * es, s, es) != 0) {
            if (bad_guard++ == 0) first_guard = e;
        }
    }
    free(mask);
    ot_n_checks++;
    if (bad_view || bad_guard) {
        ot_fail("%s: %lld view elements unwritten or NaN (first logical index %lld), %lld guard "
                "elements modified (first at allocation element %lld)",
                what, (long long)bad_view, (long long)first_view, (long long)bad_guard,
                (long long)first_guard);
    }
    return bad_view + bad_guard;
}

int64_t ot_check_untouched(const ot_tensor *t, const char *what)
{
    unsigned char s[8];
    size_t es = ot_elem_size(t->dtype);
    sentinel_bytes(t->dtype, s);
    int64_t bad = 0, first = -1;
    for (int64_t e = 0; e < t->nalloc; e++)
        if (memcmp((const char *)t->buf + e * es, s, es) != 0)
            if (bad++ == 0) first = e;
    ot_n_checks++;
    if (bad)
        ot_fail("%s: %lld elements written although the output was not requested (first at "
                "allocation element %lld)",
                what, (long long)bad, (long long)first);
    return bad;
}

ssmix_view ot_view(const ot_tensor *t)
{
    ssmix_view v;
    memset(&v, 0, sizeof v);
    if (!t) return v;
    v.present = 1;
    v.native = t->buf;
    v.offset = t->offset;
    v.dtype = t->dtype;
    for (int d = 0; d < 4; d++) v.stride[d] = t->stride[d];
    return v;
}

/* ---------------------------------------------------------------- reporting */

int ot_verbose;
long ot_n_checks, ot_n_failures;
double ot_worst_ratio;
char ot_case[256];
static const char *g_test_name = "?";

void ot_set_case(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ot_case, sizeof ot_case, fmt, ap);
    va_end(ap);
}

void ot_init(const char *test_name, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    g_test_name = test_name;
    const char *v = getenv("OT_VERBOSE");
    ot_verbose = v && *v && strcmp(v, "0") != 0;
    printf("== %s\n", test_name);
    fflush(stdout);
}

void ot_fail(const char *fmt, ...)
{
    va_list ap;
    ot_n_failures++;
    printf("FAIL [%s] ", ot_case);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

int ot_finish(void)
{
    printf("%s: %s (%ld checks, %ld failures, worst err/tol %.3g)\n", g_test_name,
           ot_n_failures ? "FAILED" : "passed", ot_n_checks, ot_n_failures, ot_worst_ratio);
    fflush(stdout);
    ot_free_all();
    return ot_n_failures ? 1 : 0;
}

static void fmt_idx(const ot_tensor *t, int64_t lin, char *buf, size_t n)
{
    int64_t idx[4];
    ot_unravel(t, lin, idx);
    int k = snprintf(buf, n, "[");
    for (int d = 0; d < t->ndim && k < (int)n; d++)
        k += snprintf(buf + k, n - (size_t)k, "%s%lld", d ? "," : "", (long long)idx[d]);
    if (k < (int)n) snprintf(buf + k, n - (size_t)k, "]");
}

int ot_compare(const char *what, const ot_tensor *got, const ot_tensor *ref, ot_tol tol)
{
    int64_t n = ot_numel(ref);
    ot_n_checks++;
    if (!got || ot_numel(got) != n) {
        ot_fail("%s: missing or shape mismatch", what);
        return 1;
    }
    double mref = ot_maxabs(ref);
    double atol = tol.ascale * mref + tol.afloor;
    double max_abs = 0, max_rel = 0, worst = 0;
    int64_t worst_i = 0, nbad = 0;
    for (int64_t i = 0; i < n; i++) {
        double g = ot_getl(got, i), r = ot_getl(ref, i);
        double err = fabs(g - r);
        double allowed = atol + tol.rtol * fabs(r);
        double ratio = allowed > 0 ? err / allowed : (err > 0 ? INFINITY : 0.0);
        if (isnan(g) || isnan(r)) ratio = INFINITY, err = INFINITY;
        if (err > max_abs) max_abs = err;
        if (fabs(r) > 1e-3 * mref && err / fabs(r) > max_rel) max_rel = err / fabs(r);
        if (ratio > 1.0) nbad++;
        if (ratio > worst || (i == 0 && ratio == worst)) {
            worst = ratio;
            worst_i = i;
        }
    }
    if (worst > ot_worst_ratio) ot_worst_ratio = worst;
    if (nbad) {
        char ib[64];
        fmt_idx(ref, worst_i, ib, sizeof ib);
        ot_fail("%s: %lld/%lld elements out of tolerance; max_abs %.3e max_rel %.3e (max|ref| %.3e); "
                "worst %s got %.17g ref %.17g (err/tol %.3g)",
                what, (long long)nbad, (long long)n, max_abs, max_rel, mref, ib, ot_getl(got, worst_i),
                ot_getl(ref, worst_i), worst);
        return 1;
    }
    if (ot_verbose)
        printf("  ok [%s] %s: max_abs %.3e max_rel %.3e (max|ref| %.3e, err/tol %.3g)\n", ot_case,
               what, max_abs, max_rel, mref, worst);
    return 0;
}

static const char *dtname(ssmix_dtype d)
{
    switch (d) {
    case SSMIX_F32: return "f32";
    case SSMIX_F16: return "f16";
    case SSMIX_BF16: return "bf16";
    case SSMIX_I32: return "i32";
    default: return d == OT_F64 ? "f64" : "?";
    }
}

double ot_ulp(double v, ssmix_dtype dtype)
{
    int mant, emin;
    switch (dtype) {
    case SSMIX_F16: mant = 10, emin = -14; break;
    case SSMIX_BF16: mant = 7, emin = -126; break;
    case SSMIX_F32: mant = 23, emin = -126; break;
    default: mant = 52, emin = -1022; break;
    }
    int e = emin;
    if (v != 0.0 && isfinite(v)) {
        frexp(fabs(v), &e);
        e -= 1;
        if (e < emin) e = emin;
    }
    return ldexp(1.0, e - mant);
}

int ot_compare_ulps(const char *what, const ot_tensor *got, const ot_tensor *ref, ssmix_dtype dtype,
                    double ulps)
{
    int64_t n = ot_numel(ref);
    ot_n_checks++;
    if (!got || ot_numel(got) != n) {
        ot_fail("%s: missing or shape mismatch", what);
        return 1;
    }
    double worst = 0, max_abs = 0;
    int64_t worst_i = 0, nbad = 0;
    for (int64_t i = 0; i < n; i++) {
        double g = ot_getl(got, i), r = ot_getl(ref, i);
        double err = fabs(g - r);
        double ratio = err / ot_ulp(r, dtype);
        if (isnan(g) || isnan(r)) ratio = INFINITY;
        if (err > max_abs) max_abs = err;
        if (ratio > ulps) nbad++;
        if (ratio > worst) {
            worst = ratio;
            worst_i = i;
        }
    }
    if (worst / ulps > ot_worst_ratio) ot_worst_ratio = worst / ulps;
    if (nbad) {
        char ib[64];
        fmt_idx(ref, worst_i, ib, sizeof ib);
        ot_fail("%s: %lld/%lld elements beyond %.1f ulps of %s; worst %s got %.17g ref %.17g (%.3g ulps)",
                what, (long long)nbad, (long long)n, ulps, dtname(dtype), ib,
                ot_getl(got, worst_i), ot_getl(ref, worst_i), worst);
        return 1;
    }
    if (ot_verbose)
        printf("  ok [%s] %s: max_abs %.3e, max %.3g ulps of %s\n", ot_case, what, max_abs, worst,
               dtname(dtype));
    return 0;
}

/* ---------------------------------------------------------------- math */

double ot_softplus_thr(double v) { return v > 20.0 ? v : log1p(exp(v)); }
double ot_sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

ot_tensor *ot_zeros_like(const ot_tensor *t)
{
    if (!t) return NULL;
    ot_tensor *z = ot_new(OT_F64, t->ndim, t->shape, &OT_PACKED);
    ot_fill(z, 0.0);
    return z;
}

void ot_add_into(ot_tensor *acc, const ot_tensor *t)
{
    for (int64_t i = 0, n = ot_numel(acc); i < n; i++) ot_setl(acc, i, ot_getl(acc, i) + ot_getl(t, i));
}
