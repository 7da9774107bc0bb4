// GlobalOptions' flags, config file and defaults (placeholder until the config command lands).
#include "cli/global_options.h"

namespace edgelite::cli {

void AddGlobalOptions(CLI::App& /*app*/, GlobalOptions& /*options*/) {}

Status ResolveGlobalOptions(GlobalOptions& /*options*/) { return Status::Ok(); }

std::filesystem::path ConfigFilePath() { return {}; }

std::string DatabaseUrlFor(std::string_view server, std::string_view name) {
  std::string url(server);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/db/" + std::string(name) + "/";
}

}  // namespace edgelite::cli
