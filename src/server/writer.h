// Writer: the one thread that writes to a database, and the group commit that makes it fast.
//
// Autocommit write requests queue here. Those found waiting together run back to back inside one
// SQLite transaction, each inside its own savepoint, and are acknowledged after a single COMMIT
// (one sync). A request keeps exactly the results and atomicity it would have had alone:
// - a failed statement is undone by SQLite's statement journal, as in autocommit mode;
// - a request that opens a transaction or leaves state on its connection never joins a group: the
//   executor stops it before it has any effect and it moves to a connection of its stream's own;
// - a statement that takes the whole transaction down (ON CONFLICT ROLLBACK, RAISE(ROLLBACK), an
//   I/O error) stops its request at once, and every request of the group runs again, alone, before
//   anything is acknowledged;
// - a statement that leaves a deferred constraint unresolved, which alone would have failed at its
//   own commit, sends its request out of the group to run alone;
// - the group's COMMIT failing re-runs every member alone.
// "Alone" is on a connection of the stream's own (an escalation the runner carries out), where the
// request runs exactly as on sqld, whatever it meets later in its steps.
//
// Streams that run on a connection of their own write through SQLite directly, but only while they
// hold the write grant: the writer hands it out in queue order, between groups, and runs nothing
// until it is given back. So no connection ever waits on SQLite's busy handler for the writer. A
// holder that keeps the grant past the transaction timeout while others wait, between its
// requests, has its transaction rolled back (as sqld's txn_timeout), so no idle client can stop
// every writer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "hrana/execution.h"
#include "server/client_presence.h"
#include "server/execution_trace.h"
#include "sqlite/connection.h"

namespace edgelite::server {

// Who may hold the write grant.
class GrantHolder {
 public:
  virtual ~GrantHolder() = default;
  // Called on the writer's thread while others wait for the grant. A holder idle between requests
  // for longer than `timeout` ends its transaction, gives the grant back (ReleaseGrant) and
  // returns nullopt; otherwise it returns when to ask again.
  virtual std::optional<std::chrono::steady_clock::time_point> Revoke(
      std::chrono::milliseconds timeout) = 0;
};

struct WriteJob {
  // Runs the request on the writer's connection at the given placement. May be called more than
  // once (a group that failed is re-run request by request); only the last call's outcome counts.
  std::function<hrana::RequestOutcome(sqlite::Connection&, hrana::Placement)> run;
  // Called on the writer thread once the outcome is durable, known to have failed, or an
  // escalation that sends the request to a connection of its stream's own.
  std::function<void(hrana::RequestOutcome)> done;
  std::string trace_label;  // for the execution trace
  ClientPresence client;    // the client waiting for the answer
};

class Writer {
 public:
  // `replication_index` reads the database's index after a commit. `trace` may be null.
  Writer(std::unique_ptr<sqlite::Connection> connection, std::function<uint64_t()> replication_index,
         ExecutionTrace* trace,
         std::chrono::milliseconds transaction_timeout = std::chrono::seconds(5));
  ~Writer();

  void Submit(WriteJob job);

  // Waits until the writer hands the write grant to `holder` (true at once if it holds it), or
  // until `deadline` (false). The holder then writes on its own connection; the writer runs
  // nothing until ReleaseGrant.
  bool AcquireGrant(GrantHolder* holder, std::chrono::steady_clock::time_point deadline);
  void ReleaseGrant(GrantHolder* holder);

  // Fails queued jobs and joins the thread.
  void Stop();

 private:
  struct GrantRequest {
    GrantHolder* holder;
    std::shared_ptr<bool> granted;    // under mutex_
    std::shared_ptr<bool> abandoned;  // the waiter gave up: skip it
  };
  using Item = std::variant<WriteJob, GrantRequest>;
  struct Member {
    WriteJob job;
    hrana::RequestOutcome outcome;
  };

  void Loop();
  void ProcessBatch(std::deque<WriteJob> jobs);
  void SendAlone(WriteJob& job);
  void FlushGroup(std::vector<Member>& group, bool& in_transaction);
  void Complete(WriteJob& job, hrana::RequestOutcome outcome);
  // Runs `job` in the group, interrupted if its client goes; true when it was.
  bool RunWatched(WriteJob& job, hrana::RequestOutcome& outcome);
  static int CheckRunningClient(void* writer);

  std::unique_ptr<sqlite::Connection> connection_;
  std::function<uint64_t()> replication_index_;
  ExecutionTrace* trace_;
  const std::chrono::milliseconds transaction_timeout_;
  // The client of the job running on the writer's thread (only that thread uses these).
  ClientPresence* running_client_ = nullptr;
  bool running_client_gone_ = false;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable granted_;
  std::deque<Item> queue_;
  GrantHolder* grant_holder_ = nullptr;
  // The holder whose Revoke is running (outside mutex_): it may not be released, and so destroyed,
  // until the call returns.
  GrantHolder* revoking_ = nullptr;
  std::condition_variable revoked_;
  std::chrono::steady_clock::time_point revoke_at_;  // while others wait
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace edgelite::server
