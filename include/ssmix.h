/*
 * ssmix: portable kernels for state-space-duality sequence models.
 *
 * The whole public C API. C99, no vendor headers. Backend-specific extras live in
 * ssmix_<backend>.h. Operator contracts (math, gradients, tolerances): docs/ and OPS.md.
 *
 * Conventions
 * - Every function returns ssmix_status (0 = success). On failure ssmix_last_error() returns a
 *   message for the calling thread naming the argument and the expected vs. actual value.
 * - A rejected call writes nothing to any output.
 * - Operators are asynchronous with respect to the host on GPU backends; buffer reads/writes and
 *   ssmix_synchronize() block until the work queued before them is done.
 * - Tensors are strided views into buffers; strides are counted in elements.
 */
#ifndef SSMIX_H
#define SSMIX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SSMIX_API
#else
#define SSMIX_API __attribute__((visibility("default")))
#endif

#define SSMIX_VERSION_MAJOR 0
#define SSMIX_VERSION_MINOR 1
#define SSMIX_VERSION_PATCH 0
/* MAJOR*10000 + MINOR*100 + PATCH, as returned by ssmix_version(). */
#define SSMIX_VERSION (SSMIX_VERSION_MAJOR * 10000 + SSMIX_VERSION_MINOR * 100 + SSMIX_VERSION_PATCH)

/* ---------------------------------------------------------------- status and errors */

typedef enum ssmix_status {
    SSMIX_SUCCESS = 0,
    SSMIX_ERROR_INVALID_ARGUMENT = 1,    /* bad shape, stride, dtype, null, overflow, env grammar */
    SSMIX_ERROR_UNSUPPORTED = 2,         /* valid request this backend/build cannot serve */
    SSMIX_ERROR_BACKEND_UNAVAILABLE = 3, /* module, runtime library or device missing */
    SSMIX_ERROR_DEVICE = 4,              /* the device runtime reported an error */
    SSMIX_ERROR_OUT_OF_MEMORY = 5,       /* host or device allocation failed */
    SSMIX_ERROR_INTERNAL = 6             /* a bug in ssmix: please report */
} ssmix_status;

/* Short constant description of a status ("invalid argument", ...). Never NULL. */
SSMIX_API const char *ssmix_status_string(ssmix_status status);

/* Detailed message of the last failed call on this thread ("" if none). Valid until the next
 * ssmix call on the same thread. */
SSMIX_API const char *ssmix_last_error(void);

/* ---------------------------------------------------------------- version and features */

SSMIX_API int ssmix_version(void);               /* SSMIX_VERSION of the loaded library */
SSMIX_API const char *ssmix_version_string(void); /* "0.1.0" */
/* Build features, one "key=value" per line: version, backends compiled (modules built with this
 * library), cuda_archs, hip_archs, module_dir. Constant string. */
SSMIX_API const char *ssmix_features(void);

/* ---------------------------------------------------------------- backends */

typedef struct ssmix_backend_info {
    char name[16];          /* "cpu", "cuda", "hip", "opencl" */
    int built;              /* 1 if this build of ssmix produced the module (cpu: always 1) */
    int available;          /* 1 if the module loads and at least one device is usable */
    int device_count;       /* usable devices (0 when unavailable) */
    char module_path[512];  /* the module file that was loaded ("" for cpu or when not found) */
    char reason[1024];      /* why unavailable ("" when available) */
} ssmix_backend_info;

typedef struct ssmix_device_info {
    char name[256];         /* e.g. "NVIDIA H100 80GB HBM3", "pthread-haswell (Portable CL)" */
    char platform[256];     /* OpenCL platform name; runtime/driver description elsewhere */
    uint64_t memory_bytes;  /* global memory (0 if unknown) */
    int compute_units;      /* SMs / CUs / cores (0 if unknown) */
    char arch[64];          /* "sm_90", "gfx90a", CPU architecture, ... ("" if unknown) */
} ssmix_device_info;

/* Probe one backend by name ("cpu", "cuda", "hip", "opencl") without creating a context. A
 * backend that is not available is not an error: info->available is 0 and info->reason says why.
 * Fails only for an unknown name or a NULL info. */
SSMIX_API ssmix_status ssmix_backend_probe(const char *name, ssmix_backend_info *info);

/* Describe device `index` (0-based, in the backend's own order) of an available backend. */
SSMIX_API ssmix_status ssmix_backend_device(const char *name, int index, ssmix_device_info *info);

/* ---------------------------------------------------------------- contexts */

typedef struct ssmix_context ssmix_context;

/* Create a context on the backend chosen by `selector`, or by the environment variable
 * SSMIX_BACKEND when selector is NULL (unset or empty means "auto").
 * Grammar:  selector := item ("," item)*          preference order, first that works wins
 *           item     := "auto" | name (":" field)*
 *           name     := "cpu" | "cuda" | "hip" | "opencl"
 *           field    := device index (digits) or name substring (case-insensitive)
 *   cuda:1, hip:0, opencl:pocl (platform), opencl:nvidia:0 (platform, device), cpu.
 * "auto" tries cuda, hip, opencl, cpu. When nothing in the list can be used, the call fails with
 * SSMIX_ERROR_BACKEND_UNAVAILABLE and a message giving every reason tried; it never falls back to a
 * backend that was not listed. SSMIX_BACKEND_PATH (':'-separated) adds module directories searched
 * before the built-in ones; SSMIX_LOG=info|debug prints what was tried to stderr. */
SSMIX_API ssmix_status ssmix_context_create(ssmix_context **ctx, const char *selector);
SSMIX_API ssmix_status ssmix_context_destroy(ssmix_context *ctx); /* NULL is a no-op */

/* Names stay valid for the life of the context. */
SSMIX_API const char *ssmix_context_backend(const ssmix_context *ctx);  /* "cuda", ...; NULL if ctx NULL */
SSMIX_API const char *ssmix_context_device(const ssmix_context *ctx);   /* device name */
SSMIX_API ssmix_status ssmix_context_device_info(const ssmix_context *ctx, ssmix_device_info *info);

/* Wait until all work queued on the context has finished. */
SSMIX_API ssmix_status ssmix_synchronize(ssmix_context *ctx);

/* Native streams (cuda, hip). Queue the context's subsequent work (operators, buffer copies,
 * ssmix_synchronize) on a caller-owned native stream of its backend: a cudaStream_t for "cuda", a
 * hipStream_t for "hip" (typed wrappers: ssmix_cuda.h, ssmix_hip.h). NULL returns to the context's
 * own stream. `backend` must name the context's backend (a guard against handing a CUDA stream to a
 * HIP context). Work queued before the switch is ordered before work queued after it. The caller
 * keeps ownership and must keep the stream alive while the context uses it. Backends without native
 * streams (cpu, opencl) return SSMIX_ERROR_UNSUPPORTED. */
SSMIX_API ssmix_status ssmix_context_set_native_stream(ssmix_context *ctx, const char *backend, void *stream);
/* The native stream the context queues work on now (its own unless one was set). */
SSMIX_API ssmix_status ssmix_context_native_stream(const ssmix_context *ctx, const char *backend, void **stream);

/* Native handles of the context's device objects, for interoperation: e.g. a cl_mem created in the
 * context's cl_context can be passed to ssmix_buffer_wrap. `name`, per backend:
 *   opencl  "cl_platform_id", "cl_device_id", "cl_context", "cl_command_queue"
 *   cuda    "device": the CUDA device ordinal, stored as (void *)(intptr_t)ordinal
 *   hip     "device": the HIP device ordinal, the same way
 * The handles stay owned by the context (do not release them) and live as long as it does. A name
 * the backend does not have (the cpu backend has none) is SSMIX_ERROR_UNSUPPORTED; the message lists
 * the names it has. Typed wrappers for OpenCL: ssmix_opencl.h. */
SSMIX_API ssmix_status ssmix_context_native_handle(const ssmix_context *ctx, const char *name, void **handle);

/* ---------------------------------------------------------------- timing events
 *
 * Device-side timing of queued work. An event is recorded into the context's queue (its current
 * stream on cuda/hip) and completes when all work queued before it has; the time between two
 * recorded events is measured on the device: CUDA/HIP events, OpenCL profiling timestamps of marker
 * commands. The cpu backend runs operators synchronously, so its events read the host clock. */
typedef struct ssmix_event ssmix_event;

SSMIX_API ssmix_status ssmix_event_create(ssmix_context *ctx, ssmix_event **event);
SSMIX_API ssmix_status ssmix_event_destroy(ssmix_event *event); /* NULL is a no-op */
/* Record (or re-record) the event after the work queued so far. Does not block. */
SSMIX_API ssmix_status ssmix_event_record(ssmix_event *event);
/* Milliseconds from `start` to `end`, two recorded events of one context; waits for `end` to
 * complete. INVALID_ARGUMENT if either was never recorded or they belong to different contexts. */
SSMIX_API ssmix_status ssmix_event_elapsed(const ssmix_event *start, const ssmix_event *end, float *ms);

/* ---------------------------------------------------------------- buffers */

typedef struct ssmix_buffer ssmix_buffer;

/* Allocate `bytes` (> 0) of device memory (host memory for cpu). Contents are undefined. */
SSMIX_API ssmix_status ssmix_buffer_alloc(ssmix_context *ctx, size_t bytes, ssmix_buffer **buf);

/* Wrap a caller-owned native allocation of `bytes` bytes: a host pointer for cpu, a device pointer
 * (CUdeviceptr / hipDeviceptr_t cast to void*) for cuda and hip, a cl_mem for opencl. The caller keeps
 * ownership; ssmix_buffer_free() releases only the wrapper. The native allocation must outlive it. */
SSMIX_API ssmix_status ssmix_buffer_wrap(ssmix_context *ctx, void *native, size_t bytes,
                                         ssmix_buffer **buf);

SSMIX_API ssmix_status ssmix_buffer_free(ssmix_buffer *buf); /* NULL is a no-op */
SSMIX_API size_t ssmix_buffer_size(const ssmix_buffer *buf);
/* The native handle (host pointer, device pointer or cl_mem) of an allocated or wrapped buffer. */
SSMIX_API void *ssmix_buffer_native(const ssmix_buffer *buf);

/* Blocking copies between host memory and a buffer range [offset, offset + bytes). */
SSMIX_API ssmix_status ssmix_buffer_write(ssmix_buffer *buf, size_t offset, const void *src,
                                          size_t bytes);
SSMIX_API ssmix_status ssmix_buffer_read(const ssmix_buffer *buf, size_t offset, void *dst,
                                         size_t bytes);

/* ---------------------------------------------------------------- tensors */

typedef enum ssmix_dtype {
    SSMIX_F32 = 0,
    SSMIX_F16 = 1,
    SSMIX_BF16 = 2,
    SSMIX_I32 = 3
} ssmix_dtype;

SSMIX_API const char *ssmix_dtype_name(ssmix_dtype dtype); /* "f32", ...; "?" if invalid */
SSMIX_API size_t ssmix_dtype_size(ssmix_dtype dtype);      /* bytes per element; 0 if invalid */

#define SSMIX_MAX_DIMS 8

/* A strided view: element (i0, i1, ...) lives at byte
 *   offset + dtype_size * (i0*strides[0] + i1*strides[1] + ...)   of buffer.
 * Strides are in elements and must be >= 0; a stride of 0 broadcasts an input along that dimension
 * (outputs must not overlap themselves). `offset` must be a multiple of the element size. */
typedef struct ssmix_tensor {
    ssmix_buffer *buffer;
    size_t offset;                    /* bytes */
    ssmix_dtype dtype;
    int ndim;
    int64_t shape[SSMIX_MAX_DIMS];
    int64_t strides[SSMIX_MAX_DIMS];  /* elements */
} ssmix_tensor;

/* Fill *t. strides == NULL means row-major contiguous. */
SSMIX_API ssmix_status ssmix_tensor_init(ssmix_tensor *t, ssmix_buffer *buffer, size_t offset,
                                         ssmix_dtype dtype, int ndim, const int64_t *shape,
                                         const int64_t *strides);

/* ---------------------------------------------------------------- operators
 *
 * Dtype rule for every operator: the activation-like tensors (x, dt, B, C, z, delta, out and
 * their gradients) share one I/O dtype, f32, f16 or bf16; A, D, dt_bias, states and their gradients
 * are f32; seq_idx is i32. All arithmetic is f32 or wider; 16-bit results are rounded to nearest even.
 * Gradient outputs are optional: NULL means "not needed". The gradient of an input that was not
 * given must be NULL. */

/* SSD: causal chunked scan (Mamba-2 mamba_chunk_scan_combined). */
typedef struct ssmix_ssd_params {
    int64_t chunk_size;  /* Q >= 1, any value (default 256) */
    int dt_softplus;     /* apply softplus to dt + dt_bias (default 0) */
    float dt_min;        /* Delta is clamped to [dt_min, dt_max] (defaults 0, +inf) */
    float dt_max;
} ssmix_ssd_params;

SSMIX_API ssmix_status ssmix_ssd_params_init(ssmix_ssd_params *params);

typedef struct ssmix_ssd_tensors {
    /* inputs (b batch, L length, H heads, P head dim, G groups, N state size) */
    const ssmix_tensor *x;              /* (b,L,H,P)        required */
    const ssmix_tensor *dt;             /* (b,L,H)          required */
    const ssmix_tensor *A;              /* (H) f32          required */
    const ssmix_tensor *B;              /* (b,L,G,N)        required; H % G == 0 */
    const ssmix_tensor *C;              /* (b,L,G,N)        required */
    const ssmix_tensor *D;              /* (H) or (H,P) f32 optional */
    const ssmix_tensor *z;              /* (b,L,H,P)        optional gate: out = y * silu(z) */
    const ssmix_tensor *dt_bias;        /* (H) f32          optional */
    const ssmix_tensor *initial_states; /* (b,H,P,N) f32    optional */
    const ssmix_tensor *seq_idx;        /* (b,L) i32        optional, non-decreasing per row */
    /* forward outputs */
    const ssmix_tensor *out;            /* (b,L,H,P)        required by forward */
    const ssmix_tensor *final_states;   /* (b,H,P,N) f32    optional */
    /* backward inputs */
    const ssmix_tensor *dout;           /* (b,L,H,P)        required by backward */
    const ssmix_tensor *dfinal_states;  /* (b,H,P,N) f32    optional */
    /* backward outputs (all optional; shapes of the matching input) */
    const ssmix_tensor *dx, *ddt, *dA, *dB, *dC, *dD, *dz, *ddt_bias, *dinitial_states;
    /* varlen packed batch (appended field; zero-initialize the struct) */
    const ssmix_tensor *cu_seqlens;     /* (nseq+1) i32     optional: varlen packed batch */
} ssmix_ssd_tensors;

/* Forward reads the inputs and writes out (and final_states); backward reads the inputs, dout and
 * dfinal_states and writes the gradients. Unused fields must be NULL (e.g. out in backward).
 *
 * Varlen (cu_seqlens given): nseq sequences packed back to back in one row, sequence k occupying
 * positions cu_seqlens[k] .. cu_seqlens[k+1]-1. Requires b == 1, cu_seqlens[0] == 0, strictly
 * increasing values (every sequence has length >= 1), cu_seqlens[nseq] == L, and seq_idx == NULL.
 * Each sequence is its own scan: initial_states, final_states, dfinal_states and dinitial_states
 * have shape (nseq,H,P,N), one state per sequence. The values live on the device: the cpu backend
 * checks them (SSMIX_ERROR_INVALID_ARGUMENT); GPU backends do not read them back, and invalid
 * values there give unspecified results but never out-of-bounds accesses (docs/operators.md). */
SSMIX_API ssmix_status ssmix_ssd_forward(ssmix_context *ctx, const ssmix_ssd_params *params,
                                         const ssmix_ssd_tensors *t);
SSMIX_API ssmix_status ssmix_ssd_backward(ssmix_context *ctx, const ssmix_ssd_params *params,
                                          const ssmix_ssd_tensors *t);

/* ---------------------------------------------------------------- SSD decode step
 *
 * One recurrent step of SSD per batch row (OPS.md section 6), updating states in place:
 *   Delta = clamp(softplus?(dt + dt_bias), dt_min, dt_max)            (the SSD dt pipeline)
 *   state = exp(Delta A) state + Delta outer(x, B)                     (per head, P x N)
 *   y = state C + D x;  out = y * silu(z) (or y)                       (the updated state)
 * Running L steps reproduces ssmix_ssd_forward's outputs and final state. With
 * state_batch_indices, row i updates pool slot state_batch_indices[i]: a negative index marks a
 * padding row (out = 0, no state touched); an index >= pool is treated the same way (skipped, out
 * = 0). Two rows must not name the same slot (the result would depend on the order). Without
 * indices, row i uses slot i and pool must equal b. Head h reads group h / (H/G) of B and C. */
typedef struct ssmix_ssd_decode_params {
    int dt_softplus;     /* default 0 */
    float dt_min, dt_max; /* defaults 0, +inf */
} ssmix_ssd_decode_params;

SSMIX_API ssmix_status ssmix_ssd_decode_params_init(ssmix_ssd_decode_params *params);

typedef struct ssmix_ssd_decode_tensors {
    const ssmix_tensor *state;   /* (pool,H,P,N) f32  required, read and written in place */
    const ssmix_tensor *x;       /* (b,H,P)           required */
    const ssmix_tensor *dt;      /* (b,H)             required */
    const ssmix_tensor *A;       /* (H) f32           required */
    const ssmix_tensor *B;       /* (b,G,N)           required; H % G == 0 */
    const ssmix_tensor *C;       /* (b,G,N)           required */
    const ssmix_tensor *D;       /* (H) or (H,P) f32  optional */
    const ssmix_tensor *z;       /* (b,H,P)           optional gate */
    const ssmix_tensor *dt_bias; /* (H) f32           optional */
    const ssmix_tensor *state_batch_indices; /* (b) i32 optional: slot of each row (< 0: padding) */
    const ssmix_tensor *out;     /* (b,H,P)           required */
} ssmix_ssd_decode_tensors;

SSMIX_API ssmix_status ssmix_ssd_decode(ssmix_context *ctx, const ssmix_ssd_decode_params *params,
                                        const ssmix_ssd_decode_tensors *t);
/* ---------------------------------------------------------------- end of SSD decode step */

/* Quasiseparable mixer: bidirectional SSD. */
typedef enum ssmix_qsmix_mode {
    SSMIX_QSMIX_HYDRA = 0,    /* strict shifted halves + diagonal:  y = shift(Lf x) + flip(shift(Lb flip x)) + diag x */
    SSMIX_QSMIX_BIMAMBA2 = 1  /* inclusive halves:  y = Lf x + flip(Lb flip x) + D x */
} ssmix_qsmix_mode;

typedef struct ssmix_qsmix_params {
    ssmix_qsmix_mode mode; /* default SSMIX_QSMIX_HYDRA */
    int64_t chunk_size;    /* default 256 */
    int dt_softplus;       /* default 0 */
    float dt_min, dt_max;  /* defaults 0, +inf */
} ssmix_qsmix_params;

SSMIX_API ssmix_status ssmix_qsmix_params_init(ssmix_qsmix_params *params);

typedef struct ssmix_qsmix_tensors {
    const ssmix_tensor *x;        /* (b,L,H,P)       required */
    const ssmix_tensor *A;        /* (H) f32         required, shared by both directions */
    const ssmix_tensor *dt_bias;  /* (H) f32         optional, shared */
    /* forward direction (causal half) */
    const ssmix_tensor *dt_f;     /* (b,L,H)         required */
    const ssmix_tensor *B_f;      /* (b,L,G,N)       required */
    const ssmix_tensor *C_f;      /* (b,L,G,N)       required */
    /* backward direction (anti-causal half). All three NULL, or views identical to the forward
     * ones, means the directions share parameters; then ddt_b/dB_b/dC_b must be NULL (or identical
     * to the forward gradients) and the forward gradients receive the sum of both directions. */
    const ssmix_tensor *dt_b, *B_b, *C_b;
    const ssmix_tensor *D;        /* (H) or (H,P) f32  optional diagonal            } at most */
    const ssmix_tensor *delta;    /* (b,L,H)           optional per-token diagonal  } one of these */
    const ssmix_tensor *z;        /* (b,L,H,P)       optional gate on the sum */
    const ssmix_tensor *initial_states_f; /* (b,H,P,N) f32 optional ((nseq,H,P,N) with cu_seqlens) */
    const ssmix_tensor *initial_states_b; /* (b,H,P,N) f32 optional: state before t = L-1 (same) */
    /* forward output */
    const ssmix_tensor *out;      /* (b,L,H,P) */
    /* backward input */
    const ssmix_tensor *dout;     /* (b,L,H,P) */
    /* backward outputs (all optional) */
    const ssmix_tensor *dx, *dA, *ddt_bias, *dD, *ddelta, *dz;
    const ssmix_tensor *ddt_f, *dB_f, *dC_f, *ddt_b, *dB_b, *dC_b;
    const ssmix_tensor *dinitial_states_f, *dinitial_states_b;
    /* varlen: b must be 1; sequence i = tokens [cu[i], cu[i+1]) (cu[0] = 0, strictly increasing,
     * cu[nseq] = L) is mixed on its own, nothing crosses a boundary; docs/operators.md */
    const ssmix_tensor *cu_seqlens; /* (nseq+1) i32 optional: varlen packed batch */
} ssmix_qsmix_tensors;

SSMIX_API ssmix_status ssmix_qsmix_forward(ssmix_context *ctx, const ssmix_qsmix_params *params,
                                           const ssmix_qsmix_tensors *t);
SSMIX_API ssmix_status ssmix_qsmix_backward(ssmix_context *ctx, const ssmix_qsmix_params *params,
                                            const ssmix_qsmix_tensors *t);

/* ---------------------------------------------------------------- gated linear attention
 *
 * GLA / HGRN2 with per-channel decay (OPS.md section 3), per (batch or sequence, head):
 *   S_t = diag(exp(gk_t)) S_{t-1} + outer(k_t, v_t)    (K x V, fp32 or wider),  o_t = scale * S_t^T q_t
 * with S_{-1} = initial_state (or 0) and final_state = S_{L-1}. HGRN2 is q = output gate, k = 1 - f,
 * v = input, gk = log f, scale = 1. Bidirectional: o = scan(q,k,v,gk) + flip(scan(flip(q,k,v,gk)))
 * (the diagonal term counted twice); states are defined for the causal mode only.
 * Varlen: with cu_seqlens (nseq+1 offsets, cu[0] = 0, non-decreasing, cu[nseq] = L; batch must be 1)
 * every sequence [cu[i], cu[i+1]) starts from its own initial state (or 0). See docs/gla.md. */
typedef struct ssmix_gla_params {
    float scale;          /* NAN (the default) means K^-0.5; any finite value is used as given */
    int bidirectional;    /* 0 causal (default), 1 bidirectional (no states allowed) */
    int64_t chunk_size;   /* GPU chunk length, 1..64 (default 64); does not change the result */
} ssmix_gla_params;

SSMIX_API ssmix_status ssmix_gla_params_init(ssmix_gla_params *params);

typedef struct ssmix_gla_tensors {
    /* inputs (b batch, L length, H heads, K key dim, V value dim; nseq = sequences with cu_seqlens) */
    const ssmix_tensor *q;              /* (b,L,H,K)        required */
    const ssmix_tensor *k;              /* (b,L,H,K)        required */
    const ssmix_tensor *v;              /* (b,L,H,V)        required */
    const ssmix_tensor *gk;             /* (b,L,H,K)        required, log-decay <= 0 */
    const ssmix_tensor *initial_state;  /* (b|nseq,H,K,V) f32 optional (causal only) */
    const ssmix_tensor *cu_seqlens;     /* (nseq+1) i32     optional; batch must be 1 */
    /* forward outputs */
    const ssmix_tensor *out;            /* (b,L,H,V)        required by forward */
    const ssmix_tensor *final_state;    /* (b|nseq,H,K,V) f32 optional (causal only) */
    /* backward inputs */
    const ssmix_tensor *dout;           /* (b,L,H,V)        required by backward */
    const ssmix_tensor *dfinal_state;   /* (b|nseq,H,K,V) f32 optional (causal only) */
    /* backward outputs (all optional; shapes of the matching input) */
    const ssmix_tensor *dq, *dk, *dv, *dgk, *dinitial_state;
} ssmix_gla_tensors;

SSMIX_API ssmix_status ssmix_gla_forward(ssmix_context *ctx, const ssmix_gla_params *params,
                                         const ssmix_gla_tensors *t);
SSMIX_API ssmix_status ssmix_gla_backward(ssmix_context *ctx, const ssmix_gla_params *params,
                                          const ssmix_gla_tensors *t);

/* ---------------------------------------------------------------- short convolutions (conv1d)
 *
 * Depthwise 1-D convolutions over time (OPS.md section 5) and the causal conv state update used in
 * decoding (section 6). Per channel c of C, width W >= 1, `left` = W-1 (causal) or (W-1)/2 (centered):
 *     pre[b,t,c] = bias[c] + sum_{w<W} weight[c,w] * x[b, t-left+w, c]     out = silu(pre) or pre
 * Positions outside [0,L) read 0, except causal positions < 0, which read initial_state[b,c,W-1+s].
 * seq_idx (ids non-decreasing per row, -1 = padding): the tap at position s counts only if
 * seq_idx[b,s] == seq_idx[b,t]; positions < 0 (the initial state) continue the row's first sequence
 * only if seq_idx[b,0] == 0 (as in SSD); a token with seq_idx < 0 outputs exactly 0 (padding).
 * Layouts: x/out/dout/dx are (b,L,C) (channel-last, default) or (b,C,L) (channel_first = 1); any
 * non-negative strides are accepted either way. Dtypes: x/out/dout/dx share the I/O dtype (f32, f16,
 * bf16); weight, bias, conv states and their gradients are f32; seq_idx and state indices are i32.
 * Details, decode usage and limits: docs/conv1d.md. */
typedef enum ssmix_conv1d_kind {
    SSMIX_CONV1D_CAUSAL = 0,  /* left = W-1: out[t] sees x[t-W+1 .. t] (Mamba) */
    SSMIX_CONV1D_CENTERED = 1 /* odd W, left = (W-1)/2, zero padded, no states (Hydra, Bi-Mamba2) */
} ssmix_conv1d_kind;

typedef enum ssmix_conv1d_activation {
    SSMIX_CONV1D_ACT_NONE = 0,
    SSMIX_CONV1D_ACT_SILU = 1
} ssmix_conv1d_activation;

typedef struct ssmix_conv1d_params {
    ssmix_conv1d_kind kind;             /* default SSMIX_CONV1D_CAUSAL */
    ssmix_conv1d_activation activation; /* default SSMIX_CONV1D_ACT_NONE */
    int channel_first;                  /* 0 (default): x is (b,L,C); 1: x is (b,C,L) */
} ssmix_conv1d_params;

SSMIX_API ssmix_status ssmix_conv1d_params_init(ssmix_conv1d_params *params);

typedef struct ssmix_conv1d_tensors {
    /* inputs */
    const ssmix_tensor *x;               /* (b,L,C) or (b,C,L)   required */
    const ssmix_tensor *weight;          /* (C,W) f32            required; W from weight.shape[1] */
    const ssmix_tensor *bias;            /* (C) f32              optional */
    const ssmix_tensor *seq_idx;         /* (b,L) i32            optional */
    const ssmix_tensor *initial_state;   /* (b,C,W-1) f32        optional; causal, W >= 2: x[-W+1 .. -1] */
    /* forward outputs */
    const ssmix_tensor *out;             /* x's shape            required by forward */
    const ssmix_tensor *final_state;     /* (b,C,W-1) f32        optional; causal, W >= 2: the last W-1
                                          * inputs of the row's last sequence (0 where a position belongs
                                          * to another sequence), what ssmix_conv1d_update continues from */
    /* backward inputs */
    const ssmix_tensor *dout;            /* x's shape            required by backward */
    const ssmix_tensor *dfinal_state;    /* (b,C,W-1) f32        optional (gradient w.r.t. final_state) */
    /* backward outputs (all optional) */
    const ssmix_tensor *dx;              /* x's shape */
    const ssmix_tensor *dweight;         /* (C,W) f32: sum over b and t */
    const ssmix_tensor *dbias;           /* (C) f32: needs bias */
    const ssmix_tensor *dinitial_state;  /* (b,C,W-1) f32: needs initial_state */
} ssmix_conv1d_tensors;

/* Forward reads the inputs and writes out (and final_state); backward recomputes pre from the
 * inputs, reads dout (and dfinal_state) and writes the requested gradients. Unused fields must be NULL. */
SSMIX_API ssmix_status ssmix_conv1d_forward(ssmix_context *ctx, const ssmix_conv1d_params *params,
                                            const ssmix_conv1d_tensors *t);
SSMIX_API ssmix_status ssmix_conv1d_backward(ssmix_context *ctx, const ssmix_conv1d_params *params,
                                             const ssmix_conv1d_tensors *t);

/* Decode: T new tokens per row (T = 1 with a 2-D x), state shifted in place. For each row i and
 * token j (in order), with r = state_batch_indices[i] (or i when not given):
 *     win = (conv_state[r,c,0..W-2], x[i,j,c]);   out[i,j,c] = act(bias[c] + sum_w weight[c,w] win[w]);
 *     conv_state[r,c,k] = win[k+1]
 * which reproduces the causal conv1d forward (and its final_state) token by token. r < 0 or r >= pool
 * marks padding: out is 0 and no state is touched. Non-negative indices must be distinct.
 * params.kind must be SSMIX_CONV1D_CAUSAL; params.channel_first picks (b,C,T) vs (b,T,C) for a 3-D x. */
typedef struct ssmix_conv1d_update_tensors {
    const ssmix_tensor *conv_state;          /* (pool,C,W-1) f32     required, read and written; W >= 2 */
    const ssmix_tensor *x;                   /* (b,C), or (b,T,C) / (b,C,T)   required */
    const ssmix_tensor *weight;              /* (C,W) f32            required */
    const ssmix_tensor *bias;                /* (C) f32              optional */
    const ssmix_tensor *state_batch_indices; /* (b) i32              optional; without it pool == b */
    const ssmix_tensor *out;                 /* x's shape            required */
} ssmix_conv1d_update_tensors;

SSMIX_API ssmix_status ssmix_conv1d_update(ssmix_context *ctx, const ssmix_conv1d_params *params,
                                           const ssmix_conv1d_update_tensors *t);
/* ---------------------------------------------------------------- end of short convolutions */

/* ---------------------------------------------------------------- selective scan (Mamba-1)
 *
 * Per batch row b and channel d (OPS.md section 4; docs/selective_scan.md), state s (N) in f32:
 *     v_t = delta[b,d,t] + delta_bias[d];  dl_t = softplus_thr(v_t) if delta_softplus else v_t
 *     s_t[n] = exp(dl_t A[d,n]) s_{t-1}[n] + dl_t B_t[n] u[b,d,t]        s_{-1} = initial_state[b,d] or 0
 *     y_t = sum_n C_t[n] s_t[n] + D[d] u[b,d,t];   out[b,d,t] = y_t * silu(z[b,d,t]) if z else y_t
 *     last_state[b,d] = s_{L-1}
 * B_t[n] / C_t[n] are B[b,g,n,t] with g = d / (D/G) for a per-token (b,G,N,L) tensor, or B[d,n] for
 * a constant (D,N) one; B and C choose independently. Dtypes (the rule above): u, delta, z, out,
 * per-token B/C and their gradients share the I/O dtype; A, constant B/C, D, delta_bias, states and
 * their gradients are f32 (constant B/C are weights like A). */
typedef struct ssmix_sscan_params {
    int delta_softplus; /* apply softplus_thr to delta + delta_bias (default 0) */
} ssmix_sscan_params;

SSMIX_API ssmix_status ssmix_sscan_params_init(ssmix_sscan_params *params);

typedef struct ssmix_sscan_tensors {
    /* inputs (b batch, D channels, L length, N state size, G groups) */
    const ssmix_tensor *u;              /* (b,D,L)             required */
    const ssmix_tensor *delta;          /* (b,D,L)             required */
    const ssmix_tensor *A;              /* (D,N) f32           required */
    const ssmix_tensor *B;              /* (b,G,N,L) or (D,N) f32   required; D % G == 0 */
    const ssmix_tensor *C;              /* (b,G,N,L) or (D,N) f32   required; same G as B if both per-token */
    const ssmix_tensor *D;              /* (D) f32             optional skip term */
    const ssmix_tensor *z;              /* (b,D,L)             optional gate */
    const ssmix_tensor *delta_bias;     /* (D) f32             optional */
    const ssmix_tensor *initial_state;  /* (b,D,N) f32         optional */
    /* forward outputs */
    const ssmix_tensor *out;            /* (b,D,L)             required by forward */
    const ssmix_tensor *last_state;     /* (b,D,N) f32         optional */
    /* backward inputs */
    const ssmix_tensor *dout;           /* (b,D,L)             required by backward */
    const ssmix_tensor *dlast_state;    /* (b,D,N) f32         optional */
    /* backward outputs (all optional; shape and dtype of the matching input) */
    const ssmix_tensor *du, *ddelta, *dA, *dB, *dC, *dD, *dz, *ddelta_bias, *dinitial_state;
} ssmix_sscan_tensors;

/* Forward writes out (and last_state); backward recomputes the forward and writes the requested
 * gradients (ddelta is the gradient w.r.t. delta before bias and softplus). Unused fields must be NULL. */
SSMIX_API ssmix_status ssmix_sscan_forward(ssmix_context *ctx, const ssmix_sscan_params *params,
                                           const ssmix_sscan_tensors *t);
SSMIX_API ssmix_status ssmix_sscan_backward(ssmix_context *ctx, const ssmix_sscan_params *params,
                                            const ssmix_sscan_tensors *t);

/* Decode step (OPS.md section 6): one token per row, state updated in place. For row i with
 * r = state_batch_indices[i] (or i when not given):
 *     s = state[r,d];  s[n] = exp(dl A[d,n]) s[n] + dl B[i,g,n] x[i,d];  state[r,d] = s
 *     out[i,d] = (sum_n C[i,g,n] s[n] + D[d] x[i,d]) * silu(z[i,d])
 * with dl from delta[i,d] as in the scan. Running it on the tokens of a sequence reproduces
 * ssmix_sscan_forward's out and last_state. r < 0 or r >= pool marks padding: out[i] is 0 and no
 * state is read or written (indices live on the device; the kernel checks them). Non-negative
 * indices must be distinct (rows sharing a slot race). */
typedef struct ssmix_sscan_decode_tensors {
    const ssmix_tensor *state;               /* (pool,D,N) f32   required, read and written */
    const ssmix_tensor *x;                   /* (b,D)            required */
    const ssmix_tensor *delta;               /* (b,D)            required */
    const ssmix_tensor *A;                   /* (D,N) f32        required */
    const ssmix_tensor *B;                   /* (b,G,N)          required; D % G == 0 */
    const ssmix_tensor *C;                   /* (b,G,N)          required */
    const ssmix_tensor *D;                   /* (D) f32          optional */
    const ssmix_tensor *z;                   /* (b,D)            optional gate */
    const ssmix_tensor *delta_bias;          /* (D) f32          optional */
    const ssmix_tensor *state_batch_indices; /* (b) i32          optional; without it pool == b */
    const ssmix_tensor *out;                 /* (b,D)            required */
} ssmix_sscan_decode_tensors;

SSMIX_API ssmix_status ssmix_sscan_decode(ssmix_context *ctx, const ssmix_sscan_params *params,
                                          const ssmix_sscan_decode_tensors *t);
/* ---------------------------------------------------------------- end of selective scan */

#ifdef __cplusplus
}
#endif
#endif /* SSMIX_H */
