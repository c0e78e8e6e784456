#pragma once
// The table of pending messages. A ticket names a slot and the generation of
// its use, so a stale ticket is refused instead of reading another message's
// verdict. States move free -> pending -> done -> free, or pending ->
// abandoned -> free when the waiter gave up first.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "buffer.h"
#include "message.h"
#include "wallarm.h"

namespace wallarm {

struct Target;

enum SlotState : uint32_t { kSlotFree, kSlotPending, kSlotDone, kSlotAbandoned };

struct Slot {
  std::atomic<uint32_t> state{kSlotFree};
  std::atomic<uint32_t> generation{0};
  uint32_t index = 0;

  // Set at submit, read by the engine.
  Target* target = nullptr;
  int32_t type = WALLARM_MSG_REQUEST;
  bool has_ticket = false;  // false: fire-and-forget
  bool is_probe = false;    // a breaker health probe
  uint64_t submitted_us = 0;
  uint64_t deadline_us = 0;
  Outgoing out;

  // Engine thread while in flight.
  CURL* easy = nullptr;
  size_t flying_index = 0;
  Buffer answer;
  bool answer_too_big = false;

  // Written by the engine before the slot becomes done.
  wallarm_verdict_t verdict{};

  uint64_t ticket() const noexcept {
    return (uint64_t{generation.load(std::memory_order_relaxed)} << 32) | index;
  }
};

class SlotTable {
 public:
  explicit SlotTable(uint32_t capacity);
  // A slot in state pending with a new generation, or nullptr when full.
  Slot* acquire();
  // Back to the free list (any state).
  void release(Slot* slot) noexcept;
  // The slot of a live ticket, or nullptr.
  Slot* find(uint64_t ticket) noexcept;
  uint32_t capacity() const noexcept { return capacity_; }

 private:
  const uint32_t capacity_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Slot>> slots_;  // created on first use
  std::vector<uint32_t> free_;
};

}  // namespace wallarm
