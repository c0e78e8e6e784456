// Protocol v1 serializer: golden messages, escaping, truncation, bodies.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "message.h"
#include "message_builder.h"
#include "wallarm.h"

using wallarm::Outgoing;

namespace {

using unit::body_of;
using unit::has;
using unit::Msg;
using unit::outer_of;


Msg typical_request() {
  Msg r;
  r.m.method = r.keep("POST");
  r.m.uri = r.keep("/api/v1/items?x=1&y=%2e%2e");
  r.m.version = r.keep("1.1");
  r.header("Host", "api.example.com").header("Content-Type", "application/json");
  r.header("X-Dup", "a").header("x-dup", "b");
  r.m.body = r.keep("{\"k\":1}");
  r.m.request_id = r.keep("req-123");
  r.m.client_ip = r.keep("203.0.113.7");
  r.m.host = r.keep("api.example.com");
  return r;
}

struct Serializer {
  Outgoing constant;
  Outgoing out;
  Serializer() { wallarm::make_v1_tail(constant, "kong", "9.9.9"); }
  int32_t run(const wallarm_message_t& m, uint32_t flags = 0, uint32_t limit = 1 << 20) {
    const char* err = nullptr;
    int32_t rc = wallarm::encode(m, wallarm::v1_options(flags, limit, constant.outer), out, &err);
    last_err = err != nullptr ? err : "";
    return rc;
  }
  std::string last_err;
};

}  // namespace

TEST_CASE("message: a request is serialized exactly as the protocol says") {
  Serializer s;
  Msg r = typical_request();
  REQUIRE(s.run(r.m) == WALLARM_OK);
  CHECK(body_of(s.out) ==
        "POST /api/v1/items?x=1&y=%2e%2e HTTP/1.1\r\n"
        "Host: api.example.com\r\n"
        "Content-Type: application/json\r\n"
        "X-Dup: a\r\n"
        "x-dup: b\r\n"
        "\r\n"
        "{\"k\":1}");
  auto outer = outer_of(s.out);
  CHECK(outer == std::vector<std::string>{
                     "X-Wallarm-Message-Type: request",
                     "X-Wallarm-Request-Id: req-123",
                     "X-Wallarm-Forwarded-For: 203.0.113.7",
                     "X-Wallarm-Forwarded-Host: api.example.com",
                     "Content-Type: message/http",
                     "X-Wallarm-Protocol: 1",
                     "X-Wallarm-Connector-Type: kong",
                     "X-Wallarm-Connector-Version: 9.9.9",
                     "Expect:",
                 });
  CHECK_FALSE(s.out.truncated);
  CHECK(s.out.escaped == 0);
}

TEST_CASE("message: a response carries the status line, its headers and the request id") {
  Serializer s;
  Msg r(WALLARM_MSG_RESPONSE);
  r.m.status = 404;
  r.m.version = r.keep("HTTP/1.0");
  r.header("Content-Length", "9");
  r.m.body = r.keep("not found");
  r.m.request_id = r.keep("req-123");
  REQUIRE(s.run(r.m) == WALLARM_OK);
  CHECK(body_of(s.out) == "HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
  auto outer = outer_of(s.out);
  CHECK(has(outer, "X-Wallarm-Message-Type: response"));
  CHECK(has(outer, "X-Wallarm-Request-Id: req-123"));

  r.m.status = 599;  // no reason phrase known: an empty one
  REQUIRE(s.run(r.m) == WALLARM_OK);
  CHECK(body_of(s.out).rfind("HTTP/1.0 599 \r\n", 0) == 0);
}

TEST_CASE("message: a health message has no body and only its type") {
  Serializer s;
  wallarm_message_t m{};
  m.type = WALLARM_MSG_HEALTH;
  REQUIRE(s.run(m) == WALLARM_OK);
  CHECK(s.out.body.size() == 0);
  auto outer = outer_of(s.out);
  CHECK(outer.front() == "X-Wallarm-Message-Type: health");
  CHECK(has(outer, "X-Wallarm-Connector-Type: kong"));
}

TEST_CASE("message: CR, LF and NUL are escaped, counted and never dropped") {
  Serializer s;
  Msg r;
  r.m.method = r.keep("GET");
  r.m.uri = r.keep(std::string("/a b\r\n\0c", 8));
  r.m.request_id = r.keep("id");
  r.header(std::string("X-Bad\r\nInjected: 1", 18), std::string("v\r\nX-Evil: 1\0end", 16));
  r.header("Colon:Name", "ok\tstill ok");
  REQUIRE(s.run(r.m) == WALLARM_OK);
  CHECK(body_of(s.out) ==
        "GET /a%20b%0D%0A%00c HTTP/1.1\r\n"
        "X-Bad%0D%0AInjected%3A%201: v%0D%0AX-Evil: 1%00end\r\n"
        "Colon%3AName: ok\tstill ok\r\n"
        "\r\n");
  // uri: SP CR LF NUL = 4; name: CR LF ':' SP = 4; value: CR LF NUL = 3; name ':' = 1
  CHECK(s.out.escaped == 12);
  CHECK(has(outer_of(s.out), "X-Wallarm-Escaped: 12"));
}

TEST_CASE("message: outer header values cannot inject headers or forge fields") {
  Serializer s;
  Msg r = typical_request();
  r.m.request_id = r.keep("id\r\nX-Wallarm-Request-Id: forged");
  r.m.host = r.keep("h\xff%");
  r.m.client_ip = r.keep(" 1.2.3.4");
  REQUIRE(s.run(r.m) == WALLARM_OK);
  auto outer = outer_of(s.out);
  CHECK(has(outer, "X-Wallarm-Request-Id: id%0D%0AX-Wallarm-Request-Id:%20forged"));
  CHECK(has(outer, "X-Wallarm-Forwarded-Host: h%FF%25"));
  CHECK(has(outer, "X-Wallarm-Forwarded-For: %201.2.3.4"));
  for (auto& line : outer) CHECK(line.find_first_of("\r\n") == std::string::npos);
}

TEST_CASE("message: bodies over the limit are cut and marked with the original length") {
  Serializer s;
  Msg r = typical_request();
  std::string big(10000, 'x');
  r.m.body = r.keep(big);
  REQUIRE(s.run(r.m, 0, 4096) == WALLARM_OK);
  std::string b = body_of(s.out);
  CHECK(b.size() - b.find("\r\n\r\n") - 4 == 4096);
  CHECK(s.out.truncated);
  CHECK(has(outer_of(s.out), "X-Wallarm-Body-Truncated: 10000"));

  SUBCASE("a caller that already cut the body tells the original length") {
    r.m.body = r.keep("abc");
    r.m.body_total = 123456;
    REQUIRE(s.run(r.m) == WALLARM_OK);
    CHECK(has(outer_of(s.out), "X-Wallarm-Body-Truncated: 123456"));
  }
  SUBCASE("a body exactly at the limit is not truncated") {
    r.m.body = r.keep(std::string(4096, 'y'));
    REQUIRE(s.run(r.m, 0, 4096) == WALLARM_OK);
    CHECK_FALSE(s.out.truncated);
  }
  SUBCASE("a zero limit sends headers only, marked") {
    REQUIRE(s.run(r.m, 0, 0) == WALLARM_OK);
    CHECK(body_of(s.out).size() == body_of(s.out).find("\r\n\r\n") + 4);
    CHECK(s.out.truncated);
  }
}

TEST_CASE("message: empty and binary bodies are carried byte for byte") {
  Serializer s;
  Msg r = typical_request();
  r.m.body = {nullptr, 0};
  REQUIRE(s.run(r.m) == WALLARM_OK);
  CHECK(body_of(s.out).size() >= 4);
  CHECK(body_of(s.out).substr(body_of(s.out).size() - 4) == "\r\n\r\n");

  std::string bin;
  for (int i = 0; i < 256; ++i) bin.push_back(static_cast<char>(i));
  bin += "\r\n\r\n";
  r.m.body = r.keep(bin);
  REQUIRE(s.run(r.m) == WALLARM_OK);
  std::string b = body_of(s.out);
  CHECK(b.substr(b.find("\r\n\r\n") + 4) == bin);
  CHECK(s.out.escaped == 0);
}

TEST_CASE("message: the out-of-band flag marks the copy") {
  Serializer s;
  Msg r = typical_request();
  REQUIRE(s.run(r.m, WALLARM_SUBMIT_OUT_OF_BAND) == WALLARM_OK);
  CHECK(has(outer_of(s.out), "X-Wallarm-Out-Of-Band: 1"));
}

TEST_CASE("message: a head-only message carries the head, the declared length and its part") {
  Serializer s;
  Msg r = typical_request();
  r.m.body = {nullptr, 0};
  r.m.body_total = 52428800;
  REQUIRE(s.run(r.m, WALLARM_SUBMIT_HEAD_ONLY) == WALLARM_OK);
  auto outer = outer_of(s.out);
  CHECK(has(outer, "X-Wallarm-Request-Part: head"));
  CHECK(has(outer, "X-Wallarm-Body-Truncated: 52428800"));
  std::string b = body_of(s.out);
  CHECK(b.substr(b.size() - 4) == "\r\n\r\n");
  CHECK(b.rfind("POST /api/v1/items?x=1&y=%2e%2e HTTP/1.1\r\n", 0) == 0);

  SUBCASE("a length not known yet: no truncation header, the part says the body is withheld") {
    r.m.body_total = -1;
    REQUIRE(s.run(r.m, WALLARM_SUBMIT_HEAD_ONLY) == WALLARM_OK);
    CHECK(has(outer_of(s.out), "X-Wallarm-Request-Part: head"));
    for (auto& h : outer_of(s.out)) CHECK(h.find("Body-Truncated") == std::string::npos);
  }
  SUBCASE("body bytes are refused, not silently dropped") {
    r.m.body = r.keep("x");
    CHECK(s.run(r.m, WALLARM_SUBMIT_HEAD_ONLY) == WALLARM_EINVAL);
    CHECK(s.last_err.find("body") != std::string::npos);
  }
  SUBCASE("only requests have a head part") {
    Msg resp(WALLARM_MSG_RESPONSE);
    resp.m.status = 200;
    resp.m.request_id = resp.keep("req-1");
    CHECK(s.run(resp.m, WALLARM_SUBMIT_HEAD_ONLY) == WALLARM_EINVAL);
    CHECK(s.last_err.find("HEAD_ONLY") != std::string::npos);
  }
  SUBCASE("an ordinary message has no part header") {
    REQUIRE(s.run(r.m) == WALLARM_OK);
    for (auto& h : outer_of(s.out)) CHECK(h.find("Request-Part") == std::string::npos);
  }
}

TEST_CASE("message: a body file is reserved at submit and read by the engine side") {
  char path[] = "/tmp/wallarm-body-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::string content(5000, 'f');
  REQUIRE(write(fd, content.data(), content.size()) == 5000);
  close(fd);

  Serializer s;
  Msg r = typical_request();
  r.m.body = r.keep("MEM");
  r.m.body_file = path;
  REQUIRE(s.run(r.m, 0, 1000) == WALLARM_OK);
  unlink(path);  // the open descriptor keeps it readable, as nginx may do the same
  CHECK(s.out.truncated);
  CHECK(has(outer_of(s.out), "X-Wallarm-Body-Truncated: 5003"));
  REQUIRE(wallarm::finish_body(s.out) == WALLARM_OK);
  std::string b = body_of(s.out);
  CHECK(b.substr(b.find("\r\n\r\n") + 4) == "MEM" + std::string(997, 'f'));
  CHECK(s.out.file_fd == -1);

  r.m.body_file = "/nonexistent/file";
  CHECK(s.run(r.m) == WALLARM_EIO);
}

TEST_CASE("message: invalid messages are refused with the field named") {
  Serializer s;
  Msg r = typical_request();
  r.m.request_id = {nullptr, 0};
  CHECK(s.run(r.m) == WALLARM_EINVAL);
  CHECK(s.last_err.find("request_id") != std::string::npos);

  r = typical_request();
  r.m.method = {nullptr, 0};
  CHECK(s.run(r.m) == WALLARM_EINVAL);
  CHECK(s.last_err.find("method") != std::string::npos);

  r = typical_request();
  r.m.uri = {nullptr, 5};
  CHECK(s.run(r.m) == WALLARM_EINVAL);

  r = typical_request();
  r.m.type = 7;
  CHECK(s.run(r.m) == WALLARM_EINVAL);
  CHECK(s.last_err.find("type") != std::string::npos);

  Msg resp(WALLARM_MSG_RESPONSE);
  resp.m.request_id = resp.keep("x");
  resp.m.status = 42;
  CHECK(s.run(resp.m) == WALLARM_EINVAL);
  CHECK(s.last_err.find("status") != std::string::npos);
}

TEST_CASE("message: a reused buffer holds no bytes of the previous message") {
  Serializer s;
  Msg big = typical_request();
  big.m.body = big.keep(std::string(3000, 'z'));
  REQUIRE(s.run(big.m) == WALLARM_OK);
  Msg small = typical_request();
  REQUIRE(s.run(small.m) == WALLARM_OK);
  CHECK(body_of(s.out).find('z') == std::string::npos);
  CHECK(body_of(s.out).substr(body_of(s.out).size() - 7) == "{\"k\":1}");
}

namespace {

// The escaping rules of docs/protocol.md, written plainly.
std::string reference_escape(const std::string& s, bool (*escaped)(unsigned char)) {
  std::string out;
  char hex[4];
  for (unsigned char c : s) {
    if (escaped(c)) {
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("message: escaping matches the documented byte classes on random input") {
  auto token = [](unsigned char c) { return c <= 0x20 || c == 0x7f || c == ':'; };
  auto uri = [](unsigned char c) { return c <= 0x20 || c == 0x7f; };
  auto value = [](unsigned char c) { return c == '\r' || c == '\n' || c == 0; };
  auto outer = [](unsigned char c) { return c < 0x21 || c > 0x7e || c == '%'; };
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  Serializer s;
  for (int round = 0; round < 500; ++round) {
    std::string name, val, path = "/";
    size_t len = next() % 40;
    // Mostly printable, sometimes any byte: exercises both the word and byte paths.
    auto byte = [&] {
      uint64_t r = next();
      return static_cast<char>(r % 8 == 0 ? (r >> 8) & 0xff : 0x21 + (r >> 8) % 94);
    };
    for (size_t i = 0; i < len; ++i) name += byte();
    for (size_t i = 0; i < len + 3; ++i) val += byte();
    for (size_t i = 0; i < len; ++i) path += byte();
    Msg r;
    r.m.method = r.keep("GET");
    r.m.uri = r.keep(path);
    r.m.request_id = r.keep("id" + val);
    r.header(name, val);
    REQUIRE(s.run(r.m) == WALLARM_OK);
    CHECK(outer_of(s.out)[1] == "X-Wallarm-Request-Id: " + reference_escape("id" + val, outer));
    std::string expect = "GET " + reference_escape(path, uri) + " HTTP/1.1\r\n" +
                         reference_escape(name, token) + ": " + reference_escape(val, value) +
                         "\r\n\r\n";
    CHECK(body_of(s.out) == expect);
  }
}

TEST_CASE("message: the version token accepts 1.1, HTTP/1.1 and http/1.1") {
  Serializer s;
  Msg r = typical_request();
  for (const char* v : {"http/1.0", "HTTP/1.0", "1.0"}) {
    r.m.version = r.keep(v);
    REQUIRE(s.run(r.m) == WALLARM_OK);
    CHECK(body_of(s.out).rfind("POST /api/v1/items?x=1&y=%2e%2e HTTP/1.0\r\n", 0) == 0);
  }
  for (const char* v : {"", "HTTP/"}) {
    r.m.version = r.keep(v);
    REQUIRE(s.run(r.m) == WALLARM_OK);
    CHECK(body_of(s.out).find(" HTTP/1.1\r\n") != std::string::npos);
  }
}

TEST_CASE("message: outer header values are bounded, the embedded headers stay whole") {
  Serializer s;
  Msg r = typical_request();
  std::string host(5000, 'h');
  r.m.host = r.keep(host);
  r.header("Host", host);
  r.m.request_id = r.keep(std::string(1000, 'i'));
  REQUIRE(s.run(r.m) == WALLARM_OK);
  auto outer = outer_of(s.out);
  CHECK(has(outer, "X-Wallarm-Forwarded-Host: " + std::string(256, 'h')));
  CHECK(has(outer, "X-Wallarm-Request-Id: " + std::string(128, 'i')));
  CHECK(body_of(s.out).find("Host: " + host + "\r\n") != std::string::npos);
}

TEST_CASE("message: a status line with a short version and a long reason fits its buffer") {
  Serializer s;
  for (int status : {415, 422, 500, 503}) {
    Msg r(WALLARM_MSG_RESPONSE);
    r.m.status = status;
    r.m.version = r.keep("2");
    r.m.request_id = r.keep("i");
    REQUIRE(s.run(r.m) == WALLARM_OK);  // ASan watches the bound
    CHECK(body_of(s.out).rfind("HTTP/2 " + std::to_string(status) + " ", 0) == 0);
  }
}
