// Tests for the WebSocket JSON codec: what every client message decodes to, the exact text of every
// server message (what the TS client parses), that the structures inside are the HTTP codec's byte
// for byte, and the messages of malformed frames (which become the reason of a 1007 close).
#include "hrana/ws_json_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "hrana/json_codec.h"

namespace edgelite::hrana::json {
namespace {

ws::Request DecodeRequest(std::string_view request_json) {
  Result<ws::ClientMsg> message = DecodeClientMsg(R"({"type":"request","request_id":7,"request":)" +
                                                  std::string(request_json) + "}");
  EXPECT_TRUE(message.ok()) << message.status().message();
  if (!message.ok()) return {};
  const auto& request = std::get<ws::RequestMsg>(*message);
  EXPECT_EQ(request.request_id, 7);
  return request.request;
}

std::string DecodeError(std::string_view text) {
  Result<ws::ClientMsg> message = DecodeClientMsg(text);
  EXPECT_FALSE(message.ok());
  EXPECT_EQ(message.status().kind(), ErrorKind::kInvalidArgument);
  return message.status().message();
}

TEST(WsJsonCodecTest, DecodesHelloWithAndWithoutJwt) {
  Result<ws::ClientMsg> with = DecodeClientMsg(R"({"type":"hello","jwt":"a.b.c"})");
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(std::get<ws::HelloMsg>(*with).jwt, "a.b.c");
  // The TS client leaves the field out when it has no token; others send null.
  for (std::string_view text : {R"({"type":"hello"})", R"({"type":"hello","jwt":null})"}) {
    Result<ws::ClientMsg> without = DecodeClientMsg(text);
    ASSERT_TRUE(without.ok()) << text;
    EXPECT_FALSE(std::get<ws::HelloMsg>(*without).jwt.has_value());
  }
}

TEST(WsJsonCodecTest, DecodesStreamAndCursorRequests) {
  EXPECT_EQ(
      std::get<ws::OpenStreamRequest>(DecodeRequest(R"({"type":"open_stream","stream_id":-3})"))
          .stream_id,
      -3);
  EXPECT_EQ(
      std::get<ws::CloseStreamRequest>(DecodeRequest(R"({"type":"close_stream","stream_id":4})"))
          .stream_id,
      4);
  auto cursor = std::get<ws::OpenCursorRequest>(DecodeRequest(
      R"({"type":"open_cursor","stream_id":1,"cursor_id":2,"batch":{"steps":[{"stmt":{"sql":"SELECT 1"}}]}})"));
  EXPECT_EQ(cursor.stream_id, 1);
  EXPECT_EQ(cursor.cursor_id, 2);
  ASSERT_EQ(cursor.batch.steps.size(), 1u);
  EXPECT_EQ(cursor.batch.steps[0].stmt.sql, "SELECT 1");
  auto fetch = std::get<ws::FetchCursorRequest>(
      DecodeRequest(R"({"type":"fetch_cursor","cursor_id":2,"max_count":4294967295})"));
  EXPECT_EQ(fetch.cursor_id, 2);
  EXPECT_EQ(fetch.max_count, 4294967295u);
  EXPECT_EQ(
      std::get<ws::CloseCursorRequest>(DecodeRequest(R"({"type":"close_cursor","cursor_id":2})"))
          .cursor_id,
      2);
  EXPECT_EQ(std::get<ws::GetAutocommitRequest>(
                DecodeRequest(R"({"type":"get_autocommit","stream_id":9})"))
                .stream_id,
            9);
}

TEST(WsJsonCodecTest, DecodesStatementsWithTheHttpRules) {
  auto execute = std::get<ws::ExecuteRequest>(DecodeRequest(
      R"({"type":"execute","stream_id":1,"stmt":{"sql":"SELECT ?","args":[{"type":"integer","value":"-5"}],"want_rows":false}})"));
  EXPECT_EQ(execute.stream_id, 1);
  EXPECT_EQ(execute.stmt.sql, "SELECT ?");
  ASSERT_EQ(execute.stmt.args.size(), 1u);
  EXPECT_EQ(execute.stmt.args[0], Value(int64_t{-5}));
  EXPECT_FALSE(execute.stmt.want_rows);

  auto batch = std::get<ws::BatchRequest>(DecodeRequest(
      R"({"type":"batch","stream_id":2,"batch":{"steps":[{"stmt":{"sql_id":3}},{"condition":{"type":"ok","step":0},"stmt":{"sql":"x"}}]}})"));
  ASSERT_EQ(batch.batch.steps.size(), 2u);
  EXPECT_EQ(batch.batch.steps[0].stmt.sql_id, 3);
  ASSERT_TRUE(batch.batch.steps[1].condition.has_value());
  EXPECT_EQ(batch.batch.steps[1].condition->kind, BatchCond::Kind::kOk);

  auto sequence = std::get<ws::SequenceRequest>(
      DecodeRequest(R"({"type":"sequence","stream_id":1,"sql":"A;B","replication_index":"12"})"));
  EXPECT_EQ(sequence.sql, "A;B");
  EXPECT_EQ(sequence.replication_index, 12u);
  auto describe = std::get<ws::DescribeRequest>(
      DecodeRequest(R"({"type":"describe","stream_id":1,"sql_id":4})"));
  EXPECT_EQ(describe.sql_id, 4);
  EXPECT_FALSE(describe.sql.has_value());

  auto store = std::get<ws::StoreSqlRequest>(
      DecodeRequest(R"({"type":"store_sql","sql_id":5,"sql":"SELECT 5"})"));
  EXPECT_EQ(store.sql_id, 5);
  EXPECT_EQ(store.sql, "SELECT 5");
  EXPECT_EQ(
      std::get<ws::CloseSqlRequest>(DecodeRequest(R"({"type":"close_sql","sql_id":5})")).sql_id, 5);
}

TEST(WsJsonCodecTest, AcceptsEveryHrana3RequestWhateverTheVersion) {
  // Version gates are the session's: the codec decodes a Hrana 3 feature in any message.
  auto batch = std::get<ws::BatchRequest>(DecodeRequest(
      R"({"type":"batch","stream_id":1,"batch":{"steps":[{"condition":{"type":"is_autocommit"},"stmt":{"sql":"x"}}]}})"));
  EXPECT_EQ(batch.batch.steps[0].condition->kind, BatchCond::Kind::kIsAutocommit);
}

TEST(WsJsonCodecTest, IgnoresUnknownFields) {
  auto open = std::get<ws::OpenStreamRequest>(
      DecodeRequest(R"({"type":"open_stream","stream_id":1,"future":[1,2,3]})"));
  EXPECT_EQ(open.stream_id, 1);
}

TEST(WsJsonCodecTest, NamesWhatIsWrongWithAMalformedMessage) {
  EXPECT_EQ(DecodeError("{\"type\":"), "invalid JSON in request body at byte 8: incomplete JSON");
  EXPECT_EQ(DecodeError(R"([1])"), "invalid request body: expected a JSON object, got an array");
  EXPECT_EQ(DecodeError(R"({"jwt":null})"),
            "invalid request body: missing required field \"type\"");
  EXPECT_EQ(DecodeError(R"({"type":"goodbye"})"),
            "invalid request body at type: unknown message type \"goodbye\"; expected hello or "
            "request");
  EXPECT_EQ(DecodeError(R"({"type":"request","request_id":1,"request":{"type":"open_stream"}})"),
            "invalid request body at request: missing required field \"stream_id\"");
  EXPECT_EQ(DecodeError(R"({"type":"request","request_id":2147483648,"request":{}})"),
            "invalid request body at request_id: expected an integer from -2147483648 to "
            "2147483647, got the number 2147483648");
  EXPECT_EQ(
      DecodeError(
          R"({"type":"request","request_id":1,"request":{"type":"fetch_cursor","cursor_id":1,"max_count":-1}})"),
      "invalid request body at request.max_count: expected an integer from 0 to 4294967295, got "
      "the number -1");
  EXPECT_EQ(
      DecodeError(
          R"({"type":"request","request_id":1,"request":{"type":"sequence","stream_id":1,"sql":"x","sql_id":1}})"),
      "invalid request body at request: both \"sql\" and \"sql_id\" are given; send exactly one");
  EXPECT_EQ(
      DecodeError(
          R"({"type":"request","request_id":1,"request":{"type":"execute","stream_id":1,"stmt":{"sql":"x","args":[{"type":"integer","value":1}]}}})"),
      "invalid request body at request.stmt.args[0].value: expected a decimal string holding a "
      "64-bit signed integer, got the number 1");
  EXPECT_EQ(DecodeError(R"({"type":"request","request_id":1,"request":{"type":"close"}})"),
            "invalid request body at request.type: unknown request type \"close\"; expected "
            "open_stream, close_stream, execute, batch, open_cursor, close_cursor, fetch_cursor, "
            "sequence, describe, store_sql, close_sql or get_autocommit");
}

TEST(WsJsonCodecTest, EncodesHelloAndErrors) {
  EXPECT_EQ(EncodeServerMsg(ws::HelloOkMsg{}), R"({"type":"hello_ok"})");
  EXPECT_EQ(
      EncodeServerMsg(ws::HelloErrorMsg{
          Error{"Authentication failed: The JWT is invalid", "AUTH_JWT_INVALID"}}),
      R"({"type":"hello_error","error":{"message":"Authentication failed: The JWT is invalid","code":"AUTH_JWT_INVALID"}})");
  EXPECT_EQ(
      EncodeServerMsg(ws::ResponseErrorMsg{-2, Error{"no \"such\"", "SQLITE_UNKNOWN"}}),
      R"({"type":"response_error","request_id":-2,"error":{"message":"no \"such\"","code":"SQLITE_UNKNOWN"}})");
}

TEST(WsJsonCodecTest, EncodesEveryResponseType) {
  auto ok = [](ws::Response response) {
    return EncodeServerMsg(ws::ResponseOkMsg{3, std::move(response)});
  };
  auto wrapped = [](std::string_view response) {
    return R"({"type":"response_ok","request_id":3,"response":)" + std::string(response) + "}";
  };
  EXPECT_EQ(ok(ws::OpenStreamResponse{}), wrapped(R"({"type":"open_stream"})"));
  EXPECT_EQ(ok(ws::CloseStreamResponse{}), wrapped(R"({"type":"close_stream"})"));
  EXPECT_EQ(ok(ws::OpenCursorResponse{}), wrapped(R"({"type":"open_cursor"})"));
  EXPECT_EQ(ok(ws::CloseCursorResponse{}), wrapped(R"({"type":"close_cursor"})"));
  EXPECT_EQ(ok(ws::SequenceResponse{}), wrapped(R"({"type":"sequence"})"));
  EXPECT_EQ(ok(ws::StoreSqlResponse{}), wrapped(R"({"type":"store_sql"})"));
  EXPECT_EQ(ok(ws::CloseSqlResponse{}), wrapped(R"({"type":"close_sql"})"));
  EXPECT_EQ(ok(ws::GetAutocommitResponse{false}),
            wrapped(R"({"type":"get_autocommit","is_autocommit":false})"));

  DescribeResult describe;
  describe.params.push_back({":a"});
  describe.cols.push_back({"x", "INTEGER"});
  describe.is_readonly = true;
  EXPECT_EQ(
      ok(ws::DescribeResponse{describe}),
      wrapped(
          R"({"type":"describe","result":{"params":[{"name":":a"}],"cols":[{"name":"x","decltype":"INTEGER"}],"is_explain":false,"is_readonly":true}})"));
}

TEST(WsJsonCodecTest, EncodesResultsExactlyAsHttpDoes) {
  StmtResult result;
  result.cols.push_back({"v", std::nullopt});
  result.rows.push_back({Value(int64_t{1}), Value(std::string("é")), Value(Blob{"\x01\xff"}),
                         Value(0.5), Value(Null{})});
  result.affected_row_count = 1;
  result.last_insert_rowid = 42;
  result.replication_index = 7;
  std::string http_result;
  AppendStmtResult(http_result, result);
  EXPECT_EQ(EncodeServerMsg(ws::ResponseOkMsg{1, ws::ExecuteResponse{result}}),
            R"({"type":"response_ok","request_id":1,"response":{"type":"execute","result":)" +
                http_result + "}}");

  BatchResult batch;
  batch.step_results = {result, std::nullopt};
  batch.step_errors = {std::nullopt, Error{"boom", "SQLITE_ERROR"}};
  std::string http_batch;
  AppendBatchResult(http_batch, batch);
  EXPECT_EQ(EncodeServerMsg(ws::ResponseOkMsg{1, ws::BatchResponse{batch}}),
            R"({"type":"response_ok","request_id":1,"response":{"type":"batch","result":)" +
                http_batch + "}}");
}

TEST(WsJsonCodecTest, EncodesCursorEntriesAsTheHttpCursorLines) {
  ws::FetchCursorResponse fetch;
  fetch.entries = {StepBeginEntry{0, {{"a", std::nullopt}}}, RowEntry{{Value(int64_t{9})}},
                   StepEndEntry{0, std::nullopt},
                   StepErrorEntry{1, Error{"bad", "SQL_PARSE_ERROR"}}};
  fetch.done = true;
  std::string entries;
  for (const CursorEntry& entry : fetch.entries) {
    std::string line = EncodeCursorEntry(entry);
    line.pop_back();  // the newline that ends an NDJSON line
    entries += (entries.empty() ? "" : ",") + line;
  }
  EXPECT_EQ(
      EncodeServerMsg(ws::ResponseOkMsg{5, ws::FetchCursorResponse{fetch}}),
      R"({"type":"response_ok","request_id":5,"response":{"type":"fetch_cursor","entries":[)" +
          entries + R"(],"done":true}})");
  EXPECT_EQ(
      EncodeServerMsg(ws::ResponseOkMsg{5, ws::FetchCursorResponse{}}),
      R"({"type":"response_ok","request_id":5,"response":{"type":"fetch_cursor","entries":[],"done":false}})");
}

}  // namespace
}  // namespace edgelite::hrana::json
