// Reading the JWT verification keys an operator configures with --auth-jwt-key-file or
// SQLD_AUTH_JWT_KEY, in the two forms sqld accepts (protocol.md §7.2): one or more concatenated PEM
// "PUBLIC KEY" blocks (SPKI, Ed25519), or a single raw 32-byte Ed25519 key in URL-safe base64 (the
// JWK "x" form). Parsing happens once at start-up, so errors are written for the operator reading
// the server's start-up failure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "edgelite/status.h"

namespace edgelite::auth {

inline constexpr size_t kEd25519PublicKeySize = 32;

// A raw Ed25519 public key, as libsodium's crypto_sign_verify_detached takes it.
struct PublicKey {
  std::array<uint8_t, kEd25519PublicKeySize> bytes{};

  bool operator==(const PublicKey&) const = default;
};

// Returns the keys in the order given (tokens are checked against them in that order), or an
// InvalidArgument status saying what is wrong with the text. Never returns an empty vector.
Result<std::vector<PublicKey>> ParseJwtKeys(std::string_view text);

}  // namespace edgelite::auth
