// Sustained replication through the SDK: the replica starts at the primary's head, a writer (the
// command after `--`, normally edgelite_loadgen inserting single rows into bench_w over many
// connections at full speed) writes, and the replica follows, either live (SyncInterval::Live(),
// the primary pushes each commit) or by calling Sync() back to back (`--mode loop`, what the
// official client does; on a thread of its own, since one Sync() pulls until the primary has
// nothing newer and so may not return while the writer outpaces it). Every --sample-ms it
// records:
//  - rows behind: the primary's newest bench_w id (asked over HTTP) minus the replica's, read
//    second, so 0 means the replica held everything the primary had a moment before;
//  - replica_status().frame_lag, the SDK's own lag figure.
// When the writer exits the replica catches up until it holds every row. Frames/s applied count
// every frame from the writer's start to the last apply (taken by SetChangeListener), so while
// the replica keeps up they equal the write stream, and when it falls behind they are its rate.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "json_line.h"
#include "sdk_commands.h"
#include "sdk_support.h"
#include "timing.h"

namespace edgelite::bench {
namespace {

constexpr const char* kNewestRow = "SELECT coalesce(max(id), 0) FROM bench_w";
constexpr const char* kRowCount = "SELECT count(*) FROM bench_w";

// What the change listener saw last: the sync thread writes it, the sampler reads it.
struct LastApply {
  std::mutex mutex;
  uint64_t frame_no = 0;
  double at = 0;
  bool seen = false;
};

}  // namespace

int Sustain(const Flags& flags) {
  const std::string& path = flags.String("path");
  const std::string& sync_url = flags.String("sync-url");
  std::string mode = flags.StringOr("mode", "live");
  if (mode != "live" && mode != "loop") Fail("--mode is live or loop");
  bool live = mode == "live";
  double sample_seconds = flags.NumberOr("sample-ms", 20) / 1000.0;
  double catchup_limit = flags.NumberOr("catchup-timeout", 300);
  if (flags.command().empty()) Fail("sustain needs the writer after --");

  auto replica =
      OpenReplicaOrFail(path, sync_url, live ? SyncInterval::Live() : SyncInterval::Manual());
  if (live) {
    WaitUntilLive(*replica, 60);
  } else if (auto synced = replica->Sync(); !synced.ok()) {
    Fail("cannot sync " + path + ": " + synced.status().message());
  }
  auto local = ConnectOrFail(*replica);
  auto primary = OpenRemoteOrFail(sync_url);
  auto remote = ConnectOrFail(*primary);
  // Live: wait until the stream has brought the replica to the primary's head.
  for (double deadline = SteadySeconds() + 60;
       ScalarOrFail(*local, kRowCount) != ScalarOrFail(*remote, kRowCount);) {
    if (SteadySeconds() > deadline) Fail("the replica did not reach the primary's head in 60 s");
    if (live) {
      SleepSeconds(0.01);
    } else if (auto synced = replica->Sync(); !synced.ok()) {
      Fail("cannot sync " + path + ": " + synced.status().message());
    }
  }
  int64_t start_row = ScalarOrFail(*local, kNewestRow);
  std::optional<uint64_t> start_frame = replica->replica_status().frame_no;

  LastApply last_apply;
  replica->SetChangeListener([&last_apply](uint64_t frame_no) {
    std::lock_guard lock(last_apply.mutex);
    last_apply.frame_no = frame_no;
    last_apply.at = SteadySeconds();
    last_apply.seen = true;
  });

  // Loop mode: Sync() back to back on this thread until told to stop, as an application's
  // sync loop would; a failing Sync() is retried after 100 ms and counted.
  std::atomic<bool> stop_syncing{false};
  int sync_errors = 0;
  int sync_calls = 0;
  double sync_longest = 0;
  std::string first_sync_error;
  auto sync_loop = [&] {
    while (!stop_syncing.load()) {
      double before = SteadySeconds();
      auto synced = replica->Sync();
      sync_longest = std::max(sync_longest, SteadySeconds() - before);
      ++sync_calls;
      if (synced.ok()) continue;
      if (first_sync_error.empty()) first_sync_error = synced.status().message();
      if (++sync_errors > 50) Fail("more than 50 Sync() calls failed: " + first_sync_error);
      SleepSeconds(0.1);
    }
  };

  struct Sample {
    double behind_rows;
    double frame_lag;
  };
  std::vector<Sample> samples;
  auto writer = ChildProcess::Start(flags.command());
  double writer_started = SteadySeconds();
  std::thread syncer;
  if (!live) syncer = std::thread(sync_loop);
  while (writer->Running()) {
    SleepSeconds(sample_seconds);
    double frame_lag = double(replica->replica_status().frame_lag);
    int64_t primary_newest = ScalarOrFail(*remote, kNewestRow);
    int64_t replica_newest = ScalarOrFail(*local, kNewestRow);
    samples.push_back({double(std::max<int64_t>(0, primary_newest - replica_newest)), frame_lag});
  }
  double writer_stopped = SteadySeconds();
  std::string writer_line = writer->LastLine();
  double write_rps = FindJsonNumber(writer_line, "rps");
  if (writer->exit_status() != 0 || write_rps < 0) {
    Fail("the writer failed (status " + std::to_string(writer->exit_status()) +
         "): " + writer_line);
  }

  // Catch up: until the replica holds as many rows as the primary had just before (the primary
  // may still commit requests the writer abandoned when its time ran out).
  int64_t rows = 0;
  while (true) {
    int64_t primary_rows = ScalarOrFail(*remote, kRowCount);
    rows = ScalarOrFail(*local, kRowCount);
    if (rows == primary_rows) break;
    if (rows > primary_rows) Fail("the replica has more rows than the primary");
    if (SteadySeconds() - writer_stopped > catchup_limit) {
      stop_syncing = true;
      if (syncer.joinable()) syncer.join();
      Fail(std::to_string(catchup_limit) + " s after the writes the replica has " +
           std::to_string(rows) + " rows in bench_w, the primary " + std::to_string(primary_rows));
    }
    SleepSeconds(0.005);
  }
  stop_syncing = true;
  if (syncer.joinable()) syncer.join();
  int64_t rows_written = ScalarOrFail(*remote, kNewestRow) - start_row;
  replica->SetChangeListener({});

  double last_apply_at = writer_started;
  uint64_t end_frame = start_frame.value_or(0);
  {
    std::lock_guard lock(last_apply.mutex);
    if (last_apply.seen) {
      last_apply_at = last_apply.at;
      end_frame = last_apply.frame_no;
    }
  }
  uint64_t frames = end_frame - (start_frame ? *start_frame : 0);
  double applying = last_apply_at - writer_started;

  // Samples are taken only while the writer runs (the catch-up is reported as its own figure).
  std::vector<double> behind;
  std::vector<double> frame_lag;
  for (const Sample& sample : samples) {
    behind.push_back(sample.behind_rows);
    frame_lag.push_back(sample.frame_lag);
  }
  size_t lag_nonzero =
      size_t(std::count_if(frame_lag.begin(), frame_lag.end(), [](double lag) { return lag > 0; }));
  double behind_p50 = Percentile(behind, 50);
  double behind_p95 = Percentile(behind, 95);
  double behind_max = behind.empty() ? 0 : behind.back();
  JsonLine line(live ? "sustain-live" : "sustain-loop", flags.StringOr("label", "sdk"));
  line.Real("write_rps", write_rps, 0)
      .Integer("write_errors", int64_t(FindJsonNumber(writer_line, "errors", 0)))
      .Integer("rows_written", rows_written)
      .Integer("frames", int64_t(frames))
      .Real("seconds", applying)
      .Real("frames_per_s", applying > 0 ? double(frames) / applying : 0, 0)
      .Real("rows_applied_per_s", applying > 0 ? double(rows_written) / applying : 0, 0)
      .Real("frames_per_row", rows_written > 0 ? double(frames) / double(rows_written) : 0)
      .Real("catchup_s", std::max(0.0, last_apply_at - writer_stopped))
      .Integer("samples", int64_t(samples.size()))
      .Real("behind_rows_p50", behind_p50, 0)
      .Real("behind_rows_p95", behind_p95, 0)
      .Real("behind_rows_max", behind_max, 0)
      .Real("lag_ms_p50", write_rps > 0 ? behind_p50 / write_rps * 1000 : 0, 1)
      .Real("lag_ms_p95", write_rps > 0 ? behind_p95 / write_rps * 1000 : 0, 1)
      .Real("frame_lag_p50", Percentile(frame_lag, 50), 0)
      .Real("frame_lag_p95", Percentile(frame_lag, 95), 0)
      .Real("frame_lag_max", frame_lag.empty() ? 0 : frame_lag.back(), 0)
      .Real("frame_lag_nonzero_fraction",
            frame_lag.empty() ? 0 : double(lag_nonzero) / double(frame_lag.size()))
      .Integer("rows", rows)
      .Integer("sync_calls", sync_calls)
      .Real("sync_longest_s", sync_longest)
      .Integer("sync_errors", sync_errors)
      .Text("first_sync_error", first_sync_error.substr(0, 200))
      .Print();
  return 0;
}

}  // namespace edgelite::bench
