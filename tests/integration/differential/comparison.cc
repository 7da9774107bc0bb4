// Comparing edgelite's outcomes with the reference's.
#include "integration/differential/comparison.h"

#include <fmt/format.h>

namespace edgelite::differential {
namespace {

std::optional<std::string> CompareErrors(const ErrorInfo& edgelite, const ErrorInfo& reference) {
  if (reference.check_message && edgelite.message.find(reference.message) == std::string::npos) {
    return fmt::format("edgelite's error \"{}\" does not contain SQLite's \"{}\"", edgelite.message,
                       reference.message);
  }
  return std::nullopt;
}

std::optional<std::string> CompareResults(const StmtSpec& stmt, const StmtResult& edgelite,
                                          const StmtResult& reference,
                                          const CompareOptions& options) {
  if (edgelite.column_names != reference.column_names) return "different column names";
  if (edgelite.column_decltypes != reference.column_decltypes) return "different column decltypes";
  if (edgelite.rows.size() != reference.rows.size()) {
    return fmt::format("{} rows, SQLite has {}", edgelite.rows.size(), reference.rows.size());
  }
  for (size_t r = 0; r < reference.rows.size(); ++r) {
    if (edgelite.rows[r].size() != reference.rows[r].size()) {
      return fmt::format("row {} has {} values, SQLite's has {}", r, edgelite.rows[r].size(),
                         reference.rows[r].size());
    }
    for (size_t c = 0; c < reference.rows[r].size(); ++c) {
      if (!(edgelite.rows[r][c] == reference.rows[r][c])) {
        return fmt::format("row {} column {}: {} where SQLite has {}", r, c,
                           Describe(edgelite.rows[r][c]), Describe(reference.rows[r][c]));
      }
    }
  }
  if (edgelite.affected_row_count != reference.affected_row_count) {
    return fmt::format("affected_row_count {}, SQLite says {}", edgelite.affected_row_count,
                       reference.affected_row_count);
  }
  if (stmt.kind == StatementKind::kInsert && (options.stale_rowid || !reference.rowid_unchanged) &&
      edgelite.last_insert_rowid != reference.last_insert_rowid) {
    auto text = [](const std::optional<int64_t>& rowid) {
      return rowid ? std::to_string(*rowid) : std::string("null");
    };
    return fmt::format("last_insert_rowid {}, SQLite says {}", text(edgelite.last_insert_rowid),
                       text(reference.last_insert_rowid));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> Compare(const Request& request, const Outcome& edgelite,
                                   const Outcome& reference, const CompareOptions& options) {
  if (edgelite.failed != reference.failed) {
    return edgelite.failed ? "edgelite failed where SQLite succeeded"
                           : "edgelite succeeded where SQLite failed";
  }
  if (reference.failed) {
    return options.outcome_only ? std::nullopt : CompareErrors(edgelite.error, reference.error);
  }
  if (options.outcome_only && request.kind == RequestKind::kExecute) return std::nullopt;
  switch (request.kind) {
    case RequestKind::kExecute:
      return CompareResults(request.stmt, edgelite.result, reference.result, options);
    case RequestKind::kBatch:
    case RequestKind::kCursor: {
      if (edgelite.steps.size() != reference.steps.size()) return "a different number of steps";
      for (size_t i = 0; i < reference.steps.size(); ++i) {
        const StepOutcome& mine = edgelite.steps[i];
        const StepOutcome& theirs = reference.steps[i];
        auto state = [](StepOutcome::State s) {
          return s == StepOutcome::State::kOk      ? "succeeded"
                 : s == StepOutcome::State::kError ? "failed"
                                                   : "was skipped";
        };
        if (mine.state != theirs.state) {
          return fmt::format("step {} {} on edgelite but {} on SQLite", i, state(mine.state),
                             state(theirs.state));
        }
        std::optional<std::string> difference;
        if (options.outcome_only) continue;
        if (theirs.state == StepOutcome::State::kOk) {
          difference = CompareResults(request.steps[i].stmt, mine.result, theirs.result, options);
        } else if (theirs.state == StepOutcome::State::kError) {
          difference = CompareErrors(mine.error, theirs.error);
        }
        if (difference) return fmt::format("step {}: {}", i, *difference);
      }
      return std::nullopt;
    }
    case RequestKind::kDescribe: {
      if (options.outcome_only) return std::nullopt;
      const DescribeResult& mine = edgelite.describe;
      const DescribeResult& theirs = reference.describe;
      if (mine.params != theirs.params) return "different params";
      if (mine.column_names != theirs.column_names) return "different column names";
      if (mine.column_decltypes != theirs.column_decltypes) return "different column decltypes";
      if (mine.is_explain != theirs.is_explain) return "different is_explain";
      if (mine.is_readonly != theirs.is_readonly) return "different is_readonly";
      return std::nullopt;
    }
    case RequestKind::kGetAutocommit:
      if (edgelite.is_autocommit != reference.is_autocommit) {
        return fmt::format("is_autocommit {}, SQLite says {}", edgelite.is_autocommit,
                           reference.is_autocommit);
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace edgelite::differential
