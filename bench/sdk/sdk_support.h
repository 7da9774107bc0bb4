// What every edgelite_sdk_bench command needs from the SDK: opening a database in one of its
// modes (ending the program with the SDK's message when that fails), and one-value queries.
// Everything here uses only the public headers of include/edgelite/, as an application does.
#ifndef EDGELITE_BENCH_SDK_SDK_SUPPORT_H_
#define EDGELITE_BENCH_SDK_SDK_SUPPORT_H_

#include <edgelite/database.h>

#include <cstdint>
#include <memory>
#include <string>

namespace edgelite::bench {

std::unique_ptr<Database> OpenOrFail(const OpenOptions& options, const std::string& what);
std::unique_ptr<Database> OpenReplicaOrFail(const std::string& path, const std::string& sync_url,
                                            SyncInterval interval);
// A remote-mode database on the primary, for asking it what it holds.
std::unique_ptr<Database> OpenRemoteOrFail(const std::string& url);
std::unique_ptr<Connection> ConnectOrFail(Database& database);

// The first column of the first row of `sql` as an integer (0 for NULL); ends the program on
// failure.
int64_t ScalarOrFail(Connection& connection, const std::string& sql, const Params& params = {});

// Waits until a live replica has its stream open; ends the program after `timeout_seconds`.
void WaitUntilLive(Database& replica, double timeout_seconds);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_SDK_SDK_SUPPORT_H_
