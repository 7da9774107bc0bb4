// When and how a primary checkpoints (docs/wal-replication.md §7). Safety does not depend on this
// policy: the capture VFS keeps checkpoints from copying frames that are not logged yet (and the
// WAL-reset bug that SQLite 3.40 had is fixed in the SQLite edgelite builds). The policy only bounds
// the WAL's size: PASSIVE checkpoints between transactions once the WAL holds
// `passive_after_frames` frames (never blocking anyone), and a TRUNCATE once it holds
// `truncate_after_frames`, which waits for readers and writers up to the connection's busy timeout
// and degrades to PASSIVE when they do not finish. Run it from one connection (the server's writer,
// between transactions) with autocheckpoint off on every connection, so checkpoints never run
// concurrently.
#pragma once

#include <sqlite3.h>

#include <cstdint>

#include "edgelite/status.h"

namespace edgelite::wal {

enum class CheckpointMode { kNone, kPassive, kTruncate };

struct CheckpointPolicy {
  uint32_t passive_after_frames = 1000;    // SQLite's default autocheckpoint
  uint32_t truncate_after_frames = 10000;  // about 40 MiB of WAL with 4 KiB pages

  // The checkpoint to run now that the WAL holds `wal_frames` frames (the count sqlite3_wal_hook
  // reports after a commit).
  CheckpointMode Choose(int wal_frames) const;
};

struct CheckpointOutcome {
  int wal_frames = 0;     // frames in the WAL when the checkpoint ran
  int checkpointed = 0;   // frames copied into the database file
  bool complete = false;  // every frame was copied (for TRUNCATE: the WAL is now empty)
};

// Runs the checkpoint on `db`'s main database. SQLITE_BUSY (a TRUNCATE that had to give up, or a
// checkpoint refused while capture is catching up) is not an error: complete is false.
Result<CheckpointOutcome> RunCheckpoint(sqlite3* db, CheckpointMode mode);

}  // namespace edgelite::wal
