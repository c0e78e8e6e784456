// attacks_view: the JSON array and the HTML page, which must stay inert
// whatever the requests contained.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "attacks_view.h"

using node::AttackRecord;
using json = nlohmann::json;

namespace {

AttackRecord record(uint64_t id) {
  AttackRecord r;
  r.id = id;
  r.time = "2026-11-27T05:55:01.123Z";
  r.request_id = "req-" + std::to_string(id);
  r.client_ip = "198.51.100.4";
  r.host = "shop.example";
  r.method = "GET";
  r.uri = "/search?q=%27+or+1%3D1";
  r.attacks = {{"sqli", "query", 942100}};
  r.verdict = "block";
  r.mode = "block";
  return r;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Every tag in the page is one the view writes, with only the attributes it
// writes, all double-quoted: nothing from a request became markup.
void check_markup(const std::string& page) {
  static const std::set<std::string> tags = {
      "!doctype", "html", "head", "meta", "title", "style", "body", "h1", "p", "b",
      "table", "thead", "tbody", "tr", "th", "td", "span", "div", "br"};
  static const std::set<std::string> attrs = {"lang", "charset", "http-equiv", "content",
                                              "name", "class", "title"};
  size_t pos = 0;
  int count = 0;
  while ((pos = page.find('<', pos)) != std::string::npos) {
    const size_t end = page.find('>', pos);
    REQUIRE(end != std::string::npos);
    std::string tag = page.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    ++count;
    if (!tag.empty() && tag[0] == '/') tag.erase(0, 1);
    const size_t name_end = std::min(tag.find(' '), tag.size());
    const std::string name = lower(tag.substr(0, name_end));
    CHECK_MESSAGE(tags.count(name) == 1, "unexpected tag <" << tag << ">");
    if (name == "!doctype") continue;
    // Attributes: ` name="value"` each; values hold no quote and no < >.
    size_t i = name_end;
    while (i < tag.size()) {
      REQUIRE_MESSAGE(tag[i] == ' ', "unparsed tag text: " << tag.substr(i));
      const size_t eq = tag.find("=\"", i);
      REQUIRE_MESSAGE(eq != std::string::npos, "unparsed tag text: " << tag.substr(i));
      const std::string attr = tag.substr(i + 1, eq - i - 1);
      CHECK_MESSAGE(attrs.count(attr) == 1, "unexpected attribute " << attr);
      const size_t close = tag.find('"', eq + 2);
      REQUIRE(close != std::string::npos);
      const std::string value = tag.substr(eq + 2, close - eq - 2);
      CHECK(value.find_first_of("<>") == std::string::npos);
      i = close + 1;
    }
  }
  CHECK(count > 10);
}

}  // namespace

TEST_CASE("attacks_view: JSON is an array of log-format objects in the order given") {
  CHECK(node::attacks_json({}) == "[]");
  std::vector<AttackRecord> recs = {record(3), record(2), record(1)};
  recs[0].response_status = 403;
  recs[1].out_of_band = true;
  const json a = json::parse(node::attacks_json(recs));
  REQUIRE(a.is_array());
  REQUIRE(a.size() == 3);
  CHECK(a[0]["id"] == 3);
  CHECK(a[2]["id"] == 1);
  CHECK(a[0]["response_status"] == 403);
  CHECK(a[1]["response_status"].is_null());
  CHECK(a[1]["out_of_band"] == true);
  CHECK(a[0]["attacks"][0]["rule_id"] == 942100);
  CHECK(a[0].size() == 12);
  CHECK(node::attacks_json({recs[0]}) == "[" + node::to_json(recs[0]) + "]");
}

TEST_CASE("attacks_view: JSON stays valid with hostile bytes") {
  AttackRecord r = record(1);
  r.uri = std::string("/\0\x01\"\\</script>\xFF\xFE", 17);
  r.host = "\xC3";
  const json a = json::parse(node::attacks_json({r}));
  CHECK(a[0]["uri"].get<std::string>().substr(0, 14) == std::string("/\0\x01\"\\</script>", 14));
  CHECK(a[0]["host"] == "\xEF\xBF\xBD");
}

TEST_CASE("attacks_view: HTML page frame, empty state") {
  const std::string page = node::attacks_html({}, "monitoring");
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("<title>Attacks \xE2\x80\x94 Wallarm reference node</title>") != std::string::npos);
  CHECK(page.find("<meta http-equiv=\"refresh\" content=\"5\">") != std::string::npos);
  CHECK(page.find("<meta charset=\"utf-8\">") != std::string::npos);
  CHECK(page.find("<style>") != std::string::npos);
  CHECK(page.find("No attacks recorded yet.") != std::string::npos);
  CHECK(page.find("<table") == std::string::npos);
  CHECK(page.find("monitoring") != std::string::npos);
  // Self-contained: nothing fetched from anywhere.
  const std::string l = lower(page);
  CHECK(l.find("<script") == std::string::npos);
  CHECK(l.find("src=") == std::string::npos);
  CHECK(l.find("href=") == std::string::npos);
  CHECK(l.find("url(") == std::string::npos);
  CHECK(l.find("@import") == std::string::npos);
}

TEST_CASE("attacks_view: HTML table rows") {
  std::vector<AttackRecord> recs = {record(2), record(1)};
  recs[0].response_status = 403;
  recs[1].verdict = "pass";
  recs[1].mode = "monitoring";
  recs[1].attacks.push_back({"xss", "header:user-agent", 0});
  const std::string page = node::attacks_html(recs, "block");
  CHECK(page.find("No attacks recorded yet.") == std::string::npos);
  CHECK(page.find("<table>") != std::string::npos);
  for (const char* th : {"Time", "Verdict", "Client IP", "Host", "Request", "Attacks",
                         "Response", "Request ID"}) {
    CHECK_MESSAGE(page.find(std::string("<th>") + th + "</th>") != std::string::npos, th);
  }
  CHECK(page.find("<span class=\"v block\">block</span>") != std::string::npos);
  CHECK(page.find("<span class=\"v pass\">pass</span>") != std::string::npos);
  CHECK(page.find("198.51.100.4") != std::string::npos);
  CHECK(page.find("GET /search?q=%27+or+1%3D1") != std::string::npos);
  CHECK(page.find("<b>sqli</b> in query") != std::string::npos);
  CHECK(page.find("<b>xss</b> in header:user-agent") != std::string::npos);
  CHECK(page.find(">403<") != std::string::npos);
  CHECK(page.find("req-2") != std::string::npos);
  CHECK(page.find("req-2") < page.find("req-1"));  // the order given
  CHECK(std::count(page.begin(), page.end(), '\n') > 0);
  size_t rows = 0;
  for (size_t p = page.find("<tr>"); p != std::string::npos; p = page.find("<tr>", p + 1)) ++rows;
  CHECK(rows == 3);  // header + 2
  check_markup(page);
}

TEST_CASE("attacks_view: HTML escapes everything taken from requests") {
  AttackRecord r = record(1);
  r.uri = "/<script>alert(1)</script>?a=\"'><img src=x onerror=alert(2)>";
  r.host = "\"><script>alert(3)</script>";
  r.method = "<SCRIPT>";
  r.client_ip = "<svg onload=alert(4)>";
  r.request_id = "'\"><iframe src=javascript:alert(5)>";
  r.time = "<script>";
  r.verdict = "<b onmouseover=alert(6)>";
  r.mode = "\"><script>";
  r.attacks = {{"<script>alert(7)</script>", "<ScRiPt src=//evil>", 1}};
  // Long enough to be cut, so the full value goes into a title attribute.
  r.uri += std::string(300, 'A') + "\"><script>alert(8)</script>";
  const std::string page = node::attacks_html({r}, "<script>alert(9)</script>");
  const std::string l = lower(page);
  CHECK(l.find("<script") == std::string::npos);
  CHECK(l.find("<img") == std::string::npos);
  CHECK(l.find("<svg") == std::string::npos);
  CHECK(l.find("<iframe") == std::string::npos);
  CHECK(l.find("<b onmouseover") == std::string::npos);
  check_markup(page);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("&quot;&gt;&lt;script&gt;alert(3)") != std::string::npos);
  CHECK(page.find("&#39;&quot;&gt;&lt;iframe") != std::string::npos);
  // The verdict's class comes from a fixed set.
  CHECK(page.find("<span class=\"v\">&lt;b onmouseover=alert(6)&gt;</span>") != std::string::npos);
  // The cut value ends with an ellipsis and the tooltip holds the rest, escaped.
  CHECK(page.find("\xE2\x80\xA6</td>") != std::string::npos);
  CHECK(page.find(" title=\"&lt;SCRIPT&gt; /&lt;script&gt;alert(1)") != std::string::npos);
  CHECK(page.find("&quot;&gt;&lt;script&gt;alert(8)&lt;/script&gt;\"") != std::string::npos);
}

TEST_CASE("attacks_view: html_append handles control characters, bad UTF-8 and cuts") {
  std::string out;
  CHECK_FALSE(node::html_append(out, std::string("a\r\n\0\x7F", 5)));
  CHECK(out == "a\xE2\x90\x8D\xE2\x90\x8A\xE2\x90\x80\xE2\x90\xA1");  // U+240D U+240A U+2400 U+2421
  out.clear();
  CHECK_FALSE(node::html_append(out, "\xFF\xC3\xA9\xE2\x82"));
  CHECK(out == "\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD");
  out.clear();
  // Cuts count characters, not bytes, and never split a sequence.
  CHECK(node::html_append(out, "\xC3\xA9\xC3\xA9\xC3\xA9", 2));
  CHECK(out == "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
  out.clear();
  CHECK_FALSE(node::html_append(out, "abc", 3));
  CHECK(out == "abc");
  out.clear();
  CHECK(node::html_append(out, "<<<<", 2));
  CHECK(out == "&lt;&lt;\xE2\x80\xA6");
}

TEST_CASE("attacks_view: many attacks on one request are summarized") {
  AttackRecord r = record(1);
  r.attacks.clear();
  for (int i = 0; i < 20; ++i) r.attacks.push_back({"t" + std::to_string(i), "query", 0});
  const std::string page = node::attacks_html({r}, "block");
  CHECK(page.find("<b>t7</b>") != std::string::npos);
  CHECK(page.find("<b>t8</b>") == std::string::npos);
  CHECK(page.find("+12 more") != std::string::npos);
}
