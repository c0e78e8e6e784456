#pragma once
// The node formats (docs/protocol.md): each turns a request and a response
// into an Outgoing. v1 is this library's own framing (sections 1 to 11);
// mirror and multipart are the shapes of Wallarm's own connectors (12).
#include <cstdint>

#include "buffer.h"
#include "message.h"
#include "wallarm.h"

namespace wallarm {

using EncodeFn = int32_t (*)(const wallarm_message_t&, const EncodeOptions&, Outgoing&,
                             const char** err);

struct Format {
  EncodeFn request;
  EncodeFn response;
};

// The format for a wallarm_node_format_t (v1 for an unknown value: the
// target config is checked before any message is encoded).
const Format& format_of(int32_t format) noexcept;

// v1 (format_v1.cpp).
int32_t v1_message(const wallarm_message_t& m, const EncodeOptions& o, Outgoing& out,
                   const char** err);
// A breaker probe: a v1 health message, or a GET of the health path.
int32_t encode_health(const EncodeOptions& o, Outgoing& out);

// mirror (format_mirror.cpp) and multipart (format_multipart.cpp).
int32_t mirror_request(const wallarm_message_t& m, const EncodeOptions& o, Outgoing& out,
                       const char** err);
int32_t multipart_message(const wallarm_message_t& m, const EncodeOptions& o, Outgoing& out,
                          const char** err);
// Once the body is complete: a new boundary if a part holds the old one.
// ENOMEM if the message could not be rebuilt.
int32_t multipart_rebound_if_needed(Outgoing& out) noexcept;

// Batches (docs/protocol.md 7.5), v1 only: fire-and-forget messages in one
// outer request. A part is the message's own outer header lines, its
// Content-Length, a blank line and its body.
void append_batch_part(Buffer& batch, const Outgoing& part);
// Sets a batch's own outer headers in out: the type and the part count,
// followed by v1_tail (made with kBatchContentType).
void set_batch_outer(Outgoing& out, uint32_t parts, curl_slist* v1_tail);

}  // namespace wallarm
