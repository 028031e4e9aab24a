/*
 * The kernel dialect: kernels/ is written once in the restricted C below and compiled as
 *   - OpenCL C 1.2 (by the OpenCL driver at run time; the source is embedded in the module),
 *   - CUDA C++ (nvcc, ahead of time), and HIP C++ (hipcc, ahead of time).
 * Kernel bodies use only these macros/types plus plain C; anything target-specific belongs here.
 *
 * Rules for kernel code
 * - Kernels: `KERNEL void KNAME(name)(...)` (or `KERNEL KERNEL_BOUNDS(t, g) void ...`, below).
 *   Buffer arguments are `GLOBAL T *base, i64 base_off` pairs (OpenCL cannot offset a cl_mem on the
 *   host); index with 64-bit arithmetic.
 * - Work-group arrays are declared at kernel scope with `SHARED T a[N];` and passed to device
 *   functions as `LOCAL T *`. Device functions are `DEVICE`.
 * - No warp/subgroup width is assumed anywhere: PoCL has no subgroups, CDNA waves are 64 wide,
 *   NVIDIA and RDNA 32. Reductions go through local memory and BARRIER().
 * - BARRIER() only at the top level of a kernel or inside loops whose trip count is the same for the
 *   whole work-group; never inside an if-block, not even a work-group-uniform one: PoCL 3.1 (the CI
 *   device) silently mis-executes such kernels (observed: values written before a barrier inside
 *   `if (flag) { BARRIER(); ... }` were not seen after it). Make the barrier unconditional instead.
 *   A whole work-group may return early before any barrier (uniform early exit); several kernels
 *   do and pass on PoCL. One did not: a uniform `if (len == 0) return;` at the top of
 *   qsmix_bwd_dlog made PoCL 3.1 compute wrong results in work-groups that never took it. When a
 *   kernel with an early exit misbehaves on PoCL only, guard its work with a flag instead.
 * - I/O dtype is a compile-time choice: SSMIX_IO_DTYPE 0 = f32, 1 = f16, 2 = bf16. io_t is its
 *   storage type; LOAD_IO/STORE_IO convert to/from float (round to nearest even on store).
 */
#ifndef SSMIX_KERNEL_DIALECT_H
#define SSMIX_KERNEL_DIALECT_H

#ifndef SSMIX_IO_DTYPE
#define SSMIX_IO_DTYPE 0
#endif

#if defined(__OPENCL_VERSION__) || defined(__OPENCL_C_VERSION__)
/* ------------------------------------------------------------------ OpenCL C 1.2 */
#define SSMIX_TARGET_OPENCL 1
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define SHARED __local
#define DEVICE static inline
#define RESTRICT restrict
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define LID(d) ((int)get_local_id(d))
#define LSIZE(d) ((int)get_local_size(d))
#define GID(d) ((i64)get_group_id(d))
#define NGROUPS(d) ((i64)get_num_groups(d))
#define KNAME(n) n
typedef long i64;
typedef int i32;
typedef uint u32;
typedef ushort u16;
#define EXPF(x) exp(x)
#define LOGF(x) log(x)
#define LOG1PF(x) log1p(x)
#define SQRTF(x) sqrt(x)
#define FMINF(a, b) fmin(a, b)
#define FMAXF(a, b) fmax(a, b)
#define FABSF(x) fabs(x)
#define F32_BITS(x) as_uint(x)
#define BITS_F32(u) as_float(u)
#define INFINITY_F INFINITY
DEVICE float ssmix_f16_load(const GLOBAL u16 *p, i64 i) { return vload_half(i, (const GLOBAL half *)p); }
DEVICE void ssmix_f16_store(GLOBAL u16 *p, i64 i, float v) { vstore_half_rte(v, i, (GLOBAL half *)p); }

#elif defined(__CUDACC__) || defined(__HIPCC__)
/* ------------------------------------------------------------------ CUDA C++ / HIP C++ */
#if defined(__HIPCC__)
#define SSMIX_TARGET_HIP 1
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>
#else
#define SSMIX_TARGET_CUDA 1
#include <cuda_fp16.h>
#endif
#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL
#define SHARED __shared__
#define DEVICE static __device__ __forceinline__
#define RESTRICT __restrict__
#define BARRIER() __syncthreads()
#define LID(d) ((int)((d) == 0 ? threadIdx.x : (d) == 1 ? threadIdx.y : threadIdx.z))
#define LSIZE(d) ((int)((d) == 0 ? blockDim.x : (d) == 1 ? blockDim.y : blockDim.z))
#define GID(d) ((i64)((d) == 0 ? blockIdx.x : (d) == 1 ? blockIdx.y : blockIdx.z))
#define NGROUPS(d) ((i64)((d) == 0 ? gridDim.x : (d) == 1 ? gridDim.y : gridDim.z))
/* One binary holds every dtype variant: names carry a suffix (ssd_chunk_state_bf16). */
#define SSMIX_PASTE2(a, b) a##b
#define SSMIX_PASTE(a, b) SSMIX_PASTE2(a, b)
#if SSMIX_IO_DTYPE == 0
#define KNAME(n) SSMIX_PASTE(n, _f32)
#elif SSMIX_IO_DTYPE == 1
#define KNAME(n) SSMIX_PASTE(n, _f16)
#else
#define KNAME(n) SSMIX_PASTE(n, _bf16)
#endif
typedef long long i64;
typedef int i32;
typedef unsigned int u32;
typedef unsigned short u16;
#define EXPF(x) expf(x)
#define LOGF(x) logf(x)
#define LOG1PF(x) log1pf(x)
#define SQRTF(x) sqrtf(x)
#define FMINF(a, b) fminf(a, b)
#define FMAXF(a, b) fmaxf(a, b)
#define FABSF(x) fabsf(x)
#define F32_BITS(x) __float_as_uint(x)
#define BITS_F32(u) __uint_as_float(u)
#define INFINITY_F __int_as_float(0x7f800000)
DEVICE float ssmix_f16_load(const u16 *p, i64 i) { return __half2float(__ushort_as_half(p[i])); }
DEVICE void ssmix_f16_store(u16 *p, i64 i, float v) { p[i] = __half_as_ushort(__float2half_rn(v)); }

#else
#error "kernels/dialect.h: unknown target (expected OpenCL C, CUDA or HIP)"
#endif

/* KERNEL_BOUNDS(threads, groups), written between KERNEL and void: the kernel is launched with at most
 * `threads` work-items per group, and CUDA should keep `groups` groups resident per multiprocessor
 * (nvcc caps registers to fit). An occupancy hint only: HIP takes the first number, OpenCL neither. */
#if defined(SSMIX_TARGET_CUDA)
#define KERNEL_BOUNDS(threads, groups) __launch_bounds__(threads, groups)
#elif defined(SSMIX_TARGET_HIP)
#define KERNEL_BOUNDS(threads, groups) __launch_bounds__(threads)
#else
#define KERNEL_BOUNDS(threads, groups)
#endif

/* ------------------------------------------------------------------ shared by every target */

/* bf16 is a 16-bit integer on every target (OpenCL 1.2 has no bf16 type): widen by shifting,
 * narrow with round-to-nearest-even on the dropped 16 bits; NaN stays a quiet NaN. */
DEVICE float ssmix_bf16_load(const GLOBAL u16 *p, i64 i) { return BITS_F32((u32)p[i] << 16); }
DEVICE void ssmix_bf16_store(GLOBAL u16 *p, i64 i, float v)
{
    u32 u = F32_BITS(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) { p[i] = (u16)((u >> 16) | 0x40u); return; }
    u += 0x7fffu + ((u >> 16) & 1u);
    p[i] = (u16)(u >> 16);
}

#if SSMIX_IO_DTYPE == 0
typedef float io_t;
#define LOAD_IO(p, i) ((p)[i])
#define STORE_IO(p, i, v) ((p)[i] = (v))
#elif SSMIX_IO_DTYPE == 1
typedef u16 io_t;
#define LOAD_IO(p, i) ssmix_f16_load((p), (i))
#define STORE_IO(p, i, v) ssmix_f16_store((p), (i), (v))
#elif SSMIX_IO_DTYPE == 2
typedef u16 io_t;
#define LOAD_IO(p, i) ssmix_bf16_load((p), (i))
#define STORE_IO(p, i, v) ssmix_bf16_store((p), (i), (v))
#else
#error "SSMIX_IO_DTYPE must be 0 (f32), 1 (f16) or 2 (bf16)"
#endif

/* Integer helpers (no reliance on overloaded min/max, which differ between the targets). */
#define IMIN(a, b) ((a) < (b) ? (a) : (b))
#define IMAX(a, b) ((a) > (b) ? (a) : (b))

/* ------------------------------------------------------------------ tile primitives
 *
 * Work-group tiles live in local memory as float arrays. A tile product is computed by the whole
 * work-group: work-item `lid` of `nthreads` owns the output elements e = lid + r * nthreads,
 * r = 0 .. SSMIX_TILE_R-1, of a rows x cols tile in row-major order (element e is (e / cols, e % cols)),
 * and keeps them in a private accumulator array acc[SSMIX_TILE_R]. The host chooses tile shapes with
 * rows * cols <= nthreads * SSMIX_TILE_R, so any work-group size works (it is queried per device and
 * kernel, never assumed). SSMIX_TILE is the largest tile edge and k-slab that kernels declare in local
 * memory; backends/gpu/ssd_pipeline.c mirrors both values. */
#define SSMIX_TILE 32
#define SSMIX_TILE_R 4
/* Longest k-slab (e.g. of the state size N) a kernel may hold in local memory next to its 32-row
 * tiles: 128 on CUDA and HIP (the largest SSD kernel then uses about 44 KB of their 48/64 KB), 64 on
 * OpenCL, whose guaranteed minimum is 32 KB of local memory. */
#if defined(SSMIX_TARGET_OPENCL)
#define SSMIX_TILE_K 64
#else
#define SSMIX_TILE_K 128
#endif

/* Element (row, col) owned by accumulator slot r of the calling work-item; returns 0 if none. Slots
 * need not be filled in order (a target with matrix units may leave slot 1 empty and use slot 2), so
 * callers skip an empty slot with `continue`, never `break`. */
DEVICE int ssmix_tile_elem(int r, int rows, int cols, int *row, int *col)
{
    int e = LID(0) + r * LSIZE(0);
    if (e >= rows * cols) return 0;
    *row = e / cols;
    *col = e - (e / cols) * cols;
    return 1;
}

/* The inner multiply-accumulate of every tile product:
 *     acc[r] += sum_{k < K} A[row * a_rs + k * a_ks] * Bt[k * b_ks + col * b_cs]
 * for the elements (row, col) of a rows x cols output tile owned by this work-item. The operands are
 * fp32 tiles in local memory with arbitrary element strides (so either operand may be transposed).
 * The summation order over k is fixed (k ascending), which keeps results bitwise reproducible.
 * Kernels touch accumulators only through ssmix_tile_elem() and ssmix_tile_mac(), so a target with
 * matrix units (mma/WMMA, MFMA) may replace the two together with its own fragment layout, provided
 * every work-item owns at most SSMIX_TILE_R elements of a rows x cols tile and ssmix_tile_elem()
 * names them; the product itself need not contain a barrier, and callers may not rely on one. Operand
 * tiles are valid for rows x K and K x cols only (rows/cols up to SSMIX_TILE, K up to SSMIX_TILE_K;
 * entries beyond need not be 0). Local arrays are the kernel's, with any pitch; pitches that keep a
 * matrix unit's operand reads apart in the memory banks are in the kernels (ssd.cl). */
DEVICE void ssmix_tile_mac(float *acc, const LOCAL float *A, int a_rs, int a_ks, const LOCAL float *Bt,
                           int b_ks, int b_cs, int K, int rows, int cols)
{
    for (int r = 0; r < SSMIX_TILE_R; ++r) {
        int row, col;
        if (!ssmix_tile_elem(r, rows, cols, &row, &col)) break;
        const LOCAL float *a = A + row * a_rs;
        const LOCAL float *b = Bt + col * b_cs;
        float s = acc[r];
        for (int k = 0; k < K; ++k) s += a[k * a_ks] * b[k * b_ks];
        acc[r] = s;
    }
}

/* The same product when both operands hold values of the I/O dtype exactly (loaded inputs, not
 * intermediates): a target may then multiply them in that 16-bit format, which is exact, with fp32
 * accumulation. Same contract as ssmix_tile_mac otherwise. */
DEVICE void ssmix_tile_mac_io(float *acc, const LOCAL float *A, int a_rs, int a_ks, const LOCAL float *Bt,
                              int b_ks, int b_cs, int K, int rows, int cols)
{
    ssmix_tile_mac(acc, A, a_rs, a_ks, Bt, b_ks, b_cs, K, rows, cols);
}

DEVICE float ssmix_sigmoid(float v) { return 1.0f / (1.0f + EXPF(-v)); }
DEVICE float ssmix_silu(float v) { return v * ssmix_sigmoid(v); }
/* softplus with the threshold of OPS.md; log1p keeps precision for very negative v. */
DEVICE float ssmix_softplus(float v) { return v > 20.0f ? v : LOG1PF(EXPF(v)); }

#endif /* SSMIX_KERNEL_DIALECT_H */
