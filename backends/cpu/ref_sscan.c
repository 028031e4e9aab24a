/* SKELETON: the sscan oracle; replaced by the literal double-precision reference. */
#include "ref.h"

ssmix_status ssmix_cpu_sscan_forward(void *bctx, const ssmix_sscan_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}

ssmix_status ssmix_cpu_sscan_backward(void *bctx, const ssmix_sscan_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}

ssmix_status ssmix_cpu_sscan_decode(void *bctx, const ssmix_sscan_decode_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}
