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
} ssmix_ssd_tensors;

/* Forward reads the inputs and writes out (and final_states); backward reads the inputs, dout and
 * dfinal_states and writes the gradients. Unused fields must be NULL (e.g. out in backward). */
SSMIX_API ssmix_status ssmix_ssd_forward(ssmix_context *ctx, const ssmix_ssd_params *params,
                                         const ssmix_ssd_tensors *t);
SSMIX_API ssmix_status ssmix_ssd_backward(ssmix_context *ctx, const ssmix_ssd_params *params,
                                          const ssmix_ssd_tensors *t);

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
    const ssmix_tensor *initial_states_f; /* (b,H,P,N) f32 optional */
    const ssmix_tensor *initial_states_b; /* (b,H,P,N) f32 optional: state before t = L-1 */
    /* forward output */
    const ssmix_tensor *out;      /* (b,L,H,P) */
    /* backward input */
    const ssmix_tensor *dout;     /* (b,L,H,P) */
    /* backward outputs (all optional) */
    const ssmix_tensor *dx, *dA, *ddt_bias, *dD, *ddelta, *dz;
    const ssmix_tensor *ddt_f, *dB_f, *dC_f, *ddt_b, *dB_b, *dC_b;
    const ssmix_tensor *dinitial_states_f, *dinitial_states_b;
} ssmix_qsmix_tensors;

SSMIX_API ssmix_status ssmix_qsmix_forward(ssmix_context *ctx, const ssmix_qsmix_params *params,
                                           const ssmix_qsmix_tensors *t);
SSMIX_API ssmix_status ssmix_qsmix_backward(ssmix_context *ctx, const ssmix_qsmix_params *params,
                                            const ssmix_qsmix_tensors *t);

#ifdef __cplusplus
}
#endif
#endif /* SSMIX_H */
