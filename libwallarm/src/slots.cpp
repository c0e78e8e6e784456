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
  uint32_t gen = slot->generation.load(std::memory_order_relaxed) + 1;
  slot->generation.store(gen == 0 ? 1 : gen, std::memory_order_relaxed);  // ticket 0 never valid
  slot->state.store(kSlotPending, std::memory_order_release);
  return slot;
}

void SlotTable::release(Slot* slot) noexcept {
  slot->out.reset();
  slot->out.body.shrink_if_over(kKeepBufferBytes);
  slot->answer.clear();
  slot->answer.shrink_if_over(kKeepBufferBytes);
  slot->answer_too_big = false;
  slot->target = nullptr;
  slot->has_ticket = slot->is_probe = false;
  std::lock_guard<std::mutex> lock(mu_);
  slot->state.store(kSlotFree, std::memory_order_release);
  free_.push_back(slot->index);
}

Slot* SlotTable::find(uint64_t ticket) noexcept {
  auto index = static_cast<uint32_t>(ticket & 0xffffffffu);
  auto gen = static_cast<uint32_t>(ticket >> 32);
  std::lock_guard<std::mutex> lock(mu_);
  if (gen == 0 || index >= slots_.size()) return nullptr;
  Slot* slot = slots_[index].get();
  if (slot->generation.load(std::memory_order_relaxed) != gen ||
      slot->state.load(std::memory_order_acquire) == kSlotFree)
    return nullptr;
  return slot;
}

}  // namespace wallarm
