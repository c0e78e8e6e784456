#include "kong.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "http.h"

namespace e2e {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The runtime script: progress on stderr (kept in a log), the runtime
// directory as the last line of stdout.
KongRuntime build_runtime(const std::string& version) {
  const fs::path log = fs::temp_directory_path() /
                       ("wallarm-e2e-kong-runtime-" + std::to_string(::getpid()) + ".log");
  const std::string cmd = std::string(E2E_REPO_DIR) + "/scripts/kong-runtime.sh " + version +
                          " 2>" + log.string();
  std::string out;
  int status = -1;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    status = ::pclose(p);
  }
  const std::string progress = tail_file(log);
  std::error_code ec;
  fs::remove(log, ec);
  std::istringstream lines(out);
  std::string line, last;
  while (std::getline(lines, line))
    if (!trim(line).empty()) last = trim(line);
  if (status != 0 || last.empty() || !fs::exists(fs::path(last) / "bin" / "kong"))
    throw std::runtime_error("scripts/kong-runtime.sh " + version + " failed:\n" + progress);

  KongRuntime rt;
  rt.version = version;
  rt.dir = last;
  std::istringstream conf(read_file(rt.dir / "kong.conf.runtime"));
  while (std::getline(conf, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    rt.conf.emplace_back(trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
  }
  return rt;
}

void replace_or_add(std::vector<std::pair<std::string, std::string>>& conf, const std::string& key,
                    const std::string& value) {
  for (auto& [k, v] : conf)
    if (k == key) {
      v = value;
      return;
    }
  conf.emplace_back(key, value);
}

}  // namespace

std::string suite_kong_version() { return env_or("WALLARM_E2E_KONG", "3.4.2"); }

const char* format_name(NodeFormat f) {
  switch (f) {
    case NodeFormat::v1: return "v1";
    case NodeFormat::mirror: return "mirror";
    case NodeFormat::multipart: return "multipart";
  }
  return "?";
}

NodeFormat suite_format() {
  static const NodeFormat format = [] {
    const std::string name = env_or("WALLARM_E2E_FORMAT", "mirror");
    for (NodeFormat f : {NodeFormat::mirror, NodeFormat::multipart, NodeFormat::v1})
      if (name == format_name(f)) return f;
    throw std::runtime_error("WALLARM_E2E_FORMAT=" + name + ": mirror, multipart or v1 expected");
  }();
  return format;
}

const KongRuntime& kong_runtime(const std::string& version) {
  static std::mutex mu;
  static std::map<std::string, KongRuntime> built;
  std::lock_guard<std::mutex> lock(mu);
  auto it = built.find(version);
  if (it == built.end()) it = built.emplace(version, build_runtime(version)).first;
  return it->second;
}

// ---------------------------------------------------------------------------
// plugin files

void install_plugin(const fs::path& lua_root, const std::string& source_dirs,
                    const std::string& name) {
  fs::path dest = lua_root / "kong" / "plugins" / name;
  fs::create_directories(dest);
  std::string dirs = !source_dirs.empty()
                         ? source_dirs
                         : env_or("WALLARM_E2E_PLUGIN_DIRS", E2E_CONFIGMAP_PLUGIN_DIR);
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
      throw std::runtime_error(std::string("plugin file ") + required + " not found in " + dirs);
  }
}

// ---------------------------------------------------------------------------
// Kong

Kong::Kong(const fs::path& dir, std::vector<Route> routes, KongOptions opts)
    : dir_(dir / "kong"),
      prefix_(dir_ / "prefix"),
      run_dir_(dir_ / "run"),
      kong_conf_(dir_ / "kong.conf"),
      kong_yml_(dir_ / "kong.yml"),
      routes_(std::move(routes)),
      opts_(std::move(opts)),
      runtime_(kong_runtime(opts_.version.empty() ? suite_kong_version() : opts_.version)) {
  if (routes_.empty()) throw std::invalid_argument("Kong needs at least one route");
  prepare();
}

Kong::~Kong() { stop(); }

void Kong::prepare() {
  fs::create_directories(dir_ / "lua");
  fs::create_directories(dir_ / "lib");
  // The workers run as nobody (Kong writes no user directive): everything
  // they read must be readable by all, and the binding creates its socket
  // directory (0700, its own) inside a sticky, world-writable one, as in /tmp.
  fs::create_directories(run_dir_);
  ::chmod(run_dir_.c_str(), 01777);
  install_plugin(dir_ / "lua", opts_.plugin_dirs, opts_.plugin_name);

  // A copy beside the plugin: the build tree may not be readable by nobody.
  const fs::path library =
      opts_.library.empty() ? fs::path(E2E_WALLARM_LIBRARY) : fs::path(opts_.library);
  if (fs::is_regular_file(library)) {
    library_ = (dir_ / "lib" / library.filename()).string();
    fs::copy_file(library, library_, fs::copy_options::overwrite_existing);
  } else {
    library_ = library.string();  // a path that does not exist, as given
  }
  if (!opts_.upstream_port) upstream_ = std::make_unique<Upstream>(dir_);

  auto ports = free_ports(4);
  proxy_port_ = opts_.proxy_port ? opts_.proxy_port : ports[0];
  status_port_ = ports[1];
  admin_port_ = ports[2];
  if (opts_.http2_listener) http2_port_ = ports[3];

  // kong.yml: a service and a route per test route, the plugin on the route.
  json services = json::array();
  for (const auto& r : routes_) {
    json route = {{"name", r.name}, {"preserve_host", true}, {"strip_path", false}};
    if (r.any_host)
      route["paths"] = json::array({"/"});
    else
      route["hosts"] = json::array({host_name(r.name)});
    if (!r.protocols.empty()) route["protocols"] = r.protocols;
    if (r.plugin) {
      json p = *r.plugin;
      p["name"] = opts_.plugin_name;
      // Only kong-lua has node_format (the baseline's schema refuses it).
      if (opts_.suite_format && opts_.plugin_name == "kong-lua" && p.contains("config") &&
          p["config"].is_object() && !p["config"].contains("node_format"))
        p["config"]["node_format"] = format_name(suite_format());
      route["plugins"] = json::array({p});
    }
    services.push_back({{"name", r.name},
                        {"url", r.service_url.empty()
                                    ? "http://127.0.0.1:" + std::to_string(upstream_port())
                                    : r.service_url},
                        {"routes", json::array({route})}});
  }
  // JSON is YAML: Kong reads this file as it reads any kong.yml.
  json yml = {{"_format_version", "3.0"}, {"services", services}};
  if (!opts_.global_plugins.empty()) yml["plugins"] = opts_.global_plugins;
  write_file(kong_yml_, yml.dump(2) + "\n");

  // The socket directory is test-only, so it goes in an included file;
  // WALLARM_LIBRARY goes as an operator passes it, with nginx_main_env.
  const fs::path env_conf = dir_ / "nginx-env.conf";
  write_file(env_conf, "env WALLARM_SOCKET_DIR=" + socket_dir().string() + ";\n");

  auto conf = runtime_.conf;
  const std::string lua_root = (dir_ / "lua").string();
  std::string package_path = lua_root + "/?.lua;" + lua_root + "/?/init.lua;";
  for (const auto& [k, v] : conf)
    if (k == "lua_package_path") package_path += v;
  replace_or_add(conf, "lua_package_path", package_path);
  const std::vector<std::pair<std::string, std::string>> ours = {
      {"prefix", prefix_.string()},
      {"database", "off"},
      {"declarative_config", kong_yml_.string()},
      {"plugins", opts_.plugin_name},
      {"proxy_listen",
       "127.0.0.1:" + std::to_string(proxy_port_) + (opts_.reuseport ? " reuseport" : "") +
           (http2_port_ ? ", 127.0.0.1:" + std::to_string(http2_port_) + " http2" : "")},
      {"status_listen", "127.0.0.1:" + std::to_string(status_port_)},
      {"admin_listen", "127.0.0.1:" + std::to_string(admin_port_)},
      {"admin_gui_listen", "off"},
      {"stream_listen", "off"},
      {"anonymous_reports", "off"},
      {"nginx_daemon", "off"},
      {"nginx_worker_processes", std::to_string(opts_.workers)},
      {"log_level", opts_.log_level},
      {"proxy_access_log", "off"},
      {"admin_access_log", "off"},
      {"status_access_log", "off"},
      {"nginx_main_env", "WALLARM_LIBRARY"},
      {"nginx_main_include", env_conf.string()},
  };
  for (const auto& [k, v] : ours) replace_or_add(conf, k, v);
  if (opts_.worker_pid_header)
    replace_or_add(conf, "nginx_proxy_add_header", "X-E2E-Worker-Pid $pid always");
  for (const auto& line : opts_.conf) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) replace_or_add(conf, trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
  }
#ifdef E2E_SANITIZER_PRELOAD
  // Kong's CLI runs under resty (Perl, then nginx): only the nginx that runs
  // Kong gets the sanitizer's runtime, from a shim before the runtime's. The
  // workers run as nobody: their reports go to the world-writable run
  // directory, and stop() collects them.
  const fs::path shim = dir_ / "openresty" / "nginx" / "sbin" / "nginx";
  fs::create_directories(shim.parent_path());
  const std::string run = run_dir_.string();
  fs::copy_file(fs::path(E2E_SOURCE_DIR) / "lsan.supp", run_dir_ / "lsan.supp");
  write_file(shim, "#!/bin/sh\n"
                   "if [ \"$1\" != -v ]; then\n"
                   "  export LD_PRELOAD=" E2E_SANITIZER_PRELOAD "\n"
                   "  export ASAN_OPTIONS=detect_leaks=1:log_path=" + run + "/asan\n"
                   "  export UBSAN_OPTIONS=print_stacktrace=1:log_path=" + run + "/ubsan\n"
                   "  export LSAN_OPTIONS=suppressions=" + run + "/lsan.supp\n"
                   "fi\n"
                   "exec " + (runtime_.dir / "openresty" / "nginx" / "sbin" / "nginx").string() +
                   " \"$@\"\n");
  fs::permissions(shim, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  replace_or_add(conf, "openresty_path", (dir_ / "openresty").string());
#endif
  std::string text = "# kong.conf of one e2e instance, written by tests/e2e/driver/kong.cpp\n";
  for (const auto& [k, v] : conf) text += k + " = " + v + "\n";
  write_file(kong_conf_, text);
}

std::vector<std::string> Kong::environment() const {
  return {"PATH=" + (runtime_.dir / "bin").string() + ":" + env_or("PATH", "/usr/bin:/bin"),
          "WALLARM_LIBRARY=" + library_, "KONG_PREFIX=" + prefix_.string()};
}

int Kong::cli(const std::vector<std::string>& args, std::string& output) const {
  static int seq = 0;
  const fs::path log = dir_ / ("cli-" + std::to_string(seq++) + ".log");
  std::vector<std::string> argv = {(runtime_.dir / "bin" / "kong").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  Child c(argv, log, environment(), false);
  const int code = c.wait_exit(kStartupLimit);
  output = read_file(log);
  return code;
}

bool Kong::try_start(std::string& why) {
  const fs::path out = dir_ / "kong-start.log";
  child_ = Child({(runtime_.dir / "bin" / "kong").string(), "start", "-c", kong_conf_.string()}, out,
                 environment(), false);
  auto failed = [&](const std::string& what) {
    why = what + "\n--- kong start ---\n" + tail_file(out) + "\n--- error.log ---\n" +
          tail_file(prefix_ / "logs" / "error.log");
    child_.stop();
    return false;
  };
  bool exited = false;
  const bool ready = wait_until(kStartupLimit, [&] {
    if (!child_.running()) return exited = true;
    json w = workers();
    if (!w.is_object() || w.value("count", 0) != opts_.workers) return false;
    for (const auto& [id, pid] : w["pids"].items())
      if (!pid.is_number()) return false;
    return http_get(status_url("/status"), {}, 2000).status == 200 &&
           wait_port(proxy_port_, std::chrono::milliseconds(100));
  });
  if (exited) return failed("kong start exited");
  if (!ready) return failed("Kong did not come up within " + std::to_string(kStartupLimit.count()) + " s");
  return true;
}

void Kong::start() {
  std::string why;
  if (!try_start(why)) throw std::runtime_error(why);
}

void Kong::stop() {
  child_.stop();
#ifdef E2E_SANITIZER_PRELOAD
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run_dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("asan.", 0) == 0 || name.rfind("ubsan.", 0) == 0)
      fs::copy_file(e.path(), fs::path(E2E_SANITIZER_LOG_DIR) / ("kong-" + name),
                    fs::copy_options::overwrite_existing, ec);
  }
#endif
}

int Kong::reload(std::string& output) { return cli({"reload", "-c", kong_conf_.string()}, output); }

std::string Kong::host_name(const std::string& route) const {
  for (size_t i = 0; i < routes_.size(); ++i)
    if (routes_[i].name == route) return i == 0 ? kSeedHost : route + "." + kSeedHost;
  throw std::invalid_argument("no route " + route);
}

std::string Kong::host(const std::string& route) const { return "Host: " + host_name(route); }

std::string Kong::url(const std::string& route, const std::string& path) const {
  host_name(route);  // the route exists
  return "http://127.0.0.1:" + std::to_string(proxy_port_) + path;
}

std::string Kong::status_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(status_port_) + path;
}

std::string Kong::admin_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(admin_port_) + path;
}

uint16_t Kong::upstream_port() const { return upstream_ ? upstream_->port() : opts_.upstream_port; }

long Kong::upstream_seen(const std::string& tag) { return upstream_ ? upstream_->seen(tag) : -1; }

json Kong::workers() {
  auto r = http_get(admin_url("/"), {}, 2000);
  json root = json::parse(r.body, nullptr, false);
  if (r.status != 200 || !root.is_object() || !root.contains("pids")) return nullptr;
  json out = {{"count", 0}, {"pids", json::object()}};
  const json& list = root["pids"].value("workers", json::array());
  if (list.is_array()) {
    out["count"] = list.size();
    for (size_t i = 0; i < list.size(); ++i) out["pids"][std::to_string(i)] = list[i];
  }
  return out;
}

json Kong::validate(const json& config) {
  HttpRequest req;
  req.method = "POST";
  req.url = admin_url("/schemas/plugins/validate");
  req.headers = {"Content-Type: application/json"};
  req.body = json{{"name", opts_.plugin_name}, {"config", config}}.dump();
  auto r = http(req);
  json v = json::parse(r.body, nullptr, false);
  if (!v.is_object()) v = {{"body", r.body}};
  v["status"] = r.status;
  return v;
}

json Kong::loaded_plugin_config() {
  json plugins = json::parse(http_get(admin_url("/plugins")).body, nullptr, false);
  if (!plugins.is_object() || !plugins.contains("data") || plugins["data"].empty()) return nullptr;
  return plugins["data"][0].value("config", json());
}

long Kong::master_pid() const {
  const std::string s = read_file(prefix_ / "pids" / "nginx.pid");
  return s.empty() ? -1 : std::stol(s);
}

std::string Kong::error_log() const { return read_file(prefix_ / "logs" / "error.log"); }

std::vector<std::string> Kong::bad_log_lines() const {
  static const char* const kBad[] = {
      "[alert]", "[emerg]", "[crit]", "runtime error", "lua entry thread aborted",
      "exited on signal", "failed to run",
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

}  // namespace e2e
