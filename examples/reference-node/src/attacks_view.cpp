#include "attacks_view.h"

#include <cstdio>

#include "json.h"

namespace node {

std::string attacks_json(const std::vector<AttackRecord>& records) {
  std::string out;
  out.reserve(64 + 512 * records.size());
  out += '[';
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out += ',';
    append_json(out, records[i]);
  }
  out += ']';
  return out;
}

bool html_append(std::string& out, std::string_view s, size_t max_chars) {
  size_t chars = 0;
  size_t i = 0;
  while (i < s.size()) {
    if (chars == max_chars) {
      out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
      return true;
    }
    ++chars;
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&#39;"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      // U+2400 + c (U+2421 for DEL): a CR LF in a URI shows as two symbols
      // instead of vanishing into whitespace.
      const unsigned cp = c == 0x7F ? 0x2421u : 0x2400u + c;
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
  return false;
}

namespace {

// Display limits, in characters; the full value (up to kTitleMax) is in the
// cell's tooltip.
constexpr size_t kUriMax = 120;
constexpr size_t kFieldMax = 64;
constexpr size_t kTitleMax = 2048;
constexpr size_t kAttacksShown = 8;

// <td class="cls" title="full value">cut value</td>
void cell(std::string& out, const char* cls, std::string_view value, size_t max_chars) {
  std::string shown;
  const bool cut = html_append(shown, value, max_chars);
  out += "<td class=\"";
  out += cls;
  out += '"';
  if (cut) {
    out += " title=\"";
    html_append(out, value, kTitleMax);
    out += '"';
  }
  out += '>';
  out += shown;
  out += "</td>";
}

void append_number(std::string& out, long long v) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%lld", v);
  out.append(buf, static_cast<size_t>(n));
}

void row(std::string& out, const AttackRecord& r) {
  out += "<tr>";
  cell(out, "time", r.time, kFieldMax);

  // The class comes from a fixed set, never from the record.
  out += "<td><span class=\"v";
  if (r.verdict == "block") {
    out += " block";
  } else if (r.verdict == "pass") {
    out += " pass";
  }
  out += "\">";
  html_append(out, r.verdict, kFieldMax);
  out += "</span>";
  if (r.out_of_band) out += " <span class=\"oob\" title=\"out-of-band copy\">OOB</span>";
  if (!r.mode.empty()) {
    out += "<div class=\"sub\">mode ";
    html_append(out, r.mode, kFieldMax);
    out += "</div>";
  }
  out += "</td>";

  cell(out, "ip", r.client_ip, kFieldMax);
  cell(out, "host", r.host, kFieldMax);

  std::string request = r.method;
  request += ' ';
  request += r.uri;
  cell(out, "req", request, kUriMax);

  out += "<td class=\"atk\">";
  for (size_t i = 0; i < r.attacks.size() && i < kAttacksShown; ++i) {
    const Attack& a = r.attacks[i];
    if (i > 0) out += "<br>";
    out += "<b>";
    html_append(out, a.type, kFieldMax);
    out += "</b> in ";
    html_append(out, a.location, kFieldMax);
    if (a.rule_id != 0) {
      out += " <span class=\"sub\">#";
      append_number(out, a.rule_id);
      out += "</span>";
    }
  }
  if (r.attacks.size() > kAttacksShown) {
    out += "<br><span class=\"sub\">+";
    append_number(out, static_cast<long long>(r.attacks.size() - kAttacksShown));
    out += " more</span>";
  }
  out += "</td>";

  out += "<td class=\"status\">";
  if (r.response_status) {
    append_number(out, *r.response_status);
  } else {
    out += "<span class=\"sub\">&mdash;</span>";
  }
  out += "</td>";

  cell(out, "rid", r.request_id, kFieldMax);
  out += "</tr>\n";
}

constexpr const char* kHead = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta http-equiv="refresh" content="5">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Attacks — Wallarm reference node</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1d2433;background:#fafbfc}
h1{font-size:1.4em;margin:0 0 .3em}
.meta{color:#5b6475;margin:0 0 1em}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{padding:.35em .6em;border-bottom:1px solid #e6e8ec;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600;white-space:nowrap}
tr:hover td{background:#f6f8fb}
td.time,td.ip,td.status{white-space:nowrap}
td.req,td.rid,td.host,td.ip{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}
.v{display:inline-block;padding:0 .5em;border-radius:3px;font-weight:600;background:#e6e8ec}
.v.block{background:#fde2e1;color:#b42318}
.v.pass{background:#dcfae6;color:#067647}
.oob{font-size:.8em;color:#5b6475;border:1px solid #c9ced6;border-radius:3px;padding:0 .3em}
.sub{color:#5b6475;font-size:.85em}
.empty{padding:2em;text-align:center;color:#5b6475;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
</style>
</head>
<body>
<h1>Attacks — Wallarm reference node</h1>
)";

}  // namespace

std::string attacks_html(const std::vector<AttackRecord>& records, const std::string& mode) {
  std::string out;
  out.reserve(4096 + 1024 * records.size());
  out += kHead;
  out += "<p class=\"meta\">Mode: <b>";
  html_append(out, mode.empty() ? std::string_view("unknown") : std::string_view(mode), kFieldMax);
  out += "</b> &middot; ";
  append_number(out, static_cast<long long>(records.size()));
  out += records.size() == 1 ? " record" : " records";
  out += ", newest first &middot; times in UTC &middot; refreshes every 5 s</p>\n";
  if (records.empty()) {
    out += "<p class=\"empty\">No attacks recorded yet.</p>\n";
  } else {
    out += "<table>\n<thead><tr><th>Time</th><th>Verdict</th><th>Client IP</th><th>Host</th>"
           "<th>Request</th><th>Attacks</th><th>Response</th><th>Request ID</th></tr></thead>\n"
           "<tbody>\n";
    for (const AttackRecord& r : records) row(out, r);
    out += "</tbody>\n</table>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace node
