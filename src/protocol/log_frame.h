// LogFrame: one frame of a replication log as the primary serves it and a replica applies it, the
// unit that wal_log.ReplicationLog carries (docs/protocol.md §9.3). Shared by the server's frame
// sources and the SDK's replica.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace edgelite::replication {

inline constexpr size_t kPageSize = 4096;

// One frame of the log: the image of one page as a committed transaction left it.
struct LogFrame {
  uint64_t frame_no = 0;
  uint64_t checksum = 0;    // rolling CRC-64/GO-ISO over the page data (replicas do not check it)
  uint32_t page_no = 0;     // 1-based SQLite page number
  uint32_t size_after = 0;  // database size in pages after the commit; set only on the last
                            // frame of a transaction (the commit frame), 0 on the others
  std::string page;         // kPageSize bytes
  std::optional<int64_t> commit_time_ms;  // Unix milliseconds; commit frames only, when known

  bool is_commit() const { return size_after != 0; }
};

}  // namespace edgelite::replication
