/* SKELETON: the conv oracle; replaced by the literal double-precision reference. */
#include "ref.h"

ssmix_status ssmix_cpu_conv1d_forward(void *bctx, const ssmix_conv1d_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}

ssmix_status ssmix_cpu_conv1d_backward(void *bctx, const ssmix_conv1d_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}

ssmix_status ssmix_cpu_conv1d_update(void *bctx, const ssmix_conv1d_update_problem *p)
{
    (void)bctx;
    (void)p;
    return SSMIX_ERROR_UNSUPPORTED;
}
