/* ctest driver of oracle_matrix_cases() (oracle_matrix.c). */
#include "oracle_cases.h"
#include "oracle_selfcheck.h"

int main(int argc, char **argv)
{
    ot_init("test_oracle_matrix", argc, argv);
    oracle_matrix_cases();
    return ot_finish();
}
