// Tests for the Hrana and legacy JSON codec: the exact bytes each response encodes to (what clients
// parse), what each request decodes to, and the message of every way a request can be malformed
// (what a user reads in the 400 body).
#include "hrana/json_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace edgelite::hrana::json {
namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

Value Text(std::string text) {
  return Value(std::move(text));
}
Value Integer(int64_t value) {
  return Value(value);
}

// Wraps a Stmt's JSON in a one-request v3 pipeline and returns the decoded Stmt.
Result<PipelineRequest> DecodeV3(std::string_view body) {
  return DecodePipelineRequest(body, ProtocolVersion::kV3);
}

std::string PipelineWithStmt(std::string_view stmt_json) {
  return R"({"requests":[{"type":"execute","stmt":)" + std::string(stmt_json) + "}]}";
}

Stmt DecodeStmt(std::string_view stmt_json) {
  Result<PipelineRequest> request = DecodeV3(PipelineWithStmt(stmt_json));
  EXPECT_TRUE(request.ok()) << request.status().message();
  if (!request.ok()) return {};
  return std::get<ExecuteRequest>(request->requests.at(0)).stmt;
}

// The error message of a pipeline whose single execute request carries `stmt_json`.
std::string StmtError(std::string_view stmt_json, ProtocolVersion version = ProtocolVersion::kV3) {
  Result<PipelineRequest> request = DecodePipelineRequest(PipelineWithStmt(stmt_json), version);
  EXPECT_FALSE(request.ok());
  EXPECT_EQ(request.status().kind(), ErrorKind::kInvalidArgument);
  return request.status().message();
}

// The decoded single argument of a stmt.
Value DecodeArg(std::string_view value_json) {
  Stmt stmt = DecodeStmt(R"({"sql":"?","args":[)" + std::string(value_json) + "]}");
  EXPECT_EQ(stmt.args.size(), 1u);
  return stmt.args.empty() ? Value() : stmt.args[0];
}

std::string ArgError(std::string_view value_json) {
  return StmtError(R"({"sql":"?","args":[)" + std::string(value_json) + "]}");
}

template <typename T>
std::string ErrorOf(const Result<T>& result) {
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "<ok>";
  EXPECT_EQ(result.status().kind(), ErrorKind::kInvalidArgument);
  return result.status().message();
}

BatchCond DecodeCondition(std::string_view cond_json, ProtocolVersion version) {
  const std::string body = R"({"requests":[{"type":"batch","batch":{"steps":[{"condition":)" +
                           std::string(cond_json) + R"(,"stmt":{"sql":"x"}}]}}]})";
  Result<PipelineRequest> request = DecodePipelineRequest(body, version);
  EXPECT_TRUE(request.ok()) << request.status().message();
  if (!request.ok()) return {};
  const Batch& batch = std::get<BatchRequest>(request->requests.at(0)).batch;
  return batch.steps.at(0).condition.value();
}

std::string ConditionError(std::string_view cond_json,
                           ProtocolVersion version = ProtocolVersion::kV3) {
  const std::string body = R"({"requests":[{"type":"batch","batch":{"steps":[{"condition":)" +
                           std::string(cond_json) + R"(,"stmt":{"sql":"x"}}]}}]})";
  return ErrorOf(DecodePipelineRequest(body, version));
}

std::string EncodeRow(const std::vector<Value>& row) {
  StmtResult result;
  result.rows.push_back(row);
  const std::string json = EncodeV1ExecuteResponse(result);
  const std::string begin = "\"rows\":[";
  const std::string end = "],\"affected_row_count\"";
  const std::size_t start = json.find(begin) + begin.size();
  return json.substr(start, json.find(end) - start);
}

// ---
// Decoding: pipelines and stream requests

TEST(JsonCodecPipeline, DecodesTheRequestSentByLibsqlClient) {
  Result<PipelineRequest> request = DecodePipelineRequest(
      R"({"requests":[{"type":"execute","stmt":{"sql":"select 1","args":[],"named_args":[],)"
      R"("want_rows":true}},{"type":"close"}]})",
      ProtocolVersion::kV2);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_FALSE(request->baton.has_value());
  ASSERT_EQ(request->requests.size(), 2u);
  const Stmt& stmt = std::get<ExecuteRequest>(request->requests[0]).stmt;
  EXPECT_EQ(stmt.sql, "select 1");
  EXPECT_FALSE(stmt.sql_id.has_value());
  EXPECT_TRUE(stmt.args.empty());
  EXPECT_TRUE(stmt.named_args.empty());
  EXPECT_TRUE(stmt.want_rows);
  EXPECT_FALSE(stmt.replication_index.has_value());
  EXPECT_TRUE(std::holds_alternative<CloseRequest>(request->requests[1]));
}

TEST(JsonCodecPipeline, BatonIsOptionalStringOrNull) {
  Result<PipelineRequest> with = DecodeV3(R"({"baton":"abc","requests":[]})");
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->baton, "abc");
  Result<PipelineRequest> null_baton = DecodeV3(R"({"baton":null,"requests":[]})");
  ASSERT_TRUE(null_baton.ok());
  EXPECT_FALSE(null_baton->baton.has_value());
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"baton":5,"requests":[]})")),
            "invalid request body at baton: expected a string, got the number 5");
}

TEST(JsonCodecPipeline, DecodesEveryRequestType) {
  Result<PipelineRequest> request = DecodeV3(R"({"requests":[
      {"type":"close"},
      {"type":"execute","stmt":{"sql_id":7}},
      {"type":"batch","batch":{"steps":[{"stmt":{"sql":"a"}}],"replication_index":"9"}},
      {"type":"sequence","sql":"a;b","replication_index":12},
      {"type":"sequence","sql_id":3},
      {"type":"describe","sql":"select ?"},
      {"type":"describe","sql_id":-4,"replication_index":"18446744073709551615"},
      {"type":"store_sql","sql_id":2147483647,"sql":"select 2"},
      {"type":"close_sql","sql_id":-2147483648},
      {"type":"get_autocommit"}]})");
  ASSERT_TRUE(request.ok()) << request.status().message();
  const auto& requests = request->requests;
  ASSERT_EQ(requests.size(), 10u);
  EXPECT_TRUE(std::holds_alternative<CloseRequest>(requests[0]));
  EXPECT_EQ(std::get<ExecuteRequest>(requests[1]).stmt.sql_id, 7);
  EXPECT_FALSE(std::get<ExecuteRequest>(requests[1]).stmt.sql.has_value());
  const Batch& batch = std::get<BatchRequest>(requests[2]).batch;
  ASSERT_EQ(batch.steps.size(), 1u);
  EXPECT_EQ(batch.steps[0].stmt.sql, "a");
  EXPECT_FALSE(batch.steps[0].condition.has_value());
  EXPECT_EQ(batch.replication_index, 9u);
  EXPECT_EQ(std::get<SequenceRequest>(requests[3]).sql, "a;b");
  EXPECT_EQ(std::get<SequenceRequest>(requests[3]).replication_index, 12u);
  EXPECT_EQ(std::get<SequenceRequest>(requests[4]).sql_id, 3);
  EXPECT_EQ(std::get<DescribeRequest>(requests[5]).sql, "select ?");
  EXPECT_FALSE(std::get<DescribeRequest>(requests[5]).replication_index.has_value());
  EXPECT_EQ(std::get<DescribeRequest>(requests[6]).sql_id, -4);
  EXPECT_EQ(std::get<DescribeRequest>(requests[6]).replication_index,
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(std::get<StoreSqlRequest>(requests[7]).sql_id, 2147483647);
  EXPECT_EQ(std::get<StoreSqlRequest>(requests[7]).sql, "select 2");
  EXPECT_EQ(std::get<CloseSqlRequest>(requests[8]).sql_id, -2147483648);
  EXPECT_TRUE(std::holds_alternative<GetAutocommitRequest>(requests[9]));
}

TEST(JsonCodecPipeline, IgnoresUnknownFields) {
  Result<PipelineRequest> request = DecodeV3(
      R"({"extra":{"deep":[1,2]},"requests":[{"type":"close","x":1},)"
      R"({"type":"execute","stmt":{"sql":"s","future":true,"args":[{"type":"null","y":2}]}}]})");
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->requests.size(), 2u);
}

TEST(JsonCodecPipeline, RejectsMalformedBodies) {
  EXPECT_EQ(ErrorOf(DecodeV3("")), "request body is empty; expected a JSON object");
  EXPECT_EQ(ErrorOf(DecodeV3("  \n")), "request body is empty; expected a JSON object");
  EXPECT_EQ(ErrorOf(DecodeV3("[]")), "invalid request body: expected a JSON object, got an array");
  EXPECT_EQ(ErrorOf(DecodeV3("\"requests\"")),
            "invalid request body: expected a JSON object, got the string \"requests\"");
  EXPECT_EQ(ErrorOf(DecodeV3("{}")), "invalid request body: missing required field \"requests\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":null})")),
            "invalid request body at requests: expected an array, got null");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":{}})")),
            "invalid request body at requests: expected an array, got an object");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[1]})")),
            "invalid request body at requests[0]: expected a JSON object, got the number 1");
}

TEST(JsonCodecPipeline, NamesInvalidUtf8) {
  // Truncated, overlong, a surrogate, beyond U+10FFFF, a stray continuation byte; and outside a
  // string too. Each is reported at the byte where it starts.
  for (std::string bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80"}) {
    std::string message = ErrorOf(DecodeV3("{\"baton\":\"a" + bad + "\",\"requests\":[]}"));
    EXPECT_TRUE(message.starts_with("invalid JSON in request body at byte 11: invalid UTF-8"))
        << message;
  }
  EXPECT_TRUE(ErrorOf(DecodeV3("{\xFF}")).starts_with(
      "invalid JSON in request body at byte 1: invalid UTF-8 (byte 0xFF)"));
  // Well-formed UTF-8 where JSON has no place for it is an ordinary syntax error.
  EXPECT_EQ(ErrorOf(DecodeV3("{\xC3\xA9}")),
            "invalid JSON in request body at byte 1: syntax error");
}

TEST(JsonCodecPipeline, EscapesEchoedInput) {
  // Echoed input is quoted as JSON, so a client cannot put line breaks or terminal escapes into
  // the message (and the server log line that repeats it).
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"a\n\"b\u001b[2J"}]})")),
            "invalid request body at requests[0].type: unknown request type "
            "\"a\\n\\\"b\\u001b[2J\"; expected close, execute, batch, sequence, describe, "
            "store_sql, close_sql or get_autocommit");
}

TEST(JsonCodecPipeline, RejectsInvalidJson) {
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[)")),
            "invalid JSON in request body at byte 13: incomplete JSON");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[]} {})")),
            "invalid JSON in request body at byte 16: unexpected data after the JSON value");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[],})")),
            "invalid JSON in request body at byte 15: syntax error");
  // Invalid UTF-8 inside a JSON string is invalid JSON, and the message says which byte.
  EXPECT_EQ(ErrorOf(DecodeV3("{\"baton\":\"\xFF\",\"requests\":[]}")),
            "invalid JSON in request body at byte 10: invalid UTF-8 (byte 0xFF); JSON text must "
            "be UTF-8, so send binary data as a base64 blob");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[],"x":1e400})")),
            "invalid JSON in request body: a number is too large for a 64-bit float");
}

TEST(JsonCodecPipeline, RejectsDeepNesting) {
  const std::string deep =
      R"({"requests":[],"x":)" + std::string(300, '[') + std::string(300, ']') + "}";
  EXPECT_EQ(ErrorOf(DecodeV3(deep)),
            "invalid JSON in request body: nested more than 256 levels deep");
  // 250 levels are fine (and ignored, being an unknown field).
  const std::string fine =
      R"({"requests":[],"x":)" + std::string(250, '[') + std::string(250, ']') + "}";
  EXPECT_TRUE(DecodeV3(fine).ok());
}

TEST(JsonCodecPipeline, RejectsUnknownOrMissingRequestType) {
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"close"},{"type":"open_stream"}]})")),
            "invalid request body at requests[1].type: unknown request type \"open_stream\"; "
            "expected close, execute, batch, sequence, describe, store_sql, close_sql or "
            "get_autocommit");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"stmt":{"sql":"x"}}]})")),
            "invalid request body at requests[0]: missing required field \"type\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":3}]})")),
            "invalid request body at requests[0].type: expected a string, got the number 3");
}

TEST(JsonCodecPipeline, RejectsMissingRequestFields) {
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"execute"}]})")),
            "invalid request body at requests[0]: missing required field \"stmt\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"batch"}]})")),
            "invalid request body at requests[0]: missing required field \"batch\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"batch","batch":{}}]})")),
            "invalid request body at requests[0].batch: missing required field \"steps\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"store_sql","sql":"x"}]})")),
            "invalid request body at requests[0]: missing required field \"sql_id\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"store_sql","sql_id":1}]})")),
            "invalid request body at requests[0]: missing required field \"sql\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"close_sql"}]})")),
            "invalid request body at requests[0]: missing required field \"sql_id\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"sequence"}]})")),
            "invalid request body at requests[0]: missing required field \"sql\" (or \"sql_id\")");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"describe","sql":"a","sql_id":1}]})")),
            "invalid request body at requests[0]: both \"sql\" and \"sql_id\" are given; send "
            "exactly one");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"execute","stmt":null}]})")),
            "invalid request body at requests[0].stmt: expected a JSON object, got null");
}

TEST(JsonCodecPipeline, RejectsOutOfRangeSqlIds) {
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"close_sql","sql_id":2147483648}]})")),
            "invalid request body at requests[0].sql_id: expected an integer from -2147483648 to "
            "2147483647, got the number 2147483648");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"close_sql","sql_id":1.5}]})")),
            "invalid request body at requests[0].sql_id: expected an integer from -2147483648 to "
            "2147483647, got the number 1.5");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"close_sql","sql_id":"1"}]})")),
            "invalid request body at requests[0].sql_id: expected an integer from -2147483648 to "
            "2147483647, got the string \"1\"");
}

// Hrana 3 by the spec, accepted from Hrana 2 on (hrana/protocol_version.h): on /v2/pipeline too.
TEST(JsonCodecPipeline, GetAutocommitNeedsHrana2) {
  const std::string body = R"({"requests":[{"type":"get_autocommit"}]})";
  EXPECT_TRUE(DecodePipelineRequest(body, ProtocolVersion::kV3).ok());
  Result<PipelineRequest> v2 = DecodePipelineRequest(body, ProtocolVersion::kV2);
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  EXPECT_TRUE(std::holds_alternative<GetAutocommitRequest>(v2->requests.at(0)));
  EXPECT_EQ(ErrorOf(DecodePipelineRequest(body, ProtocolVersion::kV1)),
            "invalid request body at requests[0].type: the \"get_autocommit\" request needs "
            "Hrana 2 or later, but this request uses Hrana 1");
}

// ---
// Decoding: Stmt

TEST(JsonCodecStmt, DecodesAllFields) {
  Stmt stmt = DecodeStmt(
      R"({"sql":"select ?","args":[{"type":"integer","value":"1"}],)"
      R"("named_args":[{"name":":a","value":{"type":"text","value":"x"}}],"want_rows":false,)"
      R"("replication_index":"42"})");
  EXPECT_EQ(stmt.sql, "select ?");
  ASSERT_EQ(stmt.args.size(), 1u);
  EXPECT_EQ(stmt.args[0], Integer(1));
  ASSERT_EQ(stmt.named_args.size(), 1u);
  EXPECT_EQ(stmt.named_args[0].name, ":a");
  EXPECT_EQ(stmt.named_args[0].value, Text("x"));
  EXPECT_FALSE(stmt.want_rows);
  EXPECT_EQ(stmt.replication_index, 42u);
}

TEST(JsonCodecStmt, DefaultsAndNulls) {
  Stmt stmt =
      DecodeStmt(R"({"sql":"x","sql_id":null,"args":null,"named_args":null,"want_rows":null,)"
                 R"("replication_index":null})");
  EXPECT_EQ(stmt.sql, "x");
  EXPECT_FALSE(stmt.sql_id.has_value());
  EXPECT_TRUE(stmt.want_rows);
  EXPECT_FALSE(stmt.replication_index.has_value());
}

TEST(JsonCodecStmt, ReplicationIndexAsStringOrNumber) {
  EXPECT_EQ(DecodeStmt(R"({"sql":"x","replication_index":7})").replication_index, 7u);
  EXPECT_EQ(DecodeStmt(R"({"sql":"x","replication_index":18446744073709551615})").replication_index,
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(
      DecodeStmt(R"({"sql":"x","replication_index":"18446744073709551615"})").replication_index,
      std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(StmtError(R"({"sql":"x","replication_index":-1})"),
            "invalid request body at requests[0].stmt.replication_index: expected an integer from "
            "0 to 18446744073709551615, got the number -1");
  EXPECT_EQ(StmtError(R"({"sql":"x","replication_index":"18446744073709551616"})"),
            "invalid request body at requests[0].stmt.replication_index: expected a non-negative "
            "64-bit integer (as a number or a decimal string), got the string "
            "\"18446744073709551616\"");
  EXPECT_EQ(StmtError(R"({"sql":"x","replication_index":"-1"})"),
            "invalid request body at requests[0].stmt.replication_index: expected a non-negative "
            "64-bit integer (as a number or a decimal string), got the string \"-1\"");
  EXPECT_EQ(StmtError(R"({"sql":"x","replication_index":true})"),
            "invalid request body at requests[0].stmt.replication_index: expected a non-negative "
            "64-bit integer (as a number or a decimal string), got true");
}

TEST(JsonCodecStmt, RequiresExactlyOneOfSqlAndSqlId) {
  EXPECT_EQ(StmtError(R"({"args":[]})"),
            "invalid request body at requests[0].stmt: missing required field \"sql\" (or "
            "\"sql_id\")");
  EXPECT_EQ(StmtError(R"({"sql":"x","sql_id":1})"),
            "invalid request body at requests[0].stmt: both \"sql\" and \"sql_id\" are given; "
            "send exactly one");
  EXPECT_EQ(StmtError(R"({"sql":5})"),
            "invalid request body at requests[0].stmt.sql: expected a string, got the number 5");
}

TEST(JsonCodecStmt, RejectsWrongFieldTypes) {
  EXPECT_EQ(StmtError(R"({"sql":"x","args":{}})"),
            "invalid request body at requests[0].stmt.args: expected an array, got an object");
  EXPECT_EQ(StmtError(R"({"sql":"x","want_rows":"yes"})"),
            "invalid request body at requests[0].stmt.want_rows: expected true or false, got the "
            "string \"yes\"");
  EXPECT_EQ(StmtError(R"({"sql":"x","named_args":[{"value":{"type":"null"}}]})"),
            "invalid request body at requests[0].stmt.named_args[0]: missing required field "
            "\"name\"");
  EXPECT_EQ(StmtError(R"({"sql":"x","named_args":[{"name":"a"}]})"),
            "invalid request body at requests[0].stmt.named_args[0]: missing required field "
            "\"value\"");
  EXPECT_EQ(StmtError(R"({"sql":"x","named_args":[{"name":"a","value":{"type":"nil"}}]})"),
            "invalid request body at requests[0].stmt.named_args[0].value.type: unknown value type "
            "\"nil\"; expected null, integer, float, text or blob");
}

TEST(JsonCodecStmt, SqlIdIsRejectedOnHrana1) {
  EXPECT_EQ(StmtError(R"({"sql_id":1})", ProtocolVersion::kV1),
            "invalid request body at requests[0].stmt.sql_id: stored SQL (\"sql_id\") needs Hrana "
            "2 or later, but this request uses Hrana 1");
  EXPECT_EQ(ErrorOf(DecodeV1ExecuteRequest(R"({"stmt":{"sql_id":1}})")),
            "invalid request body at stmt.sql_id: stored SQL (\"sql_id\") needs Hrana 2 or later, "
            "but this request uses Hrana 1");
  EXPECT_EQ(DecodeStmt(R"({"sql_id":1})").sql_id, 1);
}

// ---
// Decoding: Value

TEST(JsonCodecValue, DecodesEveryType) {
  EXPECT_EQ(DecodeArg(R"({"type":"null"})"), Value(Null{}));
  EXPECT_EQ(DecodeArg(R"({"type":"integer","value":"42"})"), Integer(42));
  EXPECT_EQ(DecodeArg(R"({"type":"integer","value":"-9223372036854775808"})"), Integer(kInt64Min));
  EXPECT_EQ(DecodeArg(R"({"type":"integer","value":"9223372036854775807"})"), Integer(kInt64Max));
  EXPECT_EQ(DecodeArg(R"({"type":"integer","value":"+5"})"), Integer(5));
  EXPECT_EQ(DecodeArg(R"({"type":"integer","value":"007"})"), Integer(7));
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":1.5})"), Value(1.5));
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":-0.0})"), Value(-0.0));
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":3})"), Value(3.0));
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":-3})"), Value(-3.0));
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":18446744073709551615})"),
            Value(18446744073709551615.0));
  EXPECT_EQ(DecodeArg(R"({"type":"text","value":"h\u00e9\ud834\udd1e\n"})"),
            Text("h\xC3\xA9\xF0\x9D\x84\x9E\n"));
  EXPECT_EQ(DecodeArg(R"({"type":"text","value":""})"), Text(""));
  EXPECT_EQ(DecodeArg(R"({"type":"blob","base64":"YWI"})"), Value(Blob{"ab"}));
  EXPECT_EQ(DecodeArg(R"({"type":"blob","base64":"YWI="})"), Value(Blob{"ab"}));
  EXPECT_EQ(DecodeArg(R"({"type":"blob","base64":"YQ=="})"), Value(Blob{"a"}));
  EXPECT_EQ(DecodeArg(R"({"type":"blob","base64":"YQ"})"), Value(Blob{"a"}));
  EXPECT_EQ(DecodeArg(R"({"type":"blob","base64":""})"), Value(Blob{""}));
  EXPECT_EQ(DecodeArg(R"({"type":"blob","base64":"AP8A"})"),
            Value(Blob{std::string("\0\xFF\0", 3)}));
}

TEST(JsonCodecValue, FloatsAreExact) {
  // Boost.JSON 1.81 alone reads these one unit in the last place off.
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":1.3927926388013963e-143})"),
            Value(1.3927926388013963e-143));
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":5.409760742964738e+124})"),
            Value(5.409760742964738e+124));
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":0.1})"), Value(0.1));
  EXPECT_EQ(DecodeArg(R"({"type":"float","value":1e-400})"), Value(0.0));  // underflow
}

TEST(JsonCodecValue, IntegerMustBeAStringHoldingAnInt64) {
  const std::string prefix =
      "invalid request body at requests[0].stmt.args[0].value: expected a "
      "decimal string holding a 64-bit signed integer, got ";
  EXPECT_EQ(ArgError(R"({"type":"integer","value":42})"), prefix + "the number 42");
  EXPECT_EQ(ArgError(R"({"type":"integer","value":"9223372036854775808"})"),
            prefix + "the string \"9223372036854775808\"");
  EXPECT_EQ(ArgError(R"({"type":"integer","value":"-9223372036854775809"})"),
            prefix + "the string \"-9223372036854775809\"");
  EXPECT_EQ(ArgError(R"({"type":"integer","value":"1.0"})"), prefix + "the string \"1.0\"");
  EXPECT_EQ(ArgError(R"({"type":"integer","value":" 1"})"), prefix + "the string \" 1\"");
  EXPECT_EQ(ArgError(R"({"type":"integer","value":""})"), prefix + "the string \"\"");
  EXPECT_EQ(ArgError(R"({"type":"integer","value":"+-1"})"), prefix + "the string \"+-1\"");
  EXPECT_EQ(ArgError(R"({"type":"integer","value":null})"), prefix + "null");
  EXPECT_EQ(ArgError(R"({"type":"integer"})"),
            "invalid request body at requests[0].stmt.args[0]: missing required field \"value\"");
  // Long echoed input is cut short.
  EXPECT_EQ(
      ArgError(R"({"type":"integer","value":"12345678901234567890123456789012345678901234"})"),
      prefix + "the string \"1234567890123456789012345678901234567890...\"");
}

TEST(JsonCodecValue, RejectsOtherMalformedValues) {
  const std::string at = "invalid request body at requests[0].stmt.args[0]";
  EXPECT_EQ(ArgError(R"({"type":"float","value":"1.5"})"),
            at + ".value: expected a number, got the string \"1.5\"");
  EXPECT_EQ(ArgError(R"({"type":"float","value":null})"),
            at + ".value: expected a number, got null");
  EXPECT_EQ(ArgError(R"({"type":"text","value":5})"),
            at + ".value: expected a string, got the number 5");
  EXPECT_EQ(ArgError(R"({"type":"blob","base64":"!!"})"),
            at + ".base64: expected standard base64, got the string \"!!\"");
  EXPECT_EQ(ArgError(R"({"type":"blob","base64":"Y"})"),
            at + ".base64: expected standard base64, got the string \"Y\"");
  EXPECT_EQ(ArgError(R"({"type":"blob","value":"YQ"})"),
            at + ": missing required field \"base64\"");
  EXPECT_EQ(ArgError(R"({"value":"1"})"), at + ": missing required field \"type\"");
  EXPECT_EQ(ArgError(R"({"type":"bool","value":true})"),
            at + ".type: unknown value type \"bool\"; expected null, integer, float, text or blob");
  EXPECT_EQ(ArgError("1"), at + ": expected a JSON object, got the number 1");
  EXPECT_EQ(ArgError("\"text\""), at + ": expected a JSON object, got the string \"text\"");
}

TEST(JsonCodecValue, RoundTripsThroughTheEncoder) {
  const std::vector<Value> values = {
      Value(Null{}),      Integer(0),
      Integer(kInt64Min), Integer(kInt64Max),
      Value(1.0),         Value(-0.0),
      Value(0.1),         Value(1e300),
      Value(5e-324),      Value(1.3927926388013963e-143),
      Text(""),           Text("quote\" back\\slash \n\t\x01 \xC3\xA9\xF0\x9F\x98\x80"),
      Value(Blob{""}),    Value(Blob{"a"}),
      Value(Blob{"ab"}),  Value(Blob{std::string("\0\x01\xFE\xFF", 4)}),
  };
  for (const Value& value : values) {
    const std::string encoded = EncodeRow({value});
    const std::string row_json = encoded.substr(1, encoded.size() - 2);  // strip [ ]
    EXPECT_EQ(DecodeArg(row_json), value) << row_json;
  }
}

// ---
// Decoding: Batch and BatchCond

TEST(JsonCodecBatch, DecodesEveryConditionType) {
  BatchCond cond = DecodeCondition(
      R"({"type":"and","conds":[{"type":"ok","step":0},{"type":"error","step":4294967295},)"
      R"({"type":"not","cond":{"type":"or","conds":[]}},{"type":"is_autocommit"}]})",
      ProtocolVersion::kV3);
  EXPECT_EQ(cond.kind, BatchCond::Kind::kAnd);
  ASSERT_EQ(cond.conds.size(), 4u);
  EXPECT_EQ(cond.conds[0].kind, BatchCond::Kind::kOk);
  EXPECT_EQ(cond.conds[0].step, 0u);
  EXPECT_EQ(cond.conds[1].kind, BatchCond::Kind::kError);
  EXPECT_EQ(cond.conds[1].step, 4294967295u);
  EXPECT_EQ(cond.conds[2].kind, BatchCond::Kind::kNot);
  ASSERT_EQ(cond.conds[2].conds.size(), 1u);
  EXPECT_EQ(cond.conds[2].conds[0].kind, BatchCond::Kind::kOr);
  EXPECT_TRUE(cond.conds[2].conds[0].conds.empty());
  EXPECT_EQ(cond.conds[3].kind, BatchCond::Kind::kIsAutocommit);
}

TEST(JsonCodecBatch, DoesNotCheckThatStepsPrecedeTheCurrentOne) {
  // The executor reports a forward reference; the codec only checks the shape.
  BatchCond cond = DecodeCondition(R"({"type":"ok","step":5})", ProtocolVersion::kV2);
  EXPECT_EQ(cond.step, 5u);
}

TEST(JsonCodecBatch, NullConditionMeansNone) {
  Result<PipelineRequest> request = DecodeV3(R"({"requests":[{"type":"batch","batch":{"steps":[)"
                                             R"({"condition":null,"stmt":{"sql":"x"}}]}}]})");
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_FALSE(std::get<BatchRequest>(request->requests[0]).batch.steps[0].condition.has_value());
}

// The Turso sync client's push batch on /v2/pipeline (docs/turso-sync.md §1.1.2) decodes; Hrana 1
// (/v1/batch) still refuses the condition.
TEST(JsonCodecBatch, IsAutocommitNeedsHrana2) {
  BatchCond cond =
      DecodeCondition(R"({"type":"not","cond":{"type":"is_autocommit"}})", ProtocolVersion::kV2);
  EXPECT_EQ(cond.kind, BatchCond::Kind::kNot);
  ASSERT_EQ(cond.conds.size(), 1u);
  EXPECT_EQ(cond.conds[0].kind, BatchCond::Kind::kIsAutocommit);
  EXPECT_EQ(
      ErrorOf(DecodeV1BatchRequest(
          R"({"batch":{"steps":[{"condition":{"type":"is_autocommit"},"stmt":{"sql":"x"}}]}})")),
      "invalid request body at batch.steps[0].condition.type: the \"is_autocommit\" "
      "condition needs Hrana 2 or later, but this request uses Hrana 1");
}

TEST(JsonCodecBatch, RejectsMalformedConditions) {
  const std::string at = "invalid request body at requests[0].batch.steps[0].condition";
  EXPECT_EQ(ConditionError(R"({"type":"ok"})"), at + ": missing required field \"step\"");
  EXPECT_EQ(ConditionError(R"({"type":"ok","step":-1})"),
            at + ".step: expected an integer from 0 to 4294967295, got the number -1");
  EXPECT_EQ(ConditionError(R"({"type":"error","step":4294967296})"),
            at + ".step: expected an integer from 0 to 4294967295, got the number 4294967296");
  EXPECT_EQ(ConditionError(R"({"type":"ok","step":1.0})"),
            at + ".step: expected an integer from 0 to 4294967295, got the number 1");
  EXPECT_EQ(ConditionError(R"({"type":"ok","step":"1"})"),
            at + ".step: expected an integer from 0 to 4294967295, got the string \"1\"");
  EXPECT_EQ(ConditionError(R"({"type":"not"})"), at + ": missing required field \"cond\"");
  EXPECT_EQ(ConditionError(R"({"type":"not","cond":null})"),
            at + ".cond: expected a JSON object, got null");
  EXPECT_EQ(ConditionError(R"({"type":"and","conds":{}})"),
            at + ".conds: expected an array, got an object");
  EXPECT_EQ(ConditionError(R"({"type":"or","conds":[{"type":"ok","step":0},{"type":"xor"}]})"),
            at + ".conds[1].type: unknown condition type \"xor\"; expected ok, error, not, and, or "
                 "or is_autocommit");
  EXPECT_EQ(ConditionError("[]"), at + ": expected a JSON object, got an array");
}

std::string NestedNots(int depth) {
  std::string json;
  for (int i = 1; i < depth; ++i) json += R"({"type":"not","cond":)";
  json += R"({"type":"ok","step":0})";
  json += std::string(depth - 1, '}');
  return json;
}

std::string NestedAnds(int depth) {
  std::string json;
  for (int i = 1; i < depth; ++i) json += R"({"type":"and","conds":[)";
  json += R"({"type":"ok","step":0})";
  for (int i = 1; i < depth; ++i) json += "]}";
  return json;
}

TEST(JsonCodecBatch, BoundsConditionDepth) {
  BatchCond cond = DecodeCondition(NestedNots(100), ProtocolVersion::kV3);
  int depth = 1;
  for (const BatchCond* c = &cond; !c->conds.empty(); c = &c->conds[0]) ++depth;
  EXPECT_EQ(depth, 100);
  DecodeCondition(NestedAnds(100), ProtocolVersion::kV3);

  const std::string not_error = ConditionError(NestedNots(101));
  EXPECT_NE(not_error.find(": batch conditions are nested more than 100 levels deep"),
            std::string::npos)
      << not_error;
  EXPECT_EQ(
      not_error.rfind("invalid request body at requests[0].batch.steps[0].condition.cond.", 0), 0u);
  const std::string and_error = ConditionError(NestedAnds(101));
  EXPECT_NE(and_error.find(".conds[0]: batch conditions are nested more than 100 levels deep"),
            std::string::npos)
      << and_error;
}

TEST(JsonCodecBatch, RejectsMalformedSteps) {
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"batch","batch":{"steps":[{}]}}]})")),
            "invalid request body at requests[0].batch.steps[0]: missing required field \"stmt\"");
  EXPECT_EQ(ErrorOf(DecodeV3(R"({"requests":[{"type":"batch","batch":{"steps":"x"}}]})")),
            "invalid request body at requests[0].batch.steps: expected an array, got the string "
            "\"x\"");
  EXPECT_EQ(
      ErrorOf(DecodeV3(R"({"requests":[{"type":"batch","batch":{"steps":[)"
                       R"({"stmt":{"sql":"a"}},{"stmt":{}}]}}]})")),
      "invalid request body at requests[0].batch.steps[1].stmt: missing required field \"sql\" "
      "(or \"sql_id\")");
}

// ---
// Decoding: cursor and v1

TEST(JsonCodecCursor, DecodesRequest) {
  Result<CursorRequest> request = DecodeCursorRequest(
      R"({"baton":"b1","batch":{"steps":[{"stmt":{"sql":"select 1"}},)"
      R"({"condition":{"type":"ok","step":0},"stmt":{"sql_id":3,"want_rows":false}}]}})",
      ProtocolVersion::kV3);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->baton, "b1");
  ASSERT_EQ(request->batch.steps.size(), 2u);
  EXPECT_EQ(request->batch.steps[1].stmt.sql_id, 3);
  EXPECT_FALSE(request->batch.steps[1].stmt.want_rows);
  EXPECT_EQ(request->batch.steps[1].condition->kind, BatchCond::Kind::kOk);

  EXPECT_EQ(ErrorOf(DecodeCursorRequest(R"({"baton":null})", ProtocolVersion::kV3)),
            "invalid request body: missing required field \"batch\"");
  EXPECT_EQ(
      ErrorOf(DecodeCursorRequest(
          R"({"batch":{"steps":[{"condition":{"type":"is_autocommit"},"stmt":{"sql":"x"}}]}})",
          ProtocolVersion::kV1)),
      "invalid request body at batch.steps[0].condition.type: the \"is_autocommit\" "
      "condition needs Hrana 2 or later, but this request uses Hrana 1");
}

TEST(JsonCodecV1, DecodesExecuteAndBatch) {
  Result<Stmt> stmt = DecodeV1ExecuteRequest(
      R"({"stmt":{"sql":"select ?","args":[{"type":"float","value":2.5}]}})");
  ASSERT_TRUE(stmt.ok()) << stmt.status().message();
  EXPECT_EQ(stmt->sql, "select ?");
  ASSERT_EQ(stmt->args.size(), 1u);
  EXPECT_EQ(stmt->args[0], Value(2.5));

  Result<Batch> batch = DecodeV1BatchRequest(
      R"({"batch":{"steps":[{"stmt":{"sql":"a"}},{"condition":{"type":"error","step":0},)"
      R"("stmt":{"sql":"b"}}],"replication_index":3}})");
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  ASSERT_EQ(batch->steps.size(), 2u);
  EXPECT_EQ(batch->steps[1].condition->kind, BatchCond::Kind::kError);
  EXPECT_EQ(batch->replication_index, 3u);

  EXPECT_EQ(ErrorOf(DecodeV1ExecuteRequest("{}")),
            "invalid request body: missing required field \"stmt\"");
  EXPECT_EQ(ErrorOf(DecodeV1BatchRequest(R"({"stmt":{"sql":"x"}})")),
            "invalid request body: missing required field \"batch\"");
  EXPECT_EQ(ErrorOf(DecodeV1ExecuteRequest("nope")),
            "invalid JSON in request body at byte 0: syntax error");
}

// ---
// Decoding: legacy POST /

TEST(JsonCodecLegacy, DecodesStatementsAndParams) {
  Result<LegacyRequest> request = DecodeLegacyRequest(R"({"statements":[
      "select 1",
      {"q":"select ?, ?, ?, ?, ?, ?, ?, ?, ?","params":[null, 1, -2, 18446744073709551615, 1.5,
        "text", true, false, {"base64":"YWI"}]},
      {"q":"select :a, $b","params":{":a":1,"b":"x"}},
      {"q":"select 1","params":null},
      {"q":"select 1"}],
    "replication_index":5})");
  ASSERT_TRUE(request.ok()) << request.status().message();
  ASSERT_EQ(request->statements.size(), 5u);
  EXPECT_EQ(request->statements[0].sql, "select 1");
  EXPECT_TRUE(request->statements[0].positional_params.empty());
  const auto& params = request->statements[1].positional_params;
  ASSERT_EQ(params.size(), 9u);
  EXPECT_EQ(params[0], Value(Null{}));
  EXPECT_EQ(params[1], Integer(1));
  EXPECT_EQ(params[2], Integer(-2));
  EXPECT_EQ(params[3], Integer(-1));  // u64 cast to i64, as sqld does
  EXPECT_EQ(params[4], Value(1.5));
  EXPECT_EQ(params[5], Text("text"));
  EXPECT_EQ(params[6], Integer(1));
  EXPECT_EQ(params[7], Integer(0));
  EXPECT_EQ(params[8], Value(Blob{"ab"}));
  const auto& named = request->statements[2].named_params;
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].name, ":a");
  EXPECT_EQ(named[0].value, Integer(1));
  EXPECT_EQ(named[1].name, "b");
  EXPECT_EQ(named[1].value, Text("x"));
  EXPECT_TRUE(request->statements[3].positional_params.empty());
  EXPECT_TRUE(request->statements[3].named_params.empty());
  EXPECT_EQ(request->replication_index, 5u);
}

TEST(JsonCodecLegacy, BlobsMustBeUnpadded) {
  Result<LegacyRequest> unpadded =
      DecodeLegacyRequest(R"({"statements":[{"q":"x","params":[{"base64":"YQ"}]}]})");
  ASSERT_TRUE(unpadded.ok()) << unpadded.status().message();
  EXPECT_EQ(unpadded->statements[0].positional_params[0], Value(Blob{"a"}));
  EXPECT_EQ(
      ErrorOf(DecodeLegacyRequest(R"({"statements":[{"q":"x","params":[{"base64":"YQ=="}]}]})")),
      "invalid request body at statements[0].params[0].base64: expected standard base64 "
      "without '=' padding, got the string \"YQ==\"");
}

TEST(JsonCodecLegacy, RejectsMalformedRequests) {
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest("{}")),
            "invalid request body: missing required field \"statements\"");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"(["select 1"])")),
            "invalid request body: expected a JSON object, got an array");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"({"statements":[1]})")),
            "invalid request body at statements[0]: expected an SQL string or an object {\"q\": "
            "..., \"params\": ...}, got the number 1");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"({"statements":[{"q":"x","param":[]}]})")),
            "invalid request body at statements[0].param: unknown field; a statement object has "
            "only \"q\" and \"params\"");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"({"statements":[{"params":[]}]})")),
            "invalid request body at statements[0]: missing required field \"q\"");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"({"statements":[{"q":"x","params":"a"}]})")),
            "invalid request body at statements[0].params: expected an array or an object of "
            "parameters, got the string \"a\"");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"({"statements":[{"q":"x","params":[[1]]}]})")),
            "invalid request body at statements[0].params[0]: expected null, a boolean, a number, "
            "a string or {\"base64\": \"...\"}, got an array");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"({"statements":[{"q":"x","params":{"a":{"b":1}}}]})")),
            "invalid request body at statements[0].params.a: expected a blob as {\"base64\": "
            "\"...\"} and no other field, got an object");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(
                R"({"statements":[{"q":"x","params":[{"base64":"YQ","x":1}]}]})")),
            "invalid request body at statements[0].params[0]: expected a blob as {\"base64\": "
            "\"...\"} and no other field, got an object");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"({"statements":[{"q":"x","params":[{"base64":1}]}]})")),
            "invalid request body at statements[0].params[0].base64: expected a string, got the "
            "number 1");
  EXPECT_EQ(ErrorOf(DecodeLegacyRequest(R"({"statements":[],"replication_index":-3})")),
            "invalid request body at replication_index: expected an integer from 0 to "
            "18446744073709551615, got the number -3");
}

// ---
// Encoding

StmtResult SampleStmtResult() {
  StmtResult result;
  result.cols = {{"id", "INTEGER"}, {std::nullopt, std::nullopt}};
  result.rows = {{Integer(1), Text("a")}, {Integer(kInt64Min), Value(Null{})}};
  result.affected_row_count = 2;
  result.last_insert_rowid = kInt64Max;
  result.replication_index = 525;
  result.rows_read = 3;
  result.rows_written = 4;
  result.query_duration_ms = 0.25;
  return result;
}

const char kSampleStmtResultJson[] =
    R"({"cols":[{"name":"id","decltype":"INTEGER"},{"name":null,"decltype":null}],)"
    R"("rows":[[{"type":"integer","value":"1"},{"type":"text","value":"a"}],)"
    R"([{"type":"integer","value":"-9223372036854775808"},{"type":"null"}]],)"
    R"("affected_row_count":2,"last_insert_rowid":"9223372036854775807",)"
    R"("replication_index":"525","rows_read":3,"rows_written":4,"query_duration_ms":0.25})";

TEST(JsonCodecEncode, EveryValueType) {
  EXPECT_EQ(EncodeRow({Value(Null{}), Integer(kInt64Min), Integer(kInt64Max), Value(1.0),
                       Value(-2.5e-7), Value(std::numeric_limits<double>::infinity()),
                       Value(std::numeric_limits<double>::quiet_NaN()), Text("t\"\n\x02"),
                       Value(Blob{"ab"}), Value(Blob{"abc"}), Value(Blob{""})}),
            R"([{"type":"null"},{"type":"integer","value":"-9223372036854775808"},)"
            R"({"type":"integer","value":"9223372036854775807"},{"type":"float","value":1.0},)"
            R"({"type":"float","value":-2.5e-07},{"type":"float","value":null},)"
            R"({"type":"float","value":null},{"type":"text","value":"t\"\n\u0002"},)"
            R"({"type":"blob","base64":"YWI"},{"type":"blob","base64":"YWJj"},)"
            R"({"type":"blob","base64":""}])");
}

TEST(JsonCodecEncode, RepairsInvalidUtf8InTextAndNames) {
  StmtResult result;
  result.cols = {{"c\xFF", "T\xC3"}};
  result.rows = {{Text("bad \xED\xA0\x80 ok \xC3\xA9")}};
  const std::string json = EncodeV1ExecuteResponse(result);
  EXPECT_EQ(json,
            "{\"result\":{\"cols\":[{\"name\":\"c\xEF\xBF\xBD\",\"decltype\":\"T\xEF\xBF\xBD\"}],"
            "\"rows\":[[{\"type\":\"text\",\"value\":\"bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ok "
            "\xC3\xA9\"}]],\"affected_row_count\":0,\"last_insert_rowid\":null,"
            "\"replication_index\":null,\"rows_read\":0,\"rows_written\":0,"
            "\"query_duration_ms\":0.0}}");
}

TEST(JsonCodecEncode, V1Responses) {
  EXPECT_EQ(EncodeV1ExecuteResponse(SampleStmtResult()),
            std::string("{\"result\":") + kSampleStmtResultJson + "}");

  BatchResult batch;
  batch.step_results = {SampleStmtResult(), std::nullopt};
  batch.step_errors = {std::nullopt, Error{"SQLite error: no such table: nope", "SQLITE_ERROR"}};
  batch.replication_index = 7;
  EXPECT_EQ(EncodeV1BatchResponse(batch),
            std::string(R"({"result":{"step_results":[)") + kSampleStmtResultJson +
                R"(,null],"step_errors":[null,{"message":"SQLite error: no such table: nope",)"
                R"("code":"SQLITE_ERROR"}],"replication_index":"7"}})");

  EXPECT_EQ(EncodeV1BatchResponse(BatchResult{}),
            R"({"result":{"step_results":[],"step_errors":[],"replication_index":null}})");
}

TEST(JsonCodecEncode, PipelineResponseWithEveryResponseType) {
  PipelineResponse response;
  response.baton = "baton+/=";
  response.base_url = std::nullopt;
  BatchResult batch;
  batch.step_results = {std::nullopt};
  batch.step_errors = {std::nullopt};
  DescribeResult describe;
  describe.params = {{":a"}, {std::nullopt}};
  describe.cols = {{"x", "TEXT"}, {"y", std::nullopt}};
  describe.is_explain = false;
  describe.is_readonly = true;
  response.results = {
      StreamResponse(CloseResponse{}),
      StreamResponse(ExecuteResponse{SampleStmtResult()}),
      StreamResponse(BatchResponse{batch}),
      StreamResponse(SequenceResponse{}),
      StreamResponse(DescribeResponse{describe}),
      StreamResponse(StoreSqlResponse{}),
      StreamResponse(CloseSqlResponse{}),
      StreamResponse(GetAutocommitResponse{false}),
      Error{"SQL text 3 not found", "SQL_NOT_FOUND"},
  };
  EXPECT_EQ(EncodePipelineResponse(response),
            std::string(R"({"baton":"baton+/=","base_url":null,"results":[)") +
                R"({"type":"ok","response":{"type":"close"}},)" +
                R"({"type":"ok","response":{"type":"execute","result":)" + kSampleStmtResultJson +
                "}}," +
                R"({"type":"ok","response":{"type":"batch","result":{"step_results":[null],)" +
                R"("step_errors":[null],"replication_index":null}}},)" +
                R"({"type":"ok","response":{"type":"sequence"}},)" +
                R"({"type":"ok","response":{"type":"describe","result":{"params":[{"name":":a"},)" +
                R"({"name":null}],"cols":[{"name":"x","decltype":"TEXT"},)" +
                R"({"name":"y","decltype":null}],"is_explain":false,"is_readonly":true}}},)" +
                R"({"type":"ok","response":{"type":"store_sql"}},)" +
                R"({"type":"ok","response":{"type":"close_sql"}},)" +
                R"({"type":"ok","response":{"type":"get_autocommit","is_autocommit":false}},)" +
                R"({"type":"error","error":{"message":"SQL text 3 not found",)" +
                R"("code":"SQL_NOT_FOUND"}}]})");

  PipelineResponse empty;
  empty.base_url = "https://db.example.com";
  EXPECT_EQ(EncodePipelineResponse(empty),
            R"({"baton":null,"base_url":"https://db.example.com","results":[]})");
}

TEST(JsonCodecEncode, CursorHeaderAndEntries) {
  EXPECT_EQ(EncodeCursorHeader(CursorHeader{"b", std::nullopt}),
            "{\"baton\":\"b\",\"base_url\":null}\n");
  EXPECT_EQ(EncodeCursorHeader(CursorHeader{std::nullopt, "http://x"}),
            "{\"baton\":null,\"base_url\":\"http://x\"}\n");
  EXPECT_EQ(EncodeCursorEntry(StepBeginEntry{0, {{"nine", std::nullopt}}}),
            "{\"type\":\"step_begin\",\"step\":0,\"cols\":[{\"name\":\"nine\",\"decltype\":null}]}"
            "\n");
  EXPECT_EQ(EncodeCursorEntry(RowEntry{{Integer(9), Value(0.5)}}),
            "{\"type\":\"row\",\"row\":[{\"type\":\"integer\",\"value\":\"9\"},"
            "{\"type\":\"float\",\"value\":0.5}]}\n");
  EXPECT_EQ(EncodeCursorEntry(StepEndEntry{0, std::nullopt}),
            "{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}\n");
  EXPECT_EQ(EncodeCursorEntry(StepEndEntry{3, -5}),
            "{\"type\":\"step_end\",\"affected_row_count\":3,\"last_insert_rowid\":\"-5\"}\n");
  EXPECT_EQ(EncodeCursorEntry(StepErrorEntry{2, Error{"boom", "SQLITE_CONSTRAINT"}}),
            "{\"type\":\"step_error\",\"step\":2,\"error\":{\"message\":\"boom\","
            "\"code\":\"SQLITE_CONSTRAINT\"}}\n");
  EXPECT_EQ(EncodeCursorEntry(ErrorEntry{Error{"gone", "STREAM_EXPIRED"}}),
            "{\"type\":\"error\",\"error\":{\"message\":\"gone\",\"code\":\"STREAM_EXPIRED\"}}\n");
  EXPECT_EQ(EncodeCursorEntry(ReplicationIndexEntry{23}),
            "{\"type\":\"replication_index\",\"replication_index\":23}\n");
  EXPECT_EQ(EncodeCursorEntry(ReplicationIndexEntry{std::numeric_limits<uint64_t>::max()}),
            "{\"type\":\"replication_index\",\"replication_index\":18446744073709551615}\n");
  EXPECT_EQ(EncodeCursorEntry(ReplicationIndexEntry{std::nullopt}),
            "{\"type\":\"replication_index\",\"replication_index\":null}\n");
}

TEST(JsonCodecEncode, Errors) {
  EXPECT_EQ(EncodeError(Error{"The stream has expired due to inactivity", "STREAM_EXPIRED"}),
            R"({"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"})");
  EXPECT_EQ(EncodeError(Error{"a \"quoted\" \\ \x01", ""}),
            R"({"message":"a \"quoted\" \\ \u0001","code":""})");
  EXPECT_EQ(EncodeRequestError("Namespace `foo` doesn't exist"),
            R"({"error":"Namespace `foo` doesn't exist"})");
  EXPECT_EQ(EncodeRequestError("line\nbreak \"q\" \xFF"),
            "{\"error\":\"line\\nbreak \\\"q\\\" \xEF\xBF\xBD\"}");
}

TEST(JsonCodecEncode, LegacyResponse) {
  LegacyResult result;
  result.columns = {"x", "y\"", "z", "w", "v"};
  result.rows = {{Integer(42), Text("a"), Value(1.5), Value(Null{}), Value(Blob{"ab"})},
                 {Integer(kInt64Min), Text(""), Value(2.0),
                  Value(std::numeric_limits<double>::infinity()), Value(Blob{""})}};
  result.rows_read = 1;
  result.rows_written = 0;
  result.query_duration_ms = 0.5;
  const std::vector<LegacyStatementOutcome> outcomes = {
      result, std::string("UNIQUE constraint failed: t.x"), std::monostate{}};
  EXPECT_EQ(EncodeLegacyResponse(outcomes),
            R"([{"results":{"columns":["x","y\"","z","w","v"],)"
            R"("rows":[[42,"a",1.5,null,{"base64":"YWI"}],)"
            R"([-9223372036854775808,"",2.0,null,{"base64":""}]],)"
            R"("rows_read":1,"rows_written":0,"query_duration_ms":0.5}},)"
            R"({"error":"UNIQUE constraint failed: t.x"},null])");
  EXPECT_EQ(EncodeLegacyResponse({}), "[]");
}

}  // namespace
}  // namespace edgelite::hrana::json
