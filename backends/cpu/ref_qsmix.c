/*
 * CPU reference of the quasiseparable mixer (OPS.md section 2), by composition of two causal SSD
 * scans without D (ref_scan.h): direction 0 runs over t = 0..L-1 with (dt[0], B[0], C[0], init[0]),
 * direction 1 over the reversed sequence with (dt[1], B[1], C[1], init[1]). Per (b, h):
 *   Hydra:     y_t = yf_{t-1} + yb_{t+1} + diag_t x_t   (terms outside 0..L-1 are 0)
 *   Bi-Mamba2: y_t = yf_t     + yb_t     + diag_t x_t
 * with diag_t = D_h (or D_{h,p}), delta[b,t,h], or 0, and out = y * silu(z) when z is given.
 * The chunk size does not change the math, so the oracle ignores it.
 *
 * Varlen (cu_seqlens present, batch 1): every sequence [cu[i], cu[i+1]) is mixed on its own, exactly
 * as a batch row of length cu[i+1] - cu[i] with initial states row i: the problem is re-sliced per
 * sequence (views shifted in time, state views shifted to row i) and run by the same code, so no
 * direction and no Hydra shift can reach across a boundary. dA, ddt_bias and dD sum over sequences.
 */
#include "internal.h"
#include "ref.h"
#include "ref_scan.h"

/* Physical time whose output receives scan step s of a direction, or -1 (Hydra shifts by one step
 * in scan order: the state after step s feeds the next token of that direction). */
static int64_t qs_target(const ssmix_qsmix_problem *p, const ref_scan *w, int64_t s)
{
    if (p->mode == SSMIX_QSMIX_HYDRA) return s + 1 < w->L ? ref_scan_time(w, s + 1) : -1;
    return ref_scan_time(w, s);
}

/* Gather direction dir of head h of batch row b into w (the mixer has no seq_idx). */
static void qs_gather(ref_scan *w, const ssmix_qsmix_problem *p, int dir, int64_t b, int64_t h)
{
    int64_t g = h / (p->nheads / p->ngroups);
    double A = ref_load(&p->A, h, 0, 0, 0);
    double bias = p->dt_bias.present ? ref_load(&p->dt_bias, h, 0, 0, 0) : 0.0;
    w->L = p->seqlen; /* the scratch is sized for the longest (sub)problem */
    ref_scan_gather(w, &p->x, &p->dt[dir], &p->B[dir], &p->C[dir], A, bias, p->dt_softplus, p->dt_min,
                    p->dt_max, b, h, g, dir);
    w->has_init = p->init[dir].present;
    if (w->has_init) ref_scan_load_state(&p->init[dir], b, h, p->headdim, p->dstate, w->init);
}

static double qs_diag(const ssmix_qsmix_problem *p, int64_t b, int64_t t, int64_t h, int64_t c)
{
    if (p->D.present) return ref_load(&p->D, h, c, 0, 0); /* stride[1] == 0 for D of shape (H) */
    if (p->delta.present) return ref_load(&p->delta, b, t, h, 0);
    return 0.0;
}

/* y (before the gate, [L][P] in physical time) of head h of batch row b. */
static void qs_mix(ref_scan *w, const ssmix_qsmix_problem *p, int64_t b, int64_t h, double *y)
{
    int64_t L = p->seqlen, P = p->headdim;
    for (int64_t t = 0; t < L; t++)
        for (int64_t c = 0; c < P; c++) y[t * P + c] = qs_diag(p, b, t, h, c) * ref_load(&p->x, b, t, h, c);
    for (int dir = 0; dir < 2; dir++) {
        qs_gather(w, p, dir, b, h);
        ref_scan_forward(w);
        for (int64_t s = 0; s < L; s++) {
            int64_t t = qs_target(p, w, s);
            if (t < 0) continue;
            for (int64_t c = 0; c < P; c++) y[t * P + c] += w->y[s * P + c];
        }
    }
}

/* Sequence i ([t0, t0 + len) of the packed row) of a varlen problem as a batch-1 problem of its
 * own: token views shifted by t0 in time, state views by i in their leading dimension. */
static void qs_slice(const ssmix_qsmix_problem *p, int64_t t0, int64_t len, int64_t i, ssmix_qsmix_problem *q)
{
    *q = *p;
    q->batch = 1;
    q->seqlen = len;
    q->cu_seqlens.present = 0;
    q->nseq = 0;
    ssmix_view *tok[] = {&q->x, &q->delta, &q->z, &q->out, &q->dout, &q->dx, &q->ddelta, &q->dz,
                         &q->dt[0], &q->dt[1], &q->B[0], &q->B[1], &q->C[0], &q->C[1],
                         &q->ddt[0], &q->ddt[1], &q->dB[0], &q->dB[1], &q->dC[0], &q->dC[1]};
    for (size_t k = 0; k < sizeof tok / sizeof tok[0]; k++)
        if (tok[k]->present) tok[k]->offset += t0 * tok[k]->stride[1];
    ssmix_view *st[] = {&q->init[0], &q->init[1], &q->dinit[0], &q->dinit[1]};
    for (size_t k = 0; k < sizeof st / sizeof st[0]; k++)
        if (st[k]->present) st[k]->offset += i * st[k]->stride[0];
}

/* Read and check the cu_seqlens values (the validator could only check the shape): *cu receives
 * nseq + 1 offsets (caller frees), or NULL without varlen. */
static ssmix_status qs_read_cu(const ssmix_qsmix_problem *p, const char *op, int64_t **cu)
{
    *cu = NULL;
    if (!p->cu_seqlens.present) return SSMIX_SUCCESS;
    int64_t n = p->nseq, *v = (int64_t *)calloc((size_t)(n + 1), sizeof(int64_t));
    if (!v) return SSMIX_ERROR_OUT_OF_MEMORY;
    for (int64_t i = 0; i <= n; i++) v[i] = (int64_t)ref_load(&p->cu_seqlens, i, 0, 0, 0);
    const char *bad = NULL;
    int64_t at = 0;
    if (v[0] != 0) bad = "must be 0";
    for (int64_t i = 1; i <= n && !bad; i++)
        if (v[i] <= v[i - 1]) bad = "must be greater than the previous entry (every sequence has length >= 1)", at = i;
    if (!bad && v[n] != p->seqlen) bad = "must equal L (x.shape[1])", at = n;
    if (bad) {
        ssmix_status st = ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: cu_seqlens[%lld] = %lld %s (L = %lld)", op,
                                          (long long)at, (long long)v[at], bad, (long long)p->seqlen);
        free(v);
        return st;
    }
    *cu = v;
    return SSMIX_SUCCESS;
}

static void qs_forward_rows(const ssmix_qsmix_problem *p, ref_scan *w, double *y)
{
    int64_t L = p->seqlen, P = p->headdim;
    for (int64_t b = 0; b < p->batch; b++) {
        for (int64_t h = 0; h < p->nheads; h++) {
            qs_mix(w, p, b, h, y);
            for (int64_t t = 0; t < L; t++) {
                for (int64_t c = 0; c < P; c++) {
                    double v = y[t * P + c];
                    if (p->z.present) {
                        double z = ref_load(&p->z, b, t, h, c);
                        v *= z * ref_sigmoid(z);
                    }
                    ref_store(&p->out, b, t, h, c, v);
                }
            }
        }
    }
}

ssmix_status ssmix_ref_qsmix_forward(const ssmix_qsmix_problem *p)
{
    int64_t *cu;
    ssmix_status st = qs_read_cu(p, "ssmix_qsmix_forward", &cu);
    if (st != SSMIX_SUCCESS) return st;
    ref_scan w;
    double *y = NULL;
    if (ref_scan_init(&w, p->seqlen, p->headdim, p->dstate, 0) != 0) {
        free(cu);
        return SSMIX_ERROR_OUT_OF_MEMORY;
    }
    y = ref_scan_zalloc(p->seqlen * p->headdim);
    if (!y) {
        st = SSMIX_ERROR_OUT_OF_MEMORY;
    } else if (cu) {
        for (int64_t i = 0; i < p->nseq; i++) {
            ssmix_qsmix_problem q;
            qs_slice(p, cu[i], cu[i + 1] - cu[i], i, &q);
            qs_forward_rows(&q, &w, y);
        }
    } else {
        qs_forward_rows(p, &w, y);
    }
    free(y);
    free(cu);
    ref_scan_release(&w);
    return st;
}

/* Scratch of the backward, sized for the full length: physical-time accumulators y and its gradient
 * gy ([L][P]), dx ([L][P]), ddt per slot ([L]), dB/dC per slot summed over the heads of a group
 * ([L][N]); sums over rows (and sequences) for dA, ddt_bias, dD. */
typedef struct qs_bscratch {
    double *y, *gy, *dx, *ddt[2], *dB[2], *dC[2], *dA, *dbias, *dD;
} qs_bscratch;

static void qs_backward_rows(const ssmix_qsmix_problem *p, ref_scan *wp, const qs_bscratch *sc)
{
    int64_t L = p->seqlen, H = p->nheads, P = p->headdim, N = p->dstate, G = p->ngroups;
    int64_t hpg = H / G;
    /* Gradients of direction 1's dt, B, C go to slot 0 when the directions share them. */
    int dslot[2] = {0, p->shared_dirs ? 0 : 1};
    double *y = sc->y, *gy = sc->gy, *dx = sc->dx, *dA = sc->dA, *dbias = sc->dbias, *dD = sc->dD;
    double *const *ddt = sc->ddt, *const *dB = sc->dB, *const *dC = sc->dC;
    ref_scan w = *wp; /* by value: qs_gather only changes scalar fields, the buffers are shared */
    int need_y = p->z.present && p->dz.present; /* y itself is needed only for dz */

    for (int64_t b = 0; b < p->batch; b++) {
        for (int64_t g = 0; g < G; g++) {
            for (int k = 0; k < 2; k++) {
                memset(dB[k], 0, (size_t)(L * N) * sizeof(double));
                memset(dC[k], 0, (size_t)(L * N) * sizeof(double));
            }
            for (int64_t h = g * hpg; h < (g + 1) * hpg; h++) {
                if (need_y) qs_mix(&w, p, b, h, y);

                /* Through the gate (gy = dout * silu(z), dz = dout * y * silu'(z)), then the
                 * diagonal term: dx = diag * gy, d(diag) = gy * x. */
                for (int64_t t = 0; t < L; t++) {
                    double dd_t = 0.0;
                    for (int64_t c = 0; c < P; c++) {
                        double go = ref_load(&p->dout, b, t, h, c), x = ref_load(&p->x, b, t, h, c);
                        if (p->z.present) {
                            double z = ref_load(&p->z, b, t, h, c), sg = ref_sigmoid(z);
                            if (need_y) ref_store(&p->dz, b, t, h, c, go * y[t * P + c] * sg * (1.0 + z * (1.0 - sg)));
                            go *= z * sg;
                        }
                        gy[t * P + c] = go;
                        dx[t * P + c] = qs_diag(p, b, t, h, c) * go;
                        if (p->D.present) dD[p->d_per_channel ? h * P + c : h] += go * x;
                        dd_t += go * x;
                    }
                    if (p->ddelta.present) ref_store(&p->ddelta, b, t, h, 0, dd_t);
                }

                memset(ddt[0], 0, (size_t)L * sizeof(double));
                memset(ddt[1], 0, (size_t)L * sizeof(double));
                for (int dir = 0; dir < 2; dir++) {
                    qs_gather(&w, p, dir, b, h);
                    w.has_dfinal = 0; /* the mixer's final states are not outputs */
                    /* Scan step s fed token qs_target(s): its output gradient is that token's. */
                    for (int64_t s = 0; s < L; s++) {
                        int64_t t = qs_target(p, &w, s);
                        for (int64_t c = 0; c < P; c++) w.g[s * P + c] = t < 0 ? 0.0 : gy[t * P + c];
                    }
                    ref_scan_backward(&w);
                    int k = dslot[dir];
                    for (int64_t s = 0; s < L; s++) {
                        int64_t t = ref_scan_time(&w, s);
                        for (int64_t c = 0; c < P; c++) dx[t * P + c] += w.dx[s * P + c];
                        ddt[k][t] += w.ddt[s];
                        for (int64_t n = 0; n < N; n++) {
                            dB[k][t * N + n] += w.dB[s * N + n];
                            dC[k][t * N + n] += w.dC[s * N + n];
                        }
                    }
                    dA[h] += w.dA;
                    if (p->dinit[dir].present) ref_scan_store_state(&p->dinit[dir], b, h, P, N, w.dinit);
                }

                for (int64_t t = 0; t < L; t++) {
                    if (p->dx.present)
                        for (int64_t c = 0; c < P; c++) ref_store(&p->dx, b, t, h, c, dx[t * P + c]);
                    for (int k = 0; k < 2; k++) {
                        if (p->ddt[k].present) ref_store(&p->ddt[k], b, t, h, 0, ddt[k][t]);
                        dbias[h] += ddt[k][t];
                    }
                }
            }
            for (int k = 0; k < 2; k++) {
                for (int64_t t = 0; t < L; t++) {
                    for (int64_t n = 0; n < N; n++) {
                        if (p->dB[k].present) ref_store(&p->dB[k], b, t, g, n, dB[k][t * N + n]);
                        if (p->dC[k].present) ref_store(&p->dC[k], b, t, g, n, dC[k][t * N + n]);
                    }
                }
            }
        }
    }
}

ssmix_status ssmix_ref_qsmix_backward(const ssmix_qsmix_problem *p)
{
    int64_t L = p->seqlen, H = p->nheads, P = p->headdim, N = p->dstate;
    int64_t ndD = p->d_per_channel ? H * P : H;
    int64_t *cu;
    ssmix_status st = qs_read_cu(p, "ssmix_qsmix_backward", &cu);
    if (st != SSMIX_SUCCESS) return st;
    ref_scan w;
    if (ref_scan_init(&w, L, P, N, 1) != 0) {
        free(cu);
        return SSMIX_ERROR_OUT_OF_MEMORY;
    }
    qs_bscratch sc;
    sc.y = ref_scan_zalloc(L * P), sc.gy = ref_scan_zalloc(L * P), sc.dx = ref_scan_zalloc(L * P);
    sc.ddt[0] = ref_scan_zalloc(L), sc.ddt[1] = ref_scan_zalloc(L);
    sc.dB[0] = ref_scan_zalloc(L * N), sc.dB[1] = ref_scan_zalloc(L * N);
    sc.dC[0] = ref_scan_zalloc(L * N), sc.dC[1] = ref_scan_zalloc(L * N);
    sc.dA = ref_scan_zalloc(H), sc.dbias = ref_scan_zalloc(H), sc.dD = ref_scan_zalloc(ndD);
    double *all[] = {sc.y, sc.gy, sc.dx, sc.ddt[0], sc.ddt[1], sc.dB[0], sc.dB[1], sc.dC[0], sc.dC[1],
                     sc.dA, sc.dbias, sc.dD};
    const size_t nall = sizeof all / sizeof all[0];
    for (size_t i = 0; i < nall; i++)
        if (!all[i]) st = SSMIX_ERROR_OUT_OF_MEMORY;

    if (st == SSMIX_SUCCESS) {
        if (cu) {
            for (int64_t i = 0; i < p->nseq; i++) {
                ssmix_qsmix_problem q;
                qs_slice(p, cu[i], cu[i + 1] - cu[i], i, &q);
                qs_backward_rows(&q, &w, &sc);
            }
        } else {
            qs_backward_rows(p, &w, &sc);
        }
        for (int64_t h = 0; h < H; h++) {
            if (p->dA.present) ref_store(&p->dA, h, 0, 0, 0, sc.dA[h]);
            if (p->ddt_bias.present) ref_store(&p->ddt_bias, h, 0, 0, 0, sc.dbias[h]);
            if (p->dD.present) {
                if (p->d_per_channel)
                    for (int64_t c = 0; c < P; c++) ref_store(&p->dD, h, c, 0, 0, sc.dD[h * P + c]);
                else
                    ref_store(&p->dD, h, 0, 0, 0, sc.dD[h]);
            }
        }
    }
    for (size_t i = 0; i < nall; i++) free(all[i]);
    free(cu);
    ref_scan_release(&w);
    return st;
}
