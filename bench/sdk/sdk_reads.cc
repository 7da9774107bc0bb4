// Point reads through the SDK: a reused prepared statement (Connection::Prepare, then
// Statement::Execute(params, &rows) per read, into one reused Params and Rows) or Connection::Execute with the SQL text each time, on a
// local-mode file or on an embedded replica, where reads run in the local file on a read snapshot
// kept open between applies. Each read must return exactly the one row asked for.
#include <string>
#include <variant>

#include "../loadgen/fast_random.h"
#include "point_read_loop.h"
#include "sdk_commands.h"
#include "sdk_support.h"

namespace edgelite::bench {
namespace {

constexpr const char* kPointRead = "SELECT v FROM bench WHERE id = ?";

bool OneTextRow(const Rows& rows) {
  return rows.rows.size() == 1 && rows.rows[0].size() == 1 &&
         std::holds_alternative<std::string>(rows.rows[0][0]);
}

OpenOptions LocalFile(const std::string& path) {
  OpenOptions options;
  options.path = path;
  return options;
}

}  // namespace

int MakeLocal(const Flags& flags) {
  const std::string& path = flags.String("path");
  int64_t rows = int64_t(flags.Number("rows"));
  auto database = OpenOrFail(LocalFile(path), "the local file " + path);
  auto connection = ConnectOrFail(*database);
  Status created = connection->ExecuteScript(
      "CREATE TABLE bench(id INTEGER PRIMARY KEY, v TEXT);"
      "CREATE TABLE bench_w(id INTEGER PRIMARY KEY, v TEXT);");
  if (!created.ok()) Fail("cannot create the tables in " + path + ": " + created.message());
  double started = SteadySeconds();
  if (auto begun = connection->Execute("BEGIN"); !begun.ok()) Fail(begun.status().message());
  auto insert = connection->Prepare("INSERT INTO bench(id, v) VALUES (?, ?)");
  if (!insert.ok()) Fail(insert.status().message());
  FastRandom random(0x5eed0f10ad);
  for (int64_t id = 1; id <= rows; ++id) {
    std::string text;
    random.AppendLetters(100, &text);
    auto inserted = (*insert)->Execute({Value(id), Value(std::move(text))});
    if (!inserted.ok()) Fail("insert failed: " + inserted.status().message());
  }
  if (auto committed = connection->Execute("COMMIT"); !committed.ok()) {
    Fail(committed.status().message());
  }
  JsonLine("make-local", flags.StringOr("label", "sdk-local"))
      .Integer("rows", ScalarOrFail(*connection, "SELECT count(*) FROM bench"))
      .Real("seconds", SteadySeconds() - started)
      .Print();
  return 0;
}

int PointReads(const Flags& flags) {
  const std::string& path = flags.String("path");
  std::string sync_url = flags.StringOr("sync-url", "");
  std::string api = flags.StringOr("api", "prepare");
  if (api != "prepare" && api != "execute") Fail("--api is prepare or execute");
  double seconds = flags.Number("seconds");
  double warmup = flags.NumberOr("warmup", 1);
  int64_t rows = int64_t(flags.Number("rows"));

  std::unique_ptr<Database> database;
  uint64_t frames_synced = 0;
  if (sync_url.empty()) {
    database = OpenOrFail(LocalFile(path), "the local file " + path);
  } else {
    // A manual replica: nothing moves it while the reads run, so they measure reading alone.
    database = OpenReplicaOrFail(path, sync_url, SyncInterval::Manual());
    auto synced = database->Sync();
    if (!synced.ok()) Fail("cannot sync " + path + ": " + synced.status().message());
    frames_synced = synced->frames_synced;
  }
  auto connection = ConnectOrFail(*database);
  PointReadResult result;
  if (api == "prepare") {
    auto statement = connection->Prepare(kPointRead);
    if (!statement.ok()) Fail("cannot prepare the read: " + statement.status().message());
    // The loop as a read-heavy app writes it: one Params and one Rows reused for every read.
    Statement& read = **statement;
    Params params{Value(int64_t(0))};
    Rows out;
    result = RunPointReads(warmup, seconds, rows, [&](int64_t id) {
      params.positional[0] = id;
      return read.Execute(params, &out).ok() && OneTextRow(out);
    });
  } else {
    result = RunPointReads(warmup, seconds, rows, [&](int64_t id) {
      auto read = connection->Execute(kPointRead, {Value(id)});
      return read.ok() && OneTextRow(*read);
    });
  }
  JsonLine line("point-read",
                flags.StringOr("label", sync_url.empty() ? "sdk-local" : "sdk-replica"));
  result.AddTo(line);
  line.Text("api", api)
      .Text("mode", sync_url.empty() ? "local" : "replica")
      .Integer("frames_synced_before", int64_t(frames_synced))
      .Print();
  return result.errors == 0 ? 0 : 1;
}

}  // namespace edgelite::bench
