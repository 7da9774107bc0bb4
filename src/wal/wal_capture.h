// Turning committed WAL frames into frame log records (docs/wal-replication.md §5.3): given the
// live wal-index header and the last captured WAL position, read the frames committed since then,
// verify them (salts and the checksum chain from the known position), split them into transactions
// at commit frames and append one record per transaction. This is the part of capture that knows
// nothing about VFS plumbing, so tests can drive it with hand-built WAL files.
//
// Preconditions the caller guarantees (the capture VFS does, by capturing while it holds
// WAL_WRITE_LOCK or before any WRITE holder can act):
// - nobody can restart or rewrite the WAL frames being read: only a WRITE holder can restart the
//   WAL, and every WRITE acquisition first catches up through this function;
// - `live` was read and validated after the frames up to live.max_frame were committed.
#pragma once

#include <cstdint>
#include <vector>

#include "edgelite/status.h"
#include "wal/frame_log.h"
#include "wal/log_format.h"
#include "wal/wal_index.h"

namespace edgelite::wal {

// Reads the WAL or the database file (through the connection's own sqlite3_file, never a second
// descriptor).
class WalReader {
 public:
  virtual ~WalReader() = default;
  // Reads exactly `size` bytes at `offset`; a short read is an error.
  virtual Status Read(void* out, size_t size, uint64_t offset) = 0;
  virtual Result<uint64_t> Size() = 0;
  virtual Status Sync() = 0;
};

struct CaptureOutcome {
  Status status;  // ok, or why capture stopped
  // The WAL does not continue the log (it is behind it, its frames fail validation, the page size
  // changed): retrying cannot help, only a new lineage from a snapshot.
  bool diverged = false;
  WalPosition position;       // after the last transaction appended (the input when none was)
  uint32_t transactions = 0;  // records appended
};

// Appends every transaction committed between `from` and `live` to `log`. When `sync_wal`, the WAL
// is synced before the first record is appended, so that a durable record always has a durable WAL
// behind it (SQLite with synchronous=NORMAL does not sync the WAL at commit).
//
// `from.frame == 0` or salts that differ from live.salt mean "a new WAL generation": capture then
// starts at frame 1 with the checksum chain seeded by the WAL file header.
// The newest committed frame of every page in the current WAL generation (frames 1..max_frame,
// validated from the WAL header on as recovery does): index = page number, 0 = not in the WAL.
// With the database file, this is the database as of `live` (how base snapshots are read without
// holding the whole image in memory).
Result<std::vector<uint32_t>> MapWalPages(const WalIndexHeader& live, WalReader& wal);

CaptureOutcome CaptureCommitted(const WalIndexHeader& live, const WalPosition& from, WalReader& wal,
                                bool sync_wal, FrameLog& log);

}  // namespace edgelite::wal
