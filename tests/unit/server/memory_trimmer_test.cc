// Freed memory in the middle of a heap goes back to the kernel once the trimmer runs.
#include "server/memory_trimmer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <thread>
#include <vector>

namespace edgelite::server {
namespace {

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * size_t(sysconf(_SC_PAGESIZE));
}

TEST(MemoryTrimmerTest, GivesFreedHeapMemoryBack) {
  MemoryTrimmer trimmer(std::chrono::milliseconds(50));
  size_t before = 0, held = 0;
  std::unique_ptr<char[]> last;
  // On a thread of its own, as a worker's results are: its own heap.
  std::thread([&] {
    before = ResidentBytes();
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 64 * 1024; ++i) {
      blocks.emplace_back(new char[1024]);
      std::fill_n(blocks.back().get(), 1024, char(i));
    }
    // A block allocated last keeps the heap's top in use, so free() alone cannot shrink it.
    last.reset(new char[1024]);
    held = ResidentBytes();
  }).join();
  ASSERT_GT(held, before + (48 << 20)) << "the test did not allocate what it meant to";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ResidentBytes() > before + (16 << 20) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LT(ResidentBytes(), before + (16 << 20));
}

}  // namespace
}  // namespace edgelite::server
