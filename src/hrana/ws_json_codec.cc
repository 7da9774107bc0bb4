// The WebSocket JSON codec: the message envelopes (`hello`, `request`, `response_ok`, ...) are
// handled here; everything they carry goes through the HTTP JSON codec's readers and writers.
#include "hrana/ws_json_codec.h"

#include "common/overloaded.h"

#include <variant>

#include "hrana/json_codec.h"
#include "hrana/json_writer.h"

namespace edgelite::hrana::json {
namespace {

// A client's unknown type name, quoted for an error message and cut short so that a hostile one
// cannot inflate it.
std::string Quoted(std::string_view text) {
  constexpr std::size_t kMaxEchoed = 40;
  std::string quoted;
  JsonWriter(quoted).String(text.substr(0, kMaxEchoed));
  if (text.size() > kMaxEchoed) quoted.insert(quoted.size() - 1, "...");
  return quoted;
}

bool ReadRequest(FieldReader& fields, ws::Request& out) {
  std::string type;
  if (!fields.String("type", type)) return false;
  if (type == "open_stream") {
    return fields.Int32("stream_id", out.emplace<ws::OpenStreamRequest>().stream_id);
  }
  if (type == "close_stream") {
    return fields.Int32("stream_id", out.emplace<ws::CloseStreamRequest>().stream_id);
  }
  if (type == "execute") {
    auto& request = out.emplace<ws::ExecuteRequest>();
    return fields.Int32("stream_id", request.stream_id) && fields.ReadStmt("stmt", request.stmt);
  }
  if (type == "batch") {
    auto& request = out.emplace<ws::BatchRequest>();
    return fields.Int32("stream_id", request.stream_id) && fields.ReadBatch("batch", request.batch);
  }
  if (type == "open_cursor") {
    auto& request = out.emplace<ws::OpenCursorRequest>();
    return fields.Int32("stream_id", request.stream_id) &&
           fields.Int32("cursor_id", request.cursor_id) && fields.ReadBatch("batch", request.batch);
  }
  if (type == "close_cursor") {
    return fields.Int32("cursor_id", out.emplace<ws::CloseCursorRequest>().cursor_id);
  }
  if (type == "fetch_cursor") {
    auto& request = out.emplace<ws::FetchCursorRequest>();
    return fields.Int32("cursor_id", request.cursor_id) &&
           fields.Uint32("max_count", request.max_count);
  }
  if (type == "sequence") {
    auto& request = out.emplace<ws::SequenceRequest>();
    return fields.Int32("stream_id", request.stream_id) &&
           fields.SqlOrSqlId(request.sql, request.sql_id) &&
           fields.OptionalReplicationIndex("replication_index", request.replication_index);
  }
  if (type == "describe") {
    auto& request = out.emplace<ws::DescribeRequest>();
    return fields.Int32("stream_id", request.stream_id) &&
           fields.SqlOrSqlId(request.sql, request.sql_id) &&
           fields.OptionalReplicationIndex("replication_index", request.replication_index);
  }
  if (type == "store_sql") {
    auto& request = out.emplace<ws::StoreSqlRequest>();
    return fields.Int32("sql_id", request.sql_id) && fields.String("sql", request.sql);
  }
  if (type == "close_sql") {
    return fields.Int32("sql_id", out.emplace<ws::CloseSqlRequest>().sql_id);
  }
  if (type == "get_autocommit") {
    return fields.Int32("stream_id", out.emplace<ws::GetAutocommitRequest>().stream_id);
  }
  return fields.Fail("type", "unknown request type " + Quoted(type) +
                                 "; expected open_stream, close_stream, execute, batch, "
                                 "open_cursor, close_cursor, fetch_cursor, sequence, describe, "
                                 "store_sql, close_sql or get_autocommit");
}

void WriteResponse(std::string& out, const ws::Response& response) {
  JsonWriter writer(out);
  std::visit(Overloaded{
                 [&](const ws::OpenStreamResponse&) { writer.Raw("{\"type\":\"open_stream\""); },
                 [&](const ws::CloseStreamResponse&) { writer.Raw("{\"type\":\"close_stream\""); },
                 [&](const ws::ExecuteResponse& r) {
                   writer.Raw("{\"type\":\"execute\",\"result\":");
                   AppendStmtResult(out, r.result);
                 },
                 [&](const ws::BatchResponse& r) {
                   writer.Raw("{\"type\":\"batch\",\"result\":");
                   AppendBatchResult(out, r.result);
                 },
                 [&](const ws::OpenCursorResponse&) { writer.Raw("{\"type\":\"open_cursor\""); },
                 [&](const ws::CloseCursorResponse&) { writer.Raw("{\"type\":\"close_cursor\""); },
                 [&](const ws::FetchCursorResponse& r) {
                   writer.Raw("{\"type\":\"fetch_cursor\",\"entries\":[");
                   for (std::size_t i = 0; i < r.entries.size(); ++i) {
                     if (i > 0) writer.Raw(',');
                     AppendCursorEntry(out, r.entries[i]);
                   }
                   writer.Raw("],\"done\":");
                   writer.Bool(r.done);
                 },
                 [&](const ws::SequenceResponse&) { writer.Raw("{\"type\":\"sequence\""); },
                 [&](const ws::DescribeResponse& r) {
                   writer.Raw("{\"type\":\"describe\",\"result\":");
                   AppendDescribeResult(out, r.result);
                 },
                 [&](const ws::StoreSqlResponse&) { writer.Raw("{\"type\":\"store_sql\""); },
                 [&](const ws::CloseSqlResponse&) { writer.Raw("{\"type\":\"close_sql\""); },
                 [&](const ws::GetAutocommitResponse& r) {
                   writer.Raw("{\"type\":\"get_autocommit\",\"is_autocommit\":");
                   writer.Bool(r.is_autocommit);
                 },
             },
             response);
  writer.Raw('}');
}

}  // namespace

Result<ws::ClientMsg> DecodeClientMsg(std::string_view text) {
  ws::ClientMsg message;
  // Hrana 3 admits everything; the session decides what the negotiated version allows.
  Status status = DecodeObject(text, ProtocolVersion::kV3, [&](FieldReader& fields) {
    std::string type;
    if (!fields.String("type", type)) return false;
    if (type == "hello") return fields.OptionalString("jwt", message.emplace<ws::HelloMsg>().jwt);
    if (type == "request") {
      auto& request = message.emplace<ws::RequestMsg>();
      return fields.Int32("request_id", request.request_id) &&
             fields.Object("request", [&](FieldReader& request_fields) {
               return ReadRequest(request_fields, request.request);
             });
    }
    return fields.Fail("type",
                       "unknown message type " + Quoted(type) + "; expected hello or request");
  });
  if (!status.ok()) return status;
  return message;
}

std::string EncodeServerMsg(const ws::ServerMsg& message) {
  std::string out;
  JsonWriter writer(out);
  std::visit(Overloaded{
                 [&](const ws::HelloOkMsg&) { writer.Raw("{\"type\":\"hello_ok\""); },
                 [&](const ws::HelloErrorMsg& m) {
                   writer.Raw("{\"type\":\"hello_error\",\"error\":");
                   AppendError(out, m.error);
                 },
                 [&](const ws::ResponseOkMsg& m) {
                   writer.Raw("{\"type\":\"response_ok\",\"request_id\":");
                   writer.Int(m.request_id);
                   writer.Raw(",\"response\":");
                   WriteResponse(out, m.response);
                 },
                 [&](const ws::ResponseErrorMsg& m) {
                   writer.Raw("{\"type\":\"response_error\",\"request_id\":");
                   writer.Int(m.request_id);
                   writer.Raw(",\"error\":");
                   AppendError(out, m.error);
                 },
             },
             message);
  writer.Raw('}');
  return out;
}

}  // namespace edgelite::hrana::json
