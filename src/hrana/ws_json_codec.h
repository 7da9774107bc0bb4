// JSON encoding of Hrana over WebSocket (docs/protocol.md §4; the `hrana1`, `hrana2` and `hrana3`
// subprotocols): one ClientMsg or ServerMsg per text frame. The structures inside the messages
// (statements, batches, results, cursor entries, errors) are written and read by the HTTP JSON
// codec, so both transports carry them byte for byte alike. The protobuf counterpart for
// `hrana3-protobuf` is hrana/protobuf_codec.h, with the same two functions.
//
// Decoding is structural: it accepts every message type of Hrana 3 whatever the negotiated version,
// and the WebSocket session rejects what the connection's version does not have (a protocol
// violation there, not a malformed message). A decoding error (InvalidArgument, with the path of
// the offending field) means the text is not a valid message at all.
#pragma once

#include <string>
#include <string_view>

#include "edgelite/status.h"
#include "hrana/ws_model.h"

namespace edgelite::hrana::json {

Result<ws::ClientMsg> DecodeClientMsg(std::string_view text);
std::string EncodeServerMsg(const ws::ServerMsg& message);

}  // namespace edgelite::hrana::json
