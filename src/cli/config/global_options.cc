// GlobalOptions' flags, config file and defaults (see global_options.h).
#include "cli/config/global_options.h"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <cstdlib>
#include <optional>
#include <utility>

#include "cli/config/config_file.h"

namespace edgelite::cli {
namespace {

// An environment variable that is set and not empty.
std::optional<std::string> Environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace

void AddGlobalOptions(CLI::App& app, GlobalOptions& options) {
  app.add_option("--server", options.server,
                 "URL of the server's user API, for `db shell` and database URLs (default " +
                     std::string(kDefaultServer) + ")")
      ->envname("EDGELITE_SERVER");
  app.add_option("--admin-url", options.admin_url,
                 "URL of the server's admin API, for `db` commands (default " +
                     std::string(kDefaultAdminUrl) + ")")
      ->envname("EDGELITE_ADMIN_URL");
  app.add_option("--admin-key", options.admin_key,
                 "Key for the admin API: the server's --admin-auth-key")
      ->envname("EDGELITE_ADMIN_KEY");
  app.add_option("--signing-key", options.signing_key_file,
                 "Private key file that `db tokens create` signs with (the jwt_private.pem of "
                 "`edgelite keys generate`)")
      ->envname("EDGELITE_SIGNING_KEY_FILE");
  app.footer(
      "Global options come before the subcommand. Each one left unset is read from the config "
      "file (" +
      ConfigFilePath().string() + ", written by `edgelite config set KEY VALUE`).\n");
}

Status ResolveGlobalOptions(GlobalOptions& options) {
  const std::pair<std::string*, std::string_view> fields[] = {
      {&options.server, "server"},
      {&options.admin_url, "admin-url"},
      {&options.admin_key, "admin-key"},
      {&options.signing_key_file, "signing-key"},
  };
  bool any_unset = false;
  for (const auto& [field, key] : fields) any_unset = any_unset || field->empty();
  // Everything given on the command line: a damaged config file does not get in the way.
  if (!any_unset) return Status::Ok();
  Result<ConfigFile> config = ConfigFile::Load(ConfigFilePath());
  if (!config.ok()) return config.status();
  for (const auto& [field, key] : fields) {
    if (!field->empty()) continue;
    if (std::optional<std::string> value = config->Get(key)) *field = std::move(*value);
  }
  if (options.server.empty()) options.server = kDefaultServer;
  if (options.admin_url.empty()) options.admin_url = kDefaultAdminUrl;
  return Status::Ok();
}

std::filesystem::path ConfigFilePath() {
  // The XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (std::optional<std::string> xdg = Environment("XDG_CONFIG_HOME");
      xdg && std::filesystem::path(*xdg).is_absolute()) {
    return std::filesystem::path(*xdg) / "edgelite" / "config";
  }
  if (std::optional<std::string> home = Environment("HOME")) {
    return std::filesystem::path(*home) / ".config" / "edgelite" / "config";
  }
  // No HOME (a bare container or a service): the working directory is the only place left.
  return std::filesystem::path(".config") / "edgelite" / "config";
}

std::string PathSegment(std::string_view name) {
  // A namespace name may hold spaces, `?`, `#`, `%` or UTF-8; the server percent-decodes the path
  // segment, so every byte but RFC 3986's unreserved ones is escaped.
  return boost::urls::encode(name, boost::urls::unreserved_chars);
}

std::string DatabaseUrlFor(std::string_view server, std::string_view name) {
  std::string url(server);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/db/" + PathSegment(name) + "/";
}

}  // namespace edgelite::cli
