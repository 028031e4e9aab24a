/* The table of oracle self-checks (oracle_selfcheck.h). */
#include <stddef.h>

#include "oracle_selfcheck.h"

const oracle_check oracle_checks[] = {
    {"matrix", oracle_matrix_cases},
    {"fd", oracle_fd_cases},
    {"compose", oracle_compose_cases},
    {"seqidx", oracle_seqidx_cases},
    {"chain", oracle_chain_cases},
    {"layout", oracle_layout_cases},
    {"varlen_ssd", oracle_varlen_ssd_cases},
    {"varlen_qsmix", oracle_varlen_qsmix_cases},
    {"decode", oracle_decode_cases},
    {"gla", oracle_gla_cases},
    {"sscan", oracle_sscan_cases},
    {"conv", oracle_conv_cases},
    {NULL, NULL}};
