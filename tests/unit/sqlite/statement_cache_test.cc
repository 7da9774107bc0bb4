// The statement cache lends each statement to one user at a time and evicts the least recently
// used entry, including entries whose statement is out on loan.
#include "sqlite/statement_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace edgelite::sqlite {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  void TearDown() override { sqlite3_close_v2(db_); }

  std::unique_ptr<Statement> Prepare(const std::string& sql) {
    sqlite3_stmt* handle = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &handle, nullptr), SQLITE_OK);
    return std::make_unique<Statement>(handle);
  }

  sqlite3* db_ = nullptr;
};

TEST_F(StatementCacheTest, LendsAStatementToOneUserAtATime) {
  StatementCache cache(4);
  EXPECT_EQ(cache.Take("SELECT 1"), nullptr);
  auto statement = Prepare("SELECT 1");
  Statement* prepared = statement.get();
  cache.Put("SELECT 1", std::move(statement));

  auto lent = cache.Take("SELECT 1");
  EXPECT_EQ(lent.get(), prepared);
  EXPECT_EQ(cache.Take("SELECT 1"), nullptr);  // out on loan
  cache.Put("SELECT 1", std::move(lent));
  EXPECT_EQ(cache.Take("SELECT 1").get(), prepared);
}

TEST_F(StatementCacheTest, KeepsTheNewerOfTwoCopiesPreparedAtOnce) {
  StatementCache cache(4);
  cache.Put("SELECT 1", Prepare("SELECT 1"));
  auto first = cache.Take("SELECT 1");
  auto second = Prepare("SELECT 1");  // what a second user prepares meanwhile
  Statement* newer = second.get();
  cache.Put("SELECT 1", std::move(first));
  cache.Put("SELECT 1", std::move(second));
  EXPECT_EQ(cache.Take("SELECT 1").get(), newer);
}

TEST_F(StatementCacheTest, EvictsTheLeastRecentlyUsed) {
  StatementCache cache(2);
  cache.Put("SELECT 1", Prepare("SELECT 1"));
  cache.Put("SELECT 2", Prepare("SELECT 2"));
  cache.Put("SELECT 1", cache.Take("SELECT 1"));  // 1 is now the most recently used
  cache.Put("SELECT 3", Prepare("SELECT 3"));
  EXPECT_EQ(cache.Take("SELECT 2"), nullptr);
  EXPECT_NE(cache.Take("SELECT 1"), nullptr);
  EXPECT_NE(cache.Take("SELECT 3"), nullptr);
}

TEST_F(StatementCacheTest, AStatementWhoseEntryWasEvictedOnLoanIsCachedAgainOnReturn) {
  StatementCache cache(1);
  cache.Put("SELECT 1", Prepare("SELECT 1"));
  auto lent = cache.Take("SELECT 1");
  cache.Put("SELECT 2", Prepare("SELECT 2"));  // evicts the entry of SELECT 1
  Statement* returned = lent.get();
  cache.Put("SELECT 1", std::move(lent));
  EXPECT_EQ(cache.Take("SELECT 1").get(), returned);
  EXPECT_EQ(cache.Take("SELECT 2"), nullptr);
}

}  // namespace
}  // namespace edgelite::sqlite
