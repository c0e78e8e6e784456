#include "target.h"

#include <unistd.h>

#include <cstddef>
#include <new>
#include <string_view>

#include "engine.h"
#include "sized_struct.h"

namespace wallarm {
namespace {

// Checks the URL and takes its path, without the trailing '/', as the
// prefix of mirror and multipart request-targets.
bool url_ok(const char* url, int32_t format, TargetConfig* out, std::string* err) {
  CURLU* u = curl_url();
  if (u == nullptr) throw std::bad_alloc();
  char* scheme = nullptr;
  char* host = nullptr;
  char* path = nullptr;
  char* query = nullptr;
  char* fragment = nullptr;
  bool ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK;
  curl_url_get(u, CURLUPART_QUERY, &query, 0);
  curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0);
  if (!ok) {
    *err = "url: not a valid URL";  // not echoed: it may hold user:password@
  } else if (std::string(scheme) != "http" && std::string(scheme) != "https") {
    *err = std::string("url: scheme must be http or https, not ") + scheme;
    ok = false;
  } else if (format != WALLARM_FORMAT_V1 && (query != nullptr || fragment != nullptr)) {
    *err = "url: no query or fragment in the mirror and multipart formats: the client's path "
           "and query follow the URL's path";
    ok = false;
  } else {
    out->tls = std::string(scheme) == "https";
    out->path_prefix = path;
    while (!out->path_prefix.empty() && out->path_prefix.back() == '/')
      out->path_prefix.pop_back();
    if (!node_address_of(u, &out->address)) {
      curl_url_cleanup(u);
      throw std::bad_alloc();
    }
  }
  for (char* part : {scheme, host, path, query, fragment}) curl_free(part);
  curl_url_cleanup(u);
  return ok;
}

// An origin-form path: '/' then visible ASCII, no fragment.
bool health_path_ok(const char* p, std::string* err) {
  std::string_view s(p);
  bool ok = s.size() <= 1024 && !s.empty() && s[0] == '/';
  for (unsigned char c : s) ok = ok && c > 0x20 && c < 0x7f && c != '#';
  if (!ok) *err = "health_path: must be a path starting with '/', visible ASCII, no '#'";
  return ok;
}

bool in_range(uint32_t v, uint32_t lo, uint32_t hi, const char* field, std::string* err) {
  if (v >= lo && v <= hi) return true;
  *err = std::string(field) + ": must be between " + std::to_string(lo) + " and " +
         std::to_string(hi) + ", not " + std::to_string(v);
  return false;
}

// WALLARM_TARGET_NUMBERS names every uint32_t of wallarm_target_config_t
// between size and tls_verify, in order: a field added to one and not the
// other fails here.
#define WALLARM_TARGET_OFFSET(name, initial, least, most) offsetof(wallarm_target_config_t, name),
constexpr size_t kNumberOffsets[] = {WALLARM_TARGET_NUMBERS(WALLARM_TARGET_OFFSET)};
#undef WALLARM_TARGET_OFFSET
constexpr bool numbers_in_header_order() {
  size_t at = offsetof(wallarm_target_config_t, size) + sizeof(uint32_t);
  for (size_t offset : kNumberOffsets) {
    if (offset != at) return false;
    at += sizeof(uint32_t);
  }
  return at == offsetof(wallarm_target_config_t, tls_verify);
}
static_assert(numbers_in_header_order(),
              "WALLARM_TARGET_NUMBERS must list wallarm_target_config_t's numbers in order");

}  // namespace

void default_target_config(wallarm_target_config_t& cfg) noexcept {
  TargetConfig d;
  cfg = wallarm_target_config_t{};
  cfg.size = sizeof cfg;
#define WALLARM_TARGET_DEFAULT(name, initial, least, most) cfg.name = d.name;
  WALLARM_TARGET_NUMBERS(WALLARM_TARGET_DEFAULT)
#undef WALLARM_TARGET_DEFAULT
  cfg.tls_verify = d.tls_verify ? 1 : 0;
  cfg.format = d.format;
}

int32_t parse_target_config(const wallarm_target_config_t& given, TargetConfig& out,
                            std::string* err) {
  wallarm_target_config_t c;
  if (!read_sized(given, offsetof(wallarm_target_config_t, format), c, "wallarm_target_config_t",
                  err))
    return WALLARM_EINVAL;
  if (c.format != WALLARM_FORMAT_V1 && c.format != WALLARM_FORMAT_MIRROR &&
      c.format != WALLARM_FORMAT_MULTIPART) {
    *err = "format: not a wallarm_node_format_t: " + std::to_string(c.format);
    return WALLARM_EINVAL;
  }
  if (c.reserved != 0) {
    *err = "reserved: must be 0";
    return WALLARM_EINVAL;
  }
  if (c.url == nullptr || c.url[0] == '\0') {
    *err = "url: required";
    return WALLARM_EINVAL;
  }
  if (!url_ok(c.url, c.format, &out, err)) return WALLARM_EINVAL;
  bool has_health_path = c.health_path != nullptr && c.health_path[0] != '\0';
  if (has_health_path && !health_path_ok(c.health_path, err)) return WALLARM_EINVAL;
#define WALLARM_TARGET_CHECK(name, initial, least, most) \
  if (!in_range(c.name, least, most, #name, err)) return WALLARM_EINVAL;
  WALLARM_TARGET_NUMBERS(WALLARM_TARGET_CHECK)
#undef WALLARM_TARGET_CHECK
  if (c.breaker_backoff_max_ms < c.breaker_backoff_ms) {
    *err = "breaker_backoff_max_ms: must be at least breaker_backoff_ms (" +
           std::to_string(c.breaker_backoff_ms) + "), not " +
           std::to_string(c.breaker_backoff_max_ms);
    return WALLARM_EINVAL;
  }
  if (c.tls_verify != 0 && c.tls_verify != 1) {
    *err = "tls_verify: must be 0 or 1";
    return WALLARM_EINVAL;
  }
  if (c.ca_file != nullptr && c.ca_file[0] != '\0' && ::access(c.ca_file, R_OK) != 0) {
    *err = std::string("ca_file: cannot read ") + c.ca_file;
    return WALLARM_EINVAL;
  }
  out.url = c.url;
  out.ca_file = c.ca_file != nullptr ? c.ca_file : "";
#define WALLARM_TARGET_COPY(name, initial, least, most) out.name = c.name;
  WALLARM_TARGET_NUMBERS(WALLARM_TARGET_COPY)
#undef WALLARM_TARGET_COPY
  out.tls_verify = c.tls_verify == 1;
  out.format = c.format;
  out.health_path = has_health_path ? c.health_path : "";
  return WALLARM_OK;
}

Target::~Target() {
  // A forked child shares its parent's connections: it forgets them, since
  // closing a TLS connection writes on the parent's stream.
  if (engine != nullptr && engine->forked())
    for (auto& c : connections) c->abandon();
}

CURL* Target::new_handle() const {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) throw std::bad_alloc();
  curl_easy_setopt(easy, CURLOPT_URL, config.url.c_str());
  // CURLOPT_PROTOCOLS_STR is libcurl 7.85; Ubuntu 22.04 (Kong 3.4 to 3.8
  // images) has 7.81, which only has the bit mask.
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  // A transfer that ends while its host name is still resolving must not
  // wait for the resolver thread: that would stall every other transfer.
  // Before libcurl 7.87 there is no such option: the engine thread then
  // waits for the lookup of an abandoned transfer to end.
#if LIBCURL_VERSION_NUM >= 0x075700
  curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 1L);
#endif
  // The node is reached directly: *_proxy variables of the gateway's
  // environment must not reroute inspection traffic.
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  // The library speaks HTTP/1.1 on the connection: TLS must offer only
  // that in ALPN, or a node that prefers h2 would choose it.
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, config.tls_verify ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, config.tls_verify ? 2L : 0L);
  if (!config.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, config.ca_file.c_str());
#if LIBCURL_VERSION_NUM >= 0x075700
  // libcurl keeps a parsed CA bundle for reuse, but not when a CA directory
  // is set too, as Debian's build does by default: each new TLS connection
  // would then read and parse the whole system store again (about 70 ms of
  // the engine thread). With a bundle to use, the directory is dropped.
  char* bundle = nullptr;
  if (!config.ca_file.empty() ||
      (curl_easy_getinfo(easy, CURLINFO_CAINFO, &bundle) == CURLE_OK && bundle != nullptr))
    curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
#endif
  return easy;
}

}  // namespace wallarm
