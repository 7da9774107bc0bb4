// Signing tokens for databases: EdDSA (Ed25519) JWTs, the kind `edgelite serve --auth-jwt-key-file`
// and sqld verify, scoped to one database (namespace) and accepted by @libsql/client unchanged.
// The private key is the PKCS#8 PEM file that `edgelite keys generate` writes.
//
// The claims are the legacy ones every sqld release understands (protocol.md §7.3), as Turso's
// tokens carry them: `a` ("rw", or "ro" for a read-only token), `id` (the namespace; the server
// answers 404 for any other one, as if it did not exist), `iat`, and `exp` when the token expires.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "edgelite/status.h"

namespace edgelite::cli {

struct TokenRequest {
  std::string database;  // the namespace the token reaches, and no other
  bool read_only = false;
  // How long the token is valid; nullopt: it never expires.
  std::optional<std::chrono::seconds> expires_in;
};

// The token, or an error naming the key file and what is wrong with it (missing, unreadable, not
// an Ed25519 private key), or saying why the database name cannot be a namespace.
Result<std::string> SignDatabaseToken(const std::filesystem::path& private_key_file,
                                      const TokenRequest& request);

}  // namespace edgelite::cli
