// The application that the SDK replica crash test (sdk_replica_crash_test.cc) kills with SIGKILL:
// an embedded replica opened through the public SDK (libedgelite.so, nothing else), syncing from
// the primary until it is killed, while a reader thread on a connection of its own checks the
// bank invariant (bank_invariant.h) in every snapshot and that the transaction counter never goes
// back.
//
//   edgelite_sdk_replica_child SYNC_URL LOCAL_PATH loop|live|periodic
//
// loop: Sync() again and again; live: SyncInterval::Live(); periodic: SyncInterval::Every(5 ms).
// It prints "frame N" whenever the replica's position moves. It never exits by itself: exit status
// 3 means the SDK failed or a reader saw a broken invariant (the message is on stderr).
#include <edgelite/database.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "integration/sdk_replica_child/bank_invariant.h"

namespace {

using namespace std::chrono_literals;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "sdk_replica_child: %s\n", message.c_str());
  std::fflush(stderr);
  ::_exit(3);
}

std::optional<int64_t> AsInteger(const edgelite::Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return *integer;
  return std::nullopt;
}

// Reads the invariant locally, as often as it can, until the process is killed.
void ReadForever(edgelite::Database& database) {
  auto connection = database.Connect();
  if (!connection.ok()) Die("cannot connect a reader: " + connection.status().message());
  edgelite::Connection& db = **connection;
  // Until the replica has the schema a read of `state` would go to the primary (the replica does
  // not know the table), and this reader is about the local file.
  for (;;) {
    auto schema = db.Execute(edgelite::integration::kBankSchemaSql);
    if (!schema.ok()) Die("the reader's schema probe failed: " + schema.status().message());
    if (AsInteger(schema->rows.at(0).at(0)) == 1) break;
    std::this_thread::sleep_for(1ms);
  }
  int64_t last_n = -1;
  for (;;) {
    auto rows = db.Execute(edgelite::integration::kBankInvariantSql);
    if (!rows.ok()) Die("the reader's query failed: " + rows.status().message());
    if (rows->rows.size() != 1) Die("the reader's query returned no row");
    std::vector<std::optional<int64_t>> row;
    for (const auto& value : rows->rows[0]) row.push_back(AsInteger(value));
    int64_t n = -1;
    std::string broken = edgelite::integration::CheckBankInvariant(row, &n);
    if (!broken.empty()) Die("a reader saw a broken invariant: " + broken);
    if (n < last_n) {
      Die("a reader saw the counter go back from " + std::to_string(last_n) + " to " +
          std::to_string(n));
    }
    last_n = n;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Never outlive the test that runs it (the machine's PID 1 does not reap orphans).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s SYNC_URL LOCAL_PATH loop|live|periodic\n", argv[0]);
    return 2;
  }
  std::string mode = argv[3];
  edgelite::OpenOptions options;
  options.sync_url = argv[1];
  options.path = argv[2];
  options.request_timeout = 10s;
  if (mode == "live") {
    options.sync_interval = edgelite::SyncInterval::Live();
  } else if (mode == "periodic") {
    options.sync_interval = edgelite::SyncInterval::Every(5ms);
  } else if (mode != "loop") {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  auto database = edgelite::Database::Open(options);
  if (!database.ok()) Die("cannot open the replica: " + database.status().message());
  edgelite::Database& replica = **database;
  std::thread reader([&] { ReadForever(replica); });
  reader.detach();

  std::optional<uint64_t> reported;
  for (;;) {
    if (mode == "loop") {
      auto synced = replica.Sync();
      if (!synced.ok()) Die("sync failed: " + synced.status().message());
      if (synced->frames_synced == 0) std::this_thread::sleep_for(2ms);
    } else {
      replica.WaitForChange(reported, 20ms);
      edgelite::Status error = replica.replica_status().last_error;
      // The background sync retries by itself; only a failure that is not the network is fatal.
      if (!error.ok() && error.kind() != edgelite::ErrorKind::kUnavailable) {
        Die("background sync failed: " + error.message());
      }
    }
    std::optional<uint64_t> frame_no = replica.replica_status().frame_no;
    if (frame_no && frame_no != reported) {
      std::printf("frame %llu\n", static_cast<unsigned long long>(*frame_no));
      std::fflush(stdout);
      reported = frame_no;
    }
  }
}
