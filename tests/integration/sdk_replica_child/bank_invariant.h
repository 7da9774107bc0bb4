// The invariant of the SDK replica crash test's workload (sdk_replica_crash_test.cc), shared by the
// test and by the process it kills (sdk_replica_child.cc), which checks it from a reader thread
// while it syncs. Every transaction of the workload keeps it, so a replica that shows anything but
// a state after a whole transaction breaks it: 100 accounts whose balances always sum to 100000,
// and a `state` row counting the transactions (`n`, one `history` row each, numbered 1..n), the
// rows of `blobs` and the `extra_*` tables that DDL transactions create and drop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edgelite::integration {

inline constexpr int64_t kBankAccounts = 100;
inline constexpr int64_t kBankInitialBalance = 1000;
inline constexpr int64_t kBankTotal = kBankAccounts * kBankInitialBalance;

// One row, one snapshot: every figure the invariant relates.
inline constexpr const char* kBankInvariantSql =
    "SELECT (SELECT sum(balance) FROM accounts), (SELECT count(*) FROM accounts), n, "
    "(SELECT count(*) FROM history), (SELECT coalesce(max(seq), 0) FROM history), blobs, "
    "(SELECT count(*) FROM blobs), extras, "
    "(SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE 'extra\\_%' "
    "ESCAPE '\\') FROM state";

// Whether the schema is there at all: before the replica applied the primary's first
// transactions it is an empty database, which is a state the primary had too.
inline constexpr const char* kBankSchemaSql =
    "SELECT count(*) FROM sqlite_schema WHERE name = 'state'";

// Checks one row of kBankInvariantSql (NULLs as nullopt). Returns what is wrong, or "" when the
// invariant holds; `n` gets the transaction counter.
inline std::string CheckBankInvariant(const std::vector<std::optional<int64_t>>& row, int64_t* n) {
  if (row.size() != 9)
    return "the invariant query returned " + std::to_string(row.size()) + " columns instead of 9";
  for (size_t i = 0; i < row.size(); ++i) {
    if (!row[i]) return "column " + std::to_string(i) + " of the invariant query is NULL";
  }
  auto value = [&](size_t i) { return *row[i]; };
  std::string figures = "sum " + std::to_string(value(0)) + ", accounts " +
                        std::to_string(value(1)) + ", n " + std::to_string(value(2)) +
                        ", history rows " + std::to_string(value(3)) + ", last seq " +
                        std::to_string(value(4)) + ", blobs " + std::to_string(value(5)) +
                        " (rows " + std::to_string(value(6)) + "), extras " +
                        std::to_string(value(7)) + " (tables " + std::to_string(value(8)) + ")";
  if (n) *n = value(2);
  if (value(0) != kBankTotal || value(1) != kBankAccounts) {
    return "the balances do not add up to " + std::to_string(kBankTotal) + ": " + figures;
  }
  if (value(3) != value(2) || value(4) != value(2)) {
    return "the transaction counter disagrees with the history: " + figures;
  }
  if (value(5) != value(6)) return "the blob count disagrees with the blobs: " + figures;
  if (value(7) != value(8)) return "the extra-table count disagrees with the schema: " + figures;
  return "";
}

}  // namespace edgelite::integration
