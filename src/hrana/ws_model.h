// The Hrana-over-WebSocket message model (docs/protocol.md §4, Hrana 1–3): what a client sends on a
// socket and what the server answers, independent of the encoding (JSON text frames for hrana1..3,
// protobuf binary frames for hrana3-protobuf). Stream requests reuse the HTTP model's types so one
// executor serves both transports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hrana/model.h"

namespace edgelite::hrana::ws {

// --- requests inside a `request` message ---

struct OpenStreamRequest {
  int32_t stream_id = 0;
};
struct CloseStreamRequest {
  int32_t stream_id = 0;
};
struct ExecuteRequest {
  int32_t stream_id = 0;
  Stmt stmt;
  // libSQL extension beside the stmt (protobuf tag 3): sqld waits for this frame on WebSocket
  // `execute`, where HTTP uses the stmt's own `replication_index`.
  std::optional<uint64_t> replication_index;
};
struct BatchRequest {
  int32_t stream_id = 0;
  Batch batch;
};
struct OpenCursorRequest {
  int32_t stream_id = 0;
  int32_t cursor_id = 0;
  Batch batch;
};
struct CloseCursorRequest {
  int32_t cursor_id = 0;
};
struct FetchCursorRequest {
  int32_t cursor_id = 0;
  uint32_t max_count = 0;
};
struct SequenceRequest {
  int32_t stream_id = 0;
  std::optional<std::string> sql;
  std::optional<int32_t> sql_id;
  std::optional<uint64_t> replication_index;
};
struct DescribeRequest {
  int32_t stream_id = 0;
  std::optional<std::string> sql;
  std::optional<int32_t> sql_id;
  std::optional<uint64_t> replication_index;
};
// SQL texts are scoped to the WebSocket connection, not to a stream.
struct StoreSqlRequest {
  int32_t sql_id = 0;
  std::string sql;
};
struct CloseSqlRequest {
  int32_t sql_id = 0;
};
struct GetAutocommitRequest {
  int32_t stream_id = 0;
};

using Request =
    std::variant<OpenStreamRequest, CloseStreamRequest, ExecuteRequest, BatchRequest,
                 OpenCursorRequest, CloseCursorRequest, FetchCursorRequest, SequenceRequest,
                 DescribeRequest, StoreSqlRequest, CloseSqlRequest, GetAutocommitRequest>;

// --- client messages ---

struct HelloMsg {
  std::optional<std::string> jwt;
};
struct RequestMsg {
  int32_t request_id = 0;
  Request request;
};
using ClientMsg = std::variant<HelloMsg, RequestMsg>;

// --- responses inside a `response_ok` message ---

struct OpenStreamResponse {};
struct CloseStreamResponse {};
struct ExecuteResponse {
  StmtResult result;
};
struct BatchResponse {
  BatchResult result;
};
struct OpenCursorResponse {};
struct CloseCursorResponse {};
struct FetchCursorResponse {
  std::vector<CursorEntry> entries;
  bool done = false;
};
struct SequenceResponse {};
struct DescribeResponse {
  DescribeResult result;
};
struct StoreSqlResponse {};
struct CloseSqlResponse {};
struct GetAutocommitResponse {
  bool is_autocommit = true;
};

using Response =
    std::variant<OpenStreamResponse, CloseStreamResponse, ExecuteResponse, BatchResponse,
                 OpenCursorResponse, CloseCursorResponse, FetchCursorResponse, SequenceResponse,
                 DescribeResponse, StoreSqlResponse, CloseSqlResponse, GetAutocommitResponse>;

// --- server messages ---

struct HelloOkMsg {};
struct HelloErrorMsg {
  Error error;
};
struct ResponseOkMsg {
  int32_t request_id = 0;
  Response response;
};
struct ResponseErrorMsg {
  int32_t request_id = 0;
  Error error;
};
using ServerMsg = std::variant<HelloOkMsg, HelloErrorMsg, ResponseOkMsg, ResponseErrorMsg>;

// The subprotocols, in the server's order of preference.
enum class Subprotocol { kHrana3Protobuf, kHrana3, kHrana2, kHrana1 };

}  // namespace edgelite::hrana::ws
