// The request executor behind every Hrana version: sequences go statement by statement through the
// same placement and permission checks as `execute`; describe looks at a statement where it may
// take effect; get_autocommit, stored SQL and the replication index stamp.
#include "hrana/request_executor.h"

#include <gtest/gtest.h>

#include <string>

#include "unit/hrana/executor_test_support.h"

namespace edgelite::hrana {
namespace {

class RequestExecutorTest : public test::ExecutorConnections {
 protected:
  void SetUp() override { OpenConnections("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"); }

  ExecutionContext Context(sqlite::Connection* connection, Placement placement,
                           ProtocolVersion version = ProtocolVersion::kV3) {
    ExecutionContext context;
    context.connection = connection;
    context.placement = placement;
    context.version = version;
    context.sql_store = &store_;
    return context;
  }

  static SequenceRequest Sequence(std::string sql) {
    SequenceRequest request;
    request.sql = std::move(sql);
    return request;
  }
  static DescribeRequest Describe(std::string sql) {
    DescribeRequest request;
    request.sql = std::move(sql);
    return request;
  }

  template <typename Response>
  static Response ResponseOf(const RequestOutcome& outcome) {
    if (auto* result = std::get_if<StreamResult>(&outcome)) {
      if (auto* response = std::get_if<StreamResponse>(result)) {
        if (auto* typed = std::get_if<Response>(response)) return *typed;
        ADD_FAILURE() << "another response";
      } else {
        ADD_FAILURE() << "error " << std::get<Error>(*result).code << ": "
                      << std::get<Error>(*result).message;
      }
    } else if (auto* failure = std::get_if<RequestFailure>(&outcome)) {
      ADD_FAILURE() << "request failure: " << failure->message;
    } else {
      ADD_FAILURE() << "escalation";
    }
    return {};
  }
  static std::string ErrorCode(const RequestOutcome& outcome) {
    if (auto* result = std::get_if<StreamResult>(&outcome)) {
      if (auto* error = std::get_if<Error>(result)) return error->code;
    }
    return "(no error)";
  }
  static int FailureStatus(const RequestOutcome& outcome) {
    auto* failure = std::get_if<RequestFailure>(&outcome);
    return failure ? failure->http_status : 0;
  }
  static std::optional<Escalation::Kind> EscalationOf(const RequestOutcome& outcome) {
    auto* escalation = std::get_if<Escalation>(&outcome);
    return escalation ? std::optional(escalation->kind) : std::nullopt;
  }

  int64_t Int(sqlite::Connection& connection, const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(connection.handle(), sql.c_str(), -1, &statement, nullptr),
              SQLITE_OK)
        << sql;
    sqlite3_step(statement);
    int64_t value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
  }

  SqlStore store_{50, 5 * 1024};
};

TEST_F(RequestExecutorTest, ASequenceRunsEachStatementInTurn) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  ResponseOf<SequenceResponse>(
      RunStreamRequest(context, Sequence("CREATE TABLE a(x); INSERT INTO a VALUES (1); -- note\n"
                                         "INSERT INTO a SELECT x + 1 FROM a;;")));
  EXPECT_EQ(Int(*shared_, "SELECT sum(x) FROM a"), 3);
  ResponseOf<SequenceResponse>(RunStreamRequest(context, Sequence(" ; -- nothing")));
}

// A sequence is split where SQLite ends each statement: Turso's BEGIN CONCURRENT, which stock
// SQLite cannot parse, must not stop the split (`exec("BEGIN CONCURRENT; ...")`).
TEST_F(RequestExecutorTest, ASequenceMayBeginAConcurrentTransaction) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  ResponseOf<SequenceResponse>(RunStreamRequest(
      context, Sequence("BEGIN CONCURRENT; INSERT INTO t(v) VALUES ('a'); COMMIT")));
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM t"), 1);
  ResponseOf<SequenceResponse>(RunStreamRequest(
      context, Sequence("begin concurrent transaction; INSERT INTO t(v) VALUES ('b');")));
  EXPECT_FALSE(own_->autocommit()) << "the transaction stays open";
  ResponseOf<SequenceResponse>(RunStreamRequest(context, Sequence("ROLLBACK")));
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM t"), 1);
}

TEST_F(RequestExecutorTest, ASequenceStopsAtTheFirstError) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  RequestOutcome outcome = RunStreamRequest(
      context, Sequence("INSERT INTO t(id) VALUES (1); INSERT INTO t(id) VALUES (1); "
                        "INSERT INTO t(id) VALUES (3)"));
  EXPECT_EQ(ErrorCode(outcome), "SQLITE_CONSTRAINT");
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM t"), 1) << "the third never ran";
  EXPECT_EQ(ErrorCode(RunStreamRequest(context, Sequence("SELECT 1; SELEC 2; SELECT 3"))),
            "SQL_PARSE_ERROR");
}

TEST_F(RequestExecutorTest, ASequenceGoesThroughPlacementAndPermissionChecks) {
  ExecutionContext reader = Context(reader_.get(), Placement::kReader);
  EXPECT_EQ(
      EscalationOf(RunStreamRequest(reader, Sequence("SELECT 1; INSERT INTO t(v) VALUES (1)"))),
      Escalation::Kind::kToWriter);
  EXPECT_EQ(EscalationOf(RunStreamRequest(reader, Sequence("SELECT 1; PRAGMA foreign_keys = OFF"))),
            Escalation::Kind::kToOwnConnection);
  EXPECT_EQ(Int(*reader_, "PRAGMA foreign_keys"), 1);

  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext group = Context(shared_.get(), Placement::kWriterGroup);
  EXPECT_EQ(EscalationOf(RunStreamRequest(group, Sequence("INSERT INTO t(v) VALUES (1); BEGIN"))),
            Escalation::Kind::kToOwnConnection);
  EXPECT_FALSE(shared_->autocommit()) << "the sequence's BEGIN must not have run in the group";
  ASSERT_TRUE(shared_->Exec("ROLLBACK").ok());

  ExecutionContext read_only = Context(reader_.get(), Placement::kReader);
  read_only.may_write = false;
  EXPECT_EQ(FailureStatus(RunStreamRequest(read_only, Sequence("SELECT 1; DELETE FROM t"))), 403);
}

TEST_F(RequestExecutorTest, DescribeReportsParametersColumnsAndReadOnly) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  DescribeResponse select = ResponseOf<DescribeResponse>(
      RunStreamRequest(context, Describe("SELECT id, v FROM t WHERE id = :id")));
  ASSERT_EQ(select.result.params.size(), 1u);
  EXPECT_EQ(select.result.params[0].name, ":id");
  ASSERT_EQ(select.result.cols.size(), 2u);
  EXPECT_EQ(select.result.cols[1].name, "v");
  EXPECT_EQ(select.result.cols[1].decltype_name, "TEXT");
  EXPECT_TRUE(select.result.is_readonly);
  EXPECT_FALSE(select.result.is_explain);
  // Describing a write neither moves the request nor runs the write.
  DescribeResponse insert = ResponseOf<DescribeResponse>(
      RunStreamRequest(context, Describe("INSERT INTO t(v) VALUES (?)")));
  EXPECT_FALSE(insert.result.is_readonly);
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM t"), 0);
  EXPECT_TRUE(ResponseOf<DescribeResponse>(RunStreamRequest(context, Describe("EXPLAIN SELECT 1")))
                  .result.is_explain);
  EXPECT_EQ(ErrorCode(RunStreamRequest(context, Describe("SELECT 1; SELECT 2"))),
            "SQL_MANY_STATEMENTS");
}

TEST_F(RequestExecutorTest, DescribeSeesAnotherConnectionsSchemaChange) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  EXPECT_EQ(ResponseOf<DescribeResponse>(RunStreamRequest(context, Describe("SELECT * FROM t")))
                .result.cols.size(),
            2u);
  ASSERT_TRUE(shared_->Exec("ALTER TABLE t ADD COLUMN w").ok());
  EXPECT_EQ(ResponseOf<DescribeResponse>(RunStreamRequest(context, Describe("SELECT * FROM t")))
                .result.cols.size(),
            3u);
}

TEST_F(RequestExecutorTest, DescribingASettingHappensWhereItMayTakeEffect) {
  ExecutionContext reader = Context(reader_.get(), Placement::kReader);
  EXPECT_EQ(EscalationOf(RunStreamRequest(reader, Describe("PRAGMA foreign_keys = OFF"))),
            Escalation::Kind::kToOwnConnection);
  EXPECT_EQ(Int(*reader_, "PRAGMA foreign_keys"), 1);

  ASSERT_TRUE(reader_->Exec("BEGIN").ok());
  ExecutionContext pinned = Context(reader_.get(), Placement::kPinnedReader);
  EXPECT_EQ(ErrorCode(RunStreamRequest(pinned, Describe("CREATE TEMP TABLE scratch(x)"))),
            "SQL_INPUT_ERROR");
  ASSERT_TRUE(reader_->Exec("ROLLBACK").ok());

  // On the stream's own connection the connection is the stream's from then on.
  ExecutionContext own = Context(own_.get(), Placement::kOwn);
  ResponseOf<DescribeResponse>(RunStreamRequest(own, Describe("PRAGMA foreign_keys = OFF")));
  EXPECT_TRUE(own.session_state_changed);
}

TEST_F(RequestExecutorTest, GetAutocommitReportsTheStreamsTransaction) {
  ExecutionContext v1 = Context(reader_.get(), Placement::kReader, ProtocolVersion::kV1);
  EXPECT_EQ(FailureStatus(RunStreamRequest(v1, GetAutocommitRequest{})), 400);
  ExecutionContext v2 = Context(reader_.get(), Placement::kReader, ProtocolVersion::kV2);
  EXPECT_TRUE(ResponseOf<GetAutocommitResponse>(RunStreamRequest(v2, GetAutocommitRequest{}))
                  .is_autocommit);

  ExecutionContext reader = Context(reader_.get(), Placement::kReader);
  EXPECT_TRUE(ResponseOf<GetAutocommitResponse>(RunStreamRequest(reader, GetAutocommitRequest{}))
                  .is_autocommit);
  ASSERT_TRUE(own_->Exec("BEGIN").ok());
  ExecutionContext own = Context(own_.get(), Placement::kOwn);
  EXPECT_FALSE(ResponseOf<GetAutocommitResponse>(RunStreamRequest(own, GetAutocommitRequest{}))
                   .is_autocommit);
  ASSERT_TRUE(own_->Exec("ROLLBACK").ok());
  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext group = Context(shared_.get(), Placement::kWriterGroup);
  EXPECT_TRUE(ResponseOf<GetAutocommitResponse>(RunStreamRequest(group, GetAutocommitRequest{}))
                  .is_autocommit);
  ASSERT_TRUE(shared_->Exec("ROLLBACK").ok());
}

TEST_F(RequestExecutorTest, StoredSqlIsKeptUntilClosed) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  EXPECT_FALSE(NeedsConnection(StoreSqlRequest{}));
  EXPECT_FALSE(NeedsConnection(CloseSqlRequest{}));
  EXPECT_FALSE(NeedsConnection(CloseRequest{}));
  EXPECT_TRUE(NeedsConnection(GetAutocommitRequest{}));
  EXPECT_TRUE(NeedsConnection(SequenceRequest{}));

  ResponseOf<StoreSqlResponse>(RunStreamRequest(context, StoreSqlRequest{1, "SELECT 7"}));
  EXPECT_EQ(FailureStatus(RunStreamRequest(context, StoreSqlRequest{1, "SELECT 8"})), 400)
      << "an id in use";
  ExecuteRequest execute;
  execute.stmt.sql_id = 1;
  ExecuteResponse response = ResponseOf<ExecuteResponse>(RunStreamRequest(context, execute));
  ASSERT_EQ(response.result.rows.size(), 1u);
  EXPECT_EQ(response.result.rows[0][0], Value(int64_t{7}));
  SequenceRequest sequence;
  sequence.sql_id = 1;
  ResponseOf<SequenceResponse>(RunStreamRequest(context, sequence));
  ResponseOf<CloseSqlResponse>(RunStreamRequest(context, CloseSqlRequest{1}));
  EXPECT_EQ(FailureStatus(RunStreamRequest(context, execute)), 400);

  ExecutionContext v1 = Context(reader_.get(), Placement::kReader, ProtocolVersion::kV1);
  v1.sql_store = nullptr;
  EXPECT_EQ(FailureStatus(RunStreamRequest(v1, StoreSqlRequest{1, "SELECT 7"})), 400);
}

TEST_F(RequestExecutorTest, StampReplicationIndexReachesEveryResult) {
  BatchResult batch;
  batch.step_results = {StmtResult{}, std::nullopt, StmtResult{}};
  batch.step_errors = {std::nullopt, Error{"x", "y", 0}, std::nullopt};
  StreamResult result = StreamResponse(BatchResponse{batch});
  StampReplicationIndex(result, 12);
  auto& stamped = std::get<BatchResponse>(std::get<StreamResponse>(result)).result;
  EXPECT_EQ(stamped.replication_index, 12u);
  EXPECT_EQ(stamped.step_results[0]->replication_index, 12u);
  EXPECT_EQ(stamped.step_results[2]->replication_index, 12u);

  StreamResult execute = StreamResponse(ExecuteResponse{});
  StampReplicationIndex(execute, 13);
  EXPECT_EQ(std::get<ExecuteResponse>(std::get<StreamResponse>(execute)).result.replication_index,
            13u);
}

}  // namespace
}  // namespace edgelite::hrana
