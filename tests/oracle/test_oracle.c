/* ctest driver of the oracle self-checks: test_oracle <name> runs oracle_<name>_cases(). */
#include <stdio.h>
#include <string.h>

#include "oracle_selfcheck.h"
#include "oracle_util.h"

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "";
    for (const oracle_check *c = oracle_checks; c->name; c++) {
        if (strcmp(c->name, name)) continue;
        char title[64];
        snprintf(title, sizeof title, "test_oracle_%s", c->name);
        ot_init(title, argc - 1, argv + 1);
        c->run();
        return ot_finish();
    }
    fprintf(stderr, "usage: test_oracle NAME, NAME one of:");
    for (const oracle_check *c = oracle_checks; c->name; c++) fprintf(stderr, " %s", c->name);
    fprintf(stderr, "\n");
    return 2;
}
