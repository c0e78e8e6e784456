#include "options.h"

#include <charconv>

#include "wallarm.h"

namespace node_check {

const char* const kUsage = R"(usage: wallarm-node-check [options] URL

Finds which message format a Wallarm filtering node at URL accepts: for each
format (mirror, multipart, v1) it sends, one at a time, a health check, a
benign request, two classic attacks and a response message, and says what
the node answered. Run it where the gateway runs (a Kong pod), against the
node the gateway is to use.

  --host NAME          Host header and host of the messages (default example.com)
  --timeout-ms N       time allowed per message, 1 to 60000 (default 2000)
  --health-path P      health check: GET P on the node's host, 200 = healthy
                       (default /wallarm-external-health); '' = a protocol v1
                       health message instead
  --format F           check only F: mirror, multipart or v1
  --ca-file FILE       CA certificates for an https:// node (default: the system's)
  --insecure           do not verify the node's TLS certificate
  --quiet              print the summary only
  --help               this text

The last line of the summary is "node_format: F", the format to configure,
or "no format works". Exit status: 0 a format works, 1 none works, 2 usage
error.
)";

const char* format_name(int32_t format) {
  switch (format) {
    case WALLARM_FORMAT_V1:
      return "v1";
    case WALLARM_FORMAT_MIRROR:
      return "mirror";
    case WALLARM_FORMAT_MULTIPART:
      return "multipart";
  }
  return "unknown";
}

namespace {

// What a Host header may hold: printable ASCII, no space.
bool plain_host(const std::string& host) {
  if (host.empty()) return false;
  for (char c : host)
    if (c <= ' ' || c >= 0x7f) return false;
  return true;
}

bool has_scheme(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

std::string parse_options(int argc, char** argv, Options& opts, bool* help) {
  *help = false;
  const int32_t all[] = {WALLARM_FORMAT_MIRROR, WALLARM_FORMAT_MULTIPART, WALLARM_FORMAT_V1};
  opts.formats.assign(std::begin(all), std::end(all));
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) {
    std::string opt = argv[i];
    if (opt == "--help" || opt == "-h") {
      *help = true;
      return "";
    }
    if (opt == "--insecure") {
      opts.insecure = true;
      continue;
    }
    if (opt == "--quiet" || opt == "-q") {
      opts.quiet = true;
      continue;
    }
    if (opt.rfind("-", 0) != 0) {
      urls.push_back(opt);
      continue;
    }
    // --name value, or --name=value.
    std::string value;
    if (size_t eq = opt.find('='); eq != std::string::npos) {
      value = opt.substr(eq + 1);
      opt.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return opt + ": unknown option or missing value";
    }
    if (opt == "--host") {
      if (!plain_host(value))
        return "--host: must be a host name without spaces, not \"" + value + "\"";
      opts.host = value;
    } else if (opt == "--timeout-ms") {
      unsigned v = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || end != value.data() + value.size() || v < 1 || v > 60000)
        return "--timeout-ms: must be a number from 1 to 60000, not \"" + value + "\"";
      opts.timeout_ms = v;
    } else if (opt == "--health-path") {
      if (!value.empty() && value.front() != '/')
        return "--health-path: must be '' or a path starting with /, not \"" + value + "\"";
      opts.health_path = value;
    } else if (opt == "--format") {
      opts.formats.clear();
      for (int32_t f : all)
        if (value == format_name(f)) opts.formats.push_back(f);
      if (opts.formats.empty())
        return "--format: must be mirror, multipart or v1, not \"" + value + "\"";
    } else if (opt == "--ca-file") {
      if (value.empty()) return "--ca-file: must name a file";
      opts.ca_file = value;
    } else {
      return opt + ": unknown option";
    }
  }
  if (urls.empty()) return "the node's URL is missing";
  if (urls.size() > 1) return "one URL only, not \"" + urls[0] + "\" and \"" + urls[1] + "\"";
  if (!has_scheme(urls[0]))
    return "URL: must start with http:// or https://, not \"" + urls[0] + "\"";
  opts.url = urls[0];
  return "";
}

}  // namespace node_check
