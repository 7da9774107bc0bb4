// HranaHttpService: the user-facing HTTP API — routing, auth, and the Hrana HTTP endpoints (legacy
// `POST /`, v1, v2 and v3 pipelines and cursors, the version probes) of docs/protocol.md §2.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "server/auth/authenticator.h"
#include "server/database.h"
#include "server/http_message.h"
#include "server/server_config.h"
#include "server/stream_registry.h"

namespace edgelite::server {

class HranaHttpService {
 public:
  HranaHttpService(const ServerConfig& config, Database* database,
                   const auth::Authenticator* authenticator, StreamRegistry* streams)
      : config_(config), database_(database), authenticator_(authenticator), streams_(streams) {}

  boost::asio::awaitable<HttpResponse> Handle(HttpRequest request);

 private:
  struct Caller;
  boost::asio::awaitable<HttpResponse> Pipeline(const HttpRequest& request, int version,
                                                const Caller& caller);
  boost::asio::awaitable<HttpResponse> Cursor(const HttpRequest& request, const Caller& caller);
  boost::asio::awaitable<HttpResponse> V1(const HttpRequest& request, bool batch,
                                          const Caller& caller);
  boost::asio::awaitable<HttpResponse> Legacy(const HttpRequest& request, const Caller& caller);

  const ServerConfig& config_;
  Database* database_;
  const auth::Authenticator* authenticator_;
  StreamRegistry* streams_;
};

}  // namespace edgelite::server
