/* Conformance engine: see conformance.h. */
#include "conformance.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtype.h" /* common/dtype.h: host-side conversions with round-to-nearest-even */

#define GUARD_BYTES 256
#define SENTINEL 0xA5
#define MAX_TENSORS 48

struct conf_tensor {
    char name[32];
    ssmix_dtype dt;
    size_t es;
    int ndim;
    int64_t shape[4], strides[4];
    int group;
    conf_tol tol;
    int64_t numel;
    double *vals;
    size_t buf_bytes, view_off;
    unsigned char *image; /* host image of the whole buffer as uploaded (inputs) or poisoned (outputs) */
    unsigned char *mask;  /* 1 for bytes inside view elements */
    int64_t *elem_off;    /* byte offset of each logical element */
    ssmix_buffer *buf[2];
    ssmix_tensor view[2];
};

struct conf_runner {
    ssmix_context *ctx[2];
    uint64_t rng;
    FILE *out;
    int verbose;
    long checks, failures;
    conf_tensor *tensors[MAX_TENSORS];
    int ntensors;
    int case_dtype;
    double worst[3];
};

/* ---------------------------------------------------------------- tolerances */

conf_tol conf_tol_output(ssmix_dtype dt)
{
    conf_tol t = {1e-4, 1e-4};
    if (dt == SSMIX_F16) t.rtol = 3e-3, t.atol = 5e-3;
    else if (dt == SSMIX_BF16) t.rtol = 2e-2, t.atol = 5e-2;
    return t;
}

conf_tol conf_tol_grad(ssmix_dtype dt, double looser)
{
    conf_tol t = {1e-3, 1e-3};
    if (dt == SSMIX_F16) t.rtol = 3e-3, t.atol = 5e-3;
    else if (dt == SSMIX_BF16) t.rtol = 2e-2, t.atol = 5e-2;
    t.rtol *= looser;
    t.atol *= looser;
    return t;
}

/* ---------------------------------------------------------------- runner */

ssmix_status conf_runner_new(const conf_options *opt, conf_runner **rp)
{
    *rp = NULL;
    conf_runner *r = calloc(1, sizeof *r);
    if (!r) return SSMIX_ERROR_OUT_OF_MEMORY;
    ssmix_status st = ssmix_context_create(&r->ctx[CONF_DEV], opt->selector);
    if (st != SSMIX_SUCCESS) {
        free(r);
        return st;
    }
    st = ssmix_context_create(&r->ctx[CONF_REF], "cpu");
    if (st != SSMIX_SUCCESS) {
        ssmix_context_destroy(r->ctx[CONF_DEV]);
        free(r);
        return st;
    }
    r->rng = opt->seed ? opt->seed : 0x5eed5eedull;
    r->out = opt->out ? opt->out : stdout;
    r->verbose = opt->verbose;
    r->case_dtype = 0;
    *rp = r;
    return SSMIX_SUCCESS;
}

void conf_runner_free(conf_runner *r)
{
    if (!r) return;
    conf_case_end(r);
    ssmix_context_destroy(r->ctx[CONF_DEV]);
    ssmix_context_destroy(r->ctx[CONF_REF]);
    free(r);
}

ssmix_context *conf_ctx(conf_runner *r, conf_side side) { return r->ctx[side]; }
long conf_checks(const conf_runner *r) { return r->checks; }
long conf_failures(const conf_runner *r) { return r->failures; }
FILE *conf_out(const conf_runner *r) { return r->out; }
int conf_verbose(const conf_runner *r) { return r->verbose; }
double conf_worst_ratio(const conf_runner *r, int i) { return (i >= 0 && i < 3) ? r->worst[i] : 0.0; }
void conf_set_case_dtype(conf_runner *r, ssmix_dtype io)
{
    r->case_dtype = io == SSMIX_F16 ? 1 : io == SSMIX_BF16 ? 2 : 0;
}

/* ---------------------------------------------------------------- random numbers (xorshift64*) */

uint64_t conf_rand_u64(conf_runner *r)
{
    uint64_t x = r->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

double conf_randu(conf_runner *r) { return (double)(conf_rand_u64(r) >> 11) * (1.0 / 9007199254740992.0); }

double conf_randn(conf_runner *r)
{
    double u1 = conf_randu(r), u2 = conf_randu(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---------------------------------------------------------------- tensors */

static size_t elsize(ssmix_dtype dt) { return ssmix_dtype_size(dt); }

conf_tensor *conf_tensor_new(conf_runner *r, const char *name, ssmix_dtype dt, int ndim, const int64_t *shape,
                             int layout, int group, conf_tol tol)
{
    if (r->ntensors >= MAX_TENSORS || ndim < 1 || ndim > 4) return NULL;
    conf_tensor *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->dt = dt;
    t->es = elsize(dt);
    t->ndim = ndim;
    t->group = group;
    t->tol = tol;
    t->numel = 1;
    for (int d = 0; d < ndim; ++d) {
        t->shape[d] = shape[d];
        t->numel *= shape[d];
    }
    /* strides */
    int64_t box[4];
    for (int d = 0; d < ndim; ++d) box[d] = shape[d] + (layout == CONF_LAYOUT_PADDED ? (d == ndim - 1 ? 3 : 1) : 0);
    if (layout == CONF_LAYOUT_COLMAJOR) {
        int64_t s = 1;
        for (int d = 0; d < ndim; ++d) {
            t->strides[d] = s;
            s *= box[d];
        }
    } else {
        int64_t s = 1;
        for (int d = ndim - 1; d >= 0; --d) {
            t->strides[d] = s;
            s *= box[d];
        }
    }
    int64_t maxoff = 0;
    for (int d = 0; d < ndim; ++d) maxoff += (shape[d] - 1) * t->strides[d];
    t->view_off = GUARD_BYTES;
    t->buf_bytes = GUARD_BYTES + (size_t)(maxoff + 1) * t->es + GUARD_BYTES;
    t->vals = calloc((size_t)t->numel, sizeof(double));
    t->image = malloc(t->buf_bytes);
    t->mask = calloc(t->buf_bytes, 1);
    t->elem_off = malloc((size_t)t->numel * sizeof(int64_t));
    if (!t->vals || !t->image || !t->mask || !t->elem_off) goto fail;
    memset(t->image, SENTINEL, t->buf_bytes);
    for (int64_t i = 0; i < t->numel; ++i) {
        int64_t rem = i, off = 0;
        for (int d = ndim - 1; d >= 0; --d) {
            off += (rem % shape[d]) * t->strides[d];
            rem /= shape[d];
        }
        t->elem_off[i] = (int64_t)t->view_off + off * (int64_t)t->es;
        memset(t->mask + t->elem_off[i], 1, t->es);
    }
    for (int s = 0; s < 2; ++s) {
        if (ssmix_buffer_alloc(r->ctx[s], t->buf_bytes, &t->buf[s]) != SSMIX_SUCCESS) goto fail;
        if (ssmix_tensor_init(&t->view[s], t->buf[s], t->view_off, dt, ndim, shape, t->strides) != SSMIX_SUCCESS) goto fail;
    }
    r->tensors[r->ntensors++] = t;
    return t;
fail:
    fprintf(r->out, "conformance: cannot allocate tensor %s (%zu bytes): %s\n", name, t->buf_bytes, ssmix_last_error());
    for (int s = 0; s < 2; ++s) ssmix_buffer_free(t->buf[s]);
    free(t->vals);
    free(t->image);
    free(t->mask);
    free(t->elem_off);
    free(t);
    return NULL;
}

double *conf_values(conf_tensor *t) { return t->vals; }
int64_t conf_numel(const conf_tensor *t) { return t->numel; }

void conf_fill_normal(conf_runner *r, conf_tensor *t, double mean, double stddev)
{
    for (int64_t i = 0; i < t->numel; ++i) t->vals[i] = mean + stddev * conf_randn(r);
}

void conf_fill_uniform(conf_runner *r, conf_tensor *t, double lo, double hi)
{
    for (int64_t i = 0; i < t->numel; ++i) t->vals[i] = lo + (hi - lo) * conf_randu(r);
}

static void store_elem(unsigned char *p, ssmix_dtype dt, double v)
{
    switch (dt) {
    case SSMIX_F32: {
        float f = (float)v;
        memcpy(p, &f, 4);
        break;
    }
    case SSMIX_F16: {
        uint16_t h = ssmix_f64_to_f16(v);
        memcpy(p, &h, 2);
        break;
    }
    case SSMIX_BF16: {
        uint16_t h = ssmix_f64_to_bf16(v);
        memcpy(p, &h, 2);
        break;
    }
    case SSMIX_I32: {
        int32_t i = (int32_t)v;
        memcpy(p, &i, 4);
        break;
    }
    }
}

static double load_elem(const unsigned char *p, ssmix_dtype dt)
{
    switch (dt) {
    case SSMIX_F32: {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    case SSMIX_F16: {
        uint16_t h;
        memcpy(&h, p, 2);
        return ssmix_f16_to_f32(h);
    }
    case SSMIX_BF16: {
        uint16_t h;
        memcpy(&h, p, 2);
        return ssmix_bf16_to_f32(h);
    }
    case SSMIX_I32: {
        int32_t i;
        memcpy(&i, p, 4);
        return i;
    }
    }
    return NAN;
}

ssmix_status conf_upload(conf_runner *r, conf_tensor *t)
{
    for (int64_t i = 0; i < t->numel; ++i) {
        store_elem(t->image + t->elem_off[i], t->dt, t->vals[i]);
        t->vals[i] = load_elem(t->image + t->elem_off[i], t->dt);
    }
    for (int s = 0; s < 2; ++s) {
        ssmix_status st = ssmix_buffer_write(t->buf[s], 0, t->image, t->buf_bytes);
        if (st != SSMIX_SUCCESS) {
            fprintf(r->out, "conformance: uploading %s failed: %s\n", t->name, ssmix_last_error());
            return st;
        }
    }
    return SSMIX_SUCCESS;
}

const ssmix_tensor *conf_view(conf_tensor *t, conf_side side) { return t ? &t->view[side] : NULL; }

void conf_case_end(conf_runner *r)
{
    for (int i = 0; i < r->ntensors; ++i) {
        conf_tensor *t = r->tensors[i];
        for (int s = 0; s < 2; ++s) ssmix_buffer_free(t->buf[s]);
        free(t->vals);
        free(t->image);
        free(t->mask);
        free(t->elem_off);
        free(t);
    }
    r->ntensors = 0;
}

/* ---------------------------------------------------------------- execution and comparison */

static void poison(conf_tensor *t)
{
    memset(t->image, SENTINEL, t->buf_bytes);
    for (int64_t i = 0; i < t->numel; ++i) store_elem(t->image + t->elem_off[i], t->dt, NAN);
}

static double now_s(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void row(conf_runner *r, const char *label, const char *tensor, int pass, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void row(conf_runner *r, const char *label, const char *tensor, int pass, const char *fmt, ...)
{
    r->checks++;
    if (!pass) r->failures++;
    if (!pass || r->verbose) {
        char detail[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
        fprintf(r->out, "%-44s %-16s %s %s\n", label, tensor, detail, pass ? "pass" : "FAIL");
    }
}

/* Bytes outside the view must still hold the sentinel. Returns the count of changed bytes. */
static size_t guard_damage(const conf_tensor *t, const unsigned char *img)
{
    size_t bad = 0;
    for (size_t i = 0; i < t->buf_bytes; ++i)
        if (!t->mask[i] && img[i] != SENTINEL) ++bad;
    return bad;
}

static int run_side(conf_runner *r, const char *label, conf_side side, conf_op_fn fn, void *user, double *secs)
{
    double t0 = now_s();
    ssmix_status st = fn(r, side, user);
    if (st == SSMIX_SUCCESS) st = ssmix_synchronize(r->ctx[side]);
    *secs = now_s() - t0;
    if (st != SSMIX_SUCCESS) {
        char msg[480];
        snprintf(msg, sizeof msg, "%s: %s", ssmix_status_string(st), ssmix_last_error());
        for (char *p = msg; *p; ++p)
            if (*p == '\n') *p = ' ';
        row(r, label, side == CONF_DEV ? "(backend run)" : "(oracle run)", 0, "%s", msg);
        return 0;
    }
    return 1;
}

static int upload_poison(conf_runner *r, conf_tensor *t, int side_mask)
{
    poison(t);
    for (int s = 0; s < 2; ++s) {
        if (!(side_mask & (1 << s))) continue;
        if (ssmix_buffer_write(t->buf[s], 0, t->image, t->buf_bytes) != SSMIX_SUCCESS) {
            row(r, "poison", t->name, 0, "%s", ssmix_last_error());
            return 0;
        }
    }
    return 1;
}

int conf_execute(conf_runner *r, const char *label, int group, conf_op_fn fn, void *user, int determinism)
{
    long fail0 = r->failures;
    for (int i = 0; i < r->ntensors; ++i)
        if (r->tensors[i]->group == group && !upload_poison(r, r->tensors[i], 3)) return (int)(r->failures - fail0);
    double tref = 0, tdev = 0;
    if (!run_side(r, label, CONF_REF, fn, user, &tref)) return (int)(r->failures - fail0);
    if (!run_side(r, label, CONF_DEV, fn, user, &tdev)) return (int)(r->failures - fail0);

    size_t maxbytes = 0;
    for (int i = 0; i < r->ntensors; ++i)
        if (r->tensors[i]->buf_bytes > maxbytes) maxbytes = r->tensors[i]->buf_bytes;
    unsigned char *img[2] = {malloc(maxbytes), malloc(maxbytes)};
    if (!img[0] || !img[1]) {
        free(img[0]);
        free(img[1]);
        row(r, label, "(host memory)", 0, "out of host memory");
        return (int)(r->failures - fail0);
    }
    int ncompared = 0;
    for (int i = 0; i < r->ntensors; ++i) {
        conf_tensor *t = r->tensors[i];
        if (t->group != 0 && t->group != group) continue;
        int ok = 1;
        for (int s = 0; s < 2 && ok; ++s)
            if (ssmix_buffer_read(t->buf[s], 0, img[s], t->buf_bytes) != SSMIX_SUCCESS) {
                row(r, label, t->name, 0, "read back failed: %s", ssmix_last_error());
                ok = 0;
            }
        if (!ok) continue;
        if (t->group == 0) { /* inputs must be untouched on both sides */
            for (int s = 0; s < 2; ++s)
                if (memcmp(img[s], t->image, t->buf_bytes) != 0)
                    row(r, label, t->name, 0, "input modified by the %s", s == CONF_DEV ? "backend" : "oracle");
            continue;
        }
        size_t dmg = guard_damage(t, img[CONF_DEV]), dmg_ref = guard_damage(t, img[CONF_REF]);
        if (dmg || dmg_ref)
            row(r, label, t->name, 0, "%zu bytes outside the view written by the backend, %zu by the oracle", dmg, dmg_ref);
        double maxerr = 0, worst = 0, num = 0, den = 0;
        int64_t nbad = 0, first_bad = -1, nnan = 0;
        for (int64_t e = 0; e < t->numel; ++e) {
            double d = load_elem(img[CONF_DEV] + t->elem_off[e], t->dt);
            double f = load_elem(img[CONF_REF] + t->elem_off[e], t->dt);
            double allowed = t->tol.atol + t->tol.rtol * fabs(f);
            double err = fabs(d - f);
            if (isnan(d) || isnan(f) || isinf(d) != isinf(f)) {
                ++nnan;
                ++nbad;
                if (first_bad < 0) first_bad = e;
                continue;
            }
            if (isinf(d)) err = (d == f) ? 0.0 : INFINITY;
            if (err > maxerr) maxerr = err;
            if (err / allowed > worst) worst = err / allowed;
            if (err > allowed) {
                ++nbad;
                if (first_bad < 0) first_bad = e;
            }
            num += (d - f) * (d - f);
            den += f * f;
        }
        double rms = den > 0 ? sqrt(num / den) : sqrt(num);
        if (worst > r->worst[r->case_dtype]) r->worst[r->case_dtype] = worst;
        char where[160] = "";
        if (first_bad >= 0) {
            int64_t rem = first_bad, idx[4] = {0, 0, 0, 0};
            for (int d = t->ndim - 1; d >= 0; --d) {
                idx[d] = rem % t->shape[d];
                rem /= t->shape[d];
            }
            snprintf(where, sizeof where, " first bad [%lld,%lld,%lld,%lld] dev %.6g ref %.6g (%lld bad, %lld nan)",
                     (long long)idx[0], (long long)idx[1], (long long)idx[2], (long long)idx[3],
                     load_elem(img[CONF_DEV] + t->elem_off[first_bad], t->dt),
                     load_elem(img[CONF_REF] + t->elem_off[first_bad], t->dt), (long long)nbad, (long long)nnan);
        }
        row(r, label, t->name, nbad == 0, "max_err %.3e tol %.0e/%.0e ratio %.3f rms %.3e%s", maxerr, t->tol.rtol,
            t->tol.atol, worst, rms, where);
        ++ncompared;
    }

    if (determinism) {
        /* keep the first results, re-poison, run again, compare bitwise */
        int nout = 0;
        unsigned char *first[MAX_TENSORS] = {0};
        for (int i = 0; i < r->ntensors; ++i) {
            conf_tensor *t = r->tensors[i];
            if (t->group != group) continue;
            first[i] = malloc(t->buf_bytes);
            if (!first[i] || ssmix_buffer_read(t->buf[CONF_DEV], 0, first[i], t->buf_bytes) != SSMIX_SUCCESS) continue;
            upload_poison(r, t, 1 << CONF_DEV);
            ++nout;
        }
        double t2 = 0;
        if (run_side(r, label, CONF_DEV, fn, user, &t2)) {
            int same = 1;
            char which[64] = "";
            for (int i = 0; i < r->ntensors; ++i) {
                conf_tensor *t = r->tensors[i];
                if (!first[i]) continue;
                if (ssmix_buffer_read(t->buf[CONF_DEV], 0, img[0], t->buf_bytes) != SSMIX_SUCCESS ||
                    memcmp(img[0], first[i], t->buf_bytes) != 0) {
                    if (same) snprintf(which, sizeof which, "%s", t->name);
                    same = 0;
                }
            }
            row(r, label, "(determinism)", same, "%d outputs rerun: %s", nout, same ? "bitwise equal" : which);
        }
        for (int i = 0; i < MAX_TENSORS; ++i) free(first[i]);
    }
    free(img[0]);
    free(img[1]);
    int nf = (int)(r->failures - fail0);
    fprintf(r->out, "%-44s %d tensors compared, %s (oracle %.2fs, backend %.2fs)\n", label, ncompared,
            nf ? "FAILED" : "ok", tref, tdev);
    fflush(r->out);
    return nf;
}

double conf_softplus(double v) { return v > 20 ? v : log1p(exp(v)); }

/* ---------------------------------------------------------------- suites */

extern const conf_suite conf_suite_ssd;
extern const conf_suite conf_suite_qsmix;
extern const conf_suite conf_suite_conv;
extern const conf_suite conf_suite_sscan;
extern const conf_suite conf_suite_gla;
extern const conf_suite conf_suite_decode;

static const conf_suite *const suites[] = {
    &conf_suite_ssd,
    &conf_suite_qsmix,
    &conf_suite_conv,
    &conf_suite_sscan,
    &conf_suite_gla,
    &conf_suite_decode,
    /* Operator families of OPS.md sections 3-6 add their suites here (one line each). */
    NULL};

const conf_suite *const *conf_suites(void) { return suites; }
