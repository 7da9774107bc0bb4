// GlobalOptions: where the management commands (`edgelite db ...`, `keys`, `config`) find the
// server and their keys. Each value comes from, in this order: its flag before the subcommand
// (`edgelite --server URL db list`), its EDGELITE_* environment variable, the config file that
// `edgelite config set` writes, then a default that matches `edgelite serve`'s defaults.
#pragma once

#include <CLI/App.hpp>
#include <filesystem>
#include <string>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::cli {

struct GlobalOptions {
  std::string server;            // --server / EDGELITE_SERVER / `server`: the user API
  std::string admin_url;         // --admin-url / EDGELITE_ADMIN_URL / `admin-url`
  std::string admin_key;         // --admin-key / EDGELITE_ADMIN_KEY / `admin-key`
  std::string signing_key_file;  // --signing-key / EDGELITE_SIGNING_KEY_FILE / `signing-key`
};

constexpr std::string_view kDefaultServer = "http://127.0.0.1:8080";
constexpr std::string_view kDefaultAdminUrl = "http://127.0.0.1:9090";

// Adds the global flags (with their environment variables) to the top-level app.
void AddGlobalOptions(CLI::App& app, GlobalOptions& options);

// Fills what the flags and environment left empty from the config file, then the defaults.
// Fails (naming the file and the line) when the config file exists but cannot be read.
Status ResolveGlobalOptions(GlobalOptions& options);

// $XDG_CONFIG_HOME/edgelite/config, else ~/.config/edgelite/config (the format: config_file.h).
std::filesystem::path ConfigFilePath();

// The URL of database `name` on `server` that @libsql/client uses, remote and as `syncUrl`:
// `<server>/db/<name>/` (the path selects the namespace, so no custom header and no wildcard DNS
// is needed; the trailing slash keeps @libsql/client from dropping the last segment). Bytes of the
// name other than A-Z a-z 0-9 - . _ ~ are percent-encoded.
std::string DatabaseUrlFor(std::string_view server, std::string_view name);

// `name` as one percent-encoded path segment (`/db/<segment>/`, `/v1/namespaces/<segment>/...`).
std::string PathSegment(std::string_view name);

}  // namespace edgelite::cli
