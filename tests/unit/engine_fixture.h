#pragma once
// The engine through the public C API, for the transport tests: an engine
// for the life of the object, targets, counters, verdicts, and a message
// whose strings live as long as it does.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "wallarm.h"

namespace unit {

using Clock = std::chrono::steady_clock;

inline long ms_since(Clock::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

struct Message {
  int32_t type = WALLARM_MSG_REQUEST;
  int32_t status = 0;  // a response's
  std::string method = "GET", uri = "/etc/passwd", id = "req-1", ip = "10.0.0.1", host = "shop";
  std::string body;
  std::vector<std::pair<std::string, std::string>> hdrs{{"Host", "shop"}, {"Accept", "*/*"}};
  std::vector<wallarm_header_t> views;
  wallarm_message_t m{};

  const wallarm_message_t* get() {
    views.clear();
    for (auto& [n, v] : hdrs) views.push_back({{n.data(), n.size()}, {v.data(), v.size()}});
    m = wallarm_message_t{};
    m.type = type;
    m.status = status;
    m.method = {method.data(), method.size()};
    m.uri = {uri.data(), uri.size()};
    m.headers = views.data();
    m.header_count = static_cast<uint32_t>(views.size());
    m.body = {body.data(), body.size()};
    m.body_total = -1;
    m.request_id = {id.data(), id.size()};
    m.client_ip = {ip.data(), ip.size()};
    m.host = {host.data(), host.size()};
    return &m;
  }
};

struct Engine {
  wallarm_engine_t* e = nullptr;
  explicit Engine(const char* socket_dir = nullptr, uint32_t max_pending = 4096) {
    wallarm_engine_config_t cfg;
    wallarm_engine_config_init(&cfg);
    cfg.socket_dir = socket_dir;
    cfg.max_pending = max_pending;
    REQUIRE_MESSAGE(wallarm_engine_new(&cfg, &e) == WALLARM_OK, wallarm_last_error());
  }
  ~Engine() { wallarm_engine_free(e); }

  // In v1 unless a format is given: most transport tests read what the
  // server received as v1 messages.
  wallarm_target_t* target(const std::string& url, void (*tune)(wallarm_target_config_t&) = nullptr) {
    return target(url, WALLARM_FORMAT_V1, tune);
  }
  wallarm_target_t* target(const std::string& url, int32_t format,
                           void (*tune)(wallarm_target_config_t&) = nullptr) {
    wallarm_target_config_t cfg;
    wallarm_target_config_init(&cfg);
    cfg.url = url.c_str();
    cfg.format = format;
    if (tune) tune(cfg);
    wallarm_target_t* t = nullptr;
    REQUIRE_MESSAGE(wallarm_target_new(e, &cfg, &t) == WALLARM_OK, wallarm_last_error());
    return t;
  }
  wallarm_stats_t stats(wallarm_target_t* t) {
    wallarm_stats_t s{};
    s.size = sizeof s;
    REQUIRE(wallarm_target_stats(t, &s) == WALLARM_OK);
    return s;
  }
  // Test-only: polls for the verdict of a ticket.
  wallarm_verdict_t wait(uint64_t ticket, int timeout_ms = 5000) {
    wallarm_verdict_t v{};
    v.size = sizeof v;
    auto start = Clock::now();
    for (;;) {
      int32_t rc = wallarm_ticket_result(e, ticket, &v);
      if (rc != WALLARM_EAGAIN) {
        REQUIRE(rc == WALLARM_OK);
        return v;
      }
      REQUIRE(ms_since(start) < timeout_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
};

inline wallarm_verdict_t inspect(wallarm_target_t* t, Message& msg, uint32_t timeout_ms = 2000) {
  wallarm_verdict_t v{};
  v.size = sizeof v;
  int32_t rc = wallarm_inspect(t, msg.get(), timeout_ms, &v);
  REQUIRE_MESSAGE(rc == WALLARM_OK, wallarm_last_error());
  return v;
}

}  // namespace unit
