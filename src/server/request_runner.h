// RequestRunner: decides where each stream request runs and runs it there. A stream without a
// transaction of its own tries a pooled read connection first; a request that turns out to write
// (or to need the writer alone) is handed to the database's writer, which group-commits it. A
// stream holding a transaction goes straight to the connection that holds it.
#pragma once

#include <functional>
#include <memory>

#include "hrana/execution.h"
#include "server/stream.h"

namespace edgelite::server {

struct RunSettings {
  hrana::ProtocolVersion version = hrana::ProtocolVersion::kV2;
  bool may_write = true;
  size_t* response_budget = nullptr;  // shared by the requests of one HTTP request
  // The client's socket, when known: a long read is interrupted once the client has gone.
  int client_socket = -1;
};

// What to run once a connection and placement are chosen. It may be run more than once (first on a
// reader, then on the writer; again after a failed group commit): only the last run counts.
using Operation = std::function<hrana::RequestOutcome(hrana::ExecutionContext&)>;

// Runs `operation` for `stream`, then calls `done` with the outcome: inline for reads (on a read
// worker for a read that outgrows its few milliseconds inline), on the writer thread for writes. `stream` and whatever `operation` refers to must stay alive until
// `done` is called, and only one operation of a stream runs at a time.
void RunOperation(Stream& stream, Operation operation, RunSettings settings,
                  std::function<void(hrana::RequestOutcome)> done);

// RunOperation for one stream request.
void RunRequest(Stream& stream, const hrana::StreamRequest& request, RunSettings settings,
                std::function<void(hrana::RequestOutcome)> done);

// Ends the stream's transaction, if it holds one (rolled back), and calls `done` when it is over.
void ReleaseStream(Stream& stream, std::function<void()> done);

}  // namespace edgelite::server
