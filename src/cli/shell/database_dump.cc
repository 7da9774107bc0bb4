// `.dump` for local files (in process) and remote databases (GET /dump).
#include "cli/shell/database_dump.h"

#include <sqlite3.h>

#include <memory>

#include "client/database_url.h"
#include "client/http_client.h"
#include "server/dump_exporter.h"

namespace edgelite::cli::shell {
namespace {

Status DumpLocalFile(const std::string& path, std::ostream& out) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
  if (rc != SQLITE_OK) {
    return Status::Io("cannot open " + path +
                      " to dump it: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  return server::ExportDump(db.get(), server::DumpOptions{}, [&](std::string_view piece) {
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    return static_cast<bool>(out);
  });
}

Status DumpRemote(const ShellTarget& target, std::ostream& out) {
  auto url = client::ParseDatabaseUrl(target.url);
  if (!url.ok()) return url.status();
  client::HttpRequest request;
  request.method = "GET";
  request.url = client::EndpointUrl(url->base_url, "/dump");
  // A large database takes long to dump; only a silent server is a failure.
  request.timeout = std::chrono::milliseconds(0);
  request.idle_timeout = std::chrono::seconds(60);
  const std::string token = url->auth_token.value_or(target.auth_token);
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  client::HttpClient http;
  auto response = http.SendStreaming(request, [&](std::string_view piece) {
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    return static_cast<bool>(out);
  });
  if (!response.ok()) return response.status();
  const int status = response->status;
  if (status == 200) return Status::Ok();
  const std::string what = request.url + " answered HTTP " + std::to_string(status) +
                           (response->body.empty() ? "" : ": " + response->body);
  if (status == 401) return Status::Unauthenticated(what);
  if (status == 403) return Status::PermissionDenied(what);
  if (status == 404) return Status::NotFound(what);
  return Status::Unavailable(what);
}

}  // namespace

Status DumpDatabase(const ShellTarget& target, std::ostream& out) {
  if (target.kind == TargetKind::kRemote) return DumpRemote(target, out);
  return DumpLocalFile(target.path, out);
}

}  // namespace edgelite::cli::shell
