// `edgelite db create|list|show|destroy|inspect|export|dump|import` through the admin API. (placeholder until the command lands)
#include "cli/db_commands.h"

namespace edgelite::cli {

void AddDbCommands(CLI::App& /*db*/, const GlobalOptions& /*global*/, int& /*exit_code*/) {}

}  // namespace edgelite::cli
