// WorkerPool: threads for the database work that must not run on an I/O thread, because it may
// take long or wait.
// - Reads start inline on the I/O thread that received them (no hand-off: most take
//   microseconds); one that runs past its budget is stopped and started again on the read pool, so
//   that it never holds up the other connections that thread serves. The read pool has more
//   threads than cores (long reads may wait on the disk), at a lower scheduling priority, so that
//   however many long reads run, short ones on the I/O threads and writes still get the CPU.
// - Requests on a stream's own connection (transactions, session state) run on the stream pool,
//   since a write there may wait for the writer's grant; the pool grows while its threads wait, so
//   the holder of the grant always finds a thread to finish its transaction on.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgelite::server {

class WorkerPool {
 public:
  // Starts `initial_threads`, and more up to `max_threads` whenever a job finds none idle. With a
  // positive `niceness` the threads run at that lower priority (setpriority, per thread).
  WorkerPool(size_t initial_threads, size_t max_threads, int niceness = 0);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> job);
  // Drops the queued jobs, lets the running ones see stopping() and joins the threads. Idempotent.
  void Stop();
  // Whether Stop() has begun: a long read should give up.
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

 private:
  void Loop();
  size_t max_threads_;
  int niceness_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  size_t idle_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace edgelite::server
