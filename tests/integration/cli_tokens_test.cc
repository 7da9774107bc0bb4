// The token workflow through the real `edgelite` binary: `keys generate DIR`, a server started with
// `--auth-jwt-key-file DIR/jwt_public.pem`, `db tokens create` signing with DIR/jwt_private.pem.
// A token reads and writes its own database over HTTP and nothing else: a read-only one cannot
// write, another database answers 404, an expired token is refused. The signing key is found
// through the flag, the environment or `config set`, and a missing one fails with what to do.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "integration/cli_process.h"
#include "integration/http_client.h"
#include "integration/server_process.h"
#include "unit/server/auth/jwt_test_support.h"

namespace edgelite::integration {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CliTokensTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("edgelite-cli-tokens-" + std::to_string(::getpid()) + "-" +
                  testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_ / "config");
    keys_ = directory_ / "keys";
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(directory_);
  }

  // The CLI with this test's own config directory and no EDGELITE_* variables but `environment`.
  CliRun Edgelite(const std::vector<std::string>& args,
                  const std::vector<std::string>& environment = {}) {
    return RunEdgelite(directory_, args, {}, environment);
  }

  // `keys generate`, then a server that verifies tokens with the public key, with databases
  // alpha and beta.
  void StartServerWithKeys() {
    CliRun generated = Edgelite({"keys", "generate", keys_.string()});
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    auto admin_port = FreeLoopbackPort();
    ASSERT_TRUE(admin_port.ok());
    admin_port_ = *admin_port;
    std::filesystem::create_directories(directory_ / "server");
    auto server = ServerProcess::StartIn(
        directory_ / "server",
        {"--enable-namespaces", "--auth-jwt-key-file", (keys_ / "jwt_public.pem").string(),
         "--admin-listen-addr", "127.0.0.1:" + std::to_string(admin_port_)});
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
    for (const char* name : {"alpha", "beta"}) {
      auto created =
          SendRequest(admin_port_, "POST", std::string("/v1/namespaces/") + name + "/create", "{}");
      ASSERT_TRUE(created.ok()) << created.status().message();
      ASSERT_EQ(created->status, 200) << created->body;
    }
  }

  // `db tokens create args...` with the signing key given by flag; the token it printed.
  std::string CreateToken(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--signing-key", (keys_ / "jwt_private.pem").string(), "db", "tokens", "create"});
    CliRun created = Edgelite(args);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    // The interface scripts rely on: the token alone on one line.
    EXPECT_TRUE(created.out.ends_with("\n")) << created.out;
    EXPECT_EQ(created.out.find('\n'), created.out.size() - 1) << created.out;
    EXPECT_EQ(std::count(created.out.begin(), created.out.end(), '.'), 2) << created.out;
    return created.out.substr(0, created.out.find('\n'));
  }

  // `sql` through Hrana v2 on database `name` (by the /db/<name>/ path) with `token`.
  HttpResponse Run(std::string_view name, const std::string& token, std::string_view sql) {
    auto connection = HttpConnection::Open(server_->port());
    EXPECT_TRUE(connection.ok());
    if (!connection.ok()) return {};
    std::string body = R"({"requests":[{"type":"execute","stmt":{"sql":")" + std::string(sql) +
                       R"("}},{"type":"close"}]})";
    std::string request =
        "POST /db/" + std::string(name) +
        "/v2/pipeline HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    EXPECT_TRUE(connection->Send(request).ok());
    auto response = connection->ReadResponse();
    EXPECT_TRUE(response.ok()) << response.status().message();
    return response.ok() ? std::move(response).value() : HttpResponse{};
  }

  // A token signed with DIR/jwt_private.pem, as `db tokens create` would make it, but with any
  // claims (an "exp" in the past, which the command rightly cannot produce).
  std::string SignWithGeneratedKey(std::string_view claims_json) {
    std::string pem = ReadFile(keys_ / "jwt_private.pem");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    EXPECT_TRUE(key);
    std::array<uint8_t, crypto_sign_SEEDBYTES> seed{};
    size_t length = seed.size();
    EXPECT_EQ(EVP_PKEY_get_raw_private_key(key.get(), seed.data(), &length), 1);
    auth::test::KeyPair pair;
    crypto_sign_seed_keypair(pair.public_key.bytes.data(), pair.secret_key.data(), seed.data());
    return auth::test::SignToken(pair, claims_json);
  }

  std::filesystem::path directory_;
  std::filesystem::path keys_;
  uint16_t admin_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

bool HasError(const HttpResponse& response) {
  return response.status != 200 || response.body.find(R"("type":"error")") != std::string::npos;
}

TEST_F(CliTokensTest, KeysGenerateWritesThePairAndSaysWhatComesNext) {
  CliRun generated = Edgelite({"keys", "generate", keys_.string()});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  const std::string private_key = (keys_ / "jwt_private.pem").string();
  const std::string public_key = (keys_ / "jwt_public.pem").string();
  EXPECT_TRUE(ReadFile(private_key).starts_with("-----BEGIN PRIVATE KEY-----"));
  EXPECT_TRUE(ReadFile(public_key).starts_with("-----BEGIN PUBLIC KEY-----"));
  struct stat info {};
  ASSERT_EQ(::stat(private_key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_NE(generated.out.find("--auth-jwt-key-file " + public_key), std::string::npos)
      << generated.out;
  EXPECT_NE(generated.out.find("config set signing-key " + private_key), std::string::npos)
      << generated.out;

  const std::string before = ReadFile(private_key);
  CliRun again = Edgelite({"keys", "generate", keys_.string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(ReadFile(private_key), before);
  EXPECT_EQ(Edgelite({"keys", "generate", "--force", keys_.string()}).exit_code, 0);
  EXPECT_NE(ReadFile(private_key), before);
}

TEST_F(CliTokensTest, ATokenReadsAndWritesItsDatabaseAndNoOther) {
  ASSERT_NO_FATAL_FAILURE(StartServerWithKeys());
  const std::string token = CreateToken({"alpha"});
  ASSERT_FALSE(token.empty());

  HttpResponse created = Run("alpha", token, "CREATE TABLE t(x)");
  EXPECT_FALSE(HasError(created)) << created.status << " " << created.body;
  HttpResponse inserted = Run("alpha", token, "INSERT INTO t VALUES (42)");
  EXPECT_FALSE(HasError(inserted)) << inserted.body;
  HttpResponse selected = Run("alpha", token, "SELECT x FROM t");
  EXPECT_FALSE(HasError(selected)) << selected.body;
  EXPECT_NE(selected.body.find(R"("value":"42")"), std::string::npos) << selected.body;

  HttpResponse other = Run("beta", token, "SELECT 1");
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(Run("alpha", token + "x", "SELECT 1").status, 401);
}

TEST_F(CliTokensTest, AReadOnlyTokenReadsButCannotWrite) {
  ASSERT_NO_FATAL_FAILURE(StartServerWithKeys());
  ASSERT_FALSE(HasError(Run("alpha", CreateToken({"alpha"}), "CREATE TABLE t(x)")));
  const std::string read_only = CreateToken({"alpha", "--read-only"});
  EXPECT_FALSE(HasError(Run("alpha", read_only, "SELECT count(*) FROM t")));
  HttpResponse write = Run("alpha", read_only, "INSERT INTO t VALUES (1)");
  EXPECT_TRUE(HasError(write));
  EXPECT_NE(write.body.find("Write permission"), std::string::npos) << write.body;
  EXPECT_EQ(Run("beta", read_only, "SELECT 1").status, 404);
}

TEST_F(CliTokensTest, AnExpiringTokenWorksUntilItExpires) {
  ASSERT_NO_FATAL_FAILURE(StartServerWithKeys());
  EXPECT_FALSE(HasError(Run("alpha", CreateToken({"alpha", "--expiration", "30m"}), "SELECT 1")));
  EXPECT_FALSE(HasError(Run("alpha", CreateToken({"alpha", "-e", "7d"}), "SELECT 1")));
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // Past the server's 60 s leeway.
  const std::string expired =
      SignWithGeneratedKey(R"({"a":"rw","id":"alpha","iat":)" + std::to_string(now - 7200) +
                           R"(,"exp":)" + std::to_string(now - 3600) + "}");
  HttpResponse refused = Run("alpha", expired, "SELECT 1");
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("expired"), std::string::npos) << refused.body;

  CliRun bad = Edgelite({"--signing-key", (keys_ / "jwt_private.pem").string(), "db", "tokens",
                         "create", "alpha", "--expiration", "7x"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("7d"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.out, "");
}

TEST_F(CliTokensTest, TheSigningKeyComesFromFlagEnvironmentOrConfig) {
  ASSERT_NO_FATAL_FAILURE(StartServerWithKeys());
  const std::string private_key = (keys_ / "jwt_private.pem").string();

  CliRun missing = Edgelite({"db", "tokens", "create", "alpha"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("edgelite keys generate DIR"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("--signing-key"), std::string::npos) << missing.err;

  CliRun absent_file = Edgelite(
      {"--signing-key", (directory_ / "gone.pem").string(), "db", "tokens", "create", "alpha"});
  EXPECT_EQ(absent_file.exit_code, 1);
  EXPECT_NE(absent_file.err.find((directory_ / "gone.pem").string() + " does not exist"),
            std::string::npos)
      << absent_file.err;

  CliRun from_environment =
      Edgelite({"db", "tokens", "create", "alpha"}, {"EDGELITE_SIGNING_KEY_FILE=" + private_key});
  ASSERT_EQ(from_environment.exit_code, 0) << from_environment.err;
  EXPECT_FALSE(HasError(
      Run("alpha", from_environment.out.substr(0, from_environment.out.size() - 1), "SELECT 1")));

  CliRun set = Edgelite({"config", "set", "signing-key", private_key});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  CliRun from_config = Edgelite({"db", "tokens", "create", "alpha", "--read-only"});
  ASSERT_EQ(from_config.exit_code, 0) << from_config.err;
  const std::string token = from_config.out.substr(0, from_config.out.size() - 1);
  EXPECT_FALSE(HasError(Run("alpha", token, "SELECT 1")));
  EXPECT_TRUE(HasError(Run("alpha", token, "CREATE TABLE t(x)")));
}

TEST_F(CliTokensTest, ConfigSetGetListKeepAPrivateFile) {
  EXPECT_EQ(Edgelite({"config", "set", "server", "http://db.example.com:8080"}).exit_code, 0);
  EXPECT_EQ(Edgelite({"config", "set", "admin-key", "s3cret"}).exit_code, 0);
  // A relative key path is saved absolute, so that it still works from another directory.
  EXPECT_EQ(Edgelite({"config", "set", "signing-key", "relative/jwt_private.pem"}).exit_code, 0);

  const std::filesystem::path file = directory_ / "config" / "edgelite" / "config";
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(file.parent_path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  CliRun get = Edgelite({"config", "get", "server"});
  EXPECT_EQ(get.exit_code, 0);
  EXPECT_EQ(get.out, "http://db.example.com:8080\n");
  CliRun unset = Edgelite({"config", "get", "admin-url"});
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_EQ(unset.out, "");
  CliRun list = Edgelite({"config", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out, "server = http://db.example.com:8080\nadmin-key = s3cret\nsigning-key = " +
                          (std::filesystem::current_path() / "relative/jwt_private.pem").string() +
                          "\n");

  CliRun unknown = Edgelite({"config", "set", "url", "http://x"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("server, admin-url, admin-key, signing-key"), std::string::npos)
      << unknown.err;
  CliRun not_a_url = Edgelite({"config", "set", "server", "db.example.com"});
  EXPECT_EQ(not_a_url.exit_code, 1);
  EXPECT_NE(not_a_url.err.find("http://"), std::string::npos) << not_a_url.err;

  // A damaged file: commands that need it name the file and the line.
  std::ofstream(file, std::ios::app) << "oops\n";
  CliRun damaged = Edgelite({"config", "list"});
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_NE(damaged.err.find(file.string() + ":6:"), std::string::npos) << damaged.err;
  CliRun token = Edgelite({"db", "tokens", "create", "alpha"});
  EXPECT_EQ(token.exit_code, 1);
  EXPECT_NE(token.err.find(file.string() + ":6:"), std::string::npos) << token.err;
}

}  // namespace
}  // namespace edgelite::integration
