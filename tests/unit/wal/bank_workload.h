// The workload the replica tests run on their primary: transfers between accounts, so that the
// total balance is the same in every committed state, and a counter that every transaction except
// VACUUM increments, so that it never goes back. A reader that ever sees another total, or a
// counter lower than before, has seen part of a transaction or an older state. Filler rows are
// added and deleted, and VACUUM shrinks the file, so that the database grows and is truncated.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "unit/wal/primary_recorder.h"

namespace edgelite::wal::testing {

inline constexpr int kBankAccounts = 40;
inline constexpr int64_t kBankTotal = int64_t(kBankAccounts) * 1000;

// One row: "total|counter".
inline constexpr char kBankCheckSql[] =
    "SELECT (SELECT sum(balance) FROM accounts), (SELECT n FROM counter)";

inline std::string BankSchemaSql() {
  return "BEGIN;"
         "CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);"
         "CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
         "CREATE TABLE filler(id INTEGER PRIMARY KEY, data BLOB);"
         "CREATE INDEX filler_data ON filler(data);"
         "WITH RECURSIVE a(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM a WHERE i < " +
         std::to_string(kBankAccounts) +
         ") INSERT INTO accounts SELECT i, 1000 FROM a;"
         "INSERT INTO counter VALUES (1, 0);"
         "COMMIT;";
}

// The SQL of transaction `index` (one commit).
inline std::string BankTransactionSql(std::mt19937& rng, int index) {
  if (index % 97 == 96) return "VACUUM";
  std::uniform_int_distribution<int> account(1, kBankAccounts);
  std::uniform_int_distribution<int> amount(1, 50);
  int from = account(rng);
  int to = account(rng);
  int moved = amount(rng);
  std::string sql = "BEGIN;UPDATE accounts SET balance = balance - " + std::to_string(moved) +
                    " WHERE id = " + std::to_string(from) +
                    ";UPDATE accounts SET balance = balance + " + std::to_string(moved) +
                    " WHERE id = " + std::to_string(to) + ";UPDATE counter SET n = n + 1;";
  if (index % 5 == 0) {
    int rows = std::uniform_int_distribution<int>(1, 12)(rng);
    sql += "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < " +
           std::to_string(rows) + ") INSERT INTO filler(data) SELECT randomblob(700) FROM r;";
  }
  if (index % 31 == 30) sql += "DELETE FROM filler WHERE id % 3 != 0;";
  return sql + "COMMIT;";
}

// Creates the schema and runs `count` bank transactions on `primary`: the schema's transaction
// first, then one per transaction run. `after_each`, when given, runs after each of them.
inline Result<std::vector<PrimaryTransaction>> RecordBankWorkload(
    PrimaryRecorder& primary, int count, uint32_t seed,
    const std::function<void()>& after_each = {}) {
  std::mt19937 rng(seed);
  std::vector<PrimaryTransaction> recorded;
  for (int index = -1; index < count; ++index) {
    auto committed = primary.Run(index < 0 ? BankSchemaSql() : BankTransactionSql(rng, index));
    if (!committed.ok()) return committed.status();
    if (committed->size() != 1) {
      return Status::Internal("a bank transaction committed " + std::to_string(committed->size()) +
                              " times");
    }
    recorded.push_back(std::move(committed->front()));
    if (after_each) after_each();
  }
  return recorded;
}

}  // namespace edgelite::wal::testing
