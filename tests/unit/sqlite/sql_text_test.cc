// Statement classification decides group commit eligibility: a misclassified BEGIN would run inside
// another request's transaction.
#include "sqlite/sql_text.h"

#include <gtest/gtest.h>

namespace edgelite::sqlite {
namespace {

TEST(SqlTextTest, ClassifiesTransactionControlWithCommentsAndCase) {
  EXPECT_EQ(ClassifyStatement("  begin immediate"), StatementKind::kBeginImmediate);
  EXPECT_EQ(ClassifyStatement("BEGIN EXCLUSIVE TRANSACTION"), StatementKind::kBeginImmediate);
  EXPECT_EQ(ClassifyStatement("begin deferred"), StatementKind::kBegin);
  EXPECT_EQ(ClassifyStatement("-- note\n/* x */ BEGIN"), StatementKind::kBegin);
  EXPECT_EQ(ClassifyStatement("BEGIN TRANSACTION READONLY"), StatementKind::kBeginReadOnly);
  EXPECT_EQ(ClassifyStatement("begin readonly"), StatementKind::kBeginReadOnly);
  EXPECT_EQ(ClassifyStatement("END"), StatementKind::kCommit);
  EXPECT_EQ(ClassifyStatement("commit transaction"), StatementKind::kCommit);
  EXPECT_EQ(ClassifyStatement("ROLLBACK TO sp"), StatementKind::kRollback);
  EXPECT_EQ(ClassifyStatement("savepoint a"), StatementKind::kSavepoint);
  EXPECT_EQ(ClassifyStatement("RELEASE a"), StatementKind::kRelease);
  EXPECT_EQ(ClassifyStatement("pragma foreign_keys=off"), StatementKind::kPragma);
  EXPECT_EQ(ClassifyStatement("VACUUM"), StatementKind::kVacuum);
  EXPECT_EQ(ClassifyStatement("replace into t values(1)"), StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("SELECT 1"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("BEGINNING"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement(""), StatementKind::kOther);
}

TEST(SqlTextTest, BlankSqlIsOnlySpaceCommentsAndSemicolons) {
  EXPECT_TRUE(IsBlankSql(""));
  EXPECT_TRUE(IsBlankSql(" ; ;\n-- trailing comment"));
  EXPECT_TRUE(IsBlankSql("/* unterminated"));
  EXPECT_FALSE(IsBlankSql("; SELECT 1"));
}

}  // namespace
}  // namespace edgelite::sqlite
