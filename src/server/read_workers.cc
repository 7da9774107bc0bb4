// The slow-read threads.
#include "server/read_workers.h"

namespace edgelite::server {

ReadWorkers::ReadWorkers(size_t threads) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ReadWorkers::~ReadWorkers() {
  Stop();
}

void ReadWorkers::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void ReadWorkers::Submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // shutting down: nobody waits for the answer any more
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void ReadWorkers::Loop() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace edgelite::server
