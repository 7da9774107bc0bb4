// Merging is plain addition: every counter is a count over disjoint connections.
#include "load_result.h"

namespace edgelite::bench {

uint64_t LoadResult::errors() const {
  uint64_t total = 0;
  for (const uint64_t count : failures) total += count;
  return total;
}

void LoadResult::Merge(const LoadResult& other) {
  latency.Merge(other.latency);
  ok += other.ok;
  for (int i = 0; i < kFailureKinds; ++i) failures[i] += other.failures[i];
  unfinished += other.unfinished;
  reconnects += other.reconnects;
  if (first_error.empty()) first_error = other.first_error;
}

}  // namespace edgelite::bench
