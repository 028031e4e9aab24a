/*
 * SSMIX_BACKEND grammar:
 *   selector := item ("," item)*        items are tried in order; the first that works wins
 *   item     := "auto" | name (":" field)*
 *   name     := "cpu" | "cuda" | "hip" | "opencl"      (case-insensitive)
 *   field    := device index (digits) or name substring; empty fields are malformed
 * "auto" expands to cuda, hip, opencl, cpu. Whitespace around items is ignored.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

const char *const ssmix_backend_names[4] = {"cuda", "hip", "opencl", "cpu"};

static const char grammar[] =
    "expected a comma-separated list of items, each \"auto\" or a backend name (cpu, cuda, hip, "
    "opencl) optionally followed by \":\"-separated device fields (an index or a name substring), "
    "e.g. \"cuda:1\", \"opencl:pocl\", \"opencl:nvidia:0\", \"hip,opencl,cpu\"";

void ssmix_strlcpy(char *dst, const char *src, size_t size)
{
    if (!size) return;
    size_t n = strlen(src);
    if (n >= size) n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int ssmix_strcasestr_match(const char *haystack, const char *needle)
{
    size_t nh = strlen(haystack), nn = strlen(needle);
    for (size_t i = 0; i + nn <= nh; i++) {
        size_t k = 0;
        while (k < nn && tolower((unsigned char)haystack[i + k]) == tolower((unsigned char)needle[k])) k++;
        if (k == nn) return 1;
    }
    return 0;
}

static int add_item(ssmix_selector_item *items, int *count, const char *backend, const char *dev)
{
    if (*count >= SSMIX_MAX_SELECTOR_ITEMS) return 0;
    ssmix_strlcpy(items[*count].backend, backend, sizeof items[*count].backend);
    ssmix_strlcpy(items[*count].device_sel, dev, sizeof items[*count].device_sel);
    (*count)++;
    return 1;
}

ssmix_status ssmix_selector_parse(const char *text, const char *origin, ssmix_selector_item *items,
                                  int *count)
{
    *count = 0;
    if (!text) text = "";
    /* all-blank means auto */
    const char *s = text;
    while (isspace((unsigned char)*s)) s++;
    if (!*s) text = "auto";

    size_t len = strlen(text);
    const char *p = text;
    while (p <= text + len) {
        const char *end = strchr(p, ',');
        if (!end) end = text + len;
        /* trim the item */
        const char *a = p, *b = end;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        size_t n = (size_t)(b - a);
        char item[300];
        if (n == 0)
            return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s \"%s\": empty item; %s", origin, text, grammar);
        if (n >= sizeof item)
            return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s \"%s\": item too long; %s", origin, text, grammar);
        memcpy(item, a, n);
        item[n] = '\0';

        char *colon = strchr(item, ':');
        char name[32];
        size_t nl = colon ? (size_t)(colon - item) : n;
        if (nl >= sizeof name) nl = sizeof name - 1;
        for (size_t i = 0; i < nl; i++) name[i] = (char)tolower((unsigned char)item[i]);
        name[nl] = '\0';
        const char *dev = colon ? colon + 1 : "";
        if (colon) {
            /* every ':'-separated field must be non-empty */
            const char *f = dev;
            for (;;) {
                const char *fe = strchr(f, ':');
                size_t fl = fe ? (size_t)(fe - f) : strlen(f);
                if (fl == 0)
                    return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT,
                                           "%s \"%s\": empty device field in \"%s\"; %s", origin, text, item, grammar);
                if (!fe) break;
                f = fe + 1;
            }
        }

        int ok = 1;
        if (!strcmp(name, "auto")) {
            if (colon)
                return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT,
                                       "%s \"%s\": \"auto\" takes no device fields; %s", origin, text, grammar);
            for (int i = 0; i < 4 && ok; i++) ok = add_item(items, count, ssmix_backend_names[i], "");
        } else {
            int known = 0;
            for (int i = 0; i < 4; i++) known |= !strcmp(name, ssmix_backend_names[i]);
            if (!known)
                return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s \"%s\": unknown backend \"%s\"; %s",
                                       origin, text, name, grammar);
            ok = add_item(items, count, name, dev);
        }
        if (!ok)
            return ssmix_set_error(SSMIX_ERROR_INVALID_ARGUMENT, "%s \"%s\": more than %d items", origin, text,
                                   SSMIX_MAX_SELECTOR_ITEMS);
        p = end + 1;
    }
    return SSMIX_SUCCESS;
}
