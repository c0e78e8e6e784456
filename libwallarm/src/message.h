#pragma once
// Protocol v1 serializer: one wallarm_message_t -> the message/http body and
// the outer X-Wallarm-* headers, written straight into reusable buffers.
#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "buffer.h"
#include "protocol.h"
#include "wallarm.h"

namespace wallarm {

inline constexpr int kMaxOuterHeaders = 10;

// One serialized message, owned by its slot and reused.
struct Outgoing {
  Buffer body;              // the message/http body sent to the node
  std::string outer_text;   // outer header lines, each NUL-terminated
  // curl reads these nodes at send time; they point into outer_text and end
  // in the engine's list of constant headers, so nothing is allocated.
  curl_slist outer_nodes[kMaxOuterHeaders] = {};
  curl_slist* outer = nullptr;
  int file_fd = -1;         // body file still to read into body[file_at..]
  size_t file_at = 0;
  size_t file_len = 0;
  bool truncated = false;
  uint32_t escaped = 0;     // header bytes written as %XX

  Outgoing() = default;
  Outgoing(const Outgoing&) = delete;
  Outgoing& operator=(const Outgoing&) = delete;
  ~Outgoing() { reset(); }
  void reset() noexcept;
};

// Serializes msg. body_limit caps the body bytes sent (memory and file
// together). constant_tail is linked after the per-message outer headers.
// On error returns a code and sets *err to a static message naming the field.
int32_t serialize(const wallarm_message_t& msg, uint32_t flags, uint32_t body_limit,
                  curl_slist* constant_tail, Outgoing& out, const char** err);

// Reads the body file part into the body (engine thread). On a short file the
// body shrinks to what could be read and the message is marked truncated.
int32_t read_body_file(Outgoing& out) noexcept;

// Builds, in out, the outer headers that every message of an engine shares;
// out.outer is then the tail to pass to serialize().
void make_constant_outer(Outgoing& out, const char* connector, const char* version,
                         std::string_view content_type = protocol::kContentType);

// Batches (docs/protocol.md 7.5): fire-and-forget messages in one outer
// request. A part is the message's own outer header lines, its
// Content-Length, a blank line and its body.
void append_batch_part(Buffer& batch, const Outgoing& part);
// Sets a batch's own outer headers in out: the type and the part count,
// followed by constant_tail (made with kBatchContentType).
void set_batch_outer(Outgoing& out, uint32_t parts, curl_slist* constant_tail);

}  // namespace wallarm
