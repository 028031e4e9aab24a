/* The ssmix command: info, check, bench. */
#include <stdio.h>
#include <string.h>

#include "ssmix.h"
#include "ssmix_tool.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ssmix <command> [options]\n\n"
            "commands:\n"
            "  info     version, backends, devices, what SSMIX_BACKEND resolves to\n"
            "  check    run the conformance cases on a backend against the CPU oracle\n"
            "  bench    time an operator call (median, min, GB/s, TFLOP/s, first-call latency)\n"
            "  version  print the version\n\n"
            "`ssmix <command> --help` describes each command. Backend selection: SSMIX_BACKEND\n"
            "(auto, cpu, cuda[:dev], hip[:dev], opencl[:platform[:dev]], or a comma list).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("ssmix %s\n", ssmix_version_string());
        return 0;
    }
    if (!strcmp(cmd, "info")) return tool_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "check")) return tool_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "bench")) return tool_bench(argc - 1, argv + 1);
    fprintf(stderr, "ssmix: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return 2;
}
