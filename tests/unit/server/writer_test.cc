// Group commit must be invisible to clients: every request gets the results it would have had
// alone, failures stay with the request that caused them, requests that cannot share a group leave
// it before they have any effect, and a write grant has the writer to itself. These tests hold the
// writer busy so that requests really queue up into one group.
#include "server/writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>

#include "hrana/request_executor.h"
#include "server/database.h"
#include "server/request_runner.h"
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
    std::optional<std::string> failure;  // a RequestFailure's message
  };

  // Submits one `execute` request, or a batch of unconditional steps.
  std::future<Outcome> Execute(std::string sql, ClientPresence client = {}) {
    auto request = std::make_shared<hrana::StreamRequest>(hrana::ExecuteRequest{});
    std::get<hrana::ExecuteRequest>(*request).stmt.sql = std::move(sql);
    return Submit(request, std::move(client));
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

  std::future<Outcome> Submit(std::shared_ptr<hrana::StreamRequest> request,
                              ClientPresence client = {}) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    WriteJob job;
    job.client = std::move(client);
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
      if (auto* failure = std::get_if<hrana::RequestFailure>(&completion)) {
        outcome.failure = failure->message;
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

  std::shared_ptr<std::latch> BlockWriter() { return test::BlockWriter(*database_); }

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

// The writer's side of running alone: every member of a group that a statement rolled back leaves
// it with no effect, to be run on its stream's own connection (WriterGroupTest checks the results
// clients then get), and so does a request that leaves a deferred constraint unresolved.
TEST_F(WriterTest, MembersOfALostGroupLeaveItWithoutEffect) {
  ASSERT_TRUE(Execute("INSERT INTO t(id, v) VALUES (1, 'taken')").get().ok);
  ASSERT_TRUE(Execute("CREATE TABLE log(x)").get().ok);
  auto gate = BlockWriter();
  auto before = Execute("INSERT INTO t(v) VALUES ('before')");
  auto batch = Batch({"INSERT OR ROLLBACK INTO t(id, v) VALUES (1, 'again')",
                      "INSERT INTO log VALUES (7)"});
  gate->count_down();
  EXPECT_EQ(before.get().escalation, hrana::Escalation::Kind::kToOwnConnection);
  EXPECT_EQ(batch.get().escalation, hrana::Escalation::Kind::kToOwnConnection);
  EXPECT_EQ(Count(), 1) << "a member of the lost group left a row behind";
}

TEST_F(WriterTest, ARequestLeavingADeferredConstraintOpenLeavesTheGroup) {
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
  EXPECT_EQ(orphan.get().escalation, hrana::Escalation::Kind::kToOwnConnection);
  EXPECT_TRUE(parent.get().ok);
  EXPECT_EQ(Count("v IN ('good', 'parent')"), 2);
}

// A write whose client leaves is stopped and leaves nothing behind; the rest of its group commits.
TEST_F(WriterTest, AWriteWhoseClientLeavesIsInterruptedAndRolledBackAlone) {
  auto gone = std::make_shared<std::atomic<bool>>(false);
  auto gate = BlockWriter();
  auto before = Execute("INSERT INTO t(v) VALUES ('before')");
  // Inserts rows without end: only the interrupt stops it.
  auto runaway = Execute(
      "INSERT INTO t(v) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
      "SELECT 'runaway ' || x FROM c",
      ClientPresence(-1, gone));
  auto after = Execute("INSERT INTO t(v) VALUES ('after')");
  gate->count_down();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(runaway.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the runaway insert ended before its client left";
  gone->store(true);
  ASSERT_EQ(runaway.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the write of a client that left was not interrupted";
  EXPECT_TRUE(runaway.get().failure.has_value());
  // Whether SQLite undid the statement or the group's whole transaction, the others land once.
  Outcome first = before.get();
  EXPECT_TRUE(first.ok || first.escalation == hrana::Escalation::Kind::kToOwnConnection);
  EXPECT_TRUE(after.get().ok);
  EXPECT_EQ(Count("v LIKE 'runaway %'"), 0);
  EXPECT_EQ(Count("v = 'after'"), 1);
  EXPECT_TRUE(Execute("INSERT INTO t(v) VALUES ('later')").get().ok);
}

TEST_F(WriterTest, AWriteWhoseClientHasLeftIsNotRun) {
  auto gone = std::make_shared<std::atomic<bool>>(true);
  Outcome outcome = Execute("INSERT INTO t(v) VALUES ('orphan')", ClientPresence(-1, gone)).get();
  EXPECT_TRUE(outcome.failure.has_value());
  EXPECT_EQ(Count(), 0);
}

// A grant holder that is never idle: the writer never takes the grant back.
class BusyHolder : public GrantHolder {
 public:
  std::optional<std::chrono::steady_clock::time_point> Revoke(std::chrono::milliseconds) override {
    return std::chrono::steady_clock::now() + std::chrono::hours(1);
  }
};

TEST_F(WriterTest, AGrantHasTheWriterToItself) {
  BusyHolder holder;
  ASSERT_TRUE(database_->writer().AcquireGrant(
      &holder, std::chrono::steady_clock::now() + std::chrono::seconds(5)));
  auto other = Execute("INSERT INTO t(v) VALUES ('other')");
  BusyHolder second;
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

// --- requests of every shape in one group: each must get exactly what it would have got alone ---

class WriterGroupTest : public WriterTest {
 protected:
  struct Completion {
    hrana::RequestOutcome outcome;
    hrana::StreamState state;  // as the run that counted left it
  };
  struct Step {
    Step(const char* sql, std::optional<hrana::BatchCond> condition = std::nullopt)  // NOLINT
        : sql(sql), condition(std::move(condition)) {}
    std::string sql;
    std::optional<hrana::BatchCond> condition;
  };

  static hrana::StreamRequest ExecuteRequest(std::string sql) {
    hrana::ExecuteRequest request;
    request.stmt.sql = std::move(sql);
    return request;
  }
  static hrana::StreamRequest BatchRequest(std::vector<Step> steps) {
    hrana::BatchRequest request;
    for (Step& step : steps) {
      hrana::BatchStep batch_step;
      batch_step.stmt.sql = std::move(step.sql);
      batch_step.condition = std::move(step.condition);
      request.batch.steps.push_back(std::move(batch_step));
    }
    return request;
  }
  static hrana::BatchCond Ok(uint32_t step) { return {hrana::BatchCond::Kind::kOk, step, {}}; }
  static hrana::BatchCond Failed(uint32_t step) {
    return {hrana::BatchCond::Kind::kError, step, {}};
  }
  static hrana::BatchCond IsAutocommit() { return {hrana::BatchCond::Kind::kIsAutocommit, 0, {}}; }
  static hrana::BatchCond Not(hrana::BatchCond cond) {
    return {hrana::BatchCond::Kind::kNot, 0, {std::move(cond)}};
  }

  void TearDown() override {
    for (auto& stream : streams_) ReleaseStream(*stream);
  }

  // Runs a Hrana 3 request on a new stream as the server does (RequestRunner): a write goes to the
  // writer's group, and wherever the group sends it on (to run alone, or on a connection of the
  // stream's own), it goes. The outcome is the one the client gets.
  std::future<Completion> RunAsClient(hrana::StreamRequest request) {
    streams_.push_back(
        std::make_unique<Stream>(streams_.size() + 1, database_.shared(), 50, 5 * 1024));
    Stream* stream = streams_.back().get();
    auto shared_request = std::make_shared<hrana::StreamRequest>(std::move(request));
    auto promise = std::make_shared<std::promise<Completion>>();
    auto future = promise->get_future();
    RunSettings settings;
    settings.version = hrana::ProtocolVersion::kV3;
    RunRequest(*stream, *shared_request, settings,
               [shared_request, promise, stream](hrana::RequestOutcome outcome) {
                 promise->set_value(Completion{std::move(outcome), stream->state});
               });
    return future;
  }

  // Submits a Hrana 3 request straight to the writer (as a group member) for a stream whose state
  // is `state`; what the writer hands back is the outcome, escalations included.
  std::future<Completion> Run(hrana::StreamRequest request, hrana::StreamState state = {}) {
    auto shared_request = std::make_shared<hrana::StreamRequest>(std::move(request));
    auto final_state = std::make_shared<hrana::StreamState>();
    auto promise = std::make_shared<std::promise<Completion>>();
    auto future = promise->get_future();
    WriteJob job;
    Database* database = database_.get();
    job.run = [shared_request, state, final_state, database](sqlite::Connection& connection,
                                                             hrana::Placement placement) {
      hrana::ExecutionContext context;
      context.connection = &connection;
      context.placement = placement;
      context.version = hrana::ProtocolVersion::kV3;
      context.state = state;
      context.replication_index = [database] { return database->replication_index(); };
      hrana::RequestOutcome outcome = hrana::RunStreamRequest(context, *shared_request);
      *final_state = context.state;
      return outcome;
    };
    job.done = [promise, final_state](hrana::RequestOutcome outcome) {
      promise->set_value(Completion{std::move(outcome), *final_state});
    };
    database_->writer().Submit(std::move(job));
    return future;
  }

  static const hrana::StreamResponse* ResponseOf(const Completion& completion) {
    auto* result = std::get_if<hrana::StreamResult>(&completion.outcome);
    return result ? std::get_if<hrana::StreamResponse>(result) : nullptr;
  }
  static hrana::StmtResult ExecuteResult(const Completion& completion) {
    auto* response = ResponseOf(completion);
    auto* execute = response ? std::get_if<hrana::ExecuteResponse>(response) : nullptr;
    if (!execute) {
      ADD_FAILURE() << "expected an execute result, got " << ErrorCode(completion);
      return {};
    }
    return execute->result;
  }
  static hrana::BatchResult BatchResult(const Completion& completion) {
    auto* response = ResponseOf(completion);
    auto* batch = response ? std::get_if<hrana::BatchResponse>(response) : nullptr;
    if (!batch) {
      ADD_FAILURE() << "expected a batch result, got " << ErrorCode(completion);
      return {};
    }
    return batch->result;
  }
  static std::string ErrorCode(const Completion& completion) {
    if (auto* escalation = std::get_if<hrana::Escalation>(&completion.outcome)) {
      return "(escalation " + std::to_string(int(escalation->kind)) + ")";
    }
    if (auto* failure = std::get_if<hrana::RequestFailure>(&completion.outcome)) {
      return "(request failure " + failure->message + ")";
    }
    auto* error = std::get_if<hrana::Error>(&std::get<hrana::StreamResult>(completion.outcome));
    return error ? error->code : "(a response)";
  }
  static std::string Shape(const hrana::BatchResult& result) {
    std::string shape;
    for (size_t i = 0; i < result.step_results.size(); ++i) {
      shape += result.step_results[i] ? 'r' : result.step_errors[i] ? 'e' : '-';
    }
    return shape;
  }
  static std::vector<int64_t> Ints(const std::optional<hrana::StmtResult>& result) {
    std::vector<int64_t> values;
    if (!result || result->rows.empty()) return values;
    for (const Value& value : result->rows[0]) {
      auto* number = std::get_if<int64_t>(&value);
      values.push_back(number ? *number : -999);
    }
    return values;
  }
  // Runs read-only probes on the writer's connection (as a group member) and returns each one's
  // first integer.
  std::vector<int64_t> ProbeWriter(std::vector<Step> probes) {
    hrana::BatchResult result = BatchResult(Run(BatchRequest(std::move(probes))).get());
    std::vector<int64_t> values;
    for (auto& step : result.step_results) {
      auto ints = Ints(step);
      values.push_back(ints.empty() ? -1 : ints[0]);
    }
    return values;
  }

  std::vector<std::unique_ptr<Stream>> streams_;
};

TEST_F(WriterGroupTest, InAGroupTheStreamIsInAutocommit) {
  auto gate = BlockWriter();
  auto neighbour = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('neighbour')"));
  auto batch = Run(BatchRequest({
      "INSERT INTO t(v) VALUES ('a')",
      {"INSERT INTO t(v) VALUES ('b')", IsAutocommit()},
      {"INSERT INTO t(v) VALUES ('c')", Not(IsAutocommit())},
      {"SELECT 1", Ok(0)},
      {"SELECT 2", Failed(0)},
  }));
  auto autocommit = Run(hrana::GetAutocommitRequest{});
  gate->count_down();
  hrana::StmtResult first = ExecuteResult(neighbour.get());
  hrana::BatchResult result = BatchResult(batch.get());
  EXPECT_EQ(Shape(result), "rr-r-");
  ASSERT_TRUE(first.replication_index && result.replication_index);
  EXPECT_EQ(*result.replication_index, *first.replication_index) << "not in the same group";
  Completion autocommit_completion = autocommit.get();
  auto* response = ResponseOf(autocommit_completion);
  ASSERT_NE(response, nullptr);
  EXPECT_TRUE(std::get<hrana::GetAutocommitResponse>(*response).is_autocommit);
  EXPECT_EQ(Count("v IN ('a', 'b')"), 2);
  EXPECT_EQ(Count("v = 'c'"), 0);
}

TEST_F(WriterGroupTest, ConditionsOnAFailedStepInAGroupAreJudgedAsAlone) {
  ASSERT_TRUE(Execute("INSERT INTO t(v) VALUES ('taken')").get().ok);
  auto gate = BlockWriter();
  auto before = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('before')"));
  auto batch = Run(BatchRequest({
      "INSERT INTO t(v) VALUES ('taken')",
      {"INSERT INTO t(v) VALUES ('fallback')", Failed(0)},
      {"INSERT INTO t(v) VALUES ('never')", Ok(0)},
  }));
  auto after = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('after')"));
  gate->count_down();
  ExecuteResult(before.get());
  hrana::BatchResult result = BatchResult(batch.get());
  EXPECT_EQ(Shape(result), "er-");
  ASSERT_TRUE(result.step_errors[0]);
  EXPECT_EQ(result.step_errors[0]->code, "SQLITE_CONSTRAINT");
  ExecuteResult(after.get());
  EXPECT_EQ(Count("v IN ('before', 'fallback', 'after')"), 3);
  EXPECT_EQ(Count("v = 'never'"), 0);
}

TEST_F(WriterGroupTest, ReturningInAGroupReturnsTheRequestsOwnRows) {
  ASSERT_TRUE(Execute("INSERT INTO t(v) VALUES ('taken')").get().ok);
  auto gate = BlockWriter();
  auto before = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('before')"));
  auto returning = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('r1'), ('r2') RETURNING id, v"));
  auto failing = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('z'), ('taken') RETURNING id"));
  auto update = Run(ExecuteRequest("UPDATE t SET v = v || '!' WHERE v = 'before' RETURNING v"));
  gate->count_down();
  hrana::StmtResult first = ExecuteResult(before.get());
  hrana::StmtResult result = ExecuteResult(returning.get());
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0][0], Value(int64_t{3}));
  EXPECT_EQ(result.rows[0][1], Value(std::string("r1")));
  EXPECT_EQ(result.rows[1][0], Value(int64_t{4}));
  EXPECT_EQ(result.affected_row_count, 2u);
  EXPECT_EQ(result.last_insert_rowid, 4);
  EXPECT_EQ(result.replication_index, first.replication_index);
  EXPECT_EQ(ErrorCode(failing.get()), "SQLITE_CONSTRAINT");
  hrana::StmtResult updated = ExecuteResult(update.get());
  ASSERT_EQ(updated.rows.size(), 1u);
  EXPECT_EQ(updated.rows[0][0], Value(std::string("before!")));
  EXPECT_EQ(updated.affected_row_count, 1u);
  EXPECT_EQ(Count("v = 'z'"), 0) << "the failed statement's first row must be undone";
  EXPECT_EQ(Count(), 4);
}

TEST_F(WriterGroupTest, ATriggersRaiseRollbackInAGroupFailsOnlyItsRequest) {
  ASSERT_TRUE(Execute("CREATE TRIGGER no_boom BEFORE INSERT ON t WHEN NEW.v = 'boom' "
                      "BEGIN SELECT RAISE(ROLLBACK, 'no boom'); END")
                  .get()
                  .ok);
  auto gate = BlockWriter();
  auto before = RunAsClient(ExecuteRequest("INSERT INTO t(v) VALUES ('before')"));
  auto boom = RunAsClient(BatchRequest(
      {"INSERT INTO t(v) VALUES ('boom')", {"INSERT INTO t(v) VALUES ('after boom')", Failed(0)}}));
  auto after = RunAsClient(ExecuteRequest("INSERT INTO t(v) VALUES ('after')"));
  gate->count_down();
  hrana::StmtResult first = ExecuteResult(before.get());
  hrana::BatchResult result = BatchResult(boom.get());
  EXPECT_EQ(Shape(result), "er");
  ASSERT_TRUE(result.step_errors[0]);
  EXPECT_EQ(result.step_errors[0]->code, "SQLITE_CONSTRAINT");
  EXPECT_NE(result.step_errors[0]->message.find("no boom"), std::string::npos);
  hrana::StmtResult last = ExecuteResult(after.get());
  ASSERT_TRUE(first.last_insert_rowid && last.last_insert_rowid);
  EXPECT_NE(*first.last_insert_rowid, *last.last_insert_rowid);
  EXPECT_EQ(Count("v IN ('before', 'after boom', 'after')"), 3);
  EXPECT_EQ(Count("v = 'boom'"), 0);
}

TEST_F(WriterGroupTest, TriggerFailuresInAGroupKeepWhatTheyWouldKeepAlone) {
  ASSERT_TRUE(Execute("CREATE TRIGGER checks BEFORE INSERT ON t BEGIN "
                      "SELECT RAISE(FAIL, 'failed') WHERE NEW.v = 'fail'; "
                      "SELECT RAISE(ABORT, 'aborted') WHERE NEW.v = 'abort'; END")
                  .get()
                  .ok);
  auto gate = BlockWriter();
  auto neighbour = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('neighbour')"));
  // FAIL keeps the rows the statement wrote before it; ABORT undoes the whole statement.
  auto fail = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('kept'), ('fail')"));
  auto abort = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('undone'), ('abort')"));
  gate->count_down();
  ExecuteResult(neighbour.get());
  EXPECT_EQ(ErrorCode(fail.get()), "SQLITE_CONSTRAINT");
  EXPECT_EQ(ErrorCode(abort.get()), "SQLITE_CONSTRAINT");
  EXPECT_EQ(Count("v IN ('neighbour', 'kept')"), 2);
  EXPECT_EQ(Count("v = 'undone'"), 0);
}

TEST_F(WriterGroupTest, ADeferredConstraintLeftOpenByOneStepFailsThatStepAlone) {
  ASSERT_TRUE(Execute("CREATE TABLE child(parent INTEGER REFERENCES t(id) DEFERRABLE "
                      "INITIALLY DEFERRED)")
                  .get()
                  .ok);
  ASSERT_TRUE(Execute("INSERT INTO t(id, v) VALUES (5, 'five')").get().ok);
  ASSERT_TRUE(Execute("INSERT INTO child VALUES (5)").get().ok);
  auto gate = BlockWriter();
  auto neighbour = RunAsClient(ExecuteRequest("INSERT INTO t(v) VALUES ('neighbour')"));
  // Alone each step is its own transaction: the orphan fails at its commit, the parent after it
  // is inserted all the same.
  auto orphan_then_parent = RunAsClient(
      BatchRequest({"INSERT INTO child VALUES (600)", "INSERT INTO t(id, v) VALUES (600, 'six')"}));
  // Deleting a referenced parent fails alone too, even though a later member re-creates it.
  auto delete_parent = RunAsClient(ExecuteRequest("DELETE FROM t WHERE id = 5"));
  auto recreate = RunAsClient(ExecuteRequest("INSERT OR IGNORE INTO t(id, v) VALUES (5, 'again')"));
  // Resolved within each statement: stays in the group.
  auto resolved = RunAsClient(BatchRequest(
      {"INSERT INTO t(id, v) VALUES (700, 'seven')", "INSERT INTO child VALUES (700)"}));
  gate->count_down();
  ExecuteResult(neighbour.get());
  hrana::BatchResult steps = BatchResult(orphan_then_parent.get());
  EXPECT_EQ(Shape(steps), "er");
  EXPECT_EQ(ErrorCode(delete_parent.get()), "SQLITE_CONSTRAINT");
  ExecuteResult(recreate.get());
  EXPECT_EQ(Shape(BatchResult(resolved.get())), "rr");
  EXPECT_EQ(Count("id = 5 AND v = 'five'"), 1) << "the parent must not have been deleted";
  EXPECT_EQ(Count("id IN (600, 700)"), 2);
  EXPECT_EQ(ProbeWriter({"SELECT count(*) FROM child WHERE parent = 600",
                         "SELECT count(*) FROM child WHERE parent = 700"}),
            (std::vector<int64_t>{0, 1}));
}

TEST_F(WriterGroupTest, StatementsThatLeaveStateMoveWithoutEffectOnTheWriter) {
  auto gate = BlockWriter();
  std::vector<std::future<Completion>> moved;
  for (const char* sql : {"ATTACH '' AS aux", "DETACH aux", "SAVEPOINT s", "BEGIN IMMEDIATE",
                          "BEGIN TRANSACTION READONLY", "CREATE TEMP VIEW tv AS SELECT 1",
                          "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
                          "CREATE TEMP TABLE scratch(x)", "PRAGMA foreign_keys = OFF",
                          "PRAGMA defer_foreign_keys = ON", "PRAGMA recursive_triggers = 1"}) {
    moved.push_back(Run(ExecuteRequest(sql)));
  }
  moved.push_back(
      Run(BatchRequest({"INSERT INTO t(v) VALUES ('e1')", "PRAGMA foreign_keys = OFF"})));
  moved.push_back(Run(BatchRequest({"INSERT INTO t(v) VALUES ('e2')", "ATTACH '' AS aux"})));
  moved.push_back(Run(BatchRequest({"INSERT INTO t(v) VALUES ('e3')", "SAVEPOINT s"})));
  auto stays = Run(ExecuteRequest("INSERT INTO t(v) VALUES ('stays')"));
  gate->count_down();
  for (auto& future : moved) {
    EXPECT_EQ(ErrorCode(future.get()), "(escalation 2)");  // kToOwnConnection
  }
  ExecuteResult(stays.get());
  EXPECT_EQ(Count(), 1) << "a request that left the group must have had no effect";
  ASSERT_TRUE(Execute("CREATE TABLE strict_child(parent INTEGER REFERENCES t(id))").get().ok);
  EXPECT_EQ(ProbeWriter({"SELECT count(*) FROM temp.sqlite_master", "PRAGMA foreign_keys",
                         "PRAGMA defer_foreign_keys", "PRAGMA recursive_triggers",
                         "SELECT count(*) FROM pragma_database_list WHERE name = 'aux'"}),
            (std::vector<int64_t>{0, 1, 0, 0, 0}));
  EXPECT_EQ(Execute("INSERT INTO strict_child VALUES (12345)").get().error_code,
            "SQLITE_CONSTRAINT")
      << "the writer stopped enforcing foreign keys";
}

TEST_F(WriterGroupTest, SessionFunctionsAnswerForEachRequestInAGroup) {
  ASSERT_TRUE(Execute("INSERT INTO t(v) VALUES ('p1'), ('p2')").get().ok);
  const char* probe = "SELECT last_insert_rowid(), changes(), total_changes()";
  auto gate = BlockWriter();
  auto one = Run(BatchRequest({"INSERT INTO t(v) VALUES ('one')", probe}));
  hrana::StreamState kept;
  kept.session = {50, 9, 20};
  auto three = Run(BatchRequest({"INSERT INTO t(v) VALUES ('x'), ('y'), ('z')", probe}), kept);
  auto update = Run(BatchRequest({"UPDATE t SET v = v || '!' WHERE id <= 2", probe}));
  hrana::StreamState reader;
  reader.session = {7, 8, 9};
  auto read = Run(ExecuteRequest(probe), reader);
  auto fresh = Run(ExecuteRequest(probe));
  gate->count_down();
  Completion first = one.get();
  EXPECT_EQ(Ints(BatchResult(first).step_results[1]), (std::vector<int64_t>{3, 1, 1}));
  EXPECT_EQ(first.state.session, (sqlite::Session{3, 1, 1}));
  Completion second = three.get();
  EXPECT_EQ(Ints(BatchResult(second).step_results[1]), (std::vector<int64_t>{6, 3, 23}));
  EXPECT_EQ(second.state.session, (sqlite::Session{6, 3, 23}));
  Completion third = update.get();
  EXPECT_EQ(Ints(BatchResult(third).step_results[1]), (std::vector<int64_t>{0, 2, 2}));
  Completion fourth = read.get();
  EXPECT_EQ(Ints(ExecuteResult(fourth)), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(fourth.state.session, (sqlite::Session{7, 8, 9}));
  EXPECT_EQ(Ints(ExecuteResult(fresh.get())), (std::vector<int64_t>{0, 0, 0}));
}

TEST_F(WriterGroupTest, ObjectsNamedIntoTheTempSchemaMoveWithoutEffectOnTheWriter) {
  auto gate = BlockWriter();
  std::vector<std::future<Completion>> moved;
  for (const char* sql : {"CREATE TABLE temp.scratch(x)", "CREATE TABLE temp.copy AS SELECT 1 AS x",
                          "CREATE VIEW temp.tv AS SELECT 1",
                          "CREATE TRIGGER temp.tr AFTER INSERT ON t BEGIN SELECT 1; END"}) {
    moved.push_back(Run(ExecuteRequest(sql)));
  }
  gate->count_down();
  for (auto& future : moved) {
    EXPECT_EQ(ErrorCode(future.get()), "(escalation 2)");  // kToOwnConnection
  }
  EXPECT_EQ(ProbeWriter({"SELECT count(*) FROM temp.sqlite_master"}), (std::vector<int64_t>{0}))
      << "a TEMP object was left on the writer, for every later request to see";
}

// Alone, the stream is in autocommit mode: COMMIT, ROLLBACK, RELEASE and ROLLBACK TO fail ("no
// transaction is active", "no such savepoint") and change nothing. In a group they must not reach
// the group's transaction, nor the savepoint the writer keeps around each request, whatever the
// client calls its savepoint.
TEST_F(WriterGroupTest, EndingATransactionInAGroupFailsAsItWouldAlone) {
  ASSERT_TRUE(Execute("CREATE TABLE log(x)").get().ok);
  auto gate = BlockWriter();
  auto neighbour = RunAsClient(ExecuteRequest("INSERT INTO t(v) VALUES ('neighbour')"));
  std::vector<std::future<Completion>> ends;
  for (const char* sql : {"COMMIT", "END", "ROLLBACK", "RELEASE s", "ROLLBACK TO s"}) {
    ends.push_back(RunAsClient(BatchRequest({"INSERT INTO log VALUES (1)", sql})));
  }
  auto rollback_to =
      RunAsClient(BatchRequest({"INSERT INTO log VALUES (2)", "ROLLBACK TO edgelite_request"}));
  auto release =
      RunAsClient(BatchRequest({"INSERT INTO log VALUES (3)", "RELEASE edgelite_request"}));
  auto after = RunAsClient(ExecuteRequest("INSERT INTO t(v) VALUES ('after')"));
  gate->count_down();
  ExecuteResult(neighbour.get());
  for (auto& future : ends) EXPECT_EQ(Shape(BatchResult(future.get())), "re");
  EXPECT_EQ(Shape(BatchResult(rollback_to.get())), "re")
      << "ROLLBACK TO reached the writer's savepoint around the request";
  EXPECT_EQ(Shape(BatchResult(release.get())), "re")
      << "RELEASE reached the writer's savepoint around the request";
  ExecuteResult(after.get());
  EXPECT_EQ(Count("v IN ('neighbour', 'after')"), 2);
  EXPECT_EQ(
      ProbeWriter({"SELECT count(*) FROM log WHERE x = 1", "SELECT count(*) FROM log WHERE x = 2",
                   "SELECT count(*) FROM log WHERE x = 3"}),
      (std::vector<int64_t>{5, 1, 1}));
}

// The writer undoes a request that leaves the group by rolling back to its savepoint: a client
// that released that savepoint first must not get its writes committed and then run again.
TEST_F(WriterGroupTest, ARequestThatLeavesTheGroupAfterReleasingASavepointLeavesNoEffect) {
  ASSERT_TRUE(Execute("CREATE TABLE log(x)").get().ok);
  auto gate = BlockWriter();
  auto moved = RunAsClient(BatchRequest(
      {"INSERT INTO log VALUES (1)", "RELEASE edgelite_request", "CREATE TEMP TABLE scratch(x)"}));
  gate->count_down();
  // Alone: the INSERT commits, RELEASE fails (no such savepoint), the TEMP table is created.
  EXPECT_EQ(Shape(BatchResult(moved.get())), "rer");
  EXPECT_EQ(ProbeWriter({"SELECT count(*) FROM log"}), (std::vector<int64_t>{1}))
      << "the request's INSERT was committed in the group and again after it moved";
}

}  // namespace
}  // namespace edgelite::server
