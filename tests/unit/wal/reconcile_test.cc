// Start-up reconciliation between the database and its frame log (docs/wal-replication.md §5.6):
// a clean restart continues the same lineage; transactions the WAL holds but the log lacks (a
// crash between SQLite's commit and the log append, a torn log tail, a writer outside the VFS) are
// rolled forward; a log that cannot continue the database is replaced by a new lineage starting
// with a full snapshot. In every case the replayed log must equal the database.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "unit/wal/capture_test_support.h"
#include "wal/captured_database.h"
#include "wal/posix_file.h"

namespace edgelite::wal {
namespace {

class CaptureReconcileTest : public testing::CaptureFixture {
 protected:
  std::filesystem::path LastSegment() {
    std::filesystem::path lineage = dir_ / "wallog" / captured_->log().log_id_string();
    std::filesystem::path last;
    for (const auto& entry : std::filesystem::directory_iterator(lineage)) {
      if (last.empty() || entry.path() > last) last = entry.path();
    }
    return last;
  }
};

TEST_F(CaptureReconcileTest, CleanRestartContinuesTheLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* db = Connect();
  MustExec(db, "CREATE TABLE t(v); INSERT INTO t VALUES (1)");
  LogId id = captured_->log().log_id();
  uint64_t index = *captured_->replication_index();
  CloseCaptured();

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  EXPECT_EQ(captured_->log().log_id(), id);
  EXPECT_EQ(captured_->replication_index(), index);
  EXPECT_FALSE(captured_->startup_report().snapshot_taken);
  EXPECT_EQ(captured_->startup_report().transactions_rolled_forward, 0u);
  db = Connect();
  MustExec(db, "INSERT INTO t VALUES (2)");
  EXPECT_GT(*captured_->replication_index(), index);
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureReconcileTest, RollsForwardCommitsInANewWalGeneration) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  MustExec(Connect(), "CREATE TABLE t(v); INSERT INTO t VALUES ('logged')");
  CloseCaptured();  // the last close checkpoints and deletes the WAL

  // Commits the log never saw, in a WAL the next start finds.
  sqlite3* outside = ConnectKeepingWal();
  for (int i = 0; i < 3; ++i) MustExec(outside, "INSERT INTO t VALUES ('outside')");
  CloseKeepingWal(outside);
  ASSERT_TRUE(std::filesystem::exists(db_path().string() + "-wal"));

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  EXPECT_EQ(captured_->startup_report().transactions_rolled_forward, 3u);
  EXPECT_FALSE(captured_->startup_report().snapshot_taken);
  ExpectReplayMatchesPrimary(Connect());
}

TEST_F(CaptureReconcileTest, RollsForwardCommitsInTheSameWalGeneration) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* outside = ConnectKeepingWal();  // keeps the WAL alive across the close below
  MustExec(Connect(), "CREATE TABLE t(v); INSERT INTO t VALUES ('logged')");
  LogId id = captured_->log().log_id();
  auto position = captured_->capture().position();
  CloseCaptured();
  MustExec(outside, "INSERT INTO t VALUES ('outside 1'); INSERT INTO t VALUES ('outside 2')");
  CloseKeepingWal(outside);

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  EXPECT_EQ(captured_->startup_report().transactions_rolled_forward, 2u);
  EXPECT_EQ(captured_->log().log_id(), id);
  EXPECT_EQ(captured_->capture().position()->salt, position->salt);
  sqlite3* db = Connect();
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM t"), "3");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureReconcileTest, TornLogTailIsRecapturedFromTheWal) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* keep = ConnectKeepingWal();
  sqlite3* db = Connect();
  MustExec(db, "CREATE TABLE t(v); INSERT INTO t VALUES (1)");
  uint64_t before_last = *captured_->replication_index();
  MustExec(db, "INSERT INTO t VALUES (randomblob(5000))");
  uint64_t last = *captured_->replication_index();
  std::filesystem::path segment = LastSegment();
  CloseCaptured();
  CloseKeepingWal(keep);
  // A crash in the middle of the last append: the record is cut short.
  std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 100);

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  EXPECT_EQ(captured_->startup_report().transactions_rolled_forward, 1u);
  EXPECT_EQ(captured_->replication_index(), last);
  EXPECT_GT(last, before_last);
  ExpectReplayMatchesPrimary(Connect());
}

TEST_F(CaptureReconcileTest, WalBehindTheLogStartsANewLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* keep = ConnectKeepingWal();
  MustExec(Connect(), "CREATE TABLE t(v); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)");
  LogId id = captured_->log().log_id();
  CloseCaptured();
  CloseKeepingWal(keep);
  // The WAL loses its last transactions (rewritten outside SQLite): the log is ahead of the
  // database. (Frames 1-2 are the CREATE TABLE; the two INSERTs follow.)
  std::filesystem::resize_file(db_path().string() + "-wal", 32 + 2 * (24 + 4096));

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  const ReconcileReport& report = captured_->startup_report();
  EXPECT_TRUE(report.snapshot_taken);
  EXPECT_TRUE(report.new_lineage);
  EXPECT_NE(report.snapshot_reason.find("WAL ends at frame 2"), std::string::npos)
      << report.snapshot_reason;
  EXPECT_NE(captured_->log().log_id(), id);
  // The new lineage starts at frame 0 with one page per database page.
  EXPECT_EQ(*captured_->replication_index() + 1, report.snapshot_pages);
  auto first = captured_->log().ReadFrames(0, 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->frames.front().frame_no, 0u);
  sqlite3* db = Connect();
  MustExec(db, "CREATE TABLE after(x)");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureReconcileTest, ExistingRollbackDatabaseIsConvertedAndSnapshotted) {
  ASSERT_NO_FATAL_FAILURE(WritePlainRollbackDatabase());
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  const ReconcileReport& report = captured_->startup_report();
  EXPECT_TRUE(report.converted_to_wal);
  EXPECT_TRUE(report.snapshot_taken);
  EXPECT_FALSE(report.new_lineage);
  EXPECT_GT(report.snapshot_pages, 20u);
  sqlite3* db = Connect();
  EXPECT_EQ(QueryText(db, "PRAGMA journal_mode"), "wal");
  MustExec(db, "DELETE FROM t WHERE rowid % 2 = 0");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureReconcileTest, LostLogIsRebuiltFromASnapshot) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  MustExec(Connect(), "CREATE TABLE t(v); INSERT INTO t VALUES (randomblob(10000))");
  LogId id = captured_->log().log_id();
  CloseCaptured();
  std::filesystem::remove_all(dir_ / "wallog");

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  EXPECT_TRUE(captured_->startup_report().snapshot_taken);
  EXPECT_NE(captured_->log().log_id(), id);
  ExpectReplayMatchesPrimary(Connect());
}

TEST_F(CaptureReconcileTest, RefusesADatabaseWithAnotherPageSize) {
  {
    sqlite3* plain = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &plain), SQLITE_OK);
    MustExec(plain, "PRAGMA page_size=1024; CREATE TABLE t(v)");
    sqlite3_close(plain);
  }
  CapturedDatabaseOptions options;
  options.database_file = db_path();
  auto opened = CapturedDatabase::Open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("1024-byte pages"), std::string::npos)
      << opened.status().message();
}

TEST_F(CaptureReconcileTest, LargePages) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured(65536));
  sqlite3* db = Connect();
  MustExec(db,
           "CREATE TABLE t(v); INSERT INTO t VALUES (randomblob(200000));"
           "DELETE FROM t; VACUUM;");
  EXPECT_EQ(captured_->log().page_size(), 65536u);
  ExpectReplayMatchesPrimary(db);
}

}  // namespace
}  // namespace edgelite::wal
