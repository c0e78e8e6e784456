// Fuzzes the mirror and multipart encoders (docs/protocol.md 12): whatever a
// gateway hands over, the message keeps its shape, nothing injects a header
// line, the multipart boundary is in no part, and the reference node reads
// the message back to the same request id, type, body and header count.
//
// Input: fields separated by "\n--\n" (fuzz_input.h):
//   0 control: a format letter (m mirror, anything else multipart), a type
//     letter (s response, anything else request), then numbers: body
//     limit, submit flags, status, quirks (1: the body's second half in a
//     file, 2: body_total given as twice the body)
//   1 method  2 uri  3 request_id  4 client_ip  5 host  6 body
//   7, 8, ... header name, header value, name, value...
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "formats.h"
#include "fuzz_input.h"
#include "message.h"
#include "mirror_parser.h"
#include "multipart_parser.h"
#include "outer_request.h"
#include "wallarm.h"

namespace {

using std::string;
using std::string_view;

using fuzz::BodyFile;

wallarm_str_t str(string_view s) { return {s.empty() ? nullptr : s.data(), s.size()}; }

bool tchar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != string_view::npos;
}

bool id_fits_boundary(string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

bool is_connector(string_view name) {
  return name.size() >= 10 && strncasecmp(name.data(), "X-Wallarm-", 10) == 0;
}

bool is_framing(string_view name) {
  for (const char* n : {"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
                        "Proxy-Connection", "TE", "Trailer", "Upgrade", "Expect"})
    if (name.size() == std::strlen(n) && strncasecmp(name.data(), n, name.size()) == 0)
      return true;
  return false;
}

// What the node receives of the header lines, read as libcurl 7.88 reads
// them (Curl_add_custom_headers): a line with a ':' is "Name: value", sent
// unless the value is empty (a removal); without one, "Name;" is sent as an
// empty header, and anything else is dropped, which must never happen here.
std::vector<node::Header> as_sent(const wallarm::Outgoing& out) {
  std::vector<node::Header> headers;
  for (const curl_slist* n = out.outer; n != nullptr; n = n->next) {
    string_view line(n->data);
    FUZZ_CHECK(line.find_first_of("\r\n") == string_view::npos);
    size_t colon = line.find(':');
    size_t sep = colon != string_view::npos ? colon : line.find(';');
    FUZZ_CHECK(sep != string_view::npos && sep > 0);
    for (size_t i = 0; i < sep; ++i) {
      auto b = static_cast<unsigned char>(line[i]);
      FUZZ_CHECK(b > 0x20 && b != 0x7f && b != ';');
    }
    if (colon == string_view::npos) {
      FUZZ_CHECK(sep + 1 == line.size());
      headers.push_back({string(line.substr(0, sep)), ""});
      continue;
    }
    if (sep + 1 == line.size()) continue;  // a removal
    FUZZ_CHECK(line[sep + 1] == ' ' && sep + 2 < line.size());
    headers.push_back({string(line.substr(0, sep)), string(line.substr(sep + 2))});
  }
  return headers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = fuzz::split(string_view(reinterpret_cast<const char*>(data), size));
  string_view control = fuzz::field(f, 0);
  bool mirror = !control.empty() && control[0] == 'm';
  bool response = control.size() > 1 && control[1] == 's';
  if (!control.empty()) control.remove_prefix(std::min<size_t>(2, control.size()));
  auto limit = static_cast<uint32_t>(fuzz::clamp(fuzz::next_number(control, 1 << 16), 0, 1 << 16));
  auto flags = static_cast<uint32_t>(fuzz::next_number(control, 0) & 3);
  auto status = static_cast<int32_t>(fuzz::clamp(fuzz::next_number(control, 200), 100, 999));
  int64_t quirks = fuzz::next_number(control, 0);
  if (response) flags &= ~uint32_t{WALLARM_SUBMIT_HEAD_ONLY};

  string_view method = fuzz::field(f, 1), uri = fuzz::field(f, 2), id = fuzz::field(f, 3);
  string_view body = fuzz::field(f, 6);
  if (method.empty()) method = "GET";
  if (uri.empty()) uri = "/";
  if (id.empty()) id = "0";
  if (flags & WALLARM_SUBMIT_HEAD_ONLY) body = {};

  std::vector<string> names, values;
  for (size_t i = 7; i + 1 < f.size() && names.size() < 200; i += 2) {
    names.emplace_back(f[i]);
    values.emplace_back(f[i + 1]);
  }
  std::vector<wallarm_header_t> headers;
  for (size_t i = 0; i < names.size(); ++i) headers.push_back({str(names[i]), str(values[i])});

  std::unique_ptr<BodyFile> file;
  string_view mem_body = body;
  if ((quirks & 1) && !body.empty()) {
    mem_body = body.substr(0, body.size() / 2);
    file = std::make_unique<BodyFile>(body.substr(body.size() / 2));
  }
  wallarm_message_t m{};
  m.type = response ? WALLARM_MSG_RESPONSE : WALLARM_MSG_REQUEST;
  m.status = response ? status : 0;
  m.method = str(method);
  m.uri = str(uri);
  m.headers = headers.data();
  m.header_count = static_cast<uint32_t>(headers.size());
  m.body = str(mem_body);
  m.body_file = file ? file->path.c_str() : nullptr;
  m.body_total = (quirks & 2) ? static_cast<int64_t>(body.size() * 2) : -1;
  m.request_id = str(id);
  m.client_ip = str(fuzz::field(f, 4));
  m.host = str(fuzz::field(f, 5));

  wallarm::Outgoing v1_tail, shape_tail, out;
  wallarm::make_v1_tail(v1_tail, "kong", "1.2.3");
  wallarm::make_shape_tail(shape_tail, "kong", "1.2.3");
  wallarm::EncodeOptions o;
  o.format = mirror ? WALLARM_FORMAT_MIRROR : WALLARM_FORMAT_MULTIPART;
  o.flags = flags;
  o.body_limit = limit;
  o.path_prefix = "/node";
  o.v1_tail = v1_tail.outer;
  o.shape_tail = shape_tail.outer;
  const char* err = nullptr;
  int32_t rc = wallarm::encode(m, o, out, &err);
  // The multipart shape (and every response) needs an id a boundary can hold.
  if ((!mirror || response) && !id_fits_boundary(id)) {
    FUZZ_CHECK(rc == WALLARM_EINVAL && string_view(err).rfind("request_id:", 0) == 0);
    return 0;
  }
  FUZZ_CHECK(rc == WALLARM_OK);
  FUZZ_CHECK(wallarm::finish_body(out) == WALLARM_OK);

  // The request line: a token method, and a target with no byte a request
  // line cannot hold, under the URL's path.
  string sent_method = out.method.empty() ? "POST" : out.method;
  for (unsigned char c : sent_method) FUZZ_CHECK(tchar(c));
  FUZZ_CHECK(out.target.rfind("/node/", 0) == 0);
  for (unsigned char c : out.target) FUZZ_CHECK(c > 0x20 && c != 0x7f);

  size_t sent = std::min<size_t>(body.size(), limit);
  string expected_body(body.substr(0, sent));
  node::OuterRequest r;
  r.method = sent_method;
  r.target = out.target;
  r.headers = as_sent(out);
  size_t zero_lengths = 0;
  for (const node::Header& h : r.headers) zero_lengths += h.name == "Content-Length" && h.value == "0";
  r.body.assign(out.body.data(), out.body.size());

  bool multipart = !mirror || response;
  size_t expected_headers = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty() || is_connector(names[i])) continue;
    if (!multipart && is_framing(names[i])) continue;
    ++expected_headers;
  }
  if (multipart) {
    // The boundary is in no part's content, and frames the body exactly.
    const string& b = out.multipart.boundary;
    FUZZ_CHECK(r.body.rfind("--" + b + "\r\n", 0) == 0);
    string closing = "\r\n--" + b + "--\r\n";
    FUZZ_CHECK(r.body.size() >= closing.size() &&
               r.body.compare(r.body.size() - closing.size(), closing.size(), closing) == 0);
    FUZZ_CHECK(r.body.find("--" + b, 1) != string::npos);
    string_view headers_part(r.body.data() + out.multipart.headers_at, out.multipart.headers_len);
    string_view body_part(r.body.data() + out.multipart.body_at, out.multipart.body_len);
    FUZZ_CHECK(headers_part.find(b) == string_view::npos);
    FUZZ_CHECK(body_part.find(b) == string_view::npos);
    FUZZ_CHECK(body_part == expected_body);
  } else if (!out.no_body) {
    FUZZ_CHECK(r.body == expected_body);
  } else {
    FUZZ_CHECK(r.body.empty() && expected_body.empty());
  }

  // The reference node reads it back.
  auto parsed = multipart ? node::parse_multipart(std::move(r)) : node::parse_mirror(std::move(r));
  if (auto* e = std::get_if<node::ParseError>(&parsed)) {
    std::fprintf(stderr, "node refused: %s: %s\n", e->reason.c_str(), e->detail.c_str());
    fuzz::fail("the node reads every message the connector sends", __FILE__, __LINE__);
  }
  const node::Message& got = std::get<node::Message>(parsed);
  FUZZ_CHECK(got.type == (response ? node::MessageType::response : node::MessageType::request));
  FUZZ_CHECK(got.request_id == string(id.substr(0, 128)));
  FUZZ_CHECK(got.body == expected_body);
  FUZZ_CHECK(got.head_only == ((flags & WALLARM_SUBMIT_HEAD_ONLY) != 0));
  if (response) FUZZ_CHECK(got.status == status);
  // Mirror adds Host when the client had none and a host is known, and
  // Content-Length: 0 when it sends no body with a method that gives
  // content a meaning (RFC 9110 8.6).
  size_t extra = 0;
  if (!multipart) {
    bool client_host = false;
    for (const string& n : names)  // names may hold NUL: not strcasecmp
      client_host = client_host || (n.size() == 4 && strncasecmp(n.data(), "Host", 4) == 0);
    extra = !client_host && m.host.len != 0 ? 1 : 0;
    const bool no_meaning = sent_method == "GET" || sent_method == "HEAD" ||
                            sent_method == "DELETE" || sent_method == "OPTIONS" ||
                            sent_method == "TRACE";
    const bool zero_length = out.no_body && !no_meaning;
    FUZZ_CHECK(zero_lengths == (zero_length ? 1u : 0u));
    extra += zero_length ? 1 : 0;
  }
  FUZZ_CHECK(got.headers.size() == expected_headers + extra);
  return 0;
}
