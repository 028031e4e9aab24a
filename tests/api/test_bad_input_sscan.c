/*
 * Bad input of the selective scan (ssmix_sscan_forward / _backward) and its decode step
 * (ssmix_sscan_decode): one case per validation rule of common/op_sscan.c. Each case checks the
 * status, that the message names the argument, and that every output buffer (poisoned with 0xFF
 * bytes) is untouched. Valid calls at the end prove the outputs are writable, so "untouched" is a
 * real observation.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bad_input_util.h"

enum { b = 2, Dm = 4, L = 5, N = 3, G = 2, POOL = 3 };

static tens *u, *dl, *A, *Bt, *Ct, *Bc, *D, *z, *bias, *init, *out, *last, *dout, *dlast;
static tens *du, *ddl, *dA, *dB, *dC, *dBc, *dD, *dz, *dbias, *dinit;
static tens *st, *x1, *dl1, *B1, *C1, *z1, *idx, *out1;

static ssmix_sscan_tensors fwd(void)
{
    ssmix_sscan_tensors t;
    memset(&t, 0, sizeof t);
    t.u = &u->t, t.delta = &dl->t, t.A = &A->t, t.B = &Bt->t, t.C = &Ct->t, t.D = &D->t, t.z = &z->t;
    t.delta_bias = &bias->t, t.initial_state = &init->t, t.out = &out->t, t.last_state = &last->t;
    return t;
}

static ssmix_sscan_tensors bwd(void)
{
    ssmix_sscan_tensors t = fwd();
    t.out = NULL, t.last_state = NULL;
    t.dout = &dout->t, t.dlast_state = &dlast->t;
    t.du = &du->t, t.ddelta = &ddl->t, t.dA = &dA->t, t.dB = &dB->t, t.dC = &dC->t, t.dD = &dD->t, t.dz = &dz->t;
    t.ddelta_bias = &dbias->t, t.dinitial_state = &dinit->t;
    return t;
}

static ssmix_sscan_decode_tensors dec(void)
{
    ssmix_sscan_decode_tensors t;
    memset(&t, 0, sizeof t);
    t.state = &st->t, t.x = &x1->t, t.delta = &dl1->t, t.A = &A->t, t.B = &B1->t, t.C = &C1->t, t.D = &D->t;
    t.z = &z1->t, t.delta_bias = &bias->t, t.state_batch_indices = &idx->t, t.out = &out1->t;
    return t;
}

int main(void)
{
    if (ssmix_context_create(&ctx, "cpu") != SSMIX_SUCCESS || ssmix_context_create(&other_ctx, "cpu") != SSMIX_SUCCESS) {
        fprintf(stderr, "cannot create cpu contexts: %s\n", ssmix_last_error());
        return 1;
    }
    const ssmix_dtype F = SSMIX_F32, H = SSMIX_F16;
    const ssmix_status INV = SSMIX_ERROR_INVALID_ARGUMENT;
    u = make(F, 0, 3, b, Dm, L, 0), dl = make(F, 0, 3, b, Dm, L, 0), A = make(F, 0, 2, Dm, N, 0, 0);
    Bt = make(F, 0, 4, b, G, N, L), Ct = make(F, 0, 4, b, G, N, L), Bc = make(F, 0, 2, Dm, N, 0, 0);
    D = make(F, 0, 1, Dm, 0, 0, 0), z = make(F, 0, 3, b, Dm, L, 0), bias = make(F, 0, 1, Dm, 0, 0, 0);
    init = make(F, 0, 3, b, Dm, N, 0), dout = make(F, 0, 3, b, Dm, L, 0), dlast = make(F, 0, 3, b, Dm, N, 0);
    out = make(F, 1, 3, b, Dm, L, 0), last = make(F, 1, 3, b, Dm, N, 0);
    du = make(F, 1, 3, b, Dm, L, 0), ddl = make(F, 1, 3, b, Dm, L, 0), dA = make(F, 1, 2, Dm, N, 0, 0);
    dB = make(F, 1, 4, b, G, N, L), dC = make(F, 1, 4, b, G, N, L), dBc = make(F, 1, 2, Dm, N, 0, 0);
    dD = make(F, 1, 1, Dm, 0, 0, 0), dz = make(F, 1, 3, b, Dm, L, 0), dbias = make(F, 1, 1, Dm, 0, 0, 0);
    dinit = make(F, 1, 3, b, Dm, N, 0);
    st = make(F, 1, 3, POOL, Dm, N, 0), x1 = make(F, 0, 2, b, Dm, 0, 0), dl1 = make(F, 0, 2, b, Dm, 0, 0);
    B1 = make(F, 0, 3, b, G, N, 0), C1 = make(F, 0, 3, b, G, N, 0), z1 = make(F, 0, 2, b, Dm, 0, 0);
    idx = make(SSMIX_I32, 0, 1, b, 0, 0, 0), out1 = make(F, 1, 2, b, Dm, 0, 0);
    tens *u16 = make(H, 0, 3, b, Dm, L, 0), *B16c = make(H, 0, 2, Dm, N, 0, 0), *i32u = make(SSMIX_I32, 0, 3, b, Dm, L, 0);
    tens *Bg3 = make(F, 0, 4, b, 3, N, L), *Cg1 = make(F, 0, 4, b, 1, N, L), *BL = make(F, 0, 4, b, G, N, L + 1);
    tens *D5 = make(F, 0, 1, Dm + 1, 0, 0, 0), *st16 = make(H, 1, 3, POOL, Dm, N, 0), *idxf = make(F, 0, 1, b, 0, 0, 0);
    tens *Aw = make(F, 0, 2, Dm + 1, N, 0, 0), *A1 = make(F, 0, 1, Dm, 0, 0, 0);

    ssmix_sscan_params prm;
    CHECK_STATUS(ssmix_sscan_params_init(NULL), INV, "params is NULL");
    ssmix_sscan_params_init(&prm);
    ssmix_sscan_tensors t;
    ssmix_tensor bad;

    /* null handles, params, required tensors */
    t = fwd();
    REJECT(ssmix_sscan_forward(NULL, &prm, &t), INV, "ctx is NULL");
    REJECT(ssmix_sscan_forward(ctx, NULL, &t), INV, "params is NULL");
    REJECT(ssmix_sscan_forward(ctx, &prm, NULL), INV, "tensors is NULL");
    prm.delta_softplus = 2;
    REJECT(ssmix_sscan_forward(ctx, &prm, &t), INV, "params.delta_softplus");
    prm.delta_softplus = 1;
#define FWD_WITH(field, value, frag) do { t = fwd(); t.field = (value); REJECT(ssmix_sscan_forward(ctx, &prm, &t), INV, frag); } while (0)
#define BWD_WITH(field, value, frag) do { t = bwd(); t.field = (value); REJECT(ssmix_sscan_backward(ctx, &prm, &t), INV, frag); } while (0)
    FWD_WITH(u, NULL, "u is NULL");
    FWD_WITH(delta, NULL, "delta is NULL");
    FWD_WITH(A, NULL, "A is NULL");
    FWD_WITH(B, NULL, "B is NULL");
    FWD_WITH(C, NULL, "C is NULL");
    FWD_WITH(out, NULL, "out is NULL");
    BWD_WITH(dout, NULL, "dout is NULL");

    /* buffers */
    bad = z->t, bad.buffer = NULL;
    FWD_WITH(z, &bad, "z.buffer is NULL");
    ssmix_buffer *foreign = NULL;
    ssmix_buffer_alloc(other_ctx, 4096, &foreign);
    bad = z->t, bad.buffer = foreign;
    FWD_WITH(z, &bad, "z.buffer belongs to another context");

    /* dtypes */
    FWD_WITH(u, &i32u->t, "I/O dtype must be f32, f16 or bf16");
    FWD_WITH(delta, &u16->t, "delta.dtype is f16, expected f32");
    bad = A->t, bad.dtype = H;
    FWD_WITH(A, &bad, "A.dtype is f16, expected f32");
    FWD_WITH(B, &B16c->t, "B.dtype is f16, expected f32"); /* constant B is a weight: f32 */
    bad = last->t, bad.dtype = H;
    FWD_WITH(last_state, &bad, "last_state.dtype is f16, expected f32");

    /* shapes */
    bad = u->t, bad.ndim = 2;
    FWD_WITH(u, &bad, "u has 2 dimensions");
    bad = u->t, bad.shape[2] = 0;
    FWD_WITH(u, &bad, "u.shape[2] is 0");
    bad = u->t, bad.shape[0] = INT64_MAX / 2, bad.shape[1] = 4;
    FWD_WITH(u, &bad, "overflows int64");
    FWD_WITH(A, &Aw->t, "A.shape is (5,3), expected (D,N) = (4,3)");
    FWD_WITH(A, &A1->t, "A has 1 dimensions");
    bad = Bt->t, bad.ndim = 3;
    FWD_WITH(B, &bad, "B has 3 dimensions, expected 4 (b,G,N,L)");
    t = fwd(); t.B = t.C = &Bg3->t;
    REJECT(ssmix_sscan_forward(ctx, &prm, &t), INV, "B.shape[1] (G) = 3 does not divide D = 4");
    FWD_WITH(C, &Cg1->t, "C.shape[1] (G) is 1 but B.shape[1] is 2");
    FWD_WITH(B, &BL->t, "B.shape is (2,2,3,6), expected (b,G,N,L)");
    FWD_WITH(D, &D5->t, "D.shape is (5)");
    FWD_WITH(delta_bias, &D5->t, "delta_bias.shape is (5)");
    bad = z->t, bad.shape[2] = L - 1;
    FWD_WITH(z, &bad, "z.shape is (2,4,4)");
    bad = init->t, bad.shape[2] = N + 1;
    FWD_WITH(initial_state, &bad, "initial_state.shape is (2,4,4)");

    /* strides, offsets, extents, overlap */
    bad = u->t, bad.strides[2] = -1;
    FWD_WITH(u, &bad, "u.strides[2] is -1");
    bad = u->t, bad.offset = 2;
    FWD_WITH(u, &bad, "u.offset 2 is not a multiple");
    bad = u->t, bad.offset = 4;
    FWD_WITH(u, &bad, "u does not fit in its buffer");
    bad = out->t, bad.strides[2] = 0;
    FWD_WITH(out, &bad, "out is an output whose strides make elements overlap");
    bad = u->t, bad.strides[2] = 0; /* a broadcast input is fine (checked by the valid call below) */

    /* fields that belong to the other pass, gradients without their input */
    FWD_WITH(du, &du->t, "du must be NULL in the forward pass");
    FWD_WITH(dout, &dout->t, "dout must be NULL in the forward pass");
    BWD_WITH(out, &out->t, "out must be NULL in the backward pass");
    BWD_WITH(last_state, &last->t, "last_state must be NULL in the backward pass");
    t = bwd(); t.D = NULL;
    REJECT(ssmix_sscan_backward(ctx, &prm, &t), INV, "dD is given but D is not");
    t = bwd(); t.z = NULL;
    REJECT(ssmix_sscan_backward(ctx, &prm, &t), INV, "dz is given but z is not");
    t = bwd(); t.delta_bias = NULL;
    REJECT(ssmix_sscan_backward(ctx, &prm, &t), INV, "ddelta_bias is given but delta_bias is not");
    t = bwd(); t.initial_state = NULL;
    REJECT(ssmix_sscan_backward(ctx, &prm, &t), INV, "dinitial_state is given but initial_state is not");
    BWD_WITH(dB, &dBc->t, "dB has 2 dimensions, expected 4 (the shape of B)");
    t = bwd(); t.B = &Bc->t; /* constant B needs a constant dB */
    REJECT(ssmix_sscan_backward(ctx, &prm, &t), INV, "dB has 4 dimensions, expected 2");
    bad = dA->t, bad.dtype = H;
    BWD_WITH(dA, &bad, "dA.dtype is f16, expected f32");
    bad = ddl->t, bad.shape[1] = 3;
    BWD_WITH(ddelta, &bad, "ddelta.shape is (2,3,5)");

    /* decode */
    ssmix_sscan_decode_tensors d;
#define DEC_WITH(field, value, frag) do { d = dec(); d.field = (value); REJECT(ssmix_sscan_decode(ctx, &prm, &d), INV, frag); } while (0)
    d = dec();
    REJECT(ssmix_sscan_decode(NULL, &prm, &d), INV, "ctx is NULL");
    REJECT(ssmix_sscan_decode(ctx, NULL, &d), INV, "params is NULL");
    REJECT(ssmix_sscan_decode(ctx, &prm, NULL), INV, "tensors is NULL");
    DEC_WITH(state, NULL, "state is NULL");
    DEC_WITH(x, NULL, "x is NULL");
    DEC_WITH(delta, NULL, "delta is NULL");
    DEC_WITH(A, NULL, "A is NULL");
    DEC_WITH(B, NULL, "B is NULL");
    DEC_WITH(C, NULL, "C is NULL");
    DEC_WITH(out, NULL, "out is NULL");
    DEC_WITH(state, &st16->t, "state.dtype is f16, expected f32");
    bad = st->t, bad.shape[1] = 3;
    DEC_WITH(state, &bad, "state.shape[1] is 3, expected D = 4");
    bad = st->t, bad.strides[0] = 0;
    DEC_WITH(state, &bad, "state is an output whose strides make elements overlap");
    DEC_WITH(state_batch_indices, NULL, "without state_batch_indices the pool is the batch");
    DEC_WITH(state_batch_indices, &idxf->t, "state_batch_indices.dtype is f32, expected i32");
    bad = idx->t, bad.shape[0] = 1;
    DEC_WITH(state_batch_indices, &bad, "state_batch_indices.shape is (1), expected (b)");
    bad = B1->t, bad.shape[1] = 3;
    DEC_WITH(B, &bad, "does not divide D = 4");
    bad = C1->t, bad.shape[2] = 2;
    DEC_WITH(C, &bad, "C.shape is (2,2,2), expected (b,G,N)");
    bad = x1->t, bad.dtype = H;
    DEC_WITH(x, &bad, "delta.dtype is f32, expected f16");
    DEC_WITH(delta, &dl->t, "delta has 3 dimensions");

    CHECK(outputs_untouched(), "outputs touched before the valid calls");
    /* valid calls: the outputs are writable, and a broadcast (stride 0) input is accepted */
    t = fwd();
    t.u = &bad; /* u broadcast along L */
    bad = u->t, bad.strides[2] = 0;
    CHECK_STATUS(ssmix_sscan_forward(ctx, &prm, &t), SSMIX_SUCCESS, "");
    t = bwd();
    CHECK_STATUS(ssmix_sscan_backward(ctx, &prm, &t), SSMIX_SUCCESS, "");
    t = fwd(); t.B = &Bc->t;
    CHECK_STATUS(ssmix_sscan_forward(ctx, &prm, &t), SSMIX_SUCCESS, "");
    t = bwd(); t.B = &Bc->t, t.dB = &dBc->t;
    CHECK_STATUS(ssmix_sscan_backward(ctx, &prm, &t), SSMIX_SUCCESS, "");
    d = dec();
    CHECK_STATUS(ssmix_sscan_decode(ctx, &prm, &d), SSMIX_SUCCESS, "");
    CHECK(!outputs_untouched(), "the valid calls wrote nothing");

    ssmix_buffer_free(foreign);
    free_all();
    ssmix_context_destroy(other_ctx);
    ssmix_context_destroy(ctx);
    return api_summary("test_bad_input_sscan");
}
