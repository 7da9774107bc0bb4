// The capture VFS ("edgelite-capture"): a shim over SQLite's "unix" VFS that records every
// committed transaction of an attached database in its FrameLog (docs/wal-replication.md §5).
// Connections opt in by opening with this VFS name; it is never the process default, so other code
// keeps opening plain connections.
//
// How it works, per attached database file:
// - Capture at WAL_WRITE_LOCK release: when a connection that holds the WRITE lock releases it, the
//   shim (before forwarding the unlock) re-reads the wal-index header and appends the newly
//   committed frames to the log, fsynced. No other writer, FULL+ checkpoint or WAL restart can run
//   in between, because they all need that lock.
// - Catch-up at WRITE acquisition, at checkpoint start and before the WAL is deleted: anything
//   committed but not yet logged (an append that failed, a crash of the previous process) is
//   captured first. Only a WRITE holder can restart the WAL, so those frames are still there.
// - Refused, with an error that says why: journal modes other than WAL, locking_mode=EXCLUSIVE and
//   page size changes (SQLITE_FCNTL_PRAGMA), and database-file writes outside checkpoints (a
//   rollback-mode write would bypass the WAL and never reach the log).
// - When capture fails, the state keeps the error (health()); until a catch-up succeeds, new write
//   transactions fail with SQLITE_IOERR and checkpoints with SQLITE_BUSY, so the database file
//   never gets ahead of the log.
//
// Frames are only captured for files attached with AttachCapture; other files opened through this
// VFS (temp files, VACUUM INTO targets, unattached databases) pass straight through.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "edgelite/status.h"
#include "wal/frame_log.h"
#include "wal/log_format.h"
#include "wal/wal_capture.h"
#include "wal/wal_index.h"

namespace edgelite::wal {

inline constexpr const char* kCaptureVfsName = "edgelite-capture";

struct CaptureFile;

// What every connection to one attached database shares: the log, the WAL position captured so
// far, and why capture stopped if it did.
class CaptureState {
 public:
  CaptureState(std::string database_path, std::shared_ptr<FrameLog> log,
               std::optional<WalPosition> position);

  const std::string& database_path() const { return database_path_; }
  FrameLog& log() { return *log_; }

  // Ok while every committed transaction is in the log; otherwise the error that stopped capture.
  Status health() const;
  // Capture stopped because the WAL does not continue the log; only a new lineage fixes it.
  bool diverged() const;
  std::optional<WalPosition> position() const;
  uint64_t transactions_captured() const;

  // Startup reconciliation takes its base snapshot with capture suspended (lock releases and
  // acquisitions capture nothing), then resumes from the snapshot's WAL position.
  void Suspend();
  void Resume(const WalPosition& position);

  // --- used by the VFS shim ---
  // Appends whatever was committed after the captured position. `file` is the connection's main
  // database file; its WAL handle is used to read frames.
  Status CatchUp(CaptureFile* file);
  void NoteWriteLock(CaptureFile* file, bool held);
  bool ShouldRefuseCheckpoint(CaptureFile* file) const;
  void NoteWalWrite() { wal_write_sequence_.fetch_add(1, std::memory_order_acq_rel); }
  uint64_t wal_write_sequence() const {
    return wal_write_sequence_.load(std::memory_order_acquire);
  }
  void NoteWalSynced(uint64_t sequence_before_sync);

 private:
  const std::string database_path_;
  const std::shared_ptr<FrameLog> log_;  // kept alive by every connection still capturing
  std::mutex capture_mutex_;  // serializes captures; held across WAL reads and log fsyncs

  mutable std::mutex mutex_;  // guards the fields below; never held across I/O
  std::optional<WalPosition> position_;
  bool suspended_ = false;
  Status failure_;
  bool diverged_ = false;
  uint64_t transactions_ = 0;
  CaptureFile* write_holder_ = nullptr;

  // WAL writes since the last WAL sync: when none, SQLite (synchronous=FULL) already synced the
  // WAL at commit and capture need not sync it again. fsync covers the file, not one descriptor.
  std::atomic<uint64_t> wal_write_sequence_{0};
  std::atomic<uint64_t> wal_synced_sequence_{0};
};

// Registers the VFS (idempotent, thread-safe). It wraps "unix" and is not the default VFS.
Status RegisterCaptureVfs();

// From now on, connections opened with kCaptureVfsName on `database_file` (which must exist)
// capture into `log`, starting after `position` (nullopt: suspended until Resume). Fails if the
// file is already attached.
Result<std::shared_ptr<CaptureState>> AttachCapture(const std::filesystem::path& database_file,
                                                    std::shared_ptr<FrameLog> log,
                                                    std::optional<WalPosition> position);
// Stops attaching new connections to `state` (what AttachCapture returned); open ones keep it
// until they close. By the state, not the path: the file may have been moved away since, and
// another database may have been attached at its old path.
void DetachCapture(const CaptureState& state);

// Whether `db`'s main database is captured (opened through the VFS on an attached file). A
// connection opened with the VFS name on another spelling of the path that does not resolve to
// the attached file would silently not be: check it after opening.
bool IsCapturedConnection(sqlite3* db);

// The live wal-index header of a connection opened through the capture VFS (nullopt when it has
// no valid header mapped, or was not opened through this VFS).
std::optional<WalIndexHeader> ReadLiveWalIndexHeader(sqlite3* db);

// Readers over a captured connection's own WAL and database files (through SQLite's file objects,
// never a second descriptor); null when `db` is not captured or its WAL is not open. For base
// snapshots, taken while `db` holds the write lock.
std::unique_ptr<WalReader> OpenConnectionWalReader(sqlite3* db);
std::unique_ptr<WalReader> OpenConnectionDatabaseReader(sqlite3* db);

// The WAL position a valid wal-index header describes.
WalPosition PositionOf(const WalIndexHeader& header);

}  // namespace edgelite::wal
