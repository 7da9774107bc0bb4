// Authenticator: the one object the transports ask "who is this caller and what may they do?".
// It is built at start-up from the server's auth flags and picks sqld's strategy (protocol.md
// §7.1): HTTP Basic when --http-auth is set, else JWT when a key is configured, else disabled
// (everyone gets full access). HTTP and gRPC hand it the Authorization (or x-authorization) header;
// the WebSocket layer hands it the JWT from the hello message. Verified JWTs are cached, so a
// client reusing its token costs a hash lookup. An Authenticator is safe to share between threads.
//
// A namespace with its own jwt_key gets its own Authenticator (and so its own cache: a token
// verified under one key set is never accepted under another).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "edgelite/status.h"
#include "server/auth/auth_failure.h"
#include "server/auth/jwt_verifier.h"
#include "server/auth/permission.h"
#include "server/auth/token_cache.h"

namespace edgelite::auth {

using AuthOutcome = std::variant<Grant, AuthFailure>;

struct AuthConfig {
  std::optional<std::string> http_basic;    // the value after "basic:" of --http-auth
  std::optional<std::string> jwt_key_text;  // contents of the key file or SQLD_AUTH_JWT_KEY
  std::string gid;                          // LIBSQL_GID, may be empty
};

// Seconds since the Unix epoch. Tests substitute their own to move time past a token's expiry.
using UnixClock = std::function<int64_t()>;
int64_t SystemUnixSeconds();

class Authenticator {
 public:
  // Parses the keys; an error here should stop the server from starting. When both a Basic
  // credential and a JWT key are given, Basic wins and the key is not read, as in sqld.
  static Result<std::unique_ptr<Authenticator>> Create(AuthConfig config,
                                                       UnixClock clock = SystemUnixSeconds);

  // False when auth is disabled and every caller gets full access.
  bool enabled() const { return strategy_ != Strategy::kDisabled; }

  // The value of the Authorization (or x-authorization) header, nullopt when absent.
  AuthOutcome AuthenticateHeader(std::optional<std::string_view> header) const;
  // A bare JWT (WebSocket hello), nullopt when the client sent none.
  AuthOutcome AuthenticateJwt(std::optional<std::string_view> jwt) const;

  // How many tokens went through a full signature check (cache misses). For metrics and tests.
  uint64_t full_verification_count() const {
    return full_verifications_.load(std::memory_order_relaxed);
  }

 private:
  enum class Strategy { kDisabled, kHttpBasic, kJwt };

  Authenticator(Strategy strategy, std::string basic_credential,
                std::unique_ptr<JwtVerifier> verifier, UnixClock clock);

  AuthOutcome CheckBasicToken(std::string_view token) const;
  AuthOutcome VerifyJwt(std::string_view token) const;

  Strategy strategy_;
  std::string basic_credential_;  // with trailing '=' removed
  std::unique_ptr<JwtVerifier> verifier_;
  UnixClock clock_;
  // Caching is an implementation detail of a logically const lookup.
  mutable TokenCache cache_;
  mutable std::atomic<uint64_t> full_verifications_{0};
};

}  // namespace edgelite::auth
