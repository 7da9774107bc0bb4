// The worker threads.
#include "server/worker_pool.h"

#include <sys/resource.h>
#include <unistd.h>

namespace edgelite::server {

WorkerPool::WorkerPool(size_t initial_threads, size_t max_threads, int niceness)
    : max_threads_(max_threads), niceness_(niceness) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < initial_threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& thread : threads) {
    if (thread.joinable()) thread.join();
  }
}

void WorkerPool::Submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // shutting down: nobody waits for the answer any more
    jobs_.push_back(std::move(job));
    if (idle_ < jobs_.size() && threads_.size() < max_threads_) {
      threads_.emplace_back([this] { Loop(); });
    }
  }
  wake_.notify_one();
}

void WorkerPool::Loop() {
  // Linux keeps a nice value per thread; failing to lower it only costs fairness.
  if (niceness_ > 0) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), niceness_);
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace edgelite::server
