// What the `db` commands share: failing with one line on stderr, the global options resolved, the
// stats JSON read, and a remote connection to a database of the configured server with the token
// the shell would use (EDGELITE_AUTH_TOKEN, else one signed with the signing key).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/config/global_options.h"
#include "cli/shell/shell_target.h"
#include "edgelite/database.h"
#include "edgelite/status.h"

namespace edgelite::cli {

// Resolves the global options and runs `command` with them: the exit code, 0 on success, else 1
// after "edgelite: <what went wrong>" on stderr.
int RunDbCommand(const GlobalOptions& global,
                 const std::function<Status(const GlobalOptions& resolved)>& command);

// A non-negative integer field of a JSON object; 0 when absent.
uint64_t Number(const boost::json::object& object, std::string_view key);

// The stats' `last_write_ms` as "2026-12-07 20:41:03 UTC", or "never".
std::string LastWrite(const boost::json::object& stats);

struct RemoteDatabase {
  shell::ShellTarget target;
  std::unique_ptr<Database> database;
  std::unique_ptr<Connection> connection;
};

// Database `name` on the configured server, with that token.
Result<shell::ShellTarget> RemoteTarget(const GlobalOptions& global, const std::string& name);

Result<RemoteDatabase> OpenRemote(const GlobalOptions& global, const std::string& name);

// Loads a SQL dump or a SQLite file into database `name`, in one transaction.
Status LoadInto(const GlobalOptions& global, const std::string& name, const std::string& file);

}  // namespace edgelite::cli
