#pragma once
// Attack records: which requests were attacks, what the node answered and,
// once the response message arrives, what the upstream answered.
//
// Every request id is tracked for a short window so that the response
// message (same X-Wallarm-Request-Id) can be matched with its request. A
// record becomes final when its response arrives, when its window passes,
// when its id is evicted to make room, or at shutdown; it is then appended to
// a JSON-lines log, exactly once. Memory is bounded on both sides: at most
// `max_tracked` ids and `keep` records (the log keeps everything).
//
// All members may be called from any number of threads at once.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "detector.h"
#include "message.h"

namespace node {

struct AttackRecord {
  uint64_t id = 0;                     // sequence number, 1-based
  std::string time;                    // detection time, UTC RFC 3339 with milliseconds
  std::string request_id, client_ip, host, method, uri;  // uri = request-target
  std::vector<Attack> attacks;         // type, location, rule_id
  std::string verdict;                 // what the node answered: "block" or "pass"
  std::string mode;                    // off|monitoring|safe_blocking|block at the time
  bool out_of_band = false;
  std::optional<int> response_status;  // set when the response message arrives
};

// One JSON object, no newline: a log line and an element of /attacks.
// Fields: id, time, request_id, client_ip, host, method, uri,
// attacks [{type, location, rule_id}], verdict, mode, out_of_band,
// response_status (number or null). Strings are escaped by json.h.
void append_json(std::string& out, const AttackRecord& r);
std::string to_json(const AttackRecord& r);

// 2026-11-27T05:55:01.123Z
std::string format_utc(std::chrono::system_clock::time_point t);

struct StoreOptions {
  std::string log_path;                   // JSON-lines file, appended to; empty = none
  size_t keep = 1000;                     // records kept in memory for newest()
  std::chrono::milliseconds window{10000};  // how long a request waits for its response
  size_t max_tracked = 100000;            // request ids tracked for correlation
};

class AttackStore {
 public:
  // Opens (appends to) the log file; throws std::runtime_error naming the
  // path when it cannot.
  explicit AttackStore(StoreOptions options);
  ~AttackStore();  // flush_all(), then closes the log
  AttackStore(const AttackStore&) = delete;
  AttackStore& operator=(const AttackStore&) = delete;

  // Every request message. Tracks m.request_id for `window` and creates a
  // record when f.attack is true or `extra` is not empty. `extra` holds what
  // decided the verdict besides the detector, e.g. {"denylist", "ip", 0} for
  // a denylisted client; it comes first in the record's attacks, followed by
  // the entries of f.attacks not already in `extra`. A request id that is
  // already tracked (the connector may send a message twice) is ignored: no
  // second entry, no second record. An empty request id cannot be
  // correlated: its record is final at once.
  //
  // Except for the full request that follows a head message (m.head_only)
  // of the same id: it is merged into the head's entry. The head's record
  // gets the attacks it lacks (same type, location and rule_id count as
  // present) and verdict "block" if either message was blocked; with no
  // record from the head, the full request's own record is made. After
  // that, the id is an ordinary duplicate again, as is a second head.
  void on_request(const Message& m, const Findings& f, const std::string& verdict,
                  const std::string& mode, std::chrono::steady_clock::time_point now,
                  const std::vector<Attack>& extra = {});

  // A response message. Returns true when request_id is tracked (the request
  // was seen within its window, attack or not); an attack record then gets
  // its response_status and becomes final. A repeated response matches too
  // but changes nothing. Returns false for an unknown or expired id.
  bool on_response(const std::string& request_id, int status,
                   std::chrono::steady_clock::time_point now);

  // Ends the windows that have passed; their records become final. Also done
  // by on_request and on_response, so a timer is only needed to write the
  // records of the last requests before traffic stops.
  void expire(std::chrono::steady_clock::time_point now);

  // Every pending record becomes final and is written; nothing stays tracked.
  void flush_all();

  // Newest first, at most `limit`, pending records included (their
  // response_status is empty until the response arrives).
  std::vector<AttackRecord> newest(size_t limit) const;

  size_t tracked() const;         // request ids currently tracked
  uint64_t records_total() const; // records created since start
  uint64_t log_errors() const;    // records that could not be written to the log

 private:
  using RecordPtr = std::shared_ptr<AttackRecord>;
  struct Entry {
    std::chrono::steady_clock::time_point deadline;
    RecordPtr pending;  // the record still waiting for its response, if any
    bool awaits_full = false;  // made by a head message; its full request may follow
  };
  using Map = std::unordered_map<std::string, Entry>;

  // Locked by the caller: merges the full request's record (null when it
  // found nothing) into the entry its head made. Returns the record if it is
  // a new one, to be published; null when merged or nothing to record.
  RecordPtr merge_full_locked(Entry& head, RecordPtr full);
  // Locked by the caller: the first tracked id leaves; its record, if
  // pending, joins `done`.
  void pop_oldest_locked(std::vector<RecordPtr>& done);
  void expire_locked(std::chrono::steady_clock::time_point now, std::vector<RecordPtr>& done);
  // Not locked: serializes and appends final records.
  void write(const std::vector<RecordPtr>& done);

  const StoreOptions options_;
  int fd_ = -1;

  mutable std::mutex mu_;
  Map tracked_;
  // The tracked entries, oldest first. Nodes of an unordered_map keep their
  // address until erased, so this holds no second copy of each id.
  std::deque<Map::value_type*> order_;
  std::deque<RecordPtr> recent_;  // newest at the back, at most options_.keep
  uint64_t last_id_ = 0;

  std::mutex write_mu_;  // one writer at a time: lines never interleave
  bool partial_line_ = false;  // guarded by write_mu_
  std::atomic<uint64_t> log_errors_{0};
};

}  // namespace node
