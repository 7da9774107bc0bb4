// LogCompactor: the background thread that keeps a primary's frame log bounded. Once the log has
// rolled over into a new segment (it does so at --max-log-size), the older segments are folded into
// a snapshot (wal::FrameLog::Compact); a replica that asks for frames older than that gets
// NEED_SNAPSHOT and then the snapshot, as with sqld. Compaction writes a database-sized file, so it
// never runs on an I/O thread or the writer.
#pragma once

#include <chrono>
#include <string>

#include "server/periodic_task.h"
#include "wal/frame_log.h"

namespace edgelite::server {

class LogCompactor {
 public:
  LogCompactor(std::string database_name, wal::FrameLog* log, std::chrono::milliseconds interval);
  LogCompactor(const LogCompactor&) = delete;
  LogCompactor& operator=(const LogCompactor&) = delete;

 private:
  void Compact();

  std::string database_name_;
  wal::FrameLog* log_;
  PeriodicTask task_;  // last: stopped first
};

}  // namespace edgelite::server
