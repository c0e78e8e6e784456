#include "attack_store.h"

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "json.h"

namespace node {
namespace {

void append_int(std::string& out, int v) {
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "%d", v);
  out.append(buf, static_cast<size_t>(n));
}

void append_field(std::string& out, const char* name, std::string_view value) {
  out += '"';
  out += name;
  out += "\":";
  json_append_string(out, value);
  out += ',';
}

// The outer X-Wallarm-Forwarded-Host is optional; the request's own Host
// header is the next best answer.
std::string host_of(const Message& m) {
  if (!m.host.empty()) return m.host;
  for (const Header& h : m.headers) {
    if (h.name.size() == 4 && ::strncasecmp(h.name.c_str(), "host", 4) == 0) return h.value;
  }
  return {};
}

}  // namespace

std::string format_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t.time_since_epoch()).count();
  const auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const auto milli = static_cast<int>(ms - static_cast<long long>(secs) * 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                              tm.tm_min, tm.tm_sec, milli);
  return std::string(buf, static_cast<size_t>(n));
}

void append_json(std::string& out, const AttackRecord& r) {
  out += "{\"id\":";
  append_uint(out, r.id);
  out += ',';
  append_field(out, "time", r.time);
  append_field(out, "request_id", r.request_id);
  append_field(out, "client_ip", r.client_ip);
  append_field(out, "host", r.host);
  append_field(out, "method", r.method);
  append_field(out, "uri", r.uri);
  out += "\"attacks\":[";
  for (size_t i = 0; i < r.attacks.size(); ++i) {
    const Attack& a = r.attacks[i];
    if (i > 0) out += ',';
    out += "{\"type\":";
    json_append_string(out, a.type);
    out += ",\"location\":";
    json_append_string(out, a.location);
    out += ",\"rule_id\":";
    append_int(out, a.rule_id);
    out += '}';
  }
  out += "],";
  append_field(out, "verdict", r.verdict);
  append_field(out, "mode", r.mode);
  out += "\"out_of_band\":";
  out += r.out_of_band ? "true" : "false";
  out += ",\"response_status\":";
  if (r.response_status) {
    append_int(out, *r.response_status);
  } else {
    out += "null";
  }
  out += '}';
}

std::string to_json(const AttackRecord& r) {
  std::string out;
  append_json(out, r);
  return out;
}

AttackStore::AttackStore(StoreOptions options) : options_(std::move(options)) {
  if (options_.log_path.empty()) return;
  // O_APPEND: each write() lands whole at the end, even with another process
  // (logrotate's copytruncate, a second node) on the same file.
  fd_ = ::open(options_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    const int err = errno;
    throw std::runtime_error("cannot open attack log " + options_.log_path + ": " +
                             std::system_category().message(err));
  }
}

AttackStore::~AttackStore() {
  try {
    flush_all();
  } catch (...) {
    // Out of memory while serializing at shutdown: nothing left to do.
  }
  if (fd_ >= 0) ::close(fd_);
}

void AttackStore::on_request(const Message& m, const Findings& f, const std::string& verdict,
                             const std::string& mode, std::chrono::steady_clock::time_point now,
                             const std::vector<Attack>& extra) {
  // Built before taking the lock: copying the request's strings is the
  // costly part and needs no shared state.
  RecordPtr rec;
  if (f.attack || !extra.empty()) {
    rec = std::make_shared<AttackRecord>();
    rec->time = format_utc(std::chrono::system_clock::now());
    rec->request_id = m.request_id;
    rec->client_ip = m.client_ip;
    rec->host = host_of(m);
    rec->method = m.method;
    rec->uri = m.target;
    rec->attacks.reserve(extra.size() + f.attacks.size());
    rec->attacks.insert(rec->attacks.end(), extra.begin(), extra.end());
    // A caller may have put the same entries in both (e.g. to answer them).
    for (const Attack& a : f.attacks) {
      if (std::find(extra.begin(), extra.end(), a) == extra.end()) rec->attacks.push_back(a);
    }
    rec->verdict = verdict;
    rec->mode = mode;
    rec->out_of_band = m.out_of_band;
  }

  std::vector<RecordPtr> done;
  {
    std::lock_guard lock(mu_);
    expire_locked(now, done);
    const bool track = !m.request_id.empty() && options_.max_tracked > 0;
    if (track) {
      auto found = tracked_.find(m.request_id);
      if (found == tracked_.end()) {
        while (tracked_.size() >= options_.max_tracked) pop_oldest_locked(done);
        auto [it, inserted] =
            tracked_.try_emplace(m.request_id, Entry{now + options_.window, rec, m.head_only});
        order_.push_back(&*it);
      } else if (found->second.awaits_full && !m.head_only) {
        found->second.awaits_full = false;
        rec = merge_full_locked(found->second, std::move(rec));
      } else {
        rec.reset();  // the same message again: already tracked, already recorded
      }
    }
    if (rec) {
      rec->id = ++last_id_;
      if (options_.keep > 0) {
        recent_.push_back(rec);
        if (recent_.size() > options_.keep) recent_.pop_front();
      }
      if (!track) done.push_back(rec);  // nothing to wait for
    }
  }
  write(done);
}

bool AttackStore::on_response(const std::string& request_id, int status,
                              std::chrono::steady_clock::time_point now) {
  std::vector<RecordPtr> done;
  bool matched = false;
  {
    std::lock_guard lock(mu_);
    expire_locked(now, done);
    auto it = tracked_.find(request_id);
    if (it != tracked_.end()) {
      matched = true;
      // The id stays tracked until its window ends, so that a repeated
      // request or response message is still recognized.
      if (RecordPtr& pending = it->second.pending) {
        pending->response_status = status;
        done.push_back(std::move(pending));
      }
    }
  }
  write(done);
  return matched;
}

void AttackStore::expire(std::chrono::steady_clock::time_point now) {
  std::vector<RecordPtr> done;
  {
    std::lock_guard lock(mu_);
    expire_locked(now, done);
  }
  write(done);
}

void AttackStore::flush_all() {
  std::vector<RecordPtr> done;
  {
    std::lock_guard lock(mu_);
    while (!order_.empty()) pop_oldest_locked(done);
  }
  write(done);
}

std::vector<AttackRecord> AttackStore::newest(size_t limit) const {
  // Under the lock only the pointers and the one field that can still change
  // (response_status) are read; every other field is fixed once a record is
  // published, so the string copies happen outside.
  std::vector<std::pair<RecordPtr, std::optional<int>>> snapshot;
  {
    std::lock_guard lock(mu_);
    const size_t n = limit < recent_.size() ? limit : recent_.size();
    snapshot.reserve(n);
    for (auto it = recent_.rbegin(); snapshot.size() < n; ++it) {
      snapshot.emplace_back(*it, (*it)->response_status);
    }
  }
  std::vector<AttackRecord> out;
  out.reserve(snapshot.size());
  for (const auto& [r, status] : snapshot) {
    AttackRecord c;
    c.id = r->id;
    c.time = r->time;
    c.request_id = r->request_id;
    c.client_ip = r->client_ip;
    c.host = r->host;
    c.method = r->method;
    c.uri = r->uri;
    c.attacks = r->attacks;
    c.verdict = r->verdict;
    c.mode = r->mode;
    c.out_of_band = r->out_of_band;
    c.response_status = status;
    out.push_back(std::move(c));
  }
  return out;
}

size_t AttackStore::tracked() const {
  std::lock_guard lock(mu_);
  return tracked_.size();
}

uint64_t AttackStore::records_total() const {
  std::lock_guard lock(mu_);
  return last_id_;
}

uint64_t AttackStore::log_errors() const { return log_errors_.load(std::memory_order_relaxed); }

AttackStore::RecordPtr AttackStore::merge_full_locked(Entry& head, RecordPtr full) {
  if (!full) return nullptr;  // nothing found in the full request: the head's record stands
  if (!head.pending) {
    head.pending = full;  // the head found nothing, or its record is final already
    return full;
  }
  // Published records never change but for response_status (newest() copies
  // them unlocked): a changed copy takes the head record's place.
  auto merged = std::make_shared<AttackRecord>(*head.pending);
  for (const Attack& a : full->attacks) {
    if (std::find(merged->attacks.begin(), merged->attacks.end(), a) == merged->attacks.end())
      merged->attacks.push_back(a);
  }
  if (full->verdict == "block") merged->verdict = "block";
  if (merged->attacks == head.pending->attacks && merged->verdict == head.pending->verdict)
    return nullptr;
  // Likely near the back: the head came shortly before.
  auto in_recent = std::find(recent_.rbegin(), recent_.rend(), head.pending);
  if (in_recent != recent_.rend()) *in_recent = merged;
  head.pending = std::move(merged);
  return nullptr;
}

void AttackStore::pop_oldest_locked(std::vector<RecordPtr>& done) {
  Map::value_type* oldest = order_.front();
  order_.pop_front();
  if (oldest->second.pending) done.push_back(std::move(oldest->second.pending));
  tracked_.erase(tracked_.find(oldest->first));
}

void AttackStore::expire_locked(std::chrono::steady_clock::time_point now,
                                std::vector<RecordPtr>& done) {
  // Deadlines ascend along order_ (one window for all), up to the few
  // microseconds by which callers' clocks readings can race for the lock.
  while (!order_.empty() && order_.front()->second.deadline <= now) pop_oldest_locked(done);
}

void AttackStore::write(const std::vector<RecordPtr>& done) {
  if (done.empty() || fd_ < 0) return;
  // Final records are no longer changed by anyone: serializing needs no lock.
  std::string buf;
  buf.reserve(512 * done.size());
  for (const RecordPtr& r : done) {
    append_json(buf, *r);
    buf += '\n';
  }
  std::lock_guard lock(write_mu_);
  // After a write that stopped mid-line, start on a fresh line so that the
  // lines that follow still parse.
  if (partial_line_) buf.insert(buf.begin(), '\n');
  const char* p = buf.data();
  size_t left = buf.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (left != buf.size()) partial_line_ = true;  // else: as it was
      log_errors_.fetch_add(done.size(), std::memory_order_relaxed);
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  partial_line_ = false;
}

}  // namespace node
