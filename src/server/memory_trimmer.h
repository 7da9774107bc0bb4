// MemoryTrimmer: gives memory the server has freed back to the kernel. glibc keeps freed memory in
// its heaps (one per thread that allocated it) and returns it only from the top of each; after a
// burst of large results or cursors (many small blocks) a server would otherwise stay hundreds of
// megabytes bigger than it needs, for good. Every few seconds, when enough of its heaps is free,
// this calls malloc_trim, which releases the free pages wherever they are.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace edgelite::server {

class MemoryTrimmer {
 public:
  explicit MemoryTrimmer(std::chrono::milliseconds interval = std::chrono::seconds(2));
  ~MemoryTrimmer();
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

 private:
  void Loop();

  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace edgelite::server
