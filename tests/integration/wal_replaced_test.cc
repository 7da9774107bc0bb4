// A primary whose database files are replaced behind its back (issue 9): the real server is
// stopped (cleanly or with SIGKILL), its `data-wal`/`data-shm` are deleted or an older `data` is
// copied in place, which is what an operator restoring `data` from a backup does, and it is
// started again. The database then no longer holds what the frame log's last records wrote, so
// the restarted server must start a new lineage: a new log_id, which is what Hello tells
// replicas (they start over from the new lineage's snapshot instead of keeping rows the primary
// no longer has). A plain restart must keep the lineage. The log_id is read from the frame log on
// disk while no server runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "integration/server_test.h"
#include "unit/temp_directory.h"
#include "wal/frame_log.h"

namespace edgelite::integration {
namespace {

std::string FirstValue(const boost::json::value& json) {
  return TextAt(json, "/results/0/response/result/rows/0/0/value");
}

// The frame the statement's commit is in by (frame numbers restart at 0 in a new lineage).
uint64_t ReplicationIndex(const boost::json::value& json) {
  return std::stoull(TextAt(json, "/results/0/response/result/replication_index"));
}

class WalReplacedTest : public ::testing::Test {
 protected:
  std::filesystem::path database_directory() const {
    return directory_.path() / "data" / "dbs" / "default";
  }
  std::filesystem::path file(const std::string& name) const { return database_directory() / name; }

  std::unique_ptr<ServerProcess> Start() {
    auto server = ServerProcess::StartIn(directory_.path());
    EXPECT_TRUE(server.ok()) << server.status().message();
    return server.ok() ? std::move(server).value() : nullptr;
  }
  static void Stop(ServerProcess& server) {
    EXPECT_EQ(server.Stop(), "exited with status 0") << server.ReadLog();
  }

  // The lineage the frame log on disk is in (read only while no server runs).
  std::string LogId() const {
    wal::FrameLogOptions options;
    options.directory = database_directory() / "wallog";
    auto log = wal::FrameLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().message();
    return log.ok() ? (*log)->log_id_string() : "<no log>";
  }

  test::TempDirectory directory_;
};

TEST_F(WalReplacedTest, WalDeletedAfterKillNineStartsANewLineage) {
  auto server = Start();
  ASSERT_TRUE(server);
  ExecuteAlone(server->port(), "CREATE TABLE t(v)");
  ExecuteAlone(server->port(), "INSERT INTO t VALUES ('in the database file')");
  Stop(*server);  // the clean stop checkpoints the WAL into `data`
  const std::string log_id = LogId();

  server = Start();
  ASSERT_TRUE(server);
  uint64_t index_before = 0;
  for (int i = 0; i < 20; ++i) {
    index_before =
        ReplicationIndex(ExecuteAlone(server->port(), "INSERT INTO t VALUES ('only in the WAL')"));
  }
  EXPECT_EQ(FirstValue(ExecuteAlone(server->port(), "SELECT count(*) FROM t")), "21");
  EXPECT_EQ(server->Kill(), "killed by signal 9");
  EXPECT_EQ(LogId(), log_id) << "the restart after a clean stop changed the lineage";
  ASSERT_TRUE(std::filesystem::remove(file("data-wal")));
  std::filesystem::remove(file("data-shm"));

  server = Start();
  ASSERT_TRUE(server);
  EXPECT_EQ(FirstValue(ExecuteAlone(server->port(), "SELECT count(*) FROM t")), "1");
  // Not a frame number the old lineage already used for another commit.
  EXPECT_LT(ReplicationIndex(ExecuteAlone(server->port(), "INSERT INTO t VALUES ('after the restart')")),
            index_before);
  Stop(*server);
  EXPECT_NE(LogId(), log_id) << "the database lost its last 20 commits but the frame log goes on "
                                "in the same lineage; its server's log:\n"
                             << server->ReadLog();
}

TEST_F(WalReplacedTest, OlderDataCopiedInPlaceStartsANewLineage) {
  auto server = Start();
  ASSERT_TRUE(server);
  ExecuteAlone(server->port(), "CREATE TABLE t(v)");
  ExecuteAlone(server->port(), "INSERT INTO t VALUES ('backed up')");
  Stop(*server);
  const std::filesystem::path backup = directory_.path() / "backup";
  std::filesystem::copy_file(file("data"), backup);
  const std::string log_id = LogId();

  server = Start();
  ASSERT_TRUE(server);
  ExecuteAlone(server->port(), "INSERT INTO t VALUES ('after the backup')");
  Stop(*server);
  EXPECT_EQ(LogId(), log_id) << "a clean restart changed the lineage";
  std::filesystem::remove(file("data-wal"));
  std::filesystem::remove(file("data-shm"));
  std::filesystem::copy_file(backup, file("data"),
                             std::filesystem::copy_options::overwrite_existing);

  server = Start();
  ASSERT_TRUE(server);
  EXPECT_EQ(FirstValue(ExecuteAlone(server->port(), "SELECT group_concat(v) FROM t")), "backed up");
  Stop(*server);
  EXPECT_NE(LogId(), log_id) << "`data` went back to a backup but the frame log goes on in the "
                                "same lineage; its server's log:\n"
                             << server->ReadLog();
}

}  // namespace
}  // namespace edgelite::integration
