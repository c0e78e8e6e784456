#include "raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace e2e {

std::string RawResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return {};
}

namespace {

enum class Parse { done, need_more, bad };

// Parses one response from the front of `in`; on `done` removes it. A body
// delimited by the connection's end is complete only when `eof`.
Parse parse_one(std::string& in, bool eof, RawResponse& out) {
  size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return eof && !in.empty() ? Parse::bad : Parse::need_more;
  RawResponse r;
  size_t line_end = in.find("\r\n");
  r.status_line = in.substr(0, line_end);
  if (r.status_line.rfind("HTTP/", 0) != 0 || r.status_line.size() < 12) return Parse::bad;
  r.status = std::atoi(r.status_line.c_str() + 9);
  size_t pos = line_end + 2;
  while (pos < head_end) {
    size_t e = in.find("\r\n", pos);
    std::string line = in.substr(pos, e - pos);
    pos = e + 2;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    r.headers.emplace_back(line.substr(0, colon), value);
  }
  size_t body_start = head_end + 4;
  const bool no_body = r.status / 100 == 1 || r.status == 204 || r.status == 304;
  if (no_body) {
    in.erase(0, body_start);
    out = std::move(r);
    return Parse::done;
  }
  if (::strcasecmp(r.header("Transfer-Encoding").c_str(), "chunked") == 0) {
    size_t p = body_start;
    std::string body;
    while (true) {
      size_t le = in.find("\r\n", p);
      if (le == std::string::npos) return Parse::need_more;
      size_t n = std::strtoul(in.substr(p, le - p).c_str(), nullptr, 16);
      p = le + 2;
      if (n == 0) {
        // No trailers from nginx: the last chunk is followed by one CRLF.
        if (in.size() < p + 2) return Parse::need_more;
        p += 2;
        break;
      }
      if (in.size() < p + n + 2) return Parse::need_more;
      body.append(in, p, n);
      p += n + 2;
    }
    r.body = std::move(body);
    in.erase(0, p);
    out = std::move(r);
    return Parse::done;
  }
  std::string cl = r.header("Content-Length");
  if (!cl.empty()) {
    size_t n = std::strtoul(cl.c_str(), nullptr, 10);
    if (in.size() < body_start + n) return Parse::need_more;
    r.body = in.substr(body_start, n);
    in.erase(0, body_start + n);
    out = std::move(r);
    return Parse::done;
  }
  if (!eof) return Parse::need_more;
  r.body = in.substr(body_start);
  in.clear();
  out = std::move(r);
  return Parse::done;
}

}  // namespace

RawExchange raw_exchange(uint16_t port, const std::string& data, size_t expect,
                         std::chrono::milliseconds timeout) {
  RawExchange ex;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    ex.error = "socket failed";
    return ex;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&] {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<long>(0, d.count()));
  };
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    ex.error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return ex;
  }
  size_t sent = 0;
  bool can_write = true, eof = false;
  std::string in;
  while (ex.responses.size() < expect && !eof) {
    int ms = left_ms();
    if (ms == 0) {
      ex.timed_out = true;
      break;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (can_write && sent < data.size() ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, ms) <= 0) continue;
    if (p.revents & POLLOUT) {
      ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        // The server stopped reading (an early error answer): keep reading.
        ex.error = std::string("send: ") + std::strerror(errno);
        can_write = false;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        in.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        eof = true;
        ex.closed = true;
      }
    }
    while (ex.responses.size() < expect) {
      RawResponse r;
      Parse res = parse_one(in, eof, r);
      if (res != Parse::done) break;
      ex.responses.push_back(std::move(r));
    }
  }
  if (!eof && ex.responses.size() >= expect) {
    // Tell a server that closes after its answer from one that keeps the
    // connection: a short look for the FIN.
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) {
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) in.append(buf, static_cast<size_t>(n));
      if (n == 0) ex.closed = true;
    }
  }
  ex.leftover = in;
  ::close(fd);
  return ex;
}

}  // namespace e2e
