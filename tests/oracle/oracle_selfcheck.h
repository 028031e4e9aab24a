/*
 * The oracle's checks against independent forms, as library functions: the ctest drivers
 * (test_oracle_matrix, test_oracle_fd) and `ssmix check` on the cpu backend run the same cases.
 * Each returns nonzero if any check failed; counts accumulate in the oracle_util totals
 * (ot_init / ot_finish around them print the header and the summary line).
 */
#ifndef SSMIX_ORACLE_SELFCHECK_H
#define SSMIX_ORACLE_SELFCHECK_H

/* Outputs of SSD, Hydra and Bi-Mamba2 equal their explicit matrices (L <= 64), f64, 1e-12. */
int oracle_matrix_cases(void);
/* Every gradient output equals central finite differences of the forward, in double. */
int oracle_fd_cases(void);

#endif
