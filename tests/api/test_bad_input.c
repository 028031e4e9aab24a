/*
 * Bad input: one case per validation rule of common/validate.c and of the buffer/tensor calls.
 * Each case checks the status, that the message names the argument, and that every output buffer
 * (poisoned with 0xFF bytes beforehand) is untouched. A valid call at the end of each group proves
 * the outputs are writable, so "untouched" is a real observation.
 */
#include <math.h>
#include <stdlib.h>

#include "bad_input_util.h"

enum { b = 2, L = 5, H = 4, G = 2, P = 3, N = 2 };

/* ------------------------------------------------------------------ SSD */
static tens *x, *dt, *A, *Bt, *Ct, *D, *Dhp, *z, *dtb, *init, *seq, *out, *fin, *dout, *dfin;
static tens *dx, *ddt, *dA, *dB, *dC, *dD, *dz, *ddtb, *dinit;

static ssmix_ssd_tensors ssd_fwd(void)
{
    ssmix_ssd_tensors t;
    memset(&t, 0, sizeof t);
    t.x = &x->t, t.dt = &dt->t, t.A = &A->t, t.B = &Bt->t, t.C = &Ct->t, t.D = &D->t, t.z = &z->t;
    t.dt_bias = &dtb->t, t.initial_states = &init->t, t.seq_idx = &seq->t, t.out = &out->t, t.final_states = &fin->t;
    return t;
}

static ssmix_ssd_tensors ssd_bwd(void)
{
    ssmix_ssd_tensors t = ssd_fwd();
    t.out = NULL, t.final_states = NULL;
    t.dout = &dout->t, t.dfinal_states = &dfin->t;
    t.dx = &dx->t, t.ddt = &ddt->t, t.dA = &dA->t, t.dB = &dB->t, t.dC = &dC->t, t.dD = &dD->t, t.dz = &dz->t;
    t.ddt_bias = &ddtb->t, t.dinitial_states = &dinit->t;
    return t;
}

static void test_ssd(void)
{
    const ssmix_dtype F = SSMIX_F32;
    x = make(F, 0, 4, b, L, H, P), dt = make(F, 0, 3, b, L, H, 0), A = make(F, 0, 1, H, 0, 0, 0);
    Bt = make(F, 0, 4, b, L, G, N), Ct = make(F, 0, 4, b, L, G, N), D = make(F, 0, 1, H, 0, 0, 0);
    Dhp = make(F, 0, 2, H, P, 0, 0), z = make(F, 0, 4, b, L, H, P), dtb = make(F, 0, 1, H, 0, 0, 0);
    init = make(F, 0, 4, b, H, P, N), seq = make(SSMIX_I32, 0, 2, b, L, 0, 0);
    dout = make(F, 0, 4, b, L, H, P), dfin = make(F, 0, 4, b, H, P, N);
    out = make(F, 1, 4, b, L, H, P), fin = make(F, 1, 4, b, H, P, N);
    dx = make(F, 1, 4, b, L, H, P), ddt = make(F, 1, 3, b, L, H, 0), dA = make(F, 1, 1, H, 0, 0, 0);
    dB = make(F, 1, 4, b, L, G, N), dC = make(F, 1, 4, b, L, G, N), dD = make(F, 1, 1, H, 0, 0, 0);
    dz = make(F, 1, 4, b, L, H, P), ddtb = make(F, 1, 1, H, 0, 0, 0), dinit = make(F, 1, 4, b, H, P, N);

    ssmix_ssd_params prm;
    ssmix_ssd_params_init(&prm);
    prm.chunk_size = 2;
    ssmix_ssd_tensors t;
    ssmix_tensor bad;
    const ssmix_status INV = SSMIX_ERROR_INVALID_ARGUMENT;

    /* null handles and required tensors */
    t = ssd_fwd();
    REJECT(ssmix_ssd_forward(NULL, &prm, &t), INV, "ctx is NULL");
    REJECT(ssmix_ssd_forward(ctx, NULL, &t), INV, "params is NULL");
    REJECT(ssmix_ssd_forward(ctx, &prm, NULL), INV, "tensors is NULL");
#define FWD_WITH(field, value, frag) do { t = ssd_fwd(); t.field = (value); REJECT(ssmix_ssd_forward(ctx, &prm, &t), INV, frag); } while (0)
#define BWD_WITH(field, value, frag) do { t = ssd_bwd(); t.field = (value); REJECT(ssmix_ssd_backward(ctx, &prm, &t), INV, frag); } while (0)
    FWD_WITH(x, NULL, "x is NULL");
    FWD_WITH(dt, NULL, "dt is NULL");
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
    bad = Ct->t, bad.buffer = foreign;
    FWD_WITH(C, &bad, "C.buffer belongs to another context");

    /* dtypes */
    bad = dt->t, bad.dtype = SSMIX_F16;
    FWD_WITH(dt, &bad, "dt.dtype is f16, expected f32");
    bad = A->t, bad.dtype = SSMIX_BF16;
    FWD_WITH(A, &bad, "A.dtype is bf16, expected f32");
    bad = seq->t, bad.dtype = SSMIX_F32;
    FWD_WITH(seq_idx, &bad, "seq_idx.dtype is f32, expected i32");
    bad = x->t, bad.dtype = SSMIX_I32;
    FWD_WITH(x, &bad, "x.dtype is i32");
    bad = init->t, bad.dtype = SSMIX_F16;
    FWD_WITH(initial_states, &bad, "initial_states.dtype");
    bad = x->t, bad.dtype = (ssmix_dtype)42;
    FWD_WITH(x, &bad, "x.dtype");

    /* ranks and shapes */
    bad = dt->t, bad.ndim = 4, bad.shape[3] = 1, bad.strides[3] = 1;
    FWD_WITH(dt, &bad, "dt has 4 dimensions");
    bad = Ct->t, bad.shape[1] = L - 1;
    FWD_WITH(C, &bad, "C.shape");
    bad = z->t, bad.shape[3] = P - 1;
    FWD_WITH(z, &bad, "z.shape");
    bad = init->t, bad.shape[3] = N - 1;
    FWD_WITH(initial_states, &bad, "initial_states.shape");
    bad = Bt->t, bad.shape[0] = 1;
    FWD_WITH(B, &bad, "B.shape[0:2]");
    bad = x->t, bad.shape[1] = 0;
    FWD_WITH(x, &bad, "x.shape[1] is 0");
    bad = x->t, bad.shape[0] = INT64_MAX / 2, bad.shape[1] = 4;
    FWD_WITH(x, &bad, "overflows int64");
    bad = D->t, bad.ndim = 3, bad.shape[1] = 1, bad.shape[2] = 1;
    FWD_WITH(D, &bad, "D has 3 dimensions");
    bad = seq->t, bad.shape[1] = L + 1;
    FWD_WITH(seq_idx, &bad, "seq_idx.shape");

    /* groups must divide heads: B and C with G = 3 */
    {
        tens *B3 = make(SSMIX_F32, 0, 4, b, L, 3, N), *C3 = make(SSMIX_F32, 0, 4, b, L, 3, N);
        t = ssd_fwd();
        t.B = &B3->t, t.C = &C3->t;
        REJECT(ssmix_ssd_forward(ctx, &prm, &t), INV, "does not divide H");
    }

    /* strides, offsets, extents */
    bad = x->t, bad.strides[1] = -1;
    FWD_WITH(x, &bad, "x.strides[1] is -1");
    bad = x->t, bad.offset = 2;
    FWD_WITH(x, &bad, "x.offset 2 is not a multiple");
    bad = x->t, bad.offset = 4;
    FWD_WITH(x, &bad, "x does not fit in its buffer");
    bad = z->t, bad.strides[0] = 1000;
    FWD_WITH(z, &bad, "z does not fit in its buffer");
    bad = x->t, bad.strides[1] = INT64_MAX / 2; /* (L-1) * stride overflows */
    FWD_WITH(x, &bad, "overflows 64-bit element indexing");
    bad = out->t, bad.strides[1] = 0;
    FWD_WITH(out, &bad, "out is an output whose strides make elements overlap");
    bad = out->t, bad.strides[2] = 1; /* h and p both step by 1: overlap */
    FWD_WITH(out, &bad, "out is an output whose strides make elements overlap");
    bad = fin->t, bad.strides[3] = 0;
    FWD_WITH(final_states, &bad, "final_states is an output");
    /* broadcast inputs are allowed: B with time stride 0 is valid (positive control later) */

    /* parameters */
    t = ssd_fwd();
    prm.chunk_size = 0;
    REJECT(ssmix_ssd_forward(ctx, &prm, &t), INV, "params.chunk_size is 0");
    prm.chunk_size = 2, prm.dt_min = 0.5f, prm.dt_max = 0.1f;
    REJECT(ssmix_ssd_forward(ctx, &prm, &t), INV, "params.dt_min");
    prm.dt_min = NAN, prm.dt_max = 1.0f;
    REJECT(ssmix_ssd_forward(ctx, &prm, &t), INV, "NaN");
    ssmix_ssd_params_init(&prm);
    prm.chunk_size = 2;

    /* pass-specific fields */
    FWD_WITH(dout, &dout->t, "dout must be NULL in the forward pass");
    FWD_WITH(dx, &dx->t, "dx must be NULL in the forward pass");
    BWD_WITH(out, &out->t, "out must be NULL in the backward pass");
    BWD_WITH(final_states, &fin->t, "final_states must be NULL in the backward pass");

    /* gradients need their inputs, and have their shapes */
    t = ssd_bwd(); t.D = NULL;
    REJECT(ssmix_ssd_backward(ctx, &prm, &t), INV, "dD is given but D is not");
    t = ssd_bwd(); t.z = NULL;
    REJECT(ssmix_ssd_backward(ctx, &prm, &t), INV, "dz is given but z is not");
    t = ssd_bwd(); t.dt_bias = NULL;
    REJECT(ssmix_ssd_backward(ctx, &prm, &t), INV, "ddt_bias is given but dt_bias is not");
    t = ssd_bwd(); t.initial_states = NULL;
    REJECT(ssmix_ssd_backward(ctx, &prm, &t), INV, "dinitial_states is given but initial_states is not");
    t = ssd_bwd(); t.D = &Dhp->t; /* dD is (H) while D is (H,P) */
    REJECT(ssmix_ssd_backward(ctx, &prm, &t), INV, "dD has 1 dimensions, expected 2");
    bad = dB->t, bad.shape[3] = N + 1;
    BWD_WITH(dB, &bad, "dB.shape");
    bad = ddt->t, bad.dtype = SSMIX_BF16;
    BWD_WITH(ddt, &bad, "ddt.dtype is bf16");
    bad = dA->t, bad.ndim = 2, bad.shape[1] = 1;
    BWD_WITH(dA, &bad, "dA has 2 dimensions");

    /* positive controls: the same fixture is accepted and writes the outputs */
    bad = Bt->t, bad.strides[1] = 0; /* broadcast input along time */
    t = ssd_fwd();
    t.B = &bad;
    CHECK(ssmix_ssd_forward(ctx, &prm, &t) == SSMIX_SUCCESS, "valid forward rejected: %s", ssmix_last_error());
    t = ssd_bwd();
    CHECK(ssmix_ssd_backward(ctx, &prm, &t) == SSMIX_SUCCESS, "valid backward rejected: %s", ssmix_last_error());
    CHECK(!outputs_untouched(), "valid calls wrote nothing: the untouched check would be vacuous");
    repoison();
    ssmix_buffer_free(foreign);
}

/* ------------------------------------------------------------------ mixer */
static void test_qsmix(void)
{
    const ssmix_dtype F = SSMIX_F32;
    tens *dtf = make(F, 0, 3, b, L, H, 0), *dtb2 = make(F, 0, 3, b, L, H, 0);
    tens *Bf = make(F, 0, 4, b, L, G, N), *Cf = make(F, 0, 4, b, L, G, N);
    tens *Bb = make(F, 0, 4, b, L, G, N), *Cb = make(F, 0, 4, b, L, G, N);
    tens *delta = make(F, 0, 3, b, L, H, 0), *init_b = make(F, 0, 4, b, H, P, N);
    tens *ddtf = make(F, 1, 3, b, L, H, 0), *ddtb2 = make(F, 1, 3, b, L, H, 0);
    tens *dBf = make(F, 1, 4, b, L, G, N), *dCf = make(F, 1, 4, b, L, G, N);
    tens *dinit_b = make(F, 1, 4, b, H, P, N), *ddelta = make(F, 1, 3, b, L, H, 0);
    ssmix_qsmix_params prm;
    ssmix_qsmix_params_init(&prm);
    prm.chunk_size = 3;
    const ssmix_status INV = SSMIX_ERROR_INVALID_ARGUMENT;

    ssmix_qsmix_tensors base;
    memset(&base, 0, sizeof base);
    base.x = &x->t, base.A = &A->t, base.dt_bias = &dtb->t, base.dt_f = &dtf->t, base.B_f = &Bf->t, base.C_f = &Cf->t;
    base.dt_b = &dtb2->t, base.B_b = &Bb->t, base.C_b = &Cb->t, base.D = &D->t, base.z = &z->t;
    base.initial_states_f = &init->t, base.initial_states_b = &init_b->t, base.out = &out->t;
    ssmix_qsmix_tensors t;

    prm.mode = (ssmix_qsmix_mode)7;
    t = base;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "params.mode is 7");
    prm.mode = SSMIX_QSMIX_BIMAMBA2;
    t = base; t.B_b = NULL;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "dt_b, B_b and C_b must be given together");
    t = base; t.delta = &delta->t;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "D and delta are mutually exclusive");
    t = base; t.B_f = NULL;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "B_f is NULL");
    t = base; t.C_b = &Bt->t; /* B/C of another shape: (b,L,G,N) with G=2 works; use a wrong dtype view */
    ssmix_tensor bad = Cb->t;
    bad.dtype = SSMIX_F16;
    t.C_b = &bad;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "C_b.dtype is f16");
    bad = delta->t, bad.shape[2] = H + 1;
    t = base; t.D = NULL; t.delta = &bad;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "delta.shape");

    /* backward: shared directions take no separate backward-direction gradients */
    ssmix_qsmix_tensors bw = base;
    bw.out = NULL, bw.dout = &dout->t, bw.dx = &dx->t, bw.dA = &dA->t, bw.ddt_bias = &ddtb->t, bw.dD = &dD->t;
    bw.dz = &dz->t, bw.ddt_f = &ddtf->t, bw.dB_f = &dBf->t, bw.dC_f = &dCf->t;
    t = bw; t.dt_b = t.B_b = t.C_b = NULL; t.ddt_b = &ddtb2->t;
    REJECT(ssmix_qsmix_backward(ctx, &prm, &t), INV, "ddt_b must be NULL when the directions share");
    t = bw; t.dinitial_states_b = &dinit_b->t; t.initial_states_b = NULL;
    REJECT(ssmix_qsmix_backward(ctx, &prm, &t), INV, "dinitial_states_b is given but initial_states_b is not");
    t = bw; t.ddelta = &ddelta->t;
    REJECT(ssmix_qsmix_backward(ctx, &prm, &t), INV, "ddelta is given but delta is not");
    t = bw; t.out = &out->t;
    REJECT(ssmix_qsmix_backward(ctx, &prm, &t), INV, "out must be NULL in the backward pass");
    t = base; t.dx = &dx->t;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "dx must be NULL in the forward pass");
    t = bw; t.dout = NULL;
    REJECT(ssmix_qsmix_backward(ctx, &prm, &t), INV, "dout is NULL");

    /* positive controls */
    t = base;
    CHECK(ssmix_qsmix_forward(ctx, &prm, &t) == SSMIX_SUCCESS, "valid mixer forward rejected: %s", ssmix_last_error());
    t = bw; t.dt_b = t.B_b = t.C_b = NULL; /* shared: the forward gradients receive both directions */
    CHECK(ssmix_qsmix_backward(ctx, &prm, &t) == SSMIX_SUCCESS, "valid mixer backward rejected: %s", ssmix_last_error());
    CHECK(!outputs_untouched(), "valid mixer calls wrote nothing");
    repoison();
}

/* ------------------------------------------------------------------ buffers and tensors */
static void test_buffers(void)
{
    const ssmix_status INV = SSMIX_ERROR_INVALID_ARGUMENT;
    ssmix_buffer *buf = NULL;
    CHECK_STATUS(ssmix_buffer_alloc(ctx, 0, &buf), INV, "bytes is 0");
    CHECK_STATUS(ssmix_buffer_alloc(NULL, 16, &buf), INV, "ctx is NULL");
    CHECK_STATUS(ssmix_buffer_alloc(ctx, 16, NULL), INV, "buf is NULL");
    CHECK_STATUS(ssmix_buffer_wrap(ctx, NULL, 16, &buf), INV, "native is NULL");
    CHECK(ssmix_buffer_alloc(ctx, 16, &buf) == SSMIX_SUCCESS, "alloc 16");
    char host[32] = {0};
    CHECK_STATUS(ssmix_buffer_write(buf, 8, host, 9), INV, "exceeds the buffer size 16");
    CHECK_STATUS(ssmix_buffer_read(buf, 17, host, 0), INV, "exceeds the buffer size 16");
    CHECK_STATUS(ssmix_buffer_read(buf, 0, NULL, 4), INV, "host pointer is NULL");
    CHECK_STATUS(ssmix_buffer_write(NULL, 0, host, 4), INV, "buf is NULL");
    CHECK(ssmix_buffer_write(buf, 8, host, 8) == SSMIX_SUCCESS, "in-range write");
    ssmix_tensor t;
    int64_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_STATUS(ssmix_tensor_init(&t, buf, 0, SSMIX_F32, 9, shape, NULL), INV, "ndim 9");
    CHECK_STATUS(ssmix_tensor_init(&t, buf, 0, (ssmix_dtype)9, 1, shape, NULL), INV, "dtype 9");
    CHECK_STATUS(ssmix_tensor_init(NULL, buf, 0, SSMIX_F32, 1, shape, NULL), INV, "t is NULL");
    ssmix_buffer_free(buf);
    /* wrapping caller memory: the caller keeps ownership */
    float mine[4] = {1, 2, 3, 4};
    CHECK(ssmix_buffer_wrap(ctx, mine, sizeof mine, &buf) == SSMIX_SUCCESS, "wrap host memory");
    CHECK(ssmix_buffer_native(buf) == mine, "native handle of a wrapped cpu buffer");
    float back[4];
    ssmix_buffer_read(buf, 0, back, sizeof back);
    CHECK(back[3] == 4.0f, "read through a wrapped buffer");
    ssmix_buffer_free(buf);
    CHECK(mine[2] == 3.0f, "caller memory intact after freeing the wrapper");
}

int main(void)
{
    if (ssmix_context_create(&ctx, "cpu") != SSMIX_SUCCESS || ssmix_context_create(&other_ctx, "cpu") != SSMIX_SUCCESS) {
        fprintf(stderr, "cannot create cpu contexts: %s\n", ssmix_last_error());
        return 1;
    }
    test_ssd();
    test_qsmix();
    test_buffers();
    free_all();
    ssmix_context_destroy(other_ctx);
    ssmix_context_destroy(ctx);
    return api_summary("test_bad_input");
}
