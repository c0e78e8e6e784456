// Fuzzes wallarm::decode_verdict(): whatever a node answers, the verdict is
// well formed (known code and mode, attack_count and the attacks array in
// agreement, every string NUL-terminated and valid UTF-8), the bytes past
// the body in the parser's padding change nothing, and an answer that
// simdjson's DOM parser reads completely is decoded as docs/protocol.md 8
// says.
//
// Input: the HTTP status as a decimal number on the first line, then the
// answer body (everything after the first LF).
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "verdict.h"
#include "wallarm.h"

namespace {

using std::string;
using std::string_view;

constexpr uint64_t kLatency = 0x5eed5eed5eedull;  // decode_verdict leaves it alone

// The body in a buffer of exactly len + kJsonPadding bytes, as the engine
// hands it over, with the padding filled by fill().
struct Padded {
  char* p = nullptr;
  size_t len = 0;
  template <class Fill>
  Padded(string_view body, Fill fill) : len(body.size()) {
    p = static_cast<char*>(std::malloc(len + wallarm::kJsonPadding));
    if (len != 0) std::memcpy(p, body.data(), len);
    for (size_t i = 0; i < wallarm::kJsonPadding; ++i) p[len + i] = fill(i);
  }
  ~Padded() { std::free(p); }
  Padded(const Padded&) = delete;
  Padded& operator=(const Padded&) = delete;
};

wallarm_verdict_t decode(int status, const char* body, size_t len, size_t capacity) {
  static simdjson::ondemand::parser parser;  // reused, as the engine does
  wallarm_verdict_t v;
  std::memset(&v, 0xa5, sizeof v);  // the engine's slot holds an old verdict
  v.latency_us = kLatency;
  wallarm::decode_verdict(status, body, len, capacity, parser, v);
  return v;
}

// A NUL within the array, and valid UTF-8 before it.
template <size_t N>
void check_string(const char (&s)[N]) {
  const void* nul = std::memchr(s, '\0', N);
  FUZZ_CHECK(nul != nullptr);
  size_t n = static_cast<size_t>(static_cast<const char*>(nul) - s);
  FUZZ_CHECK(simdjson::validate_utf8(s, n));
}

// The longest prefix of at most N - 1 bytes that ends on a character
// boundary: the decoder never cuts inside a UTF-8 sequence.
template <size_t N>
string cut(string_view s) {
  size_t n = std::min(s.size(), N - 1);
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return string(s.substr(0, n));
}

// dst holds want, NUL-terminated (bytes after the NUL may be left over from
// an earlier value of the same field).
template <size_t N>
bool holds(const char (&dst)[N], const string& want) {
  return want.size() < N && std::memcmp(dst, want.data(), want.size()) == 0 &&
         dst[want.size()] == '\0';
}

struct Expected {
  bool valid = true;
  int32_t mode = WALLARM_MODE_UNKNOWN;
  string request_id;
  uint32_t count = 0;
  struct Attack {
    string type, location;
  };
  std::vector<Attack> attacks;  // the first WALLARM_MAX_ATTACKS
};

Expected invalid() {
  Expected e;
  e.valid = false;
  return e;
}

int32_t mode_of(string_view s) {
  if (s == "off") return WALLARM_MODE_OFF;
  if (s == "monitoring") return WALLARM_MODE_MONITORING;
  if (s == "safe_blocking") return WALLARM_MODE_SAFE_BLOCKING;
  if (s == "block") return WALLARM_MODE_BLOCK;
  return WALLARM_MODE_UNKNOWN;
}

// The verdict body read with the DOM parser, field by field in order, as
// docs/protocol.md 8 describes it: "mode" and "request_id" must be strings,
// "attacks" an array of objects whose "type" and "location" are strings;
// other fields are ignored, and a field seen twice counts twice.
Expected expect(simdjson::dom::element root) {
  Expected e;
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return invalid();
  for (auto [key, value] : object) {
    string_view text;
    if (key == "mode") {
      if (value.get_string().get(text) != simdjson::SUCCESS) return invalid();
      e.mode = mode_of(text);
    } else if (key == "request_id") {
      if (value.get_string().get(text) != simdjson::SUCCESS) return invalid();
      e.request_id = cut<sizeof(wallarm_verdict_t::node_request_id)>(text);
    } else if (key == "attacks") {
      simdjson::dom::array attacks;
      if (value.get_array().get(attacks) != simdjson::SUCCESS) return invalid();
      for (auto element : attacks) {
        simdjson::dom::object attack;
        if (element.get_object().get(attack) != simdjson::SUCCESS) return invalid();
        Expected::Attack a;
        for (auto [k, v] : attack) {
          if (k != "type" && k != "location") continue;
          if (v.get_string().get(text) != simdjson::SUCCESS) return invalid();
          if (k == "type")
            a.type = cut<sizeof(wallarm_attack_t::type)>(text);
          else
            a.location = cut<sizeof(wallarm_attack_t::location)>(text);
        }
        if (e.attacks.size() < WALLARM_MAX_ATTACKS) e.attacks.push_back(a);
        ++e.count;
      }
    }
  }
  return e;
}

bool only_whitespace(string_view s) {
  return s.find_first_not_of(" \t\r\n") == string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  string_view in(reinterpret_cast<const char*>(data), size);
  size_t lf = in.find('\n');
  string_view status_line = in.substr(0, lf);
  string_view body = lf == string_view::npos ? string_view() : in.substr(lf + 1);
  int64_t status_number = fuzz::next_number(status_line, 200);
  int status = static_cast<int>(fuzz::clamp(status_number, INT32_MIN, INT32_MAX));

  wallarm_verdict_t v;
  if (body.empty()) {
    v = decode(status, nullptr, 0, 0);  // an empty answer buffer has no memory
  } else {
    // Zeros in the padding, then copies of the body: must decode the same.
    Padded zeros(body, [](size_t) { return '\0'; });
    Padded echo(body, [&](size_t i) { return body[i % body.size()]; });
    v = decode(status, zeros.p, zeros.len, zeros.len + wallarm::kJsonPadding);
    wallarm_verdict_t again = decode(status, echo.p, echo.len, echo.len + wallarm::kJsonPadding);
    FUZZ_CHECK(std::memcmp(&v, &again, sizeof v) == 0);
  }

  FUZZ_CHECK(v.latency_us == kLatency);
  FUZZ_CHECK(v.http_status == status);
  check_string(v.detail);
  check_string(v.node_request_id);
  bool answered = status == 403 || (status >= 200 && status <= 299);
  if (!answered) {
    FUZZ_CHECK(v.code == WALLARM_ESTATUS);
    FUZZ_CHECK(string_view(v.detail) == "node answered HTTP " + std::to_string(status));
    FUZZ_CHECK(v.flags == 0 && v.attack_count == 0 && v.node_mode == WALLARM_MODE_UNKNOWN);
    return 0;
  }
  FUZZ_CHECK(v.code == WALLARM_OK);
  FUZZ_CHECK(v.action == (status == 403 ? WALLARM_BLOCK : WALLARM_PASS));
  FUZZ_CHECK(v.detail[0] == '\0');
  FUZZ_CHECK(v.node_mode >= WALLARM_MODE_UNKNOWN && v.node_mode <= WALLARM_MODE_BLOCK);
  constexpr uint32_t kKnownFlags = WALLARM_VERDICT_BODY_INVALID | WALLARM_VERDICT_ATTACKS_CUT;
  FUZZ_CHECK((v.flags & ~kKnownFlags) == 0);
  bool cut_flag = (v.flags & WALLARM_VERDICT_ATTACKS_CUT) != 0;
  FUZZ_CHECK(cut_flag == (v.attack_count > WALLARM_MAX_ATTACKS));
  if (v.flags & WALLARM_VERDICT_BODY_INVALID)
    FUZZ_CHECK(v.attack_count == 0 && v.node_mode == WALLARM_MODE_UNKNOWN &&
               v.node_request_id[0] == '\0');
  uint32_t filled = std::min<uint32_t>(v.attack_count, WALLARM_MAX_ATTACKS);
  for (uint32_t i = 0; i < WALLARM_MAX_ATTACKS; ++i) {
    const wallarm_attack_t& a = v.attacks[i];
    if (i < filled) {
      check_string(a.type);
      check_string(a.location);
    } else {
      static const wallarm_attack_t kZero{};
      FUZZ_CHECK(std::memcmp(&a, &kZero, sizeof a) == 0);
    }
  }
  if (only_whitespace(body)) {
    FUZZ_CHECK(v.flags == 0 && v.attack_count == 0 && v.node_mode == WALLARM_MODE_UNKNOWN &&
               v.node_request_id[0] == '\0');
    return 0;
  }

  // Where the DOM parser reads the whole body, the verdict is what it says.
  static simdjson::dom::parser dom;
  Padded zeros(body, [](size_t) { return '\0'; });
  simdjson::dom::element root;
  if (dom.parse(zeros.p, zeros.len, false).get(root) != simdjson::SUCCESS) return 0;
  Expected e = expect(root);
  if (!e.valid) {
    FUZZ_CHECK(v.flags == WALLARM_VERDICT_BODY_INVALID);
    return 0;
  }
  FUZZ_CHECK((v.flags & WALLARM_VERDICT_BODY_INVALID) == 0);
  FUZZ_CHECK(v.node_mode == e.mode);
  FUZZ_CHECK(holds(v.node_request_id, e.request_id));
  FUZZ_CHECK(v.attack_count == e.count);
  for (uint32_t i = 0; i < filled; ++i) {
    FUZZ_CHECK(holds(v.attacks[i].type, e.attacks[i].type));
    FUZZ_CHECK(holds(v.attacks[i].location, e.attacks[i].location));
  }
  return 0;
}
