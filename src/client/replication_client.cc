// gRPC-web calls from an embedded replica to its primary.
#include "client/replication_client.h"

#include <fmt/format.h>

#include <utility>

#include "client/database_url.h"
#include "common/base64.h"
#include "protocol/grpc_web_framing.h"
#include "protocol/wire_frame.h"
#include "wal_log.pb.h"

namespace edgelite::client {
namespace {

using protocol::GrpcCode;
using protocol::GrpcStatus;

constexpr std::string_view kNeedSnapshot = "NEED_SNAPSHOT";
constexpr std::string_view kNoHello = "NO_HELLO";
constexpr std::string_view kClientVersion = "edgelite-rpc-" EDGELITE_VERSION;

// What a failed call means to the person reading the error.
Status StatusForGrpc(const GrpcStatus& status, std::string_view method, std::string_view url) {
  std::string message = fmt::format("{} failed on the primary at {}: {}", method, url,
                                    status.message.empty() ? "no message" : status.message);
  switch (status.code) {
    case GrpcCode::kUnauthenticated:
      return Status::Unauthenticated(message + " (check the auth token)");
    case GrpcCode::kPermissionDenied:
      return Status::PermissionDenied(message);
    case GrpcCode::kNotFound:
      return Status::NotFound(message);
    case GrpcCode::kUnavailable:
    case GrpcCode::kDeadlineExceeded:
    case GrpcCode::kCancelled:
    case GrpcCode::kAborted:
      return Status::Unavailable(message);
    case GrpcCode::kFailedPrecondition:
      // NEED_SNAPSHOT and NO_HELLO are decided on by the caller; they keep the bare message.
      if (status.message == kNeedSnapshot || status.message == kNoHello) {
        return Status::Unavailable(status.message);
      }
      return Status::InvalidArgument(message);
    case GrpcCode::kUnimplemented:
      return Status::InvalidArgument(message + " (the server does not serve replication)");
    default:
      return Status::Internal(message);
  }
}

bool IsNeedSnapshot(const Status& status) {
  return status.kind() == ErrorKind::kUnavailable && status.message() == kNeedSnapshot;
}

Result<replication::LogFrame> DecodeFrame(const wal_log::Frame& frame) {
  auto decoded = replication::DecodeWireFrame(frame.data());
  if (!decoded.ok()) return decoded.status();
  if (frame.has_timestamp()) decoded->commit_time_ms = frame.timestamp();
  return decoded;
}

Result<replication::LogFrame> DecodeFrameMessage(const std::string& bytes) {
  wal_log::Frame frame;
  if (!frame.ParseFromString(bytes)) {
    return Status::Internal("the primary sent a replication frame that does not parse");
  }
  return DecodeFrame(frame);
}

std::string LogOffsetMessage(uint64_t next_frame_no) {
  wal_log::LogOffset offset;
  offset.set_next_offset(next_frame_no);
  offset.set_wal_flavor(wal_log::LogOffset::Sqlite);
  return offset.SerializeAsString();
}

}  // namespace

bool IsNoHello(const Status& status) {
  return status.kind() == ErrorKind::kUnavailable && status.message() == kNoHello;
}

ReplicationClient::ReplicationClient(ReplicationClientOptions options)
    : options_(std::move(options)) {}

HttpRequest ReplicationClient::MakeRequest(std::string_view method, const std::string& request,
                                           std::chrono::milliseconds timeout) const {
  HttpRequest http;
  http.url = EndpointUrl(options_.base_url, method);
  http.headers = {
      {"content-type", "application/grpc-web"},
      {"te", "trailers"},
      {"x-namespace-bin", base64::Encode(options_.namespace_name)},
      {"x-libsql-client-version", std::string(kClientVersion)},
  };
  if (!options_.auth_token.empty()) {
    http.headers.emplace_back("x-authorization", "Bearer " + options_.auth_token);
  }
  if (session_token_) http.headers.emplace_back("x-session-token", *session_token_);
  http.body = protocol::EncodeDataFrame(request);
  http.timeout = timeout;
  // A stream without an overall limit still fails when the primary goes silent mid-message.
  if (timeout.count() == 0) http.idle_timeout = std::chrono::minutes(5);
  http.cancel = cancel_;
  return http;
}

Status ReplicationClient::Stream(std::string_view method, const std::string& request,
                                 const std::function<Status(std::string&&)>& on_message,
                                 std::chrono::milliseconds timeout) {
  HttpRequest http = MakeRequest(method, request, timeout);
  protocol::GrpcWebResponseReader reader;
  Status failure;
  auto response = http_.SendStreaming(http, [&](std::string_view bytes) {
    // Whatever follows the trailers is read and dropped, not refused: stopping the transfer early
    // would close the connection, and the next call would pay a new one.
    if (reader.ending()) return true;
    reader.Feed(bytes);
    for (std::string& message : reader.TakeMessages()) {
      failure = on_message(std::move(message));
      if (!failure.ok()) return false;
    }
    return true;
  });
  if (!failure.ok()) return failure;
  if (!response.ok()) return response.status();
  if (cancel_ && cancel_->load()) return Status::Unavailable(fmt::format("{}: cancelled", method));
  if (response->status != 200) {
    return Status::Unavailable(fmt::format("{} failed: the primary at {} answered HTTP {}", method,
                                           http.url, response->status));
  }
  GrpcStatus ending;
  if (reader.ending()) {
    ending = *reader.ending();
  } else {
    // Trailers-only: the status travels in the HTTP headers; or the body was cut short.
    const std::string* status = response->Header("grpc-status");
    const std::string* message = response->Header("grpc-message");
    if (!status && reader.has_partial_frame()) {
      return Status::Unavailable(fmt::format("{}: the primary's response was cut short", method));
    }
    if (!status)
      return Status::Unavailable(fmt::format("{}: the primary ended the stream", method));
    ending = protocol::StatusFromTrailers(
        *status, message ? std::optional<std::string_view>(*message) : std::nullopt);
  }
  if (!ending.ok()) {
    Status status = StatusForGrpc(ending, method, http.url);
    if (IsNoHello(status)) session_token_.reset();
    return status;
  }
  return Status::Ok();
}

Result<std::string> ReplicationClient::Call(std::string_view method, const std::string& request) {
  std::optional<std::string> reply;
  Status status = Stream(
      method, request,
      [&](std::string&& message) {
        if (reply)
          return Status::Internal(fmt::format("{} answered more than one message", method));
        reply = std::move(message);
        return Status::Ok();
      },
      options_.request_timeout);
  if (!status.ok()) return status;
  if (!reply) return Status::Internal(fmt::format("{} answered no message", method));
  return std::move(*reply);
}

Result<PrimaryHello> ReplicationClient::Hello() {
  wal_log::HelloRequest request;
  request.set_handshake_version(1);
  session_token_.reset();
  auto bytes = Call("/wal_log.ReplicationLog/Hello", request.SerializeAsString());
  if (!bytes.ok()) return bytes.status();
  wal_log::HelloResponse response;
  if (!response.ParseFromString(*bytes) || response.log_id().empty()) {
    return Status::Internal("the primary's Hello response does not parse");
  }
  session_token_ = response.session_token();
  PrimaryHello hello{response.log_id(), std::nullopt};
  if (response.has_current_replication_index()) {
    hello.current_frame_no = response.current_replication_index();
  }
  return hello;
}

Result<FrameBatch> ReplicationClient::BatchLogEntries(uint64_t next_frame_no) {
  auto bytes = Call("/wal_log.ReplicationLog/BatchLogEntries", LogOffsetMessage(next_frame_no));
  if (!bytes.ok()) {
    if (IsNeedSnapshot(bytes.status())) return FrameBatch(NeedSnapshot{});
    return bytes.status();
  }
  wal_log::Frames frames;
  if (!frames.ParseFromString(*bytes)) {
    return Status::Internal("the primary sent a frame batch that does not parse");
  }
  std::vector<replication::LogFrame> decoded;
  decoded.reserve(size_t(frames.frames_size()));
  for (const wal_log::Frame& frame : frames.frames()) {
    auto one = DecodeFrame(frame);
    if (!one.ok()) return one.status();
    decoded.push_back(std::move(one).value());
  }
  return FrameBatch(std::move(decoded));
}

Status ReplicationClient::StreamFrames(
    std::string_view method, uint64_t next_frame_no,
    const std::function<Status(replication::LogFrame&&)>& on_frame) {
  // No overall limit: a snapshot of a large database, or a live stream, takes as long as it takes;
  // the HTTP client's idle limit still catches a primary that stopped sending.
  return Stream(
      method, LogOffsetMessage(next_frame_no),
      [&](std::string&& message) {
        auto frame = DecodeFrameMessage(message);
        if (!frame.ok()) return frame.status();
        return on_frame(std::move(frame).value());
      },
      std::chrono::milliseconds(0));
}

Status ReplicationClient::Snapshot(uint64_t next_frame_no,
                                   const std::function<Status(replication::LogFrame&&)>& on_frame) {
  return StreamFrames("/wal_log.ReplicationLog/Snapshot", next_frame_no, on_frame);
}

Result<ReplicationClient::StreamEnd> ReplicationClient::LogEntries(
    uint64_t next_frame_no, const std::function<Status(replication::LogFrame&&)>& on_frame) {
  Status status = StreamFrames("/wal_log.ReplicationLog/LogEntries", next_frame_no, on_frame);
  if (IsNeedSnapshot(status)) return StreamEnd::kNeedSnapshot;
  if (!status.ok()) return status;
  return StreamEnd::kEnded;
}

Result<proxy::ExecuteResults> ReplicationClient::Execute(const std::string& client_id,
                                                         const proxy::Program& program) {
  proxy::ProgramReq request;
  request.set_client_id(client_id);
  *request.mutable_pgm() = program;
  auto bytes = Call("/proxy.Proxy/Execute", request.SerializeAsString());
  if (!bytes.ok()) return bytes.status();
  proxy::ExecuteResults results;
  if (!results.ParseFromString(*bytes)) {
    return Status::Internal("the primary's Execute response does not parse");
  }
  return results;
}

Status ReplicationClient::Disconnect(const std::string& client_id) {
  proxy::DisconnectMessage request;
  request.set_client_id(client_id);
  auto bytes = Call("/proxy.Proxy/Disconnect", request.SerializeAsString());
  return bytes.ok() ? Status::Ok() : bytes.status();
}

}  // namespace edgelite::client
