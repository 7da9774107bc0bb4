// Protobuf encoding of the Hrana 3 model: the bodies of `/v3-protobuf/pipeline` and
// `/v3-protobuf/cursor` (docs/protocol.md §2.6) and the binary frames of the `hrana3-protobuf`
// WebSocket subprotocol (§4), with the schemas of proto/hrana*.proto including libSQL's extension
// fields (§3.6). The JSON codec's counterpart, with the same contract:
//
// Decoders validate everything a peer can get wrong and return InvalidArgument with a message
// that names the offending field ("invalid request body at requests[0].execute.stmt.args[1].text:
// ..."). Text must be valid UTF-8, as the spec's `string` fields require. Encoders never fail:
// invalid UTF-8 that SQLite hands back is repaired with U+FFFD exactly as the JSON codec does, so
// both encodings carry the same text and strict decoders (prost in the Rust client) accept every
// response. Requests, which the SDK's remote mode encodes, are sent as given instead (see the
// client direction below). The generated protobuf classes stay inside the .cc.
#pragma once

#include <string>
#include <string_view>

#include "edgelite/status.h"
#include "hrana/model.h"
#include "hrana/ws_model.h"

namespace edgelite::hrana::protobuf {

// --- HTTP pipeline (hrana.http.PipelineReqBody / PipelineRespBody) ---
Result<PipelineRequest> DecodePipelineRequest(std::string_view body);
std::string EncodePipelineResponse(const PipelineResponse& response);

// --- HTTP pipeline, client direction (the SDK's remote mode) ---
// Text is sent exactly as the caller gave it, never repaired: changing a user's SQL or argument
// silently would hide the mistake, and the server answers invalid UTF-8 with a 400 that names the
// argument.
std::string EncodePipelineRequest(const PipelineRequest& request);
// `request` is the pipeline the body answers. The response must hold one result per request, each
// of its request's type; a batch's step_results and step_errors get one entry per step of the
// batch it answers, because protobuf sends them as maps without the skipped steps, so only the
// request says how many steps there were. Rows must have one value per column.
Result<PipelineResponse> DecodePipelineResponse(std::string_view body,
                                                const PipelineRequest& request);

// --- HTTP cursor (hrana.http.CursorReqBody; the response is a stream of messages) ---
Result<CursorRequest> DecodeCursorRequest(std::string_view body);
// Each returns one length-delimited message (a varint length, then the message): the header is a
// hrana.http.CursorRespBody, every entry a hrana.CursorEntry. For a ReplicationIndexEntry the
// result is empty, because edgelite does not send that entry in protobuf (see the .cc).
std::string EncodeCursorHeader(const CursorHeader& header);
std::string EncodeCursorEntry(const CursorEntry& entry);

// --- WebSocket, one message per binary frame (hrana.ws.ClientMsg / ServerMsg) ---
Result<ws::ClientMsg> DecodeClientMsg(std::string_view frame);
std::string EncodeServerMsg(const ws::ServerMsg& message);

}  // namespace edgelite::hrana::protobuf
