/*
 * Tensor-core implementation of the dialect's tile multiply-accumulate (CUDA, sm_80 and newer).
 *
 * kernels/dialect.h defines ssmix_tile_mac(): the whole work-group computes
 *     acc[r] += sum_{k < K} A[row * a_rs + k * a_ks] * Bt[k * b_ks + col * b_cs]
 * for the elements (row, col) of a rows x cols tile that work-item lid owns (e = lid + r * nthreads),
 * from fp32 tiles in local memory with arbitrary strides, and says that targets with matrix units
 * may replace the body. This file does so for CUDA: it is included (through ssmix_cuda_prelude.h)
 * after dialect.h and before the kernel file, defines ssmix_cuda_tile_mac(), ssmix_cuda_tile_mac_io() and
 * ssmix_cuda_tile_elem() and renames the kernels' calls to them; the generic bodies stay reachable and are
 * used whenever the tensor-core path does not apply.
 *
 * How: the output tile is cut into 16 x 8 pieces, one per warp of the work-group; each warp runs
 * mma.sync over K in steps straight into the accumulators of the work-items, which hold the mma C
 * fragment (ssmix_cuda_tile_elem names their elements), so a product needs no shared scratch tile
 * and no barrier. Operand precision:
 *   both operands values of a 16-bit I/O dtype (ssmix_tile_mac_io: loaded inputs such as C and B):
 *             one mma.sync.m16n8k16 .f16/.bf16 per 16-wide k-step, fp32 accumulate; exact products.
 *   otherwise by default (SSMIX_CUDA_TENSOR_CORES unset or 1), every I/O dtype: "3xTF32". The tiles are fp32
 *             (16-bit inputs were widened on load, and many operands are fp32 intermediates: decay-
 *             weighted inputs, states), so each operand is split into a TF32 high part and a TF32
 *             remainder, a*b ~ ah*bh + ah*bl + al*bh with mma.sync.m16n8k8 .tf32, fp32 accumulate.
 *             This keeps fp32 accuracy (the dropped al*bl term is below 2^-22 relative); plain TF32
 *             (10-bit mantissa) would not.
 *   SSMIX_CUDA_TENSOR_CORES=fast, f16/bf16 I/O kernels: operands rounded to the I/O dtype and
 *             mma.sync.m16n8k16 .f16/.bf16 (fp32 accumulate): 2x the k per instruction and a third of
 *             the instructions, but the rounding of fp32 intermediates breaks the fp32 tolerances of
 *             the state outputs (measured on H100: conformance fails), so it is opt-in only; f32 I/O
 *             kernels keep 3xTF32.
 * The summation order differs from the generic path (which is k-ascending and bitwise reproducible
 * across runs of the same build); results agree within the operator tolerances.
 *
 * Run-time switch: the kernels read ssmix_cuda_tc_enabled, a per-device flag word the runtime sets
 * when a context opens (backends/cuda/gpu_runtime.c): bit 0 = tensor cores (on sm_80+ unless
 * SSMIX_CUDA_TENSOR_CORES=0), bit 1 = 16-bit operands (SSMIX_CUDA_TENSOR_CORES=fast); so one GPU can
 * run every path. Conditions for the tensor-core path (else the generic body and the generic
 * accumulator layout): compiled for sm_80+, flag set, 1-D work-group whose size is a multiple of 32
 * (mma.sync is warp-wide by definition on NVIDIA hardware; nothing else in ssmix assumes a warp
 * width), and a warp for every 16 x 8 piece of the rows x cols tile.
 */
#ifndef SSMIX_CUDA_MMA_H
#define SSMIX_CUDA_MMA_H

#include <cuda_bf16.h>
#include <cuda_fp16.h>

/* Per-device run-time switch (see above), one per translation unit under a unique name (the wrapper
 * defines SSMIX_KTABLE_ID); its address is published in the kernel table as "@flags". Zero (generic
 * path) until the runtime writes 1. */
#define SSMIX_KTABLE_FLAGS SSMIX_PASTE(SSMIX_KTABLE_ID, _flags)
__device__ int SSMIX_KTABLE_FLAGS;
#define ssmix_cuda_tc_enabled SSMIX_KTABLE_FLAGS

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define SSMIX_CUDA_MMA_ACTIVE 1
#endif

#if defined(SSMIX_CUDA_MMA_ACTIVE)

/* Element (r, k) of the A operand and (k, c) of B, zero outside the tile. */
DEVICE float ssmix_mma_a(const float *A, int a_rs, int a_ks, int r, int k, int rows, int K)
{
    return (r < rows && k < K) ? A[r * a_rs + k * a_ks] : 0.0f;
}
DEVICE float ssmix_mma_b(const float *Bt, int b_ks, int b_cs, int k, int c, int cols, int K)
{
    return (c < cols && k < K) ? Bt[k * b_ks + c * b_cs] : 0.0f;
}
/* The step functions below take `checked` as a literal: 0 when the caller knows the whole 16 x 8
 * piece and k-step lie inside the tile (the common full tile), which drops the bounds tests. */
#define SSMIX_MMA_A(r, k) (checked ? ssmix_mma_a(A, a_rs, a_ks, (r), (k), rows, K) : A[(r) * a_rs + (k) * a_ks])
#define SSMIX_MMA_B(k, c) (checked ? ssmix_mma_b(Bt, b_ks, b_cs, (k), (c), cols, K) : Bt[(k) * b_ks + (c) * b_cs])

/* ---- 3xTF32: fp32-accurate, used for every I/O dtype by default */
DEVICE unsigned ssmix_tf32(float v)
{
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(v));
    return r;
}
/* v = hi + lo, both TF32 */
DEVICE void ssmix_tf32_split(float v, unsigned *hi, unsigned *lo)
{
    *hi = ssmix_tf32(v);
    *lo = ssmix_tf32(v - __uint_as_float(*hi));
}
DEVICE void ssmix_mma_tf32(float *c, unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0, unsigned b1)
{
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

/* c += A[m0.., k0..k0+7] * B[k0..k0+7, n0..] (mma.m16n8k8.tf32 layouts: A (g, t), (g+8, t), (g, t+4),
 * (g+8, t+4); B (t, g), (t+4, g)), with the small cross terms first. */
DEVICE void ssmix_mma_step(float *c, const float *A, int a_rs, int a_ks, const float *Bt, int b_ks, int b_cs,
                           int m0, int n0, int k0, int rows, int cols, int K, int g, int t, int checked)
{
    const int r0 = m0 + g, r1 = m0 + g + 8, ka = k0 + t, kb = k0 + t + 4, n = n0 + g;
    unsigned ah[4], al[4], bh[2], bl[2];
    ssmix_tf32_split(SSMIX_MMA_A(r0, ka), &ah[0], &al[0]);
    ssmix_tf32_split(SSMIX_MMA_A(r1, ka), &ah[1], &al[1]);
    ssmix_tf32_split(SSMIX_MMA_A(r0, kb), &ah[2], &al[2]);
    ssmix_tf32_split(SSMIX_MMA_A(r1, kb), &ah[3], &al[3]);
    ssmix_tf32_split(SSMIX_MMA_B(ka, n), &bh[0], &bl[0]);
    ssmix_tf32_split(SSMIX_MMA_B(kb, n), &bh[1], &bl[1]);
    ssmix_mma_tf32(c, al[0], al[1], al[2], al[3], bh[0], bh[1]);
    ssmix_mma_tf32(c, ah[0], ah[1], ah[2], ah[3], bl[0], bl[1]);
    ssmix_mma_tf32(c, ah[0], ah[1], ah[2], ah[3], bh[0], bh[1]);
}
#define SSMIX_MMA_KSTEP 8
#define SSMIX_MMA_CHAIN 32 /* k per accumulation chain in the tensor cores (a multiple of 16) */


/* ---- 16-bit operands (opt-in, SSMIX_CUDA_TENSOR_CORES=fast): operands rounded to the I/O dtype */
#if SSMIX_IO_DTYPE == 1 || SSMIX_IO_DTYPE == 2
/* Two operands packed in one 32-bit register, `lo` in the low half. */
DEVICE unsigned ssmix_mma_pack(float lo, float hi)
{
#if SSMIX_IO_DTYPE == 1
    __half2 h = __floats2half2_rn(lo, hi);
#else
    __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
#endif
    return *reinterpret_cast<unsigned *>(&h);
}

/* c += A[m0.., k0..k0+15] * B[k0..k0+15, n0..] for one 16 x 8 piece (fragment layouts of the PTX ISA,
 * mma.m16n8k16: g = lane / 4 selects rows (A, C) or the column (B), t = lane % 4 the k pairs). */
DEVICE void ssmix_mma_step16(float *c, const float *A, int a_rs, int a_ks, const float *Bt, int b_ks, int b_cs,
                           int m0, int n0, int k0, int rows, int cols, int K, int g, int t, int checked)
{
    const int r0 = m0 + g, r1 = m0 + g + 8, ka = k0 + 2 * t, kb = k0 + 2 * t + 8, n = n0 + g;
    unsigned a0 = ssmix_mma_pack(SSMIX_MMA_A(r0, ka), SSMIX_MMA_A(r0, ka + 1));
    unsigned a1 = ssmix_mma_pack(SSMIX_MMA_A(r1, ka), SSMIX_MMA_A(r1, ka + 1));
    unsigned a2 = ssmix_mma_pack(SSMIX_MMA_A(r0, kb), SSMIX_MMA_A(r0, kb + 1));
    unsigned a3 = ssmix_mma_pack(SSMIX_MMA_A(r1, kb), SSMIX_MMA_A(r1, kb + 1));
    unsigned b0 = ssmix_mma_pack(SSMIX_MMA_B(ka, n), SSMIX_MMA_B(ka + 1, n));
    unsigned b1 = ssmix_mma_pack(SSMIX_MMA_B(kb, n), SSMIX_MMA_B(kb + 1, n));
#if SSMIX_IO_DTYPE == 1
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#else
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#endif
}
#define SSMIX_MMA_KSTEP16 16

#endif

#endif /* SSMIX_CUDA_MMA_ACTIVE */

/* Fragment ownership: on the tensor-core path warp w owns the w-th 16 x 8 piece (row-major over the
 * pieces) of a rows x cols tile, and its lane (g = lane / 4, t = lane % 4) owns acc[0..3] = elements
 * (g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1) of that piece: the C fragment of mma.m16n8k*, so the
 * products accumulate in place, with no shared scratch tile and no barrier. The path applies when
 * every piece has a warp; the condition depends only on the work-group shape, the run-time flag and
 * (rows, cols), so ssmix_cuda_tile_elem and the products agree on the layout of every accumulator. */
DEVICE int ssmix_cuda_frag_ok(int rows, int cols)
{
#if defined(SSMIX_CUDA_MMA_ACTIVE)
    const int nth = LSIZE(0);
    return ssmix_cuda_tc_enabled && (nth & 31) == 0 && LSIZE(1) == 1 && LSIZE(2) == 1 && rows > 0 && cols > 0 &&
           ((rows + 15) >> 4) * ((cols + 7) >> 3) <= (nth >> 5);
#else
    return 0;
#endif
}

DEVICE int ssmix_cuda_tile_elem(int r, int rows, int cols, int *row, int *col)
{
    if (ssmix_cuda_frag_ok(rows, cols)) {
        const int lane = LID(0) & 31, warp = LID(0) >> 5, nt = (cols + 7) >> 3;
        if (r >= 4 || warp >= ((rows + 15) >> 4) * nt) return 0;
        const int i = ((warp / nt) << 4) + (lane >> 2) + ((r & 2) << 2);
        const int j = ((warp % nt) << 3) + 2 * (lane & 3) + (r & 1);
        if (i >= rows || j >= cols) return 0;
        *row = i;
        *col = j;
        return 1;
    }
    return ssmix_tile_elem(r, rows, cols, row, col);
}

/* exact16: both operands are values of the 16-bit I/O dtype (ssmix_tile_mac_io), so one 16-bit mma
 * per k-step is exact; otherwise 3xTF32, or the opt-in rounded 16-bit operands (flag bit 1). */
DEVICE void ssmix_cuda_mac(float *acc, const LOCAL float *A, int a_rs, int a_ks, const LOCAL float *Bt, int b_ks,
                           int b_cs, int K, int rows, int cols, int exact16)
{
#if defined(SSMIX_CUDA_MMA_ACTIVE)
    if (ssmix_cuda_frag_ok(rows, cols)) {
        const int lane = LID(0) & 31, warp = LID(0) >> 5, nt = (cols + 7) >> 3;
        if (warp >= ((rows + 15) >> 4) * nt) return;
        const int g = lane >> 2, t = lane & 3, m0 = (warp / nt) << 4, n0 = (warp % nt) << 3;
        const int full = m0 + 16 <= rows && n0 + 8 <= cols && (K & 15) == 0;
#if SSMIX_IO_DTYPE == 1 || SSMIX_IO_DTYPE == 2
        const int use16 = exact16 || (ssmix_cuda_tc_enabled & 2);
#else
        const int use16 = 0;
        (void)exact16;
#endif
        /* The tensor cores' fp32 accumulation does not round like an fp32 add (it truncates), so
         * each chain is kept to SSMIX_MMA_CHAIN k and added to the accumulators with ordinary fp32
         * adds. With one chain over all of K (up to 256) and over all j tiles, the worst error of
         * an f32 case of the full SSD conformance on H100 rose from 0.18 to 0.96 of its tolerance. */
        for (int kc = 0; kc < K; kc += SSMIX_MMA_CHAIN) {
            const int ke = kc + SSMIX_MMA_CHAIN < K ? kc + SSMIX_MMA_CHAIN : K;
            float c[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#if SSMIX_IO_DTYPE == 1 || SSMIX_IO_DTYPE == 2
            if (use16) {
                if (full)
                    for (int k0 = kc; k0 < ke; k0 += SSMIX_MMA_KSTEP16)
                        ssmix_mma_step16(c, A, a_rs, a_ks, Bt, b_ks, b_cs, m0, n0, k0, rows, cols, K, g, t, 0);
                else
                    for (int k0 = kc; k0 < ke; k0 += SSMIX_MMA_KSTEP16)
                        ssmix_mma_step16(c, A, a_rs, a_ks, Bt, b_ks, b_cs, m0, n0, k0, rows, cols, K, g, t, 1);
            } else
#endif
            {
                if (full)
                    for (int k0 = kc; k0 < ke; k0 += SSMIX_MMA_KSTEP)
                        ssmix_mma_step(c, A, a_rs, a_ks, Bt, b_ks, b_cs, m0, n0, k0, rows, cols, K, g, t, 0);
                else
                    for (int k0 = kc; k0 < ke; k0 += SSMIX_MMA_KSTEP)
                        ssmix_mma_step(c, A, a_rs, a_ks, Bt, b_ks, b_cs, m0, n0, k0, rows, cols, K, g, t, 1);
            }
            for (int r = 0; r < 4; ++r) acc[r] += c[r];
        }
        (void)use16;
        return;
    }
#endif
    (void)exact16;
    ssmix_tile_mac(acc, A, a_rs, a_ks, Bt, b_ks, b_cs, K, rows, cols);
}

DEVICE void ssmix_cuda_tile_mac(float *acc, const LOCAL float *A, int a_rs, int a_ks, const LOCAL float *Bt, int b_ks,
                                int b_cs, int K, int rows, int cols)
{
    ssmix_cuda_mac(acc, A, a_rs, a_ks, Bt, b_ks, b_cs, K, rows, cols, 0);
}

DEVICE void ssmix_cuda_tile_mac_io(float *acc, const LOCAL float *A, int a_rs, int a_ks, const LOCAL float *Bt,
                                   int b_ks, int b_cs, int K, int rows, int cols)
{
    ssmix_cuda_mac(acc, A, a_rs, a_ks, Bt, b_ks, b_cs, K, rows, cols, 1);
}

/* From here on (the kernel file), tile products and accumulator slots go through the tensor-core
 * versions. */
#define ssmix_tile_mac ssmix_cuda_tile_mac
#define ssmix_tile_mac_io ssmix_cuda_tile_mac_io
#define ssmix_tile_elem ssmix_cuda_tile_elem

#endif
