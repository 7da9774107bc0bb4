// Replication lag through the SDK: a live replica (SyncInterval::Live()) while a writer (the
// command after `--`, bench/replica/replica.mjs `write` at a fixed rate, which logs when each of
// its inserts was sent and acknowledged) inserts into bench_w on the primary. The replica waits
// with WaitForChange; each time it wakes it stamps the time and reads the rows that arrived, and
// writes one line per row to --visible-log: `id visible_at sent_at` (seconds since the epoch).
// lag-report then joins that log with the writer's acknowledgements; the official client's
// replica writes the same log (replica.mjs sustain --visible-log), so both are reported alike.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "child_process.h"
#include "json_line.h"
#include "sdk_commands.h"
#include "sdk_support.h"
#include "timing.h"

namespace edgelite::bench {
namespace {

constexpr const char* kRowCount = "SELECT count(*) FROM bench_w";

// The writer starts each row's text with its send time: "<seconds since the epoch>:...".
double SentAt(const Value& text) {
  const auto* string = std::get_if<std::string>(&text);
  if (!string) return 0;
  return std::strtod(string->c_str(), nullptr);
}

}  // namespace

int Lag(const Flags& flags) {
  const std::string& path = flags.String("path");
  const std::string& sync_url = flags.String("sync-url");
  const std::string& log_path = flags.String("visible-log");
  double catchup_limit = flags.NumberOr("catchup-timeout", 120);
  if (flags.command().empty()) Fail("lag needs the writer after --");

  auto replica = OpenReplicaOrFail(path, sync_url, SyncInterval::Live());
  WaitUntilLive(*replica, 60);
  auto local = ConnectOrFail(*replica);
  auto primary = OpenRemoteOrFail(sync_url);
  auto remote = ConnectOrFail(*primary);
  for (double deadline = SteadySeconds() + 60;
       ScalarOrFail(*local, kRowCount) != ScalarOrFail(*remote, kRowCount);) {
    if (SteadySeconds() > deadline) Fail("the replica did not reach the primary's head in 60 s");
    SleepSeconds(0.01);
  }
  int64_t seen = ScalarOrFail(*local, "SELECT coalesce(max(id), 0) FROM bench_w");
  std::optional<uint64_t> frame_no = replica->replica_status().frame_no;
  auto arrivals = local->Prepare("SELECT id, v FROM bench_w WHERE id > ? ORDER BY id");
  if (!arrivals.ok()) Fail("cannot prepare: " + arrivals.status().message());

  std::FILE* log = std::fopen(log_path.c_str(), "w");
  if (!log) Fail("cannot write " + log_path);
  int64_t rows_seen = 0;
  int wakes = 0;
  // Reads what arrived since the last wake; `visible_at` is when this wake began.
  auto collect = [&](double visible_at) {
    auto rows = (*arrivals)->Execute({Value(seen)});
    if (!rows.ok()) Fail("cannot read the new rows: " + rows.status().message());
    for (const auto& row : rows->rows) {
      int64_t id = std::get<int64_t>(row[0]);
      std::fprintf(log, "%lld %.6f %.6f\n", static_cast<long long>(id), visible_at, SentAt(row[1]));
      seen = std::max(seen, id);
      ++rows_seen;
    }
  };

  auto writer = ChildProcess::Start(flags.command());
  double writer_stopped = 0;
  while (true) {
    std::optional<uint64_t> now_at =
        replica->WaitForChange(frame_no, std::chrono::milliseconds(50));
    double woke = WallSeconds();
    if (now_at && now_at != frame_no) {
      ++wakes;
      frame_no = now_at;
      collect(woke);
    }
    if (writer_stopped == 0 && !writer->Running()) writer_stopped = SteadySeconds();
    if (writer_stopped > 0) {
      int64_t primary_rows = ScalarOrFail(*remote, kRowCount);
      if (ScalarOrFail(*local, kRowCount) == primary_rows) break;
      if (SteadySeconds() - writer_stopped > catchup_limit) {
        Fail("the live replica did not catch up within " + std::to_string(catchup_limit) + " s");
      }
    }
  }
  // Rows that landed between the last wake and the final count.
  collect(WallSeconds());
  std::fclose(log);
  std::string writer_line = writer->LastLine();
  if (writer->exit_status() != 0) {
    Fail("the writer failed (status " + std::to_string(writer->exit_status()) +
         "): " + writer_line);
  }
  ReplicaStatus status = replica->replica_status();
  JsonLine("lag-observe", flags.StringOr("label", "sdk-live"))
      .Integer("rows_seen", rows_seen)
      .Integer("wakes", wakes)
      .Real("write_rps", FindJsonNumber(writer_line, "rps", 0), 1)
      .Integer("write_errors", int64_t(FindJsonNumber(writer_line, "errors", 0)))
      .Integer("live", status.live ? 1 : 0)
      .Print();
  return 0;
}

int LagReport(const Flags& flags) {
  // Writer: `id sent_at acked_at`; replica: `id visible_at sent_at`.
  std::map<int64_t, std::pair<double, double>> acks;
  std::FILE* ack_log = std::fopen(flags.String("ack-log").c_str(), "r");
  if (!ack_log) Fail("cannot read " + flags.String("ack-log"));
  long long id = 0;
  double first = 0;
  double second = 0;
  while (std::fscanf(ack_log, "%lld %lf %lf", &id, &first, &second) == 3)
    acks[id] = {first, second};
  std::fclose(ack_log);
  std::map<int64_t, double> visible;
  std::FILE* visible_log = std::fopen(flags.String("visible-log").c_str(), "r");
  if (!visible_log) Fail("cannot read " + flags.String("visible-log"));
  while (std::fscanf(visible_log, "%lld %lf %lf", &id, &first, &second) == 3) {
    if (!visible.count(id)) visible[id] = first;
  }
  std::fclose(visible_log);

  std::vector<double> ack_to_visible;
  std::vector<double> sent_to_visible;
  std::vector<double> write_latency;
  int64_t before_ack = 0;
  int64_t missing = 0;
  for (const auto& [row, times] : acks) {
    auto [sent_at, acked_at] = times;
    write_latency.push_back((acked_at - sent_at) * 1000);
    auto found = visible.find(row);
    if (found == visible.end()) {
      ++missing;
      continue;
    }
    double lag = (found->second - acked_at) * 1000;
    if (lag < 0) ++before_ack;
    ack_to_visible.push_back(std::max(0.0, lag));
    sent_to_visible.push_back((found->second - sent_at) * 1000);
  }
  auto max_of = [](std::vector<double>& values) { return values.empty() ? 0 : values.back(); };
  JsonLine line(flags.StringOr("workload", "lag"), flags.StringOr("label", ""));
  line.Integer("rows_acked", int64_t(acks.size()))
      .Integer("rows_matched", int64_t(ack_to_visible.size()))
      .Integer("rows_missing", missing)
      .Real("ack_visible_ms_p50", Percentile(ack_to_visible, 50), 2)
      .Real("ack_visible_ms_p99", Percentile(ack_to_visible, 99), 2)
      .Real("ack_visible_ms_max", max_of(ack_to_visible), 2)
      .Real("visible_before_ack_fraction",
            ack_to_visible.empty() ? 0 : double(before_ack) / double(ack_to_visible.size()))
      .Real("sent_visible_ms_p50", Percentile(sent_to_visible, 50), 2)
      .Real("sent_visible_ms_p99", Percentile(sent_to_visible, 99), 2)
      .Real("sent_visible_ms_max", max_of(sent_to_visible), 2)
      .Real("write_ms_p50", Percentile(write_latency, 50), 2)
      .Real("write_ms_p99", Percentile(write_latency, 99), 2)
      .Print();
  return missing == 0 ? 0 : 1;
}

}  // namespace edgelite::bench
