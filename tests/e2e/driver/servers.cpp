#include "servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
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

namespace {

using Lines = std::vector<std::pair<std::string, std::string>>;

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && ::strcasecmp(a.c_str(), b.c_str()) == 0;
}

bool istarts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && ::strncasecmp(s.c_str(), prefix.c_str(), prefix.size()) == 0;
}

const Lines::value_type* find_line(const Lines& lines, const std::string& name) {
  for (const auto& l : lines)
    if (iequals(l.first, name)) return &l;
  return nullptr;
}

// "Name: value" CRLF ... (no blank line): name up to the first ':', the
// value after it without leading blanks.
Lines parse_lines(const std::string& text) {
  Lines out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t e = text.find("\r\n", pos);
    if (e == std::string::npos) e = text.size();
    const std::string line = text.substr(pos, e - pos);
    pos = e + 2;
    const size_t colon = line.find(':');
    std::string value = colon == std::string::npos ? std::string() : line.substr(colon + 1);
    value.erase(0, std::min(value.size(), value.find_first_not_of(" \t")));
    out.emplace_back(line.substr(0, colon), value);
  }
  return out;
}

// Splits a head (start line, lines, CRLF CRLF) into its start line and lines.
bool split_head(const std::string& head, std::string& start, Lines& lines) {
  const size_t eol = head.find("\r\n");
  if (eol == std::string::npos || head.size() < eol + 4 ||
      head.compare(head.size() - 4, 4, "\r\n\r\n") != 0)
    return false;
  start = head.substr(0, eol);
  lines.clear();
  if (head.size() > eol + 4) lines = parse_lines(head.substr(eol + 2, head.size() - 4 - (eol + 2)));
  return true;
}

// The outer values the library escapes (docs/protocol.md 3.2: '%' too) back
// to the bytes they stand for.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string without_dashes(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '-') out.push_back(c);
  return out;
}

// The boundary of a multipart message (12.3): WallarmBoundary, the request
// id without '-', maybe -N. "" when the Content-Type is not that.
std::string multipart_boundary(const CapturedMessage& m) {
  static const std::string kType = "multipart/form-data; boundary=";
  const std::string ct = m.header("Content-Type");
  const std::string id = m.request_id();
  if (id.empty() || ct.rfind(kType, 0) != 0) return {};
  const std::string boundary = ct.substr(kType.size());
  const std::string base = "WallarmBoundary" + without_dashes(id);
  if (boundary.rfind(base, 0) != 0) return {};
  const std::string rest = boundary.substr(base.size());
  if (!rest.empty() && (rest.size() < 2 || rest[0] != '-' ||
                        rest.find_first_not_of("0123456789", 1) != std::string::npos))
    return {};
  return boundary;
}

// The two parts of a multipart message into lines and body.
void read_multipart(CapturedMessage& m, const std::string& boundary) {
  const std::string& b = m.outer_body;
  const std::string open = "--" + boundary + "\r\n";
  const std::string headers_part = open + "Content-Disposition: form-data; name=\"headers\"\r\n\r\n";
  const std::string body_part =
      "\r\n" + open + "Content-Disposition: form-data; name=\"body\"\r\n\r\n";
  const std::string close = "\r\n--" + boundary + "--\r\n";
  if (b.rfind(headers_part, 0) != 0) {
    m.problem = "multipart body does not start with the headers part";
    return;
  }
  const size_t headers_at = headers_part.size();
  const size_t body_part_at = b.find(body_part, headers_at);
  if (body_part_at == std::string::npos) {
    m.problem = "multipart body without a body part";
    return;
  }
  const size_t body_at = body_part_at + body_part.size();
  if (b.size() < body_at + close.size() || b.compare(b.size() - close.size(), close.size(), close) != 0) {
    m.problem = "multipart body does not end with its closing delimiter";
    return;
  }
  const std::string headers = b.substr(headers_at, body_part_at - headers_at);
  if (!headers.empty() && headers.compare(headers.size() - 2, 2, "\r\n") != 0) {
    m.problem = "the headers part does not end its last line with CRLF";
    return;
  }
  m.lines = parse_lines(headers.empty() ? headers : headers.substr(0, headers.size() - 2));
  m.body = b.substr(body_at, b.size() - close.size() - body_at);
}

// The embedded message of a v1 request or response.
void read_v1(CapturedMessage& m) {
  m.format = NodeFormat::v1;
  m.type = m.header("X-Wallarm-Message-Type");
  m.out_of_band = m.header("X-Wallarm-Out-Of-Band") == "1";
  if (m.type != "request" && m.type != "response") return;
  std::string start;
  if (!split_head(m.embedded_head(), start, m.lines)) {
    m.problem = "no embedded head";
    return;
  }
  const size_t sp1 = start.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? sp1 : start.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || (sp2 == std::string::npos && m.type == "request")) {
    m.problem = "embedded start line: " + start;
    return;
  }
  if (m.type == "request") {
    m.method = start.substr(0, sp1);
    m.target = start.substr(sp1 + 1, sp2 - sp1 - 1);
    m.version = start.substr(sp2 + 1);
  } else {
    m.version = start.substr(0, sp1);
    m.status = std::atoi(start.c_str() + sp1 + 1);
  }
  m.body = m.embedded_body();
}

// A mirror or multipart message (12), or the GET of a health path.
void read_shape(CapturedMessage& m, const std::string& path_prefix) {
  const std::string boundary = multipart_boundary(m);
  m.format = boundary.empty() ? NodeFormat::mirror : NodeFormat::multipart;
  if (!m.has_header("X-Wallarm-Request-Id")) {
    m.type = "health";  // every message names its request; a probe does not
    return;
  }
  m.type = m.has_header("X-Wallarm-Response-Status") ? "response" : "request";
  m.out_of_band = m.header("X-Wallarm-Connector-Mode") == "out-of-band";
  m.status = std::atoi(m.header("X-Wallarm-Response-Status").c_str());
  m.method = m.has_header("X-Wallarm-Method") ? unescape(m.header("X-Wallarm-Method"))
                                                : m.outer_method;
  if (m.has_header("X-Wallarm-Request-Target")) {
    m.target = unescape(m.header("X-Wallarm-Request-Target"));
  } else if (m.outer_target.rfind(path_prefix, 0) == 0) {
    m.target = m.outer_target.substr(path_prefix.size());
  } else {
    m.problem = "target " + m.outer_target + " outside the node path " + path_prefix;
  }
  if (m.format == NodeFormat::multipart) {
    if (m.outer_method != "POST") m.problem = "multipart message sent as " + m.outer_method;
    read_multipart(m, boundary);
    return;
  }
  if (m.type == "response") m.problem = "a response message that is not multipart";
  // The replayed request: its lines but the connector's, and the body
  // with libcurl's own Content-Length.
  for (const auto& l : m.outer_headers)
    if (!istarts_with(l.first, "X-Wallarm-") && !iequals(l.first, "Content-Length"))
      m.lines.push_back(l);
  m.body = m.outer_body;
}

std::string render(const std::string& start, const Lines& lines) {
  std::string out = start + "\r\n";
  for (const auto& [name, value] : lines) out += name + ": " + value + "\r\n";
  return out + "\r\n";
}

}  // namespace

std::string CapturedMessage::header(const std::string& name) const {
  const auto* l = find_line(outer_headers, name);
  return l ? l->second : std::string();
}

bool CapturedMessage::has_header(const std::string& name) const {
  return find_line(outer_headers, name) != nullptr;
}

std::string CapturedMessage::line(const std::string& name) const {
  const auto* l = find_line(lines, name);
  return l ? l->second : std::string();
}

bool CapturedMessage::has_line(const std::string& name) const {
  return find_line(lines, name) != nullptr;
}

bool CapturedMessage::has_exact_line(const std::string& text) const {
  for (const auto& [name, value] : lines)
    if (name + ": " + value == text) return true;
  return false;
}

std::string CapturedMessage::head() const {
  if (format == NodeFormat::v1) return embedded_head();
  return render(method + " " + target, lines);
}

std::string CapturedMessage::embedded_head() const {
  auto p = outer_body.find("\r\n\r\n");
  return p == std::string::npos ? outer_body : outer_body.substr(0, p + 4);
}

std::string CapturedMessage::embedded_body() const {
  auto p = outer_body.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : outer_body.substr(p + 4);
}

bool mirror_drops(const std::string& name) {
  for (const char* n : {"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
                        "Proxy-Connection", "TE", "Trailer", "Upgrade", "Expect"})
    if (iequals(name, n)) return true;
  return istarts_with(name, "X-Wallarm-");
}

size_t content_length(const std::string& head) {
  std::string start;
  Lines lines;
  const auto* l = split_head(head, start, lines) ? find_line(lines, "Content-Length") : nullptr;
  return l && !l->second.empty() ? std::stoul(l->second) : 0;
}

std::string expected_head(const std::string& v1_head, NodeFormat f) {
  if (f == NodeFormat::v1) return v1_head;
  std::string start;
  Lines lines;
  if (!split_head(v1_head, start, lines)) return "(not a head: " + v1_head + ")";
  start = start.substr(0, start.rfind(' '));  // no HTTP version
  Lines kept;
  for (const auto& l : lines) {
    if (istarts_with(l.first, "X-Wallarm-")) continue;
    if (f == NodeFormat::mirror && mirror_drops(l.first)) continue;
    if (f == NodeFormat::mirror && iequals(l.first, "Host"))
      kept.insert(kept.begin(), l);
    else
      kept.push_back(l);
  }
  return render(start, kept);
}

CapturedMessage read_node_message(const std::string& raw_head, std::string body,
                                  const std::string& path_prefix) {
  CapturedMessage m;
  m.raw_head = raw_head;
  std::string start;
  Lines outer;
  if (!split_head(raw_head, start, outer)) {
    m.problem = "no outer head";
    return m;
  }
  const size_t sp1 = start.find(' '), sp2 = start.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) {
    m.problem = "outer request line: " + start;
    return m;
  }
  m.outer_method = start.substr(0, sp1);
  m.outer_target = start.substr(sp1 + 1, sp2 - sp1 - 1);
  m.outer_headers = std::move(outer);
  m.outer_body = std::move(body);
  m.head_only = m.header("X-Wallarm-Request-Part") == "head";
  m.truncated = m.header("X-Wallarm-Body-Truncated");
  m.escaped = m.header("X-Wallarm-Escaped");
  // v1 says so (a batch's parts carry no Content-Type or protocol line, but
  // their type); the other shapes never pass on a client's X-Wallarm-* line.
  if (m.has_header("X-Wallarm-Protocol") || m.has_header("X-Wallarm-Message-Type"))
    read_v1(m);
  else if (m.has_header("X-Wallarm-Connector-Type"))
    read_shape(m, path_prefix);
  else
    m.problem = "no connector headers";
  return m;
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

CapturedMessage tagged(CaptureNode& node, const std::string& tag, bool head_only) {
  return node.wait_for(
      [&](const CapturedMessage& m) {
        return m.type == "request" && m.head_only == head_only &&
               m.has_exact_line("X-E2E-Tag: " + tag);
      },
      std::chrono::milliseconds(5000));
}


// The parts of a v1 batch (docs/protocol.md 7.5): each its own outer lines,
// its Content-Length, a blank line and its body. Read as messages of their
// own, under the batch's request line.
std::vector<CapturedMessage> batch_parts(const CapturedMessage& batch) {
  std::vector<CapturedMessage> out;
  const std::string start = batch.raw_head.substr(0, batch.raw_head.find("\r\n") + 2);
  const std::string& b = batch.outer_body;
  size_t pos = 0;
  while (pos < b.size()) {
    const size_t head_end = b.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) break;
    const std::string head = start + b.substr(pos, head_end + 4 - pos);
    const size_t n = content_length(head);
    CapturedMessage part = read_node_message(head, b.substr(head_end + 4, n));
    if (head_end + 4 + n > b.size()) part.problem = "batch part cut short";
    part.in_batch = true;
    out.push_back(std::move(part));
    pos = head_end + 4 + n;
  }
  const std::string count = batch.header("X-Wallarm-Batch-Count");
  if (pos != b.size() || count != std::to_string(out.size())) {
    CapturedMessage bad = batch;
    bad.problem = "batch of " + count + " parts holds " + std::to_string(out.size()) +
                  (pos != b.size() ? " and more bytes" : "");
    out.push_back(bad);
  }
  return out;
}

std::string json_answer(int status, const char* reason, const std::string& body, bool head) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + (head ? std::string() : body);
}

}  // namespace

CapturedMessage CaptureNode::request_tagged(const std::string& tag) { return tagged(*this, tag, false); }

CapturedMessage CaptureNode::head_tagged(const std::string& tag) { return tagged(*this, tag, true); }

CapturedMessage CaptureNode::response_for(const std::string& request_id) {
  return wait_for(
      [&](const CapturedMessage& m) { return m.type == "response" && m.request_id() == request_id; },
      std::chrono::milliseconds(5000));
}

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
    const std::string head = buf.substr(0, head_end + 4);
    const size_t length = content_length(head);
    buf.erase(0, head_end + 4);
    while (buf.size() < length) {
      if (stopping() || !read_some(fd, buf, std::chrono::milliseconds(50))) return;
    }
    CapturedMessage m = read_node_message(head, buf.substr(0, length));
    buf.erase(0, length);
    bool block = false;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (m.type == "batch") {
        for (auto& part : batch_parts(m)) messages_.push_back(std::move(part));
      } else {
        messages_.push_back(m);
      }
      block = m.type == "request" && block_ && block_(m);
    }
    // A mirrored HEAD gets its answer's head only, as any HEAD.
    const bool head_method = m.outer_method == "HEAD";
    std::string answer;
    if (block) {
      answer = json_answer(403, "Forbidden",
                           R"({"verdict":"block","mode":"block","request_id":"capture-node","attacks":[]})",
                           head_method);
    } else if (m.type == "request") {
      answer = json_answer(200, "OK",
                           R"({"verdict":"pass","mode":"monitoring","request_id":"capture-node","attacks":[]})",
                           head_method);
    } else if (m.type == "health") {
      answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";  // a health path's probe wants 200
    } else {
      answer = "HTTP/1.1 204 No Content\r\n\r\n";
    }
    if (!write_all(fd, answer)) return;
  }
}

}  // namespace e2e
