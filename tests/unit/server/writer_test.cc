// Group commit must be invisible to clients: every request gets the results it would have had
// alone, failures stay with the request that caused them, requests that cannot share a group leave
// it before they have any effect, and a write grant has the writer to itself. These tests hold the
// writer busy so that requests really queue up into one group.
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
    ASSERT_TRUE(Execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE)").get().ok);
  }

  struct Outcome {
    bool ok = false;
    std::string error_code;
    std::optional<int64_t> last_insert_rowid;
    std::optional<uint64_t> replication_index;
    std::optional<hrana::Escalation::Kind> escalation;
    std::vector<bool> steps_ran;  // batches: which steps produced a result or an error
  };

  // Submits one `execute` request, or a batch of unconditional steps.
  std::future<Outcome> Execute(std::string sql) {
    auto request = std::make_shared<hrana::StreamRequest>(hrana::ExecuteRequest{});
    std::get<hrana::ExecuteRequest>(*request).stmt.sql = std::move(sql);
    return Submit(request);
  }
  std::future<Outcome> Batch(std::vector<std::string> steps) {
    hrana::BatchRequest batch;
    for (std::string& sql : steps) {
      hrana::BatchStep step;
      step.stmt.sql = std::move(sql);
      batch.batch.steps.push_back(std::move(step));
    }
    return Submit(std::make_shared<hrana::StreamRequest>(std::move(batch)));
  }

  std::future<Outcome> Submit(std::shared_ptr<hrana::StreamRequest> request) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    WriteJob job;
    Database* database = database_.get();
    job.run = [request, database](sqlite::Connection& connection, hrana::Placement placement) {
      hrana::ExecutionContext context;
      context.connection = &connection;
      context.placement = placement;
      context.replication_index = [database] { return database->replication_index(); };
      return hrana::RunStreamRequest(context, *request);
    };
    job.done = [promise](hrana::RequestOutcome completion) {
      Outcome outcome;
      if (auto* escalation = std::get_if<hrana::Escalation>(&completion)) {
        outcome.escalation = escalation->kind;
        promise->set_value(outcome);
        return;
      }
      auto& result = std::get<hrana::StreamResult>(completion);
      if (auto* error = std::get_if<hrana::Error>(&result)) {
        outcome.error_code = error->code;
      } else if (auto* execute = std::get_if<hrana::ExecuteResponse>(
                     &std::get<hrana::StreamResponse>(result))) {
        outcome.ok = true;
        outcome.last_insert_rowid = execute->result.last_insert_rowid;
        outcome.replication_index = execute->result.replication_index;
      } else {
        auto& batch = std::get<hrana::BatchResponse>(std::get<hrana::StreamResponse>(result));
        outcome.ok = true;
        for (size_t i = 0; i < batch.result.step_results.size(); ++i) {
          outcome.steps_ran.push_back(batch.result.step_results[i].has_value() ||
                                      batch.result.step_errors[i].has_value());
        }
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
    job.run = [gate, started](sqlite::Connection&, hrana::Placement) {
      started->set_value();
      gate->wait();
      return hrana::RequestOutcome(
          hrana::StreamResult(hrana::StreamResponse(hrana::CloseResponse{})));
    };
    job.done = [](hrana::RequestOutcome) {};
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
    outcomes.push_back(Execute("INSERT INTO t(v) VALUES ('row" + std::to_string(i) + "')"));
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
  ASSERT_TRUE(Execute("INSERT INTO t(v) VALUES ('taken')").get().ok);
  auto gate = BlockWriter();
  auto first = Execute("INSERT INTO t(v) VALUES ('a')");
  auto duplicate = Execute("INSERT INTO t(v) VALUES ('taken')");
  auto last = Execute("INSERT INTO t(v) VALUES ('b')");
  gate->count_down();
  EXPECT_TRUE(first.get().ok);
  EXPECT_EQ(duplicate.get().error_code, "SQLITE_CONSTRAINT");
  EXPECT_TRUE(last.get().ok);
  EXPECT_EQ(Count(), 3);
}

TEST_F(WriterTest, AStatementThatRollsBackTheTransactionReRunsTheGroupAlone) {
  ASSERT_TRUE(Execute("INSERT INTO t(v) VALUES ('taken')").get().ok);
  auto gate = BlockWriter();
  auto before = Execute("INSERT INTO t(v) VALUES ('before')");
  auto rollback = Execute("INSERT OR ROLLBACK INTO t(v) VALUES ('taken')");
  auto after = Execute("INSERT INTO t(v) VALUES ('after')");
  gate->count_down();
  EXPECT_TRUE(before.get().ok);
  EXPECT_EQ(rollback.get().error_code, "SQLITE_CONSTRAINT");
  EXPECT_TRUE(after.get().ok);
  EXPECT_EQ(Count("v IN ('before', 'after')"), 2);
}

TEST_F(WriterTest, ARolledBackGroupDoesNotRunTheRestOfTheRequestTwice) {
  ASSERT_TRUE(Execute("INSERT INTO t(id, v) VALUES (1, 'taken')").get().ok);
  ASSERT_TRUE(Execute("CREATE TABLE log(x)").get().ok);
  auto gate = BlockWriter();
  auto before = Execute("INSERT INTO t(v) VALUES ('before')");
  auto batch = Batch({"INSERT OR ROLLBACK INTO t(id, v) VALUES (1, 'again')",
                      "INSERT INTO log VALUES (7)"});
  gate->count_down();
  EXPECT_TRUE(before.get().ok);
  Outcome outcome = batch.get();
  ASSERT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.steps_ran, (std::vector<bool>{true, true}));
  EXPECT_EQ(Count("v = 'before'"), 1);
  auto lease = database_->readers().Acquire();
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(lease->get()->handle(), "SELECT count(*) FROM log", -1, &statement, nullptr);
  sqlite3_step(statement);
  EXPECT_EQ(sqlite3_column_int64(statement, 0), 1) << "the step after the rollback ran twice";
  sqlite3_finalize(statement);
}

TEST_F(WriterTest, ADeferredConstraintLeftOpenFailsOnlyItsRequest) {
  ASSERT_TRUE(Execute("CREATE TABLE child(parent INTEGER REFERENCES t(id) DEFERRABLE "
                      "INITIALLY DEFERRED)")
                  .get()
                  .ok);
  auto gate = BlockWriter();
  auto good = Execute("INSERT INTO t(v) VALUES ('good')");
  auto orphan = Execute("INSERT INTO child VALUES (999)");
  // In the same group as the orphan: alone, the orphan fails whatever comes after it.
  auto parent = Execute("INSERT INTO t(id, v) VALUES (999, 'parent')");
  gate->count_down();
  EXPECT_TRUE(good.get().ok);
  EXPECT_EQ(orphan.get().error_code, "SQLITE_CONSTRAINT");
  EXPECT_TRUE(parent.get().ok);
  EXPECT_EQ(Count("v IN ('good', 'parent')"), 2);
}

TEST_F(WriterTest, AGrantHasTheWriterToItself) {
  int holder = 0;
  ASSERT_TRUE(database_->writer().AcquireGrant(
      &holder, std::chrono::steady_clock::now() + std::chrono::seconds(5)));
  auto other = Execute("INSERT INTO t(v) VALUES ('other')");
  int second = 0;
  EXPECT_FALSE(database_->writer().AcquireGrant(
      &second, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)))
      << "a second holder must wait for the first";
  {
    auto own = database_->own_connections().Acquire();
    ASSERT_TRUE(own.ok());
    EXPECT_TRUE(own->get()->Exec("INSERT INTO t(v) VALUES ('mine')").ok());
  }
  database_->writer().ReleaseGrant(&holder);
  EXPECT_TRUE(other.get().ok);
  EXPECT_EQ(Count(), 2);
}

TEST_F(WriterTest, RequestsThatCannotShareAGroupLeaveItWithoutEffect) {
  auto gate = BlockWriter();
  auto insert = Execute("INSERT INTO t(v) VALUES ('x')");
  auto vacuum = Execute("VACUUM");
  auto begin = Batch({"INSERT INTO t(v) VALUES ('y')", "BEGIN"});
  auto temp = Batch({"INSERT INTO t(v) VALUES ('z')", "CREATE TEMP TABLE scratch(x)"});
  auto setting = Execute("PRAGMA recursive_triggers = ON");
  gate->count_down();
  EXPECT_TRUE(insert.get().ok);
  for (auto* moved : {&vacuum, &begin, &temp, &setting}) {
    EXPECT_EQ(moved->get().escalation, hrana::Escalation::Kind::kToOwnConnection);
  }
  EXPECT_EQ(Count(), 1) << "a request that left the group must have had no effect";
}

}  // namespace
}  // namespace edgelite::server
