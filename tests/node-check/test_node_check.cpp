// wallarm-node-check as an operator runs it: against the reference node
// (all shapes, or one), a closed port, nodes that answer nonsense, and bad
// command lines. Every process a test starts is killed by its PID when the
// test ends.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "child.h"
#include "fake_node.h"

namespace {

using node_check_test::Child;
using node_check_test::FakeNode;
using node_check_test::TempDir;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The last line of the output.
std::string last_line(const std::string& out) {
  std::string s = out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.rfind('\n') == std::string::npos ? 0 : s.rfind('\n') + 1);
}

struct Run {
  int status = -1;
  std::string out, err;
  double seconds = 0;
};

// Runs the tool to its end (60 s at most) with these arguments.
Run check(const std::vector<std::string>& args) {
  TempDir dir("run");
  std::vector<std::string> argv{NODE_CHECK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  const Clock::time_point start = Clock::now();
  Child tool(argv, dir.path, "tool");
  Run r;
  r.status = tool.wait(60000);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.out = tool.out();
  r.err = tool.err();
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE_MESSAGE(r.status != -1, "the tool did not exit within 60 s");
  return r;
}

// The reference node binary, in block mode with CRS, on a free port.
struct ReferenceNode {
  TempDir dir{"node"};
  std::unique_ptr<Child> process;
  int port = 0;

  explicit ReferenceNode(const std::vector<std::string>& extra = {}) {
    const fs::path port_file = dir.path / "port";
    std::vector<std::string> argv{NODE_CHECK_NODE_BINARY, "--listen", "127.0.0.1:0",
                                  "--port-file", port_file.string(), "--mode", "block",
                                  "--external-health-path", "/wallarm-external-health",
                                  "--modsecurity-config", NODE_CHECK_MODSECURITY_CONFIG,
                                  "--threads", "8"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<Child>(argv, dir.path, "node");
    const Clock::time_point start = Clock::now();
    while (!fs::exists(port_file)) {
      REQUIRE_MESSAGE(process->running(), "the node exited: " << process->err());
      REQUIRE_MESSAGE(Clock::now() - start < std::chrono::seconds(60), "the node did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    port = std::stoi(node_check_test::slurp(port_file));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
};

// A port bound but not listening: connecting to it is refused, and no other
// process can take it while the object lives.
struct ClosedPort {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  ClosedPort() {
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~ClosedPort() { ::close(fd); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
};

// The value of a header in a request head, or "".
std::string header(const std::string& head, const std::string& name) {
  std::regex re("\r\n" + name + ": ([^\r\n]*)\r\n", std::regex::icase);
  std::smatch m;
  return std::regex_search(head, m, re) ? m[1].str() : "";
}

}  // namespace

TEST_CASE("node check: the reference node takes every format, mirror is recommended") {
  ReferenceNode node;
  Run r = check({node.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 0);
  for (const char* format : {"mirror", "multipart", "v1"}) {
    CAPTURE(format);
    CHECK(has(r.out, std::string("=> ") + format + " works, 2 of 2 attacks blocked\n"));
  }
  CHECK_FALSE(has(r.out, "does not work"));
  CHECK(has(r.out, "GET /etc/passwd"));
  CHECK(has(r.out, "GET /?id=1'%20OR%20'1'='1"));
  CHECK(has(r.out, "healthy"));
  CHECK_FALSE(has(r.out, "note:"));
  CHECK(has(r.out, "\nnode_format: mirror\n"));
  CHECK(last_line(r.out) == "node_health_path: /wallarm-external-health");
}

TEST_CASE("node check: a node serving multipart only gets multipart recommended") {
  ReferenceNode node({"--shapes", "multipart"});
  Run r = check({node.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 0);
  CHECK(has(r.out, "=> mirror does not work: benign GET / got 400 ESTATUS"));
  CHECK(has(r.out, "=> v1 does not work: "));
  CHECK(has(r.out, "=> multipart works, 2 of 2 attacks blocked\n"));
  CHECK(has(r.out, "\nnode_format: multipart\n"));
}

TEST_CASE("node check: a node without the health check works, and a note says what to set") {
  FakeNode fake([](const std::string& head, const std::string&) {
    return FakeNode::status(head.rfind("GET /wallarm-external-health ", 0) == 0 ? 404 : 200);
  });
  Run r = check({"--format", "mirror", fake.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 0);
  CHECK(has(r.out, "unhealthy"));
  CHECK(has(r.out, "=> mirror works, 0 of 2 attacks blocked\n"));
  CHECK(has(r.out, "\nnode_format: mirror\n"));
  CHECK_FALSE(has(r.out, "node_health_path:"));
  CHECK(last_line(r.out).rfind("note: the health check (GET /wallarm-external-health) failed: ", 0) ==
        0);
}

TEST_CASE("node check: nothing listening, no format works, exit 1") {
  ClosedPort closed;
  Run r = check({closed.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 1);
  CHECK(has(r.out, "\nno format works\n"));
  for (const char* format : {"mirror", "multipart", "v1"}) {
    CAPTURE(format);
    CHECK(has(r.out, std::string("\n  ") + format + ": GET / got ECONNREFUSED"));
  }
  CHECK_FALSE(has(r.out, "node_format:"));
  CHECK(r.seconds < 20);
}

TEST_CASE("node check: a node answering 500 to everything works in no format") {
  FakeNode fake([](const std::string&, const std::string&) {
    return FakeNode::status(500, "oops");
  });
  Run r = check({fake.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 1);
  CHECK(has(r.out, "\nno format works\n"));
  CHECK(has(r.out, "  mirror: GET / got 500 ESTATUS"));
  CHECK(has(r.out, "  multipart: GET / got 500 ESTATUS"));
  CHECK(has(r.out, "  v1: GET / got 500 ESTATUS"));
  CHECK(has(r.out, "unhealthy"));
  CHECK(fake.requests() == 15);  // five messages per format, one each
}

TEST_CASE("node check: a node answering garbage works in no format") {
  FakeNode fake([](const std::string&, const std::string&) {
    return FakeNode::Reply{"this is no HTTP\r\n\r\n", true};
  });
  Run r = check({fake.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 1);
  CHECK(has(r.out, "\nno format works\n"));
  CHECK_FALSE(has(r.out, "node_format:"));
}

TEST_CASE("node check: a node that never answers costs each message its timeout, no more") {
  FakeNode fake([](const std::string&, const std::string&) {
    return FakeNode::Reply{"", false};  // read, and left unanswered
  });
  Run r = check({"--timeout-ms", "200", fake.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 1);
  CHECK(has(r.out, "  mirror: GET / got ETIMEOUT"));
  CHECK(r.seconds < 15 * 0.2 + 5);
}

TEST_CASE("node check: a format that blocks attacks is preferred over one that passes them") {
  // Passes everything but multipart requests for the attacks' targets.
  FakeNode fake([](const std::string& head, const std::string&) {
    const bool multipart = has(header(head, "Content-Type"), "multipart/form-data");
    const bool attack = has(head, "/etc/passwd") || has(head, "OR%20");
    return FakeNode::status(multipart && attack ? 403 : 200);
  });
  Run r = check({fake.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 0);
  CHECK(has(r.out, "=> mirror works, 0 of 2 attacks blocked\n"));
  CHECK(has(r.out, "passed (node in monitoring mode, or not detected)"));
  CHECK(has(r.out, "=> multipart works, 2 of 2 attacks blocked\n"));
  CHECK(has(r.out, "note: mirror works too, but blocked no attack\n"));
  CHECK(has(r.out, "\nnode_format: multipart\n"));
}

TEST_CASE("node check: what goes to the node: ids, host, health check, one format, quiet") {
  std::mutex mu;
  std::vector<std::string> heads;
  FakeNode fake([&](const std::string& head, const std::string&) {
    std::lock_guard<std::mutex> lock(mu);
    heads.push_back(head);
    return FakeNode::status(200);
  });
  Run r = check({"--format", "mirror", "--quiet", "--host", "shop.example", fake.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 0);
  // Only the conclusion; no attack was blocked, and a note says so.
  CHECK(r.out ==
        "note: no attack was blocked: the node is in monitoring mode, or did not detect them\n"
        "node_format: mirror\n"
        "node_health_path: /wallarm-external-health\n");
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(heads.size() == 5);
  CHECK(heads[0].rfind("GET /wallarm-external-health HTTP/1.1\r\n", 0) == 0);
  CHECK(heads[1].rfind("GET / HTTP/1.1\r\n", 0) == 0);
  CHECK(heads[2].rfind("GET /etc/passwd HTTP/1.1\r\n", 0) == 0);
  CHECK(heads[3].rfind("GET /?id=1'%20OR%20'1'='1 HTTP/1.1\r\n", 0) == 0);
  std::set<std::string> ids;
  for (size_t i = 1; i < 4; ++i) {
    CAPTURE(heads[i]);
    CHECK(header(heads[i], "Host") == "shop.example");
    CHECK(has(header(heads[i], "User-Agent"), "wallarm-node-check/"));
    const std::string id = header(heads[i], "X-Wallarm-Request-Id");
    CHECK(std::regex_match(id, std::regex("[0-9a-f]{32}")));
    ids.insert(id);
  }
  CHECK(ids.size() == 3);  // a fresh id per message
  // The response message carries the benign request's id.
  CHECK(header(heads[4], "X-Wallarm-Request-Id") == header(heads[1], "X-Wallarm-Request-Id"));
  // Every message names the same documentation address as the client.
  for (size_t i = 1; i < 5; ++i) CHECK(header(heads[i], "X-Wallarm-Forwarded-For") == "192.0.2.1");
  CHECK(header(heads[4], "X-Wallarm-Response-Status") == "200");
}

TEST_CASE("node check: --health-path '' sends a protocol v1 health message") {
  std::mutex mu;
  std::vector<std::string> heads;
  FakeNode fake([&](const std::string& head, const std::string&) {
    std::lock_guard<std::mutex> lock(mu);
    heads.push_back(head);
    return FakeNode::status(200);
  });
  Run r = check({"--format", "multipart", "--health-path", "", fake.url()});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(r.status == 0);
  CHECK(has(r.out, "health message (protocol v1)"));
  CHECK_FALSE(has(r.out, "node_health_path:"));  // nothing to set: v1 health messages
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(!heads.empty());
  CHECK(header(heads[0], "X-Wallarm-Message-Type") == "health");
  CHECK(header(heads[0], "X-Wallarm-Protocol") == "1");
}

TEST_CASE("node check: usage errors exit 2 with the usage, naming what is wrong") {
  struct Case {
    std::vector<std::string> args;
    const char* names;
  };
  const Case cases[] = {
      {{}, "URL is missing"},
      {{"--format", "soap", "http://127.0.0.1:1/"}, "--format"},
      {{"--timeout-ms", "0", "http://127.0.0.1:1/"}, "--timeout-ms"},
      {{"--timeout-ms", "2s", "http://127.0.0.1:1/"}, "--timeout-ms"},
      {{"--health-path", "health", "http://127.0.0.1:1/"}, "--health-path"},
      {{"--host", "a b", "http://127.0.0.1:1/"}, "--host"},
      {{"--bogus", "1", "http://127.0.0.1:1/"}, "--bogus"},
      {{"http://127.0.0.1:1/", "--host"}, "--host"},
      {{"127.0.0.1:5000"}, "URL: must start with http:// or https://"},
      {{"http://127.0.0.1:1/", "http://127.0.0.1:2/"}, "one URL only"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.names);
    Run r = check(c.args);
    CHECK(r.status == 2);
    CHECK(has(r.err, c.names));
    CHECK(has(r.err, "usage: wallarm-node-check"));
    CHECK(r.out.empty());
  }
  Run help = check({"--help"});
  CHECK(help.status == 0);
  CHECK(help.out.rfind("usage: wallarm-node-check", 0) == 0);
}
