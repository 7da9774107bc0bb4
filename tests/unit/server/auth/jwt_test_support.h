// Test support for the auth tests: fresh Ed25519 key pairs, tokens signed over arbitrary header and
// payload JSON (so tests can forge every kind of bad token), and keys rendered in each text form an
// operator might configure (raw base64url, PEM public key, PEM private key, a non-Ed25519 PEM key).
// Everything is generated at run time; no key or token is checked in.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "server/auth/jwt_keys.h"

namespace edgelite::auth::test {

struct KeyPair {
  PublicKey public_key;
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> secret_key{};
};

inline KeyPair GenerateKeyPair() {
  if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
  KeyPair pair;
  crypto_sign_keypair(pair.public_key.bytes.data(), pair.secret_key.data());
  return pair;
}

inline std::string Base64Url(std::string_view bytes) {
  return base64::Encode(bytes, base64::Alphabet::kUrlSafe);
}

inline std::string_view AsChars(const PublicKey& key) {
  return {reinterpret_cast<const char*>(key.bytes.data()), key.bytes.size()};
}

inline constexpr std::string_view kEdDsaHeader = R"({"alg":"EdDSA","typ":"JWT"})";

// "<b64url(header)>.<b64url(payload)>.<b64url(Ed25519 signature of the first two parts)>"
inline std::string SignToken(const KeyPair& key, std::string_view header_json,
                             std::string_view payload_json) {
  std::string signing_input = Base64Url(header_json) + "." + Base64Url(payload_json);
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size(), key.secret_key.data());
  return signing_input + "." +
         Base64Url({reinterpret_cast<const char*>(signature.data()), signature.size()});
}

inline std::string SignToken(const KeyPair& key, std::string_view payload_json) {
  return SignToken(key, kEdDsaHeader, payload_json);
}

inline std::string RawKeyText(const PublicKey& key) {
  return Base64Url(AsChars(key));
}

namespace internal {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

template <typename Write>
std::string WritePem(Write write) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || write(bio.get()) != 1) throw std::runtime_error("PEM write failed");
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

}  // namespace internal

// The SPKI "-----BEGIN PUBLIC KEY-----" form `openssl pkey -pubout` produces.
inline std::string PublicKeyPem(const PublicKey& key) {
  internal::PkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes.data(), key.bytes.size()),
      &EVP_PKEY_free);
  if (!pkey) throw std::runtime_error("EVP_PKEY_new_raw_public_key failed");
  return internal::WritePem([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, pkey.get()); });
}

// The PKCS#8 "-----BEGIN PRIVATE KEY-----" form `openssl genpkey` produces.
inline std::string PrivateKeyPem(const KeyPair& key) {
  // libsodium's secret key is the 32-byte seed followed by the public key; OpenSSL wants the seed.
  internal::PkeyPtr pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.secret_key.data(), 32),
      &EVP_PKEY_free);
  if (!pkey) throw std::runtime_error("EVP_PKEY_new_raw_private_key failed");
  return internal::WritePem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
}

// A valid SPKI public key of the wrong algorithm (ECDSA P-256).
inline std::string EcPublicKeyPem() {
  internal::PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
  if (!pkey) throw std::runtime_error("EC key generation failed");
  return internal::WritePem([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, pkey.get()); });
}

}  // namespace edgelite::auth::test
