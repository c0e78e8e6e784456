#include "config.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "message_shape.h"

namespace node {

const char* const kUsage = R"(usage: wallarm-reference-node [options]

A filtering node for the Wallarm connector's protocol (docs/protocol.md): v1,
and the mirror and multipart shapes of section 12, told apart by their
headers. ModSecurity and the OWASP Core Rule Set are its detection engine.

  --config FILE             JSON config file; the options below override it
  --listen HOST:PORT        address to serve on (default 127.0.0.1:5000; port 0 = any)
  --mode MODE               off | monitoring | safe_blocking | block (default monitoring)
  --engine ENGINE           modsecurity | none (default modsecurity)
  --modsecurity-config FILE ModSecurity config including the CRS
  --deny CIDR               deny an address or range (repeatable)
  --gray CIDR               graylist an address or range (repeatable)
  --attack-log FILE         append attack records to FILE as JSON lines
  --threads N               connection threads (default 128)
  --detectors N             ModSecurity instances (default 2)
  --window-ms N             how long a request waits for its response message (default 10000)
  --keep-attacks N          attack records kept for /attacks (default 1000)
  --delay-ms N              wait N ms before each verdict (default 0)
  --process-time-limit-ms N answer a request as an overlimit_res attack when its
                            inspection takes longer (default 500; 0 = no limit)
  --port-file FILE          write the bound port to FILE once listening
  --external-health-path P  GET P answers 200 ok, for an external health check
                            (default /wallarm-external-health; "" = none)
  --shapes LIST             serve only these message shapes, to test a connector's
                            format selection against a node that accepts one
                            format: a comma-separated subset of v1,mirror,multipart
                            (default all three); other messages get 400 (shape)
  --help                    this text

Config file fields: listen, mode, engine, modsecurity_config, denylist, graylist,
attack_log, threads, detectors, window_ms, keep_attacks, delay_ms,
process_time_limit_ms, external_health_path, shapes (a list of names, or the
option's comma-separated string).
Endpoints: any request with connector headers, on any path and with any
method httplib routes, is a message. Without them: GET /attacks (JSON, or
HTML for browsers), /attacks.json, /attacks.html, /metrics, /healthz and the
external health path; anything else is refused with 400 (connector_info).
)";

namespace {

std::string set_listen(Config& cfg, const std::string& value) {
  size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) return "listen: expected HOST:PORT, not " + value;
  unsigned port = 0;
  std::string_view p(value.data() + colon + 1, value.size() - colon - 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port > 65535)
    return "listen: bad port in " + value;
  cfg.host = value.substr(0, colon);
  if (cfg.host.size() > 2 && cfg.host.front() == '[' && cfg.host.back() == ']')
    cfg.host = cfg.host.substr(1, cfg.host.size() - 2);
  cfg.port = static_cast<uint16_t>(port);
  return "";
}

std::string set_mode(Config& cfg, const std::string& value) {
  auto mode = mode_from(value);
  if (!mode) return "mode: must be off, monitoring, safe_blocking or block, not " + value;
  cfg.mode = *mode;
  return "";
}

std::string set_engine(Config& cfg, const std::string& value) {
  if (value != "modsecurity" && value != "none")
    return "engine: must be modsecurity or none, not " + value;
  cfg.engine = value;
  return "";
}

std::string set_external_health_path(Config& cfg, const std::string& value) {
  if (!value.empty() && value.front() != '/')
    return "external_health_path: must be empty or a path starting with /, not " + value;
  cfg.external_health_path = value;
  return "";
}

// "v1,mirror": names as shape_name() writes them, at least one.
std::string set_shapes(Config& cfg, const std::string& value) {
  const std::string bad =
      "shapes: must be a comma-separated list of v1, mirror and multipart, not \"" + value + "\"";
  unsigned shapes = 0;
  size_t at = 0;
  while (at <= value.size()) {
    size_t comma = std::min(value.find(',', at), value.size());
    const std::string name = value.substr(at, comma - at);
    unsigned bit = 0;
    for (Shape s : {Shape::v1, Shape::mirror, Shape::multipart})
      if (name == shape_name(s)) bit = shape_bit(s);
    if (bit == 0) return bad;
    shapes |= bit;
    at = comma + 1;
  }
  cfg.shapes = shapes;
  return "";
}

std::string add_ip(IpList& list, const char* field, const std::string& value) {
  return list.add(value) ? "" : std::string(field) + ": not an address or CIDR range: " + value;
}

std::string set_count(unsigned& into, const char* field, const std::string& value, unsigned lo,
                      unsigned hi) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v < lo || v > hi)
    return std::string(field) + ": must be a number between " + std::to_string(lo) + " and " +
           std::to_string(hi) + ", not " + value;
  into = v;
  return "";
}

std::string load_file(Config& cfg, const std::string& path) {
  std::ifstream in(path);
  if (!in) return "config: cannot read " + path;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const std::exception& ex) {
    return "config: " + path + " is not valid JSON: " + ex.what();
  }
  if (!j.is_object()) return "config: " + path + " must hold a JSON object";
  static const char* const known[] = {"listen",     "mode",      "engine",      "modsecurity_config",
                                      "denylist",   "graylist",  "attack_log",  "threads",
                                      "detectors",  "window_ms", "keep_attacks", "delay_ms",
                                      "process_time_limit_ms", "external_health_path",
                                      "shapes"};
  for (auto& [key, value] : j.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) return "config: unknown field " + key;
  }
  // Each field: its type first, then the same check as its option.
  auto text = [&](const char* key, auto apply) -> std::string {
    if (!j.contains(key)) return "";
    if (!j[key].is_string()) return std::string(key) + ": must be a string";
    return apply(j[key].get<std::string>());
  };
  auto number = [&](const char* key, unsigned& into, unsigned lo, unsigned hi) -> std::string {
    if (!j.contains(key)) return "";
    if (!j[key].is_number_unsigned()) return std::string(key) + ": must be a number";
    return set_count(into, key, std::to_string(j[key].get<uint64_t>()), lo, hi);
  };
  auto list = [&](const char* key, IpList& into) -> std::string {
    if (!j.contains(key)) return "";
    if (!j[key].is_array()) return std::string(key) + ": must be an array of addresses";
    for (auto& e : j[key]) {
      if (!e.is_string()) return std::string(key) + ": must be an array of addresses";
      if (auto err = add_ip(into, key, e.get<std::string>()); !err.empty()) return err;
    }
    return "";
  };
  // A list, or the option's comma-separated string.
  auto shapes = [&]() -> std::string {
    if (!j.contains("shapes")) return "";
    const nlohmann::json& v = j["shapes"];
    if (v.is_string()) return set_shapes(cfg, v.get<std::string>());
    if (!v.is_array() || v.empty()) return "shapes: must be a list of shape names";
    std::string joined;
    for (auto& e : v) {
      if (!e.is_string()) return "shapes: must be a list of shape names";
      joined += (joined.empty() ? "" : ",") + e.get<std::string>();
    }
    return set_shapes(cfg, joined);
  };
  auto assign = [](std::string& into) {
    return [&into](const std::string& v) {
      into = v;
      return std::string();
    };
  };
  const std::string errors[] = {
      text("listen", [&](const std::string& v) { return set_listen(cfg, v); }),
      text("mode", [&](const std::string& v) { return set_mode(cfg, v); }),
      text("engine", [&](const std::string& v) { return set_engine(cfg, v); }),
      text("modsecurity_config", assign(cfg.modsecurity_config)),
      text("attack_log", assign(cfg.attack_log)),
      text("external_health_path",
           [&](const std::string& v) { return set_external_health_path(cfg, v); }),
      shapes(),
      list("denylist", cfg.denylist),
      list("graylist", cfg.graylist),
      number("threads", cfg.threads, 4, 4096),
      number("detectors", cfg.detectors, 1, 256),
      number("window_ms", cfg.correlation_window_ms, 1, 3600000),
      number("keep_attacks", cfg.keep_attacks, 1, 1000000),
      number("delay_ms", cfg.delay_ms, 0, 60000),
      number("process_time_limit_ms", cfg.process_time_limit_ms, 0, 60000),
  };
  for (const std::string& err : errors)
    if (!err.empty()) return err;
  return "";
}

}  // namespace

std::string configure(int argc, char** argv, Config& cfg, bool* help) {
  *help = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  // The config file first, whatever its position, so options override it.
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--config")
      if (auto err = load_file(cfg, args[i + 1]); !err.empty()) return err;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& opt = args[i];
    if (opt == "--help" || opt == "-h") {
      *help = true;
      return "";
    }
    if (i + 1 >= args.size()) return opt + ": unknown option or missing value (see --help)";
    const std::string& value = args[++i];
    std::string err;
    if (opt == "--config") continue;
    else if (opt == "--listen") err = set_listen(cfg, value);
    else if (opt == "--mode") err = set_mode(cfg, value);
    else if (opt == "--engine") err = set_engine(cfg, value);
    else if (opt == "--modsecurity-config") cfg.modsecurity_config = value;
    else if (opt == "--deny") err = add_ip(cfg.denylist, "deny", value);
    else if (opt == "--gray") err = add_ip(cfg.graylist, "gray", value);
    else if (opt == "--attack-log") cfg.attack_log = value;
    else if (opt == "--threads") err = set_count(cfg.threads, "threads", value, 4, 4096);
    else if (opt == "--detectors") err = set_count(cfg.detectors, "detectors", value, 1, 256);
    else if (opt == "--window-ms") err = set_count(cfg.correlation_window_ms, "window-ms", value, 1, 3600000);
    else if (opt == "--keep-attacks") err = set_count(cfg.keep_attacks, "keep-attacks", value, 1, 1000000);
    else if (opt == "--delay-ms") err = set_count(cfg.delay_ms, "delay-ms", value, 0, 60000);
    else if (opt == "--process-time-limit-ms")
      err = set_count(cfg.process_time_limit_ms, "process-time-limit-ms", value, 0, 60000);
    else if (opt == "--port-file") cfg.port_file = value;
    else if (opt == "--external-health-path") err = set_external_health_path(cfg, value);
    else if (opt == "--shapes") err = set_shapes(cfg, value);
    else return opt + ": unknown option (see --help)";
    if (!err.empty()) return err;
  }
  return "";
}

}  // namespace node
