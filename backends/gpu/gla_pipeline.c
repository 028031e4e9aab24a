/* SKELETON: the gla pipeline; replaced by the real launch sequence. */
#include "gpu_pipeline.h"

ssmix_status ssmix_gpu_gla_forward(const ssmix_gpu_device *dev, const ssmix_gla_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "gla_forward: not implemented yet");
}

ssmix_status ssmix_gpu_gla_backward(const ssmix_gpu_device *dev, const ssmix_gla_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "gla_backward: not implemented yet");
}
