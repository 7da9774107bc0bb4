// `edgelite keys generate DIR [--force]`: the Ed25519 key pair behind database tokens.
// DIR/jwt_public.pem is what `edgelite serve --auth-jwt-key-file` (and sqld) load to verify
// tokens; DIR/jwt_private.pem (mode 0600) is what `edgelite db tokens create` signs them with.
#pragma once

#include <CLI/App.hpp>

namespace edgelite::cli {

void AddKeysCommand(CLI::App& app, int& exit_code);

}  // namespace edgelite::cli
