/* Preloaded into dns_stall_tests: looking up "slow.test" takes 3 s and then
 * fails, like a resolver whose server does not answer. Every other name goes
 * to the real getaddrinfo. No query ever leaves the machine. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
  if (node != NULL && strcmp(node, "slow.test") == 0) {
    sleep(3);
    return EAI_AGAIN;
  }
  typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                                struct addrinfo **);
  getaddrinfo_fn real;
  void *symbol = dlsym(RTLD_NEXT, "getaddrinfo");
  memcpy(&real, &symbol, sizeof real); /* ISO C has no cast from object to function pointer */
  return real(node, service, hints, res);
}
