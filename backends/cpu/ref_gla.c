/* SKELETON: the gla oracle; replaced by the literal double-precision reference. */
#include "ref.h"

ssmix_status ssmix_cpu_gla_forward(void *bctx, const ssmix_gla_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}

ssmix_status ssmix_cpu_gla_backward(void *bctx, const ssmix_gla_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}
