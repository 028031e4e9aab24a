/*
 * One-direction sequential SSD scan, shared by the SSD oracle (ref_ssd.c) and the mixer oracle
 * (ref_qsmix.c). Private to the CPU reference backend.
 *
 * The scan handles one (b, h) at a time and runs over scan steps s = 0..L-1. A map from scan step
 * to physical time (identity, or t = L-1-s for the anti-causal half of the mixer) is applied only
 * where per-step inputs are gathered from the views (ref_scan_gather) and where per-step results
 * are scattered back by the callers (ref_scan_time); in between everything is in scan order and in
 * double precision:
 *
 *   S_s = a_s * (reset_s ? 0 : S_{s-1}) + Delta_s * outer(x_s, B_s),  a_s = exp(Delta_s A),
 *   y_s = S_s C_s                                                      (no D term, no gate)
 *
 * with S_{-1} the initial state (or 0). The backward is the sequential adjoint of OPS.md section 1
 * given per-step output gradients g_s. It keeps no per-step states for the whole sequence: the
 * forward sweep stores the state entering every segment of K ~ sqrt(L) steps, and the adjoint
 * sweep recomputes one segment at a time, so memory is O(sqrt(L) P N) per call instead of O(L P N).
 */
#ifndef SSMIX_CPU_REF_SCAN_H
#define SSMIX_CPU_REF_SCAN_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref_view.h"

static inline double ref_sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

/* softplus_thr of OPS.md section 0 (log1p: log(1+exp(v)) loses everything for very negative v). */
static inline double ref_softplus(double v) { return v > 20.0 ? v : log1p(exp(v)); }

/* The dt pipeline of OPS.md section 1: v = dt + dt_bias, D1 = softplus_thr(v) or v,
 * Delta = clamp(D1, dt_min, dt_max). *dfac receives dDelta/dv: 0 where D1 was clamped (strictly
 * outside the limits), sigma(v) for softplus below the threshold, 1 otherwise. */
static inline double ref_dt_delta(double v, int softplus, double dt_min, double dt_max, double *dfac)
{
    double d1 = softplus ? ref_softplus(v) : v;
    double f = (softplus && v <= 20.0) ? ref_sigmoid(v) : 1.0;
    if (d1 < dt_min) {
        d1 = dt_min;
        f = 0.0;
    } else if (d1 > dt_max) {
        d1 = dt_max;
        f = 0.0;
    }
    *dfac = f;
    return d1;
}

/* Inputs, outputs and scratch of one direction of one (b, h). All arrays are in scan order. */
typedef struct ref_scan {
    int64_t L, P, N, K;   /* K: steps per checkpointed segment of the backward */
    int reversed;         /* scan step s is physical time L-1-s */
    /* inputs, filled by ref_scan_gather / the caller */
    double A;             /* A_h */
    double *x;            /* [L][P] */
    double *B, *C;        /* [L][N] (the head's group) */
    double *delta;        /* [L] Delta_s */
    double *dfac;         /* [L] dDelta_s / d(dt_s) */
    double *decay;        /* [L] a_s = exp(Delta_s A) */
    unsigned char *reset; /* [L] 1: the state is zeroed before step s (new sequence) */
    int has_init;         /* init holds S_{-1}; otherwise S_{-1} = 0 */
    double *init;         /* [P][N] */
    int has_dfinal;       /* backward: dfinal holds the gradient of S_{L-1}; otherwise 0 */
    double *dfinal;       /* [P][N] */
    double *g;            /* backward: [L][P] gradient of y_s */
    /* outputs */
    double *y;            /* forward: [L][P] */
    double *S;            /* forward: S_{L-1} after ref_scan_forward; [P][N] */
    double *dx;           /* backward: [L][P] (without the D term) */
    double *dB, *dC;      /* backward: [L][N] for this head alone */
    double *ddt;          /* backward: [L] gradient of dt_s (dt chain applied) */
    double dA;            /* backward: gradient of A_h from this scan */
    double *dinit;        /* backward: [P][N] gradient of S_{-1} */
    /* backward scratch */
    double *lam;          /* [P][N] adjoint of the current state */
    double *ckpt;         /* [nseg][P][N] state entering each segment (before its reset) */
    double *seg;          /* [K][P][N] states of the segment being walked back */
} ref_scan;

static inline void ref_scan_release(ref_scan *w)
{
    double **bufs[] = {&w->x, &w->B, &w->C, &w->delta, &w->dfac, &w->decay, &w->init, &w->dfinal,
                       &w->g, &w->y, &w->S, &w->dx, &w->dB, &w->dC, &w->ddt, &w->dinit, &w->lam,
                       &w->ckpt, &w->seg};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        free(*bufs[i]);
        *bufs[i] = NULL;
    }
    free(w->reset);
    w->reset = NULL;
}

static inline double *ref_scan_zalloc(int64_t count)
{
    return (double *)calloc((size_t)count, sizeof(double));
}

/* Allocate the buffers of an L x P x N scan (backward != 0: also the adjoint's). Returns 0, or -1
 * with everything freed. reset starts all zero (no sequence boundaries). */
static inline int ref_scan_init(ref_scan *w, int64_t L, int64_t P, int64_t N, int backward)
{
    memset(w, 0, sizeof *w);
    w->L = L;
    w->P = P;
    w->N = N;
    w->K = (int64_t)ceil(sqrt((double)L));
    if (w->K < 1) w->K = 1;
    int64_t PN = P * N, nseg = (L + w->K - 1) / w->K;
    w->x = ref_scan_zalloc(L * P);
    w->B = ref_scan_zalloc(L * N);
    w->C = ref_scan_zalloc(L * N);
    w->delta = ref_scan_zalloc(L);
    w->dfac = ref_scan_zalloc(L);
    w->decay = ref_scan_zalloc(L);
    w->reset = (unsigned char *)calloc((size_t)L, 1);
    w->init = ref_scan_zalloc(PN);
    w->y = ref_scan_zalloc(L * P);
    w->S = ref_scan_zalloc(PN);
    int ok = w->x && w->B && w->C && w->delta && w->dfac && w->decay && w->reset && w->init && w->y &&
             w->S;
    if (backward) {
        w->dfinal = ref_scan_zalloc(PN);
        w->g = ref_scan_zalloc(L * P);
        w->dx = ref_scan_zalloc(L * P);
        w->dB = ref_scan_zalloc(L * N);
        w->dC = ref_scan_zalloc(L * N);
        w->ddt = ref_scan_zalloc(L);
        w->dinit = ref_scan_zalloc(PN);
        w->lam = ref_scan_zalloc(PN);
        w->ckpt = ref_scan_zalloc(nseg * PN);
        w->seg = ref_scan_zalloc(w->K * PN);
        ok = ok && w->dfinal && w->g && w->dx && w->dB && w->dC && w->ddt && w->dinit && w->lam &&
             w->ckpt && w->seg;
    }
    if (!ok) {
        ref_scan_release(w);
        return -1;
    }
    return 0;
}

/* Physical time of scan step s. */
static inline int64_t ref_scan_time(const ref_scan *w, int64_t s)
{
    return w->reversed ? w->L - 1 - s : s;
}

/* Load x, B, C and the dt pipeline of head h (group g) of batch b, in scan order. A and dt_bias
 * are the head's values (dt_bias 0 when absent). Leaves reset, init and dfinal to the caller. */
static inline void ref_scan_gather(ref_scan *w, const ssmix_view *x, const ssmix_view *dt,
                                   const ssmix_view *B, const ssmix_view *C, double A, double dt_bias,
                                   int softplus, double dt_min, double dt_max, int64_t b, int64_t h,
                                   int64_t g, int reversed)
{
    w->reversed = reversed;
    w->A = A;
    for (int64_t s = 0; s < w->L; s++) {
        int64_t t = ref_scan_time(w, s);
        for (int64_t p = 0; p < w->P; p++) w->x[s * w->P + p] = ref_load(x, b, t, h, p);
        for (int64_t n = 0; n < w->N; n++) {
            w->B[s * w->N + n] = ref_load(B, b, t, g, n);
            w->C[s * w->N + n] = ref_load(C, b, t, g, n);
        }
        double v = ref_load(dt, b, t, h, 0) + dt_bias;
        w->delta[s] = ref_dt_delta(v, softplus, dt_min, dt_max, &w->dfac[s]);
        w->decay[s] = exp(w->delta[s] * A);
    }
}

/* Load a (b,H,P,N) state view's [b][h] slice into dst ([P][N]). */
static inline void ref_scan_load_state(const ssmix_view *v, int64_t b, int64_t h, int64_t P, int64_t N,
                                       double *dst)
{
    for (int64_t p = 0; p < P; p++)
        for (int64_t n = 0; n < N; n++) dst[p * N + n] = ref_load(v, b, h, p, n);
}

static inline void ref_scan_store_state(const ssmix_view *v, int64_t b, int64_t h, int64_t P,
                                        int64_t N, const double *src)
{
    for (int64_t p = 0; p < P; p++)
        for (int64_t n = 0; n < N; n++) ref_store(v, b, h, p, n, src[p * N + n]);
}

/* next = a_s * (reset_s ? 0 : prev) + Delta_s * outer(x_s, B_s). prev may equal next. */
static inline void ref_scan_step(const ref_scan *w, int64_t s, const double *prev, double *next)
{
    const double *xs = w->x + s * w->P, *Bs = w->B + s * w->N;
    double a = w->reset[s] ? 0.0 : w->decay[s], d = w->delta[s];
    for (int64_t p = 0; p < w->P; p++) {
        double dx = d * xs[p];
        const double *sp = prev + p * w->N;
        double *sn = next + p * w->N;
        for (int64_t n = 0; n < w->N; n++) sn[n] = a * sp[n] + dx * Bs[n];
    }
}

static inline void ref_scan_state0(const ref_scan *w, double *S)
{
    if (w->has_init)
        memcpy(S, w->init, (size_t)(w->P * w->N) * sizeof(double));
    else
        memset(S, 0, (size_t)(w->P * w->N) * sizeof(double));
}

/* Forward: y_s = S_s C_s for every step; leaves S_{L-1} in w->S. */
static inline void ref_scan_forward(ref_scan *w)
{
    int64_t P = w->P, N = w->N;
    ref_scan_state0(w, w->S);
    for (int64_t s = 0; s < w->L; s++) {
        ref_scan_step(w, s, w->S, w->S);
        const double *Cs = w->C + s * N;
        for (int64_t p = 0; p < P; p++) {
            double acc = 0.0;
            for (int64_t n = 0; n < N; n++) acc += w->S[p * N + n] * Cs[n];
            w->y[s * P + p] = acc;
        }
    }
}

/* Backward: the sequential adjoint of OPS.md section 1 for the gradients w->g of y. Fills dx, dB,
 * dC, ddt (per step), dA and dinit. */
static inline void ref_scan_backward(ref_scan *w)
{
    int64_t L = w->L, P = w->P, N = w->N, K = w->K, PN = P * N;
    int64_t nseg = (L + K - 1) / K;
    double *S = w->S, *lam = w->lam;

    /* Forward sweep: keep only the state entering each segment. */
    ref_scan_state0(w, S);
    for (int64_t s = 0; s < L; s++) {
        if (s % K == 0) memcpy(w->ckpt + (s / K) * PN, S, (size_t)PN * sizeof(double));
        ref_scan_step(w, s, S, S);
    }

    /* Adjoint sweep. lam holds the carry into the current step: dfinal at s = L-1. */
    if (w->has_dfinal)
        memcpy(lam, w->dfinal, (size_t)PN * sizeof(double));
    else
        memset(lam, 0, (size_t)PN * sizeof(double));
    w->dA = 0.0;
    for (int64_t k = nseg - 1; k >= 0; k--) {
        int64_t s0 = k * K, s1 = s0 + K < L ? s0 + K : L;
        const double *entry = w->ckpt + k * PN;
        for (int64_t s = s0; s < s1; s++)
            ref_scan_step(w, s, s == s0 ? entry : w->seg + (s - s0 - 1) * PN, w->seg + (s - s0) * PN);

        for (int64_t s = s1 - 1; s >= s0; s--) {
            const double *St = w->seg + (s - s0) * PN;
            const double *Sprev = s == s0 ? entry : St - PN; /* ignored after a reset */
            const double *xs = w->x + s * P, *Bs = w->B + s * N, *Cs = w->C + s * N;
            const double *gs = w->g + s * P;
            double d = w->delta[s], a = w->decay[s];
            double *dxs = w->dx + s * P, *dBs = w->dB + s * N, *dCs = w->dC + s * N;
            double xlb = 0.0; /* <Lam_s, outer(x_s, B_s)> */
            double lsp = 0.0; /* <Lam_s, S_{s-1}> (0 after a reset: S_{s-1} did not enter) */
            memset(dBs, 0, (size_t)N * sizeof(double));
            memset(dCs, 0, (size_t)N * sizeof(double));
            for (int64_t p = 0; p < P; p++) {
                double *lp = lam + p * N;
                const double *sp = St + p * N, *pp = Sprev + p * N;
                double lb = 0.0, ls = 0.0;
                for (int64_t n = 0; n < N; n++) {
                    lp[n] += gs[p] * Cs[n]; /* Lam_s = carry + outer(g_s, C_s) */
                    lb += lp[n] * Bs[n];
                    ls += lp[n] * pp[n];
                    dBs[n] += xs[p] * lp[n];
                    dCs[n] += gs[p] * sp[n];
                }
                dxs[p] = d * lb;
                xlb += xs[p] * lb;
                lsp += ls;
            }
            if (w->reset[s]) lsp = 0.0;
            for (int64_t n = 0; n < N; n++) dBs[n] *= d;
            w->ddt[s] = (xlb + w->A * a * lsp) * w->dfac[s];
            w->dA += d * a * lsp;
            /* Carry into step s-1: S_{s-1} entered S_s scaled by a_s, or not at all after a reset. */
            double c = w->reset[s] ? 0.0 : a;
            for (int64_t i = 0; i < PN; i++) lam[i] *= c;
        }
    }
    memcpy(w->dinit, lam, (size_t)PN * sizeof(double)); /* the carry out of step 0 */
}

#endif
