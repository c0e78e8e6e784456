#include "slots.h"

namespace wallarm {

namespace {
// Buffers above this are freed when their slot is, so one burst of large
// bodies does not pin memory in every slot.
constexpr size_t kKeepBufferBytes = 64 * 1024;
}  // namespace

SlotTable::SlotTable(uint32_t capacity) : capacity_(capacity) {
  slots_.reserve(capacity);
  free_.reserve(capacity);
}

Slot* SlotTable::acquire() {
  std::lock_guard<std::mutex> lock(mu_);
  Slot* slot;
  if (!free_.empty()) {
    slot = slots_[free_.back()].get();
    free_.pop_back();
  } else if (slots_.size() < capacity_) {
    slots_.push_back(std::make_unique<Slot>());
    slot = slots_.back().get();
    slot->index = static_cast<uint32_t>(slots_.size() - 1);
  } else {
    return nullptr;
  }
  uint32_t gen = slot->generation() + 1;
  if (gen == 0) gen = 1;  // ticket 0 is never valid
  slot->control.store(slot_word(gen, kSlotPending), std::memory_order_release);
  return slot;
}

void SlotTable::release(Slot* slot) noexcept {
  slot->out.reset();
  slot->out.body.shrink_if_over(kKeepBufferBytes);
  slot->answer.clear();
  slot->answer.shrink_if_over(kKeepBufferBytes);
  slot->resent = false;
  slot->conn = nullptr;
  slot->target = nullptr;
  slot->has_ticket = slot->is_probe = false;
  std::lock_guard<std::mutex> lock(mu_);
  slot->set_state(kSlotFree);
  free_.push_back(slot->index);
}

Slot* SlotTable::find(uint64_t ticket) noexcept {
  auto index = static_cast<uint32_t>(ticket & 0xffffffffu);
  std::lock_guard<std::mutex> lock(mu_);
  return index < slots_.size() ? slots_[index].get() : nullptr;
}

}  // namespace wallarm
