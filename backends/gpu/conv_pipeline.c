/* SKELETON: the conv pipeline; replaced by the real launch sequence. */
#include "gpu_pipeline.h"

ssmix_status ssmix_gpu_conv1d_forward(const ssmix_gpu_device *dev, const ssmix_conv1d_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "conv1d_forward: not implemented yet");
}

ssmix_status ssmix_gpu_conv1d_backward(const ssmix_gpu_device *dev, const ssmix_conv1d_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "conv1d_backward: not implemented yet");
}

ssmix_status ssmix_gpu_conv1d_update(const ssmix_gpu_device *dev, const ssmix_conv1d_update_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "conv1d_update: not implemented yet");
}
