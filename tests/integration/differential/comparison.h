// When edgelite's answer counts as the reference's: errors where SQLite errs (with SQLite's
// message inside edgelite's), the same columns, rows and value types, the same affected row count,
// last_insert_rowid for INSERT statements (the only place docs/protocol.md §3.3 gives it a
// meaning), the same skipped, failed and succeeded batch steps, the same autocommit state.
#pragma once

#include <optional>
#include <string>

#include "integration/differential/model.h"

namespace edgelite::differential {

struct CompareOptions {
  // Whether an INSERT that put no row into a rowid table (OR IGNORE, WITHOUT ROWID, ...) must
  // report the stream's previous last_insert_rowid, as SQLite does (DIFFERENTIAL_DISABLE=
  // stale_rowid compares last_insert_rowid only where the INSERT set it).
  bool stale_rowid = true;
  // Only whether requests and steps failed, succeeded or were skipped, and autocommit: what a
  // minimal trace must keep for the stream to take the same path.
  bool outcome_only = false;
};

// What differs, in a sentence, or nullopt when the answers agree.
std::optional<std::string> Compare(const Request& request, const Outcome& edgelite,
                                   const Outcome& reference, const CompareOptions& options = {});

}  // namespace edgelite::differential
