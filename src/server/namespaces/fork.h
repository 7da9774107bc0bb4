// Branching a database (admin API `fork`): a new database file holding the source's content as
// of one of its commits, rebuilt from the source's frame log (its snapshots, then its frames), as
// sqld does, or from a copy of its file and the frames that the copy may lack. The source keeps serving reads and writes meanwhile: the log is only read, and
// committed frames never change. The commit is the newest at the time of the fork, or an earlier
// one still covered by the log (a frame number, or the last commit at or before a time), which
// gives point-in-time branches without a backup store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "edgelite/status.h"
#include "server/replication/frame_source.h"

namespace edgelite::server {

struct ForkPoint {
  std::optional<uint64_t> frame_no;       // the last commit at or before this frame
  std::optional<int64_t> unix_millis;     // the last commit at or before this time
};

struct ForkOutcome {
  uint64_t frame_no = 0;      // the commit the new database is as of
  uint32_t pages = 0;         // its size
};

// Writes the source's database as of `point` (the newest commit when both fields are empty) to
// `file`, and syncs it. With `first_frame` 0, `file` must not exist. Otherwise it is a copy of the
// source's database file that holds every commit before `first_frame` (Database::FrozenFile), and
// only later frames are written over it. InvalidArgument when the point is older than the log
// reaches or names no commit.
Result<ForkOutcome> WriteForkImage(replication::FrameSource& source, const ForkPoint& point,
                                   const std::filesystem::path& file, uint64_t first_frame = 0);

}  // namespace edgelite::server
