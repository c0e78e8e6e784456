#include "servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace e2e {

TcpServer::TcpServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 128) != 0)
    throw std::runtime_error(std::string("bind/listen failed: ") + std::strerror(errno));
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

TcpServer::~TcpServer() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void TcpServer::start() { acceptor_ = std::thread([this] { accept_loop(); }); }

void TcpServer::stop() {
  if (stop_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  std::lock_guard<std::mutex> lk(threads_mu_);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void TcpServer::accept_loop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lk(threads_mu_);
    threads_.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
}

bool TcpServer::read_some(int fd, std::string& out, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (r == 0) return true;
  if (r < 0) return false;
  char buf[65536];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  out.append(buf, static_cast<size_t>(n));
  return true;
}

bool TcpServer::write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

void JunkServer::serve(int fd) {
  connections.fetch_add(1);
  std::string in;
  // Wait for the start of a request, then answer with junk and hang up.
  read_some(fd, in, std::chrono::milliseconds(200));
  static const char kJunk[] = "\x00\x01\x02 NOT-HTTP \xff\xfe garbage\r\n\r\n{{{{}}}}\x7f";
  write_all(fd, std::string(kJunk, sizeof kJunk - 1));
  ::shutdown(fd, SHUT_RDWR);
}

std::string CapturedMessage::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return {};
}

std::string CapturedMessage::embedded_head() const {
  auto p = body.find("\r\n\r\n");
  return p == std::string::npos ? body : body.substr(0, p + 4);
}

std::string CapturedMessage::embedded_body() const {
  auto p = body.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : body.substr(p + 4);
}

std::vector<CapturedMessage> CaptureNode::messages() {
  std::lock_guard<std::mutex> lk(mu_);
  return messages_;
}

CapturedMessage CaptureNode::wait_for(const std::function<bool(const CapturedMessage&)>& pred,
                                      std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    {
      std::lock_guard<std::mutex> lk(mu_);
      for (const auto& m : messages_)
        if (pred(m)) return m;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return {};
}

namespace {

CapturedMessage tagged(CaptureNode& node, const std::string& tag, const std::string& part) {
  return node.wait_for(
      [&](const CapturedMessage& m) {
        return m.header("X-Wallarm-Message-Type") == "request" &&
               m.header("X-Wallarm-Request-Part") == part &&
               m.embedded_head().find("\r\nX-E2E-Tag: " + tag + "\r\n") != std::string::npos;
      },
      std::chrono::milliseconds(5000));
}

}  // namespace

CapturedMessage CaptureNode::request_tagged(const std::string& tag) { return tagged(*this, tag, ""); }

CapturedMessage CaptureNode::head_tagged(const std::string& tag) { return tagged(*this, tag, "head"); }

void CaptureNode::block_if(std::function<bool(const CapturedMessage&)> pred) {
  std::lock_guard<std::mutex> lk(mu_);
  block_ = std::move(pred);
}

void CaptureNode::serve(int fd) {
  std::string buf;
  while (!stopping()) {
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (stopping() || !read_some(fd, buf, std::chrono::milliseconds(50))) return;
    }
    CapturedMessage m;
    std::string head = buf.substr(0, head_end);
    m.raw_head = buf.substr(0, head_end + 4);
    size_t line_end = head.find("\r\n");
    std::string start = head.substr(0, line_end);
    size_t sp1 = start.find(' '), sp2 = start.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return;
    m.method = start.substr(0, sp1);
    m.target = start.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t content_length = 0;
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      pos = e + 2;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      if (::strcasecmp(name.c_str(), "Content-Length") == 0) content_length = std::stoul(value);
      m.headers.emplace_back(name, value);
    }
    buf.erase(0, head_end + 4);
    while (buf.size() < content_length) {
      if (stopping() || !read_some(fd, buf, std::chrono::milliseconds(50))) return;
    }
    m.body = buf.substr(0, content_length);
    buf.erase(0, content_length);
    std::string type = m.header("X-Wallarm-Message-Type");
    bool block = false;
    {
      std::lock_guard<std::mutex> lk(mu_);
      messages_.push_back(m);
      block = type == "request" && block_ && block_(m);
    }
    std::string answer;
    if (block) {
      std::string body =
          R"({"verdict":"block","mode":"block","request_id":"capture-node","attacks":[]})";
      answer = "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    } else if (type == "request") {
      std::string body =
          R"({"verdict":"pass","mode":"monitoring","request_id":"capture-node","attacks":[]})";
      answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    } else {
      answer = "HTTP/1.1 204 No Content\r\n\r\n";
    }
    if (!write_all(fd, answer)) return;
  }
}

}  // namespace e2e
