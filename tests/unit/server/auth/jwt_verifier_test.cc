// JWT verification: signatures, algorithms, expiry, audience, and the grants built from claims.
#include "server/auth/jwt_verifier.h"

#include <gtest/gtest.h>

#include "unit/server/auth/jwt_test_support.h"

namespace edgelite::auth {
namespace {

constexpr int64_t kNow = 1'700'000'000;

class JwtVerifierTest : public ::testing::Test {
 protected:
  JwtVerifier MakeVerifier(std::string gid = "") const {
    return JwtVerifier({key_.public_key}, std::move(gid));
  }

  // The grant of a token that must verify.
  Grant Accept(const std::string& token, std::string gid = "") const {
    VerifyOutcome outcome = MakeVerifier(std::move(gid)).Verify(token, kNow);
    if (auto* failure = std::get_if<AuthFailure>(&outcome)) {
      ADD_FAILURE() << "rejected with " << failure->code << ": " << failure->message;
      return Grant::FineGrained({});
    }
    return std::get<VerifiedToken>(outcome).grant;
  }

  // The failure code of a token that must be refused.
  std::string Reject(const std::string& token, int64_t now = kNow) const {
    VerifyOutcome outcome = MakeVerifier().Verify(token, now);
    if (auto* failure = std::get_if<AuthFailure>(&outcome)) return failure->code;
    ADD_FAILURE() << "accepted as " << std::get<VerifiedToken>(outcome).grant.ToString();
    return "";
  }

  std::string Sign(std::string_view payload) const { return test::SignToken(key_, payload); }

  test::KeyPair key_ = test::GenerateKeyPair();
};

TEST_F(JwtVerifierTest, TokenWithoutClaimsIsLegacyWriteOnAllNamespaces) {
  VerifyOutcome outcome = MakeVerifier().Verify(Sign("{}"), kNow);
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(outcome));
  const VerifiedToken& verified = std::get<VerifiedToken>(outcome);
  EXPECT_EQ(verified.grant, Grant::Legacy(Permission::kWrite, std::nullopt));
  EXPECT_FALSE(verified.expires_at.has_value());
  EXPECT_FALSE(verified.grant.Allows(Permission::kAttachRead, "default"));
}

TEST_F(JwtVerifierTest, HeaderWithoutTypIsAccepted) {
  EXPECT_EQ(Accept(test::SignToken(key_, R"({"alg":"EdDSA"})", R"({"a":"ro"})")),
            Grant::Legacy(Permission::kRead, std::nullopt));
}

TEST_F(JwtVerifierTest, FailuresCarrySqldsCodeAndText) {
  VerifyOutcome outcome = MakeVerifier().Verify("not a token", kNow);
  ASSERT_TRUE(std::holds_alternative<AuthFailure>(outcome));
  EXPECT_EQ(std::get<AuthFailure>(outcome),
            (AuthFailure{"AUTH_JWT_INVALID", "The JWT is invalid"}));
}

TEST_F(JwtVerifierTest, SignatureFromAnotherKeyIsInvalid) {
  test::KeyPair other = test::GenerateKeyPair();
  EXPECT_EQ(Reject(test::SignToken(other, "{}")), "AUTH_JWT_INVALID");
}

TEST_F(JwtVerifierTest, TamperedPayloadIsInvalid) {
  std::string token = Sign(R"({"a":"ro"})");
  std::string forged_payload = test::Base64Url(R"({"a":"rw"})");
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string forged = token.substr(0, first + 1) + forged_payload + token.substr(second);
  EXPECT_EQ(Reject(forged), "AUTH_JWT_INVALID");
}

TEST_F(JwtVerifierTest, TamperedSignatureIsInvalid) {
  std::string token = Sign("{}");
  // Flip a character in the middle of the signature (the last one may only carry padding bits).
  char& c = token[token.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(Reject(token), "AUTH_JWT_INVALID");
}

TEST_F(JwtVerifierTest, AlgNoneIsRefused) {
  std::string unsigned_token =
      test::Base64Url(R"({"alg":"none"})") + "." + test::Base64Url("{}") + ".";
  EXPECT_EQ(Reject(unsigned_token), "AUTH_JWT_INVALID");
  // Even with a genuine Ed25519 signature, a header that names another algorithm is refused.
  EXPECT_EQ(Reject(test::SignToken(key_, R"({"alg":"none"})", "{}")), "AUTH_JWT_INVALID");
}

TEST_F(JwtVerifierTest, OtherAlgorithmsAreRefused) {
  for (const char* header : {R"({"alg":"HS256","typ":"JWT"})", R"({"alg":"ES256"})",
                             R"({"alg":"eddsa"})", R"({"typ":"JWT"})", R"({"alg":5})", "[]"}) {
    SCOPED_TRACE(header);
    EXPECT_EQ(Reject(test::SignToken(key_, header, "{}")), "AUTH_JWT_INVALID");
  }
}

TEST_F(JwtVerifierTest, MalformedTokensAreInvalid) {
  std::string good = Sign("{}");
  for (const std::string& token :
       {std::string(""), std::string("abc"), std::string("a.b"), good + ".extra",
        std::string(".") + good, std::string("!!!.@@@.###"), good.substr(0, good.rfind('.') + 1),
        test::SignToken(key_, "not json"), test::SignToken(key_, "[1,2]"),
        test::SignToken(key_, "\"string\""), test::SignToken(key_, "{\"a\":\"rw\"")}) {
    SCOPED_TRACE(token);
    EXPECT_EQ(Reject(token), "AUTH_JWT_INVALID");
  }
}

TEST_F(JwtVerifierTest, ExpiryAllowsSixtySecondsOfLeeway) {
  const std::string payload = R"({"exp":)" + std::to_string(kNow) + "}";
  const std::string token = Sign(payload);
  JwtVerifier verifier = MakeVerifier();

  VerifyOutcome before = verifier.Verify(token, kNow - 1000);
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(before));
  EXPECT_EQ(std::get<VerifiedToken>(before).expires_at, kNow);

  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(verifier.Verify(token, kNow + 30)));
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(verifier.Verify(token, kNow + 60)));
  VerifyOutcome after = verifier.Verify(token, kNow + 61);
  ASSERT_TRUE(std::holds_alternative<AuthFailure>(after));
  EXPECT_EQ(std::get<AuthFailure>(after), (AuthFailure{"AUTH_JWT_EXPIRED", "The JWT has expired"}));
}

TEST_F(JwtVerifierTest, ExpiredTokenFromLongAgoIsExpiredNotInvalid) {
  EXPECT_EQ(Reject(Sign(R"({"exp":1000})")), "AUTH_JWT_EXPIRED");
}

TEST_F(JwtVerifierTest, ExpiryMustBeAnIntegerNumberOfSeconds) {
  EXPECT_EQ(Reject(Sign(R"({"exp":1.5e12})")), "AUTH_JWT_INVALID");
  EXPECT_EQ(Reject(Sign(R"({"exp":"2099-01-01"})")), "AUTH_JWT_INVALID");
  EXPECT_EQ(Reject(Sign(R"({"exp":18446744073709551615})")), "AUTH_JWT_INVALID");
  // null is the same as no "exp" at all.
  EXPECT_EQ(Accept(Sign(R"({"exp":null})")), Grant::Legacy(Permission::kWrite, std::nullopt));
}

TEST_F(JwtVerifierTest, FarFutureExpiryDoesNotOverflow) {
  VerifyOutcome outcome = MakeVerifier().Verify(Sign(R"({"exp":9223372036854775807})"), kNow);
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(outcome));
  EXPECT_EQ(JwtVerifier::AcceptedUntil(INT64_MAX), INT64_MAX);
}

TEST_F(JwtVerifierTest, NotBeforeIsNotValidated) {
  std::string payload = R"({"a":"ro","nbf":)" + std::to_string(kNow + 3600) + "}";
  EXPECT_EQ(Accept(Sign(payload)), Grant::Legacy(Permission::kRead, std::nullopt));
}

TEST_F(JwtVerifierTest, AudienceClaimIsRefused) {
  EXPECT_EQ(Reject(Sign(R"({"aud":"my-app"})")), "AUTH_FAILED");
  EXPECT_EQ(Reject(Sign(R"({"aud":["a","b"]})")), "AUTH_FAILED");
  // Expiry is checked first, as in sqld's library.
  EXPECT_EQ(Reject(Sign(R"({"aud":"my-app","exp":1000})")), "AUTH_JWT_EXPIRED");
}

TEST_F(JwtVerifierTest, ReadOnlyTokenAllowsReadButNotWrite) {
  Grant grant = Accept(Sign(R"({"a":"ro","iat":1700000000})"));
  EXPECT_TRUE(grant.Allows(Permission::kRead, "default"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "default"));
}

TEST_F(JwtVerifierTest, LegacyPermissionValues) {
  EXPECT_EQ(Accept(Sign(R"({"a":"rw"})")), Grant::Legacy(Permission::kWrite, std::nullopt));
  EXPECT_EQ(Accept(Sign(R"({"a":"roa"})")), Grant::Legacy(Permission::kAttachRead, std::nullopt));
  EXPECT_EQ(Accept(Sign(R"({"a":null})")), Grant::Legacy(Permission::kWrite, std::nullopt));
  EXPECT_EQ(Reject(Sign(R"({"a":"admin"})")), "AUTH_JWT_INVALID");
  EXPECT_EQ(Reject(Sign(R"({"a":"RW"})")), "AUTH_JWT_INVALID");
  EXPECT_EQ(Reject(Sign(R"({"a":1})")), "AUTH_JWT_INVALID");
}

TEST_F(JwtVerifierTest, IdClaimScopesTheTokenToOneNamespace) {
  Grant grant = Accept(Sign(R"({"id":"db1","a":"rw"})"));
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "db1"));
  EXPECT_FALSE(grant.Allows(Permission::kRead, "db2"));
  EXPECT_FALSE(grant.Allows(Permission::kRead, "default"));
  EXPECT_EQ(Reject(Sign(R"({"id":42})")), "AUTH_JWT_INVALID");
}

TEST_F(JwtVerifierTest, PermissionsClaimReplacesLegacyClaims) {
  Grant grant =
      Accept(Sign(R"({"id":"foobar","a":"ro","p":{"rw":{"ns":["foo"]},"roa":{"ns":["bar"]}}})"));
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "foo"));
  EXPECT_TRUE(grant.Allows(Permission::kRead, "bar"));
  EXPECT_TRUE(grant.Allows(Permission::kAttachRead, "bar"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "bar"));
  // "id" and "a" are ignored once "p" is present.
  EXPECT_FALSE(grant.Allows(Permission::kRead, "foobar"));
}

TEST_F(JwtVerifierTest, PermissionsClaimWithAllKeys) {
  Grant grant = Accept(Sign(R"({"p":{"ro":{"ns":["r"]},"rw":{"ns":["w"]},"roa":{"ns":["ra"]},)"
                            R"("rwa":{"ns":["wa"]},"ddl":{"ns":["d"]},"future":{"ns":["x"]}}})"));
  EXPECT_TRUE(grant.Allows(Permission::kRead, "r"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "r"));
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "w"));
  EXPECT_TRUE(grant.Allows(Permission::kAttachRead, "ra"));
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "wa"));
  EXPECT_TRUE(grant.Allows(Permission::kAttachRead, "wa"));
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "d"));
  EXPECT_TRUE(grant.AllowsSchemaDdl("d"));
  EXPECT_FALSE(grant.AllowsSchemaDdl("w"));
  EXPECT_FALSE(grant.Allows(Permission::kRead, "x"));  // unknown keys grant nothing
}

TEST_F(JwtVerifierTest, EmptyPermissionsClaimGrantsNothing) {
  Grant grant = Accept(Sign(R"({"p":{}})"));
  EXPECT_FALSE(grant.Allows(Permission::kRead, "default"));
  // A null "p" is the same as none: a legacy grant.
  EXPECT_EQ(Accept(Sign(R"({"p":null,"a":"ro"})")), Grant::Legacy(Permission::kRead, std::nullopt));
}

TEST_F(JwtVerifierTest, MalformedPermissionsClaimIsInvalid) {
  for (const char* payload :
       {R"({"p":[]})", R"({"p":"rw"})", R"({"p":{"rw":["foo"]}})", R"({"p":{"rw":{"ns":"foo"}}})",
        R"({"p":{"rw":{"ns":[1]}}})", R"({"p":{"ro":{"tags":"g"}}})"}) {
    SCOPED_TRACE(payload);
    EXPECT_EQ(Reject(Sign(payload)), "AUTH_JWT_INVALID");
  }
}

TEST_F(JwtVerifierTest, TagScopeMatchesEveryNamespaceWhenItHoldsTheGid) {
  std::string token = Sign(R"({"p":{"ro":{"tags":["group-a"]},"rw":{"ns":["mine"]}}})");

  Grant in_group = Accept(token, "group-a");
  EXPECT_TRUE(in_group.Allows(Permission::kRead, "anything"));
  EXPECT_FALSE(in_group.Allows(Permission::kWrite, "anything"));
  EXPECT_TRUE(in_group.Allows(Permission::kWrite, "mine"));

  Grant other_group = Accept(token, "group-b");
  EXPECT_FALSE(other_group.Allows(Permission::kRead, "anything"));
  EXPECT_TRUE(other_group.Allows(Permission::kRead, "mine"));

  Grant no_gid = Accept(token, "");
  EXPECT_FALSE(no_gid.Allows(Permission::kRead, "anything"));
  // An empty tag does not match a server without a gid.
  EXPECT_FALSE(Accept(Sign(R"({"p":{"ro":{"tags":[""]}}})"), "").Allows(Permission::kRead, "x"));
}

TEST(JwtVerifierKeysTest, KeysAreTriedInOrder) {
  test::KeyPair first = test::GenerateKeyPair();
  test::KeyPair second = test::GenerateKeyPair();
  test::KeyPair stranger = test::GenerateKeyPair();
  JwtVerifier verifier({first.public_key, second.public_key}, "");
  EXPECT_TRUE(
      std::holds_alternative<VerifiedToken>(verifier.Verify(test::SignToken(first, "{}"), kNow)));
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(
      verifier.Verify(test::SignToken(second, R"({"a":"ro"})"), kNow)));
  VerifyOutcome outcome = verifier.Verify(test::SignToken(stranger, "{}"), kNow);
  ASSERT_TRUE(std::holds_alternative<AuthFailure>(outcome));
  EXPECT_EQ(std::get<AuthFailure>(outcome).code, "AUTH_JWT_INVALID");
  // An expired token signed by the second key is reported as expired, not as invalid.
  VerifyOutcome expired = verifier.Verify(test::SignToken(second, R"({"exp":1000})"), kNow);
  ASSERT_TRUE(std::holds_alternative<AuthFailure>(expired));
  EXPECT_EQ(std::get<AuthFailure>(expired).code, "AUTH_JWT_EXPIRED");
}

}  // namespace
}  // namespace edgelite::auth
