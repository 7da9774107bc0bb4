// FrameInjector: makes the primary's committed page images visible in an embedded replica's
// database file, a stock SQLite WAL-mode file that application threads and other processes (a
// plain `sqlite3`) read at the same time (docs/wal-replication.md §6.2, approach A). Each replica
// transaction is appended to the WAL as frames, made durable, indexed in the wal-index and
// published by rewriting the wal-index header, under the WAL write and checkpoint locks, exactly as
// a SQLite writer would: readers keep their snapshots, never wait, never see part of a
// transaction. A crash at any point leaves a consistent file; re-applying from the last recorded
// position is idempotent because page images are absolute.
//
// Rules for the caller (the replica's sync loop):
// - One injector per replica file, used by one thread, for as long as the replica is served. It
//   keeps a connection R open: R's permanent SHARED lock stops a reader's close from checkpointing
//   the WAL away, and the shared-memory mappings the injector writes through live as long as R.
// - Nothing else may write to or checkpoint the replica. A commit by another connection is
//   detected while it is still in the WAL: Begin then fails, and the replica must be rebuilt from a
//   snapshot.
// - Persist the applied position (e.g. `<db>-replpos`) only after Commit returns, and after a
//   restart re-apply from the transaction after it: a transaction whose commit was synced may or
//   may not be visible after a crash (§6.3), so the recorded position may trail the file by one
//   transaction but must never lead it.
// - The first transaction applied to a new replica must contain page 1 (the primary's from frame 0,
//   or a snapshot): Open turns an empty file into an empty one-page WAL-mode database, which that
//   transaction overwrites. The file is never left at 0 bytes, since SQLite deletes the WAL of a
//   zero-page database when it opens it.
// - Install a snapshot file (rename) only while no connection has the replica open, and delete any
//   `-wal` and `-shm` beside it first (§6.5).
// - After any error from AppendPage or Commit the transaction is aborted (locks released, nothing
//   visible) and must be applied again, the same transaction: a Commit that failed after its
//   commit frame reached the WAL may still surface if SQLite later rebuilds the wal-index from the
//   WAL (recovery), which re-applying it makes harmless.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgelite/status.h"
#include "wal/checkpoint_policy.h"
#include "wal/wal_format.h"
#include "wal/wal_index.h"
#include "wal/wal_index_writer.h"

namespace edgelite::wal {

// The points of Commit at which a crash leaves a distinct state on disk (§8.2).
enum class CommitStep {
  kFramesWritten,        // every frame written, the WAL not yet synced
  kWalSynced,            // the commit frame durable, nothing indexed
  kIndexAppended,        // hash entries written, the header not yet touched
  kBetweenHeaderCopies,  // header copy [1] new, copy [0] old: the next reader runs recovery
  kPublished,            // visible to readers, the locks still held
};

struct FrameInjectorOptions {
  uint32_t page_size = 4096;  // the primary's; an existing replica must have the same
  // How long Begin keeps retrying the WAL write and checkpoint locks before giving up: they are
  // only ever held briefly by SQLite itself (a reader's recovery), unless someone else writes to
  // or checkpoints the replica.
  std::chrono::milliseconds lock_timeout{5000};
  // Commit syncs the WAL before it publishes (durable on power loss). Off, the caller syncs with
  // SyncWal when it wants (SQLite's synchronous=NORMAL in WAL mode): a power loss can lose the
  // last transactions, never leave a torn one, since recovery keeps the longest valid prefix of
  // the checksum chain; a position recorded only after a SyncWal never leads what survives.
  bool sync_each_commit = true;
  // Called at each step of every Commit. For fault-injection tests only.
  std::function<void(CommitStep)> commit_observer;
};

class FrameInjector {
 public:
  // Opens (creating if absent) the replica database at `path` through a dedicated connection on
  // the "unix" VFS with autocheckpoint off.
  static Result<std::unique_ptr<FrameInjector>> Open(const std::filesystem::path& path,
                                                     uint32_t page_size = 4096);
  static Result<std::unique_ptr<FrameInjector>> Open(const std::filesystem::path& path,
                                                     FrameInjectorOptions options);
  ~FrameInjector();
  FrameInjector(const FrameInjector&) = delete;
  FrameInjector& operator=(const FrameInjector&) = delete;

  // Starts a transaction: takes the WAL write and checkpoint locks (Unavailable if they stay busy
  // for lock_timeout), restarts the WAL when every frame is checkpointed and no reader uses it,
  // and writes a new WAL header (fresh salts, synced) when the WAL is empty.
  Status Begin();
  // Appends one page image as a WAL frame past the published end, invisible until Commit. Pages
  // may come in any order and more than once (the last image wins). Memory stays bounded whatever
  // the transaction's size: the last page is held back (it becomes the commit frame) and frames
  // go to the WAL in batches of at most 128 KiB.
  Status AppendPage(uint32_t page_no, std::string_view page);
  // Writes the commit frame (database size `database_pages`), syncs the WAL, indexes the frames,
  // publishes the new header and releases the locks.
  Status Commit(uint32_t database_pages);
  // Releases the locks; frames written so far stay beyond the published end, where readers and
  // recovery never use them, and are overwritten by the next transaction.
  void Abort();

  // Runs a checkpoint on R between transactions (§6.4): PASSIVE never waits; TRUNCATE waits up to
  // `busy_timeout` for readers of older snapshots and otherwise reports complete = false. After a
  // complete PASSIVE checkpoint the next Begin restarts the WAL, unless a reader is still using it
  // at that moment (as SQLite's own writers, it then appends): with readers that never pause, only
  // TRUNCATE once wal_frames() grows keeps the WAL bounded. While it waits, `on_busy` runs every
  // millisecond: a caller that owns the readers can ask them to take a fresh snapshot (after a
  // full backfill, one that no longer reads the WAL).
  Result<CheckpointOutcome> Checkpoint(CheckpointMode mode, std::chrono::milliseconds busy_timeout,
                                       const std::function<void()>& on_busy = {});
  // Makes every frame written so far durable (see FrameInjectorOptions::sync_each_commit).
  Status SyncWal();

  // Frames in the WAL as of the last commit or checkpoint (mxFrame), to decide when to checkpoint.
  uint32_t wal_frames() const { return committed_.max_frame; }
  // WAL restarts done by Begin so far: with checkpoints, what keeps the WAL from growing.
  uint64_t wal_restarts() const { return wal_restarts_; }

 private:
  struct CloseDatabase {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  // The wal-index as R's unix VFS maps it, with the region pointers cached (valid until R closes).
  class SharedMemory : public WalIndexMemory {
   public:
    explicit SharedMemory(sqlite3_file* database_file) : file_(database_file) {}
    Result<volatile uint8_t*> Region(uint32_t index) override;
    void Barrier() override;

   private:
    sqlite3_file* file_;
    std::vector<volatile uint8_t*> regions_;
  };

  FrameInjector(std::filesystem::path path, FrameInjectorOptions options,
                std::unique_ptr<sqlite3, CloseDatabase> db, sqlite3_file* database_file,
                sqlite3_file* wal_file);

  Status RunRecoveryRead();
  Status AdoptLiveHeader();
  Result<WalIndexHeader> LockForWriting();
  Status AcquireWriteLocks();
  void ReleaseWriteLocks();
  bool FollowsFromCommitted(const WalIndexHeader& live) const;
  Result<WalIndexHeader> TryRestart(const WalIndexHeader& header);
  Status StartWalGeneration(WalIndexHeader& header);
  Status WriteFrame(uint32_t page_no, uint32_t commit_pages, const uint8_t* page);
  Status FlushFrames();
  void EndTransaction();
  Status Fail(Status status);  // ends the transaction and returns `status`
  void Notify(CommitStep step) const;

  std::filesystem::path path_;
  FrameInjectorOptions options_;
  std::unique_ptr<sqlite3, CloseDatabase> db_;  // R; declared first, so it closes last
  sqlite3_file* database_file_;                 // R's main database file: xShm*
  sqlite3_file* wal_file_;                      // R's WAL file: xRead, xWrite, xSync
  SharedMemory shared_memory_;
  WalIndexWriter index_;
  WalIndexHeader committed_;  // the header as of the last publish or checkpoint
  uint64_t wal_restarts_ = 0;

  // The transaction in progress.
  bool in_transaction_ = false;
  WalIndexHeader base_;                 // the header it builds on (after any restart)
  WalHeader wal_header_;                // magic, page size and salts its frames carry
  WalChecksum running_;                 // the checksum chain after the last frame written
  uint32_t first_frame_ = 0;            // its first frame
  uint32_t next_frame_ = 0;             // the frame the next page gets
  std::vector<uint32_t> page_numbers_;  // of its frames, in frame order
  std::vector<uint8_t> write_buffer_;   // frames not yet handed to xWrite
  std::string held_page_;               // the last page appended: the commit frame to be
  uint32_t held_page_no_ = 0;
};

}  // namespace edgelite::wal
