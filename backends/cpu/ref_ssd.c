/*
 * CPU reference of the SSD scan (OPS.md section 1): forward and sequential adjoint, one (b, h) at a
 * time through the shared scan of ref_scan.h, in double precision. The chunk size does not change
 * the math, so the oracle ignores it.
 *
 * Work is organized in segments: one independent scan over positions t0 .. t0+len-1 of batch row b
 * with state row srow of init/final/dfinal/dinit. Without cu_seqlens a segment is a whole batch
 * row (srow = b, seq_idx resets inside it); with cu_seqlens (varlen, batch 1) a segment is one
 * packed sequence k (srow = k), which the oracle validates here since the values live in the buffer.
 */
#include "internal.h"
#include "ref.h"
#include "ref_scan.h"

/* One independent scan: positions t0 .. t0+len-1 of batch row b, state row srow. */
typedef struct ssd_seg {
    int64_t b, t0, len, srow;
} ssd_seg;

/* The segments of a problem (*out: malloc'ed, *count). Varlen: checks cu_seqlens' values. */
static ssmix_status ssd_segments(const ssmix_ssd_problem *p, const char *op, ssd_seg **out, int64_t *count)
{
    int64_t n = p->cu_seqlens.present ? p->nseq : p->batch;
    ssd_seg *s = (ssd_seg *)malloc((size_t)n * sizeof *s);
    if (!s) return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "%s: cpu reference out of host memory", op);
    for (int64_t k = 0; k < n; k++) {
        if (!p->cu_seqlens.present) {
            s[k].b = k, s[k].t0 = 0, s[k].len = p->seqlen, s[k].srow = k;
            continue;
        }
        double c0 = ref_load(&p->cu_seqlens, k, 0, 0, 0), c1 = ref_load(&p->cu_seqlens, k + 1, 0, 0, 0);
        const char *why = NULL;
        if (k == 0 && c0 != 0) why = "cu_seqlens[0] must be 0";
        else if (c1 <= c0) why = "cu_seqlens must be strictly increasing (every sequence length >= 1)";
        else if (k == n - 1 && c1 != (double)p->seqlen) why = "cu_seqlens[nseq] must equal L";
        else if (c1 > (double)p->seqlen) why = "cu_seqlens values must not exceed L";
        if (why) {
            free(s);
            return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s: %s (cu_seqlens[%lld] = %.0f, cu_seqlens[%lld] = %.0f, L = %lld)",
                                   op, why, (long long)k, c0, (long long)(k + 1), c1, (long long)p->seqlen);
        }
        s[k].b = 0, s[k].t0 = (int64_t)c0, s[k].len = (int64_t)(c1 - c0), s[k].srow = k;
    }
    *out = s;
    *count = n;
    return SSMIX_SUCCESS;
}

/* A time-major view shifted to start at position t0 (time is canonical dimension 1). */
static ssmix_view ssd_shift(const ssmix_view *v, int64_t t0)
{
    ssmix_view r = *v;
    if (r.present) r.offset += t0 * r.stride[1];
    return r;
}

/* Sequence boundaries of a segment: the state is zeroed before step t when seq_idx changes
 * (sid_{-1} = 0, so a row starting at a nonzero id also drops the initial state). */
static void ssd_set_resets(ref_scan *w, const ssmix_ssd_problem *p, const ssd_seg *sg)
{
    double prev = 0.0;
    for (int64_t t = 0; t < sg->len; t++) {
        double sid = p->seq_idx.present ? ref_load(&p->seq_idx, sg->b, sg->t0 + t, 0, 0) : 0.0;
        w->reset[t] = sid != prev;
        prev = sid;
    }
}

/* Gather head h of a segment (inputs, resets, initial state). */
static void ssd_gather(ref_scan *w, const ssmix_ssd_problem *p, const ssd_seg *sg, int64_t h)
{
    int64_t g = h / (p->nheads / p->ngroups);
    double A = ref_load(&p->A, h, 0, 0, 0);
    double bias = p->dt_bias.present ? ref_load(&p->dt_bias, h, 0, 0, 0) : 0.0;
    ssmix_view x = ssd_shift(&p->x, sg->t0), dt = ssd_shift(&p->dt, sg->t0);
    ssmix_view B = ssd_shift(&p->B, sg->t0), C = ssd_shift(&p->C, sg->t0);
    w->L = sg->len;
    ref_scan_gather(w, &x, &dt, &B, &C, A, bias, p->dt_softplus, p->dt_min, p->dt_max, sg->b, h, g, 0);
    ssd_set_resets(w, p, sg);
    w->has_init = p->init.present;
    if (w->has_init) ref_scan_load_state(&p->init, sg->srow, h, p->headdim, p->dstate, w->init);
}

/* D coefficient of channel c of head h (0 without D). */
static double ssd_dcoef(const ssmix_ssd_problem *p, int64_t h, int64_t c)
{
    return p->D.present ? ref_load(&p->D, h, c, 0, 0) : 0.0; /* stride[1] == 0 for D of shape (H) */
}

ssmix_status ssmix_ref_ssd_forward(const ssmix_ssd_problem *p)
{
    int64_t L = p->seqlen, P = p->headdim, nseg = 0;
    ssd_seg *segs = NULL;
    ssmix_status st = ssd_segments(p, "ssmix_ssd_forward", &segs, &nseg);
    if (st != SSMIX_SUCCESS) return st;
    ref_scan w;
    if (ref_scan_init(&w, L, P, p->dstate, 0) != 0) {
        free(segs);
        return SSMIX_ERROR_OUT_OF_MEMORY;
    }
    for (int64_t k = 0; k < nseg; k++) {
        const ssd_seg *sg = &segs[k];
        for (int64_t h = 0; h < p->nheads; h++) {
            ssd_gather(&w, p, sg, h);
            ref_scan_forward(&w);
            if (p->final_states.present) ref_scan_store_state(&p->final_states, sg->srow, h, P, p->dstate, w.S);
            for (int64_t t = 0; t < sg->len; t++) {
                int64_t tt = sg->t0 + t;
                for (int64_t c = 0; c < P; c++) {
                    double y = w.y[t * P + c] + ssd_dcoef(p, h, c) * w.x[t * P + c];
                    if (p->z.present) {
                        double z = ref_load(&p->z, sg->b, tt, h, c);
                        y *= z * ref_sigmoid(z);
                    }
                    ref_store(&p->out, sg->b, tt, h, c, y);
                }
            }
        }
    }
    ref_scan_release(&w);
    free(segs);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_ref_ssd_backward(const ssmix_ssd_problem *p)
{
    int64_t L = p->seqlen, H = p->nheads, P = p->headdim, N = p->dstate, G = p->ngroups;
    int64_t hpg = H / G, ndD = p->d_per_channel ? H * P : H, nseg = 0;
    ssd_seg *segs = NULL;
    ssmix_status st = ssd_segments(p, "ssmix_ssd_backward", &segs, &nseg);
    if (st != SSMIX_SUCCESS) return st;
    ref_scan w;
    if (ref_scan_init(&w, L, P, N, 1) != 0) {
        free(segs);
        return SSMIX_ERROR_OUT_OF_MEMORY;
    }
    /* Sums over the heads of a group (dB, dC) and over the segments (dA, ddt_bias, dD). */
    double *dB = ref_scan_zalloc(L * N), *dC = ref_scan_zalloc(L * N);
    double *dA = ref_scan_zalloc(H), *dbias = ref_scan_zalloc(H), *dD = ref_scan_zalloc(ndD);
    if (!dB || !dC || !dA || !dbias || !dD) {
        free(dB), free(dC), free(dA), free(dbias), free(dD), free(segs);
        ref_scan_release(&w);
        return SSMIX_ERROR_OUT_OF_MEMORY;
    }
    /* y itself is needed only for dz. */
    int need_y = p->z.present && p->dz.present;

    for (int64_t k = 0; k < nseg; k++) {
        const ssd_seg *sg = &segs[k];
        int64_t b = sg->b, len = sg->len;
        for (int64_t g = 0; g < G; g++) {
            memset(dB, 0, (size_t)(len * N) * sizeof(double));
            memset(dC, 0, (size_t)(len * N) * sizeof(double));
            for (int64_t h = g * hpg; h < (g + 1) * hpg; h++) {
                ssd_gather(&w, p, sg, h);
                w.has_dfinal = p->dfinal.present;
                if (w.has_dfinal) ref_scan_load_state(&p->dfinal, sg->srow, h, P, N, w.dfinal);
                if (need_y) ref_scan_forward(&w);

                /* Through the gate: g = dout * silu(z), dz = dout * y * silu'(z). */
                for (int64_t t = 0; t < len; t++) {
                    int64_t tt = sg->t0 + t;
                    for (int64_t c = 0; c < P; c++) {
                        double go = ref_load(&p->dout, b, tt, h, c);
                        if (p->z.present) {
                            double z = ref_load(&p->z, b, tt, h, c), sgm = ref_sigmoid(z);
                            if (need_y) {
                                double y = w.y[t * P + c] + ssd_dcoef(p, h, c) * w.x[t * P + c];
                                ref_store(&p->dz, b, tt, h, c, go * y * sgm * (1.0 + z * (1.0 - sgm)));
                            }
                            go *= z * sgm;
                        }
                        w.g[t * P + c] = go;
                    }
                }

                ref_scan_backward(&w);

                double dbias_h = 0.0;
                for (int64_t t = 0; t < len; t++) {
                    int64_t tt = sg->t0 + t;
                    for (int64_t c = 0; c < P; c++) {
                        double gx = w.g[t * P + c] * w.x[t * P + c];
                        dD[p->d_per_channel ? h * P + c : h] += gx;
                        if (p->dx.present)
                            ref_store(&p->dx, b, tt, h, c, w.dx[t * P + c] + ssd_dcoef(p, h, c) * w.g[t * P + c]);
                    }
                    if (p->ddt.present) ref_store(&p->ddt, b, tt, h, 0, w.ddt[t]);
                    dbias_h += w.ddt[t];
                    for (int64_t n = 0; n < N; n++) {
                        dB[t * N + n] += w.dB[t * N + n];
                        dC[t * N + n] += w.dC[t * N + n];
                    }
                }
                dbias[h] += dbias_h;
                dA[h] += w.dA;
                if (p->dinit.present) ref_scan_store_state(&p->dinit, sg->srow, h, P, N, w.dinit);
            }
            for (int64_t t = 0; t < len; t++) {
                for (int64_t n = 0; n < N; n++) {
                    if (p->dB.present) ref_store(&p->dB, b, sg->t0 + t, g, n, dB[t * N + n]);
                    if (p->dC.present) ref_store(&p->dC, b, sg->t0 + t, g, n, dC[t * N + n]);
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
    free(dB), free(dC), free(dA), free(dbias), free(dD), free(segs);
    ref_scan_release(&w);
    return SSMIX_SUCCESS;
}
