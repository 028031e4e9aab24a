/* SKELETON: the sscan pipeline; replaced by the real launch sequence. */
#include "gpu_pipeline.h"

ssmix_status ssmix_gpu_sscan_forward(const ssmix_gpu_device *dev, const ssmix_sscan_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "sscan_forward: not implemented yet");
}

ssmix_status ssmix_gpu_sscan_backward(const ssmix_gpu_device *dev, const ssmix_sscan_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "sscan_backward: not implemented yet");
}

ssmix_status ssmix_gpu_sscan_decode(const ssmix_gpu_device *dev, const ssmix_sscan_decode_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "sscan_decode: not implemented yet");
}
