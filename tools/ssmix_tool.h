/* Subcommands of the ssmix command-line tool. Each returns the process exit status
 * (0 ok, 1 failure, 2 usage error). */
#ifndef SSMIX_TOOL_H
#define SSMIX_TOOL_H

int tool_info(int argc, char **argv);
int tool_check(int argc, char **argv);
int tool_bench(int argc, char **argv);

#endif
