// The trimming thread.
#include "server/memory_trimmer.h"

#include <malloc.h>

namespace edgelite::server {
namespace {

// Free heap bytes worth a trim: below this, the walk over the heaps is not worth its locks.
constexpr size_t kTrimWorthwhileBytes = 16 * 1024 * 1024;

}  // namespace

MemoryTrimmer::MemoryTrimmer(std::chrono::milliseconds interval)
    : interval_(interval), thread_([this] { Loop(); }) {}

MemoryTrimmer::~MemoryTrimmer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void MemoryTrimmer::Loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    if (mallinfo2().fordblks >= kTrimWorthwhileBytes) malloc_trim(0);
  }
}

}  // namespace edgelite::server
