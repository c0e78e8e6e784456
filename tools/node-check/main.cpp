// wallarm-node-check: which message format does this Wallarm node accept?
// Sends a few messages in each format through libwallarm, one at a time,
// and prints what the node answered and the format to configure. See
// --help and tools/node-check/README.md.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "judge.h"
#include "options.h"
#include "probe.h"
#include "wallarm.h"

namespace {

using node_check::FormatResult;
using node_check::Kind;
using node_check::Options;
using node_check::Probe;

constexpr int kWorks = 0, kNoneWorks = 1, kUsage = 2;
constexpr unsigned kMessagesPerFormat = 5;

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::health:
      return "health";
    case Kind::benign:
      return "benign";
    case Kind::attack:
      return "attack";
    case Kind::response:
      return "response";
  }
  return "?";
}

void print_probe(const Probe& p) {
  const node_check::Judgement j = node_check::judge(p);
  std::string why = j.text;
  if (!p.detail.empty()) why += ": " + p.detail;
  std::printf("  %-8s  %-32s  %-16s %8.1f ms  %s\n", kind_name(p.kind), p.sent.c_str(),
              node_check::answer_text(p).c_str(), static_cast<double>(p.us) / 1000.0, why.c_str());
}

// "benign GET /", "health check GET /h", or the v1 health message as is.
std::string described(const Probe& p) {
  if (p.kind != Kind::health) return kind_name(p.kind) + (" " + p.sent);
  return p.sent.rfind("GET ", 0) == 0 ? "health check " + p.sent : p.sent;
}

// "benign GET / got 400 ESTATUS (detail)", for the first message that made
// no sense.
std::string first_failure(const FormatResult& r) {
  if (!r.refused.empty()) return "not checked: " + r.refused;
  for (const Probe& p : r.probes) {
    if (node_check::judge(p).sensible) continue;
    std::string out = described(p) + " got " + node_check::answer_text(p);
    if (!p.detail.empty()) out += " (" + p.detail + ")";
    return out;
  }
  return "";
}

std::string outcome(const FormatResult& r) {
  if (!r.works) return "does not work: " + first_failure(r);
  return "works, " + std::to_string(r.blocked) + " of " + std::to_string(r.attacks) +
         " attacks blocked";
}

// What the node answered to the benign request, for "no format works", and
// what failed when that was not it.
std::string benign_answer(const FormatResult& r) {
  if (!r.refused.empty()) return "not checked: " + r.refused;
  std::string out = "no benign request sent";
  for (const Probe& p : r.probes) {
    if (p.kind != Kind::benign) continue;
    out = "GET / got " + node_check::answer_text(p);
    if (!p.detail.empty()) out += " (" + p.detail + ")";
    if (node_check::judge(p).sensible) out += "; but " + first_failure(r);
  }
  return out;
}

// A guard in case a call into the library never returns: every message has
// its deadline, so the whole check has one too.
void on_alarm(int) {
  static const char kMsg[] = "wallarm-node-check: the check overran its time limit\n";
  ssize_t n = write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  (void)n;
  _exit(kNoneWorks);
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  bool help = false;
  const std::string err = node_check::parse_options(argc, argv, opts, &help);
  if (help) {
    std::fputs(node_check::kUsage, stdout);
    return kWorks;
  }
  if (!err.empty()) {
    std::fprintf(stderr, "wallarm-node-check: %s\n\n%s", err.c_str(), node_check::kUsage);
    return kUsage;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGALRM, on_alarm);
  alarm(static_cast<unsigned>(opts.formats.size() * kMessagesPerFormat * opts.timeout_ms / 1000) +
        10);

  std::string why;
  auto prober = node_check::Prober::create(opts, &why);
  if (!prober) {
    std::fprintf(stderr, "wallarm-node-check: %s\n", why.c_str());
    return kNoneWorks;
  }
  if (!opts.quiet)
    std::printf("wallarm-node-check %s: node %s, host %s, %u ms per message\n", wallarm_version(),
                opts.url.c_str(), opts.host.c_str(), opts.timeout_ms);

  std::vector<FormatResult> results;
  for (int32_t format : opts.formats) {
    FormatResult r;
    r.format = format;
    r.probes = prober->run(format, &r.refused);
    node_check::tally(r);
    if (!opts.quiet) {
      std::printf("\n%s\n", node_check::format_name(format));
      if (!r.refused.empty()) std::printf("  %s\n", r.refused.c_str());
      for (const Probe& p : r.probes) print_probe(p);
      std::printf("  => %s %s\n", node_check::format_name(format), outcome(r).c_str());
    }
    results.push_back(std::move(r));
    std::fflush(stdout);
  }
  prober.reset();

  if (!opts.quiet) {
    std::printf("\nsummary\n");
    for (const FormatResult& r : results)
      std::printf("  %-9s  %s\n", node_check::format_name(r.format), outcome(r).c_str());
  }
  const int chosen = node_check::choose(results);
  if (chosen < 0) {
    std::printf("no format works\n");
    for (const FormatResult& r : results)
      std::printf("  %s: %s\n", node_check::format_name(r.format), benign_answer(r).c_str());
    return kNoneWorks;
  }
  const FormatResult& best = results[static_cast<size_t>(chosen)];
  if (best.blocked == 0)
    std::printf("note: no attack was blocked: the node is in monitoring mode, or did not "
                "detect them\n");
  for (int i = 0; i < chosen; ++i)
    if (results[static_cast<size_t>(i)].works)
      std::printf("note: %s works too, but blocked no attack\n",
                  node_check::format_name(results[static_cast<size_t>(i)].format));
  std::printf("node_format: %s\n", node_check::format_name(best.format));
  // The breaker's probes: the health path if the node serves it, else v1
  // health messages, which an open breaker needs answered to close.
  if (best.healthy && !opts.health_path.empty()) {
    std::printf("node_health_path: %s\n", opts.health_path.c_str());
  } else if (!best.healthy) {
    std::printf("note: the health check (%s) failed: %s\n",
                opts.health_path.empty() ? "a protocol v1 health message"
                                         : ("GET " + opts.health_path).c_str(),
                opts.health_path.empty()
                    ? "set node_health_path to the node's external health check, or an open "
                      "circuit breaker never closes"
                    : "enable the node's external health check and set node_health_path to "
                      "it, or try --health-path '' (v1 health messages)");
  }
  return kWorks;
}
