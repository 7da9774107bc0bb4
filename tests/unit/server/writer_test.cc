// Group commit must be invisible to clients: every request gets the results it would have had
// alone, failures stay with the request that caused them, and an open transaction has the writer to
// itself. These tests hold the writer busy so that requests really queue up into one group.
#include "server/writer.h"

#include <gtest/gtest.h>

#include <future>
#include <latch>

#include "hrana/request_executor.h"
#include "server/database.h"
#include "unit/server/test_database.h"

namespace edgelite::server {
namespace {

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(database_.get(), nullptr);
    ASSERT_TRUE(Execute(0, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE)").get().ok);
  }

  struct Outcome {
    bool ok = false;
    std::string error_code;
    std::optional<int64_t> last_insert_rowid;
    std::optional<uint64_t> replication_index;
    bool in_transaction = false;
  };

  // Submits one `execute` request on behalf of stream `stream_id`.
  std::future<Outcome> Execute(uint64_t stream_id, std::string sql, bool alone = false) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    WriteJob job;
    job.stream_id = stream_id;
    job.alone = alone;
    auto request = std::make_shared<hrana::StreamRequest>(hrana::ExecuteRequest{});
    std::get<hrana::ExecuteRequest>(*request).stmt.sql = std::move(sql);
    Database* database = database_.get();
    job.run = [request, database](sqlite::Connection& connection, hrana::Placement placement) {
      hrana::ExecutionContext context;
      context.connection = &connection;
      context.placement = placement;
      context.replication_index = [database] { return database->replication_index(); };
      return hrana::RunStreamRequest(context, *request);
    };
    job.done = [promise](WriteCompletion completion) {
      Outcome outcome;
      outcome.in_transaction = completion.in_transaction;
      auto& result = std::get<hrana::StreamResult>(completion.outcome);
      if (auto* error = std::get_if<hrana::Error>(&result)) {
        outcome.error_code = error->code;
      } else {
        auto& execute = std::get<hrana::ExecuteResponse>(std::get<hrana::StreamResponse>(result));
        outcome.ok = true;
        outcome.last_insert_rowid = execute.result.last_insert_rowid;
        outcome.replication_index = execute.result.replication_index;
      }
      promise->set_value(outcome);
    };
    database_->writer().Submit(std::move(job));
    return future;
  }

  // Keeps the writer thread busy until the returned latch is released, so later jobs queue up.
  std::shared_ptr<std::latch> BlockWriter() {
    auto gate = std::make_shared<std::latch>(1);
    auto started = std::make_shared<std::promise<void>>();
    WriteJob job;
    job.alone = true;
    job.run = [gate, started](sqlite::Connection&, hrana::Placement) {
      started->set_value();
      gate->wait();
      return hrana::RequestOutcome(
          hrana::StreamResult(hrana::StreamResponse(hrana::CloseResponse{})));
    };
    job.done = [](WriteCompletion) {};
    database_->writer().Submit(std::move(job));
    started->get_future().wait();
    return gate;
  }

  int64_t Count(const std::string& where = "1") {
    auto lease = database_->readers().Acquire();
    sqlite3_stmt* statement = nullptr;
    std::string sql = "SELECT count(*) FROM t WHERE " + where;
    sqlite3_prepare_v2(lease->get()->handle(), sql.c_str(), -1, &statement, nullptr);
    sqlite3_step(statement);
    int64_t count = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return count;
  }

  test::TestDatabase database_;
};

TEST_F(WriterTest, QueuedInsertsCommitTogetherWithTheirOwnRowids) {
  auto gate = BlockWriter();
  std::vector<std::future<Outcome>> outcomes;
  for (int i = 0; i < 50; ++i) {
    outcomes.push_back(Execute(0, "INSERT INTO t(v) VALUES ('row" + std::to_string(i) + "')"));
  }
  gate->count_down();
  std::set<int64_t> rowids;
  std::set<uint64_t> indexes;
  for (auto& future : outcomes) {
    Outcome outcome = future.get();
    ASSERT_TRUE(outcome.ok) << outcome.error_code;
    rowids.insert(*outcome.last_insert_rowid);
    indexes.insert(*outcome.replication_index);
  }
  EXPECT_EQ(rowids.size(), 50u);
  EXPECT_EQ(*rowids.begin(), 1);
  EXPECT_EQ(*rowids.rbegin(), 50);
  EXPECT_EQ(indexes.size(), 1u) << "all 50 inserts should have shared one commit";
  EXPECT_EQ(Count(), 50);
}

TEST_F(WriterTest, AFailingRequestDoesNotTakeItsGroupDown) {
  ASSERT_TRUE(Execute(0, "INSERT INTO t(v) VALUES ('taken')").get().ok);
  auto gate = BlockWriter();
  auto first = Execute(0, "INSERT INTO t(v) VALUES ('a')");
  auto duplicate = Execute(0, "INSERT INTO t(v) VALUES ('taken')");
  auto last = Execute(0, "INSERT INTO t(v) VALUES ('b')");
  gate->count_down();
  EXPECT_TRUE(first.get().ok);
  EXPECT_EQ(duplicate.get().error_code, "SQLITE_CONSTRAINT");
  EXPECT_TRUE(last.get().ok);
  EXPECT_EQ(Count(), 3);
}

TEST_F(WriterTest, AStatementThatRollsBackTheTransactionReRunsTheGroupAlone) {
  ASSERT_TRUE(Execute(0, "INSERT INTO t(v) VALUES ('taken')").get().ok);
  auto gate = BlockWriter();
  auto before = Execute(0, "INSERT INTO t(v) VALUES ('before')");
  auto rollback = Execute(0, "INSERT OR ROLLBACK INTO t(v) VALUES ('taken')");
  auto after = Execute(0, "INSERT INTO t(v) VALUES ('after')");
  gate->count_down();
  EXPECT_TRUE(before.get().ok);
  EXPECT_EQ(rollback.get().error_code, "SQLITE_CONSTRAINT");
  EXPECT_TRUE(after.get().ok);
  EXPECT_EQ(Count("v IN ('before', 'after')"), 2);
}

TEST_F(WriterTest, ADeferredConstraintFailingAtCommitFailsOnlyItsRequest) {
  ASSERT_TRUE(Execute(0,
                      "CREATE TABLE child(parent INTEGER REFERENCES t(id) DEFERRABLE "
                      "INITIALLY DEFERRED)")
                  .get()
                  .ok);
  ASSERT_TRUE(Execute(0, "PRAGMA foreign_keys = ON", true).get().ok);
  auto gate = BlockWriter();
  auto good = Execute(0, "INSERT INTO t(v) VALUES ('good')");
  auto orphan = Execute(0, "INSERT INTO child VALUES (999)");
  gate->count_down();
  EXPECT_TRUE(good.get().ok);
  EXPECT_EQ(orphan.get().error_code, "SQLITE_CONSTRAINT");
  EXPECT_EQ(Count("v = 'good'"), 1);
}

TEST_F(WriterTest, AnOpenTransactionHasTheWriterToItself) {
  Outcome begin = Execute(7, "BEGIN IMMEDIATE").get();
  ASSERT_TRUE(begin.ok);
  EXPECT_TRUE(begin.in_transaction);
  auto other = Execute(8, "INSERT INTO t(v) VALUES ('other')");
  EXPECT_EQ(other.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  ASSERT_TRUE(Execute(7, "INSERT INTO t(v) VALUES ('mine')").get().ok);
  Outcome commit = Execute(7, "COMMIT").get();
  EXPECT_TRUE(commit.ok);
  EXPECT_FALSE(commit.in_transaction);
  EXPECT_TRUE(other.get().ok);
  EXPECT_EQ(Count(), 2);
}

TEST_F(WriterTest, ReleasingAStreamRollsBackItsTransaction) {
  ASSERT_TRUE(Execute(7, "BEGIN").get().in_transaction);
  ASSERT_TRUE(Execute(7, "INSERT INTO t(v) VALUES ('discarded')").get().ok);
  std::promise<void> released;
  WriteJob release;
  release.kind = WriteJob::Kind::kRelease;
  release.stream_id = 7;
  release.done = [&](WriteCompletion) { released.set_value(); };
  database_->writer().Submit(std::move(release));
  released.get_future().wait();
  EXPECT_TRUE(Execute(8, "INSERT INTO t(v) VALUES ('next')").get().ok);
  EXPECT_EQ(Count(), 1);
}

TEST_F(WriterTest, TransactionControlInsideAGroupRunsAlone) {
  auto gate = BlockWriter();
  auto insert = Execute(0, "INSERT INTO t(v) VALUES ('x')");
  auto vacuum = Execute(0, "VACUUM");
  gate->count_down();
  EXPECT_TRUE(insert.get().ok);
  {
    auto v = vacuum.get();
    EXPECT_TRUE(v.ok) << v.error_code;
  }
  EXPECT_EQ(Count(), 1);
}

}  // namespace
}  // namespace edgelite::server
