#pragma once
// One message to the node as the engine sends it (method, request-target,
// header lines as a curl_slist, the list libcurl took and frame_head()
// writes alike, body), and what every format shares: the
// checks of a wallarm_message_t, the body with its limit and file part, and
// outer header lines. The formats themselves are in formats.h.
#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "buffer.h"
#include "protocol.h"
#include "wallarm.h"

namespace wallarm {

// Where a multipart message's part contents lie in its body, so that a
// boundary found in a body file part can be replaced on the engine thread.
struct MultipartLayout {
  std::string boundary;       // "" = not a multipart message
  size_t headers_at = 0, headers_len = 0;
  size_t body_at = 0, body_len = 0;
  size_t content_type_at = 0;  // its line in outer_text
};

// One serialized message, owned by its slot and reused.
struct Outgoing {
  Buffer body;              // the bytes after the message's header block
  std::string outer_text;   // header lines, each NUL-terminated
  // frame_head() reads these nodes at send time; they point into outer_text
  // and end in `tail`, a list every message of a format shares.
  std::vector<curl_slist> outer_nodes;
  curl_slist* outer = nullptr;
  curl_slist* tail = nullptr;
  std::string method;       // "" = POST
  std::string target;       // request-target; "" = the node URL's own
  bool no_body = false;     // send no body; frame_head() adds no Content-Length then
  bool only_200 = false;    // a health GET: only 200 counts as healthy
  int file_fd = -1;         // body file still to read into body[file_at..]
  size_t file_at = 0;
  size_t file_len = 0;
  bool truncated = false;
  bool reshaped = false;    // method or request-target not replayed as is
  uint32_t escaped = 0;     // header bytes written as %XX
  MultipartLayout multipart;

  Outgoing() = default;
  Outgoing(const Outgoing&) = delete;
  Outgoing& operator=(const Outgoing&) = delete;
  ~Outgoing() { reset(); }
  void reset() noexcept;
};

// What a message needs from its target besides the message itself.
struct EncodeOptions {
  int32_t format = WALLARM_FORMAT_V1;  // wallarm_node_format_t
  uint32_t flags = 0;                  // wallarm_submit_flags_t
  uint32_t body_limit = 0;             // body bytes sent, memory and file
  std::string_view path_prefix;        // the node URL's path, no trailing '/'
  std::string_view health_path;        // "" = health messages are v1's
  curl_slist* v1_tail = nullptr;       // constant lines of v1 messages
  curl_slist* shape_tail = nullptr;    // constant lines of mirror and multipart
};

// The options of a v1 message outside an engine (tests, benchmarks).
inline EncodeOptions v1_options(uint32_t flags, uint32_t body_limit, curl_slist* v1_tail) {
  EncodeOptions o;
  o.flags = flags;
  o.body_limit = body_limit;
  o.v1_tail = v1_tail;
  return o;
}

// Serializes msg in the target's format. On error returns a code and sets
// *err to a static message naming the field.
int32_t encode(const wallarm_message_t& msg, const EncodeOptions& opts, Outgoing& out,
               const char** err);

// Completes a message on the engine thread: reads the body file part into
// the body, then, in a multipart message, changes the boundary if a part
// holds it. On a short file returns EIO.
int32_t finish_body(Outgoing& out) noexcept;

// Builds, in out, the outer lines that every message of an engine shares
// in v1 (with content_type) or in the mirror and multipart shapes (when
// content_type is empty); out.outer is then the tail to pass in
// EncodeOptions.
void make_v1_tail(Outgoing& out, const char* connector, const char* version,
                  std::string_view content_type = protocol::kContentType);
void make_shape_tail(Outgoing& out, const char* connector, const char* version);

// ---- shared by the formats -------------------------------------------------

// The body as planned at submit: the memory part, and the file opened.
struct BodyPlan {
  size_t mem_len = 0;  // bytes of msg.body sent
  uint64_t total = 0;  // the original length
};

// Checks msg (and HEAD_ONLY against it); a static reason or nullptr.
const char* check_message(const wallarm_message_t& m, uint32_t flags);
// Plans the body up to limit, opening body_file (out.file_fd, out.file_len).
int32_t plan_body(const wallarm_message_t& m, uint32_t limit, Outgoing& out, BodyPlan* plan,
                  const char** err);
// Writes the memory part at p and leaves room for the file part; returns
// the end. Closes an opened file that has nothing to give.
char* put_body(char* p, const wallarm_message_t& m, const BodyPlan& plan, Outgoing& out);

// Appends "Name: value\0" to out.outer_text, value escaped as an outer value.
void add_outer(Outgoing& out, std::string_view name, std::string_view value);
void add_outer_number(Outgoing& out, std::string_view name, uint64_t value);
// Points out.outer at the lines of outer_text, followed by tail.
void link_outer(Outgoing& out, curl_slist* tail);

// A value cut to at most max bytes, before escaping.
std::string_view bounded(std::string_view s, size_t max);
inline constexpr size_t kMaxRequestId = 128;
inline constexpr size_t kMaxClientIp = 64;
inline constexpr size_t kMaxHost = 256;
inline constexpr size_t kMaxRequestTarget = 2048;

}  // namespace wallarm
