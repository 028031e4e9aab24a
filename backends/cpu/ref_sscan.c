/*
 * CPU reference of the selective scan (Mamba-1, OPS.md section 4) and its decode step (section 6):
 * the literal recurrence, one (b, d) channel at a time, in double precision over any strides.
 *
 * Per channel the N state entries are independent scalar recurrences
 *   s_t[n] = a_t[n] s_{t-1}[n] + dl_t B_t[n] u_t,   a_t[n] = exp(dl_t A[d,n]),
 *   y_t = sum_n C_t[n] s_t[n] + D u_t,  out_t = y_t silu(z_t).
 * The backward is the sequential adjoint with lam_t[n] the adjoint of s_t[n] and g_t the gradient of y_t:
 *   lam_t = a_{t+1} lam_{t+1} + g_t C_t   (a_L lam_L := dlast_state)
 *   du_t = dl_t sum_n lam_t B_t + D g_t;   dB_t += lam_t dl_t u_t;   dC_t += g_t s_t
 *   ddl_t = sum_n lam_t (B_t u_t + A a_t s_{t-1});  dA += lam_t dl_t a_t s_{t-1};  dinit = a_0 lam_0
 *   ddelta_t = ddl_t * sigma(v_t) under softplus (v_t <= 20), else ddl_t;  ddelta_bias = sum ddelta.
 * The forward states of a channel are kept (L+1) x N for the backward sweep.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ref.h"
#include "ref_scan.h"

/* dl = softplus_thr(delta + bias) or delta + bias; *dfac = d dl / d delta. */
static double sscan_dl(double v, int softplus, double *dfac)
{
    if (!softplus) {
        *dfac = 1.0;
        return v;
    }
    *dfac = v <= 20.0 ? ref_sigmoid(v) : 1.0;
    return ref_softplus(v);
}

/* B or C of channel d (group g) at (b, n, t): constant views are [d][n], per-token [b][g][n][t]. */
static double sscan_bc(const ssmix_view *v, int is_const, int64_t b, int64_t g, int64_t d, int64_t n, int64_t t)
{
    return is_const ? ref_load(v, d, n, 0, 0) : ref_load(v, b, g, n, t);
}

/* Per-channel scratch. */
typedef struct sscan_chan {
    int64_t L, N;
    double *u, *dl, *dfac, *g, *y; /* [L] */
    double *Bv, *Cv;               /* [L][N] */
    double *S;                     /* [L+1][N]: S[0] = s_{-1}, S[t+1] = s_t */
} sscan_chan;

static void chan_free(sscan_chan *c)
{
    free(c->u), free(c->dl), free(c->dfac), free(c->g), free(c->y), free(c->Bv), free(c->Cv), free(c->S);
    memset(c, 0, sizeof *c);
}

static int chan_init(sscan_chan *c, int64_t L, int64_t N)
{
    memset(c, 0, sizeof *c);
    c->L = L, c->N = N;
    c->u = ref_scan_zalloc(L), c->dl = ref_scan_zalloc(L), c->dfac = ref_scan_zalloc(L);
    c->g = ref_scan_zalloc(L), c->y = ref_scan_zalloc(L);
    c->Bv = ref_scan_zalloc(L * N), c->Cv = ref_scan_zalloc(L * N), c->S = ref_scan_zalloc((L + 1) * N);
    if (!c->u || !c->dl || !c->dfac || !c->g || !c->y || !c->Bv || !c->Cv || !c->S) {
        chan_free(c);
        return -1;
    }
    return 0;
}

/* Gather channel (b, d) and run the forward: states S, y (with the D term, before the gate). */
static void chan_forward(sscan_chan *c, const ssmix_sscan_problem *p, int64_t b, int64_t d)
{
    int64_t L = c->L, N = c->N, g = d / (p->dim / p->ngroups);
    double bias = p->delta_bias.present ? ref_load(&p->delta_bias, d, 0, 0, 0) : 0.0;
    double Dd = p->D.present ? ref_load(&p->D, d, 0, 0, 0) : 0.0;
    for (int64_t n = 0; n < N; n++) c->S[n] = p->init.present ? ref_load(&p->init, b, d, n, 0) : 0.0;
    for (int64_t t = 0; t < L; t++) {
        c->u[t] = ref_load(&p->u, b, d, t, 0);
        c->dl[t] = sscan_dl(ref_load(&p->delta, b, d, t, 0) + bias, p->delta_softplus, &c->dfac[t]);
        double acc = 0.0;
        for (int64_t n = 0; n < N; n++) {
            double Bt = sscan_bc(&p->B, p->B_const, b, g, d, n, t), Ct = sscan_bc(&p->C, p->C_const, b, g, d, n, t);
            c->Bv[t * N + n] = Bt;
            c->Cv[t * N + n] = Ct;
            double a = exp(c->dl[t] * ref_load(&p->A, d, n, 0, 0));
            double s = a * c->S[t * N + n] + c->dl[t] * Bt * c->u[t];
            c->S[(t + 1) * N + n] = s;
            acc += Ct * s;
        }
        c->y[t] = acc + Dd * c->u[t];
    }
}

ssmix_status ssmix_cpu_sscan_forward(void *bctx, const ssmix_sscan_problem *p)
{
    (void)bctx;
    sscan_chan c;
    if (chan_init(&c, p->seqlen, p->dstate) != 0)
        return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssmix_sscan_forward (cpu): out of host memory");
    int64_t L = p->seqlen, N = p->dstate;
    for (int64_t b = 0; b < p->batch; b++) {
        for (int64_t d = 0; d < p->dim; d++) {
            chan_forward(&c, p, b, d);
            for (int64_t t = 0; t < L; t++) {
                double y = c.y[t];
                if (p->z.present) {
                    double z = ref_load(&p->z, b, d, t, 0);
                    y *= z * ref_sigmoid(z);
                }
                ref_store(&p->out, b, d, t, 0, y);
            }
            if (p->last.present)
                for (int64_t n = 0; n < N; n++) ref_store(&p->last, b, d, n, 0, c.S[L * N + n]);
        }
    }
    chan_free(&c);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_cpu_sscan_backward(void *bctx, const ssmix_sscan_problem *p)
{
    (void)bctx;
    int64_t Bn = p->batch, Dm = p->dim, L = p->seqlen, N = p->dstate, G = p->ngroups, dpg = Dm / G;
    sscan_chan c;
    if (chan_init(&c, L, N) != 0)
        return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssmix_sscan_backward (cpu): out of host memory");
    /* per-token dB/dC of one batch row ([G][N][L], summed over the channels of a group); constant
     * dB/dC, dA ([D][N]) and dD, ddelta_bias ([D]) summed over the batch and time */
    int64_t nbc = G * N * L;
    double *dBt = ref_scan_zalloc(nbc), *dCt = ref_scan_zalloc(nbc);
    double *dBc = ref_scan_zalloc(Dm * N), *dCc = ref_scan_zalloc(Dm * N), *dA = ref_scan_zalloc(Dm * N);
    double *dD = ref_scan_zalloc(Dm), *dbias = ref_scan_zalloc(Dm), *lam = ref_scan_zalloc(N);
    if (!dBt || !dCt || !dBc || !dCc || !dA || !dD || !dbias || !lam) {
        free(dBt), free(dCt), free(dBc), free(dCc), free(dA), free(dD), free(dbias), free(lam);
        chan_free(&c);
        return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssmix_sscan_backward (cpu): out of host memory");
    }
    for (int64_t b = 0; b < Bn; b++) {
        memset(dBt, 0, (size_t)nbc * sizeof(double));
        memset(dCt, 0, (size_t)nbc * sizeof(double));
        for (int64_t d = 0; d < Dm; d++) {
            int64_t g = d / dpg;
            double Dd = p->D.present ? ref_load(&p->D, d, 0, 0, 0) : 0.0;
            chan_forward(&c, p, b, d);
            /* through the gate */
            for (int64_t t = 0; t < L; t++) {
                double go = ref_load(&p->dout, b, d, t, 0);
                if (p->z.present) {
                    double z = ref_load(&p->z, b, d, t, 0), sg = ref_sigmoid(z);
                    if (p->dz.present) ref_store(&p->dz, b, d, t, 0, go * c.y[t] * sg * (1.0 + z * (1.0 - sg)));
                    go *= z * sg;
                }
                c.g[t] = go;
            }
            for (int64_t n = 0; n < N; n++) lam[n] = p->dlast.present ? ref_load(&p->dlast, b, d, n, 0) : 0.0;
            for (int64_t t = L - 1; t >= 0; t--) {
                double dl = c.dl[t], ut = c.u[t], gt = c.g[t];
                double du = 0.0, ddl = 0.0;
                for (int64_t n = 0; n < N; n++) {
                    double Adn = ref_load(&p->A, d, n, 0, 0), a = exp(dl * Adn);
                    double Bt = c.Bv[t * N + n], Ct = c.Cv[t * N + n];
                    double sprev = c.S[t * N + n], st = c.S[(t + 1) * N + n];
                    double l = lam[n] + gt * Ct; /* lam_t = carry + g_t C_t */
                    du += l * dl * Bt;
                    ddl += l * (Bt * ut + Adn * a * sprev);
                    dA[d * N + n] += l * dl * a * sprev;
                    if (p->B_const) dBc[d * N + n] += l * dl * ut;
                    else dBt[(g * N + n) * L + t] += l * dl * ut;
                    if (p->C_const) dCc[d * N + n] += gt * st;
                    else dCt[(g * N + n) * L + t] += gt * st;
                    lam[n] = a * l; /* carry into step t-1 */
                }
                double dd = ddl * c.dfac[t];
                if (p->du.present) ref_store(&p->du, b, d, t, 0, du + Dd * gt);
                if (p->ddelta.present) ref_store(&p->ddelta, b, d, t, 0, dd);
                dbias[d] += dd;
                dD[d] += gt * ut;
            }
            if (p->dinit.present)
                for (int64_t n = 0; n < N; n++) ref_store(&p->dinit, b, d, n, 0, lam[n]);
        }
        for (int64_t g = 0; g < G; g++)
            for (int64_t n = 0; n < N; n++)
                for (int64_t t = 0; t < L; t++) {
                    if (p->dB.present && !p->B_const) ref_store(&p->dB, b, g, n, t, dBt[(g * N + n) * L + t]);
                    if (p->dC.present && !p->C_const) ref_store(&p->dC, b, g, n, t, dCt[(g * N + n) * L + t]);
                }
    }
    for (int64_t d = 0; d < Dm; d++) {
        for (int64_t n = 0; n < N; n++) {
            if (p->dA.present) ref_store(&p->dA, d, n, 0, 0, dA[d * N + n]);
            if (p->dB.present && p->B_const) ref_store(&p->dB, d, n, 0, 0, dBc[d * N + n]);
            if (p->dC.present && p->C_const) ref_store(&p->dC, d, n, 0, 0, dCc[d * N + n]);
        }
        if (p->dD.present) ref_store(&p->dD, d, 0, 0, 0, dD[d]);
        if (p->ddelta_bias.present) ref_store(&p->ddelta_bias, d, 0, 0, 0, dbias[d]);
    }
    free(dBt), free(dCt), free(dBc), free(dCc), free(dA), free(dD), free(dbias), free(lam);
    chan_free(&c);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_cpu_sscan_decode(void *bctx, const ssmix_sscan_decode_problem *p)
{
    (void)bctx;
    int64_t dpg = p->dim / p->ngroups;
    for (int64_t i = 0; i < p->batch; i++) {
        int64_t r = p->idx.present ? (int64_t)ref_load(&p->idx, i, 0, 0, 0) : i;
        int pad = r < 0 || r >= p->pool; /* padding: no state access, output 0 */
        for (int64_t d = 0; d < p->dim; d++) {
            if (pad) {
                ref_store(&p->out, i, d, 0, 0, 0.0);
                continue;
            }
            int64_t g = d / dpg;
            double bias = p->delta_bias.present ? ref_load(&p->delta_bias, d, 0, 0, 0) : 0.0, dfac;
            double dl = sscan_dl(ref_load(&p->delta, i, d, 0, 0) + bias, p->delta_softplus, &dfac);
            double x = ref_load(&p->x, i, d, 0, 0), y = 0.0;
            for (int64_t n = 0; n < p->dstate; n++) {
                double a = exp(dl * ref_load(&p->A, d, n, 0, 0));
                double s = a * ref_load(&p->state, r, d, n, 0) + dl * ref_load(&p->B, i, g, n, 0) * x;
                ref_store(&p->state, r, d, n, 0, s);
                y += ref_load(&p->C, i, g, n, 0) * s; /* the updated state, as stored in double */
            }
            y += (p->D.present ? ref_load(&p->D, d, 0, 0, 0) : 0.0) * x;
            if (p->z.present) {
                double z = ref_load(&p->z, i, d, 0, 0);
                y *= z * ref_sigmoid(z);
            }
            ref_store(&p->out, i, d, 0, 0, y);
        }
    }
    return SSMIX_SUCCESS;
}
