// The replica's frame injector against stock SQLite readers: transactions recorded on a real
// primary and applied in any page order must give the primary's file byte for byte after
// checkpoints, pass integrity_check and be readable through ordinary connections; readers in other
// threads and in another process (the `sqlite3` CLI) running all along must only ever see whole
// transactions, never "database is locked"; WAL restarts and checkpoints must keep the WAL bounded;
// misuse, foreign writers and held locks must be reported, not corrupt anything.
#include "wal/frame_injector.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>
#include <random>
#include <thread>

#include "unit/temp_directory.h"
#include "unit/wal/bank_workload.h"
#include "unit/wal/primary_recorder.h"

extern char** environ;

namespace edgelite::wal {
namespace {

using namespace std::chrono_literals;
using testing::BankSchemaSql;
using testing::BankTransactionSql;
using testing::kBankCheckSql;
using testing::kBankTotal;
using testing::PrimaryRecorder;
using testing::PrimaryTransaction;
using testing::RecordBankWorkload;

enum class PageOrder { kAscending, kDescending, kShuffled };

// Applies one recorded transaction. With `stale_first`, a garbage image of the transaction's first
// page goes in before the real ones: the last image of a page must win.
Status Apply(FrameInjector& injector, const PrimaryTransaction& transaction, PageOrder order,
             uint32_t seed = 0, bool stale_first = false) {
  std::vector<size_t> indexes(transaction.pages.size());
  std::iota(indexes.begin(), indexes.end(), 0);
  if (order == PageOrder::kDescending) std::reverse(indexes.begin(), indexes.end());
  if (order == PageOrder::kShuffled) {
    std::shuffle(indexes.begin(), indexes.end(), std::mt19937(seed));
  }
  if (Status status = injector.Begin(); !status.ok()) return status;
  if (stale_first) {
    std::string garbage(PrimaryRecorder::kPageSize, char(0x6b));
    if (Status status = injector.AppendPage(transaction.page_numbers[0], garbage); !status.ok()) {
      return status;
    }
  }
  for (size_t i : indexes) {
    Status status = injector.AppendPage(transaction.page_numbers[i], transaction.pages[i]);
    if (!status.ok()) return status;
  }
  return injector.Commit(transaction.database_pages);
}

PageOrder OrderFor(size_t index) {
  return static_cast<PageOrder>(index % 3);
}

std::string Query(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  std::string out;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      if (i) out += "|";
      const unsigned char* text = sqlite3_column_text(statement, i);
      out += text ? reinterpret_cast<const char*>(text) : "NULL";
    }
  } else if (rc != SQLITE_DONE) {
    out = std::string("error: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(statement);
  return out;
}

std::string BankState(int64_t counter) {
  return std::to_string(kBankTotal) + "|" + std::to_string(counter);
}

// The file, read through the connection's own file object (a second descriptor on a database
// file drops this process's locks on it when it is closed).
std::string FileThrough(sqlite3* db) {
  sqlite3_file* file = nullptr;
  sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
  sqlite3_int64 size = 0;
  file->pMethods->xFileSize(file, &size);
  std::string bytes(size_t(size), '\0');
  if (size > 0) file->pMethods->xRead(file, bytes.data(), int(size), 0);
  return bytes;
}

// The database a connection sees, through the WAL: the logical image of §6.6.
std::string ImageThrough(sqlite3* db) {
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(db, "main", &size, 0);
  std::string image(reinterpret_cast<const char*>(bytes), size_t(size));
  sqlite3_free(bytes);
  return image;
}

class FrameInjectorTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (sqlite3* db : connections_) sqlite3_close_v2(db);
  }

  std::filesystem::path replica_path() const { return dir_ / "replica"; }

  std::unique_ptr<FrameInjector> OpenInjector(FrameInjectorOptions options = {}) {
    auto opened = FrameInjector::Open(replica_path(), std::move(options));
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  std::unique_ptr<PrimaryRecorder> CreatePrimary() {
    auto created = PrimaryRecorder::Create(dir_ / "primary");
    EXPECT_TRUE(created.ok()) << created.status().message();
    return created.ok() ? std::move(created).value() : nullptr;
  }

  // A plain connection to the replica, as an application opens it; closed at TearDown.
  sqlite3* Connect(int flags = SQLITE_OPEN_READONLY) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(replica_path().c_str(), &db, flags, nullptr), SQLITE_OK);
    sqlite3_wal_autocheckpoint(db, 0);
    connections_.push_back(db);
    return db;
  }

  void Close(sqlite3* db) {
    std::erase(connections_, db);
    EXPECT_EQ(sqlite3_close(db), SQLITE_OK);
  }

  // TRUNCATE checkpoints on both sides, then the files must be equal and the replica sound.
  void ExpectSameFileAsPrimary(FrameInjector& injector, PrimaryRecorder& primary) {
    auto outcome = injector.Checkpoint(CheckpointMode::kTruncate, 2s);
    ASSERT_TRUE(outcome.ok()) << outcome.status().message();
    ASSERT_TRUE(outcome->complete);
    EXPECT_EQ(injector.wal_frames(), 0u);
    ASSERT_TRUE(primary.Checkpoint("TRUNCATE").ok());
    sqlite3* check = Connect();
    EXPECT_EQ(Query(check, "PRAGMA integrity_check"), "ok");
    std::string replica_file = FileThrough(check);
    std::string primary_file = FileThrough(primary.db());
    EXPECT_EQ(replica_file.size(), primary_file.size());
    EXPECT_TRUE(replica_file == primary_file) << "the replica's file differs from the primary's";
    Close(check);
  }

  test::TempDirectory dir_;
  std::vector<sqlite3*> connections_;
};

TEST_F(FrameInjectorTest, AnAbsentOrEmptyFileBecomesAWalDatabase) {
  for (bool exists_empty : {false, true}) {
    SCOPED_TRACE(exists_empty ? "empty file" : "absent file");
    std::filesystem::remove_all(dir_.path());
    std::filesystem::create_directories(dir_.path());
    if (exists_empty) std::ofstream(replica_path()).close();
    auto injector = OpenInjector();
    ASSERT_TRUE(injector);
    // One empty page in WAL mode: SQLite would delete the WAL of a zero-page database.
    EXPECT_EQ(std::filesystem::file_size(replica_path()), 4096u);
    EXPECT_EQ(injector->wal_frames(), 0u);
    sqlite3* reader = Connect();
    EXPECT_EQ(Query(reader, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(Query(reader, "SELECT count(*) FROM sqlite_schema"), "0");

    auto primary = CreatePrimary();
    auto recorded = RecordBankWorkload(*primary, 20, 1);
    ASSERT_TRUE(recorded.ok()) << recorded.status().message();
    for (size_t i = 0; i < recorded->size(); ++i) {
      ASSERT_TRUE(Apply(*injector, (*recorded)[i], OrderFor(i)).ok());
    }
    EXPECT_EQ(Query(reader, kBankCheckSql), BankState(20));
    EXPECT_EQ(Query(reader, "PRAGMA integrity_check"), "ok");
    ASSERT_NO_FATAL_FAILURE(ExpectSameFileAsPrimary(*injector, *primary));
    Close(reader);
    injector.reset();
    primary.reset();
  }
}

TEST_F(FrameInjectorTest, PagesInAnyOrderAndRepeatedGiveThePrimarysFile) {
  auto primary = CreatePrimary();
  auto injector = OpenInjector();
  ASSERT_TRUE(primary && injector);
  sqlite3* reader = Connect();
  std::mt19937 rng(2);
  bool shrank = false;
  uint32_t previous_pages = 0;
  for (int i = -1; i < 400; ++i) {
    SCOPED_TRACE(::testing::Message() << "transaction " << i);
    auto committed = primary->Run(i < 0 ? BankSchemaSql() : BankTransactionSql(rng, i));
    ASSERT_TRUE(committed.ok()) << committed.status().message();
    ASSERT_EQ(committed->size(), 1u);
    const PrimaryTransaction& transaction = committed->front();
    shrank |= transaction.database_pages < previous_pages;
    previous_pages = transaction.database_pages;
    Status status =
        Apply(*injector, transaction, OrderFor(size_t(i + 1)), uint32_t(i + 1), i % 4 == 1);
    ASSERT_TRUE(status.ok()) << status.message();
    // After every commit a reader sees the primary's database (through the WAL, until
    // checkpoints copy it into the file).
    ASSERT_TRUE(ImageThrough(reader) == primary->Image());
    if (i % 25 == 24) {
      auto outcome = injector->Checkpoint(CheckpointMode::kPassive, 0ms);
      ASSERT_TRUE(outcome.ok()) << outcome.status().message();
      EXPECT_TRUE(outcome->complete);
    }
    if (i % 100 == 99) {
      ASSERT_NO_FATAL_FAILURE(ExpectSameFileAsPrimary(*injector, *primary));
    }
  }
  // The workload shrinks the database (VACUUM after DELETE), so checkpoints truncated the file.
  EXPECT_TRUE(shrank);
  // PASSIVE checkpoints with no reader left every frame checkpointed: Begin restarted the WAL.
  EXPECT_GT(injector->wal_restarts(), 0u);
}

TEST_F(FrameInjectorTest, ASnapshotOfThousandsOfPagesInDescendingOrderIsOneTransaction) {
  auto primary = CreatePrimary();
  ASSERT_TRUE(primary);
  ASSERT_TRUE(primary
                  ->Run("CREATE TABLE big(v BLOB);"
                        "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r "
                        "WHERE i < 6000) INSERT INTO big SELECT randomblob(3000) FROM r")
                  .ok());
  // What a replica gets when it is too far behind: every page, newest frame first.
  std::string image = primary->Image();
  uint32_t pages = uint32_t(image.size() / PrimaryRecorder::kPageSize);
  ASSERT_GT(pages, kHashTableFirstFrames + 1000);
  auto injector = OpenInjector();
  ASSERT_TRUE(injector);
  ASSERT_TRUE(injector->Begin().ok());
  for (uint32_t page = pages; page >= 1; --page) {
    std::string_view bytes(image.data() + size_t(page - 1) * PrimaryRecorder::kPageSize,
                           PrimaryRecorder::kPageSize);
    ASSERT_TRUE(injector->AppendPage(page, bytes).ok());
  }
  ASSERT_TRUE(injector->Commit(pages).ok());
  EXPECT_EQ(injector->wal_frames(), pages);
  sqlite3* reader = Connect();
  EXPECT_EQ(Query(reader, "SELECT count(*) FROM big"), "6000");
  EXPECT_EQ(Query(reader, "PRAGMA integrity_check"), "ok");

  // Incremental transactions continue from the snapshot, one of them shrinking the file.
  for (const char* sql : {"UPDATE big SET v = randomblob(3000) WHERE rowid % 97 = 0",
                          "DELETE FROM big WHERE rowid > 1000", "VACUUM"}) {
    auto committed = primary->Run(sql);
    ASSERT_TRUE(committed.ok()) << committed.status().message();
    for (const PrimaryTransaction& transaction : *committed) {
      ASSERT_TRUE(Apply(*injector, transaction, PageOrder::kShuffled).ok());
    }
  }
  EXPECT_EQ(Query(reader, "SELECT count(*) FROM big"), "1000");
  Close(reader);
  ASSERT_NO_FATAL_FAILURE(ExpectSameFileAsPrimary(*injector, *primary));
}

TEST_F(FrameInjectorTest, AbortedTransactionsStayInvisibleEvenToRecovery) {
  auto primary = CreatePrimary();
  auto recorded = RecordBankWorkload(*primary, 30, 4);
  ASSERT_TRUE(recorded.ok()) << recorded.status().message();
  auto injector = OpenInjector();
  ASSERT_TRUE(injector);
  for (size_t i = 0; i <= 20; ++i) ASSERT_TRUE(Apply(*injector, (*recorded)[i], OrderFor(i)).ok());
  // Keeps the WAL and the -shm on disk when everything else closes, as a crash would.
  sqlite3* keeper = Connect(SQLITE_OPEN_READWRITE);
  sqlite3_db_config(keeper, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  EXPECT_EQ(Query(keeper, kBankCheckSql), BankState(20));

  auto abandon = [&](uint32_t frames) {
    ASSERT_TRUE(injector->Begin().ok());
    for (uint32_t k = 0; k < frames; ++k) {
      std::string garbage(PrimaryRecorder::kPageSize, char('a' + k % 26));
      ASSERT_TRUE(injector->AppendPage(1 + k % 40, garbage).ok());
    }
    injector->Abort();
  };
  // Enough frames that some reach the WAL file before the abort (they are written in batches).
  uintmax_t wal_before = std::filesystem::file_size(dir_ / "replica-wal");
  ASSERT_NO_FATAL_FAILURE(abandon(600));
  EXPECT_GT(std::filesystem::file_size(dir_ / "replica-wal"), wal_before);
  EXPECT_EQ(Query(keeper, kBankCheckSql), BankState(20));

  // Misuse is refused; a bad page or commit also ends the transaction it happens in.
  EXPECT_EQ(injector->AppendPage(1, std::string(4096, 'x')).kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(injector->Commit(3).kind(), ErrorKind::kInvalidArgument);
  ASSERT_TRUE(injector->Begin().ok());
  EXPECT_EQ(injector->Begin().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(injector->Checkpoint(CheckpointMode::kPassive, 0ms).status().kind(),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(injector->AppendPage(1, std::string(100, 'x')).kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(injector->Commit(3).kind(), ErrorKind::kInvalidArgument);
  ASSERT_TRUE(injector->Begin().ok());
  EXPECT_EQ(injector->AppendPage(LockPageNumber(4096), std::string(4096, 'x')).kind(),
            ErrorKind::kInvalidArgument);
  ASSERT_TRUE(injector->Begin().ok());
  EXPECT_EQ(injector->Commit(3).kind(), ErrorKind::kInvalidArgument);  // no pages

  // In a new WAL generation too (Begin wrote a new WAL header before the abort).
  auto truncated = injector->Checkpoint(CheckpointMode::kTruncate, 1s);
  ASSERT_TRUE(truncated.ok() && truncated->complete);
  ASSERT_NO_FATAL_FAILURE(abandon(600));
  EXPECT_GT(std::filesystem::file_size(dir_ / "replica-wal"), 0u);

  // A connection that rebuilds the wal-index from the WAL finds no trace of either.
  injector.reset();
  Close(keeper);
  ASSERT_TRUE(std::filesystem::exists(dir_ / "replica-wal"));
  sqlite3* fresh = Connect();
  EXPECT_EQ(Query(fresh, kBankCheckSql), BankState(20));
  EXPECT_EQ(Query(fresh, "PRAGMA integrity_check"), "ok");
  injector = OpenInjector();
  ASSERT_TRUE(injector);
  for (size_t i = 21; i < recorded->size(); ++i) {
    ASSERT_TRUE(Apply(*injector, (*recorded)[i], OrderFor(i)).ok());
  }
  EXPECT_EQ(Query(fresh, kBankCheckSql), BankState(30));
  Close(fresh);
  ASSERT_NO_FATAL_FAILURE(ExpectSameFileAsPrimary(*injector, *primary));
}

// Reads until told to stop, each time in one read transaction: both statements of a transaction
// must see the same state, the total must never change, the counter never go back.
struct ReaderOutcome {
  int64_t reads = 0;
  std::string error;
};

void ReadUntilStopped(const std::filesystem::path& path, const std::atomic<bool>& stop,
                      ReaderOutcome& outcome) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    outcome.error = "open failed";
    sqlite3_close(db);
    return;
  }
  int64_t last_counter = -1;
  while (!stop.load() && outcome.error.empty()) {
    if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
      outcome.error = sqlite3_errmsg(db);
      break;
    }
    std::string first = Query(db, kBankCheckSql);
    std::string second = Query(db, kBankCheckSql);
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      outcome.error = sqlite3_errmsg(db);
      break;
    }
    size_t bar = first.find('|');
    if (first != second || bar == std::string::npos ||
        first.substr(0, bar) != std::to_string(kBankTotal)) {
      outcome.error = "inconsistent snapshot: " + first + " then " + second;
      break;
    }
    int64_t counter = std::stoll(first.substr(bar + 1));
    if (counter < last_counter) {
      outcome.error = "counter went back from " + std::to_string(last_counter) + " to " + first;
      break;
    }
    last_counter = counter;
    ++outcome.reads;
    // Like an application's readers rather than a spin loop: readers that never pause always hold
    // a read mark, so that the injector's restarts rarely succeed and only TRUNCATE checkpoints
    // bound the WAL (also standard SQLite behaviour).
    std::this_thread::sleep_for(200us);
  }
  sqlite3_close(db);
}

// Reader threads, each with its own connection, and the sqlite3 CLI in a loop (each run a few read
// transactions) on the replica until Stop. Stopped and waited for when destroyed too, so that a
// failing test leaves nothing running.
class ConcurrentReaders {
 public:
  ConcurrentReaders(const std::filesystem::path& replica, const std::filesystem::path& dir,
                    int threads)
      : outcomes_(size_t(threads)),
        stop_file_(dir / "stop"),
        cli_out_(dir / "cli.out"),
        cli_err_(dir / "cli.err") {
    for (ReaderOutcome& outcome : outcomes_) {
      threads_.emplace_back([&, replica] { ReadUntilStopped(replica, stop_, outcome); });
    }
    std::filesystem::path script = dir / "reads.sql";
    {
      std::ofstream out(script);
      for (int i = 0; i < 20; ++i) {
        out << "BEGIN;\n" << kBankCheckSql << ";\n" << kBankCheckSql << ";\nCOMMIT;\n";
      }
    }
    std::string command = "while [ ! -e '" + stop_file_.string() + "' ]; do sqlite3 '" +
                          replica.string() + "' < '" + script.string() +
                          "' || echo FAILED; done > '" + cli_out_.string() + "' 2> '" +
                          cli_err_.string() + "'";
    const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
    if (posix_spawn(&cli_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
      cli_ = 0;
    }
  }
  ~ConcurrentReaders() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    if (cli_ > 0) {
      std::ofstream(stop_file_).close();
      int status = 0;
      waitpid(cli_, &status, 0);
      cli_ = 0;
    }
  }

  bool cli_started() const { return cli_ > 0; }
  const std::vector<ReaderOutcome>& outcomes() const { return outcomes_; }
  std::vector<std::string> CliLines() const {
    std::ifstream in(cli_out_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  std::string CliErrors() const {
    std::ifstream in(cli_err_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<ReaderOutcome> outcomes_;
  std::vector<std::thread> threads_;
  std::filesystem::path stop_file_;
  std::filesystem::path cli_out_;
  std::filesystem::path cli_err_;
  pid_t cli_ = 0;
};

TEST_F(FrameInjectorTest, ReadersInThreadsAndProcessesOnlySeeWholeTransactions) {
  constexpr int kTransactions = 2000;
  auto primary = CreatePrimary();
  auto recorded = RecordBankWorkload(*primary, kTransactions, 3);
  ASSERT_TRUE(recorded.ok()) << recorded.status().message();
  auto injector = OpenInjector();
  ASSERT_TRUE(injector);
  ASSERT_TRUE(Apply(*injector, (*recorded)[0], PageOrder::kAscending).ok());

  ConcurrentReaders readers(replica_path(), dir_.path(), 3);
  ASSERT_TRUE(readers.cli_started());
  // The caller's checkpoint policy: PASSIVE often, TRUNCATE now and then and whenever the WAL is
  // long.
  constexpr uint32_t kTruncateAfterFrames = 1500;
  size_t largest_transaction = 0;
  uint32_t max_frames = 0;
  uintmax_t max_wal_bytes = 0;
  int truncations = 0;
  for (size_t i = 1; i < recorded->size(); ++i) {
    Status status = Apply(*injector, (*recorded)[i], OrderFor(i), uint32_t(i));
    ASSERT_TRUE(status.ok()) << "transaction " << i << ": " << status.message();
    largest_transaction = std::max(largest_transaction, (*recorded)[i].pages.size());
    max_frames = std::max(max_frames, injector->wal_frames());
    max_wal_bytes = std::max(max_wal_bytes, std::filesystem::file_size(dir_ / "replica-wal"));
    if (injector->wal_frames() >= kTruncateAfterFrames || i % 400 == 0) {
      auto outcome = injector->Checkpoint(CheckpointMode::kTruncate, 200ms);
      ASSERT_TRUE(outcome.ok()) << outcome.status().message();
      truncations += outcome->complete ? 1 : 0;
    } else if (i % 20 == 0) {
      ASSERT_TRUE(injector->Checkpoint(CheckpointMode::kPassive, 0ms).ok());
    }
  }
  readers.Stop();

  for (const ReaderOutcome& outcome : readers.outcomes()) {
    EXPECT_EQ(outcome.error, "");
    EXPECT_GT(outcome.reads, 100);
  }
  EXPECT_EQ(readers.CliErrors(), "") << "the sqlite3 CLI failed";
  std::vector<std::string> lines = readers.CliLines();
  ASSERT_GT(lines.size(), 40u);
  int64_t last_counter = -1;
  for (size_t i = 0; i + 1 < lines.size(); i += 2) {
    ASSERT_EQ(lines[i], lines[i + 1]) << "one CLI read transaction saw two states";
    size_t bar = lines[i].find('|');
    ASSERT_NE(bar, std::string::npos) << lines[i];
    ASSERT_EQ(lines[i].substr(0, bar), std::to_string(kBankTotal)) << lines[i];
    int64_t counter = std::stoll(lines[i].substr(bar + 1));
    ASSERT_GE(counter, last_counter);
    last_counter = counter;
  }
  EXPECT_GT(last_counter, 0);

  // Restarts and checkpoints kept the WAL bounded: never longer than the policy's threshold plus
  // one transaction.
  EXPECT_GE(injector->wal_restarts(), 5u);
  EXPECT_GE(truncations, 2);
  uint32_t bound = kTruncateAfterFrames + uint32_t(largest_transaction);
  EXPECT_LT(max_frames, bound);
  EXPECT_LE(max_wal_bytes, WalFrameOffset(bound + 1, 4096));
  std::cout << "reads per thread:";
  for (const ReaderOutcome& outcome : readers.outcomes()) std::cout << " " << outcome.reads;
  std::cout << "; CLI reads: " << lines.size() / 2 << "; WAL restarts: " << injector->wal_restarts()
            << "; TRUNCATE checkpoints: " << truncations << "; most WAL frames: " << max_frames
            << "; largest WAL: " << max_wal_bytes << " bytes\n";
  ASSERT_NO_FATAL_FAILURE(ExpectSameFileAsPrimary(*injector, *primary));
}

TEST_F(FrameInjectorTest, ACommitByAnotherConnectionIsReported) {
  auto primary = CreatePrimary();
  auto recorded = RecordBankWorkload(*primary, 5, 6);
  ASSERT_TRUE(recorded.ok());
  auto injector = OpenInjector();
  ASSERT_TRUE(injector);
  for (const PrimaryTransaction& transaction : *recorded) {
    ASSERT_TRUE(Apply(*injector, transaction, PageOrder::kAscending).ok());
  }
  sqlite3* foreign = Connect(SQLITE_OPEN_READWRITE);
  ASSERT_EQ(sqlite3_exec(foreign, "UPDATE counter SET n = n + 100", nullptr, nullptr, nullptr),
            SQLITE_OK);
  Status status = injector->Begin();
  EXPECT_EQ(status.kind(), ErrorKind::kInternal);
  EXPECT_NE(status.message().find("written by another connection"), std::string::npos)
      << status.message();
  // The refusal left nothing locked.
  EXPECT_EQ(sqlite3_exec(foreign, "UPDATE counter SET n = n + 1", nullptr, nullptr, nullptr),
            SQLITE_OK);
}

TEST_F(FrameInjectorTest, BeginGivesUpWhenTheWriteLockStaysTaken) {
  FrameInjectorOptions options;
  options.lock_timeout = 300ms;
  auto injector = OpenInjector(options);
  ASSERT_TRUE(injector);
  sqlite3* writer = Connect(SQLITE_OPEN_READWRITE);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto start = std::chrono::steady_clock::now();
  Status status = injector->Begin();
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.kind(), ErrorKind::kUnavailable);
  EXPECT_NE(status.message().find("locked for writing"), std::string::npos) << status.message();
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 3s);
  ASSERT_EQ(sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_TRUE(injector->Begin().ok());
  injector->Abort();
}

TEST_F(FrameInjectorTest, ReadersOfTheWalDelayRestartsAndTruncationButAreNeverBlocked) {
  auto primary = CreatePrimary();
  auto recorded = RecordBankWorkload(*primary, 40, 7);
  ASSERT_TRUE(recorded.ok());
  auto injector = OpenInjector();
  ASSERT_TRUE(injector);
  for (size_t i = 0; i <= 20; ++i) ASSERT_TRUE(Apply(*injector, (*recorded)[i], OrderFor(i)).ok());

  // A reader whose snapshot uses the WAL (READ1..4), held open.
  sqlite3* reader = Connect();
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(Query(reader, kBankCheckSql), BankState(20));
  auto passive = injector->Checkpoint(CheckpointMode::kPassive, 0ms);
  ASSERT_TRUE(passive.ok() && passive->complete);  // its snapshot is the latest: nothing held back
  uint32_t frames = injector->wal_frames();
  uint64_t restarts = injector->wal_restarts();
  // Every frame is checkpointed, but the reader still uses the WAL: append, do not restart.
  ASSERT_TRUE(Apply(*injector, (*recorded)[21], PageOrder::kAscending).ok());
  EXPECT_EQ(injector->wal_restarts(), restarts);
  EXPECT_GT(injector->wal_frames(), frames);
  EXPECT_EQ(Query(reader, kBankCheckSql), BankState(20));

  // TRUNCATE waits for the old snapshot up to its timeout, then reports that it did not finish.
  auto start = std::chrono::steady_clock::now();
  auto blocked = injector->Checkpoint(CheckpointMode::kTruncate, 300ms);
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(blocked.ok()) << blocked.status().message();
  EXPECT_FALSE(blocked->complete);
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 3s);
  sqlite3* newer = Connect();
  EXPECT_EQ(Query(newer, kBankCheckSql), BankState(21));

  ASSERT_EQ(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  auto truncated = injector->Checkpoint(CheckpointMode::kTruncate, 300ms);
  ASSERT_TRUE(truncated.ok() && truncated->complete);
  EXPECT_EQ(injector->wal_frames(), 0u);
  EXPECT_EQ(std::filesystem::file_size(dir_ / "replica-wal"), 0u);

  // With the reader gone, a fully checkpointed WAL is restarted by the next transaction.
  ASSERT_TRUE(Apply(*injector, (*recorded)[22], PageOrder::kDescending).ok());
  ASSERT_TRUE(injector->Checkpoint(CheckpointMode::kPassive, 0ms).ok());
  ASSERT_TRUE(Apply(*injector, (*recorded)[23], PageOrder::kDescending).ok());
  EXPECT_EQ(injector->wal_restarts(), restarts + 1);
  EXPECT_EQ(injector->wal_frames(), (*recorded)[23].pages.size());
  for (size_t i = 24; i < recorded->size(); ++i) {
    ASSERT_TRUE(Apply(*injector, (*recorded)[i], OrderFor(i)).ok());
  }
  EXPECT_EQ(Query(newer, kBankCheckSql), BankState(40));
  Close(newer);
  Close(reader);
  ASSERT_NO_FATAL_FAILURE(ExpectSameFileAsPrimary(*injector, *primary));
}

TEST_F(FrameInjectorTest, AReopenedInjectorContinuesTheWal) {
  auto primary = CreatePrimary();
  auto recorded = RecordBankWorkload(*primary, 60, 8);
  ASSERT_TRUE(recorded.ok());
  auto injector = OpenInjector();
  ASSERT_TRUE(injector);
  for (size_t i = 0; i <= 30; ++i) ASSERT_TRUE(Apply(*injector, (*recorded)[i], OrderFor(i)).ok());
  sqlite3* reader = Connect();  // keeps the WAL when the injector closes
  EXPECT_EQ(Query(reader, kBankCheckSql), BankState(30));
  uint32_t frames = injector->wal_frames();
  ASSERT_GT(frames, 0u);
  injector.reset();
  injector = OpenInjector();
  ASSERT_TRUE(injector);
  EXPECT_EQ(injector->wal_frames(), frames);
  for (size_t i = 31; i < recorded->size(); ++i) {
    ASSERT_TRUE(Apply(*injector, (*recorded)[i], OrderFor(i)).ok());
  }
  EXPECT_GT(injector->wal_frames(), frames);
  EXPECT_EQ(Query(reader, kBankCheckSql), BankState(60));
  Close(reader);
  ASSERT_NO_FATAL_FAILURE(ExpectSameFileAsPrimary(*injector, *primary));
}

TEST_F(FrameInjectorTest, APageSizeOtherThanTheReplicasIsRefused) {
  auto injector = OpenInjector();
  ASSERT_TRUE(injector);
  injector.reset();
  auto other = FrameInjector::Open(replica_path(), 8192);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(other.status().message().find("page size 4096"), std::string::npos)
      << other.status().message();
  auto invalid = FrameInjector::Open(dir_ / "other", 1000);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().kind(), ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace edgelite::wal
