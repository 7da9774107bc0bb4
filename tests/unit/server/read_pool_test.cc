// Pooled readers hold read snapshots between uses; these tests pin down what that must never
// change: a read acquired after a commit sees it, transactions still work, and idle snapshots do
// not keep checkpoints from reaching the end of the WAL.
#include "server/read_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/database.h"
#include "unit/server/test_database.h"
#include "wal/capture_vfs.h"

namespace edgelite::server {
namespace {

class ReadPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(database_.get(), nullptr);
    // A second writing connection, captured like the server's own writer, so commits move the
    // data version.
    sqlite::ConnectionOptions writer;
    writer.path = database_->file().string();
    writer.vfs = wal::kCaptureVfsName;
    writer.wal_autocheckpoint = 0;
    writer.busy_timeout_ms = 0;
    auto connection = sqlite::Connection::Open(writer);
    ASSERT_TRUE(connection.ok()) << connection.status().message();
    writer_ = std::move(connection).value();
    ASSERT_TRUE(writer_->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)").ok());
  }
  void TearDown() override {
    writer_.reset();
    database_.Close();
  }

  static int64_t CountRows(sqlite::Connection& connection) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(
        sqlite3_prepare_v2(connection.handle(), "SELECT count(*) FROM t", -1, &statement, nullptr),
        SQLITE_OK);
    EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW);
    int64_t count = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return count;
  }

  int TruncateCheckpoint() {
    return sqlite3_wal_checkpoint_v2(writer_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                     nullptr, nullptr);
  }

  test::TestDatabase database_;
  std::unique_ptr<sqlite::Connection> writer_;
};

TEST_F(ReadPoolTest, ReadAcquiredAfterACommitSeesIt) {
  {
    auto lease = database_->readers().Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_TRUE(lease->get()->holds_snapshot());
    EXPECT_EQ(CountRows(*lease->get()), 1);
  }
  ASSERT_TRUE(writer_->Exec("INSERT INTO t VALUES (2)").ok());
  auto lease = database_->readers().Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(CountRows(*lease->get()), 2);
}

TEST_F(ReadPoolTest, ALeaseReadsOneSnapshotWhileItIsHeld) {
  auto lease = database_->readers().Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(CountRows(*lease->get()), 1);
  ASSERT_TRUE(writer_->Exec("INSERT INTO t VALUES (2)").ok());
  EXPECT_EQ(CountRows(*lease->get()), 1);
}

TEST_F(ReadPoolTest, TransactionsWorkOnAConnectionThatHoldsASnapshot) {
  auto lease = database_->readers().Acquire();
  ASSERT_TRUE(lease.ok());
  sqlite::Connection& connection = *lease->get();
  ASSERT_TRUE(connection.holds_snapshot());
  EXPECT_TRUE(connection.autocommit());
  ASSERT_TRUE(connection.Exec("BEGIN").ok());
  EXPECT_FALSE(connection.autocommit());
  EXPECT_EQ(CountRows(connection), 1);
  lease->ReleaseSnapshot();  // what a stream that keeps the connection does
  ASSERT_TRUE(connection.Exec("COMMIT").ok());
  EXPECT_TRUE(connection.autocommit());
  // The transaction ended with the hold gone, so nothing keeps an old snapshot.
  ASSERT_TRUE(writer_->Exec("INSERT INTO t VALUES (2)").ok());
  EXPECT_EQ(CountRows(connection), 2);
}

TEST_F(ReadPoolTest, IdleSnapshotsAreReleasedForACheckpoint) {
  { ASSERT_TRUE(database_->readers().Acquire().ok()); }  // idle now, holding a snapshot
  // The snapshot is older than the WAL's end: TRUNCATE must wait for it, and gives up at once.
  ASSERT_TRUE(writer_->Exec("INSERT INTO t VALUES (2)").ok());
  EXPECT_EQ(TruncateCheckpoint(), SQLITE_BUSY);
  database_->readers().SuspendSnapshots();
  EXPECT_EQ(TruncateCheckpoint(), SQLITE_OK);
}

TEST_F(ReadPoolTest, NoSnapshotsAreHeldWhileSuspended) {
  database_->readers().SuspendSnapshots();
  {
    auto lease = database_->readers().Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_FALSE(lease->get()->holds_snapshot());
    EXPECT_EQ(CountRows(*lease->get()), 1);
  }
  database_->readers().ResumeSnapshots();
  auto lease = database_->readers().Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_TRUE(lease->get()->holds_snapshot());
}

// What the writer does after commits: with snapshots suspended, a TRUNCATE checkpoint finds the
// moments without readers it needs even while readers keep reading.
TEST_F(ReadPoolTest, ACheckpointGetsThroughWhileReadersKeepReading) {
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto lease = database_->readers().Acquire();
      ASSERT_TRUE(lease.ok());
      CountRows(*lease->get());
    }
  });
  sqlite3_busy_timeout(writer_->handle(), 200);
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(writer_->Exec("INSERT INTO t VALUES (1)").ok());
    database_->readers().SuspendSnapshots();
    EXPECT_EQ(TruncateCheckpoint(), SQLITE_OK) << "round " << round;
    database_->readers().ResumeSnapshots();
  }
  stop = true;
  reader.join();
}

TEST_F(ReadPoolTest, AnOutdatedSnapshotIsReleasedWhenTheLeaseReturns) {
  {
    auto lease = database_->readers().Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(writer_->Exec("INSERT INTO t VALUES (2)").ok());
  }
  EXPECT_EQ(TruncateCheckpoint(), SQLITE_OK);
}

}  // namespace
}  // namespace edgelite::server
