// The node binary as an operator runs it: options, port file, SIGTERM.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../wait_limits.h"
#include "wallarm.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Process {
  pid_t pid = -1;
  explicit Process(std::vector<std::string> args, const std::string& stderr_path) {
    args.insert(args.begin(), WALLARM_NODE_BINARY);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      std::freopen(stderr_path.c_str(), "w", stderr);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  // Exit status, or -1 if it did not exit within `limit` (looked at once
  // at least, so a limit of 0 asks whether it is still running).
  int wait(std::chrono::milliseconds limit = wait_limits::kStartup) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (Clock::now() >= deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~Process() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("node process: serves, records, and on SIGTERM flushes its log and exits 0") {
  fs::path dir = fs::temp_directory_path() / ("node-proc-" + std::to_string(getpid()));
  fs::create_directories(dir);
  Process node({"--listen", "127.0.0.1:0", "--port-file", (dir / "port").string(), "--engine",
                "none", "--mode", "block", "--deny", "192.0.2.66", "--attack-log",
                (dir / "attacks.jsonl").string(), "--threads", "8"},
               (dir / "stderr").string());
  // Ready once its port file is there (written whole, then renamed).
  const auto deadline = Clock::now() + wait_limits::kStartup;
  while (!fs::exists(dir / "port")) {
    REQUIRE_MESSAGE(node.wait(std::chrono::milliseconds(0)) == -1,
                    "the node exited: " << slurp(dir / "stderr"));
    REQUIRE_MESSAGE(Clock::now() < deadline,
                    "no port file within " << wait_limits::kStartup.count() << " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string url = "http://127.0.0.1:" + std::to_string(std::stoi(slurp(dir / "port"))) + "/";

  wallarm_engine_config_t ecfg;
  wallarm_engine_config_init(&ecfg);
  wallarm_engine_t* engine = nullptr;
  REQUIRE(wallarm_engine_new(&ecfg, &engine) == WALLARM_OK);
  wallarm_target_config_t tcfg;
  wallarm_target_config_init(&tcfg);
  tcfg.url = url.c_str();
  wallarm_target_t* target = nullptr;
  REQUIRE(wallarm_target_new(engine, &tcfg, &target) == WALLARM_OK);
  std::string method = "GET", uri = "/", id = "proc-1", ip = "192.0.2.66";
  wallarm_message_t m{};
  m.type = WALLARM_MSG_REQUEST;
  m.method = {method.data(), method.size()};
  m.uri = {uri.data(), uri.size()};
  m.body_total = -1;
  m.request_id = {id.data(), id.size()};
  m.client_ip = {ip.data(), ip.size()};
  wallarm_verdict_t v{};
  v.size = sizeof v;
  REQUIRE(wallarm_inspect(target, &m, 5000, &v) == WALLARM_OK);
  CHECK(v.action == WALLARM_BLOCK);
  wallarm_engine_free(engine);

  // The record waits for its response message; SIGTERM must still write it.
  CHECK(slurp(dir / "attacks.jsonl").empty());
  REQUIRE(kill(node.pid, SIGTERM) == 0);
  CHECK(node.wait() == 0);
  std::string log = slurp(dir / "attacks.jsonl");
  REQUIRE_FALSE(log.empty());
  auto record = nlohmann::json::parse(log.substr(0, log.find('\n')));
  CHECK(record["request_id"] == "proc-1");
  CHECK(record["verdict"] == "block");
  CHECK(slurp(dir / "stderr").find("listening on 127.0.0.1:") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("node process: a bad option is refused with the option named") {
  fs::path err = fs::temp_directory_path() / ("node-err-" + std::to_string(getpid()));
  Process bad({"--mode", "loud"}, err.string());
  CHECK(bad.wait() == 2);
  CHECK(slurp(err).find("mode: must be off, monitoring, safe_blocking or block") !=
        std::string::npos);
  Process missing({"--modsecurity-config", "/nonexistent/node.conf"}, err.string());
  CHECK(missing.wait() == 1);
  CHECK(slurp(err).find("/nonexistent/node.conf") != std::string::npos);
  fs::remove(err);
}
