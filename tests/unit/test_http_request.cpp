// The request heads the engine frames itself, byte for byte against what
// libcurl sends for the same message with the options the engine gave it
// before it framed HTTP/1.1 itself: every format, every kind of message,
// and the header list's special forms.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "formats.h"
#include "http_request.h"
#include "message.h"
#include "message_builder.h"

using unit::Msg;

namespace {

// Listens on 127.0.0.1; take() accepts one connection, reads one request
// (head, then Content-Length bytes), answers 200 and returns the bytes.
class Capture {
 public:
  Capture() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 4) == 0);
  }
  ~Capture() { ::close(fd_); }
  uint16_t port() const { return port_; }

  std::string take() {
    int c = ::accept(fd_, nullptr, nullptr);
    std::string got;
    char buf[65536];
    size_t want = std::string::npos;
    while (want == std::string::npos || got.size() < want) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      size_t end = got.find("\r\n\r\n");
      if (want == std::string::npos && end != std::string::npos) {
        size_t cl = got.find("\r\nContent-Length: ");
        want = end + 4 + (cl != std::string::npos && cl < end ? std::stoul(got.substr(cl + 18)) : 0);
      }
    }
    const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(c, answer, sizeof answer - 1, MSG_NOSIGNAL);
    ::close(c);
    return got;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// What libcurl sent for out, with the options the engine set per message.
std::string sent_by_curl(Capture& cap, const std::string& url, const wallarm::Outgoing& out) {
  std::string got;
  std::thread server([&] { got = cap.take(); });
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 5000L);
  if (out.no_body) {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, out.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(out.body.size()));
  }
  if (out.method == "HEAD")
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  else if (!out.method.empty())
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, out.method.c_str());
  if (!out.target.empty()) curl_easy_setopt(easy, CURLOPT_REQUEST_TARGET, out.target.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, out.outer);
  CURLcode rc = curl_easy_perform(easy);
  curl_easy_cleanup(easy);
  server.join();
  CHECK(rc == CURLE_OK);
  return got;
}

std::string framed(const std::string& url, const wallarm::Outgoing& out) {
  CURLU* u = curl_url();
  REQUIRE(curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK);
  wallarm::NodeAddress node;
  REQUIRE(wallarm::node_address_of(u, &node));
  curl_url_cleanup(u);
  wallarm::Buffer head;
  wallarm::frame_head(out, node, head);
  std::string wire(head.data(), head.size());
  if (!out.no_body) wire.append(out.body.data(), out.body.size());
  return wire;
}

struct Tails {
  wallarm::Outgoing v1, shape;
  Tails() {
    wallarm::make_v1_tail(v1, "kong", "1.2.3");
    wallarm::make_shape_tail(shape, "kong", "1.2.3");
  }
};

void encode(Msg& m, int32_t format, uint32_t flags, const Tails& tails, wallarm::Outgoing& out) {
  wallarm::EncodeOptions o;
  o.format = format;
  o.flags = flags;
  o.body_limit = 1 << 20;
  o.path_prefix = "/node";
  o.v1_tail = tails.v1.outer;
  o.shape_tail = tails.shape.outer;
  const char* err = nullptr;
  REQUIRE(wallarm::encode(m.m, o, out, &err) == WALLARM_OK);
  REQUIRE(wallarm::finish_body(out) == WALLARM_OK);
}

Msg request(const std::string& method, const std::string& body = "") {
  Msg m;
  m.m.method = m.keep(method);
  m.m.uri = m.keep("/a/b?c=d");
  m.m.version = m.keep("HTTP/1.1");
  m.m.request_id = m.keep("id-1");
  m.m.client_ip = m.keep("10.0.0.1");
  m.m.host = m.keep("shop.example");
  m.m.body = m.keep(body);
  return m;
}

}  // namespace

TEST_CASE("framing: every format's messages are the bytes curl sent") {
  Capture cap;
  Tails tails;
  const std::string port = std::to_string(cap.port());
  const std::string urls[] = {
      "http://127.0.0.1:" + port + "/",
      "http://localhost:" + port + "/wallarm/inspect",
      "http://us%20er:p%40ss@127.0.0.1:" + port + "/base",
  };
  for (const std::string& url : urls) {
    for (int32_t format : {WALLARM_FORMAT_V1, WALLARM_FORMAT_MIRROR, WALLARM_FORMAT_MULTIPART}) {
      CAPTURE(url);
      CAPTURE(format);
      struct Case {
        const char* name;
        Msg msg;
        uint32_t flags;
      };
      std::vector<Case> cases;
      cases.push_back({"GET, typical headers", request("GET"), 0});
      cases.back().msg.header("Host", "shop.example").header("Accept", "application/json")
          .header("User-Agent", "ua").header("Cookie", "a=b");
      cases.push_back({"POST with a body", request("POST", "{\"q\":1}"), 0});
      cases.back().msg.header("Content-Type", "application/json").header("Content-Length", "7");
      cases.push_back({"a bodiless POST", request("POST"), 0});
      cases.push_back({"HEAD", request("HEAD"), 0});
      cases.push_back({"PUT, head alone", request("PUT"), WALLARM_SUBMIT_HEAD_ONLY});
      cases.push_back({"an empty and a lower-case Host", request("DELETE"), 0});
      cases.back().msg.header("host", "").header("HOST", "second");
      cases.push_back({"the client's Authorization and Expect", request("PATCH", "x"), 0});
      cases.back().msg.header("Authorization", "Bearer t").header("Expect", "100-continue")
          .header("X-Empty", "").header("Accept-Language", "en");
      cases.push_back({"out of band", request("OPTIONS"), WALLARM_SUBMIT_OUT_OF_BAND});
      Msg response(WALLARM_MSG_RESPONSE);
      response.m.status = 404;
      response.m.request_id = response.keep("id-2");
      response.m.body = response.keep("not here");
      response.header("Content-Type", "text/plain");
      cases.push_back({"a response", std::move(response), 0});
      cases.push_back({"a health message", Msg(WALLARM_MSG_HEALTH), 0});
      for (Case& c : cases) {
        CAPTURE(c.name);
        wallarm::Outgoing out;
        encode(c.msg, format, c.flags, tails, out);
        CHECK(framed(url, out) == sent_by_curl(cap, url, out));
      }
    }
  }
}

TEST_CASE("framing: a batch is the bytes curl sent") {
  Capture cap;
  Tails tails;
  const std::string url = "http://127.0.0.1:" + std::to_string(cap.port()) + "/";
  wallarm::Outgoing parts[2], batch;
  Msg a = request("GET"), b = request("POST", "body");
  encode(a, WALLARM_FORMAT_V1, WALLARM_SUBMIT_OUT_OF_BAND, tails, parts[0]);
  encode(b, WALLARM_FORMAT_V1, WALLARM_SUBMIT_OUT_OF_BAND, tails, parts[1]);
  wallarm::Outgoing batch_tail;
  wallarm::make_v1_tail(batch_tail, "kong", "1.2.3", wallarm::protocol::kBatchContentType);
  wallarm::set_batch_outer(batch, 2, batch_tail.outer);
  for (auto& p : parts) wallarm::append_batch_part(batch.body, p);
  CHECK(framed(url, batch) == sent_by_curl(cap, url, batch));
}

TEST_CASE("framing: the node URL's port, path, query and credentials") {
  auto address = [](const std::string& url) {
    CURLU* u = curl_url();
    REQUIRE(curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK);
    wallarm::NodeAddress a;
    REQUIRE(wallarm::node_address_of(u, &a));
    curl_url_cleanup(u);
    return a;
  };
  auto a = address("http://node:80");
  CHECK(a.host_line == "Host: node");
  CHECK(a.target == "/");
  CHECK(a.auth_line.empty());
  a = address("https://node:443/x/y?z=1");
  CHECK(a.host_line == "Host: node");
  CHECK(a.target == "/x/y?z=1");
  a = address("https://[::1]:8443/p");
  CHECK(a.host_line == "Host: [::1]:8443");
  a = address("http://Aladdin:open%20sesame@node:8080/");
  CHECK(a.host_line == "Host: node:8080");
  CHECK(a.auth_line == "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}
