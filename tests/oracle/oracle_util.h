/*
 * Shared helpers of the oracle self-tests (tests/oracle/): a seeded RNG, host tensors with
 * arbitrary strides and guard regions that become ssmix_view structs for the CPU reference,
 * poisoning / written-and-guard checks, and tolerance comparisons that print the worst element.
 *
 * Every tensor lives in one host allocation of `nalloc` elements of its dtype; the view covers a
 * subset (offset + strides). Elements of the allocation outside the view are "guards": poisoned
 * outputs keep them at the sentinel bit pattern, and ot_check_written() checks that they are intact.
 */
#ifndef SSMIX_ORACLE_UTIL_H
#define SSMIX_ORACLE_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "ssmix_backend.h"

#define OT_F64 SSMIX_INTERNAL_F64

/* ---------------------------------------------------------------- RNG (xoshiro256**) */
typedef struct ot_rng {
    uint64_t s[4];
    int has_spare;
    double spare;
} ot_rng;

void ot_rng_seed(ot_rng *r, uint64_t seed);
uint64_t ot_rng_u64(ot_rng *r);
double ot_uniform(ot_rng *r); /* [0, 1) */
double ot_normal(ot_rng *r);  /* N(0, 1) */
int ot_randint(ot_rng *r, int n); /* [0, n) */

/* ---------------------------------------------------------------- host tensors */
typedef struct ot_tensor {
    ssmix_dtype dtype;
    int ndim;             /* 1..4 */
    int64_t shape[4];     /* logical shape; trailing unused dims are 1 */
    int64_t stride[4];    /* elements, logical (canonical) dimension order; unused dims 0 */
    int64_t offset;       /* elements */
    int64_t nalloc;       /* elements in the allocation */
    void *buf;
    struct ot_tensor *next_alloc;
} ot_tensor;

/* Layout of a new tensor:
 *   perm: memory order of the logical dims, outermost first (NULL = row-major, i.e. 0,1,2,..).
 *   guarded: leave guard elements in front of and behind the view, and a one-element gap after
 *            every innermost row (so strides are not the packed ones).
 *   bcast_mask: bit d set = logical dim d is broadcast (stride 0; inputs only). */
typedef struct ot_layout {
    const int *perm;
    int guarded;
    unsigned bcast_mask;
} ot_layout;

extern const ot_layout OT_PACKED;  /* row-major, no guards */
extern const ot_layout OT_GUARDED; /* row-major with guards and gaps */

ot_tensor *ot_new(ssmix_dtype dtype, int ndim, const int64_t *shape, const ot_layout *layout);
/* Same shape as `like`, new dtype and layout, values copied (rounded to the new dtype). */
ot_tensor *ot_clone(const ot_tensor *like, ssmix_dtype dtype, const ot_layout *layout);
/* Free every tensor allocated so far. */
void ot_free_all(void);

size_t ot_elem_size(ssmix_dtype dtype);
int64_t ot_numel(const ot_tensor *t);
void ot_unravel(const ot_tensor *t, int64_t lin, int64_t idx[4]); /* logical row-major index */
int64_t ot_eoff(const ot_tensor *t, const int64_t idx[4]);         /* element offset in buf */
double ot_get(const ot_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3);
void ot_set(ot_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3, double v);
double ot_getl(const ot_tensor *t, int64_t lin);
void ot_setl(ot_tensor *t, int64_t lin, double v);
double ot_raw_get(const ot_tensor *t, int64_t e); /* element e of the allocation */
void ot_raw_set(ot_tensor *t, int64_t e, double v);

void ot_copy(ot_tensor *dst, const ot_tensor *src); /* same logical shape; values converted */
void ot_fill(ot_tensor *t, double v);
void ot_fill_normal(ot_tensor *t, ot_rng *r, double scale, double shift);
double ot_maxabs(const ot_tensor *t);

/* Fill the whole allocation (view and guards) with a NaN sentinel bit pattern. */
void ot_poison(ot_tensor *t);
/* Count (and print) view elements still holding the sentinel or NaN, and guard elements that
 * were changed. Returns the number of bad elements. */
int64_t ot_check_written(const ot_tensor *t, const char *what);

/* Check that the whole allocation still holds the sentinel (an output that was not requested).
 * Returns the number of changed elements. */
int64_t ot_check_untouched(const ot_tensor *t, const char *what);

ssmix_view ot_view(const ot_tensor *t); /* NULL -> all-zero view (present = 0) */

/* ---------------------------------------------------------------- checks and reporting */
extern int ot_verbose;           /* OT_VERBOSE env: print every comparison */
extern long ot_n_checks, ot_n_failures;
extern double ot_worst_ratio;    /* max over all comparisons of err / allowed */

void ot_init(const char *test_name, int argc, char **argv); /* prints the header, reads env */
int ot_finish(void);             /* prints the summary line; returns the exit code (0/1) */
void ot_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
#define OT_EXPECT(cond, ...)                                                                       \
    do {                                                                                           \
        ot_n_checks++;                                                                             \
        if (!(cond)) ot_fail(__VA_ARGS__);                                                         \
    } while (0)

/* Elementwise |got - ref| <= atol + rtol * |ref| with atol = ascale * max|ref| + afloor.
 * Prints max abs / rel error (and the worst element on failure). Returns 1 on failure. */
typedef struct ot_tol {
    double rtol, ascale, afloor;
} ot_tol;
/* A packed f64 tensor of t's shape filled with 0 (NULL for NULL), and acc += t elementwise
 * (same element count). */
ot_tensor *ot_zeros_like(const ot_tensor *t);
void ot_add_into(ot_tensor *acc, const ot_tensor *t);
int ot_compare(const char *what, const ot_tensor *got, const ot_tensor *ref, ot_tol tol);
/* Storage-ulp comparison: |got - ref| <= ulps * ulp_dtype(ref) (+ a tiny floor for zeros). */
int ot_compare_ulps(const char *what, const ot_tensor *got, const ot_tensor *ref, ssmix_dtype dtype,
                    double ulps);
double ot_ulp(double v, ssmix_dtype dtype);

/* The test-wide label printed in front of messages (set by the tests per case). */
extern char ot_case[256];
void ot_set_case(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---------------------------------------------------------------- math shared by the tests */
double ot_softplus_thr(double v);
double ot_sigmoid(double v);

#endif
