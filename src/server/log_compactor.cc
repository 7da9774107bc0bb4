// The frame log's compaction thread.
#include "server/log_compactor.h"

#include <spdlog/spdlog.h>

namespace edgelite::server {

LogCompactor::LogCompactor(std::string database_name, wal::FrameLog* log,
                           std::chrono::milliseconds interval)
    : database_name_(std::move(database_name)), log_(log), interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

LogCompactor::~LogCompactor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LogCompactor::Loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    auto compacted = log_->Compact();
    if (!compacted.ok()) {
      spdlog::warn("{}: compacting the frame log failed (retried later): {}", database_name_,
                   compacted.status().message());
    } else if (*compacted) {
      auto snapshot = log_->snapshot();
      spdlog::info("{}: frame log compacted into a snapshot up to frame {}", database_name_,
                   snapshot ? snapshot->end_frame_no : 0);
    }
    lock.lock();
  }
}

}  // namespace edgelite::server
