// Opening a database directory: the writer connection first (it creates the file in WAL mode with
// 4 KiB pages), then the read pool.
#include "server/database.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <system_error>

namespace edgelite::server {
namespace {

// Passive checkpoints once the WAL holds this many frames, as SQLite's default autocheckpoint.
constexpr int kCheckpointFrames = 1000;

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(DatabaseOptions options) {
  std::error_code error;
  std::filesystem::create_directories(options.directory, error);
  if (error) {
    return Status::Io(fmt::format("cannot create database directory {}: {}",
                                  options.directory.string(), error.message()));
  }
  std::unique_ptr<Database> database(new Database(std::move(options)));
  database->file_ = database->options_.directory / "data";

  sqlite::ConnectionOptions writer_options;
  writer_options.path = database->file_.string();
  writer_options.create = true;
  writer_options.durability = database->options_.durability;
  writer_options.cache_size_kib = 16 * 1024;
  // Longer than a stream's idle timeout: a deferred transaction holding the write lock is waited
  // out (it commits or expires) rather than failing the writer's requests.
  writer_options.busy_timeout_ms = 15'000;
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
    return Status::Io(fmt::format("database {} is not in WAL mode (journal_mode={}); edgelite "
                                  "serves WAL databases only",
                                  database->file_.string(), journal_mode));
  }
  // Replaces SQLite's autocheckpoint hook, so OnWalCommit checkpoints itself.
  sqlite3_wal_hook(handle, &Database::OnWalCommit, database.get());

  sqlite::ConnectionOptions reader_options;
  reader_options.path = database->file_.string();
  reader_options.query_only = true;
  reader_options.durability = database->options_.durability;
  database->readers_ =
      std::make_unique<ReadPool>(reader_options, database->options_.max_read_connections);
  sqlite::ConnectionOptions transaction_options = reader_options;
  transaction_options.query_only = false;
  database->transactions_ =
      std::make_unique<ReadPool>(transaction_options, database->options_.max_read_connections);
  // Open one reader now, so a broken file is reported at start-up rather than on the first read.
  if (auto first = database->readers_->Acquire(); !first.ok()) return first.status();

  Database* self = database.get();
  database->writer_ = std::make_unique<Writer>(std::move(writer_connection).value(),
                                               [self] { return self->replication_index(); });
  return database;
}

Database::~Database() {
  if (writer_) writer_->Stop();
}

int Database::OnWalCommit(void* self, sqlite3* db, const char* schema, int frames_in_wal) {
  auto* database = static_cast<Database*>(self);
  // A WAL that restarted after a checkpoint counts from zero again.
  int added = frames_in_wal >= database->frames_in_wal_ ? frames_in_wal - database->frames_in_wal_
                                                        : frames_in_wal;
  database->frames_in_wal_ = frames_in_wal;
  database->replication_index_.fetch_add(uint64_t(added), std::memory_order_release);
  if (frames_in_wal >= kCheckpointFrames) {
    int log_frames = 0;
    int checkpointed = 0;
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &checkpointed);
  }
  return SQLITE_OK;
}

}  // namespace edgelite::server
