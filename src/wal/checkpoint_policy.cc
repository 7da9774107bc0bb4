// Choosing and running checkpoints.
#include "wal/checkpoint_policy.h"

#include <fmt/format.h>

namespace edgelite::wal {

CheckpointMode CheckpointPolicy::Choose(int wal_frames) const {
  if (wal_frames < 0) return CheckpointMode::kNone;
  if (truncate_after_frames > 0 && uint32_t(wal_frames) >= truncate_after_frames) {
    return CheckpointMode::kTruncate;
  }
  if (passive_after_frames > 0 && uint32_t(wal_frames) >= passive_after_frames) {
    return CheckpointMode::kPassive;
  }
  return CheckpointMode::kNone;
}

Result<CheckpointOutcome> RunCheckpoint(sqlite3* db, CheckpointMode mode) {
  CheckpointOutcome outcome;
  if (mode == CheckpointMode::kNone) return outcome;
  int sqlite_mode =
      mode == CheckpointMode::kTruncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE;
  int rc = sqlite3_wal_checkpoint_v2(db, "main", sqlite_mode, &outcome.wal_frames,
                                     &outcome.checkpointed);
  if (rc == SQLITE_BUSY) return outcome;
  if (rc != SQLITE_OK) {
    return Status::Io(fmt::format("checkpoint failed: {}", sqlite3_errmsg(db)));
  }
  // TRUNCATE reports 0/0 once the WAL is emptied.
  outcome.complete = outcome.checkpointed == outcome.wal_frames;
  return outcome;
}

}  // namespace edgelite::wal
