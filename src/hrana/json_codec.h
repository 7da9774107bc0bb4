// JSON encoding of the Hrana model (Hrana over HTTP v1/v2/v3, `docs/protocol.md` §2.5–§2.6, §3) and of
// the legacy `POST /` API (§2.4).
//
// Decoders validate everything a client can get wrong and return InvalidArgument with a message
// that names the offending field; that message becomes the 400 text/plain body. Encoders write
// compact JSON directly into a string, with integers as decimal strings and blobs as unpadded base64,
// and never produce invalid JSON (non-UTF-8 text is repaired with U+FFFD, non-finite floats are null).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "edgelite/status.h"
#include "hrana/model.h"
#include "hrana/protocol_version.h"

namespace edgelite::hrana::json {

// --- v2/v3 pipeline and cursor ---
Result<PipelineRequest> DecodePipelineRequest(std::string_view body, ProtocolVersion version);
std::string EncodePipelineResponse(const PipelineResponse& response);

Result<CursorRequest> DecodeCursorRequest(std::string_view body, ProtocolVersion version);
// Each returns one NDJSON line including its trailing '\n'.
std::string EncodeCursorHeader(const CursorHeader& header);
std::string EncodeCursorEntry(const CursorEntry& entry);

// --- v1 ---
Result<Stmt> DecodeV1ExecuteRequest(std::string_view body);  // {"stmt": Stmt}
Result<Batch> DecodeV1BatchRequest(std::string_view body);   // {"batch": Batch}
std::string EncodeV1ExecuteResponse(const StmtResult& result);  // {"result": StmtResult}
std::string EncodeV1BatchResponse(const BatchResult& result);   // {"result": BatchResult}

// --- shared pieces ---
std::string EncodeError(const Error& error);  // {"message": ..., "code": ...}

// --- legacy POST / ---
Result<LegacyRequest> DecodeLegacyRequest(std::string_view body);
std::string EncodeLegacyResponse(const std::vector<LegacyStatementOutcome>& outcomes);
// {"error": "<message>"}: the body of every request-level HTTP error (docs/protocol.md §5.2).
std::string EncodeRequestError(std::string_view message);


// --- pieces for the WebSocket codec (ws_json_codec.h), whose messages embed these structures ---

// Append the JSON of one structure to `out`, exactly as the encoders above write it.
void AppendError(std::string& out, const Error& error);
void AppendStmtResult(std::string& out, const StmtResult& result);
void AppendBatchResult(std::string& out, const BatchResult& result);
void AppendDescribeResult(std::string& out, const DescribeResult& result);
void AppendCursorEntry(std::string& out, const CursorEntry& entry);  // one object, no newline

// Reads the fields of one JSON object with the decoders' rules: absent and null optional fields
// are "not given", and the first error is kept with the path of the field it is about. Every
// method returns false once an error is recorded.
class FieldReader {
 public:
  virtual ~FieldReader() = default;
  virtual bool String(std::string_view key, std::string& out) = 0;
  virtual bool OptionalString(std::string_view key, std::optional<std::string>& out) = 0;
  virtual bool Int32(std::string_view key, int32_t& out) = 0;
  virtual bool Uint32(std::string_view key, uint32_t& out) = 0;
  virtual bool ReadStmt(std::string_view key, Stmt& out) = 0;
  virtual bool ReadBatch(std::string_view key, Batch& out) = 0;
  // `sql` or `sql_id`, exactly one (sequence, describe).
  virtual bool SqlOrSqlId(std::optional<std::string>& sql, std::optional<int32_t>& sql_id) = 0;
  virtual bool OptionalReplicationIndex(std::string_view key, std::optional<uint64_t>& out) = 0;
  // A required nested object, read by `read`.
  virtual bool Object(std::string_view key, const std::function<bool(FieldReader&)>& read) = 0;
  // Records an error about field `key` (e.g. an unknown "type").
  virtual bool Fail(std::string_view key, std::string_view message) = 0;
};

// Parses `text`, whose root must be an object, and reads it with `read`; InvalidArgument with the
// first error otherwise. `version` gates the nested features as in the decoders above.
Status DecodeObject(std::string_view text, ProtocolVersion version,
                    const std::function<bool(FieldReader&)>& read);
}  // namespace edgelite::hrana::json
