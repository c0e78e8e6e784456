#include "verdict.h"

#include <cstdio>
#include <cstring>
#include <string_view>

#include "protocol.h"

namespace wallarm {
namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::object;

// Copies src, cut to fit (never inside a UTF-8 sequence), NUL-terminated.
template <size_t N>
void copy_field(char (&dst)[N], std::string_view src) {
  size_t n = src.size() < N - 1 ? src.size() : N - 1;
  if (n < src.size())
    while (n > 0 && (static_cast<unsigned char>(src[n]) & 0xc0) == 0x80) --n;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

int32_t mode_from(std::string_view s) {
  if (s == "off") return WALLARM_MODE_OFF;
  if (s == "monitoring") return WALLARM_MODE_MONITORING;
  if (s == "safe_blocking") return WALLARM_MODE_SAFE_BLOCKING;
  if (s == "block") return WALLARM_MODE_BLOCK;
  return WALLARM_MODE_UNKNOWN;
}

// Returns false when the body is not the JSON object it should be.
bool decode_attacks(array attacks, wallarm_verdict_t& out) {
  for (auto element : attacks) {
    object attack;
    if (element.get_object().get(attack) != simdjson::SUCCESS) return false;
    wallarm_attack_t* slot = out.attack_count < WALLARM_MAX_ATTACKS
                                 ? &out.attacks[out.attack_count]
                                 : nullptr;
    for (auto field : attack) {
      std::string_view key, value;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
      bool is_type = key == protocol::kJsonAttackType;
      if (!is_type && key != protocol::kJsonAttackLocation) continue;
      if (field.value().get_string().get(value) != simdjson::SUCCESS) return false;
      if (slot == nullptr) continue;
      if (is_type)
        copy_field(slot->type, value);
      else
        copy_field(slot->location, value);
    }
    ++out.attack_count;
  }
  if (out.attack_count > WALLARM_MAX_ATTACKS) out.flags |= WALLARM_VERDICT_ATTACKS_CUT;
  return true;
}

bool decode_body(const char* body, size_t len, size_t capacity,
                 simdjson::ondemand::parser& parser, wallarm_verdict_t& out) {
  simdjson::ondemand::document doc;
  if (parser.iterate(body, len, capacity).get(doc) != simdjson::SUCCESS) return false;
  object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return false;
  for (auto field : root) {
    std::string_view key, value;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    if (key == protocol::kJsonMode) {
      if (field.value().get_string().get(value) != simdjson::SUCCESS) return false;
      out.node_mode = mode_from(value);
    } else if (key == protocol::kJsonRequestId) {
      if (field.value().get_string().get(value) != simdjson::SUCCESS) return false;
      copy_field(out.node_request_id, value);
    } else if (key == protocol::kJsonAttacks) {
      array attacks;
      if (field.value().get_array().get(attacks) != simdjson::SUCCESS) return false;
      if (!decode_attacks(attacks, out)) return false;
    }
    // Any other field, "verdict" included, is informational: the status decides.
  }
  return true;  // trailing bytes after the object are ignored
}

bool only_whitespace(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return false;
  return true;
}

}  // namespace

void fail_verdict(int32_t code, const char* detail, wallarm_verdict_t& out) noexcept {
  uint64_t latency = out.latency_us;
  int32_t status = out.http_status;
  std::memset(&out, 0, sizeof out);
  out.code = code;
  out.latency_us = latency;
  out.http_status = status;
  copy_field(out.detail, detail != nullptr ? detail : "");
}

void decode_verdict(int http_status, const char* body, size_t body_len, size_t capacity,
                    simdjson::ondemand::parser& parser, wallarm_verdict_t& out) noexcept {
  uint64_t latency = out.latency_us;
  std::memset(&out, 0, sizeof out);
  out.latency_us = latency;
  out.http_status = http_status;
  if (!node_took(http_status)) {
    out.code = WALLARM_ESTATUS;
    std::snprintf(out.detail, sizeof out.detail, "node answered HTTP %d", http_status);
    return;
  }
  out.action = http_status == 403 ? WALLARM_BLOCK : WALLARM_PASS;
  if (body_len == 0 || only_whitespace(body, body_len)) return;
  bool ok = false;
  try {
    ok = decode_body(body, body_len, capacity, parser, out);
  } catch (...) {
    ok = false;  // the ondemand API reports by value; this is belt and braces
  }
  if (!ok) {
    int32_t action = out.action;
    std::memset(&out, 0, sizeof out);
    out.latency_us = latency;
    out.http_status = http_status;
    out.action = action;
    out.flags = WALLARM_VERDICT_BODY_INVALID;
  }
}

}  // namespace wallarm
