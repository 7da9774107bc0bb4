// ExecutionTrace: a debugging aid that makes the server's serial order visible (`serve
// --execution-trace FILE`). While it is on, requests run one at a time — group commit still
// groups, streams still move between pooled connections, the writer and their own — and each
// request that ran on a connection is written as one JSON line {"position": N, "label": "..."},
// lowest position first in the serial order, with the first bytes of its first SQL statement as
// the label. The randomized differential test replays requests in this order on plain SQLite and
// compares every result. It costs all concurrency: never for production.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::server {

class ExecutionTrace {
 public:
  static Result<std::unique_ptr<ExecutionTrace>> Open(const std::filesystem::path& path);
  ~ExecutionTrace();

  // Held while a request (or a whole group commit) runs, from before it takes a read snapshot.
  // Recursive: a read takes it before its pooled connection, and again to run.
  std::unique_lock<std::recursive_mutex> Serialize() { return std::unique_lock(order_); }
  // Writes the next position; the caller holds Serialize().
  void Record(std::string_view label);

 private:
  explicit ExecutionTrace(std::FILE* file) : file_(file) {}
  std::recursive_mutex order_;
  std::FILE* file_;
  uint64_t next_position_ = 0;
};

}  // namespace edgelite::server
