/* A library that claims to be libwallarm of another ABI, for the binding's
 * load test: wallarm.load() must refuse it and say why. */
#include <stdint.h>

uint32_t wallarm_abi_version(void);
const char *wallarm_version(void);

uint32_t wallarm_abi_version(void) { return 1; }  /* older than the binding's */
const char *wallarm_version(void) { return "9.0.0"; }
