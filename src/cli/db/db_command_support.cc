// The db commands' shared pieces.
#include "cli/db/db_command_support.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <ctime>
#include <iostream>

#include "cli/db/sql_import.h"

namespace edgelite::cli {
namespace json = boost::json;

uint64_t Number(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (!value) return 0;
  if (value->is_uint64()) return value->as_uint64();
  if (value->is_int64() && value->as_int64() > 0) return uint64_t(value->as_int64());
  if (value->is_double() && value->as_double() > 0) return uint64_t(value->as_double());
  return 0;
}

std::string LastWrite(const json::object& stats) {
  uint64_t ms = Number(stats, "last_write_ms");
  if (ms == 0) return "never";
  std::time_t seconds = std::time_t(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

Result<shell::ShellTarget> RemoteTarget(const GlobalOptions& global, const std::string& name) {
  shell::ShellTargetRequest request;
  request.target = DatabaseUrlFor(global.server, name);
  auto target = shell::ResolveShellTarget(request, global);
  if (!target.ok()) return target.status();
  target->database_name = name;
  target->server = global.server;
  return target;
}

Result<RemoteDatabase> OpenRemote(const GlobalOptions& global, const std::string& name) {
  auto target = RemoteTarget(global, name);
  if (!target.ok()) return target.status();
  RemoteDatabase remote;
  remote.target = std::move(target).value();
  auto opened = Database::Open(shell::OpenOptionsFor(remote.target));
  if (!opened.ok()) {
    return Status(opened.status().kind(), shell::ExplainTargetFailure(opened.status(), remote.target));
  }
  remote.database = std::move(opened).value();
  auto connection = remote.database->Connect();
  if (!connection.ok()) return connection.status();
  remote.connection = std::move(connection).value();
  return remote;
}

Status LoadInto(const GlobalOptions& global, const std::string& name, const std::string& file) {
  auto remote = OpenRemote(global, name);
  if (!remote.ok()) return remote.status();
  auto sql = SqlOfFile(file);
  if (!sql.ok()) return sql.status();
  Status imported = ImportSql(*remote->connection, **sql, file);
  if (!imported.ok()) {
    return Status(imported.kind(), shell::ExplainTargetFailure(imported, remote->target));
  }
  return imported;
}

int RunDbCommand(const GlobalOptions& global,
                 const std::function<Status(const GlobalOptions& resolved)>& command) {
  GlobalOptions resolved = global;
  Status status = ResolveGlobalOptions(resolved);
  if (status.ok()) status = command(resolved);
  if (status.ok()) return 0;
  std::cerr << "edgelite: " << status.message() << "\n";
  return 1;
}

}  // namespace edgelite::cli
