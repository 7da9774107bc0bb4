// The worker pools: long reads must run side by side (more of them than cores, since they may wait
// on the disk) and at a lower priority than the threads that serve short requests.
#include "server/worker_pool.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "server/database.h"
#include "unit/server/test_database.h"

namespace edgelite::server {
namespace {

// Whether `count` jobs submitted to `pool` all run at the same time: each waits (a while) until
// all have started.
bool RunSideBySide(WorkerPool& pool, size_t count) {
  struct Meeting {
    std::mutex mutex;
    std::condition_variable all_here;
    size_t arrived = 0;
    size_t met = 0;
    size_t left = 0;
  };
  auto meeting = std::make_shared<Meeting>();
  for (size_t i = 0; i < count; ++i) {
    pool.Submit([meeting, count] {
      std::unique_lock lock(meeting->mutex);
      ++meeting->arrived;
      meeting->all_here.notify_all();
      if (meeting->all_here.wait_for(lock, std::chrono::seconds(3),
                                     [&] { return meeting->arrived == count; })) {
        ++meeting->met;
      }
      ++meeting->left;
      meeting->all_here.notify_all();
    });
  }
  std::unique_lock lock(meeting->mutex);
  meeting->all_here.wait_for(lock, std::chrono::seconds(10),
                             [&] { return meeting->left == count; });
  return meeting->met == count;
}

TEST(WorkerPoolTest, GrowsUpToItsLimitWhenJobsWait) {
  WorkerPool pool(1, 6);
  EXPECT_TRUE(RunSideBySide(pool, 6));
}

TEST(WorkerPoolTest, RunsItsThreadsAtTheNicenessAskedFor) {
  WorkerPool pool(1, 1, 7);
  std::promise<int> niceness;
  pool.Submit([&] {
    errno = 0;
    niceness.set_value(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())));
  });
  EXPECT_EQ(niceness.get_future().get(), 7);
}

// Eight long reads on a two-core machine: all of them make progress at once, not two at a time.
TEST(WorkerPoolTest, ADatabaseRunsMoreLongReadsAtOnceThanItHasCores) {
  test::TestDatabase database;
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_TRUE(RunSideBySide(database->read_workers(), std::max<size_t>(8, 4 * cores)));
}

}  // namespace
}  // namespace edgelite::server
