// Hrana 3 JSON for the differential test, written from docs/protocol.md (not shared with the
// server's codec, so that a codec bug cannot hide itself): requests as the HTTP pipeline and the
// WebSocket subprotocol carry them, and responses decoded into the test's Outcome.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <vector>

#include "edgelite/status.h"
#include "integration/differential/model.h"

namespace edgelite::differential::wire {

boost::json::object EncodeStmt(const StmtSpec& stmt);
boost::json::object EncodeBatch(const std::vector<Step>& steps);
// The StreamRequest for `request`: as an HTTP pipeline entry, or with `stream_id` as a WebSocket
// request (close becomes close_stream there). Cursors have their own framing on both transports.
boost::json::object EncodeRequest(const Request& request,
                                  std::optional<int32_t> stream_id = std::nullopt);

// A StreamResponse ({"type": ..., ...}) answering `request`.
Result<Outcome> DecodeResponse(const Request& request, const boost::json::value& response);
// A Hrana Error object as a failed Outcome.
Result<Outcome> DecodeError(const boost::json::value& error);
// The entries of a cursor over `request`'s batch, in order (the replication_index entry allowed).
Result<Outcome> DecodeCursor(const Request& request,
                             const std::vector<boost::json::value>& entries);

}  // namespace edgelite::differential::wire
