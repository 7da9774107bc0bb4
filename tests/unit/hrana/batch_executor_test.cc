// Batches: each step runs only when its condition over the earlier steps' outcomes holds; a bad
// condition fails the whole request; is_autocommit reads the stream's transaction state (true in a
// group commit, whose transaction is the writer's); a step that must move the request stops the
// batch before anything else runs; cursors receive the same outcomes as entries.
#include "hrana/batch_executor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/hrana/executor_test_support.h"

namespace edgelite::hrana {
namespace {

BatchCond Ok(uint32_t step) {
  return BatchCond{BatchCond::Kind::kOk, step, {}};
}
BatchCond Failed(uint32_t step) {
  return BatchCond{BatchCond::Kind::kError, step, {}};
}
BatchCond Not(BatchCond cond) {
  return BatchCond{BatchCond::Kind::kNot, 0, {std::move(cond)}};
}
BatchCond And(std::vector<BatchCond> conds) {
  return BatchCond{BatchCond::Kind::kAnd, 0, std::move(conds)};
}
BatchCond Or(std::vector<BatchCond> conds) {
  return BatchCond{BatchCond::Kind::kOr, 0, std::move(conds)};
}
BatchCond IsAutocommit() {
  return BatchCond{BatchCond::Kind::kIsAutocommit, 0, {}};
}

struct Step {
  Step(std::string sql, std::optional<BatchCond> condition = std::nullopt)  // NOLINT: implicit
      : sql(std::move(sql)), condition(std::move(condition)) {}
  Step(const char* sql, std::optional<BatchCond> condition = std::nullopt)  // NOLINT: implicit
      : sql(sql), condition(std::move(condition)) {}
  std::string sql;
  std::optional<BatchCond> condition;
};

Batch MakeBatch(std::vector<Step> steps) {
  Batch batch;
  for (Step& step : steps) {
    BatchStep batch_step;
    batch_step.stmt.sql = std::move(step.sql);
    batch_step.condition = std::move(step.condition);
    batch.steps.push_back(std::move(batch_step));
  }
  return batch;
}

// 'r' ran and succeeded, 'e' ran and failed, '-' skipped.
std::string Shape(const BatchResult& result) {
  std::string shape;
  for (size_t i = 0; i < result.step_results.size(); ++i) {
    shape += result.step_results[i] ? 'r' : result.step_errors[i] ? 'e' : '-';
  }
  return shape;
}

class BatchExecutorTest : public test::ExecutorConnections {
 protected:
  void SetUp() override { OpenConnections("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"); }

  ExecutionContext Context(sqlite::Connection* connection, Placement placement,
                           ProtocolVersion version = ProtocolVersion::kV3) {
    ExecutionContext context;
    context.connection = connection;
    context.placement = placement;
    context.version = version;
    context.replication_index = [] { return uint64_t{5}; };
    return context;
  }

  static BatchResult Result(const BatchOutcome& outcome) {
    if (auto* result = std::get_if<BatchResult>(&outcome)) return *result;
    if (auto* failure = std::get_if<RequestFailure>(&outcome)) {
      ADD_FAILURE() << "request failure: " << failure->message;
    } else {
      ADD_FAILURE() << "escalation";
    }
    return {};
  }
  static int FailureStatus(const BatchOutcome& outcome) {
    auto* failure = std::get_if<RequestFailure>(&outcome);
    return failure ? failure->http_status : 0;
  }
  static std::optional<Escalation::Kind> EscalationOf(const BatchOutcome& outcome) {
    auto* escalation = std::get_if<Escalation>(&outcome);
    return escalation ? std::optional(escalation->kind) : std::nullopt;
  }

  int64_t Count(const std::string& where = "1") {
    sqlite3_stmt* statement = nullptr;
    std::string sql = "SELECT count(*) FROM t WHERE " + where;
    EXPECT_EQ(sqlite3_prepare_v2(shared_->handle(), sql.c_str(), -1, &statement, nullptr),
              SQLITE_OK);
    sqlite3_step(statement);
    int64_t count = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return count;
  }

};

TEST_F(BatchExecutorTest, StepsRunOnlyWhenTheirConditionHolds) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  Batch batch = MakeBatch({
      {"INSERT INTO t(id, v) VALUES (1, 'step0')"},
      {"INSERT INTO t(id, v) VALUES (1, 'step1')"},                    // fails: duplicate id
      {"INSERT INTO t(v) VALUES ('step2')", Ok(0)},                    // runs
      {"INSERT INTO t(v) VALUES ('step3')", Failed(1)},                // runs
      {"INSERT INTO t(v) VALUES ('step4')", Ok(1)},                    // skipped
      {"INSERT INTO t(v) VALUES ('step5')", Not(Ok(0))},               // skipped
      {"INSERT INTO t(v) VALUES ('step6')", And({Ok(0), Failed(1)})},  // runs
      {"INSERT INTO t(v) VALUES ('step7')", And({Ok(0), Ok(1)})},      // skipped
      {"INSERT INTO t(v) VALUES ('step8')", Or({Ok(1), Ok(4)})},       // skipped
      {"INSERT INTO t(v) VALUES ('step9')", Or({Ok(1), Not(Ok(5))})},  // runs
      {"INSERT INTO t(v) VALUES ('step10')", And({})},                 // runs: empty and
      {"INSERT INTO t(v) VALUES ('step11')", Or({})},                  // skipped: empty or
  });
  BatchResult result = Result(ExecuteBatch(context, batch));
  EXPECT_EQ(Shape(result), "rerr--r--rr-");
  EXPECT_EQ(Count("v IN ('step0', 'step2', 'step3', 'step6', 'step9', 'step10')"), 6);
  EXPECT_EQ(Count(), 6) << "a skipped or failed step must have no effect";
  ASSERT_TRUE(result.step_errors[1]);
  EXPECT_EQ(result.step_errors[1]->code, "SQLITE_CONSTRAINT");
}

// sqld's quirk, kept for compatibility: "error" is true for a step that did not run.
TEST_F(BatchExecutorTest, ASkippedStepCountsAsAnError) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  Batch batch = MakeBatch({
      {"SELECT 1"},
      {"SELECT 2", Failed(0)},  // skipped: step 0 succeeded
      {"SELECT 3", Failed(1)},  // runs: step 1 was skipped
      {"SELECT 4", Ok(1)},      // skipped
  });
  EXPECT_EQ(Shape(Result(ExecuteBatch(context, batch))), "r-r-");
}

TEST_F(BatchExecutorTest, AConditionOnAStepThatHasNotRunFailsTheRequest) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  for (BatchCond bad :
       {Ok(1), Ok(2), Failed(7), Not(Ok(1)), Or({Ok(0), Ok(1)}), And({Not(Ok(0)), Ok(3)})}) {
    Batch batch = MakeBatch({{"SELECT 1"}, {"SELECT 2", bad}});
    EXPECT_EQ(FailureStatus(ExecuteBatch(context, batch)), 400);
  }
}

TEST_F(BatchExecutorTest, MalformedConditionsFailTheRequest) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  BatchCond two_operand_not{BatchCond::Kind::kNot, 0, {Ok(0), Ok(0)}};
  BatchCond empty_not{BatchCond::Kind::kNot, 0, {}};
  for (const BatchCond& bad : {two_operand_not, empty_not}) {
    EXPECT_EQ(FailureStatus(ExecuteBatch(context, MakeBatch({{"SELECT 1"}, {"SELECT 2", bad}}))),
              400);
  }
  // Nesting: 100 levels are fine, 101 are not.
  auto nested = [](int levels) {
    BatchCond cond = Ok(0);
    for (int i = 0; i < levels; ++i) cond = Not(std::move(cond));
    return cond;
  };
  EXPECT_EQ(
      Shape(Result(ExecuteBatch(context, MakeBatch({{"SELECT 1"}, {"SELECT 2", nested(100)}})))),
      "rr");
  EXPECT_EQ(
      FailureStatus(ExecuteBatch(context, MakeBatch({{"SELECT 1"}, {"SELECT 2", nested(101)}}))),
      400);
}

// From Hrana 2 on (hrana/protocol_version.h); a hrana1 WebSocket batch reaches the executor with
// it, since the WebSocket codec decodes every version alike.
TEST_F(BatchExecutorTest, IsAutocommitNeedsHrana2) {
  ExecutionContext v1 = Context(own_.get(), Placement::kOwn, ProtocolVersion::kV1);
  EXPECT_EQ(FailureStatus(ExecuteBatch(v1, MakeBatch({{"SELECT 1", IsAutocommit()}}))), 400);
  EXPECT_EQ(FailureStatus(ExecuteBatch(
                v1, MakeBatch({{"SELECT 1"}, {"SELECT 2", Or({Ok(0), IsAutocommit()})}}))),
            400);
  ExecutionContext v2 = Context(own_.get(), Placement::kOwn, ProtocolVersion::kV2);
  EXPECT_EQ(Shape(Result(ExecuteBatch(
                v2, MakeBatch({{"SELECT 1", IsAutocommit()}, {"SELECT 2", Not(IsAutocommit())}})))),
            "r-");
}

TEST_F(BatchExecutorTest, IsAutocommitFollowsTheStreamsTransaction) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  Batch batch = MakeBatch({
      {"SELECT 0", IsAutocommit()},  // runs
      {"BEGIN"},
      {"SELECT 2", IsAutocommit()},       // skipped: in a transaction
      {"SELECT 3", Not(IsAutocommit())},  // runs
      {"COMMIT"},
      {"SELECT 5", IsAutocommit()},  // runs
  });
  EXPECT_EQ(Shape(Result(ExecuteBatch(context, batch))), "rr-rrr");
}

TEST_F(BatchExecutorTest, InAGroupCommitTheStreamIsInAutocommit) {
  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext context = Context(shared_.get(), Placement::kWriterGroup);
  Batch batch = MakeBatch({
      {"INSERT INTO t(v) VALUES ('a')"},
      {"INSERT INTO t(v) VALUES ('b')", IsAutocommit()},       // runs
      {"INSERT INTO t(v) VALUES ('c')", Not(IsAutocommit())},  // skipped
  });
  BatchResult result = Result(ExecuteBatch(context, batch));
  EXPECT_EQ(Shape(result), "rr-");
  EXPECT_FALSE(result.replication_index) << "known only after the group commits";
  ASSERT_TRUE(shared_->Exec("COMMIT").ok());
  EXPECT_EQ(Count(), 2);
}

TEST_F(BatchExecutorTest, AStepThatMustMoveStopsTheBatch) {
  ExecutionContext reader = Context(reader_.get(), Placement::kReader);
  EXPECT_EQ(EscalationOf(ExecuteBatch(
                reader, MakeBatch({{"SELECT 1"}, {"INSERT INTO t(v) VALUES ('a')"}, {"BEGIN"}}))),
            Escalation::Kind::kToWriter);
  EXPECT_EQ(EscalationOf(ExecuteBatch(reader, MakeBatch({{"SELECT 1"}, {"BEGIN"}}))),
            Escalation::Kind::kToOwnConnection);
  // A skipped step cannot move the request.
  EXPECT_EQ(Shape(Result(ExecuteBatch(
                reader, MakeBatch({{"SELECT 1"}, {"INSERT INTO t(v) VALUES ('a')", Failed(0)}})))),
            "r-");
  EXPECT_TRUE(reader_->autocommit());
  EXPECT_EQ(Count(), 0);
}

TEST_F(BatchExecutorTest, AStepErrorIsTheStepsButABadReferenceFailsTheRequest) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  BatchResult result =
      Result(ExecuteBatch(context, MakeBatch({{"SELEC 1"}, {"SELECT * FROM nope"}, {"SELECT 1"}})));
  EXPECT_EQ(Shape(result), "eer");
  EXPECT_EQ(result.replication_index, 5u);
  Batch by_id;
  by_id.steps.resize(1);
  by_id.steps[0].stmt.sql_id = 9;  // no store, no such text
  EXPECT_EQ(FailureStatus(ExecuteBatch(context, by_id)), 400);
}

class RecordingCursor : public CursorSink {
 public:
  void Entry(CursorEntry entry) override { entries.push_back(std::move(entry)); }
  std::vector<CursorEntry> entries;
};

TEST_F(BatchExecutorTest, ACursorReceivesEachStepsEntriesInOrder) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  RecordingCursor cursor;
  Batch batch = MakeBatch({
      {"SELECT 1 AS a UNION ALL SELECT 2"},
      {"SELECT * FROM nope"},
      {"SELECT 3", Ok(1)},  // skipped: no entries at all
      {"INSERT INTO t(v) VALUES ('x')"},
  });
  BatchResult result = Result(ExecuteBatch(context, batch, &cursor));
  EXPECT_EQ(Shape(result), "re-r");
  ASSERT_EQ(cursor.entries.size(), 7u);
  auto* begin = std::get_if<StepBeginEntry>(&cursor.entries[0]);
  ASSERT_NE(begin, nullptr);
  EXPECT_EQ(begin->step, 0u);
  ASSERT_EQ(begin->cols.size(), 1u);
  EXPECT_EQ(begin->cols[0].name, "a");
  ASSERT_TRUE(std::holds_alternative<RowEntry>(cursor.entries[1]));
  EXPECT_EQ(std::get<RowEntry>(cursor.entries[1]).row[0], Value(int64_t{1}));
  ASSERT_TRUE(std::holds_alternative<RowEntry>(cursor.entries[2]));
  EXPECT_TRUE(std::holds_alternative<StepEndEntry>(cursor.entries[3]));
  auto* error = std::get_if<StepErrorEntry>(&cursor.entries[4]);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->step, 1u);
  auto* insert = std::get_if<StepBeginEntry>(&cursor.entries[5]);
  ASSERT_NE(insert, nullptr);
  EXPECT_EQ(insert->step, 3u);
  auto* end = std::get_if<StepEndEntry>(&cursor.entries[6]);
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->affected_row_count, 1u);
  EXPECT_EQ(end->last_insert_rowid, 1);
  // Rows went to the cursor, not into the result as well.
  ASSERT_TRUE(result.step_results[0]);
  EXPECT_TRUE(result.step_results[0]->rows.empty());
}

}  // namespace
}  // namespace edgelite::hrana
