// Replaying a recorded run on the reference: the serial order the server reported (its
// --execution-trace file, matched to requests by the marker comment that opens their first SQL),
// one reference replay in that order that stops at the first request whose answers differ, and a
// minimal trace for the report: the streams needed to reproduce SQLite's answer there, found by
// replaying without the others (delta debugging over streams).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "edgelite/status.h"
#include "integration/differential/client.h"
#include "integration/differential/comparison.h"

namespace edgelite::differential {

struct TraceEntry {
  int64_t position = 0;
  std::string label;
};

// The trace file's lines; a line that is not {"position": N, "label": "..."} is an error.
Result<std::vector<TraceEntry>> ReadTrace(const std::filesystem::path& path);

struct Schedule {
  std::vector<size_t> order;          // indexes into the records, in serial order
  std::vector<int64_t> positions;     // per record: its trace position, or -1
  std::vector<std::string> warnings;  // what the trace left unclear
};

// The serial order: traced requests by position; the others (get_autocommit, store_sql, close,
// ...) right after their stream's previous traced request. Without a trace (one client), the
// order the requests were sent in.
Schedule MakeSchedule(const std::vector<Record>& records, const std::vector<TraceEntry>* trace);

struct Divergence {
  size_t step = 0;    // index into the schedule's order
  size_t record = 0;  // index into the records
  std::string difference;
  Outcome reference;
};

struct ReplayReport {
  std::optional<Divergence> divergence;
  size_t replayed = 0;
};

// Replays the schedule on a fresh reference database in `directory`, stopping at the first
// divergence. Writes every replayed request with both answers to `log`.
Result<ReplayReport> Replay(const std::vector<Record>& records, const Schedule& schedule,
                            const std::filesystem::path& directory,
                            const std::filesystem::path& log, const CompareOptions& options);

// The other streams without which the diverging request would no longer differ in the same way
// (or the diverging stream would take another path to it), within `budget`.
std::set<std::string> MinimizeStreams(const std::vector<Record>& records, const Schedule& schedule,
                                      const Divergence& divergence,
                                      const std::filesystem::path& directory,
                                      std::chrono::seconds budget, const CompareOptions& options,
                                      bool* complete);

// The requests of the diverging stream and of `streams`, in serial order up to the divergence,
// with edgelite's answers, and SQLite's where it differs.
std::string FormatTrace(const std::vector<Record>& records, const Schedule& schedule,
                        const Divergence& divergence, const std::set<std::string>& streams);

}  // namespace edgelite::differential
