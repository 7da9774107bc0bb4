// Writer: the one thread that writes to a database, and the group commit that makes it fast.
//
// Write requests queue here. Autocommit requests found waiting together run back to back inside one
// SQLite transaction, each inside its own savepoint, and are acknowledged after a single COMMIT (one
// sync). A request keeps exactly the results and atomicity it would have had alone: a failed
// statement is undone by SQLite's statement journal as in autocommit mode, a request that needs to
// run alone (transaction control, PRAGMA, VACUUM) is rolled back to its savepoint and re-run alone,
// and if a statement or the COMMIT takes the whole transaction down, every request of the group is
// re-run alone before anything is acknowledged.
//
// A request that leaves a transaction open (BEGIN ...) pins the writer to its stream: until that
// stream commits, rolls back or is released (closed, expired), only its requests run.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "hrana/execution.h"
#include "sqlite/connection.h"

namespace edgelite::server {

struct WriteCompletion {
  hrana::RequestOutcome outcome;
  bool in_transaction = false;  // the stream now holds an open transaction on the writer
};

struct WriteJob {
  enum class Kind { kRun, kRelease };
  Kind kind = Kind::kRun;
  uint64_t stream_id = 0;  // 0: a one-shot request that cannot hold a transaction
  bool alone = false;      // known to need the writer to itself
  // Runs the request on the writer's connection at the given placement. May be called more than
  // once (a group that failed is re-run request by request); only the last call's outcome counts.
  std::function<hrana::RequestOutcome(sqlite::Connection&, hrana::Placement)> run;
  // Called on the writer thread once the outcome is durable (or known to have failed).
  std::function<void(WriteCompletion)> done;
};

class Writer {
 public:
  // `replication_index` reads the database's index after a commit.
  Writer(std::unique_ptr<sqlite::Connection> connection, std::function<uint64_t()> replication_index);
  ~Writer();

  void Submit(WriteJob job);
  // Fails queued jobs, rolls back an open transaction and joins the thread.
  void Stop();

 private:
  struct Member {
    WriteJob job;
    hrana::RequestOutcome outcome;
  };

  void Loop();
  void ProcessBatch(std::deque<WriteJob> jobs);
  void RunAlone(WriteJob& job);
  void FlushGroup(std::vector<Member>& group, bool& in_transaction);
  void Complete(WriteJob& job, hrana::RequestOutcome outcome, bool in_transaction);

  std::unique_ptr<sqlite::Connection> connection_;
  std::function<uint64_t()> replication_index_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<WriteJob> queue_;
  bool stopping_ = false;
  uint64_t pinned_stream_ = 0;  // touched by the writer thread only, read under mutex_ in Loop
  std::thread thread_;
};

}  // namespace edgelite::server
