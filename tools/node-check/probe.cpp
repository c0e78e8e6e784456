#include "probe.h"

#include <chrono>
#include <random>

namespace node_check {
namespace {

using Clock = std::chrono::steady_clock;

// A documentation address (RFC 5737) as the client's: the node's records
// of the check's attacks then point at no real client. A std::string that
// outlives every message viewing it (a literal would make a temporary).
const std::string kClientIp = "192.0.2.1";

wallarm_str_t view(const std::string& s) { return {s.data(), s.size()}; }

// The library's detail of a failure, or the code's description.
std::string failure(int32_t rc, const char* detail) {
  return detail != nullptr && detail[0] != '\0' ? detail : wallarm_strerror(rc);
}

// A request or response the way a gateway hands it to the library.
struct Exchange {
  std::string method = "GET", target, id = random_request_id();
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<wallarm_header_t> header_views;

  wallarm_message_t message(int32_t type, const std::string& host, const std::string& ip) {
    header_views.clear();
    for (auto& [n, v] : headers) header_views.push_back({view(n), view(v)});
    wallarm_message_t m{};
    m.type = type;
    m.method = view(method);
    m.uri = view(target);
    m.headers = header_views.data();
    m.header_count = static_cast<uint32_t>(header_views.size());
    m.body = view(body);
    m.body_total = type == WALLARM_MSG_RESPONSE ? static_cast<int64_t>(body.size()) : -1;
    m.request_id = view(id);
    m.client_ip = view(ip);
    m.host = view(host);
    return m;
  }
};

}  // namespace

std::string random_request_id() {
  static const char kHex[] = "0123456789abcdef";
  std::random_device random;
  std::string id;
  for (int word = 0; word < 4; ++word) {
    uint32_t r = random();
    for (int digit = 0; digit < 8; ++digit, r >>= 4) id.push_back(kHex[r & 0xf]);
  }
  return id;
}

std::unique_ptr<Prober> Prober::create(const Options& opts, std::string* err) {
  std::unique_ptr<Prober> p(new Prober(opts));
  wallarm_engine_config_t cfg;
  wallarm_engine_config_init(&cfg);
  int32_t rc = wallarm_engine_new(&cfg, &p->engine_);
  if (rc != WALLARM_OK) {
    *err = "libwallarm: " + failure(rc, wallarm_last_error());
    return nullptr;
  }
  return p;
}

Prober::~Prober() {
  if (engine_ != nullptr) wallarm_engine_free(engine_);
}

std::vector<Probe> Prober::run(int32_t format, std::string* err) {
  wallarm_target_config_t cfg;
  wallarm_target_config_init(&cfg);
  cfg.url = opts_.url.c_str();
  cfg.format = format;
  cfg.health_path = opts_.health_path.empty() ? nullptr : opts_.health_path.c_str();
  cfg.ca_file = opts_.ca_file.empty() ? nullptr : opts_.ca_file.c_str();
  cfg.tls_verify = opts_.insecure ? 0 : 1;
  // One message at a time, and each one sent whatever befell the one
  // before: no circuit breaker to refuse them locally.
  cfg.max_connections = 1;
  cfg.breaker_failures = 0;
  wallarm_target_t* target = nullptr;
  int32_t rc = wallarm_target_new(engine_, &cfg, &target);
  if (rc != WALLARM_OK) {
    *err = "libwallarm refused the " + std::string(format_name(format)) +
           " settings: " + failure(rc, wallarm_last_error());
    return {};
  }

  const std::string& host = opts_.host;
  std::vector<Probe> probes;
  {
    Exchange health;
    probes.push_back(send(target, Kind::health,
                          opts_.health_path.empty() ? "health message (protocol v1)"
                                                    : "GET " + opts_.health_path,
                          health.message(WALLARM_MSG_HEALTH, "", "")));
  }
  const std::string agent = std::string("wallarm-node-check/") + wallarm_version();
  auto request = [&](const std::string& target_text) {
    Exchange r;
    r.target = target_text;
    r.headers = {{"Host", host}, {"User-Agent", agent}, {"Accept", "*/*"}};
    return r;
  };
  Exchange benign = request("/");
  probes.push_back(send(target, Kind::benign, "GET /",
                        benign.message(WALLARM_MSG_REQUEST, host, kClientIp)));
  for (const char* attack : {"/etc/passwd", "/?id=1'%20OR%20'1'='1"}) {
    Exchange a = request(attack);
    probes.push_back(send(target, Kind::attack, std::string("GET ") + attack,
                          a.message(WALLARM_MSG_REQUEST, host, kClientIp)));
  }
  // The benign request's response, under its id.
  Exchange response = benign;
  response.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  response.body = "<!doctype html><title>ok</title>\n";
  wallarm_message_t m = response.message(WALLARM_MSG_RESPONSE, host, kClientIp);
  m.status = 200;
  probes.push_back(send(target, Kind::response, "200 to GET /", m));
  wallarm_target_release(target);
  return probes;
}

Probe Prober::send(wallarm_target_t* target, Kind kind, const std::string& sent,
                   const wallarm_message_t& m) {
  Probe p;
  p.kind = kind;
  p.sent = sent;
  wallarm_verdict_t v{};
  v.size = sizeof v;
  const Clock::time_point start = Clock::now();
  const int32_t rc = wallarm_inspect(target, &m, opts_.timeout_ms, &v);
  p.us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
  if (rc != WALLARM_OK) {  // refused before it was sent
    p.code = rc;
    p.detail = failure(rc, wallarm_last_error());
    return p;
  }
  p.code = v.code;
  p.http_status = v.http_status;
  if (v.code != WALLARM_OK) p.detail = failure(v.code, v.detail);
  return p;
}

}  // namespace node_check
