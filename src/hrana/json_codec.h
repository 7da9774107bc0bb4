// JSON encoding of the Hrana model (Hrana over HTTP v1/v2/v3, `docs/protocol.md` §2.5–§2.6, §3) and of
// the legacy `POST /` API (§2.4).
//
// Decoders validate everything a client can get wrong and return InvalidArgument with a message
// that names the offending field; that message becomes the 400 text/plain body. Encoders write
// compact JSON directly into a string, with integers as decimal strings and blobs as unpadded base64,
// and never produce invalid JSON (non-UTF-8 text is repaired with U+FFFD, non-finite floats are null).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
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

}  // namespace edgelite::hrana::json
