// AttackStore: request/response correlation, expiry, bounds, the JSON-lines
// log, and many threads at once.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "attack_store.h"

using node::Attack;
using node::AttackRecord;
using node::AttackStore;
using node::Findings;
using node::Message;
using node::StoreOptions;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

struct TempLog {
  std::string path;
  TempLog() {
    static std::atomic<int> n{0};
    path = (std::filesystem::temp_directory_path() /
            ("attack_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++) +
             ".jsonl"))
               .string();
    std::filesystem::remove(path);
  }
  ~TempLog() { std::filesystem::remove(path); }
  std::vector<std::string> lines() const {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  std::vector<json> records() const {
    std::vector<json> out;
    for (const std::string& l : lines()) out.push_back(json::parse(l));  // throws if invalid
    return out;
  }
};

Message request(const std::string& id, const std::string& target = "/?q=1'+or+1=1--") {
  Message m;
  m.type = node::MessageType::request;
  m.request_id = id;
  m.client_ip = "203.0.113.7";
  m.host = "shop.example";
  m.method = "GET";
  m.target = target;
  m.version = "1.1";
  return m;
}

Findings sqli() {
  Findings f;
  f.attack = true;
  f.attacks = {{"sqli", "query", 942100}};
  f.anomaly_score = 5;
  return f;
}

Findings clean() { return {}; }

// 2026-11-27T05:55:01.123Z, '0' standing for any digit.
bool is_rfc3339_ms(const std::string& s) {
  const std::string shape = "0000-00-00T00:00:00.000Z";
  if (s.size() != shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (shape[i] == '0' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i]) return false;
  }
  return true;
}

StoreOptions opts(const TempLog& log, size_t keep = 1000, size_t max_tracked = 100000) {
  StoreOptions o;
  o.log_path = log.path;
  o.keep = keep;
  o.window = 10s;
  o.max_tracked = max_tracked;
  return o;
}

}  // namespace

TEST_CASE("attack_store: request then response completes the record") {
  TempLog log;
  const auto t0 = Clock::now();
  AttackStore store(opts(log));
  store.on_request(request("r1"), sqli(), "block", "block", t0);
  CHECK(store.tracked() == 1);
  CHECK(store.records_total() == 1);

  auto live = store.newest(10);
  REQUIRE(live.size() == 1);
  CHECK(live[0].id == 1);
  CHECK_FALSE(live[0].response_status.has_value());
  CHECK(log.lines().empty());  // pending: not final yet

  CHECK(store.on_response("r1", 403, t0 + 1s));
  live = store.newest(10);
  REQUIRE(live.size() == 1);
  REQUIRE(live[0].response_status.has_value());
  CHECK(*live[0].response_status == 403);

  auto recs = log.records();
  REQUIRE(recs.size() == 1);
  const json& r = recs[0];
  CHECK(r["id"] == 1);
  CHECK(r["request_id"] == "r1");
  CHECK(r["client_ip"] == "203.0.113.7");
  CHECK(r["host"] == "shop.example");
  CHECK(r["method"] == "GET");
  CHECK(r["uri"] == "/?q=1'+or+1=1--");
  CHECK(r["verdict"] == "block");
  CHECK(r["mode"] == "block");
  CHECK(r["out_of_band"] == false);
  CHECK(r["response_status"] == 403);
  REQUIRE(r["attacks"].size() == 1);
  CHECK(r["attacks"][0] == json{{"type", "sqli"}, {"location", "query"}, {"rule_id", 942100}});
  CHECK(is_rfc3339_ms(r["time"].get<std::string>()));

  // Field order is part of the format.
  const std::string line = log.lines()[0];
  const char* keys[] = {"\"id\"",  "\"time\"", "\"request_id\"", "\"client_ip\"",
                        "\"host\"", "\"method\"", "\"uri\"", "\"attacks\"",
                        "\"verdict\"", "\"mode\"", "\"out_of_band\"", "\"response_status\""};
  size_t pos = 0;
  for (const char* k : keys) {
    const size_t at = line.find(k, pos);
    REQUIRE_MESSAGE(at != std::string::npos, k);
    pos = at;
  }

  // Still tracked until the window ends, so a repeated response matches
  // but writes nothing more.
  CHECK(store.on_response("r1", 403, t0 + 2s));
  store.flush_all();
  CHECK(log.lines().size() == 1);
}

TEST_CASE("attack_store: times are UTC with milliseconds") {
  using namespace std::chrono;
  CHECK(node::format_utc(system_clock::time_point(milliseconds(0))) == "1970-01-01T00:00:00.000Z");
  // 2026-11-27T05:55:01.123Z
  CHECK(node::format_utc(system_clock::time_point(milliseconds(1795758901123))) ==
        "2026-11-27T05:55:01.123Z");
  CHECK(node::format_utc(system_clock::time_point(microseconds(1795758901123999))) ==
        "2026-11-27T05:55:01.123Z");  // cut, not rounded
  CHECK(node::format_utc(system_clock::time_point(milliseconds(-1))) == "1969-12-31T23:59:59.999Z");
  CHECK(is_rfc3339_ms(node::format_utc(system_clock::now())));
}

TEST_CASE("attack_store: response for an unknown id does not match") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  CHECK_FALSE(store.on_response("never-seen", 200, t0));
  CHECK_FALSE(store.on_response("", 200, t0));
  CHECK(store.tracked() == 0);
  CHECK(store.records_total() == 0);
  store.flush_all();
  CHECK(log.lines().empty());
}

TEST_CASE("attack_store: a clean request is tracked, matches, and records nothing") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  store.on_request(request("c1", "/index.html"), clean(), "pass", "block", t0);
  CHECK(store.tracked() == 1);
  CHECK(store.records_total() == 0);
  CHECK(store.on_response("c1", 200, t0 + 1ms));
  CHECK(store.newest(10).empty());
  store.flush_all();
  CHECK(store.tracked() == 0);
  CHECK(log.lines().empty());
}

TEST_CASE("attack_store: an expired window finalizes and writes the record") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  store.on_request(request("e1"), sqli(), "pass", "monitoring", t0);
  store.on_request(request("e2", "/ok"), clean(), "pass", "monitoring", t0 + 1s);

  store.expire(t0 + 10s - 1ms);
  CHECK(store.tracked() == 2);
  CHECK(log.lines().empty());

  store.expire(t0 + 10s);
  CHECK(store.tracked() == 1);  // e2's window ends a second later
  auto recs = log.records();
  REQUIRE(recs.size() == 1);
  CHECK(recs[0]["request_id"] == "e1");
  CHECK(recs[0]["response_status"].is_null());
  CHECK(recs[0]["mode"] == "monitoring");

  // Too late for the response now.
  CHECK_FALSE(store.on_response("e1", 200, t0 + 10s + 1ms));
  // on_response expires on its own too.
  CHECK_FALSE(store.on_response("e2", 200, t0 + 11s));
  CHECK(store.tracked() == 0);
  store.flush_all();
  CHECK(log.lines().size() == 1);
}

TEST_CASE("attack_store: on_request expires old windows on its own") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  store.on_request(request("a"), sqli(), "block", "block", t0);
  store.on_request(request("b"), sqli(), "block", "block", t0 + 20s);
  CHECK(store.tracked() == 1);
  auto recs = log.records();
  REQUIRE(recs.size() == 1);
  CHECK(recs[0]["request_id"] == "a");
}

TEST_CASE("attack_store: the oldest id is evicted at max_tracked and its record written") {
  TempLog log;
  AttackStore store(opts(log, 1000, 3));
  const auto t0 = Clock::now();
  store.on_request(request("1"), sqli(), "block", "block", t0);
  store.on_request(request("2", "/clean"), clean(), "pass", "block", t0);
  store.on_request(request("3"), sqli(), "block", "block", t0);
  CHECK(store.tracked() == 3);
  CHECK(log.lines().empty());

  store.on_request(request("4"), sqli(), "block", "block", t0);
  CHECK(store.tracked() == 3);
  auto recs = log.records();
  REQUIRE(recs.size() == 1);
  CHECK(recs[0]["request_id"] == "1");
  CHECK(recs[0]["response_status"].is_null());
  CHECK_FALSE(store.on_response("1", 403, t0));

  store.on_request(request("5"), sqli(), "block", "block", t0);  // evicts the clean "2"
  CHECK(log.lines().size() == 1);
  CHECK_FALSE(store.on_response("2", 200, t0));
  CHECK(store.on_response("3", 403, t0));
  CHECK(log.lines().size() == 2);

  store.flush_all();
  CHECK(store.tracked() == 0);
  std::set<std::string> ids;
  for (const json& r : log.records()) ids.insert(r["request_id"].get<std::string>());
  CHECK(ids == std::set<std::string>{"1", "3", "4", "5"});
}

TEST_CASE("attack_store: max_tracked 0 tracks nothing and writes records at once") {
  TempLog log;
  AttackStore store(opts(log, 1000, 0));
  const auto t0 = Clock::now();
  store.on_request(request("x"), sqli(), "block", "block", t0);
  CHECK(store.tracked() == 0);
  CHECK(log.lines().size() == 1);
  CHECK_FALSE(store.on_response("x", 403, t0));
}

TEST_CASE("attack_store: only the newest `keep` records stay in memory, the log has all") {
  TempLog log;
  AttackStore store(opts(log, 2));
  const auto t0 = Clock::now();
  for (int i = 1; i <= 5; ++i) {
    store.on_request(request("k" + std::to_string(i)), sqli(), "block", "block", t0);
  }
  CHECK(store.records_total() == 5);
  auto live = store.newest(10);
  REQUIRE(live.size() == 2);
  CHECK(live[0].id == 5);
  CHECK(live[1].id == 4);
  CHECK(store.newest(1).size() == 1);
  CHECK(store.newest(0).empty());

  // A record out of memory but still pending is completed all the same.
  CHECK(store.on_response("k1", 403, t0 + 1s));
  store.flush_all();
  auto recs = log.records();
  REQUIRE(recs.size() == 5);
  for (const json& r : recs) {
    if (r["request_id"] == "k1") {
      CHECK(r["response_status"] == 403);
    } else {
      CHECK(r["response_status"].is_null());
    }
  }
}

TEST_CASE("attack_store: keep 0 keeps no records in memory") {
  TempLog log;
  AttackStore store(opts(log, 0));
  store.on_request(request("z"), sqli(), "block", "block", Clock::now());
  CHECK(store.newest(10).empty());
  store.flush_all();
  CHECK(log.lines().size() == 1);
}

TEST_CASE("attack_store: a repeated request message makes one entry and one record") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  store.on_request(request("dup"), sqli(), "block", "block", t0);
  store.on_request(request("dup"), sqli(), "block", "block", t0 + 1ms);
  CHECK(store.tracked() == 1);
  CHECK(store.records_total() == 1);
  CHECK(store.newest(10).size() == 1);

  CHECK(store.on_response("dup", 403, t0 + 2ms));
  // Repeated again after the response: still one record.
  store.on_request(request("dup"), sqli(), "block", "block", t0 + 3ms);
  CHECK(store.records_total() == 1);
  store.flush_all();
  CHECK(log.lines().size() == 1);
}

namespace {

// The head message that comes before a request's body, and the full request
// that follows it with the same id.
Message head(const std::string& id, const std::string& target = "/upload") {
  Message m = request(id, target);
  m.method = "POST";
  m.head_only = true;
  return m;
}

Message full(const std::string& id, const std::string& target = "/upload") {
  Message m = request(id, target);
  m.method = "POST";
  m.body = "a=1'+or+1=1--";
  return m;
}

Findings found(std::vector<Attack> attacks) {
  Findings f;
  f.attack = true;
  f.attacks = std::move(attacks);
  return f;
}

}  // namespace

TEST_CASE("attack_store: a clean head, then its full request with a body attack: one record") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  store.on_request(head("h1"), clean(), "pass", "block", t0);
  CHECK(store.records_total() == 0);
  store.on_request(full("h1"), found({{"sqli", "body", 942100}}), "block", "block", t0 + 1ms);
  CHECK(store.tracked() == 1);
  CHECK(store.records_total() == 1);
  auto live = store.newest(10);
  REQUIRE(live.size() == 1);
  CHECK(live[0].request_id == "h1");
  CHECK(live[0].attacks == std::vector<Attack>{{"sqli", "body", 942100}});
  CHECK(live[0].verdict == "block");

  CHECK(store.on_response("h1", 403, t0 + 2ms));  // one entry for both messages
  auto recs = log.records();
  REQUIRE(recs.size() == 1);
  CHECK(recs[0]["verdict"] == "block");
  CHECK(recs[0]["response_status"] == 403);
}

TEST_CASE("attack_store: a head attack passed, then its full request: merged, no finding twice") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  const Attack in_path{"ptrav", "path", 930110}, in_body{"sqli", "body", 942100};
  store.on_request(head("h2", "/etc/passwd"), found({in_path}), "pass", "monitoring", t0);
  REQUIRE(store.newest(10).size() == 1);
  const uint64_t id = store.newest(10)[0].id;

  SUBCASE("the full request finds the same and more, passed") {
    store.on_request(full("h2", "/etc/passwd"), found({in_path, in_body}), "pass", "monitoring",
                     t0 + 1ms);
    auto live = store.newest(10);
    REQUIRE(live.size() == 1);
    CHECK(live[0].id == id);
    CHECK(live[0].attacks == std::vector<Attack>{in_path, in_body});
    CHECK(live[0].verdict == "pass");
  }
  SUBCASE("the full request finds only the same, blocked: the verdict is block") {
    store.on_request(full("h2", "/etc/passwd"), found({in_path}), "block", "monitoring", t0 + 1ms);
    auto live = store.newest(10);
    REQUIRE(live.size() == 1);
    CHECK(live[0].attacks == std::vector<Attack>{in_path});
    CHECK(live[0].verdict == "block");
  }
  SUBCASE("the same type and location from another rule is another finding") {
    store.on_request(full("h2", "/etc/passwd"), found({{"ptrav", "path", 930120}}), "pass",
                     "monitoring", t0 + 1ms);
    CHECK(store.newest(10)[0].attacks ==
          std::vector<Attack>{in_path, {"ptrav", "path", 930120}});
  }
  SUBCASE("the full request finds nothing: the head's record stands") {
    store.on_request(full("h2", "/etc/passwd"), clean(), "pass", "monitoring", t0 + 1ms);
    CHECK(store.newest(10)[0].attacks == std::vector<Attack>{in_path});
  }
  CHECK(store.records_total() == 1);
  CHECK(store.tracked() == 1);
  // Merged once: a repeated full request is an ordinary duplicate.
  store.on_request(full("h2", "/etc/passwd"), found({{"xss", "body", 941100}}), "block",
                   "monitoring", t0 + 2ms);
  CHECK(store.records_total() == 1);
  const auto live = store.newest(10);
  for (const Attack& a : live[0].attacks) CHECK(a.type != "xss");
  store.flush_all();
  CHECK(log.lines().size() == 1);
}

TEST_CASE("attack_store: heads and duplicates that are not merged") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  const Attack in_body{"sqli", "body", 942100};

  // A second head for the same id is an ordinary duplicate.
  store.on_request(head("a"), clean(), "pass", "block", t0);
  store.on_request(head("a"), found({in_body}), "block", "block", t0);
  CHECK(store.records_total() == 0);
  // A full request, then a head or a full request again: duplicates too.
  store.on_request(full("b"), clean(), "pass", "block", t0);
  store.on_request(head("b"), found({in_body}), "block", "block", t0);
  store.on_request(full("b"), found({in_body}), "block", "block", t0);
  CHECK(store.records_total() == 0);
  CHECK(store.tracked() == 2);
  // An id with no entry left (evicted, expired) starts afresh.
  AttackStore small(opts(log, 1000, 1));
  small.on_request(head("c"), clean(), "pass", "block", t0);
  small.on_request(head("d"), clean(), "pass", "block", t0);  // evicts "c"
  small.on_request(full("c"), found({in_body}), "block", "block", t0);
  CHECK(small.records_total() == 1);
}

TEST_CASE("attack_store: a head never followed keeps its record, final when its window passes") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  store.on_request(head("lone", "/etc/passwd"), found({{"ptrav", "path", 930110}}), "block",
                   "block", t0);
  CHECK(log.lines().empty());
  store.expire(t0 + 11s);
  auto recs = log.records();
  REQUIRE(recs.size() == 1);
  CHECK(recs[0]["request_id"] == "lone");
  CHECK(recs[0]["response_status"].is_null());
  // Its full request after the window: a new entry, a new record.
  store.on_request(full("lone", "/etc/passwd"), found({{"ptrav", "path", 930110}}), "block",
                   "block", t0 + 12s);
  CHECK(store.records_total() == 2);
}

TEST_CASE("attack_store: merges while readers copy records lose nothing and race with nothing") {
  // newest() copies records unlocked: a merge must never change one in place.
  TempLog log;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  const Attack in_path{"ptrav", "path", 930110}, in_body{"sqli", "body", 942100};
  {
    AttackStore store(opts(log, 50));
    std::atomic<bool> stop{false};
    std::thread reader([&] {
      while (!stop.load()) {
        for (const AttackRecord& r : store.newest(50)) {
          CHECK(!r.attacks.empty());
          CHECK(r.attacks.size() <= 2);
        }
      }
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
          const bool head_attack = i % 2 == 0;
          store.on_request(head(id, "/etc/passwd"), head_attack ? found({in_path}) : clean(),
                           "pass", "monitoring", Clock::now());
          store.on_request(full(id, "/etc/passwd"), found({in_path, in_body}), "pass", "monitoring",
                           Clock::now());
        }
      });
    }
    for (auto& w : writers) w.join();
    stop.store(true);
    reader.join();
    CHECK(store.records_total() == kThreads * kPerThread);
  }
  const auto recs = log.records();
  REQUIRE(recs.size() == static_cast<size_t>(kThreads * kPerThread));
  for (const json& r : recs) {
    REQUIRE(r["attacks"].size() == 2);  // each finding once, the head's first
    CHECK(r["attacks"][0]["type"] == "ptrav");
    CHECK(r["attacks"][1]["type"] == "sqli");
  }
}

TEST_CASE("attack_store: a request with no id is recorded and written at once") {
  TempLog log;
  AttackStore store(opts(log));
  store.on_request(request(""), sqli(), "block", "block", Clock::now());
  store.on_request(request(""), sqli(), "block", "block", Clock::now());
  CHECK(store.tracked() == 0);
  CHECK(store.records_total() == 2);
  CHECK(log.lines().size() == 2);
}

TEST_CASE("attack_store: a denylisted client is recorded with a denylist entry") {
  TempLog log;
  AttackStore store(opts(log));
  const auto t0 = Clock::now();
  // No detector finding at all: the extra entry alone makes the record.
  store.on_request(request("d1", "/"), clean(), "block", "block", t0,
                   {Attack{"denylist", "ip", 0}});
  // Both: the reason comes first.
  store.on_request(request("d2"), sqli(), "block", "block", t0, {Attack{"denylist", "ip", 0}});
  // Already among the findings too: not repeated.
  Findings both = sqli();
  both.attacks.insert(both.attacks.begin(), Attack{"denylist", "ip", 0});
  store.on_request(request("d3"), both, "block", "block", t0, {Attack{"denylist", "ip", 0}});
  // No finding and no extra entry: nothing to record.
  store.on_request(request("d4"), clean(), "block", "block", t0);
  CHECK(store.records_total() == 3);
  auto live = store.newest(10);
  REQUIRE(live.size() == 3);
  CHECK(live[0].attacks == std::vector<Attack>{{"denylist", "ip", 0}, {"sqli", "query", 942100}});
  live.erase(live.begin());
  CHECK(live[1].attacks == std::vector<Attack>{{"denylist", "ip", 0}});
  CHECK(live[0].attacks == std::vector<Attack>{{"denylist", "ip", 0}, {"sqli", "query", 942100}});
  store.flush_all();
  auto recs = log.records();
  REQUIRE(recs.size() == 3);
  CHECK(recs[0]["attacks"][0]["type"] == "denylist");
  CHECK(recs[0]["attacks"][0]["location"] == "ip");
}

TEST_CASE("attack_store: host falls back to the Host header, out-of-band is kept") {
  TempLog log;
  AttackStore store(opts(log));
  Message m = request("h1");
  m.host.clear();
  m.headers = {{"Accept", "*/*"}, {"HoSt", "fallback.example"}};
  m.out_of_band = true;
  store.on_request(m, sqli(), "pass", "monitoring", Clock::now());
  auto live = store.newest(1);
  REQUIRE(live.size() == 1);
  CHECK(live[0].host == "fallback.example");
  CHECK(live[0].out_of_band);
  store.flush_all();
  CHECK(log.records().at(0)["out_of_band"] == true);
}

TEST_CASE("attack_store: arbitrary bytes in every field still give one valid JSON line each") {
  TempLog log;
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string nasty[] = {
      all,
      std::string("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80\xE2\x82", 11),  // overlong, surrogate, >U+10FFFF, cut
      std::string("a\0b\r\n{\"x\":1}\\", 13),
      "\xE2\x80\xA8 \xF0\x9F\x98\x80 caf\xC3\xA9",  // valid UTF-8 passes through
  };
  {
    AttackStore store(opts(log));
    int n = 0;
    for (const std::string& s : nasty) {
      Message m = request(s + std::to_string(n++), s);
      m.client_ip = s;
      m.host = s;
      m.method = s;
      Findings f;
      f.attack = true;
      f.attacks = {{s, s, -1}};
      store.on_request(m, f, s, s, Clock::now());
    }
  }  // the destructor flushes
  const auto lines = log.lines();
  REQUIRE(lines.size() == std::size(nasty));
  for (const std::string& line : lines) {
    json r;
    REQUIRE_NOTHROW(r = json::parse(line));  // nlohmann rejects invalid UTF-8
    CHECK(r.is_object());
    CHECK(r.size() == 12);
  }
  // Control characters survive as escapes; invalid bytes become U+FFFD.
  const json r2 = json::parse(lines[2]);
  CHECK(r2["uri"] == std::string("a\0b\r\n{\"x\":1}\\", 13));
  CHECK(lines[1].find("\\ufffd") != std::string::npos);
  const json r1 = json::parse(lines[1]);
  CHECK(r1["host"] == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  const json r3 = json::parse(lines[3]);
  CHECK(r3["host"] == nasty[3]);
  CHECK(r3["attacks"][0]["rule_id"] == -1);
  const json r0 = json::parse(lines[0]);
  const std::string host0 = r0["host"];
  CHECK(host0.substr(0, 128) == all.substr(0, 128));  // ASCII, control characters included
}

TEST_CASE("attack_store: the destructor writes pending records") {
  TempLog log;
  {
    AttackStore store(opts(log));
    store.on_request(request("p1"), sqli(), "block", "block", Clock::now());
    store.on_request(request("p2"), sqli(), "block", "block", Clock::now());
    CHECK(log.lines().empty());
  }
  CHECK(log.records().size() == 2);
}

TEST_CASE("attack_store: the log is appended to, never truncated") {
  TempLog log;
  {
    AttackStore store(opts(log));
    store.on_request(request("first"), sqli(), "block", "block", Clock::now());
  }
  {
    AttackStore store(opts(log));
    store.on_request(request("second"), sqli(), "block", "block", Clock::now());
  }
  auto recs = log.records();
  REQUIRE(recs.size() == 2);
  CHECK(recs[0]["request_id"] == "first");
  CHECK(recs[1]["request_id"] == "second");
}

TEST_CASE("attack_store: a log that cannot be opened throws, naming the path") {
  StoreOptions o;
  o.log_path = "/nonexistent-dir-for-attack-store/attacks.jsonl";
  try {
    AttackStore store(o);
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find(o.log_path) != std::string::npos);
  }
}

TEST_CASE("attack_store: failed log writes are counted, not thrown") {
  if (!std::filesystem::exists("/dev/full")) return;
  StoreOptions o;
  o.log_path = "/dev/full";  // every write fails with ENOSPC
  AttackStore store(o);
  const auto t0 = Clock::now();
  store.on_request(request("f1"), sqli(), "block", "block", t0);
  store.on_request(request("f2"), sqli(), "block", "block", t0);
  CHECK(store.on_response("f1", 403, t0));
  CHECK(store.log_errors() == 1);
  store.flush_all();
  CHECK(store.log_errors() == 2);
  CHECK(store.newest(5).size() == 2);
}

TEST_CASE("attack_store: no log path writes nothing and still correlates") {
  StoreOptions o;
  AttackStore store(o);
  const auto t0 = Clock::now();
  store.on_request(request("n1"), sqli(), "block", "block", t0);
  CHECK(store.on_response("n1", 403, t0));
  CHECK(store.newest(1).at(0).response_status == 403);
  CHECK(store.log_errors() == 0);
}

TEST_CASE("attack_store: many threads at once lose no record and write each once") {
  TempLog log;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 400;
  std::atomic<int> attacks_sent{0};
  std::atomic<int> matched{0};
  {
    AttackStore store(opts(log, 100));
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
          const bool attack = i % 2 == 0;
          store.on_request(request(id), attack ? sqli() : clean(), attack ? "block" : "pass",
                           "block", Clock::now());
          if (attack) attacks_sent.fetch_add(1);
          if (i % 4 == 1) store.on_request(request(id), clean(), "pass", "block", Clock::now());
          if (i % 3 != 0 && store.on_response(id, attack ? 403 : 200, Clock::now())) {
            matched.fetch_add(1);
          }
        }
      });
    }
    // Readers and a timer alongside.
    threads.emplace_back([&] {
      while (!stop.load()) {
        for (const AttackRecord& r : store.newest(50)) CHECK(r.id >= 1);
        (void)store.tracked();
        (void)store.records_total();
      }
    });
    threads.emplace_back([&] {
      while (!stop.load()) store.expire(Clock::now());
    });
    for (int t = 0; t < kThreads; ++t) threads[t].join();
    stop.store(true);
    threads[kThreads].join();
    threads[kThreads + 1].join();

    CHECK(store.records_total() == static_cast<uint64_t>(attacks_sent.load()));
    CHECK(store.newest(1000).size() == 100);
  }
  // Every response follows its own request well inside the window.
  int expected_matches = 0;
  for (int i = 0; i < kPerThread; ++i) expected_matches += i % 3 != 0;
  CHECK(matched.load() == expected_matches * kThreads);

  const auto recs = log.records();
  CHECK(recs.size() == static_cast<size_t>(attacks_sent.load()));
  std::set<uint64_t> ids;
  std::set<std::string> request_ids;
  for (const json& r : recs) {
    ids.insert(r["id"].get<uint64_t>());
    request_ids.insert(r["request_id"].get<std::string>());
    const int i = std::stoi(r["request_id"].get<std::string>().substr(
        r["request_id"].get<std::string>().find('-') + 1));
    if (i % 3 != 0) {
      CHECK(r["response_status"] == 403);
    } else {
      CHECK(r["response_status"].is_null());
    }
  }
  CHECK(ids.size() == recs.size());
  CHECK(*ids.begin() == 1);
  CHECK(*ids.rbegin() == recs.size());
  CHECK(request_ids.size() == recs.size());
}
