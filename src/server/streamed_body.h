// StreamedBody: a response body that the listener sends while it is produced (chunked), for
// answers too large to hold (GET /dump, body_pipe.h) or that never end (a replica's LogEntries
// stream). The listener pulls: it asks for the next piece only once the previous one has been
// written to the socket, so a body that makes its bytes when asked holds at most one piece, however
// slowly the client reads. The listener also ends a body early: Abandon when the client has gone
// or stalls (its connection closed, a write failed or timed out), Stop when the server shuts down.
//
// A body that fails before its first byte is answered with its error response instead; one that
// fails later is cut short (the connection closes without the final chunk, which clients report as
// an incomplete transfer).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "server/http_message.h"

namespace edgelite::server {

class StreamedBody {
 public:
  struct Piece {
    // The next bytes of the body. Empty without `end`: nothing to send yet, but the response head
    // goes out now (a body that may wait long before its first bytes, so the client knows the
    // call was accepted).
    std::string data;
    bool end = false;                     // nothing follows; `data` is then empty
    std::optional<HttpResponse> failure;  // with `end`: the body failed
  };

  virtual ~StreamedBody() = default;

  // The next piece, waiting until there is one. Called on the connection's I/O thread, one call
  // at a time, never again after a piece that ends the body.
  virtual boost::asio::awaitable<Piece> Next() = 0;
  // From any thread: the client has gone, or the body will not be sent on. The producer stops and
  // frees what it holds; a Next that waits returns at once, with the end and a failure.
  virtual void Abandon() = 0;
  // From any thread: the server is stopping. The body ends soon, with a proper ending if it has
  // one (Next returns it, then the end), else as if abandoned.
  virtual void Stop() = 0;
};

}  // namespace edgelite::server
