#pragma once
// A node that is no node: a raw loopback HTTP/1.1 server whose every answer
// the test writes, byte for byte, from the request's head and body.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace node_check_test {

class FakeNode {
 public:
  struct Reply {
    std::string bytes;   // written as is
    bool close = false;  // then the connection is closed
  };
  // head: the request line and header lines, CRLF each; body: as framed by
  // Content-Length.
  using Answer = std::function<Reply(const std::string& head, const std::string& body)>;

  explicit FakeNode(Answer answer) : answer_(std::move(answer)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_fd_, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FakeNode() {
    stop_ = true;
    acceptor_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : connections_) t.join();
    for (int fd : open_) ::close(fd);
    ::close(listen_fd_);
  }
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int requests() const { return requests_.load(); }

  static Reply status(int code, const std::string& body = "") {
    return {"HTTP/1.1 " + std::to_string(code) + " Whatever\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body,
            false};
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      open_.push_back(fd);
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string in;
    for (;;) {
      size_t end;
      while ((end = in.find("\r\n\r\n")) == std::string::npos)
        if (!fill(fd, in)) return finish(fd);
      const std::string head = in.substr(0, end + 2);
      in.erase(0, end + 4);
      const size_t length = content_length(head);
      while (in.size() < length)
        if (!fill(fd, in)) return finish(fd);
      const std::string body = in.substr(0, length);
      in.erase(0, length);
      ++requests_;
      const Reply r = answer_(head, body);
      if (::send(fd, r.bytes.data(), r.bytes.size(), MSG_NOSIGNAL) < 0 || r.close)
        return finish(fd);
    }
  }

  static bool fill(int fd, std::string& in) {
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in.append(buf, static_cast<size_t>(n));
    return true;
  }

  static size_t content_length(const std::string& head) {
    for (size_t at = 0; at < head.size();) {
      size_t eol = head.find("\r\n", at);
      std::string line = head.substr(at, eol - at);
      at = eol + 2;
      for (size_t i = 0; i < line.size() && line[i] != ':'; ++i)
        line[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i])));
      if (line.rfind("content-length:", 0) == 0)
        return std::strtoul(line.c_str() + 15, nullptr, 10);
    }
    return 0;
  }

  void finish(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    ::shutdown(fd, SHUT_RDWR);  // the fd stays open until the destructor: no reuse race
  }

  Answer answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::vector<int> open_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace node_check_test
