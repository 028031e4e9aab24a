/*
 * Bad input for the mixer's varlen packed batch (ssmix_qsmix_tensors.cu_seqlens): the shape/dtype
 * rules of the validator (common/validate.c) and the value rules the cpu backend checks on the host
 * (cu[0] == 0, strictly increasing, cu[nseq] == L). Each case checks the status, that the message
 * names the argument, and that every output buffer (poisoned with 0xFF bytes) is untouched. Valid
 * varlen calls at the end prove the outputs are writable, so "untouched" is a real observation.
 */
#include <stdlib.h>

#include "bad_input_util.h"

enum { L = 7, H = 2, G = 1, P = 3, N = 2, NSEQ = 3 };

static void set_cu(tens *cu, const int32_t *v, int n)
{
    ssmix_buffer_write(cu->buf, 0, v, (size_t)n * sizeof(int32_t));
}

int main(void)
{
    if (ssmix_context_create(&ctx, "cpu") != SSMIX_SUCCESS) {
        fprintf(stderr, "cannot create a cpu context: %s\n", ssmix_last_error());
        return 1;
    }
    const ssmix_dtype F = SSMIX_F32;
    const ssmix_status INV = SSMIX_ERROR_INVALID_ARGUMENT;
    tens *x = make(F, 0, 4, 1, L, H, P), *A = make(F, 0, 1, H, 0, 0, 0);
    tens *dtf = make(F, 0, 3, 1, L, H, 0), *Bf = make(F, 0, 4, 1, L, G, N), *Cf = make(F, 0, 4, 1, L, G, N);
    tens *init_f = make(F, 0, 4, NSEQ, H, P, N), *init_b = make(F, 0, 4, NSEQ, H, P, N);
    tens *init_row = make(F, 0, 4, 1, H, P, N); /* (b,H,P,N): the non-varlen shape */
    tens *cu = make(SSMIX_I32, 0, 1, NSEQ + 1, 0, 0, 0), *cu_f32 = make(F, 0, 1, NSEQ + 1, 0, 0, 0);
    tens *cu_2d = make(SSMIX_I32, 0, 2, 1, NSEQ + 1, 0, 0), *cu_1 = make(SSMIX_I32, 0, 1, 1, 0, 0, 0);
    tens *cu_long = make(SSMIX_I32, 0, 1, L + 2, 0, 0, 0); /* L + 1 sequences cannot fit in L tokens */
    tens *x2 = make(F, 0, 4, 2, L, H, P), *dt2 = make(F, 0, 3, 2, L, H, 0);
    tens *B2 = make(F, 0, 4, 2, L, G, N), *C2 = make(F, 0, 4, 2, L, G, N), *out2 = make(F, 1, 4, 2, L, H, P);
    tens *out = make(F, 1, 4, 1, L, H, P), *dout = make(F, 0, 4, 1, L, H, P), *dx = make(F, 1, 4, 1, L, H, P);
    tens *dA = make(F, 1, 1, H, 0, 0, 0), *ddtf = make(F, 1, 3, 1, L, H, 0);
    tens *dinit_f = make(F, 1, 4, NSEQ, H, P, N), *dinit_b = make(F, 1, 4, NSEQ, H, P, N);
    tens *dinit_row = make(F, 1, 4, 1, H, P, N);
    const int32_t good[NSEQ + 1] = {0, 3, 4, L};
    set_cu(cu, good, NSEQ + 1);
    ssmix_qsmix_params prm;
    ssmix_qsmix_params_init(&prm);
    prm.chunk_size = 2;

    ssmix_qsmix_tensors fw;
    memset(&fw, 0, sizeof fw);
    fw.x = &x->t, fw.A = &A->t, fw.dt_f = &dtf->t, fw.B_f = &Bf->t, fw.C_f = &Cf->t;
    fw.initial_states_f = &init_f->t, fw.initial_states_b = &init_b->t, fw.out = &out->t, fw.cu_seqlens = &cu->t;
    ssmix_qsmix_tensors bw = fw;
    bw.out = NULL, bw.dout = &dout->t, bw.dx = &dx->t, bw.dA = &dA->t, bw.ddt_f = &ddtf->t;
    bw.dinitial_states_f = &dinit_f->t, bw.dinitial_states_b = &dinit_b->t;
    ssmix_qsmix_tensors t;

    /* shape / dtype / batch rules (validator) */
    t = fw, t.cu_seqlens = &cu_f32->t;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "cu_seqlens", "dtype");
    t = fw, t.cu_seqlens = &cu_2d->t;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "cu_seqlens has 2 dimensions");
    t = fw, t.cu_seqlens = &cu_1->t;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "cu_seqlens has shape (1)", "nseq >= 1");
    t = fw, t.cu_seqlens = &cu_long->t;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "cu_seqlens has 8 sequences but L = 7");
    t = fw, t.x = &x2->t, t.dt_f = &dt2->t, t.B_f = &B2->t, t.C_f = &C2->t, t.out = &out2->t;
    t.initial_states_f = t.initial_states_b = NULL;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "cu_seqlens", "batch", "is 2");
    t = fw, t.initial_states_f = &init_row->t; /* (1,H,P,N) where (nseq,H,P,N) is due */
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "initial_states_f", "nseq");
    t = fw, t.initial_states_b = &init_row->t;
    REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, "initial_states_b");
    t = bw, t.dinitial_states_b = &dinit_row->t;
    REJECT(ssmix_qsmix_backward(ctx, &prm, &t), INV, "dinitial_states_b");
    {
        /* without cu_seqlens the (1,H,P,N) states are right and the (nseq,H,P,N) ones wrong */
        ssmix_qsmix_tensors u = fw;
        u.cu_seqlens = NULL;
        REJECT(ssmix_qsmix_forward(ctx, &prm, &u), INV, "initial_states_f");
    }

    /* value rules (checked by the cpu backend on the host) */
    static const int32_t bad[4][NSEQ + 1] = {{1, 3, 4, L}, {0, 3, 3, L}, {0, 5, 4, L}, {0, 3, 4, L - 1}};
    static const char *frag[4] = {"cu_seqlens[0] = 1 must be 0", "cu_seqlens[2] = 3 must be greater",
                                  "cu_seqlens[2] = 4 must be greater", "cu_seqlens[3] = 6 must equal L"};
    for (int k = 0; k < 4; k++) {
        set_cu(cu, bad[k], NSEQ + 1);
        t = fw;
        REJECT(ssmix_qsmix_forward(ctx, &prm, &t), INV, frag[k]);
        t = bw;
        REJECT(ssmix_qsmix_backward(ctx, &prm, &t), INV, frag[k]);
    }

    /* positive controls */
    set_cu(cu, good, NSEQ + 1);
    t = fw;
    CHECK(ssmix_qsmix_forward(ctx, &prm, &t) == SSMIX_SUCCESS, "valid varlen forward rejected: %s", ssmix_last_error());
    t = bw;
    CHECK(ssmix_qsmix_backward(ctx, &prm, &t) == SSMIX_SUCCESS, "valid varlen backward rejected: %s", ssmix_last_error());
    CHECK(!outputs_untouched(), "valid varlen calls wrote nothing");

    free_all();
    ssmix_context_destroy(ctx);
    return api_summary("test_bad_input_qsmix_varlen");
}
