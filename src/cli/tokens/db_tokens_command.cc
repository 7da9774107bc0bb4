// `edgelite db tokens create`: signed JWTs for a database. (placeholder until the command lands)
#include "cli/tokens/db_tokens_command.h"

namespace edgelite::cli {

void AddDbTokensCommand(CLI::App& /*db*/, const GlobalOptions& /*global*/, int& /*exit_code*/) {}

}  // namespace edgelite::cli
