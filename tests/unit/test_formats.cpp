// The mirror and multipart formats (docs/protocol.md 12): golden messages,
// what cannot be replayed as is, the multipart boundary, health GETs.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "formats.h"
#include "message.h"
#include "message_builder.h"
#include "wallarm.h"

using wallarm::Outgoing;

namespace {

using unit::body_of;
using unit::has;
using unit::Msg;
using unit::outer_of;


Msg post_request() {
  Msg r;
  r.m.method = r.keep("POST");
  r.m.uri = r.keep("/api/items?x=1&y=%2e%2e");
  r.m.version = r.keep("1.1");
  r.header("Host", "api.example.com").header("Content-Type", "application/json");
  r.header("Content-Length", "7").header("Connection", "keep-alive");
  r.header("X-Dup", "a").header("x-dup", "b").header("X-Wallarm-Mode", "off");
  r.m.body = r.keep("{\"k\":1}");
  r.m.request_id = r.keep("3f2a-91c0");
  r.m.client_ip = r.keep("203.0.113.7");
  r.m.host = r.keep("api.example.com");
  return r;
}

Msg get_request(std::string uri) {
  Msg r;
  r.m.method = r.keep("GET");
  r.m.uri = r.keep(std::move(uri));
  r.header("Host", "shop.example").header("User-Agent", "curl/7.88.1");
  r.m.request_id = r.keep("9f1c2d");
  r.m.host = r.keep("shop.example");
  return r;
}

struct Encoder {
  Outgoing v1_tail, shape_tail, out;
  int32_t format;
  std::string prefix = "/node";
  std::string health_path;
  std::string last_err;
  explicit Encoder(int32_t f) : format(f) {
    wallarm::make_v1_tail(v1_tail, "kong", "9.9.9");
    wallarm::make_shape_tail(shape_tail, "kong", "9.9.9");
  }
  int32_t run(const wallarm_message_t& m, uint32_t flags = 0, uint32_t limit = 1 << 20) {
    wallarm::EncodeOptions o;
    o.format = format;
    o.flags = flags;
    o.body_limit = limit;
    o.path_prefix = prefix;
    o.health_path = health_path;
    o.v1_tail = v1_tail.outer;
    o.shape_tail = shape_tail.outer;
    const char* err = nullptr;
    int32_t rc = wallarm::encode(m, o, out, &err);
    last_err = err != nullptr ? err : "";
    return rc;
  }
};

const std::vector<std::string> kShapeTail = {
    "X-Wallarm-Connector-Type: kong", "X-Wallarm-Connector-Version: 9.9.9", "Expect:", "Accept:",
    "Content-Type:"};

std::vector<std::string> with_tail(std::vector<std::string> lines) {
  lines.insert(lines.end(), kShapeTail.begin(), kShapeTail.end());
  return lines;
}

// A temporary file with the given content, removed at the end of scope.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/wallarm-formats-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    close(fd);
    path = name;
  }
  ~TempFile() { unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("mirror: a request is replayed with its own method, target, header lines and body") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  Msg r = post_request();
  REQUIRE(e.run(r.m) == WALLARM_OK);
  CHECK(e.out.method == "POST");
  CHECK(e.out.target == "/node/api/items?x=1&y=%2e%2e");
  CHECK_FALSE(e.out.no_body);
  CHECK(body_of(e.out) == "{\"k\":1}");
  // Framing, hop-by-hop and X-Wallarm-* lines are not replayed.
  CHECK(outer_of(e.out) == with_tail({
                               "Host: api.example.com",
                               "Content-Type: application/json",
                               "X-Dup: a",
                               "x-dup: b",
                               "X-Wallarm-Connector-Mode: inline",
                               "X-Wallarm-Request-Id: 3f2a-91c0",
                               "X-Wallarm-Forwarded-For: 203.0.113.7",
                               "X-Wallarm-Forwarded-Host: api.example.com",
                               "X-Wallarm-Method: POST",
                           }));
  CHECK_FALSE(e.out.reshaped);
  CHECK(e.out.escaped == 0);
}

TEST_CASE("mirror: a request without a body is sent without one, and without Content-Length") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  Msg r = get_request("/etc/passwd");
  REQUIRE(e.run(r.m) == WALLARM_OK);
  CHECK(e.out.method == "GET");
  CHECK(e.out.no_body);
  CHECK(e.out.target == "/node/etc/passwd");

  // A body announced as empty keeps its (recomputed) Content-Length.
  Msg empty_post = post_request();
  empty_post.m.body = {nullptr, 0};
  REQUIRE(e.run(empty_post.m) == WALLARM_OK);
  CHECK_FALSE(e.out.no_body);
  CHECK(e.out.body.size() == 0);

  // An HTTP/2 body arrives without a length header: it is still sent.
  Msg h2 = get_request("/upload");
  h2.m.method = h2.keep("PUT");
  h2.m.body = h2.keep("data");
  REQUIRE(e.run(h2.m) == WALLARM_OK);
  CHECK_FALSE(e.out.no_body);
  CHECK(body_of(e.out) == "data");
}

TEST_CASE("mirror: the target is sent as received, dot segments, '#' and all") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  Msg r = get_request("/a/../../etc/passwd#x?q=<script>");
  REQUIRE(e.run(r.m) == WALLARM_OK);
  CHECK(e.out.target == "/node/a/../../etc/passwd#x?q=<script>");
  CHECK(e.out.escaped == 0);

  Msg spaced = get_request(std::string("/a b\x01\x7f", 6));
  REQUIRE(e.run(spaced.m) == WALLARM_OK);
  CHECK(e.out.target == "/node/a%20b%01%7F");
  CHECK(e.out.escaped == 3);
  CHECK(has(outer_of(e.out), "X-Wallarm-Escaped: 3"));

  e.prefix = "";  // a node URL with no path
  REQUIRE(e.run(r.m) == WALLARM_OK);
  CHECK(e.out.target == "/a/../../etc/passwd#x?q=<script>");
}

TEST_CASE("mirror: an absolute-form or asterisk target is reduced, and the original travels aside") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  struct Case {
    const char* uri;
    const char* target;
  } cases[] = {{"http://other.test/abs2?y=2", "/node/abs2?y=2"},
               {"http://other.test", "/node/"},
               {"http://other.test?q=1", "/node/?q=1"},
               {"*", "/node/"},
               {"other.test:443", "/node/"}};
  for (const Case& c : cases) {
    CAPTURE(c.uri);
    Msg r = get_request(c.uri);
    REQUIRE(e.run(r.m) == WALLARM_OK);
    CHECK(e.out.target == c.target);
    CHECK(e.out.reshaped);
    CHECK(has(outer_of(e.out), std::string("X-Wallarm-Request-Target: ") + c.uri));
  }
}

TEST_CASE("mirror: a method libcurl cannot replay goes as POST, named in X-Wallarm-Method") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  for (const char* method : {"CONNECT", "BAD METHOD", "GET\r\nX: 1"}) {
    CAPTURE(method);
    Msg r = get_request("/");
    r.m.method = r.keep(method);
    REQUIRE(e.run(r.m) == WALLARM_OK);
    CHECK(e.out.method == "POST");
    CHECK(e.out.reshaped);
  }
  Msg odd = get_request("/");
  odd.m.method = odd.keep("BAD METHOD");
  REQUIRE(e.run(odd.m) == WALLARM_OK);
  CHECK(has(outer_of(e.out), "X-Wallarm-Method: BAD%20METHOD"));

  // HEAD is replayed when it has no body (curl then reads no answer body)...
  Msg head = get_request("/");
  head.m.method = head.keep("HEAD");
  REQUIRE(e.run(head.m) == WALLARM_OK);
  CHECK(e.out.method == "HEAD");
  CHECK_FALSE(e.out.reshaped);
  // ...and goes as POST with one.
  head.m.body = head.keep("x");
  REQUIRE(e.run(head.m) == WALLARM_OK);
  CHECK(e.out.method == "POST");
  CHECK(e.out.reshaped);

  for (const char* method : {"PROPFIND", "PATCH", "M-SEARCH", "OPTIONS", "DELETE"}) {
    Msg r = get_request("/");
    r.m.method = r.keep(method);
    REQUIRE(e.run(r.m) == WALLARM_OK);
    CHECK(e.out.method == method);
    CHECK_FALSE(e.out.reshaped);
  }
}

TEST_CASE("mirror: header lines curl would drop or split are written so they arrive") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  Msg r = get_request("/");
  r.header("X-Empty", "").header("X-Blank", "  ").header("X-Crlf", "a\r\nInjected: 1");
  r.header("Bad Name", "v").header("", "nameless").header("Semi;colon", "");
  r.header("X-Wallarm\r", "not ours");  // a CR is no '-': not a connector header
  REQUIRE(e.run(r.m) == WALLARM_OK);
  auto outer = outer_of(e.out);
  CHECK(has(outer, "X-Empty;"));  // curl sends "Name;" as an empty header
  CHECK(has(outer, "X-Blank;"));
  CHECK(has(outer, "Semi%3Bcolon;"));  // else curl would read "Semi;" and drop the line
  CHECK(has(outer, "X-Wallarm%0D: not ours"));
  CHECK(has(outer, "X-Crlf: a%0D%0AInjected: 1"));
  CHECK(has(outer, "Bad%20Name: v"));
  for (const auto& line : outer) CHECK(line.find("nameless") == std::string::npos);
  CHECK(e.out.escaped == 6);  // CR, LF, the space, the nameless line, the ';', the CR
}

TEST_CASE("mirror: without a Host line, the host the gateway routed on") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  Msg r;
  r.m.method = r.keep("GET");
  r.m.uri = r.keep("/");
  r.m.request_id = r.keep("id1");
  r.m.host = r.keep("routed.example");
  REQUIRE(e.run(r.m) == WALLARM_OK);
  CHECK(outer_of(e.out).front() == "Host: routed.example");
}

TEST_CASE("mirror: a head sent alone has no body and announces the declared length") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  Msg r = post_request();
  r.m.body = {nullptr, 0};
  r.m.body_total = 5 << 20;
  REQUIRE(e.run(r.m, WALLARM_SUBMIT_HEAD_ONLY) == WALLARM_OK);
  CHECK(e.out.no_body);
  auto outer = outer_of(e.out);
  CHECK(has(outer, "Content-Length: 0"));  // a POST says so, or a node may wait for a body
  CHECK(has(outer, "X-Wallarm-Request-Part: head"));
  CHECK(has(outer, "X-Wallarm-Body-Truncated: 5242880"));
  CHECK(e.out.truncated);
}

TEST_CASE("mirror and multipart: out-of-band copies say so in the connector mode") {
  for (int32_t f : {WALLARM_FORMAT_MIRROR, WALLARM_FORMAT_MULTIPART}) {
    Encoder e(f);
    Msg r = get_request("/");
    REQUIRE(e.run(r.m, WALLARM_SUBMIT_OUT_OF_BAND) == WALLARM_OK);
    CHECK(has(outer_of(e.out), "X-Wallarm-Connector-Mode: out-of-band"));
  }
}

TEST_CASE("multipart: a request is a POST of a headers part and a body part") {
  Encoder e(WALLARM_FORMAT_MULTIPART);
  Msg r = post_request();
  REQUIRE(e.run(r.m) == WALLARM_OK);
  CHECK(e.out.method.empty());  // POST
  CHECK_FALSE(e.out.no_body);
  CHECK(e.out.target == "/node/api/items?x=1&y=%2e%2e");
  CHECK(body_of(e.out) ==
        "--WallarmBoundary3f2a91c0\r\n"
        "Content-Disposition: form-data; name=\"headers\"\r\n\r\n"
        "Host: api.example.com\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 7\r\n"
        "Connection: keep-alive\r\n"
        "X-Dup: a\r\n"
        "x-dup: b\r\n"
        "\r\n"
        "--WallarmBoundary3f2a91c0\r\n"
        "Content-Disposition: form-data; name=\"body\"\r\n\r\n"
        "{\"k\":1}\r\n"
        "--WallarmBoundary3f2a91c0--\r\n");
  CHECK(outer_of(e.out) ==
        with_tail({"Content-Type: multipart/form-data; boundary=WallarmBoundary3f2a91c0",
                   "X-Wallarm-Connector-Mode: inline", "X-Wallarm-Request-Id: 3f2a-91c0",
                   "X-Wallarm-Forwarded-For: 203.0.113.7",
                   "X-Wallarm-Forwarded-Host: api.example.com", "X-Wallarm-Method: POST"}));
}

TEST_CASE("multipart: the boundary gets a -N suffix when a part holds it") {
  Encoder e(WALLARM_FORMAT_MULTIPART);
  Msg r = get_request("/");
  r.m.body = r.keep("x WallarmBoundary9f1c2d y WallarmBoundary9f1c2d-1 z");
  REQUIRE(e.run(r.m) == WALLARM_OK);
  REQUIRE(wallarm::finish_body(e.out) == WALLARM_OK);  // on the engine thread
  std::string b = body_of(e.out);
  CHECK(b.rfind("--WallarmBoundary9f1c2d-2\r\n", 0) == 0);
  CHECK(b.find("\r\n--WallarmBoundary9f1c2d-2--\r\n") == b.size() - 31);
  CHECK(has(outer_of(e.out), "Content-Type: multipart/form-data; boundary=WallarmBoundary9f1c2d-2"));
  CHECK(b.find(r.storage.back()) != std::string::npos);  // the body part intact

  Msg in_header = get_request("/");
  in_header.header("Referer", "http://x/WallarmBoundary9f1c2d");
  REQUIRE(e.run(in_header.m) == WALLARM_OK);
  REQUIRE(wallarm::finish_body(e.out) == WALLARM_OK);
  CHECK(body_of(e.out).rfind("--WallarmBoundary9f1c2d-1\r\n", 0) == 0);
}

TEST_CASE("multipart: a boundary found in the body file is replaced once the file is read") {
  TempFile file("file part WallarmBoundary9f1c2d end");
  Encoder e(WALLARM_FORMAT_MULTIPART);
  Msg r = get_request("/upload");
  r.m.body = r.keep("mem ");
  r.m.body_file = file.path.c_str();
  REQUIRE(e.run(r.m) == WALLARM_OK);
  CHECK(has(outer_of(e.out), "Content-Type: multipart/form-data; boundary=WallarmBoundary9f1c2d"));
  REQUIRE(wallarm::finish_body(e.out) == WALLARM_OK);
  CHECK(body_of(e.out) ==
        "--WallarmBoundary9f1c2d-1\r\n"
        "Content-Disposition: form-data; name=\"headers\"\r\n\r\n"
        "Host: shop.example\r\nUser-Agent: curl/7.88.1\r\n"
        "\r\n"
        "--WallarmBoundary9f1c2d-1\r\n"
        "Content-Disposition: form-data; name=\"body\"\r\n\r\n"
        "mem file part WallarmBoundary9f1c2d end\r\n"
        "--WallarmBoundary9f1c2d-1--\r\n");
  auto outer = outer_of(e.out);
  CHECK(outer.front() == "Content-Type: multipart/form-data; boundary=WallarmBoundary9f1c2d-1");
  CHECK(outer.back() == "Content-Type:");  // still linked to the shared tail
}

TEST_CASE("multipart: a request id that cannot make a boundary is refused, naming the field") {
  Encoder e(WALLARM_FORMAT_MULTIPART);
  for (std::string id : {std::string("a b"), std::string("x\"y"), std::string(65, 'a')}) {
    Msg r = get_request("/");
    r.m.request_id = r.keep(id);
    CHECK(e.run(r.m) == WALLARM_EINVAL);
    CHECK(e.last_err.rfind("request_id:", 0) == 0);
  }
}

TEST_CASE("mirror and multipart: a response is multipart, posted to its request's path") {
  for (int32_t f : {WALLARM_FORMAT_MIRROR, WALLARM_FORMAT_MULTIPART}) {
    Encoder e(f);
    Msg r(WALLARM_MSG_RESPONSE);
    r.m.status = 404;
    r.m.method = r.keep("GET");
    r.m.uri = r.keep("/missing?x=1");
    r.header("Content-Type", "text/plain");
    r.m.body = r.keep("not found");
    r.m.request_id = r.keep("77aa");
    REQUIRE(e.run(r.m) == WALLARM_OK);
    CHECK(e.out.method.empty());
    CHECK(e.out.target == "/node/missing?x=1");
    CHECK(body_of(e.out) ==
          "--WallarmBoundary77aa\r\nContent-Disposition: form-data; name=\"headers\"\r\n\r\n"
          "Content-Type: text/plain\r\n\r\n"
          "--WallarmBoundary77aa\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n"
          "not found\r\n--WallarmBoundary77aa--\r\n");
    auto outer = outer_of(e.out);
    CHECK(has(outer, "X-Wallarm-Response-Status: 404"));
    CHECK(has(outer, "X-Wallarm-Method: GET"));

    r.m.uri = {nullptr, 0};  // a response without its request's target
    r.m.method = {nullptr, 0};
    REQUIRE(e.run(r.m) == WALLARM_OK);
    CHECK(e.out.target == "/node/");
    CHECK_FALSE(e.out.reshaped);
  }
}

TEST_CASE("health: a GET of the health path, or else a v1 health message") {
  Encoder e(WALLARM_FORMAT_MIRROR);
  Msg h(WALLARM_MSG_HEALTH);
  REQUIRE(e.run(h.m) == WALLARM_OK);
  CHECK(e.out.method.empty());
  CHECK_FALSE(e.out.only_200);
  CHECK(outer_of(e.out).front() == "X-Wallarm-Message-Type: health");
  CHECK(has(outer_of(e.out), "X-Wallarm-Protocol: 1"));

  e.health_path = "/wallarm-external-health";
  REQUIRE(e.run(h.m) == WALLARM_OK);
  CHECK(e.out.method == "GET");
  CHECK(e.out.target == "/wallarm-external-health");  // from the host, not the URL path
  CHECK(e.out.no_body);
  CHECK(e.out.only_200);
  CHECK(outer_of(e.out).empty());  // a plain GET: no connector headers
}

TEST_CASE("v1: the format of a target with format 0 is unchanged") {
  Encoder e(WALLARM_FORMAT_V1);
  Msg r = post_request();
  REQUIRE(e.run(r.m) == WALLARM_OK);
  CHECK(e.out.method.empty());
  CHECK(e.out.target.empty());
  CHECK(body_of(e.out).rfind("POST /api/items?x=1&y=%2e%2e HTTP/1.1\r\n", 0) == 0);
}
