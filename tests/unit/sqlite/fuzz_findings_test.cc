// What fuzzing the SQL-text paths (scripts/fuzz.sh) found in preparing statements. A sequence
// prepares what is left of its text statement after statement, and that took quadratic time, since
// SQLite copied and the statement cache hashed the whole rest every time: long texts are now cut
// after their first statement first, by preparing prefixes that must take no effect. And SQLite
// applies a setting while it parses it, even in a statement that then fails to prepare, which
// left a client's setting on its own connection unreported (and so on a pooled connection).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <tuple>
#include <utility>

#include "sqlite/connection.h"
#include "sqlite/sql_text.h"
#include "unit/temp_directory.h"

namespace edgelite::sqlite {
namespace {

class FuzzFindingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConnectionOptions options;
    options.path = (directory_ / "data").string();
    options.create = true;
    options.takes_client_state = true;  // settings take effect as they prepare
    auto opened = Connection::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    connection_ = std::move(opened).value();
  }

  // The first statement's text as SQLite saw it, and what follows it.
  std::pair<std::string, std::string_view> Split(std::string_view sql) {
    SqliteError error;
    auto prepared = connection_->Prepare(sql, &error);
    EXPECT_TRUE(prepared.ok()) << error.message;
    if (!prepared.ok() || !prepared->statement) return {"", sql};
    return {sqlite3_sql((*prepared->statement)->handle()), prepared->tail};
  }

  int64_t Int(const char* sql) {
    SqliteError error;
    auto prepared = connection_->Prepare(sql, &error);
    if (!prepared.ok() || (*prepared->statement)->Step() != SQLITE_ROW) return -1;
    return sqlite3_column_int64((*prepared->statement)->handle(), 0);
  }

  test::TempDirectory directory_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(FuzzFindingsTest, ALongTextIsCutAfterItsFirstStatement) {
  std::string rest;
  for (int i = 0; i < 2000; ++i) rest += " SELECT 2;";
  std::string sql = "SELECT 1;" + rest;
  auto [first, tail] = Split(sql);
  EXPECT_EQ(first, "SELECT 1;");
  EXPECT_EQ(tail, rest);

  // A first statement longer than the first prefix tried, with ";" in its strings, and a trigger.
  std::string text = "SELECT '" + std::string(20000, ';') + "';";
  sql = text + " SELECT 3";
  std::tie(first, tail) = Split(sql);
  EXPECT_EQ(first, text);
  EXPECT_EQ(tail, " SELECT 3");
  ASSERT_TRUE(connection_->Exec("CREATE TABLE t(x)").ok());
  std::string trigger = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT '" +
                        std::string(9000, 'x') + "'; SELECT 1; END;";
  sql = trigger + rest;
  std::tie(first, tail) = Split(sql);
  EXPECT_EQ(first, trigger);
  EXPECT_EQ(tail, rest);
}

TEST_F(FuzzFindingsTest, ASettingInAStatementThatFailsToPrepareTakesNoEffect) {
  SqliteError error;
  for (const char* sql : {"PRAGMA recursive_triggers = 1 garbage", "PRAGMA recursive_triggers = 1,",
                          "EXPLAIN PRAGMA recursive_triggers = 1 garbage"}) {
    EXPECT_FALSE(connection_->Prepare(sql, &error).ok()) << sql;
    EXPECT_EQ(Int("PRAGMA recursive_triggers"), 0) << sql;
  }
  auto prepared = connection_->Prepare("PRAGMA recursive_triggers = 1", &error);
  ASSERT_TRUE(prepared.ok() && prepared->statement) << error.message;
  EXPECT_TRUE((*prepared->statement)->facts().sets_pragma);
  EXPECT_TRUE((*prepared->statement)->facts().changes_session);
  EXPECT_EQ(Int("PRAGMA recursive_triggers"), 1) << "a setting still takes effect as it prepares";
}

// A prefix may be another statement: "PRAGMA foreign_keys = 0" cut from one that fails must not
// take effect, since SQLite applies settings while it prepares them.
TEST_F(FuzzFindingsTest, AStatementCutShortTakesNoEffect) {
  std::string padded = "PRAGMA foreign_keys = 0" + std::string(10000, ' ') + "garbage;";
  SqliteError error;
  EXPECT_FALSE(connection_->Prepare(padded + " SELECT 1;", &error).ok());
  EXPECT_EQ(Int("PRAGMA foreign_keys"), 1);

  std::string setting = "PRAGMA recursive_triggers = 1" + std::string(10000, ' ') + ";";
  std::string sql = setting + std::string(10000, ' ') + "SELECT 1;";
  EXPECT_EQ(Split(sql).first, setting);
  EXPECT_EQ(Int("PRAGMA recursive_triggers"), 1) << "the whole statement takes effect as before";
}

TEST_F(FuzzFindingsTest, ALongSingleStatementIsStillCached) {
  std::string sql = "SELECT '" + std::string(10000, 'x') + "' ; -- only blanks after it";
  SqliteError error;
  sqlite3_stmt* handle = nullptr;
  {
    auto prepared = connection_->Prepare(sql, &error);
    ASSERT_TRUE(prepared.ok() && prepared->statement) << error.message;
    handle = (*prepared->statement)->handle();
  }
  auto again = connection_->Prepare(sql, &error);
  ASSERT_TRUE(again.ok() && again->statement) << error.message;
  EXPECT_EQ((*again->statement)->handle(), handle);
}

// 400,000 statements in 3.6 MB: about a second in linear time; in quadratic, most of a minute.
TEST_F(FuzzFindingsTest, SplittingALongSequenceTakesLinearTime) {
  std::string sql;
  for (int i = 0; i < 400000; ++i) sql += "SELECT 1;";
  auto started = std::chrono::steady_clock::now();
  std::string_view remaining = sql;
  int statements = 0;
  while (!IsBlankSql(remaining)) {
    SqliteError error;
    auto prepared = connection_->Prepare(remaining, &error);
    ASSERT_TRUE(prepared.ok() && prepared->statement) << error.message;
    ASSERT_LT(prepared->tail.size(), remaining.size());
    remaining = prepared->tail;
    ++statements;
  }
  EXPECT_EQ(statements, 400000);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
}

}  // namespace
}  // namespace edgelite::sqlite
