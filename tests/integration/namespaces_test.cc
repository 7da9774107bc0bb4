// Many databases on one server: the admin API creates, configures and deletes namespaces; every
// way of naming one (the /db/<name>/ path, x-namespace-bin, x-namespace, the Host name) reaches
// it over HTTP and gRPC-web; unknown and malformed names get clear errors; a restart keeps them.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "client/replication_client.h"
#include "common/base64.h"
#include "integration/http_client.h"
#include "integration/server_process.h"
#include "unit/server/auth/jwt_test_support.h"

namespace edgelite::integration {
namespace {

constexpr std::string_view kAdminKey = "admin-secret";

class NamespacesTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("edgelite-namespaces-" + std::to_string(::getpid()) + "-" +
                  testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    auto admin_port = FreeLoopbackPort();
    ASSERT_TRUE(admin_port.ok());
    admin_port_ = *admin_port;
    Start();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(directory_);
  }
  void Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--enable-namespaces", "--admin-listen-addr",
                                     "127.0.0.1:" + std::to_string(admin_port_),
                                     "--admin-auth-key", std::string(kAdminKey)};
    args.insert(args.end(), extra.begin(), extra.end());
    auto server = ServerProcess::StartIn(directory_, args);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }

  // A request with `headers` (the Host header included) on `port`.
  HttpResponse Send(uint16_t port, std::string_view method, std::string_view target,
                    std::string_view body,
                    std::vector<std::pair<std::string, std::string>> headers) {
    auto connection = HttpConnection::Open(port);
    EXPECT_TRUE(connection.ok());
    if (!connection.ok()) return {};
    std::string request = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
    bool has_host = false;
    for (auto& [name, value] : headers) {
      request += name + ": " + value + "\r\n";
      has_host = has_host || name == "Host";
    }
    if (!has_host) request += "Host: 127.0.0.1\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    EXPECT_TRUE(connection->Send(request).ok());
    auto response = connection->ReadResponse();
    EXPECT_TRUE(response.ok()) << response.status().message();
    return response.ok() ? std::move(response).value() : HttpResponse{};
  }
  HttpResponse Admin(std::string_view method, std::string_view target, std::string_view body = {}) {
    return Send(admin_port_, method, target, body,
                {{"Authorization", "Basic " + std::string(kAdminKey)}});
  }
  // One statement through Hrana v2, the namespace named by `headers` or the target's path.
  HttpResponse Execute(std::string_view sql, std::string_view target = "/v2/pipeline",
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::string body = R"({"requests":[{"type":"execute","stmt":{"sql":")" + std::string(sql) +
                       R"("}},{"type":"close"}]})";
    headers.emplace_back("Content-Type", "application/json");
    return Send(server_->port(), "POST", target, body, headers);
  }

  std::filesystem::path directory_;
  uint16_t admin_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(NamespacesTest, TheAdminApiCreatesConfiguresAndDeletesWithClearErrors) {
  EXPECT_EQ(Send(admin_port_, "GET", "/", "", {}).status, 401);
  EXPECT_EQ(Send(admin_port_, "GET", "/", "", {{"Authorization", "Basic wrong"}}).status, 401);
  HttpResponse welcome = Admin("GET", "/");
  EXPECT_EQ(welcome.status, 200);
  EXPECT_EQ(welcome.body, "Welcome to the sqld admin API");

  EXPECT_EQ(Admin("POST", "/v1/namespaces/alpha/create", "").status, 200);
  HttpResponse again = Admin("POST", "/v1/namespaces/alpha/create", "{}");
  EXPECT_EQ(again.status, 400);
  EXPECT_NE(again.body.find("Namespace `alpha` already exists"), std::string::npos) << again.body;
  // Bad names and bodies change nothing.
  for (std::string_view bad : {"/v1/namespaces/../create", "/v1/namespaces/a%2Fb/create",
                               "/v1/namespaces/%ff%fe/create", "/v1/namespaces/%00/create"}) {
    HttpResponse refused = Admin("POST", bad, "{}");
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused.body;
  }
  HttpResponse long_name = Admin("POST", "/v1/namespaces/" + std::string(200, 'x') + "/create");
  EXPECT_EQ(long_name.status, 400);
  HttpResponse unknown_field = Admin("POST", "/v1/namespaces/beta/create", R"({"nope": 1})");
  EXPECT_EQ(unknown_field.status, 400);
  EXPECT_NE(unknown_field.body.find("nope"), std::string::npos);
  EXPECT_EQ(Admin("POST", "/v1/namespaces/beta/create", "[1]").status, 400);
  EXPECT_EQ(Admin("GET", "/v1/namespaces/beta/config").status, 404);

  HttpResponse created = Admin("POST", "/v1/namespaces/beta/create",
                               R"({"max_db_size": "10MB", "durability_mode": "strong"})");
  EXPECT_EQ(created.status, 200) << created.body;
  HttpResponse config = Admin("GET", "/v1/namespaces/beta/config");
  EXPECT_EQ(config.status, 200);
  EXPECT_NE(config.body.find(R"("max_db_size":9998336)"), std::string::npos) << config.body;
  EXPECT_NE(config.body.find(R"("durability_mode":"strong")"), std::string::npos);
  HttpResponse blocked = Admin("POST", "/v1/namespaces/beta/config",
                               R"({"block_writes": true, "block_reason": "maintenance"})");
  EXPECT_EQ(blocked.status, 200) << blocked.body;
  EXPECT_NE(blocked.body.find(R"("block_reason":"maintenance")"), std::string::npos);
  EXPECT_EQ(Admin("POST", "/v1/namespaces/nowhere/config", "{}").status, 404);

  HttpResponse list = Admin("GET", "/v1/namespaces");
  EXPECT_EQ(list.body, R"({"namespaces":["alpha","beta","default"]})");
  EXPECT_EQ(Admin("DELETE", "/v1/namespaces/beta").status, 200);
  EXPECT_EQ(Admin("DELETE", "/v1/namespaces/beta").status, 404);
  EXPECT_EQ(Admin("GET", "/v1/namespaces").body, R"({"namespaces":["alpha","default"]})");
}

TEST_F(NamespacesTest, EverySelectionMethodReachesItsOwnDatabase) {
  ASSERT_EQ(Admin("POST", "/v1/namespaces/alpha/create").status, 200);
  ASSERT_EQ(Admin("POST", "/v1/namespaces/beta/create").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(v)", "/v2/pipeline", {{"x-namespace", "alpha"}}).status, 200);
  ASSERT_EQ(Execute("INSERT INTO t VALUES ('from alpha')", "/db/alpha/v2/pipeline").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(v)", "/v2/pipeline",
                    {{"x-namespace-bin", base64::Encode("beta")}})
                .status,
            200);
  ASSERT_EQ(Execute("INSERT INTO t VALUES ('from beta')", "/v2/pipeline",
                    {{"Host", "beta.db.example.com:8080"}})
                .status,
            200);

  HttpResponse alpha = Execute("SELECT v FROM t", "/db/alpha/v2/pipeline",
                               {{"x-namespace", "beta"}});  // the path wins
  EXPECT_NE(alpha.body.find("from alpha"), std::string::npos) << alpha.body;
  EXPECT_EQ(alpha.body.find("from beta"), std::string::npos);
  HttpResponse beta = Execute("SELECT v FROM t", "/v2/pipeline", {{"x-namespace", "beta"}});
  EXPECT_NE(beta.body.find("from beta"), std::string::npos) << beta.body;
  // The default database has no table t; an IP address names no namespace.
  HttpResponse fallback = Execute("SELECT v FROM t");
  EXPECT_NE(fallback.body.find("no such table"), std::string::npos) << fallback.body;

  HttpResponse unknown = Execute("SELECT 1", "/db/gamma/v2/pipeline");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("Namespace `gamma` doesn't exist"), std::string::npos);
  EXPECT_EQ(Execute("SELECT 1", "/v2/pipeline", {{"x-namespace-bin", "!!"}}).status, 400);
  EXPECT_EQ(Execute("SELECT 1", "/db/alpha").status, 400);  // no final slash
  EXPECT_EQ(Execute("SELECT 1", "/v2/pipeline", {{"x-namespace", ".."}}).status, 400);

  // gRPC-web: the path (as an embedded replica joins it, with a double slash) and the metadata.
  client::ReplicationClientOptions by_path;
  by_path.base_url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/db/alpha/";
  by_path.namespace_name = "127";  // what the native replica sends for an IP address
  client::ReplicationClient alpha_replica(by_path);
  auto alpha_hello = alpha_replica.Hello();
  ASSERT_TRUE(alpha_hello.ok()) << alpha_hello.status().message();
  client::ReplicationClientOptions by_header;
  by_header.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
  by_header.namespace_name = "beta";
  client::ReplicationClient beta_replica(by_header);
  auto beta_hello = beta_replica.Hello();
  ASSERT_TRUE(beta_hello.ok()) << beta_hello.status().message();
  EXPECT_NE(alpha_hello->log_id, beta_hello->log_id);
  by_header.namespace_name = "gamma";
  client::ReplicationClient missing(by_header);
  auto refused = missing.Hello();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("NAMESPACE_DOESNT_EXIST"), std::string::npos)
      << refused.status().message();
}

TEST_F(NamespacesTest, ARestartKeepsNamespacesAndTheirData) {
  ASSERT_EQ(Admin("POST", "/v1/namespaces/kept/create").status, 200);
  ASSERT_EQ(Admin("POST", "/v1/namespaces/dropped/create").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(v)", "/db/kept/v2/pipeline").status, 200);
  ASSERT_EQ(Execute("INSERT INTO t VALUES ('still here')", "/db/kept/v2/pipeline").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(v)", "/db/dropped/v2/pipeline").status, 200);
  ASSERT_EQ(Admin("DELETE", "/v1/namespaces/dropped").status, 200);
  EXPECT_EQ(Execute("SELECT 1", "/db/dropped/v2/pipeline").status, 404);
  server_->Stop();
  Start();
  HttpResponse kept = Execute("SELECT v FROM t", "/db/kept/v2/pipeline");
  EXPECT_NE(kept.body.find("still here"), std::string::npos) << kept.body;
  EXPECT_EQ(Execute("SELECT 1", "/db/dropped/v2/pipeline").status, 404);
  // The name can be taken again, by a new, empty database.
  ASSERT_EQ(Admin("POST", "/v1/namespaces/dropped/create").status, 200);
  HttpResponse fresh = Execute("SELECT count(*) FROM sqlite_schema", "/db/dropped/v2/pipeline");
  EXPECT_NE(fresh.body.find(R"("value":"0")"), std::string::npos) << fresh.body;
}

TEST_F(NamespacesTest, BlocksAndTheSizeLimitAreEnforcedWithSqldsErrors) {
  ASSERT_EQ(Admin("POST", "/v1/namespaces/shop/create", R"({"max_db_size": "1MB"})").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(v)", "/db/shop/v2/pipeline").status, 200);
  ASSERT_EQ(Execute("INSERT INTO t VALUES ('small')", "/db/shop/v2/pipeline").status, 200);
  // About 2 MB in one statement: refused whole, nothing of it lands.
  HttpResponse too_big = Execute(
      "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 500) "
      "INSERT INTO t SELECT randomblob(4000) FROM c",
      "/db/shop/v2/pipeline");
  EXPECT_NE(too_big.body.find("SQLITE_FULL"), std::string::npos) << too_big.body;
  HttpResponse count = Execute("SELECT count(*) FROM t", "/db/shop/v2/pipeline");
  EXPECT_NE(count.body.find(R"("value":"1")"), std::string::npos) << count.body;

  ASSERT_EQ(Admin("POST", "/v1/namespaces/shop/config",
                  R"({"block_writes": true, "block_reason": "quota exceeded"})")
                .status,
            200);
  HttpResponse write = Execute("INSERT INTO t VALUES ('no')", "/db/shop/v2/pipeline");
  EXPECT_NE(write.body.find("Operation was blocked: quota exceeded"), std::string::npos)
      << write.body;
  EXPECT_NE(write.body.find(R"("code":"BLOCKED")"), std::string::npos);
  HttpResponse read = Execute("SELECT v FROM t", "/db/shop/v2/pipeline");
  EXPECT_NE(read.body.find("small"), std::string::npos) << read.body;
  ASSERT_EQ(Admin("POST", "/v1/namespaces/shop/config", R"({"block_reads": true})").status, 200);
  HttpResponse blocked_read = Execute("SELECT v FROM t", "/db/shop/v2/pipeline");
  EXPECT_NE(blocked_read.body.find(R"("code":"BLOCKED")"), std::string::npos) << blocked_read.body;
  // Other namespaces are not affected; lifting the blocks restores both.
  EXPECT_EQ(Execute("SELECT 1").status, 200);
  ASSERT_EQ(Admin("POST", "/v1/namespaces/shop/config",
                  R"({"block_reads": false, "block_writes": false, "block_reason": null})")
                .status,
            200);
  HttpResponse again = Execute("INSERT INTO t VALUES ('yes')", "/db/shop/v2/pipeline");
  EXPECT_EQ(again.body.find("error"), std::string::npos) << again.body;
  // The blocks survive a restart with the config.
  ASSERT_EQ(Admin("POST", "/v1/namespaces/shop/config", R"({"block_writes": true})").status, 200);
  server_->Stop();
  Start();
  HttpResponse after_restart = Execute("INSERT INTO t VALUES ('no')", "/db/shop/v2/pipeline");
  EXPECT_NE(after_restart.body.find(R"("code":"BLOCKED")"), std::string::npos)
      << after_restart.body;
}

// The replication index a v2 pipeline reported for its statement (the frame its commit ended on).
uint64_t ReplicationIndexOf(const HttpResponse& response) {
  std::string_view key = R"("replication_index":")";
  size_t at = response.body.find(key);
  if (at == std::string::npos) return 0;
  return std::stoull(response.body.substr(at + key.size()));
}

int64_t CountOf(const HttpResponse& response) {
  std::string_view key = R"("type":"integer","value":")";
  size_t at = response.body.find(key);
  if (at == std::string::npos) return -1;
  return std::stoll(response.body.substr(at + key.size()));
}

TEST_F(NamespacesTest, AForkHasTheSourcesContentAsOfOneCommitAndIsIndependent) {
  ASSERT_EQ(Admin("POST", "/v1/namespaces/prod/create", R"({"block_reason": "kept"})").status,
            200);
  ASSERT_EQ(Execute("CREATE TABLE t(n INTEGER PRIMARY KEY, v)", "/db/prod/v2/pipeline").status,
            200);
  uint64_t at_fifty = 0;
  int64_t fifty_at_ms = 0;
  for (int i = 1; i <= 100; ++i) {
    HttpResponse inserted = Execute("INSERT INTO t(v) VALUES (randomblob(600))",
                                    "/db/prod/v2/pipeline");
    ASSERT_EQ(inserted.status, 200);
    if (i == 50) {
      at_fifty = ReplicationIndexOf(inserted);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      fifty_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_GT(at_fifty, 0u);

  HttpResponse forked = Admin("POST", "/v1/namespaces/prod/fork/staging");
  ASSERT_EQ(forked.status, 200) << forked.body;
  EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t", "/db/staging/v2/pipeline")), 100);
  EXPECT_EQ(Execute("SELECT 1", "/db/staging/v2/pipeline").status, 200);
  HttpResponse check = Execute("PRAGMA integrity_check", "/db/staging/v2/pipeline");
  EXPECT_NE(check.body.find(R"("value":"ok")"), std::string::npos) << check.body;
  // Independent from here on, both ways; the config came along.
  ASSERT_EQ(Execute("DELETE FROM t WHERE n > 10", "/db/staging/v2/pipeline").status, 200);
  EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t", "/db/prod/v2/pipeline")), 100);
  ASSERT_EQ(Execute("INSERT INTO t(v) VALUES ('prod only')", "/db/prod/v2/pipeline").status, 200);
  EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t", "/db/staging/v2/pipeline")), 10);
  EXPECT_NE(Admin("GET", "/v1/namespaces/staging/config").body.find(R"("block_reason":"kept")"),
            std::string::npos);

  // As of an earlier commit: by frame number, and by time.
  HttpResponse by_frame = Admin("POST", "/v1/namespaces/prod/fork/past",
                                "{\"frame_no\": " + std::to_string(at_fifty) + "}");
  ASSERT_EQ(by_frame.status, 200) << by_frame.body;
  EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t", "/db/past/v2/pipeline")), 50);
  HttpResponse by_time = Admin("POST", "/v1/namespaces/prod/fork/then",
                               "{\"timestamp\": " + std::to_string(fifty_at_ms) + "}");
  ASSERT_EQ(by_time.status, 200) << by_time.body;
  EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t", "/db/then/v2/pipeline")), 50);
  EXPECT_EQ(Admin("POST", "/v1/namespaces/prod/fork/ancient",
                  R"({"timestamp": "2001-01-01T00:00:00"})")
                .status,
            400);

  EXPECT_EQ(Admin("POST", "/v1/namespaces/nowhere/fork/x").status, 404);
  EXPECT_EQ(Admin("POST", "/v1/namespaces/prod/fork/staging").status, 400);
  EXPECT_EQ(Admin("POST", "/v1/namespaces/prod/fork/..").status, 400);
  EXPECT_EQ(Admin("POST", "/v1/namespaces/prod/fork/y", R"({"timestamp": "yesterday"})").status,
            400);
  EXPECT_EQ(Admin("GET", "/v1/namespaces").body,
            R"({"namespaces":["default","past","prod","staging","then"]})");
}

TEST_F(NamespacesTest, AForkTakenWhileWritersRunIsConsistentAndWritersGoOn) {
  ASSERT_EQ(Admin("POST", "/v1/namespaces/busy/create").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(n INTEGER PRIMARY KEY, v)", "/db/busy/v2/pipeline").status,
            200);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    while (!stop) {
      HttpResponse inserted =
          Execute("INSERT INTO t(v) VALUES (randomblob(2000))", "/db/busy/v2/pipeline");
      if (inserted.status == 200) ++written;
    }
  });
  while (written < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  HttpResponse forked = Admin("POST", "/v1/namespaces/busy/fork/snap");
  int after_fork = written;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  writer.join();
  ASSERT_EQ(forked.status, 200) << forked.body;
  EXPECT_GT(written.load(), after_fork) << "the writers stopped during the fork";
  int64_t copied = CountOf(Execute("SELECT count(*) FROM t", "/db/snap/v2/pipeline"));
  EXPECT_GE(copied, 50);
  EXPECT_LE(copied, after_fork + 1);
  HttpResponse check = Execute("PRAGMA integrity_check", "/db/snap/v2/pipeline");
  EXPECT_NE(check.body.find(R"("value":"ok")"), std::string::npos) << check.body;
}

// A branch of the newest commit starts from a copy of the file, taken while the writer's
// checkpoints wait, and the frames the copy may lack. One writer inserts rows 1, 2, 3, ... one
// commit each, so a branch as of any commit holds exactly rows 1..k, each with its own content;
// the rows are big enough for the WAL to pass the checkpoint threshold again and again, so
// branches are taken with the file partly or wholly checkpointed; a shrunk file (VACUUM) and a
// restart (no WAL at open) are branched too.
TEST_F(NamespacesTest, ABranchOfABusyCheckpointedDatabaseHoldsExactlyOneCommit) {
  ASSERT_EQ(Admin("POST", "/v1/namespaces/hot/create").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(n INTEGER PRIMARY KEY, v TEXT)", "/db/hot/v2/pipeline").status,
            200);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    while (!stop) {
      int n = written + 1;
      std::string sql = "INSERT INTO t VALUES (" + std::to_string(n) + ", printf('%03000d', " +
                        std::to_string(n) + "))";
      if (Execute(sql, "/db/hot/v2/pipeline").status != 200) return;
      written = n;
    }
  });
  auto expect_prefix = [&](const std::string& branch, int at_least) {
    std::string path = "/db/" + branch + "/v2/pipeline";
    int64_t rows = CountOf(Execute("SELECT count(*) FROM t", path));
    EXPECT_GE(rows, at_least) << branch;
    EXPECT_EQ(CountOf(Execute("SELECT coalesce(max(n), 0) FROM t", path)), rows) << branch;
    EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t WHERE v != printf('%03000d', n)", path)), 0)
        << branch;
    HttpResponse check = Execute("PRAGMA integrity_check", path);
    EXPECT_NE(check.body.find(R"("value":"ok")"), std::string::npos) << branch << check.body;
  };
  for (int round = 0; round < 6; ++round) {
    // About 2,000 WAL frames between branches: past the checkpoint threshold each time.
    int target = written + 2000;
    while (written < target && !stop) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    int before = written;
    std::string branch = "hot" + std::to_string(round);
    HttpResponse forked = Admin("POST", "/v1/namespaces/hot/fork/" + branch);
    ASSERT_EQ(forked.status, 200) << forked.body;
    expect_prefix(branch, before);
  }
  stop = true;
  writer.join();

  ASSERT_EQ(Execute("DELETE FROM t WHERE n > 100", "/db/hot/v2/pipeline").status, 200);
  ASSERT_EQ(Execute("VACUUM", "/db/hot/v2/pipeline").status, 200);
  ASSERT_EQ(Admin("POST", "/v1/namespaces/hot/fork/small").status, 200);
  expect_prefix("small", 100);
  EXPECT_EQ(CountOf(Execute("PRAGMA page_count", "/db/small/v2/pipeline")),
            CountOf(Execute("PRAGMA page_count", "/db/hot/v2/pipeline")));

  server_.reset();
  Start();
  ASSERT_EQ(Admin("POST", "/v1/namespaces/hot/fork/after-restart").status, 200);
  expect_prefix("after-restart", 100);
  EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t", "/db/after-restart/v2/pipeline")), 100);
}

// Eight databases and room for two open at once: concurrent requests to all of them load and
// unload databases under each other, and every acknowledged write is there afterwards.
TEST_F(NamespacesTest, LazyLoadAndUnloadUnderConcurrentRequestsLoseNothing) {
  server_.reset();
  Start({"--max-active-namespaces", "2"});
  constexpr int kNamespaces = 8;
  constexpr int kThreads = 6;
  constexpr int kRounds = 60;
  for (int n = 0; n < kNamespaces; ++n) {
    std::string name = "lazy" + std::to_string(n);
    ASSERT_EQ(Admin("POST", "/v1/namespaces/" + name + "/create").status, 200);
    ASSERT_EQ(Execute("CREATE TABLE t(thread, round)", "/db/" + name + "/v2/pipeline").status, 200);
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < kRounds; ++round) {
        std::string path = "/db/lazy" + std::to_string((thread + round) % kNamespaces) + "/v2/pipeline";
        std::string insert = "INSERT INTO t VALUES (" + std::to_string(thread) + ", " +
                             std::to_string(round) + ")";
        if (Execute(insert, path).status != 200) ++failures;
        if (Execute("SELECT count(*) FROM t", path).status != 200) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  int64_t total = 0;
  for (int n = 0; n < kNamespaces; ++n) {
    std::string path = "/db/lazy" + std::to_string(n) + "/v2/pipeline";
    int64_t rows = CountOf(Execute("SELECT count(*) FROM t", path));
    // Each row is in the namespace its thread and round chose.
    EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t WHERE (thread + round) % 8 != " +
                                  std::to_string(n),
                              path)),
              0);
    total += rows;
  }
  EXPECT_EQ(total, kThreads * kRounds);
  // Idle again: no more than two stay open.
  Execute("SELECT 1", "/db/lazy0/v2/pipeline");
  EXPECT_NE(Admin("GET", "/metrics").body.find("edgelite_active_namespaces 2"), std::string::npos);
}

TEST_F(NamespacesTest, StatsAndMetricsCountAKnownWorkloadAndSurviveARestart) {
  ASSERT_EQ(Admin("POST", "/v1/namespaces/metered/create").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(n INTEGER PRIMARY KEY, v)", "/db/metered/v2/pipeline").status,
            200);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Execute("INSERT INTO t(v) VALUES ('x')", "/db/metered/v2/pipeline").status, 200);
  }
  ASSERT_EQ(Execute("UPDATE t SET v = 'y' WHERE n <= 5", "/db/metered/v2/pipeline").status, 200);
  ASSERT_EQ(Execute("SELECT * FROM t", "/db/metered/v2/pipeline").status, 200);

  // A replica pulls the log: the frames it got count as replicated.
  client::ReplicationClientOptions replica_options;
  replica_options.base_url =
      "http://127.0.0.1:" + std::to_string(server_->port()) + "/db/metered/";
  client::ReplicationClient replica(replica_options);
  ASSERT_TRUE(replica.Hello().ok());
  auto pulled = replica.BatchLogEntries(0);
  ASSERT_TRUE(pulled.ok()) << pulled.status().message();
  auto* frames = std::get_if<std::vector<replication::LogFrame>>(&*pulled);
  ASSERT_TRUE(frames && !frames->empty());

  HttpResponse stats = Admin("GET", "/v1/namespaces/metered/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_NE(stats.body.find("\"embedded_replica_frames_replicated\":" +
                            std::to_string(frames->size())),
            std::string::npos)
      << stats.body;
  // 10 inserts and 5 updates written; the CREATE counts one read (nothing read or written).
  EXPECT_NE(stats.body.find(R"("rows_written_count":15)"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find(R"("query_count":13)"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find(R"("query":"SELECT * FROM t")"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find(R"("storage_bytes_used":)"), std::string::npos);
  EXPECT_EQ(Admin("GET", "/v1/namespaces/nowhere/stats").status, 404);
  EXPECT_EQ(Admin("DELETE", "/v1/namespaces/metered/stats/top").status, 200);
  EXPECT_EQ(Admin("DELETE", "/v1/namespaces/metered/stats/other").status, 404);
  EXPECT_NE(Admin("GET", "/v1/namespaces/metered/stats").body.find(R"("top_queries":[])"),
            std::string::npos);

  HttpResponse metrics = Admin("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(R"(libsql_server_rows_written{namespace="metered"} 15)"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find(R"(libsql_server_query_count{namespace="metered"} 13)"),
            std::string::npos);
  EXPECT_NE(metrics.body.find(R"(libsql_server_statement_execution_time_count{namespace="metered"} 13)"),
            std::string::npos);
  // Each statement was one HTTP request; the replica was sent everything.
  EXPECT_NE(metrics.body.find(
                R"(edgelite_request_duration_seconds_count{namespace="metered",transport="http"} 13)"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find(R"(edgelite_replicas{namespace="metered"} 1)"), std::string::npos);
  EXPECT_NE(metrics.body.find(R"(edgelite_replication_lag_frames{namespace="metered"} 0)"),
            std::string::npos)
      << metrics.body;
  // Two more commits, and the replica behind them by their frames until it pulls again.
  uint64_t next_offset = frames->back().frame_no + 1;
  ASSERT_EQ(Execute("INSERT INTO t(v) VALUES ('z')", "/db/metered/v2/pipeline").status, 200);
  HttpResponse last = Execute("INSERT INTO t(v) VALUES ('z')", "/db/metered/v2/pipeline");
  uint64_t behind = ReplicationIndexOf(last) + 1 - next_offset;
  EXPECT_NE(Admin("GET", "/metrics").body.find(
                "edgelite_replication_lag_frames{namespace=\"metered\"} " + std::to_string(behind)),
            std::string::npos);
  auto caught_up = replica.BatchLogEntries(next_offset);
  ASSERT_TRUE(caught_up.ok());
  EXPECT_NE(Admin("GET", "/metrics").body.find(
                R"(edgelite_replication_lag_frames{namespace="metered"} 0)"),
            std::string::npos);
  // Every line is a comment or `name{labels} value`, as the text format wants.
  std::istringstream lines(metrics.body);
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? [-+0-9.eEInfa]+$)");
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }

  // A checkpoint on demand empties the WAL.
  std::filesystem::path wal = directory_ / "data" / "dbs" / "metered" / "data-wal";
  ASSERT_GT(std::filesystem::file_size(wal), 0u);
  HttpResponse checkpoint = Admin("POST", "/v1/namespaces/metered/checkpoint");
  EXPECT_EQ(checkpoint.status, 200) << checkpoint.body;
  EXPECT_EQ(std::filesystem::file_size(wal), 0u);
  EXPECT_EQ(Admin("POST", "/v1/namespaces/nowhere/checkpoint").status, 404);

  // Counters are kept across a restart.
  server_->Stop();
  Start();
  HttpResponse after = Admin("GET", "/v1/namespaces/metered/stats");
  EXPECT_NE(after.body.find(R"("rows_written_count":17)"), std::string::npos) << after.body;
}

TEST_F(NamespacesTest, CreateLoadsADumpFromAFileOrAnotherServersDumpUrl) {
  std::ofstream(directory_ / "seed.sql")
      << "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(x);\n"
         "INSERT INTO t VALUES(1);\nINSERT INTO t VALUES('two');\nCOMMIT;\n";
  std::string seed_url = "file://" + (directory_ / "seed.sql").string();
  HttpResponse created =
      Admin("POST", "/v1/namespaces/seeded/create", "{\"dump_url\": \"" + seed_url + "\"}");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t", "/db/seeded/v2/pipeline")), 2);

  // GET /dump of one namespace, loaded into another over HTTP.
  std::string dump_url =
      "http://127.0.0.1:" + std::to_string(server_->port()) + "/db/seeded/dump";
  HttpResponse copied =
      Admin("POST", "/v1/namespaces/copied/create", "{\"dump_url\": \"" + dump_url + "\"}");
  ASSERT_EQ(copied.status, 200) << copied.body;
  EXPECT_EQ(CountOf(Execute("SELECT count(*) FROM t", "/db/copied/v2/pipeline")), 2);
  ASSERT_EQ(Execute("INSERT INTO t VALUES (3)", "/db/copied/v2/pipeline").status, 200);

  // Dumps that cannot load create nothing.
  std::ofstream(directory_ / "broken.sql") << "CREATE TABLE t(x);\nINSERT INTO nowhere VALUES (1);\n";
  std::ofstream(directory_ / "escape.sql") << "ATTACH 'elsewhere.db' AS other;\n";
  for (std::string bad :
       {"file://" + (directory_ / "broken.sql").string(),
        "file://" + (directory_ / "escape.sql").string(),
        "file://" + (directory_ / "missing.sql").string(), std::string("file://relative/path.sql"),
        std::string("ftp://example.com/dump.sql"),
        "http://127.0.0.1:" + std::to_string(server_->port()) + "/db/nowhere/dump"}) {
    HttpResponse refused =
        Admin("POST", "/v1/namespaces/bad/create", "{\"dump_url\": \"" + bad + "\"}");
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused.body;
    EXPECT_EQ(Admin("GET", "/v1/namespaces/bad/config").status, 404) << bad;
  }
  EXPECT_FALSE(std::filesystem::exists(directory_ / "data" / "dbs" / "elsewhere.db"));
}

// GET /export: a plain SQLite file holding one commit, taken while a writer keeps going.
TEST_F(NamespacesTest, ExportSendsAPlainSqliteFileWhileWritersRun) {
  ASSERT_EQ(Admin("POST", "/v1/namespaces/shop/create").status, 200);
  ASSERT_EQ(Execute("CREATE TABLE t(n INTEGER PRIMARY KEY, v)", "/db/shop/v2/pipeline").status,
            200);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Execute("INSERT INTO t(v) VALUES (randomblob(3000))", "/db/shop/v2/pipeline").status,
              200);
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop) Execute("INSERT INTO t(v) VALUES (randomblob(3000))", "/db/shop/v2/pipeline");
  });
  HttpResponse exported = Send(server_->port(), "GET", "/db/shop/export", "", {});
  stop = true;
  writer.join();
  ASSERT_EQ(exported.status, 200) << exported.body.substr(0, 200);
  EXPECT_EQ(exported.Header("content-type"), "application/vnd.sqlite3");
  ASSERT_GT(exported.body.size(), 60'000u);
  EXPECT_EQ(exported.body.substr(0, 16), std::string("SQLite format 3\0", 16));
  EXPECT_EQ(exported.body[18], 1) << "the copy should not be a WAL database";
  std::filesystem::path copy = directory_ / "copy.sqlite";
  std::ofstream(copy, std::ios::binary) << exported.body;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(copy.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto scalar = [&](const char* sql) {
    sqlite3_stmt* statement = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return value;
  };
  EXPECT_EQ(scalar("PRAGMA integrity_check"), "ok");
  EXPECT_GE(std::stoi(scalar("SELECT count(*) FROM t")), 20);
  sqlite3_close_v2(db);

  EXPECT_EQ(Send(server_->port(), "GET", "/db/nowhere/export", "", {}).status, 404);
  EXPECT_EQ(Send(server_->port(), "GET", "/db/shop/export?x=1", "", {}).status, 400);
  // No copy is left behind.
  std::filesystem::path scratch = directory_ / "data" / ".exports";
  EXPECT_TRUE(!std::filesystem::exists(scratch) || std::filesystem::is_empty(scratch));
}

// A server with namespaces that takes JWTs signed by `server_key_`, and an admin port.
class NamespaceAuthTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("edgelite-ns-auth-" + std::to_string(::getpid()) + "-" +
                  testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_ / "server");
    std::ofstream(directory_ / "key.pub") << auth::test::RawKeyText(server_key_.public_key);
    auto admin_port = FreeLoopbackPort();
    ASSERT_TRUE(admin_port.ok());
    admin_port_ = *admin_port;
    auto server = ServerProcess::StartIn(
        directory_ / "server", {"--enable-namespaces", "--auth-jwt-key-file",
                                (directory_ / "key.pub").string(), "--admin-listen-addr",
                                "127.0.0.1:" + std::to_string(admin_port_)});
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(directory_);
  }

  int Admin(std::string_view target, std::string body) {
    auto response = SendRequest(admin_port_, "POST", target, body);
    EXPECT_TRUE(response.ok());
    return response.ok() ? response->status : 0;
  }
  // `sql` through Hrana v2 on namespace `ns` (by path) with `token`.
  HttpResponse Run(std::string_view ns, const std::string& token, std::string_view sql) {
    auto connection = HttpConnection::Open(server_->port());
    EXPECT_TRUE(connection.ok());
    if (!connection.ok()) return {};
    std::string body = R"({"requests":[{"type":"execute","stmt":{"sql":")" + std::string(sql) +
                       R"("}}]})";
    std::string target = ns.empty() ? "/v2/pipeline" : "/db/" + std::string(ns) + "/v2/pipeline";
    std::string request = "POST " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                          "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                          body;
    EXPECT_TRUE(connection->Send(request).ok());
    auto response = connection->ReadResponse();
    return response.ok() ? std::move(response).value() : HttpResponse{};
  }
  std::string BaseUrl(std::string_view ns) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/db/" + std::string(ns) + "/";
  }

  const auth::test::KeyPair server_key_ = auth::test::GenerateKeyPair();
  std::filesystem::path directory_;
  uint16_t admin_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

// A namespace with a JWT key of its own takes tokens signed with that key and no others; the
// server's key still rules the other namespaces, and a token never reaches another database.
TEST_F(NamespaceAuthTest, ANamespacesOwnJwtKeyReplacesTheServersForIt) {
  const auth::test::KeyPair own_key = auth::test::GenerateKeyPair();
  EXPECT_EQ(Admin("/v1/namespaces/own/create", R"({"jwt_key": "not a key"})"), 400);
  ASSERT_EQ(Admin("/v1/namespaces/own/create",
                  "{\"jwt_key\": \"" + auth::test::RawKeyText(own_key.public_key) + "\"}"),
            200);
  const std::string own_token = auth::test::SignToken(own_key, R"({"a":"rw"})");
  const std::string server_token = auth::test::SignToken(server_key_, R"({"a":"rw"})");
  EXPECT_EQ(Run("own", own_token, "SELECT 1").status, 200);
  EXPECT_EQ(Run("own", server_token, "SELECT 1").status, 401);
  EXPECT_EQ(Run("", server_token, "SELECT 1").status, 200);
  EXPECT_EQ(Run("", own_token, "SELECT 1").status, 401);
}

// A token scoped to some namespaces (sqld's `p` claims, or the older `id`) reaches those and no
// other: another namespace answers as if it did not exist (404, not 403), over HTTP and gRPC-web.
TEST_F(NamespaceAuthTest, TokenScopesReachOnlyTheirNamespacesOverHttpAndGrpcWeb) {
  for (const char* name : {"alpha", "beta"}) {
    ASSERT_EQ(Admin(std::string("/v1/namespaces/") + name + "/create", "{}"), 200);
  }
  const std::string alpha_rw =
      auth::test::SignToken(server_key_, R"({"p":{"rw":{"ns":["alpha"]}}})");
  const std::string alpha_ro =
      auth::test::SignToken(server_key_, R"({"p":{"ro":{"ns":["alpha"]}}})");
  const std::string beta_id = auth::test::SignToken(server_key_, R"({"id":"beta"})");

  EXPECT_EQ(Run("alpha", alpha_rw, "CREATE TABLE t(x)").status, 200);
  HttpResponse other = Run("beta", alpha_rw, "SELECT 1");
  EXPECT_EQ(other.status, 404);
  EXPECT_NE(other.body.find("Namespace `beta` doesn't exist"), std::string::npos) << other.body;
  HttpResponse read_only = Run("alpha", alpha_ro, "INSERT INTO t VALUES (1)");
  EXPECT_NE(read_only.body.find("Write permission"), std::string::npos) << read_only.body;
  EXPECT_EQ(Run("alpha", alpha_ro, "SELECT count(*) FROM t").status, 200);
  EXPECT_EQ(Run("beta", beta_id, "SELECT 1").status, 200);
  EXPECT_EQ(Run("alpha", beta_id, "SELECT 1").status, 404);

  // gRPC-web (what embedded replicas use): the same answers.
  client::ReplicationClientOptions options;
  options.base_url = BaseUrl("beta");
  options.auth_token = alpha_rw;
  client::ReplicationClient refused(options);
  auto hello = refused.Hello();
  ASSERT_FALSE(hello.ok());
  EXPECT_NE(hello.status().message().find("NAMESPACE_DOESNT_EXIST"), std::string::npos)
      << hello.status().message();
  options.base_url = BaseUrl("alpha");
  client::ReplicationClient allowed(options);
  EXPECT_TRUE(allowed.Hello().ok());
}

}  // namespace
}  // namespace edgelite::integration
