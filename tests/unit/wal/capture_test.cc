// Frame capture on the primary: every committed transaction must reach the frame log exactly once,
// as one record, whatever SQLite does underneath (cache spills with in-place rewrites, VACUUM,
// shrinking commits, schema changes, checkpoints of every mode from several connections, WAL
// restarts, sector padding). After each scenario the log replayed from frame 0 must equal the
// primary's checkpointed file byte for byte.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "unit/wal/capture_test_support.h"
#include "wal/capture_vfs.h"

namespace edgelite::wal {
namespace {

class CaptureTest : public testing::CaptureFixture {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenCaptured()); }
};

TEST_F(CaptureTest, IsNotTheDefaultVfs) {
  EXPECT_NE(sqlite3_vfs_find(nullptr), sqlite3_vfs_find(kCaptureVfsName));
  EXPECT_NE(sqlite3_vfs_find(kCaptureVfsName), nullptr);
}

TEST_F(CaptureTest, EachCommitIsOneRecordAndTheIndexIsItsLastFrame) {
  sqlite3* db = Connect();
  // The new database's first page went in as a base snapshot: frame 0.
  EXPECT_EQ(captured_->replication_index(), 0u);
  EXPECT_TRUE(captured_->startup_report().created_database);
  EXPECT_TRUE(captured_->startup_report().snapshot_taken);
  uint64_t records = RecordCount();
  EXPECT_EQ(records, 1u);

  MustExec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
  auto after_create = captured_->replication_index();
  ASSERT_TRUE(after_create.has_value());
  EXPECT_GT(*after_create, 0u);
  for (int i = 0; i < 20; ++i) {
    uint64_t before = *captured_->replication_index();
    MustExec(db, "INSERT INTO t(v) VALUES ('row " + std::to_string(i) + "')");
    // The commit is logged before sqlite3_exec returns: the index moved past it.
    EXPECT_GT(*captured_->replication_index(), before);
  }
  EXPECT_EQ(RecordCount(), records + 21);

  // A read-only statement or a rolled-back transaction logs nothing.
  uint64_t index = *captured_->replication_index();
  EXPECT_EQ(QueryText(db, "SELECT count(*) FROM t"), "20");
  MustExec(db, "BEGIN; INSERT INTO t(v) VALUES ('gone'); ROLLBACK");
  EXPECT_EQ(captured_->replication_index(), index);

  // Frames: gapless from 0, page numbers ascending within a transaction, size_after on its last.
  auto batch = captured_->log().ReadFrames(0, 100000);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->frames.size(), index + 1);
  uint32_t previous_page = 0;
  for (size_t i = 0; i < batch->frames.size(); ++i) {
    const LogFrame& frame = batch->frames[i];
    EXPECT_EQ(frame.frame_no, i);
    EXPECT_GT(frame.page_no, previous_page);
    previous_page = frame.size_after != 0 ? 0 : frame.page_no;
    EXPECT_EQ(frame.page.size(), 4096u);
  }
  EXPECT_NE(batch->frames.back().size_after, 0u);
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureTest, BigSpillingTransactionWithInPlaceRewrites) {
  sqlite3* db = Connect();
  MustExec(db, "PRAGMA cache_size=2");
  MustExec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  uint64_t records = RecordCount();
  // Spills write frames before the commit; rewriting the same rows dirties spilled pages again,
  // which SQLite overwrites in place and re-checksums at commit (§2.5).
  MustExec(db,
           "BEGIN;"
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<400)"
           "  INSERT INTO t SELECT i, randomblob(700) FROM n;"
           "UPDATE t SET v = randomblob(650) WHERE id % 3 = 0;"
           "DELETE FROM t WHERE id % 7 = 0;"
           "COMMIT");
  EXPECT_EQ(RecordCount(), records + 1);
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureTest, VacuumAndShrinkingCommits) {
  sqlite3* db = Connect();
  MustExec(db,
           "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);"
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<300)"
           "  INSERT INTO t SELECT i, randomblob(1500) FROM n;");
  ExpectReplayMatchesPrimary(db);
  MustExec(db, "DELETE FROM t WHERE id > 30");
  MustExec(db, "VACUUM");
  ExpectReplayMatchesPrimary(db);
  uint32_t pages = captured_->log().last_record()->commit_pages;
  EXPECT_LT(pages, 40u);

  // auto_vacuum: a DELETE commit itself shrinks the database.
  MustExec(db, "PRAGMA auto_vacuum=FULL; VACUUM;");
  MustExec(db,
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<200)"
           "  INSERT INTO t SELECT 1000+i, randomblob(2000) FROM n;");
  uint32_t grown = captured_->log().last_record()->commit_pages;
  MustExec(db, "DELETE FROM t WHERE id > 1000");
  EXPECT_LT(captured_->log().last_record()->commit_pages, grown);
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureTest, SchemaChanges) {
  sqlite3* db = Connect();
  MustExec(db,
           "CREATE TABLE a(x); CREATE INDEX ax ON a(x); INSERT INTO a VALUES (1), (2);"
           "CREATE TABLE b(y TEXT); ALTER TABLE b ADD COLUMN z; ALTER TABLE a RENAME TO c;"
           "CREATE VIEW v AS SELECT * FROM c; CREATE TRIGGER tr AFTER INSERT ON c "
           "BEGIN INSERT INTO b(y) VALUES ('t'); END; INSERT INTO c VALUES (3);"
           "DROP INDEX ax; DROP TABLE b;");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureTest, CheckpointsOfEveryModeFromSeveralConnections) {
  sqlite3* writer = Connect();
  sqlite3* other = Connect();
  sqlite3* reader = Connect();
  MustExec(writer, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  const char* modes[] = {"PASSIVE", "FULL", "RESTART", "TRUNCATE"};
  int row = 0;
  for (int round = 0; round < 8; ++round) {
    sqlite3* who = round % 2 ? writer : other;
    for (int i = 0; i < 3; ++i) {
      MustExec(who, "INSERT INTO t VALUES (" + std::to_string(++row) + ", randomblob(3000))");
    }
    EXPECT_EQ(QueryText(reader, "SELECT count(*) FROM t"), std::to_string(row));
    sqlite3* checkpointer = round % 3 == 0 ? reader : round % 3 == 1 ? other : writer;
    std::string result =
        QueryText(checkpointer, std::string("PRAGMA wal_checkpoint(") + modes[round % 4] + ")");
    EXPECT_EQ(result.substr(0, 2), "0|") << modes[round % 4] << ": " << result;
  }
  // After RESTART and TRUNCATE the next writer restarted the WAL (new salts): nothing was missed.
  EXPECT_EQ(QueryText(reader, "SELECT count(*) FROM t"), "24");
  EXPECT_TRUE(captured_->health().ok());
  ExpectReplayMatchesPrimary(reader);
  MustExec(other, "UPDATE t SET v = zeroblob(10) WHERE id < 5");
  ExpectReplayMatchesPrimary(writer);
}

TEST_F(CaptureTest, WalRestartChangesGenerationWithoutGaps) {
  sqlite3* db = Connect();
  MustExec(db, "CREATE TABLE t(v); INSERT INTO t VALUES (1)");
  auto before = captured_->capture().position();
  ASSERT_TRUE(before.has_value());
  EXPECT_GT(before->frame, 0u);
  EXPECT_EQ(QueryText(db, "PRAGMA wal_checkpoint(RESTART)").substr(0, 2), "0|");
  uint64_t index = *captured_->replication_index();
  MustExec(db, "INSERT INTO t VALUES (2)");
  auto after = captured_->capture().position();
  EXPECT_NE(after->salt, before->salt);
  EXPECT_LT(after->frame, before->frame);
  auto batch = captured_->log().ReadFrames(index + 1, 100);
  ASSERT_TRUE(batch.ok());
  ASSERT_FALSE(batch->frames.empty());
  EXPECT_EQ(batch->frames.front().frame_no, index + 1);
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureTest, SectorPaddingFramesAreNotExtraTransactions) {
  // psow=0 and synchronous=FULL: SQLite pads each commit to the sector size with copies of the
  // commit frame.
  sqlite3* db = Connect(true, "psow=0");
  MustExec(db, "PRAGMA synchronous=FULL; CREATE TABLE t(v)");
  uint64_t records = RecordCount();
  for (int i = 0; i < 5; ++i) MustExec(db, "INSERT INTO t VALUES (randomblob(100))");
  EXPECT_EQ(RecordCount(), records + 5);
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureTest, RefusesSettingsThatWouldBypassCapture) {
  sqlite3* db = Connect();
  std::string error;
  EXPECT_EQ(Exec(db, "PRAGMA journal_mode=DELETE", &error), SQLITE_ERROR);
  EXPECT_NE(error.find("must stay in WAL mode"), std::string::npos) << error;
  EXPECT_EQ(Exec(db, "PRAGMA locking_mode=EXCLUSIVE", &error), SQLITE_ERROR);
  EXPECT_NE(error.find("locking_mode=EXCLUSIVE is not allowed"), std::string::npos) << error;
  EXPECT_EQ(Exec(db, "PRAGMA page_size=8192", &error), SQLITE_ERROR);
  EXPECT_NE(error.find("4096-byte pages"), std::string::npos) << error;
  // Reading settings, and setting the values already in force, is fine.
  EXPECT_EQ(QueryText(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(db, "PRAGMA journal_mode=WAL"), "wal");
  MustExec(db, "PRAGMA page_size=4096; PRAGMA locking_mode=NORMAL");
  EXPECT_EQ(QueryText(db, "PRAGMA locking_mode"), "normal");
}

TEST_F(CaptureTest, ConcurrentWritersAndCheckpointers) {
  sqlite3* setup = Connect();
  MustExec(setup, "CREATE TABLE t(writer INTEGER, n INTEGER, v BLOB)");
  uint64_t records = RecordCount();
  constexpr int kWriters = 3;
  constexpr int kCommits = 40;
  std::vector<sqlite3*> writers;
  for (int w = 0; w < kWriters; ++w) writers.push_back(Connect());
  sqlite3* checkpointer = Connect();
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kCommits; ++i) {
        std::string sql = "INSERT INTO t VALUES (" + std::to_string(w) + ", " + std::to_string(i) +
                          ", randomblob(" + std::to_string(100 + 50 * i) + "))";
        if (Exec(writers[size_t(w)], sql) != SQLITE_OK) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    const char* modes[] = {"PASSIVE", "RESTART", "FULL", "TRUNCATE"};
    int i = 0;
    while (!done) {
      // BUSY outcomes are expected while writers run; correctness is checked at the end.
      QueryText(checkpointer, std::string("PRAGMA wal_checkpoint(") + modes[i++ % 4] + ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[size_t(w)].join();
  done = true;
  threads.back().join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(RecordCount(), records + kWriters * kCommits);
  EXPECT_EQ(QueryText(setup, "SELECT count(*) FROM t"), std::to_string(kWriters * kCommits));
  ExpectReplayMatchesPrimary(setup);
}

TEST_F(CaptureTest, FailedCaptureStopsWritesAndIsRolledForwardOnRestart) {
  sqlite3* db = Connect();
  MustExec(db, "CREATE TABLE t(v)");
  MustExec(db, "INSERT INTO t VALUES ('logged')");
  uint64_t index = *captured_->replication_index();
  // The log stops accepting appends: SQLite commits, capture fails.
  captured_->log().Close();
  MustExec(db, "INSERT INTO t VALUES ('committed, not logged')");
  EXPECT_FALSE(captured_->health().ok());
  EXPECT_EQ(captured_->replication_index(), index);
  // Nothing may be written on top of it, and no checkpoint may copy it into the database.
  EXPECT_EQ(Exec(db, "INSERT INTO t VALUES ('refused')") & 0xff, SQLITE_IOERR);
  EXPECT_EQ(QueryText(db, "PRAGMA wal_checkpoint(PASSIVE)").substr(0, 2), "1|");
  // Closing keeps the WAL (the close checkpoint and the WAL deletion are refused)...
  CloseCaptured();
  EXPECT_TRUE(std::filesystem::exists(db_path().string() + "-wal"));
  // ...so the next start rolls the transaction forward into the log.
  OpenCaptured();
  EXPECT_EQ(captured_->startup_report().transactions_rolled_forward, 1u);
  EXPECT_FALSE(captured_->startup_report().snapshot_taken);
  EXPECT_GT(*captured_->replication_index(), index);
  db = Connect();
  EXPECT_EQ(QueryText(db, "SELECT group_concat(v) FROM t"), "logged,committed, not logged");
  ExpectReplayMatchesPrimary(db);
}

TEST_F(CaptureTest, ConnectionsThroughAnotherPathSpellingAreCaptured) {
  std::filesystem::create_directory_symlink(dir_.path(), dir_ / "link");
  std::string aliased = (dir_ / "link" / "." / "data").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(aliased.c_str(), &db, SQLITE_OPEN_READWRITE, kCaptureVfsName),
            SQLITE_OK);
  EXPECT_TRUE(IsCapturedConnection(db));
  uint64_t index = *captured_->replication_index();
  EXPECT_EQ(Exec(db, "CREATE TABLE t(v)"), SQLITE_OK);
  EXPECT_GT(*captured_->replication_index(), index);
  sqlite3_close(db);
  EXPECT_FALSE(IsCapturedConnection(Connect(/*capture=*/false)));
}

TEST_F(CaptureTest, OtherDatabasesPassThrough) {
  // A file that is not attached opens through the capture VFS without being captured.
  std::filesystem::path other = dir_ / "other.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(other.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            kCaptureVfsName),
            SQLITE_OK);
  EXPECT_EQ(Exec(db, "PRAGMA journal_mode=DELETE; CREATE TABLE x(y); INSERT INTO x VALUES (1)"),
            SQLITE_OK);
  sqlite3_close(db);
  uint64_t index = *captured_->replication_index();
  sqlite3* primary = Connect();
  MustExec(primary, "VACUUM INTO '" + (dir_ / "copy.db").string() + "'");
  EXPECT_EQ(captured_->replication_index(), index);
}

}  // namespace
}  // namespace edgelite::wal

namespace edgelite::wal {
namespace {

// A replica that fell behind a compaction catches up the way sqld replicas do: NEED_SNAPSHOT, the
// snapshot's frames newer than its position (newest first, as one transaction), then the log.
class CaptureCompactionTest : public testing::CaptureFixture {
 protected:
  // Applies frames to a plain file the way a replica's injector ends up: page images at their
  // offsets, truncated to the size carried by each commit frame.
  static void ApplyFrames(const std::filesystem::path& file, const std::vector<LogFrame>& frames) {
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(out.is_open());
    for (const LogFrame& frame : frames) {
      out.seekp(std::streamoff(frame.page_no - 1) * std::streamoff(frame.page.size()));
      out.write(frame.page.data(), std::streamsize(frame.page.size()));
      if (frame.size_after != 0) {
        out.flush();
        std::filesystem::resize_file(file, uint64_t(frame.size_after) * frame.page.size());
      }
    }
  }
};

TEST_F(CaptureCompactionTest, ReplicaBehindACompactionResyncsFromTheSnapshot) {
  ASSERT_NO_FATAL_FAILURE(OpenCaptured(4096, /*segment_bytes=*/16 * 1024));
  sqlite3* db = Connect();
  MustExec(db,
           "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);"
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<40)"
           "  INSERT INTO t SELECT i, randomblob(2000) FROM n;");
  // The replica syncs up to here.
  std::filesystem::path replica = dir_ / "replica";
  auto replayed = ReplayLog(captured_->log(), replica);
  ASSERT_TRUE(replayed.ok());
  uint64_t next = *replayed->last_frame_no + 1;

  for (int i = 0; i < 15; ++i) {
    MustExec(db, "UPDATE t SET v = randomblob(1900) WHERE id % 5 = " + std::to_string(i % 5));
  }
  MustExec(db, "DELETE FROM t WHERE id > 20; VACUUM;");  // the database shrinks
  MustExec(db, "INSERT INTO t VALUES (100, randomblob(3000))");
  auto compacted = captured_->log().Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.status().message();
  ASSERT_TRUE(*compacted);
  auto snapshot = captured_->log().snapshot();
  ASSERT_GE(snapshot->end_frame_no, next);

  auto batch = captured_->log().ReadFrames(next, 1000);
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(batch->need_snapshot);
  std::vector<LogFrame> frames;
  ASSERT_TRUE(captured_->log()
                  .ForEachSnapshotFrame(next,
                                        [&](const LogFrame& frame) {
                                          frames.push_back(frame);
                                          return Result<bool>(true);
                                        })
                  .ok());
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.front().frame_no, snapshot->end_frame_no);
  ASSERT_NO_FATAL_FAILURE(ApplyFrames(replica, frames));
  next = frames.front().frame_no + 1;
  batch = captured_->log().ReadFrames(next, 100000);
  ASSERT_TRUE(batch.ok());
  ASSERT_FALSE(batch->need_snapshot);
  ASSERT_NO_FATAL_FAILURE(ApplyFrames(replica, batch->frames));

  EXPECT_EQ(QueryText(db, "PRAGMA wal_checkpoint(TRUNCATE)").substr(0, 2), "0|");
  EXPECT_TRUE(testing::ReadFile(replica) == ReadDatabaseFile(db));
  // Replaying the compacted log from scratch starts from the snapshot.
  ExpectReplayMatchesPrimary(db);
  // And the log reopens compacted.
  CloseCaptured();
  ASSERT_NO_FATAL_FAILURE(OpenCaptured(4096, 16 * 1024));
  EXPECT_EQ(captured_->log().snapshot()->end_frame_no, snapshot->end_frame_no);
  ExpectReplayMatchesPrimary(Connect());
}

}  // namespace
}  // namespace edgelite::wal
