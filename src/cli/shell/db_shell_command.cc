// `edgelite db shell`: the SQL shell. (placeholder until the command lands)
#include "cli/shell/db_shell_command.h"

namespace edgelite::cli {

void AddDbShellCommand(CLI::App& /*db*/, const GlobalOptions& /*global*/, int& /*exit_code*/) {}

}  // namespace edgelite::cli
