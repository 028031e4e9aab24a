/*
 * The conv1d oracle (OPS.md sections 5 and 6): literal double-precision loops over the definitions
 * of common/problem_conv.h, any strides, every I/O dtype (and the internal f64 one).
 *
 *   xe(s)      = x[s] for 0 <= s < L; init[W-1+s] for s < 0 (causal, init given); 0 otherwise
 *   valid(t,s) = no seq_idx, or seq(t) >= 0 and seq(s) == seq(t), where the positions s < 0 (the
 *                initial state) continue the row's first sequence if its id is 0: seq(s < 0) = 0 when
 *                seq(0) == 0, else -2 (matches nothing; as SSD: the initial state belongs to id 0)
 *   pre[t]     = bias + sum_w weight[w] * (valid(t, t-left+w) ? xe(t-left+w) : 0)
 *   out[t]     = seq(t) < 0 ? 0 : act(pre[t])
 *   final[k]   = valid(L-1, s) ? xe(s) : 0,   s = L-(W-1)+k
 * The backward is the derivative of (out, final) w.r.t. xe(s) for every s >= -(W-1) (dx for s >= 0,
 * dinit for s < 0), w.r.t. weight and bias, written as sums over the same taps.
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "ref.h"
#include "ref_view.h"

static int64_t left_of(const ssmix_conv1d_problem *p) { return p->centered ? (p->width - 1) / 2 : p->width - 1; }

static int64_t seq_at(const ssmix_conv1d_problem *p, int64_t b, int64_t s)
{
    if (!p->seq_idx.present) return 0;
    if (s < 0) return ref_load(&p->seq_idx, b, 0, 0, 0) == 0.0 ? 0 : -2;
    if (s >= p->seqlen) return -3; /* past the end (centered taps): zero padding, no sequence */
    return (int64_t)ref_load(&p->seq_idx, b, s, 0, 0);
}

static int tap_valid(const ssmix_conv1d_problem *p, int64_t b, int64_t t, int64_t s)
{
    if (!p->seq_idx.present) return 1;
    int64_t st = seq_at(p, b, t);
    return st >= 0 && seq_at(p, b, s) == st;
}

static double xe(const ssmix_conv1d_problem *p, int64_t b, int64_t s, int64_t c)
{
    if (s >= 0 && s < p->seqlen) return ref_load(&p->x, b, s, c, 0);
    if (s < 0 && !p->centered && p->init.present) return ref_load(&p->init, b, c, p->width - 1 + s, 0);
    return 0.0;
}

static double pre_at(const ssmix_conv1d_problem *p, int64_t b, int64_t t, int64_t c)
{
    double acc = p->bias.present ? ref_load(&p->bias, c, 0, 0, 0) : 0.0;
    for (int64_t w = 0; w < p->width; w++) {
        int64_t s = t - left_of(p) + w;
        if (tap_valid(p, b, t, s)) acc += ref_load(&p->weight, c, w, 0, 0) * xe(p, b, s, c);
    }
    return acc;
}

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

ssmix_status ssmix_cpu_conv1d_forward(void *bctx, const ssmix_conv1d_problem *p)
{
    (void)bctx;
    const int64_t B = p->batch, L = p->seqlen, C = p->channels, W = p->width;
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < L; t++)
            for (int64_t c = 0; c < C; c++) {
                double v = 0.0;
                if (!(p->seq_idx.present && seq_at(p, b, t) < 0)) {
                    v = pre_at(p, b, t, c);
                    if (p->silu) v = v * sigmoid(v);
                }
                ref_store(&p->out, b, t, c, 0, v);
            }
    if (p->final_state.present)
        for (int64_t b = 0; b < B; b++)
            for (int64_t c = 0; c < C; c++)
                for (int64_t k = 0; k < W - 1; k++) {
                    int64_t s = L - (W - 1) + k;
                    ref_store(&p->final_state, b, c, k, 0, tap_valid(p, b, L - 1, s) ? xe(p, b, s, c) : 0.0);
                }
    return SSMIX_SUCCESS;
}

/* d(loss)/d(pre[t]); 0 for padding tokens. */
static double dpre_at(const ssmix_conv1d_problem *p, int64_t b, int64_t t, int64_t c)
{
    if (p->seq_idx.present && seq_at(p, b, t) < 0) return 0.0;
    double g = ref_load(&p->dout, b, t, c, 0);
    if (p->silu) {
        double v = pre_at(p, b, t, c), sg = sigmoid(v);
        g *= sg * (1.0 + v * (1.0 - sg));
    }
    return g;
}

/* d(loss)/d(xe(s)) for s >= -(W-1): every output tap reading s, plus final_state's copy of s. */
static double dxe_at(const ssmix_conv1d_problem *p, const double *dpre, int64_t b, int64_t s, int64_t c)
{
    const int64_t L = p->seqlen, C = p->channels, W = p->width;
    double acc = 0.0;
    for (int64_t w = 0; w < W; w++) {
        int64_t t = s + left_of(p) - w;
        if (t < 0 || t >= L || !tap_valid(p, b, t, s)) continue;
        acc += ref_load(&p->weight, c, w, 0, 0) * dpre[(b * L + t) * C + c];
    }
    if (p->dfinal.present && s >= L - (W - 1) && tap_valid(p, b, L - 1, s))
        acc += ref_load(&p->dfinal, b, c, s - (L - (W - 1)), 0);
    return acc;
}

ssmix_status ssmix_cpu_conv1d_backward(void *bctx, const ssmix_conv1d_problem *p)
{
    (void)bctx;
    const int64_t B = p->batch, L = p->seqlen, C = p->channels, W = p->width;
    double *dpre = malloc((size_t)(B * L * C) * sizeof(double));
    if (!dpre) return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssmix_conv1d_backward (cpu): out of host memory");
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < L; t++)
            for (int64_t c = 0; c < C; c++) dpre[(b * L + t) * C + c] = dpre_at(p, b, t, c);

    if (p->dx.present)
        for (int64_t b = 0; b < B; b++)
            for (int64_t s = 0; s < L; s++)
                for (int64_t c = 0; c < C; c++) ref_store(&p->dx, b, s, c, 0, dxe_at(p, dpre, b, s, c));
    if (p->dinit.present)
        for (int64_t b = 0; b < B; b++)
            for (int64_t c = 0; c < C; c++)
                for (int64_t k = 0; k < W - 1; k++) ref_store(&p->dinit, b, c, k, 0, dxe_at(p, dpre, b, k - (W - 1), c));
    if (p->dweight.present)
        for (int64_t c = 0; c < C; c++)
            for (int64_t w = 0; w < W; w++) {
                double acc = 0.0;
                for (int64_t b = 0; b < B; b++)
                    for (int64_t t = 0; t < L; t++) {
                        int64_t s = t - left_of(p) + w;
                        if (tap_valid(p, b, t, s)) acc += dpre[(b * L + t) * C + c] * xe(p, b, s, c);
                    }
                ref_store(&p->dweight, c, w, 0, 0, acc);
            }
    if (p->dbias.present)
        for (int64_t c = 0; c < C; c++) {
            double acc = 0.0;
            for (int64_t b = 0; b < B; b++)
                for (int64_t t = 0; t < L; t++) acc += dpre[(b * L + t) * C + c];
            ref_store(&p->dbias, c, 0, 0, 0, acc);
        }
    free(dpre);
    return SSMIX_SUCCESS;
}

ssmix_status ssmix_cpu_conv1d_update(void *bctx, const ssmix_conv1d_update_problem *p)
{
    (void)bctx;
    const int64_t B = p->batch, T = p->ntokens, C = p->channels, W = p->width;
    double *win = malloc((size_t)W * sizeof(double));
    if (!win) return ssmix_set_error(SSMIX_ERROR_OUT_OF_MEMORY, "ssmix_conv1d_update (cpu): out of host memory");
    for (int64_t i = 0; i < B; i++) {
        int64_t r = p->state_idx.present ? (int64_t)ref_load(&p->state_idx, i, 0, 0, 0) : i;
        int pad = r < 0 || r >= p->pool;
        for (int64_t c = 0; c < C; c++)
            for (int64_t j = 0; j < T; j++) {
                if (pad) {
                    ref_store(&p->out, i, j, c, 0, 0.0);
                    continue;
                }
                for (int64_t k = 0; k < W - 1; k++) win[k] = ref_load(&p->conv_state, r, c, k, 0);
                win[W - 1] = ref_load(&p->x, i, j, c, 0);
                double v = p->bias.present ? ref_load(&p->bias, c, 0, 0, 0) : 0.0;
                for (int64_t w = 0; w < W; w++) v += ref_load(&p->weight, c, w, 0, 0) * win[w];
                if (p->silu) v = v * sigmoid(v);
                ref_store(&p->out, i, j, c, 0, v);
                for (int64_t k = 0; k < W - 1; k++) ref_store(&p->conv_state, r, c, k, 0, win[k + 1]);
            }
    }
    free(win);
    return SSMIX_SUCCESS;
}
