// Checks the test server itself, with raw sockets and libcurl as clients.
#include "test_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// A blocking client socket with a receive timeout, so a broken server fails
// the test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    set_receive_timeout_ms(5000);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void set_receive_timeout_ms(int ms) {
    const timeval timeout{ms / 1000, (ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  void send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      REQUIRE(n > 0);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // >0 bytes appended, 0 on EOF, -1 on error (errno kept).
  ssize_t read_more() {
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) buf_.append(chunk, static_cast<std::size_t>(n));
    return n;
  }

  struct Response {
    int status = 0;
    std::string head, body;
  };

  // One Content-Length framed response; status 0 if the connection ended first.
  Response read_response() {
    Response r;
    std::size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (read_more() <= 0) return r;
    }
    r.head = buf_.substr(0, head_end + 4);
    std::size_t length = 0;
    const std::size_t cl = r.head.find("Content-Length: ");
    if (cl != std::string::npos) length = std::stoul(r.head.substr(cl + 16));
    while (buf_.size() < head_end + 4 + length) {
      if (read_more() <= 0) return r;
    }
    r.body = buf_.substr(head_end + 4, length);
    buf_.erase(0, head_end + 4 + length);
    r.status = std::stoi(r.head.substr(9, 3));
    return r;
  }

  // Everything until EOF or error.
  std::string read_to_end() {
    while (read_more() > 0) {
    }
    std::string all;
    all.swap(buf_);
    return all;
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

std::string post(std::string_view target, std::string_view body, std::string_view extra = "") {
  std::string out = "POST ";
  out += target;
  out += " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra;
  out += "\r\n";
  out += body;
  return out;
}

testsrv::Reply echo(const testsrv::Request& req) {
  testsrv::Reply reply;
  reply.body = req.target + ":" + req.body;
  reply.headers.emplace_back("X-Connection-Id", std::to_string(req.connection_id));
  return reply;
}

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace

TEST_CASE("test_server: plain request and reply round trip") {
  testsrv::Server server(echo);
  CHECK(server.url("/a") == "http://127.0.0.1:" + std::to_string(server.port()) + "/a");

  Client client(server.port());
  client.send(post("/submit", "hello", "X-Token: t1\r\n"));
  const auto response = client.read_response();
  CHECK(response.status == 200);
  CHECK(response.body == "/submit:hello");

  REQUIRE(server.wait_for_requests(1, 2000));
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/submit");
  CHECK(requests[0].version == "HTTP/1.1");
  CHECK(requests[0].header("x-token") == "t1");
  CHECK(requests[0].header("missing").empty());
  CHECK(requests[0].body == "hello");
  CHECK(requests[0].connection_id == 1);
}

TEST_CASE("test_server: keep-alive, pipelining and chunked bodies share one connection") {
  testsrv::Server server(echo);
  Client client(server.port());

  client.send(post("/one", "1"));
  CHECK(client.read_response().body == "/one:1");
  client.send(
      "POST /two HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n");
  CHECK(client.read_response().body == "/two:hello world");
  client.send(post("/three", "3") + post("/four", "4"));
  CHECK(client.read_response().body == "/three:3");
  CHECK(client.read_response().body == "/four:4");

  CHECK(server.request_count() == 4);
  CHECK(server.connections_accepted() == 1);
  CHECK(server.open_connections() == 1);

  client.send(post("/last", "", "Connection: close\r\n"));
  const auto last = client.read_response();
  CHECK(last.head.find("Connection: close") != std::string::npos);
  CHECK(client.read_to_end().empty());
}

TEST_CASE("test_server: a delayed reply does not block another connection") {
  testsrv::Server server([](const testsrv::Request& req) {
    testsrv::Reply reply = echo(req);
    if (req.target == "/slow") reply.delay_ms = 1500;
    return reply;
  });
  const auto start = Clock::now();
  Client slow(server.port());
  slow.send(post("/slow", "s"));
  REQUIRE(server.wait_for_requests(1, 2000));

  Client fast(server.port());
  fast.send(post("/fast", "f"));
  CHECK(fast.read_response().body == "/fast:f");
  CHECK(ms_since(start) < 1000);

  CHECK(slow.read_response().body == "/slow:s");
  CHECK(ms_since(start) >= 1400);
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("test_server: faults") {
  testsrv::Server server([](const testsrv::Request& req) {
    testsrv::Reply reply;
    if (req.target == "/close") reply.fault = testsrv::Fault::close_now;
    if (req.target == "/reset") reply.fault = testsrv::Fault::reset;
    if (req.target == "/garbage") reply.fault = testsrv::Fault::garbage;
    if (req.target == "/truncated") reply.fault = testsrv::Fault::truncated;
    if (req.target == "/raw") {
      reply.fault = testsrv::Fault::raw;
      reply.raw = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok";
    }
    if (req.target == "/throw") throw std::runtime_error("boom");
    return reply;
  });

  SUBCASE("close_now ends the connection without a byte") {
    Client client(server.port());
    client.send(post("/close", ""));
    CHECK(client.read_to_end().empty());
  }
  SUBCASE("reset makes the client see ECONNRESET") {
    Client client(server.port());
    client.send(post("/reset", ""));
    REQUIRE(server.wait_for_requests(1, 2000));
    ssize_t n = 0;
    while ((n = client.read_more()) > 0) {
    }
    CHECK(n == -1);
    CHECK(errno == ECONNRESET);
  }
  SUBCASE("garbage is not HTTP") {
    Client client(server.port());
    client.send(post("/garbage", ""));
    const std::string got = client.read_to_end();
    CHECK(got.substr(0, 18) == std::string_view("\x00\x01garbage not http", 18));
  }
  SUBCASE("truncated stops 90 bytes short") {
    Client client(server.port());
    client.send(post("/truncated", ""));
    const std::string got = client.read_to_end();
    CHECK(got.find("Content-Length: 100\r\n") != std::string::npos);
    CHECK(got.substr(got.find("\r\n\r\n") + 4) == "0123456789");
  }
  SUBCASE("raw is written verbatim and the connection stays usable") {
    Client client(server.port());
    client.send(post("/raw", ""));
    const auto first = client.read_response();
    CHECK(first.status == 202);
    CHECK(first.body == "ok");
    client.send(post("/fine", ""));
    CHECK(client.read_response().status == 200);
    CHECK(server.connections_accepted() == 1);
  }
  SUBCASE("a throwing handler yields 500") {
    Client client(server.port());
    client.send(post("/throw", ""));
    const auto response = client.read_response();
    CHECK(response.status == 500);
    CHECK(response.body == "handler threw: boom");
  }
  SUBCASE("a malformed request yields 400") {
    Client client(server.port());
    client.send("NONSENSE\r\n\r\n");
    CHECK(client.read_response().status == 400);
    CHECK(server.request_count() == 0);
  }
}

TEST_CASE("test_server: TLS reply through libcurl verifies the generated certificate") {
  char dir_template[] = "/tmp/testsrv-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const testsrv::TlsFiles files = testsrv::make_self_signed(dir);
  testsrv::Server server(echo, files);
  CHECK(server.url("/tls").rfind("https://127.0.0.1:", 0) == 0);

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  REQUIRE(curl);
  CURL* c = curl.get();
  std::string body;
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // ignore any *_proxy in the environment
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_CAINFO, files.cert_pem.c_str());
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, "ping");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);

  const std::string by_ip = server.url("/tls");
  curl_easy_setopt(c, CURLOPT_URL, by_ip.c_str());
  CURLcode rc = curl_easy_perform(c);
  INFO(curl_easy_strerror(rc));
  REQUIRE(rc == CURLE_OK);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  CHECK(status == 200);
  CHECK(body == "/tls:ping");

  // The DNS SAN; pinned to IPv4 because the server listens on 127.0.0.1 only.
  body.clear();
  const std::string by_name = "https://localhost:" + std::to_string(server.port()) + "/name";
  const std::string pin = "localhost:" + std::to_string(server.port()) + ":127.0.0.1";
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> resolve(
      curl_slist_append(nullptr, pin.c_str()), &curl_slist_free_all);
  curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(c, CURLOPT_URL, by_name.c_str());
  rc = curl_easy_perform(c);
  INFO(curl_easy_strerror(rc));
  REQUIRE(rc == CURLE_OK);
  CHECK(body == "/name:ping");

  REQUIRE(server.requests().size() == 2);
  CHECK(server.requests()[1].header("Host") == "localhost:" + std::to_string(server.port()));
  curl.reset();
  server.stop();
  std::filesystem::remove_all(dir);
}

TEST_CASE("test_server: destroying a server with a never_answer connection returns promptly") {
  auto server = std::make_unique<testsrv::Server>([](const testsrv::Request&) {
    testsrv::Reply reply;
    reply.fault = testsrv::Fault::never_answer;
    return reply;
  });
  Client client(server->port());
  client.send(post("/hang", "x"));
  REQUIRE(server->wait_for_requests(1, 2000));
  CHECK(server->open_connections() == 1);

  const auto start = Clock::now();
  server.reset();
  CHECK(ms_since(start) < 2000);
  CHECK(client.read_to_end().empty());  // closed, never answered
}

TEST_CASE("test_server: closed_port refuses and SilentListener stays silent") {
  const uint16_t refused = testsrv::closed_port();
  CHECK(refused != 0);
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(refused);
    CHECK(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == -1);
    CHECK(errno == ECONNREFUSED);
    ::close(fd);
  }

  testsrv::SilentListener silent;
  Client client(silent.port());
  client.send(post("/anyone", ""));
  const auto start = Clock::now();
  while (silent.accepted() < 1 && ms_since(start) < 2000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(silent.accepted() == 1);
  client.set_receive_timeout_ms(200);
  CHECK(client.read_more() == -1);
  CHECK((errno == EAGAIN || errno == EWOULDBLOCK));
}
