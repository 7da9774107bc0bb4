// Signing tokens (placeholder until the tokens command lands).
#include "cli/tokens/token_signer.h"

namespace edgelite::cli {

Result<std::string> SignDatabaseToken(const std::filesystem::path& /*private_key_file*/,
                                      const TokenRequest& /*request*/) {
  return Status::Internal("token signing is not built yet");
}

}  // namespace edgelite::cli
