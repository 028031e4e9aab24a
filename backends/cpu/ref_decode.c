/* SKELETON: the decode oracle; replaced by the literal double-precision reference. */
#include "ref.h"

ssmix_status ssmix_cpu_ssd_decode(void *bctx, const ssmix_ssd_decode_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}
