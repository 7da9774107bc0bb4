// Streaming a remote database's endpoint.
#include "cli/shell/database_download.h"

#include <chrono>
#include <string>

#include "client/database_url.h"
#include "client/http_client.h"

namespace edgelite::cli::shell {

Status DownloadFromDatabase(const ShellTarget& target, std::string_view endpoint,
                            const std::function<bool(std::string_view)>& sink,
                            const std::atomic<bool>* cancel) {
  auto url = client::ParseDatabaseUrl(target.url);
  if (!url.ok()) return url.status();
  client::HttpRequest request;
  request.method = "GET";
  request.url = client::EndpointUrl(url->base_url, endpoint);
  // A large database takes long to send; only a silent server is a failure.
  request.timeout = std::chrono::milliseconds(0);
  request.idle_timeout = std::chrono::seconds(60);
  request.cancel = cancel;
  const std::string token = url->auth_token.value_or(target.auth_token);
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  client::HttpClient http;
  auto response = http.SendStreaming(request, sink);
  if (!response.ok()) return response.status();
  const int status = response->status;
  // 0: stopped by the sink or `cancel` before any answer.
  if (status == 200 || status == 0) return Status::Ok();
  const std::string what = request.url + " answered HTTP " + std::to_string(status) +
                           (response->body.empty() ? "" : ": " + response->body);
  if (status == 401) return Status::Unauthenticated(what);
  if (status == 403) return Status::PermissionDenied(what);
  if (status == 404) return Status::NotFound(what);
  return Status::Unavailable(what);
}

}  // namespace edgelite::cli::shell
