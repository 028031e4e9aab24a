/* SKELETON: the decode pipeline; replaced by the real launch sequence. */
#include "gpu_pipeline.h"

ssmix_status ssmix_gpu_ssd_decode(const ssmix_gpu_device *dev, const ssmix_ssd_decode_problem *p)
{
    (void)p;
    return dev->host->set_error(SSMIX_ERROR_UNSUPPORTED, "ssd_decode: not implemented yet");
}
