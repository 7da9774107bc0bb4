// Keys and tokens: `keys generate` writes a pair the server loads, and the tokens signed with it
// pass the server's own verifier with exactly the grant asked for (one namespace, read-only or
// read-write, expiring when asked). Bad key files fail with messages naming the file.
#include "cli/tokens/token_signer.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "cli/tokens/signing_keys.h"
#include "common/base64.h"
#include "server/auth/jwt_verifier.h"
#include "unit/server/auth/jwt_test_support.h"
#include "unit/temp_directory.h"

namespace edgelite::cli {
namespace {

using auth::Grant;
using auth::Permission;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

mode_t PermissionBits(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

boost::json::object DecodeClaims(const std::string& token) {
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::optional<std::string> json =
      base64::Decode(token.substr(first + 1, second - first - 1), base64::Alphabet::kUrlSafe,
                     base64::Padding::kForbidden);
  EXPECT_TRUE(json.has_value()) << token;
  return boost::json::parse(json.value_or("{}")).as_object();
}

class TokenSignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<KeyPairFiles> files = GenerateKeyPairFiles(directory_ / "keys", false);
    ASSERT_TRUE(files.ok()) << files.status().message();
    files_ = *files;
  }

  // The server's verifier, loaded from the public key file as `serve --auth-jwt-key-file` does.
  auth::JwtVerifier Verifier() const {
    Result<std::vector<auth::PublicKey>> keys = auth::ParseJwtKeys(ReadFile(files_.public_key));
    EXPECT_TRUE(keys.ok()) << keys.status().message();
    return auth::JwtVerifier(keys.ok() ? *keys : std::vector<auth::PublicKey>(1), "");
  }

  std::string Sign(TokenRequest request) const {
    Result<std::string> token = SignDatabaseToken(files_.private_key, request);
    EXPECT_TRUE(token.ok()) << token.status().message();
    return token.ok() ? *token : "";
  }

  // Fails the test unless the token verifies at `now`.
  auth::VerifiedToken Accept(const std::string& token, int64_t now) const {
    auth::VerifyOutcome outcome = Verifier().Verify(token, now);
    if (auto* failure = std::get_if<auth::AuthFailure>(&outcome)) {
      ADD_FAILURE() << "the server refused the token: " << failure->code << " " << failure->message;
      return {Grant::FineGrained({}), std::nullopt};
    }
    return std::get<auth::VerifiedToken>(outcome);
  }

  test::TempDirectory directory_;
  KeyPairFiles files_;
};

TEST_F(TokenSignerTest, KeysGenerateWritesPkcs8AndSpkiPemWithPrivateModes) {
  EXPECT_EQ(files_.private_key, directory_.path() / "keys" / "jwt_private.pem");
  EXPECT_EQ(files_.public_key, directory_.path() / "keys" / "jwt_public.pem");
  EXPECT_TRUE(ReadFile(files_.private_key).starts_with("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(ReadFile(files_.public_key).starts_with("-----BEGIN PUBLIC KEY-----\n"));
  EXPECT_EQ(PermissionBits(files_.private_key), 0600u);
  EXPECT_EQ(PermissionBits(files_.public_key), 0644u);
  EXPECT_EQ(PermissionBits(directory_.path() / "keys"), 0700u);
  Result<std::vector<auth::PublicKey>> keys = auth::ParseJwtKeys(ReadFile(files_.public_key));
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(keys->size(), 1u);
}

TEST_F(TokenSignerTest, KeysGenerateRefusesToReplaceKeysUnlessForced) {
  const std::string old_private = ReadFile(files_.private_key);
  const std::string old_public = ReadFile(files_.public_key);
  Result<KeyPairFiles> again = GenerateKeyPairFiles(directory_ / "keys", false);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find(files_.private_key.string() + " already exists"),
            std::string::npos)
      << again.status().message();
  EXPECT_NE(again.status().message().find("--force"), std::string::npos);
  EXPECT_EQ(ReadFile(files_.private_key), old_private);
  EXPECT_EQ(ReadFile(files_.public_key), old_public);

  // Only one of the pair left: still refused, and the survivor is untouched.
  std::filesystem::remove(files_.private_key);
  EXPECT_FALSE(GenerateKeyPairFiles(directory_ / "keys", false).ok());
  EXPECT_EQ(ReadFile(files_.public_key), old_public);
  EXPECT_FALSE(std::filesystem::exists(files_.private_key));

  ASSERT_TRUE(GenerateKeyPairFiles(directory_ / "keys", true).ok());
  EXPECT_NE(ReadFile(files_.public_key), old_public);
  EXPECT_EQ(PermissionBits(files_.private_key), 0600u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory_ / "keys"),
                          std::filesystem::directory_iterator()),
            2)
      << "temporary files were left behind";
}

TEST_F(TokenSignerTest, AReadWriteTokenReachesOnlyItsDatabase) {
  std::string token = Sign({"my-app", false, std::nullopt});
  boost::json::object claims = DecodeClaims(token);
  EXPECT_EQ(claims.at("a"), "rw");
  EXPECT_EQ(claims.at("id"), "my-app");
  ASSERT_TRUE(claims.at("iat").is_int64());
  EXPECT_FALSE(claims.contains("exp")) << "`never` means no exp claim";

  auth::VerifiedToken verified = Accept(token, claims.at("iat").as_int64());
  EXPECT_EQ(verified.grant, Grant::Legacy(Permission::kWrite, "my-app"));
  EXPECT_EQ(verified.expires_at, std::nullopt);
  EXPECT_TRUE(verified.grant.Allows(Permission::kWrite, "my-app"));
  // Read is also the "may know it exists" test: another database answers 404.
  EXPECT_FALSE(verified.grant.Allows(Permission::kRead, "other"));
}

TEST_F(TokenSignerTest, AReadOnlyTokenCannotWrite) {
  std::string token = Sign({"my-app", true, std::nullopt});
  EXPECT_EQ(DecodeClaims(token).at("a"), "ro");
  Grant grant = Accept(token, DecodeClaims(token).at("iat").as_int64()).grant;
  EXPECT_TRUE(grant.Allows(Permission::kRead, "my-app"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "my-app"));
  EXPECT_FALSE(grant.Allows(Permission::kRead, "other"));
}

TEST_F(TokenSignerTest, AnExpiringTokenIsRefusedOnceItHasExpired) {
  std::string token = Sign({"db", false, std::chrono::hours(1)});
  boost::json::object claims = DecodeClaims(token);
  const int64_t issued_at = claims.at("iat").as_int64();
  EXPECT_EQ(claims.at("exp").as_int64(), issued_at + 3600);
  EXPECT_EQ(Accept(token, issued_at + 3599).expires_at, issued_at + 3600);
  auth::VerifyOutcome late =
      Verifier().Verify(token, issued_at + 3600 + auth::JwtVerifier::kExpiryLeewaySeconds + 1);
  ASSERT_TRUE(std::holds_alternative<auth::AuthFailure>(late));
  EXPECT_EQ(std::get<auth::AuthFailure>(late).code, "AUTH_JWT_EXPIRED");
}

TEST_F(TokenSignerTest, NamesNeedingJsonEscapesSurviveIntact) {
  std::string token = Sign({"say \"hi\" caf\xC3\xA9", false, std::nullopt});
  EXPECT_EQ(DecodeClaims(token).at("id"), "say \"hi\" caf\xC3\xA9");
  EXPECT_TRUE(Accept(token, DecodeClaims(token).at("iat").as_int64())
                  .grant.Allows(Permission::kWrite, "say \"hi\" caf\xC3\xA9"));
}

TEST_F(TokenSignerTest, KeysFromOpensslGenpkeySignToo) {
  // The PKCS#8 PEM `openssl genpkey -algorithm ed25519` writes, made by the auth tests' helper.
  auth::test::KeyPair pair = auth::test::GenerateKeyPair();
  WriteFile(directory_ / "openssl.pem", auth::test::PrivateKeyPem(pair));
  Result<std::string> token = SignDatabaseToken(directory_ / "openssl.pem", {"db", false, {}});
  ASSERT_TRUE(token.ok()) << token.status().message();
  auth::VerifyOutcome outcome = auth::JwtVerifier({pair.public_key}, "")
                                    .Verify(*token, DecodeClaims(*token).at("iat").as_int64());
  EXPECT_TRUE(std::holds_alternative<auth::VerifiedToken>(outcome));
}

// The message of a signing failure, which must name the key file.
std::string SigningError(const std::filesystem::path& key_file, std::string database = "db") {
  Result<std::string> token = SignDatabaseToken(key_file, {database, false, std::nullopt});
  EXPECT_FALSE(token.ok());
  if (token.ok()) return "";
  EXPECT_NE(token.status().message().find(key_file.string()), std::string::npos)
      << token.status().message();
  return token.status().message();
}

TEST_F(TokenSignerTest, BadKeyFilesFailWithMessagesThatSayWhatToDo) {
  std::string missing = SigningError(directory_ / "nope.pem");
  EXPECT_NE(missing.find("does not exist"), std::string::npos) << missing;
  EXPECT_NE(missing.find("edgelite keys generate DIR"), std::string::npos) << missing;

  std::string public_key = SigningError(files_.public_key);
  EXPECT_NE(public_key.find("public key"), std::string::npos) << public_key;
  EXPECT_NE(public_key.find("jwt_private.pem"), std::string::npos) << public_key;

  WriteFile(directory_ / "garbage.pem", "not a key at all\n");
  std::string garbage = SigningError(directory_ / "garbage.pem");
  EXPECT_NE(garbage.find("not a PEM private key"), std::string::npos) << garbage;

  // An ECDSA private key: valid PEM, wrong algorithm.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ec(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
  ASSERT_TRUE(ec);
  WriteFile(directory_ / "ec.pem", auth::test::internal::WritePem([&](BIO* bio) {
              return PEM_write_bio_PrivateKey(bio, ec.get(), nullptr, nullptr, 0, nullptr, nullptr);
            }));
  std::string wrong_type = SigningError(directory_ / "ec.pem");
  EXPECT_NE(wrong_type.find("Ed25519"), std::string::npos) << wrong_type;

  // A passphrase-protected key fails at once instead of prompting on the terminal.
  Result<SigningKey> key = LoadSigningKey(files_.private_key);
  ASSERT_TRUE(key.ok());
  WriteFile(directory_ / "encrypted.pem", auth::test::internal::WritePem([&](BIO* bio) {
              return PEM_write_bio_PKCS8PrivateKey(bio, key->get(), EVP_aes_256_cbc(), nullptr, 0,
                                                   nullptr, const_cast<char*>("secret"));
            }));
  std::string encrypted = SigningError(directory_ / "encrypted.pem");
  EXPECT_NE(encrypted.find("passphrase"), std::string::npos) << encrypted;
}

TEST_F(TokenSignerTest, NamesThatCannotBeDatabasesAreRefused) {
  for (const std::string& name :
       std::vector<std::string>{"", "../etc", ".hidden", std::string(129, 'x')}) {
    Result<std::string> token = SignDatabaseToken(files_.private_key, {name, false, std::nullopt});
    ASSERT_FALSE(token.ok()) << name;
    EXPECT_NE(token.status().message().find("cannot be a database name"), std::string::npos)
        << token.status().message();
  }
}

}  // namespace
}  // namespace edgelite::cli
