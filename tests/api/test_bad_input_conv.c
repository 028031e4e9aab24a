/*
 * Bad input for the short convolutions (common/op_conv.c): one case per validation rule of
 * ssmix_conv1d_forward / _backward / _update. Each case checks the status, that the message names the
 * argument, and that every output buffer (poisoned with 0xFF bytes) is untouched. A valid call at the
 * end of each group proves the outputs are writable, so "untouched" is a real observation.
 */
#include <stdlib.h>

#include "bad_input_util.h"

enum { b = 2, L = 6, C = 3, W = 4 };

static int all_written(const tens *t)
{
    unsigned char *host = malloc(t->bytes);
    ssmix_buffer_read(t->buf, 0, host, t->bytes);
    int ok = 1;
    for (size_t k = 0; k + 3 < t->bytes; k += 4)
        if (host[k] == 0xFF && host[k + 1] == 0xFF && host[k + 2] == 0xFF && host[k + 3] == 0xFF) ok = 0;
    free(host);
    return ok;
}

static tens *x, *xcf, *w, *bias, *seq, *init, *out, *fin, *dout, *dfin, *dx, *dw, *db, *dinit, *xh;
static tens *st, *xd, *od, *idx, *w2;

static ssmix_conv1d_tensors fwd(void)
{
    ssmix_conv1d_tensors t;
    memset(&t, 0, sizeof t);
    t.x = &x->t, t.weight = &w->t, t.bias = &bias->t, t.seq_idx = &seq->t, t.initial_state = &init->t;
    t.out = &out->t, t.final_state = &fin->t;
    return t;
}

static ssmix_conv1d_tensors bwd(void)
{
    ssmix_conv1d_tensors t = fwd();
    t.out = NULL, t.final_state = NULL;
    t.dout = &dout->t, t.dfinal_state = &dfin->t;
    t.dx = &dx->t, t.dweight = &dw->t, t.dbias = &db->t, t.dinitial_state = &dinit->t;
    return t;
}

static void test_conv(void)
{
    const ssmix_dtype F = SSMIX_F32;
    const ssmix_status INV = SSMIX_ERROR_INVALID_ARGUMENT;
    x = make(F, 0, 3, b, L, C, 0), xcf = make(F, 0, 3, b, C, L, 0), w = make(F, 0, 2, C, W, 0, 0), bias = make(F, 0, 1, C, 0, 0, 0);
    seq = make(SSMIX_I32, 0, 2, b, L, 0, 0), init = make(F, 0, 3, b, C, W - 1, 0), dout = make(F, 0, 3, b, L, C, 0);
    dfin = make(F, 0, 3, b, C, W - 1, 0), xh = make(SSMIX_F16, 0, 3, b, L, C, 0);
    out = make(F, 1, 3, b, L, C, 0), fin = make(F, 1, 3, b, C, W - 1, 0), dx = make(F, 1, 3, b, L, C, 0);
    dw = make(F, 1, 2, C, W, 0, 0), db = make(F, 1, 1, C, 0, 0, 0), dinit = make(F, 1, 3, b, C, W - 1, 0);

    ssmix_conv1d_params prm;
    CHECK_STATUS(ssmix_conv1d_params_init(NULL), INV, "params is NULL");
    ssmix_conv1d_params_init(&prm);
    CHECK(prm.kind == SSMIX_CONV1D_CAUSAL && prm.activation == SSMIX_CONV1D_ACT_NONE && prm.channel_first == 0,
          "unexpected defaults");
    ssmix_conv1d_tensors t;
    ssmix_tensor bad;

    /* NULLs and params */
    t = fwd();
    REJECT(ssmix_conv1d_forward(NULL, &prm, &t), INV, "ctx is NULL");
    REJECT(ssmix_conv1d_forward(ctx, NULL, &t), INV, "params is NULL");
    REJECT(ssmix_conv1d_forward(ctx, &prm, NULL), INV, "tensors is NULL");
    ssmix_conv1d_params p2 = prm;
    p2.kind = (ssmix_conv1d_kind)7;
    REJECT(ssmix_conv1d_forward(ctx, &p2, &t), INV, "params.kind");
    p2 = prm, p2.activation = (ssmix_conv1d_activation)3;
    REJECT(ssmix_conv1d_forward(ctx, &p2, &t), INV, "params.activation");
    p2 = prm, p2.channel_first = 2;
    REJECT(ssmix_conv1d_forward(ctx, &p2, &t), INV, "params.channel_first");
    t.x = NULL;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "x is NULL");
    t = fwd(), t.weight = NULL;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "weight is NULL");
    t = fwd(), t.out = NULL;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "out is NULL");

    /* shapes, dtypes, strides, buffers */
    t = fwd(), bad = x->t, bad.ndim = 4;
    t.x = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "x has 4 dimensions");
    t = fwd(), bad = x->t, bad.shape[1] = 0;
    t.x = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "x.shape[1]");
    t = fwd(), bad = seq->t, bad.ndim = 3, bad.shape[2] = L;
    t.x = &bad; /* an i32 x */
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "x.dtype");
    t = fwd(), bad = w->t, bad.shape[0] = C + 1;
    t.weight = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "weight.shape[0]");
    t = fwd(), bad = xh->t;
    t.x = &bad; /* f16 x with f32 out */
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "out.dtype");
    t = fwd(), t.x = &xcf->t;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "weight.shape[0]"); /* (b,C,L) read as (b,L,C): C' = L */
    t = fwd(), bad = bias->t, bad.shape[0] = C + 2;
    t.bias = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "bias.shape");
    t = fwd(), bad = bias->t, bad.dtype = SSMIX_F16;
    t.bias = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "bias.dtype");
    t = fwd(), bad = seq->t, bad.dtype = F;
    t.seq_idx = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "seq_idx.dtype");
    t = fwd(), bad = init->t, bad.shape[2] = W;
    t.initial_state = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "initial_state.shape");
    t = fwd(), bad = fin->t, bad.shape[2] = W;
    t.final_state = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "final_state.shape");
    t = fwd(), bad = out->t, bad.strides[1] = 0;
    t.out = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "out is an output whose strides make elements overlap");
    t = fwd(), bad = x->t, bad.strides[2] = -1;
    t.x = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "x.strides[2]");
    t = fwd(), bad = x->t, bad.offset = 8;
    t.x = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "x does not fit in its buffer");
    t = fwd(), bad = x->t, bad.offset = 2;
    t.x = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "x.offset");
    t = fwd(), bad = x->t, bad.strides[1] = INT64_MAX / 3;
    t.x = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "overflows");
    t = fwd(), bad = x->t, bad.shape[0] = INT64_MAX / 2, bad.shape[1] = 4;
    t.x = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "overflows int64");
    t = fwd(), bad = out->t, bad.buffer = NULL;
    t.out = &bad;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "out.buffer is NULL");
    {
        ssmix_buffer *ob = NULL;
        ssmix_buffer_alloc(other_ctx, x->bytes, &ob);
        t = fwd(), bad = x->t, bad.buffer = ob;
        t.x = &bad;
        REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "x.buffer belongs to another context");
        ssmix_buffer_free(ob);
    }

    /* unsupported combinations */
    p2 = prm, p2.kind = SSMIX_CONV1D_CENTERED;
    t = fwd();
    REJECT(ssmix_conv1d_forward(ctx, &p2, &t), INV, "weight.shape[1] (W) is 4; a centered convolution needs an odd width");
    w2 = make(F, 0, 2, C, 3, 0, 0);
    t = fwd(), t.weight = &w2->t, t.final_state = NULL, t.initial_state = NULL;
    t.initial_state = &init->t; /* shape (b,C,3) vs W-1 = 2 is caught only for causal; centered rejects any state */
    REJECT(ssmix_conv1d_forward(ctx, &p2, &t), INV, "initial_state must be NULL for a centered convolution");
    {
        tens *w1 = make(F, 0, 2, C, 1, 0, 0);
        t = fwd(), t.weight = &w1->t, t.initial_state = NULL;
        REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "final_state must be NULL when W = 1");
    }
    t = fwd(), t.dout = &dout->t;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "dout must be NULL in the forward pass");
    t = fwd(), t.dx = &dx->t;
    REJECT(ssmix_conv1d_forward(ctx, &prm, &t), INV, "dx must be NULL in the forward pass");

    /* backward rules */
    t = bwd(), t.dout = NULL;
    REJECT(ssmix_conv1d_backward(ctx, &prm, &t), INV, "dout is NULL");
    t = bwd(), t.out = &out->t;
    REJECT(ssmix_conv1d_backward(ctx, &prm, &t), INV, "out must be NULL in the backward pass");
    t = bwd(), t.bias = NULL;
    REJECT(ssmix_conv1d_backward(ctx, &prm, &t), INV, "dbias is given but bias is not");
    t = bwd(), t.initial_state = NULL;
    REJECT(ssmix_conv1d_backward(ctx, &prm, &t), INV, "dinitial_state is given but initial_state is not");
    t = bwd(), bad = dw->t, bad.dtype = SSMIX_F16;
    t.dweight = &bad;
    REJECT(ssmix_conv1d_backward(ctx, &prm, &t), INV, "dweight.dtype");
    t = bwd(), bad = dfin->t, bad.shape[0] = b + 1;
    t.dfinal_state = &bad;
    REJECT(ssmix_conv1d_backward(ctx, &prm, &t), INV, "dfinal_state.shape");
    t = bwd(), bad = dx->t, bad.strides[0] = 0;
    t.dx = &bad;
    REJECT(ssmix_conv1d_backward(ctx, &prm, &t), INV, "dx is an output whose strides make elements overlap");

    /* the valid calls write their outputs */
    t = fwd();
    CHECK_STATUS(ssmix_conv1d_forward(ctx, &prm, &t), SSMIX_SUCCESS, "");
    CHECK(all_written(out) && all_written(fin), "valid forward left outputs unwritten");
    repoison();
    t = bwd();
    CHECK_STATUS(ssmix_conv1d_backward(ctx, &prm, &t), SSMIX_SUCCESS, "");
    CHECK(all_written(dx) && all_written(dw) && all_written(db) && all_written(dinit), "valid backward left outputs unwritten");
    p2 = prm, p2.channel_first = 1;
    t = fwd(), t.x = &xcf->t;
    {
        tens *ocf = make(F, 1, 3, b, C, L, 0);
        t.out = &ocf->t;
        repoison();
        CHECK_STATUS(ssmix_conv1d_forward(ctx, &p2, &t), SSMIX_SUCCESS, "");
        CHECK(all_written(ocf), "valid channel-first forward left out unwritten");
    }
    repoison();
}

/* A valid state before a valid update (repoison() fills it with NaN bytes). */
static void clear_state(tens *t)
{
    unsigned char *host = calloc(1, t->bytes);
    ssmix_buffer_write(t->buf, 0, host, t->bytes);
    free(host);
}

static ssmix_conv1d_update_tensors upd(void)
{
    ssmix_conv1d_update_tensors t;
    memset(&t, 0, sizeof t);
    t.conv_state = &st->t, t.x = &xd->t, t.weight = &w->t, t.bias = &bias->t, t.state_batch_indices = &idx->t, t.out = &od->t;
    return t;
}

static void test_update(void)
{
    const ssmix_dtype F = SSMIX_F32;
    const ssmix_status INV = SSMIX_ERROR_INVALID_ARGUMENT;
    const int64_t pool = 5;
    /* conv_state is an in/out tensor: it must stay untouched by rejected calls too */
    st = make(F, 1, 3, pool, C, W - 1, 0), xd = make(F, 0, 2, b, C, 0, 0), od = make(F, 1, 2, b, C, 0, 0);
    idx = make(SSMIX_I32, 0, 1, b, 0, 0, 0);
    {
        const int32_t rows[b] = {3, 1}; /* distinct pool rows */
        ssmix_buffer_write(idx->buf, 0, rows, sizeof rows);
    }
    ssmix_conv1d_params prm;
    ssmix_conv1d_params_init(&prm);
    ssmix_conv1d_update_tensors t;
    ssmix_tensor bad;

    t = upd();
    REJECT(ssmix_conv1d_update(NULL, &prm, &t), INV, "ctx is NULL");
    REJECT(ssmix_conv1d_update(ctx, NULL, &t), INV, "params is NULL");
    REJECT(ssmix_conv1d_update(ctx, &prm, NULL), INV, "tensors is NULL");
    ssmix_conv1d_params p2 = prm;
    p2.kind = SSMIX_CONV1D_CENTERED;
    REJECT(ssmix_conv1d_update(ctx, &p2, &t), INV, "params.kind must be SSMIX_CONV1D_CAUSAL");
    t = upd(), t.x = NULL;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "x is NULL");
    t = upd(), t.conv_state = NULL;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "conv_state is NULL");
    t = upd(), t.out = NULL;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "out is NULL");
    t = upd(), bad = xd->t, bad.ndim = 1;
    t.x = &bad;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "x has 1 dimensions");
    t = upd(), bad = st->t, bad.shape[2] = W;
    t.conv_state = &bad;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "conv_state.shape");
    t = upd(), bad = st->t, bad.shape[1] = C + 1, bad.shape[0] = 2;
    t.conv_state = &bad;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "conv_state.shape");
    t = upd(), t.state_batch_indices = NULL;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "conv_state.shape[0] (pool) is 5, expected b = 2");
    t = upd(), bad = idx->t, bad.dtype = F;
    t.state_batch_indices = &bad;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "state_batch_indices.dtype");
    t = upd(), bad = idx->t, bad.shape[0] = b + 1;
    t.state_batch_indices = &bad;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "state_batch_indices.shape");
    t = upd(), bad = st->t, bad.dtype = SSMIX_F16;
    t.conv_state = &bad;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "conv_state.dtype");
    t = upd(), bad = st->t, bad.strides[0] = 0;
    t.conv_state = &bad;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "conv_state is an output whose strides make elements overlap");
    t = upd(), bad = od->t, bad.shape[1] = C + 1;
    t.out = &bad;
    REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "out.shape");
    {
        tens *w1 = make(F, 0, 2, C, 1, 0, 0);
        tens *s0 = make(F, 1, 3, pool, C, 1, 0);
        t = upd(), t.weight = &w1->t, t.conv_state = &s0->t;
        REJECT(ssmix_conv1d_update(ctx, &prm, &t), INV, "needs W >= 2");
    }
    {
        tens *x3 = make(F, 0, 3, b, 2, C, 0), *o3 = make(F, 1, 3, b, 2, C, 0);
        t = upd(), t.x = &x3->t, t.out = &o3->t;
        p2 = prm, p2.channel_first = 1; /* (b,C,T) expected: C = 2 mismatches the weight */
        REJECT(ssmix_conv1d_update(ctx, &p2, &t), INV, "weight.shape[0]");
        repoison();
        clear_state(st);
        CHECK_STATUS(ssmix_conv1d_update(ctx, &prm, &t), SSMIX_SUCCESS, "");
        CHECK(all_written(o3), "valid 3-D update left out unwritten");
    }
    repoison();
    clear_state(st);
    t = upd();
    CHECK_STATUS(ssmix_conv1d_update(ctx, &prm, &t), SSMIX_SUCCESS, "");
    CHECK(all_written(od), "valid update left out unwritten");
}

int main(void)
{
    bi_input_sign = 1.0f; /* positive inputs (weights, states) */
    if (ssmix_context_create(&ctx, "cpu") != SSMIX_SUCCESS || ssmix_context_create(&other_ctx, "cpu") != SSMIX_SUCCESS) {
        fprintf(stderr, "cannot create cpu contexts: %s\n", ssmix_last_error());
        return 1;
    }
    test_conv();
    test_update();
    free_all();
    ssmix_context_destroy(ctx);
    ssmix_context_destroy(other_ctx);
    return api_summary("test_bad_input_conv");
}
