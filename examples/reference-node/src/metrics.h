#pragma once
// Node counters, served in the Prometheus text format 0.0.4. Every member
// may be called from any number of threads at once; the fixed counters are
// single atomics, so counting costs no lock.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "detector.h"
#include "message.h"

namespace node {

class Metrics {
 public:
  // Distinct label values kept per labelled counter (attack types,
  // malformed reasons); further ones are counted under "other", so a
  // detector or caller bug cannot grow the output without bound.
  static constexpr size_t kMaxLabelValues = 64;
  // Upper bounds of the inspection histogram: 0.0001, 0.00025, 0.0005,
  // 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1 s and +Inf.
  static constexpr size_t kBuckets = 11;

  Metrics() = default;
  // With the wallarm_node_info labels set (see set_info).
  Metrics(std::string_view mode, std::string_view engine);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // wallarm_node_messages_total{type} and
  // wallarm_node_messages_by_shape_total{shape}
  void count_message(MessageType type, Shape shape) noexcept;
  // wallarm_node_messages_rejected_total{reason="connector_info"}: a
  // request that was no message (no connector headers, docs/protocol.md
  // 12.4) and asked for none of the node's pages
  void count_rejected_connector_info() noexcept;
  // wallarm_node_messages_rejected_total{reason="shape"}: a message of a
  // shape the node does not serve (Config::shapes)
  void count_rejected_shape() noexcept;
  // wallarm_node_batches_total: batches accepted (their messages are
  // counted in wallarm_node_messages_total one by one)
  void count_batch() noexcept;
  // wallarm_node_verdicts_total{verdict="block"|"pass"}
  void count_verdict(bool block) noexcept;
  // wallarm_node_attacks_total{type}: once per distinct type in `attacks`,
  // so call it once per request.
  void count_attacks(const std::vector<Attack>& attacks);
  // wallarm_node_malformed_total{reason}: a short fixed token such as
  // "bad_protocol_version", "bad_message_type", "bad_head".
  void count_malformed(std::string_view reason);
  // wallarm_node_responses_correlated_total: a response message matched a
  // tracked request (AttackStore::on_response returned true).
  void count_correlated() noexcept;
  // wallarm_node_responses_uncorrelated_total: unknown or expired request id.
  void count_uncorrelated() noexcept;
  // wallarm_node_out_of_band_total
  void count_out_of_band() noexcept;
  // wallarm_node_head_messages_total: request messages that carried the
  // head only (X-Wallarm-Request-Part: head)
  void count_head_message() noexcept;
  // wallarm_node_detector_errors_total
  void count_detector_error() noexcept;
  // wallarm_node_overlimit_total: request messages answered at the
  // processing time limit, before the detector finished
  void count_overlimit() noexcept;
  // wallarm_node_inspection_seconds
  void observe_inspection(std::chrono::nanoseconds elapsed) noexcept;
  // wallarm_node_tracked_requests
  void set_tracked_requests(uint64_t n) noexcept;
  // wallarm_node_info{mode, engine} 1
  void set_info(std::string_view mode, std::string_view engine);

  std::string prometheus() const;

 private:
  using Counter = std::atomic<uint64_t>;

  void count_label(std::map<std::string, uint64_t, std::less<>>& family, std::string_view value);

  Counter messages_[3]{};  // by MessageType
  Counter shapes_[3]{};    // by Shape
  Counter rejected_connector_info_{0};
  Counter rejected_shape_{0};
  Counter verdicts_pass_{0}, verdicts_block_{0};
  Counter correlated_{0}, uncorrelated_{0};
  Counter out_of_band_{0};
  Counter head_messages_{0};
  Counter overlimit_{0};
  Counter batches_{0};
  Counter detector_errors_{0};
  Counter tracked_{0};
  Counter inspection_[kBuckets]{};  // per bucket, not cumulative
  Counter inspection_sum_ns_{0};

  mutable std::mutex mu_;  // the labelled counters and the info labels
  std::map<std::string, uint64_t, std::less<>> attacks_;
  std::map<std::string, uint64_t, std::less<>> malformed_;
  std::string mode_ = "unknown";
  std::string engine_ = "unknown";
};

// A label value as the text format wants it: \ " and newline escaped,
// bytes that are not well-formed UTF-8 replaced with U+FFFD.
void prometheus_append_label_value(std::string& out, std::string_view value);

}  // namespace node
