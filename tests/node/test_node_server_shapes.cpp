// The node as a server for the shapes of Wallarm's own connectors
// (docs/protocol.md 12): mirror and multipart messages over loopback, told
// apart from v1 and from the node's own pages by their headers alone, and
// kept from steering cpp-httplib with the client's headers.
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "running_node.h"

namespace {

using node_test::attacks_json;
using node_test::metrics_text;
using node_test::RunningNode;

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

// The connector headers of 12.1 for a request (or, with a status, a
// response) message, and the client's Host (CRS flags httplib's own,
// 127.0.0.1:port).
httplib::Headers connector_headers(const std::string& id, const std::string& method,
                                   const std::string& status = "") {
  httplib::Headers h{{"Host", "shop.example"},
                     {"X-Wallarm-Connector-Type", "kong"},
                     {"X-Wallarm-Connector-Version", "0.1.0"},
                     {"X-Wallarm-Connector-Mode", "inline"},
                     {"X-Wallarm-Request-Id", id},
                     {"X-Wallarm-Forwarded-For", "198.51.100.20"},
                     {"X-Wallarm-Method", method}};
  if (!status.empty()) h.emplace("X-Wallarm-Response-Status", status);
  return h;
}

std::string connector_lines(const std::string& id, const std::string& method) {
  std::string out;
  for (const auto& [name, value] : connector_headers(id, method))
    out += name + ": " + value + "\r\n";
  return out;
}

// Stands for the message's own boundary (WallarmBoundary and its request id
// without '-', docs/protocol.md 12.4) in the bodies below; post_multipart
// puts it in.
const std::string kBoundary = "@boundary@";

// A multipart body (12.3): the header lines, then the body.
std::string form(const std::string& header_lines, const std::string& body) {
  return "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"headers\"\r\n\r\n" +
         header_lines + "\r\n--" + kBoundary +
         "\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n" + body + "\r\n--" + kBoundary +
         "--\r\n";
}

httplib::Result post_multipart(const RunningNode& n, const std::string& target,
                               const httplib::Headers& headers, std::string body) {
  std::string boundary = "WallarmBoundary";
  auto id = headers.find("X-Wallarm-Request-Id");
  for (char c : id == headers.end() ? std::string() : id->second)
    if (c != '-') boundary.push_back(c);
  for (size_t at; (at = body.find(kBoundary)) != std::string::npos;)
    body.replace(at, kBoundary.size(), boundary);
  return n.client().Post(target.c_str(), headers, body,
                         ("multipart/form-data; boundary=" + boundary).c_str());
}

// One keep-alive connection written and read byte for byte: for what
// httplib's client would not send, and to see every answer on it.
class RawConnection {
 public:
  struct Answer {
    int status = 0;                              // 0: the connection closed or timed out first
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;
  };

  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& bytes) {
    REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size()));
  }

  // The next answer, framed by its Content-Length (none after HEAD).
  Answer read(bool after_head = false) {
    Answer a;
    size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return a;
    std::string head = in_.substr(0, end + 2);
    in_.erase(0, end + 4);
    a.status = std::atoi(head.c_str() + head.find(' ') + 1);
    for (size_t at = head.find("\r\n") + 2; at < head.size();) {
      size_t eol = head.find("\r\n", at);
      std::string line = head.substr(at, eol - at);
      at = eol + 2;
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      a.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    size_t length = after_head ? 0 : std::strtoul(a.headers["content-length"].c_str(), nullptr, 10);
    while (in_.size() < length)
      if (!fill()) return Answer{};
    a.body = in_.substr(0, length);
    in_.erase(0, length);
    return a;
  }

  // Whether more bytes arrive within ms: an answer nobody asked for.
  bool more_within(int ms) {
    timeval timeout{0, ms * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    bool more = !in_.empty() || fill();
    timeout = {5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return more;
  }

 private:
  bool fill() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  std::string in_;
};

// A mirrored request as a connector writes it: the client's request line
// and headers, the connector's headers, the recomputed Content-Length.
std::string mirrored(const std::string& method, const std::string& target, const std::string& id,
                     const std::string& client_lines = "", const std::string& body = "") {
  return method + " " + target + " HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\n" + client_lines +
         connector_lines(id, method) + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Finds nothing; keeps every message it was given.
class RecordingDetector final : public node::Detector {
 public:
  node::Findings inspect(const node::Message& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(m);
    return {};
  }
  const char* name() const override { return "recording"; }
  bool can_overrun() const override { return false; }
  std::vector<node::Message> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::vector<node::Message> seen_;
};

const std::string* header_of(const node::Message& m, const std::string& name) {
  return m.header(name);
}

}  // namespace

TEST_CASE("node server, mirror: a real GET /etc/passwd is blocked in block mode, benign passes") {
  RunningNode n(node::Mode::block);
  auto res = n.client().Get("/etc/passwd", connector_headers("mir-1", "GET"));
  REQUIRE(res);
  CHECK(res->status == 403);
  auto verdict = nlohmann::json::parse(res->body);
  CHECK(verdict["verdict"] == "block");
  CHECK(verdict["mode"] == "block");
  REQUIRE(!verdict["attacks"].empty());
  CHECK(verdict["attacks"][0]["type"] == "ptrav");

  res = n.client().Get("/api/v1/users/42?fields=name,email", connector_headers("mir-2", "GET"));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK_MESSAGE(nlohmann::json::parse(res->body)["attacks"].empty(), res->body);

  auto records = attacks_json(n);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["request_id"] == "mir-1");
  CHECK(records[0]["method"] == "GET");
  CHECK(records[0]["uri"] == "/etc/passwd");
  CHECK(records[0]["client_ip"] == "198.51.100.20");
  CHECK(records[0]["verdict"] == "block");
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"mirror\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"v1\"} 0"));
  CHECK(has_line(metrics, "wallarm_node_messages_total{type=\"request\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_verdicts_total{verdict=\"block\"} 1"));
}

TEST_CASE("node server, mirror: GET /metrics and the node's other pages, mirrored, are messages") {
  RunningNode n(node::Mode::block);
  for (const char* path :
       {"/metrics", "/healthz", "/wallarm-external-health", "/attacks", "/attacks.json"}) {
    CAPTURE(path);
    auto res = n.client().Get(path, connector_headers("page-1", "GET"));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    CHECK(res->body.find("wallarm_node_") == std::string::npos);  // not the metrics page
    CHECK(nlohmann::json::parse(res->body)["verdict"] == "pass");
  }
  // A DELETE /attacks is inspected like any request, and deletes nothing.
  auto res = n.client().Get("/etc/passwd", connector_headers("page-2", "GET"));
  REQUIRE(res);
  CHECK(res->status == 403);
  res = n.client().Delete("/attacks", connector_headers("page-3", "DELETE"));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(nlohmann::json::parse(res->body)["verdict"] == "pass");
  CHECK(attacks_json(n).size() == 1);
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"mirror\"} 7"));
  CHECK(has_line(metrics, "wallarm_node_messages_rejected_total{reason=\"connector_info\"} 0"));
}

TEST_CASE("node server, mirror: a PUT's form body over 8 KiB is inspected") {
  // httplib alone would answer 413 to a form body this large.
  RunningNode n(node::Mode::block);
  const std::string body = "q=' UNION SELECT password FROM users--&pad=" + std::string(9000, 'x');
  auto res = n.client().Put("/items/7", connector_headers("put-1", "PUT"), body,
                            "application/x-www-form-urlencoded");
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(res->body.find("\"sqli\"") != std::string::npos);
  auto records = attacks_json(n);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["method"] == "PUT");
  bool in_body = false;
  for (auto& a : records[0]["attacks"]) in_body |= a["location"] == "body";
  CHECK(in_body);
}

TEST_CASE("node server, mirror: what httplib would act on reaches the detector, not httplib") {
  RecordingDetector recorder;
  RunningNode n(node::Mode::block, true, nullptr, &recorder);
  RawConnection c(n.server->port());
  // Range and Accept-Encoding would cut or compress the verdict; the
  // Content-Encoding would have httplib refuse a body that is not gzip.
  c.send(mirrored("POST", "/upload?a=1", "raw-1",
                  "Range: bytes=1000-\r\nAccept-Encoding: gzip, br\r\nContent-Encoding: gzip\r\n"
                  "Content-Type: multipart/form-data; boundary=----WebKitFormBoundary7MA\r\n"
                  "X-Dup: 1\r\nx-dup: 2\r\nREMOTE_ADDR: forged\r\n",
                  "not gzip, nor a form"));
  auto a = c.read();
  CHECK(a.status == 200);
  CHECK(a.headers.count("content-encoding") == 0);
  CHECK(a.headers.count("content-range") == 0);
  CHECK(nlohmann::json::parse(a.body)["verdict"] == "pass");

  auto seen = recorder.seen();
  REQUIRE(seen.size() == 1);
  const node::Message& m = seen[0];
  CHECK(m.shape == node::Shape::mirror);
  CHECK(m.method == "POST");
  CHECK(m.target == "/upload?a=1");
  CHECK(m.body == "not gzip, nor a form");
  CHECK(m.request_id == "raw-1");
  for (const char* name : {"Range", "Accept-Encoding", "Content-Encoding", "Content-Type", "Host",
                           "User-Agent", "Content-Length"}) {
    CAPTURE(name);
    CHECK(header_of(m, name) != nullptr);
  }
  CHECK(*header_of(m, "Range") == "bytes=1000-");
  CHECK(*header_of(m, "Content-Type") == "multipart/form-data; boundary=----WebKitFormBoundary7MA");
  std::vector<std::string> names;
  for (const auto& h : m.headers) names.push_back(h.name);
  // The client's REMOTE_ADDR stays; httplib's own and the connector's go.
  CHECK(std::count(names.begin(), names.end(), "REMOTE_ADDR") == 1);
  CHECK(*header_of(m, "REMOTE_ADDR") == "forged");
  for (const auto& name : names) {
    CAPTURE(name);
    CHECK(name.rfind("X-Wallarm-", 0) != 0);
    CHECK(name != "LOCAL_PORT");
    CHECK(name != "REMOTE_PORT");
  }
  // Duplicates of a name keep their order (names are in httplib's order).
  auto dup = std::find(names.begin(), names.end(), "X-Dup");
  REQUIRE(dup != names.end());
  CHECK(*(dup + 1) == "x-dup");
}

TEST_CASE("node server, mirror: a GET's body is read and inspected, never taken for a request") {
  RecordingDetector recorder;
  RunningNode n(node::Mode::block, true, nullptr, &recorder);
  RawConnection c(n.server->port());
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  c.send(mirrored("GET", "/search", "body-1", "Content-Type: text/plain\r\n", smuggled));
  auto a = c.read();
  CHECK(a.status == 200);
  CHECK(nlohmann::json::parse(a.body)["verdict"] == "pass");
  CHECK_FALSE(c.more_within(200));  // no answer to the body's "request"
  // HEAD with a body too; its answer has no body.
  c.send(mirrored("HEAD", "/search", "body-2", "", "abcde"));
  a = c.read(/*after_head=*/true);
  CHECK(a.status == 200);
  CHECK_FALSE(c.more_within(200));
  c.send(mirrored("OPTIONS", "/search", "body-3", "", "xyz"));
  a = c.read();
  CHECK(a.status == 200);
  CHECK(nlohmann::json::parse(a.body)["verdict"] == "pass");

  auto seen = recorder.seen();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].body == smuggled);
  CHECK(seen[1].method == "HEAD");
  CHECK(seen[1].body == "abcde");
  CHECK(seen[2].method == "OPTIONS");
  CHECK(seen[2].body == "xyz");
}

TEST_CASE("node server, mirror: a POST without Content-Length has an empty body, answered at once") {
  RecordingDetector recorder;
  RunningNode n(node::Mode::block, true, nullptr, &recorder);
  RawConnection c(n.server->port());
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    CAPTURE(method);
    c.send(std::string(method) + " /form HTTP/1.1\r\n" + connector_lines("nolen", method) + "\r\n");
    auto started = std::chrono::steady_clock::now();
    CHECK(c.read().status == 200);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  }
  auto seen = recorder.seen();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method == "POST");
  CHECK(seen[2].method == "PATCH");
  CHECK(seen[0].body.empty());
}

TEST_CASE("node server, mirror: a target with an encoded CR or LF is a message, never a 404") {
  RunningNode n(node::Mode::block);
  RawConnection c(n.server->port());
  for (const char* target : {"/a%0D%0Ab", "/etc/passwd?x=%0A"}) {
    CAPTURE(target);
    c.send(mirrored("GET", target, "crlf"));
    auto a = c.read();
    CHECK(a.status != 404);
    CHECK(nlohmann::json::parse(a.body).contains("verdict"));
  }
}

TEST_CASE("node server, mirror: HEAD gets its verdict by status, with no body") {
  RunningNode n(node::Mode::block);
  RawConnection c(n.server->port());
  c.send(mirrored("HEAD", "/etc/passwd", "head-1"));
  auto a = c.read(/*after_head=*/true);
  CHECK(a.status == 403);
  CHECK_FALSE(c.more_within(200));
  c.send(mirrored("GET", "/etc/passwd", "head-2"));
  a = c.read();
  CHECK(a.status == 403);
  CHECK(nlohmann::json::parse(a.body)["verdict"] == "block");
}

TEST_CASE("node server, mirror: TRACE is a message, a method httplib does not know gets its 400") {
  RunningNode n(node::Mode::block);
  for (const std::string body : {"", "x=1"}) {
    RawConnection c(n.server->port());
    c.send(mirrored("TRACE", "/etc/passwd", "trace-1", "", body));
    CHECK(c.read().status == 403);
  }
  RawConnection c(n.server->port());
  c.send(mirrored("PROPFIND", "/etc/passwd", "propfind-1"));
  CHECK(c.read().status == 400);
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"mirror\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_messages_rejected_total{reason=\"connector_info\"} 0"));
}

TEST_CASE("node server, mirror: out-of-band copies and head parts share v1's handling") {
  RunningNode n(node::Mode::block);
  auto oob = connector_headers("oob-1", "GET");
  oob.erase("X-Wallarm-Connector-Mode");
  oob.emplace("X-Wallarm-Connector-Mode", "out-of-band");
  auto res = n.client().Get("/etc/passwd", oob);
  REQUIRE(res);
  CHECK(res->status == 403);  // answered as usual; the gateway does not enforce it

  const std::string body = "q=' UNION SELECT password FROM users--";
  auto head = connector_headers("hb-1", "POST");
  head.emplace("X-Wallarm-Request-Part", "head");
  head.emplace("X-Wallarm-Body-Truncated", std::to_string(body.size()));
  res = n.client().Post("/search", head, "", "application/x-www-form-urlencoded");
  REQUIRE(res);
  CHECK(res->status == 200);
  res = n.client().Post("/search", connector_headers("hb-1", "POST"), body,
                        "application/x-www-form-urlencoded");
  REQUIRE(res);
  CHECK(res->status == 403);
  auto records = attacks_json(n);
  REQUIRE(records.size() == 2);  // one per request id: the head merged into its request
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_out_of_band_total 1"));
  CHECK(has_line(metrics, "wallarm_node_head_messages_total 1"));
}

TEST_CASE("node server, multipart: the seed attack is blocked, benign traffic passes") {
  RunningNode n(node::Mode::block);
  const std::string lines = "Host: shop.example\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n";
  auto res = post_multipart(n, "/etc/passwd", connector_headers("mp-1", "GET"), form(lines, ""));
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(res->body.find("\"ptrav\"") != std::string::npos);
  res = post_multipart(n, "/api/v1/users/42", connector_headers("mp-2", "GET"), form(lines, ""));
  REQUIRE(res);
  CHECK(res->status == 200);
  // The client's body, CR LF and all, is a part like any other.
  res = post_multipart(n, "/search", connector_headers("mp-3", "POST"),
                       form(lines + "Content-Type: application/x-www-form-urlencoded\r\n",
                            "q=' UNION SELECT password FROM users--\r\n\r\n--x"));
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK(res->body.find("\"sqli\"") != std::string::npos);

  auto records = attacks_json(n);
  REQUIRE(records.size() == 2);
  CHECK(records[1]["request_id"] == "mp-1");
  CHECK(records[1]["method"] == "GET");
  CHECK(records[1]["uri"] == "/etc/passwd");
  CHECK(records[0]["method"] == "POST");
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"multipart\"} 3"));
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"mirror\"} 0"));
}

TEST_CASE("node server, multipart: a response correlates with its request") {
  RunningNode n(node::Mode::monitoring);
  auto res = n.client().Get("/etc/passwd", connector_headers("corr-7", "GET"));
  REQUIRE(res);
  CHECK(res->status == 200);
  res = post_multipart(n, "/etc/passwd", connector_headers("corr-7", "GET", "404"),
                       form("Content-Type: text/plain\r\nContent-Length: 9\r\n", "not found"));
  REQUIRE(res);
  CHECK(res->status == 204);
  CHECK(res->body.empty());
  res = post_multipart(n, "/x", connector_headers("never-seen", "GET", "200"), form("", ""));
  REQUIRE(res);
  CHECK(res->status == 204);

  auto records = attacks_json(n);
  REQUIRE(records.size() == 1);
  CHECK(records[0]["request_id"] == "corr-7");
  CHECK(records[0]["response_status"] == 404);
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_responses_correlated_total 1"));
  CHECK(has_line(metrics, "wallarm_node_responses_uncorrelated_total 1"));
  CHECK(has_line(metrics, "wallarm_node_messages_total{type=\"response\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"multipart\"} 2"));
}

TEST_CASE("node server, multipart: malformed messages get 400 with a reason, counted") {
  RunningNode n(node::Mode::block, false);
  const std::string good = form("Host: x\r\n", "");
  struct Case {
    httplib::Headers headers;
    std::string body, reason;
  } cases[] = {
      {connector_headers("bad-1", "GET"), good.substr(0, good.size() - 8), "bad_multipart"},
      {connector_headers("bad-2", "GET"), "--" + kBoundary + "--\r\n", "bad_multipart"},
      {connector_headers("bad-3", "GET", "1000"), good, "bad_outer_header"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.reason);
    auto res = post_multipart(n, "/", c.headers, c.body);
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.rfind(c.reason + ": ", 0) == 0);
  }
  auto no_method = connector_headers("bad-4", "GET");
  no_method.erase("X-Wallarm-Method");
  auto res = post_multipart(n, "/", no_method, good);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("missing_method: ", 0) == 0);
  // No response in the mirror shape.
  res = n.client().Get("/", connector_headers("bad-5", "GET", "200"));
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("bad_content_type: ", 0) == 0);

  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_malformed_total{reason=\"bad_multipart\"} 2"));
  CHECK(has_line(metrics, "wallarm_node_malformed_total{reason=\"bad_outer_header\"} 1"));
  CHECK(has_line(metrics, "wallarm_node_malformed_total{reason=\"missing_method\"} 1"));
  CHECK(has_line(metrics, "wallarm_node_malformed_total{reason=\"bad_content_type\"} 1"));
  CHECK(has_line(metrics, "wallarm_node_messages_by_shape_total{shape=\"multipart\"} 0"));
}

TEST_CASE("node server: a request without connector headers is refused and counted") {
  RunningNode n(node::Mode::block, false);
  auto cl = n.client();
  auto res = cl.Get("/etc/passwd");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("connector_info: ", 0) == 0);
  res = cl.Post("/inspect", "a=1", "application/x-www-form-urlencoded");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(res->body.rfind("connector_info: ", 0) == 0);
  res = cl.Put("/metrics", "", "text/plain");  // the pages are GET only
  REQUIRE(res);
  CHECK(res->status == 400);
  // The node's own pages answer without connector headers.
  res = cl.Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  res = cl.Get("/wallarm-external-health");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "ok\n");
  const std::string metrics = metrics_text(n);
  CHECK(has_line(metrics, "wallarm_node_messages_rejected_total{reason=\"connector_info\"} 3"));
  CHECK(has_line(metrics, "wallarm_node_messages_total{type=\"request\"} 0"));
}

TEST_CASE("node server: the external health check's path is a setting, empty turns it off") {
  {
    RunningNode n(node::Mode::monitoring, false,
                  [](node::Config& c) { c.external_health_path = "/ready"; });
    auto res = n.client().Get("/ready");
    REQUIRE(res);
    CHECK(res->status == 200);
    res = n.client().Get("/wallarm-external-health");
    REQUIRE(res);
    CHECK(res->status == 400);
  }
  RunningNode n(node::Mode::monitoring, false,
                [](node::Config& c) { c.external_health_path.clear(); });
  auto res = n.client().Get("/wallarm-external-health");
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(has_line(metrics_text(n),
                 "wallarm_node_messages_rejected_total{reason=\"connector_info\"} 1"));
}

TEST_CASE("node server: escaped outer values survive httplib's own decoding of headers") {
  // httplib percent-decodes header values; decoding them once more would
  // refuse a '%' the connector escaped (docs/protocol.md 3.2).
  RunningNode n(node::Mode::monitoring);
  httplib::Headers v1{{"X-Wallarm-Protocol", "1"},
                      {"X-Wallarm-Message-Type", "request"},
                      {"X-Wallarm-Request-Id", "id%20one%25"},
                      {"X-Wallarm-Forwarded-Host", "h%FF%25"},
                      {"X-Wallarm-Connector-Type", "kong"}};
  auto res =
      n.client().Post("/", v1, "GET /etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "message/http");
  REQUIRE(res);
  CHECK(res->status == 200);
  auto mirror = connector_headers("id%20two%25", "GET");
  mirror.erase("X-Wallarm-Method");
  mirror.emplace("X-Wallarm-Request-Target", "http://other.test/etc/passwd?a=%2541");
  res = n.client().Get("/abs", mirror);
  REQUIRE(res);
  CHECK(res->status == 200);

  auto records = attacks_json(n);
  REQUIRE(records.size() == 2);
  CHECK(records[1]["request_id"] == "id one%");
  CHECK(records[0]["request_id"] == "id two%");
  CHECK(records[0]["uri"] == "http://other.test/etc/passwd?a=%41");
}
