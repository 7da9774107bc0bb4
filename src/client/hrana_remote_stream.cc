// HranaRemoteStream: requests encoded with the shared protobuf codec, one HTTP call per pipeline,
// and the mapping of every answer that is not a 200 with a well-formed body to a Status. Error
// bodies are read as the server writes them (docs/protocol.md §5.2): `{"error": ...}` JSON for
// auth, permission and namespace failures, `{"message","code"}` JSON for an expired stream, and
// plain text for protocol errors.
#include "client/hrana_remote_stream.h"

#include <utility>

#include "client/database_url.h"
#include "common/text.h"
#include "hrana/json_codec.h"
#include "hrana/protobuf_codec.h"

namespace edgelite::client {
namespace {

constexpr std::string_view kPipelinePath = "/v3-protobuf/pipeline";
constexpr std::string_view kProtobufContentType = "application/x-protobuf";
// `libsql-remote-<lang>-<version>`, the form sqld counts clients by (docs/protocol.md §2.1).
constexpr std::string_view kClientVersion = "libsql-remote-cpp-" EDGELITE_VERSION;
// What the server says when it no longer has the stream a baton names (sqld's texts too).
constexpr std::string_view kInvalidBaton = "Received an invalid baton";
constexpr std::string_view kReusedBaton = "Received a baton that has already been used";
constexpr std::string_view kStreamExpiredCode = "STREAM_EXPIRED";
// Error bodies are quoted in messages up to this size: a proxy's HTML page can be large.
constexpr std::size_t kQuotedBodyLimit = 500;

Status StatementFailure(const hrana::Error& error) {
  if (error.code.empty()) return Status::SqlError(error.message);
  return Status::SqlError(error.code + ": " + error.message);
}

// The error an HTTP answer carries, as a person should read it.
struct ErrorBody {
  std::string text;
  std::string code;  // a Hrana error code, when the body had one
};

ErrorBody ReadErrorBody(const HttpResponse& response) {
  const std::string* content_type = response.Header("content-type");
  if (content_type && AsciiLowercase(*content_type).starts_with("application/json")) {
    std::optional<std::string> error, message, code;
    Status read = hrana::json::DecodeObject(
        response.body, hrana::ProtocolVersion::kV3, [&](hrana::json::FieldReader& reader) {
          return reader.OptionalString("error", error) &&
                 reader.OptionalString("message", message) && reader.OptionalString("code", code);
        });
    if (read.ok() && (error || message)) {
      ErrorBody body{error ? *error : *message, code.value_or("")};
      if (!body.code.empty()) body.text = body.code + ": " + body.text;
      return body;
    }
  }
  std::string text(TrimSpaces(response.body));
  if (text.size() > kQuotedBodyLimit) text = text.substr(0, kQuotedBodyLimit) + "...";
  return {std::move(text), ""};
}

// Whether a 400 says that the server no longer has the stream the baton names.
bool NamesUnknownStream(const ErrorBody& body) {
  return body.code == kStreamExpiredCode || body.text == kInvalidBaton || body.text == kReusedBaton;
}

// The Status for an HTTP answer other than 200.
Status HttpFailure(const std::string& url, int status, const ErrorBody& body, bool has_token) {
  const std::string what =
      "HTTP " + std::to_string(status) + (body.text.empty() ? std::string() : ": " + body.text);
  if (status == 400 && NamesUnknownStream(body)) {
    return Status::Unavailable("the server at " + url + " no longer has this stream (" + what +
                               ")");
  }
  if (status == 400) {
    return Status::InvalidArgument("the server at " + url + " refused the request (" + what + ")");
  }
  if (status == 401) {
    if (!has_token) {
      return Status::Unauthenticated("the server at " + url + " requires an auth token (" + what +
                                     "); pass one as authToken");
    }
    return Status::Unauthenticated("the server at " + url + " rejected the auth token (" + what +
                                   "); check that the token is complete, not expired, and signed "
                                   "by a key the server accepts");
  }
  if (status == 403) {
    return Status::PermissionDenied("the auth token does not allow this on " + url + " (" + what +
                                    ")");
  }
  if (status == 404) {
    return Status::NotFound(url + " was not found (" + what +
                            "); check the database URL: its host, path prefix and namespace");
  }
  if (status == 429 || status == 502 || status == 503 || status == 504) {
    return Status::Unavailable("the server at " + url + " is busy or unavailable (" + what +
                               "); retry later");
  }
  if (status >= 500) return Status::Internal("the server at " + url + " failed (" + what + ")");
  return Status::Internal("unexpected answer from " + url + " (" + what + ")");
}

}  // namespace

HranaRemoteStream::HranaRemoteStream(HttpClient& http, Options options)
    : http_(&http), options_(std::move(options)), base_url_(options_.base_url) {}

HranaRemoteStream::~HranaRemoteStream() {
  if (baton_) (void)Close();
}

Result<hrana::StmtResult> HranaRemoteStream::Execute(hrana::Stmt stmt, StreamEnd end) {
  auto result = Call(hrana::ExecuteRequest{std::move(stmt)}, end);
  if (!result.ok()) return result.status();
  if (const auto* error = std::get_if<hrana::Error>(&*result)) return StatementFailure(*error);
  return std::move(
      std::get<hrana::ExecuteResponse>(std::get<hrana::StreamResponse>(*result)).result);
}

Result<hrana::BatchResult> HranaRemoteStream::Batch(hrana::Batch batch, StreamEnd end) {
  auto result = Call(hrana::BatchRequest{std::move(batch)}, end);
  if (!result.ok()) return result.status();
  if (const auto* error = std::get_if<hrana::Error>(&*result)) return StatementFailure(*error);
  return std::move(std::get<hrana::BatchResponse>(std::get<hrana::StreamResponse>(*result)).result);
}

Status HranaRemoteStream::Sequence(std::string_view sql, StreamEnd end) {
  hrana::SequenceRequest request;
  request.sql = std::string(sql);
  auto result = Call(std::move(request), end);
  if (!result.ok()) return result.status();
  if (const auto* error = std::get_if<hrana::Error>(&*result)) return StatementFailure(*error);
  return Status::Ok();
}

Result<bool> HranaRemoteStream::IsAutocommit() {
  if (lost_transaction_) return *lost_transaction_;
  if (!baton_) return true;
  auto results = Pipeline({hrana::GetAutocommitRequest{}});
  if (!results.ok()) return results.status();
  if (const auto* error = std::get_if<hrana::Error>(&results->front())) {
    return StatementFailure(*error);
  }
  return !in_transaction_;
}

Status HranaRemoteStream::Close() {
  lost_transaction_.reset();
  if (!baton_) return Status::Ok();
  hrana::PipelineRequest pipeline{baton_, {hrana::CloseRequest{}}};
  bool stream_unknown = false;
  auto response = Exchange(pipeline, stream_unknown);
  Forget();
  // A stream the server has already forgotten is as closed as it gets.
  if (!response.ok() && !stream_unknown) return response.status();
  return Status::Ok();
}

Result<hrana::StreamResult> HranaRemoteStream::Call(hrana::StreamRequest request, StreamEnd end) {
  std::vector<hrana::StreamRequest> requests;
  requests.reserve(2);
  requests.push_back(std::move(request));
  if (end == StreamEnd::kClose) {
    requests.emplace_back(hrana::CloseRequest{});
  } else {
    requests.emplace_back(hrana::GetAutocommitRequest{});
  }
  auto results = Pipeline(std::move(requests));
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

Result<std::vector<hrana::StreamResult>> HranaRemoteStream::Pipeline(
    std::vector<hrana::StreamRequest> requests) {
  if (lost_transaction_) return *lost_transaction_;
  hrana::PipelineRequest pipeline{baton_, std::move(requests)};
  bool stream_unknown = false;
  auto response = Exchange(pipeline, stream_unknown);
  if (!response.ok() && stream_unknown && !in_transaction_) {
    // The server refused the baton before running anything, and the stream held no
    // transaction: a new stream loses nothing.
    Forget();
    pipeline.baton.reset();
    response = Exchange(pipeline, stream_unknown);
  }
  if (!response.ok()) {
    // Whether the server ran the requests is unknown, and its stream is gone or out of step with
    // the baton: either way it is lost.
    const bool transaction_lost = in_transaction_;
    Forget();
    if (!transaction_lost) return response.status();
    lost_transaction_ = Status(
        response.status().kind(),
        response.status().message() +
            "; the transaction open on this stream is lost (the server rolls it back): close the "
            "stream and run the transaction again");
    return *lost_transaction_;
  }

  baton_ = std::move(response->baton);
  if (response->base_url) base_url_ = std::move(*response->base_url);
  if (!baton_) {
    Forget();  // closed
  } else {
    for (const hrana::StreamResult& result : response->results) {
      const auto* ok = std::get_if<hrana::StreamResponse>(&result);
      const auto* answer = ok ? std::get_if<hrana::GetAutocommitResponse>(ok) : nullptr;
      if (answer) in_transaction_ = !answer->is_autocommit;
    }
  }
  return std::move(response->results);
}

Result<hrana::PipelineResponse> HranaRemoteStream::Exchange(const hrana::PipelineRequest& pipeline,
                                                            bool& stream_unknown) {
  stream_unknown = false;
  HttpRequest request;
  request.url = EndpointUrl(base_url_, kPipelinePath);
  request.headers.emplace_back("Content-Type", kProtobufContentType);
  request.headers.emplace_back("x-libsql-client-version", kClientVersion);
  if (options_.auth_token) {
    request.headers.emplace_back("Authorization", "Bearer " + *options_.auth_token);
  }
  request.body = hrana::protobuf::EncodePipelineRequest(pipeline);
  request.timeout = options_.timeout;
  request.connect_timeout = options_.connect_timeout;
  request.cancel = &interrupted_;

  interrupted_.store(false);
  auto response = http_->Send(request);
  if (interrupted_.exchange(false)) {
    return Status::SqlError("SQLITE_INTERRUPT: interrupted; the request to " + request.url +
                            " was abandoned");
  }
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    const ErrorBody body = ReadErrorBody(*response);
    stream_unknown = response->status == 400 && NamesUnknownStream(body);
    return HttpFailure(request.url, response->status, body, options_.auth_token.has_value());
  }
  const std::string* content_type = response->Header("content-type");
  if (!content_type || !AsciiLowercase(*content_type).starts_with(kProtobufContentType)) {
    return Status::Internal(request.url + " answered with " +
                            (content_type ? "content type " + *content_type : "no content type") +
                            " instead of a Hrana protobuf body; is the URL that of an edgelite or "
                            "sqld server?");
  }
  auto decoded = hrana::protobuf::DecodePipelineResponse(response->body, pipeline);
  if (!decoded.ok()) {
    return Status::Internal(
        "the server at " + request.url +
        " sent a response that is not valid Hrana: " + decoded.status().message());
  }
  return decoded;
}

void HranaRemoteStream::Forget() {
  baton_.reset();
  base_url_ = options_.base_url;
  in_transaction_ = false;
}

}  // namespace edgelite::client
