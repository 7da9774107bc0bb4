// Token signing (see token_signer.h): compact JWS, "<header>.<claims>.<signature>", each part
// base64url without padding, the signature Ed25519 over the first two parts as they are written.
#include "cli/tokens/token_signer.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "cli/tokens/signing_keys.h"
#include "common/base64.h"
#include "server/namespaces/namespace_name.h"

namespace edgelite::cli {
namespace {

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

std::string Base64Url(std::string_view bytes) {
  return base64::Encode(bytes, base64::Alphabet::kUrlSafe);
}

std::string ClaimsJson(const TokenRequest& request) {
  const int64_t issued_at = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  boost::json::object claims;
  claims["a"] = request.read_only ? "ro" : "rw";
  claims["id"] = request.database;
  claims["iat"] = issued_at;
  if (request.expires_in) claims["exp"] = issued_at + request.expires_in->count();
  return boost::json::serialize(claims);
}

Result<std::string> Sign(EVP_PKEY* key, std::string_view message) {
  std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
  // Ed25519 hashes internally: no digest is named, and the message is signed in one call.
  std::string signature(64, '\0');
  size_t length = signature.size();
  if (!context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != signature.size()) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not sign the token with the Ed25519 key");
  }
  return signature;
}

}  // namespace

Result<std::string> SignDatabaseToken(const std::filesystem::path& private_key_file,
                                      const TokenRequest& request) {
  if (Status valid = server::CheckNamespaceName(request.database); !valid.ok()) {
    return Status::InvalidArgument("`" + request.database +
                                   "` cannot be a database name: " + valid.message());
  }
  if (request.expires_in && request.expires_in->count() <= 0) {
    return Status::InvalidArgument("a token's lifetime must be positive, or none for `never`");
  }
  Result<SigningKey> key = LoadSigningKey(private_key_file);
  if (!key.ok()) return key.status();
  const std::string signing_input =
      Base64Url(R"({"alg":"EdDSA","typ":"JWT"})") + "." + Base64Url(ClaimsJson(request));
  Result<std::string> signature = Sign(key->get(), signing_input);
  if (!signature.ok()) return signature.status();
  return signing_input + "." + Base64Url(*signature);
}

}  // namespace edgelite::cli
