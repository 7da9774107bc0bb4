// Routing and the Hrana-over-HTTP endpoints. Requests are decoded by the JSON codec, run through the
// RequestRunner (reads inline on this thread, writes on the database's writer), and encoded back.
#include "server/hrana_http_service.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <memory>

#include "hrana/batch_executor.h"
#include "hrana/json_codec.h"
#include "hrana/legacy.h"
#include "hrana/request_executor.h"
#include "hrana/stmt_executor.h"
#include "server/request_runner.h"

namespace edgelite::server {

namespace asio = boost::asio;
using hrana::ProtocolVersion;

struct HranaHttpService::Caller {
  bool may_write = false;
};

namespace {

constexpr std::string_view kVersionText = "edgelite " EDGELITE_VERSION;

// Suspends the calling coroutine until `start` calls its callback (possibly on another thread),
// then resumes it on the coroutine's executor. A plain function rather than a coroutine: g++ 12
// destroys temporaries passed to coroutine parameters twice.
template <typename T, typename Start>
asio::awaitable<T> AwaitCallback(Start start) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
      [start = std::move(start)](auto handler) mutable {
        auto executor = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start([shared, executor](T value) {
          asio::post(executor, [shared, value = std::move(value)]() mutable {
            (*shared)(std::move(value));
          });
        });
      },
      asio::use_awaitable);
}

asio::awaitable<hrana::RequestOutcome> Run(Stream& stream, Operation operation,
                                           RunSettings settings) {
  return AwaitCallback<hrana::RequestOutcome>(
      [&stream, operation = std::move(operation), settings](auto done) mutable {
        RunOperation(stream, std::move(operation), settings, std::move(done));
      });
}

asio::awaitable<bool> Release(Stream& stream) {
  return AwaitCallback<bool>([&stream](auto done) {
    ReleaseStream(stream, [done = std::move(done)] { done(true); });
  });
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
          400, hrana::json::EncodeError({"The stream has expired due to inactivity",
                                         "STREAM_EXPIRED"}));
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

// Collects a cursor's entries; they are sent once the batch has run (a batch may run again on the
// writer, so nothing can be sent before it is final).
class CursorBuffer : public hrana::CursorSink {
 public:
  void Entry(hrana::CursorEntry entry) override { entries.push_back(std::move(entry)); }
  std::vector<hrana::CursorEntry> entries;
};

hrana::RequestOutcome FromBatchOutcome(hrana::BatchOutcome outcome) {
  if (auto* result = std::get_if<hrana::BatchResult>(&outcome)) {
    return hrana::StreamResult(hrana::StreamResponse(hrana::BatchResponse{std::move(*result)}));
  }
  if (auto* escalation = std::get_if<hrana::Escalation>(&outcome)) return *escalation;
  return std::get<hrana::RequestFailure>(outcome);
}

}  // namespace

asio::awaitable<HttpResponse> HranaHttpService::Handle(HttpRequest request) {
  std::string_view path = request.Path();
  const std::string& method = request.method;
  if (method == "GET") {
    if (path == "/health") co_return HttpResponse::Empty(200);
    if (path == "/version") co_return HttpResponse::Text(200, std::string(kVersionText));
    if (path == "/v1") co_return HttpResponse::Text(200, "This is sqld HTTP API v1");
    // The version probes: hrana-client picks its protocol from these. /v3-protobuf stays 404
    // until the protobuf encoding exists, so clients fall back to JSON.
    if (path == "/v2" || path == "/v3") {
      co_return HttpResponse::Text(200, "Hello, this is HTTP API v2 (Hrana over HTTP)");
    }
    co_return HttpResponse::Empty(404);
  }
  if (method != "POST") co_return HttpResponse::Empty(method == "HEAD" ? 404 : 405);

  bool known = path == "/" || path == "/v1/execute" || path == "/v1/batch" ||
               path == "/v2/pipeline" || path == "/v3/pipeline" || path == "/v3/cursor";
  if (!known) co_return HttpResponse::Empty(404);

  const std::string* authorization = request.Header("authorization");
  if (!authorization) authorization = request.Header("x-authorization");
  auth::AuthOutcome outcome = authenticator_->AuthenticateHeader(
      authorization ? std::optional<std::string_view>(*authorization) : std::nullopt);
  if (auto* failure = std::get_if<auth::AuthFailure>(&outcome)) {
    co_return HttpResponse::Json(
        401, hrana::json::EncodeRequestError(fmt::format("Unauthorized: `{}`", failure->message)));
  }
  const auth::Grant& grant = std::get<auth::Grant>(outcome);
  if (!grant.Allows(auth::Permission::kRead, database_->name())) {
    // Not "forbidden": whether a namespace exists is not told to those who may not see it.
    co_return HttpResponse::Json(404, hrana::json::EncodeRequestError(fmt::format(
                                          "Namespace `{}` doesn't exist", database_->name())));
  }
  Caller caller{grant.Allows(auth::Permission::kWrite, database_->name())};

  if (path == "/v2/pipeline") co_return co_await Pipeline(request, 2, caller);
  if (path == "/v3/pipeline") co_return co_await Pipeline(request, 3, caller);
  if (path == "/v3/cursor") co_return co_await Cursor(request, caller);
  if (path == "/v1/execute") co_return co_await V1(request, false, caller);
  if (path == "/v1/batch") co_return co_await V1(request, true, caller);
  co_return co_await Legacy(request, caller);
}

asio::awaitable<HttpResponse> HranaHttpService::Pipeline(const HttpRequest& request, int version,
                                                         const Caller& caller) {
  auto protocol = version == 3 ? ProtocolVersion::kV3 : ProtocolVersion::kV2;
  auto decoded = hrana::json::DecodePipelineRequest(request.body, protocol);
  if (!decoded.ok()) co_return HttpResponse::Text(400, decoded.status().message());

  auto checked_out = decoded->baton ? streams_->CheckOut(*decoded->baton) : streams_->Open(database_);
  if (auto* problem = std::get_if<BatonProblem>(&checked_out)) {
    co_return BatonProblemResponse(*problem);
  }
  std::shared_ptr<Stream> stream = std::get<std::shared_ptr<Stream>>(checked_out);

  size_t budget = config_.max_response_size;
  RunSettings settings{protocol, caller.may_write, &budget};
  hrana::PipelineResponse response;
  response.base_url = config_.http_self_url;
  bool closed = false;
  for (const hrana::StreamRequest& stream_request : decoded->requests) {
    if (closed) co_return HttpResponse::Text(400, "Stream for this baton was closed");
    if (std::holds_alternative<hrana::CloseRequest>(stream_request)) {
      co_await Release(*stream);
      streams_->Forget(*stream);
      closed = true;
      response.results.emplace_back(hrana::StreamResponse(hrana::CloseResponse{}));
      continue;
    }
    hrana::RequestOutcome outcome;
    if (!hrana::NeedsConnection(stream_request)) {
      RunRequest(*stream, stream_request, settings, [&](hrana::RequestOutcome o) {
        outcome = std::move(o);
      });
    } else {
      outcome = co_await Run(
          *stream,
          [&stream_request](hrana::ExecutionContext& context) {
            return hrana::RunStreamRequest(context, stream_request);
          },
          settings);
    }
    if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) {
      // A protocol error ends the stream: its transaction, if any, is rolled back.
      co_await Release(*stream);
      streams_->Forget(*stream);
      co_return FailureResponse(*failure);
    }
    response.results.push_back(std::move(std::get<hrana::StreamResult>(outcome)));
  }
  if (!closed) response.baton = streams_->CheckIn(stream);
  co_return HttpResponse::Json(200, hrana::json::EncodePipelineResponse(response));
}

asio::awaitable<HttpResponse> HranaHttpService::Cursor(const HttpRequest& request,
                                                       const Caller& caller) {
  auto decoded = hrana::json::DecodeCursorRequest(request.body, ProtocolVersion::kV3);
  if (!decoded.ok()) co_return HttpResponse::Text(400, decoded.status().message());

  auto checked_out = decoded->baton ? streams_->CheckOut(*decoded->baton) : streams_->Open(database_);
  if (auto* problem = std::get_if<BatonProblem>(&checked_out)) {
    co_return BatonProblemResponse(*problem);
  }
  std::shared_ptr<Stream> stream = std::get<std::shared_ptr<Stream>>(checked_out);

  size_t budget = config_.max_response_size;
  RunSettings settings{ProtocolVersion::kV3, caller.may_write, &budget};
  CursorBuffer buffer;
  const hrana::Batch& batch = decoded->batch;
  hrana::RequestOutcome outcome = co_await Run(
      *stream,
      [&buffer, &batch](hrana::ExecutionContext& context) {
        buffer.entries.clear();
        return FromBatchOutcome(hrana::ExecuteBatch(context, batch, &buffer));
      },
      settings);
  if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) {
    co_await Release(*stream);
    streams_->Forget(*stream);
    co_return FailureResponse(*failure);
  }
  hrana::CursorHeader header{streams_->CheckIn(stream), config_.http_self_url};
  std::string body = hrana::json::EncodeCursorHeader(header);
  for (const hrana::CursorEntry& entry : buffer.entries) {
    body += hrana::json::EncodeCursorEntry(entry);
  }
  // The libSQL extension entry: the JSON form is understood by every client that reads cursors.
  body += hrana::json::EncodeCursorEntry(
      hrana::ReplicationIndexEntry{database_->replication_index()});
  co_return HttpResponse::Text(200, std::move(body));
}

asio::awaitable<HttpResponse> HranaHttpService::V1(const HttpRequest& request, bool batch,
                                                   const Caller& caller) {
  // Each v1 request is a stream of its own that ends with it (id 0: it cannot keep a transaction).
  Stream stream(0, database_, 0, 0);
  size_t budget = config_.max_response_size;
  RunSettings settings{ProtocolVersion::kV1, caller.may_write, &budget};
  if (batch) {
    auto decoded = hrana::json::DecodeV1BatchRequest(request.body);
    if (!decoded.ok()) co_return HttpResponse::Text(400, decoded.status().message());
    const hrana::Batch& steps = *decoded;
    hrana::RequestOutcome outcome = co_await Run(
        stream,
        [&steps](hrana::ExecutionContext& context) {
          return FromBatchOutcome(hrana::ExecuteBatch(context, steps));
        },
        settings);
    co_await Release(stream);
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
  hrana::RequestOutcome outcome = co_await Run(
      stream,
      [&execute](hrana::ExecutionContext& context) {
        return hrana::RunStreamRequest(context, execute);
      },
      settings);
  co_await Release(stream);
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
  Stream stream(0, database_, 0, 0);
  size_t budget = config_.max_response_size;
  RunSettings settings{ProtocolVersion::kV1, caller.may_write, &budget};
  hrana::Batch batch = hrana::LegacyToBatch(*decoded);
  hrana::RequestOutcome outcome = co_await Run(
      stream,
      [&batch](hrana::ExecutionContext& context) -> hrana::RequestOutcome {
        hrana::RequestOutcome result = FromBatchOutcome(hrana::ExecuteBatch(context, batch));
        if (std::holds_alternative<hrana::StreamResult>(result) &&
            !context.connection->autocommit()) {
          return hrana::RequestFailure{400, "interactive transaction not allowed in HTTP queries"};
        }
        return result;
      },
      settings);
  co_await Release(stream);
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
