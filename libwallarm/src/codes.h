#pragma once
// Result codes: names and messages from one table, checked against the
// enum in wallarm.h at compile time.
#include <cstdint>

#include "wallarm.h"

// X(enum suffix, value, message)
#define WALLARM_CODES(X)                                                   \
  X(OK, 0, "success")                                                      \
  X(EINVAL, -1, "invalid argument")                                        \
  X(ENOMEM, -2, "out of memory")                                           \
  X(EFORKED, -3, "engine used from a forked child process")                \
  X(EAGAIN, -4, "verdict not ready yet")                                   \
  X(ETICKET, -5, "unknown, finished or released ticket")                   \
  X(EQUEUE, -6, "too many messages pending, not sent")                     \
  X(EUNAVAILABLE, -7, "node unavailable (circuit breaker open), not sent") \
  X(ESHUTDOWN, -8, "engine stopping, not sent")                            \
  X(ETIMEOUT, -9, "node did not answer within the deadline")               \
  X(ECONNREFUSED, -10, "node refused the connection")                      \
  X(ECONNECT, -11, "could not connect to the node")                        \
  X(ERESOLVE, -12, "node host name did not resolve")                       \
  X(ETLS, -13, "TLS handshake or certificate verification failed")         \
  X(ECONNRESET, -14, "connection to the node reset or closed early")       \
  X(EPROTO, -15, "node answer is not valid HTTP/1.x")                      \
  X(ESTATUS, -16, "node answered with an unexpected HTTP status")          \
  X(ETOOBIG, -17, "node answer body over the answer limit")                \
  X(EIO, -18, "request body file could not be read")                       \
  X(EINTERNAL, -19, "internal error")

namespace wallarm {

const char* code_message(int32_t code) noexcept;
const char* code_name(int32_t code) noexcept;

}  // namespace wallarm
