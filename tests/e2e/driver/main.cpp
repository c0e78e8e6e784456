// The e2e driver: doctest with libcurl; every child process it starts is
// killed by its process group on exit, on failure and on fatal signals.
#define DOCTEST_CONFIG_IMPLEMENT
#include <curl/curl.h>

#include "../../doctest_run.h"

#include "process.h"

int main(int argc, char** argv) {
  e2e::install_cleanup_handlers();
  curl_global_init(CURL_GLOBAL_ALL);
  int rc = doctest_run::run(argc, argv);
  curl_global_cleanup();
  return rc;
}
