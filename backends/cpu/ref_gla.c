/*
 * CPU reference of gated linear attention (OPS.md section 3): the literal recurrence
 *   S_t = diag(exp(gk_t)) S_{t-1} + outer(k_t, v_t),   o_t = scale * S_t^T q_t
 * and its sequential adjoint, in double precision, one (sequence, head, direction) at a time, over
 * any strides and every I/O dtype (including the internal f64 of the oracle self-tests). The chunk
 * size does not change the math, so the oracle ignores it.
 *
 * Backward per direction, in scan order p = n-1 .. 0 (Lam = adjoint of S_p, a_p = exp(gk_p)):
 *   Lam += scale q_p do_p^T            (Lam starts at dfinal or 0)
 *   dq_p = scale S_p do_p,  dk_p = Lam v_p,  dv_p = Lam^T k_p,  dgk_p = a_p . rowsum(Lam . S_{p-1})
 *   Lam = diag(a_p) Lam;     dinit = Lam after p = 0.
 * States are not kept for every step: the forward sweep stores the state entering every segment of
 * ~sqrt(n) steps and the adjoint sweep recomputes one segment at a time (O(sqrt(n) K V) memory).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ref.h"
#include "ref_view.h"

typedef struct gla_seq {
    int64_t bi, t0, n; /* batch row, first physical time, length */
} gla_seq;

/* Sequence s: batch row s (no cu_seqlens) or [cu[s], cu[s+1]) of row 0. */
static gla_seq gla_get_seq(const ssmix_gla_problem *p, int64_t s)
{
    gla_seq q;
    if (!p->cu_seqlens.present) {
        q.bi = s, q.t0 = 0, q.n = p->seqlen;
    } else {
        int64_t a = (int64_t)ref_load(&p->cu_seqlens, s, 0, 0, 0), e = (int64_t)ref_load(&p->cu_seqlens, s + 1, 0, 0, 0);
        q.bi = 0, q.t0 = a, q.n = e - a;
    }
    return q;
}

static ssmix_status gla_check_cu(const ssmix_gla_problem *p, const char *op)
{
    if (!p->cu_seqlens.present) return SSMIX_SUCCESS;
    double prev = ref_load(&p->cu_seqlens, 0, 0, 0, 0);
    if (prev != 0.0) return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: cu_seqlens[0] is %g; must be 0", op, prev);
    for (int64_t i = 1; i <= p->nseq; i++) {
        double c = ref_load(&p->cu_seqlens, i, 0, 0, 0);
        if (c < prev)
            return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: cu_seqlens decreases at index %lld (%g < %g)", op,
                                   (long long)i, c, prev);
        prev = c;
    }
    if (prev != (double)p->seqlen)
        return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: cu_seqlens[nseq] is %g; must be L = %lld (q.shape[1])", op,
                               prev, (long long)p->seqlen);
    return SSMIX_SUCCESS;
}

/* Per (sequence, head) scratch, all in physical order within the sequence: [i][K] or [i][V]. */
typedef struct gla_work {
    int64_t n, K, V, nseg, segl;
    double *q, *k, *g, *v, *dout; /* inputs */
    double *out;                  /* forward accumulator [n][V] */
    double *dq, *dk, *dv, *dg;    /* backward accumulators */
    double *S, *lam, *ckpt, *seg; /* [K][V], [K][V], [nseg][K][V], [segl+1][K][V] */
} gla_work;

static void gla_work_free(gla_work *w)
{
    double *ptrs[] = {w->q, w->k, w->g, w->v, w->dout, w->out, w->dq, w->dk, w->dv, w->dg, w->S, w->lam, w->ckpt, w->seg};
    for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++) free(ptrs[i]);
    memset(w, 0, sizeof *w);
}

static int gla_work_alloc(gla_work *w, int64_t nmax, int64_t K, int64_t V)
{
    memset(w, 0, sizeof *w);
    int64_t n = nmax < 1 ? 1 : nmax;
    w->K = K, w->V = V;
    w->segl = (int64_t)ceil(sqrt((double)n));
    w->nseg = (n + w->segl - 1) / w->segl;
    size_t nk = (size_t)(n * K), nv = (size_t)(n * V), kv = (size_t)(K * V);
    w->q = malloc(nk * sizeof(double)), w->k = malloc(nk * sizeof(double)), w->g = malloc(nk * sizeof(double));
    w->v = malloc(nv * sizeof(double)), w->dout = malloc(nv * sizeof(double)), w->out = malloc(nv * sizeof(double));
    w->dq = malloc(nk * sizeof(double)), w->dk = malloc(nk * sizeof(double)), w->dg = malloc(nk * sizeof(double));
    w->dv = malloc(nv * sizeof(double));
    w->S = malloc(kv * sizeof(double)), w->lam = malloc(kv * sizeof(double));
    w->ckpt = malloc((size_t)w->nseg * kv * sizeof(double));
    w->seg = malloc((size_t)(w->segl + 1) * kv * sizeof(double));
    return w->q && w->k && w->g && w->v && w->dout && w->out && w->dq && w->dk && w->dg && w->dv && w->S && w->lam &&
           w->ckpt && w->seg;
}

/* Physical index within the sequence of scan step p. */
static int64_t gla_phys(int64_t n, int rev, int64_t p) { return rev ? n - 1 - p : p; }

/* One step S = diag(exp(g_i)) S + outer(k_i, v_i). */
static void gla_step(const gla_work *w, double *S, int64_t i)
{
    for (int64_t a = 0; a < w->K; a++) {
        double dec = exp(w->g[i * w->K + a]), ka = w->k[i * w->K + a];
        double *row = S + a * w->V;
        for (int64_t c = 0; c < w->V; c++) row[c] = dec * row[c] + ka * w->v[i * w->V + c];
    }
}

/* Forward of one direction: out += scale S_p^T q_p; S (in: initial state) ends as the final state. */
static void gla_scan_forward(gla_work *w, int rev, double scale)
{
    for (int64_t p = 0; p < w->n; p++) {
        int64_t i = gla_phys(w->n, rev, p);
        gla_step(w, w->S, i);
        for (int64_t c = 0; c < w->V; c++) {
            double acc = 0.0;
            for (int64_t a = 0; a < w->K; a++) acc += w->q[i * w->K + a] * w->S[a * w->V + c];
            w->out[i * w->V + c] += scale * acc;
        }
    }
}

/* Backward of one direction: accumulates dq, dk, dv, dg; S holds the initial state on entry, lam the
 * final-state gradient; on return lam holds the initial-state gradient. */
static void gla_scan_backward(gla_work *w, int rev, double scale)
{
    int64_t K = w->K, V = w->V, kv = K * V, n = w->n, L = w->segl;
    int64_t nseg = (n + L - 1) / L;
    for (int64_t s = 0; s < nseg; s++) { /* checkpoints: state entering each segment */
        memcpy(w->ckpt + s * kv, w->S, (size_t)kv * sizeof(double));
        for (int64_t p = s * L; p < n && p < (s + 1) * L; p++) gla_step(w, w->S, gla_phys(n, rev, p));
    }
    for (int64_t s = nseg - 1; s >= 0; s--) {
        int64_t p0 = s * L, p1 = (s + 1) * L < n ? (s + 1) * L : n;
        /* seg[j] = state before step p0 + j, seg[j+1] after it */
        memcpy(w->seg, w->ckpt + s * kv, (size_t)kv * sizeof(double));
        for (int64_t p = p0; p < p1; p++) {
            memcpy(w->seg + (p - p0 + 1) * kv, w->seg + (p - p0) * kv, (size_t)kv * sizeof(double));
            gla_step(w, w->seg + (p - p0 + 1) * kv, gla_phys(n, rev, p));
        }
        for (int64_t p = p1 - 1; p >= p0; p--) {
            int64_t i = gla_phys(n, rev, p);
            const double *Sp = w->seg + (p - p0 + 1) * kv, *Sm = w->seg + (p - p0) * kv;
            const double *qi = w->q + i * K, *ki = w->k + i * K, *vi = w->v + i * V, *doi = w->dout + i * V;
            for (int64_t a = 0; a < K; a++)
                for (int64_t c = 0; c < V; c++) w->lam[a * V + c] += scale * qi[a] * doi[c];
            for (int64_t a = 0; a < K; a++) {
                double dq = 0.0, dk = 0.0, dg = 0.0;
                for (int64_t c = 0; c < V; c++) {
                    dq += Sp[a * V + c] * doi[c];
                    dk += w->lam[a * V + c] * vi[c];
                    dg += w->lam[a * V + c] * Sm[a * V + c];
                }
                w->dq[i * K + a] += scale * dq;
                w->dk[i * K + a] += dk;
                w->dg[i * K + a] += exp(w->g[i * K + a]) * dg;
            }
            for (int64_t c = 0; c < V; c++) {
                double dv = 0.0;
                for (int64_t a = 0; a < K; a++) dv += w->lam[a * V + c] * ki[a];
                w->dv[i * V + c] += dv;
            }
            for (int64_t a = 0; a < K; a++) {
                double dec = exp(w->g[i * K + a]);
                for (int64_t c = 0; c < V; c++) w->lam[a * V + c] *= dec;
            }
        }
    }
}

static void gla_gather(gla_work *w, const ssmix_view *src, double *dst, int64_t width, const gla_seq *sq, int64_t h)
{
    for (int64_t i = 0; i < sq->n; i++)
        for (int64_t c = 0; c < width; c++) dst[i * width + c] = ref_load(src, sq->bi, sq->t0 + i, h, c);
}

static void gla_scatter(const ssmix_view *dst, const double *src, int64_t width, const gla_seq *sq, int64_t h)
{
    if (!dst->present) return;
    for (int64_t i = 0; i < sq->n; i++)
        for (int64_t c = 0; c < width; c++) ref_store(dst, sq->bi, sq->t0 + i, h, c, src[i * width + c]);
}

static void gla_load_state(const ssmix_view *v, int64_t s, int64_t h, double *dst, int64_t K, int64_t V)
{
    for (int64_t a = 0; a < K; a++)
        for (int64_t c = 0; c < V; c++) dst[a * V + c] = v->present ? ref_load(v, s, h, a, c) : 0.0;
}

static void gla_store_state(const ssmix_view *v, int64_t s, int64_t h, const double *src, int64_t K, int64_t V)
{
    if (!v->present) return;
    for (int64_t a = 0; a < K; a++)
        for (int64_t c = 0; c < V; c++) ref_store(v, s, h, a, c, src[a * V + c]);
}

static int64_t gla_max_len(const ssmix_gla_problem *p)
{
    int64_t m = 0;
    for (int64_t s = 0; s < p->nseq; s++) {
        gla_seq sq = gla_get_seq(p, s);
        if (sq.n > m) m = sq.n;
    }
    return m;
}

static ssmix_status gla_run(const ssmix_gla_problem *p, int backward)
{
    const char *op = backward ? "ssmix_gla_backward (cpu)" : "ssmix_gla_forward (cpu)";
    ssmix_status st = gla_check_cu(p, op);
    if (st != SSMIX_SUCCESS) return st;
    int64_t K = p->kdim, V = p->vdim;
    gla_work w;
    if (!gla_work_alloc(&w, gla_max_len(p), K, V)) {
        gla_work_free(&w);
        return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "%s: out of host memory", op);
    }
    double scale = (double)p->scale;
    int ndir = p->bidirectional ? 2 : 1;
    for (int64_t s = 0; s < p->nseq; s++) {
        gla_seq sq = gla_get_seq(p, s);
        w.n = sq.n;
        for (int64_t h = 0; h < p->nheads; h++) {
            gla_gather(&w, &p->q, w.q, K, &sq, h);
            gla_gather(&w, &p->k, w.k, K, &sq, h);
            gla_gather(&w, &p->gk, w.g, K, &sq, h);
            gla_gather(&w, &p->v, w.v, V, &sq, h);
            if (!backward) {
                memset(w.out, 0, (size_t)(sq.n * V) * sizeof(double));
                for (int dir = 0; dir < ndir; dir++) {
                    gla_load_state(&p->init, s, h, w.S, K, V);
                    gla_scan_forward(&w, dir, scale);
                    if (dir == 0) gla_store_state(&p->final_state, s, h, w.S, K, V);
                }
                gla_scatter(&p->out, w.out, V, &sq, h);
                continue;
            }
            gla_gather(&w, &p->dout, w.dout, V, &sq, h);
            memset(w.dq, 0, (size_t)(sq.n * K) * sizeof(double));
            memset(w.dk, 0, (size_t)(sq.n * K) * sizeof(double));
            memset(w.dg, 0, (size_t)(sq.n * K) * sizeof(double));
            memset(w.dv, 0, (size_t)(sq.n * V) * sizeof(double));
            for (int dir = 0; dir < ndir; dir++) {
                gla_load_state(&p->init, s, h, w.S, K, V);
                gla_load_state(&p->dfinal, s, h, w.lam, K, V);
                gla_scan_backward(&w, dir, scale);
                if (dir == 0) gla_store_state(&p->dinit, s, h, w.lam, K, V);
            }
            gla_scatter(&p->dq, w.dq, K, &sq, h);
            gla_scatter(&p->dk, w.dk, K, &sq, h);
            gla_scatter(&p->dgk, w.dg, K, &sq, h);
            gla_scatter(&p->dv, w.dv, V, &sq, h);
        }
    }
    gla_work_free(&w);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_cpu_gla_forward(void *bctx, const ssmix_gla_problem *p)
{
    (void)bctx;
    return gla_run(p, 0);
}

ssmix_status ssmix_cpu_gla_backward(void *bctx, const ssmix_gla_problem *p)
{
    (void)bctx;
    return gla_run(p, 1);
}
