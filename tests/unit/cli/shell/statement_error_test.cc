// Statement failures read back into SQLite's code, message and position, and the report the
// shell prints (with the line, the column and a caret).
#include "cli/shell/statement_error.h"

#include <gtest/gtest.h>

namespace edgelite::cli::shell {
namespace {

TEST(StatementError, ReadsTheOffsetTheServerGave) {
  const std::string sql = "SELECT * FROM\n  missing;";
  auto error = ReadStatementError(
      Status::SqlError("SQL_INPUT_ERROR: SQL input error: no such table: missing (at offset 16)"),
      sql);
  EXPECT_EQ(error.message, "no such table: missing");
  EXPECT_EQ(error.code, "SQLITE_ERROR");
  ASSERT_TRUE(error.offset.has_value());
  EXPECT_EQ(*error.offset, 16u);
  EXPECT_EQ(FormatStatementError(error, SqlStatement{sql, 7}, "schema.sql"),
            "Error in schema.sql at line 8, column 3: no such table: missing (SQLITE_ERROR)\n"
            "    missing;\n"
            "    ^\n");
}

TEST(StatementError, FindsASyntaxErrorsPositionByParsingLocally) {
  const std::string sql = "SELECT 1 FORM t;";
  auto error = ReadStatementError(
      Status::SqlError("SQL_PARSE_ERROR: SQL string could not be parsed: near \"t\": syntax error"),
      sql);
  EXPECT_EQ(error.message, "near \"t\": syntax error");
  ASSERT_TRUE(error.offset.has_value());
  EXPECT_EQ(*error.offset, 14u);
  EXPECT_EQ(FormatStatementError(error, SqlStatement{sql, 1}, ""),
            "Error: near \"t\": syntax error (SQLITE_ERROR)\n"
            "  SELECT 1 FORM t;\n"
            "                ^\n");
}

TEST(StatementError, KeepsOtherCodesAndHasNoPositionForRuntimeErrors) {
  const std::string sql = "INSERT INTO t VALUES (1);";
  auto error = ReadStatementError(
      Status::SqlError("SQLITE_CONSTRAINT: SQLite error: UNIQUE constraint failed: t.a"), sql);
  EXPECT_EQ(error.code, "SQLITE_CONSTRAINT");
  EXPECT_FALSE(error.offset.has_value());
  EXPECT_EQ(FormatStatementError(error, SqlStatement{sql, 12}, "stdin"),
            "Error in stdin at line 12: UNIQUE constraint failed: t.a (SQLITE_CONSTRAINT)\n");
}

}  // namespace
}  // namespace edgelite::cli::shell
