// A database that no longer holds what its frame log's last records wrote (log_tail_check.h): a
// WAL deleted after a crash while commits were only in it, `data` restored from an older backup
// (alone or with its own WAL), swapped for an unrelated file, or written and checkpointed by a
// plain SQLite connection while edgelite was down. Each must start a new lineage (new log_id,
// frames from 0, a snapshot of the database as it is now) instead of numbering new frames on top
// of a log that replicas would follow into rows the primary no longer has. And restarts that lose
// nothing must keep the lineage, whatever state the WAL was left in.
#include <gtest/gtest.h>

#include "unit/wal/capture_test_support.h"
#include "wal/captured_database.h"

namespace edgelite::wal {
namespace {

class LogTailCheckTest : public testing::CaptureFixture {
 protected:
  std::filesystem::path wal_path() const { return db_path().string() + "-wal"; }
  std::filesystem::path shm_path() const { return db_path().string() + "-shm"; }

  // The process dies without checkpointing: whatever the WAL holds stays in it.
  void Crash(sqlite3* keep) {
    CloseCaptured();
    CloseKeepingWal(keep);
  }

  // The restart found a database the log cannot continue, and started over from it.
  void ExpectNewLineage(const LogId& old_id) {
    const ReconcileReport& report = captured_->startup_report();
    EXPECT_TRUE(report.new_lineage);
    EXPECT_TRUE(report.snapshot_taken);
    EXPECT_NE(report.snapshot_reason.find("no longer holds"), std::string::npos)
        << report.snapshot_reason;
    EXPECT_NE(captured_->log().log_id(), old_id);
    // Frames start again at 0, with the snapshot: one frame per database page.
    EXPECT_EQ(*captured_->replication_index() + 1, report.snapshot_pages);
    auto first = captured_->log().ReadFrames(0, 1);
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_FALSE(first->need_snapshot);
    EXPECT_EQ(first->frames.front().frame_no, 0u);
  }

  void ExpectSameLineage(const LogId& old_id) {
    const ReconcileReport& report = captured_->startup_report();
    EXPECT_FALSE(report.new_lineage) << report.snapshot_reason;
    EXPECT_FALSE(report.snapshot_taken) << report.snapshot_reason;
    EXPECT_EQ(captured_->log().log_id(), old_id);
  }

  // A copy made while no connection has the database open (a descriptor opened and closed by
  // this process would drop SQLite's locks on the file).
  void Backup(const std::filesystem::path& to, bool with_wal) {
    std::filesystem::create_directories(to);
    std::filesystem::copy_file(db_path(), to / "data");
    if (with_wal) std::filesystem::copy_file(wal_path(), to / "data-wal");
  }
  void Restore(const std::filesystem::path& from) {
    std::filesystem::remove(wal_path());
    std::filesystem::remove(shm_path());
    std::filesystem::copy_file(from / "data", db_path(),
                               std::filesystem::copy_options::overwrite_existing);
    if (std::filesystem::exists(from / "data-wal")) {
      std::filesystem::copy_file(from / "data-wal", wal_path());
    }
  }
};

TEST_F(LogTailCheckTest, WalDeletedAfterACrashStartsANewLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* keep = ConnectKeepingWal();
  sqlite3* db = Connect();
  MustExec(db, "CREATE TABLE t(v); INSERT INTO t VALUES ('in the database file')");
  ASSERT_EQ(QueryText(db, "PRAGMA wal_checkpoint(TRUNCATE)").substr(0, 2), "0|");
  for (int i = 0; i < 3; ++i) MustExec(db, "INSERT INTO t VALUES ('only in the WAL')");
  LogId id = captured_->log().log_id();
  Crash(keep);
  // What an operator restoring `data` does: the WAL and the wal-index go.
  ASSERT_TRUE(std::filesystem::remove(wal_path()));
  std::filesystem::remove(shm_path());

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectNewLineage(id);
  db = Connect();
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM t"), "1");
  MustExec(db, "INSERT INTO t VALUES ('after')");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(LogTailCheckTest, WalDeletedWithoutItsIndexStartsANewLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* keep = ConnectKeepingWal();
  sqlite3* db = Connect();
  MustExec(db, "CREATE TABLE t(v); INSERT INTO t VALUES (randomblob(3000))");
  LogId id = captured_->log().log_id();
  Crash(keep);
  // The -shm still describes the lost frames; SQLite rebuilds it from the (missing) WAL anyway.
  ASSERT_TRUE(std::filesystem::remove(wal_path()));
  ASSERT_TRUE(std::filesystem::exists(shm_path()));

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectNewLineage(id);
  db = Connect();
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM sqlite_schema WHERE name = 't'"), "0");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(LogTailCheckTest, OlderBackupStartsANewLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  MustExec(Connect(), "CREATE TABLE t(v); INSERT INTO t VALUES ('backed up')");
  CloseCaptured();  // a clean stop checkpoints and deletes the WAL
  Backup(dir_ / "backup", /*with_wal=*/false);

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  LogId id = captured_->log().log_id();
  ExpectSameLineage(id);
  MustExec(Connect(), "INSERT INTO t VALUES ('after the backup')");
  CloseCaptured();
  Restore(dir_ / "backup");

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectNewLineage(id);
  sqlite3* db = Connect();
  EXPECT_EQ(QueryText(db, "SELECT group_concat(v) FROM t"), "backed up");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(LogTailCheckTest, OlderBackupWithItsWalStartsANewLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* keep = ConnectKeepingWal();
  MustExec(Connect(), "CREATE TABLE t(v); INSERT INTO t VALUES ('backed up')");
  Crash(keep);
  Backup(dir_ / "backup", /*with_wal=*/true);  // the commits are in the backup's WAL

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  LogId id = captured_->log().log_id();
  ExpectSameLineage(id);
  sqlite3* db = Connect();
  // A new WAL generation, so that the backup's WAL looks like commits the log has not seen.
  ASSERT_EQ(QueryText(db, "PRAGMA wal_checkpoint(TRUNCATE)").substr(0, 2), "0|");
  MustExec(db, "INSERT INTO t VALUES ('after the backup'); INSERT INTO t VALUES ('and again')");
  CloseCaptured();
  Restore(dir_ / "backup");

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectNewLineage(id);
  EXPECT_EQ(captured_->startup_report().transactions_rolled_forward, 0u);
  db = Connect();
  EXPECT_EQ(QueryText(db, "SELECT group_concat(v) FROM t"), "backed up");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(LogTailCheckTest, UnrelatedDatabaseStartsANewLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  MustExec(Connect(), "CREATE TABLE t(v); INSERT INTO t VALUES (1)");
  LogId id = captured_->log().log_id();
  CloseCaptured();
  {
    const std::filesystem::path other = dir_ / "other";
    sqlite3* plain = nullptr;
    ASSERT_EQ(sqlite3_open(other.c_str(), &plain), SQLITE_OK);
    MustExec(plain, "PRAGMA journal_mode=WAL; CREATE TABLE u(x); INSERT INTO u VALUES ('other')");
    ASSERT_EQ(sqlite3_close(plain), SQLITE_OK);
    std::filesystem::rename(other, db_path());
  }

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectNewLineage(id);
  sqlite3* db = Connect();
  EXPECT_EQ(QueryText(db, "SELECT x FROM u"), "other");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(LogTailCheckTest, CommitsCheckpointedWithoutEdgeliteStartANewLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  MustExec(Connect(), "CREATE TABLE t(v); INSERT INTO t VALUES ('logged')");
  LogId id = captured_->log().log_id();
  CloseCaptured();
  {
    // A plain connection while the server is down: its close checkpoints and deletes the WAL,
    // so no WAL is left to roll forward.
    sqlite3* plain = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &plain), SQLITE_OK);
    MustExec(plain, "INSERT INTO t VALUES ('not logged')");
    ASSERT_EQ(sqlite3_close(plain), SQLITE_OK);
    ASSERT_FALSE(std::filesystem::exists(wal_path()));
  }

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectNewLineage(id);
  sqlite3* db = Connect();
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM t"), "2");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(LogTailCheckTest, LargeLastTransactionIsComparedOnASampleOfItsPages) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  LogId id = captured_->log().log_id();
  sqlite3* keep = ConnectKeepingWal();
  // One row per page, so that a transaction writes more pages (about 1500) than the check reads.
  MustExec(Connect(),
           "CREATE TABLE t(v);"
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<1500)"
           "  INSERT INTO t SELECT randomblob(3000) FROM n");
  Crash(keep);
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectSameLineage(id);

  keep = ConnectKeepingWal();
  sqlite3* db = Connect();
  ASSERT_EQ(QueryText(db, "PRAGMA wal_checkpoint(TRUNCATE)").substr(0, 2), "0|");
  // Every page rewritten, the size unchanged: only the pages tell the lost WAL apart.
  MustExec(db, "UPDATE t SET v = randomblob(3000)");
  Crash(keep);
  ASSERT_TRUE(std::filesystem::remove(wal_path()));
  std::filesystem::remove(shm_path());

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectNewLineage(id);
  ExpectReplayMatchesPrimary(Connect());
}

// --- restarts that lose nothing keep the lineage ---

TEST_F(LogTailCheckTest, DeletingACheckpointedWalLosesNothingAndKeepsTheLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* keep = ConnectKeepingWal();
  sqlite3* db = Connect();
  MustExec(db, "CREATE TABLE t(v); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)");
  // Every frame is copied into the database file; the WAL still holds them.
  ASSERT_EQ(QueryText(db, "PRAGMA wal_checkpoint(PASSIVE)").substr(0, 2), "0|");
  LogId id = captured_->log().log_id();
  uint64_t index = *captured_->replication_index();
  Crash(keep);
  ASSERT_TRUE(std::filesystem::remove(wal_path()));
  std::filesystem::remove(shm_path());

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectSameLineage(id);
  EXPECT_EQ(captured_->replication_index(), index);
  ExpectReplayMatchesPrimary(Connect());
}

TEST_F(LogTailCheckTest, CrashesInEveryWalStateKeepTheLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  LogId id = captured_->log().log_id();
  // Each step leaves the WAL differently when the process dies: frames never checkpointed,
  // partly checkpointed, checkpointed and truncated (a new generation with no frames yet), and a
  // new generation started on top of a checkpointed one.
  const std::vector<std::vector<std::string>> steps = {
      {"CREATE TABLE t(v); INSERT INTO t VALUES (randomblob(5000))"},
      {"INSERT INTO t VALUES (1)", "PRAGMA wal_checkpoint(PASSIVE)", "INSERT INTO t VALUES (2)"},
      {"INSERT INTO t VALUES (3)", "PRAGMA wal_checkpoint(TRUNCATE)"},
      {"INSERT INTO t VALUES (4)", "PRAGMA wal_checkpoint(PASSIVE)", "INSERT INTO t VALUES (5)"},
  };
  for (const auto& step : steps) {
    sqlite3* keep = ConnectKeepingWal();
    sqlite3* db = Connect();
    for (const std::string& sql : step) MustExec(db, sql);
    Crash(keep);
    ASSERT_NO_FATAL_FAILURE(OpenCaptured());
    ExpectSameLineage(id);
  }
  ExpectReplayMatchesPrimary(Connect());
}

TEST_F(LogTailCheckTest, ShrinkingTransactionsKeepTheLineage) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  sqlite3* db = Connect();
  MustExec(db,
           "CREATE TABLE t(v);"
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<200)"
           "  INSERT INTO t SELECT randomblob(900) FROM n;"
           "CREATE TABLE small(v); INSERT INTO small VALUES (1)");
  // Older records wrote pages past the size the last ones leave.
  MustExec(db, "DELETE FROM t WHERE rowid > 10; VACUUM; INSERT INTO small VALUES (2)");
  LogId id = captured_->log().log_id();
  CloseCaptured();

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectSameLineage(id);
  sqlite3* keep = ConnectKeepingWal();
  MustExec(Connect(), "DELETE FROM t; VACUUM");
  Crash(keep);

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectSameLineage(id);
  ExpectReplayMatchesPrimary(Connect());
}

TEST_F(LogTailCheckTest, RestartRightAfterABaseSnapshotKeepsTheLineage) {
  ASSERT_NO_FATAL_FAILURE(WritePlainRollbackDatabase());
  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ASSERT_TRUE(captured_->startup_report().snapshot_taken);
  LogId id = captured_->log().log_id();
  CloseCaptured();

  ASSERT_NO_FATAL_FAILURE(OpenCaptured());
  ExpectSameLineage(id);
  ExpectReplayMatchesPrimary(Connect());
}

}  // namespace
}  // namespace edgelite::wal
