// `edgelite keys generate` (see keys_command.h). It ends by printing the commands that come next,
// with the real paths filled in, since a key pair is useless until both halves are configured.
#include "cli/tokens/keys_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/tokens/signing_keys.h"

namespace edgelite::cli {
namespace {

struct GenerateArguments {
  std::string directory;
  bool force = false;
};

int Generate(const GenerateArguments& arguments) {
  Result<KeyPairFiles> files = GenerateKeyPairFiles(arguments.directory, arguments.force);
  if (!files.ok()) {
    fmt::print(stderr, "error: {}\n", files.status().message());
    return 1;
  }
  const std::string private_key = files->private_key.string();
  const std::string public_key = files->public_key.string();
  fmt::print(
      "Wrote an Ed25519 key pair:\n"
      "  {}  private key: signs tokens; keep it secret (mode 0600)\n"
      "  {}  public key: the server verifies tokens with it\n"
      "\n"
      "Next:\n"
      "  edgelite serve --auth-jwt-key-file {} --enable-namespaces --admin-listen-addr "
      "127.0.0.1:9090\n"
      "  edgelite config set signing-key {}\n"
      "  edgelite db tokens create NAME\n",
      private_key, public_key, public_key, private_key);
  return 0;
}

}  // namespace

void AddKeysCommand(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<GenerateArguments>();
  CLI::App* keys = app.add_subcommand("keys", "Create the key pair that database tokens use");
  keys->require_subcommand(1);
  CLI::App* generate = keys->add_subcommand(
      "generate",
      "Write DIR/jwt_private.pem (signs tokens) and DIR/jwt_public.pem (for serve "
      "--auth-jwt-key-file)");
  generate
      ->add_option("DIR", arguments->directory, "Directory for the key files (created if missing)")
      ->required();
  generate->add_flag("--force", arguments->force, "Replace key files that already exist");
  generate->callback([arguments, &exit_code] { exit_code = Generate(*arguments); });
}

}  // namespace edgelite::cli
