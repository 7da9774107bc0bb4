// AdminService: sqld's admin API (docs/protocol.md §8.2) on --admin-listen-addr: creating,
// deleting and configuring namespaces. With --admin-auth-key every request must carry
// `Authorization: Basic <key>`, else 401 with an empty body, as sqld. Errors are 4xx with
// `{"error": "..."}` and change nothing.
//
// Routes: GET / (the welcome text), GET /metrics (Prometheus text, metrics_text.h),
// GET /v1/namespaces (edgelite's: the names, for tools), GET /v1/namespaces/:ns/stats (§16.2),
// DELETE /v1/namespaces/:ns/stats/top|slowest,
// POST /v1/namespaces/:ns/create, DELETE /v1/namespaces/:ns, GET and POST
// /v1/namespaces/:ns/config, POST /v1/namespaces/:from/fork/:to (body `{"timestamp": ...}` as sqld,
// or edgelite's `{"frame_no": N}`: a branch as of an earlier commit still in the source's log).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "server/http_message.h"
#include "server/namespaces/dump_loader.h"
#include "server/namespaces/namespace_registry.h"
#include "server/stream_registry.h"
#include "server/worker_pool.h"

namespace edgelite::server {

class AdminService {
 public:
  // `streams` (may be null) is counted in /metrics.
  AdminService(NamespaceRegistry* namespaces, std::optional<std::string> auth_key,
               const StreamRegistry* streams = nullptr, UrlFetcher fetch_dump = nullptr)
      : namespaces_(namespaces),
        auth_key_(std::move(auth_key)),
        streams_(streams),
        fetch_dump_(std::move(fetch_dump)) {}

  // Runs on an admin worker, never on the I/O thread: creating from a dump, forking or scraping
  // may take a while (and a dump_url may point back at this server).
  boost::asio::awaitable<HttpResponse> Handle(HttpRequest request);

 private:
  HttpResponse HandleOnWorker(const HttpRequest& request);
  HttpResponse Create(const std::string& name, const std::string& body);
  HttpResponse Delete(const std::string& name);
  HttpResponse Fork(const std::string& from, const std::string& to, const std::string& body);
  HttpResponse Checkpoint(const std::string& name);
  HttpResponse GetConfig(const std::string& name);
  HttpResponse SetConfig(const std::string& name, const std::string& body);
  HttpResponse List();

  NamespaceRegistry* namespaces_;
  const std::optional<std::string> auth_key_;
  const StreamRegistry* streams_;
  const UrlFetcher fetch_dump_;  // http(s) dump_url; file:// needs none
  WorkerPool workers_{1, 4};
};

}  // namespace edgelite::server
