/*
 * Bad input for the SSD decode step (ssmix_ssd_decode) and for SSD varlen (cu_seqlens of
 * ssmix_ssd_forward / ssmix_ssd_backward): one case per validation rule. Each case checks the
 * status, that the message names the argument, and that every output buffer (poisoned with 0xFF
 * bytes) is untouched; valid calls at the end of each group prove the outputs are writable. Runs on
 * the cpu backend, which also checks cu_seqlens' values (SSMIX_ERROR_INVALID_ARGUMENT).
 */
#include <math.h>
#include <stdlib.h>

#include "bad_input_util.h"

enum { b = 3, H = 4, G = 2, P = 3, N = 2, POOL = 5, L = 7, NSEQ = 3 };

static const ssmix_status INV = SSMIX_ERROR_INVALID_ARGUMENT;

/* ------------------------------------------------------------------ decode step */
static tens *st, *x, *dt, *A, *Bt, *Ct, *D, *z, *dtb, *idx, *out;

static ssmix_ssd_decode_tensors dec(void)
{
    ssmix_ssd_decode_tensors t;
    memset(&t, 0, sizeof t);
    t.state = &st->t, t.x = &x->t, t.dt = &dt->t, t.A = &A->t, t.B = &Bt->t, t.C = &Ct->t, t.D = &D->t;
    t.z = &z->t, t.dt_bias = &dtb->t, t.state_batch_indices = &idx->t, t.out = &out->t;
    return t;
}

static void test_decode(void)
{
    const ssmix_dtype F = SSMIX_F32;
    static const int ivals[b] = {4, -1, 0};
    /* the state is read and written: an "output" here (poisoned, must stay untouched on rejection) */
    st = make(F, 1, 4, POOL, H, P, N);
    x = make(F, 0, 3, b, H, P, 0), dt = make(F, 0, 2, b, H, 0, 0), A = make(F, 0, 1, H, 0, 0, 0);
    Bt = make(F, 0, 3, b, G, N, 0), Ct = make(F, 0, 3, b, G, N, 0), D = make(F, 0, 1, H, 0, 0, 0);
    z = make(F, 0, 3, b, H, P, 0), dtb = make(F, 0, 1, H, 0, 0, 0);
    idx = make_in(ctx, SSMIX_I32, 0, 1, b, 0, 0, 0, ivals);
    out = make(F, 1, 3, b, H, P, 0);
    ssmix_ssd_decode_params prm;
    CHECK_STATUS(ssmix_ssd_decode_params_init(NULL), INV, "params is NULL");
    ssmix_ssd_decode_params_init(&prm);
    CHECK(prm.dt_softplus == 0 && prm.dt_min == 0.0f && isinf(prm.dt_max), "decode params defaults");
    ssmix_ssd_decode_tensors t;
    ssmix_tensor bad;

    t = dec();
    REJECT(ssmix_ssd_decode(NULL, &prm, &t), INV, "ctx is NULL");
    REJECT(ssmix_ssd_decode(ctx, NULL, &t), INV, "params is NULL");
    REJECT(ssmix_ssd_decode(ctx, &prm, NULL), INV, "tensors is NULL");
#define DEC_WITH(field, value, frag) do { t = dec(); t.field = (value); REJECT(ssmix_ssd_decode(ctx, &prm, &t), INV, frag); } while (0)
    DEC_WITH(state, NULL, "state is NULL");
    DEC_WITH(x, NULL, "x is NULL");
    DEC_WITH(B, NULL, "B is NULL");
    DEC_WITH(dt, NULL, "dt is NULL");
    DEC_WITH(A, NULL, "A is NULL");
    DEC_WITH(C, NULL, "C is NULL");
    DEC_WITH(out, NULL, "out is NULL");
    /* params */
    t = dec();
    prm.dt_min = 1.0f, prm.dt_max = 0.5f;
    REJECT(ssmix_ssd_decode(ctx, &prm, &t), INV, "params.dt_min (1) > params.dt_max (0.5)");
    prm.dt_min = NAN;
    REJECT(ssmix_ssd_decode(ctx, &prm, &t), INV, "must not be NaN");
    ssmix_ssd_decode_params_init(&prm);
    /* dtypes */
    bad = x->t, bad.dtype = SSMIX_I32;
    DEC_WITH(x, &bad, "x.dtype is i32");
    bad = st->t, bad.dtype = SSMIX_F16;
    DEC_WITH(state, &bad, "state.dtype is f16, expected f32");
    bad = dt->t, bad.dtype = SSMIX_BF16;
    DEC_WITH(dt, &bad, "dt.dtype is bf16, expected f32");
    bad = idx->t, bad.dtype = SSMIX_F32;
    DEC_WITH(state_batch_indices, &bad, "state_batch_indices.dtype is f32, expected i32");
    bad = D->t, bad.dtype = SSMIX_F16;
    DEC_WITH(D, &bad, "D.dtype");
    /* ranks and shapes */
    bad = st->t, bad.ndim = 3;
    DEC_WITH(state, &bad, "state has 3 dimensions");
    bad = x->t, bad.ndim = 4, bad.shape[3] = 1, bad.strides[3] = 1;
    DEC_WITH(x, &bad, "x has 4 dimensions");
    bad = Bt->t, bad.shape[0] = b - 1;
    DEC_WITH(B, &bad, "B.shape[0] is 2, expected b = 3");
    bad = Ct->t, bad.shape[2] = N + 1;
    DEC_WITH(C, &bad, "C.shape");
    bad = dt->t, bad.shape[1] = H - 1;
    DEC_WITH(dt, &bad, "dt.shape");
    bad = st->t, bad.shape[2] = P + 1;
    DEC_WITH(state, &bad, "state.shape");
    bad = z->t, bad.shape[2] = P - 1;
    DEC_WITH(z, &bad, "z.shape");
    bad = D->t, bad.ndim = 3, bad.shape[1] = 1, bad.shape[2] = 1;
    DEC_WITH(D, &bad, "D has 3 dimensions");
    bad = idx->t, bad.shape[0] = b + 1;
    DEC_WITH(state_batch_indices, &bad, "state_batch_indices.shape");
    bad = out->t, bad.shape[0] = b + 1;
    DEC_WITH(out, &bad, "out.shape");
    bad = x->t, bad.shape[1] = 0;
    DEC_WITH(x, &bad, "x.shape[1] is 0");
    {
        tens *B3 = make(F, 0, 3, b, 3, N, 0), *C3 = make(F, 0, 3, b, 3, N, 0);
        t = dec();
        t.B = &B3->t, t.C = &C3->t;
        REJECT(ssmix_ssd_decode(ctx, &prm, &t), INV, "does not divide H");
    }
    /* without indices the pool must be the batch */
    DEC_WITH(state_batch_indices, NULL, "state.shape[0] (pool) is 5 but x.shape[0] (b) is 3");
    /* strides, offsets, buffers, overlap */
    bad = x->t, bad.offset = 2;
    DEC_WITH(x, &bad, "x.offset 2 is not a multiple");
    bad = st->t, bad.strides[0] = 1000;
    DEC_WITH(state, &bad, "state does not fit in its buffer");
    bad = st->t, bad.strides[3] = 0;
    DEC_WITH(state, &bad, "state is an output whose strides make elements overlap");
    bad = out->t, bad.strides[1] = 0;
    DEC_WITH(out, &bad, "out is an output whose strides make elements overlap");
    bad = x->t, bad.strides[2] = -1;
    DEC_WITH(x, &bad, "x.strides[2] is -1");
    ssmix_buffer *foreign = NULL;
    ssmix_buffer_alloc(other_ctx, 4096, &foreign);
    bad = st->t, bad.buffer = foreign;
    DEC_WITH(state, &bad, "state.buffer belongs to another context");
    bad = z->t, bad.buffer = NULL;
    DEC_WITH(z, &bad, "z.buffer is NULL");

    /* valid: indices into the pool with a padding row; D (H,P); z and dt_bias optional */
    t = dec();
    CHECK_STATUS(ssmix_ssd_decode(ctx, &prm, &t), SSMIX_SUCCESS, "");
    CHECK(!outputs_untouched(), "a valid decode step wrote nothing");
    float o[b * H * P];
    ssmix_buffer_read(out->buf, 0, o, sizeof o);
    int zeros = 1;
    for (int k = 0; k < H * P; k++) zeros &= o[1 * H * P + k] == 0.0f; /* row 1 is padding */
    CHECK(zeros, "the padding row's output is not 0");
    repoison();
    tens *Dhp = make(F, 0, 2, H, P, 0, 0);
    t = dec();
    t.D = &Dhp->t, t.z = NULL, t.dt_bias = NULL;
    CHECK_STATUS(ssmix_ssd_decode(ctx, &prm, &t), SSMIX_SUCCESS, "");
    repoison();
    ssmix_buffer_free(foreign);
}

/* ------------------------------------------------------------------ SSD varlen */
static tens *vx, *vdt, *vA, *vB, *vC, *vinit, *vdfin, *vdout, *vcu, *vseq, *vout, *vfin, *vdx, *vdinit, *vinit_b;

static ssmix_ssd_tensors vfwd(void)
{
    ssmix_ssd_tensors t;
    memset(&t, 0, sizeof t);
    t.x = &vx->t, t.dt = &vdt->t, t.A = &vA->t, t.B = &vB->t, t.C = &vC->t, t.initial_states = &vinit->t;
    t.cu_seqlens = &vcu->t, t.out = &vout->t, t.final_states = &vfin->t;
    return t;
}

static ssmix_ssd_tensors vbwd(void)
{
    ssmix_ssd_tensors t = vfwd();
    t.out = NULL, t.final_states = NULL;
    t.dout = &vdout->t, t.dfinal_states = &vdfin->t, t.dx = &vdx->t, t.dinitial_states = &vdinit->t;
    return t;
}

static void set_cu(const int *v)
{
    ssmix_buffer_write(vcu->buf, 0, v, (NSEQ + 1) * sizeof(int));
}

static void test_varlen(void)
{
    const ssmix_dtype F = SSMIX_F32;
    static const int cu_ok[NSEQ + 1] = {0, 1, 4, L};
    vx = make(F, 0, 4, 1, L, H, P), vdt = make(F, 0, 3, 1, L, H, 0), vA = make(F, 0, 1, H, 0, 0, 0);
    vB = make(F, 0, 4, 1, L, G, N), vC = make(F, 0, 4, 1, L, G, N), vinit = make(F, 0, 4, NSEQ, H, P, N);
    vdfin = make(F, 0, 4, NSEQ, H, P, N), vdout = make(F, 0, 4, 1, L, H, P);
    vcu = make_in(ctx, SSMIX_I32, 0, 1, NSEQ + 1, 0, 0, 0, cu_ok), vseq = make(SSMIX_I32, 0, 2, 1, L, 0, 0);
    vinit_b = make(F, 0, 4, 1, H, P, N);
    vout = make(F, 1, 4, 1, L, H, P), vfin = make(F, 1, 4, NSEQ, H, P, N), vdx = make(F, 1, 4, 1, L, H, P);
    vdinit = make(F, 1, 4, NSEQ, H, P, N);
    ssmix_ssd_params prm;
    ssmix_ssd_params_init(&prm);
    prm.chunk_size = 2;
    ssmix_ssd_tensors t;
    ssmix_tensor bad;
#define VF_WITH(field, value, frag) do { t = vfwd(); t.field = (value); REJECT(ssmix_ssd_forward(ctx, &prm, &t), INV, frag); } while (0)
#define VB_WITH(field, value, frag) do { t = vbwd(); t.field = (value); REJECT(ssmix_ssd_backward(ctx, &prm, &t), INV, frag); } while (0)
    /* shape and dtype of cu_seqlens, exclusivity, batch 1 */
    bad = vcu->t, bad.dtype = SSMIX_F32;
    VF_WITH(cu_seqlens, &bad, "cu_seqlens.dtype is f32, expected i32");
    bad = vcu->t, bad.ndim = 2, bad.shape[1] = 1, bad.strides[1] = 1;
    VF_WITH(cu_seqlens, &bad, "cu_seqlens must have shape (nseq+1)");
    bad = vcu->t, bad.shape[0] = 1;
    VF_WITH(cu_seqlens, &bad, "cu_seqlens must have shape (nseq+1) with nseq >= 1");
    VF_WITH(seq_idx, &vseq->t, "seq_idx must be NULL when cu_seqlens is given");
    bad = vcu->t, bad.strides[0] = 100;
    VF_WITH(cu_seqlens, &bad, "cu_seqlens does not fit in its buffer");
    {
        tens *big = make(SSMIX_I32, 0, 1, L + 2, 0, 0, 0);
        VF_WITH(cu_seqlens, &big->t, "cu_seqlens has 8 sequences but L = 7");
        tens *x2 = make(F, 0, 4, 2, L, H, P), *dt2 = make(F, 0, 3, 2, L, H, 0);
        tens *B2 = make(F, 0, 4, 2, L, G, N), *C2 = make(F, 0, 4, 2, L, G, N);
        t = vfwd();
        t.x = &x2->t, t.dt = &dt2->t, t.B = &B2->t, t.C = &C2->t;
        REJECT(ssmix_ssd_forward(ctx, &prm, &t), INV, "cu_seqlens (varlen) requires batch 1");
    }
    /* states have one row per sequence */
    VF_WITH(initial_states, &vinit_b->t, "initial_states.shape is (1,4,3,2), expected (nseq,H,P,N) = (3,4,3,2)");
    bad = vfin->t, bad.shape[0] = 1;
    VF_WITH(final_states, &bad, "final_states.shape");
    VB_WITH(dfinal_states, &vinit_b->t, "dfinal_states.shape");
    bad = vdinit->t, bad.shape[0] = NSEQ + 1;
    VB_WITH(dinitial_states, &bad, "dinitial_states.shape");

    /* values (checked by the cpu oracle): forward and backward */
    static const int cu_first[NSEQ + 1] = {1, 2, 4, L}, cu_empty[NSEQ + 1] = {0, 2, 2, L};
    static const int cu_dec[NSEQ + 1] = {0, 5, 3, L}, cu_short[NSEQ + 1] = {0, 1, 4, L - 1};
    static const int cu_long[NSEQ + 1] = {0, 1, 4, L + 3};
    const int *bads[] = {cu_first, cu_empty, cu_dec, cu_short, cu_long};
    const char *frags[] = {"cu_seqlens[0] must be 0", "strictly increasing", "strictly increasing",
                           "cu_seqlens[nseq] must equal L", "cu_seqlens[nseq] must equal L"};
    for (int i = 0; i < 5; i++) {
        set_cu(bads[i]);
        t = vfwd();
        REJECT(ssmix_ssd_forward(ctx, &prm, &t), INV, frags[i]);
        t = vbwd();
        REJECT(ssmix_ssd_backward(ctx, &prm, &t), INV, frags[i]);
    }
    set_cu(cu_ok);

    /* valid calls */
    t = vfwd();
    CHECK_STATUS(ssmix_ssd_forward(ctx, &prm, &t), SSMIX_SUCCESS, "");
    CHECK(!outputs_untouched(), "a valid varlen forward wrote nothing");
    repoison();
    t = vbwd();
    CHECK_STATUS(ssmix_ssd_backward(ctx, &prm, &t), SSMIX_SUCCESS, "");
    CHECK(!outputs_untouched(), "a valid varlen backward wrote nothing");
    repoison();
}

int main(void)
{
    if (ssmix_context_create(&ctx, "cpu") != SSMIX_SUCCESS || ssmix_context_create(&other_ctx, "cpu") != SSMIX_SUCCESS) {
        fprintf(stderr, "cannot create cpu contexts: %s\n", ssmix_last_error());
        return 1;
    }
    test_decode();
    test_varlen();
    free_all();
    ssmix_context_destroy(ctx);
    ssmix_context_destroy(other_ctx);
    return api_summary("test_bad_input_decode");
}
