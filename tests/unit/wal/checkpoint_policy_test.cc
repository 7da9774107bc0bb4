// The checkpoint policy keeps the WAL bounded without ever losing a frame from the log: PASSIVE
// past one threshold, TRUNCATE past the next, and a TRUNCATE blocked by a reader is only partial.
#include "wal/checkpoint_policy.h"

#include <gtest/gtest.h>

#include "unit/wal/capture_test_support.h"

namespace edgelite::wal {
namespace {

TEST(WalCheckpointPolicyTest, ChoosesByWalSize) {
  CheckpointPolicy policy;
  policy.passive_after_frames = 10;
  policy.truncate_after_frames = 100;
  EXPECT_EQ(policy.Choose(0), CheckpointMode::kNone);
  EXPECT_EQ(policy.Choose(9), CheckpointMode::kNone);
  EXPECT_EQ(policy.Choose(10), CheckpointMode::kPassive);
  EXPECT_EQ(policy.Choose(100), CheckpointMode::kTruncate);
  policy.truncate_after_frames = 0;  // disabled
  EXPECT_EQ(policy.Choose(1000), CheckpointMode::kPassive);
}

class WalCheckpointRunTest : public testing::CaptureFixture {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenCaptured()); }
};

TEST_F(WalCheckpointRunTest, TruncateEmptiesTheWalUnlessAReaderHoldsIt) {
  sqlite3* writer = Connect();
  sqlite3* reader = Connect();
  MustExec(writer, "CREATE TABLE t(v); INSERT INTO t VALUES (randomblob(50000))");
  // A reader in a transaction pins the WAL: TRUNCATE copies what it can and reports incomplete.
  MustExec(reader, "BEGIN; SELECT count(*) FROM t");
  MustExec(writer, "INSERT INTO t VALUES (1)");
  sqlite3_busy_timeout(writer, 50);
  auto partial = RunCheckpoint(writer, CheckpointMode::kTruncate);
  ASSERT_TRUE(partial.ok()) << partial.status().message();
  EXPECT_FALSE(partial->complete);
  MustExec(reader, "COMMIT");

  auto full = RunCheckpoint(writer, CheckpointMode::kTruncate);
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full->complete);
  EXPECT_EQ(std::filesystem::file_size(db_path().string() + "-wal"), 0u);
  MustExec(writer, "INSERT INTO t VALUES (2)");
  auto passive = RunCheckpoint(writer, CheckpointMode::kPassive);
  ASSERT_TRUE(passive.ok());
  EXPECT_TRUE(passive->complete);
  ExpectReplayMatchesPrimary(writer);
}

}  // namespace
}  // namespace edgelite::wal
