// Tests for the Hrana protobuf codec: golden bytes computed by hand from the Hrana 3 schemas (what
// clients parse), what every request decodes to, the message of every way a request can be wrong
// (what a user reads), and that malformed or hostile bytes only ever produce InvalidArgument.
// Requests are built, and responses parsed, with the classes generated from proto/hrana*.proto, so
// the codec's hand-written encoder is checked against the protobuf runtime.
#include "hrana/protobuf_codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "hrana.pb.h"
#include "hrana/json_codec.h"
#include "hrana_http.pb.h"
#include "hrana_ws.pb.h"
#include "unit/hrana/protobuf_test_support.h"

namespace edgelite::hrana::protobuf {
namespace {

namespace pb = ::hrana;
namespace pb_http = ::hrana::http;
namespace pb_ws = ::hrana::ws;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

using test::ErrorOf;
using test::Hex;
using test::Parse;
using test::Unhex;

Result<PipelineRequest> Decode(const pb_http::PipelineReqBody& body) {
  return DecodePipelineRequest(body.SerializeAsString());
}

pb_http::PipelineReqBody PipelineWithStmt(const pb::Stmt& stmt) {
  pb_http::PipelineReqBody body;
  *body.add_requests()->mutable_execute()->mutable_stmt() = stmt;
  return body;
}

Stmt DecodeStmt(const pb::Stmt& stmt) {
  Result<PipelineRequest> request = Decode(PipelineWithStmt(stmt));
  EXPECT_TRUE(request.ok()) << request.status().message();
  if (!request.ok()) return {};
  return std::get<ExecuteRequest>(request->requests.at(0)).stmt;
}

std::string StmtError(const pb::Stmt& stmt) {
  return ErrorOf(Decode(PipelineWithStmt(stmt)));
}

pb::Stmt SqlStmt(std::string sql) {
  pb::Stmt stmt;
  stmt.set_sql(std::move(sql));
  return stmt;
}

pb_http::PipelineReqBody PipelineWithCondition(const pb::BatchCond& condition) {
  pb_http::PipelineReqBody body;
  pb::BatchStep* step = body.add_requests()->mutable_batch()->mutable_batch()->add_steps();
  *step->mutable_condition() = condition;
  step->mutable_stmt()->set_sql("x");
  return body;
}

BatchCond DecodeCondition(const pb::BatchCond& condition) {
  Result<PipelineRequest> request = Decode(PipelineWithCondition(condition));
  EXPECT_TRUE(request.ok()) << request.status().message();
  if (!request.ok()) return {};
  return std::get<BatchRequest>(request->requests.at(0)).batch.steps.at(0).condition.value();
}

pb::BatchCond StepOk(uint32_t step) {
  pb::BatchCond cond;
  cond.set_step_ok(step);
  return cond;
}

// A length-delimited field: its tag, its varint length, then `bytes`.
std::string LengthDelimitedField(uint32_t field, std::string_view bytes) {
  std::string out(1, static_cast<char>(field << 3 | 2));
  std::size_t length = bytes.size();
  while (length >= 0x80) {
    out += static_cast<char>(length | 0x80);
    length >>= 7;
  }
  out += static_cast<char>(length);
  out.append(bytes);
  return out;
}

// Splits a cursor response body into its length-delimited messages.
std::vector<std::string> SplitLengthDelimited(std::string_view stream) {
  std::vector<std::string> messages;
  while (!stream.empty()) {
    uint64_t length = 0;
    int shift = 0;
    std::size_t i = 0;
    while (true) {
      const auto byte = static_cast<unsigned char>(stream.at(i++));
      length |= uint64_t(byte & 0x7F) << shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    messages.emplace_back(stream.substr(i, length));
    EXPECT_LE(i + length, stream.size());
    stream.remove_prefix(std::min(stream.size(), i + length));
  }
  return messages;
}

StmtResult SampleStmtResult() {
  StmtResult result;
  result.cols = {{"x", std::nullopt}};
  result.rows = {{Value(int64_t{42})}};
  result.replication_index = 7;
  result.rows_read = 1;
  return result;
}

// --- Decoding pipelines ---

TEST(ProtobufCodecPipeline, DecodesHandEncodedRequestOfHranaClient) {
  // {requests: [execute {stmt {sql: "select 1", want_rows: true}}, close {}]}, computed by hand.
  Result<PipelineRequest> request = DecodePipelineRequest(
      Unhex("12 10 12 0e 0a 0c 0a 08 73 65 6c 65 63 74 20 31 28 01 12 02 0a 00"));
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_FALSE(request->baton.has_value());
  ASSERT_EQ(request->requests.size(), 2u);
  const Stmt& stmt = std::get<ExecuteRequest>(request->requests[0]).stmt;
  EXPECT_EQ(stmt.sql, "select 1");
  EXPECT_FALSE(stmt.sql_id.has_value());
  EXPECT_TRUE(stmt.want_rows);
  EXPECT_TRUE(stmt.args.empty());
  EXPECT_FALSE(stmt.replication_index.has_value());
  EXPECT_TRUE(std::holds_alternative<CloseRequest>(request->requests[1]));
}

TEST(ProtobufCodecPipeline, EmptyBodyIsAnEmptyPipeline) {
  // Every field of PipelineReqBody may be absent, so zero bytes are a valid message.
  Result<PipelineRequest> request = DecodePipelineRequest("");
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_FALSE(request->baton.has_value());
  EXPECT_TRUE(request->requests.empty());
}

TEST(ProtobufCodecPipeline, DecodesBaton) {
  pb_http::PipelineReqBody body;
  body.set_baton("abc");
  Result<PipelineRequest> request = Decode(body);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->baton, "abc");
  body.set_baton("");  // present but empty is still present
  request = Decode(body);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->baton, "");
}

TEST(ProtobufCodecPipeline, DecodesEveryRequestType) {
  pb_http::PipelineReqBody body;
  body.add_requests()->mutable_close();
  body.add_requests()->mutable_execute()->mutable_stmt()->set_sql_id(7);
  pb::Batch* batch = body.add_requests()->mutable_batch()->mutable_batch();
  batch->add_steps()->mutable_stmt()->set_sql("a");
  batch->set_replication_index(9);
  pb_http::SequenceStreamReq* sequence = body.add_requests()->mutable_sequence();
  sequence->set_sql("a;b");
  sequence->set_replication_index(12);
  body.add_requests()->mutable_sequence()->set_sql_id(3);
  body.add_requests()->mutable_describe()->set_sql("select ?");
  pb_http::DescribeStreamReq* describe = body.add_requests()->mutable_describe();
  describe->set_sql_id(-4);
  describe->set_replication_index(std::numeric_limits<uint64_t>::max());
  pb_http::StoreSqlStreamReq* store = body.add_requests()->mutable_store_sql();
  store->set_sql_id(2147483647);
  store->set_sql("select 2");
  body.add_requests()->mutable_close_sql()->set_sql_id(-2147483648);
  body.add_requests()->mutable_get_autocommit();

  Result<PipelineRequest> request = Decode(body);
  ASSERT_TRUE(request.ok()) << request.status().message();
  const auto& requests = request->requests;
  ASSERT_EQ(requests.size(), 10u);
  EXPECT_TRUE(std::holds_alternative<CloseRequest>(requests[0]));
  EXPECT_EQ(std::get<ExecuteRequest>(requests[1]).stmt.sql_id, 7);
  EXPECT_FALSE(std::get<ExecuteRequest>(requests[1]).stmt.sql.has_value());
  const Batch& decoded_batch = std::get<BatchRequest>(requests[2]).batch;
  ASSERT_EQ(decoded_batch.steps.size(), 1u);
  EXPECT_EQ(decoded_batch.steps[0].stmt.sql, "a");
  EXPECT_FALSE(decoded_batch.steps[0].condition.has_value());
  EXPECT_EQ(decoded_batch.replication_index, 9u);
  EXPECT_EQ(std::get<SequenceRequest>(requests[3]).sql, "a;b");
  EXPECT_EQ(std::get<SequenceRequest>(requests[3]).replication_index, 12u);
  EXPECT_EQ(std::get<SequenceRequest>(requests[4]).sql_id, 3);
  EXPECT_FALSE(std::get<SequenceRequest>(requests[4]).sql.has_value());
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

TEST(ProtobufCodecPipeline, ExtensionFieldsUseLibsqlTags) {
  // sequence {sql: "x", replication_index: 300}: tag 3 of SequenceStreamReq (0x18).
  Result<PipelineRequest> sequence = DecodePipelineRequest(Unhex("12 08 22 06 0a 01 78 18 ac 02"));
  ASSERT_TRUE(sequence.ok()) << sequence.status().message();
  EXPECT_EQ(std::get<SequenceRequest>(sequence->requests.at(0)).replication_index, 300u);
  // describe {sql: "x", replication_index: 1}: tag 3 of DescribeStreamReq.
  Result<PipelineRequest> describe = DecodePipelineRequest(Unhex("12 07 2a 05 0a 01 78 18 01"));
  ASSERT_TRUE(describe.ok()) << describe.status().message();
  EXPECT_EQ(std::get<DescribeRequest>(describe->requests.at(0)).replication_index, 1u);
  // execute {stmt {sql: "x", replication_index: 5}}: tag 6 of Stmt (0x30).
  Result<PipelineRequest> execute =
      DecodePipelineRequest(Unhex("12 09 12 07 0a 05 0a 01 78 30 05"));
  ASSERT_TRUE(execute.ok()) << execute.status().message();
  EXPECT_EQ(std::get<ExecuteRequest>(execute->requests.at(0)).stmt.replication_index, 5u);
  // batch {batch {steps: [], replication_index: 6}}: tag 2 of Batch (0x10).
  Result<PipelineRequest> batch = DecodePipelineRequest(Unhex("12 06 1a 04 0a 02 10 06"));
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  EXPECT_EQ(std::get<BatchRequest>(batch->requests.at(0)).batch.replication_index, 6u);
}

TEST(ProtobufCodecPipeline, IgnoresUnknownFields) {
  // Forward compatibility (the spec requires it): an unknown field 15 of each wire type in the
  // body, and one in a stmt.
  const std::string unknown = Unhex("78 05 7a 02 01 02 79 00 00 00 00 00 00 00 00");
  pb_http::PipelineReqBody body = PipelineWithStmt(SqlStmt("s"));
  std::string bytes = body.SerializeAsString() + unknown;
  Result<PipelineRequest> request = DecodePipelineRequest(bytes);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(std::get<ExecuteRequest>(request->requests.at(0)).stmt.sql, "s");

  // execute {stmt {sql: "s", <field 15 varint>}}
  request = DecodePipelineRequest(Unhex("12 09 12 07 0a 05 0a 01 73 78 01"));
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(std::get<ExecuteRequest>(request->requests.at(0)).stmt.sql, "s");
}

TEST(ProtobufCodecPipeline, RejectsUnknownOrMissingRequestType) {
  // A StreamRequest with no known oneof member: empty, or only an unknown field 9.
  EXPECT_EQ(ErrorOf(DecodePipelineRequest(Unhex("12 00"))),
            "invalid request body at requests[0]: unknown or missing request type; expected one "
            "of close (field 1), execute (2), batch (3), sequence (4), describe (5), store_sql "
            "(6), close_sql (7) or get_autocommit (8)");
  EXPECT_TRUE(ErrorOf(DecodePipelineRequest(Unhex("12 02 0a 00 12 02 4a 00")))
                  .starts_with("invalid request body at requests[1]: unknown or missing request "
                               "type"));
}

TEST(ProtobufCodecPipeline, RejectsMissingRequestFields) {
  pb_http::PipelineReqBody body;
  body.add_requests()->mutable_execute();
  EXPECT_EQ(ErrorOf(Decode(body)),
            "invalid request body at requests[0].execute: missing required field \"stmt\"");
  body.Clear();
  body.add_requests()->mutable_batch();
  EXPECT_EQ(ErrorOf(Decode(body)),
            "invalid request body at requests[0].batch: missing required field \"batch\"");
  body.Clear();
  body.add_requests()->mutable_close();
  body.add_requests()->mutable_sequence();
  EXPECT_EQ(ErrorOf(Decode(body)),
            "invalid request body at requests[1].sequence: missing required field \"sql\" (or "
            "\"sql_id\")");
  body.Clear();
  body.add_requests()->mutable_describe()->set_sql("a");
  body.mutable_requests(0)->mutable_describe()->set_sql_id(1);
  EXPECT_EQ(ErrorOf(Decode(body)),
            "invalid request body at requests[0].describe: both \"sql\" and \"sql_id\" are "
            "given; send exactly one");
}

TEST(ProtobufCodecPipeline, StoreSqlWithoutSqlIsEmptySql) {
  // proto3 cannot tell an absent `sql` from an empty one; the executor decides what "" means.
  pb_http::PipelineReqBody body;
  body.add_requests()->mutable_store_sql()->set_sql_id(1);
  Result<PipelineRequest> request = Decode(body);
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(std::get<StoreSqlRequest>(request->requests[0]).sql_id, 1);
  EXPECT_EQ(std::get<StoreSqlRequest>(request->requests[0]).sql, "");
}

// --- Decoding statements and values ---

TEST(ProtobufCodecStmt, DecodesAllFields) {
  pb::Stmt in = SqlStmt("select ?, :a");
  in.add_args()->set_integer(5);
  pb::NamedArg* named = in.add_named_args();
  named->set_name(":a");
  named->mutable_value()->set_text("t");
  in.set_want_rows(false);
  in.set_replication_index(77);
  const Stmt stmt = DecodeStmt(in);
  EXPECT_EQ(stmt.sql, "select ?, :a");
  ASSERT_EQ(stmt.args.size(), 1u);
  EXPECT_EQ(stmt.args[0], Value(int64_t{5}));
  ASSERT_EQ(stmt.named_args.size(), 1u);
  EXPECT_EQ(stmt.named_args[0].name, ":a");
  EXPECT_EQ(stmt.named_args[0].value, Value(std::string("t")));
  EXPECT_FALSE(stmt.want_rows);
  EXPECT_EQ(stmt.replication_index, 77u);
}

TEST(ProtobufCodecStmt, WantRowsDefaultsToTrue) {
  EXPECT_TRUE(DecodeStmt(SqlStmt("s")).want_rows);
  pb::Stmt in = SqlStmt("s");
  in.set_want_rows(true);
  EXPECT_TRUE(DecodeStmt(in).want_rows);
}

TEST(ProtobufCodecStmt, RequiresExactlyOneOfSqlAndSqlId) {
  EXPECT_EQ(StmtError(pb::Stmt()),
            "invalid request body at requests[0].execute.stmt: missing required field \"sql\" (or "
            "\"sql_id\")");
  pb::Stmt both = SqlStmt("s");
  both.set_sql_id(1);
  EXPECT_EQ(StmtError(both),
            "invalid request body at requests[0].execute.stmt: both \"sql\" and \"sql_id\" are "
            "given; send exactly one");
  // An empty SQL text is present, unlike in JSON where it would be too; SQLite reports it.
  EXPECT_EQ(DecodeStmt(SqlStmt("")).sql, "");
}

TEST(ProtobufCodecStmt, PositionalAndNamedArgsTogetherAreTheExecutorsToReject) {
  // ARGS_BOTH_POSITIONAL_AND_NAMED is a statement error in the result, not a 400: the codec passes
  // both on, as the JSON codec does.
  pb::Stmt in = SqlStmt("s");
  in.add_args()->mutable_null();
  pb::NamedArg* named = in.add_named_args();
  named->set_name("a");
  named->mutable_value()->mutable_null();
  const Stmt stmt = DecodeStmt(in);
  EXPECT_EQ(stmt.args.size(), 1u);
  EXPECT_EQ(stmt.named_args.size(), 1u);
}

TEST(ProtobufCodecStmt, RejectsMalformedArgs) {
  pb::Stmt no_type = SqlStmt("s");
  no_type.add_args()->mutable_null();
  no_type.add_args();
  EXPECT_EQ(StmtError(no_type),
            "invalid request body at requests[0].execute.stmt.args[1]: the value has no type; "
            "expected one of null (field 1), integer (2), float (3), text (4) or blob (5)");
  pb::Stmt no_value = SqlStmt("s");
  no_value.add_named_args()->set_name("a");
  EXPECT_EQ(StmtError(no_value),
            "invalid request body at requests[0].execute.stmt.named_args[0]: missing required "
            "field \"value\"");
  pb::Stmt empty_value = SqlStmt("s");
  pb::NamedArg* named = empty_value.add_named_args();
  named->set_name("a");
  named->mutable_value();
  EXPECT_TRUE(StmtError(empty_value)
                  .starts_with("invalid request body at requests[0].execute.stmt.named_args[0]."
                               "value: the value has no type"));
}

TEST(ProtobufCodecValue, DecodesEveryType) {
  pb::Stmt in = SqlStmt("s");
  in.add_args()->mutable_null();
  for (int64_t integer : {int64_t{0}, int64_t{-1}, kInt64Min, kInt64Max}) {
    in.add_args()->set_integer(integer);
  }
  in.add_args()->set_float_(0.1);
  in.add_args()->set_float_(-0.0);
  in.add_args()->set_float_(std::numeric_limits<double>::infinity());
  in.add_args()->set_float_(std::nan(""));
  in.add_args()->set_text("h\xC3\xA9 \xF0\x9F\x98\x80");
  in.add_args()->set_text("");
  in.add_args()->set_blob(std::string("\x00\xFF\x80", 3));
  in.add_args()->set_blob("");
  const Stmt stmt = DecodeStmt(in);
  ASSERT_EQ(stmt.args.size(), 13u);
  EXPECT_EQ(stmt.args[0], Value(Null{}));
  EXPECT_EQ(stmt.args[1], Value(int64_t{0}));
  EXPECT_EQ(stmt.args[2], Value(int64_t{-1}));
  EXPECT_EQ(stmt.args[3], Value(kInt64Min));
  EXPECT_EQ(stmt.args[4], Value(kInt64Max));
  EXPECT_EQ(stmt.args[5], Value(0.1));
  EXPECT_TRUE(std::signbit(std::get<double>(stmt.args[6])));
  EXPECT_EQ(stmt.args[7], Value(std::numeric_limits<double>::infinity()));
  // Protobuf can carry NaN (JSON cannot); SQLite binds it as NULL.
  EXPECT_TRUE(std::isnan(std::get<double>(stmt.args[8])));
  EXPECT_EQ(stmt.args[9], Value(std::string("h\xC3\xA9 \xF0\x9F\x98\x80")));
  EXPECT_EQ(stmt.args[10], Value(std::string()));
  EXPECT_EQ(stmt.args[11], Value(Blob{std::string("\x00\xFF\x80", 3)}));
  EXPECT_EQ(stmt.args[12], Value(Blob{}));
}

TEST(ProtobufCodecValue, LastOneofMemberWins) {
  // Protobuf merge semantics: a Value with integer 1 followed by text "a" is the text.
  Result<PipelineRequest> request =
      DecodePipelineRequest(Unhex("12 0e 12 0c 0a 0a 0a 01 73 1a 05 10 02 22 01 61"));
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(std::get<ExecuteRequest>(request->requests[0]).stmt.args.at(0),
            Value(std::string("a")));
}

TEST(ProtobufCodecValue, SintIsZigZag) {
  // Stmt {sql: "s", args: [{integer: -2}, {integer: 2}]}: zigzag(-2) = 3, zigzag(2) = 4.
  const Stmt stmt = [] {
    Result<PipelineRequest> request =
        DecodePipelineRequest(Unhex("12 0f 12 0d 0a 0b 0a 01 73 1a 02 10 03 1a 02 10 04"));
    EXPECT_TRUE(request.ok()) << request.status().message();
    return std::get<ExecuteRequest>(request->requests.at(0)).stmt;
  }();
  ASSERT_EQ(stmt.args.size(), 2u);
  EXPECT_EQ(stmt.args[0], Value(int64_t{-2}));
  EXPECT_EQ(stmt.args[1], Value(int64_t{2}));
}

// --- UTF-8 ---

TEST(ProtobufCodecUtf8, RejectsInvalidUtf8NamingTheField) {
  // Truncated, overlong, a surrogate, beyond U+10FFFF, a stray continuation byte.
  for (const std::string bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80"}) {
    pb::Stmt text_arg = SqlStmt("s");
    text_arg.add_args()->mutable_null();
    text_arg.add_args()->set_text("ab" + bad);
    char first_byte[5];
    std::snprintf(first_byte, sizeof(first_byte), "0x%02X", static_cast<unsigned char>(bad[0]));
    EXPECT_EQ(StmtError(text_arg),
              "invalid request body at requests[0].execute.stmt.args[1].text: not valid UTF-8 "
              "(byte " +
                  std::string(first_byte) +
                  " at offset 2); text must be UTF-8, send other bytes as a blob")
        << Hex(bad);
  }
  pb::Stmt text_arg = SqlStmt("s");
  text_arg.add_args()->set_text("ab\xFF");
  EXPECT_EQ(StmtError(text_arg),
            "invalid request body at requests[0].execute.stmt.args[0].text: not valid UTF-8 (byte "
            "0xFF at offset 2); text must be UTF-8, send other bytes as a blob");
  EXPECT_TRUE(StmtError(SqlStmt("select \xC0\xAF"))
                  .starts_with("invalid request body at requests[0].execute.stmt.sql: not valid "
                               "UTF-8 (byte 0xC0 at offset 7)"));
  pb::Stmt named = SqlStmt("s");
  named.add_named_args()->set_name("\xED\xA0\x80");
  named.mutable_named_args(0)->mutable_value()->mutable_null();
  EXPECT_TRUE(StmtError(named).starts_with(
      "invalid request body at requests[0].execute.stmt.named_args[0].name: not valid UTF-8 "
      "(byte 0xED at offset 0)"));
  pb_http::PipelineReqBody baton;
  baton.set_baton("\x80");
  EXPECT_TRUE(ErrorOf(Decode(baton)).starts_with("invalid request body at baton: not valid UTF-8"));
  pb_http::PipelineReqBody store;
  store.add_requests()->mutable_store_sql()->set_sql("\xF4\x90\x80\x80");
  EXPECT_TRUE(ErrorOf(Decode(store))
                  .starts_with("invalid request body at requests[0].store_sql.sql: not valid UTF-8 "
                               "(byte 0xF4 at offset "
                               "0)"));
  // Blobs are bytes: anything goes.
  pb::Stmt blob = SqlStmt("s");
  blob.add_args()->set_blob("\xFF\xC0");
  EXPECT_EQ(DecodeStmt(blob).args.at(0), Value(Blob{"\xFF\xC0"}));
}

TEST(ProtobufCodecUtf8, RepairsInvalidUtf8InResultsLikeTheJsonCodec) {
  StmtResult result;
  result.cols = {{"c\xFF", "T\xC3"}};
  result.rows = {
      {Value(std::string("bad \xED\xA0\x80 ok \xC3\xA9")), Value(std::string("\xF0\x90\x80"))}};
  PipelineResponse response;
  response.results.emplace_back(StreamResponse(ExecuteResponse{result}));
  response.results.emplace_back(Error{"msg \xFE", "CODE\xC3"});
  const auto parsed = Parse<pb_http::PipelineRespBody>(EncodePipelineResponse(response));
  const pb::StmtResult& out = parsed.results(0).ok().execute().result();
  EXPECT_EQ(out.cols(0).name(), "c\xEF\xBF\xBD");
  EXPECT_EQ(out.cols(0).decltype_(), "T\xEF\xBF\xBD");
  EXPECT_EQ(out.rows(0).values(0).text(), "bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ok \xC3\xA9");
  // A three-byte maximal subpart becomes one three-byte U+FFFD: the same length, still repaired.
  EXPECT_EQ(out.rows(0).values(1).text(), "\xEF\xBF\xBD");
  EXPECT_EQ(parsed.results(1).error().message(), "msg \xEF\xBF\xBD");
  EXPECT_EQ(parsed.results(1).error().code(), "CODE\xEF\xBF\xBD");

  // The same text as the JSON encoding carries.
  const std::string json = json::EncodeV1ExecuteResponse(result);
  EXPECT_NE(json.find("\"bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ok \xC3\xA9\""),
            std::string::npos);
}

TEST(ProtobufCodecUtf8, ValidTextIsCopiedUnchanged) {
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "abcdefg \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  StmtResult result;
  result.rows = {{Value(long_text), Value(std::string(1000, 'x'))}};
  const auto parsed = Parse<pb_http::PipelineRespBody>(EncodePipelineResponse(
      {std::nullopt, std::nullopt, {StreamResponse(ExecuteResponse{result})}}));
  EXPECT_EQ(parsed.results(0).ok().execute().result().rows(0).values(0).text(), long_text);
  EXPECT_EQ(parsed.results(0).ok().execute().result().rows(0).values(1).text(),
            std::string(1000, 'x'));
}

// --- Batches and conditions ---

TEST(ProtobufCodecBatch, DecodesEveryConditionType) {
  EXPECT_EQ(DecodeCondition(StepOk(0)).kind, BatchCond::Kind::kOk);
  EXPECT_EQ(DecodeCondition(StepOk(0)).step, 0u);

  pb::BatchCond error;
  error.set_step_error(4294967295u);
  EXPECT_EQ(DecodeCondition(error).kind, BatchCond::Kind::kError);
  EXPECT_EQ(DecodeCondition(error).step, 4294967295u);

  pb::BatchCond negation;
  *negation.mutable_not_() = StepOk(2);
  const BatchCond decoded_not = DecodeCondition(negation);
  EXPECT_EQ(decoded_not.kind, BatchCond::Kind::kNot);
  ASSERT_EQ(decoded_not.conds.size(), 1u);
  EXPECT_EQ(decoded_not.conds[0].kind, BatchCond::Kind::kOk);
  EXPECT_EQ(decoded_not.conds[0].step, 2u);

  pb::BatchCond conjunction;
  *conjunction.mutable_and_()->add_conds() = StepOk(1);
  conjunction.mutable_and_()->add_conds()->mutable_is_autocommit();
  const BatchCond decoded_and = DecodeCondition(conjunction);
  EXPECT_EQ(decoded_and.kind, BatchCond::Kind::kAnd);
  ASSERT_EQ(decoded_and.conds.size(), 2u);
  EXPECT_EQ(decoded_and.conds[1].kind, BatchCond::Kind::kIsAutocommit);

  pb::BatchCond disjunction;
  disjunction.mutable_or_();  // an empty list is allowed (and evaluates to false)
  const BatchCond decoded_or = DecodeCondition(disjunction);
  EXPECT_EQ(decoded_or.kind, BatchCond::Kind::kOr);
  EXPECT_TRUE(decoded_or.conds.empty());

  pb::BatchCond autocommit;
  autocommit.mutable_is_autocommit();
  EXPECT_EQ(DecodeCondition(autocommit).kind, BatchCond::Kind::kIsAutocommit);
}

TEST(ProtobufCodecBatch, DoesNotCheckThatStepsPrecedeTheCurrentOne) {
  EXPECT_EQ(DecodeCondition(StepOk(9)).step, 9u);  // the executor's 400, not the codec's
}

TEST(ProtobufCodecBatch, RejectsMalformedConditions) {
  EXPECT_EQ(ErrorOf(Decode(PipelineWithCondition(pb::BatchCond()))),
            "invalid request body at requests[0].batch.batch.steps[0].condition: the condition has "
            "no type; expected one of step_ok (field 1), step_error (2), not (3), and (4), or (5) "
            "or is_autocommit (6)");
  pb::BatchCond nested;
  *nested.mutable_or_()->add_conds() = StepOk(0);
  nested.mutable_or_()->add_conds()->mutable_not_();
  EXPECT_TRUE(ErrorOf(Decode(PipelineWithCondition(nested)))
                  .starts_with("invalid request body at requests[0].batch.batch.steps[0]."
                               "condition.or.conds[1].not: the condition has no type"));
}

TEST(ProtobufCodecBatch, RejectsStepWithoutStmt) {
  pb_http::PipelineReqBody body;
  body.add_requests()->mutable_batch()->mutable_batch()->add_steps();
  EXPECT_EQ(ErrorOf(Decode(body)),
            "invalid request body at requests[0].batch.batch.steps[0]: missing required field "
            "\"stmt\"");
}

TEST(ProtobufCodecBatch, BoundsConditionDepth) {
  // `not` nested 100 deep is accepted, 101 is not; `and` costs two message levels per condition
  // and still reaches the codec's own limit rather than the parser's.
  auto nested_not = [](int depth) {
    pb::BatchCond cond = StepOk(0);
    for (int i = 1; i < depth; ++i) {
      pb::BatchCond outer;
      *outer.mutable_not_() = std::move(cond);
      cond = std::move(outer);
    }
    return cond;
  };
  EXPECT_EQ(DecodeCondition(nested_not(100)).kind, BatchCond::Kind::kNot);
  EXPECT_TRUE(ErrorOf(Decode(PipelineWithCondition(nested_not(101))))
                  .ends_with("batch conditions are nested more than 100 levels deep"));

  pb::BatchCond cond = StepOk(0);
  for (int i = 1; i < 101; ++i) {
    pb::BatchCond outer;
    *outer.mutable_and_()->add_conds() = std::move(cond);
    cond = std::move(outer);
  }
  EXPECT_TRUE(ErrorOf(Decode(PipelineWithCondition(cond)))
                  .ends_with("batch conditions are nested more than 100 levels deep"));

  // Nesting beyond what the parser accepts is a plain parse error, never a stack overflow.
  std::string deep = Unhex("08 00");                                    // BatchCond {step_ok: 0}
  for (int i = 0; i < 5000; ++i) deep = LengthDelimitedField(3, deep);  // not
  const std::string body = LengthDelimitedField(
      2, LengthDelimitedField(
             3, LengthDelimitedField(1, LengthDelimitedField(1, LengthDelimitedField(1, deep)))));
  EXPECT_EQ(ErrorOf(DecodePipelineRequest(body)),
            "invalid protobuf in request body: it is not a well-formed hrana.http.PipelineReqBody "
            "message (truncated, malformed, or nested more than 256 levels deep)");
}

// --- Cursor requests ---

TEST(ProtobufCodecCursor, DecodesRequest) {
  pb_http::CursorReqBody body;
  body.set_baton("b");
  pb::BatchStep* step = body.mutable_batch()->add_steps();
  step->mutable_stmt()->set_sql("select 1");
  pb::BatchStep* second = body.mutable_batch()->add_steps();
  *second->mutable_condition() = StepOk(0);
  second->mutable_stmt()->set_sql_id(3);
  body.mutable_batch()->set_replication_index(10);
  Result<CursorRequest> request = DecodeCursorRequest(body.SerializeAsString());
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->baton, "b");
  ASSERT_EQ(request->batch.steps.size(), 2u);
  EXPECT_EQ(request->batch.steps[0].stmt.sql, "select 1");
  EXPECT_EQ(request->batch.steps[1].condition->kind, BatchCond::Kind::kOk);
  EXPECT_EQ(request->batch.steps[1].stmt.sql_id, 3);
  EXPECT_EQ(request->batch.replication_index, 10u);

  // An empty batch is present (a client always sends the field).
  Result<CursorRequest> empty = DecodeCursorRequest(Unhex("12 00"));
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_FALSE(empty->baton.has_value());
  EXPECT_TRUE(empty->batch.steps.empty());
}

TEST(ProtobufCodecCursor, RejectsMalformedRequests) {
  EXPECT_EQ(ErrorOf(DecodeCursorRequest("")),
            "invalid request body: missing required field \"batch\"");
  pb_http::CursorReqBody body;
  body.mutable_batch()->add_steps()->mutable_stmt();
  EXPECT_EQ(ErrorOf(DecodeCursorRequest(body.SerializeAsString())),
            "invalid request body at batch.steps[0].stmt: missing required field \"sql\" (or "
            "\"sql_id\")");
}

// --- Malformed bytes ---

TEST(ProtobufCodecMalformed, RejectsTruncatedMessagesAtEveryLength) {
  pb_http::PipelineReqBody body = PipelineWithStmt(SqlStmt("select 1"));
  body.set_baton("baton");
  body.mutable_requests(0)->mutable_execute()->mutable_stmt()->add_args()->set_text("hello");
  const std::string bytes = body.SerializeAsString();
  ASSERT_TRUE(DecodePipelineRequest(bytes).ok());
  int parse_errors = 0;
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    // A cut on a field boundary is a valid, shorter message; any other cut is a parse error.
    Result<PipelineRequest> request = DecodePipelineRequest(bytes.substr(0, length));
    if (!request.ok()) {
      EXPECT_EQ(request.status().kind(), ErrorKind::kInvalidArgument);
      if (request.status().message().starts_with("invalid protobuf")) ++parse_errors;
    }
  }
  EXPECT_GT(parse_errors, 0);
  EXPECT_EQ(ErrorOf(DecodePipelineRequest(bytes.substr(0, bytes.size() - 1))),
            "invalid protobuf in request body: it is not a well-formed hrana.http.PipelineReqBody "
            "message (truncated, malformed, or nested more than 256 levels deep)");
}

TEST(ProtobufCodecMalformed, RejectsInvalidWireData) {
  // Field number 0.
  EXPECT_TRUE(ErrorOf(DecodePipelineRequest(Unhex("02 00"))).starts_with("invalid protobuf"));
  // A length beyond the end.
  EXPECT_TRUE(ErrorOf(DecodePipelineRequest(Unhex("12 05 0a 00"))).starts_with("invalid protobuf"));
  // A varint longer than ten bytes.
  EXPECT_TRUE(ErrorOf(DecodePipelineRequest(Unhex("78 ff ff ff ff ff ff ff ff ff ff 01")))
                  .starts_with("invalid protobuf"));
  // Wire types 6 and 7 do not exist.
  EXPECT_TRUE(ErrorOf(DecodePipelineRequest(Unhex("7e 00"))).starts_with("invalid protobuf"));
  EXPECT_TRUE(ErrorOf(DecodePipelineRequest(Unhex("7f 00"))).starts_with("invalid protobuf"));
  // An end-group tag at the top level would stop the parser; what follows is not ignored.
  EXPECT_TRUE(
      ErrorOf(DecodePipelineRequest(Unhex("0c 12 02 0a 00"))).starts_with("invalid protobuf"));
  // Unbalanced groups.
  EXPECT_TRUE(ErrorOf(DecodePipelineRequest(Unhex("7b 00"))).starts_with("invalid protobuf"));
}

TEST(ProtobufCodecMalformed, WrongWireTypeIsAnUnknownField) {
  // Protobuf treats a known field number with another wire type as an unknown field, so the field
  // reads as absent and the usual message says so: here Stmt.sql (1) sent as a varint.
  EXPECT_EQ(ErrorOf(DecodePipelineRequest(Unhex("12 06 12 04 0a 02 08 01"))),
            "invalid request body at requests[0].execute.stmt: missing required field \"sql\" (or "
            "\"sql_id\")");
  // And `requests` (2) sent as a varint leaves an empty pipeline.
  Result<PipelineRequest> request = DecodePipelineRequest(Unhex("10 01"));
  ASSERT_TRUE(request.ok());
  EXPECT_TRUE(request->requests.empty());
}

TEST(ProtobufCodecMalformed, GarbageNeverCrashes) {
  std::mt19937 random(12345);
  pb_http::PipelineReqBody valid = PipelineWithCondition(StepOk(0));
  valid.mutable_requests(0)
      ->mutable_batch()
      ->mutable_batch()
      ->mutable_steps(0)
      ->mutable_stmt()
      ->add_args()
      ->set_text("text");
  const std::string seed = valid.SerializeAsString();
  pb_ws::ClientMsg ws_valid;
  ws_valid.mutable_request()->mutable_execute()->mutable_stmt()->set_sql("x");
  const std::string ws_seed = ws_valid.SerializeAsString();
  for (int i = 0; i < 20000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(random() % 48);
      for (char& byte : bytes) byte = static_cast<char>(random());
    } else {
      bytes = i % 4 == 1 ? seed : ws_seed;
      const int flips = 1 + random() % 3;
      for (int f = 0; f < flips; ++f) bytes[random() % bytes.size()] = static_cast<char>(random());
    }
    for (auto status : {DecodePipelineRequest(bytes).status(), DecodeCursorRequest(bytes).status(),
                        DecodeClientMsg(bytes).status()}) {
      if (!status.ok()) {
        EXPECT_EQ(status.kind(), ErrorKind::kInvalidArgument) << Hex(bytes);
      }
    }
  }
}

// --- Encoding pipeline responses ---

TEST(ProtobufCodecEncode, PipelineResponseGoldenBytes) {
  PipelineResponse response;
  response.baton = "xy";
  response.results.emplace_back(StreamResponse(ExecuteResponse{SampleStmtResult()}));
  response.results.emplace_back(Error{"no", "E"});
  response.results.emplace_back(StreamResponse(CloseResponse{}));
  // Computed by hand: baton (1); results (3): ok (1) { execute (2) { result (1) { cols (1)
  // {name: "x"}, rows (2) {values {integer (2): zigzag 42 = 0x54}}, replication_index (5): 7,
  // rows_read (6): 1 }}}; error (2) {message: "no", code: "E"}; ok {close (1) {}}.
  EXPECT_EQ(Hex(EncodePipelineResponse(response)),
            "0a 02 78 79 "
            "1a 15 0a 13 12 11 0a 0f 0a 03 0a 01 78 12 04 0a 02 10 54 28 07 30 01 "
            "1a 09 12 07 0a 02 6e 6f 12 01 45 "
            "1a 04 0a 02 0a 00");
}

TEST(ProtobufCodecEncode, EmptyPipelineResponseIsEmpty) {
  EXPECT_EQ(EncodePipelineResponse({}), "");
}

TEST(ProtobufCodecEncode, PipelineResponseWithEveryResponseType) {
  PipelineResponse response;
  response.baton = "b";
  response.base_url = "http://x";
  response.results.emplace_back(StreamResponse(CloseResponse{}));
  response.results.emplace_back(StreamResponse(ExecuteResponse{SampleStmtResult()}));
  BatchResult batch;
  batch.step_results = {SampleStmtResult(), std::nullopt, std::nullopt, StmtResult{}};
  batch.step_errors = {std::nullopt, Error{"boom", "SQLITE_ERROR"}, std::nullopt, std::nullopt};
  batch.replication_index = 3;
  response.results.emplace_back(StreamResponse(BatchResponse{batch}));
  response.results.emplace_back(StreamResponse(SequenceResponse{}));
  DescribeResult describe;
  describe.params = {{":a"}, {std::nullopt}};
  describe.cols = {{"c", "INTEGER"}, {"d", std::nullopt}};
  describe.is_explain = false;
  describe.is_readonly = true;
  response.results.emplace_back(StreamResponse(DescribeResponse{describe}));
  response.results.emplace_back(StreamResponse(StoreSqlResponse{}));
  response.results.emplace_back(StreamResponse(CloseSqlResponse{}));
  response.results.emplace_back(StreamResponse(GetAutocommitResponse{true}));
  response.results.emplace_back(StreamResponse(GetAutocommitResponse{false}));
  response.results.emplace_back(Error{"bad", "SQL_PARSE_ERROR"});

  const auto parsed = Parse<pb_http::PipelineRespBody>(EncodePipelineResponse(response));
  EXPECT_EQ(parsed.baton(), "b");
  EXPECT_EQ(parsed.base_url(), "http://x");
  ASSERT_EQ(parsed.results_size(), 10);
  using R = pb_http::StreamResponse;
  EXPECT_EQ(parsed.results(0).ok().response_case(), R::kClose);
  EXPECT_EQ(parsed.results(1).ok().execute().result().rows(0).values(0).integer(), 42);

  const pb::BatchResult& batch_result = parsed.results(2).ok().batch().result();
  // Map entries only for the steps that have a result or an error.
  ASSERT_EQ(batch_result.step_results_size(), 2);
  EXPECT_EQ(batch_result.step_results().at(0).cols(0).name(), "x");
  EXPECT_EQ(batch_result.step_results().count(3), 1u);
  EXPECT_EQ(batch_result.step_results().count(1), 0u);
  ASSERT_EQ(batch_result.step_errors_size(), 1);
  EXPECT_EQ(batch_result.step_errors().at(1).message(), "boom");
  EXPECT_EQ(batch_result.step_errors().at(1).code(), "SQLITE_ERROR");

  EXPECT_EQ(parsed.results(3).ok().response_case(), R::kSequence);
  const pb::DescribeResult& described = parsed.results(4).ok().describe().result();
  ASSERT_EQ(described.params_size(), 2);
  EXPECT_EQ(described.params(0).name(), ":a");
  EXPECT_FALSE(described.params(1).has_name());
  ASSERT_EQ(described.cols_size(), 2);
  EXPECT_EQ(described.cols(0).name(), "c");
  EXPECT_EQ(described.cols(0).decltype_(), "INTEGER");
  EXPECT_FALSE(described.cols(1).has_decltype_());
  EXPECT_FALSE(described.is_explain());
  EXPECT_TRUE(described.is_readonly());
  EXPECT_EQ(parsed.results(5).ok().response_case(), R::kStoreSql);
  EXPECT_EQ(parsed.results(6).ok().response_case(), R::kCloseSql);
  EXPECT_EQ(parsed.results(7).ok().response_case(), R::kGetAutocommit);
  EXPECT_TRUE(parsed.results(7).ok().get_autocommit().is_autocommit());
  EXPECT_EQ(parsed.results(8).ok().response_case(), R::kGetAutocommit);
  EXPECT_FALSE(parsed.results(8).ok().get_autocommit().is_autocommit());
  EXPECT_EQ(parsed.results(9).error().message(), "bad");
  EXPECT_EQ(parsed.results(9).error().code(), "SQL_PARSE_ERROR");
}

TEST(ProtobufCodecEncode, StmtResultExtensionFields) {
  StmtResult result;
  result.affected_row_count = 3;
  result.last_insert_rowid = -5;
  result.replication_index = std::numeric_limits<uint64_t>::max();
  result.rows_read = 10;
  result.rows_written = 20;
  result.query_duration_ms = 1.5;
  PipelineResponse response;
  response.results.emplace_back(StreamResponse(ExecuteResponse{result}));
  const std::string bytes = EncodePipelineResponse(response);
  const pb::StmtResult parsed =
      Parse<pb_http::PipelineRespBody>(bytes).results(0).ok().execute().result();
  EXPECT_EQ(parsed.affected_row_count(), 3u);
  ASSERT_TRUE(parsed.has_last_insert_rowid());
  EXPECT_EQ(parsed.last_insert_rowid(), -5);
  ASSERT_TRUE(parsed.has_replication_index());
  EXPECT_EQ(parsed.replication_index(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(parsed.rows_read(), 10u);
  EXPECT_EQ(parsed.rows_written(), 20u);
  EXPECT_EQ(parsed.query_duration_ms(), 1.5);

  // Hand-computed: affected_row_count (3) = 3, last_insert_rowid (4) = zigzag(-5) = 9,
  // replication_index (5) = 2^64-1 (ten bytes), rows_read (6), rows_written (7),
  // query_duration_ms (8) = 1.5 as a little-endian double.
  EXPECT_EQ(Hex(bytes),
            "1a 22 0a 20 12 1e 0a 1c "
            "18 03 20 09 28 ff ff ff ff ff ff ff ff ff 01 30 0a 38 14 41 00 00 00 00 00 00 f8 3f");

  // Unset optionals and zero counters are left out; last_insert_rowid 0 is still sent.
  StmtResult zero;
  zero.last_insert_rowid = 0;
  response.results = {StreamResponse(ExecuteResponse{zero})};
  EXPECT_EQ(Hex(EncodePipelineResponse(response)), "1a 08 0a 06 12 04 0a 02 20 00");
}

TEST(ProtobufCodecEncode, EveryValueTypeRoundTrips) {
  // Encoded in a result, parsed by the protobuf runtime, sent back as arguments, decoded.
  const std::vector<Value> values = {
      Value(Null{}),
      Value(int64_t{0}),
      Value(kInt64Min),
      Value(kInt64Max),
      Value(-1.25),
      Value(std::numeric_limits<double>::infinity()),
      Value(std::string("text \xE2\x82\xAC")),
      Value(std::string()),
      Value(Blob{std::string("\x00\x01\xFF", 3)}),
      Value(Blob{}),
  };
  StmtResult result;
  result.rows = {values};
  PipelineResponse response;
  response.results.emplace_back(StreamResponse(ExecuteResponse{result}));
  const auto parsed = Parse<pb_http::PipelineRespBody>(EncodePipelineResponse(response));
  const pb::Row& row = parsed.results(0).ok().execute().result().rows(0);
  ASSERT_EQ(row.values_size(), static_cast<int>(values.size()));
  EXPECT_EQ(row.values(0).value_case(), pb::Value::kNull);
  EXPECT_EQ(row.values(1).value_case(), pb::Value::kInteger);  // 0 is sent, it is a oneof member
  EXPECT_EQ(row.values(7).value_case(), pb::Value::kText);
  EXPECT_EQ(row.values(9).value_case(), pb::Value::kBlob);

  pb::Stmt stmt = SqlStmt("s");
  *stmt.mutable_args() = row.values();
  EXPECT_EQ(DecodeStmt(stmt).args, values);
}

// A reference encoder built on the generated classes, for comparing bytes with the runtime's.
void ToGenerated(const StmtResult& in, pb::StmtResult& out) {
  for (const Column& column : in.cols) {
    pb::Col* col = out.add_cols();
    if (column.name) col->set_name(*column.name);
    if (column.decltype_name) col->set_decltype_(*column.decltype_name);
  }
  for (const std::vector<Value>& row : in.rows) {
    pb::Row* out_row = out.add_rows();
    for (const Value& value : row) {
      pb::Value* out_value = out_row->add_values();
      if (const auto* integer = std::get_if<int64_t>(&value)) {
        out_value->set_integer(*integer);
      } else if (const auto* real = std::get_if<double>(&value)) {
        out_value->set_float_(*real);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        out_value->set_text(*text);
      } else if (const auto* blob = std::get_if<Blob>(&value)) {
        out_value->set_blob(blob->bytes);
      } else {
        out_value->mutable_null();
      }
    }
  }
  out.set_affected_row_count(in.affected_row_count);
  if (in.last_insert_rowid) out.set_last_insert_rowid(*in.last_insert_rowid);
  if (in.replication_index) out.set_replication_index(*in.replication_index);
  out.set_rows_read(in.rows_read);
  out.set_rows_written(in.rows_written);
  out.set_query_duration_ms(in.query_duration_ms);
}

std::string SerializeDeterministically(const google::protobuf::MessageLite& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream output(&stream);
  output.SetSerializationDeterministic(true);  // map entries in key order
  EXPECT_TRUE(message.SerializeToCodedStream(&output));
  output.Trim();
  return bytes;
}

TEST(ProtobufCodecEncode, SameBytesAsTheProtobufRuntime) {
  StmtResult full = SampleStmtResult();
  full.cols.push_back({std::nullopt, "TEXT"});
  full.cols.push_back({"", ""});
  full.rows.push_back({Value(Null{}), Value(kInt64Min), Value(-0.0), Value(std::string(200, 'y')),
                       Value(Blob{std::string(130, '\0')})});
  full.affected_row_count = 300;
  full.last_insert_rowid = kInt64Max;
  full.rows_written = 1ull << 40;
  full.query_duration_ms = -0.0;  // not the default: the runtime sends it, so do we
  BatchResult batch;
  batch.step_results = {full, std::nullopt, StmtResult{}, SampleStmtResult()};
  batch.step_errors = {std::nullopt, Error{"e", "C"}, std::nullopt, std::nullopt};

  PipelineResponse response;
  response.baton = "";
  response.results.emplace_back(StreamResponse(ExecuteResponse{full}));
  response.results.emplace_back(StreamResponse(BatchResponse{batch}));

  pb_http::PipelineRespBody expected;
  expected.set_baton("");
  ToGenerated(full, *expected.add_results()->mutable_ok()->mutable_execute()->mutable_result());
  pb::BatchResult* batch_result =
      expected.add_results()->mutable_ok()->mutable_batch()->mutable_result();
  ToGenerated(full, (*batch_result->mutable_step_results())[0]);
  ToGenerated(StmtResult{}, (*batch_result->mutable_step_results())[2]);
  ToGenerated(SampleStmtResult(), (*batch_result->mutable_step_results())[3]);
  pb::Error& error = (*batch_result->mutable_step_errors())[1];
  error.set_message("e");
  error.set_code("C");

  EXPECT_EQ(Hex(EncodePipelineResponse(response)), Hex(SerializeDeterministically(expected)));
}

TEST(ProtobufCodecEncode, ValueGoldenBytes) {
  StmtResult result;
  result.rows = {{Value(Null{}), Value(int64_t{-1}), Value(0.0), Value(std::string("hi")),
                  Value(Blob{"\x01"})}};
  PipelineResponse response;
  response.results.emplace_back(StreamResponse(ExecuteResponse{result}));
  // Row {values: [{null: {}}, {integer: zigzag(-1) = 1}, {float: 0.0}, {text: "hi"}, {blob: 01}]}
  EXPECT_EQ(Hex(EncodePipelineResponse(response)),
            "1a 26 0a 24 12 22 0a 20 12 1e "
            "0a 02 0a 00 0a 02 10 01 0a 09 19 00 00 00 00 00 00 00 00 0a 04 22 02 68 69 "
            "0a 03 2a 01 01");
}

TEST(ProtobufCodecEncode, BatchResultKeysAreStepIndexes) {
  BatchResult batch;
  batch.step_results = {StmtResult{}, std::nullopt};
  batch.step_errors = {std::nullopt, Error{"e", "C"}};
  PipelineResponse response;
  response.results.emplace_back(StreamResponse(BatchResponse{batch}));
  // step_results (1) {key (1): 0, value (2): {}}; step_errors (2) {key: 1, value: {message: "e",
  // code: "C"}}. Map entries always carry both key and value, even when zero or empty.
  EXPECT_EQ(Hex(EncodePipelineResponse(response)),
            "1a 18 0a 16 1a 14 0a 12 "
            "0a 04 08 00 12 00 "
            "12 0a 08 01 12 06 0a 01 65 12 01 43");
}

// --- Encoding cursors ---

TEST(ProtobufCodecCursorEncode, HeaderGoldenBytes) {
  EXPECT_EQ(Hex(EncodeCursorHeader({"b", std::nullopt})), "03 0a 01 62");
  EXPECT_EQ(Hex(EncodeCursorHeader({"b", "u"})), "06 0a 01 62 12 01 75");
  EXPECT_EQ(Hex(EncodeCursorHeader({})), "00");  // an empty message still has its length
}

TEST(ProtobufCodecCursorEncode, EntryGoldenBytes) {
  // step_begin (1) {step: 1, cols: [{name: "a", decltype: "INT"}]}
  EXPECT_EQ(Hex(EncodeCursorEntry(StepBeginEntry{1, {{"a", "INT"}}})),
            "0e 0a 0c 08 01 12 08 0a 01 61 12 03 49 4e 54");
  // row (4) {values: [{integer: -1}, {text: "hi"}, {null: {}}]}
  EXPECT_EQ(Hex(EncodeCursorEntry(
                RowEntry{{Value(int64_t{-1}), Value(std::string("hi")), Value(Null{})}})),
            "10 22 0e 0a 02 10 01 0a 04 22 02 68 69 0a 02 0a 00");
  // step_end (2) {affected_row_count: 1, last_insert_rowid: zigzag(5) = 10}
  EXPECT_EQ(Hex(EncodeCursorEntry(StepEndEntry{1, 5})), "06 12 04 08 01 10 0a");
  EXPECT_EQ(Hex(EncodeCursorEntry(StepEndEntry{0, std::nullopt})), "02 12 00");
  // step_error (3) {step: 2, error: {message: "m", code: "C"}}
  EXPECT_EQ(Hex(EncodeCursorEntry(StepErrorEntry{2, {"m", "C"}})),
            "0c 1a 0a 08 02 12 06 0a 01 6d 12 01 43");
  // step 0 is the default and is left out, but the error is always there.
  EXPECT_EQ(Hex(EncodeCursorEntry(StepErrorEntry{0, {"m", ""}})), "07 1a 05 12 03 0a 01 6d");
  // error (5) {message: "m", code: "C"}
  EXPECT_EQ(Hex(EncodeCursorEntry(ErrorEntry{{"m", "C"}})), "08 2a 06 0a 01 6d 12 01 43");
}

TEST(ProtobufCodecCursorEncode, ReplicationIndexEntryIsNotSent) {
  // sqld sends `04 32 02 08 17` here, which @libsql/hrana-client 0.10 cannot read.
  EXPECT_EQ(EncodeCursorEntry(ReplicationIndexEntry{23}), "");
  EXPECT_EQ(EncodeCursorEntry(ReplicationIndexEntry{std::nullopt}), "");
}

TEST(ProtobufCodecCursorEncode, StreamSplitsIntoLengthDelimitedMessages) {
  std::string stream = EncodeCursorHeader({"baton", std::nullopt});
  stream += EncodeCursorEntry(StepBeginEntry{0, {{"n", std::nullopt}}});
  // A row long enough that its length prefix takes two bytes.
  stream += EncodeCursorEntry(RowEntry{{Value(std::string(300, 'z'))}});
  stream += EncodeCursorEntry(StepEndEntry{0, std::nullopt});
  stream += EncodeCursorEntry(ReplicationIndexEntry{9});
  const std::vector<std::string> messages = SplitLengthDelimited(stream);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(Parse<pb_http::CursorRespBody>(messages[0]).baton(), "baton");
  const auto begin = Parse<pb::CursorEntry>(messages[1]);
  ASSERT_EQ(begin.entry_case(), pb::CursorEntry::kStepBegin);
  EXPECT_EQ(begin.step_begin().cols(0).name(), "n");
  const auto row = Parse<pb::CursorEntry>(messages[2]);
  ASSERT_EQ(row.entry_case(), pb::CursorEntry::kRow);
  EXPECT_EQ(row.row().values(0).text(), std::string(300, 'z'));
  EXPECT_EQ(Parse<pb::CursorEntry>(messages[3]).entry_case(), pb::CursorEntry::kStepEnd);
}

// --- WebSocket ---

TEST(ProtobufCodecWs, DecodesHello) {
  pb_ws::ClientMsg hello;
  hello.mutable_hello()->set_jwt("token");
  Result<ws::ClientMsg> message = DecodeClientMsg(hello.SerializeAsString());
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(std::get<ws::HelloMsg>(*message).jwt, "token");

  Result<ws::ClientMsg> anonymous = DecodeClientMsg(Unhex("0a 00"));
  ASSERT_TRUE(anonymous.ok()) << anonymous.status().message();
  EXPECT_FALSE(std::get<ws::HelloMsg>(*anonymous).jwt.has_value());

  hello.mutable_hello()->set_jwt("\xFF");
  EXPECT_TRUE(ErrorOf(DecodeClientMsg(hello.SerializeAsString()))
                  .starts_with("invalid client message at hello.jwt: not valid UTF-8"));
}

TEST(ProtobufCodecWs, DecodesEveryRequestType) {
  std::vector<pb_ws::ClientMsg> messages(14);
  auto request = [&](int i) {
    pb_ws::RequestMsg* r = messages[i].mutable_request();
    r->set_request_id(i - 3);  // negative ids too
    return r;
  };
  request(0)->mutable_open_stream()->set_stream_id(1);
  request(1)->mutable_close_stream()->set_stream_id(2);
  pb_ws::ExecuteReq* execute = request(2)->mutable_execute();
  execute->set_stream_id(3);
  execute->mutable_stmt()->set_sql("e");
  execute->set_replication_index(44);
  pb_ws::BatchReq* batch = request(3)->mutable_batch();
  batch->set_stream_id(4);
  batch->mutable_batch()->add_steps()->mutable_stmt()->set_sql_id(8);
  pb_ws::OpenCursorReq* open_cursor = request(4)->mutable_open_cursor();
  open_cursor->set_stream_id(5);
  open_cursor->set_cursor_id(6);
  open_cursor->mutable_batch()->set_replication_index(2);
  request(5)->mutable_close_cursor()->set_cursor_id(7);
  pb_ws::FetchCursorReq* fetch = request(6)->mutable_fetch_cursor();
  fetch->set_cursor_id(8);
  fetch->set_max_count(1000);
  pb_ws::SequenceReq* sequence = request(7)->mutable_sequence();
  sequence->set_stream_id(9);
  sequence->set_sql("a;b");
  sequence->set_replication_index(5);
  pb_ws::DescribeReq* describe = request(8)->mutable_describe();
  describe->set_stream_id(10);
  describe->set_sql_id(11);
  pb_ws::StoreSqlReq* store = request(9)->mutable_store_sql();
  store->set_sql_id(12);
  store->set_sql("select 1");
  request(10)->mutable_close_sql()->set_sql_id(13);
  request(11)->mutable_get_autocommit()->set_stream_id(14);
  request(12)->mutable_execute()->mutable_stmt()->set_sql("no extension");

  std::vector<ws::RequestMsg> decoded;
  for (int i = 0; i < 13; ++i) {
    Result<ws::ClientMsg> message = DecodeClientMsg(messages[i].SerializeAsString());
    ASSERT_TRUE(message.ok()) << i << ": " << message.status().message();
    decoded.push_back(std::get<ws::RequestMsg>(*message));
    EXPECT_EQ(decoded.back().request_id, i - 3);
  }
  EXPECT_EQ(std::get<ws::OpenStreamRequest>(decoded[0].request).stream_id, 1);
  EXPECT_EQ(std::get<ws::CloseStreamRequest>(decoded[1].request).stream_id, 2);
  const auto& decoded_execute = std::get<ws::ExecuteRequest>(decoded[2].request);
  EXPECT_EQ(decoded_execute.stream_id, 3);
  EXPECT_EQ(decoded_execute.stmt.sql, "e");
  EXPECT_EQ(decoded_execute.replication_index, 44u);
  const auto& decoded_batch = std::get<ws::BatchRequest>(decoded[3].request);
  EXPECT_EQ(decoded_batch.stream_id, 4);
  EXPECT_EQ(decoded_batch.batch.steps.at(0).stmt.sql_id, 8);
  const auto& decoded_open = std::get<ws::OpenCursorRequest>(decoded[4].request);
  EXPECT_EQ(decoded_open.stream_id, 5);
  EXPECT_EQ(decoded_open.cursor_id, 6);
  EXPECT_EQ(decoded_open.batch.replication_index, 2u);
  EXPECT_EQ(std::get<ws::CloseCursorRequest>(decoded[5].request).cursor_id, 7);
  EXPECT_EQ(std::get<ws::FetchCursorRequest>(decoded[6].request).cursor_id, 8);
  EXPECT_EQ(std::get<ws::FetchCursorRequest>(decoded[6].request).max_count, 1000u);
  const auto& decoded_sequence = std::get<ws::SequenceRequest>(decoded[7].request);
  EXPECT_EQ(decoded_sequence.stream_id, 9);
  EXPECT_EQ(decoded_sequence.sql, "a;b");
  EXPECT_EQ(decoded_sequence.replication_index, 5u);
  const auto& decoded_describe = std::get<ws::DescribeRequest>(decoded[8].request);
  EXPECT_EQ(decoded_describe.stream_id, 10);
  EXPECT_EQ(decoded_describe.sql_id, 11);
  EXPECT_FALSE(decoded_describe.replication_index.has_value());
  EXPECT_EQ(std::get<ws::StoreSqlRequest>(decoded[9].request).sql_id, 12);
  EXPECT_EQ(std::get<ws::StoreSqlRequest>(decoded[9].request).sql, "select 1");
  EXPECT_EQ(std::get<ws::CloseSqlRequest>(decoded[10].request).sql_id, 13);
  EXPECT_EQ(std::get<ws::GetAutocommitRequest>(decoded[11].request).stream_id, 14);
  EXPECT_FALSE(std::get<ws::ExecuteRequest>(decoded[12].request).replication_index.has_value());
}

TEST(ProtobufCodecWs, ExtensionFieldsUseSqldTags) {
  // request {request_id: 1, sequence (9) {stream_id: 2, sql: "x", replication_index (4): 7}}
  Result<ws::ClientMsg> sequence = DecodeClientMsg(Unhex("12 0b 08 01 4a 07 08 02 12 01 78 20 07"));
  ASSERT_TRUE(sequence.ok()) << sequence.status().message();
  const auto& request = std::get<ws::SequenceRequest>(std::get<ws::RequestMsg>(*sequence).request);
  EXPECT_EQ(request.sql, "x");
  EXPECT_EQ(request.replication_index, 7u);
  // request {execute (4) {stream_id: 1, stmt: {sql: "x"}, replication_index (3): 8}}
  Result<ws::ClientMsg> execute = DecodeClientMsg(Unhex("12 0b 22 09 08 01 12 03 0a 01 78 18 08"));
  ASSERT_TRUE(execute.ok()) << execute.status().message();
  EXPECT_EQ(
      std::get<ws::ExecuteRequest>(std::get<ws::RequestMsg>(*execute).request).replication_index,
      8u);
}

TEST(ProtobufCodecWs, RejectsMalformedMessages) {
  EXPECT_EQ(ErrorOf(DecodeClientMsg("")),
            "invalid client message: the message is neither hello (field 1) nor request (field 2)");
  EXPECT_TRUE(ErrorOf(DecodeClientMsg(Unhex("12 02 08 01")))
                  .starts_with("invalid client message at request: unknown or missing request "
                               "type; expected one of open_stream (field 2)"));
  EXPECT_TRUE(
      ErrorOf(DecodeClientMsg(Unhex("12 03"))).starts_with("invalid protobuf in client message"));
  pb_ws::ClientMsg no_stmt;
  no_stmt.mutable_request()->mutable_execute();
  EXPECT_EQ(ErrorOf(DecodeClientMsg(no_stmt.SerializeAsString())),
            "invalid client message at request.execute: missing required field \"stmt\"");
  pb_ws::ClientMsg no_batch;
  no_batch.mutable_request()->mutable_open_cursor();
  EXPECT_EQ(ErrorOf(DecodeClientMsg(no_batch.SerializeAsString())),
            "invalid client message at request.open_cursor: missing required field \"batch\"");
  pb_ws::ClientMsg both;
  both.mutable_request()->mutable_describe()->set_sql("a");
  both.mutable_request()->mutable_describe()->set_sql_id(1);
  EXPECT_EQ(ErrorOf(DecodeClientMsg(both.SerializeAsString())),
            "invalid client message at request.describe: both \"sql\" and \"sql_id\" are given; "
            "send exactly one");
  pb_ws::ClientMsg bad_arg;
  bad_arg.mutable_request()->mutable_batch()->mutable_batch()->add_steps()->mutable_stmt()->set_sql(
      "s");
  bad_arg.mutable_request()
      ->mutable_batch()
      ->mutable_batch()
      ->mutable_steps(0)
      ->mutable_stmt()
      ->add_args()
      ->set_text("\xC0");
  EXPECT_TRUE(ErrorOf(DecodeClientMsg(bad_arg.SerializeAsString()))
                  .starts_with("invalid client message at request.batch.batch.steps[0].stmt."
                               "args[0].text: not valid UTF-8"));
}

TEST(ProtobufCodecWs, ServerMsgGoldenBytes) {
  EXPECT_EQ(Hex(EncodeServerMsg(ws::HelloOkMsg{})), "0a 00");
  // hello_error (2) {error (1) {message: "x", code: "C"}}
  EXPECT_EQ(Hex(EncodeServerMsg(ws::HelloErrorMsg{{"x", "C"}})), "12 08 0a 06 0a 01 78 12 01 43");
  // response_error (4) {request_id: 3, error (2) {message: "x"}}
  EXPECT_EQ(Hex(EncodeServerMsg(ws::ResponseErrorMsg{3, {"x", ""}})), "22 07 08 03 12 03 0a 01 78");
  // response_ok (3) {request_id: 1, open_stream (2) {}}
  EXPECT_EQ(Hex(EncodeServerMsg(ws::ResponseOkMsg{1, ws::OpenStreamResponse{}})),
            "1a 04 08 01 12 00");
  // A negative int32 is sign-extended to ten bytes; request_id 0 is left out.
  EXPECT_EQ(Hex(EncodeServerMsg(ws::ResponseOkMsg{-1, ws::CloseStreamResponse{}})),
            "1a 0d 08 ff ff ff ff ff ff ff ff ff 01 1a 00");
  EXPECT_EQ(Hex(EncodeServerMsg(ws::ResponseOkMsg{0, ws::CloseSqlResponse{}})), "1a 02 62 00");
}

TEST(ProtobufCodecWs, EncodesEveryResponseType) {
  BatchResult batch;
  batch.step_results = {std::nullopt, SampleStmtResult()};
  batch.step_errors = {Error{"e", "C"}, std::nullopt};
  DescribeResult describe;
  describe.cols = {{"c", std::nullopt}};
  describe.is_explain = true;
  ws::FetchCursorResponse fetch;
  fetch.entries = {StepBeginEntry{0, {}}, RowEntry{{Value(int64_t{1})}}, StepEndEntry{1, 2},
                   ReplicationIndexEntry{5}};
  fetch.done = true;
  const std::vector<ws::Response> responses = {
      ws::OpenStreamResponse{},
      ws::CloseStreamResponse{},
      ws::ExecuteResponse{SampleStmtResult()},
      ws::BatchResponse{batch},
      ws::OpenCursorResponse{},
      ws::CloseCursorResponse{},
      fetch,
      ws::SequenceResponse{},
      ws::DescribeResponse{describe},
      ws::StoreSqlResponse{},
      ws::CloseSqlResponse{},
      ws::GetAutocommitResponse{true},
  };
  using R = pb_ws::ResponseOkMsg;
  const R::ResponseCase expected[] = {R::kOpenStream,  R::kCloseStream, R::kExecute,
                                      R::kBatch,       R::kOpenCursor,  R::kCloseCursor,
                                      R::kFetchCursor, R::kSequence,    R::kDescribe,
                                      R::kStoreSql,    R::kCloseSql,    R::kGetAutocommit};
  for (std::size_t i = 0; i < responses.size(); ++i) {
    const auto parsed =
        Parse<pb_ws::ServerMsg>(EncodeServerMsg(ws::ResponseOkMsg{int32_t(i + 100), responses[i]}));
    ASSERT_EQ(parsed.msg_case(), pb_ws::ServerMsg::kResponseOk);
    EXPECT_EQ(parsed.response_ok().request_id(), int32_t(i + 100));
    EXPECT_EQ(parsed.response_ok().response_case(), expected[i]) << i;
    const R& ok = parsed.response_ok();
    switch (ok.response_case()) {
      case R::kExecute:
        EXPECT_EQ(ok.execute().result().replication_index(), 7u);
        break;
      case R::kBatch:
        EXPECT_EQ(ok.batch().result().step_results().at(1).rows(0).values(0).integer(), 42);
        EXPECT_EQ(ok.batch().result().step_errors().at(0).message(), "e");
        break;
      case R::kFetchCursor: {
        // The replication_index entry is left out here too.
        const pb_ws::FetchCursorResp& entries = ok.fetch_cursor();
        ASSERT_EQ(entries.entries_size(), 3);
        EXPECT_EQ(entries.entries(0).entry_case(), pb::CursorEntry::kStepBegin);
        EXPECT_EQ(entries.entries(1).row().values(0).integer(), 1);
        EXPECT_EQ(entries.entries(2).step_end().last_insert_rowid(), 2);
        EXPECT_TRUE(entries.done());
        break;
      }
      case R::kDescribe:
        EXPECT_EQ(ok.describe().result().cols(0).name(), "c");
        EXPECT_TRUE(ok.describe().result().is_explain());
        break;
      case R::kGetAutocommit:
        EXPECT_TRUE(ok.get_autocommit().is_autocommit());
        break;
      default:
        break;
    }
  }
}

}  // namespace
}  // namespace edgelite::hrana::protobuf
