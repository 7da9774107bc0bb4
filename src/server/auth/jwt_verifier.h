// JwtVerifier: checks one compact JWS token the way sqld does (protocol.md §7.3) and turns its
// claims into a Grant. Only EdDSA (Ed25519) is accepted; the signature over "header.payload" is
// checked with libsodium against each configured key in order. "exp" is optional and honoured with
// a 60 s leeway, "nbf" is ignored, and a token with an "aud" claim is refused. The verifier holds
// no mutable state: the current time is an argument, which makes it trivially thread-safe and
// lets tests move the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/auth/auth_failure.h"
#include "server/auth/jwt_keys.h"
#include "server/auth/permission.h"

namespace edgelite::auth {

// A token that passed every check.
struct VerifiedToken {
  Grant grant;
  // The "exp" claim, seconds since the Unix epoch; nullopt when the token never expires.
  std::optional<int64_t> expires_at;
};

using VerifyOutcome = std::variant<VerifiedToken, AuthFailure>;

class JwtVerifier {
 public:
  // sqld's JWT library default: a token is still accepted this many seconds after its "exp", to
  // absorb clock skew between the token issuer and the server.
  static constexpr int64_t kExpiryLeewaySeconds = 60;

  // `keys` must not be empty. `gid` is this server's LIBSQL_GID (empty when unset): a "tags"
  // scope that lists it covers every namespace. An empty gid matches no tag.
  JwtVerifier(std::vector<PublicKey> keys, std::string gid);

  // `now` is seconds since the Unix epoch. Failures are AUTH_JWT_INVALID (anything malformed or
  // a bad signature), AUTH_JWT_EXPIRED, or AUTH_FAILED (an "aud" claim).
  VerifyOutcome Verify(std::string_view token, int64_t now) const;

  // The last second at which a token with this "exp" is still accepted.
  static int64_t AcceptedUntil(int64_t expires_at);

 private:
  std::vector<PublicKey> keys_;
  std::string gid_;
};

}  // namespace edgelite::auth
