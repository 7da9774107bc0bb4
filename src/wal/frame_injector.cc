// Applying replica transactions to the WAL and wal-index of a live SQLite database (the procedure
// of docs/wal-replication.md §6.2, steps 1 to 8).
#include "wal/frame_injector.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <thread>

namespace edgelite::wal {
namespace {

// xShmLock offsets (the lock bytes 120..127 of the -shm).
constexpr int kWriteLock = 0;
constexpr int kWriteAndCheckpointLocks = 2;  // WRITE (0) and CKPT (1), always taken together
constexpr int kFirstWalReaderLock = 4;       // READ1; READ0 readers never use the WAL
constexpr int kWalReaderLocks = 4;           // READ1..READ4

constexpr bool kHostBigEndian = std::endian::native == std::endian::big;
// Frames are handed to xWrite in batches of at most this size: the unix VFS writes at most
// 0x1ffff bytes per call (seekAndWriteFd masks the length) and reports a longer write as
// SQLITE_FULL. One frame of the largest page size (65560 bytes) always fits.
constexpr size_t kWriteBatchBytes = 0x1ffff;
// Recoveries Begin asks R for before it gives up on an invalid wal-index header.
constexpr int kMaxRecoveries = 3;

std::string SqliteMessage(sqlite3* db, int rc) {
  return db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
}

Result<std::string> QueryText(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
  std::string text;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
      const unsigned char* value = sqlite3_column_text(statement, 0);
      if (value) text = reinterpret_cast<const char*>(value);
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
  }
  std::string message = rc == SQLITE_OK ? "" : SqliteMessage(db, rc);
  sqlite3_finalize(statement);
  if (rc == SQLITE_OK) return text;
  message = fmt::format("{}: {}", sql, message);
  bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
  return busy ? Status::Unavailable(message) : Status::Io(message);
}

Status InvalidHeaderError(const std::filesystem::path& path) {
  return Status::Internal(fmt::format(
      "the wal-index header of {} stays invalid after SQLite's recovery: close every connection "
      "to the replica so that the next one rebuilds the -shm",
      path.string()));
}

}  // namespace

Result<volatile uint8_t*> FrameInjector::SharedMemory::Region(uint32_t index) {
  if (index < regions_.size() && regions_[index]) return regions_[index];
  volatile void* region = nullptr;
  // bExtend = 1 grows the -shm for a new hash table; only the WRITE holder may, and the injector
  // maps regions beyond 0 only while it holds WRITE (region 0 exists since R opened the WAL).
  int rc = file_->pMethods->xShmMap(file_, int(index), int(kWalIndexRegionSize), 1, &region);
  if (rc != SQLITE_OK || region == nullptr) {
    return Status::Io(
        fmt::format("cannot map region {} of the wal-index (-shm): {}", index, sqlite3_errstr(rc)));
  }
  if (regions_.size() <= index) regions_.resize(index + 1, nullptr);
  regions_[index] = static_cast<volatile uint8_t*>(region);
  return regions_[index];
}

void FrameInjector::SharedMemory::Barrier() {
  file_->pMethods->xShmBarrier(file_);
}

Result<std::unique_ptr<FrameInjector>> FrameInjector::Open(const std::filesystem::path& path,
                                                           uint32_t page_size) {
  FrameInjectorOptions options;
  options.page_size = page_size;
  return Open(path, std::move(options));
}

Result<std::unique_ptr<FrameInjector>> FrameInjector::Open(const std::filesystem::path& path,
                                                           FrameInjectorOptions options) {
  if (!IsValidPageSize(options.page_size)) {
    return Status::InvalidArgument(
        fmt::format("page size {} is not a power of two between 512 and 65536", options.page_size));
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix");
  std::unique_ptr<sqlite3, CloseDatabase> db(raw);
  if (rc != SQLITE_OK) {
    return Status::Io(
        fmt::format("cannot open the replica {}: {}", path.string(), SqliteMessage(raw, rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, int(options.lock_timeout.count()));
  // Only the injector decides when to checkpoint, and never inside one of its transactions.
  sqlite3_wal_autocheckpoint(raw, 0);
  // The page size only takes effect on an empty file, where journal_mode=WAL then writes a
  // one-page database (in rollback mode, before any reader can see anything useful): the first
  // replica transaction overwrites that page 1 with the primary's, whose WAL-mode bytes 18/19
  // match, so the file stays byte-identical to the primary's after checkpoints.
  std::string setup = fmt::format("PRAGMA page_size = {}", options.page_size);
  if (auto ignored = QueryText(raw, setup.c_str()); !ignored.ok()) return ignored.status();
  auto mode = QueryText(raw, "PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") {
    return Status::Unavailable(fmt::format(
        "cannot put the replica {} in WAL mode (journal mode stays {}): close the other "
        "connections that have it open in another journal or locking mode, then retry",
        path.string(), *mode));
  }
  auto actual_page_size = QueryText(raw, "PRAGMA page_size");
  if (!actual_page_size.ok()) return actual_page_size.status();
  if (*actual_page_size != std::to_string(options.page_size)) {
    return Status::InvalidArgument(fmt::format(
        "the replica {} has page size {} but the primary's is {}: delete it (with its -wal and "
        "-shm) and sync it again",
        path.string(), *actual_page_size, options.page_size));
  }
  // A first read opens the WAL and the wal-index (recovering it if needed); the file objects it
  // leaves are R's for as long as R is open.
  if (auto read = QueryText(raw, "SELECT count(*) FROM sqlite_schema"); !read.ok()) {
    return read.status();
  }
  sqlite3_file* database_file = nullptr;
  sqlite3_file* wal_file = nullptr;
  sqlite3_file_control(raw, "main", SQLITE_FCNTL_FILE_POINTER, &database_file);
  sqlite3_file_control(raw, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal_file);
  if (!database_file || !database_file->pMethods || database_file->pMethods->iVersion < 2 ||
      !database_file->pMethods->xShmMap || !wal_file || !wal_file->pMethods) {
    return Status::Internal(fmt::format(
        "the replica {} has no shared-memory wal-index or no open WAL after switching to WAL mode",
        path.string()));
  }
  std::unique_ptr<FrameInjector> injector(
      new FrameInjector(path, std::move(options), std::move(db), database_file, wal_file));
  if (Status status = injector->AdoptLiveHeader(); !status.ok()) return status;
  return injector;
}

FrameInjector::FrameInjector(std::filesystem::path path, FrameInjectorOptions options,
                             std::unique_ptr<sqlite3, CloseDatabase> db,
                             sqlite3_file* database_file, sqlite3_file* wal_file)
    : path_(std::move(path)),
      options_(std::move(options)),
      db_(std::move(db)),
      database_file_(database_file),
      wal_file_(wal_file),
      shared_memory_(database_file),
      index_(shared_memory_) {}

FrameInjector::~FrameInjector() {
  Abort();
}

// SQLite rebuilds an invalid wal-index (a writer died between the two header copies) the next time
// a connection reads; R is that connection. Never called while the injector holds any lock.
Status FrameInjector::RunRecoveryRead() {
  auto read = QueryText(db_.get(), "SELECT count(*) FROM sqlite_schema");
  return read.ok() ? Status::Ok() : read.status();
}

Status FrameInjector::AdoptLiveHeader() {
  for (int recoveries = 0;; ++recoveries) {
    auto header = index_.ReadHeader();
    if (!header.ok()) return header.status();
    if (*header) {
      committed_ = **header;
      return Status::Ok();
    }
    if (recoveries == kMaxRecoveries) return InvalidHeaderError(path_);
    if (Status status = RunRecoveryRead(); !status.ok()) return status;
  }
}

Status FrameInjector::AcquireWriteLocks() {
  auto deadline = std::chrono::steady_clock::now() + options_.lock_timeout;
  auto pause = std::chrono::microseconds(100);
  for (;;) {
    int rc =
        database_file_->pMethods->xShmLock(database_file_, kWriteLock, kWriteAndCheckpointLocks,
                                           SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE);
    if (rc == SQLITE_OK) return Status::Ok();
    if (rc != SQLITE_BUSY) {
      return Status::Io(
          fmt::format("cannot lock the wal-index of {}: {}", path_.string(), sqlite3_errstr(rc)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable(fmt::format(
          "the replica {} stayed locked for writing for {} ms: another connection holds its WAL "
          "write or checkpoint lock, i.e. another process is writing to or checkpointing the "
          "replica, which only the replica applier may do; stop it and retry",
          path_.string(), options_.lock_timeout.count()));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(10000));
  }
}

void FrameInjector::ReleaseWriteLocks() {
  database_file_->pMethods->xShmLock(database_file_, kWriteLock, kWriteAndCheckpointLocks,
                                     SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE);
}

// Step 1 and 2: the locks, and a valid header to build on. An invalid header is left by a writer
// that died between the two copies; the locks are released so that R can run SQLite's recovery.
Result<WalIndexHeader> FrameInjector::LockForWriting() {
  for (int recoveries = 0;; ++recoveries) {
    if (Status status = AcquireWriteLocks(); !status.ok()) return status;
    auto header = index_.ReadHeader();
    if (!header.ok()) {
      ReleaseWriteLocks();
      return header.status();
    }
    if (*header) return **header;
    ReleaseWriteLocks();
    if (recoveries == kMaxRecoveries) return InvalidHeaderError(path_);
    if (Status status = RunRecoveryRead(); !status.ok()) return status;
  }
}

// Whether the live header is what the injector last published or saw after its own checkpoint.
// An empty WAL is accepted whatever its salts: a checkpointer restarts it only once every frame is
// in the database file. A commit by anyone else that is still in the WAL is not.
bool FrameInjector::FollowsFromCommitted(const WalIndexHeader& live) const {
  if (live.max_frame == 0) return true;
  return live.max_frame == committed_.max_frame && live.salt == committed_.salt &&
         live.database_pages == committed_.database_pages &&
         live.frame_checksum == committed_.frame_checksum;
}

// Step 3: once every frame is checkpointed and no reader uses the WAL (READ1..4 free: readers of a
// fully checkpointed WAL take READ0 and read the database file alone), write from its start again.
Result<WalIndexHeader> FrameInjector::TryRestart(const WalIndexHeader& header) {
  auto info = index_.ReadCheckpointInfo();
  if (!info.ok()) return info.status();
  if (header.max_frame == 0 || info->backfilled != header.max_frame) return header;
  int rc = database_file_->pMethods->xShmLock(database_file_, kFirstWalReaderLock, kWalReaderLocks,
                                              SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE);
  // A reader still on an old snapshot: append instead, as SQLite's writers do.
  if (rc == SQLITE_BUSY) return header;
  if (rc != SQLITE_OK) {
    return Status::Io(
        fmt::format("cannot lock the read marks of {}: {}", path_.string(), sqlite3_errstr(rc)));
  }
  uint32_t salt2 = 0;
  sqlite3_randomness(sizeof(salt2), &salt2);
  auto restarted = index_.Restart(header, salt2);
  database_file_->pMethods->xShmLock(database_file_, kFirstWalReaderLock, kWalReaderLocks,
                                     SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE);
  if (restarted.ok()) ++wal_restarts_;
  return restarted;
}

// Step 4, for an empty WAL: a new WAL header, synced before any frame follows it. Its salts are
// always fresh (salt-1 one more than the old header's, salt-2 random; all random for a new WAL),
// so frames a crashed transaction left in this generation can never validate. Nothing reads the
// WAL meanwhile: with mxFrame = nBackfill = 0 readers take READ0 and read the database file.
Status FrameInjector::StartWalGeneration(WalIndexHeader& header) {
  uint8_t bytes[kWalHeaderSize];
  int rc = wal_file_->pMethods->xRead(wal_file_, bytes, int(kWalHeaderSize), 0);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) {
    return Status::Io(
        fmt::format("cannot read the WAL header of {}: {}", path_.string(), sqlite3_errstr(rc)));
  }
  std::optional<WalHeader> previous;
  if (rc == SQLITE_OK) previous = ParseWalHeader(bytes);
  WalHeader fresh;
  fresh.magic = kHostBigEndian ? kWalMagicBigEndian : kWalMagicLittleEndian;
  fresh.page_size = options_.page_size;
  if (previous) {
    fresh.checkpoint_sequence = previous->checkpoint_sequence + 1;
    StoreBigEndian32(fresh.salt.data(), LoadBigEndian32(previous->salt.data()) + 1);
    sqlite3_randomness(4, fresh.salt.data() + 4);
  } else {
    sqlite3_randomness(int(fresh.salt.size()), fresh.salt.data());
  }
  fresh = EncodeWalHeader(fresh, bytes);
  rc = wal_file_->pMethods->xWrite(wal_file_, bytes, int(kWalHeaderSize), 0);
  if (rc == SQLITE_OK) rc = wal_file_->pMethods->xSync(wal_file_, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) {
    return Status::Io(
        fmt::format("cannot write the WAL header of {}: {}", path_.string(), sqlite3_errstr(rc)));
  }
  header.big_endian_checksum = fresh.big_endian_checksum();
  header.page_size = fresh.page_size;
  header.salt = fresh.salt;
  header.frame_checksum = fresh.checksum;
  return Status::Ok();
}

Status FrameInjector::Begin() {
  if (in_transaction_) {
    return Status::InvalidArgument("Begin inside a transaction: Commit or Abort it first");
  }
  auto locked = LockForWriting();
  if (!locked.ok()) return locked.status();
  WalIndexHeader header = *locked;
  auto unlock_with = [&](Status status) {
    ReleaseWriteLocks();
    return status;
  };
  if (!FollowsFromCommitted(header)) {
    return unlock_with(Status::Internal(fmt::format(
        "the replica {} was written by another connection (its WAL ends at frame {}, the "
        "injector's last commit at frame {}): it no longer follows the primary; rebuild it from a "
        "snapshot, and let nothing but the replica applier write to it",
        path_.string(), header.max_frame, committed_.max_frame)));
  }
  if (header.max_frame > 0 && header.page_size != options_.page_size) {
    return unlock_with(Status::InvalidArgument(fmt::format(
        "the replica's WAL has page size {} but the primary's is {}: rebuild the replica",
        header.page_size, options_.page_size)));
  }
  auto restarted = TryRestart(header);
  if (!restarted.ok()) return unlock_with(restarted.status());
  header = *restarted;
  if (header.max_frame == 0) {
    if (Status status = StartWalGeneration(header); !status.ok()) return unlock_with(status);
  }
  base_ = header;
  wal_header_ = WalHeader{};
  wal_header_.magic = header.big_endian_checksum ? kWalMagicBigEndian : kWalMagicLittleEndian;
  wal_header_.page_size = options_.page_size;
  wal_header_.salt = header.salt;
  running_ = header.frame_checksum;
  first_frame_ = next_frame_ = header.max_frame + 1;
  page_numbers_.clear();
  write_buffer_.clear();
  held_page_.clear();
  held_page_no_ = 0;
  in_transaction_ = true;
  return Status::Ok();
}

Status FrameInjector::AppendPage(uint32_t page_no, std::string_view page) {
  if (!in_transaction_) {
    return Status::InvalidArgument("AppendPage outside a transaction: call Begin first");
  }
  if (page.size() != options_.page_size) {
    return Fail(
        Status::InvalidArgument(fmt::format("page {} has {} bytes, the replica's page size is {}",
                                            page_no, page.size(), options_.page_size)));
  }
  if (page_no == 0 || page_no == LockPageNumber(options_.page_size)) {
    return Fail(Status::InvalidArgument(
        fmt::format("page number {} is never written (0, or the lock-byte page)", page_no)));
  }
  if (held_page_no_ != 0) {
    Status status =
        WriteFrame(held_page_no_, 0, reinterpret_cast<const uint8_t*>(held_page_.data()));
    if (!status.ok()) return Fail(status);
  }
  held_page_.assign(page);
  held_page_no_ = page_no;
  return Status::Ok();
}

Status FrameInjector::WriteFrame(uint32_t page_no, uint32_t commit_pages, const uint8_t* page) {
  size_t frame_size = kWalFrameHeaderSize + options_.page_size;
  if (!write_buffer_.empty() && write_buffer_.size() + frame_size > kWriteBatchBytes) {
    if (Status status = FlushFrames(); !status.ok()) return status;
  }
  size_t offset = write_buffer_.size();
  write_buffer_.resize(offset + frame_size);
  uint8_t* frame = write_buffer_.data() + offset;
  running_ = EncodeWalFrame(wal_header_, running_, page_no, commit_pages, page, frame);
  std::memcpy(frame + kWalFrameHeaderSize, page, options_.page_size);
  page_numbers_.push_back(page_no);
  ++next_frame_;
  return Status::Ok();
}

Status FrameInjector::FlushFrames() {
  if (write_buffer_.empty()) return Status::Ok();
  size_t frames = write_buffer_.size() / (kWalFrameHeaderSize + options_.page_size);
  uint64_t offset = WalFrameOffset(next_frame_ - uint32_t(frames), options_.page_size);
  int rc = wal_file_->pMethods->xWrite(wal_file_, write_buffer_.data(), int(write_buffer_.size()),
                                       sqlite3_int64(offset));
  if (rc != SQLITE_OK) {
    return Status::Io(
        fmt::format("cannot write to the WAL of {}: {}", path_.string(), sqlite3_errstr(rc)));
  }
  write_buffer_.clear();
  return Status::Ok();
}

Status FrameInjector::Commit(uint32_t database_pages) {
  if (!in_transaction_) {
    return Status::InvalidArgument("Commit outside a transaction: call Begin first");
  }
  if (held_page_no_ == 0) {
    return Fail(Status::InvalidArgument("Commit of a transaction without pages"));
  }
  if (database_pages == 0) {
    return Fail(Status::InvalidArgument("Commit with a database size of 0 pages"));
  }
  // Step 5: the commit frame last, then one sync for the whole transaction.
  Status status = WriteFrame(held_page_no_, database_pages,
                             reinterpret_cast<const uint8_t*>(held_page_.data()));
  if (status.ok()) status = FlushFrames();
  if (!status.ok()) return Fail(status);
  Notify(CommitStep::kFramesWritten);
  if (options_.sync_each_commit) {
    if (Status synced = SyncWal(); !synced.ok()) return Fail(synced);
  }
  Notify(CommitStep::kWalSynced);
  // Step 6: entries above the published mxFrame, which no reader looks at yet.
  for (size_t i = 0; i < page_numbers_.size(); ++i) {
    if (Status append = index_.Append(first_frame_ + uint32_t(i), page_numbers_[i]); !append.ok()) {
      return Fail(append);
    }
  }
  Notify(CommitStep::kIndexAppended);
  // Step 7: the header, after a barrier that makes the entries visible first.
  WalIndexHeader published = base_;
  published.change = base_.change + 1;
  published.max_frame = next_frame_ - 1;
  published.database_pages = database_pages;
  published.frame_checksum = running_;
  published.page_size = options_.page_size;
  shared_memory_.Barrier();
  status = index_.PublishHeader(published, [this] { Notify(CommitStep::kBetweenHeaderCopies); });
  if (!status.ok()) return Fail(status);
  committed_ = published;
  Notify(CommitStep::kPublished);
  // Step 8: the caller records its position once this returns.
  EndTransaction();
  return Status::Ok();
}

void FrameInjector::Abort() {
  if (in_transaction_) EndTransaction();
}

void FrameInjector::EndTransaction() {
  ReleaseWriteLocks();
  in_transaction_ = false;
  page_numbers_.clear();
  write_buffer_.clear();
  held_page_.clear();
  held_page_no_ = 0;
}

Status FrameInjector::Fail(Status status) {
  EndTransaction();
  return status;
}

void FrameInjector::Notify(CommitStep step) const {
  if (options_.commit_observer) options_.commit_observer(step);
}

Status FrameInjector::SyncWal() {
  int rc = wal_file_->pMethods->xSync(wal_file_, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) {
    return Status::Io(
        fmt::format("cannot sync the WAL of {}: {}", path_.string(), sqlite3_errstr(rc)));
  }
  return Status::Ok();
}

namespace {

// R's busy handler during a checkpoint: retries every millisecond until the timeout, telling the
// caller each time, so that it can ask readers to move off old snapshots meanwhile.
struct CheckpointWait {
  std::chrono::steady_clock::time_point deadline;
  const std::function<void()>* on_busy;
};

int WaitForCheckpoint(void* argument, int) {
  auto* wait = static_cast<CheckpointWait*>(argument);
  if (std::chrono::steady_clock::now() >= wait->deadline) return 0;
  if (*wait->on_busy) (*wait->on_busy)();
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

}  // namespace

Result<CheckpointOutcome> FrameInjector::Checkpoint(CheckpointMode mode,
                                                    std::chrono::milliseconds busy_timeout,
                                                    const std::function<void()>& on_busy) {
  if (in_transaction_) {
    return Status::InvalidArgument("Checkpoint inside a transaction: Commit or Abort it first");
  }
  // SQL on R, with none of the raw locks held: R's own WAL code takes what it needs.
  CheckpointWait wait{std::chrono::steady_clock::now() + busy_timeout, &on_busy};
  sqlite3_busy_handler(db_.get(), &WaitForCheckpoint, &wait);
  auto outcome = RunCheckpoint(db_.get(), mode);
  sqlite3_busy_timeout(db_.get(), int(options_.lock_timeout.count()));
  if (!outcome.ok()) return outcome.status();
  // A TRUNCATE restarts the WAL. Anything else that moved the header is left for Begin to report.
  auto live = index_.ReadHeader();
  if (!live.ok()) return live.status();
  if (*live && FollowsFromCommitted(**live)) committed_ = **live;
  return outcome;
}

}  // namespace edgelite::wal
