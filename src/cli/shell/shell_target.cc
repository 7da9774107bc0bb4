// Target resolution and the advice that goes with a failure to reach the target.
#include "cli/shell/shell_target.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "cli/tokens/token_signer.h"

namespace edgelite::cli::shell {
namespace {

constexpr std::chrono::seconds kSignedTokenLifetime = std::chrono::hours(1);

// The namespace a database URL names by its `/db/<name>/` path, the form DatabaseUrlFor writes;
// "default" for a URL without one (the server's only database when namespaces are off).
std::string NamespaceOfUrl(std::string_view url) {
  constexpr std::string_view kMarker = "/db/";
  const size_t start = url.find(kMarker);
  if (start == std::string_view::npos) return "default";
  std::string_view rest = url.substr(start + kMarker.size());
  rest = rest.substr(0, rest.find_first_of("/?#"));
  return rest.empty() ? "default" : std::string(rest);
}

std::string_view BeforeAdvice(std::string_view message) {
  // The SDK ends some messages with advice for programs (`pass one as authToken`); the shell
  // gives its own, in terms of its flags.
  const size_t advice = message.find("; ");
  return advice == std::string_view::npos ? message : message.substr(0, advice);
}

}  // namespace

TargetForm ClassifyTarget(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://", "libsql://", "ws://", "wss://"}) {
    if (target.starts_with(scheme)) return TargetForm::kUrl;
  }
  if (target == ":memory:" || target.find('/') != std::string_view::npos) return TargetForm::kPath;
  for (std::string_view extension : {".db", ".db3", ".sqlite", ".sqlite3"}) {
    if (target.ends_with(extension)) return TargetForm::kPath;
  }
  std::error_code error;
  if (std::filesystem::is_regular_file(std::filesystem::path(target), error)) {
    return TargetForm::kPath;
  }
  return TargetForm::kName;
}

Result<ShellTarget> ResolveShellTarget(const ShellTargetRequest& request,
                                       const GlobalOptions& global) {
  ShellTarget target;
  const TargetForm form = ClassifyTarget(request.target);
  if (form == TargetForm::kPath) {
    if (!request.replica_path.empty()) {
      return Status::InvalidArgument(
          "--replica keeps a local copy of a server's database, but \"" + request.target +
          "\" is a local file; give a database NAME or URL to replicate, or drop --replica");
    }
    target.kind = TargetKind::kLocalFile;
    target.path = request.target;
    return target;
  }
  if (form == TargetForm::kUrl) {
    target.url = request.target;
  } else {
    if (global.server.empty()) {
      return Status::InvalidArgument("no server to find database \"" + request.target +
                                     "\" on; pass --server URL or set EDGELITE_SERVER");
    }
    target.database_name = request.target;
    target.server = global.server;
    target.url = DatabaseUrlFor(global.server, request.target);
  }
  target.kind = request.replica_path.empty() ? TargetKind::kRemote : TargetKind::kReplica;
  target.path = request.replica_path;

  if (!request.auth_token.empty()) {
    target.auth_token = request.auth_token;
    target.token_origin = "--auth-token";
  } else if (const char* from_environment = std::getenv("EDGELITE_AUTH_TOKEN");
             from_environment && *from_environment) {
    target.auth_token = from_environment;
    target.token_origin = "EDGELITE_AUTH_TOKEN";
  } else if (!global.signing_key_file.empty()) {
    TokenRequest token_request;
    token_request.database =
        form == TargetForm::kName ? request.target : NamespaceOfUrl(request.target);
    token_request.expires_in = kSignedTokenLifetime;
    auto token = SignDatabaseToken(global.signing_key_file, token_request);
    if (!token.ok()) return token.status();
    target.auth_token = std::move(token).value();
    target.token_origin = "a token signed with " + global.signing_key_file;
  }
  return target;
}

OpenOptions OpenOptionsFor(const ShellTarget& target) {
  OpenOptions options;
  options.auth_token = target.auth_token;
  switch (target.kind) {
    case TargetKind::kLocalFile:
      options.path = target.path;
      break;
    case TargetKind::kRemote:
      options.url = target.url;
      break;
    case TargetKind::kReplica:
      options.path = target.path;
      options.sync_url = target.url;
      break;
  }
  return options;
}

std::string ExplainTargetFailure(const Status& status, const ShellTarget& target) {
  const std::string message = status.message();
  switch (status.kind()) {
    case ErrorKind::kUnavailable:
      if (!target.database_name.empty()) {
        return std::string(BeforeAdvice(message)) +
               "; check that the server is running and that --server (or "
               "EDGELITE_SERVER) names it";
      }
      return std::string(BeforeAdvice(message)) +
             "; check that the server is running at that address";
    case ErrorKind::kUnauthenticated:
      if (target.auth_token.empty()) {
        return std::string(BeforeAdvice(message)) +
               "; pass a token with --auth-token (or EDGELITE_AUTH_TOKEN), or let the shell sign "
               "one with --signing-key (or EDGELITE_SIGNING_KEY_FILE) set to the server's private "
               "key";
      }
      return std::string(BeforeAdvice(message)) + "; check the token from " + target.token_origin +
             ": it must be complete, not expired, and signed by the key whose public half the "
             "server loads with --auth-jwt-key-file";
    case ErrorKind::kPermissionDenied:
      return message + "; the token from " + target.token_origin +
             " does not allow it (a read-only token, or one for another database)";
    case ErrorKind::kNotFound:
      if (!target.database_name.empty()) {
        return "there is no database \"" + target.database_name + "\" on " + target.server + " (" +
               std::string(BeforeAdvice(message)) + "); create it with `edgelite db create " +
               target.database_name + "` or see the databases with `edgelite db list`";
      }
      return message;
    default:
      return message;
  }
}

}  // namespace edgelite::cli::shell
