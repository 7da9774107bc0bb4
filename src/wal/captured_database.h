// CapturedDatabase: the entry point the server uses for one primary database. Opening it prepares
// the SQLite file (created in WAL mode with the configured page size, or converted to WAL), opens
// the frame log, attaches the capture VFS and reconciles the two (docs/wal-replication.md §5.6):
// first it checks that the database still holds what the log's last records wrote
// (log_tail_check.h); then committed transactions that the WAL holds but the log does not are
// rolled forward into the log. A log that cannot continue the database (empty, diverged, a WAL
// deleted or a file replaced, rewritten outside the VFS) is replaced by a new lineage whose first
// record is a full snapshot of the database, so replicas resync.
// Afterwards every connection opened with vfs_name() on database_file() is captured.
//
// Preconditions: no connection in this process has the database open when Open is called (it
// reads the file header directly), and every connection opened through the VFS is closed before
// the CapturedDatabase is destroyed.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "edgelite/status.h"
#include "wal/capture_vfs.h"
#include "wal/frame_log.h"

namespace edgelite::wal {

struct CapturedDatabaseOptions {
  std::filesystem::path database_file;  // e.g. <db dir>/data
  std::filesystem::path log_directory;  // default: <database_file's directory>/wallog
  uint32_t page_size = 4096;
  uint64_t segment_target_bytes = 64ull << 20;
  bool sync_commits = true;  // FrameLogOptions::sync_appends
};

// What Open found and did, for the start-up log line.
struct ReconcileReport {
  bool created_database = false;
  bool converted_to_wal = false;
  uint32_t transactions_rolled_forward = 0;
  bool snapshot_taken = false;  // a base snapshot record was written
  bool new_lineage = false;     // ...under a new log_id (the old log could not continue)
  std::string snapshot_reason;  // why the snapshot was needed
  uint32_t snapshot_pages = 0;
};

class CapturedDatabase {
 public:
  static Result<std::unique_ptr<CapturedDatabase>> Open(CapturedDatabaseOptions options);
  ~CapturedDatabase();
  CapturedDatabase(const CapturedDatabase&) = delete;
  CapturedDatabase& operator=(const CapturedDatabase&) = delete;

  // The VFS name to pass to sqlite3_open_v2 for every connection to database_file().
  static const char* vfs_name() { return kCaptureVfsName; }
  const std::filesystem::path& database_file() const { return options_.database_file; }
  FrameLog& log() { return *log_; }
  CaptureState& capture() { return *capture_; }
  const ReconcileReport& startup_report() const { return report_; }

  // Ok while every commit is in the log (see CaptureState::health).
  Status health() const { return capture_->health(); }
  // The last committed frame_no (sqld's replication index); nullopt while the log is empty.
  std::optional<uint64_t> replication_index() const { return log_->last_frame_no(); }

  // Runs sqlite3_wal_checkpoint_v2(mode) on the internal connection; returns {WAL frames,
  // checkpointed frames}. SQLITE_BUSY is reported as kUnavailable (only part of the work done).
  Result<std::pair<int, int>> Checkpoint(int mode);

 private:
  explicit CapturedDatabase(CapturedDatabaseOptions options) : options_(std::move(options)) {}
  Status PrepareDatabaseFile();
  Status Reconcile();
  // Why the database does not hold the log's tail (log_tail_check.h), or nullopt.
  Result<std::optional<std::string>> FindMismatch();
  Status StartNewLineage(std::string reason);
  Status TakeBaseSnapshot(bool new_lineage);
  Status Exec(const char* sql);

  CapturedDatabaseOptions options_;
  std::shared_ptr<FrameLog> log_;
  std::shared_ptr<CaptureState> capture_;
  std::mutex connection_mutex_;  // the internal connection is used by one thread at a time
  sqlite3* connection_ = nullptr;
  ReconcileReport report_;
};

}  // namespace edgelite::wal
