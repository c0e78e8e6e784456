// Metrics: counts, and output that a Prometheus text-format 0.0.4 parser
// accepts.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "metrics.h"

using node::Attack;
using node::MessageType;
using node::Metrics;
using node::Shape;
using namespace std::chrono_literals;

namespace {

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, without the colon for labels.
bool is_name(const std::string& s, bool colon) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || (colon && c == ':');
    if (!ok) return false;
  }
  return true;
}

bool is_digits(const std::string& s, size_t from, size_t to) {
  if (from >= to) return false;
  for (size_t i = from; i < to; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// A decimal float: [-+]? (digits [. digits?] | . digits) ([eE] [-+]? digits)?
bool is_decimal(const std::string& v) {
  size_t i = 0;
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
  const size_t e = std::min(v.find_first_of("eE"), v.size());
  const std::string mant = v.substr(i, e - i);
  const size_t dot = mant.find('.');
  if (dot == std::string::npos) {
    if (!is_digits(mant, 0, mant.size())) return false;
  } else {
    const bool before = dot > 0 && is_digits(mant, 0, dot);
    const bool after = dot + 1 < mant.size() && is_digits(mant, dot + 1, mant.size());
    if ((dot > 0 && !before) || (dot + 1 < mant.size() && !after) || (!before && !after)) {
      return false;
    }
  }
  if (e == v.size()) return true;
  size_t x = e + 1;
  if (x < v.size() && (v[x] == '-' || v[x] == '+')) ++x;
  return is_digits(v, x, v.size());
}

struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // unescaped, in order
  double value = 0;
  std::string raw;  // the whole line
};

// Parses `{name="value",...}` from s[pos] (at '{'); returns false on any
// deviation from the grammar.
bool parse_labels(const std::string& s, size_t& pos,
                  std::vector<std::pair<std::string, std::string>>& out) {
  if (s[pos] != '{') return false;
  ++pos;
  while (pos < s.size() && s[pos] != '}') {
    const size_t eq = s.find('=', pos);
    if (eq == std::string::npos) return false;
    std::string name = s.substr(pos, eq - pos);
    if (!is_name(name, false)) return false;
    pos = eq + 1;
    if (pos >= s.size() || s[pos] != '"') return false;
    ++pos;
    std::string value;
    for (;;) {
      if (pos >= s.size()) return false;
      const char c = s[pos++];
      if (c == '"') break;
      if (c == '\n') return false;
      if (c == '\\') {
        if (pos >= s.size()) return false;
        const char e = s[pos++];
        if (e == '\\') value += '\\';
        else if (e == '"') value += '"';
        else if (e == 'n') value += '\n';
        else return false;
      } else {
        value += c;
      }
    }
    out.emplace_back(name, value);
    if (pos < s.size() && s[pos] == ',') ++pos;
    else if (pos < s.size() && s[pos] != '}') return false;
  }
  if (pos >= s.size()) return false;
  ++pos;  // '}'
  return true;
}

std::optional<double> parse_value(const std::string& v) {
  if (v == "+Inf") return INFINITY;
  if (v == "-Inf") return -INFINITY;
  if (v == "NaN") return NAN;
  if (!is_decimal(v)) return std::nullopt;
  return std::stod(v);
}

// Checks the whole exposition against the text format and returns its
// samples. HELP and TYPE come once per family, TYPE before its samples.
std::vector<Sample> parse(const std::string& text) {
  static const std::set<std::string> kinds = {"counter", "gauge", "histogram", "summary",
                                              "untyped"};
  REQUIRE(!text.empty());
  REQUIRE(text.back() == '\n');
  std::map<std::string, std::string> types;
  std::set<std::string> helps;
  std::vector<Sample> samples;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    INFO("line: " << line);
    REQUIRE(!line.empty());
    if (line[0] == '#') {
      // "# TYPE name kind" or "# HELP name text"
      const bool type = line.rfind("# TYPE ", 0) == 0;
      REQUIRE((type || line.rfind("# HELP ", 0) == 0));
      const size_t sp = line.find(' ', 7);
      REQUIRE(sp != std::string::npos);
      const std::string name = line.substr(7, sp - 7);
      REQUIRE(is_name(name, true));
      if (type) {
        REQUIRE(kinds.count(line.substr(sp + 1)) == 1);
        CHECK(types.emplace(name, line.substr(sp + 1)).second);
      } else {
        CHECK(helps.insert(name).second);
      }
      continue;
    }
    Sample s;
    s.raw = line;
    size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') ++pos;
    s.name = line.substr(0, pos);
    REQUIRE(is_name(s.name, true));
    if (line[pos] == '{') REQUIRE(parse_labels(line, pos, s.labels));
    REQUIRE(pos < line.size());
    REQUIRE(line[pos] == ' ');
    const std::string rest = line.substr(pos + 1);
    const size_t sp = rest.find(' ');
    const auto v = parse_value(rest.substr(0, sp));
    REQUIRE(v.has_value());
    if (sp != std::string::npos) {
      const std::string ts = rest.substr(sp + 1);  // timestamp
      REQUIRE(is_digits(ts, ts[0] == '-' ? 1 : 0, ts.size()));
    }
    s.value = *v;
    // Its family was declared: by its own name, or as a histogram's part.
    std::string family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string suf = suffix;
      if (family.size() > suf.size() &&
          family.compare(family.size() - suf.size(), suf.size(), suf) == 0 &&
          types.count(family.substr(0, family.size() - suf.size())) &&
          types[family.substr(0, family.size() - suf.size())] == "histogram") {
        family.resize(family.size() - suf.size());
        break;
      }
    }
    CHECK_MESSAGE(types.count(family) == 1, "no TYPE before " << s.name);
    CHECK_MESSAGE(helps.count(family) == 1, "no HELP before " << s.name);
    samples.push_back(std::move(s));
  }
  return samples;
}

std::optional<double> find(const std::vector<Sample>& samples, const std::string& name,
                           const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  for (const Sample& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

// Checks the histogram's shape and returns its (le, cumulative count) pairs.
std::vector<std::pair<std::string, double>> histogram(const std::vector<Sample>& samples,
                                                      const std::string& base) {
  std::vector<std::pair<std::string, double>> buckets;
  for (const Sample& s : samples) {
    if (s.name != base + "_bucket") continue;
    REQUIRE(s.labels.size() == 1);
    REQUIRE(s.labels[0].first == "le");
    buckets.emplace_back(s.labels[0].second, s.value);
  }
  REQUIRE(!buckets.empty());
  CHECK(buckets.back().first == "+Inf");
  for (size_t i = 1; i < buckets.size(); ++i) {
    CHECK(*parse_value(buckets[i - 1].first) < *parse_value(buckets[i].first));  // le ascending
    CHECK(buckets[i - 1].second <= buckets[i].second);                           // cumulative
  }
  const auto count = find(samples, base + "_count");
  REQUIRE(count.has_value());
  CHECK(*count == buckets.back().second);
  REQUIRE(find(samples, base + "_sum").has_value());
  return buckets;
}

}  // namespace

TEST_CASE("metrics: a fresh instance exposes every family, all zero") {
  Metrics m;
  const std::string text = m.prometheus();
  const auto samples = parse(text);
  for (const char* family :
       {"wallarm_node_messages_total", "wallarm_node_verdicts_total", "wallarm_node_attacks_total",
        "wallarm_node_malformed_total", "wallarm_node_responses_correlated_total",
        "wallarm_node_responses_uncorrelated_total", "wallarm_node_out_of_band_total",
        "wallarm_node_inspection_seconds", "wallarm_node_tracked_requests",
        "wallarm_node_detector_errors_total", "wallarm_node_info", "wallarm_node_overlimit_total",
        "wallarm_node_head_messages_total", "wallarm_node_messages_by_shape_total",
        "wallarm_node_messages_rejected_total"}) {
    CHECK_MESSAGE(text.find(std::string("# TYPE ") + family + " ") != std::string::npos, family);
    CHECK_MESSAGE(text.find(std::string("# HELP ") + family + " ") != std::string::npos, family);
  }
  CHECK(text.find("# TYPE wallarm_node_inspection_seconds histogram\n") != std::string::npos);
  CHECK(text.find("# TYPE wallarm_node_tracked_requests gauge\n") != std::string::npos);
  CHECK(text.find("# TYPE wallarm_node_messages_total counter\n") != std::string::npos);
  CHECK(find(samples, "wallarm_node_messages_total", {{"type", "health"}}) == 0);
  CHECK(find(samples, "wallarm_node_messages_by_shape_total", {{"shape", "multipart"}}) == 0);
  CHECK(find(samples, "wallarm_node_messages_rejected_total", {{"reason", "connector_info"}}) == 0);
  CHECK(find(samples, "wallarm_node_overlimit_total") == 0);
  CHECK(find(samples, "wallarm_node_head_messages_total") == 0);
  CHECK(find(samples, "wallarm_node_verdicts_total", {{"verdict", "block"}}) == 0);
  CHECK(find(samples, "wallarm_node_info", {{"mode", "unknown"}, {"engine", "unknown"}}) == 1);
  const auto buckets = histogram(samples, "wallarm_node_inspection_seconds");
  CHECK(buckets.size() == 11);
  CHECK(find(samples, "wallarm_node_inspection_seconds_sum") == 0);
}

TEST_CASE("metrics: counters count") {
  Metrics m;
  m.count_message(MessageType::request, Shape::v1);
  m.count_message(MessageType::request, Shape::mirror);
  m.count_message(MessageType::response, Shape::multipart);
  m.count_message(MessageType::health, Shape::v1);
  m.count_rejected_connector_info();
  m.count_rejected_connector_info();
  m.count_verdict(true);
  m.count_verdict(false);
  m.count_verdict(false);
  // One per type per request, whatever the number of locations.
  m.count_attacks({{"sqli", "query", 1}, {"sqli", "body", 2}, {"xss", "query", 3}});
  m.count_attacks({{"sqli", "path", 1}});
  m.count_attacks({});
  m.count_malformed("bad_protocol_version");
  m.count_malformed("bad_head");
  m.count_malformed("bad_head");
  m.count_correlated();
  m.count_uncorrelated();
  m.count_uncorrelated();
  m.count_out_of_band();
  m.count_detector_error();
  m.count_detector_error();
  m.count_overlimit();
  m.count_head_message();
  m.count_head_message();
  m.count_head_message();
  m.set_tracked_requests(42);
  m.set_tracked_requests(7);
  m.set_info("safe_blocking", "modsecurity");

  const auto s = parse(m.prometheus());
  CHECK(find(s, "wallarm_node_messages_total", {{"type", "request"}}) == 2);
  CHECK(find(s, "wallarm_node_messages_total", {{"type", "response"}}) == 1);
  CHECK(find(s, "wallarm_node_messages_total", {{"type", "health"}}) == 1);
  CHECK(find(s, "wallarm_node_messages_by_shape_total", {{"shape", "v1"}}) == 2);
  CHECK(find(s, "wallarm_node_messages_by_shape_total", {{"shape", "mirror"}}) == 1);
  CHECK(find(s, "wallarm_node_messages_by_shape_total", {{"shape", "multipart"}}) == 1);
  CHECK(find(s, "wallarm_node_messages_rejected_total", {{"reason", "connector_info"}}) == 2);
  CHECK(find(s, "wallarm_node_verdicts_total", {{"verdict", "block"}}) == 1);
  CHECK(find(s, "wallarm_node_verdicts_total", {{"verdict", "pass"}}) == 2);
  CHECK(find(s, "wallarm_node_attacks_total", {{"type", "sqli"}}) == 2);
  CHECK(find(s, "wallarm_node_attacks_total", {{"type", "xss"}}) == 1);
  CHECK(find(s, "wallarm_node_malformed_total", {{"reason", "bad_head"}}) == 2);
  CHECK(find(s, "wallarm_node_malformed_total", {{"reason", "bad_protocol_version"}}) == 1);
  CHECK(find(s, "wallarm_node_responses_correlated_total") == 1);
  CHECK(find(s, "wallarm_node_responses_uncorrelated_total") == 2);
  CHECK(find(s, "wallarm_node_out_of_band_total") == 1);
  CHECK(find(s, "wallarm_node_detector_errors_total") == 2);
  CHECK(find(s, "wallarm_node_overlimit_total") == 1);
  CHECK(find(s, "wallarm_node_head_messages_total") == 3);
  CHECK(find(s, "wallarm_node_tracked_requests") == 7);
  CHECK(find(s, "wallarm_node_info", {{"mode", "safe_blocking"}, {"engine", "modsecurity"}}) == 1);
  CHECK(find(parse(Metrics("monitoring", "none").prometheus()), "wallarm_node_info",
             {{"mode", "monitoring"}, {"engine", "none"}}) == 1);
  size_t info = 0;
  for (const Sample& x : s) info += x.name == "wallarm_node_info";
  CHECK(info == 1);
}

TEST_CASE("metrics: inspection histogram buckets are cumulative with inclusive bounds") {
  Metrics m;
  m.observe_inspection(50us);
  m.observe_inspection(100us);  // exactly on a bound: le="0.0001"
  m.observe_inspection(100001ns);
  m.observe_inspection(3ms);
  m.observe_inspection(100ms);
  m.observe_inspection(1s);
  m.observe_inspection(-5ns);  // a clock step back counts as 0
  const auto s = parse(m.prometheus());
  const auto b = histogram(s, "wallarm_node_inspection_seconds");
  const std::vector<std::pair<std::string, double>> expected = {
      {"0.0001", 3}, {"0.00025", 4}, {"0.0005", 4}, {"0.001", 4}, {"0.0025", 4}, {"0.005", 5},
      {"0.01", 5},   {"0.025", 5},   {"0.05", 5},   {"0.1", 6},   {"+Inf", 7}};
  CHECK(b == expected);
  CHECK(find(s, "wallarm_node_inspection_seconds_count") == 7);
  const std::string text = m.prometheus();
  CHECK(text.find("wallarm_node_inspection_seconds_sum 1.103250001\n") != std::string::npos);
}

TEST_CASE("metrics: label values are escaped") {
  Metrics m;
  const std::string nasty = "a\"b\\c\nd} x=\"1\"";
  m.count_malformed(nasty);
  m.count_attacks({{"quote\"type", "query", 0}});
  m.set_info("mo\"de\n", "eng\\ine");
  m.count_malformed("bad\xFFutf8");
  m.count_malformed("");
  const std::string text = m.prometheus();
  CHECK(text.find(R"(wallarm_node_malformed_total{reason="a\"b\\c\nd} x=\"1\""} 1)") !=
        std::string::npos);
  CHECK(text.find(R"(wallarm_node_info{mode="mo\"de\n",engine="eng\\ine"} 1)") != std::string::npos);
  const auto s = parse(text);  // every line still parses
  CHECK(find(s, "wallarm_node_malformed_total", {{"reason", nasty}}) == 1);
  CHECK(find(s, "wallarm_node_attacks_total", {{"type", "quote\"type"}}) == 1);
  CHECK(find(s, "wallarm_node_malformed_total", {{"reason", "bad\xEF\xBF\xBDutf8"}}) == 1);
  CHECK(find(s, "wallarm_node_malformed_total", {{"reason", "unknown"}}) == 1);
  CHECK(find(s, "wallarm_node_info", {{"mode", "mo\"de\n"}, {"engine", "eng\\ine"}}) == 1);
}

TEST_CASE("metrics: labelled counters keep a bounded number of values") {
  Metrics m;
  for (size_t i = 0; i < Metrics::kMaxLabelValues + 36; ++i) {
    m.count_malformed("reason_" + std::to_string(i));
  }
  m.count_malformed("reason_0");  // known values keep counting
  const auto s = parse(m.prometheus());
  size_t values = 0;
  for (const Sample& x : s) values += x.name == "wallarm_node_malformed_total";
  CHECK(values == Metrics::kMaxLabelValues + 1);
  CHECK(find(s, "wallarm_node_malformed_total", {{"reason", "other"}}) == 36);
  CHECK(find(s, "wallarm_node_malformed_total", {{"reason", "reason_0"}}) == 2);
}

TEST_CASE("metrics: counting from many threads while scraping loses nothing") {
  Metrics m;
  constexpr int kThreads = 8;
  constexpr int kPer = 2000;
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop.load()) {
      const auto s = parse(m.prometheus());
      histogram(s, "wallarm_node_inspection_seconds");
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        m.count_message(MessageType::request, Shape::mirror);
        m.count_verdict(i % 2 == 0);
        m.count_attacks({{"sqli", "query", 1}});
        m.count_malformed(t % 2 ? "bad_head" : "bad_message_type");
        m.count_correlated();
        m.observe_inspection(std::chrono::microseconds(i % 300));
        m.set_tracked_requests(static_cast<uint64_t>(i));
        if (i % 100 == 0) m.set_info("block", "none");
      }
    });
  }
  for (auto& th : threads) th.join();
  stop.store(true);
  scraper.join();
  const auto s = parse(m.prometheus());
  constexpr double total = kThreads * kPer;
  CHECK(find(s, "wallarm_node_messages_total", {{"type", "request"}}) == total);
  CHECK(find(s, "wallarm_node_messages_by_shape_total", {{"shape", "mirror"}}) == total);
  CHECK(find(s, "wallarm_node_verdicts_total", {{"verdict", "block"}}) == total / 2);
  CHECK(find(s, "wallarm_node_attacks_total", {{"type", "sqli"}}) == total);
  CHECK(find(s, "wallarm_node_malformed_total", {{"reason", "bad_head"}}) == total / 2);
  CHECK(find(s, "wallarm_node_responses_correlated_total") == total);
  CHECK(find(s, "wallarm_node_inspection_seconds_count") == total);
}
