// Replaying a frame log into a plain database file, offline: every record's pages are written at
// (page_no - 1) * page_size and the file is truncated to the record's commit size, in log order.
// The result is the primary's database as of that frame, byte for byte (what a checkpointed
// primary holds), which is how tests verify capture and how restores and snapshots are built
// (docs/wal-replication.md §9.2). The target must not be open in any SQLite connection; stale
// `-wal`/`-shm` files next to it are removed, since SQLite would replay them onto the new image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "edgelite/status.h"
#include "wal/frame_log.h"

namespace edgelite::wal {

struct ReplayResult {
  std::optional<uint64_t> last_frame_no;  // of the last record applied; nullopt when none
  uint32_t database_pages = 0;
  uint64_t records = 0;
};

// Rebuilds `target` from frame 0 (from the compaction snapshot, if any) up to and including the
// last record that ends at or before `up_to_frame` (all records when nullopt), then fsyncs it.
Result<ReplayResult> ReplayLog(const FrameLog& log, const std::filesystem::path& target,
                               std::optional<uint64_t> up_to_frame = std::nullopt);

}  // namespace edgelite::wal
