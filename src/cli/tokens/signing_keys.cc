// Ed25519 key files (see signing_keys.h), through OpenSSL, which reads and writes the PEM forms
// that the server's key parser (server/auth/jwt_keys.cc) and sqld expect.
#include "cli/tokens/signing_keys.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>
#include <string>

#include "cli/config/private_directories.h"
#include "wal/posix_file.h"

namespace edgelite::cli {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

constexpr std::string_view kHowToGetAKey =
    "create a key pair with `edgelite keys generate DIR` and use DIR/jwt_private.pem";

// The PEM text that `write` puts into a memory BIO.
template <typename Write>
Result<std::string> PemText(Write write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not encode the new key as PEM");
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

// OpenSSL's default for an encrypted key is to prompt on the terminal; a command that prints a
// token for scripts must never stop to ask.
int RefusePassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) {
  return -1;
}

}  // namespace

Result<KeyPairFiles> GenerateKeyPairFiles(const std::filesystem::path& directory, bool overwrite) {
  if (Status created = CreatePrivateDirectories(directory); !created.ok()) return created;
  const std::filesystem::path absolute = std::filesystem::absolute(directory).lexically_normal();
  KeyPairFiles files{absolute / kPrivateKeyFileName, absolute / kPublicKeyFileName};
  if (!overwrite) {
    for (const std::filesystem::path& path : {files.private_key, files.public_key}) {
      std::error_code error;
      if (std::filesystem::exists(path, error)) {
        return Status::InvalidArgument(
            path.string() +
            " already exists; keep using that key pair, choose another directory, "
            "or pass --force to replace it (tokens signed with the old private key stop working "
            "once the server loads the new public key)");
      }
    }
  }
  SigningKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not generate an Ed25519 key");
  }
  Result<std::string> private_pem = PemText([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!private_pem.ok()) return private_pem.status();
  Result<std::string> public_pem =
      PemText([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, key.get()); });
  if (!public_pem.ok()) return public_pem.status();

  if (Status s = wal::WriteFileAtomically(files.private_key, private_pem->data(),
                                           private_pem->size(), {.mode = 0600, .replace = overwrite});
      !s.ok()) {
    return s;
  }
  // The public key is meant to be handed around (to the server, to other hosts).
  if (Status s = wal::WriteFileAtomically(files.public_key, public_pem->data(), public_pem->size(),
                                          {.mode = 0644, .replace = overwrite});
      !s.ok()) {
    return s;
  }
  return files;
}

Result<SigningKey> LoadSigningKey(const std::filesystem::path& private_key_file) {
  const std::string name = private_key_file.string();
  std::error_code error;
  if (!std::filesystem::exists(private_key_file, error)) {
    return Status::NotFound(
        "the signing key file " + name + " does not exist; " + std::string(kHowToGetAKey) +
        " with --signing-key, EDGELITE_SIGNING_KEY_FILE or `edgelite config set signing-key FILE`");
  }
  std::ifstream in(private_key_file, std::ios::binary);
  std::stringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in) {
    return Status::Io("cannot read the signing key file " + name +
                      ": check that it is a file you may read");
  }
  const std::string text = buffer.str();
  if (text.find("-----BEGIN PUBLIC KEY-----") != std::string::npos) {
    return Status::InvalidArgument(
        "the signing key file " + name + " holds a public key; tokens are signed with the " +
        "private half of the pair (jwt_private.pem, beside jwt_public.pem)");
  }
  if (text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos) {
    return Status::InvalidArgument("the signing key file " + name +
                                   " is protected by a passphrase, which edgelite cannot " +
                                   "ask for; write an unencrypted copy with `openssl pkey -in " +
                                   name + " -out FILE` and " + "keep it with mode 0600");
  }
  Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  SigningKey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &RefusePassphrase, nullptr)
                     : nullptr);
  ERR_clear_error();
  if (!key) {
    return Status::InvalidArgument("the signing key file " + name +
                                   " is not a PEM private key (`-----BEGIN PRIVATE KEY-----`" +
                                   "); " + std::string(kHowToGetAKey));
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(key.get());
    return Status::InvalidArgument(
        "the signing key file " + name + " holds " +
        (type ? std::string("a ") + type : std::string("a non-Ed25519")) +
        " key, but tokens are signed with Ed25519 (EdDSA) keys only; " +
        std::string(kHowToGetAKey));
  }
  return key;
}

}  // namespace edgelite::cli
