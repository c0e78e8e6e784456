#pragma once
// The table of pending messages. A ticket names a slot and the generation of
// its use, so a stale ticket is refused instead of reading another message's
// verdict. A slot with a ticket moves free -> pending -> done -> claimed ->
// free, or pending -> claimed -> free when its waiter gave up first; every
// move a caller makes is a compare-and-swap, so a ticket is used once.
// Fire-and-forget slots stay in `sending` until the engine frees them.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "buffer.h"
#include "message.h"
#include "wallarm.h"

namespace wallarm {

class Connection;
struct Target;

enum SlotState : uint32_t { kSlotFree, kSlotPending, kSlotDone, kSlotClaimed, kSlotSending };

// Generation and state in one word, so that a compare-and-swap by a stale
// ticket can never move a slot that has been reused.
inline constexpr uint64_t slot_word(uint32_t generation, uint32_t state) {
  return (uint64_t{generation} << 32) | state;
}
inline constexpr uint32_t slot_state(uint64_t word) { return static_cast<uint32_t>(word); }
inline constexpr uint32_t slot_generation(uint64_t word) {
  return static_cast<uint32_t>(word >> 32);
}

struct Slot {
  std::atomic<uint64_t> control{0};  // slot_word(generation, state)
  uint32_t index = 0;

  // Set at submit, read by the engine.
  Target* target = nullptr;
  int32_t type = WALLARM_MSG_REQUEST;
  bool has_ticket = false;  // false: fire-and-forget
  bool is_probe = false;    // a breaker health probe
  bool is_batch = false;    // a target's batch carrier: sends `parts` in one transfer
  std::vector<Slot*> parts;
  uint64_t submitted_us = 0;
  uint64_t deadline_us = 0;
  Outgoing out;

  // Engine thread while in flight.
  Connection* conn = nullptr;  // the connection it is on
  size_t flying_index = 0;
  bool resent = false;         // sent again after a kept-alive connection died
  Buffer answer;

  // Written by the engine before the slot becomes done.
  wallarm_verdict_t verdict{};

  uint32_t generation() const noexcept {
    return slot_generation(control.load(std::memory_order_relaxed));
  }
  uint32_t state() const noexcept { return slot_state(control.load(std::memory_order_acquire)); }
  void set_state(uint32_t state) noexcept {
    control.store(slot_word(generation(), state), std::memory_order_release);
  }
  // Moves the slot of generation gen from one state to another, atomically;
  // false (and *seen set) when it is not in that generation and state.
  bool move(uint32_t gen, uint32_t from, uint32_t to, uint64_t* seen = nullptr) noexcept {
    uint64_t expected = slot_word(gen, from);
    bool moved = control.compare_exchange_strong(expected, slot_word(gen, to),
                                                 std::memory_order_acq_rel);
    if (seen != nullptr) *seen = expected;
    return moved;
  }
  uint64_t ticket() const noexcept { return (uint64_t{generation()} << 32) | index; }
  // Nobody waits for its outcome (a batch carrier included): what a new
  // message without a waiter waits behind, to share a batch.
  bool fire_and_forget() const noexcept { return !has_ticket && !is_probe; }
};

class SlotTable {
 public:
  explicit SlotTable(uint32_t capacity);
  // A slot in state pending with a new generation, or nullptr when full.
  Slot* acquire();
  // Back to the free list (any state).
  void release(Slot* slot) noexcept;
  // The slot a ticket names (its generation is checked by Slot::move), or
  // nullptr for an index out of range.
  Slot* find(uint64_t ticket) noexcept;
  uint32_t capacity() const noexcept { return capacity_; }

 private:
  const uint32_t capacity_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Slot>> slots_;  // created on first use
  std::vector<uint32_t> free_;
};

}  // namespace wallarm
