#include "test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace testsrv {
namespace {

constexpr std::size_t kMaxHeadBytes = 1u << 20;
constexpr std::size_t kMaxChunkLineBytes = 4096;
constexpr std::size_t kMaxBodyBytes = 256u << 20;
// How long a closing connection waits for the client's FIN. Closing with
// unread input makes the kernel send RST, which can discard a reply the
// client has not read yet.
constexpr int kCloseDrainMs = 500;

using Clock = std::chrono::steady_clock;

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True if the comma-separated header value lists `token`.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

using HeaderList = std::vector<std::pair<std::string, std::string>>;

const std::string* find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

std::string openssl_error(std::string what) {
  char text[256];
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    ERR_error_string_n(e, text, sizeof text);
    what += ": ";
    what += text;
  }
  return what;
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// SSL_write reaches write(2) without MSG_NOSIGNAL; a peer that already closed
// must not kill the test process. SIGPIPE is thread-directed, so masking it in
// the server's own threads suffices.
void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

enum class Wait { ready, timeout, stopped, failed };

// Waits for `events` on fd, for the stop pipe, or for timeout_ms (-1: forever).
// A stop wins over readiness so that shutdown is never starved.
Wait wait_fd(int fd, short events, int stop_fd, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  for (;;) {
    pollfd fds[2] = {{stop_fd, POLLIN, 0}, {fd, events, 0}};
    const nfds_t count = fd >= 0 ? 2 : 1;
    const int r = ::poll(fds, count, timeout_ms < 0 ? -1 : remaining_ms(deadline));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Wait::failed;
    }
    if (fds[0].revents != 0) return Wait::stopped;
    if (r == 0) return Wait::timeout;
    return Wait::ready;  // POLLERR/POLLHUP too: the next I/O call reports them
  }
}

// Interruptible sleep; false if stopped.
bool pause_ms(int stop_fd, int ms) {
  return wait_fd(-1, 0, stop_fd, ms) == Wait::timeout;
}

class StopPipe {
 public:
  StopPipe() {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) throw_errno("pipe2");
  }
  ~StopPipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  StopPipe(const StopPipe&) = delete;
  StopPipe& operator=(const StopPipe&) = delete;

  int fd() const { return fds_[0]; }
  // Never drained, so it stays readable and wakes every current and future poll.
  void trigger() {
    const char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(fds_[1], &byte, 1);
  }

 private:
  int fds_[2] = {-1, -1};
};

int make_listener(uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, SOMAXCONN) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    throw_errno("listen on 127.0.0.1");
  }
  port = ntohs(addr.sin_port);
  return fd;
}

// One accepted socket, plain or TLS, whose every blocking step also watches
// the stop pipe.
class Stream {
 public:
  Stream(int fd, int stop_fd, SSL_CTX* ctx) noexcept : fd_(fd), stop_fd_(stop_fd) {
    if (ctx != nullptr) {
      ssl_ = SSL_new(ctx);
      if (ssl_ != nullptr && SSL_set_fd(ssl_, fd) != 1) {
        SSL_free(ssl_);
        ssl_ = nullptr;
      }
      broken_ = ssl_ == nullptr;
    }
  }
  ~Stream() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  bool handshake() {
    if (broken_) return false;
    if (ssl_ == nullptr) return true;
    for (;;) {
      ERR_clear_error();
      const int r = SSL_accept(ssl_);
      if (r == 1) return true;
      if (!wait_for_tls(SSL_get_error(ssl_, r))) return false;
    }
  }

  // Appends whatever arrives next to buf; false on EOF, error or stop.
  bool read_more(std::string& buf) {
    char chunk[16384];
    if (ssl_ != nullptr) {
      for (;;) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, chunk, sizeof chunk);
        if (n > 0) {
          buf.append(chunk, static_cast<std::size_t>(n));
          return true;
        }
        if (!wait_for_tls(SSL_get_error(ssl_, n))) return false;
      }
    }
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buf.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (wait_fd(fd_, POLLIN, stop_fd_, -1) != Wait::ready) return false;
    }
  }

  bool write_all(std::string_view data) {
    if (ssl_ != nullptr) {
      while (!data.empty()) {
        ERR_clear_error();
        // A retry after WANT_* must repeat the same length; data only shrinks on success.
        const int len = static_cast<int>(std::min<std::size_t>(data.size(), 1u << 20));
        const int n = SSL_write(ssl_, data.data(), len);
        if (n > 0) {
          data.remove_prefix(static_cast<std::size_t>(n));
          continue;
        }
        if (!wait_for_tls(SSL_get_error(ssl_, n))) return false;
      }
      return true;
    }
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (wait_fd(fd_, POLLOUT, stop_fd_, -1) != Wait::ready) return false;
        continue;
      }
      return false;
    }
    return true;
  }

  // Drains input until the peer closes, without writing anything more.
  void hold_until_peer_closes() {
    char scratch[4096];
    while (wait_fd(fd_, POLLIN, stop_fd_, -1) == Wait::ready) {
      const ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) return;
    }
  }

  // FIN (after a TLS close_notify if asked), then a bounded wait for the peer's FIN.
  void close_gracefully(bool tls_notify) {
    if (ssl_ != nullptr && tls_notify && !broken_) {
      ERR_clear_error();
      SSL_shutdown(ssl_);  // sends close_notify; the peer's reply is not awaited
    }
    ::shutdown(fd_, SHUT_WR);
    const auto deadline = Clock::now() + std::chrono::milliseconds(kCloseDrainMs);
    char scratch[4096];
    while (wait_fd(fd_, POLLIN, stop_fd_, remaining_ms(deadline)) == Wait::ready) {
      const ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) break;
    }
    close_fd();
  }

  void close_with_reset() {
    const linger abort_on_close{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    close_fd();
  }

 private:
  bool wait_for_tls(int ssl_error) {
    short events = 0;
    if (ssl_error == SSL_ERROR_WANT_READ) {
      events = POLLIN;
    } else if (ssl_error == SSL_ERROR_WANT_WRITE) {
      events = POLLOUT;
    } else {
      // ZERO_RETURN, SYSCALL, SSL (including unexpected EOF): the session is
      // over and must not be shut down cleanly.
      broken_ = true;
      return false;
    }
    return wait_fd(fd_, events, stop_fd_, -1) == Wait::ready;
  }

  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_;
  int stop_fd_;
  SSL* ssl_ = nullptr;
  bool broken_ = false;
};

enum class ReadResult { ok, closed, bad };

// Reads until buf holds the line ending at or after `from`; returns its offset.
bool read_line_end(Stream& stream, std::string& buf, std::size_t from, std::size_t& eol) {
  for (;;) {
    eol = buf.find("\r\n", from);
    if (eol != std::string::npos) return true;
    if (buf.size() - from > kMaxChunkLineBytes) return false;
    if (!stream.read_more(buf)) return false;
  }
}

bool parse_head(std::string_view head, Request& req) {
  std::size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);

  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  req.method = line.substr(0, sp1);
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  req.version = line.substr(sp2 + 1);
  if (req.method.empty() || req.target.empty() || req.version.rfind("HTTP/", 0) != 0) return false;

  while (!head.empty()) {
    eol = head.find("\r\n");
    line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      // obs-fold continues the previous header's value
      if (req.headers.empty()) return false;
      req.headers.back().second += ' ';
      req.headers.back().second += trim(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    const std::string_view name = line.substr(0, colon);
    if (name.find_first_of(" \t") != std::string_view::npos) return false;
    req.headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  }
  return true;
}

ReadResult read_chunked_body(Stream& stream, std::string& buf, Request& req) {
  std::size_t pos = 0;
  for (;;) {
    std::size_t eol = 0;
    if (!read_line_end(stream, buf, pos, eol)) return ReadResult::closed;
    std::string_view size_text(buf.data() + pos, eol - pos);
    size_text = trim(size_text.substr(0, size_text.find(';')));
    std::size_t size = 0;
    const auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc{} || end != size_text.data() + size_text.size()) {
      return ReadResult::bad;
    }
    pos = eol + 2;
    if (size == 0) break;
    if (size > kMaxBodyBytes - req.body.size()) return ReadResult::bad;
    while (buf.size() < pos + size + 2) {
      if (!stream.read_more(buf)) return ReadResult::closed;
    }
    if (buf.compare(pos + size, 2, "\r\n") != 0) return ReadResult::bad;
    req.body.append(buf, pos, size);
    pos += size + 2;
  }
  // Trailer fields are read and dropped, up to the empty line.
  for (;;) {
    std::size_t eol = 0;
    if (!read_line_end(stream, buf, pos, eol)) return ReadResult::closed;
    const bool last = eol == pos;
    pos = eol + 2;
    if (last) break;
  }
  buf.erase(0, pos);
  return ReadResult::ok;
}

// Reads one request from stream; bytes after it stay in buf for the next call
// (pipelining).
ReadResult read_request(Stream& stream, std::string& buf, Request& req) {
  std::size_t head_end = 0;
  for (;;) {
    // Stray CRLFs between requests are allowed (RFC 9112, 2.2).
    std::size_t lead = 0;
    while (buf.compare(lead, 2, "\r\n") == 0) lead += 2;
    buf.erase(0, lead);
    head_end = buf.find("\r\n\r\n");
    if (head_end != std::string::npos) break;
    if (buf.size() > kMaxHeadBytes) return ReadResult::bad;
    if (!stream.read_more(buf)) return ReadResult::closed;
  }
  if (!parse_head(std::string_view(buf).substr(0, head_end), req)) return ReadResult::bad;
  buf.erase(0, head_end + 4);

  const bool chunked = has_token(req.header("Transfer-Encoding"), "chunked");
  std::size_t length = 0;
  if (!chunked) {
    const std::string text = req.header("Content-Length");
    if (!text.empty()) {
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
      if (ec != std::errc{} || end != text.data() + text.size() || length > kMaxBodyBytes) {
        return ReadResult::bad;
      }
    }
  }

  // Without the interim reply curl waits about a second before sending a large body.
  const bool body_pending = chunked ? buf.empty() : buf.size() < length;
  if (body_pending && iequals(trim(req.header("Expect")), "100-continue")) {
    if (!stream.write_all("HTTP/1.1 100 Continue\r\n\r\n")) return ReadResult::closed;
  }

  if (chunked) return read_chunked_body(stream, buf, req);
  while (buf.size() < length) {
    if (!stream.read_more(buf)) return ReadResult::closed;
  }
  req.body.assign(buf, 0, length);
  buf.erase(0, length);
  return ReadResult::ok;
}

bool client_wants_close(const Request& req) {
  const std::string connection = req.header("Connection");
  if (has_token(connection, "close")) return true;
  return req.version == "HTTP/1.0" && !has_token(connection, "keep-alive");
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

std::string status_line(int status) {
  std::string out = "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  return out;
}

void append_headers(std::string& out, const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

std::string render_reply(const Reply& reply, bool head_request, bool close) {
  const bool body_allowed = reply.status / 100 != 1 && reply.status != 204 && reply.status != 304;
  const bool framed_by_caller = find_header(reply.headers, "Content-Length") != nullptr ||
                                find_header(reply.headers, "Transfer-Encoding") != nullptr;
  std::string out = status_line(reply.status);
  if (body_allowed && !framed_by_caller) {
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  }
  append_headers(out, reply.headers);
  if (close && find_header(reply.headers, "Connection") == nullptr) out += "Connection: close\r\n";
  out += "\r\n";
  if (body_allowed && !head_request) out += reply.body;
  return out;
}

std::string render_truncated(const Reply& reply) {
  std::string out = status_line(reply.status);
  append_headers(out, reply.headers);
  out += "Content-Length: 100\r\n\r\n0123456789";
  return out;
}

constexpr char kGarbage[] =
    "\x00\x01garbage not http\r\n\r\n"
    "\xff\xfe\x80 still not http \x1b[0m\r\n"
    "<html>neither is this</html>\r\n\r\n";

// Selects http/1.1; counts, in *arg, the clients that offered h2 too.
int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void* arg) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  for (unsigned int i = 0; i < inlen; i += 1u + in[i])
    if (in[i] == 2 && i + 2 < inlen && in[i + 1] == 'h' && in[i + 2] == '2')
      static_cast<std::atomic<int>*>(arg)->fetch_add(1);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

SSL_CTX* make_server_ctx(const TlsFiles& tls, std::atomic<int>* h2_offers) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) throw std::runtime_error(openssl_error("SSL_CTX_new"));
  const auto fail = [ctx](const std::string& what) {
    SSL_CTX_free(ctx);
    throw std::runtime_error(openssl_error(what));
  };
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) fail("SSL_CTX_set_min_proto_version");
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_pem.c_str()) != 1) fail("certificate " + tls.cert_pem);
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_pem.c_str(), SSL_FILETYPE_PEM) != 1) fail("key " + tls.key_pem);
  if (SSL_CTX_check_private_key(ctx) != 1) fail("certificate and key do not match");
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Offer only HTTP/1.1 so curl never switches to HTTP/2.
  SSL_CTX_set_alpn_select_cb(ctx, select_http11, h2_offers);
  return ctx;
}

}  // namespace

std::string Request::header(std::string_view name) const {
  const std::string* value = find_header(headers, name);
  return value != nullptr ? *value : std::string();
}

struct Server::Impl {
  explicit Impl(Handler h) : handler(std::move(h)) {}
  ~Impl() {
    stop();
    if (listen_fd >= 0) ::close(listen_fd);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }

  void start(const TlsFiles* tls) {
    if (tls != nullptr) ctx = make_server_ctx(*tls, &h2_offers);
    listen_fd = make_listener(port);
    acceptor = std::thread([this] { accept_loop(); });
  }

  void accept_loop() noexcept {
    block_sigpipe();
    for (;;) {
      const Wait w = wait_fd(listen_fd, POLLIN, stop_pipe.fd(), -1);
      if (w == Wait::stopped || w == Wait::failed) return;
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors or memory: back off instead of spinning.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          if (!pause_ms(stop_pipe.fd(), 10)) return;
        }
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mu);
      const int id = ++accepted;
      ++open;
      try {
        workers.emplace_back([this, fd, id] { serve(fd, id); });
      } catch (...) {
        --open;
        ::close(fd);
      }
    }
  }

  void serve(int fd, int id) noexcept {
    block_sigpipe();
    try {
      Stream stream(fd, stop_pipe.fd(), ctx);
      if (stream.handshake()) converse(stream, id);
    } catch (...) {
      // The socket is closed by ~Stream; a failing connection must not take the test down.
    }
    std::lock_guard lock(mu);
    --open;
  }

  void converse(Stream& stream, int id) {
    std::string buf;
    for (;;) {
      Request req;
      req.connection_id = id;
      const ReadResult read = read_request(stream, buf, req);
      if (read == ReadResult::closed) return;
      if (read == ReadResult::bad) {
        Reply bad;
        bad.status = 400;
        bad.body = "malformed request";
        if (stream.write_all(render_reply(bad, false, true))) stream.close_gracefully(true);
        return;
      }
      record(req);
      const Reply reply = respond(req);

      if (reply.fault == Fault::never_answer) {
        stream.hold_until_peer_closes();
        return;
      }
      if (reply.delay_ms > 0 && !pause_ms(stop_pipe.fd(), reply.delay_ms)) return;

      switch (reply.fault) {
        case Fault::never_answer:  // handled above
          return;
        case Fault::none: {
          const std::string* connection = find_header(reply.headers, "Connection");
          const bool close = reply.close_after || client_wants_close(req) ||
                             (connection != nullptr && has_token(*connection, "close"));
          if (!stream.write_all(render_reply(reply, req.method == "HEAD", close))) return;
          if (close) {
            stream.close_gracefully(true);
            return;
          }
          break;
        }
        case Fault::raw:
          if (!stream.write_all(reply.raw)) return;
          if (reply.close_after) {
            stream.close_gracefully(true);
            return;
          }
          break;
        case Fault::close_now:
          stream.close_gracefully(false);
          return;
        case Fault::reset:
          stream.close_with_reset();
          return;
        case Fault::garbage:
          if (stream.write_all(std::string_view(kGarbage, sizeof kGarbage - 1))) {
            stream.close_gracefully(true);
          }
          return;
        case Fault::truncated:
          if (stream.write_all(render_truncated(reply))) stream.close_gracefully(true);
          return;
      }
    }
  }

  void record(const Request& req) {
    {
      std::lock_guard lock(mu);
      received.push_back(req);
    }
    cv.notify_all();
  }

  Reply respond(const Request& req) {
    try {
      std::lock_guard lock(handler_mu);
      if (!handler) return Reply{};
      return handler(req);
    } catch (const std::exception& e) {
      return handler_failure(std::string("handler threw: ") + e.what());
    } catch (...) {
      return handler_failure("handler threw a non-std exception");
    }
  }

  static Reply handler_failure(std::string message) {
    Reply reply;
    reply.status = 500;
    reply.body = std::move(message);
    reply.close_after = true;
    return reply;
  }

  void stop() {
    {
      std::lock_guard lock(stop_mu);
      if (stopped) return;
      stopped = true;
    }
    stop_pipe.trigger();
    if (acceptor.joinable()) acceptor.join();
    if (listen_fd >= 0) ::close(listen_fd);
    listen_fd = -1;
    // The acceptor is gone, so no worker can be added after this swap.
    std::vector<std::thread> joining;
    {
      std::lock_guard lock(mu);
      joining.swap(workers);
    }
    for (auto& t : joining) t.join();
  }

  Handler handler;
  SSL_CTX* ctx = nullptr;
  int listen_fd = -1;
  uint16_t port = 0;
  StopPipe stop_pipe;
  std::thread acceptor;

  mutable std::mutex mu;  // guards the fields below
  mutable std::condition_variable cv;
  std::vector<Request> received;
  int accepted = 0;
  std::atomic<int> h2_offers{0};  // TLS clients that offered h2
  int open = 0;
  std::vector<std::thread> workers;

  std::mutex handler_mu;
  std::mutex stop_mu;
  bool stopped = false;
};

Server::Server(Handler handler) : impl_(std::make_unique<Impl>(std::move(handler))) {
  impl_->start(nullptr);
}

Server::Server(Handler handler, const TlsFiles& tls)
    : impl_(std::make_unique<Impl>(std::move(handler))) {
  impl_->start(&tls);
}

Server::~Server() = default;

uint16_t Server::port() const { return impl_->port; }

std::string Server::url(std::string_view path) const {
  std::string out = impl_->ctx != nullptr ? "https://127.0.0.1:" : "http://127.0.0.1:";
  out += std::to_string(impl_->port);
  if (path.empty() || path.front() != '/') out += '/';
  out += path;
  return out;
}

int Server::connections_accepted() const {
  std::lock_guard lock(impl_->mu);
  return impl_->accepted;
}

int Server::h2_offers() const { return impl_->h2_offers.load(); }

int Server::open_connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->open;
}

int Server::request_count() const {
  std::lock_guard lock(impl_->mu);
  return static_cast<int>(impl_->received.size());
}

std::vector<Request> Server::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->received;
}

bool Server::wait_for_requests(int n, int timeout_ms) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    return static_cast<int>(impl_->received.size()) >= n;
  });
}

void Server::stop() { impl_->stop(); }

TlsFiles make_self_signed(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const TlsFiles files{dir + "/cert.pem", dir + "/key.pem"};

  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) throw std::runtime_error(openssl_error("EC key generation"));
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  if (!cert) throw std::runtime_error(openssl_error("X509_new"));
  X509* x = cert.get();

  uint64_t serial = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) {
    throw std::runtime_error(openssl_error("RAND_bytes"));
  }
  serial = (serial >> 1) | 1;  // positive and non-zero
  X509_NAME* name = X509_get_subject_name(x);
  const auto text = [](const char* s) { return reinterpret_cast<const unsigned char*>(s); };
  bool ok = X509_set_version(x, X509_VERSION_3) == 1 &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) != nullptr &&
            X509_set_pubkey(x, key.get()) == 1 &&
            X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, text("testsrv"), -1, -1, 0) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, text("127.0.0.1"), -1, -1, 0) == 1 &&
            X509_set_issuer_name(x, name) == 1;
  if (!ok) throw std::runtime_error(openssl_error("filling the certificate"));

  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  // Subject key id first: the authority key id of a self-signed cert copies it.
  const std::pair<int, const char*> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
      {NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
  };
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    const bool added = ext != nullptr && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    if (!added) throw std::runtime_error(openssl_error(std::string("extension ") + value));
  }
  if (X509_sign(x, key.get(), EVP_sha256()) <= 0) throw std::runtime_error(openssl_error("X509_sign"));

  const auto write_pem = [](const std::string& path, mode_t mode, const auto& write) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) throw_errno(path.c_str());
    FILE* file = ::fdopen(fd, "w");
    if (file == nullptr) {
      ::close(fd);
      throw_errno(path.c_str());
    }
    const bool written = write(file);
    if (std::fclose(file) != 0 || !written) throw std::runtime_error(openssl_error("writing " + path));
  };
  write_pem(files.cert_pem, 0644, [&](FILE* f) { return PEM_write_X509(f, x) == 1; });
  write_pem(files.key_pem, 0600, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  return files;
}

uint16_t closed_port() {
  uint16_t port = 0;
  ::close(make_listener(port));
  return port;
}

struct SilentListener::Impl {
  Impl() {
    listen_fd = make_listener(port);
    acceptor = std::thread([this] { accept_loop(); });
  }
  ~Impl() {
    stop_pipe.trigger();
    if (acceptor.joinable()) acceptor.join();
    for (int fd : held) ::close(fd);
    ::close(listen_fd);
  }

  void accept_loop() noexcept {
    for (;;) {
      const Wait w = wait_fd(listen_fd, POLLIN, stop_pipe.fd(), -1);
      if (w == Wait::stopped || w == Wait::failed) return;
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          if (!pause_ms(stop_pipe.fd(), 10)) return;
        }
        continue;
      }
      try {
        held.push_back(fd);  // only this thread touches `held` until the join
      } catch (...) {
        ::close(fd);
      }
      accepted.fetch_add(1);
    }
  }

  int listen_fd = -1;
  uint16_t port = 0;
  StopPipe stop_pipe;
  std::thread acceptor;
  std::vector<int> held;
  std::atomic<int> accepted{0};
};

SilentListener::SilentListener() : impl_(std::make_unique<Impl>()) {}
SilentListener::~SilentListener() = default;
uint16_t SilentListener::port() const { return impl_->port; }
int SilentListener::accepted() const { return impl_->accepted.load(); }

}  // namespace testsrv
