#include "metrics.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "json.h"

namespace node {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

// The bucket bounds in nanoseconds, so an observation is an integer compare.
constexpr std::array<int64_t, 10> kBoundsNs = {100'000,    250'000,    500'000,   1'000'000,
                                               2'500'000,  5'000'000,  10'000'000, 25'000'000,
                                               50'000'000, 100'000'000};
// As printed in le="...": the exact decimal text, no float formatting.
constexpr const char* kBoundsText[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025",
                                       "0.005",  "0.01",    "0.025",  "0.05",  "0.1"};
static_assert(std::size(kBoundsText) == kBoundsNs.size());
static_assert(Metrics::kBuckets == kBoundsNs.size() + 1);

// Seconds from nanoseconds, printed exactly ("1.000250000").
void append_seconds(std::string& out, uint64_t ns) {
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%llu.%09llu",
                              static_cast<unsigned long long>(ns / 1'000'000'000),
                              static_cast<unsigned long long>(ns % 1'000'000'000));
  out.append(buf, static_cast<size_t>(n));
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// name{label="value"} v
void sample(std::string& out, const char* name, const char* label, std::string_view value,
            uint64_t v) {
  out += name;
  out += '{';
  out += label;
  out += "=\"";
  prometheus_append_label_value(out, value);
  out += "\"} ";
  append_uint(out, v);
  out += '\n';
}

void sample(std::string& out, const char* name, uint64_t v) {
  out += name;
  out += ' ';
  append_uint(out, v);
  out += '\n';
}

}  // namespace

void prometheus_append_label_value(std::string& out, std::string_view value) {
  size_t i = 0;
  while (i < value.size()) {
    const char c = value[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      const size_t len = utf8_sequence_length(value, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(value.data() + i, len);
        i += len;
      }
      continue;
    }
    ++i;
  }
}

Metrics::Metrics(std::string_view mode, std::string_view engine) : mode_(mode), engine_(engine) {}

void Metrics::count_message(MessageType type, Shape shape) noexcept {
  const auto i = static_cast<size_t>(type);
  if (i < std::size(messages_)) messages_[i].fetch_add(1, relaxed);
  const auto j = static_cast<size_t>(shape);
  if (j < std::size(shapes_)) shapes_[j].fetch_add(1, relaxed);
}

void Metrics::count_rejected_connector_info() noexcept {
  rejected_connector_info_.fetch_add(1, relaxed);
}

void Metrics::count_rejected_shape() noexcept { rejected_shape_.fetch_add(1, relaxed); }

void Metrics::count_verdict(bool block) noexcept {
  (block ? verdicts_block_ : verdicts_pass_).fetch_add(1, relaxed);
}

void Metrics::count_label(std::map<std::string, uint64_t, std::less<>>& family,
                          std::string_view value) {
  if (value.empty()) value = "unknown";  // an empty value reads as no label at all
  auto it = family.find(value);
  if (it == family.end()) {
    if (family.size() >= kMaxLabelValues) value = "other";
    it = family.try_emplace(std::string(value), 0).first;
  }
  ++it->second;
}

void Metrics::count_attacks(const std::vector<Attack>& attacks) {
  if (attacks.empty()) return;
  // Findings are deduplicated by (type, location): one type can appear at
  // several locations but counts once per request.
  std::vector<std::string_view> types;
  types.reserve(attacks.size());
  for (const Attack& a : attacks) types.push_back(a.type);
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  std::lock_guard lock(mu_);
  for (std::string_view t : types) count_label(attacks_, t);
}

void Metrics::count_malformed(std::string_view reason) {
  std::lock_guard lock(mu_);
  count_label(malformed_, reason);
}

void Metrics::count_correlated() noexcept { correlated_.fetch_add(1, relaxed); }

void Metrics::count_uncorrelated() noexcept { uncorrelated_.fetch_add(1, relaxed); }

void Metrics::count_out_of_band() noexcept { out_of_band_.fetch_add(1, relaxed); }
void Metrics::count_batch() noexcept { batches_.fetch_add(1, relaxed); }

void Metrics::count_head_message() noexcept { head_messages_.fetch_add(1, relaxed); }

void Metrics::count_detector_error() noexcept { detector_errors_.fetch_add(1, relaxed); }

void Metrics::count_overlimit() noexcept { overlimit_.fetch_add(1, relaxed); }

void Metrics::observe_inspection(std::chrono::nanoseconds elapsed) noexcept {
  const int64_t ns = std::max<int64_t>(elapsed.count(), 0);
  size_t b = 0;
  while (b < kBoundsNs.size() && ns > kBoundsNs[b]) ++b;  // le: bounds are inclusive
  inspection_[b].fetch_add(1, relaxed);
  inspection_sum_ns_.fetch_add(static_cast<uint64_t>(ns), relaxed);
}

void Metrics::set_tracked_requests(uint64_t n) noexcept { tracked_.store(n, relaxed); }

void Metrics::set_info(std::string_view mode, std::string_view engine) {
  std::lock_guard lock(mu_);
  mode_.assign(mode);
  engine_.assign(engine);
}

std::string Metrics::prometheus() const {
  std::string out;
  out.reserve(4096);

  header(out, "wallarm_node_info", "gauge", "Node mode and detection engine; the value is always 1.");
  {
    std::lock_guard lock(mu_);
    out += "wallarm_node_info{mode=\"";
    prometheus_append_label_value(out, mode_);
    out += "\",engine=\"";
    prometheus_append_label_value(out, engine_);
    out += "\"} 1\n";
  }

  header(out, "wallarm_node_messages_total", "counter", "Protocol messages received, by type.");
  static constexpr const char* kTypes[] = {"request", "response", "health"};
  static_assert(static_cast<size_t>(MessageType::request) == 0 &&
                static_cast<size_t>(MessageType::response) == 1 &&
                static_cast<size_t>(MessageType::health) == 2);
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    sample(out, "wallarm_node_messages_total", "type", kTypes[i], messages_[i].load(relaxed));
  }

  header(out, "wallarm_node_messages_by_shape_total", "counter",
         "Protocol messages received, by shape: v1, mirror or multipart.");
  static constexpr const char* kShapes[] = {"v1", "mirror", "multipart"};
  static_assert(static_cast<size_t>(Shape::v1) == 0 && static_cast<size_t>(Shape::mirror) == 1 &&
                static_cast<size_t>(Shape::multipart) == 2);
  for (size_t i = 0; i < std::size(kShapes); ++i) {
    sample(out, "wallarm_node_messages_by_shape_total", "shape", kShapes[i],
           shapes_[i].load(relaxed));
  }

  header(out, "wallarm_node_messages_rejected_total", "counter",
         "Requests refused before parsing, by reason (connector_info: no connector headers, "
         "and not one of the node's pages; shape: a message of a shape not served).");
  sample(out, "wallarm_node_messages_rejected_total", "reason", "connector_info",
         rejected_connector_info_.load(relaxed));
  sample(out, "wallarm_node_messages_rejected_total", "reason", "shape",
         rejected_shape_.load(relaxed));

  header(out, "wallarm_node_verdicts_total", "counter", "Verdicts answered to request messages.");
  sample(out, "wallarm_node_verdicts_total", "verdict", "pass", verdicts_pass_.load(relaxed));
  sample(out, "wallarm_node_verdicts_total", "verdict", "block", verdicts_block_.load(relaxed));

  {
    // Copied under the lock, printed outside it.
    std::map<std::string, uint64_t, std::less<>> attacks, malformed;
    {
      std::lock_guard lock(mu_);
      attacks = attacks_;
      malformed = malformed_;
    }
    header(out, "wallarm_node_attacks_total", "counter",
           "Requests with an attack of that type (one per type per request).");
    for (const auto& [type, n] : attacks) sample(out, "wallarm_node_attacks_total", "type", type, n);
    header(out, "wallarm_node_malformed_total", "counter",
           "Messages rejected as malformed, by reason.");
    for (const auto& [reason, n] : malformed) {
      sample(out, "wallarm_node_malformed_total", "reason", reason, n);
    }
  }

  header(out, "wallarm_node_responses_correlated_total", "counter",
         "Response messages matched with a tracked request.");
  sample(out, "wallarm_node_responses_correlated_total", correlated_.load(relaxed));
  header(out, "wallarm_node_responses_uncorrelated_total", "counter",
         "Response messages whose request id was unknown or expired.");
  sample(out, "wallarm_node_responses_uncorrelated_total", uncorrelated_.load(relaxed));

  header(out, "wallarm_node_out_of_band_total", "counter",
         "Messages that were out-of-band copies.");
  sample(out, "wallarm_node_out_of_band_total", out_of_band_.load(relaxed));

  header(out, "wallarm_node_head_messages_total", "counter",
         "Request messages that carried the request's head only; the full request follows.");
  sample(out, "wallarm_node_head_messages_total", head_messages_.load(relaxed));

  header(out, "wallarm_node_batches_total", "counter",
         "Batches accepted; their messages are counted one by one as well.");
  sample(out, "wallarm_node_batches_total", batches_.load(relaxed));

  header(out, "wallarm_node_detector_errors_total", "counter",
         "Requests the detector failed to inspect.");
  sample(out, "wallarm_node_detector_errors_total", detector_errors_.load(relaxed));

  header(out, "wallarm_node_overlimit_total", "counter",
         "Requests answered at the processing time limit, as overlimit_res attacks.");
  sample(out, "wallarm_node_overlimit_total", overlimit_.load(relaxed));

  header(out, "wallarm_node_tracked_requests", "gauge",
         "Request ids waiting for their response message.");
  sample(out, "wallarm_node_tracked_requests", tracked_.load(relaxed));

  header(out, "wallarm_node_inspection_seconds", "histogram",
         "Time the detector took per request.");
  {
    // _count is the sum of the buckets read here, so the +Inf bucket and
    // _count always agree even while observations go on.
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      cumulative += inspection_[b].load(relaxed);
      out += "wallarm_node_inspection_seconds_bucket{le=\"";
      out += b < kBoundsNs.size() ? kBoundsText[b] : "+Inf";
      out += "\"} ";
      append_uint(out, cumulative);
      out += '\n';
    }
    out += "wallarm_node_inspection_seconds_sum ";
    append_seconds(out, inspection_sum_ns_.load(relaxed));
    out += '\n';
    sample(out, "wallarm_node_inspection_seconds_count", cumulative);
  }
  return out;
}

}  // namespace node
