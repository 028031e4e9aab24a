/*
 * MFMA (CDNA matrix core) implementation of the dialect's tile multiply-accumulate, the HIP
 * counterpart of backends/cuda/ssmix_cuda_mma.h (read that first: same contract, same structure).
 *
 * Compiled for CDNA targets (gfx908, gfx90a, gfx94x), which run 64-wide wavefronts: the output tile is
 * cut into 16 x 16 pieces handed round-robin to the wavefronts of the work-group; each runs
 * v_mfma_f32_16x16x4f32 over K (fp32 operands, fp32 accumulate: no operand rounding, whatever the
 * I/O dtype), writes its pieces to a shared scratch tile, and after a barrier every work-item adds
 * its own elements to acc[]. Layouts (one block, 64 lanes l): A[i][k] in lane i + 16k, B[k][j] in
 * lane j + 16k, D[i][j] in lane j + 16 (i / 4), register i % 4.
 *
 * Status: compile-verified for gfx90a; not yet validated on CDNA hardware, so the runtime leaves it
 * off unless SSMIX_HIP_MATRIX_CORES=1 (backends/cuda/gpu_rt.h). RDNA targets (gfx10xx/gfx11xx, wave32)
 * and work-groups that are not whole wavefronts always take the generic path.
 */
#ifndef SSMIX_HIP_MFMA_H
#define SSMIX_HIP_MFMA_H

/* Run-time switch, one per translation unit (unique name), published as "@flags"; 0 until set. */
#define SSMIX_KTABLE_FLAGS SSMIX_PASTE(SSMIX_KTABLE_ID, _flags)
__device__ int SSMIX_KTABLE_FLAGS;
#define ssmix_hip_mfma_enabled SSMIX_KTABLE_FLAGS

#if defined(__HIP_DEVICE_COMPILE__) && \
    (defined(__gfx908__) || defined(__gfx90a__) || defined(__gfx940__) || defined(__gfx941__) || defined(__gfx942__))
#define SSMIX_HIP_MFMA_ACTIVE 1
#endif

#define SSMIX_HIP_MFMA_SCRATCH (SSMIX_TILE * SSMIX_TILE)

#if defined(SSMIX_HIP_MFMA_ACTIVE)
typedef float ssmix_f32x4 __attribute__((ext_vector_type(4)));

DEVICE float ssmix_mfma_a(const float *A, int a_rs, int a_ks, int r, int k, int rows, int K)
{
    return (r < rows && k < K) ? A[r * a_rs + k * a_ks] : 0.0f;
}
DEVICE float ssmix_mfma_b(const float *Bt, int b_ks, int b_cs, int k, int c, int cols, int K)
{
    return (c < cols && k < K) ? Bt[k * b_ks + c * b_cs] : 0.0f;
}
#endif

DEVICE void ssmix_hip_tile_mac(float *acc, const LOCAL float *A, int a_rs, int a_ks, const LOCAL float *Bt, int b_ks,
                               int b_cs, int K, int rows, int cols)
{
#if defined(SSMIX_HIP_MFMA_ACTIVE)
    const int nth = LSIZE(0);
    if (ssmix_hip_mfma_enabled && __AMDGCN_WAVEFRONT_SIZE == 64 && (nth & 63) == 0 && LSIZE(1) == 1 &&
        LSIZE(2) == 1 && K > 0 && rows > 0 && cols > 0 && rows * cols <= SSMIX_HIP_MFMA_SCRATCH) {
        __shared__ float ssmix_mfma_out[SSMIX_HIP_MFMA_SCRATCH];
        const int lid = LID(0), lane = lid & 63, wave = lid >> 6, nwaves = nth >> 6;
        const int li = lane & 15, lk = lane >> 4; /* A row / B column, and k within the step */
        const int mtiles = (rows + 15) >> 4, ntiles = (cols + 15) >> 4;
        for (int s = wave; s < mtiles * ntiles; s += nwaves) {
            const int m0 = (s / ntiles) << 4, n0 = (s % ntiles) << 4;
            ssmix_f32x4 d = {0.0f, 0.0f, 0.0f, 0.0f};
            for (int k0 = 0; k0 < K; k0 += 4) {
                float a = ssmix_mfma_a(A, a_rs, a_ks, m0 + li, k0 + lk, rows, K);
                float b = ssmix_mfma_b(Bt, b_ks, b_cs, k0 + lk, n0 + li, cols, K);
                d = __builtin_amdgcn_mfma_f32_16x16x4f32(a, b, d, 0, 0, 0);
            }
            const int col = n0 + li;
            for (int i = 0; i < 4; ++i) {
                const int row = m0 + 4 * lk + i;
                if (row < rows && col < cols) ssmix_mfma_out[row * cols + col] = d[i];
            }
        }
        BARRIER();
        for (int r = 0; r < SSMIX_TILE_R; ++r) {
            int row, col;
            if (!ssmix_tile_elem(r, rows, cols, &row, &col)) break;
            acc[r] += ssmix_mfma_out[row * cols + col];
        }
        BARRIER();
        return;
    }
#endif
    ssmix_tile_mac(acc, A, a_rs, a_ks, Bt, b_ks, b_cs, K, rows, cols);
}

#define ssmix_tile_mac ssmix_hip_tile_mac
#define ssmix_tile_mac_io ssmix_hip_tile_mac /* fp32 MFMA either way */

#endif
