// Opening a database directory: the frame log (which creates or reconciles the file), the writer
// connection, then the read pools; and the writer's checkpoints.
#include "server/database.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>
#include <thread>

#include "server/replication/frame_log_source.h"

namespace edgelite::server {
namespace {

// Streams write only while holding the writer's grant, so the writer waits on SQLite's locks only
// for other processes (or a checkpoint's brief wait).
constexpr int kWriterBusyTimeoutMs = 15'000;
// How long a TRUNCATE checkpoint may wait for readers on the writer's thread.
constexpr int kTruncateWaitMs = 50;
// Long reads run this much nicer than the I/O threads and the writer (WorkerPool).
constexpr int kLongReadNiceness = 5;
// Dumps that run at once; more wait for one of them to end (each holds a read connection).
constexpr size_t kMaxConcurrentDumps = 16;

}  // namespace

void Database::SetMaxPageCount(uint64_t pages) {
  if (max_page_count_.exchange(pages) == pages) return;
  WriteJob job;
  job.run = [this, pages](sqlite::Connection& connection, hrana::Placement) {
    if (Status set = connection.SetMaxPageCount(pages); !set.ok()) {
      spdlog::warn("{}: cannot set the size limit: {}", options_.name, set.message());
    }
    return hrana::RequestOutcome(hrana::StreamResult(hrana::StreamResponse(hrana::CloseResponse{})));
  };
  job.done = [](hrana::RequestOutcome) {};
  writer_->Submit(std::move(job));
}

Result<std::unique_ptr<Database>> Database::Open(DatabaseOptions options) {
  std::error_code error;
  std::filesystem::create_directories(options.directory, error);
  if (error) {
    return Status::Io(fmt::format("cannot create database directory {}: {}",
                                  options.directory.string(), error.message()));
  }
  std::unique_ptr<Database> database(new Database(std::move(options)));
  database->file_ = database->options_.directory / "data";

  // The frame log comes first: it creates or reconciles the file before any connection opens it.
  std::string vfs;
  if (database->options_.replication_log) {
    wal::CapturedDatabaseOptions capture_options;
    capture_options.database_file = database->file_;
    capture_options.sync_commits = database->options_.durability == sqlite::Durability::kStrong;
    capture_options.segment_target_bytes = database->options_.max_log_bytes;
    auto captured = wal::CapturedDatabase::Open(capture_options);
    if (!captured.ok()) return captured.status();
    database->captured_ = std::move(captured).value();
    const wal::ReconcileReport& report = database->captured_->startup_report();
    if (report.transactions_rolled_forward > 0) {
      spdlog::info("{}: {} committed transactions rolled forward into the frame log",
                   database->options_.name, report.transactions_rolled_forward);
    }
    if (report.snapshot_taken) {
      spdlog::info("{}: frame log {}starts with a snapshot of {} pages ({})",
                   database->options_.name, report.new_lineage ? "has a new lineage and " : "",
                   report.snapshot_pages, report.snapshot_reason);
    }
    database->frame_source_ =
        std::make_unique<replication::FrameLogSource>(&database->captured_->log());
    database->compactor_ = std::make_unique<LogCompactor>(
        database->options_.name, &database->captured_->log(), std::chrono::seconds(1));
    vfs = wal::CapturedDatabase::vfs_name();
  }

  sqlite::ConnectionOptions writer_options;
  writer_options.vfs = vfs;
  writer_options.path = database->file_.string();
  writer_options.server_database_name = database->options_.name;
  writer_options.create = true;
  writer_options.durability = database->options_.durability;
  writer_options.cache_size_kib = 16 * 1024;
  writer_options.busy_timeout_ms = kWriterBusyTimeoutMs;
  auto writer_connection = sqlite::Connection::Open(writer_options);
  if (!writer_connection.ok()) return writer_connection.status();

  sqlite3* handle = (*writer_connection)->handle();
  sqlite3_stmt* probe = nullptr;
  std::string journal_mode;
  if (sqlite3_prepare_v2(handle, "PRAGMA journal_mode", -1, &probe, nullptr) == SQLITE_OK &&
      sqlite3_step(probe) == SQLITE_ROW) {
    journal_mode = reinterpret_cast<const char*>(sqlite3_column_text(probe, 0));
  }
  sqlite3_finalize(probe);
  if (journal_mode != "wal") {
    return Status::Io(
        fmt::format("database {} is not in WAL mode (journal_mode={}); edgelite "
                    "serves WAL databases only",
                    database->file_.string(), journal_mode));
  }
  // Replaces SQLite's autocheckpoint hook, so OnWalCommit checkpoints itself.
  sqlite3_wal_hook(handle, &Database::OnWalCommit, database.get());

  sqlite::ConnectionOptions reader_options;
  reader_options.vfs = vfs;
  reader_options.wal_autocheckpoint = 0;  // the writer owns checkpoints
  reader_options.path = database->file_.string();
  reader_options.server_database_name = database->options_.name;
  reader_options.query_only = true;
  reader_options.durability = database->options_.durability;
  Database* self = database.get();
  // Every commit adds frames to the log, so its length is a data version for the readers'
  // snapshots. Without a log nothing counts every commit (deferred transactions commit on
  // connections of their own), so readers then hold no snapshots.
  std::function<uint64_t()> data_version;
  if (database->captured_) data_version = [self] { return self->captured_->log().next_frame_no(); };
  database->readers_ = std::make_unique<ReadPool>(
      reader_options, database->options_.max_read_connections, std::move(data_version));
  sqlite::ConnectionOptions own_options = reader_options;
  own_options.query_only = false;
  own_options.takes_client_state = true;
  own_options.busy_timeout_ms = kWriterBusyTimeoutMs;
  // Their commits are checkpointed like the writer's (they commit only while holding its grant).
  database->own_connections_ = std::make_unique<ReadPool>(
      own_options, database->options_.max_read_connections, std::function<uint64_t()>(),
      [self](sqlite::Connection& connection) {
        sqlite3_wal_hook(connection.handle(), &Database::OnWalCommit, self);
        if (uint64_t pages = self->max_page_count_.load()) {
          if (Status set = connection.SetMaxPageCount(pages); !set.ok()) {
            spdlog::warn("{}: cannot set the size limit: {}", self->options_.name, set.message());
          }
        }
      });
  // SQLite removes the WAL when the last connection closes after a complete checkpoint: a
  // database that starts without one has every commit in its file.
  std::error_code no_wal;
  std::filesystem::path wal_file = database->file_;
  wal_file += "-wal";
  if (std::filesystem::file_size(wal_file, no_wal) == 0 || no_wal) {
    database->replay_from_ = database->NextFrameAfterLastCommit();
  }
  // Open one reader now, so a broken file is reported at start-up rather than on the first read.
  if (auto first = database->readers_->Acquire(); !first.ok()) return first.status();

  database->writer_ = std::make_unique<Writer>(std::move(writer_connection).value(),
                                               [self] { return self->replication_index(); },
                                               database->options_.trace);
  return database;
}

std::unique_ptr<WorkerPool> Database::MakeReadWorkers() {
  // As many long reads at once as there are cores, and more as they wait: up to four per core.
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  // None at first: a namespace that never runs a long read costs no thread for it.
  return std::make_unique<WorkerPool>(0, std::max<size_t>(8, 4 * cores), kLongReadNiceness);
}

std::unique_ptr<WorkerPool> Database::MakeDumpWorkers() {
  return std::make_unique<WorkerPool>(0, kMaxConcurrentDumps, kLongReadNiceness);
}

Database::~Database() {
  compactor_.reset();
  if (read_workers_) read_workers_->Stop();
  if (dump_workers_) dump_workers_->Stop();
  if (writer_) writer_->Stop();
  if (stream_workers_) stream_workers_->Stop();
  // Connections through the capture VFS close before the frame log goes.
  writer_.reset();
  readers_.reset();
  own_connections_.reset();
}

uint64_t Database::replication_index() const {
  if (captured_) return captured_->replication_index().value_or(0);
  return replication_index_.load(std::memory_order_acquire);
}

std::optional<uint64_t> Database::NextFrameAfterLastCommit() const {
  if (!frame_source_) return std::nullopt;
  std::optional<uint64_t> last = frame_source_->last_committed_frame_no();
  return last ? *last + 1 : 0;
}

int Database::OnWalCommit(void* self, sqlite3* db, const char* schema, int frames_in_wal) {
  auto* database = static_cast<Database*>(self);
  if (!database->captured_) {
    // A WAL that restarted after a checkpoint counts from zero again.
    int added = frames_in_wal >= database->frames_in_wal_ ? frames_in_wal - database->frames_in_wal_
                                                          : frames_in_wal;
    database->frames_in_wal_ = frames_in_wal;
    database->replication_index_.fetch_add(uint64_t(added), std::memory_order_release);
  }
  wal::CheckpointMode mode = database->checkpoint_policy_.Choose(frames_in_wal);
  // A long read keeps the WAL from being emptied: copy what can be copied, without waiting.
  if (mode == wal::CheckpointMode::kTruncate && database->long_reads_.load() > 0) {
    mode = wal::CheckpointMode::kPassive;
  }
  if (mode == wal::CheckpointMode::kNone) return SQLITE_OK;
  // A branch is copying the file: the checkpoint waits for a later commit.
  std::unique_lock checkpoint_lock(database->checkpoint_mutex_, std::try_to_lock);
  if (!checkpoint_lock.owns_lock()) return SQLITE_OK;
  // A TRUNCATE waits for readers; on the writer's thread it may only wait briefly (it degrades to
  // PASSIVE and is tried again after a later commit).
  if (mode == wal::CheckpointMode::kTruncate) sqlite3_busy_timeout(db, kTruncateWaitMs);
  auto outcome = database->CheckpointLocked(db, mode);
  if (mode == wal::CheckpointMode::kTruncate) sqlite3_busy_timeout(db, kWriterBusyTimeoutMs);
  if (!outcome.ok()) {
    spdlog::warn("{}: checkpoint of {} failed: {}", database->options_.name, schema,
                 outcome.status().message());
  }
  return SQLITE_OK;
}

Result<wal::CheckpointOutcome> Database::CheckpointLocked(sqlite3* db, wal::CheckpointMode mode) {
  // Read first: commits that land while the checkpoint runs may be in the WAL only.
  std::optional<uint64_t> replay_from = NextFrameAfterLastCommit();
  // Readers' held snapshots would keep the checkpoint from copying frames or restarting the WAL.
  readers_->SuspendSnapshots();
  auto outcome = wal::RunCheckpoint(db, mode);
  readers_->ResumeSnapshots();
  if (outcome.ok() && outcome->complete) replay_from_ = replay_from;
  return outcome;
}

Result<wal::CheckpointOutcome> Database::Checkpoint() {
  // On a connection of its own: the writer's may be inside a group's transaction. It waits for
  // the writer and readers as long as its busy timeout allows.
  auto lease = own_connections_->Acquire();
  if (!lease.ok()) return lease.status();
  std::lock_guard checkpoint_lock(checkpoint_mutex_);
  return CheckpointLocked(lease->get()->handle(), wal::CheckpointMode::kTruncate);
}

}  // namespace edgelite::server
