// `edgelite keys generate DIR`: an Ed25519 key pair for signing tokens. (placeholder until the command lands)
#include "cli/keys_command.h"

namespace edgelite::cli {

void AddKeysCommand(CLI::App& /*app*/, int& /*exit_code*/) {}

}  // namespace edgelite::cli
