// The runner of the wallarm-node-check tests: doctest, failing a filter that
// matches no test case.
#define DOCTEST_CONFIG_IMPLEMENT
#include "../doctest_run.h"

int main(int argc, char** argv) { return doctest_run::run(argc, argv); }
