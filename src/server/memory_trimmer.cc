// The trimming thread.
#include "server/memory_trimmer.h"

#include <malloc.h>

namespace edgelite::server {
namespace {

// Free heap bytes worth a trim: below this, the walk over the heaps is not worth its locks.
constexpr size_t kTrimWorthwhileBytes = 16 * 1024 * 1024;

}  // namespace

MemoryTrimmer::MemoryTrimmer(std::chrono::milliseconds interval)
    : task_(interval, &MemoryTrimmer::TrimIfWorthwhile) {}

void MemoryTrimmer::TrimIfWorthwhile() {
  if (mallinfo2().fordblks >= kTrimWorthwhileBytes) malloc_trim(0);
}

}  // namespace edgelite::server
