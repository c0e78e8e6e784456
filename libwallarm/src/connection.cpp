#include "connection.h"

#include <sys/epoll.h>

namespace wallarm {

bool Connection::connect(CURLM* multi, CURL* easy, long timeout_ms, uint64_t now) noexcept {
  easy_ = easy;
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
  return curl_easy_send(easy_, p, n, sent);
}

CURLcode Connection::recv(char* p, size_t n, size_t* got) noexcept {
  *got = 0;
  return curl_easy_recv(easy_, p, n, got);
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
