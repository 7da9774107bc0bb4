// Database: everything the server keeps for one database (namespace): its files, its frame log,
// its writer, its pool of read connections and its replication index. Requests look it up by
// namespace name.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "edgelite/status.h"
#include "hrana/execution.h"
#include "server/auth/authenticator.h"
#include "server/execution_trace.h"
#include "server/log_compactor.h"
#include "server/read_pool.h"
#include "server/worker_pool.h"
#include "server/replication/frame_source.h"
#include "server/writer.h"
#include "sqlite/connection.h"
#include "wal/captured_database.h"
#include "wal/checkpoint_policy.h"

namespace edgelite::server {

class NamespaceStats;

struct DatabaseOptions {
  std::string name = "default";
  std::filesystem::path directory;  // holds the SQLite file `data` (sqld's layout)
  sqlite::Durability durability = sqlite::Durability::kRelaxed;
  size_t max_read_connections = 64;
  // Capture every commit into the frame log (replication, docs/wal-replication.md §5). Off only to
  // measure what capture costs.
  bool replication_log = true;
  // The frame log starts a new segment at this size, and older segments are then compacted into
  // a snapshot (sqld's --max-log-size).
  uint64_t max_log_bytes = 200ull * 1000 * 1000;
  // Runs requests one at a time and records their serial order (execution_trace.h); debugging only.
  ExecutionTrace* trace = nullptr;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(DatabaseOptions options);
  ~Database();

  const std::string& name() const { return options_.name; }
  // What the namespace's config blocks now; the admin API changes it while requests run.
  hrana::Blocks blocks() const {
    std::lock_guard lock(blocks_mutex_);
    return blocks_;
  }
  void SetBlocks(hrana::Blocks blocks) {
    std::lock_guard lock(blocks_mutex_);
    if (!deleted_) blocks_ = std::move(blocks);
  }
  // The namespace was deleted: every statement fails from now on.
  void MarkDeleted() {
    std::lock_guard lock(blocks_mutex_);
    deleted_ = true;
    blocks_ = hrana::Blocks{true, true, fmt::format("namespace `{}` was deleted", name())};
  }
  // The namespace's own JWT key (its config's jwt_key), which replaces the server's for it; null
  // when it has none.
  std::shared_ptr<const auth::Authenticator> authenticator() const {
    std::lock_guard lock(blocks_mutex_);
    return authenticator_;
  }
  void SetAuthenticator(std::shared_ptr<const auth::Authenticator> authenticator) {
    std::lock_guard lock(blocks_mutex_);
    authenticator_ = std::move(authenticator);
  }
  // The authenticator for requests to this database: its own, or `server`'s.
  const auth::Authenticator& AuthenticatorOr(const auth::Authenticator& server,
                                             std::shared_ptr<const auth::Authenticator>& hold) const {
    hold = authenticator();
    return hold ? *hold : server;
  }
  // The namespace's usage counters (null for a database opened outside a NamespaceRegistry).
  NamespaceStats* stats() const { return stats_.get(); }
  void SetStats(std::shared_ptr<NamespaceStats> stats) { stats_ = std::move(stats); }
  // The largest the file may grow, in pages (0: no limit): SQLite's max_page_count on the writer
  // (at once) and on connections opened from now on, so a write that would pass it fails with
  // SQLITE_FULL and is rolled back whole, as on sqld.
  void SetMaxPageCount(uint64_t pages);
  const std::filesystem::path& file() const { return file_; }
  ReadPool& readers() { return *readers_; }
  // Read-write connections that streams keep for their transactions and session state; they
  // write only while holding the writer's grant.
  ReadPool& own_connections() { return *own_connections_; }
  ExecutionTrace* trace() const { return options_.trace; }
  Writer& writer() { return *writer_; }
  WorkerPool& read_workers() { return *read_workers_; }
  WorkerPool& stream_workers() { return *stream_workers_; }
  // Dumps (GET /dump) wait on their clients while they hold a thread, so they have threads of
  // their own rather than taking the read workers'.
  WorkerPool& dump_workers() { return *dump_workers_; }
  // While the returned object lives, a read transaction is held for long (a dump's): no TRUNCATE
  // checkpoint can finish then, so the writer does not wait for readers to try one (a wait on
  // every commit).
  class LongRead {
   public:
    explicit LongRead(std::atomic<int>& count) : count_(count) { count_.fetch_add(1); }
    ~LongRead() { count_.fetch_sub(1); }
    LongRead(const LongRead&) = delete;
    LongRead& operator=(const LongRead&) = delete;

   private:
    std::atomic<int>& count_;
  };
  LongRead HoldLongRead() { return LongRead(long_reads_); }
  // Copies every frame of the WAL into the database file and empties the WAL (a TRUNCATE
  // checkpoint, the admin API's `checkpoint`); `complete` is false when readers or the writer kept
  // it from finishing within the busy timeout.
  Result<wal::CheckpointOutcome> Checkpoint();
  // While a FrozenFile lives, the database file does not change: the writer skips its checkpoints
  // (the WAL grows meanwhile). `replay_from` is the first frame that a copy of the file may lack
  // in whole or in part (a checkpoint may have copied some of a later commit's frames): every
  // commit before it is wholly in the file, every one from it on is in the WAL and the frame
  // log. nullopt when that is not known (no frame log, or no complete checkpoint since open).
  struct FrozenFile {
    std::unique_lock<std::mutex> lock;
    std::optional<uint64_t> replay_from;
  };
  FrozenFile FreezeFile() {
    std::unique_lock lock(checkpoint_mutex_);
    return FrozenFile{std::move(lock), replay_from_};
  }
  // The frame log's last frame_no (sqld's replication index): grows with every commit. Without a
  // frame log, the number of WAL frames committed since the server started.
  uint64_t replication_index() const;
  // The frame log for replicas; null when the database runs without one.
  replication::FrameSource* frame_source() { return frame_source_.get(); }

  // Ends the work that refers to requests: read workers first (long reads are interrupted), then
  // the writer. Called once the listener is down, before the requests' state is destroyed.
  void Stop() {
    read_workers_->Stop();
    dump_workers_->Stop();
    writer_->Stop();  // first: stream workers may be waiting for its grant
    stream_workers_->Stop();
  }

 private:
  explicit Database(DatabaseOptions options) : options_(std::move(options)) {}
  // Runs a checkpoint with checkpoint_mutex_ held, and notes what it left in the file.
  Result<wal::CheckpointOutcome> CheckpointLocked(sqlite3* db, wal::CheckpointMode mode);
  // The frame that follows the frame log's last commit (0 while it is empty); nullopt without one.
  std::optional<uint64_t> NextFrameAfterLastCommit() const;
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int frames_in_wal);
  static std::unique_ptr<WorkerPool> MakeReadWorkers();
  static std::unique_ptr<WorkerPool> MakeDumpWorkers();

  DatabaseOptions options_;
  std::filesystem::path file_;
  // First: destroyed last, once every connection through its VFS is closed.
  std::unique_ptr<wal::CapturedDatabase> captured_;
  std::unique_ptr<replication::FrameSource> frame_source_;
  wal::CheckpointPolicy checkpoint_policy_;
  std::unique_ptr<LogCompactor> compactor_;
  std::atomic<uint64_t> replication_index_{0};
  int frames_in_wal_ = 0;  // under the write lock (the writer, or the holder of its grant)
  std::mutex checkpoint_mutex_;           // held by checkpoints and by a FrozenFile
  std::optional<uint64_t> replay_from_;   // under checkpoint_mutex_; see FrozenFile
  std::atomic<int> long_reads_{0};
  std::atomic<uint64_t> max_page_count_{0};
  mutable std::mutex blocks_mutex_;  // blocks_ and authenticator_
  hrana::Blocks blocks_;
  bool deleted_ = false;
  std::shared_ptr<const auth::Authenticator> authenticator_;
  std::shared_ptr<NamespaceStats> stats_;  // set once, before requests arrive
  std::unique_ptr<ReadPool> readers_;
  std::unique_ptr<ReadPool> own_connections_;
  std::unique_ptr<Writer> writer_;
  // Last: stopped (joined) first, while the pools its jobs use still exist.
  std::unique_ptr<WorkerPool> read_workers_ = MakeReadWorkers();
  std::unique_ptr<WorkerPool> dump_workers_ = MakeDumpWorkers();
  // Started as streams need them: an idle namespace holds only the writer's and the compactor's.
  std::unique_ptr<WorkerPool> stream_workers_ = std::make_unique<WorkerPool>(0, 256);
};

}  // namespace edgelite::server
