// `edgelite config set|get|list`: the config file that GlobalOptions reads. (placeholder until the command lands)
#include "cli/config_command.h"

namespace edgelite::cli {

void AddConfigCommand(CLI::App& /*app*/, int& /*exit_code*/) {}

}  // namespace edgelite::cli
