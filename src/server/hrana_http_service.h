// HranaHttpService: the user-facing HTTP API — routing, auth, and the Hrana HTTP endpoints (legacy
// `POST /`, v1, v2 and v3 pipelines and cursors, the version probes) of docs/protocol.md §2.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "hrana/protocol_version.h"
#include "server/auth/authenticator.h"
#include "server/database.h"
#include "server/http_message.h"
#include "server/namespaces/namespace_registry.h"
#include "server/namespaces/namespace_selection.h"
#include "server/replication/grpc_routes.h"
#include "server/server_config.h"
#include "server/stream_registry.h"

namespace edgelite::server {

class HranaHttpService {
 public:
  // `grpc` serves the replication and proxy calls on the same port (may be null).
  HranaHttpService(const ServerConfig& config, NamespaceRegistry* namespaces,
                   NamespaceRouting routing, const auth::Authenticator* authenticator,
                   StreamRegistry* streams, replication::GrpcRoutes* grpc = nullptr)
      : config_(config),
        namespaces_(namespaces),
        routing_(routing),
        authenticator_(authenticator),
        streams_(streams),
        grpc_(grpc) {}

  boost::asio::awaitable<HttpResponse> Handle(HttpRequest request);

  // Called now and then by the listener: ends the state of clients that went quiet.
  void CollectIdle(std::chrono::steady_clock::time_point now);

  // Shared with Hrana over WebSocket, whose upgrades arrive on the same port.
  const ServerConfig& config() const { return config_; }
  // The database a request is for (docs/protocol.md §2.3), or the response refusing it; the
  // request's target loses any `/db/<name>` prefix.
  std::variant<std::shared_ptr<Database>, HttpResponse> DatabaseFor(HttpRequest& request) const;
  const auth::Authenticator* authenticator() const { return authenticator_; }

 private:
  struct Caller;
  // The database of `name`, loaded if needed, or the response refusing it (a gRPC status when
  // `grpc`).
  std::variant<std::shared_ptr<Database>, HttpResponse> Acquire(const std::string& name,
                                                                bool grpc) const;
  enum class Encoding { kJson, kProtobuf };
  boost::asio::awaitable<HttpResponse> Pipeline(const HttpRequest& request,
                                                hrana::ProtocolVersion version, Encoding encoding,
                                                const Caller& caller);
  boost::asio::awaitable<HttpResponse> Cursor(const HttpRequest& request, Encoding encoding,
                                              const Caller& caller);
  // The stream a baton names (checked out), or a new one; or the response refusing the baton.
  std::variant<std::shared_ptr<Stream>, HttpResponse> TakeStream(
      const std::shared_ptr<Database>& database, const std::optional<std::string>& baton);
  // Rolls back the stream's transaction, if any, and forgets the stream.
  void EndStream(Stream& stream);
  boost::asio::awaitable<HttpResponse> V1(const HttpRequest& request, bool batch,
                                          const Caller& caller);
  boost::asio::awaitable<HttpResponse> Legacy(const HttpRequest& request, const Caller& caller);

  const ServerConfig& config_;
  NamespaceRegistry* namespaces_;
  const NamespaceRouting routing_;
  const auth::Authenticator* authenticator_;
  StreamRegistry* streams_;
  replication::GrpcRoutes* grpc_;
};

}  // namespace edgelite::server
