#include "http.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace e2e {

namespace {

struct UploadState {
  const std::string* data;
  size_t offset = 0;
  size_t piece;
};

size_t on_body(char* ptr, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(ptr, size * n);
  return size * n;
}

size_t on_header(char* ptr, size_t size, size_t n, void* ud) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(ud);
  std::string line(ptr, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (after 1xx): keep the final one only
  } else if (auto colon = line.find(':'); colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    size_t start = value.find_first_not_of(" \t");
    value = start == std::string::npos ? "" : value.substr(start);
    headers->emplace_back(line.substr(0, colon), value);
  }
  return size * n;
}

size_t on_read(char* buf, size_t size, size_t n, void* ud) {
  auto* st = static_cast<UploadState*>(ud);
  size_t room = std::min(size * n, st->piece);
  size_t left = st->data->size() - st->offset;
  size_t take = std::min(room, left);
  std::memcpy(buf, st->data->data() + st->offset, take);
  st->offset += take;
  return take;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return {};
}

HttpResponse http(const HttpRequest& req) {
  HttpResponse res;
  CURL* c = curl_easy_init();
  if (!c) {
    res.error = "curl_easy_init failed";
    return res;
  }
  curl_slist* list = nullptr;
  for (const auto& h : req.headers) list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");
  bool has_accept = false;
  for (const auto& h : req.headers)
    if (::strncasecmp(h.c_str(), "Accept:", 7) == 0) has_accept = true;
  if (!has_accept) list = curl_slist_append(list, "Accept:");
  if (req.chunked) list = curl_slist_append(list, "Transfer-Encoding: chunked");

  UploadState up{req.body ? &*req.body : nullptr, 0, req.chunk_size};
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &res.headers);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
                   req.http2 ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE : CURL_HTTP_VERSION_1_1);
  if (req.body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    if (req.chunked) {
      curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(c, CURLOPT_READDATA, &up);
    } else {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body->data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body->size()));
    }
  }
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method != "GET" && !(req.method == "POST" && req.body)) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  auto t0 = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(c);
  res.total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (rc != CURLE_OK) {
    res.error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return res;
}

HttpResponse http_get(const std::string& url, const std::vector<std::string>& headers,
                      long timeout_ms) {
  HttpRequest r;
  r.url = url;
  r.headers = headers;
  r.timeout_ms = timeout_ms;
  return http(r);
}

}  // namespace e2e
