// RequestRunner: decides where each stream request runs and runs it there, so that every request
// behaves as if it ran alone on a connection of its stream's own (sqld's model), while most run
// on shared connections:
// - a stream without a connection of its own tries a pooled read connection first; a request that
//   turns out to write is handed to the database's writer, which group-commits it;
// - a request that opens a transaction or leaves state on its connection (TEMP objects, ATTACH, a
//   setting) moves, before it has had any effect, to a read-write connection the stream keeps
//   (hrana::Escalation); a read-only caller's transaction stays on its read connection;
// - a stream holding a connection runs everything there; its writes take the writer's grant.
// The stream's session values (last_insert_rowid(), ...) go with it wherever it runs.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "hrana/execution.h"
#include "server/client_presence.h"
#include "server/metrics/request_transport.h"
#include "server/stream.h"

namespace edgelite::server {

struct RunSettings {
  hrana::ProtocolVersion version = hrana::ProtocolVersion::kV2;
  bool may_write = true;
  size_t max_response_size = 10 * 1024 * 1024;  // per request's result (sqld's rule)
  // The client waiting for the answer: a request whose client has gone is interrupted (a write
  // rolled back) and answered with a failure nobody reads.
  ClientPresence client;
  std::string_view trace_label;  // the request's first SQL, for the execution trace
  RequestTransport transport = RequestTransport::kHttp;  // the label of its time in the metrics
};

// What to run once a connection and placement are chosen. It may be run more than once (first on a
// reader, then on the writer; again after a failed group commit): only the last run counts.
using Operation = std::function<hrana::RequestOutcome(hrana::ExecutionContext&)>;

// Runs `operation` for `stream`, then calls `done` with the outcome: inline for reads (on a read
// worker for a read that outgrows its few milliseconds inline), on the writer thread for writes.
// `stream` and whatever `operation` refers to must stay alive until `done` is called, and only one
// operation of a stream runs at a time.
void RunOperation(Stream& stream, Operation operation, RunSettings settings,
                  std::function<void(hrana::RequestOutcome)> done);

// RunOperation for one stream request.
void RunRequest(Stream& stream, const hrana::StreamRequest& request, RunSettings settings,
                std::function<void(hrana::RequestOutcome)> done);

// The label RunSettings::trace_label wants for `request` (or a cursor's batch).
std::string_view TraceLabel(const hrana::StreamRequest& request);
std::string_view TraceLabel(const hrana::Batch& batch);

// Ends the stream's use of its connection: an open transaction is rolled back, the write grant
// given back, and the connection pooled again (or closed, if it holds the stream's state).
void ReleaseStream(Stream& stream);

}  // namespace edgelite::server
