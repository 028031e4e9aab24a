/*
 * Bad input for gated linear attention (common/op_gla.c and the cpu oracle's cu_seqlens check):
 * each case checks the status, that the message names the argument, and that every output buffer
 * (poisoned with 0xFF bytes beforehand) is untouched. Valid forward and backward calls at the end
 * prove the outputs are writable, so "untouched" is a real observation.
 */
#include <math.h>
#include <stdlib.h>

#include "bad_input_util.h"

enum { b = 2, L = 5, H = 3, K = 4, V = 2 };

static int output_written(const tens *t)
{
    unsigned char *host = malloc(t->bytes);
    ssmix_buffer_read(t->buf, 0, host, t->bytes);
    int any = 0;
    for (size_t k = 0; k < t->bytes; k++)
        if (host[k] != 0xFF) { any = 1; break; }
    free(host);
    return any;
}

#define BAD(call, frag) REJECT(call, SSMIX_ERROR_INVALID_ARGUMENT, frag)

static tens *q, *k, *v, *gk, *init, *out, *fin, *dout, *dfin, *dq, *dk, *dv, *dgk, *dinit;

static void base_fwd(ssmix_gla_tensors *t)
{
    memset(t, 0, sizeof *t);
    t->q = &q->t, t->k = &k->t, t->v = &v->t, t->gk = &gk->t, t->initial_state = &init->t;
    t->out = &out->t, t->final_state = &fin->t;
}

static void base_bwd(ssmix_gla_tensors *t)
{
    memset(t, 0, sizeof *t);
    t->q = &q->t, t->k = &k->t, t->v = &v->t, t->gk = &gk->t, t->initial_state = &init->t;
    t->dout = &dout->t, t->dfinal_state = &dfin->t;
    t->dq = &dq->t, t->dk = &dk->t, t->dv = &dv->t, t->dgk = &dgk->t, t->dinitial_state = &dinit->t;
}

int main(void)
{
    if (ssmix_context_create(&ctx, "cpu") != SSMIX_SUCCESS || ssmix_context_create(&other_ctx, "cpu") != SSMIX_SUCCESS) {
        fprintf(stderr, "cannot create cpu contexts: %s\n", ssmix_last_error());
        return 1;
    }
    q = make(SSMIX_F32, 0, 4, b, L, H, K), k = make(SSMIX_F32, 0, 4, b, L, H, K);
    v = make(SSMIX_F32, 0, 4, b, L, H, V), gk = make(SSMIX_F32, 0, 4, b, L, H, K);
    init = make(SSMIX_F32, 0, 4, b, H, K, V), dout = make(SSMIX_F32, 0, 4, b, L, H, V);
    dfin = make(SSMIX_F32, 0, 4, b, H, K, V);
    out = make(SSMIX_F32, 1, 4, b, L, H, V), fin = make(SSMIX_F32, 1, 4, b, H, K, V);
    dq = make(SSMIX_F32, 1, 4, b, L, H, K), dk = make(SSMIX_F32, 1, 4, b, L, H, K);
    dv = make(SSMIX_F32, 1, 4, b, L, H, V), dgk = make(SSMIX_F32, 1, 4, b, L, H, K);
    dinit = make(SSMIX_F32, 1, 4, b, H, K, V);
    tens *q16 = make(SSMIX_F16, 0, 4, b, L, H, K), *qi = make(SSMIX_I32, 0, 4, b, L, H, K);
    tens *kshort = make(SSMIX_F32, 0, 4, b, L - 1, H, K), *v3 = make(SSMIX_F32, 0, 3, b, L, H, 1);
    tens *vb = make(SSMIX_F32, 0, 4, b, L, H + 1, V), *init16 = make(SSMIX_F32, 0, 4, b, H, K, V + 1);
    tens *qz = make(SSMIX_F32, 0, 4, b, 1, H, K);
    tens *qo = make_in(other_ctx, SSMIX_F32, 0, 4, b, L, H, K, NULL);
    /* varlen: batch 1, three sequences over L, states per sequence */
    tens *q1 = make(SSMIX_F32, 0, 4, 1, L, H, K), *k1 = make(SSMIX_F32, 0, 4, 1, L, H, K);
    tens *v1 = make(SSMIX_F32, 0, 4, 1, L, H, V), *g1 = make(SSMIX_F32, 0, 4, 1, L, H, K);
    tens *o1 = make(SSMIX_F32, 1, 4, 1, L, H, V), *cu = make(SSMIX_I32, 0, 1, 4, 1, 1, 1);
    tens *cu1 = make(SSMIX_I32, 0, 1, 1, 1, 1, 1), *cuf = make(SSMIX_F32, 0, 1, 4, 1, 1, 1);
    tens *init3 = make(SSMIX_F32, 0, 4, 3, H, K, V), *fin2 = make(SSMIX_F32, 1, 4, 2, H, K, V);

    ssmix_gla_params P;
    ssmix_gla_tensors t;
    CHECK_STATUS(ssmix_gla_params_init(NULL), SSMIX_ERROR_INVALID_ARGUMENT, "params");
    ssmix_gla_params_init(&P);
    CHECK(isnan(P.scale) && P.chunk_size == 64 && P.bidirectional == 0, "params_init defaults");

    /* ---- NULLs and params */
    base_fwd(&t);
    BAD(ssmix_gla_forward(NULL, &P, &t), "ctx");
    BAD(ssmix_gla_forward(ctx, NULL, &t), "params");
    BAD(ssmix_gla_forward(ctx, &P, NULL), "tensors");
    t.q = NULL;
    BAD(ssmix_gla_forward(ctx, &P, &t), "q is NULL");
    base_fwd(&t), t.k = NULL;
    BAD(ssmix_gla_forward(ctx, &P, &t), "k is NULL");
    base_fwd(&t), t.v = NULL;
    BAD(ssmix_gla_forward(ctx, &P, &t), "v is NULL");
    base_fwd(&t), t.gk = NULL;
    BAD(ssmix_gla_forward(ctx, &P, &t), "gk is NULL");
    base_fwd(&t), t.out = NULL;
    BAD(ssmix_gla_forward(ctx, &P, &t), "out is NULL");
    base_fwd(&t);
    P.chunk_size = 0;
    BAD(ssmix_gla_forward(ctx, &P, &t), "chunk_size");
    P.chunk_size = 65;
    BAD(ssmix_gla_forward(ctx, &P, &t), "chunk_size");
    ssmix_gla_params_init(&P);
    P.scale = INFINITY;
    BAD(ssmix_gla_forward(ctx, &P, &t), "scale");
    ssmix_gla_params_init(&P);
    P.bidirectional = 2;
    BAD(ssmix_gla_forward(ctx, &P, &t), "bidirectional");
    ssmix_gla_params_init(&P);

    /* ---- shapes, dtypes, contexts */
    base_fwd(&t), t.q = &q16->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "k.dtype");
    base_fwd(&t), t.q = &qi->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "q.dtype");
    base_fwd(&t), t.k = &kshort->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "k.shape");
    base_fwd(&t), t.v = &v3->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "v has 3 dimensions");
    base_fwd(&t), t.v = &vb->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "v.shape");
    base_fwd(&t), t.initial_state = &init16->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "initial_state.shape");
    base_fwd(&t), t.gk = &qz->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "gk.shape");
    base_fwd(&t), t.q = &qo->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "another context");
    {
        ssmix_tensor neg = q->t;
        neg.strides[3] = -1;
        base_fwd(&t), t.q = &neg;
        BAD(ssmix_gla_forward(ctx, &P, &t), "q.strides[3]");
        ssmix_tensor big = q->t;
        big.strides[0] = INT64_MAX / 2;
        base_fwd(&t), t.q = &big;
        BAD(ssmix_gla_forward(ctx, &P, &t), "q");
        ssmix_tensor over = out->t;
        over.strides[3] = 0;
        base_fwd(&t), t.out = &over;
        BAD(ssmix_gla_forward(ctx, &P, &t), "out is an output whose strides make elements overlap");
        ssmix_tensor odd = q->t;
        odd.offset = 2;
        base_fwd(&t), t.q = &odd;
        BAD(ssmix_gla_forward(ctx, &P, &t), "q.offset");
        ssmix_tensor zero = q->t;
        zero.shape[1] = 0;
        base_fwd(&t), t.q = &zero;
        BAD(ssmix_gla_forward(ctx, &P, &t), "q.shape[1]");
    }

    /* ---- pass-specific NULL rules */
    base_fwd(&t), t.dout = &dout->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "dout must be NULL");
    base_fwd(&t), t.dq = &dq->t;
    BAD(ssmix_gla_forward(ctx, &P, &t), "dq must be NULL");
    base_bwd(&t), t.out = &out->t;
    BAD(ssmix_gla_backward(ctx, &P, &t), "out must be NULL");
    base_bwd(&t), t.dout = NULL;
    BAD(ssmix_gla_backward(ctx, &P, &t), "dout is NULL");
    base_bwd(&t), t.initial_state = NULL;
    BAD(ssmix_gla_backward(ctx, &P, &t), "dinitial_state is given but initial_state is not");
    base_bwd(&t);
    t.dgk = &v->t;
    BAD(ssmix_gla_backward(ctx, &P, &t), "dgk.shape");

    /* ---- bidirectional: no states */
    P.bidirectional = 1;
    base_fwd(&t);
    BAD(ssmix_gla_forward(ctx, &P, &t), "initial_state must be NULL when params.bidirectional");
    base_fwd(&t), t.initial_state = NULL;
    BAD(ssmix_gla_forward(ctx, &P, &t), "final_state must be NULL when params.bidirectional");
    base_bwd(&t), t.initial_state = NULL, t.dinitial_state = NULL;
    BAD(ssmix_gla_backward(ctx, &P, &t), "dfinal_state must be NULL when params.bidirectional");
    ssmix_gla_params_init(&P);

    /* ---- varlen */
    {
        int32_t good[4] = {0, 2, 2, L}, dec[4] = {0, 3, 2, L}, start[4] = {1, 2, 3, L}, end[4] = {0, 1, 2, L - 1};
        memset(&t, 0, sizeof t);
        t.q = &q->t, t.k = &k->t, t.v = &v->t, t.gk = &gk->t, t.out = &out->t, t.cu_seqlens = &cu->t;
        BAD(ssmix_gla_forward(ctx, &P, &t), "must be 1 with cu_seqlens");
        memset(&t, 0, sizeof t);
        t.q = &q1->t, t.k = &k1->t, t.v = &v1->t, t.gk = &g1->t, t.out = &o1->t, t.cu_seqlens = &cu1->t;
        BAD(ssmix_gla_forward(ctx, &P, &t), "cu_seqlens.shape");
        t.cu_seqlens = &cuf->t;
        BAD(ssmix_gla_forward(ctx, &P, &t), "cu_seqlens.dtype");
        t.cu_seqlens = &cu->t, t.initial_state = &init->t; /* (b,...) instead of (nseq,...) */
        BAD(ssmix_gla_forward(ctx, &P, &t), "initial_state.shape");
        t.initial_state = &init3->t, t.final_state = &fin2->t;
        BAD(ssmix_gla_forward(ctx, &P, &t), "final_state.shape");
        t.final_state = NULL;
        ssmix_buffer_write(cu->buf, 0, dec, sizeof dec);
        BAD(ssmix_gla_forward(ctx, &P, &t), "cu_seqlens decreases");
        ssmix_buffer_write(cu->buf, 0, start, sizeof start);
        BAD(ssmix_gla_forward(ctx, &P, &t), "cu_seqlens[0]");
        ssmix_buffer_write(cu->buf, 0, end, sizeof end);
        BAD(ssmix_gla_forward(ctx, &P, &t), "cu_seqlens[nseq]");
        ssmix_buffer_write(cu->buf, 0, good, sizeof good);
        CHECK_STATUS(ssmix_gla_forward(ctx, &P, &t), SSMIX_SUCCESS, "");
        CHECK(output_written(o1), "the valid varlen call wrote out");
        memset(&t, 0, sizeof t);
    }

    /* ---- valid calls write the outputs */
    base_fwd(&t);
    CHECK_STATUS(ssmix_gla_forward(ctx, &P, &t), SSMIX_SUCCESS, "");
    CHECK(output_written(out) && output_written(fin), "the valid forward wrote out and final_state");
    base_bwd(&t);
    CHECK_STATUS(ssmix_gla_backward(ctx, &P, &t), SSMIX_SUCCESS, "");
    CHECK(output_written(dq) && output_written(dk) && output_written(dv) && output_written(dgk) && output_written(dinit),
          "the valid backward wrote every gradient");

    free_all();
    ssmix_context_destroy(ctx);
    ssmix_context_destroy(other_ctx);
    return api_summary("test_bad_input_gla");
}
