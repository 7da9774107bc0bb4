// Hrana over WebSocket: the handshake's subprotocol choice, hello, the connection's streams with
// their request queues, stored SQL, cursors, and how each failure reaches the client (an error
// response, or a close code for a protocol violation).
#include "server/hrana_ws_session.h"

#include "common/overloaded.h"
#include "common/text.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "hrana/protobuf_codec.h"
#include "hrana/request_executor.h"
#include "hrana/stmt_executor.h"
#include "hrana/ws_json_codec.h"
#include "server/request_runner.h"

namespace edgelite::server {

namespace ws = hrana::ws;
using hrana::ProtocolVersion;

namespace {

struct SubprotocolInfo {
  ws::Subprotocol subprotocol;
  std::string_view name;
};
// In the server's order of preference.
constexpr std::array<SubprotocolInfo, 4> kSubprotocols = {{
    {ws::Subprotocol::kHrana3Protobuf, "hrana3-protobuf"},
    {ws::Subprotocol::kHrana3, "hrana3"},
    {ws::Subprotocol::kHrana2, "hrana2"},
    {ws::Subprotocol::kHrana1, "hrana1"},
}};

// The type name of each ws::Request alternative, in variant order, and the version it came with.
struct RequestKind {
  std::string_view type;
  ProtocolVersion since;
};
constexpr std::array<RequestKind, 12> kRequestKinds = {{
    {"open_stream", ProtocolVersion::kV1},
    {"close_stream", ProtocolVersion::kV1},
    {"execute", ProtocolVersion::kV1},
    {"batch", ProtocolVersion::kV1},
    {"open_cursor", ProtocolVersion::kV3},
    {"close_cursor", ProtocolVersion::kV3},
    {"fetch_cursor", ProtocolVersion::kV3},
    {"sequence", ProtocolVersion::kV2},
    {"describe", ProtocolVersion::kV2},
    {"store_sql", ProtocolVersion::kV2},
    {"close_sql", ProtocolVersion::kV2},
    {"get_autocommit", hrana::kAutocommitSince},
}};
static_assert(kRequestKinds.size() == std::variant_size_v<ws::Request>);

// WebSocket streams take their server-side ids from a range of their own: the writer tells open
// transactions apart by stream id, and the HTTP StreamRegistry counts up from 1.
std::atomic<uint64_t> next_stream_id{uint64_t{1} << 63};

// Moves the result out of `response`.
ws::Response ToWsResponse(hrana::StreamResponse& response) {
  return std::visit(
      Overloaded{
          [](hrana::CloseResponse&) -> ws::Response { return ws::CloseStreamResponse{}; },
          [](hrana::ExecuteResponse& r) -> ws::Response {
            return ws::ExecuteResponse{std::move(r.result)};
          },
          [](hrana::BatchResponse& r) -> ws::Response {
            return ws::BatchResponse{std::move(r.result)};
          },
          [](hrana::SequenceResponse&) -> ws::Response { return ws::SequenceResponse{}; },
          [](hrana::DescribeResponse& r) -> ws::Response {
            return ws::DescribeResponse{std::move(r.result)};
          },
          [](hrana::StoreSqlResponse&) -> ws::Response { return ws::StoreSqlResponse{}; },
          [](hrana::CloseSqlResponse&) -> ws::Response { return ws::CloseSqlResponse{}; },
          [](hrana::GetAutocommitResponse& r) -> ws::Response {
            return ws::GetAutocommitResponse{r.is_autocommit};
          },
      },
      response);
}

// What fetch_cursor counts against its size limit: about the bytes the entry encodes to.
size_t ApproximateSize(const hrana::CursorEntry& entry) {
  const auto* row = std::get_if<hrana::RowEntry>(&entry);
  if (!row) return 64;
  size_t size = 16;
  for (const Value& value : row->row) {
    size += 16;
    if (const auto* text = std::get_if<std::string>(&value)) size += text->size();
    if (const auto* blob = std::get_if<Blob>(&value)) size += blob->bytes.size() * 4 / 3;
  }
  return size;
}

}  // namespace

// --- handshake ---

Result<NegotiatedSubprotocol> NegotiateSubprotocol(std::optional<std::string_view> offered) {
  // RFC 6455 §4.2.2: without the header the server must not send one back.
  if (!offered) return NegotiatedSubprotocol{ws::Subprotocol::kHrana1, ""};
  std::vector<std::string_view> tokens;
  std::string_view rest = *offered;
  while (true) {
    size_t comma = rest.find(',');
    tokens.push_back(TrimSpaces(rest.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  for (const SubprotocolInfo& supported : kSubprotocols) {
    for (std::string_view token : tokens) {
      // The client's own spelling is echoed: clients check the answer against what they offered.
      if (EqualsIgnoringCase(token, supported.name)) {
        return NegotiatedSubprotocol{supported.subprotocol, std::string(token)};
      }
    }
  }
  return Status::InvalidArgument("Only these WebSocket subprotocols are supported: " +
                                 SupportedSubprotocols());
}

std::string SupportedSubprotocols() {
  std::string names;
  for (const SubprotocolInfo& supported : kSubprotocols) {
    if (!names.empty()) names += ' ';
    names += supported.name;
  }
  return names;
}

// --- the session ---

// One stream of the connection: the server::Stream it runs on (null when opening it failed) and
// the requests waiting their turn.
struct HranaWsSession::Slot {
  int32_t client_id = 0;  // the client's stream id
  std::unique_ptr<Stream> stream;
  std::deque<Job> queue;
  bool busy = false;             // a request of this stream is running
  bool release_pending = false;  // release once the running request is done (shutting down)
  // The request being run: the RequestRunner refers to it until the run completes.
  hrana::StreamRequest current;
  // At most one cursor per stream: registered at open_cursor, filled when its batch has run.
  std::optional<int32_t> cursor_id;
  hrana::Batch cursor_batch;
  hrana::CursorBuffer cursor;
  size_t cursor_next = 0;  // the first entry not yet fetched
  size_t cursor_bytes = 0;  // ApproximateSize of the entries not yet fetched
  bool cursor_open = false;
  bool waiting = false;  // in waiting_: its next request waits for room to run
};

struct HranaWsSession::Job {
  int32_t request_id = 0;
  ws::Request request;
  bool may_write = false;  // as authorized when the request arrived
  size_t bytes = 0;        // of the message that carried it
};

std::shared_ptr<HranaWsSession> HranaWsSession::Create(WsSessionSettings settings,
                                                       WsTransport* transport) {
  return std::shared_ptr<HranaWsSession>(new HranaWsSession(std::move(settings), transport));
}

HranaWsSession::HranaWsSession(WsSessionSettings settings, WsTransport* transport)
    : settings_(std::move(settings)),
      transport_(transport),
      version_(ProtocolVersion::kV3),
      binary_(false),
      decode_(&hrana::json::DecodeClientMsg),
      encode_(&hrana::json::EncodeServerMsg),
      sql_store_(kMaxSqlCount, settings_.max_sql_bytes) {
  switch (settings_.subprotocol) {
    case ws::Subprotocol::kHrana3Protobuf:
      binary_ = true;
      decode_ = &hrana::protobuf::DecodeClientMsg;
      encode_ = &hrana::protobuf::EncodeServerMsg;
      break;
    case ws::Subprotocol::kHrana3:
      break;
    case ws::Subprotocol::kHrana2:
      version_ = ProtocolVersion::kV2;
      break;
    case ws::Subprotocol::kHrana1:
      version_ = ProtocolVersion::kV1;
      break;
  }
  sql_context_.version = version_;
  sql_context_.sql_store = &sql_store_;
}

HranaWsSession::~HranaWsSession() = default;

void HranaWsSession::Receive(bool binary, std::string_view payload) {
  if (closed_) return;
  if (binary != binary_) {
    Violate(WsCloseCode::kUnsupported,
            binary ? "Received a binary WebSocket message, which is not supported in this encoding"
                   : "Received a text WebSocket message, which is not supported in this encoding");
    return;
  }
  Result<ws::ClientMsg> message = decode_(payload);
  if (!message.ok()) {
    Violate(WsCloseCode::kInvalid,
            fmt::format("Cannot decode client message from {}: {}", binary_ ? "Protobuf" : "JSON",
                        message.status().message()));
    return;
  }
  if (auto* hello = std::get_if<ws::HelloMsg>(&*message)) {
    OnHello(*hello);
  } else {
    OnRequest(std::move(std::get<ws::RequestMsg>(*message)), payload.size());
  }
}

void HranaWsSession::OnHello(const ws::HelloMsg& hello) {
  if (authenticated_ && version_ < ProtocolVersion::kV2) {
    Violate(WsCloseCode::kPolicy,
            "Repeated hello message is only supported in protocol version hrana2 and higher");
    return;
  }
  // The JWT is checked exactly as an `Authorization: Bearer` header would be (protocol.md §4).
  std::optional<std::string> header;
  if (hello.jwt) header = "Bearer " + *hello.jwt;
  auth::AuthOutcome outcome = settings_.authenticator->AuthenticateHeader(
      header ? std::optional<std::string_view>(*header) : std::nullopt);
  std::optional<hrana::Error> refusal;
  const std::string& name = settings_.database->name();
  if (auto* failure = std::get_if<auth::AuthFailure>(&outcome)) {
    // sqld's wording; a few auth messages already start with it.
    std::string message = failure->message;
    if (!message.starts_with("Authentication failed")) {
      message = "Authentication failed: " + message;
    }
    refusal = hrana::Error{std::move(message), failure->code};
  } else if (!std::get<auth::Grant>(outcome).Allows(auth::Permission::kRead, name)) {
    // As on HTTP: a namespace the caller may not read is one it is not told exists.
    refusal =
        hrana::Error{fmt::format("Namespace `{}` doesn't exist", name), "NAMESPACE_DOESNT_EXIST"};
  }
  if (refusal) {
    // The spec: after hello_error the server ignores the client and closes the socket at once.
    Send(ws::HelloErrorMsg{std::move(*refusal)});
    if (transport_) transport_->Close(WsCloseCode::kNormal, "Authentication failed");
    BeginShutdown();
    return;
  }
  authenticated_ = true;
  may_write_ = std::get<auth::Grant>(outcome).Allows(auth::Permission::kWrite, name);
  Send(ws::HelloOkMsg{});
}

void HranaWsSession::OnRequest(ws::RequestMsg message, size_t bytes) {
  if (!authenticated_) {
    Violate(WsCloseCode::kPolicy, "Received a request before hello message");
    return;
  }
  const RequestKind& kind = kRequestKinds[message.request.index()];
  if (version_ < kind.since) {
    Violate(WsCloseCode::kPolicy,
            fmt::format("The `{}` request is only supported in protocol version hrana{} and higher",
                        kind.type, int(kind.since)));
    return;
  }
  ++outstanding_;
  const int32_t id = message.request_id;
  // Requests that refer to a stream are checked and queued here; the rest are answered at once.
  auto queue_on = [&](const std::shared_ptr<Slot>& slot) {
    Enqueue(slot, Job{id, std::move(message.request), may_write_, bytes});
  };
  auto resolve_then_queue = [&](int32_t stream_id, std::optional<std::string>& sql,
                                std::optional<int32_t>& sql_id) {
    std::shared_ptr<Slot> slot = FindStream(stream_id);
    if (!slot) return;
    if (auto problem = ResolveSql(sql, sql_id)) return Violate(WsCloseCode::kPolicy, *problem);
    queue_on(slot);
  };
  std::visit(Overloaded{
                 [&](ws::OpenStreamRequest& r) { OpenStream(id, r.stream_id); },
                 [&](ws::CloseStreamRequest& r) {
                   std::shared_ptr<Slot> slot = FindStream(r.stream_id);
                   if (!slot) return;
                   // The id is free again once the client has the answer; the slot lives on until
                   // its queue, ending with this close, is done.
                   streams_.erase(r.stream_id);
                   if (slot->stream) --open_streams_;
                   if (slot->cursor_id) cursors_.erase(*slot->cursor_id);
                   slot->cursor_id.reset();
                   queue_on(slot);
                 },
                 [&](ws::ExecuteRequest& r) {
                   resolve_then_queue(r.stream_id, r.stmt.sql, r.stmt.sql_id);
                 },
                 [&](ws::BatchRequest& r) {
                   std::shared_ptr<Slot> slot = FindStream(r.stream_id);
                   if (!slot) return;
                   if (auto problem = ResolveSql(r.batch))
                     return Violate(WsCloseCode::kPolicy, *problem);
                   queue_on(slot);
                 },
                 [&](ws::OpenCursorRequest& r) {
                   std::shared_ptr<Slot> slot = FindStream(r.stream_id);
                   if (!slot) return;
                   if (slot->cursor_id) {
                     return Violate(
                         WsCloseCode::kPolicy,
                         fmt::format("Stream {} already has an open cursor", r.stream_id));
                   }
                   if (cursors_.contains(r.cursor_id)) {
                     return Violate(WsCloseCode::kPolicy,
                                    fmt::format("Cursor {} already exists", r.cursor_id));
                   }
                   if (auto problem = ResolveSql(r.batch))
                     return Violate(WsCloseCode::kPolicy, *problem);
                   cursors_.emplace(r.cursor_id, slot);
                   slot->cursor_id = r.cursor_id;
                   queue_on(slot);
                 },
                 [&](ws::CloseCursorRequest& r) {
                   std::shared_ptr<Slot> slot = FindCursor(r.cursor_id);
                   if (!slot) return;
                   cursors_.erase(r.cursor_id);
                   slot->cursor_id.reset();
                   queue_on(slot);
                 },
                 [&](ws::FetchCursorRequest& r) {
                   if (std::shared_ptr<Slot> slot = FindCursor(r.cursor_id)) queue_on(slot);
                 },
                 [&](ws::SequenceRequest& r) { resolve_then_queue(r.stream_id, r.sql, r.sql_id); },
                 [&](ws::DescribeRequest& r) { resolve_then_queue(r.stream_id, r.sql, r.sql_id); },
                 [&](ws::StoreSqlRequest& r) {
                   // The executor's store_sql, on the connection's SQL store.
                   hrana::StreamRequest store = hrana::StoreSqlRequest{r.sql_id, std::move(r.sql)};
                   Respond(id, ReplyFor(hrana::RunStreamRequest(sql_context_, store)));
                 },
                 [&](ws::CloseSqlRequest& r) {
                   hrana::StreamRequest close = hrana::CloseSqlRequest{r.sql_id};
                   Respond(id, ReplyFor(hrana::RunStreamRequest(sql_context_, close)));
                 },
                 [&](ws::GetAutocommitRequest& r) {
                   if (std::shared_ptr<Slot> slot = FindStream(r.stream_id)) queue_on(slot);
                 },
             },
             message.request);
}

void HranaWsSession::OpenStream(int32_t request_id, int32_t stream_id) {
  if (streams_.contains(stream_id)) {
    Violate(WsCloseCode::kPolicy, fmt::format("Stream {} already exists", stream_id));
    return;
  }
  // The spec lets a server limit open streams; the id of a stream that failed to open stays taken
  // until closed, and failed slots are bounded too so that a flood cannot grow the map forever.
  if (streams_.size() >= 2 * settings_.max_streams) {
    Violate(WsCloseCode::kPolicy,
            fmt::format("Too many streams on this connection (the limit is {})",
                        settings_.max_streams));
    return;
  }
  auto slot = std::make_shared<Slot>();
  slot->client_id = stream_id;
  streams_.emplace(stream_id, slot);
  live_.insert(slot);
  if (open_streams_ >= settings_.max_streams) {
    Respond(request_id,
            hrana::Error{fmt::format("Too many streams are open on this connection (the limit is "
                                     "{}); close some before opening more",
                                     settings_.max_streams),
                         "STREAMS_TOO_MANY"});
    return;
  }
  ++open_streams_;
  slot->stream = std::make_unique<Stream>(next_stream_id.fetch_add(1), settings_.database, 0, 0);
  Respond(request_id, ws::OpenStreamResponse{});
}

std::shared_ptr<HranaWsSession::Slot> HranaWsSession::FindStream(int32_t stream_id) {
  auto found = streams_.find(stream_id);
  if (found != streams_.end()) return found->second;
  Violate(WsCloseCode::kPolicy, fmt::format("Stream {} not found", stream_id));
  return nullptr;
}

std::shared_ptr<HranaWsSession::Slot> HranaWsSession::FindCursor(int32_t cursor_id) {
  auto found = cursors_.find(cursor_id);
  if (found != cursors_.end()) return found->second;
  Violate(WsCloseCode::kPolicy, fmt::format("Cursor {} not found", cursor_id));
  return nullptr;
}

std::optional<std::string> HranaWsSession::ResolveSql(std::optional<std::string>& sql,
                                                      std::optional<int32_t>& sql_id) {
  auto resolved = hrana::ResolveSql(sql_context_, sql, sql_id);
  if (auto* failure = std::get_if<hrana::RequestFailure>(&resolved)) return failure->message;
  if (sql_id) {
    sql = *std::get<const std::string*>(resolved);
    sql_id.reset();
  }
  return std::nullopt;
}

std::optional<std::string> HranaWsSession::ResolveSql(hrana::Batch& batch) {
  for (hrana::BatchStep& step : batch.steps) {
    if (auto problem = ResolveSql(step.stmt.sql, step.stmt.sql_id)) return problem;
  }
  return std::nullopt;
}

void HranaWsSession::Enqueue(const std::shared_ptr<Slot>& slot, Job job) {
  queued_bytes_ += job.bytes;
  slot->queue.push_back(std::move(job));
  Pump(slot);
}

bool HranaWsSession::HasRoom() const {
  return running_ < kMaxRunning && transport_ && !transport_->Congested();
}

void HranaWsSession::Resume() {
  resume_posted_ = false;
  while (!closed_ && !waiting_.empty() && HasRoom()) {
    std::shared_ptr<Slot> slot = std::move(waiting_.front());
    waiting_.pop_front();
    slot->waiting = false;
    Pump(slot);
  }
}

void HranaWsSession::Pump(const std::shared_ptr<Slot>& slot) {
  while (!closed_ && !slot->busy && !slot->queue.empty()) {
    if (!HasRoom()) {
      // Resumed when a request completes or the client has read enough of its answers.
      if (!slot->waiting) {
        slot->waiting = true;
        waiting_.push_back(slot);
      }
      return;
    }
    Job job = std::move(slot->queue.front());
    slot->queue.pop_front();
    queued_bytes_ -= job.bytes;
    slot->busy = true;
    ++running_;
    Start(slot, job);  // requests that need no database complete before this returns
  }
}

void HranaWsSession::Start(const std::shared_ptr<Slot>& slot, Job& job) {
  const int32_t id = job.request_id;
  auto stream_not_open = [&]() -> Reply {
    return hrana::Error{fmt::format("Stream {} has failed to open", slot->client_id),
                        "STREAM_NOT_OPEN"};
  };
  // A request that runs SQL on the stream: through the RequestRunner, as on HTTP.
  auto run = [&](hrana::StreamRequest request) {
    if (!slot->stream) return Complete(slot, id, stream_not_open());
    slot->current = std::move(request);
    Slot* raw = slot.get();
    RunOnStream(
        slot, id, job.may_write, settings_.max_response_size, TraceLabel(raw->current),
        [raw](hrana::ExecutionContext& context) {
          return hrana::RunStreamRequest(context, raw->current);
        },
        [](hrana::RequestOutcome outcome) { return ReplyFor(std::move(outcome)); });
  };
  std::visit(Overloaded{
                 [&](ws::CloseStreamRequest&) {
                   if (!slot->stream) {
                     Complete(slot, id, ws::CloseStreamResponse{});
                     Released(slot);
                     return;
                   }
                   ReleaseStream(*slot->stream);
                   Complete(slot, id, ws::CloseStreamResponse{});
                   Released(slot);
                 },
                 [&](ws::ExecuteRequest& r) { run(hrana::ExecuteRequest{std::move(r.stmt)}); },
                 [&](ws::BatchRequest& r) { run(hrana::BatchRequest{std::move(r.batch)}); },
                 [&](ws::SequenceRequest& r) {
                   run(hrana::SequenceRequest{std::move(r.sql), std::nullopt, r.replication_index});
                 },
                 [&](ws::DescribeRequest& r) {
                   run(hrana::DescribeRequest{std::move(r.sql), std::nullopt, r.replication_index});
                 },
                 [&](ws::GetAutocommitRequest&) { run(hrana::GetAutocommitRequest{}); },
                 [&](ws::OpenCursorRequest& r) {
                   slot->cursor_open = false;
                   FreeCursorEntries(*slot);
                   if (!slot->stream) return Complete(slot, id, stream_not_open());
                   slot->cursor_batch = std::move(r.batch);
                   Slot* raw = slot.get();
                   // The connection's open cursors share one budget: a client opening cursors
                   // on many streams and never fetching holds no more than one could.
                   const size_t budget = std::max<size_t>(
                       1, settings_.max_cursor_size - std::min(settings_.max_cursor_size,
                                                               cursor_bytes_));
                   // The batch runs to the end now; fetch_cursor then hands out the buffered
                   // entries. Unlike sqld, no replication_index entry ends the cursor:
                   // @libsql/hrana-client rejects the unknown entry type in both encodings
                   // (protocol.md §18).
                   RunOnStream(
                       slot, id, job.may_write, budget, TraceLabel(raw->cursor_batch),
                       [raw](hrana::ExecutionContext& context) {
                         return raw->cursor.Run(context, raw->cursor_batch);
                       },
                       [this, raw](hrana::RequestOutcome outcome) -> Reply {
                         raw->cursor_batch = {};
                         if (!std::holds_alternative<hrana::StreamResult>(outcome)) {
                           raw->cursor.entries = {};
                           return ReplyFor(std::move(outcome));
                         }
                         raw->cursor_next = 0;
                         raw->cursor_open = true;
                         for (const hrana::CursorEntry& entry : raw->cursor.entries) {
                           raw->cursor_bytes += ApproximateSize(entry);
                         }
                         cursor_bytes_ += raw->cursor_bytes;
                         return ws::OpenCursorResponse{};
                       });
                 },
                 [&](ws::FetchCursorRequest& r) {
                   if (!slot->cursor_open) {
                     return Complete(
                         slot, id,
                         hrana::Error{fmt::format("Cursor {} has failed to open", r.cursor_id),
                                      "CURSOR_NOT_OPEN"});
                   }
                   // As sqld: at most max_count entries, and about an eighth of the response size
                   // limit.
                   const size_t max_bytes = std::max<size_t>(1, settings_.max_response_size / 8);
                   std::vector<hrana::CursorEntry>& entries = slot->cursor.entries;
                   ws::FetchCursorResponse response;
                   size_t bytes = 0;
                   while (response.entries.size() < r.max_count &&
                          slot->cursor_next < entries.size() && bytes < max_bytes) {
                     bytes += ApproximateSize(entries[slot->cursor_next]);
                     response.entries.push_back(std::move(entries[slot->cursor_next++]));
                   }
                   slot->cursor_bytes -= bytes;
                   cursor_bytes_ -= bytes;
                   response.done = slot->cursor_next == entries.size();
                   if (response.done) FreeCursorEntries(*slot);
                   Complete(slot, id, std::move(response));
                 },
                 [&](ws::CloseCursorRequest&) {
                   slot->cursor_open = false;
                   FreeCursorEntries(*slot);
                   Complete(slot, id, ws::CloseCursorResponse{});
                 },
                 // Answered when they arrive, never queued.
                 [&](ws::OpenStreamRequest&) {},
                 [&](ws::StoreSqlRequest&) {},
                 [&](ws::CloseSqlRequest&) {},
             },
             job.request);
}

void HranaWsSession::RunOnStream(const std::shared_ptr<Slot>& slot, int32_t request_id,
                                 bool may_write, size_t budget, std::string_view trace_label,
                                 Operation operation,
                                 std::function<Reply(hrana::RequestOutcome)> finish) {
  RunSettings settings{version_, may_write, budget, ClientPresence(settings_.client_socket, gone_),
                       trace_label, RequestTransport::kWebSocket};
  // The outcome may arrive on the writer's (or a read worker's) thread: the rest happens on the
  // connection's. A read on a pooled connection completes before RunOperation returns, on this
  // thread: it is answered at once, and Pump's loop goes on with the stream's next request.
  const std::thread::id origin = std::this_thread::get_id();
  in_run_operation_ = true;
  RunOperation(*slot->stream, std::move(operation), settings,
               [self = shared_from_this(), slot, request_id, origin,
                finish = std::move(finish)](hrana::RequestOutcome outcome) {
                 if (std::this_thread::get_id() == origin && self->in_run_operation_) {
                   self->Complete(slot, request_id, finish(std::move(outcome)));
                   return;
                 }
                 self->settings_.post(
                     [self, slot, request_id, finish, outcome = std::move(outcome)]() mutable {
                       self->Complete(slot, request_id, finish(std::move(outcome)));
                       self->Pump(slot);
                     });
               });
  in_run_operation_ = false;
}

HranaWsSession::Reply HranaWsSession::ReplyFor(hrana::RequestOutcome outcome) {
  if (auto* result = std::get_if<hrana::StreamResult>(&outcome)) {
    if (auto* error = std::get_if<hrana::Error>(result)) return std::move(*error);
    return ToWsResponse(std::get<hrana::StreamResponse>(*result));
  }
  auto& failure = std::get<hrana::RequestFailure>(outcome);  // escalations never get here
  switch (failure.http_status) {
    case 400:
      return Violation{WsCloseCode::kPolicy, std::move(failure.message)};
    case 403:
      // sqld drops the whole connection here; an error response tells the client why and keeps
      // its other streams working.
      return hrana::Error{std::move(failure.message), "PERMISSION_DENIED"};
    case 503:
      return Violation{WsCloseCode::kGoingAway, std::move(failure.message)};
    default:
      return Violation{WsCloseCode::kInternal, std::move(failure.message)};
  }
}

void HranaWsSession::Complete(const std::shared_ptr<Slot>& slot, int32_t request_id, Reply reply) {
  slot->busy = false;
  --running_;
  // Posted rather than called: a request completing inside Pump must not start others from there.
  if (!waiting_.empty() && !resume_posted_ && !closed_) {
    resume_posted_ = true;
    settings_.post([self = shared_from_this()] { self->Resume(); });
  }
  if (closed_) {
    if (slot->release_pending) Release(slot);
    return;
  }
  Respond(request_id, std::move(reply));
}

void HranaWsSession::Respond(int32_t request_id, Reply reply) {
  --outstanding_;
  if (closed_) return;
  std::visit(
      Overloaded{
          [&](ws::Response& response) {
            Send(ws::ResponseOkMsg{request_id, std::move(response)});
          },
          [&](hrana::Error& error) {
            Send(ws::ResponseErrorMsg{request_id, std::move(error)});
          },
          [&](Violation& violation) { Violate(violation.code, std::move(violation.reason)); },
      },
      reply);
}

void HranaWsSession::Send(const ws::ServerMsg& message) {
  if (closed_ || !transport_) return;
  transport_->Send(WsFrame{binary_, encode_(message)});
}

void HranaWsSession::Violate(WsCloseCode code, std::string reason) {
  if (closed_) return;
  spdlog::info("closing a Hrana WebSocket connection with code {}: {}", int(code), reason);
  if (transport_) transport_->Close(code, std::move(reason));
  BeginShutdown();
}

void HranaWsSession::BeginShutdown() {
  if (closed_) return;
  closed_ = true;
  streams_.clear();
  cursors_.clear();
  // Copied: releasing a slot may remove it from live_ at once.
  std::vector<std::shared_ptr<Slot>> slots(live_.begin(), live_.end());
  waiting_.clear();
  for (const std::shared_ptr<Slot>& slot : slots) {
    outstanding_ -= slot->queue.size();
    for (const Job& job : slot->queue) queued_bytes_ -= job.bytes;
    slot->queue.clear();
    if (slot->busy) {
      slot->release_pending = true;
    } else {
      Release(slot);
    }
  }
}

void HranaWsSession::Release(const std::shared_ptr<Slot>& slot) {
  slot->release_pending = false;
  if (!slot->stream) {
    Released(slot);
    return;
  }
  ReleaseStream(*slot->stream);
  settings_.post([self = shared_from_this(), slot] { self->Released(slot); });
}

void HranaWsSession::FreeCursorEntries(Slot& slot) {
  slot.cursor.entries = {};
  slot.cursor_next = 0;
  cursor_bytes_ -= slot.cursor_bytes;
  slot.cursor_bytes = 0;
}

void HranaWsSession::Released(const std::shared_ptr<Slot>& slot) {
  FreeCursorEntries(*slot);
  live_.erase(slot);
  if (closed_ && live_.empty() && shutdown_done_) settings_.post(std::exchange(shutdown_done_, {}));
}

void HranaWsSession::Shutdown(std::function<void()> done) {
  gone_->store(true, std::memory_order_relaxed);
  transport_ = nullptr;
  shutdown_done_ = std::move(done);
  BeginShutdown();
  if (live_.empty() && shutdown_done_) settings_.post(std::exchange(shutdown_done_, {}));
}

}  // namespace edgelite::server
