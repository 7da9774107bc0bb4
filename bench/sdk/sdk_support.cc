// Opening databases and one-value queries through the SDK.
#include "sdk_support.h"

#include <variant>

#include "flags.h"
#include "timing.h"

namespace edgelite::bench {

std::unique_ptr<Database> OpenOrFail(const OpenOptions& options, const std::string& what) {
  auto database = Database::Open(options);
  if (!database.ok()) Fail("cannot open " + what + ": " + database.status().message());
  return std::move(database).value();
}

std::unique_ptr<Database> OpenReplicaOrFail(const std::string& path, const std::string& sync_url,
                                            SyncInterval interval) {
  OpenOptions options;
  options.path = path;
  options.sync_url = sync_url;
  options.sync_interval = interval;
  return OpenOrFail(options, "the replica " + path + " of " + sync_url);
}

std::unique_ptr<Database> OpenRemoteOrFail(const std::string& url) {
  OpenOptions options;
  options.url = url;
  return OpenOrFail(options, "the primary " + url);
}

std::unique_ptr<Connection> ConnectOrFail(Database& database) {
  auto connection = database.Connect();
  if (!connection.ok()) Fail("cannot connect: " + connection.status().message());
  return std::move(connection).value();
}

int64_t ScalarOrFail(Connection& connection, const std::string& sql, const Params& params) {
  auto rows = connection.Execute(sql, params);
  if (!rows.ok()) Fail("'" + sql + "' failed: " + rows.status().message());
  if (rows->rows.empty() || rows->rows[0].empty()) Fail("'" + sql + "' returned no row");
  const Value& value = rows->rows[0][0];
  if (const auto* integer = std::get_if<int64_t>(&value)) return *integer;
  if (const auto* real = std::get_if<double>(&value)) return int64_t(*real);
  if (std::holds_alternative<Null>(value)) return 0;
  Fail("'" + sql + "' returned a value that is not a number");
}

void WaitUntilLive(Database& replica, double timeout_seconds) {
  double deadline = SteadySeconds() + timeout_seconds;
  while (!replica.replica_status().live) {
    if (SteadySeconds() > deadline) {
      ReplicaStatus status = replica.replica_status();
      Fail("the live replica did not open its stream within " + std::to_string(timeout_seconds) +
           " s; last error: " + (status.last_error.ok() ? "none" : status.last_error.message()));
    }
    SleepSeconds(0.005);
  }
}

}  // namespace edgelite::bench
