/* ctest driver of oracle_fd_cases() (oracle_fd.c). */
#include "oracle_cases.h"
#include "oracle_selfcheck.h"

int main(int argc, char **argv)
{
    ot_init("test_oracle_fd", argc, argv);
    oracle_fd_cases();
    return ot_finish();
}
