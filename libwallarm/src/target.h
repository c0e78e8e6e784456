#pragma once
// One node address with its connection, body and breaker policy, its
// counters, and (engine thread only) its queue and curl handles.
#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "breaker.h"
#include "connection.h"
#include "http_request.h"
#include "slots.h"
#include "stats.h"
#include "wallarm.h"

namespace wallarm {

class Engine;

// The numbers of wallarm_target_config_t, in its order: name, default,
// least and most accepted. Defaults, checks and copies are made from this
// list; target.cpp checks it against the header.
#define WALLARM_TARGET_NUMBERS(X)                    \
  X(max_connections, 32, 1, 4096)                    \
  X(max_conn_age_s, 60, 1, 86400)                    \
  X(idle_timeout_s, 30, 1, 86400)                    \
  X(request_body_limit, 128u << 10, 0, 1u << 30)     \
  X(response_body_limit, 16u << 10, 0, 1u << 30)     \
  X(breaker_failures, 5, 0, 1000000)                 \
  X(breaker_backoff_ms, 1000, 1, 3600000)            \
  X(breaker_backoff_max_ms, 30000, 1, 3600000)

struct TargetConfig {
  std::string url;
  std::string ca_file;
#define WALLARM_TARGET_NUMBER(name, initial, least, most) uint32_t name = initial;
  WALLARM_TARGET_NUMBERS(WALLARM_TARGET_NUMBER)
#undef WALLARM_TARGET_NUMBER
  bool tls_verify = true;
  int32_t format = WALLARM_FORMAT_MIRROR;
  std::string health_path;  // "" = v1 health messages
  std::string path_prefix;  // the URL's path without its trailing '/'
  NodeAddress address;      // what a request head takes from the URL
  bool tls = false;          // https
};

void default_target_config(wallarm_target_config_t& cfg) noexcept;
// Validates cfg; on error *err names the field.
int32_t parse_target_config(const wallarm_target_config_t& cfg, TargetConfig& out,
                            std::string* err);

struct Target {
  Target(TargetConfig cfg, uint32_t answer_limit_bytes)
      : config(std::move(cfg)), answer_limit(answer_limit_bytes),
        breaker(config.breaker_failures, config.breaker_backoff_ms,
                config.breaker_backoff_max_ms) {}
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;
  ~Target();

  bool batches() const noexcept { return config.format == WALLARM_FORMAT_V1; }
  uint32_t body_limit(int32_t type) const noexcept {
    return type == WALLARM_MSG_RESPONSE ? config.response_body_limit : config.request_body_limit;
  }
  // A new handle with this target's connection options set.
  CURL* new_handle() const;

  Engine* engine = nullptr;
  const TargetConfig config;
  const uint32_t answer_limit;
  Stats stats;
  Breaker breaker;
  std::atomic<int64_t> pending{0};     // submitted and not completed
  std::atomic<bool> released{false};   // the caller's handle is gone

  // Engine thread only.
  Slot probe;  // the breaker's health probe: one at a time, outside the slot table
  std::deque<Slot*> queue;        // messages with a waiter, and probes
  std::deque<Slot*> batch_queue;  // fire-and-forget messages: may share a transfer
  uint32_t in_flight = 0;
  uint32_t async_in_flight = 0;   // fire-and-forget transfers (single or batch)
  uint64_t batch_refused_us = 0;  // the node refused a batch then; 0 = never
  std::vector<std::unique_ptr<Connection>> connections;  // open or opening

  std::vector<Connection*> idle;  // connected, no message on it; the last is the warmest
  std::vector<std::unique_ptr<Slot>> carriers;  // batch carriers, created on first use
  std::vector<Slot*> idle_carriers;
};

}  // namespace wallarm
