// ReadWorkers: the threads that run reads too slow for an I/O thread. Reads start inline on the
// I/O thread that received them (no hand-off: most take microseconds); one that runs past its
// budget is stopped and started again here, so that it never holds up the other connections that
// thread serves.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgelite::server {

class ReadWorkers {
 public:
  explicit ReadWorkers(size_t threads);
  ~ReadWorkers();
  ReadWorkers(const ReadWorkers&) = delete;
  ReadWorkers& operator=(const ReadWorkers&) = delete;

  void Submit(std::function<void()> job);
  // Drops the queued jobs, lets the running ones see stopping() and joins the threads. Idempotent.
  void Stop();
  // Whether Stop() has begun: a long read should give up.
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace edgelite::server
