// GrpcRoutes: the entry point of the user HTTP port for gRPC-web calls (docs/protocol.md §2.2,
// §9.1): `POST /wal_log.ReplicationLog/<method>` and `POST /proxy.Proxy/<method>`. It does what
// every call needs before a service sees it, in sqld's order: unframe the request message, read
// the namespace from `x-namespace-bin`, authenticate `x-authorization` (or `authorization`),
// find the database; then it decodes the protobuf request, calls ReplicationService or
// ProxyService, and frames the reply. LogEntries is answered with a streamed body that stays open
// as long as the replica does (log_entries_stream.h); Snapshot, which ends, is buffered into one
// response.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "edgelite/status.h"
#include "server/auth/authenticator.h"
#include "server/database.h"
#include "server/http_message.h"
#include "server/replication/frame_source.h"
#include "server/replication/proxy_service.h"
#include "server/replication/replication_service.h"
#include "server/stream_registry.h"

namespace edgelite::replication {

// The database a call is for.
struct ReplicationTarget {
  server::Database* database = nullptr;  // never null in a resolved target
  FrameSource* frames = nullptr;         // null when the database has no replication log
};

// Finds the target of a call from its decoded `x-namespace-bin` (nullopt when absent). Failures:
// NotFound (the namespace does not exist) becomes FAILED_PRECONDITION NAMESPACE_DOESNT_EXIST;
// InvalidArgument (e.g. namespaces are enabled and the metadata is missing) is passed on with its
// message.
using TargetResolver =
    std::function<Result<ReplicationTarget>(const std::optional<std::string>& namespace_name)>;

// The resolver of a server without namespaces: every call goes to `target`, whatever namespace
// the client names (sqld ignores the metadata then).
TargetResolver SingleTarget(ReplicationTarget target);

class GrpcRoutes {
 public:
  GrpcRoutes(const auth::Authenticator* authenticator, TargetResolver resolve,
             server::StreamRegistry* streams, ProxyLimits proxy_limits)
      : authenticator_(authenticator),
        resolve_(std::move(resolve)),
        proxy_(streams, proxy_limits) {}

  // Whether `path` belongs to one of the two gRPC services (unknown methods included: they get
  // UNIMPLEMENTED, as from any gRPC server).
  static bool Matches(std::string_view path);

  // Serves one call. `peer_address` ("ip:port") identifies legacy replicas that send no session
  // token. Pass named values (not temporaries): this is a coroutine.
  boost::asio::awaitable<server::HttpResponse> Handle(server::HttpRequest request,
                                                      std::string peer_address);

  ProxyService& proxy() { return proxy_; }

 private:
  const auth::Authenticator* authenticator_;
  TargetResolver resolve_;
  ReplicationService replication_;
  ProxyService proxy_;
};

}  // namespace edgelite::replication
