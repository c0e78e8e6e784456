#include "fixtures.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http.h"

#ifndef E2E_NODE_BINARY
#error "E2E_NODE_BINARY must be defined by the build"
#endif

namespace e2e {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
}

}  // namespace

// ---------------------------------------------------------------------------
// RefNode

RefNode::RefNode(const fs::path& dir, const NodeOptions& opts) {
  static std::atomic<int> seq{0};
  std::string id = std::to_string(seq.fetch_add(1));
  fs::path port_file = dir / ("node" + id + ".port");
  log_ = dir / ("node" + id + ".log");
  std::vector<std::string> argv = {E2E_NODE_BINARY, "--listen", "127.0.0.1:0", "--port-file",
                                   port_file.string(), "--mode", opts.mode};
  if (!opts.engine.empty()) {
    argv.push_back("--engine");
    argv.push_back(opts.engine);
  }
  if (opts.delay_ms > 0) {
    argv.push_back("--delay-ms");
    argv.push_back(std::to_string(opts.delay_ms));
  }
  for (const auto& e : opts.extra) argv.push_back(e);
  child_ = Child(argv, log_);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string p = read_file(port_file);
    if (!p.empty() && p.back() == '\n') p.pop_back();
    if (!p.empty()) {
      port_ = static_cast<uint16_t>(std::stoul(p));
      break;
    }
    if (!child_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (port_ == 0 || http_get(url() + "healthz").status != 200)
    throw std::runtime_error("reference node did not come up:\n" + tail_file(log_));
}

json RefNode::attacks() {
  auto r = http_get(url() + "attacks.json");
  if (r.status != 200) return json::array();
  return json::parse(r.body, nullptr, false);
}

std::string RefNode::metrics() { return http_get(url() + "metrics").body; }

double RefNode::metric(const std::string& series) {
  std::istringstream in(metrics());
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

json RefNode::wait_attack(const std::function<bool(const json&)>& pred,
                          std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    json records = attacks();
    if (records.is_array())
      for (const auto& r : records)
        if (pred(r)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  } while (std::chrono::steady_clock::now() < deadline);
  return nullptr;
}

// ---------------------------------------------------------------------------
// plugin files

void install_plugin(const fs::path& lua_root, const std::string& source_dirs,
                    const std::string& name) {
  fs::path dest = lua_root / "kong" / "plugins" / name;
  fs::create_directories(dest);
  std::string dirs = !source_dirs.empty()
                         ? source_dirs
                         : env_or("WALLARM_E2E_PLUGIN_DIRS",
                                  std::string(E2E_REPO_DIR) + "/kong-plugin:" + E2E_REPO_DIR + "/ffi");
  std::stringstream ss(dirs);
  std::string d;
  while (std::getline(ss, d, ':')) {
    if (d.empty() || !fs::is_directory(d)) continue;
    for (const auto& entry : fs::directory_iterator(d)) {
      if (entry.is_regular_file() && entry.path().extension() == ".lua")
        fs::copy_file(entry.path(), dest / entry.path().filename(),
                      fs::copy_options::overwrite_existing);
    }
  }
  for (const char* required : {"handler.lua", "schema.lua"}) {
    if (!fs::exists(dest / required))
      throw std::runtime_error(std::string("plugin file ") + required + " not found in " + dirs +
                               " (kong-plugin/ and ffi/ of the checkout)");
  }
}

// ---------------------------------------------------------------------------
// Nginx

Nginx::Nginx(const fs::path& dir, std::vector<Route> routes, NginxOptions opts)
    : dir_(dir / "nginx"), routes_(std::move(routes)), opts_(std::move(opts)) {
  prepare();
}

Nginx::~Nginx() { stop(); }

void Nginx::prepare() {
  for (const char* sub : {"logs", "tmp", "sock", "lua"}) fs::create_directories(dir_ / sub);
  install_plugin(dir_ / "lua", opts_.plugin_dirs, opts_.plugin_name);

  auto ports = free_ports(routes_.size() + 3);
  size_t i = 0;
  for (const auto& r : routes_) route_ports_[r.name] = ports[i++];
  status_port_ = ports[i++];
  control_port_ = ports[i++];
  upstream_port_ = ports[i++];
  const uint16_t proxied_port = opts_.upstream_port ? opts_.upstream_port : upstream_port_;

  const bool kong_request_id = opts_.kong_version.rfind("3.4.", 0) != 0;
  json settings = {{"plugin", opts_.plugin_name}, {"kong_version", opts_.kong_version}};
  settings["routes"] = json::object();
  std::string servers;
  for (const auto& r : routes_) {
    json rs = json::object();
    if (r.plugin) rs["plugin"] = *r.plugin;
    settings["routes"][r.name] = rs;

    std::string s;
    s += "    # route " + r.name + (r.plugin ? " (plugin " + opts_.plugin_name + ")" : " (no plugin)") + "\n";
    s += "    server {\n";
    s += "        listen 127.0.0.1:" + std::to_string(route_ports_[r.name]) +
         (opts_.reuseport ? " reuseport" : "") + ";\n";
    s += "        add_header X-E2E-Worker-Pid $pid always;\n";
    if (r.plugin) {
      if (kong_request_id) s += "        set $kong_request_id $request_id;\n";
      s += "        rewrite_by_lua_block { E2E.rewrite() }\n";
      s += "        access_by_lua_block { E2E.access(\"" + r.name + "\") }\n";
      s += "        header_filter_by_lua_block { E2E.header_filter() }\n";
      s += "        body_filter_by_lua_block { E2E.body_filter() }\n";
      s += "        log_by_lua_block { E2E.log() }\n";
    }
    s += "        location / {\n";
    s += "            proxy_http_version 1.1;\n";
    s += "            proxy_set_header Host $http_host;\n";
    s += "            proxy_set_header Connection \"\";\n";
    s += "            proxy_request_buffering on;\n";
    s += "            proxy_buffering on;\n";
    s += "            proxy_read_timeout 30s;\n";
    s += "            proxy_pass http://e2e_upstream;\n";
    s += "        }\n";
    s += "    }\n";
    servers += s;
  }
  write_file(dir_ / "settings.json", settings.dump(2));

  std::string conf = read_file(fs::path(E2E_SOURCE_DIR) / "nginx.conf.in");
  if (conf.empty()) throw std::runtime_error("cannot read nginx.conf.in in " E2E_SOURCE_DIR);
  replace_all(conf, "@USER_DIRECTIVE@", ::geteuid() == 0 ? "user root;" : "");
  replace_all(conf, "@WORKERS@", std::to_string(opts_.workers));
  replace_all(conf, "@PREFIX@", dir_.string());
  replace_all(conf, "@LOG_LEVEL@", opts_.log_level);
  replace_all(conf, "@WALLARM_LIBRARY@", E2E_WALLARM_LIBRARY);
  replace_all(conf, "@LUA_ROOT@", (dir_ / "lua").string());
  replace_all(conf, "@HARNESS@", std::string(E2E_SOURCE_DIR) + "/harness");
  replace_all(conf, "@HTTP_EXTRA@", "");
  replace_all(conf, "@ROUTE_SERVERS@", servers);
  replace_all(conf, "@STATUS_PORT@", std::to_string(status_port_));
  replace_all(conf, "@CONTROL_PORT@", std::to_string(control_port_));
  replace_all(conf, "@UPSTREAM_PORT@", std::to_string(upstream_port_));
  replace_all(conf, "@PROXIED_PORT@", std::to_string(proxied_port));
  write_file(dir_ / "nginx.conf", conf);
}

bool Nginx::try_start(std::string& why) {
  fs::path err = dir_ / "logs" / "error.log";
  child_ = Child({E2E_NGINX, "-p", dir_.string(), "-c", (dir_ / "nginx.conf").string(), "-e",
                  err.string()},
                 dir_ / "logs" / "stderr.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  auto failed = [&](const std::string& what) {
    why = what + "\n--- error.log ---\n" + tail_file(err) + "\n--- stderr ---\n" +
          tail_file(dir_ / "logs" / "stderr.log");
    child_.stop();
    return false;
  };
  std::vector<uint16_t> ports = {control_port_, status_port_, upstream_port_};
  for (const auto& [name, port] : route_ports_) ports.push_back(port);
  for (uint16_t p : ports) {
    while (!wait_port(p, std::chrono::milliseconds(50))) {
      if (!child_.running()) return failed("nginx exited during start");
      if (std::chrono::steady_clock::now() > deadline) return failed("nginx did not listen");
    }
  }
  while (true) {
    json w = workers();
    size_t ready = 0;
    if (w.is_object() && w.contains("pids"))
      for (const auto& [k, v] : w["pids"].items())
        if (!v.is_null()) ++ready;
    if (ready >= static_cast<size_t>(opts_.workers)) break;
    if (!child_.running()) return failed("nginx exited during start");
    if (std::chrono::steady_clock::now() > deadline)
      return failed("nginx workers did not all run init_worker");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void Nginx::start() {
  std::string why;
  if (!try_start(why)) throw std::runtime_error(why);
}

void Nginx::stop() { child_.stop(); }

uint16_t Nginx::route_port(const std::string& route) const { return route_ports_.at(route); }

std::string Nginx::url(const std::string& route, const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(route_port(route)) + path;
}

std::string Nginx::status_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(status_port_) + path;
}

std::string Nginx::control_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(control_port_) + path;
}

long Nginx::upstream_seen(const std::string& tag) {
  auto r = http_get(control_url("/seen?tag=" + tag));
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() ? j.value("count", -1L) : -1L;
}

json Nginx::validate(const json& entity) {
  HttpRequest req;
  req.url = control_url("/validate");
  req.body = entity.dump();
  req.headers = {"Content-Type: application/json"};
  auto r = http(req);
  return json::parse(r.body, nullptr, false);
}

json Nginx::workers() {
  auto r = http_get(control_url("/workers"), {}, 2000);
  return json::parse(r.body, nullptr, false);
}

json Nginx::probe(const std::string& tag) {
  auto r = http_get(control_url("/probe?tag=" + tag));
  return json::parse(r.body, nullptr, false);
}

std::string Nginx::error_log() const { return read_file(dir_ / "logs" / "error.log"); }

std::vector<std::string> Nginx::bad_log_lines() const {
  static const char* const kBad[] = {
      "[alert]", "[emerg]", "[crit]", "runtime error", "lua entry thread aborted",
      "exited on signal", "e2e PDK shim", "failed to run", "e2e harness: the access handler raised",
  };
  std::vector<std::string> out;
  std::istringstream in(error_log());
  std::string line;
  while (std::getline(in, line))
    for (const char* b : kBad)
      if (line.find(b) != std::string::npos) {
        out.push_back(line);
        break;
      }
  return out;
}

// ---------------------------------------------------------------------------

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(gen() & 0xff);
  return s;
}

std::string md5_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

std::string unique_tag(const std::string& prefix) {
  static std::atomic<int> seq{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(seq.fetch_add(1));
}

}  // namespace e2e
