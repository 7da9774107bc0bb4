// A shell session on a local file: scripts run in order and stop at the first error naming its
// line; dot commands change the output and show the schema; `.read` runs a file.
#include "cli/shell/shell_session.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "unit/temp_directory.h"

namespace edgelite::cli::shell {
namespace {

class ShellSessionTest : public testing::Test {
 protected:
  void SetUp() override {
    target_.kind = TargetKind::kLocalFile;
    target_.path = (directory_ / "shell.db").string();
    auto database = Database::OpenLocal(target_.path);
    ASSERT_TRUE(database.ok()) << database.status().message();
    database_ = std::move(database).value();
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok());
    connection_ = std::move(connection).value();
    OutputFormat format;
    format.mode = OutputMode::kList;
    format.headers = false;
    session_ =
        std::make_unique<ShellSession>(*database_, *connection_, target_, format, out_, err_);
  }
  void TearDown() override {
    session_.reset();
    connection_.reset();
    database_.reset();
  }
  RunOutcome Run(std::string_view script) {
    std::istringstream in{std::string(script)};
    return session_->RunScript(in, "stdin", true);
  }

  test::TempDirectory directory_;
  ShellTarget target_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
  std::ostringstream out_, err_;
  std::unique_ptr<ShellSession> session_;
};

TEST_F(ShellSessionTest, AScriptRunsInOrderAndStopsAtTheFirstErrorNamingItsLine) {
  EXPECT_EQ(Run("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);\n"
                "INSERT INTO t VALUES (1, 'one');\n"
                "\n"
                "INSERT INTO t VALUES\n"
                "  (1, 'again');\n"
                "INSERT INTO t VALUES (2, 'never');\n"),
            RunOutcome::kFailed);
  EXPECT_EQ(err_.str(),
            "Error in stdin at line 4: UNIQUE constraint failed: t.a (SQLITE_CONSTRAINT)\n");
  out_.str("");
  EXPECT_EQ(Run("SELECT * FROM t;"), RunOutcome::kOk);
  EXPECT_EQ(out_.str(), "1|one\n");
}

TEST_F(ShellSessionTest, ASyntaxErrorShowsWhere) {
  EXPECT_EQ(Run("SELECT 1;\nSELECT 2 FROMM x;\n"), RunOutcome::kFailed);
  EXPECT_EQ(err_.str(),
            "Error in stdin at line 2, column 16: near \"x\": syntax error (SQLITE_ERROR)\n"
            "  SELECT 2 FROMM x;\n"
            "                 ^\n");
}

TEST_F(ShellSessionTest, DotCommandsChangeTheOutputAndShowTheSchema) {
  EXPECT_EQ(Run("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);\n"
                "CREATE INDEX users_name ON users(name);\n"
                "CREATE VIEW v AS SELECT name FROM users;\n"
                "INSERT INTO users VALUES (1, 'ada'), (2, NULL);\n"
                ".tables\n"
                ".indexes users\n"
                ".schema users\n"
                ".mode csv\n"
                ".headers on\n"
                "SELECT * FROM users;\n"
                ".mode json\n"
                "SELECT * FROM users WHERE id = 2;\n"),
            RunOutcome::kOk)
      << err_.str();
  EXPECT_EQ(out_.str(),
            "users  v\n"
            "users_name\n"
            "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);\n"
            "CREATE INDEX users_name ON users(name);\n"
            "id,name\r\n1,ada\r\n2,\r\n"
            "[{\"id\":2,\"name\":null}]\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(ShellSessionTest, BadDotCommandsFailWithAHint) {
  EXPECT_EQ(Run(".mode nope\n"), RunOutcome::kFailed);
  EXPECT_EQ(err_.str(),
            "stdin: .mode: unknown mode \"nope\"; the modes are list, table, box, csv, json, "
            "line\n");
  err_.str("");
  EXPECT_EQ(Run(".frobnicate\n"), RunOutcome::kFailed);
  EXPECT_EQ(err_.str(), "stdin: .frobnicate: no such command; .help lists the commands\n");
  EXPECT_EQ(Run(".quit\nSELECT never;\n"), RunOutcome::kQuit);
}

TEST_F(ShellSessionTest, ReadRunsAFileAndNamesItInErrors) {
  {
    std::ofstream(directory_ / "schema.sql") << "CREATE TABLE a(x);\n"
                                                "INSERT INTO a VALUES (1);\n"
                                                "INSERT INTO nope VALUES (2);\n";
  }
  const std::string path = (directory_ / "schema.sql").string();
  EXPECT_EQ(Run(".read '" + path + "'\nSELECT 'not reached';\n"), RunOutcome::kFailed);
  // (SQLite gives no position for a missing INSERT target, so none is shown.)
  EXPECT_EQ(err_.str(), "Error in " + path + " at line 3: no such table: nope (SQLITE_ERROR)\n");
  out_.str("");
  EXPECT_EQ(Run("SELECT count(*) FROM a;"), RunOutcome::kOk);
  EXPECT_EQ(out_.str(), "1\n");
}

TEST_F(ShellSessionTest, DumpWritesSqlThatRebuildsTheDatabase) {
  EXPECT_EQ(Run("CREATE TABLE t(a);\nINSERT INTO t VALUES ('it''s');\n.dump\n"), RunOutcome::kOk)
      << err_.str();
  EXPECT_NE(out_.str().find("CREATE TABLE IF NOT EXISTS t(a);"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("INSERT INTO t VALUES('it''s');"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("COMMIT;"), std::string::npos) << out_.str();
}

}  // namespace
}  // namespace edgelite::cli::shell
