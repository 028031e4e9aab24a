/*
 * Element access for the CPU reference: a view's native handle is the host pointer of its buffer.
 * Loads widen to double; stores round to the view's dtype (nearest even for f16/bf16).
 */
#ifndef SSMIX_CPU_REF_VIEW_H
#define SSMIX_CPU_REF_VIEW_H

#include "dtype.h"
#include "ssmix_backend.h"

/* Element offset of index (i0, i1, i2, i3) in a view (unused trailing indices are 0). */
static inline int64_t ref_index(const ssmix_view *v, int64_t i0, int64_t i1, int64_t i2, int64_t i3)
{
    return v->offset + i0 * v->stride[0] + i1 * v->stride[1] + i2 * v->stride[2] + i3 * v->stride[3];
}

static inline double ref_load_at(const ssmix_view *v, int64_t e)
{
    const char *base = (const char *)v->native;
    switch (v->dtype) {
    case SSMIX_F32: return ((const float *)base)[e];
    case SSMIX_F16: return ssmix_f16_to_f32(((const uint16_t *)base)[e]);
    case SSMIX_BF16: return ssmix_bf16_to_f32(((const uint16_t *)base)[e]);
    case SSMIX_I32: return ((const int32_t *)base)[e];
    default:
        if (v->dtype == SSMIX_INTERNAL_F64) return ((const double *)base)[e];
    }
    return NAN;
}

static inline void ref_store_at(const ssmix_view *v, int64_t e, double val)
{
    char *base = (char *)v->native;
    switch (v->dtype) {
    case SSMIX_F32: ((float *)base)[e] = (float)val; break;
    case SSMIX_F16: ((uint16_t *)base)[e] = ssmix_f64_to_f16(val); break;
    case SSMIX_BF16: ((uint16_t *)base)[e] = ssmix_f64_to_bf16(val); break;
    case SSMIX_I32: ((int32_t *)base)[e] = (int32_t)val; break;
    default:
        if (v->dtype == SSMIX_INTERNAL_F64) ((double *)base)[e] = val;
    }
}

static inline double ref_load(const ssmix_view *v, int64_t i0, int64_t i1, int64_t i2, int64_t i3)
{
    return ref_load_at(v, ref_index(v, i0, i1, i2, i3));
}

static inline void ref_store(const ssmix_view *v, int64_t i0, int64_t i1, int64_t i2, int64_t i3,
                             double val)
{
    ref_store_at(v, ref_index(v, i0, i1, i2, i3), val);
}

#endif
