/* `ssmix info`: version, build features, every backend with its devices or the reason it is
 * unavailable, and what SSMIX_BACKEND resolves to now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssmix.h"
#include "ssmix_tool.h"

static void print_size(uint64_t bytes)
{
    if (bytes >= (1ull << 30)) printf("%.1f GiB", (double)bytes / (double)(1ull << 30));
    else printf("%.1f MiB", (double)bytes / (double)(1ull << 20));
}

int tool_info(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: ssmix info\n\nPrints the version, the backends this build has, each backend's devices or\n"
                   "the reason it is unavailable, and what SSMIX_BACKEND resolves to now.\n");
            return 0;
        }
        fprintf(stderr, "ssmix info: unknown argument \"%s\" (see ssmix info --help)\n", argv[i]);
        return 2;
    }
    printf("ssmix %s\n", ssmix_version_string());
    printf("build:\n");
    const char *f = ssmix_features();
    while (*f) {
        const char *nl = strchr(f, '\n');
        int n = nl ? (int)(nl - f) : (int)strlen(f);
        printf("  %.*s\n", n, f);
        if (!nl) break;
        f = nl + 1;
    }
    static const char *names[4] = {"cuda", "hip", "opencl", "cpu"};
    printf("backends (in auto order):\n");
    for (int i = 0; i < 4; i++) {
        ssmix_backend_info bi;
        if (ssmix_backend_probe(names[i], &bi) != SSMIX_SUCCESS) {
            printf("  %-7s probe failed: %s\n", names[i], ssmix_last_error());
            continue;
        }
        if (!bi.available) {
            /* modules word their reasons "unavailable: ..." themselves; the loader does not */
            int worded = !strncmp(bi.reason, "unavailable", 11);
            printf("  %-7s %s%s%s\n", names[i], worded ? "" : "unavailable: ", bi.reason, bi.built ? "" : " (not built)");
            continue;
        }
        printf("  %-7s available, %d device%s%s%s\n", names[i], bi.device_count, bi.device_count == 1 ? "" : "s",
               *bi.module_path ? ", module " : "", bi.module_path);
        for (int d = 0; d < bi.device_count; d++) {
            ssmix_device_info di;
            if (ssmix_backend_device(names[i], d, &di) != SSMIX_SUCCESS) {
                printf("    [%d] %s\n", d, ssmix_last_error());
                continue;
            }
            printf("    [%d] %s", d, di.name);
            if (*di.platform) printf(" | %s", di.platform);
            if (*di.arch) printf(" | %s", di.arch);
            if (di.compute_units) printf(" | %d compute units", di.compute_units);
            if (di.memory_bytes) {
                printf(" | ");
                print_size(di.memory_bytes);
            }
            printf("\n");
        }
    }
    const char *env = getenv("SSMIX_BACKEND");
    ssmix_context *ctx = NULL;
    printf("SSMIX_BACKEND=%s resolves to: ", env ? env : "(unset: auto)");
    if (ssmix_context_create(&ctx, NULL) == SSMIX_SUCCESS) {
        printf("%s, device \"%s\"\n", ssmix_context_backend(ctx), ssmix_context_device(ctx));
        ssmix_context_destroy(ctx);
        return 0;
    }
    printf("nothing usable\n  %s\n", ssmix_last_error());
    return 1;
}
