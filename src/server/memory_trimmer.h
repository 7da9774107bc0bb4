// MemoryTrimmer: gives memory the server has freed back to the kernel. glibc keeps freed memory in
// its heaps (one per thread that allocated it) and returns it only from the top of each; after a
// burst of large results or cursors (many small blocks) a server would otherwise stay hundreds of
// megabytes bigger than it needs, for good. Every few seconds, when enough of its heaps is free,
// this calls malloc_trim, which releases the free pages wherever they are.
#pragma once

#include <chrono>

#include "server/periodic_task.h"

namespace edgelite::server {

class MemoryTrimmer {
 public:
  explicit MemoryTrimmer(std::chrono::milliseconds interval = std::chrono::seconds(2));

 private:
  static void TrimIfWorthwhile();

  PeriodicTask task_;
};

}  // namespace edgelite::server
