// `edgelite db ...` against a real server with namespaces and an admin API, as a user's script
// runs it: create (empty, a branch, from a dump, from a SQLite file), list, show (--url that
// @libsql/client takes), inspect, import, export (a plain SQLite file; a failed export leaves no
// file), dump, destroy (refused without --yes off a terminal); and the errors: unknown database,
// name taken, server down, wrong admin key.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include "integration/cli_process.h"
#include "integration/server_process.h"

namespace edgelite::integration {
namespace {

constexpr std::string_view kAdminKey = "cli-db-admin-key";

class CliDbTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("edgelite-cli-db-" + std::to_string(::getpid()) + "-" +
                  testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_ / "server");
    auto admin_port = FreeLoopbackPort();
    ASSERT_TRUE(admin_port.ok());
    admin_port_ = *admin_port;
    auto server = ServerProcess::StartIn(
        directory_ / "server", {"--enable-namespaces", "--admin-listen-addr",
                                "127.0.0.1:" + std::to_string(admin_port_), "--admin-auth-key",
                                std::string(kAdminKey)});
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(directory_);
  }

  std::string ServerUrl() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::string AdminUrl() const { return "http://127.0.0.1:" + std::to_string(admin_port_); }
  // `edgelite <global options> db args...`
  CliRun Db(std::vector<std::string> args, std::string_view input = {}) {
    std::vector<std::string> full = {"--server", ServerUrl(), "--admin-url", AdminUrl(),
                                     "--admin-key", std::string(kAdminKey), "db"};
    full.insert(full.end(), args.begin(), args.end());
    return RunEdgelite(directory_, full, input);
  }
  // The shell's answer to one statement on `name`.
  std::string Query(const std::string& name, const std::string& sql) {
    CliRun run = Db({"shell", name, sql});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.out;
  }
  std::filesystem::path File(const std::string& name, const std::string& text) {
    std::filesystem::path path = directory_ / name;
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path directory_;
  uint16_t admin_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CliDbTest, CreateImportShowListInspectAndDestroy) {
  CliRun created = Db({"create", "my-app"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "Created database my-app at " + ServerUrl() + "/db/my-app/\n");

  CliRun taken = Db({"create", "my-app"});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_NE(taken.err.find("my-app"), std::string::npos) << taken.err;
  EXPECT_NE(taken.err.find("exists"), std::string::npos) << taken.err;

  auto schema = File("schema.sql",
                     "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);\n"
                     "INSERT INTO notes(body) VALUES ('first'), ('second');\n");
  CliRun imported = Db({"import", "my-app", schema.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(Query("my-app", "SELECT group_concat(body) FROM notes").find("first,second"),
            std::string::npos);

  // A failing import lands nothing, and names the line.
  auto broken = File("broken.sql", "INSERT INTO notes(body) VALUES ('third');\nINSERT INTO nowhere VALUES (1);\n");
  CliRun refused = Db({"import", "my-app", broken.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("line 1"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("nowhere"), std::string::npos) << refused.err;
  EXPECT_NE(Query("my-app", "SELECT count(*) FROM notes").find("2"), std::string::npos);

  CliRun url = Db({"show", "my-app", "--url"});
  ASSERT_EQ(url.exit_code, 0) << url.err;
  EXPECT_EQ(url.out, ServerUrl() + "/db/my-app/\n");
  CliRun shown = Db({"show", "my-app"});
  EXPECT_NE(shown.out.find("URL:         " + ServerUrl() + "/db/my-app/"), std::string::npos)
      << shown.out;

  CliRun listed = Db({"list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.substr(0, listed.out.find('\n')),
            "NAME     SIZE     ROWS READ  ROWS WRITTEN  LAST WRITE");
  EXPECT_NE(listed.out.find("\nmy-app "), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find(" UTC"), std::string::npos) << listed.out;

  CliRun inspected = Db({"inspect", "my-app"});
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  // The refused import's statement counts too: usage is what ran, committed or not.
  EXPECT_TRUE(std::regex_search(inspected.out, std::regex("rows written: +[23]\n")))
      << inspected.out;
  EXPECT_NE(inspected.out.find("max size:          none"), std::string::npos);

  CliRun unconfirmed = Db({"destroy", "my-app"});
  EXPECT_EQ(unconfirmed.exit_code, 1);
  EXPECT_NE(unconfirmed.err.find("--yes"), std::string::npos) << unconfirmed.err;
  EXPECT_EQ(Db({"destroy", "my-app", "--yes"}).exit_code, 0);
  CliRun gone = Db({"show", "my-app"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("database `my-app` does not exist"), std::string::npos) << gone.err;
}

TEST_F(CliDbTest, BranchesDumpsAndSqliteFilesMakeNewDatabases) {
  ASSERT_EQ(Db({"create", "prod"}).exit_code, 0);
  ASSERT_EQ(Db({"shell", "prod"}, "CREATE TABLE t(x);\nINSERT INTO t VALUES (1), (2), (3);\n").exit_code, 0);

  CliRun branched = Db({"create", "staging", "--from-db", "prod"});
  ASSERT_EQ(branched.exit_code, 0) << branched.err;
  ASSERT_EQ(Db({"shell", "staging", "DELETE FROM t WHERE x > 1"}).exit_code, 0);
  EXPECT_NE(Query("staging", "SELECT count(*) FROM t").find("1"), std::string::npos);
  EXPECT_NE(Query("prod", "SELECT count(*) FROM t").find("3"), std::string::npos);
  CliRun from_nothing = Db({"create", "x", "--from-db", "nothing"});
  EXPECT_EQ(from_nothing.exit_code, 1);
  EXPECT_NE(from_nothing.err.find("`nothing` does not exist"), std::string::npos) << from_nothing.err;

  // A dump of prod, through `db dump`, makes a copy.
  CliRun dumped = Db({"dump", "prod"});
  ASSERT_EQ(dumped.exit_code, 0) << dumped.err;
  EXPECT_NE(dumped.out.find("INSERT INTO t VALUES(3);"), std::string::npos) << dumped.out;
  auto dump = File("prod.sql", dumped.out);
  ASSERT_EQ(Db({"create", "copy", "--from-dump", dump.string()}).exit_code, 0);
  EXPECT_NE(Query("copy", "SELECT sum(x) FROM t").find("6"), std::string::npos);

  // A SQLite file, and one that fails to load: no half-made database is left.
  std::filesystem::path sqlite_file = directory_ / "local.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(sqlite_file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE local(v TEXT); INSERT INTO local VALUES ('from a file');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ASSERT_EQ(Db({"create", "filed", "--from-file", sqlite_file.string()}).exit_code, 0);
  EXPECT_NE(Query("filed", "SELECT v FROM local").find("from a file"), std::string::npos);
  auto bad = File("bad.sql", "CREATE TABLE a(x);\nTHIS IS NOT SQL;\n");
  CliRun failed = Db({"create", "half", "--from-dump", bad.string()});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_EQ(Db({"show", "half"}).exit_code, 1);
}

TEST_F(CliDbTest, ExportWritesAPlainSqliteFileAndAFailureLeavesNone) {
  ASSERT_EQ(Db({"create", "big"}).exit_code, 0);
  ASSERT_EQ(Db({"shell", "big"},
               "CREATE TABLE t(n INTEGER PRIMARY KEY, v);\n"
               "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000) "
               "INSERT INTO t SELECT n, randomblob(500) FROM c;\n")
                .exit_code,
            0);
  std::filesystem::path output = directory_ / "big.sqlite";
  CliRun exported = Db({"export", "big", "--output", output.string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(output.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &statement, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(statement, 0), 2000);
  sqlite3_finalize(statement);
  sqlite3_close(db);

  // An existing file is not overwritten; an unknown database writes nothing.
  EXPECT_EQ(Db({"export", "big", "--output", output.string()}).exit_code, 1);
  std::filesystem::path nothing = directory_ / "nothing.sqlite";
  EXPECT_EQ(Db({"export", "nothing", "--output", nothing.string()}).exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(nothing));
  EXPECT_FALSE(std::filesystem::exists(nothing.string() + ".part"));

  // Ctrl-C during the export: no file, no partial file.
  std::filesystem::path cancelled = directory_ / "cancelled.sqlite";
  std::filesystem::path cancelled_part = cancelled.string() + ".part";
  CliRun interrupted_run = RunEdgelite(
      directory_,
      {"--server", ServerUrl(), "--admin-url", AdminUrl(), "--admin-key", std::string(kAdminKey),
       "db", "export", "big", "--output", cancelled.string()},
      {}, {}, std::chrono::seconds(60), [&](pid_t pid) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!std::filesystem::exists(cancelled_part) && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        ::kill(pid, SIGINT);
      });
  EXPECT_EQ(interrupted_run.exit_code, 1) << interrupted_run.err;
  EXPECT_NE(interrupted_run.err.find("interrupted"), std::string::npos) << interrupted_run.err;
  EXPECT_FALSE(std::filesystem::exists(cancelled));
  EXPECT_FALSE(std::filesystem::exists(cancelled_part));

  // The server going away: no file, no partial file.
  std::filesystem::path interrupted = directory_ / "interrupted.sqlite";
  server_->Stop();
  CliRun down = Db({"export", "big", "--output", interrupted.string()});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find(AdminUrl()), std::string::npos) << down.err;
  EXPECT_FALSE(std::filesystem::exists(interrupted));
  EXPECT_FALSE(std::filesystem::exists(interrupted.string() + ".part"));
}

TEST_F(CliDbTest, AWrongAdminKeyOrAStoppedServerSaysWhatToCheck) {
  CliRun wrong = RunEdgelite(directory_, {"--admin-url", AdminUrl(), "--admin-key", "nope", "db", "list"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("--admin-key"), std::string::npos) << wrong.err;
  server_->Stop();
  CliRun down = Db({"list"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("cannot reach the admin API at " + AdminUrl()), std::string::npos)
      << down.err;
}

}  // namespace
}  // namespace edgelite::integration
