// Routing and the Hrana-over-HTTP endpoints. Requests are decoded by the JSON codec, run through
// the RequestRunner (reads inline on this thread, writes on the database's writer), and encoded
// back.
#include "server/hrana_http_service.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "hrana/batch_executor.h"
#include "hrana/cursor_buffer.h"
#include "hrana/json_codec.h"
#include "hrana/legacy.h"
#include "hrana/protobuf_codec.h"
#include "hrana/request_executor.h"
#include "hrana/stmt_executor.h"
#include "server/dump_endpoint.h"
#include "server/export_endpoint.h"
#include "server/http_authorization.h"
#include "server/request_runner.h"

namespace edgelite::server {

namespace asio = boost::asio;
using hrana::ProtocolVersion;

struct HranaHttpService::Caller {
  bool may_write = false;
  std::shared_ptr<Database> database;
};

namespace {

// A request for a namespace that does not exist or is not named properly.
HttpResponse NamespaceRefusal(const Status& status, bool grpc) {
  if (grpc) return replication::GrpcRoutes::Refusal(status);
  return HttpResponse::Json(HttpStatusFor(status),
                            hrana::json::EncodeRequestError(status.message()));
}

constexpr std::string_view kVersionText = "edgelite " EDGELITE_VERSION;

// The result of a call that completes through a callback, either before the call returns (reads on
// a pooled connection: the common case, which then costs no suspension and no post) or later on
// another thread (the writer). The state is shared with the callback so that a completion arriving
// during shutdown, after the waiting coroutine is gone, touches nothing freed.
template <typename T>
class Completion {
 public:
  std::function<void(T)> Callback() {
    return [state = state_](T value) {
      std::unique_lock lock(state->mutex);
      if (!state->resume) {
        state->value = std::move(value);
        return;
      }
      auto resume = std::move(state->resume);
      lock.unlock();
      resume(std::move(value));
    };
  }

  // Called once the starting call has returned: the value, if it is already there.
  std::optional<T> TakeReady() {
    std::lock_guard lock(state_->mutex);
    std::optional<T> ready;
    ready.swap(state_->value);
    return ready;
  }

  // Otherwise, waits for it. A plain function, not a coroutine: async_initiate's initiation is a
  // coroutine parameter, and g++ 12 destroys a temporary passed to one twice when the caller is a
  // coroutine too.
  asio::awaitable<T> Wait() {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
        [state = state_](auto handler) {
          auto executor = asio::get_associated_executor(handler);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          auto resume = [shared, executor](T value) {
            asio::post(executor, [shared, value = std::move(value)]() mutable {
              (*shared)(std::move(value));
            });
          };
          std::unique_lock lock(state->mutex);
          if (state->value) {
            T value = std::move(*state->value);
            lock.unlock();
            resume(std::move(value));
          } else {
            state->resume = std::move(resume);
          }
        },
        asio::use_awaitable);
  }

 private:
  struct State {
    std::mutex mutex;
    std::optional<T> value;
    std::function<void(T)> resume;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// `operation` is taken by reference (callers pass a named one): g++ 12 destroys temporaries passed
// to coroutine parameters twice.
asio::awaitable<hrana::RequestOutcome> Run(Stream& stream, const Operation& operation,
                                           RunSettings settings) {
  Completion<hrana::RequestOutcome> completion;
  RunOperation(stream, operation, settings, completion.Callback());
  if (auto ready = completion.TakeReady()) co_return std::move(*ready);
  co_return co_await completion.Wait();
}

HttpResponse FailureResponse(const hrana::RequestFailure& failure) {
  if (failure.http_status == 400) return HttpResponse::Text(400, failure.message);
  return HttpResponse::Json(failure.http_status, hrana::json::EncodeRequestError(failure.message));
}

HttpResponse BatonProblemResponse(BatonProblem problem) {
  switch (problem) {
    case BatonProblem::kInvalid:
      return HttpResponse::Text(400, "Received an invalid baton");
    case BatonProblem::kReused:
      return HttpResponse::Text(400, "Received a baton that has already been used");
    case BatonProblem::kExpired:
      return HttpResponse::Json(
          400,
          hrana::json::EncodeError({"The stream has expired due to inactivity", "STREAM_EXPIRED"}));
    case BatonProblem::kTooManyStreams:
      return HttpResponse::Json(
          503, hrana::json::EncodeRequestError("Too many open streams; close idle ones and retry"));
  }
  return HttpResponse::Text(400, "Received an invalid baton");
}

// The HTTP status of a v1 statement error (docs/protocol.md §2.5).
int V1StatusFor(const hrana::Error& error) {
  if (error.code == "ARGS_BOTH_POSITIONAL_AND_NAMED") return 501;
  if (error.code == "TRANSACTION_TIMEOUT" || error.code == "TRANSACTION_BUSY") return 503;
  if (error.code.starts_with("SQLITE_")) return 500;
  return 400;
}

}  // namespace

void HranaHttpService::CollectIdle(std::chrono::steady_clock::time_point now) {
  if (grpc_) grpc_->proxy().CollectIdle(now);
  namespaces_->Collect();
}

std::variant<std::shared_ptr<Database>, HttpResponse> HranaHttpService::DatabaseFor(
    HttpRequest& request) const {
  auto selected = SelectNamespace(request, routing_);
  if (!selected.ok()) return NamespaceRefusal(selected.status(), false);
  request.target = std::move(selected->target);
  return Acquire(selected->name, false);
}

std::variant<std::shared_ptr<Database>, HttpResponse> HranaHttpService::Acquire(
    const std::string& name, bool grpc) const {
  auto database = namespaces_->Acquire(name);
  if (!database.ok()) return NamespaceRefusal(database.status(), grpc);
  return std::move(database).value();
}

asio::awaitable<HttpResponse> HranaHttpService::Handle(HttpRequest request) {
  auto selected = SelectNamespace(request, routing_);
  if (!selected.ok()) {
    co_return NamespaceRefusal(selected.status(),
                               grpc_ && replication::GrpcRoutes::Matches(request.Path()));
  }
  request.target = std::move(selected->target);
  const std::string namespace_name = std::move(selected->name);
  std::string_view path = request.Path();
  const std::string& method = request.method;
  if (method == "GET") {
    if (path == "/health") co_return HttpResponse::Empty(200);
    if (path == "/version") co_return HttpResponse::Text(200, std::string(kVersionText));
    if (path == "/v1") co_return HttpResponse::Text(200, "This is sqld HTTP API v1");
    if (path == "/export") {
      auto database = Acquire(namespace_name, false);
      if (auto* refusal = std::get_if<HttpResponse>(&database)) co_return std::move(*refusal);
      const auto& target = std::get<std::shared_ptr<Database>>(database);
      std::shared_ptr<const auth::Authenticator> own;
      co_return ServeExport(request, target, target->AuthenticatorOr(*authenticator_, own),
                            config_.db_path / ".exports");
    }
    if (path == "/dump") {
      auto database = Acquire(namespace_name, false);
      if (auto* refusal = std::get_if<HttpResponse>(&database)) co_return std::move(*refusal);
      const auto& target = std::get<std::shared_ptr<Database>>(database);
      std::shared_ptr<const auth::Authenticator> own;
      co_return ServeDump(request, target, target->AuthenticatorOr(*authenticator_, own));
    }
    // The version probes: hrana-client picks its protocol (and encoding) from these.
    if (path == "/v2" || path == "/v3" || path == "/v3-protobuf") {
      co_return HttpResponse::Text(200, "Hello, this is HTTP API v2 (Hrana over HTTP)");
    }
    co_return HttpResponse::Empty(404);
  }
  if (method != "POST") co_return HttpResponse::Empty(method == "HEAD" ? 404 : 405);
  if (grpc_ && replication::GrpcRoutes::Matches(path)) {
    auto database = Acquire(namespace_name, true);
    if (auto* refusal = std::get_if<HttpResponse>(&database)) co_return std::move(*refusal);
    std::string peer = request.remote_address;
    replication::ReplicationTarget target;
    target.database = std::get<std::shared_ptr<Database>>(std::move(database));
    target.frames = target.database->frame_source();
    co_return co_await grpc_->Handle(std::move(request), std::move(peer), std::move(target));
  }

  bool known = path == "/" || path == "/v1/execute" || path == "/v1/batch" ||
               path == "/v2/pipeline" || path == "/v3/pipeline" || path == "/v3/cursor" ||
               path == "/v3-protobuf/pipeline" || path == "/v3-protobuf/cursor";
  if (!known) co_return HttpResponse::Empty(404);

  auto acquired = Acquire(namespace_name, false);
  if (auto* refusal = std::get_if<HttpResponse>(&acquired)) co_return std::move(*refusal);
  std::shared_ptr<Database> database = std::get<std::shared_ptr<Database>>(std::move(acquired));
  std::shared_ptr<const auth::Authenticator> own_authenticator;
  auto authorized = AuthorizeRead(
      request, database->AuthenticatorOr(*authenticator_, own_authenticator), database->name());
  if (auto* refusal = std::get_if<HttpResponse>(&authorized)) co_return std::move(*refusal);
  const auth::Grant& grant = std::get<auth::Grant>(authorized);
  Caller caller{grant.Allows(auth::Permission::kWrite, database->name()), std::move(database)};

  if (path == "/v2/pipeline") {
    co_return co_await Pipeline(request, ProtocolVersion::kV2, Encoding::kJson, caller);
  }
  if (path == "/v3/pipeline") {
    co_return co_await Pipeline(request, ProtocolVersion::kV3, Encoding::kJson, caller);
  }
  if (path == "/v3-protobuf/pipeline") {
    co_return co_await Pipeline(request, ProtocolVersion::kV3, Encoding::kProtobuf, caller);
  }
  if (path == "/v3/cursor") co_return co_await Cursor(request, Encoding::kJson, caller);
  if (path == "/v3-protobuf/cursor")
    co_return co_await Cursor(request, Encoding::kProtobuf, caller);
  if (path == "/v1/execute") co_return co_await V1(request, false, caller);
  if (path == "/v1/batch") co_return co_await V1(request, true, caller);
  co_return co_await Legacy(request, caller);
}

std::variant<std::shared_ptr<Stream>, HttpResponse> HranaHttpService::TakeStream(
    const std::shared_ptr<Database>& database, const std::optional<std::string>& baton) {
  auto checked_out = baton ? streams_->CheckOut(database, *baton) : streams_->Open(database);
  if (auto* problem = std::get_if<BatonProblem>(&checked_out))
    return BatonProblemResponse(*problem);
  return std::get<std::shared_ptr<Stream>>(std::move(checked_out));
}

void HranaHttpService::EndStream(Stream& stream) {
  ReleaseStream(stream);
  streams_->Forget(stream);
}

asio::awaitable<HttpResponse> HranaHttpService::Pipeline(const HttpRequest& request,
                                                         ProtocolVersion protocol,
                                                         Encoding encoding, const Caller& caller) {
  auto decoded = encoding == Encoding::kJson
                     ? hrana::json::DecodePipelineRequest(request.body, protocol)
                     : hrana::protobuf::DecodePipelineRequest(request.body);
  if (!decoded.ok()) co_return HttpResponse::Text(400, decoded.status().message());
  auto taken = TakeStream(caller.database, decoded->baton);
  if (auto* refusal = std::get_if<HttpResponse>(&taken)) co_return std::move(*refusal);
  std::shared_ptr<Stream> stream = std::get<std::shared_ptr<Stream>>(std::move(taken));

  RunSettings settings{protocol, caller.may_write, config_.max_response_size,
                       ClientPresence(request.client_socket), {}};
  hrana::PipelineResponse response;
  response.base_url = config_.http_self_url;
  bool closed = false;
  for (const hrana::StreamRequest& stream_request : decoded->requests) {
    if (closed) co_return HttpResponse::Text(400, "Stream for this baton was closed");
    if (std::holds_alternative<hrana::CloseRequest>(stream_request)) {
      EndStream(*stream);
      closed = true;
      response.results.emplace_back(hrana::StreamResponse(hrana::CloseResponse{}));
      continue;
    }
    hrana::RequestOutcome outcome;
    if (!hrana::NeedsConnection(stream_request)) {
      RunRequest(*stream, stream_request, settings,
                 [&](hrana::RequestOutcome o) { outcome = std::move(o); });
    } else {
      Operation operation = [&stream_request](hrana::ExecutionContext& context) {
        return hrana::RunStreamRequest(context, stream_request);
      };
      settings.trace_label = TraceLabel(stream_request);
      outcome = co_await Run(*stream, operation, settings);
    }
    if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) {
      // A protocol error ends the stream: its transaction, if any, is rolled back.
      EndStream(*stream);
      co_return FailureResponse(*failure);
    }
    response.results.push_back(std::move(std::get<hrana::StreamResult>(outcome)));
  }
  if (!closed) response.baton = streams_->CheckIn(stream);
  if (encoding == Encoding::kProtobuf) {
    co_return HttpResponse{
        200, "application/x-protobuf", hrana::protobuf::EncodePipelineResponse(response), {}};
  }
  co_return HttpResponse::Json(200, hrana::json::EncodePipelineResponse(response));
}

asio::awaitable<HttpResponse> HranaHttpService::Cursor(const HttpRequest& request,
                                                       Encoding encoding, const Caller& caller) {
  auto decoded = encoding == Encoding::kJson
                     ? hrana::json::DecodeCursorRequest(request.body, ProtocolVersion::kV3)
                     : hrana::protobuf::DecodeCursorRequest(request.body);
  if (!decoded.ok()) co_return HttpResponse::Text(400, decoded.status().message());
  auto taken = TakeStream(caller.database, decoded->baton);
  if (auto* refusal = std::get_if<HttpResponse>(&taken)) co_return std::move(*refusal);
  std::shared_ptr<Stream> stream = std::get<std::shared_ptr<Stream>>(std::move(taken));

  const hrana::Batch& batch = decoded->batch;
  RunSettings settings{ProtocolVersion::kV3, caller.may_write, config_.max_response_size,
                       ClientPresence(request.client_socket), TraceLabel(batch)};
  hrana::CursorBuffer buffer;
  Operation operation = [&buffer, &batch](hrana::ExecutionContext& context) {
    return buffer.Run(context, batch);
  };
  hrana::RequestOutcome outcome = co_await Run(*stream, operation, settings);
  if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) {
    EndStream(*stream);
    co_return FailureResponse(*failure);
  }
  hrana::CursorHeader header{streams_->CheckIn(stream), config_.http_self_url};
  if (encoding == Encoding::kProtobuf) {
    // No replication_index entry: sqld's protobuf form of it breaks @libsql/hrana-client 0.10
    // cursors, so the codec has no encoding for it (protobuf_codec.h).
    std::string body = hrana::protobuf::EncodeCursorHeader(header);
    for (const hrana::CursorEntry& entry : buffer.entries) {
      body += hrana::protobuf::EncodeCursorEntry(entry);
    }
    co_return HttpResponse{200, "application/octet-stream", std::move(body), {}};
  }
  std::string body = hrana::json::EncodeCursorHeader(header);
  for (const hrana::CursorEntry& entry : buffer.entries) {
    body += hrana::json::EncodeCursorEntry(entry);
  }
  // The libSQL extension entry: the JSON form is understood by every client that reads cursors.
  body +=
      hrana::json::EncodeCursorEntry(hrana::ReplicationIndexEntry{caller.database->replication_index()});
  co_return HttpResponse::Text(200, std::move(body));
}

asio::awaitable<HttpResponse> HranaHttpService::V1(const HttpRequest& request, bool batch,
                                                   const Caller& caller) {
  // Each v1 request is a stream of its own that ends with it (id 0).
  Stream stream(0, caller.database, 0, 0);
  RunSettings settings{ProtocolVersion::kV1, caller.may_write, config_.max_response_size,
                       ClientPresence(request.client_socket), {}};
  if (batch) {
    auto decoded = hrana::json::DecodeV1BatchRequest(request.body);
    if (!decoded.ok()) co_return HttpResponse::Text(400, decoded.status().message());
    const hrana::Batch& steps = *decoded;
    settings.trace_label = TraceLabel(steps);
    Operation operation = [&steps](hrana::ExecutionContext& context) {
      return hrana::FromBatchOutcome(hrana::ExecuteBatch(context, steps));
    };
    hrana::RequestOutcome outcome = co_await Run(stream, operation, settings);
    ReleaseStream(stream);
    if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) {
      co_return FailureResponse(*failure);
    }
    auto& response = std::get<hrana::StreamResponse>(std::get<hrana::StreamResult>(outcome));
    co_return HttpResponse::Json(
        200, hrana::json::EncodeV1BatchResponse(std::get<hrana::BatchResponse>(response).result));
  }
  auto decoded = hrana::json::DecodeV1ExecuteRequest(request.body);
  if (!decoded.ok()) co_return HttpResponse::Text(400, decoded.status().message());
  hrana::StreamRequest execute = hrana::ExecuteRequest{std::move(decoded).value()};
  settings.trace_label = TraceLabel(execute);
  Operation operation = [&execute](hrana::ExecutionContext& context) {
    return hrana::RunStreamRequest(context, execute);
  };
  hrana::RequestOutcome outcome = co_await Run(stream, operation, settings);
  ReleaseStream(stream);
  if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) {
    co_return FailureResponse(*failure);
  }
  auto& result = std::get<hrana::StreamResult>(outcome);
  if (auto* error = std::get_if<hrana::Error>(&result)) {
    co_return HttpResponse::Json(V1StatusFor(*error), hrana::json::EncodeError(*error));
  }
  auto& response = std::get<hrana::StreamResponse>(result);
  co_return HttpResponse::Json(
      200, hrana::json::EncodeV1ExecuteResponse(std::get<hrana::ExecuteResponse>(response).result));
}

asio::awaitable<HttpResponse> HranaHttpService::Legacy(const HttpRequest& request,
                                                       const Caller& caller) {
  auto decoded = hrana::json::DecodeLegacyRequest(request.body);
  if (!decoded.ok()) {
    co_return HttpResponse::Json(400, hrana::json::EncodeRequestError(decoded.status().message()));
  }
  Stream stream(0, caller.database, 0, 0);
  hrana::Batch batch = hrana::LegacyToBatch(*decoded);
  RunSettings settings{ProtocolVersion::kV1, caller.may_write, config_.max_response_size,
                       ClientPresence(request.client_socket), TraceLabel(batch)};
  Operation operation = [&batch](hrana::ExecutionContext& context) -> hrana::RequestOutcome {
    hrana::RequestOutcome result = hrana::FromBatchOutcome(hrana::ExecuteBatch(context, batch));
    if (std::holds_alternative<hrana::StreamResult>(result) && !hrana::StreamInAutocommit(context)) {
      return hrana::RequestFailure{400, "interactive transaction not allowed in HTTP queries"};
    }
    return result;
  };
  hrana::RequestOutcome outcome = co_await Run(stream, operation, settings);
  ReleaseStream(stream);
  if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) {
    co_return HttpResponse::Json(failure->http_status,
                                 hrana::json::EncodeRequestError(failure->message));
  }
  auto& response = std::get<hrana::StreamResponse>(std::get<hrana::StreamResult>(outcome));
  const hrana::BatchResult& result = std::get<hrana::BatchResponse>(response).result;
  co_return HttpResponse::Json(200, hrana::json::EncodeLegacyResponse(
                                        hrana::LegacyOutcomes(result, decoded->statements.size())));
}

}  // namespace edgelite::server
