#include "fault_node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "servers.h"

namespace e2e {

namespace {

constexpr int kTick = 20;  // ms: how soon a thread notices a mode change

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "";
  }
}

std::string http_answer(int status, const std::string& type, const std::string& body, bool close) {
  std::string a = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  if (!type.empty()) a += "Content-Type: " + type + "\r\n";
  if (close) a += "Connection: close\r\n";
  a += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return a;
}

}  // namespace

const char* fault_name(Fault f) {
  switch (f) {
    case Fault::ok: return "ok";
    case Fault::refuse: return "refuse";
    case Fault::hang: return "hang";
    case Fault::slow: return "slow";
    case Fault::reset: return "reset";
    case Fault::garbage: return "garbage";
    case Fault::truncated: return "truncated";
    case Fault::oversized: return "oversized";
    case Fault::status: return "status";
    case Fault::random_close: return "random_close";
    case Fault::tls_stall: return "tls_stall";
  }
  return "?";
}

FaultNode::FaultNode(Fault mode, int arg, uint32_t seed) : mode_(mode), arg_(arg), rng_(seed) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::string err;
  if (stop_fd_ < 0 || wake_fd_ < 0 || !open_listener(&err)) {
    if (stop_fd_ >= 0) ::close(stop_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw std::runtime_error("fault node: " + (err.empty() ? std::string("eventfd failed") : err));
  }
  if (mode == Fault::refuse) {  // the port is ours to reopen later, closed for now
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultNode::~FaultNode() { stop(); }

std::string FaultNode::url(bool https) const {
  return std::string(https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/";
}

bool FaultNode::open_listener(std::string* err) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *err = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port_);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 512) != 0) {
    *err = "bind/listen 127.0.0.1:" + std::to_string(port_) + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  if (port_ == 0) {  // first time only: later binds reuse it, and port() may be read meanwhile
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  listen_fd_ = fd;
  return true;
}

void FaultNode::set_mode(Fault mode, int arg) {
  arg_.store(arg);
  mode_.store(mode);
  if (mode == Fault::refuse) drop_generation_.fetch_add(1);  // a dead node keeps no connection
  const uint64_t want = mode_generation_.fetch_add(1) + 1;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t w = ::write(wake_fd_, &one, sizeof one);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (applied_generation_.load() < want ||
         (mode == Fault::refuse && open_.load() > 0)) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error(std::string("fault node: mode ") + fault_name(mode) +
                               " not in effect after 5 s (port " + std::to_string(port_) + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void FaultNode::stop() {
  if (stop_.exchange(true)) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t w = ::write(stop_fd_, &one, sizeof one);
  if (acceptor_.joinable()) acceptor_.join();
  reap(true);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  ::close(stop_fd_);
  ::close(wake_fd_);
}

void FaultNode::reap(bool all) {
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (all || (*it)->done.load()) {
      (*it)->thread.join();
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
}

void FaultNode::accept_loop() {
  uint64_t applied = 0;
  while (!stop_.load()) {
    const uint64_t want = mode_generation_.load();
    if (want != applied) {
      const bool refuse = mode_.load() == Fault::refuse;
      if (refuse && listen_fd_ >= 0) {
        ::close(listen_fd_);  // backlog connections get a reset, new ones are refused
        listen_fd_ = -1;
      } else if (!refuse && listen_fd_ < 0) {
        std::string err;
        // The port was free a moment ago; a short retry covers a racing bind.
        for (int i = 0; i < 50 && !open_listener(&err); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      applied = want;
      applied_generation_.store(applied);
    }
    pollfd p[3] = {{stop_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    int n = ::poll(p, listen_fd_ >= 0 ? 3 : 2, 50);
    if (n > 0 && (p[1].revents & POLLIN)) {
      uint64_t v;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &v, sizeof v);
    }
    if (n > 0 && listen_fd_ >= 0 && (p[2].revents & POLLIN)) {
      while (true) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) break;
        connections_.fetch_add(1);
        open_.fetch_add(1);
        auto c = std::make_unique<Conn>();
        Conn* raw = c.get();
        const uint64_t generation = drop_generation_.load();
        try {
          raw->thread = std::thread([this, fd, raw, generation] { serve(fd, generation, raw); });
          conns_.push_back(std::move(c));
        } catch (...) {
          ::close(fd);
          open_.fetch_sub(1);
        }
      }
    }
    reap(false);
  }
}

void FaultNode::serve(int fd, uint64_t generation, Conn* self) {
  try {
    serve_one(fd, generation);
  } catch (...) {
    // A failed allocation ends this connection only.
  }
  if (fd >= 0) ::close(fd);
  open_.fetch_sub(1);
  self->done.store(true);
}

FaultNode::Read FaultNode::read_some(int fd, std::string& buf, int timeout_ms, uint64_t generation) {
  pollfd p[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  int n = ::poll(p, 2, timeout_ms);
  if (cancelled(generation)) return Read::stopped;
  if (n <= 0 || !(p[0].revents & (POLLIN | POLLHUP | POLLERR))) return Read::ok;
  char tmp[65536];
  ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
  if (r > 0) {
    buf.append(tmp, static_cast<size_t>(r));
    return Read::ok;
  }
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return Read::ok;
  return Read::eof;
}

FaultNode::Read FaultNode::read_message(int fd, std::string& buf, Message& m, uint64_t generation) {
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    Read r = read_some(fd, buf, kTick, generation);
    if (r != Read::ok) return r;
  }
  const size_t length = content_length(buf.substr(0, head_end + 4));
  while (buf.size() < head_end + 4 + length) {
    Read r = read_some(fd, buf, kTick, generation);
    if (r != Read::ok) return r;
  }
  // In any format (servers.h): its type, and the client's target.
  const CapturedMessage c = read_node_message(buf.substr(0, head_end + 4), buf.substr(head_end + 4, length));
  buf.erase(0, head_end + 4 + length);
  m.type = c.type;
  m.request_id = c.request_id();
  m.target = c.target;
  return Read::ok;
}

bool FaultNode::write_all(int fd, const std::string& data, uint64_t generation) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    pollfd p[2] = {{fd, POLLOUT, 0}, {stop_fd_, POLLIN, 0}};
    ::poll(p, 2, kTick);
    if (cancelled(generation)) return false;
  }
  return true;
}

bool FaultNode::pause(int ms, uint64_t generation) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!cancelled(generation)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    pollfd p{stop_fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), kTick)));
  }
  return false;
}

void FaultNode::drain(int fd, uint64_t generation) {
  std::string sink;
  while (read_some(fd, sink, kTick, generation) == Read::ok) sink.clear();
}

void FaultNode::count(const Message& m) {
  messages_.fetch_add(1);
  std::lock_guard<std::mutex> lk(mu_);
  ++by_type_[m.type];
  if (m.type == "request" && !m.request_id.empty()) ++request_ids_[m.request_id];
}

long FaultNode::messages(const std::string& type) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = by_type_.find(type);
  return it == by_type_.end() ? 0 : it->second;
}

long FaultNode::duplicate_requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  long n = 0;
  for (const auto& [id, times] : request_ids_)
    if (times > 1) ++n;
  return n;
}

int FaultNode::random_percent() {
  std::lock_guard<std::mutex> lk(mu_);
  return static_cast<int>(rng_() % 100);
}

std::string FaultNode::verdict_answer(const Message& m, bool close) {
  if (m.type != "request") return http_answer(200, "", "", close);
  if (m.target.find("attack") != std::string::npos)
    return http_answer(403, "application/json",
                       R"({"verdict":"block","mode":"block","request_id":"fault-node",)"
                       R"("attacks":[{"type":"ptrav","location":"uri"}]})",
                       close);
  return http_answer(200, "application/json",
                     R"({"verdict":"pass","mode":"block","request_id":"fault-node","attacks":[]})", close);
}

void FaultNode::serve_one(int& fd, uint64_t generation) {
  std::string buf;
  while (!cancelled(generation)) {
    Fault mode = mode_.load();
    if (mode == Fault::refuse) return;
    if (mode == Fault::tls_stall) {  // takes the ClientHello, says nothing
      drain(fd, generation);
      return;
    }
    if (mode == Fault::garbage) {
      // Whatever comes first: a whole HTTP message, or a TLS ClientHello.
      while (buf.empty()) {
        if (read_some(fd, buf, kTick, generation) != Read::ok) return;
      }
      if (buf[0] != '\x16') {  // not a TLS handshake record: read the message out
        Message m;
        if (read_message(fd, buf, m, generation) != Read::ok) return;
        count(m);
      }
      static const char kJunk[] = "\x00\x01\x02 NOT-HTTP \xff\xfe garbage\r\n\r\n{{{{}}}}\x7f";
      write_all(fd, std::string(kJunk, sizeof kJunk - 1), generation);
      ::shutdown(fd, SHUT_WR);
      return;
    }

    Message m;
    if (read_message(fd, buf, m, generation) != Read::ok) return;
    count(m);
    mode = mode_.load();
    const int arg = arg_.load();
    switch (mode) {
      case Fault::refuse:
        return;
      case Fault::ok:
        if (!write_all(fd, verdict_answer(m, false), generation)) return;
        answers_.fetch_add(1);
        break;
      case Fault::hang:
      case Fault::tls_stall:
      case Fault::garbage:  // switched while reading: hang up on this one
        drain(fd, generation);
        return;
      case Fault::slow:
        if (!pause(arg > 0 ? arg : 2000, generation)) return;
        if (!write_all(fd, verdict_answer(m, false), generation)) return;
        answers_.fetch_add(1);
        break;
      case Fault::reset: {
        write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/js", generation);
        pause(5, generation);  // let the partial head arrive first
        linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(fd);  // RST
        fd = -1;
        return;
      }
      case Fault::truncated:
        write_all(fd,
                  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
                  R"({"verdict":"pass","mo)",
                  generation);
        ::shutdown(fd, SHUT_WR);  // FIN, 379 bytes short
        drain(fd, generation);
        return;
      case Fault::oversized: {
        const size_t size = static_cast<size_t>(arg > 0 ? arg : 65536);
        std::string body = R"({"verdict":"pass","pad":")";
        body.append(size > body.size() + 2 ? size - body.size() - 2 : 0, 'x');
        body += "\"}";
        if (!write_all(fd, http_answer(200, "application/json", body, false), generation)) return;
        break;
      }
      case Fault::status: {
        const int status = arg > 0 ? arg : 500;
        if (!write_all(fd,
                       http_answer(status, "text/plain",
                                   "fault node: HTTP " + std::to_string(status) + "\n", false),
                       generation))
          return;
        break;
      }
      case Fault::random_close: {
        const int p = random_percent();
        if (p >= 30) {
          if (!write_all(fd, verdict_answer(m, false), generation)) return;
          answers_.fetch_add(1);
          break;
        }
        const bool announce = p < 15;
        if (!write_all(fd, verdict_answer(m, announce), generation)) return;
        answers_.fetch_add(1);
        if (announce) {
          closes_announced_.fetch_add(1);
        } else {
          // Unannounced, and a moment later: the connector may have sent
          // the next message on this connection already.
          closes_silent_.fetch_add(1);
          pause(p % 4, generation);
        }
        return;
      }
    }
  }
}

}  // namespace e2e
