// HranaWsSession: the server side of one Hrana-over-WebSocket connection (docs/protocol.md §4) as a
// state machine that knows nothing of sockets. The transport hands it each data frame and gets
// frames and a close request back; everything in between is here: decoding per subprotocol, hello
// and (re-)authentication, the version gates, the connection's streams, stored SQL and cursors,
// and the close codes of protocol violations.
//
// Threading: every method is called on the connection's thread, and the session calls the
// transport only from there. Requests run through the RequestRunner like HTTP's, so a write
// completes on the database's writer thread; its outcome is carried back to the connection's
// thread by the `post` function the transport provides.
//
// Ordering: each stream has a queue, and its requests run one after another in arrival order
// (what the spec requires), while different streams run independently. Stored SQL ids are resolved
// when a request arrives, since the texts belong to the connection and a later close_sql must not
// affect a request already sent.
//
// Cleanup: Shutdown() is called once the socket is gone (or after the session itself asked to close
// it). Queued requests are dropped, running ones finish, and every stream's transaction is then
// rolled back (ReleaseStream), so a client that vanishes never keeps the write lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "edgelite/status.h"
#include "hrana/cursor_buffer.h"
#include "hrana/sql_store.h"
#include "hrana/ws_model.h"
#include "server/auth/authenticator.h"
#include "server/database.h"
#include "server/request_runner.h"
#include "server/stream.h"

namespace edgelite::server {

// A WebSocket data frame: text for the JSON subprotocols, binary for hrana3-protobuf.
struct WsFrame {
  bool binary = false;
  std::string payload;
};

// The close codes Hrana uses (RFC 6455 §7.4.1; docs/protocol.md §4).
enum class WsCloseCode : uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,    // the server is shutting down
  kUnsupported = 1003,  // a text frame on a binary subprotocol, or the reverse
  kInvalid = 1007,      // a frame that is not a valid message
  kPolicy = 1008,       // any other protocol violation
  kInternal = 1011,
};

// What the handshake agreed on.
struct NegotiatedSubprotocol {
  hrana::ws::Subprotocol subprotocol = hrana::ws::Subprotocol::kHrana1;
  std::string echo;  // the response's Sec-WebSocket-Protocol value; empty: send none
};

// Chooses the subprotocol from the client's Sec-WebSocket-Protocol header (its values joined with
// ",", nullopt when absent): the server's most preferred one the client offers, matched without
// regard to case. No header means Hrana 1 with nothing echoed. InvalidArgument, with the text for
// the 400 answer, when nothing matches.
Result<NegotiatedSubprotocol> NegotiateSubprotocol(std::optional<std::string_view> offered);

// The subprotocols this server speaks, best first, as named in the 400 answer.
std::string SupportedSubprotocols();

// What the session needs from the connection it serves.
class WsTransport {
 public:
  virtual ~WsTransport() = default;
  // Sends a frame after the ones sent before it.
  virtual void Send(WsFrame frame) = 0;
  // Sends a close frame after the pending frames, then ends the connection.
  virtual void Close(WsCloseCode code, std::string reason) = 0;
  // Whether the client is behind on reading its answers: no more requests start until it catches
  // up (the transport then calls HranaWsSession::Resume).
  virtual bool Congested() const = 0;
};

struct WsSessionSettings {
  hrana::ws::Subprotocol subprotocol = hrana::ws::Subprotocol::kHrana1;
  std::shared_ptr<Database> database;
  // The namespace's own JWT key, when it has one (what `authenticator` then points to).
  std::shared_ptr<const auth::Authenticator> own_authenticator;
  const auth::Authenticator* authenticator = nullptr;
  // Runs a task on the connection's thread; callable from any thread, as long as the connection
  // may still receive work (the transport keeps it valid until Shutdown's `done`).
  std::function<void(std::function<void()>)> post;
  size_t max_response_size = 10 * 1024 * 1024;  // result bytes per request, as on HTTP
  // A cursor's whole result is buffered when it opens, so it has its own, larger bound; it holds
  // for all the connection's open cursors together.
  size_t max_cursor_size = 20 * 1024 * 1024;
  size_t max_sql_bytes = 32 * 1024 * 1024;  // per stored SQL text (sqld has only the frame limit)
  size_t max_streams = 512;
  int client_socket = -1;  // the connection's socket: reads stop early once the client has gone
};

class HranaWsSession : public std::enable_shared_from_this<HranaWsSession> {
 public:
  // sqld's MAX_SQL_COUNT for a WebSocket connection.
  static constexpr size_t kMaxSqlCount = 150;
  // Requests of one connection running at once (each stream runs one at a time): with the bound
  // on answers waiting to be written, what one connection holds in memory is bounded too.
  static constexpr size_t kMaxRunning = 16;

  // `transport` must outlive the session's use of it, which ends when Shutdown is called.
  static std::shared_ptr<HranaWsSession> Create(WsSessionSettings settings, WsTransport* transport);
  ~HranaWsSession();

  // One data frame from the client.
  void Receive(bool binary, std::string_view payload);

  // Requests received and not yet answered, and the bytes of those not yet started: the transport
  // stops reading while there are too many, which pushes back on the client through TCP flow
  // control.
  size_t outstanding() const { return outstanding_; }
  size_t queued_bytes() const { return queued_bytes_; }

  // Starts requests that waited for room (the transport is no longer congested).
  void Resume();

  // The connection is gone: stop answering, drop queued requests, release every stream, then call
  // `done` (through `post`). The transport is not used after this call.
  void Shutdown(std::function<void()> done);

 private:
  struct Slot;
  struct Job;
  struct Violation {
    WsCloseCode code;
    std::string reason;
  };
  using Reply = std::variant<hrana::ws::Response, hrana::Error, Violation>;

  HranaWsSession(WsSessionSettings settings, WsTransport* transport);

  void OnHello(const hrana::ws::HelloMsg& hello);
  void OnRequest(hrana::ws::RequestMsg message, size_t bytes);
  void OpenStream(int32_t request_id, int32_t stream_id);
  std::shared_ptr<Slot> FindStream(int32_t stream_id);
  std::shared_ptr<Slot> FindCursor(int32_t cursor_id);
  // Replaces stored SQL ids with their texts; the failure message when an id is unknown.
  std::optional<std::string> ResolveSql(std::optional<std::string>& sql,
                                        std::optional<int32_t>& sql_id);
  std::optional<std::string> ResolveSql(hrana::Batch& batch);
  void Enqueue(const std::shared_ptr<Slot>& slot, Job job);

  void Pump(const std::shared_ptr<Slot>& slot);
  bool HasRoom() const;
  void Start(const std::shared_ptr<Slot>& slot, Job& job);
  // Runs `operation` on the slot's stream with a result budget of `budget` bytes; `finish` turns
  // the outcome into the reply, on the connection's thread.
  void RunOnStream(const std::shared_ptr<Slot>& slot, int32_t request_id, bool may_write,
                   size_t budget, std::string_view trace_label, Operation operation,
                   std::function<Reply(hrana::RequestOutcome)> finish);
  static Reply ReplyFor(hrana::RequestOutcome outcome);
  void Complete(const std::shared_ptr<Slot>& slot, int32_t request_id, Reply reply);
  void Respond(int32_t request_id, Reply reply);
  void Send(const hrana::ws::ServerMsg& message);
  void Violate(WsCloseCode code, std::string reason);

  void BeginShutdown();
  void Release(const std::shared_ptr<Slot>& slot);
  void Released(const std::shared_ptr<Slot>& slot);
  // Frees a slot's cursor entries (and their share of the connection's cursor budget).
  void FreeCursorEntries(Slot& slot);

  WsSessionSettings settings_;
  WsTransport* transport_;  // null once closing: nothing more is sent
  hrana::ProtocolVersion version_;
  bool binary_;
  Result<hrana::ws::ClientMsg> (*decode_)(std::string_view);
  std::string (*encode_)(const hrana::ws::ServerMsg&);

  bool authenticated_ = false;
  bool may_write_ = false;
  hrana::SqlStore sql_store_;
  hrana::ExecutionContext sql_context_;  // resolves stored SQL ids against sql_store_

  std::unordered_map<int32_t, std::shared_ptr<Slot>> streams_;  // by the client's stream id
  std::unordered_map<int32_t, std::shared_ptr<Slot>> cursors_;  // by the client's cursor id
  std::set<std::shared_ptr<Slot>> live_;  // every slot not yet released, closed ones included
  size_t open_streams_ = 0;               // slots holding a Stream
  size_t outstanding_ = 0;
  size_t queued_bytes_ = 0;
  size_t cursor_bytes_ = 0;  // entries buffered in the connection's open cursors
  size_t running_ = 0;
  std::deque<std::shared_ptr<Slot>> waiting_;  // streams whose next request waits for room
  bool resume_posted_ = false;

  bool closed_ = false;  // shutting down: nothing is answered any more
  // Set with Shutdown: running requests are interrupted (ClientPresence).
  std::shared_ptr<std::atomic<bool>> gone_ = std::make_shared<std::atomic<bool>>(false);
  bool in_run_operation_ = false;  // inside RunOperation on the connection's thread
  std::function<void()> shutdown_done_;
};

}  // namespace edgelite::server
