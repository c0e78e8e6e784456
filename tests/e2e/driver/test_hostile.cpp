// Hostile clients against the real stack: Kong with the plugin and the built
// library, a node that records every outer request it receives
// (the reference node where only survival is checked), and raw sockets,
// because an HTTP library would normalise away what is tested here.
//
// Every input must either be refused by nginx before the plugin runs (and
// then reach neither the node nor the upstream), or reach the node as
// exactly one message, in the suite's format, whose connector headers the
// client could not extend or forge and whose copy of the client's head has
// no bare CR, LF or NUL. After every case the nginx worker that started it
// still runs and both nodes still answer.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "raw_client.h"
#include "servers.h"
#include "test_util.h"

using namespace e2e;

namespace {

using std::chrono::milliseconds;

const std::string kHostLine = kHost + "\r\n";

// A marker per request, in its target and its X-E2E-Tag; the trailing "z"
// keeps one marker from being a prefix of another.
std::string new_marker() { return unique_tag("hx") + "z"; }

std::string first_line(const std::string& s) { return s.substr(0, s.find("\r\n")); }

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  return out;
}

bool is_request_id(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// ---------------------------------------------------------------------------
// The stack of one test case.

class Stack {
  TempDir dir_;  // first: removed after Kong and the nodes have stopped

 public:
  explicit Stack(const std::string& tag, bool with_ref = false) : dir_(tag) {
    const std::string cap = capture.url();
    // Generous: two shared vCPUs must not turn a slow verdict into a fallback.
    auto conf = [&](const std::string& url, json extra) {
      extra["timeout_ms"] = 5000;
      return plugin(node_config(url, extra));
    };
    // "cap" takes any Host (the corpora test Host itself); Kong matches the
    // others by their own Host, which exchange() puts in place of the seed's.
    std::vector<Route> routes = {
        {"cap", conf(cap, json::object()), true},
        {"mem", conf(cap, {{"request_body_limit", 4096}})},     // under client_body_buffer_size 8k
        {"file", conf(cap, {{"request_body_limit", 20000}})},   // over it: nginx spools to a file
        {"zero", conf(cap, {{"request_body_limit", 0}})},
        {"plain", std::nullopt},
    };
    if (with_ref) {
      ref = std::make_unique<RefNode>(dir_.path(), node_options("block"));
      routes.push_back({"ref", conf(ref->url(), json::object())});
    }
    kong = std::make_unique<Kong>(dir_.path(), routes);
    kong->start();
    pids = kong->workers()["pids"];
    REQUIRE(pids.is_object());
  }

  // Sends raw bytes to Kong for `route`: every "Host: kong-lua-test.wallarm"
  // in them names that route's Host instead.
  RawExchange exchange(const std::string& route, const std::string& raw, size_t responses = 1,
                       milliseconds wait = milliseconds(10000)) {
    return raw_exchange(kong->proxy_port(), bytes_for(route, raw), responses, wait);
  }
  std::string bytes_for(const std::string& route, const std::string& raw) const {
    return route == "cap" ? raw : replace_all(raw, kHost, kong->host(route));
  }

  // The whole request message (not a head-only one) whose client target
  // holds marker, or an empty one.
  CapturedMessage message_for(const std::string& marker, milliseconds wait = milliseconds(5000)) {
    return capture.wait_for([&](const CapturedMessage& m) { return whole_request(m, marker); }, wait);
  }

  // Whole request messages whose client target holds marker (a head-only
  // message, sent before the body is read, is not one).
  size_t messages_for(const std::string& marker) {
    size_t n = 0;
    for (const auto& m : capture.messages())
      if (whole_request(m, marker)) ++n;
    return n;
  }

  static bool whole_request(const CapturedMessage& m, const std::string& marker) {
    return m.type == "request" && !m.head_only && m.target.find(marker) != std::string::npos;
  }

  CaptureNode capture;
  std::unique_ptr<RefNode> ref;
  std::unique_ptr<Kong> kong;
  json pids;
  // Requests nginx refused: checked at the end to have reached no node.
  std::vector<std::string> refused;
};

// ---------------------------------------------------------------------------
// What every message must look like, whatever the client sent.

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// NUL, and CR or LF other than in CRLF, in `text`.
std::string bare_bytes(const std::string& text) {
  std::string problems;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\0') problems += "NUL at " + std::to_string(i) + "\n";
    if (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))
      problems += "bare CR at " + std::to_string(i) + "\n";
    if (c == '\n' && (i == 0 || text[i - 1] != '\r'))
      problems += "bare LF at " + std::to_string(i) + "\n";
  }
  return problems;
}

// The connector headers of mirror and multipart (docs/protocol.md 12.1).
const std::set<std::string> kShapeConnector = {
    "x-wallarm-connector-type", "x-wallarm-connector-version", "x-wallarm-connector-mode",
    "x-wallarm-request-id",     "x-wallarm-forwarded-for",     "x-wallarm-forwarded-host",
    "x-wallarm-method",         "x-wallarm-request-target",    "x-wallarm-body-truncated",
    "x-wallarm-request-part",   "x-wallarm-escaped"};

// Whether an outer line is one the connector writes in this format: in v1
// every line is, in multipart every one (libcurl's Host and Content-Length
// with them), in mirror only the X-Wallarm-* ones (the others are the
// client's, head() has them).
bool connector_line(NodeFormat f, const std::string& name) {
  static const std::set<std::string> kV1 = {
      "host", "accept", "content-length", "content-type", "x-wallarm-message-type",
      "x-wallarm-request-id", "x-wallarm-forwarded-for", "x-wallarm-forwarded-host",
      "x-wallarm-out-of-band", "x-wallarm-body-truncated", "x-wallarm-escaped",
      "x-wallarm-protocol", "x-wallarm-connector-type", "x-wallarm-connector-version"};
  const std::string n = lower(name);
  switch (f) {
    case NodeFormat::v1: return kV1.count(n) != 0;
    case NodeFormat::multipart:
      return kShapeConnector.count(n) != 0 || n == "host" || n == "content-length" || n == "content-type";
    case NodeFormat::mirror: return kShapeConnector.count(n) != 0;
  }
  return false;
}

// The outer head: CRLF-terminated lines; the connector's own lines
// printable ASCII, only the format's, each at most once; in mirror the
// client's lines besides, none of them a framing or X-Wallarm-* one.
void check_outer(const CapturedMessage& m) {
  const NodeFormat f = suite_format();
  INFO("outer head (first 4000 bytes):\n" << m.raw_head.substr(0, 4000));
  CHECK_MESSAGE(m.problem.empty(), m.problem);
  CHECK(m.format == f);
  CHECK(m.type == "request");
  std::string problems = bare_bytes(m.raw_head);
  const std::string& h = m.raw_head;
  std::set<std::string> seen;
  size_t pos = h.find("\r\n") + 2;  // after the request line
  while (pos < h.size() - 2) {
    size_t e = h.find("\r\n", pos);
    std::string line = h.substr(pos, e - pos);
    pos = e + 2;
    size_t colon = line.find(':');
    const std::string name = lower(line.substr(0, colon));
    if (f == NodeFormat::mirror && name.rfind("x-wallarm-", 0) != 0) {
      if (name != "content-length" && mirror_drops(name)) problems += "replayed: " + line + "\n";
      continue;  // the client's
    }
    for (unsigned char c : line)
      if (c < 0x20 || c > 0x7e) problems += "byte outside 0x20-0x7E in: " + line + "\n";
    const bool ours = colon != std::string::npos && connector_line(f, name);
    if (!ours) problems += "foreign line: " + line + "\n";
    if (!seen.insert(name).second) problems += "repeated header: " + line + "\n";
    // One SP after the colon; none inside a value but the media type's.
    if (colon != std::string::npos && colon + 1 < line.size() && line[colon + 1] == ' ' &&
        name != "content-type") {
      for (size_t i = colon + 2; i < line.size(); ++i)
        if (line[i] == ' ') problems += "SP inside a value: " + line + "\n";
    }
  }
  CHECK_MESSAGE(problems.empty(), problems);
  CHECK(is_request_id(m.request_id()));
  CHECK(m.header("X-Wallarm-Forwarded-For") == "127.0.0.1");
  CHECK_FALSE(m.out_of_band);
  switch (f) {
    case NodeFormat::v1:
      CHECK(m.header("X-Wallarm-Message-Type") == "request");
      CHECK(m.header("X-Wallarm-Protocol") == "1");
      CHECK(m.header("Content-Type") == "message/http");
      CHECK(m.header("Content-Length") == std::to_string(m.outer_body.size()));
      CHECK(m.header("X-Wallarm-Out-Of-Band").empty());
      break;
    case NodeFormat::mirror:
      // The client's method, replayed (nginx lets through no method
      // libcurl cannot send).
      CHECK(m.header("X-Wallarm-Connector-Mode") == "inline");
      CHECK(m.header("X-Wallarm-Method") == m.method);
      CHECK(m.outer_method == m.method);
      if (m.has_header("Content-Length"))
        CHECK(m.header("Content-Length") == std::to_string(m.outer_body.size()));
      else
        CHECK(m.outer_body.empty());
      break;
    case NodeFormat::multipart:
      CHECK(m.header("X-Wallarm-Connector-Mode") == "inline");
      CHECK(m.header("X-Wallarm-Method") == m.method);
      CHECK(m.outer_method == "POST");
      CHECK(m.header("Content-Length") == std::to_string(m.outer_body.size()));
      break;
  }
}

// The client's head as the message carries it: CRLF line ends only, no
// NUL, a request line of its parts (v1: three), and header lines that
// split at their first ':' followed by SP, with a name.
void check_client_head(const CapturedMessage& m) {
  const std::string head = m.head();
  std::string problems = bare_bytes(head);
  const std::string rl = first_line(head);
  const long spaces = m.format == NodeFormat::v1 ? 2 : 1;  // no HTTP version outside v1
  if (std::count(rl.begin(), rl.end(), ' ') != spaces) problems += "request line: " + rl + "\n";
  size_t pos = rl.size() + 2;
  while (pos + 2 < head.size()) {
    size_t e = head.find("\r\n", pos);
    std::string line = head.substr(pos, e - pos);
    pos = e + 2;
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string::npos || colon + 1 >= line.size() || line[colon + 1] != ' ')
      problems += "header line without a name and ': ': " + line.substr(0, 200) + "\n";
  }
  INFO("client head (first 2000 bytes):\n" << head.substr(0, 2000));
  CHECK_MESSAGE(problems.empty(), problems);
}

// ---------------------------------------------------------------------------
// Hostile requests and what must become of them.

using Build = std::function<std::string(const std::string& marker)>;

struct Hostile {
  std::string name;
  std::string marker;
  std::string raw;                      // the bytes sent
  int refused = 0;                      // nginx's answer when it refuses it before the plugin
  std::string head;                     // passes: the embedded head, exactly ("" = not compared)
  std::string body;                     // passes: the embedded body
  bool tagged = true;                   // carries X-E2E-Tag (the upstream counts it)
  bool attack = false;                  // the reference node blocks it
  // A method cpp-httplib does not know: mirrored as itself, the reference
  // node cannot take it (examples/reference-node/README.md, limits).
  bool unknown_method = false;
};

Hostile refused(std::string name, int status, const Build& raw) {
  Hostile h;
  h.name = std::move(name);
  h.marker = new_marker();
  h.raw = raw(h.marker);
  h.refused = status;
  return h;
}

Hostile passes(std::string name, const Build& raw, const Build& head, std::string body = "") {
  Hostile h;
  h.name = std::move(name);
  h.marker = new_marker();
  h.raw = raw(h.marker);
  h.head = head(h.marker);
  h.body = std::move(body);
  return h;
}

// The usual start: request line, Host, the tag.
std::string get_line(const std::string& m, const std::string& rest = "") {
  return "GET /" + m + rest + " HTTP/1.1\r\n";
}
std::string std_lines(const std::string& m) { return kHostLine + "X-E2E-Tag: " + m + "\r\n"; }
std::string get_start(const std::string& m, const std::string& rest = "") {
  return get_line(m, rest) + std_lines(m);
}

// Sends `h` to a route on the recording node and checks what became of it.
// Returns the message (empty when refused).
CapturedMessage run(Stack& s, const std::string& route, const Hostile& h) {
  CAPTURE(h.name);
  auto ex = s.exchange(route, h.raw, 1, milliseconds(10000));
  INFO("client got: " << (ex.responses.empty() ? "nothing (" + ex.error + ")"
                                                : ex.responses[0].status_line));
  REQUIRE(ex.responses.size() == 1);
  if (h.refused) {
    CHECK(ex.responses[0].status == h.refused);
    s.refused.push_back(h.marker);
    if (h.tagged) CHECK(s.kong->upstream_seen(h.marker) == 0);
    return {};
  }
  CHECK(ex.responses[0].status == 200);
  CapturedMessage m = s.message_for(h.marker);
  REQUIRE_MESSAGE(m.found(), "no message reached the node");
  check_outer(m);
  check_client_head(m);
  if (!h.head.empty()) {
    const std::string got = m.head();
    INFO("client head (first 2000 bytes):\n" << got.substr(0, 2000));
    CHECK((got == expected_head(h.head)));
  }
  CHECK((m.body == h.body));
  // Nothing nginx lets through holds a byte the formats escape.
  CHECK(m.escaped.empty());
  if (h.tagged) CHECK(s.kong->upstream_seen(h.marker) == 1);
  return m;
}

// After a case: the worker that served it still runs (no crash, no
// respawn), nothing alarming was logged, refused requests reached no node,
// and both nodes still answer.
void check_alive(Stack& s) {
  json now = s.kong->workers()["pids"];
  CHECK(now == s.pids);
  std::string exits;
  std::istringstream in(s.kong->error_log());
  for (std::string line; std::getline(in, line);)
    if (line.find("exited on signal") != std::string::npos ||
        (line.find("worker process") != std::string::npos &&
         line.find("exited") != std::string::npos))
      exits += line + "\n";
  CHECK_MESSAGE(exits.empty(), exits);
  check_clean_log(*s.kong);

  std::this_thread::sleep_for(milliseconds(100));
  for (const auto& m : s.refused) {
    CAPTURE(m);
    CHECK(s.messages_for(m) == 0);
  }

  const std::string m = new_marker();
  auto ex = s.exchange("cap", get_start(m) + "\r\n");
  REQUIRE(ex.responses.size() == 1);
  CHECK(ex.responses[0].status == 200);
  CHECK(ex.responses[0].header("X-E2E-Worker-Pid") == std::to_string(s.pids["0"].get<int>()));
  CHECK(s.message_for(m).found());
  if (s.ref) {
    CHECK(::kill(s.ref->pid(), 0) == 0);
    CHECK(http_get(s.ref->url() + "healthz").status == 200);
  }
}

// ---------------------------------------------------------------------------
// Corpora (fresh markers on every call).

// nginx's own limits, which Kong keeps: large_client_header_buffers 4 8k
// (a request line or header line must fit 8 KiB, the head 32 KiB), and
// Debian's max_headers backport (at most 1000 header lines).
std::vector<Hostile> limits_corpus() {
  std::vector<Hostile> out;
  auto many = [](int n, const char* fmt) {
    std::vector<std::string> v;
    char b[64];
    for (int i = 0; i < n; ++i) {
      std::snprintf(b, sizeof b, fmt, i);
      v.push_back(b);
    }
    return v;
  };
  out.push_back(refused("3000 small headers", 400, [&](const std::string& m) {
    return get_start(m) + join_lines(many(3000, "h%d:v")) + "\r\n";
  }));
  {
    // Host and the tag are two of the 1000.
    auto sent = many(998, "h%d:v");
    auto want = many(998, "h%d: v");
    out.push_back(passes(
        "1000 header lines, nginx's maximum",
        [&](const std::string& m) { return get_start(m) + join_lines(sent) + "\r\n"; },
        [&](const std::string& m) { return get_start(m) + join_lines(want) + "\r\n"; }));
  }
  {
    auto dup = many(998, "X-Dup: %d");
    out.push_back(passes(
        "998 repeats of one header",
        [&](const std::string& m) { return get_start(m) + join_lines(dup) + "\r\n"; },
        [&](const std::string& m) { return get_start(m) + join_lines(dup) + "\r\n"; }));
  }
  // One header line of 8190 bytes with its CRLF passes; 8200 does not.
  const std::string big_ok = "X-Big: " + std::string(8190 - 9, 'a');
  out.push_back(passes(
      "an 8190-byte header line",
      [&](const std::string& m) { return get_start(m) + big_ok + "\r\n\r\n"; },
      [&](const std::string& m) { return get_start(m) + big_ok + "\r\n\r\n"; }));
  out.push_back(refused("an 8200-byte header line", 400, [&](const std::string& m) {
    return get_start(m) + "X-Big: " + std::string(8200 - 9, 'a') + "\r\n\r\n";
  }));
  auto bigs = [](int k) {
    std::vector<std::string> v;
    for (int i = 0; i < k; ++i)
      v.push_back("X-Big" + std::to_string(i) + ": " + std::string(8000, static_cast<char>('b' + i)));
    return v;
  };
  out.push_back(passes(
      "four 8000-byte header values (32 KiB of head)",
      [&](const std::string& m) { return get_start(m) + join_lines(bigs(4)) + "\r\n"; },
      [&](const std::string& m) { return get_start(m) + join_lines(bigs(4)) + "\r\n"; }));
  out.push_back(refused("five 8000-byte header values", 400, [&](const std::string& m) {
    return get_start(m) + join_lines(bigs(5)) + "\r\n";
  }));
  // The request line must fit 8 KiB too: "GET " and " HTTP/1.1" CRLF take 15.
  auto uri_of = [](size_t n) {
    return [n](const std::string& m) { return "/" + std::string(n - 2 - m.size(), 'u'); };
  };
  out.push_back(passes(
      "an 8170-byte URI",
      [&](const std::string& m) { return get_start(m, uri_of(8170)(m)) + "\r\n"; },
      [&](const std::string& m) { return get_start(m, uri_of(8170)(m)) + "\r\n"; }));
  out.push_back(refused("an 8180-byte URI", 414, [&](const std::string& m) {
    return get_start(m, uri_of(8180)(m)) + "\r\n";
  }));
  return out;
}

// CR, LF and NUL wherever a client can put them.
std::vector<Hostile> crlf_corpus() {
  std::vector<Hostile> out;
  auto bad_header = [&](std::string name, std::string lines) {
    out.push_back(refused(std::move(name), 400, [lines](const std::string& m) {
      return get_start(m) + lines + "\r\n";
    }));
  };
  bad_header("obs-fold with SP", "X-A: v\r\n X-Folded: 1\r\n");
  bad_header("obs-fold with HTAB", "X-A: v\r\n\tX-Folded: 1\r\n");
  bad_header("bare CR in a header value", "X-A: v\rX-Injected: 1\r\n");
  bad_header("NUL in a header value", std::string("X-A: v\0X-Injected: 1\r\n", 22));
  bad_header("NUL in a header name", std::string("X-\0A: v\r\n", 9));
  bad_header("SP in a header name", "X A: v\r\n");
  bad_header("SP before the colon", "X-A : v\r\n");
  bad_header("HTAB in a header name", "X\tA: v\r\n");
  bad_header("control byte in a header name", "X\x01" "A: v\r\n");
  bad_header("DEL in a header name", "X\x7f" "A: v\r\n");
  bad_header("empty header name", ": v\r\n");
  bad_header("X-Wallarm-Request-Id with CR LF", "X-Wallarm-Request-Id: a\rX-Wallarm-Out-Of-Band: 1\r\n");
  auto bad_target = [&](std::string name, std::string rest) {
    out.push_back(refused(std::move(name), 400, [rest](const std::string& m) {
      return get_start(m, rest) + "\r\n";
    }));
  };
  bad_target("NUL in the URI", std::string("/a\0b", 4));
  bad_target("%00 in the path", "/a/%00/b");
  bad_target("SP in the URI", "/a b");
  bad_target("HTAB in the URI", "/a\tb");
  bad_target("CR in the URI", "/a\rX-Injected: 1");
  bad_target("DEL in the URI", "/a\x7f");
  bad_target("control byte in the URI", "/a\x01");
  out.push_back(refused("HTTP/1.1 without Host", 400, [](const std::string& m) {
    return get_line(m) + "X-E2E-Tag: " + m + "\r\n\r\n";
  }));
  bad_header("a second Host", kHostLine);
  out.push_back(refused("lowercase method", 400, [](const std::string& m) {
    return "get /" + m + " HTTP/1.1\r\n" + std_lines(m) + "\r\n";
  }));
  out.push_back(refused("odd byte in the method", 400, [](const std::string& m) {
    return "G\x01T /" + m + " HTTP/1.1\r\n" + std_lines(m) + "\r\n";
  }));

  // What nginx accepts: line ends become CRLF, nothing else changes.
  out.push_back(passes(
      "bare LF line endings throughout",
      [](const std::string& m) {
        return "GET /" + m + " HTTP/1.1\nHost: kong-lua-test.wallarm\nX-E2E-Tag: " + m +
               "\nX-A: v\nX-B: w\n\n";
      },
      [](const std::string& m) { return get_start(m) + "X-A: v\r\nX-B: w\r\n\r\n"; }));
  out.push_back(passes(
      "bare LF and CRLF mixed",
      [](const std::string& m) { return get_start(m) + "X-A: v\nX-B: w\r\nX-C: x\r\n\r\n"; },
      [](const std::string& m) { return get_start(m) + "X-A: v\r\nX-B: w\r\nX-C: x\r\n\r\n"; }));
  out.push_back(passes(
      "bare LF ending the last header, then CRLF",
      [](const std::string& m) { return get_start(m) + "X-A: v\nX-B: w\n\r\n"; },
      [](const std::string& m) { return get_start(m) + "X-A: v\r\nX-B: w\r\n\r\n"; }));
  out.push_back(passes(
      "trailing blanks, then a bare LF",
      [](const std::string& m) { return get_start(m) + "X-A: v  \nX-B: w \n\r\n"; },
      [](const std::string& m) { return get_start(m) + "X-A: v\r\nX-B: w\r\n\r\n"; }));
  out.push_back(passes(
      "%00 and %0D%0A in the query",
      [](const std::string& m) { return get_start(m, "?a=%00&b=%0d%0aX-Injected:%201") + "\r\n"; },
      [](const std::string& m) { return get_start(m, "?a=%00&b=%0d%0aX-Injected:%201") + "\r\n"; }));
  out.push_back(passes(
      "%0D%0A in the path",
      [](const std::string& m) { return get_start(m, "/%0D%0AX-Injected:%201") + "\r\n"; },
      [](const std::string& m) { return get_start(m, "/%0D%0AX-Injected:%201") + "\r\n"; }));
  out.push_back(passes(
      "percent-encoded CR LF in a header value",
      [](const std::string& m) { return get_start(m) + "X-A: a%0D%0AX-Injected: 1\r\n\r\n"; },
      [](const std::string& m) { return get_start(m) + "X-A: a%0D%0AX-Injected: 1\r\n\r\n"; }));
  // The value class escapes NUL, CR and LF only (docs/protocol.md 5).
  out.push_back(passes(
      "control bytes and DEL in a header value",
      [](const std::string& m) { return get_start(m) + "X-A: a\x01\x1b\x7f" "b\x0b\x0c" "c\r\n\r\n"; },
      [](const std::string& m) { return get_start(m) + "X-A: a\x01\x1b\x7f" "b\x0b\x0c" "c\r\n\r\n"; }));
  // nginx ignores these lines (ignore_invalid_headers): the upstream never
  // gets them, and the node gets the headers nginx keeps.
  out.push_back(passes(
      "bytes >= 0x80 in a header name",
      [](const std::string& m) { return get_start(m) + "X-\xff\xfe: v\r\n\r\n"; },
      [](const std::string& m) { return get_start(m) + "\r\n"; }));
  out.push_back(passes(
      "odd token bytes in a header name",
      [](const std::string& m) { return get_start(m) + "X@Y.Z/\"{q}\": v\r\n\r\n"; },
      [](const std::string& m) { return get_start(m) + "\r\n"; }));
  out.push_back(passes(
      "X-Wallarm-* look-alikes in names and values",
      [](const std::string& m) {
        return get_start(m) + "X-A: x\\r\\nX-Wallarm-Request-Id: forged\r\nx-wallarm-escaped: 0\r\n\r\n";
      },
      [](const std::string& m) {
        return get_start(m) + "X-A: x\\r\\nX-Wallarm-Request-Id: forged\r\nx-wallarm-escaped: 0\r\n\r\n";
      }));
  {
    // A fake request after CRLF CRLF in the body stays body.
    const std::string body = "\r\n\r\nGET /evil HTTP/1.1\r\nX-Injected: 1\r\n\r\n";
    out.push_back(passes(
        "CRLF CRLF and a request inside the body",
        [body](const std::string& m) {
          return "POST /" + m + " HTTP/1.1\r\n" + std_lines(m) + "Content-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
        },
        [body](const std::string& m) {
          return "POST /" + m + " HTTP/1.1\r\n" + std_lines(m) + "Content-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n";
        },
        body));
  }
  out.push_back(passes(
      "a 26-letter method",
      [](const std::string& m) {
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ /" + m + " HTTP/1.1\r\n" + std_lines(m) + "\r\n";
      },
      [](const std::string& m) {
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ /" + m + " HTTP/1.1\r\n" + std_lines(m) + "\r\n";
      }));
  out.back().unknown_method = true;
  return out;
}

// Bytes that are not UTF-8: overlong, surrogates, past U+10FFFF, cut short,
// and 0xFE/0xFF.
const std::string kBadUtf8 = "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82\xfe\xff";

std::vector<Hostile> utf8_corpus() {
  std::vector<Hostile> out;
  out.push_back(passes(
      "invalid UTF-8 in the path and the query",
      [](const std::string& m) { return get_start(m, "/" + kBadUtf8 + "?q=" + kBadUtf8) + "\r\n"; },
      [](const std::string& m) { return get_start(m, "/" + kBadUtf8 + "?q=" + kBadUtf8) + "\r\n"; }));
  out.push_back(passes(
      "invalid UTF-8 in header values",
      [](const std::string& m) {
        return get_start(m) + "User-Agent: " + kBadUtf8 + "\r\nCookie: s=" + kBadUtf8 + "\r\n\r\n";
      },
      [](const std::string& m) {
        return get_start(m) + "User-Agent: " + kBadUtf8 + "\r\nCookie: s=" + kBadUtf8 + "\r\n\r\n";
      }));
  for (const std::string& type :
       std::vector<std::string>{"application/json", "application/x-www-form-urlencoded",
                                "multipart/form-data; boundary=" + kBadUtf8}) {
    const std::string body = type == "application/json"
                                 ? "{\"k\":\"" + kBadUtf8 + "\",\"" + kBadUtf8 + "\":1}"
                                 : "a=" + kBadUtf8 + "&" + kBadUtf8 + "=1";
    auto head = [type, body](const std::string& m) {
      return "POST /" + m + " HTTP/1.1\r\n" + std_lines(m) + "Content-Type: " + type +
             "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    };
    out.push_back(passes(
        "invalid UTF-8 in a " + type.substr(0, type.find(';')) + " body",
        [head, body](const std::string& m) { return head(m) + body; }, head, body));
  }
  return out;
}

// Framing conflicts: nginx refuses them, or de-chunks what it accepts.
std::vector<Hostile> framing_corpus() {
  std::vector<Hostile> out;
  auto post = [](const std::string& m, const std::string& lines, const std::string& rest) {
    return "POST /" + m + " HTTP/1.1\r\n" + std_lines(m) + lines + "\r\n" + rest;
  };
  auto bad = [&](std::string name, int status, std::string lines, std::string rest) {
    out.push_back(refused(std::move(name), status, [=](const std::string& m) {
      return post(m, lines, rest);
    }));
  };
  const std::string chunked_abcd = "4\r\nabcd\r\n0\r\n\r\n";
  bad("Content-Length and Transfer-Encoding", 400,
      "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", chunked_abcd);
  bad("Transfer-Encoding and Content-Length", 400,
      "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", chunked_abcd);
  bad("two equal Content-Lengths", 400, "Content-Length: 4\r\nContent-Length: 4\r\n", "abcd");
  bad("two different Content-Lengths", 400, "Content-Length: 4\r\nContent-Length: 5\r\n", "abcde");
  bad("Content-Length list", 400, "Content-Length: 4, 4\r\n", "abcd");
  bad("negative Content-Length", 400, "Content-Length: -1\r\n", "");
  bad("Content-Length with junk", 400, "Content-Length: 4x\r\n", "abcd");
  bad("Content-Length past 2^63", 400, "Content-Length: 99999999999999999999\r\n", "abcd");
  bad("two Transfer-Encodings", 400,
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunked_abcd);
  bad("Transfer-Encoding other than chunked", 501, "Transfer-Encoding: gzip, chunked\r\n",
      chunked_abcd);
  bad("chunked, then chunked again", 501, "Transfer-Encoding: chunked, chunked\r\n", chunked_abcd);
  out.push_back(refused("Transfer-Encoding in HTTP/1.0", 400, [&](const std::string& m) {
    return "POST /" + m + " HTTP/1.0\r\n" + std_lines(m) + "Transfer-Encoding: chunked\r\n\r\n" +
           chunked_abcd;
  }));
  // Refused while the plugin reads the body: only its head (chunked, so
  // judged first) reached the node.
  bad("invalid chunk size", 400, "Transfer-Encoding: chunked\r\n", "zz\r\nabcd\r\n0\r\n\r\n");

  auto ok = [&](std::string name, std::string lines, std::string rest, std::string body) {
    out.push_back(passes(
        std::move(name), [=](const std::string& m) { return post(m, lines, rest); },
        [=](const std::string& m) { return post(m, lines, ""); }, body));
  };
  ok("Transfer-Encoding: CHUNKED", "Transfer-Encoding: CHUNKED\r\n", chunked_abcd, "abcd");
  ok("chunk extensions and a trailer", "Transfer-Encoding: chunked\r\n",
     "2;ext=\"x\\r\\ny\"\r\nab\r\n002\r\ncd\r\n0\r\nX-Trailer: t\r\n\r\n", "abcd");
  ok("Content-Length with leading zeros", "Content-Length: 0004\r\n", "abcd", "abcd");
  return out;
}

// Sends every input of a corpus through a recording route.
void run_all(Stack& s, const std::vector<Hostile>& corpus) {
  for (const auto& h : corpus) run(s, "cap", h);
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("e2e: hostile input: thousands of headers and huge values at nginx's limits") {
  Stack s("hostile-limits");
  run_all(s, limits_corpus());
  check_alive(s);
}

TEST_CASE("e2e: hostile input: CR, LF and NUL never add a line to the outer or embedded head") {
  Stack s("hostile-crlf");
  run_all(s, crlf_corpus());
  check_alive(s);
}

TEST_CASE("e2e: hostile input: invalid UTF-8 reaches the node byte for byte") {
  Stack s("hostile-utf8");
  run_all(s, utf8_corpus());
  check_alive(s);
}

TEST_CASE("e2e: hostile input: conflicting Content-Length and Transfer-Encoding") {
  Stack s("hostile-framing");
  run_all(s, framing_corpus());
  check_alive(s);
}

TEST_CASE("e2e: hostile input: bodies at and over request_body_limit, in memory and in a file") {
  Stack s("hostile-bodies");
  struct Body {
    std::string route;
    size_t limit, size;
    bool chunked;
  };
  const size_t kib128 = 131072, mib = 1048576;
  const std::vector<Body> cases = {
      // limit 4096: in memory up to client_body_buffer_size (8k), then in a file
      {"mem", 4096, 4096, false},   {"mem", 4096, 4097, false},
      {"mem", 4096, 8000, false},   {"mem", 4096, 100000, false},
      {"mem", 4096, 4096, true},    {"mem", 4096, 4097, true},
      {"mem", 4096, 8000, true},
      // spooled to a file, limit 20000
      {"file", 20000, 9000, false}, {"file", 20000, 20000, false},
      {"file", 20000, 20001, false}, {"file", 20000, 300000, false},
      {"file", 20000, 20000, true}, {"file", 20000, 20001, true},
      {"file", 20000, 300000, true},
      // the default limit, 128 KiB
      {"cap", kib128, kib128, false}, {"cap", kib128, kib128 + 1, false},
      {"cap", kib128, mib, true},
      // limit 0: the head only, and the length
      {"zero", 0, 100, false},
      {"cap", kib128, 0, false},
  };
  uint32_t seed = 100;
  for (const auto& c : cases) {
    CAPTURE(c.route);
    CAPTURE(c.size);
    CAPTURE(c.chunked);
    const std::string m = new_marker();
    const std::string body = random_bytes(c.size, seed++);
    std::string raw = "POST /" + m + " HTTP/1.1\r\n" + std_lines(m) +
                      "Content-Type: application/octet-stream\r\n";
    if (c.chunked) {
      raw += "Transfer-Encoding: chunked\r\n\r\n";
      for (size_t off = 0; off < body.size(); off += 7000) {
        const std::string piece = body.substr(off, 7000);
        char len[16];
        std::snprintf(len, sizeof len, "%zx", piece.size());
        raw += std::string(len) + "\r\n" + piece + "\r\n";
      }
      raw += "0\r\n\r\n";
    } else {
      raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    auto ex = s.exchange(c.route, raw, 1, milliseconds(15000));
    REQUIRE(ex.responses.size() == 1);
    REQUIRE(ex.responses[0].status == 200);
    json echo = json::parse(ex.responses[0].body, nullptr, false);
    CHECK(echo.value("body_len", size_t(0)) == body.size());
    CHECK(echo.value("body_md5", "") == md5_hex(body));

    CapturedMessage msg = s.message_for(m);
    REQUIRE(msg.found());
    check_outer(msg);
    check_client_head(msg);
    const size_t sent = std::min(c.limit, c.size);
    CHECK(msg.body.size() == sent);
    CHECK((msg.body == body.substr(0, sent)));
    CHECK(msg.truncated == (c.size > c.limit ? std::to_string(c.size) : std::string()));
    // The client's head, its framing line with it (but in mirror, whose
    // Content-Length is the length of the body it carries).
    const std::string as_sent = s.bytes_for(c.route, raw);
    CHECK(msg.head() == expected_head(as_sent.substr(0, as_sent.find("\r\n\r\n") + 4)));
    if (suite_format() == NodeFormat::mirror) CHECK(msg.header("Content-Length") == std::to_string(sent));
    // Over 64 KiB or of unknown length: the head went alone first (it comes
    // before the whole message, so it is here by now if it came at all).
    const bool head_first = c.limit > 0 && (c.chunked || c.size > 65536);
    CapturedMessage head = s.capture.wait_for(
        [&](const CapturedMessage& h) {
          return h.type == "request" && h.head_only && h.target.find(m) != std::string::npos;
        },
        milliseconds(0));
    CHECK(head.found() == head_first);
    if (head_first) {
      CHECK_MESSAGE(head.problem.empty(), head.problem);
      CHECK(head.head() == msg.head());
      CHECK(head.body.empty());
      CHECK(head.truncated == (c.chunked ? std::string() : std::to_string(c.size)));
      // A head alone goes without a body: in mirror, a POST says so.
      if (suite_format() == NodeFormat::mirror) CHECK(head.header("Content-Length") == "0");
    }
  }
  check_alive(s);
}

TEST_CASE("e2e: hostile input: HTTP/1.0, HTTP/0.9 and pipelined requests are each inspected") {
  Stack s("hostile-pipeline");
  // The node blocks any request whose target says "attack".
  s.capture.block_if([](const CapturedMessage& m) { return m.target.find("attack") != std::string::npos; });
  const NodeFormat format = suite_format();

  SUBCASE("HTTP/1.0 with and without Host") {
    const std::string a = new_marker();
    auto ex = s.exchange("cap", "GET /" + a + " HTTP/1.0\r\n" + std_lines(a) + "\r\n");
    REQUIRE(ex.responses.size() == 1);
    CHECK(ex.responses[0].status == 200);
    CHECK(ex.closed);
    CapturedMessage ma = s.message_for(a);
    REQUIRE(ma.found());
    check_outer(ma);
    CHECK(ma.head() == expected_head("GET /" + a + " HTTP/1.0\r\n" + std_lines(a) + "\r\n"));
    if (format == NodeFormat::v1) CHECK(ma.version == "HTTP/1.0");

    // No Host: nothing for X-Wallarm-Forwarded-Host. Whatever the upstream
    // makes of a request without a Host, the node was asked first.
    const std::string b = new_marker();
    ex = s.exchange("cap", "GET /" + b + " HTTP/1.0\r\n\r\n");
    REQUIRE(ex.responses.size() == 1);
    CapturedMessage mb = s.message_for(b);
    REQUIRE(mb.found());
    check_outer(mb);
    check_client_head(mb);
    // mirror: with neither a Host of the client's nor one the gateway
    // routed on, libcurl names the node's (docs/protocol.md 12.2).
    CHECK(mb.head() == (format == NodeFormat::mirror
                            ? "GET /" + b + "\r\nHost: 127.0.0.1:" + std::to_string(s.capture.port()) +
                                  "\r\n\r\n"
                            : expected_head("GET /" + b + " HTTP/1.0\r\n\r\n")));
    CHECK(mb.header("X-Wallarm-Forwarded-Host").empty());

    // No Host, but an absolute-form target: its host is the one named, and
    // the node gets the target whole, as nginx routed on it.
    const std::string d = new_marker();
    ex = s.exchange("cap", "GET http://abs.example/" + d + "?y=2 HTTP/1.0\r\n\r\n");
    REQUIRE(ex.responses.size() == 1);
    CapturedMessage md = s.message_for(d);
    REQUIRE(md.found());
    check_outer(md);
    CHECK(md.header("X-Wallarm-Forwarded-Host") == "abs.example");
    CHECK(md.method == "GET");
    CHECK(md.target == "http://abs.example/" + d + "?y=2");
    if (format == NodeFormat::v1) {
      CHECK(first_line(md.outer_body) == "GET http://abs.example/" + d + "?y=2 HTTP/1.0");
    } else {
      // The URL takes its path and query; the target travels whole aside.
      CHECK(md.outer_target == "/" + d + "?y=2");
      CHECK(md.header("X-Wallarm-Request-Target") == "http://abs.example/" + d + "?y=2");
      // mirror names the target's host in the Host line it must send.
      CHECK(md.lines == (format == NodeFormat::mirror
                             ? std::vector<std::pair<std::string, std::string>>{{"Host", "abs.example"}}
                             : std::vector<std::pair<std::string, std::string>>{}));
    }

    // With a Host that differs: still the target as sent.
    const std::string e = new_marker();
    ex = s.exchange("cap", "GET http://abs.example/" + e + " HTTP/1.1\r\nHost: other.example\r\n\r\n");
    REQUIRE(ex.responses.size() == 1);
    CapturedMessage me = s.message_for(e);
    REQUIRE(me.found());
    check_outer(me);
    CHECK(me.head() == expected_head("GET http://abs.example/" + e + " HTTP/1.1\r\nHost: other.example\r\n\r\n"));
    CHECK(me.header("X-Wallarm-Forwarded-Host") == "abs.example");

    // HTTP/1.0 keep-alive, two requests in one write.
    const std::string c1 = new_marker(), c2 = new_marker();
    auto req10 = [](const std::string& m) {
      return "GET /" + m + " HTTP/1.0\r\n" + std_lines(m) + "Connection: keep-alive\r\n\r\n";
    };
    ex = s.exchange("cap", req10(c1) + req10(c2), 2);
    REQUIRE(ex.responses.size() == 2);
    CHECK(ex.responses[0].status == 200);
    CHECK(ex.responses[1].status == 200);
    CHECK(s.messages_for(c1) == 1);
    CHECK(s.message_for(c2).found());
  }

  SUBCASE("HTTP/0.9") {
    // No headers and no status line back: the node is asked all the same.
    const std::string m = new_marker();
    auto ex = s.exchange("cap", "GET /" + m + "\r\n", 1, milliseconds(3000));
    CHECK(ex.closed);
    CapturedMessage msg = s.message_for(m);
    REQUIRE(msg.found());
    check_outer(msg);
    check_client_head(msg);
    CHECK(msg.method == "GET");
    CHECK(msg.target == "/" + m);
    CHECK(msg.body.empty());
    if (format == NodeFormat::v1) CHECK(first_line(msg.outer_body) == "GET /" + m + " HTTP/0.9");
  }

  SUBCASE("five pipelined requests, an attack in the third") {
    std::vector<std::string> mk;
    for (int i = 0; i < 5; ++i) mk.push_back(new_marker() + (i == 2 ? "-attack" : ""));
    std::string raw;
    raw += get_start(mk[0]) + "\r\n";
    raw += "POST /" + mk[1] + " HTTP/1.1\r\n" + std_lines(mk[1]) + "Content-Length: 5\r\n\r\nhello";
    raw += "POST /" + mk[2] + " HTTP/1.1\r\n" + std_lines(mk[2]) + "Content-Length: 6\r\n\r\nattack";
    raw += "POST /" + mk[3] + " HTTP/1.1\r\n" + std_lines(mk[3]) +
           "Transfer-Encoding: chunked\r\n\r\n5\r\nchunk\r\n5\r\n-body\r\n0\r\n\r\n";
    raw += get_start(mk[4]) + "\r\n";
    auto ex = s.exchange("cap", raw, 5);
    REQUIRE(ex.responses.size() == 5);
    const int want[] = {200, 200, 403, 200, 200};
    const std::string bodies[] = {"", "hello", "attack", "chunk-body", ""};
    std::set<std::string> ids;
    for (size_t i = 0; i < 5; ++i) {
      CAPTURE(i);
      CHECK(ex.responses[i].status == want[i]);
      CapturedMessage msg = s.message_for(mk[i]);
      REQUIRE(msg.found());
      check_outer(msg);
      check_client_head(msg);
      CHECK(s.messages_for(mk[i]) == 1);
      CHECK(msg.body == bodies[i]);
      ids.insert(msg.request_id());
      json j = json::parse(ex.responses[i].body, nullptr, false);
      if (want[i] == 200) {
        // Answers come back in order: each is the echo of its own request.
        CHECK(j.value("uri", "") == "/" + mk[i]);
        CHECK(s.kong->upstream_seen(mk[i]) == 1);
      } else {
        CHECK(j.value("request_id", "") == msg.request_id());
        CHECK(s.kong->upstream_seen(mk[i]) == 0);
      }
    }
    CHECK(ids.size() == 5);
  }

  SUBCASE("a request hidden after a Content-Length: 0 body is a request of its own") {
    const std::string a = new_marker(), b = new_marker() + "-attack";
    const std::string raw = "POST /" + a + " HTTP/1.1\r\n" + std_lines(a) +
                            "Content-Length: 0\r\n\r\n" + get_start(b) + "\r\n";
    auto ex = s.exchange("cap", raw, 2);
    REQUIRE(ex.responses.size() == 2);
    CHECK(ex.responses[0].status == 200);
    CHECK(ex.responses[1].status == 403);
    CHECK(s.message_for(a).found());
    CHECK(s.message_for(a).body.empty());
    CHECK(s.message_for(b).found());
    CHECK(s.kong->upstream_seen(b) == 0);
  }

  SUBCASE("a request inside a GET body stays body") {
    const std::string a = new_marker(), b = new_marker() + "-attack";
    const std::string inner = get_start(b) + "\r\n";
    const std::string raw = get_line(a) + std_lines(a) + "Content-Length: " +
                            std::to_string(inner.size()) + "\r\n\r\n" + inner;
    // A second answer would come at once; wait a little for none.
    auto ex = s.exchange("cap", raw, 2, milliseconds(500));
    REQUIRE(ex.responses.size() == 1);
    CHECK(ex.leftover.empty());
    CHECK(ex.responses[0].status == 200);
    CHECK(s.message_for(a).body == inner);
    CHECK(s.messages_for(b) == 0);
  }
  check_alive(s);
}

TEST_CASE("e2e: hostile input: client X-Wallarm-* and request id headers stay client data") {
  {
    Stack s("hostile-spoof");
    s.capture.block_if([](const CapturedMessage& m) { return m.target.find("attack") != std::string::npos; });

    const std::string first = new_marker();
    auto ex = s.exchange("cap", get_start(first) + "\r\n");
    REQUIRE(ex.responses.size() == 1);
    const std::string first_id = s.message_for(first).request_id();
    REQUIRE(is_request_id(first_id));

    // Every metadata header a client could forge, one claiming the first
    // request's id.
    const std::string spoof =
        "X-Wallarm-Request-Id: " + first_id + "\r\n" +
        "X-Wallarm-Message-Type: health\r\n"
        "X-Wallarm-Out-Of-Band: 1\r\n"
        "X-Wallarm-Forwarded-For: 6.6.6.6\r\n"
        "X-Wallarm-Forwarded-Host: evil.example\r\n"
        "X-Wallarm-Body-Truncated: 1\r\n"
        "X-Wallarm-Escaped: 3\r\n"
        "X-Wallarm-Protocol: 2\r\n"
        "X-Wallarm-Batch-Count: 9\r\n"
        "Content-Type: message/http\r\n"
        "X-Request-Id: " + first_id + "\r\n" +
        "Kong-Request-Id: " + first_id + "\r\n" +
        "X-Kong-Request-Id: " + first_id + "\r\n" +
        "X-Forwarded-For: 6.6.6.6\r\n"
        "X-Real-IP: 6.6.6.6\r\n"
        "Forwarded: for=6.6.6.6;host=evil.example\r\n";

    for (const std::string kind : {"pass", "attack"}) {
      CAPTURE(kind);
      const std::string m = new_marker() + "-" + kind;
      ex = s.exchange("cap", get_start(m) + spoof + "\r\n");
      REQUIRE(ex.responses.size() == 1);
      CapturedMessage msg = s.message_for(m);
      REQUIRE(msg.found());
      check_outer(msg);
      check_client_head(msg);
      // The metadata is the connector's own ...
      const std::string id = msg.request_id();
      CHECK(id != first_id);
      CHECK(msg.header("X-Wallarm-Forwarded-Host") == "kong-lua-test.wallarm");
      CHECK(msg.truncated.empty());
      CHECK(msg.escaped.empty());
      CHECK_FALSE(msg.out_of_band);
      // ... and the forged headers are client data, verbatim in v1; mirror
      // and multipart pass on no client X-Wallarm-* line (12.1).
      CHECK(msg.head() == expected_head(get_start(m) + spoof + "\r\n"));

      const auto& r = ex.responses[0];
      for (const auto& [name, value] : r.headers) {
        std::string lower = name;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        // Kong 3.5+ names its own request id (X-Kong-Request-Id); the plugin adds none.
        if (lower != "x-kong-request-id") CHECK_MESSAGE(lower.find("request-id") == std::string::npos, name);
        CHECK_MESSAGE(lower.rfind("x-wallarm", 0) != 0, name);
      }
      if (kind == "attack") {
        // The block answer names this request's own id.
        CHECK(r.status == 403);
        CHECK(json::parse(r.body, nullptr, false).value("request_id", "") == id);
        CHECK(s.kong->upstream_seen(m) == 0);
      } else {
        // Passed on to the upstream as Kong passes it without the plugin:
        // the plugin adds no id header.
        CHECK(r.status == 200);
        const std::string plain_m = m + "-plain";
        auto plain = s.exchange("plain", get_start(plain_m) + spoof + "\r\n");
        REQUIRE(plain.responses.size() == 1);
        const std::string want = mask_kong_varying(replace_all(
            replace_all(json::parse(plain.responses[0].body, nullptr, false).value("raw_header", ""),
                        plain_m, m),
            s.kong->host_name("plain"), kSeedHost));
        const std::string got =
            mask_kong_varying(json::parse(r.body, nullptr, false).value("raw_header", ""));
        INFO("upstream saw:\n" << got);
        CHECK(got == want);
      }
    }

    // The Host a client sends reaches the outer head escaped and cut.
    struct HostCase {
      std::string host, outer;
    };
    const std::vector<HostCase> hosts = {
        {"h\xff%.example", "h%FF%25.example"},
        {std::string(300, 'a'), std::string(256, 'a')},
        {std::string(300, '%'), [] {
           std::string o;
           for (int i = 0; i < 256; ++i) o += "%25";
           return o;
         }()},
    };
    for (const auto& hc : hosts) {
      const std::string m = new_marker();
      ex = s.exchange("cap", get_line(m) + "Host: " + hc.host + "\r\nX-E2E-Tag: " + m + "\r\n\r\n");
      REQUIRE(ex.responses.size() == 1);
      CHECK(ex.responses[0].status == 200);
      CapturedMessage msg = s.message_for(m);
      REQUIRE(msg.found());
      check_outer(msg);
      CHECK(msg.header("X-Wallarm-Forwarded-Host") == hc.outer);
      CHECK(msg.head() == expected_head(get_line(m) + "Host: " + hc.host + "\r\nX-E2E-Tag: " + m + "\r\n\r\n"));
    }
    check_alive(s);
  }
}

TEST_CASE("e2e: hostile input: the reference node inspects the whole corpus and survives") {
  Stack s("hostile-ref", true);
  // Whole request messages: head-only ones (chunked bodies) come besides.
  auto whole_requests = [&] {
    return s.ref->metric("wallarm_node_messages_total{type=\"request\"}") -
           s.ref->metric("wallarm_node_head_messages_total");
  };
  const double before = whole_requests();
  REQUIRE(before >= 0);

  std::vector<Hostile> all;
  for (auto corpus : {limits_corpus(), crlf_corpus(), utf8_corpus(), framing_corpus()})
    for (auto& h : corpus) all.push_back(std::move(h));
  // Attacks wrapped in invalid UTF-8: still detected and blocked.
  for (const std::string& target :
       std::vector<std::string>{"?file=/etc/passwd&x=" + kBadUtf8,
                                "?id=1'+UNION+SELECT+password+FROM+users--" + kBadUtf8}) {
    Hostile h = passes(
        "attack with invalid UTF-8",
        [&](const std::string& m) { return get_start(m, target) + "\r\n"; },
        [](const std::string&) { return std::string(); });
    h.attack = true;
    all.push_back(h);
  }

  size_t accepted = 0;
  for (const auto& h : all) {
    CAPTURE(h.name);
    auto ex = s.exchange("ref", h.raw, 1, milliseconds(10000));
    REQUIRE(ex.responses.size() == 1);
    const int status = ex.responses[0].status;
    if (h.refused) {
      CHECK(status == h.refused);
      continue;
    }
    if (h.unknown_method && suite_format() == NodeFormat::mirror) {
      CHECK(status == 200);  // the node's 400 is no verdict: fallback pass
      continue;
    }
    ++accepted;
    if (h.attack)
      CHECK(status == 403);
    else
      CHECK((status == 200 || status == 403));
  }
  // One request message per accepted request, none malformed or failed.
  CHECK(eventually([&] { return whole_requests() >= before + static_cast<double>(accepted); }));
  std::this_thread::sleep_for(milliseconds(200));
  const std::string metrics = s.ref->metrics();
  INFO("node metrics:\n" << metrics);
  CHECK(whole_requests() == before + static_cast<double>(accepted));
  CHECK(metrics.find("\nwallarm_node_malformed_total{") == std::string::npos);
  CHECK(s.ref->metric("wallarm_node_detector_errors_total") == 0);
  check_alive(s);
}

// Headers nginx accepted and proxies must all reach the node. Rebuilt from
// ngx.req.raw_header(), they would not: it restores the NULs nginx wrote
// into its buffer by counting them across the whole head, so a header line
// without a colon (nginx: an empty value) turns every later ':' into LF,
// and a value with a trailing blank followed by a bare-LF end cuts the head
// short. The plugin reads nginx's own list of headers instead.
TEST_CASE("e2e: hostile input: a header line without a colon hides no later header") {
  Stack s("hostile-nocolon");
  const Hostile h = passes(
      "header line without a colon",
      [](const std::string& m) {
        return get_start(m) + "JustAName\r\nUser-Agent: x\r\nContent-Type: application/json\r\n\r\n";
      },
      [](const std::string& m) {
        return get_start(m) + "JustAName: \r\nUser-Agent: x\r\nContent-Type: application/json\r\n\r\n";
      });
  run(s, "cap", h);
  check_alive(s);
}

TEST_CASE("e2e: hostile input: a trailing blank and a bare-LF end hide no later header") {
  Stack s("hostile-trailing", true);
  // The headers after "Host: ... " reach the upstream, not the node.
  const Hostile h = passes(
      "trailing blank, then headers, then a bare LF",
      [](const std::string& m) {
        return get_line(m) + "Host: kong-lua-test.wallarm \r\nX-E2E-Tag: " + m +
               "\r\nUser-Agent: x\r\nX-Last: z\n\r\n";
      },
      [](const std::string& m) {
        return get_line(m) + "Host: kong-lua-test.wallarm\r\nX-E2E-Tag: " + m +
               "\r\nUser-Agent: x\r\nX-Last: z\r\n\r\n";
      });
  run(s, "cap", h);

  // An attack in a later header is seen, and blocked, either way.
  const std::string ua = "User-Agent: 1' UNION SELECT password FROM users--\r\n";
  for (const bool hide : {false, true}) {
    CAPTURE(hide);
    const std::string m = new_marker();
    const std::string raw = get_line(m) + "Host: kong-lua-test.wallarm" + (hide ? " " : "") +
                            "\r\n" + ua + (hide ? "X-Last: z\n\r\n" : "\r\n");
    auto ex = s.exchange("ref", raw);
    REQUIRE(ex.responses.size() == 1);
    CHECK(ex.responses[0].status == 403);
  }
  check_alive(s);
}

// request_body_limit 0 with a chunked body: no body bytes are sent, and
// with no Content-Length only X-Wallarm-Body-Truncated tells the node that
// there was a body, and how long.
TEST_CASE("e2e: hostile input: a chunked body withheld at request_body_limit 0 is announced") {
  Stack s("hostile-zero-chunked");
  const std::string m = new_marker();
  const std::string raw = "POST /" + m + " HTTP/1.1\r\n" + std_lines(m) +
                          "Transfer-Encoding: chunked\r\n\r\n64\r\n" + std::string(100, 'x') +
                          "\r\n0\r\n\r\n";
  auto ex = s.exchange("zero", raw);
  REQUIRE(ex.responses.size() == 1);
  CHECK(ex.responses[0].status == 200);
  CapturedMessage msg = s.message_for(m);
  REQUIRE(msg.found());
  check_outer(msg);
  CHECK(msg.body.empty());
  CHECK(msg.truncated == "100");
  check_alive(s);
}
