/* Status strings and the per-thread last-error message. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[2048];

const char *ssmix_status_string(ssmix_status status)
{
    switch (status) {
    case SSMIX_SUCCESS: return "success";
    case SSMIX_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case SSMIX_ERROR_UNSUPPORTED: return "unsupported";
    case SSMIX_ERROR_BACKEND_UNAVAILABLE: return "backend unavailable";
    case SSMIX_ERROR_DEVICE: return "device error";
    case SSMIX_ERROR_OUT_OF_MEMORY: return "out of memory";
    case SSMIX_ERROR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

const char *ssmix_last_error(void) { return last_error; }

void ssmix_clear_error(void) { last_error[0] = '\0'; }

ssmix_status ssmix_set_errorv(ssmix_status status, const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    ssmix_log(SSMIX_LOG_DEBUG, "error (%s): %s", ssmix_status_string(status), last_error);
    return status;
}

ssmix_status ssmix_set_error(ssmix_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ssmix_set_errorv(status, fmt, ap);
    va_end(ap);
    return status;
}
