// The key files behind database tokens: `edgelite keys generate` writes an Ed25519 key pair, the
// server loads the public half (SPKI PEM, what `serve --auth-jwt-key-file` and sqld accept) and
// `db tokens create` signs with the private half (PKCS#8 PEM, as `openssl genpkey -algorithm
// ed25519` writes it, so keys made either way are interchangeable).
#pragma once

#include <openssl/evp.h>

#include <filesystem>
#include <memory>

#include "edgelite/status.h"

namespace edgelite::cli {

inline constexpr std::string_view kPrivateKeyFileName = "jwt_private.pem";
inline constexpr std::string_view kPublicKeyFileName = "jwt_public.pem";

struct KeyPairFiles {
  std::filesystem::path private_key;  // mode 0600
  std::filesystem::path public_key;   // mode 0644
};

// Generates a key pair into `directory` (created, mode 0700, if missing). Unless `overwrite`,
// existing key files are an error and are left as they are.
Result<KeyPairFiles> GenerateKeyPairFiles(const std::filesystem::path& directory, bool overwrite);

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using SigningKey = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// Reads an Ed25519 private key from a PEM file. Errors name the file and say what is wrong with
// it (missing, unreadable, a public key, another algorithm, encrypted) and how to get a good one.
Result<SigningKey> LoadSigningKey(const std::filesystem::path& private_key_file);

}  // namespace edgelite::cli
