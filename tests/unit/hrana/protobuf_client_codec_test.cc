// Tests for the client direction of the Hrana protobuf codec, the one the SDK's remote mode uses:
// every request the SDK encodes decodes on the server side to what was meant (and has the bytes
// the protobuf runtime would write); every response the server encodes decodes on the client side
// to what the server meant, every value type included; and a malformed or mismatched response is
// rejected with an InvalidArgument that names the field, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "hrana.pb.h"
#include "hrana/protobuf_codec.h"
#include "hrana_http.pb.h"
#include "unit/hrana/protobuf_test_support.h"

namespace edgelite::hrana::protobuf {
namespace {

namespace pb = ::hrana;
namespace pb_http = ::hrana::http;

using test::ErrorOf;
using test::Hex;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// One of each value type, with the edge cases a codec gets wrong: the integer extremes (zigzag),
// negative zero (its bit pattern), infinities, text beyond ASCII and with a zero byte, and blobs
// that are empty or hold zero bytes.
std::vector<Value> EveryValue() {
  return {
      Value(Null{}),
      Value(int64_t{0}),
      Value(int64_t{-1}),
      Value(kInt64Min),
      Value(kInt64Max),
      Value(1.5),
      Value(-0.0),
      Value(kInfinity),
      Value(-kInfinity),
      Value(std::string()),
      Value(std::string("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80")),  // héllo € 😀
      Value(std::string("nul\0inside", 10)),
      Value(Blob{}),
      Value(Blob{std::string("\x00\x00\x01\xFF\x00", 5)}),
  };
}

// Values compare with ==, except that -0.0 == 0.0: the sign is checked as well.
void ExpectSameValues(const std::vector<Value>& actual, const std::vector<Value>& expected) {
  ASSERT_EQ(actual, expected);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (const double* real = std::get_if<double>(&expected[i])) {
      EXPECT_EQ(std::signbit(std::get<double>(actual[i])), std::signbit(*real)) << "value " << i;
    }
  }
}

Stmt SqlStmt(std::string sql) {
  Stmt stmt;
  stmt.sql = std::move(sql);
  return stmt;
}

BatchCond Cond(BatchCond::Kind kind, uint32_t step = 0, std::vector<BatchCond> conds = {}) {
  BatchCond cond;
  cond.kind = kind;
  cond.step = step;
  cond.conds = std::move(conds);
  return cond;
}

// The server's decoding of what the client encoded; a test failure unless it decodes.
PipelineRequest ServerDecodes(const PipelineRequest& request) {
  auto decoded = DecodePipelineRequest(EncodePipelineRequest(request));
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return decoded.ok() ? std::move(decoded).value() : PipelineRequest{};
}

// The client's decoding of what the server encoded in answer to `request`.
PipelineResponse ClientDecodes(const PipelineResponse& response, const PipelineRequest& request) {
  auto decoded = DecodePipelineResponse(EncodePipelineResponse(response), request);
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return decoded.ok() ? std::move(decoded).value() : PipelineResponse{};
}

template <typename T>
const T& ResponseAt(const PipelineResponse& response, std::size_t i) {
  static const T kEmpty{};
  const auto* ok = std::get_if<StreamResponse>(&response.results.at(i));
  EXPECT_TRUE(ok) << "result " << i << " is an error";
  const T* typed = ok ? std::get_if<T>(ok) : nullptr;
  EXPECT_TRUE(typed) << "result " << i << " has another type";
  return typed ? *typed : kEmpty;
}

// --- Requests: client encodes, server decodes ---

TEST(ProtobufClientCodecRequest, GoldenBytesOfExecuteThenClose) {
  // What @libsql/client sends for one statement, in protobuf: requests (2) holds execute (2)
  // holding stmt (1) holding sql (1); then close (1), an empty message.
  PipelineRequest request;
  request.requests = {ExecuteRequest{SqlStmt("select 1")}, CloseRequest{}};
  EXPECT_EQ(Hex(EncodePipelineRequest(request)),
            "12 0e 12 0c 0a 0a 0a 08 73 65 6c 65 63 74 20 31 12 02 0a 00");
  request.baton = "b";  // baton (1) first
  EXPECT_EQ(Hex(EncodePipelineRequest(request)),
            "0a 01 62 12 0e 12 0c 0a 0a 0a 08 73 65 6c 65 63 74 20 31 12 02 0a 00");
}

TEST(ProtobufClientCodecRequest, SameBytesAsTheProtobufRuntime) {
  PipelineRequest request;
  request.baton = "baton";
  Stmt stmt = SqlStmt("INSERT INTO t VALUES (?, ?)");
  stmt.args = {Value(int64_t{-300}), Value(std::string("x"))};
  stmt.named_args = {{":a", Value(2.5)}};
  stmt.want_rows = false;
  stmt.replication_index = 77;
  request.requests = {ExecuteRequest{stmt}, GetAutocommitRequest{}};

  pb_http::PipelineReqBody expected;
  expected.set_baton("baton");
  pb::Stmt& generated = *expected.add_requests()->mutable_execute()->mutable_stmt();
  generated.set_sql("INSERT INTO t VALUES (?, ?)");
  generated.add_args()->set_integer(-300);
  generated.add_args()->set_text("x");
  pb::NamedArg& named = *generated.add_named_args();
  named.set_name(":a");
  named.mutable_value()->set_float_(2.5);
  generated.set_want_rows(false);
  generated.set_replication_index(77);
  expected.add_requests()->mutable_get_autocommit();

  EXPECT_EQ(Hex(EncodePipelineRequest(request)), Hex(expected.SerializeAsString()));
}

TEST(ProtobufClientCodecRequest, EveryValueTypeRoundTripsAsArguments) {
  Stmt stmt = SqlStmt("SELECT ?");
  stmt.args = EveryValue();
  for (std::size_t i = 0; i < stmt.args.size(); ++i) {
    stmt.named_args.push_back({":v" + std::to_string(i), stmt.args[i]});
  }
  PipelineRequest request;
  request.requests = {ExecuteRequest{stmt}};
  const PipelineRequest decoded = ServerDecodes(request);
  ASSERT_EQ(decoded.requests.size(), 1u);
  const Stmt& got = std::get<ExecuteRequest>(decoded.requests[0]).stmt;
  ExpectSameValues(got.args, EveryValue());
  ASSERT_EQ(got.named_args.size(), stmt.named_args.size());
  std::vector<Value> named_values;
  for (std::size_t i = 0; i < got.named_args.size(); ++i) {
    EXPECT_EQ(got.named_args[i].name, stmt.named_args[i].name);
    named_values.push_back(got.named_args[i].value);
  }
  ExpectSameValues(named_values, EveryValue());
}

TEST(ProtobufClientCodecRequest, EveryRequestTypeRoundTrips) {
  PipelineRequest request;
  request.baton = "opaque-baton";

  Stmt stmt = SqlStmt("UPDATE t SET x = 1");
  stmt.want_rows = false;
  stmt.replication_index = kInt64Max;
  Stmt by_id;
  by_id.sql_id = -7;  // any int32; the server checks that it is stored

  Batch batch;
  batch.replication_index = 12;
  batch.steps.push_back({std::nullopt, SqlStmt("BEGIN")});
  batch.steps.push_back({Cond(BatchCond::Kind::kOk, 0), SqlStmt("INSERT INTO t VALUES (1)")});
  batch.steps.push_back({Cond(BatchCond::Kind::kError, 1), SqlStmt("ROLLBACK")});
  batch.steps.push_back(
      {Cond(BatchCond::Kind::kAnd, 0,
            {Cond(BatchCond::Kind::kOk, 1),
             Cond(BatchCond::Kind::kNot, 0, {Cond(BatchCond::Kind::kIsAutocommit)}),
             Cond(BatchCond::Kind::kOr, 0,
                  {Cond(BatchCond::Kind::kError, 2), Cond(BatchCond::Kind::kOk, 0)})}),
       SqlStmt("COMMIT")});
  batch.steps.push_back({Cond(BatchCond::Kind::kAnd), by_id});  // an empty `and` is true

  SequenceRequest sequence;
  sequence.sql = "CREATE TABLE a(x); CREATE TABLE b(y);";
  sequence.replication_index = 5;
  SequenceRequest sequence_by_id;
  sequence_by_id.sql_id = 3;
  DescribeRequest describe;
  describe.sql = "SELECT :a";
  describe.replication_index = 9;
  DescribeRequest describe_by_id;
  describe_by_id.sql_id = 0;  // 0 is a real id, and is still sent

  request.requests = {
      ExecuteRequest{stmt},   ExecuteRequest{by_id},
      BatchRequest{batch},    sequence,
      sequence_by_id,         describe,
      describe_by_id,         StoreSqlRequest{3, "SELECT 1"},
      StoreSqlRequest{0, ""}, CloseSqlRequest{3},
      GetAutocommitRequest{}, CloseRequest{},
  };
  const PipelineRequest decoded = ServerDecodes(request);
  ASSERT_EQ(decoded.requests.size(), request.requests.size());
  EXPECT_EQ(decoded.baton, "opaque-baton");

  const Stmt& got_stmt = std::get<ExecuteRequest>(decoded.requests[0]).stmt;
  EXPECT_EQ(got_stmt.sql, "UPDATE t SET x = 1");
  EXPECT_FALSE(got_stmt.sql_id);
  EXPECT_FALSE(got_stmt.want_rows);
  EXPECT_EQ(got_stmt.replication_index, uint64_t(kInt64Max));
  const Stmt& got_by_id = std::get<ExecuteRequest>(decoded.requests[1]).stmt;
  EXPECT_FALSE(got_by_id.sql);
  EXPECT_EQ(got_by_id.sql_id, -7);
  EXPECT_TRUE(got_by_id.want_rows);

  const Batch& got_batch = std::get<BatchRequest>(decoded.requests[2]).batch;
  EXPECT_EQ(got_batch.replication_index, 12u);
  ASSERT_EQ(got_batch.steps.size(), 5u);
  EXPECT_FALSE(got_batch.steps[0].condition);
  EXPECT_EQ(got_batch.steps[0].stmt.sql, "BEGIN");
  ASSERT_TRUE(got_batch.steps[1].condition);
  EXPECT_EQ(got_batch.steps[1].condition->kind, BatchCond::Kind::kOk);
  EXPECT_EQ(got_batch.steps[1].condition->step, 0u);  // step 0 is sent, it is a oneof member
  EXPECT_EQ(got_batch.steps[2].condition->kind, BatchCond::Kind::kError);
  EXPECT_EQ(got_batch.steps[2].condition->step, 1u);
  const BatchCond& tree = *got_batch.steps[3].condition;
  ASSERT_EQ(tree.kind, BatchCond::Kind::kAnd);
  ASSERT_EQ(tree.conds.size(), 3u);
  EXPECT_EQ(tree.conds[0].kind, BatchCond::Kind::kOk);
  EXPECT_EQ(tree.conds[0].step, 1u);
  ASSERT_EQ(tree.conds[1].kind, BatchCond::Kind::kNot);
  ASSERT_EQ(tree.conds[1].conds.size(), 1u);
  EXPECT_EQ(tree.conds[1].conds[0].kind, BatchCond::Kind::kIsAutocommit);
  ASSERT_EQ(tree.conds[2].kind, BatchCond::Kind::kOr);
  ASSERT_EQ(tree.conds[2].conds.size(), 2u);
  EXPECT_EQ(tree.conds[2].conds[0].kind, BatchCond::Kind::kError);
  EXPECT_EQ(tree.conds[2].conds[0].step, 2u);
  EXPECT_EQ(got_batch.steps[4].condition->kind, BatchCond::Kind::kAnd);
  EXPECT_TRUE(got_batch.steps[4].condition->conds.empty());
  EXPECT_EQ(got_batch.steps[4].stmt.sql_id, -7);

  const auto& got_sequence = std::get<SequenceRequest>(decoded.requests[3]);
  EXPECT_EQ(got_sequence.sql, sequence.sql);
  EXPECT_EQ(got_sequence.replication_index, 5u);
  EXPECT_EQ(std::get<SequenceRequest>(decoded.requests[4]).sql_id, 3);
  const auto& got_describe = std::get<DescribeRequest>(decoded.requests[5]);
  EXPECT_EQ(got_describe.sql, "SELECT :a");
  EXPECT_EQ(got_describe.replication_index, 9u);
  EXPECT_EQ(std::get<DescribeRequest>(decoded.requests[6]).sql_id, 0);
  EXPECT_EQ(std::get<StoreSqlRequest>(decoded.requests[7]).sql_id, 3);
  EXPECT_EQ(std::get<StoreSqlRequest>(decoded.requests[7]).sql, "SELECT 1");
  EXPECT_EQ(std::get<StoreSqlRequest>(decoded.requests[8]).sql_id, 0);
  EXPECT_EQ(std::get<CloseSqlRequest>(decoded.requests[9]).sql_id, 3);
  EXPECT_TRUE(std::holds_alternative<GetAutocommitRequest>(decoded.requests[10]));
  EXPECT_TRUE(std::holds_alternative<CloseRequest>(decoded.requests[11]));

  // Nothing the encoder wrote was lost on the way: the decoded request encodes to the same bytes.
  EXPECT_EQ(Hex(EncodePipelineRequest(decoded)), Hex(EncodePipelineRequest(request)));
}

TEST(ProtobufClientCodecRequest, TextIsSentAsGivenForTheServerToRefuse) {
  // Repairing it would change the user's data without a word; the server names the argument.
  Stmt stmt = SqlStmt("SELECT ?");
  stmt.args = {Value(std::string("ok")), Value(std::string("bad \xFF byte"))};
  PipelineRequest request;
  request.requests = {ExecuteRequest{stmt}};
  const std::string body = EncodePipelineRequest(request);
  EXPECT_NE(body.find("bad \xFF byte"), std::string::npos);
  EXPECT_EQ(ErrorOf(DecodePipelineRequest(body)),
            "invalid request body at requests[0].execute.stmt.args[1].text: not valid UTF-8 (byte "
            "0xFF at offset 4); text must be UTF-8, send other bytes as a blob");
}

// --- Responses: server encodes, client decodes ---

TEST(ProtobufClientCodecResponse, EveryResponseTypeRoundTrips) {
  PipelineRequest request;
  Batch batch;
  for (int i = 0; i < 5; ++i) batch.steps.push_back({std::nullopt, SqlStmt("SELECT 1")});
  request.requests = {CloseRequest{},         ExecuteRequest{SqlStmt("x")},
                      BatchRequest{batch},    SequenceRequest{},
                      DescribeRequest{},      StoreSqlRequest{},
                      CloseSqlRequest{},      GetAutocommitRequest{},
                      GetAutocommitRequest{}, ExecuteRequest{}};

  StmtResult stmt_result;
  stmt_result.cols = {{"a", "INTEGER"}, {std::nullopt, std::nullopt}, {"", "TEXT"}};
  stmt_result.rows = {{Value(int64_t{1}), Value(Null{}), Value(std::string("x"))},
                      {Value(kInt64Min), Value(Blob{}), Value(std::string())}};
  stmt_result.affected_row_count = 2;
  stmt_result.last_insert_rowid = kInt64Min;
  stmt_result.replication_index = std::numeric_limits<uint64_t>::max();
  stmt_result.rows_read = 3;
  stmt_result.rows_written = 4;
  stmt_result.query_duration_ms = 0.25;

  BatchResult batch_result;
  // Steps 0 and 3 succeeded, 1 failed, 2 and 4 were skipped: the last one is in neither map.
  batch_result.step_results = {stmt_result, std::nullopt, std::nullopt, StmtResult{}, std::nullopt};
  batch_result.step_errors = {std::nullopt, Error{"boom", "SQLITE_CONSTRAINT"}, std::nullopt,
                              std::nullopt, std::nullopt};

  DescribeResult describe;
  describe.params = {{":a"}, {std::nullopt}};
  describe.cols = {{"c", "INTEGER"}, {"d", std::nullopt}};
  describe.is_explain = true;
  describe.is_readonly = true;

  PipelineResponse response;
  response.baton = "next-baton";
  response.base_url = "https://replica-3.example.com/prefix";
  response.results = {
      StreamResponse(CloseResponse{}),
      StreamResponse(ExecuteResponse{stmt_result}),
      StreamResponse(BatchResponse{batch_result}),
      StreamResponse(SequenceResponse{}),
      StreamResponse(DescribeResponse{describe}),
      StreamResponse(StoreSqlResponse{}),
      StreamResponse(CloseSqlResponse{}),
      StreamResponse(GetAutocommitResponse{true}),
      StreamResponse(GetAutocommitResponse{false}),
      Error{"SQLite error: no such table: nope", "SQLITE_UNKNOWN"},
  };

  const PipelineResponse decoded = ClientDecodes(response, request);
  EXPECT_EQ(decoded.baton, "next-baton");
  EXPECT_EQ(decoded.base_url, "https://replica-3.example.com/prefix");
  ASSERT_EQ(decoded.results.size(), response.results.size());

  ResponseAt<CloseResponse>(decoded, 0);
  const StmtResult& got = ResponseAt<ExecuteResponse>(decoded, 1).result;
  ASSERT_EQ(got.cols.size(), 3u);
  EXPECT_EQ(got.cols[0].name, "a");
  EXPECT_EQ(got.cols[0].decltype_name, "INTEGER");
  EXPECT_FALSE(got.cols[1].name);
  EXPECT_FALSE(got.cols[1].decltype_name);
  EXPECT_EQ(got.cols[2].name, "");  // an empty name is still a name
  EXPECT_EQ(got.rows, stmt_result.rows);
  EXPECT_EQ(got.affected_row_count, 2u);
  EXPECT_EQ(got.last_insert_rowid, kInt64Min);
  EXPECT_EQ(got.replication_index, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(got.rows_read, 3u);
  EXPECT_EQ(got.rows_written, 4u);
  EXPECT_EQ(got.query_duration_ms, 0.25);

  const BatchResult& got_batch = ResponseAt<BatchResponse>(decoded, 2).result;
  ASSERT_EQ(got_batch.step_results.size(), 5u);  // from the request: the wire has no count
  ASSERT_EQ(got_batch.step_errors.size(), 5u);
  ASSERT_TRUE(got_batch.step_results[0]);
  EXPECT_EQ(got_batch.step_results[0]->rows, stmt_result.rows);
  EXPECT_FALSE(got_batch.step_results[1]);
  EXPECT_EQ(got_batch.step_errors[1], (Error{"boom", "SQLITE_CONSTRAINT"}));
  EXPECT_FALSE(got_batch.step_results[2]);
  EXPECT_FALSE(got_batch.step_errors[2]);
  EXPECT_TRUE(got_batch.step_results[3]);
  EXPECT_FALSE(got_batch.step_results[4]);
  EXPECT_FALSE(got_batch.step_errors[4]);

  ResponseAt<SequenceResponse>(decoded, 3);
  const DescribeResult& got_describe = ResponseAt<DescribeResponse>(decoded, 4).result;
  ASSERT_EQ(got_describe.params.size(), 2u);
  EXPECT_EQ(got_describe.params[0].name, ":a");
  EXPECT_FALSE(got_describe.params[1].name);
  ASSERT_EQ(got_describe.cols.size(), 2u);
  EXPECT_EQ(got_describe.cols[0].name, "c");
  EXPECT_EQ(got_describe.cols[0].decltype_name, "INTEGER");
  EXPECT_FALSE(got_describe.cols[1].decltype_name);
  EXPECT_TRUE(got_describe.is_explain);
  EXPECT_TRUE(got_describe.is_readonly);
  ResponseAt<StoreSqlResponse>(decoded, 5);
  ResponseAt<CloseSqlResponse>(decoded, 6);
  EXPECT_TRUE(ResponseAt<GetAutocommitResponse>(decoded, 7).is_autocommit);
  EXPECT_FALSE(ResponseAt<GetAutocommitResponse>(decoded, 8).is_autocommit);
  EXPECT_EQ(std::get<Error>(decoded.results[9]),
            (Error{"SQLite error: no such table: nope", "SQLITE_UNKNOWN"}));
}

TEST(ProtobufClientCodecResponse, EveryValueTypeRoundTripsInRows) {
  StmtResult result;
  result.cols.resize(EveryValue().size());
  result.rows = {EveryValue(), EveryValue()};
  PipelineRequest request;
  request.requests = {ExecuteRequest{}};
  PipelineResponse response;
  response.results = {StreamResponse(ExecuteResponse{result})};
  const PipelineResponse decoded = ClientDecodes(response, request);
  const StmtResult& got = ResponseAt<ExecuteResponse>(decoded, 0).result;
  ASSERT_EQ(got.rows.size(), 2u);
  ExpectSameValues(got.rows[0], EveryValue());
  ExpectSameValues(got.rows[1], EveryValue());
}

TEST(ProtobufClientCodecResponse, DefaultsAndAbsentFieldsStayAbsent) {
  // A closed stream has no baton, a server without --http-self-url no base_url, and a statement
  // that is no INSERT no last_insert_rowid: absent, not empty or zero.
  PipelineRequest request;
  request.requests = {ExecuteRequest{}};
  PipelineResponse response;
  response.results = {StreamResponse(ExecuteResponse{})};
  const PipelineResponse decoded = ClientDecodes(response, request);
  EXPECT_FALSE(decoded.baton);
  EXPECT_FALSE(decoded.base_url);
  const StmtResult& got = ResponseAt<ExecuteResponse>(decoded, 0).result;
  EXPECT_FALSE(got.last_insert_rowid);
  EXPECT_FALSE(got.replication_index);
  EXPECT_TRUE(got.cols.empty());
  EXPECT_TRUE(got.rows.empty());

  // ...while a last_insert_rowid of 0 is a value.
  StmtResult zero;
  zero.last_insert_rowid = 0;
  response.results = {StreamResponse(ExecuteResponse{zero})};
  EXPECT_EQ(
      ResponseAt<ExecuteResponse>(ClientDecodes(response, request), 0).result.last_insert_rowid, 0);
}

TEST(ProtobufClientCodecResponse, ErrorsWithAndWithoutCode) {
  PipelineRequest request;
  request.requests = {ExecuteRequest{}, BatchRequest{}};
  PipelineResponse response;
  response.results = {Error{"SQLite error: UNIQUE constraint failed: t.id", "SQLITE_CONSTRAINT"},
                      Error{"no code", ""}};
  const PipelineResponse decoded = ClientDecodes(response, request);
  EXPECT_EQ(std::get<Error>(decoded.results[0]),
            (Error{"SQLite error: UNIQUE constraint failed: t.id", "SQLITE_CONSTRAINT"}));
  EXPECT_EQ(std::get<Error>(decoded.results[1]), (Error{"no code", ""}));
}

// --- Malformed and mismatched responses ---

std::string DecodeError(const pb_http::PipelineRespBody& body, const PipelineRequest& request) {
  return ErrorOf(DecodePipelineResponse(body.SerializeAsString(), request));
}

PipelineRequest OneExecute() {
  PipelineRequest request;
  request.requests = {ExecuteRequest{SqlStmt("SELECT 1")}};
  return request;
}

// A response to OneExecute with one column and the given row.
pb_http::PipelineRespBody ExecuteResponseWithRow(const pb::Row& row) {
  pb_http::PipelineRespBody body;
  pb::StmtResult& result = *body.add_results()->mutable_ok()->mutable_execute()->mutable_result();
  result.add_cols()->set_name("x");
  *result.add_rows() = row;
  return body;
}

TEST(ProtobufClientCodecMalformed, NotProtobufAtAll) {
  EXPECT_EQ(ErrorOf(DecodePipelineResponse("<html>Bad gateway</html>", OneExecute())),
            "invalid protobuf in response body: it is not a well-formed "
            "hrana.http.PipelineRespBody message (truncated, malformed, or nested more than 256 "
            "levels deep)");
}

TEST(ProtobufClientCodecMalformed, ResultCountMustMatchTheRequests) {
  pb_http::PipelineRespBody body;
  EXPECT_EQ(DecodeError(body, OneExecute()),
            "invalid response body at results: 0 results for a pipeline of 1 requests; a server "
            "answers every request");
  body.add_results()->mutable_ok()->mutable_execute()->mutable_result();
  body.add_results()->mutable_ok()->mutable_close();
  EXPECT_EQ(DecodeError(body, OneExecute()),
            "invalid response body at results: 2 results for a pipeline of 1 requests; a server "
            "answers every request");
}

TEST(ProtobufClientCodecMalformed, ResponseTypeMustMatchTheRequest) {
  pb_http::PipelineRespBody body;
  body.add_results()->mutable_ok()->mutable_close();
  EXPECT_EQ(DecodeError(body, OneExecute()),
            "invalid response body at results[0].ok: the response to a request of type execute "
            "has type close");

  body.mutable_results(0)->mutable_ok()->Clear();
  EXPECT_EQ(DecodeError(body, OneExecute()),
            "invalid response body at results[0].ok: unknown or missing response type; expected "
            "execute (field 2)");

  body.mutable_results(0)->Clear();
  EXPECT_EQ(DecodeError(body, OneExecute()),
            "invalid response body at results[0]: the result is neither ok (field 1) nor error "
            "(field 2)");
}

TEST(ProtobufClientCodecMalformed, ResultsAreRequired) {
  pb_http::PipelineRespBody body;
  body.add_results()->mutable_ok()->mutable_execute();
  EXPECT_EQ(DecodeError(body, OneExecute()),
            "invalid response body at results[0].ok.execute: missing required field \"result\"");

  PipelineRequest batch_request;
  batch_request.requests = {BatchRequest{}};
  body.mutable_results(0)->mutable_ok()->mutable_batch();
  EXPECT_EQ(DecodeError(body, batch_request),
            "invalid response body at results[0].ok.batch: missing required field \"result\"");
}

TEST(ProtobufClientCodecMalformed, RowsMustMatchTheColumns) {
  pb::Row row;
  row.add_values()->set_integer(1);
  row.add_values()->set_integer(2);
  EXPECT_EQ(DecodeError(ExecuteResponseWithRow(row), OneExecute()),
            "invalid response body at results[0].ok.execute.result.rows[0]: the row has 2 values "
            "but the result 1 columns");
}

TEST(ProtobufClientCodecMalformed, ValuesMustHaveATypeAndValidText) {
  pb::Row row;
  row.add_values();
  EXPECT_EQ(DecodeError(ExecuteResponseWithRow(row), OneExecute()),
            "invalid response body at results[0].ok.execute.result.rows[0].values[0]: the value "
            "has no type; expected one of null (field 1), integer (2), float (3), text (4) or "
            "blob (5)");

  row.mutable_values(0)->set_text("\xC3(");
  EXPECT_EQ(DecodeError(ExecuteResponseWithRow(row), OneExecute()),
            "invalid response body at results[0].ok.execute.result.rows[0].values[0].text: not "
            "valid UTF-8 (byte 0xC3 at offset 0); text must be UTF-8, send other bytes as a blob");

  pb_http::PipelineRespBody body;
  body.set_baton("\xFF");
  body.add_results()->mutable_ok()->mutable_execute()->mutable_result();
  EXPECT_EQ(DecodeError(body, OneExecute()),
            "invalid response body at baton: not valid UTF-8 (byte 0xFF at offset 0); text must "
            "be UTF-8, send other bytes as a blob");
}

TEST(ProtobufClientCodecMalformed, BatchEntriesMustNameStepsOfTheBatch) {
  PipelineRequest request;
  Batch batch;
  batch.steps.resize(2);
  request.requests = {BatchRequest{batch}};

  pb_http::PipelineRespBody body;
  pb::BatchResult& result = *body.add_results()->mutable_ok()->mutable_batch()->mutable_result();
  (*result.mutable_step_results())[5];
  EXPECT_EQ(DecodeError(body, request),
            "invalid response body at results[0].ok.batch.result.step_results: an entry for step "
            "5, but the batch has 2 steps");

  result.mutable_step_results()->clear();
  (*result.mutable_step_errors())[4294967295u].set_message("x");
  EXPECT_EQ(DecodeError(body, request),
            "invalid response body at results[0].ok.batch.result.step_errors: an entry for step "
            "4294967295, but the batch has 2 steps");

  result.mutable_step_errors()->clear();
  (*result.mutable_step_results())[1];
  (*result.mutable_step_errors())[1].set_message("x");
  EXPECT_EQ(DecodeError(body, request),
            "invalid response body at results[0].ok.batch.result.step_errors[1]: the step has "
            "both a result and an error");
}

TEST(ProtobufClientCodecMalformed, TruncatedResponsesFailCleanly) {
  PipelineRequest request;
  request.requests = {ExecuteRequest{}, GetAutocommitRequest{}};
  StmtResult result;
  result.cols = {{"v", std::nullopt}};
  for (const Value& value : EveryValue()) result.rows.push_back({value});
  PipelineResponse response;
  response.baton = "baton";
  response.results = {StreamResponse(ExecuteResponse{result}),
                      StreamResponse(GetAutocommitResponse{false})};
  const std::string body = EncodePipelineResponse(response);
  for (std::size_t length = 0; length < body.size(); ++length) {
    auto decoded = DecodePipelineResponse(std::string_view(body).substr(0, length), request);
    // Some prefixes are well-formed messages (a prefix that ends between fields); none answers
    // both requests.
    EXPECT_FALSE(decoded.ok()) << "prefix of " << length << " bytes";
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().kind(), ErrorKind::kInvalidArgument);
    }
  }
}

TEST(ProtobufClientCodecMalformed, GarbageNeverCrashes) {
  PipelineRequest request;
  Batch batch;
  batch.steps.resize(3);
  request.requests = {ExecuteRequest{}, BatchRequest{batch}, GetAutocommitRequest{}};
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> size(0, 64);
  for (int i = 0; i < 20000; ++i) {
    std::string garbage(size(random), '\0');
    for (char& c : garbage) c = static_cast<char>(byte(random));
    auto decoded = DecodePipelineResponse(garbage, request);
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().kind(), ErrorKind::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace edgelite::hrana::protobuf
