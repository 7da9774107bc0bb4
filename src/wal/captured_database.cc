// CapturedDatabase: database preparation, start-up reconciliation and base snapshots.
#include "wal/captured_database.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "wal/log_tail_check.h"

namespace edgelite::wal {
namespace {

constexpr int kBusyTimeoutMs = 10'000;

// The database as a connection holding the write lock sees it, as log pages (every page but the
// lock page): the newest committed WAL frame of a page when the current WAL generation has one,
// else the page in the database file. Earlier WAL generations are entirely in the database file (a
// WAL restarts only once fully checkpointed), and checkpoints copy only committed frames, so the
// two files together are the database as of the live wal-index header. Streamed page by page:
// sqlite3_serialize would hold the whole database in memory.
class DatabasePages : public PageSource {
 public:
  DatabasePages(WalReader& database, WalReader& wal, std::vector<uint32_t> wal_frames,
                uint32_t page_size, uint32_t pages)
      : database_(database),
        wal_(wal),
        wal_frames_(std::move(wal_frames)),
        page_size_(page_size),
        lock_page_(LockPageNumber(page_size)) {
    count_ = pages >= lock_page_ ? pages - 1 : pages;
  }
  uint32_t count() const { return count_; }
  Result<uint32_t> ReadPage(uint32_t index, uint8_t* page) override {
    uint32_t page_no = index + 1;
    if (page_no >= lock_page_) ++page_no;
    uint32_t frame = page_no < wal_frames_.size() ? wal_frames_[page_no] : 0;
    Status status =
        frame != 0
            ? wal_.Read(page, page_size_, WalFrameOffset(frame, page_size_) + kWalFrameHeaderSize)
            : database_.Read(page, page_size_, uint64_t(page_no - 1) * page_size_);
    if (!status.ok()) return status;
    return page_no;
  }

 private:
  WalReader& database_;
  WalReader& wal_;
  std::vector<uint32_t> wal_frames_;
  uint32_t page_size_;
  uint32_t lock_page_;
  uint32_t count_;
};

Status ExecOn(sqlite3* db, const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Status::Io(fmt::format("{} failed: {}", sql, text));
  }
  return Status::Ok();
}

// Runs a one-row, one-column text query.
Result<std::string> QueryText(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
  std::string value;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(statement, 0);
      value = text ? reinterpret_cast<const char*>(text) : "";
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(statement);
  if (rc != SQLITE_OK) return Status::Io(fmt::format("{} failed: {}", sql, sqlite3_errmsg(db)));
  return value;
}

// Runs `setup` on a plain ("unix") connection that is then closed: used only before capture is
// attached, while nothing else in the process has the file open.
Status RunPlain(const std::filesystem::path& file, const std::string& setup,
                std::string* journal_mode) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix");
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::Io(fmt::format("cannot open {}: {}", file.string(), message));
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  Status status = ExecOn(db, setup.c_str());
  if (status.ok()) {
    auto mode = QueryText(db, "PRAGMA journal_mode=WAL");
    if (!mode.ok()) {
      status = mode.status();
    } else {
      *journal_mode = *mode;
    }
  }
  sqlite3_close_v2(db);
  return status;
}

}  // namespace

Result<std::unique_ptr<CapturedDatabase>> CapturedDatabase::Open(CapturedDatabaseOptions options) {
  if (!IsValidPageSize(options.page_size)) {
    return Status::InvalidArgument(fmt::format("invalid page size {}", options.page_size));
  }
  if (options.log_directory.empty()) {
    options.log_directory = options.database_file.parent_path() / "wallog";
  }
  std::unique_ptr<CapturedDatabase> database(new CapturedDatabase(std::move(options)));
  if (Status s = database->PrepareDatabaseFile(); !s.ok()) return s;
  if (Status s = database->Reconcile(); !s.ok()) return s;
  return database;
}

CapturedDatabase::~CapturedDatabase() {
  if (connection_) sqlite3_close_v2(connection_);
  if (capture_) DetachCapture(*capture_);
  if (log_) log_->Close();
}

Status CapturedDatabase::Exec(const char* sql) {
  return ExecOn(connection_, sql);
}

Status CapturedDatabase::PrepareDatabaseFile() {
  const auto& file = options_.database_file;
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  if (error)
    return Status::Io("cannot create " + file.parent_path().string() + ": " + error.message());
  uint64_t size = std::filesystem::exists(file) ? std::filesystem::file_size(file, error) : 0;
  std::string journal_mode;
  if (size == 0) {
    // A new database: its first page is written in rollback mode by the switch to WAL, so it is in
    // no WAL frame; the base snapshot taken by Reconcile puts it in the log.
    std::string setup = fmt::format("PRAGMA page_size={};", options_.page_size);
    if (Status s = RunPlain(file, setup, &journal_mode); !s.ok()) return s;
    report_.created_database = true;
  } else {
    // Read the header directly: opening a plain connection on a WAL database would checkpoint and
    // delete a WAL that may hold transactions the log still needs.
    uint8_t header[100] = {};
    std::ifstream in(file, std::ios::binary);
    in.read(reinterpret_cast<char*>(header), sizeof(header));
    if (in.gcount() != sizeof(header) || std::memcmp(header, "SQLite format 3", 16) != 0) {
      return Status::InvalidArgument(fmt::format("{} is not a SQLite database", file.string()));
    }
    uint32_t page_size = (uint32_t(header[16]) << 8) | header[17];
    if (page_size == 1) page_size = 65536;
    if (page_size != options_.page_size) {
      return Status::InvalidArgument(
          fmt::format("{} uses {}-byte pages but replication needs {}-byte pages; convert it with "
                      "`PRAGMA page_size={}; VACUUM;` in rollback mode first",
                      file.string(), page_size, options_.page_size, options_.page_size));
    }
    bool wal_mode = header[18] == 2 && header[19] == 2;
    if (wal_mode) return Status::Ok();
    // Rollback mode: there is no WAL to lose; switch to WAL (the base snapshot covers the rest).
    if (Status s = RunPlain(file, "", &journal_mode); !s.ok()) return s;
    report_.converted_to_wal = true;
  }
  if (journal_mode != "wal") {
    return Status::Io(
        fmt::format("cannot put {} in WAL mode (journal_mode is {})", file.string(), journal_mode));
  }
  return Status::Ok();
}

Status CapturedDatabase::Reconcile() {
  FrameLogOptions log_options;
  log_options.directory = options_.log_directory;
  log_options.page_size = options_.page_size;
  log_options.segment_target_bytes = options_.segment_target_bytes;
  log_options.sync_appends = options_.sync_commits;
  auto log = FrameLog::Open(log_options);
  if (!log.ok()) return log.status();
  log_ = std::move(log).value();
  if (log_->page_size() != options_.page_size) {
    return Status::InvalidArgument(
        fmt::format("the frame log in {} uses {}-byte pages, the database {}-byte pages",
                    options_.log_directory.string(), log_->page_size(), options_.page_size));
  }

  std::optional<WalPosition> position;
  if (auto last = log_->last_record()) position = last->wal;
  // Suspended until the database is known to hold the log's tail: rolling the WAL forward into a
  // log that does not match the database would log transactions on top of the wrong pages.
  auto state = AttachCapture(options_.database_file, log_, std::nullopt);
  if (!state.ok()) return state.status();
  capture_ = std::move(state).value();

  int rc = sqlite3_open_v2(options_.database_file.c_str(), &connection_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, kCaptureVfsName);
  if (rc != SQLITE_OK) {
    return Status::Io(fmt::format("cannot open {}: {}", options_.database_file.string(),
                                  connection_ ? sqlite3_errmsg(connection_) : sqlite3_errstr(rc)));
  }
  if (!IsCapturedConnection(connection_)) {
    return Status::Internal(fmt::format(
        "{} opened through the capture VFS but is not captured (the path resolves differently)",
        options_.database_file.string()));
  }
  sqlite3_extended_result_codes(connection_, 1);
  sqlite3_busy_timeout(connection_, kBusyTimeoutMs);
  // Only the server's checkpoint policy checkpoints (docs/wal-replication.md §7).
  sqlite3_wal_autocheckpoint(connection_, 0);

  // The first read opens the WAL and SQLite recovers the wal-index from it.
  if (Status s = Exec("SELECT count(*) FROM sqlite_schema"); !s.ok()) return s;
  if (!position) {
    report_.snapshot_reason = "the frame log is empty";
    return TakeBaseSnapshot(/*new_lineage=*/false);
  }
  auto mismatch = FindMismatch();
  if (!mismatch.ok()) return mismatch.status();
  if (*mismatch) return StartNewLineage(std::move(**mismatch));

  // Roll forward: the WRITE acquisition catches the log up with what the WAL holds beyond it.
  capture_->Resume(*position);
  (void)Exec("BEGIN IMMEDIATE; ROLLBACK");
  report_.transactions_rolled_forward = uint32_t(capture_->transactions_captured());
  if (capture_->diverged()) return StartNewLineage(capture_->health().message());
  return capture_->health();
}

Result<std::optional<std::string>> CapturedDatabase::FindMismatch() {
  // BEGIN IMMEDIATE holds WRITE (capture is suspended, so it captures nothing): the WAL and the
  // wal-index cannot move while they are compared with the log.
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  std::optional<WalIndexHeader> live = ReadLiveWalIndexHeader(connection_);
  std::unique_ptr<WalReader> database_reader = OpenConnectionDatabaseReader(connection_);
  std::unique_ptr<WalReader> wal_reader = OpenConnectionWalReader(connection_);
  Result<std::optional<std::string>> mismatch =
      Status::Internal("the internal connection has no wal-index header, database or WAL file");
  if (live && database_reader && wal_reader) {
    mismatch = FindLogTailMismatch(*log_, *live, *database_reader, *wal_reader);
  }
  (void)Exec("ROLLBACK");
  return mismatch;
}

Status CapturedDatabase::StartNewLineage(std::string reason) {
  LogId old_id = log_->log_id();
  report_.snapshot_reason = std::move(reason);
  Status status = TakeBaseSnapshot(/*new_lineage=*/true);
  if (status.ok()) {
    // Replicas notice the new log_id and start over from the snapshot; whoever runs the server
    // should know why, and what became of the frames they were served.
    spdlog::warn(
        "{}: frame log lineage {} replaced by {}, which starts with a snapshot of the database as "
        "it is now (replicas will re-sync from it), because {}",
        options_.database_file.string(), FormatLogId(old_id), log_->log_id_string(),
        report_.snapshot_reason);
  }
  return status;
}

Status CapturedDatabase::TakeBaseSnapshot(bool new_lineage) {
  capture_->Suspend();
  // BEGIN IMMEDIATE holds WRITE: the image and the WAL position it corresponds to cannot move.
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Status status;
  std::optional<WalIndexHeader> live = ReadLiveWalIndexHeader(connection_);
  if (!live) {
    status = Status::Internal("no valid wal-index header while holding the write lock");
  }
  WalPosition position = live ? PositionOf(*live) : WalPosition{};
  std::unique_ptr<WalReader> database_reader = OpenConnectionDatabaseReader(connection_);
  std::unique_ptr<WalReader> wal_reader = OpenConnectionWalReader(connection_);
  if (status.ok() && (!database_reader || !wal_reader)) {
    status = Status::Internal("the internal connection has no captured database or WAL file");
  }
  // Inside the transaction: the size as of `position` (§5.9).
  auto page_count =
      status.ok() ? QueryText(connection_, "PRAGMA page_count") : Result<std::string>(status);
  if (!page_count.ok()) status = page_count.status();
  Result<std::vector<uint32_t>> wal_frames =
      status.ok() ? MapWalPages(*live, *wal_reader) : Result<std::vector<uint32_t>>(status);
  if (!wal_frames.ok()) status = wal_frames.status();
  if (status.ok()) {
    uint32_t pages_in_database = uint32_t(std::stoul(*page_count));
    DatabasePages pages(*database_reader, *wal_reader, std::move(wal_frames).value(),
                        options_.page_size, pages_in_database);
    TransactionInfo info;
    info.frame_count = pages.count();
    info.commit_pages = pages_in_database;
    info.wal = position;
    info.flags = kRecordFlagBaseSnapshot;
    if (new_lineage) {
      status = info.frame_count > 0 ? log_->StartNewLineage(&info, &pages)
                                    : log_->StartNewLineage(nullptr, nullptr);
    } else if (info.frame_count > 0) {
      auto appended = log_->Append(info, pages);
      if (!appended.ok()) status = appended.status();
    }
    report_.snapshot_pages = info.frame_count;
    report_.snapshot_taken = info.frame_count > 0;
    report_.new_lineage = new_lineage;
  }
  // Resume while still holding WRITE, so no other writer can slip in uncaptured; the ROLLBACK's
  // release then finds the log at the live position.
  if (status.ok()) capture_->Resume(position);
  (void)Exec("ROLLBACK");
  return status;
}

Result<std::pair<int, int>> CapturedDatabase::Checkpoint(int mode) {
  std::lock_guard lock(connection_mutex_);
  int wal_frames = 0;
  int checkpointed = 0;
  int rc = sqlite3_wal_checkpoint_v2(connection_, "main", mode, &wal_frames, &checkpointed);
  if (rc == SQLITE_BUSY) {
    return Status::Unavailable("checkpoint could not complete: readers or a writer are active");
  }
  if (rc != SQLITE_OK) {
    return Status::Io(fmt::format("checkpoint failed: {}", sqlite3_errmsg(connection_)));
  }
  return std::make_pair(wal_frames, checkpointed);
}

}  // namespace edgelite::wal
