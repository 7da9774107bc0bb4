// The Authenticator façade: strategy selection, header parsing, HTTP Basic, JWT over headers and
// WebSocket hellos, and the verified-token cache as a user of the server would notice it.
#include "server/auth/authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/server/auth/jwt_test_support.h"

namespace edgelite::auth {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Authenticator> MakeOrDie(AuthConfig config, UnixClock clock = SystemUnixSeconds) {
  Result<std::unique_ptr<Authenticator>> created = Authenticator::Create(std::move(config), clock);
  EXPECT_TRUE(created.ok()) << created.status().message();
  return created.ok() ? std::move(*created) : nullptr;
}

// The grant of an outcome that must be a success.
Grant GrantOf(const AuthOutcome& outcome) {
  if (auto* failure = std::get_if<AuthFailure>(&outcome)) {
    ADD_FAILURE() << "failed with " << failure->code << ": " << failure->message;
    return Grant::FineGrained({});
  }
  return std::get<Grant>(outcome);
}

// The failure of an outcome that must be a failure.
AuthFailure FailureOf(const AuthOutcome& outcome) {
  if (auto* grant = std::get_if<Grant>(&outcome)) {
    ADD_FAILURE() << "succeeded as " << grant->ToString();
    return {};
  }
  return std::get<AuthFailure>(outcome);
}

// --- disabled ---

TEST(AuthenticatorTest, WithoutConfigurationEveryoneHasFullAccess) {
  auto auth = MakeOrDie({});
  ASSERT_NE(auth, nullptr);
  EXPECT_FALSE(auth->enabled());
  EXPECT_TRUE(GrantOf(auth->AuthenticateHeader(std::nullopt)).is_full_access());
  EXPECT_TRUE(GrantOf(auth->AuthenticateHeader("garbage")).is_full_access());
  EXPECT_TRUE(GrantOf(auth->AuthenticateHeader("Bearer not.a.jwt")).is_full_access());
  EXPECT_TRUE(GrantOf(auth->AuthenticateJwt(std::nullopt)).is_full_access());
  EXPECT_TRUE(GrantOf(auth->AuthenticateJwt("whatever")).is_full_access());
}

// --- HTTP Basic ---

constexpr std::string_view kCredential = "dXNlcjpwYXNzd29yZA==";  // base64("user:password")

std::unique_ptr<Authenticator> MakeBasic() {
  AuthConfig config;
  config.http_basic = std::string(kCredential);
  return MakeOrDie(std::move(config));
}

TEST(AuthenticatorTest, BasicAcceptsTheCredentialWithOrWithoutPadding) {
  auto auth = MakeBasic();
  ASSERT_NE(auth, nullptr);
  EXPECT_TRUE(auth->enabled());
  EXPECT_TRUE(GrantOf(auth->AuthenticateHeader("Basic dXNlcjpwYXNzd29yZA==")).is_full_access());
  EXPECT_TRUE(GrantOf(auth->AuthenticateHeader("Basic dXNlcjpwYXNzd29yZA")).is_full_access());
  // sqld does not look at the scheme.
  EXPECT_TRUE(GrantOf(auth->AuthenticateHeader("Bearer dXNlcjpwYXNzd29yZA")).is_full_access());
}

TEST(AuthenticatorTest, BasicRejectsOtherCredentials) {
  auto auth = MakeBasic();
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader("Basic dXNlcjp3cm9uZw==")),
            (AuthFailure{"AUTH_BASIC_REJECTED",
                         "The `Basic` HTTP authentication credentials were rejected"}));
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader("Basic dXNlcjpwYXNzd29y")).code,
            "AUTH_BASIC_REJECTED");
}

TEST(AuthenticatorTest, BasicReportsMissingAndMalformedHeaders) {
  auto auth = MakeBasic();
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader(std::nullopt)),
            (AuthFailure{"AUTH_HEADER_NOT_FOUND", "Expected authorization header but none given"}));
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader("dXNlcjpwYXNzd29yZA==")).code,
            "AUTH_HEADER_MALFORMED");
}

TEST(AuthenticatorTest, BasicChecksTheWebSocketJwtFieldToo) {
  auto auth = MakeBasic();
  ASSERT_NE(auth, nullptr);
  EXPECT_TRUE(GrantOf(auth->AuthenticateJwt("dXNlcjpwYXNzd29yZA")).is_full_access());
  EXPECT_EQ(FailureOf(auth->AuthenticateJwt("nope")).code, "AUTH_BASIC_REJECTED");
  EXPECT_EQ(FailureOf(auth->AuthenticateJwt(std::nullopt)).code, "AUTH_BASIC_REJECTED");
}

TEST(AuthenticatorTest, EmptyBasicCredentialIsAStartupError) {
  for (const char* credential : {"", "=="}) {
    AuthConfig config;
    config.http_basic = credential;
    Result<std::unique_ptr<Authenticator>> created = Authenticator::Create(std::move(config));
    ASSERT_FALSE(created.ok());
    EXPECT_THAT(created.status().message(), HasSubstr("--http-auth basic:"));
  }
}

TEST(AuthenticatorTest, BasicWinsOverAJwtKeyAsInSqld) {
  AuthConfig config;
  config.http_basic = std::string(kCredential);
  config.jwt_key_text = "not even a key";
  auto auth = MakeOrDie(std::move(config));
  ASSERT_NE(auth, nullptr);
  EXPECT_TRUE(GrantOf(auth->AuthenticateHeader("Basic dXNlcjpwYXNzd29yZA==")).is_full_access());
}

// --- JWT ---

class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Authenticator> Make(std::string key_text, std::string gid = "") {
    AuthConfig config;
    config.jwt_key_text = std::move(key_text);
    config.gid = std::move(gid);
    return MakeOrDie(std::move(config), [this] { return now_; });
  }
  std::unique_ptr<Authenticator> Make() { return Make(test::RawKeyText(key_.public_key)); }

  test::KeyPair key_ = test::GenerateKeyPair();
  int64_t now_ = 1'700'000'000;
};

TEST_F(JwtAuthenticatorTest, BearerSchemeIsCaseInsensitive) {
  auto auth = Make();
  ASSERT_NE(auth, nullptr);
  EXPECT_TRUE(auth->enabled());
  std::string token = test::SignToken(key_, R"({"a":"ro"})");
  for (const char* scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    SCOPED_TRACE(scheme);
    EXPECT_EQ(GrantOf(auth->AuthenticateHeader(std::string(scheme) + " " + token)),
              Grant::Legacy(Permission::kRead, std::nullopt));
  }
}

TEST_F(JwtAuthenticatorTest, HeaderProblemsHaveSqldsCodes) {
  auto auth = Make();
  ASSERT_NE(auth, nullptr);
  std::string token = test::SignToken(key_, "{}");
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader(std::nullopt)).message,
            "Expected authorization header but none given");
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader("Basic " + token)),
            (AuthFailure{"AUTH_HTTP_HEADER_UNSUPPORTED_SCHEME",
                         "The authentication scheme in the `Authorization` HTTP header is not "
                         "supported"}));
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader(token)),
            (AuthFailure{"AUTH_HEADER_MALFORMED",
                         "Auth string does not conform to '<scheme> <token>' form"}));
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader("Bearer caf\xc3\xa9")),
            (AuthFailure{"AUTH_HEADER_MALFORMED", "Non-ASCII auth header"}));
  // HTTP strips trailing blanks from header values, so "Bearer " arrives as "Bearer".
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader("Bearer ")).code, "AUTH_HEADER_MALFORMED");
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader("Bearer not.a.jwt")),
            (AuthFailure{"AUTH_JWT_INVALID", "The JWT is invalid"}));
}

TEST_F(JwtAuthenticatorTest, BlanksAroundTheHeaderValueAreTolerated) {
  auto auth = Make();
  ASSERT_NE(auth, nullptr);
  std::string token = test::SignToken(key_, "{}");
  EXPECT_EQ(GrantOf(auth->AuthenticateHeader(" Bearer  " + token + " \t")),
            Grant::Legacy(Permission::kWrite, std::nullopt));
}

TEST_F(JwtAuthenticatorTest, WebSocketHelloJwt) {
  auto auth = Make();
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(GrantOf(auth->AuthenticateJwt(test::SignToken(key_, R"({"id":"db"})"))),
            Grant::Legacy(Permission::kWrite, "db"));
  EXPECT_EQ(
      FailureOf(auth->AuthenticateJwt(std::nullopt)),
      (AuthFailure{"AUTH_JWT_MISSING", "Authentication is required but no JWT was specified"}));
  EXPECT_EQ(FailureOf(auth->AuthenticateJwt("")).code, "AUTH_JWT_INVALID");
}

TEST_F(JwtAuthenticatorTest, ForgedAndTamperedTokensAreRefused) {
  auto auth = Make();
  ASSERT_NE(auth, nullptr);
  test::KeyPair stranger = test::GenerateKeyPair();
  EXPECT_EQ(FailureOf(auth->AuthenticateJwt(test::SignToken(stranger, "{}"))).code,
            "AUTH_JWT_INVALID");
  std::string header_alg_none =
      test::Base64Url(R"({"alg":"none"})") + "." + test::Base64Url("{}") + ".";
  EXPECT_EQ(FailureOf(auth->AuthenticateJwt(header_alg_none)).code, "AUTH_JWT_INVALID");
}

TEST_F(JwtAuthenticatorTest, PemKeyFileWithSeveralKeys) {
  test::KeyPair second = test::GenerateKeyPair();
  auto auth = Make(test::PublicKeyPem(key_.public_key) + test::PublicKeyPem(second.public_key));
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(GrantOf(auth->AuthenticateJwt(test::SignToken(second, R"({"a":"ro"})"))),
            Grant::Legacy(Permission::kRead, std::nullopt));
  EXPECT_EQ(GrantOf(auth->AuthenticateJwt(test::SignToken(key_, "{}"))),
            Grant::Legacy(Permission::kWrite, std::nullopt));
}

TEST_F(JwtAuthenticatorTest, BadKeyIsAStartupError) {
  AuthConfig config;
  config.jwt_key_text = test::PrivateKeyPem(key_);
  Result<std::unique_ptr<Authenticator>> created = Authenticator::Create(std::move(config));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_THAT(created.status().message(),
              HasSubstr("Received a private key, but a public key is expected"));
}

TEST_F(JwtAuthenticatorTest, GidIsPassedToTagScopes) {
  auto auth = Make(test::RawKeyText(key_.public_key), "gid-7");
  ASSERT_NE(auth, nullptr);
  Grant grant = GrantOf(auth->AuthenticateHeader(
      "Bearer " + test::SignToken(key_, R"({"p":{"rw":{"tags":["gid-7"]}}})")));
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "any-namespace"));
  EXPECT_FALSE(grant.Allows(Permission::kAttachRead, "any-namespace"));
}

// --- the cache ---

TEST_F(JwtAuthenticatorTest, RepeatedTokenIsVerifiedOnce) {
  auto auth = Make();
  ASSERT_NE(auth, nullptr);
  std::string token = test::SignToken(key_, R"({"p":{"ro":{"ns":["a"]},"rw":{"ns":["b"]}}})");
  Grant first = GrantOf(auth->AuthenticateHeader("Bearer " + token));
  EXPECT_EQ(auth->full_verification_count(), 1u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(GrantOf(auth->AuthenticateHeader("Bearer " + token)), first);
    EXPECT_EQ(GrantOf(auth->AuthenticateJwt(token)), first);  // same cache for WebSocket
  }
  EXPECT_EQ(auth->full_verification_count(), 1u);
  EXPECT_TRUE(first.Allows(Permission::kRead, "a"));
  EXPECT_FALSE(first.Allows(Permission::kWrite, "a"));
  EXPECT_TRUE(first.Allows(Permission::kWrite, "b"));
}

TEST_F(JwtAuthenticatorTest, CachedTokenIsRefusedOnceTheClockPassesItsExpiry) {
  auto auth = Make();
  ASSERT_NE(auth, nullptr);
  const int64_t exp = now_ + 100;
  std::string token = test::SignToken(key_, R"({"exp":)" + std::to_string(exp) + "}");
  std::string header = "Bearer " + token;

  EXPECT_TRUE(std::holds_alternative<Grant>(auth->AuthenticateHeader(header)));
  now_ = exp + 60;  // still within the leeway: served from the cache
  EXPECT_TRUE(std::holds_alternative<Grant>(auth->AuthenticateHeader(header)));
  EXPECT_EQ(auth->full_verification_count(), 1u);

  now_ = exp + 61;
  EXPECT_EQ(FailureOf(auth->AuthenticateHeader(header)),
            (AuthFailure{"AUTH_JWT_EXPIRED", "The JWT has expired"}));
  EXPECT_EQ(FailureOf(auth->AuthenticateJwt(token)).code, "AUTH_JWT_EXPIRED");
}

TEST_F(JwtAuthenticatorTest, FailedTokensAreNotCached) {
  auto auth = Make();
  ASSERT_NE(auth, nullptr);
  test::KeyPair stranger = test::GenerateKeyPair();
  std::string forged = test::SignToken(stranger, "{}");
  EXPECT_EQ(FailureOf(auth->AuthenticateJwt(forged)).code, "AUTH_JWT_INVALID");
  EXPECT_EQ(FailureOf(auth->AuthenticateJwt(forged)).code, "AUTH_JWT_INVALID");
  EXPECT_EQ(auth->full_verification_count(), 2u);
}

TEST_F(JwtAuthenticatorTest, CacheIsPerAuthenticator) {
  // A namespace with its own key gets its own Authenticator: a token accepted by one key set must
  // not be accepted by another because it happened to be cached.
  auto ours = Make();
  test::KeyPair other_key = test::GenerateKeyPair();
  auto theirs = Make(test::RawKeyText(other_key.public_key));
  ASSERT_NE(ours, nullptr);
  ASSERT_NE(theirs, nullptr);
  std::string token = test::SignToken(key_, "{}");
  EXPECT_TRUE(std::holds_alternative<Grant>(ours->AuthenticateJwt(token)));
  EXPECT_EQ(FailureOf(theirs->AuthenticateJwt(token)).code, "AUTH_JWT_INVALID");
}

}  // namespace
}  // namespace edgelite::auth
