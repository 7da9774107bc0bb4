// JWT key parsing: every text form an operator might configure, and the start-up errors for the
// ones that cannot work.
#include "server/auth/jwt_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/server/auth/jwt_test_support.h"

namespace edgelite::auth {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::vector<PublicKey> ParseOk(std::string_view text) {
  Result<std::vector<PublicKey>> keys = ParseJwtKeys(text);
  EXPECT_TRUE(keys.ok()) << keys.status().message();
  return keys.ok() ? *keys : std::vector<PublicKey>{};
}

std::string ParseError(std::string_view text) {
  Result<std::vector<PublicKey>> keys = ParseJwtKeys(text);
  EXPECT_FALSE(keys.ok()) << "parsed " << keys->size() << " keys";
  if (keys.ok()) return "";
  EXPECT_EQ(keys.status().kind(), ErrorKind::kInvalidArgument);
  return keys.status().message();
}

TEST(JwtKeysTest, RawUrlSafeBase64Key) {
  test::KeyPair pair = test::GenerateKeyPair();
  std::string text = test::RawKeyText(pair.public_key);
  ASSERT_EQ(text.size(), 43u);
  EXPECT_EQ(ParseOk(text), std::vector<PublicKey>{pair.public_key});
}

TEST(JwtKeysTest, RawKeyWithPaddingAndSurroundingWhitespace) {
  test::KeyPair pair = test::GenerateKeyPair();
  std::string text = "  \n" + test::RawKeyText(pair.public_key) + "=\r\n";
  EXPECT_EQ(ParseOk(text), std::vector<PublicKey>{pair.public_key});
}

TEST(JwtKeysTest, RawKeyInStandardBase64Alphabet) {
  // Find a key whose encoding differs between the alphabets, so the test means something.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    test::KeyPair pair = test::GenerateKeyPair();
    std::string standard = base64::Encode(test::AsChars(pair.public_key));
    if (standard.find_first_of("+/") == std::string::npos) continue;
    EXPECT_EQ(ParseOk(standard), std::vector<PublicKey>{pair.public_key});
    return;
  }
  FAIL() << "no key with + or / in 1000 attempts";
}

TEST(JwtKeysTest, RawKeyOfWrongLengthIsRejected) {
  std::string sixteen_bytes = test::Base64Url(std::string(16, 'k'));
  EXPECT_THAT(ParseError(sixteen_bytes), AllOf(HasSubstr("16 bytes"), HasSubstr("32 bytes")));
}

TEST(JwtKeysTest, TextThatIsNotBase64IsRejected) {
  EXPECT_THAT(ParseError("this is not a key!"), HasSubstr("neither a PEM"));
}

TEST(JwtKeysTest, BytesThatAreNotACurvePointAreRejected) {
  std::string not_a_point = test::Base64Url(std::string(32, '\xff'));
  EXPECT_THAT(ParseError(not_a_point), HasSubstr("not a valid Ed25519 public key"));
}

TEST(JwtKeysTest, EmptyTextIsRejected) {
  EXPECT_THAT(ParseError(""), HasSubstr("empty"));
  EXPECT_THAT(ParseError(" \n\t"), HasSubstr("empty"));
}

TEST(JwtKeysTest, SinglePemPublicKey) {
  test::KeyPair pair = test::GenerateKeyPair();
  std::string pem = test::PublicKeyPem(pair.public_key);
  ASSERT_THAT(pem, HasSubstr("-----BEGIN PUBLIC KEY-----"));
  EXPECT_EQ(ParseOk(pem), std::vector<PublicKey>{pair.public_key});
}

TEST(JwtKeysTest, ConcatenatedPemsGiveKeysInOrder) {
  test::KeyPair first = test::GenerateKeyPair();
  test::KeyPair second = test::GenerateKeyPair();
  test::KeyPair third = test::GenerateKeyPair();
  std::string text = test::PublicKeyPem(first.public_key) + test::PublicKeyPem(second.public_key) +
                     "\n" + test::PublicKeyPem(third.public_key);
  EXPECT_EQ(ParseOk(text),
            (std::vector<PublicKey>{first.public_key, second.public_key, third.public_key}));
}

TEST(JwtKeysTest, PemWithWindowsLineEndings) {
  test::KeyPair pair = test::GenerateKeyPair();
  std::string pem = test::PublicKeyPem(pair.public_key);
  std::string crlf;
  for (char c : pem) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  EXPECT_EQ(ParseOk(crlf), std::vector<PublicKey>{pair.public_key});
}

TEST(JwtKeysTest, PrivateKeyPemIsRejectedWithSqldsMessage) {
  test::KeyPair pair = test::GenerateKeyPair();
  std::string pem = test::PrivateKeyPem(pair);
  ASSERT_THAT(pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  EXPECT_THAT(ParseError(pem), HasSubstr("Received a private key, but a public key is expected"));
}

TEST(JwtKeysTest, PrivateKeyAfterAPublicKeyIsRejected) {
  test::KeyPair pair = test::GenerateKeyPair();
  std::string text = test::PublicKeyPem(pair.public_key) + test::PrivateKeyPem(pair);
  EXPECT_THAT(ParseError(text),
              AllOf(HasSubstr("Received a private key, but a public key is expected"),
                    HasSubstr("PEM block 2")));
}

TEST(JwtKeysTest, OtherPemTypesAreUnsupported) {
  EXPECT_THAT(ParseError("-----BEGIN CERTIFICATE-----\nMIIKLwIBAzCCCesGCSqGSIb3DQE\n"
                         "-----END CERTIFICATE-----\n"),
              AllOf(HasSubstr("Key is in unsupported PEM format"), HasSubstr("CERTIFICATE")));
}

TEST(JwtKeysTest, NonEd25519PublicKeyIsRejectedClearly) {
  EXPECT_THAT(ParseError(test::EcPublicKeyPem()),
              AllOf(HasSubstr("EC"), HasSubstr("Ed25519 (EdDSA) keys only")));
}

TEST(JwtKeysTest, TruncatedPemIsRejected) {
  test::KeyPair pair = test::GenerateKeyPair();
  std::string pem = test::PublicKeyPem(pair.public_key);
  pem.resize(pem.find("-----END"));
  EXPECT_THAT(ParseError(pem), HasSubstr("no `-----END PUBLIC KEY-----` line"));
}

TEST(JwtKeysTest, DamagedPemBodyIsRejected) {
  EXPECT_THAT(ParseError("-----BEGIN PUBLIC KEY-----\nnot!base64\n-----END PUBLIC KEY-----\n"),
              HasSubstr("could not be decoded"));
}

TEST(JwtKeysTest, TextBetweenPemBlocksIsRejected) {
  test::KeyPair first = test::GenerateKeyPair();
  test::KeyPair second = test::GenerateKeyPair();
  std::string pem2 = test::PublicKeyPem(second.public_key);
  // A second block whose BEGIN line lost a dash would otherwise be skipped without a word.
  std::string text = test::PublicKeyPem(first.public_key) + pem2.substr(1);
  EXPECT_THAT(ParseError(text), HasSubstr("unexpected text after PEM block 1"));
}

}  // namespace
}  // namespace edgelite::auth
