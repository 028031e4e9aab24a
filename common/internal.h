/*
 * Internal declarations of the backend-neutral core. Not installed.
 */
#ifndef SSMIX_INTERNAL_H
#define SSMIX_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "ssmix.h"
#include "ssmix_backend.h"

#if defined(__GNUC__)
#define SSMIX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SSMIX_PRINTF(f, a)
#endif

/* ---- errors (status.c) */
/* Record the thread's last error (printf format) and return `status`. Exported (not in ssmix.h) so
 * that programs which link the CPU reference objects directly (the oracle self-tests, the ssmix
 * tool) record their errors in libssmix's one per-thread error state. */
SSMIX_API ssmix_status ssmix_set_error(ssmix_status status, const char *fmt, ...) SSMIX_PRINTF(2, 3);
ssmix_status ssmix_set_errorv(ssmix_status status, const char *fmt, va_list ap);
void ssmix_clear_error(void);

/* ---- logging (log.c): SSMIX_LOG=info|debug, read once */
enum { SSMIX_LOG_OFF = 0, SSMIX_LOG_INFO = 1, SSMIX_LOG_DEBUG = 2 };
void ssmix_log(int level, const char *fmt, ...) SSMIX_PRINTF(2, 3);
void ssmix_logv(int level, const char *fmt, va_list ap);
extern const ssmix_host_api ssmix_host;

/* ---- selector grammar (selector.c) */
#define SSMIX_MAX_SELECTOR_ITEMS 16
typedef struct ssmix_selector_item {
    char backend[16];     /* "cpu", "cuda", "hip", "opencl" */
    char device_sel[256]; /* text after "backend:" ("" if none) */
} ssmix_selector_item;
/* Parse a selector into items, expanding "auto". On a malformed selector returns
 * SSMIX_ERROR_INVALID_ARGUMENT with the accepted grammar in the message. */
ssmix_status ssmix_selector_parse(const char *text, const char *origin, ssmix_selector_item *items,
                                   int *count);
extern const char *const ssmix_backend_names[4]; /* in "auto" order: cuda, hip, opencl, cpu */

/* ---- backends (loader.c) */
typedef struct ssmix_backend_handle {
    const ssmix_backend_ops *ops;
    void *dl;               /* dlopen handle (NULL for the built-in cpu backend) */
    char path[512];         /* module path ("" for cpu) */
} ssmix_backend_handle;
/* Load backend `name` ("cpu" is built in). On failure returns SSMIX_ERROR_BACKEND_UNAVAILABLE with
 * a message listing every path tried and why it failed. */
ssmix_status ssmix_backend_load(const char *name, ssmix_backend_handle *out);
void ssmix_backend_unload(ssmix_backend_handle *h);
const ssmix_backend_ops *ssmix_cpu_backend_ops(void);

/* ---- objects */
struct ssmix_context {
    ssmix_backend_handle backend;
    void *bctx;
    char backend_name[16];
    char device_name[256];
};

struct ssmix_buffer {
    ssmix_context *ctx;
    void *native;   /* the backend's handle */
    size_t size;
    int owned;
};

/* ---- validation (validate.c): argument checks and resolution into problems */
ssmix_status ssmix_validate_ssd(const ssmix_context *ctx, const ssmix_ssd_params *params,
                                const ssmix_ssd_tensors *t, int backward, ssmix_ssd_problem *p);
ssmix_status ssmix_validate_qsmix(const ssmix_context *ctx, const ssmix_qsmix_params *params,
                                  const ssmix_qsmix_tensors *t, int backward, ssmix_qsmix_problem *p);

/* ---- operators (ops.c): the error of an operator whose backend slot is NULL */
ssmix_status ssmix_op_missing(const ssmix_context *ctx, const char *op);

/* ---- small string helpers (selector.c) */
int ssmix_strcasestr_match(const char *haystack, const char *needle); /* case-insensitive substring */
void ssmix_strlcpy(char *dst, const char *src, size_t size);

#endif
