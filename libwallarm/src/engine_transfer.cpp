// One message on one connection: taking or opening the connection,
// framing, writing, reading the answer, a resend on a dead kept-alive
// connection, and deadlines on the wire.
#include "engine.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "codes.h"
#include "http_request.h"
#include "verdict.h"

namespace wallarm {
namespace {

// Bodies up to this size go in the same write as the head.
constexpr size_t kBodyInWire = 16 * 1024;

int32_t code_from_curl(CURLcode rc, long os_errno, bool too_big) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return WALLARM_ETIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return WALLARM_ERESOLVE;
    case CURLE_COULDNT_CONNECT:
      return os_errno == ECONNREFUSED ? WALLARM_ECONNREFUSED : WALLARM_ECONNECT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED: return WALLARM_ETLS;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return WALLARM_ECONNRESET;
    case CURLE_WRITE_ERROR: return too_big ? WALLARM_ETOOBIG : WALLARM_EINTERNAL;
    case CURLE_OUT_OF_MEMORY: return WALLARM_ENOMEM;
    default: return WALLARM_EPROTO;  // weird reply, HTTP/0.9, bad framing...
  }
}

}  // namespace

void Engine::start_transfer(Target* t, Slot* s) {
  uint64_t now = now_us();
  if (now >= s->deadline_us) {  // reading a body file may have taken the rest
    complete(s, WALLARM_ETIMEOUT, "deadline passed before the message was sent");
    return;
  }
  s->resent = false;
  s->verdict.latency_us = now;  // start of the round trip, until completion
  if (!put_on_connection(t, s, take_idle(t, now), now)) {
    complete(s, WALLARM_ENOMEM, "cannot open a connection");
    return;
  }
  count_in_flight(t, s);
  if (!s->conn->connecting()) write_request(s->conn);
}

void Engine::count_in_flight(Target* t, Slot* s) noexcept {
  track(s);
  ++t->in_flight;
  if (s->fire_and_forget()) ++t->async_in_flight;
  t->stats.in_flight.fetch_add(1, std::memory_order_relaxed);
  t->stats.bump(t->stats.sent, s->is_batch ? s->parts.size() : 1);
  t->stats.bump(t->stats.bytes_sent, s->out.body.size());
  if (s->is_probe) t->stats.bump(t->stats.health_probes);
}

// Frames s on c, or on a new connection when c is null. False when out of
// memory (c is closed then).
bool Engine::put_on_connection(Target* t, Slot* s, Connection* c, uint64_t now) {
  try {
    if (c == nullptr) c = open_connection(t, s->deadline_us, now);
    if (c == nullptr) return false;
    frame_on(c, s);
    return true;
  } catch (...) {
    if (c != nullptr) close_connection(c);
    return false;
  }
}

// The request of s on c: framed, and the answer reader made ready.
void Engine::frame_on(Connection* c, Slot* s) {
  Target* t = c->target;
  c->wire.clear();
  frame_head(s->out, t->config.address, c->wire);
  c->body_in_wire = s->out.body.size() <= kBodyInWire;
  if (c->body_in_wire) c->wire.append(s->out.body.data(), s->out.body.size());
  if (c->messages > 0) t->stats.bump(t->stats.conn_reused);
  s->answer.clear();
  c->slot = s;
  s->conn = c;
  c->wire_sent = c->body_sent = 0;
  c->body_decided = false;
  c->answer.reset(s->out.method == "HEAD");
}

// The warmest idle connection that is neither too old nor idle too long.
Connection* Engine::take_idle(Target* t, uint64_t now) {
  const uint64_t max_age = uint64_t{t->config.max_conn_age_s} * 1000000;
  const uint64_t max_idle = uint64_t{t->config.idle_timeout_s} * 1000000;
  while (!t->idle.empty()) {
    Connection* c = t->idle.back();
    t->idle.pop_back();
    if (now - c->opened_us < max_age && now - c->idle_since_us < max_idle) return c;
    close_connection(c);
  }
  return nullptr;
}

Connection* Engine::open_connection(Target* t, uint64_t deadline_us, uint64_t now) {
  t->connections.reserve(t->connections.size() + 1);
  closed_.reserve(closed_.size() + t->connections.size() + 1);
  auto c = std::make_unique<Connection>(t, epoll_fd_);
  CURL* easy = t->new_handle();
  long timeout_ms = static_cast<long>((deadline_us - now + 999) / 1000);
  if (!c->connect(multi_, easy, t->config.tls, timeout_ms, now)) return nullptr;  // c frees easy
  t->connections.push_back(std::move(c));
  return t->connections.back().get();
}

void Engine::on_connect_done(Connection* c, CURLcode rc) {
  if (rc == CURLE_OK && c->on_connected()) {
    c->target->stats.bump(c->target->stats.conn_opened);
    if (c->slot != nullptr) write_request(c);
    return;
  }
  int32_t code = code_from_curl(rc == CURLE_OK ? CURLE_COULDNT_CONNECT : rc, c->os_errno(), false);
  char detail[128];
  std::snprintf(detail, sizeof detail, "%s (curl: %s)", code_message(code),
                curl_easy_strerror(rc));
  exchange_failed(c, code, detail, false);
}

// Writes what is left of the request; the rest when the socket can take it.
void Engine::write_request(Connection* c) {
  switch (write_some(c)) {
    case Connection::Write::done:
      c->want_write(false);
      break;
    case Connection::Write::partial:
      c->want_write(true);
      break;
    case Connection::Write::failed:
      exchange_failed(c, WALLARM_ECONNRESET,
                      "connection to the node reset or closed early (sending)", true);
      break;
  }
}

// Writes as much of the request as the socket takes now.
Connection::Write Engine::write_some(Connection* c) noexcept {
  const Buffer& body = c->slot->out.body;
  for (;;) {
    const char* p;
    size_t left;
    if (c->wire_sent < c->wire.size()) {
      p = c->wire.data() + c->wire_sent;
      left = c->wire.size() - c->wire_sent;
    } else if (!c->body_in_wire && c->body_sent < body.size()) {
      p = body.data() + c->body_sent;
      left = body.size() - c->body_sent;
    } else {
      return Connection::Write::done;
    }
    size_t n = 0;
    CURLcode rc = c->send(p, left, &n);
    if (rc == CURLE_AGAIN) return Connection::Write::partial;
    if (rc != CURLE_OK) return Connection::Write::failed;
    (c->wire_sent < c->wire.size() ? c->wire_sent : c->body_sent) += n;
  }
}

void Engine::on_connection_event(Connection* c, uint32_t events) {
  if (c->connecting()) return;
  if (c->slot == nullptr) {
    // Idle: the node closed it, or said something unasked. Either way it
    // cannot carry another message.
    close_connection(c);
    return;
  }
  if (events & EPOLLOUT) {
    write_request(c);
    if (c->closed()) return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_answer(c);
}

// Reads what has arrived of the answer; completes the message at its end.
void Engine::read_answer(Connection* c) {
  char buf[16 * 1024];
  for (;;) {
    size_t got = 0;
    CURLcode rc = c->recv(buf, sizeof buf, &got);
    if (rc == CURLE_AGAIN) return;
    if (rc != CURLE_OK) {
      exchange_failed(c, WALLARM_ECONNRESET, "connection to the node reset or closed early", true);
      return;
    }
    AnswerParser& a = c->answer;
    AnswerParser::Step step;
    if (got == 0) {
      step = a.eof();
    } else {
      size_t at = 0;
      do {
        size_t used = 0;
        step = a.feed(buf + at, got - at, &used);
        at += used;
        if (a.head_done() && !c->body_decided) {
          c->body_decided = true;
          // The body is kept only where a verdict is decoded from it: a
          // request with a waiter, answered 2xx or 403. Others are read
          // and dropped, so a large error page is an ESTATUS.
          Slot* s = c->slot;
          int status = a.status();
          if (s->type == WALLARM_MSG_REQUEST && s->has_ticket && !s->is_batch &&
              node_took(status))
            a.keep_body(&s->answer, c->target->answer_limit, kJsonPadding);
        }
      } while (step == AnswerParser::Step::more && at < got);
      // Bytes after the answer are the node's mistake: the connection is
      // not used again.
      if (step == AnswerParser::Step::done) {
        exchange_done(c, a.keep_alive() && at == got);
        return;
      }
    }
    if (step == AnswerParser::Step::done) {
      exchange_done(c, false);
      return;
    }
    if (step == AnswerParser::Step::error) {
      if (a.too_big()) {
        exchange_failed(c, WALLARM_ETOOBIG, "node answer body over the answer limit", false);
      } else if (got == 0) {
        exchange_failed(c, WALLARM_ECONNRESET, a.error(), true);
      } else {
        char detail[128];
        std::snprintf(detail, sizeof detail, "node answer is not valid HTTP/1.x: %s", a.error());
        exchange_failed(c, WALLARM_EPROTO, detail, false);
      }
      return;
    }
    if (got == 0) return;  // cannot happen: eof() is done or error
  }
}

// Takes the message off c (still counted in flight).
Slot* Engine::detach(Connection* c) noexcept {
  Slot* s = c->slot;
  c->slot = nullptr;
  if (s != nullptr) s->conn = nullptr;
  return s;
}

void Engine::close_connection(Connection* c) noexcept {
  Target* t = c->target;
  detach(c);
  c->close();
  auto idle = std::find(t->idle.begin(), t->idle.end(), c);
  if (idle != t->idle.end()) t->idle.erase(idle);
  for (auto& owned : t->connections) {
    if (owned.get() != c) continue;
    closed_.push_back(std::move(owned));  // capacity reserved when it opened
    owned = std::move(t->connections.back());
    t->connections.pop_back();
    break;
  }
}

// The message on c failed. A kept-alive connection the node closed before
// answering anything gets the message again, once, on a new connection (an
// idle one may be closing too): a node may close an idle connection just
// as it is reused.
void Engine::exchange_failed(Connection* c, int32_t code, const char* detail, bool may_resend) {
  Target* t = c->target;
  Slot* s = c->slot;
  bool reused = c->messages > 0;
  bool answered = c->answer.started();
  close_connection(c);
  if (s == nullptr) return;
  uint64_t now = now_us();
  if (may_resend && reused && !answered && !s->resent && now < s->deadline_us) {
    s->resent = true;
    if (put_on_connection(t, s, nullptr, now)) {
      if (!s->conn->connecting()) write_request(s->conn);
      return;
    }
  }
  untrack(s);
  --t->in_flight;
  if (s->fire_and_forget()) --t->async_in_flight;
  t->stats.in_flight.fetch_sub(1, std::memory_order_relaxed);
  complete(s, code, detail, /*from_node=*/true);
  pump(t);
}

// The node answered the message on c; c can carry another when reusable.
void Engine::exchange_done(Connection* c, bool reusable) {
  Target* t = c->target;
  long status = c->answer.status();
  Slot* s = detach(c);
  if (reusable) {
    ++c->messages;
    c->idle_since_us = now_us();
    c->want_write(false);
    t->idle.push_back(c);  // capacity: at most as many as connections
  } else {
    close_connection(c);
  }
  untrack(s);
  --t->in_flight;
  if (s->fire_and_forget()) --t->async_in_flight;
  t->stats.in_flight.fetch_sub(1, std::memory_order_relaxed);
  uint64_t now = now_us();
  t->stats.record_latency(now - s->verdict.latency_us);
  s->verdict.latency_us = now - s->submitted_us;
  s->verdict.http_status = static_cast<int32_t>(status);
  on_answer(s, status);
  pump(t);
}

// Messages on a connection past their deadline fail; their connections
// close, as an answer may still come on them.
void Engine::expire_flying(uint64_t now) {
  uint64_t next = 0;
  for (size_t i = 0; i < flying_.size();) {
    Slot* s = flying_[i];
    if (s->deadline_us > now) {
      if (next == 0 || s->deadline_us < next) next = s->deadline_us;
      ++i;
      continue;
    }
    // Fails s and takes it out of flying_ (the last one moves to i).
    exchange_failed(s->conn, WALLARM_ETIMEOUT,
                    "node did not answer within the deadline", false);
  }
  flying_check_us_ = next;
}

void Engine::track(Slot* s) {
  s->flying_index = flying_.size();
  flying_.push_back(s);
  if (flying_check_us_ == 0 || s->deadline_us < flying_check_us_)
    flying_check_us_ = s->deadline_us;
}

void Engine::untrack(Slot* s) noexcept {
  Slot* last = flying_.back();
  flying_[s->flying_index] = last;
  last->flying_index = s->flying_index;
  flying_.pop_back();
}

}  // namespace wallarm
