#include "connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

namespace wallarm {

bool Connection::connect(CURLM* multi, CURL* easy, bool tls, long timeout_ms,
                         uint64_t now) noexcept {
  easy_ = easy;
  tls_ = tls;
  opened_us = now;
  curl_easy_setopt(easy_, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(easy_, CURLOPT_PRIVATE, this);
  if (curl_multi_add_handle(multi, easy_) != CURLM_OK) return false;
  multi_ = multi;
  connecting_ = true;
  return true;
}

bool Connection::on_connected() noexcept {
  connecting_ = false;
  curl_easy_getinfo(easy_, CURLINFO_ACTIVESOCKET, &fd_);
  if (fd_ == CURL_SOCKET_BAD) return false;
  // curl's first send attaches the connection to its handle. Over TLS that
  // is the request, written at once; a plain connection, written with
  // send(2), is attached by an empty one (which says CURLE_AGAIN).
  if (!tls_) {
    size_t none = 0;
    CURLcode rc = curl_easy_send(easy_, "", 0, &none);
    if (rc != CURLE_OK && rc != CURLE_AGAIN) return false;
  }
  watch(EPOLLIN, true);
  return true;
}

long Connection::os_errno() const noexcept {
  long e = 0;
  if (easy_ != nullptr) curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &e);
  return e;
}

CURLcode Connection::send(const char* p, size_t n, size_t* sent) noexcept {
  *sent = 0;
  if (tls_) return curl_easy_send(easy_, p, n, sent);
  ssize_t r;
  do r = ::send(fd_, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (r < 0 && errno == EINTR);
  if (r >= 0) {
    *sent = static_cast<size_t>(r);
    return CURLE_OK;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK ? CURLE_AGAIN : CURLE_SEND_ERROR;
}

CURLcode Connection::recv(char* p, size_t n, size_t* got) noexcept {
  *got = 0;
  if (tls_) return curl_easy_recv(easy_, p, n, got);
  ssize_t r;
  do r = ::recv(fd_, p, n, MSG_DONTWAIT);
  while (r < 0 && errno == EINTR);
  if (r >= 0) {
    *got = static_cast<size_t>(r);
    return CURLE_OK;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK ? CURLE_AGAIN : CURLE_RECV_ERROR;
}

void Connection::want_write(bool on) noexcept {
  if (on == watching_out_ || fd_ == CURL_SOCKET_BAD) return;
  watching_out_ = on;
  watch(EPOLLIN | (on ? EPOLLOUT : 0u), false);
}

void Connection::watch(uint32_t events, bool add) noexcept {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = this;
  epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd_, &ev);
}

void Connection::close() noexcept {
  if (fd_ != CURL_SOCKET_BAD) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
  fd_ = CURL_SOCKET_BAD;
  if (multi_ != nullptr) curl_multi_remove_handle(multi_, easy_);
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  easy_ = nullptr;
  multi_ = nullptr;
  connecting_ = false;
}

void Connection::abandon() noexcept {
  easy_ = nullptr;
  multi_ = nullptr;
  fd_ = CURL_SOCKET_BAD;
}

}  // namespace wallarm
