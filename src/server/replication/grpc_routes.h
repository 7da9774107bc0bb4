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

// The database a call is for, as the request selected it (namespace_selection.h).
struct ReplicationTarget {
  std::shared_ptr<server::Database> database;  // never null
  FrameSource* frames = nullptr;               // null when the database has no replication log
};

class GrpcRoutes {
 public:
  GrpcRoutes(const auth::Authenticator* authenticator, server::StreamRegistry* streams,
             ProxyLimits proxy_limits)
      : authenticator_(authenticator), proxy_(streams, proxy_limits) {}

  // Whether `path` belongs to one of the two gRPC services (unknown methods included: they get
  // UNIMPLEMENTED, as from any gRPC server).
  static bool Matches(std::string_view path);

  // Serves one call on `target`. `peer_address` ("ip:port") identifies legacy replicas that send
  // no session token. Pass named values (not temporaries): this is a coroutine.
  boost::asio::awaitable<server::HttpResponse> Handle(server::HttpRequest request,
                                                      std::string peer_address,
                                                      ReplicationTarget target);
  // The answer to a call for a namespace that could not be selected: NotFound becomes
  // FAILED_PRECONDITION NAMESPACE_DOESNT_EXIST (sqld's), InvalidArgument INVALID_ARGUMENT.
  static server::HttpResponse Refusal(const Status& status);

  ProxyService& proxy() { return proxy_; }

 private:
  const auth::Authenticator* authenticator_;
  ReplicationService replication_;
  ProxyService proxy_;
};

}  // namespace edgelite::replication
