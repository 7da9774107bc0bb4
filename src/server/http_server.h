// HttpServer: the user-facing HTTP/1.1 listener (Boost.Beast over Asio). It owns the I/O threads,
// accepts connections, parses requests with limits, hands them to HranaHttpService and writes the
// responses with sqld's permissive CORS headers, streamed ones (streamed_body.h) as they are
// produced. With --hrana-listen-addr it also serves sqld's WebSocket-only Hrana listener, whose
// connections must all upgrade. Beast is included by http_server.cc only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "edgelite/status.h"
#include "server/admin/admin_service.h"
#include "server/hrana_http_service.h"
#include "server/server_config.h"
#include "server/stream_registry.h"

namespace edgelite::server {

class HttpServer {
 public:
  // `admin` serves config.admin_listen_addr (may be null when that is unset).
  HttpServer(const ServerConfig& config, HranaHttpService* service, StreamRegistry* streams,
             AdminService* admin = nullptr);
  ~HttpServer();

  // The addresses actually bound (a port given as 0 is chosen when binding).
  struct BoundAddresses {
    std::string http;
    std::optional<std::string> hrana;  // the WebSocket-only listener, when configured
    std::optional<std::string> admin;  // the admin API, when configured
  };
  // Binds the listeners.
  Result<BoundAddresses> Bind();
  // Serves until SIGINT/SIGTERM or Stop(), on the configured number of I/O threads. Streamed
  // responses still open then are stopped and get a second to write their endings (a replica's
  // LogEntries its UNAVAILABLE trailers).
  void Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgelite::server
