// StatementSplitter: statements end at a `;` that SQLite calls complete, carry the line they start
// on, and survive strings, comments and trigger bodies that hold semicolons.
#include "cli/shell/statement_splitter.h"

#include <gtest/gtest.h>

#include <sstream>

namespace edgelite::cli::shell {
namespace {

std::vector<SqlStatement> SplitAll(std::string_view script) {
  StatementSplitter splitter;
  std::vector<SqlStatement> all;
  std::istringstream in{std::string(script)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    for (SqlStatement& statement : splitter.AddLine(line, ++number)) all.push_back(statement);
  }
  if (auto last = splitter.Finish()) all.push_back(*last);
  return all;
}

TEST(StatementSplitter, SplitsStatementsAndNumbersTheirFirstLines) {
  auto statements = SplitAll(
      "-- the schema\n"
      "CREATE TABLE t(a);\n"
      "\n"
      "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);\n"
      "SELECT *\n"
      "  FROM t;\n");
  ASSERT_EQ(statements.size(), 4u);
  EXPECT_EQ(statements[0].text, "CREATE TABLE t(a);");
  EXPECT_EQ(statements[0].first_line, 2);
  EXPECT_EQ(statements[1].text, "INSERT INTO t VALUES (1);");
  EXPECT_EQ(statements[1].first_line, 4);
  EXPECT_EQ(statements[2].text, "INSERT INTO t VALUES (2);");
  EXPECT_EQ(statements[2].first_line, 4);
  EXPECT_EQ(statements[3].text, "SELECT *\n  FROM t;");
  EXPECT_EQ(statements[3].first_line, 5);
}

TEST(StatementSplitter, SemicolonsInStringsCommentsAndTriggersDoNotEndAStatement) {
  auto statements = SplitAll(
      "SELECT 'a;b', \"c;d\" /* e; */ -- f;\n"
      ";\n"
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
      "  INSERT INTO u VALUES (1);\n"
      "  DELETE FROM v;\n"
      "END;\n"
      "SELECT 'multi\n"
      "line;';\n");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0].text, "SELECT 'a;b', \"c;d\" /* e; */ -- f;\n;");
  EXPECT_EQ(statements[1].first_line, 3);
  EXPECT_TRUE(statements[1].text.ends_with("END;"));
  EXPECT_EQ(statements[2].text, "SELECT 'multi\nline;';");
  EXPECT_EQ(statements[2].first_line, 7);
}

TEST(StatementSplitter, EmptyStatementsAndCommentsAreNotStatements) {
  auto statements = SplitAll(";\n  ;;\n/* only\n a comment */\n-- and another\nSELECT 1;\n");
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0].text, "SELECT 1;");
  EXPECT_EQ(statements[0].first_line, 6);
}

TEST(StatementSplitter, AnUnterminatedLastStatementRunsAtTheEnd) {
  auto statements = SplitAll("SELECT 1;\nSELECT\n  2\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[1].text, "SELECT\n  2");
  EXPECT_EQ(statements[1].first_line, 2);
}

TEST(StatementSplitter, PendingTextAndClear) {
  StatementSplitter splitter;
  EXPECT_TRUE(splitter.AddLine("SELECT", 1).empty());
  EXPECT_TRUE(splitter.HasPendingText());
  splitter.Clear();
  EXPECT_FALSE(splitter.HasPendingText());
  EXPECT_TRUE(splitter.AddLine("-- just a comment", 2).empty());
  EXPECT_FALSE(splitter.HasPendingText());
  auto statements = splitter.AddLine("SELECT 2;", 3);
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0].first_line, 3);
  EXPECT_FALSE(splitter.Finish().has_value());
}

TEST(StatementSplitter, Completeness) {
  EXPECT_TRUE(IsCompleteSql("SELECT 1;"));
  EXPECT_FALSE(IsCompleteSql("SELECT 1"));
  EXPECT_FALSE(IsCompleteSql("SELECT ';"));
  EXPECT_FALSE(IsCompleteSql("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;"));
  EXPECT_TRUE(IsBlankSql("  -- x\n /* y */ \n"));
  EXPECT_FALSE(IsBlankSql(" -- x\n z"));
}

}  // namespace
}  // namespace edgelite::cli::shell
