// JWT verification (see jwt_verifier.h). The order of checks follows sqld's JWT library: the
// header's algorithm, then the signature, then the claims' types, then "exp", then "aud". Nothing
// in the payload is looked at before the signature has been checked.
#include "server/auth/jwt_verifier.h"

#include <sodium.h>

#include <array>
#include <boost/json.hpp>
#include <cassert>
#include <limits>
#include <utility>

#include "common/base64.h"
#include "server/auth/sodium_runtime.h"

namespace edgelite::auth {
namespace {

namespace json = boost::json;

constexpr size_t kSignatureSize = crypto_sign_BYTES;
static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeySize);

struct CompactParts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // "header.payload", what the signature covers
};

std::optional<CompactParts> SplitCompact(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  if (token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  CompactParts parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                     token.substr(second + 1), token.substr(0, second)};
  if (parts.header.empty() || parts.payload.empty() || parts.signature.empty()) return std::nullopt;
  return parts;
}

std::optional<std::string> DecodePart(std::string_view part) {
  return base64::Decode(part, base64::Alphabet::kUrlSafe, base64::Padding::kOptional);
}

// Parses a JSON object whose storage lives in `resource`; JWT headers and payloads are a few
// hundred bytes, so a stack buffer usually holds the whole tree and parsing does not allocate.
std::optional<json::value> ParseObject(std::string_view text, json::monotonic_resource& resource) {
  json::error_code error;
  json::value value = json::parse(text, error, json::storage_ptr(&resource));
  if (error || !value.is_object()) return std::nullopt;
  return value;
}

bool HeaderAlgorithmIsEdDsa(const json::object& header) {
  const json::value* algorithm = header.if_contains("alg");
  if (algorithm == nullptr) return false;
  const json::string* name = algorithm->if_string();
  return name != nullptr && *name == "EdDSA";
}

bool SignatureMatchesAnyKey(const std::vector<PublicKey>& keys, std::string_view signing_input,
                            const std::string& signature) {
  const auto* message = reinterpret_cast<const unsigned char*>(signing_input.data());
  const auto* signature_bytes = reinterpret_cast<const unsigned char*>(signature.data());
  for (const PublicKey& key : keys) {
    if (crypto_sign_verify_detached(signature_bytes, message, signing_input.size(),
                                    key.bytes.data()) == 0) {
      return true;
    }
  }
  return false;
}

// An absent claim and an explicit null mean the same (as for sqld's optional claim fields).
const json::value* Claim(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

// Reads an optional array of strings; false when the value has another type.
bool ReadStringArray(const json::object& object, std::string_view key,
                     std::vector<std::string>& out) {
  const json::value* value = Claim(object, key);
  if (value == nullptr) return true;
  const json::array* array = value->if_array();
  if (array == nullptr) return false;
  out.reserve(array->size());
  for (const json::value& element : *array) {
    const json::string* text = element.if_string();
    if (text == nullptr) return false;
    out.emplace_back(text->data(), text->size());
  }
  return true;
}

// One "p" entry: {"ns": [...], "tags": [...]}, both optional.
std::optional<NamespaceScope> ParseScope(const json::value& value, std::string_view gid) {
  const json::object* object = value.if_object();
  if (object == nullptr) return std::nullopt;
  std::vector<std::string> namespaces;
  std::vector<std::string> tags;
  if (!ReadStringArray(*object, "ns", namespaces) || !ReadStringArray(*object, "tags", tags)) {
    return std::nullopt;
  }
  // The group id is the only tag there is for now; a scope tagged with it covers every namespace
  // of this server.
  bool tagged_with_gid = false;
  if (!gid.empty()) {
    for (const std::string& tag : tags) tagged_with_gid = tagged_with_gid || tag == gid;
  }
  return NamespaceScope(std::move(namespaces), tagged_with_gid);
}

std::optional<Grant> ParseFineGrained(const json::value& value, std::string_view gid) {
  const json::object* object = value.if_object();
  if (object == nullptr) return std::nullopt;
  FineGrainedScopes scopes;
  const std::pair<std::string_view, NamespaceScope*> fields[] = {
      {"ro", &scopes.read_only},
      {"rw", &scopes.read_write},
      {"roa", &scopes.read_only_attach},
      {"rwa", &scopes.read_write_attach},
      {"ddl", &scopes.ddl},
  };
  // Unknown keys are ignored, as sqld does, so tokens minted for newer servers still work here.
  for (const auto& [key, field] : fields) {
    const json::value* scope_value = Claim(*object, key);
    if (scope_value == nullptr) continue;
    std::optional<NamespaceScope> scope = ParseScope(*scope_value, gid);
    if (!scope) return std::nullopt;
    *field = std::move(*scope);
  }
  return Grant::FineGrained(std::move(scopes));
}

std::optional<Grant> GrantFromClaims(const json::object& claims, std::string_view gid) {
  if (const json::value* p = Claim(claims, "p")) return ParseFineGrained(*p, gid);

  Permission permission = Permission::kWrite;  // sqld's default for a token without "a"
  if (const json::value* a = Claim(claims, "a")) {
    const json::string* text = a->if_string();
    if (text == nullptr) return std::nullopt;
    if (*text == "rw") {
      permission = Permission::kWrite;
    } else if (*text == "ro") {
      permission = Permission::kRead;
    } else if (*text == "roa") {
      permission = Permission::kAttachRead;
    } else {
      return std::nullopt;
    }
  }
  std::optional<std::string> namespace_name;
  if (const json::value* id = Claim(claims, "id")) {
    const json::string* text = id->if_string();
    if (text == nullptr) return std::nullopt;
    namespace_name.emplace(text->data(), text->size());
  }
  return Grant::Legacy(permission, std::move(namespace_name));
}

// "exp" must be an integer number of seconds when present (sqld reads it as an i64, so a
// fractional or out-of-range value makes the token invalid rather than never-expiring).
bool ReadExpiry(const json::object& claims, std::optional<int64_t>& out) {
  const json::value* exp = Claim(claims, "exp");
  if (exp == nullptr) return true;
  if (!exp->is_int64()) return false;
  out = exp->get_int64();
  return true;
}

}  // namespace

JwtVerifier::JwtVerifier(std::vector<PublicKey> keys, std::string gid)
    : keys_(std::move(keys)), gid_(std::move(gid)) {
  assert(!keys_.empty());
  [[maybe_unused]] bool sodium_ready = InitializeSodium();
  assert(sodium_ready && "the Authenticator checks this before building a verifier");
}

int64_t JwtVerifier::AcceptedUntil(int64_t expires_at) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return expires_at > kMax - kExpiryLeewaySeconds ? kMax : expires_at + kExpiryLeewaySeconds;
}

VerifyOutcome JwtVerifier::Verify(std::string_view token, int64_t now) const {
  std::optional<CompactParts> parts = SplitCompact(token);
  if (!parts) return AuthFailure::JwtInvalid();

  std::array<unsigned char, 2048> buffer;
  json::monotonic_resource resource(buffer.data(), buffer.size());

  // The header is read before the signature is checked only to refuse every algorithm but
  // EdDSA, "none" included; nothing else in it is trusted.
  std::optional<std::string> header_json = DecodePart(parts->header);
  if (!header_json) return AuthFailure::JwtInvalid();
  std::optional<json::value> header = ParseObject(*header_json, resource);
  if (!header || !HeaderAlgorithmIsEdDsa(header->get_object())) return AuthFailure::JwtInvalid();

  std::optional<std::string> signature = DecodePart(parts->signature);
  if (!signature || signature->size() != kSignatureSize) return AuthFailure::JwtInvalid();
  if (!SignatureMatchesAnyKey(keys_, parts->signing_input, *signature)) {
    return AuthFailure::JwtInvalid();
  }

  std::optional<std::string> payload_json = DecodePart(parts->payload);
  if (!payload_json) return AuthFailure::JwtInvalid();
  std::optional<json::value> payload = ParseObject(*payload_json, resource);
  if (!payload) return AuthFailure::JwtInvalid();
  const json::object& claims = payload->get_object();

  std::optional<Grant> grant = GrantFromClaims(claims, gid_);
  std::optional<int64_t> expires_at;
  if (!grant || !ReadExpiry(claims, expires_at)) return AuthFailure::JwtInvalid();
  if (expires_at && now > AcceptedUntil(*expires_at)) return AuthFailure::JwtExpired();
  if (Claim(claims, "aud") != nullptr) return AuthFailure::AudienceRejected();

  return VerifiedToken{std::move(*grant), expires_at};
}

}  // namespace edgelite::auth
