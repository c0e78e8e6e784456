// Traffic that is not a plain HTTP/1.1 exchange: a WebSocket upgrade, HTTP/2
// and gRPC. What the node gets of each, and that the traffic passes unharmed.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "servers.h"
#include "test_util.h"

using namespace e2e;
using std::chrono::milliseconds;

namespace {

// A blocking loopback connection with a receive deadline, closed on scope exit.
class Connection {
 public:
  explicit Connection(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Connection() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool ok() const { return ok_; }
  bool send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until `until` is in what was read, the peer closes or `timeout` passes.
  std::string read_until(const std::string& until, milliseconds timeout) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got.find(until) == std::string::npos) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

 private:
  int fd_;
  bool ok_ = false;
};

std::string first_line(const std::string& s) { return s.substr(0, s.find("\r\n")); }

// The request message (whole, or its head alone) of an HTTP/2 request
// tagged `tag`: HTTP/2 header names arrive in lower case.
CapturedMessage h2_tagged(CaptureNode& node, const std::string& tag, bool head_only = false) {
  return node.wait_for(
      [&](const CapturedMessage& m) {
        return m.type == "request" && m.head_only == head_only && m.has_exact_line("x-e2e-tag: " + tag);
      },
      milliseconds(5000));
}

std::vector<CapturedMessage> responses_for(CaptureNode& node, const std::string& request_id) {
  std::vector<CapturedMessage> out;
  for (auto& m : node.messages())
    if (m.type == "response" && m.request_id() == request_id) out.push_back(m);
  return out;
}

// A gRPC message frame: not compressed, 4-byte big-endian length, bytes.
std::string grpc_frame(const std::string& message) {
  std::string f(5, '\0');
  const uint32_t n = static_cast<uint32_t>(message.size());
  f[1] = static_cast<char>(n >> 24);
  f[2] = static_cast<char>(n >> 16);
  f[3] = static_cast<char>(n >> 8);
  f[4] = static_cast<char>(n);
  return f + message;
}

}  // namespace

TEST_CASE("e2e: a WebSocket's 101 reaches the node when the socket opens, frames pass uninspected") {
  TempDir dir("websocket");
  CaptureNode capture;
  Kong kong(dir.path(), {{"main", plugin(node_config(capture.url()))}});
  kong.start();

  const std::string tag = unique_tag("ws");
  Connection ws(kong.proxy_port());
  REQUIRE(ws.ok());
  REQUIRE(ws.send("GET /ws HTTP/1.1\r\n" + kHost +
                  "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                  "X-E2E-Tag: " + tag + "\r\n\r\n"));
  const std::string head = ws.read_until("\r\n\r\n", milliseconds(5000));
  INFO("answer: " << head);
  REQUIRE(head.rfind("HTTP/1.1 101 ", 0) == 0);
  CHECK(head.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);

  CapturedMessage request = capture.request_tagged(tag);
  REQUIRE(request.found());
  CHECK(request.format == suite_format());
  // The client's Upgrade and Connection lines: mirror replays neither (12.2).
  CHECK(request.has_exact_line("Upgrade: websocket") == (suite_format() != NodeFormat::mirror));
  CHECK(request.has_exact_line("Connection: Upgrade") == (suite_format() != NodeFormat::mirror));
  CHECK(request.has_exact_line("Sec-WebSocket-Version: 13"));
  const std::string id = request.request_id();
  // While the socket is open (it stays open for 30 s): the response
  // message of the upgrade.
  CapturedMessage upgrade = capture.response_for(id);
  REQUIRE(upgrade.found());
  CHECK_MESSAGE(upgrade.problem.empty(), upgrade.problem);
  CHECK(upgrade.status == 101);
  if (suite_format() == NodeFormat::v1)
    CHECK(upgrade.outer_body.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
  CHECK(upgrade.body.empty());

  // Frames (here raw bytes) go both ways untouched, and the node never sees them.
  const std::string frame = "\x81\x05hello";
  REQUIRE(ws.send(frame));
  CHECK(ws.read_until(frame, milliseconds(3000)) == frame);
  ws.close();
  std::this_thread::sleep_for(milliseconds(300));
  CHECK(responses_for(capture, id).size() == 1);
  for (const auto& m : capture.messages()) CHECK(m.outer_body.find("hello") == std::string::npos);
  check_clean_log(kong);
}

TEST_CASE("e2e: HTTP/2 and gRPC pass unharmed, messages carry HTTP/2, gRPC trailers do not reach the node") {
  TempDir dir("grpc");
  CaptureNode capture;
  const fs::path port_file = dir.path() / "grpc.port";
  Child grpc({"/usr/bin/python3", std::string(E2E_SOURCE_DIR) + "/upstream/grpc_echo.py",
              port_file.string()},
             dir.path() / "grpc.log", {}, false);
  std::string port_text;
  REQUIRE_MESSAGE(wait_until(kStartupLimit,
                             [&] {
                               port_text = read_file(port_file);
                               return !grpc.running() || !port_text.empty();
                             }),
                  tail_file(dir.path() / "grpc.log"));
  REQUIRE_MESSAGE(grpc.running(), "the gRPC upstream (python3-grpcio) did not start:\n"
                                      << tail_file(dir.path() / "grpc.log"));
  const std::string grpc_url = "grpc://127.0.0.1:" + std::to_string(std::stoul(port_text));

  KongOptions opts;
  opts.http2_listener = true;
  Route grpc_route("grpc", plugin(node_config(capture.url())));
  grpc_route.service_url = grpc_url;
  grpc_route.protocols = {"grpc"};
  Kong kong(dir.path(), {{"main", plugin(node_config(capture.url()))}, grpc_route}, opts);
  kong.start();
  const std::string h2 = "http://127.0.0.1:" + std::to_string(kong.http2_port());

  SUBCASE("HTTP/2: the request and response messages say HTTP/2") {
    const std::string tag = unique_tag("h2");
    HttpRequest req;
    req.url = h2 + "/h2?x=1";
    req.http2 = true;
    req.headers = {kHost, "X-E2E-Tag: " + tag};
    auto r = http(req);
    INFO(r.status << " " << r.error);
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body, nullptr, false).value("http_version", 0.0) == 1.1);  // nginx to upstream

    CapturedMessage m = h2_tagged(capture, tag);
    REQUIRE(m.found());
    CHECK_MESSAGE(m.problem.empty(), m.problem);
    CHECK(m.method == "GET");
    CHECK(m.target == "/h2?x=1");
    // The version only v1 carries.
    if (suite_format() == NodeFormat::v1) CHECK(first_line(m.outer_body) == "GET /h2?x=1 HTTP/2");
    const std::string id = m.request_id();
    CapturedMessage resp = capture.response_for(id);
    REQUIRE(resp.found());
    CHECK(resp.status == 200);
    if (suite_format() == NodeFormat::v1) CHECK(first_line(resp.outer_body) == "HTTP/2 200 OK");
  }

  SUBCASE("gRPC: the call and its trailers pass, the node gets head, request and response") {
    const std::string tag = unique_tag("grpc");
    const std::string frame = grpc_frame("hello " + tag);
    HttpRequest req;
    req.method = "POST";
    req.url = h2 + "/e2e.Echo/Say";
    req.http2 = true;
    req.headers = {kong.host("grpc"), "Content-Type: application/grpc", "TE: trailers",
                   "X-E2E-Tag: " + tag};
    req.body = frame;
    req.chunked = true;  // over HTTP/2: no length, as gRPC clients send
    auto r = http(req);
    INFO(r.status << " " << r.error << " " << r.body);
    REQUIRE(r.status == 200);
    CHECK(r.body == frame);
    CHECK(r.header("grpc-status") == "0");
    CHECK(r.header("x-e2e-trailer") == "done");

    // No length on an HTTP/2 POST: the head went first, alone.
    CapturedMessage head = h2_tagged(capture, tag, true);
    REQUIRE(head.found());
    CHECK(head.body.empty());
    CapturedMessage m = h2_tagged(capture, tag);
    REQUIRE(m.found());
    CHECK_MESSAGE(m.problem.empty(), m.problem);
    CHECK(m.method == "POST");
    CHECK(m.target == "/e2e.Echo/Say");
    if (suite_format() == NodeFormat::v1) CHECK(first_line(m.outer_body) == "POST /e2e.Echo/Say HTTP/2");
    CHECK_FALSE(m.has_line("content-length"));
    CHECK(m.has_exact_line("content-type: application/grpc"));
    CHECK(m.body == frame);
    const std::string id = m.request_id();
    CapturedMessage resp = capture.response_for(id);
    REQUIRE(resp.found());
    CHECK(resp.status == 200);
    if (suite_format() == NodeFormat::v1) CHECK(first_line(resp.outer_body) == "HTTP/2 200 OK");
    CHECK(resp.has_exact_line("content-type: application/grpc"));
    CHECK(resp.body == frame);
    // nginx's Lua API has no response trailers (docs/protocol.md 4.2).
    CHECK(resp.outer_body.find("grpc-status") == std::string::npos);
  }
  check_clean_log(kong);
}
