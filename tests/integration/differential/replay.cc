// Serial order, reference replay, and minimal traces.
#include "integration/differential/replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <tuple>

#include "integration/differential/comparison.h"
#include "integration/differential/reference.h"

namespace edgelite::differential {
namespace {

namespace bj = boost::json;

constexpr size_t kMaxTraceLines = 400;

// The marker of a label "/*c3.17*/ SELECT ...", or "" when it has none.
std::string MarkerOf(std::string_view label) {
  if (!label.starts_with("/*")) return "";
  size_t end = label.find("*/");
  if (end == std::string_view::npos) return "";
  return std::string(label.substr(2, end - 2));
}

// Replays order[0, end) restricted to the records `keep` accepts; `visit` sees each reference
// outcome and returns false to stop.
Status RunReference(const std::vector<Record>& records, const std::vector<size_t>& order,
                    size_t end, const std::function<bool(size_t)>& keep,
                    const std::filesystem::path& directory,
                    const std::function<bool(size_t, size_t, Outcome&)>& visit) {
  auto database = ReferenceDatabase::Create(directory);
  if (!database.ok()) return database.status();
  for (size_t step = 0; step < end && step < order.size(); ++step) {
    size_t index = order[step];
    if (!keep(index)) continue;
    Outcome reference = (*database)->Run(records[index].stream, records[index].request);
    if (!visit(step, index, reference)) break;
  }
  return Status::Ok();
}

std::string Indent(std::string text) {
  std::string indented;
  for (char c : text) {
    indented += c;
    if (c == '\n') indented += "  ";
  }
  return indented;
}

// A SELECT or EXPLAIN after the marker comment: it changes no state another stream could see.
bool IsRead(std::string_view sql) {
  if (sql.starts_with("/*")) {
    size_t end = sql.find("*/");
    sql = end == std::string_view::npos ? std::string_view() : sql.substr(end + 2);
  }
  while (!sql.empty() && sql.front() == ' ') sql.remove_prefix(1);
  return sql.starts_with("SELECT") || sql.starts_with("EXPLAIN");
}

std::string DescribeRecord(const Record& record, int64_t position) {
  return fmt::format(
      "{} {} {} [{}] {}", position >= 0 ? fmt::format("#{}", position) : std::string("(untraced)"),
      record.stream, record.transport, record.request.marker, Describe(record.request));
}

}  // namespace

Result<std::vector<TraceEntry>> ReadTrace(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Status::Io("cannot read the execution trace " + path.string());
  std::vector<TraceEntry> entries;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    bj::error_code error;
    bj::value value = bj::parse(line, error);
    const bj::object* object = error ? nullptr : value.if_object();
    const bj::value* position = object ? object->if_contains("position") : nullptr;
    const bj::value* label = object ? object->if_contains("label") : nullptr;
    if (!position || !(position->is_int64() || position->is_uint64()) || !label ||
        !label->is_string()) {
      return Status::Internal(
          fmt::format("execution trace line {} is not {{\"position\":N,\"label\":\"...\"}}: {}",
                      number, line.substr(0, 300)));
    }
    entries.push_back(
        TraceEntry{position->is_int64() ? position->get_int64() : int64_t(position->get_uint64()),
                   std::string(label->get_string())});
  }
  return entries;
}

Schedule MakeSchedule(const std::vector<Record>& records, const std::vector<TraceEntry>* trace) {
  Schedule schedule;
  schedule.positions.assign(records.size(), -1);
  if (!trace) {
    for (size_t i = 0; i < records.size(); ++i) {
      schedule.order.push_back(i);
      schedule.positions[i] = int64_t(i);  // the send order is the serial order
    }
    return schedule;
  }
  std::map<std::string, int64_t> by_marker;
  size_t foreign = 0;
  for (const TraceEntry& entry : *trace) {
    std::string marker = MarkerOf(entry.label);
    if (marker.empty()) {
      ++foreign;
      continue;
    }
    if (!by_marker.emplace(marker, entry.position).second) {
      schedule.warnings.push_back(
          fmt::format("request {} appears twice in the trace (positions {} and {})", marker,
                      by_marker[marker], entry.position));
    }
  }
  if (foreign > 0) {
    schedule.warnings.push_back(fmt::format("{} trace lines carry no marker", foreign));
  }
  std::set<std::string> known;
  for (const Record& record : records) known.insert(record.request.marker);
  for (const auto& [marker, position] : by_marker) {
    if (!known.contains(marker)) {
      schedule.warnings.push_back(
          fmt::format("trace position {} is request {}, which got no answer (it is left out)",
                      position, marker));
    }
  }
  // (position, untraced?, record): traced requests by position; an untraced one right after its
  // stream's previous traced request, in its stream's order.
  std::vector<std::tuple<int64_t, int, size_t>> keys;
  std::map<std::string, int64_t> last_position;  // per stream
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& record = records[i];
    int64_t before = last_position.contains(record.stream) ? last_position[record.stream] : -1;
    auto found = by_marker.find(record.request.marker);
    if (record.request.Traced() && found != by_marker.end()) {
      if (found->second <= before) {
        schedule.warnings.push_back(fmt::format(
            "the trace runs request {} (#{}) before an earlier request of stream {} (#{})",
            record.request.marker, found->second, record.stream, before));
      }
      schedule.positions[i] = found->second;
      last_position[record.stream] = std::max(before, found->second);
      keys.emplace_back(found->second, 0, i);
      continue;
    }
    if (record.request.Traced()) {
      schedule.warnings.push_back(fmt::format(
          "request {} of stream {} ran on a connection but has no trace line; it is replayed "
          "right after its stream's previous request",
          record.request.marker, record.stream));
    } else if (found != by_marker.end()) {
      schedule.warnings.push_back(fmt::format("request {} ({}) should not be in the trace but is",
                                              record.request.marker, Describe(record.request)));
    }
    keys.emplace_back(before, 1, i);
  }
  std::sort(keys.begin(), keys.end());
  for (const auto& key : keys) schedule.order.push_back(std::get<2>(key));
  return schedule;
}

Result<ReplayReport> Replay(const std::vector<Record>& records, const Schedule& schedule,
                            const std::filesystem::path& directory,
                            const std::filesystem::path& log, const CompareOptions& options) {
  ReplayReport report;
  std::ofstream out(log);
  Status status = RunReference(
      records, schedule.order, schedule.order.size(), [](size_t) { return true; }, directory,
      [&](size_t step, size_t index, Outcome& reference) {
        const Record& record = records[index];
        ++report.replayed;
        std::optional<std::string> difference =
            Compare(record.request, record.edgelite, reference, options);
        out << DescribeRecord(record, schedule.positions[index])
            << "\n  edgelite: " << Indent(Describe(record.request, record.edgelite)) << "\n";
        if (difference) {
          out << "  sqlite:   " << Indent(Describe(record.request, reference))
              << "\n  DIFFERENCE: " << *difference << "\n";
          report.divergence = Divergence{step, index, *difference, std::move(reference)};
          return false;
        }
        return true;
      });
  if (!status.ok()) return status;
  return report;
}

std::set<std::string> MinimizeStreams(const std::vector<Record>& records, const Schedule& schedule,
                                      const Divergence& divergence,
                                      const std::filesystem::path& directory,
                                      std::chrono::seconds budget, const CompareOptions& options,
                                      bool* complete) {
  const Record& failing = records[divergence.record];
  // The other streams that ran before the divergence, most recently active first: the ones that
  // matter are usually recent, and a replay costs what its streams' requests cost. The schema's
  // stream is kept throughout.
  std::vector<std::string> candidates;
  {
    std::set<std::string> seen;
    for (size_t step = divergence.step; step-- > 0;) {
      const Record& record = records[schedule.order[step]];
      if (record.stream != failing.stream && record.client >= 0 &&
          seen.insert(record.stream).second) {
        candidates.push_back(record.stream);
      }
    }
  }
  auto deadline = std::chrono::steady_clock::now() + budget;
  *complete = true;
  // Whether replaying only the failing stream and `kept` still differs from edgelite in the same
  // way at the divergence, with the failing stream taking the same path before it (the same
  // requests and steps failing, succeeding and skipped, the same autocommit answers).
  CompareOptions path = options;
  path.outcome_only = true;
  auto reproduces = [&](const std::vector<std::string>& kept) {
    std::set<std::string> streams(kept.begin(), kept.end());
    streams.insert(failing.stream);
    streams.insert(kSetupStream);
    bool same = false;
    Status status = RunReference(
        records, schedule.order, divergence.step + 1,
        [&](size_t index) { return streams.contains(records[index].stream); }, directory,
        [&](size_t step, size_t index, Outcome& reference) {
          const Record& record = records[index];
          if (record.stream != failing.stream) return true;
          if (step == divergence.step) {
            std::optional<std::string> difference =
                Compare(record.request, record.edgelite, reference, options);
            same = difference && *difference == divergence.difference;
            return false;
          }
          return !Compare(record.request, record.edgelite, reference, path).has_value();
        });
    return status.ok() && same;
  };

  // The shortest prefix of the candidates (0, 4, 16, 64, ... streams) that reproduces, then ddmin
  // within it.
  std::vector<std::string> current = candidates;
  for (size_t size = 0; size < candidates.size(); size = std::max<size_t>(4, size * 4)) {
    if (std::chrono::steady_clock::now() > deadline) {
      *complete = false;
      break;
    }
    std::vector<std::string> prefix(candidates.begin(), candidates.begin() + long(size));
    if (reproduces(prefix)) {
      current = std::move(prefix);
      break;
    }
  }
  if (current.empty()) return {kSetupStream};
  // ddmin over streams (Zeller): try each chunk alone, then each complement, refining the split.
  size_t parts = 2;
  while (current.size() >= 2) {
    if (std::chrono::steady_clock::now() > deadline) {
      *complete = false;
      break;
    }
    size_t chunk_size = (current.size() + parts - 1) / parts;
    std::vector<std::vector<std::string>> chunks;
    for (size_t at = 0; at < current.size(); at += chunk_size) {
      chunks.emplace_back(current.begin() + long(at),
                          current.begin() + long(std::min(current.size(), at + chunk_size)));
    }
    bool reduced = false;
    for (const auto& chunk : chunks) {
      if (reproduces(chunk)) {
        current = chunk;
        parts = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && chunks.size() > 2) {
      for (size_t skip = 0; skip < chunks.size(); ++skip) {
        std::vector<std::string> complement;
        for (size_t i = 0; i < chunks.size(); ++i) {
          if (i != skip) complement.insert(complement.end(), chunks[i].begin(), chunks[i].end());
        }
        if (reproduces(complement)) {
          current = complement;
          parts = std::max<size_t>(parts - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (parts >= current.size()) break;
      parts = std::min(current.size(), parts * 2);
    }
  }
  if (current.size() == 1 && std::chrono::steady_clock::now() <= deadline) {
    // ddmin stops at one; it may still be unnecessary.
    if (reproduces({})) current.clear();
  }
  current.push_back(kSetupStream);
  return std::set<std::string>(current.begin(), current.end());
}

std::string FormatTrace(const std::vector<Record>& records, const Schedule& schedule,
                        const Divergence& divergence, const std::set<std::string>& streams) {
  const Record& failing = records[divergence.record];
  std::vector<size_t> shown;
  for (size_t step = 0; step <= divergence.step; ++step) {
    size_t index = schedule.order[step];
    const std::string& stream = records[index].stream;
    // Another stream's reads, describes, get_autocommit, store_sql or close_sql change nothing
    // for this one.
    const Request& request = records[index].request;
    bool inert = (!request.Traced() && request.kind != RequestKind::kClose) ||
                 request.kind == RequestKind::kDescribe ||
                 (request.kind == RequestKind::kExecute && IsRead(request.stmt.sql));
    if (stream == failing.stream || (streams.contains(stream) && !inert)) shown.push_back(index);
  }
  std::string text;
  size_t skipped = shown.size() > kMaxTraceLines ? shown.size() - kMaxTraceLines : 0;
  if (skipped) text += fmt::format("  ... {} earlier requests left out\n", skipped);
  for (size_t i = skipped; i < shown.size(); ++i) {
    const Record& record = records[shown[i]];
    bool last = shown[i] == divergence.record;
    if (record.client < 0 && record.request.kind == RequestKind::kBatch && !last) {
      // The schema batch is the same in every run (workload.cc, SchemaStatements).
      bool all_ok = true;
      for (const StepOutcome& step : record.edgelite.steps) {
        all_ok = all_ok && step.state == StepOutcome::State::kOk;
      }
      text += fmt::format(
          "   #{} {} [{}] the schema batch of workload.cc: {}\n", schedule.positions[shown[i]],
          record.stream, record.request.marker,
          all_ok ? "every step succeeded" : Indent(Describe(record.request, record.edgelite)));
      continue;
    }
    text += fmt::format("{} {}\n", last ? ">>" : "  ",
                        Indent(DescribeRecord(record, schedule.positions[shown[i]])));
    text += "      edgelite: " + Indent(Describe(record.request, record.edgelite)) + "\n";
    if (last) {
      text += "      sqlite:   " + Indent(Describe(record.request, divergence.reference)) + "\n";
      text += "      DIFFERENCE: " + divergence.difference + "\n";
    }
  }
  return text;
}

}  // namespace edgelite::differential
