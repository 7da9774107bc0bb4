// A replica brought to the primary's head by Database::Sync(), timed: for a fresh replica this is
// the initial sync (open + every Sync() until one brings nothing), for one that fell behind it is
// the catch-up of a backlog, whose frames/s is the replica's apply rate. The result is checked:
// the replica must hold as many rows of --check-table as the primary.
#include <filesystem>
#include <string>

#include "json_line.h"
#include "sdk_commands.h"
#include "sdk_support.h"
#include "timing.h"

namespace edgelite::bench {

int SyncToHead(const Flags& flags) {
  const std::string& path = flags.String("path");
  const std::string& sync_url = flags.String("sync-url");
  std::string workload = flags.StringOr("workload", "initial-sync");
  std::string check_table = flags.StringOr("check-table", "");
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());

  double started = SteadySeconds();
  auto replica = OpenReplicaOrFail(path, sync_url, SyncInterval::Manual());
  double opened = SteadySeconds();
  uint64_t frames = 0;
  int calls = 0;
  double last_frames_at = opened;
  std::optional<uint64_t> frame_no;
  while (true) {
    auto synced = replica->Sync();
    ++calls;
    if (!synced.ok()) Fail("Sync() failed: " + synced.status().message());
    frame_no = synced->frame_no;
    if (synced->frames_synced == 0) break;
    frames += synced->frames_synced;
    last_frames_at = SteadySeconds();
  }
  double sync_seconds = last_frames_at - opened;

  auto connection = ConnectOrFail(*replica);
  int64_t bytes = ScalarOrFail(
      *connection, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
  int64_t rows = -1;
  if (!check_table.empty()) {
    std::string count = "SELECT count(*) FROM " + check_table;
    rows = ScalarOrFail(*connection, count);
    auto primary = OpenRemoteOrFail(sync_url);
    auto primary_connection = ConnectOrFail(*primary);
    int64_t primary_rows = ScalarOrFail(*primary_connection, count);
    if (rows != primary_rows) {
      Fail(workload + ": the replica has " + std::to_string(rows) + " rows in " + check_table +
           ", the primary " + std::to_string(primary_rows));
    }
  }
  double megabytes = double(bytes) / 1048576.0;
  JsonLine(workload, flags.StringOr("label", "sdk"))
      .Real("open_s", opened - started)
      .Real("sync_s", sync_seconds)
      .Real("seconds", last_frames_at - started)
      .Integer("frames", int64_t(frames))
      .Integer("frame_no", frame_no ? int64_t(*frame_no) : -1)
      .Integer("sync_calls", calls)
      .Real("frames_per_s", sync_seconds > 0 ? double(frames) / sync_seconds : 0, 0)
      .Real("mb", megabytes, 1)
      .Real("mb_per_s", sync_seconds > 0 ? megabytes / sync_seconds : 0, 1)
      .Integer("rows", rows)
      .Print();
  return 0;
}

}  // namespace edgelite::bench
