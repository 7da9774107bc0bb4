// JSON is assembled from fixed text around the varying numbers, as the HTTP workloads do, and
// read with the span scanner. Protobuf is built inside-out (a length-delimited field needs its
// content's size first) from these schema facts (Hrana 3 specification, protobuf appendix):
//   ClientMsg:   hello = 1 (HelloMsg: jwt = 1), request = 2
//   RequestMsg:  request_id = 1, open_stream = 2 (stream_id = 1), execute = 4
//   ExecuteReq:  stream_id = 1, stmt = 2;  Stmt: sql = 1, args = 3;  Value: integer = 2 (sint64)
//   ServerMsg:   hello_ok = 1, hello_error = 2 (error = 1), response_ok = 3, response_error = 4
//   ResponseOkMsg: request_id = 1, execute = 4 (ExecuteResp: result = 1; StmtResult: rows = 2)
//   ResponseErrorMsg: request_id = 1, error = 2;  Error: message = 1, code = 2
#include "hrana_ws_codec.h"

#include "json_scan.h"
#include "protobuf_wire.h"

namespace edgelite::bench {
namespace {

constexpr std::string_view kPointReadSql = "SELECT v FROM bench WHERE id = ?";

// The "json" delimiter is needed because the SQL text contains `)"`.
constexpr std::string_view kExecutePrefix = R"json({"type":"request","request_id":)json";
constexpr std::string_view kExecuteMiddle = R"json(,"request":{"type":"execute","stream_id":)json";
constexpr std::string_view kExecuteStmt =
    R"json(,"stmt":{"sql":"SELECT v FROM bench WHERE id = ?","args":[{"type":"integer","value":")json";
constexpr std::string_view kExecuteSuffix = R"json("}],"want_rows":true}}})json";

std::string ErrorMessageOfJson(std::string_view error_object) {
  const auto message_value = json::Member(error_object, "message");
  const auto message = message_value ? json::String(*message_value) : std::nullopt;
  return message ? *message : std::string(error_object.substr(0, 200));
}

// hrana.Error: message = 1.
std::string ErrorMessageOfProtobuf(std::string_view error) {
  protobuf::Reader reader(error);
  protobuf::Field field;
  while (reader.Next(&field)) {
    if (field.number == 1 && field.type == protobuf::kLengthDelimited) {
      return std::string(field.bytes);
    }
  }
  return "(error without a message)";
}

}  // namespace

void HranaWsCodec::Hello(std::string_view jwt, std::string* out) const {
  out->clear();
  if (binary()) {
    std::string hello;
    if (!jwt.empty()) protobuf::AppendBytesField(1, jwt, &hello);
    protobuf::AppendBytesField(1, hello, out);
    return;
  }
  if (jwt.empty()) {
    *out = R"({"type":"hello","jwt":null})";
  } else {
    *out = R"({"type":"hello","jwt":")";
    *out += json::Escape(jwt);
    *out += "\"}";
  }
}

void HranaWsCodec::OpenStream(int32_t request_id, int32_t stream_id, std::string* out) const {
  out->clear();
  if (binary()) {
    std::string open_stream, request;
    protobuf::AppendVarintField(1, static_cast<uint32_t>(stream_id), &open_stream);
    protobuf::AppendVarintField(1, static_cast<uint32_t>(request_id), &request);
    protobuf::AppendBytesField(2, open_stream, &request);
    protobuf::AppendBytesField(2, request, out);
    return;
  }
  *out = R"({"type":"request","request_id":)";
  *out += std::to_string(request_id);
  *out += R"(,"request":{"type":"open_stream","stream_id":)";
  *out += std::to_string(stream_id);
  *out += "}}";
}

void HranaWsCodec::ExecutePointRead(int32_t request_id, int32_t stream_id, int64_t id,
                                    std::string* out) const {
  out->clear();
  if (binary()) {
    // Small fixed-capacity scratch strings would save little: the whole message is ~60 bytes.
    std::string value, stmt, execute, request;
    protobuf::AppendVarintField(2, protobuf::ZigZag(id), &value);
    protobuf::AppendBytesField(1, kPointReadSql, &stmt);
    protobuf::AppendBytesField(3, value, &stmt);
    protobuf::AppendVarintField(1, static_cast<uint32_t>(stream_id), &execute);
    protobuf::AppendBytesField(2, stmt, &execute);
    protobuf::AppendVarintField(1, static_cast<uint32_t>(request_id), &request);
    protobuf::AppendBytesField(4, execute, &request);
    protobuf::AppendBytesField(2, request, out);
    return;
  }
  out->append(kExecutePrefix);
  out->append(std::to_string(request_id));
  out->append(kExecuteMiddle);
  out->append(std::to_string(stream_id));
  out->append(kExecuteStmt);
  out->append(std::to_string(id));
  out->append(kExecuteSuffix);
}

ServerMessage HranaWsCodec::Decode(std::string_view payload) const {
  return binary() ? DecodeProtobuf(payload) : DecodeJson(payload);
}

ServerMessage HranaWsCodec::DecodeJson(std::string_view payload) const {
  ServerMessage message;
  const auto root = json::Root(payload);
  const auto type_value = root ? json::Member(*root, "type") : std::nullopt;
  const auto type = type_value ? json::String(*type_value) : std::nullopt;
  if (!type) {
    message.error = "message without a \"type\": " + std::string(payload.substr(0, 200));
    return message;
  }
  if (*type == "hello_ok") {
    message.kind = ServerMessage::Kind::kHelloOk;
    return message;
  }
  if (*type == "hello_error") {
    message.kind = ServerMessage::Kind::kHelloError;
    const auto error = json::Member(*root, "error");
    message.error = error ? ErrorMessageOfJson(*error) : std::string(payload.substr(0, 200));
    return message;
  }
  const bool ok = *type == "response_ok";
  if (!ok && *type != "response_error") {
    message.error = "unexpected message type: " + std::string(payload.substr(0, 200));
    return message;
  }
  const auto id_value = json::Member(*root, "request_id");
  const auto id = id_value ? json::Integer(*id_value) : std::nullopt;
  if (!id) {
    message.error = "response without a request_id: " + std::string(payload.substr(0, 200));
    return message;
  }
  message.request_id = *id;
  if (!ok) {
    message.kind = ServerMessage::Kind::kResponseError;
    const auto error = json::Member(*root, "error");
    message.error = error ? ErrorMessageOfJson(*error) : std::string(payload.substr(0, 200));
    return message;
  }
  message.kind = ServerMessage::Kind::kResponseOk;
  const auto response = json::Member(*root, "response");
  const auto response_type_value = response ? json::Member(*response, "type") : std::nullopt;
  const auto response_type =
      response_type_value ? json::String(*response_type_value) : std::nullopt;
  if (response_type && *response_type == "execute") {
    const auto result = json::Member(*response, "result");
    const auto rows = result ? json::Member(*result, "rows") : std::nullopt;
    const auto count = rows ? json::Length(*rows) : std::nullopt;
    if (!count) {
      message.kind = ServerMessage::Kind::kMalformed;
      message.error =
          "execute response without result.rows: " + std::string(payload.substr(0, 200));
      return message;
    }
    message.execute_rows = *count;
  }
  return message;
}

ServerMessage HranaWsCodec::DecodeProtobuf(std::string_view payload) const {
  ServerMessage message;
  protobuf::Reader reader(payload);
  protobuf::Field field;
  std::string_view body;
  uint32_t which = 0;
  while (reader.Next(&field)) {
    if (field.type == protobuf::kLengthDelimited && field.number >= 1 && field.number <= 4) {
      which = field.number;
      body = field.bytes;
    }
  }
  if (reader.failed() || which == 0) {
    message.error = "ServerMsg that does not decode (" + std::to_string(payload.size()) + " bytes)";
    return message;
  }
  if (which == 1) {
    message.kind = ServerMessage::Kind::kHelloOk;
    return message;
  }
  if (which == 2) {
    message.kind = ServerMessage::Kind::kHelloError;
    protobuf::Reader hello_error(body);
    while (hello_error.Next(&field)) {
      if (field.number == 1 && field.type == protobuf::kLengthDelimited) {
        message.error = ErrorMessageOfProtobuf(field.bytes);
      }
    }
    return message;
  }

  // response_ok (3) or response_error (4); both carry request_id = 1, and proto3 omits a zero.
  message.request_id = 0;
  protobuf::Reader response(body);
  std::string_view execute;
  bool have_execute = false;
  while (response.Next(&field)) {
    if (field.number == 1 && field.type == protobuf::kVarint) {
      message.request_id = static_cast<int32_t>(static_cast<uint32_t>(field.varint));
    } else if (which == 4 && field.number == 2 && field.type == protobuf::kLengthDelimited) {
      message.error = ErrorMessageOfProtobuf(field.bytes);
    } else if (which == 3 && field.number == 4 && field.type == protobuf::kLengthDelimited) {
      execute = field.bytes;
      have_execute = true;
    }
  }
  if (response.failed()) {
    message.error = "response that does not decode (" + std::to_string(body.size()) + " bytes)";
    return message;
  }
  if (which == 4) {
    message.kind = ServerMessage::Kind::kResponseError;
    return message;
  }
  message.kind = ServerMessage::Kind::kResponseOk;
  if (!have_execute) return message;

  // ExecuteResp.result (1) -> StmtResult.rows (2, repeated): count the rows.
  protobuf::Reader execute_reader(execute);
  std::string_view result;
  while (execute_reader.Next(&field)) {
    if (field.number == 1 && field.type == protobuf::kLengthDelimited) result = field.bytes;
  }
  protobuf::Reader result_reader(result);
  size_t rows = 0;
  while (result_reader.Next(&field)) {
    if (field.number == 2 && field.type == protobuf::kLengthDelimited) ++rows;
  }
  if (execute_reader.failed() || result_reader.failed()) {
    message.kind = ServerMessage::Kind::kMalformed;
    message.error = "execute response that does not decode";
    return message;
  }
  message.execute_rows = rows;
  return message;
}

}  // namespace edgelite::bench
