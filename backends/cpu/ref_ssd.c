/*
 * CPU reference of the SSD scan (OPS.md section 1): forward and sequential adjoint, one (b, h) at a
 * time through the shared scan of ref_scan.h, in double precision. The chunk size does not change
 * the math, so the oracle ignores it.
 */
#include "ref.h"
#include "ref_scan.h"

/* Sequence boundaries of batch row b: the state is zeroed before step t when seq_idx changes
 * (sid_{-1} = 0, so a row starting at a nonzero id also drops the initial state). */
static void ssd_set_resets(ref_scan *w, const ssmix_ssd_problem *p, int64_t b)
{
    double prev = 0.0;
    for (int64_t t = 0; t < p->seqlen; t++) {
        double sid = p->seq_idx.present ? ref_load(&p->seq_idx, b, t, 0, 0) : 0.0;
        w->reset[t] = sid != prev;
        prev = sid;
    }
}

/* Gather head h of batch row b (inputs, resets, initial state). */
static void ssd_gather(ref_scan *w, const ssmix_ssd_problem *p, int64_t b, int64_t h)
{
    int64_t g = h / (p->nheads / p->ngroups);
    double A = ref_load(&p->A, h, 0, 0, 0);
    double bias = p->dt_bias.present ? ref_load(&p->dt_bias, h, 0, 0, 0) : 0.0;
    ref_scan_gather(w, &p->x, &p->dt, &p->B, &p->C, A, bias, p->dt_softplus, p->dt_min, p->dt_max,
                    b, h, g, 0);
    ssd_set_resets(w, p, b);
    w->has_init = p->init.present;
    if (w->has_init) ref_scan_load_state(&p->init, b, h, p->headdim, p->dstate, w->init);
}

/* D coefficient of channel c of head h (0 without D). */
static double ssd_dcoef(const ssmix_ssd_problem *p, int64_t h, int64_t c)
{
    return p->D.present ? ref_load(&p->D, h, c, 0, 0) : 0.0; /* stride[1] == 0 for D of shape (H) */
}

ssmix_status ssmix_ref_ssd_forward(const ssmix_ssd_problem *p)
{
    int64_t L = p->seqlen, P = p->headdim;
    ref_scan w;
    if (ref_scan_init(&w, L, P, p->dstate, 0) != 0) return SSMIX_ERROR_OUT_OF_MEMORY;
    for (int64_t b = 0; b < p->batch; b++) {
        for (int64_t h = 0; h < p->nheads; h++) {
            ssd_gather(&w, p, b, h);
            ref_scan_forward(&w);
            if (p->final_states.present) ref_scan_store_state(&p->final_states, b, h, P, p->dstate, w.S);
            for (int64_t t = 0; t < L; t++) {
                for (int64_t c = 0; c < P; c++) {
                    double y = w.y[t * P + c] + ssd_dcoef(p, h, c) * w.x[t * P + c];
                    if (p->z.present) {
                        double z = ref_load(&p->z, b, t, h, c);
                        y *= z * ref_sigmoid(z);
                    }
                    ref_store(&p->out, b, t, h, c, y);
                }
            }
        }
    }
    ref_scan_release(&w);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_ref_ssd_backward(const ssmix_ssd_problem *p)
{
    int64_t L = p->seqlen, H = p->nheads, P = p->headdim, N = p->dstate, G = p->ngroups;
    int64_t hpg = H / G, ndD = p->d_per_channel ? H * P : H;
    ref_scan w;
    if (ref_scan_init(&w, L, P, N, 1) != 0) return SSMIX_ERROR_OUT_OF_MEMORY;
    /* Sums over the heads of a group (dB, dC) and over the batch (dA, ddt_bias, dD). */
    double *dB = ref_scan_zalloc(L * N), *dC = ref_scan_zalloc(L * N);
    double *dA = ref_scan_zalloc(H), *dbias = ref_scan_zalloc(H), *dD = ref_scan_zalloc(ndD);
    if (!dB || !dC || !dA || !dbias || !dD) {
        free(dB), free(dC), free(dA), free(dbias), free(dD);
        ref_scan_release(&w);
        return SSMIX_ERROR_OUT_OF_MEMORY;
    }
    /* y itself is needed only for dz. */
    int need_y = p->z.present && p->dz.present;

    for (int64_t b = 0; b < p->batch; b++) {
        for (int64_t g = 0; g < G; g++) {
            memset(dB, 0, (size_t)(L * N) * sizeof(double));
            memset(dC, 0, (size_t)(L * N) * sizeof(double));
            for (int64_t h = g * hpg; h < (g + 1) * hpg; h++) {
                ssd_gather(&w, p, b, h);
                w.has_dfinal = p->dfinal.present;
                if (w.has_dfinal) ref_scan_load_state(&p->dfinal, b, h, P, N, w.dfinal);
                if (need_y) ref_scan_forward(&w);

                /* Through the gate: g = dout * silu(z), dz = dout * y * silu'(z). */
                for (int64_t t = 0; t < L; t++) {
                    for (int64_t c = 0; c < P; c++) {
                        double go = ref_load(&p->dout, b, t, h, c);
                        if (p->z.present) {
                            double z = ref_load(&p->z, b, t, h, c), sg = ref_sigmoid(z);
                            if (need_y) {
                                double y = w.y[t * P + c] + ssd_dcoef(p, h, c) * w.x[t * P + c];
                                ref_store(&p->dz, b, t, h, c, go * y * sg * (1.0 + z * (1.0 - sg)));
                            }
                            go *= z * sg;
                        }
                        w.g[t * P + c] = go;
                    }
                }

                ref_scan_backward(&w);

                double dbias_h = 0.0;
                for (int64_t t = 0; t < L; t++) {
                    for (int64_t c = 0; c < P; c++) {
                        double gx = w.g[t * P + c] * w.x[t * P + c];
                        dD[p->d_per_channel ? h * P + c : h] += gx;
                        if (p->dx.present)
                            ref_store(&p->dx, b, t, h, c, w.dx[t * P + c] + ssd_dcoef(p, h, c) * w.g[t * P + c]);
                    }
                    if (p->ddt.present) ref_store(&p->ddt, b, t, h, 0, w.ddt[t]);
                    dbias_h += w.ddt[t];
                    for (int64_t n = 0; n < N; n++) {
                        dB[t * N + n] += w.dB[t * N + n];
                        dC[t * N + n] += w.dC[t * N + n];
                    }
                }
                dbias[h] += dbias_h;
                dA[h] += w.dA;
                if (p->dinit.present) ref_scan_store_state(&p->dinit, b, h, P, N, w.dinit);
            }
            for (int64_t t = 0; t < L; t++) {
                for (int64_t n = 0; n < N; n++) {
                    if (p->dB.present) ref_store(&p->dB, b, t, g, n, dB[t * N + n]);
                    if (p->dC.present) ref_store(&p->dC, b, t, g, n, dC[t * N + n]);
                }
            }
        }
    }
    for (int64_t h = 0; h < H; h++) {
        if (p->dA.present) ref_store(&p->dA, h, 0, 0, 0, dA[h]);
        if (p->ddt_bias.present) ref_store(&p->ddt_bias, h, 0, 0, 0, dbias[h]);
        if (p->dD.present) {
            if (p->d_per_channel)
                for (int64_t c = 0; c < P; c++) ref_store(&p->dD, h, c, 0, 0, dD[h * P + c]);
            else
                ref_store(&p->dD, h, 0, 0, 0, dD[h]);
        }
    }
    free(dB), free(dC), free(dA), free(dbias), free(dD);
    ref_scan_release(&w);
    return SSMIX_SUCCESS;
}
