// The frame log's compaction thread.
#include "server/log_compactor.h"

#include <spdlog/spdlog.h>

namespace edgelite::server {

LogCompactor::LogCompactor(std::string database_name, wal::FrameLog* log,
                           std::chrono::milliseconds interval)
    : database_name_(std::move(database_name)), log_(log), task_(interval, [this] { Compact(); }) {}

void LogCompactor::Compact() {
  auto compacted = log_->Compact();
  if (!compacted.ok()) {
    spdlog::warn("{}: compacting the frame log failed (retried later): {}", database_name_,
                 compacted.status().message());
  } else if (*compacted) {
    auto snapshot = log_->snapshot();
    spdlog::info("{}: frame log compacted into a snapshot up to frame {}", database_name_,
                 snapshot ? snapshot->end_frame_no : 0);
  }
}

}  // namespace edgelite::server
