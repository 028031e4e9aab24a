/*
 * The contract between the backend-neutral core (common/) and a backend (built-in cpu, or a
 * dlopen'ed module libssmix-<name>.so). Not installed; not part of the public API.
 *
 * The core validates every argument once (common/validate.c) and hands the backend a resolved
 * "problem": sizes, flags and one ssmix_view per tensor with strides in a fixed canonical
 * dimension order. A backend may assume everything the validator checks (see the comments on each
 * field) and must not re-validate; it reports only what it cannot do (SSMIX_ERROR_UNSUPPORTED)
 * and runtime failures.
 *
 * A module exports one symbol, SSMIX_BACKEND_ENTRY_SYMBOL, of type ssmix_backend_entry_fn. The
 * loader passes the host interface; the module returns its ops table whose abi_version must equal
 * SSMIX_BACKEND_ABI_VERSION, or NULL (after host->set_error) if it cannot be used at all.
 */
#ifndef SSMIX_BACKEND_H
#define SSMIX_BACKEND_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ssmix.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bump on any change to the structs or function tables below. */
#define SSMIX_BACKEND_ABI_VERSION 4u /* 4: cu_seqlens/nseq in the SSD and mixer problems */
#define SSMIX_BACKEND_ENTRY_SYMBOL "ssmix_backend_entry"

/* Test-only dtype understood by the CPU reference alone: double storage, so oracle self-tests
 * (finite differences) run entirely in double. The public API never accepts it. */
#define SSMIX_INTERNAL_F64 ((ssmix_dtype)100)

/* A resolved tensor view. `native` is the backend's own buffer handle (what buffer_alloc or
 * buffer_wrap returned); `offset` is in elements (the validator checked byte alignment).
 * present == 0: the optional tensor was not given (all other fields zero). */
typedef struct ssmix_view {
    int present;
    void *native;
    int64_t offset;
    ssmix_dtype dtype;
    int64_t stride[4];
} ssmix_view;

/* SSD problem (forward and backward share it; fields unused by a pass have present == 0).
 * Canonical stride order of each view:
 *   x z out dout dx dz        [b][t][h][p]
 *   dt ddt                    [b][t][h]
 *   A dA dt_bias ddt_bias     [h]
 *   D dD                      [h][p]   (d_per_channel == 0: D has shape (H), stride[1] == 0)
 *   B C dB dC                 [b][t][g][n]
 *   init final dfinal dinit   [b][h][p][n]
 *   seq_idx                   [b][t]
 * Guarantees: all sizes >= 1, nheads % ngroups == 0, every present view lies inside its buffer,
 * activation views share io_dtype, A/D/dt_bias/states are f32, seq_idx is i32, strides >= 0,
 * output views do not overlap themselves, element counts fit in int64. */
typedef struct ssmix_ssd_problem {
    int64_t batch, seqlen, nheads, headdim, dstate, ngroups, chunk_size;
    int dt_softplus;
    float dt_min, dt_max;
    int d_per_channel;      /* D (and dD) has shape (H,P) */
    ssmix_dtype io_dtype;
    ssmix_view x, dt, A, B, C, D, z, dt_bias, init, seq_idx;
    ssmix_view out, final_states;                      /* forward outputs */
    ssmix_view dout, dfinal;                           /* backward inputs */
    ssmix_view dx, ddt, dA, dB, dC, dD, dz, ddt_bias, dinit; /* backward outputs */
    /* varlen: cu_seqlens [k] (i32, nseq+1 entries) present => batch == 1, seq_idx absent, and the
     * state views init/final/dfinal/dinit have nseq rows ([k][h][p][n]). The validator checks shape
     * and dtype only: the values live on the device (the cpu oracle checks them itself). */
    ssmix_view cu_seqlens;
    int64_t nseq;           /* number of sequences (0 when cu_seqlens is absent) */
} ssmix_ssd_problem;

/* Quasiseparable mixer problem. Direction index 0 = forward (causal), 1 = backward (anti-causal).
 * shared_dirs == 1: dt[1], B[1], C[1] are copies of the [0] views and the [0] gradients receive
 * the sum of both directions ([1] gradient views have present == 0). Initial states are never
 * shared: init[1]/dinit[1] belong to the backward direction even when shared_dirs == 1.
 * Canonical orders as for SSD; delta/ddelta are [b][t][h]; D/dD [h][p] as for SSD.
 * At most one of D and delta is present. */
typedef struct ssmix_qsmix_problem {
    int64_t batch, seqlen, nheads, headdim, dstate, ngroups, chunk_size;
    ssmix_qsmix_mode mode;
    int dt_softplus;
    float dt_min, dt_max;
    int d_per_channel;
    int shared_dirs;
    ssmix_dtype io_dtype;
    ssmix_view x, A, dt_bias, D, delta, z;
    ssmix_view dt[2], B[2], C[2], init[2];
    ssmix_view out;                                    /* forward output */
    ssmix_view dout;                                   /* backward input */
    ssmix_view dx, dA, ddt_bias, dD, ddelta, dz;       /* backward outputs */
    ssmix_view ddt[2], dB[2], dC[2], dinit[2];
    /* varlen: cu_seqlens [i] (present: batch == 1, init/dinit lead with nseq; values checked only
     * by backends that can read them, see ssmix_qsmix_tensors.cu_seqlens) */
    ssmix_view cu_seqlens;
    int64_t nseq;                                      /* 0 when cu_seqlens is absent */
} ssmix_qsmix_problem;

/* The problems of OPS.md sections 3-6, one header per operator family, same conventions. */
#include "problem_gla.h"    /* ssmix_gla_problem */
#include "problem_sscan.h"  /* ssmix_sscan_problem, ssmix_sscan_decode_problem */
#include "problem_conv.h"   /* ssmix_conv1d_problem, ssmix_conv1d_update_problem */
#include "problem_decode.h" /* ssmix_ssd_decode_problem */

/* Services the core offers to backends. */
typedef struct ssmix_host_api {
    uint32_t abi_version;
    /* Record the calling thread's error message (printf format); returns `status` for chaining. */
    ssmix_status (*set_error)(ssmix_status status, const char *fmt, ...);
    /* Log at level 1 = info, 2 = debug when SSMIX_LOG allows it. */
    void (*log)(int level, const char *fmt, ...);
} ssmix_host_api;

typedef struct ssmix_backend_ops {
    uint32_t abi_version; /* SSMIX_BACKEND_ABI_VERSION */
    const char *name;     /* "cpu", "cuda", "hip", "opencl" */
    const char *archs;    /* GPU architectures compiled in, e.g. "sm_80,sm_90" ("" if none) */

    /* Number of usable devices; on 0 or failure, set_error says why (runtime missing, no device).
     * Must not crash when the vendor runtime is absent. */
    ssmix_status (*device_count)(int *count);
    ssmix_status (*device_info)(int index, ssmix_device_info *info);

    /* Open a device. `device_sel` is the selector text after "name:" ("" for default), e.g. "1",
     * "pocl", "nvidia:0"; fields match by index or case-insensitive name substring. */
    ssmix_status (*open)(const char *device_sel, void **bctx);
    void (*close)(void *bctx);
    const char *(*device_name)(void *bctx);
    ssmix_status (*context_device_info)(void *bctx, ssmix_device_info *info);
    ssmix_status (*synchronize)(void *bctx);

    ssmix_status (*buffer_alloc)(void *bctx, size_t bytes, void **native);
    /* Adopt a caller-owned allocation; the returned handle is what views carry. */
    ssmix_status (*buffer_wrap)(void *bctx, void *user_native, size_t bytes, void **native);
    /* Release an allocation (owned != 0) or just the wrapper (owned == 0). */
    void (*buffer_free)(void *bctx, void *native, int owned);
    /* The caller's native handle for ssmix_buffer_native(). */
    void *(*buffer_user_handle)(void *bctx, void *native);
    ssmix_status (*buffer_write)(void *bctx, void *native, size_t offset, const void *src, size_t bytes);
    ssmix_status (*buffer_read)(void *bctx, void *native, size_t offset, void *dst, size_t bytes);

    ssmix_status (*ssd_forward)(void *bctx, const ssmix_ssd_problem *p);
    ssmix_status (*ssd_backward)(void *bctx, const ssmix_ssd_problem *p);
    ssmix_status (*qsmix_forward)(void *bctx, const ssmix_qsmix_problem *p);
    ssmix_status (*qsmix_backward)(void *bctx, const ssmix_qsmix_problem *p);

    /* Optional (NULL: the backend has no native streams). set_stream: queue subsequent work on
     * `native_stream` (NULL: the context's own), ordering previously queued work before it.
     * get_stream: the stream work goes to now. */
    ssmix_status (*set_stream)(void *bctx, void *native_stream);
    void *(*get_stream)(void *bctx);

    /* Optional (NULL: none): the native handle called `name` (ssmix_context_native_handle). Returns
     * SSMIX_ERROR_UNSUPPORTED, listing the names it has, for any other name. */
    ssmix_status (*native_handle)(void *bctx, const char *name, void **handle);

    /* Optional timing events (all four NULL: the core synchronizes and reads the host clock, right
     * for backends that run synchronously). event_record queues a marker after the work queued so
     * far; event_elapsed waits for `end` and returns the device time between the two markers. */
    ssmix_status (*event_create)(void *bctx, void **event);
    void (*event_destroy)(void *bctx, void *event);
    ssmix_status (*event_record)(void *bctx, void *event);
    ssmix_status (*event_elapsed)(void *bctx, void *start, void *end, float *ms);

    /* OPS.md sections 3-6. NULL: the backend does not implement the operator (UNSUPPORTED). */
    ssmix_status (*gla_forward)(void *bctx, const ssmix_gla_problem *p);
    ssmix_status (*gla_backward)(void *bctx, const ssmix_gla_problem *p);
    ssmix_status (*sscan_forward)(void *bctx, const ssmix_sscan_problem *p);
    ssmix_status (*sscan_backward)(void *bctx, const ssmix_sscan_problem *p);
    ssmix_status (*sscan_decode)(void *bctx, const ssmix_sscan_decode_problem *p);
    ssmix_status (*conv1d_forward)(void *bctx, const ssmix_conv1d_problem *p);
    ssmix_status (*conv1d_backward)(void *bctx, const ssmix_conv1d_problem *p);
    ssmix_status (*conv1d_update)(void *bctx, const ssmix_conv1d_update_problem *p);
    ssmix_status (*ssd_decode)(void *bctx, const ssmix_ssd_decode_problem *p);
} ssmix_backend_ops;

typedef const ssmix_backend_ops *(*ssmix_backend_entry_fn)(const ssmix_host_api *host);

#ifdef __cplusplus
}
#endif
#endif /* SSMIX_BACKEND_H */
