/*
 * CPU reference of the SSD decode step (OPS.md section 6), literally and in double precision:
 * per row i with slot s (state_batch_indices[i], or i), per head h of group g:
 *   Delta = clamp(softplus?(dt + dt_bias), dt_min, dt_max),  a = exp(Delta A_h)
 *   state[s,h] = a state[s,h] + Delta outer(x, B_g);   y = state[s,h] C_g + D x;   out = y silu(z)
 * A row whose slot is < 0 or >= pool is padding: out = 0, no state is touched. The output is
 * computed from the updated state in double before the state is stored in its dtype (f32 through
 * the API; the oracle self-tests use double states so that L steps equal the scan exactly).
 */
#include "internal.h"
#include "ref.h"
#include "ref_scan.h"

ssmix_status ssmix_cpu_ssd_decode(void *bctx, const ssmix_ssd_decode_problem *p)
{
    (void)bctx;
    int64_t H = p->nheads, P = p->headdim, N = p->dstate, hpg = H / p->ngroups;
    double *S = ref_scan_zalloc(P * N);
    if (!S) return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssmix_ssd_decode: cpu reference out of host memory");
    for (int64_t i = 0; i < p->batch; i++) {
        int64_t slot = p->idx.present ? (int64_t)ref_load(&p->idx, i, 0, 0, 0) : i;
        int pad = slot < 0 || slot >= p->pool;
        for (int64_t h = 0; h < H; h++) {
            if (pad) {
                for (int64_t c = 0; c < P; c++) ref_store(&p->out, i, h, c, 0, 0.0);
                continue;
            }
            int64_t g = h / hpg;
            double A = ref_load(&p->A, h, 0, 0, 0);
            double v = ref_load(&p->dt, i, h, 0, 0) + (p->dt_bias.present ? ref_load(&p->dt_bias, h, 0, 0, 0) : 0.0);
            double dfac;
            double delta = ref_dt_delta(v, p->dt_softplus, p->dt_min, p->dt_max, &dfac);
            double a = exp(delta * A);
            for (int64_t c = 0; c < P; c++) {
                double dx = delta * ref_load(&p->x, i, h, c, 0);
                for (int64_t n = 0; n < N; n++)
                    S[c * N + n] = a * ref_load(&p->state, slot, h, c, n) + dx * ref_load(&p->B, i, g, n, 0);
            }
            for (int64_t c = 0; c < P; c++) {
                double y = 0.0;
                for (int64_t n = 0; n < N; n++) y += S[c * N + n] * ref_load(&p->C, i, g, n, 0);
                double xv = ref_load(&p->x, i, h, c, 0);
                if (p->D.present) y += ref_load(&p->D, h, c, 0, 0) * xv; /* stride[1] == 0 for D (H) */
                if (p->z.present) {
                    double z = ref_load(&p->z, i, h, c, 0);
                    y *= z * ref_sigmoid(z);
                }
                ref_store(&p->out, i, h, c, 0, y);
                for (int64_t n = 0; n < N; n++) ref_store(&p->state, slot, h, c, n, S[c * N + n]);
            }
        }
    }
    free(S);
    return SSMIX_SUCCESS;
}
