// The engine end to end on loopback: a client keeps C messages in flight
// through submit / notification socket / result, the way an nginx worker
// does, against a node in a child process. A raw blocking HTTP/1.1 client
// sending the same bytes to the same node, in the same run, is the baseline.
// Prints requests per second and CPU per request: the submitting thread
// (what an nginx worker's event loop would spend) and the whole process
// (engine thread included).
//
//   bench_engine [requests=50000] [concurrency=16,64] [node port]
//
// With a port, the node already listening on 127.0.0.1:port is measured
// (for example the reference node) instead of the built-in one.
//
// Exits non-zero if any message fails, so a short run doubles as a test.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../unit/test_server.h"
#include "typical_request.h"
#include "wallarm.h"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_us(int who) {
  rusage ru{};
  getrusage(who, &ru);
  long us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec +
            ru.ru_stime.tv_usec;
  return static_cast<double>(us);
}

struct Result {
  double seconds, thread_cpu_us, process_cpu_us;
};

// The node: a child process, so its CPU is not counted as ours.
struct Node {
  pid_t pid = -1;
  uint16_t port = 0;
  Node() {
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    pid = fork();
    if (pid == 0) {
      close(fds[0]);
      testsrv::Server server([](const testsrv::Request&) {
        testsrv::Reply r;
        r.body = R"({"verdict":"pass","mode":"monitoring","request_id":"c0ffee"})";
        return r;
      });
      uint16_t p = server.port();
      if (write(fds[1], &p, sizeof p) != sizeof p) _exit(1);
      pause();  // until the parent's SIGTERM
      _exit(0);
    }
    close(fds[1]);
    if (read(fds[0], &port, sizeof port) != sizeof port) std::abort();
    close(fds[0]);
  }
  ~Node() {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

Result run_engine(uint16_t port, int total, int concurrency) {
  std::string dir = std::filesystem::temp_directory_path() / ("wallarm-bench-" + std::to_string(getpid()));
  wallarm_engine_config_t ecfg;
  wallarm_engine_config_init(&ecfg);
  ecfg.socket_dir = dir.c_str();
  wallarm_engine_t* engine = nullptr;
  if (wallarm_engine_new(&ecfg, &engine) != WALLARM_OK) {
    std::fprintf(stderr, "engine: %s\n", wallarm_last_error());
    std::exit(1);
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  wallarm_target_config_t tcfg;
  wallarm_target_config_init(&tcfg);
  tcfg.url = url.c_str();
  tcfg.max_connections = static_cast<uint32_t>(concurrency);
  wallarm_target_t* target = nullptr;
  if (wallarm_target_new(engine, &tcfg, &target) != WALLARM_OK) std::exit(1);

  int reader = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, wallarm_engine_socket_path(engine), sizeof addr.sun_path - 1);
  if (connect(reader, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::exit(1);

  TypicalRequest msg;
  int submitted = 0, done = 0, failed = 0;
  auto submit = [&] {
    uint64_t ticket;
    if (wallarm_submit(target, &msg.m, 0, 2000, &ticket) != WALLARM_OK) ++failed;
    ++submitted;
  };
  double t0 = cpu_us(RUSAGE_THREAD), p0 = cpu_us(RUSAGE_SELF);
  auto start = Clock::now();
  while (submitted < concurrency && submitted < total) submit();
  wallarm_notify_record_t records[256];
  wallarm_verdict_t verdict{};
  verdict.size = sizeof verdict;
  while (done < submitted) {
    ssize_t n = recv(reader, records, sizeof records, 0);  // whole records: 16 bytes each
    if (n <= 0) std::exit(2);
    for (size_t i = 0; i < static_cast<size_t>(n) / sizeof records[0]; ++i) {
      if (wallarm_ticket_result(engine, records[i].ticket, &verdict) != WALLARM_OK || verdict.code != 0) ++failed;
      ++done;
      if (submitted < total) submit();
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  Result r{secs, cpu_us(RUSAGE_THREAD) - t0, cpu_us(RUSAGE_SELF) - p0};
  if (failed) {
    std::fprintf(stderr, "engine: %d of %d failed\n", failed, total);
    std::exit(5);
  }
  close(reader);
  wallarm_engine_free(engine);
  std::filesystem::remove_all(dir);
  return r;
}

// The protocol message the engine sends for a TypicalRequest, written by hand.
std::string typical_message() {
  TypicalRequest t;
  std::string body = t.method + " " + t.uri + " HTTP/1.1\r\n";
  for (auto& [n, v] : t.fields) body += n + ": " + v + "\r\n";
  body += "\r\n" + t.body;
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: message/http\r\n"
         "X-Wallarm-Protocol: 1\r\nX-Wallarm-Connector-Type: kong\r\n"
         "X-Wallarm-Message-Type: request\r\nX-Wallarm-Request-Id: " + t.id +
         "\r\nX-Wallarm-Forwarded-For: " + t.ip + "\r\nX-Wallarm-Forwarded-Host: " + t.host +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One keep-alive connection per thread, blocking write then read.
Result run_raw(uint16_t port, int total, int concurrency) {
  std::string request = typical_message();
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  double p0 = cpu_us(RUSAGE_SELF);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < concurrency; ++c) {
    threads.emplace_back([&] {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::exit(3);
      char buf[4096];
      while (next.fetch_add(1) < total) {
        if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
          ++failed;
          break;
        }
        // The answer has a Content-Length; read until the body is complete.
        std::string got;
        size_t need = std::string::npos;
        while (need == std::string::npos || got.size() < need) {
          ssize_t n = recv(fd, buf, sizeof buf, 0);
          if (n <= 0) std::exit(4);
          got.append(buf, static_cast<size_t>(n));
          size_t head = got.find("\r\n\r\n");
          if (need == std::string::npos && head != std::string::npos) {
            size_t cl = got.find("Content-Length: ");
            need = head + 4 + std::strtoul(got.c_str() + cl + 16, nullptr, 10);
          }
        }
      }
      close(fd);
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) {
    std::fprintf(stderr, "raw: %d failed\n", failed.load());
    std::exit(5);
  }
  return Result{secs, 0, cpu_us(RUSAGE_SELF) - p0};
}

}  // namespace

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 50000;
  std::vector<int> levels;
  for (const char* p = argc > 2 ? argv[2] : "16,64"; *p;) {
    levels.push_back(std::atoi(p));
    while (*p && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  std::unique_ptr<Node> builtin;
  uint16_t port = 0;
  if (argc > 3) {
    port = static_cast<uint16_t>(std::atoi(argv[3]));
  } else {
    builtin = std::make_unique<Node>();
    port = builtin->port;
  }
  std::printf("%-6s %-22s %10s %8s %16s %16s\n", "conc", "client", "req/s", "ratio",
              "caller µs/req", "process µs/req");
  for (int c : levels) {
    run_engine(port, total / 10, c);  // warm-up: connections, page faults
    Result raw = run_raw(port, total, c);
    Result eng = run_engine(port, total, c);
    double raw_rps = total / raw.seconds, eng_rps = total / eng.seconds;  // NOLINT
    std::printf("%-6d %-22s %10.0f %8s %16s %16.1f\n", c, "raw blocking client", raw_rps, "1.00",
                "-", raw.process_cpu_us / total);
    std::printf("%-6d %-22s %10.0f %8.2f %16.1f %16.1f\n", c, "libwallarm engine", eng_rps,
                eng_rps / raw_rps, eng.thread_cpu_us / total, eng.process_cpu_us / total);
  }
  return 0;
}
