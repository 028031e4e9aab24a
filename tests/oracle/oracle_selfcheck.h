/*
 * The oracle's checks against independent forms, as library functions (ssmix_oracle_testutil): the
 * ctest driver (test_oracle <name>, one ctest per check) and `ssmix check` on the cpu backend run the
 * same cases. Each returns nonzero if any of its checks failed; counts accumulate in the
 * oracle_util totals (ot_init / ot_finish around them print the header and the summary line).
 */
#ifndef SSMIX_ORACLE_SELFCHECK_H
#define SSMIX_ORACLE_SELFCHECK_H

int oracle_matrix_cases(void);       /* SSD, Hydra, Bi-Mamba2 outputs = explicit matrices (L <= 64) */
int oracle_fd_cases(void);           /* every SSD / mixer gradient = finite differences, double */
int oracle_compose_cases(void);      /* mixer fwd/bwd = compositions of causal SSD oracle calls */
int oracle_seqidx_cases(void);       /* seq_idx packing = separate runs */
int oracle_chain_cases(void);        /* state chaining final -> initial, dinitial -> dfinal */
int oracle_layout_cases(void);       /* strided / permuted / broadcast views, f32/f16/bf16 I/O */
int oracle_varlen_ssd_cases(void);   /* SSD cu_seqlens = separate runs */
int oracle_varlen_qsmix_cases(void); /* mixer cu_seqlens = separate runs */
int oracle_decode_cases(void);       /* SSD decode steps = the scan; pools, padding */
int oracle_gla_cases(void);          /* GLA: explicit matrix, FD, varlen, chaining, bidirectional */
int oracle_sscan_cases(void);        /* selective scan: explicit sums, FD, chaining, decode = scan */
int oracle_conv_cases(void);         /* short convolutions: Toeplitz matrices, FD, packing, update */

typedef struct oracle_check {
    const char *name; /* "matrix": the ctest test_oracle_matrix */
    int (*run)(void);
} oracle_check;

/* Every check above, in that order; NULL-terminated (oracle_checks.c). */
extern const oracle_check oracle_checks[];

#endif
