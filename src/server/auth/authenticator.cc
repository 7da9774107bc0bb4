// Authentication strategies and header parsing (see authenticator.h). Header handling follows
// sqld 0.24: a missing header, a header that is not "<scheme> <token>", or one with non-ASCII bytes
// fails before the strategy looks at it; the JWT strategy then insists on the Bearer scheme while
// HTTP Basic ignores the scheme entirely.
#include "server/auth/authenticator.h"

#include <chrono>
#include <utility>

#include "server/auth/jwt_keys.h"
#include "server/auth/sodium_runtime.h"

namespace edgelite::auth {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

// What an HTTP header value may hold as text: visible ASCII, space and tab. sqld refuses other
// bytes the same way (its header type will not convert them to a string).
bool IsHeaderText(std::string_view value) {
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte != '\t' && (byte < 0x20 || byte > 0x7e)) return false;
  }
  return true;
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

int64_t SystemUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Authenticator::Authenticator(Strategy strategy, std::string basic_credential,
                             std::unique_ptr<JwtVerifier> verifier, UnixClock clock)
    : strategy_(strategy),
      basic_credential_(std::move(basic_credential)),
      verifier_(std::move(verifier)),
      clock_(std::move(clock)) {}

Result<std::unique_ptr<Authenticator>> Authenticator::Create(AuthConfig config, UnixClock clock) {
  if (!clock) clock = SystemUnixSeconds;
  if (config.http_basic) {
    // sqld compares without the base64 padding, so that a client which strips it still matches.
    std::string credential = std::move(*config.http_basic);
    while (!credential.empty() && credential.back() == '=') credential.pop_back();
    if (credential.empty()) {
      // An empty credential would be "contained" in every header: auth on in name only.
      return Status::InvalidArgument(
          "The HTTP Basic credential is empty: pass --http-auth basic:<base64 of user:password>");
    }
    return std::unique_ptr<Authenticator>(
        new Authenticator(Strategy::kHttpBasic, std::move(credential), nullptr, std::move(clock)));
  }
  if (config.jwt_key_text) {
    if (!InitializeSodium()) return Status::Internal("libsodium failed to initialize");
    Result<std::vector<PublicKey>> keys = ParseJwtKeys(*config.jwt_key_text);
    if (!keys.ok()) return keys.status();
    auto verifier = std::make_unique<JwtVerifier>(std::move(*keys), std::move(config.gid));
    return std::unique_ptr<Authenticator>(
        new Authenticator(Strategy::kJwt, "", std::move(verifier), std::move(clock)));
  }
  return std::unique_ptr<Authenticator>(
      new Authenticator(Strategy::kDisabled, "", nullptr, std::move(clock)));
}

AuthOutcome Authenticator::AuthenticateHeader(std::optional<std::string_view> header) const {
  if (strategy_ == Strategy::kDisabled) return Grant::FullAccess();
  if (!header) return AuthFailure::HeaderNotFound();
  if (!IsHeaderText(*header)) return AuthFailure::HeaderNotAscii();
  // HTTP allows blanks around a header value; tolerate them around the token as well.
  std::string_view value = TrimBlanks(*header);
  size_t space = value.find(' ');
  if (space == std::string_view::npos) return AuthFailure::HeaderMalformed();
  std::string_view scheme = value.substr(0, space);
  std::string_view token = TrimBlanks(value.substr(space + 1));

  if (strategy_ == Strategy::kHttpBasic) return CheckBasicToken(token);
  if (!EqualsIgnoringAsciiCase(scheme, "bearer")) return AuthFailure::UnsupportedScheme();
  return VerifyJwt(token);
}

AuthOutcome Authenticator::AuthenticateJwt(std::optional<std::string_view> jwt) const {
  switch (strategy_) {
    case Strategy::kDisabled:
      return Grant::FullAccess();
    case Strategy::kHttpBasic:
      // sqld checks whatever the hello carries against the Basic credential.
      if (!jwt) return AuthFailure::BasicRejected();
      return CheckBasicToken(*jwt);
    case Strategy::kJwt:
      if (!jwt) return AuthFailure::JwtMissing();
      return VerifyJwt(*jwt);
  }
  return AuthFailure::JwtInvalid();
}

AuthOutcome Authenticator::CheckBasicToken(std::string_view token) const {
  // sqld's rule: the token only has to contain the credential (so "Basic <cred>==" and clients
  // that append or strip padding all work). The scheme is not looked at.
  if (token.find(basic_credential_) != std::string_view::npos) return Grant::FullAccess();
  return AuthFailure::BasicRejected();
}

AuthOutcome Authenticator::VerifyJwt(std::string_view token) const {
  const int64_t now = clock_();
  if (std::optional<Grant> cached = cache_.Lookup(token, now)) return std::move(*cached);

  full_verifications_.fetch_add(1, std::memory_order_relaxed);
  VerifyOutcome outcome = verifier_->Verify(token, now);
  if (auto* failure = std::get_if<AuthFailure>(&outcome)) return std::move(*failure);
  auto& verified = std::get<VerifiedToken>(outcome);
  std::optional<int64_t> accepted_until;
  if (verified.expires_at) accepted_until = JwtVerifier::AcceptedUntil(*verified.expires_at);
  cache_.Insert(token, verified.grant, accepted_until);
  return std::move(verified.grant);
}

}  // namespace edgelite::auth
