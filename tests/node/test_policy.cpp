// Filtration modes, lists and configuration.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "config.h"
#include "ip_list.h"
#include "policy.h"

using node::decide;
using node::Findings;
using node::Mode;

TEST_CASE("policy: each mode decides as the Wallarm node does") {
  Findings attack;
  attack.attack = true;
  Findings clean;
  struct Case {
    Mode mode;
    const Findings& f;
    bool deny, gray, block;
  } cases[] = {
      {Mode::off, attack, true, true, false},       // off: nothing, not even the denylist
      {Mode::monitoring, attack, false, true, false},
      {Mode::monitoring, clean, true, false, true},  // denylist in every mode but off
      {Mode::safe_blocking, attack, false, false, false},
      {Mode::safe_blocking, attack, false, true, true},
      {Mode::safe_blocking, clean, false, true, false},
      {Mode::safe_blocking, clean, true, false, true},
      {Mode::block, attack, false, false, true},
      {Mode::block, clean, false, true, false},
      {Mode::block, clean, true, false, true},
  };
  for (auto& c : cases) {
    CAPTURE(node::mode_name(c.mode));
    CAPTURE(c.deny);
    CAPTURE(c.gray);
    auto d = decide(c.mode, c.f, c.deny, c.gray);
    CHECK(d.block == c.block);
    if (c.block) CHECK(std::string(d.reason) == (c.deny ? "denylist" : "attack"));
  }
  CHECK_FALSE(node::inspects(Mode::off));
  CHECK(node::inspects(Mode::monitoring));
}

TEST_CASE("policy: mode names round trip") {
  for (Mode m : {Mode::off, Mode::monitoring, Mode::safe_blocking, Mode::block})
    CHECK(node::mode_from(node::mode_name(m)) == m);
  CHECK_FALSE(node::mode_from("blocking").has_value());
}

TEST_CASE("ip list: addresses and CIDR ranges, IPv4 and IPv6") {
  node::IpList list;
  CHECK(list.add("203.0.113.7"));
  CHECK(list.add("10.0.0.0/8"));
  CHECK(list.add("2001:db8::/32"));
  CHECK(list.add("192.168.1.128/25"));
  CHECK(list.contains("203.0.113.7"));
  CHECK_FALSE(list.contains("203.0.113.8"));
  CHECK(list.contains("10.255.0.1"));
  CHECK_FALSE(list.contains("11.0.0.1"));
  CHECK(list.contains("2001:db8:1::5"));
  CHECK_FALSE(list.contains("2001:db9::1"));
  CHECK(list.contains("192.168.1.200"));
  CHECK_FALSE(list.contains("192.168.1.100"));
  CHECK_FALSE(list.contains("not an ip"));
  CHECK_FALSE(list.contains(""));
  CHECK_FALSE(list.add("10.0.0.0/33"));
  CHECK_FALSE(list.add("10.0.0.0/"));
  CHECK_FALSE(list.add("example.com"));
  node::IpList all;
  CHECK(all.add("0.0.0.0/0"));
  CHECK(all.contains("8.8.8.8"));
  CHECK_FALSE(all.contains("::1"));  // an IPv4 range holds no IPv6 address
}

namespace {

std::string configure(std::vector<std::string> args, node::Config& cfg) {
  args.insert(args.begin(), "node");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  bool help = false;
  return node::configure(static_cast<int>(argv.size()), argv.data(), cfg, &help);
}

}  // namespace

TEST_CASE("config: the file sets, options override, errors name the field") {
  char path[] = "/tmp/node-config-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << R"({"listen": "127.0.0.1:7000", "mode": "block", "engine": "none",
    "denylist": ["198.51.100.0/24"], "graylist": ["203.0.113.7"], "delay_ms": 5})";
  node::Config cfg;
  REQUIRE(configure({"--mode", "safe_blocking", "--config", path, "--deny", "192.0.2.1"}, cfg) == "");
  CHECK(cfg.port == 7000);
  CHECK(cfg.mode == Mode::safe_blocking);  // the option wins, wherever it stands
  CHECK(cfg.engine == "none");
  CHECK(cfg.denylist.contains("198.51.100.9"));
  CHECK(cfg.denylist.contains("192.0.2.1"));
  CHECK(cfg.graylist.contains("203.0.113.7"));
  CHECK(cfg.delay_ms == 5);

  node::Config bad;
  CHECK(configure({"--mode", "loud"}, bad).rfind("mode:", 0) == 0);
  CHECK(configure({"--listen", "nowhere"}, bad).rfind("listen:", 0) == 0);
  CHECK(configure({"--deny", "x.y"}, bad).rfind("deny:", 0) == 0);
  CHECK(configure({"--threads", "0"}, bad).rfind("threads:", 0) == 0);
  CHECK(configure({"--bogus", "1"}, bad).find("unknown option") != std::string::npos);
  std::ofstream(path) << R"({"mode": 5})";
  CHECK(configure({"--config", path}, bad).rfind("mode:", 0) == 0);
  std::ofstream(path) << R"({"colour": "red"})";
  CHECK(configure({"--config", path}, bad).find("unknown field colour") != std::string::npos);
  std::ofstream(path) << "{not json";
  CHECK(configure({"--config", path}, bad).find("not valid JSON") != std::string::npos);
  std::remove(path);
}

TEST_CASE("config: the processing time limit") {
  node::Config cfg;
  CHECK(cfg.process_time_limit_ms == 500);  // within the connector's default timeout_ms of 1000
  REQUIRE(configure({"--process-time-limit-ms", "50"}, cfg) == "");
  CHECK(cfg.process_time_limit_ms == 50);
  REQUIRE(configure({"--process-time-limit-ms", "0"}, cfg) == "");  // no limit
  CHECK(cfg.process_time_limit_ms == 0);

  char path[] = "/tmp/node-config-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << R"({"process_time_limit_ms": 250})";
  node::Config from_file;
  REQUIRE(configure({"--config", path}, from_file) == "");
  CHECK(from_file.process_time_limit_ms == 250);
  REQUIRE(configure({"--config", path, "--process-time-limit-ms", "750"}, from_file) == "");
  CHECK(from_file.process_time_limit_ms == 750);

  node::Config bad;
  for (const char* value : {"-1", "1.5", "x", "", "60001", "99999999999"}) {
    CAPTURE(value);
    CHECK(configure({"--process-time-limit-ms", value}, bad) ==
          std::string("process-time-limit-ms: must be a number between 0 and 60000, not ") + value);
  }
  CHECK(bad.process_time_limit_ms == 500);  // unchanged by a refused value
  std::ofstream(path) << R"({"process_time_limit_ms": "500"})";
  CHECK(configure({"--config", path}, bad) == "process_time_limit_ms: must be a number");
  std::ofstream(path) << R"({"process_time_limit_ms": -5})";
  CHECK(configure({"--config", path}, bad) == "process_time_limit_ms: must be a number");
  std::ofstream(path) << R"({"process_time_limit_ms": 70000})";
  CHECK(configure({"--config", path}, bad) ==
        "process_time_limit_ms: must be a number between 0 and 60000, not 70000");
  std::remove(path);
}

TEST_CASE("config: the external health check's path") {
  node::Config cfg;
  CHECK(cfg.external_health_path == "/wallarm-external-health");
  REQUIRE(configure({"--external-health-path", "/ready"}, cfg) == "");
  CHECK(cfg.external_health_path == "/ready");
  REQUIRE(configure({"--external-health-path", ""}, cfg) == "");
  CHECK(cfg.external_health_path.empty());  // turned off
  CHECK(configure({"--external-health-path", "ready"}, cfg).rfind("external_health_path:", 0) == 0);

  char path[] = "/tmp/node-config-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << R"({"external_health_path": "/health/external"})";
  node::Config from_file;
  REQUIRE(configure({"--config", path}, from_file) == "");
  CHECK(from_file.external_health_path == "/health/external");
  std::ofstream(path) << R"({"external_health_path": 1})";
  CHECK(configure({"--config", path}, from_file).rfind("external_health_path:", 0) == 0);
  std::remove(path);
}
