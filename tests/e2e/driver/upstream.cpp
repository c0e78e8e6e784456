#include "upstream.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <stdexcept>

#include "fixtures.h"
#include "http.h"

namespace e2e {

Upstream::Upstream(const fs::path& dir) : dir_(dir / "upstream") {
  for (const char* sub : {"logs", "tmp"}) fs::create_directories(dir_ / sub);
  auto ports = free_ports(2);
  port_ = ports[0];
  control_port_ = ports[1];
  const fs::path source = fs::path(E2E_SOURCE_DIR) / "upstream";
  std::string conf = read_file(source / "nginx.conf.in");
  if (conf.empty()) throw std::runtime_error("cannot read " + (source / "nginx.conf.in").string());
  conf = replace_all(conf, "@USER_DIRECTIVE@", ::geteuid() == 0 ? "user root;" : "");
  conf = replace_all(conf, "@PREFIX@", dir_.string());
  conf = replace_all(conf, "@SOURCE@", source.string());
  conf = replace_all(conf, "@PORT@", std::to_string(port_));
  conf = replace_all(conf, "@CONTROL_PORT@", std::to_string(control_port_));
  write_file(dir_ / "nginx.conf", conf);

  const fs::path err = dir_ / "logs" / "error.log";
  child_ = Child({E2E_NGINX, "-p", dir_.string(), "-c", (dir_ / "nginx.conf").string(), "-e",
                  err.string()},
                 dir_ / "logs" / "stderr.log");
  std::string why;
  const bool up = wait_until(kStartupLimit, [&] {
    if (!child_.running()) {
      why = "exited";
      return true;
    }
    return http_get("http://127.0.0.1:" + std::to_string(control_port_) + "/seen?tag=-", {}, 1000)
               .status == 200 &&
           wait_port(port_, std::chrono::milliseconds(100));
  });
  if (!up || !why.empty())
    throw std::runtime_error("the e2e upstream (nginx) did not come up" +
                             (why.empty() ? "" : " (" + why + ")") + ":\n" + tail_file(err) +
                             tail_file(dir_ / "logs" / "stderr.log"));
}

long Upstream::seen(const std::string& tag) {
  auto r = http_get("http://127.0.0.1:" + std::to_string(control_port_) + "/seen?tag=" + tag);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() ? j.value("count", -1L) : -1L;
}

}  // namespace e2e
