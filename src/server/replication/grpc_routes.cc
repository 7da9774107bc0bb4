// Routing, metadata, auth and protobuf decoding for the gRPC-web services.
#include "server/replication/grpc_routes.h"

#include <fmt/format.h>

#include "server/metrics/namespace_stats.h"

namespace edgelite::replication {

namespace asio = boost::asio;
using server::GrpcCode;
using server::GrpcStatus;
using server::HttpRequest;
using server::HttpResponse;

namespace {

constexpr std::string_view kReplicationPrefix = "/wal_log.ReplicationLog/";
constexpr std::string_view kProxyPrefix = "/proxy.Proxy/";

enum class Method {
  kHello,
  kLogEntries,
  kBatchLogEntries,
  kSnapshot,
  kExecute,
  kDescribe,
  kDisconnect,
  kStreamExec,
  kUnknown,
};

Method MethodFor(std::string_view path) {
  if (path.starts_with(kReplicationPrefix)) {
    std::string_view name = path.substr(kReplicationPrefix.size());
    if (name == "Hello") return Method::kHello;
    if (name == "LogEntries") return Method::kLogEntries;
    if (name == "BatchLogEntries") return Method::kBatchLogEntries;
    if (name == "Snapshot") return Method::kSnapshot;
  } else if (path.starts_with(kProxyPrefix)) {
    std::string_view name = path.substr(kProxyPrefix.size());
    if (name == "Execute") return Method::kExecute;
    if (name == "Describe") return Method::kDescribe;
    if (name == "Disconnect") return Method::kDisconnect;
    if (name == "StreamExec") return Method::kStreamExec;
  }
  return Method::kUnknown;
}

HttpResponse Fail(const GrpcStatus& status) {
  return server::MakeGrpcWebResponse({}, status);
}

template <typename Message>
HttpResponse Reply(const server::GrpcReply<Message>& reply) {
  if (auto* status = std::get_if<GrpcStatus>(&reply)) return Fail(*status);
  return server::MakeGrpcWebResponse({std::get<Message>(reply).SerializeAsString()}, {});
}

template <typename Message>
HttpResponse Reply(const server::GrpcStream<Message>& stream) {
  std::vector<std::string> messages;
  messages.reserve(stream.messages.size());
  for (const Message& message : stream.messages) messages.push_back(message.SerializeAsString());
  return server::MakeGrpcWebResponse(messages, stream.status);
}

// The request message, or the status to fail with when it does not decode.
template <typename Message>
server::GrpcReply<Message> Decode(const std::string& bytes) {
  Message message;
  if (!message.ParseFromString(bytes)) {
    return GrpcStatus{
        GrpcCode::kInvalidArgument,
        fmt::format("The request body is not a valid {} message", message.GetTypeName())};
  }
  return message;
}

// gRPC binary metadata is base64, padded or not.
GrpcStatus ResolveFailure(const Status& status) {
  switch (status.kind()) {
    case ErrorKind::kNotFound:
      return {GrpcCode::kFailedPrecondition, "NAMESPACE_DOESNT_EXIST"};
    case ErrorKind::kInvalidArgument:
      return {GrpcCode::kInvalidArgument, status.message()};
    case ErrorKind::kUnavailable:
      return {GrpcCode::kUnavailable, status.message()};
    default:
      return {GrpcCode::kInternal, status.message()};
  }
}

}  // namespace

HttpResponse GrpcRoutes::Refusal(const Status& status) { return Fail(ResolveFailure(status)); }

bool GrpcRoutes::Matches(std::string_view path) {
  return path.starts_with(kReplicationPrefix) || path.starts_with(kProxyPrefix);
}

asio::awaitable<HttpResponse> GrpcRoutes::Handle(HttpRequest request, std::string peer_address,
                                                 ReplicationTarget target) {
  const std::shared_ptr<server::Database>& database = target.database;
  if (request.method != "POST") co_return HttpResponse::Empty(405);
  const std::string* content_type = request.Header("content-type");
  if (!content_type || !server::IsGrpcWebContentType(*content_type)) {
    co_return HttpResponse::Text(
        400,
        "gRPC calls on this port must use gRPC-web: content-type application/grpc-web or "
        "application/grpc-web+proto");
  }
  Method method = MethodFor(request.Path());
  if (method == Method::kUnknown) {
    co_return Fail({GrpcCode::kUnimplemented, fmt::format("Unknown method {}", request.Path())});
  }
  if (method == Method::kStreamExec) {
    co_return Fail({GrpcCode::kUnimplemented,
                    "StreamExec is bidirectional and needs HTTP/2; over gRPC-web use Execute"});
  }
  auto body = server::ReadSingleMessage(request.body);
  if (auto* status = std::get_if<GrpcStatus>(&body)) co_return Fail(*status);
  const std::string& message = std::get<std::string>(body);

  const std::string* authorization = request.Header("x-authorization");
  if (!authorization) authorization = request.Header("authorization");
  std::shared_ptr<const auth::Authenticator> own_authenticator;
  const auth::Authenticator& authenticator =
      database->AuthenticatorOr(*authenticator_, own_authenticator);
  auth::AuthOutcome outcome = authenticator.AuthenticateHeader(
      authorization ? std::optional<std::string_view>(*authorization) : std::nullopt);
  if (auto* failure = std::get_if<auth::AuthFailure>(&outcome)) {
    co_return Fail({GrpcCode::kUnauthenticated, fmt::format("AuthError: {}", failure->message)});
  }
  const auth::Grant& grant = std::get<auth::Grant>(outcome);

  // As on the HTTP routes, a caller who may not read a namespace is not told it exists.
  if (!grant.Allows(auth::Permission::kRead, database->name())) {
    co_return Fail({GrpcCode::kFailedPrecondition, "NAMESPACE_DOESNT_EXIST"});
  }

  ReplicationCall call;
  call.frames = target.frames;
  call.namespace_name = database->name();
  call.owner = database;
  if (const std::string* token = request.Header("x-session-token")) call.session_token = *token;
  call.peer_address = std::move(peer_address);
  if (server::NamespaceStats* stats = database->stats()) {
    // A replica is known by its session token, else by its host (its port changes with each
    // connection, so replicas on one host without tokens count as one).
    std::string replica = call.session_token.value_or(
        call.peer_address.substr(0, call.peer_address.rfind(':')));
    call.on_frames_sent = [stats, database, replica = std::move(replica)](
                              uint64_t frames, uint64_t replica_next_offset) {
      if (frames > 0) stats->RecordFramesReplicated(frames);
      stats->replica_positions().Record(replica, replica_next_offset);
    };
  }

  switch (method) {
    case Method::kHello: {
      auto decoded = Decode<wal_log::HelloRequest>(message);
      if (auto* status = std::get_if<GrpcStatus>(&decoded)) co_return Fail(*status);
      co_return Reply(replication_.Hello(call, std::get<wal_log::HelloRequest>(decoded)));
    }
    case Method::kLogEntries:
    case Method::kBatchLogEntries:
    case Method::kSnapshot: {
      auto decoded = Decode<wal_log::LogOffset>(message);
      if (auto* status = std::get_if<GrpcStatus>(&decoded)) co_return Fail(*status);
      const auto& offset = std::get<wal_log::LogOffset>(decoded);
      if (method == Method::kBatchLogEntries) {
        co_return Reply(replication_.BatchLogEntries(call, offset));
      }
      if (method == Method::kLogEntries) {
        auto stream = replication_.LogEntries(call, offset);
        if (auto* status = std::get_if<GrpcStatus>(&stream)) co_return Fail(*status);
        co_return server::MakeStreamedGrpcWebResponse(
            std::move(std::get<std::shared_ptr<LogEntriesStream>>(stream)));
      }
      co_return Reply(replication_.Snapshot(call, offset));
    }
    case Method::kExecute: {
      auto decoded = Decode<proxy::ProgramReq>(message);
      if (auto* status = std::get_if<GrpcStatus>(&decoded)) co_return Fail(*status);
      bool may_write = grant.Allows(auth::Permission::kWrite, database->name());
      const auto& program = std::get<proxy::ProgramReq>(decoded);
      co_return Reply(co_await proxy_.Execute(database, may_write, program,
                                                  server::ClientPresence(request.client_socket)));
    }
    case Method::kDescribe: {
      auto decoded = Decode<proxy::DescribeRequest>(message);
      if (auto* status = std::get_if<GrpcStatus>(&decoded)) co_return Fail(*status);
      const auto& describe = std::get<proxy::DescribeRequest>(decoded);
      co_return Reply(co_await proxy_.Describe(database, describe));
    }
    case Method::kDisconnect: {
      auto decoded = Decode<proxy::DisconnectMessage>(message);
      if (auto* status = std::get_if<GrpcStatus>(&decoded)) co_return Fail(*status);
      server::GrpcReply<proxy::Ack> ack =
          proxy_.Disconnect(std::get<proxy::DisconnectMessage>(decoded));
      co_return Reply(ack);
    }
    case Method::kStreamExec:
    case Method::kUnknown:
      break;
  }
  co_return Fail({GrpcCode::kUnimplemented, fmt::format("Unknown method {}", request.Path())});
}

}  // namespace edgelite::replication
