// `edgelite db tokens create` (see db_tokens_command.h). Signing needs no server: the token is
// checked by whichever server loaded the matching public key, so it can be minted before that
// server or the database exists.
#include "cli/tokens/db_tokens_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/tokens/token_expiration.h"
#include "cli/tokens/token_signer.h"

namespace edgelite::cli {
namespace {

struct CreateArguments {
  std::string database;
  bool read_only = false;
  std::string expiration = "never";
};

int Fail(const Status& status) {
  fmt::print(stderr, "error: {}\n", status.message());
  return 1;
}

int Create(GlobalOptions global, const CreateArguments& arguments) {
  Result<std::optional<std::chrono::seconds>> expires_in =
      ParseTokenExpiration(arguments.expiration);
  if (!expires_in.ok()) return Fail(expires_in.status());
  if (Status resolved = ResolveGlobalOptions(global); !resolved.ok()) return Fail(resolved);
  if (global.signing_key_file.empty()) {
    return Fail(Status::InvalidArgument(
        "no signing key is configured: create a key pair with `edgelite keys generate DIR`, "
        "start the server with `--auth-jwt-key-file DIR/jwt_public.pem`, and name the private "
        "key with `edgelite --signing-key DIR/jwt_private.pem db tokens create ...`, "
        "EDGELITE_SIGNING_KEY_FILE, or `edgelite config set signing-key DIR/jwt_private.pem`"));
  }
  Result<std::string> token = SignDatabaseToken(
      global.signing_key_file, TokenRequest{arguments.database, arguments.read_only, *expires_in});
  if (!token.ok()) return Fail(token.status());
  fmt::print("{}\n", *token);
  return 0;
}

}  // namespace

void AddDbTokensCommand(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  auto arguments = std::make_shared<CreateArguments>();
  CLI::App* tokens = db.add_subcommand("tokens", "Create tokens that clients connect with");
  tokens->require_subcommand(1);
  CLI::App* create = tokens->add_subcommand(
      "create", "Print a token for one database, signed with the --signing-key private key");
  create->add_option("NAME", arguments->database, "The database the token reaches (no other)")
      ->required();
  create->add_flag("-r,--read-only", arguments->read_only, "Allow reads only");
  create
      ->add_option("-e,--expiration", arguments->expiration,
                   "How long the token is valid: `never`, or a duration such as 7d, 12h, 30m, "
                   "1w2d12h")
      ->capture_default_str();
  create->callback([arguments, &global, &exit_code] { exit_code = Create(global, *arguments); });
}

}  // namespace edgelite::cli
