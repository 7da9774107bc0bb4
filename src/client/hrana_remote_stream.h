// HranaRemoteStream: one Hrana stream on a remote server, spoken in Hrana 3 protobuf over HTTP
// (`POST <base>/v3-protobuf/pipeline`, docs/protocol.md §2.6): what a remote connection of the
// SDK runs its statements on. The server holds the stream's SQLite connection (its transaction,
// temporary tables, PRAGMAs) from one call to the next for as long as the client brings back the
// baton of the last answer, and ends it after 10 s without one. This class carries that baton,
// sends a stream's later calls to the server's `base_url` when it names one, and turns every way a
// call can fail into a Status that says what happened.
//
// Each call is one HTTP round trip, carrying its request plus either `get_autocommit` (so the
// stream always knows whether a transaction is open, at no extra cost) or `close` (StreamEnd).
// A connection in autocommit mode therefore costs one round trip per statement with
// StreamEnd::kClose, exactly like @libsql/client's `execute`; inside an interactive transaction
// it keeps the stream open, and with it the transaction.
//
// If the server no longer knows the stream (its baton expired or the server restarted) while no
// transaction was open, the call is sent again on a new stream: nothing ran, and nothing was
// lost. If a transaction was open, it is gone (the server rolls it back), and the stream refuses
// every call until Close() so that later statements cannot run, unknowingly, outside it.
//
// Not thread-safe; it uses the HttpClient it is given, which must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/http_client.h"
#include "edgelite/status.h"
#include "hrana/model.h"

namespace edgelite::client {

// What becomes of the server's stream after a call.
enum class StreamEnd {
  kKeepOpen,  // the stream (and any transaction on it) stays for the next call
  kClose,     // the call ends the stream in the same round trip
};

class HranaRemoteStream {
 public:
  struct Options {
    // Where the database is: DatabaseUrl::base_url, e.g. "https://db.example.com".
    std::string base_url;
    // Sent as `Authorization: Bearer <token>` when given.
    std::optional<std::string> auth_token;
    // Per HTTP call; see HttpRequest.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  };

  HranaRemoteStream(HttpClient& http, Options options);
  // Closes the server's stream if one is open (one round trip; failures are ignored), so that a
  // transaction left open ends now rather than when the server notices the stream idle.
  ~HranaRemoteStream();
  HranaRemoteStream(const HranaRemoteStream&) = delete;
  HranaRemoteStream& operator=(const HranaRemoteStream&) = delete;

  // A failed statement is Status::SqlError("<code>: <server's message>"), e.g.
  // "SQLITE_CONSTRAINT: SQLite error: UNIQUE constraint failed: t.id".
  Result<hrana::StmtResult> Execute(hrana::Stmt stmt, StreamEnd end = StreamEnd::kKeepOpen);
  // The batch's own step errors are in the result (step_errors), not in the Status.
  Result<hrana::BatchResult> Batch(hrana::Batch batch, StreamEnd end = StreamEnd::kKeepOpen);
  // Several `;`-separated statements, rows ignored, stopping at the first error.
  Status Sequence(std::string_view sql, StreamEnd end = StreamEnd::kKeepOpen);
  // Asks the server. A stream that is not open is in autocommit mode without asking.
  Result<bool> IsAutocommit();
  // Ends the server's stream, rolling back a transaction left open, and clears a lost-transaction
  // state. Closing a stream that is not open, or that the server has already forgotten, succeeds.
  Status Close();

  // The general form of the calls above: `requests` in one HTTP call, and one result for each,
  // the response or the error that request failed with. The stream follows what the requests
  // do: a `close` ends it, a `get_autocommit` answer updates in_transaction().
  Result<std::vector<hrana::StreamResult>> Pipeline(std::vector<hrana::StreamRequest> requests);

  // Whether the server holds a stream for this object (a baton from the last answer).
  bool is_open() const { return baton_.has_value(); }
  // Whether a transaction was open on the stream, as of the last `get_autocommit` answer.
  bool in_transaction() const { return in_transaction_; }
  // From any thread, or a signal handler: abandons the HTTP call in progress, which then fails as
  // interrupted (whether the server ran it is unknown, so an open transaction is lost). A call
  // that starts later is not affected.
  void Interrupt() { interrupted_.store(true); }

 private:
  // One call with its trailing `get_autocommit` or `close`: the first request's result.
  Result<hrana::StreamResult> Call(hrana::StreamRequest request, StreamEnd end);
  // One HTTP round trip. `stream_unknown` is set when the server refused the baton because it no
  // longer knows the stream (expired, or the server restarted).
  Result<hrana::PipelineResponse> Exchange(const hrana::PipelineRequest& pipeline,
                                           bool& stream_unknown);
  // Forgets the server's stream: the next call opens a new one at the configured URL.
  void Forget();

  HttpClient* http_;
  Options options_;
  std::optional<std::string> baton_;
  std::string base_url_;  // the stream's: the configured one, or the server's base_url
  bool in_transaction_ = false;
  // Set when the stream was lost with a transaction open: why, for every call until Close().
  std::optional<Status> lost_transaction_;
  std::atomic<bool> interrupted_{false};
};

}  // namespace edgelite::client
