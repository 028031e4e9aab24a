/* SSMIX_LOG=info|debug: what the library tried, on stderr. Read once per process. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int log_level = SSMIX_LOG_OFF;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void read_log_env(void)
{
    const char *v = getenv("SSMIX_LOG");
    if (!v || !*v || !strcmp(v, "off") || !strcmp(v, "0")) return;
    if (!strcmp(v, "info")) log_level = SSMIX_LOG_INFO;
    else if (!strcmp(v, "debug")) log_level = SSMIX_LOG_DEBUG;
    else fprintf(stderr, "ssmix: ignoring SSMIX_LOG='%s' (expected off, info or debug)\n", v);
}

void ssmix_logv(int level, const char *fmt, va_list ap)
{
    pthread_once(&log_once, read_log_env);
    if (level > log_level) return;
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "ssmix [%s]: %s\n", level == SSMIX_LOG_INFO ? "info" : "debug", line);
}

void ssmix_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ssmix_logv(level, fmt, ap);
    va_end(ap);
}

static ssmix_status host_set_error(ssmix_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ssmix_set_errorv(status, fmt, ap);
    va_end(ap);
    return status;
}

const ssmix_host_api ssmix_host = {SSMIX_BACKEND_ABI_VERSION, host_set_error, ssmix_log};
