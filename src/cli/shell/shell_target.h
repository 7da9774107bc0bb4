// ShellTarget: what `edgelite db shell TARGET` opens, and how to tell the user what went wrong
// with it.
//
// TARGET is read as:
//  - a URL (http://, https://, libsql://, ws://, wss://): that remote database;
//  - a path: an existing file, or anything with a `/`, or a name ending in .db, .db3, .sqlite or
//    .sqlite3, or `:memory:`: that local SQLite file, opened in this process;
//  - otherwise a database NAME on the configured server (`--server` / EDGELITE_SERVER):
//    `<server>/db/<NAME>/`.
// With `--replica PATH`, a NAME or URL target is opened as an embedded replica: the local file
// PATH, synced from the database before the first prompt; reads run locally, writes on the server.
//
// The auth token for a server is `--auth-token` or EDGELITE_AUTH_TOKEN; without one, when a
// signing key is configured (`--signing-key` / EDGELITE_SIGNING_KEY_FILE), the shell signs a
// token for the database that lasts an hour; otherwise it sends none.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/config/global_options.h"
#include "edgelite/options.h"
#include "edgelite/status.h"

namespace edgelite::cli::shell {

enum class TargetForm { kUrl, kPath, kName };

TargetForm ClassifyTarget(std::string_view target);

enum class TargetKind { kLocalFile, kRemote, kReplica };

struct ShellTarget {
  TargetKind kind = TargetKind::kLocalFile;
  std::string path;           // the local file (local file, replica)
  std::string url;            // the server's database URL (remote, replica)
  std::string database_name;  // the NAME the user gave; empty for a URL or a path
  std::string server;         // the server NAME was looked up on
  std::string auth_token;
  // Where the token came from, for error messages: "--auth-token", "EDGELITE_AUTH_TOKEN", or
  // "a token signed with <key file>"; empty when there is no token.
  std::string token_origin;
};

struct ShellTargetRequest {
  std::string target;
  std::string replica_path;  // --replica; empty for none
  std::string auth_token;    // --auth-token; empty when not given
};

// Resolves the target against the (already resolved) global options, signing a token if needed.
// Fails when --replica is given a path target, or a token cannot be signed.
Result<ShellTarget> ResolveShellTarget(const ShellTargetRequest& request,
                                       const GlobalOptions& global);

OpenOptions OpenOptionsFor(const ShellTarget& target);

// What the user sees when opening or using the target failed for a reason other than the SQL:
// the SDK's message (which names the URL tried) and what to do about it.
std::string ExplainTargetFailure(const Status& status, const ShellTarget& target);

}  // namespace edgelite::cli::shell
