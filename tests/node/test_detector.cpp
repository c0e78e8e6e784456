// The ModSecurity detector with the real OWASP CRS (Debian packages
// libmodsecurity3 + modsecurity-crs): the seed request, an attack corpus and
// a benign corpus (tests/node/corpus/), concurrency, configuration errors.
//
// Compile definitions: WALLARM_NODE_MODSECURITY_CONFIG (path of
// examples/reference-node/modsecurity/node.conf) and WALLARM_NODE_CORPUS_DIR
// (path of tests/node/corpus). Set NODE_DETECTOR_VERBOSE=1 in the
// environment to print what the detector found for every corpus case.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "detector.h"
#include "modsec_detector.h"

#ifndef WALLARM_NODE_MODSECURITY_CONFIG
#error "WALLARM_NODE_MODSECURITY_CONFIG must be defined (path of modsecurity/node.conf)"
#endif
#ifndef WALLARM_NODE_CORPUS_DIR
#error "WALLARM_NODE_CORPUS_DIR must be defined (path of tests/node/corpus)"
#endif

namespace {

// ---------------------------------------------------------------------------
// Corpus files (format described at the top of tests/node/corpus/*.http):
// cases separated by a line "%%%"; in a case, leading "#" lines are comments
// or directives ("# expect: <type> [<location>]", "# binary", "# client: <ip>");
// then a raw HTTP/1.1 request. The loader sets Content-Length to the body's
// size, ends multipart bodies' lines with CRLF and, with "# binary", decodes
// \xHH in the body.

struct Expect {
  std::string type;
  std::string location;  // "" = any
};

struct Case {
  std::string file;
  int line = 0;         // line of the request line
  std::string title;    // first comment line
  std::vector<Expect> expects;
  node::Message message;
};

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

const std::string* find_header(const node::Message& m, const std::string& name) {
  for (const auto& h : m.headers)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

std::string decode_hex_escapes(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 3]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// One case's lines -> Case; false if the lines hold no request.
bool parse_case(const std::vector<std::pair<int, std::string>>& lines, const std::string& file,
                Case* c) {
  size_t i = 0;
  bool binary = false;
  c->file = file;
  c->message.client_ip = "203.0.113.7";
  for (; i < lines.size(); ++i) {
    const std::string& l = lines[i].second;
    if (trim(l).empty()) continue;
    if (l[0] != '#') break;
    std::string text = trim(l.substr(1));
    if (text.rfind("expect:", 0) == 0) {
      std::istringstream in(text.substr(7));
      Expect e;
      in >> e.type >> e.location;
      c->expects.push_back(e);
    } else if (text == "binary") {
      binary = true;
    } else if (text.rfind("client:", 0) == 0) {
      c->message.client_ip = trim(text.substr(7));
    } else if (c->title.empty()) {
      c->title = text;
    }
  }
  if (i == lines.size()) return false;
  c->line = lines[i].first;

  std::istringstream request_line(lines[i].second);
  std::string version;
  request_line >> c->message.method >> c->message.target >> version;
  REQUIRE_MESSAGE(version.rfind("HTTP/", 0) == 0, file << ":" << c->line << ": bad request line");
  c->message.version = version.substr(5);
  for (++i; i < lines.size() && !trim(lines[i].second).empty(); ++i) {
    const std::string& l = lines[i].second;
    size_t colon = l.find(':');
    REQUIRE_MESSAGE(colon != std::string::npos, file << ":" << lines[i].first << ": bad header");
    c->message.headers.push_back({l.substr(0, colon), trim(l.substr(colon + 1))});
  }
  std::string body;
  for (++i; i < lines.size(); ++i) body += lines[i].second + "\n";
  while (!body.empty() && body.back() == '\n') body.pop_back();
  const std::string* type = find_header(c->message, "Content-Type");
  if (type && type->rfind("multipart/", 0) == 0) {
    std::string crlf;
    for (char ch : body) {
      if (ch == '\n') crlf += '\r';
      crlf += ch;
    }
    body = crlf + "\r\n";  // the closing boundary line ends with CRLF too
  }
  if (binary) body = decode_hex_escapes(body);  // after CRLF: \x0a stays one byte
  c->message.body = body;
  if (!body.empty() || c->message.method == "POST" || c->message.method == "PUT" ||
      c->message.method == "PATCH") {
    bool set = false;
    for (auto& h : c->message.headers) {
      if (!iequals(h.name, "Content-Length")) continue;
      h.value = std::to_string(body.size());
      set = true;
    }
    if (!set) c->message.headers.push_back({"Content-Length", std::to_string(body.size())});
  }
  if (const std::string* host = find_header(c->message, "Host")) c->message.host = *host;
  return true;
}

std::vector<Case> load_corpus(const std::string& name) {
  std::string path = std::string(WALLARM_NODE_CORPUS_DIR) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::vector<Case> cases;
  std::vector<std::pair<int, std::string>> lines;
  std::string line;
  int number = 0;
  auto flush = [&] {
    Case c;
    if (parse_case(lines, name, &c)) cases.push_back(std::move(c));
    lines.clear();
  };
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "%%%")
      flush();
    else
      lines.emplace_back(number, line);
  }
  flush();
  return cases;
}

std::string describe(const node::Findings& f) {
  std::ostringstream out;
  out << (f.attack ? "ATTACK" : "clean") << " score=" << f.anomaly_score;
  for (const auto& a : f.attacks) out << " [" << a.type << " " << a.location << " " << a.rule_id << "]";
  return out.str();
}

bool verbose() { return std::getenv("NODE_DETECTOR_VERBOSE") != nullptr; }

node::ModSecurityDetector& shared_detector() {
  static std::unique_ptr<node::ModSecurityDetector> detector = [] {
    std::string err;
    auto d = node::ModSecurityDetector::create(WALLARM_NODE_MODSECURITY_CONFIG, 2, &err);
    REQUIRE_MESSAGE(d != nullptr, err);
    return d;
  }();
  return *detector;
}

node::Message seed_request() {
  node::Message m;
  m.request_id = "seed-1";
  m.client_ip = "192.0.2.10";
  m.host = "kong-lua-test.wallarm";
  m.method = "GET";
  m.target = "/etc/passwd";
  m.version = "1.1";
  m.headers = {{"Host", "kong-lua-test.wallarm"},
               {"User-Agent", "curl/7.88.1"},
               {"Accept", "*/*"}};
  return m;
}

bool has_attack(const node::Findings& f, const Expect& e) {
  for (const auto& a : f.attacks)
    if (a.type == e.type && (e.location.empty() || a.location == e.location)) return true;
  return false;
}

}  // namespace

TEST_CASE("detector: none finds nothing") {
  auto none = node::make_none_detector();
  REQUIRE(none);
  CHECK(std::string(none->name()) == "none");
  node::Findings f = none->inspect(seed_request());
  CHECK_FALSE(f.attack);
  CHECK(f.attacks.empty());
  CHECK(f.anomaly_score == 0);
}

TEST_CASE("detector: seed GET /etc/passwd is a path traversal in the path") {
  node::ModSecurityDetector& d = shared_detector();
  CHECK(std::string(d.name()) == "modsecurity");
  node::Findings f = d.inspect(seed_request());
  INFO(describe(f));
  CHECK(f.attack);
  CHECK(f.anomaly_score >= 5);
  REQUIRE_FALSE(f.attacks.empty());
  CHECK(f.attacks[0].type == "ptrav");
  CHECK(f.attacks[0].location == "path");
  CHECK(f.attacks[0].rule_id >= 1000000);
  CHECK(d.errors() == 0);
}

TEST_CASE("detector: a plain request is clean") {
  node::Message m = seed_request();
  m.target = "/index.html";
  node::Findings f = shared_detector().inspect(m);
  INFO(describe(f));
  CHECK_FALSE(f.attack);
  CHECK(f.attacks.empty());
  CHECK(f.anomaly_score == 0);
}

TEST_CASE("detector: HTTP versions") {
  for (const char* version : {"1.0", "1.1", "2", "2.0", "3"}) {
    CAPTURE(version);
    node::Message m = seed_request();
    m.target = "/index.html";
    m.version = version;
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK_FALSE(f.attack);
    CHECK(f.attacks.empty());
  }
}

TEST_CASE("detector: a body the connector cut") {
  node::Message m = seed_request();
  m.method = "POST";
  m.target = "/api/v1/items";
  m.body = R"({"name": "widget", "tags": ["a", "b"], "description": "a long text that was cut)";
  m.headers.push_back({"Content-Type", "application/json"});
  m.headers.push_back({"Content-Length", "4096"});

  SUBCASE("not cut: a JSON body that does not parse is a protocol attack") {
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    CHECK(has_attack(f, {"protocol", "body"}));
  }
  SUBCASE("cut by the connector: not an attack") {
    m.truncated_from = 4096;
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK_FALSE(f.attack);
    CHECK(f.attacks.empty());
  }
  SUBCASE("cut by the connector: the part before the cut is inspected") {
    m.truncated_from = 4096;
    m.body = R"({"name": "x' UNION SELECT password FROM users--", "description": "a long text that)";
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    CHECK(has_attack(f, {"sqli", "body"}));
  }
}

TEST_CASE("detector: a head message has no body yet, and none is expected to parse") {
  node::Message m = seed_request();
  m.method = "POST";
  m.target = "/api/v1/items";
  m.headers.push_back({"Content-Type", "text/xml"});
  m.headers.push_back({"Transfer-Encoding", "chunked"});  // length unknown: no truncated_from

  SUBCASE("an ordinary request with an empty XML body: a protocol attack") {
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK(has_attack(f, {"protocol", "body"}));
  }
  SUBCASE("the head message of that request: clean") {
    m.head_only = true;
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK_FALSE(f.attack);
    CHECK(f.attacks.empty());
  }
  SUBCASE("the head message is still inspected") {
    m.head_only = true;
    m.target = "/etc/passwd";
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    CHECK(has_attack(f, {"ptrav", "path"}));
  }
}

TEST_CASE("detector: inspection limits") {
  node::Message m = seed_request();
  m.method = "POST";
  m.target = "/api/v1/items/bulk";
  m.headers.push_back({"Content-Type", "application/json"});
  auto items = [](int n) {
    std::string body = "[";
    for (int i = 0; i < n; ++i) body += (i ? "," : "") + std::string("{\"id\": ") + std::to_string(i) + ", \"name\": \"widget\"}";
    return body + "]";
  };

  SUBCASE("below the argument limit: inspected, clean") {
    m.body = items(400);
    m.headers.push_back({"Content-Length", std::to_string(m.body.size())});
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK_FALSE(f.attack);
    CHECK(f.attacks.empty());
  }
  SUBCASE("past the argument limit: a protocol attack") {
    m.body = items(600);
    m.headers.push_back({"Content-Length", std::to_string(m.body.size())});
    node::Findings f = shared_detector().inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    CHECK(has_attack(f, {"protocol", ""}));
  }
}

TEST_CASE("detector: non-request messages are not inspected") {
  node::Message m = seed_request();
  m.type = node::MessageType::response;
  m.status = 200;
  node::Findings f = shared_detector().inspect(m);
  CHECK_FALSE(f.attack);
  CHECK(f.attacks.empty());
}

TEST_CASE("detector: attack locations") {
  node::ModSecurityDetector& d = shared_detector();
  node::Message m = seed_request();
  m.target = "/index.html";

  SUBCASE("query argument") {
    m.target = "/search?q=1%27%20OR%201%3D1--";
    node::Findings f = d.inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    CHECK(has_attack(f, {"sqli", "query"}));
  }
  SUBCASE("body argument with the same kind of payload") {
    m.method = "POST";
    m.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    m.body = "q=1%27%20OR%201%3D1--";
    m.headers.push_back({"Content-Length", std::to_string(m.body.size())});
    node::Findings f = d.inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    CHECK(has_attack(f, {"sqli", "body"}));
  }
  SUBCASE("header, lowercase name") {
    m.headers[1].value = "<script>alert(1)</script>";
    node::Findings f = d.inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    CHECK(has_attack(f, {"xss", "header:user-agent"}));
  }
  SUBCASE("long header names are cut to 39 bytes") {
    // Shellshock (932170) is looked for in every header.
    m.headers.push_back({"X-A-Very-Long-Header-Name-For-Testing-Cuts", "() { :; }; /bin/cat /etc/passwd"});
    node::Findings f = d.inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    bool found = false;
    for (const auto& a : f.attacks) {
      CHECK(a.location.size() <= 39);
      if (a.type == "rce" && a.location == "header:x-a-very-long-header-name-for-te") found = true;
    }
    CHECK(found);
  }
  SUBCASE("deduplicated by type and location") {
    m.target = "/a?x=%3Cscript%3Ealert(1)%3C/script%3E&y=%3Cscript%3Ealert(2)%3C/script%3E";
    node::Findings f = d.inspect(m);
    INFO(describe(f));
    CHECK(f.attack);
    for (size_t i = 0; i < f.attacks.size(); ++i)
      for (size_t j = i + 1; j < f.attacks.size(); ++j)
        CHECK_FALSE((f.attacks[i].type == f.attacks[j].type &&
                     f.attacks[i].location == f.attacks[j].location));
  }
}

TEST_CASE("detector: attack corpus") {
  node::ModSecurityDetector& d = shared_detector();
  std::vector<Case> cases = load_corpus("attacks.http");
  REQUIRE(cases.size() >= 40);
  size_t detected = 0;
  for (const Case& c : cases) {
    CAPTURE(c.file);
    CAPTURE(c.line);
    CAPTURE(c.title);
    REQUIRE_MESSAGE(!c.expects.empty(), c.file << ":" << c.line << ": attack case without # expect:");
    node::Findings f = d.inspect(c.message);
    if (verbose()) MESSAGE(c.file << ":" << c.line << " " << c.title << ": " << describe(f));
    INFO(describe(f));
    bool ok = f.attack;
    CHECK_MESSAGE(f.attack, c.file << ":" << c.line << " not detected");
    for (const Expect& e : c.expects) {
      bool found = has_attack(f, e);
      ok = ok && found;
      CHECK_MESSAGE(found, c.file << ":" << c.line << " expected " << e.type << " "
                                  << (e.location.empty() ? "(any)" : e.location));
    }
    if (ok) ++detected;
  }
  std::vector<Case> benign = load_corpus("benign.http");
  REQUIRE(benign.size() >= 40);
  size_t false_positives = 0;
  for (const Case& c : benign) {
    CAPTURE(c.file);
    CAPTURE(c.line);
    CAPTURE(c.title);
    node::Findings f = d.inspect(c.message);
    if (verbose()) MESSAGE(c.file << ":" << c.line << " " << c.title << ": " << describe(f));
    bool clean = !f.attack && f.attacks.empty();
    if (!clean) ++false_positives;
    CHECK_MESSAGE(clean, c.file << ":" << c.line << " flagged: " << describe(f));
  }
  MESSAGE("attack corpus: " << detected << "/" << cases.size() << " detected; benign corpus: "
                            << false_positives << " false positives of " << benign.size());
  CHECK(d.errors() == 0);
}

TEST_CASE("detector: concurrent inspections give the sequential results") {
  std::string err;
  auto d = node::ModSecurityDetector::create(WALLARM_NODE_MODSECURITY_CONFIG, 2, &err);
  REQUIRE_MESSAGE(d != nullptr, err);
  CHECK(d->instances() == 2);

  std::vector<node::Message> requests;
  for (const Case& c : load_corpus("attacks.http")) requests.push_back(c.message);
  for (const Case& c : load_corpus("benign.http")) requests.push_back(c.message);
  requests.push_back(seed_request());
  REQUIRE(requests.size() >= 50);

  std::vector<node::Findings> expected;
  for (const auto& r : requests) expected.push_back(d->inspect(r));

  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::vector<node::Findings>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        size_t index = static_cast<size_t>(t * 13 + i * 7) % requests.size();
        got[t].push_back(d->inspect(requests[index]));
      }
    });
  for (auto& th : threads) th.join();

  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPerThread; ++i) {
      size_t index = static_cast<size_t>(t * 13 + i * 7) % requests.size();
      const node::Findings& a = got[t][i];
      const node::Findings& b = expected[index];
      CHECK_MESSAGE((a.attack == b.attack && a.attacks == b.attacks &&
                     a.anomaly_score == b.anomaly_score),
                    "thread " << t << " request " << index << ": " << describe(a) << " vs "
                              << describe(b));
    }
  CHECK(d->errors() == 0);
}

TEST_CASE("detector: per-inspection time") {
  node::ModSecurityDetector& d = shared_detector();
  std::vector<node::Message> requests;
  for (const Case& c : load_corpus("attacks.http")) requests.push_back(c.message);
  for (const Case& c : load_corpus("benign.http")) requests.push_back(c.message);
  auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 5;
  for (int r = 0; r < kRounds; ++r)
    for (const auto& m : requests) (void)d.inspect(m);
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                  .count() /
              static_cast<double>(kRounds * requests.size());
  MESSAGE("modsecurity: " << us << " us per inspection (mean over " << kRounds * requests.size()
                          << ", one thread)");
}

namespace {

// A detector loaded from a config file holding text.
std::unique_ptr<node::Detector> detector_from_text(const std::string& text, std::string* err) {
  char path[] = "/tmp/node-detector-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  auto d = node::make_modsecurity_detector(path, 1, err);
  unlink(path);
  return d;
}

}  // namespace

TEST_CASE("detector: configuration errors") {
  std::string err;

  SUBCASE("missing file") {
    auto d = node::make_modsecurity_detector("/nonexistent/node.conf", 1, &err);
    CHECK(d == nullptr);
    INFO(err);
    CHECK(err.find("/nonexistent/node.conf") != std::string::npos);
  }
  SUBCASE("invalid directive") {
    auto d = detector_from_text("SecRuleEngine On\nSecNoSuchDirective 42\n", &err);
    CHECK(d == nullptr);
    INFO(err);
    CHECK(err.find("SecNoSuchDirective") != std::string::npos);
  }
  SUBCASE("rule without an id") {
    auto d = detector_from_text("SecRule ARGS \"@rx x\" \"phase:2,deny\"\n", &err);
    CHECK(d == nullptr);
    INFO(err);
    CHECK_FALSE(err.empty());
  }
  SUBCASE("include of a missing file") {
    auto d = detector_from_text("SecRuleEngine On\nInclude /nonexistent/local-rules.conf\n", &err);
    CHECK(d == nullptr);
    INFO(err);
    CHECK(err.find("/nonexistent/local-rules.conf") != std::string::npos);
  }
  SUBCASE("zero instances") {
    auto d = node::make_modsecurity_detector(WALLARM_NODE_MODSECURITY_CONFIG, 0, &err);
    CHECK(d == nullptr);
    CHECK_FALSE(err.empty());
  }
}
