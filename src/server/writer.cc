// The writer thread, its group commit and the write grant.
#include "server/writer.h"

#include <spdlog/spdlog.h>

#include "hrana/request_executor.h"

namespace edgelite::server {
namespace {

constexpr size_t kMaxGroupSize = 512;
constexpr const char* kRequestSavepoint = "SAVEPOINT edgelite_request";
// SQLite calls the progress handler every this many virtual machine instructions.
constexpr int kProgressInterval = 1000;

hrana::RequestOutcome ShuttingDown() {
  return hrana::RequestFailure{503, "The server is shutting down"};
}

}  // namespace

Writer::Writer(std::unique_ptr<sqlite::Connection> connection,
               std::function<uint64_t()> replication_index, ExecutionTrace* trace,
               std::chrono::milliseconds transaction_timeout)
    : connection_(std::move(connection)),
      replication_index_(std::move(replication_index)),
      trace_(trace),
      transaction_timeout_(transaction_timeout) {
  sqlite3_progress_handler(connection_->handle(), kProgressInterval, &Writer::CheckRunningClient,
                           this);
  thread_ = std::thread([this] { Loop(); });
}

Writer::~Writer() { Stop(); }

void Writer::Submit(WriteJob job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  job.done(ShuttingDown());
}

bool Writer::AcquireGrant(GrantHolder* holder, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (grant_holder_ == holder) return true;
  if (stopping_) return false;
  GrantRequest request{holder, std::make_shared<bool>(false), std::make_shared<bool>(false)};
  queue_.push_back(request);
  wake_.notify_one();
  granted_.wait_until(lock, deadline, [&] { return *request.granted || stopping_; });
  if (*request.granted) return true;
  *request.abandoned = true;
  return false;
}

void Writer::ReleaseGrant(GrantHolder* holder) {
  std::unique_lock lock(mutex_);
  if (std::this_thread::get_id() != thread_.get_id()) {
    revoked_.wait(lock, [&] { return revoking_ != holder; });
  }
  if (grant_holder_ != holder) return;
  grant_holder_ = nullptr;
  wake_.notify_one();
}

void Writer::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  granted_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Writer::Loop() {
  while (true) {
    std::unique_lock lock(mutex_);
    GrantHolder* overdue = nullptr;
    while (!stopping_ && !overdue && (grant_holder_ != nullptr || queue_.empty())) {
      if (grant_holder_ == nullptr || queue_.empty()) {
        wake_.wait(lock);
      } else if (std::chrono::steady_clock::now() >= revoke_at_) {
        overdue = grant_holder_;
      } else {
        wake_.wait_until(lock, revoke_at_);
      }
    }
    if (stopping_) break;
    if (overdue) {
      revoking_ = overdue;
      lock.unlock();
      auto again = overdue->Revoke(transaction_timeout_);
      lock.lock();
      revoking_ = nullptr;
      revoked_.notify_all();
      if (again && grant_holder_ == overdue) revoke_at_ = *again;
      continue;
    }
    if (auto* request = std::get_if<GrantRequest>(&queue_.front())) {
      if (!*request->abandoned) {
        *request->granted = true;
        grant_holder_ = request->holder;
        revoke_at_ = std::chrono::steady_clock::now() + transaction_timeout_;
        granted_.notify_all();
      }
      queue_.pop_front();
      continue;
    }
    // The jobs up to the next grant request form one batch: a grant waits for the jobs queued
    // before it, and those queued after it wait for the grant.
    std::deque<WriteJob> jobs;
    while (!queue_.empty() && jobs.size() < kMaxGroupSize &&
           std::holds_alternative<WriteJob>(queue_.front())) {
      jobs.push_back(std::move(std::get<WriteJob>(queue_.front())));
      queue_.pop_front();
    }
    lock.unlock();
    std::unique_lock<std::recursive_mutex> serial;
    if (trace_) serial = trace_->Serialize();
    ProcessBatch(std::move(jobs));
  }
  // Shutting down: nothing more runs.
  std::deque<Item> abandoned;
  {
    std::lock_guard lock(mutex_);
    abandoned.swap(queue_);
  }
  for (Item& item : abandoned) {
    if (auto* job = std::get_if<WriteJob>(&item)) job->done(ShuttingDown());
  }
  if (!connection_->autocommit()) (void)connection_->Exec("ROLLBACK");
}

void Writer::ProcessBatch(std::deque<WriteJob> jobs) {
  // Streams' own connections may have changed the schema since the last batch.
  (void)connection_->CheckSchema();
  std::vector<Member> group;
  bool in_transaction = false;
  while (!jobs.empty()) {
    WriteJob job = std::move(jobs.front());
    jobs.pop_front();
    if (job.client.Gone()) {
      Complete(job, ClientGoneFailure());
      continue;
    }
    if (!in_transaction) {
      if (!connection_->Exec("BEGIN IMMEDIATE").ok()) {
        SendAlone(job);
        continue;
      }
      in_transaction = true;
    }
    if (!connection_->Exec(kRequestSavepoint).ok()) {
      FlushGroup(group, in_transaction);
      SendAlone(job);
      continue;
    }
    hrana::RequestOutcome outcome;
    bool abandoned = RunWatched(job, outcome);
    if (connection_->autocommit()) {
      // A statement rolled back the whole group (the executor stopped its request right there):
      // nothing of it was acknowledged, so every member runs again, alone, as if the group never
      // happened.
      in_transaction = false;
      std::vector<Member> lost;
      lost.swap(group);
      for (Member& member : lost) SendAlone(member.job);
      if (abandoned) {
        Complete(job, ClientGoneFailure());
      } else {
        SendAlone(job);
      }
      continue;
    }
    if (abandoned) {
      (void)connection_->Exec("ROLLBACK TO edgelite_request");
      (void)connection_->Exec("RELEASE edgelite_request");
      Complete(job, ClientGoneFailure());
      continue;
    }
    auto* escalation = std::get_if<hrana::Escalation>(&outcome);
    bool undo = escalation || std::holds_alternative<hrana::RequestFailure>(outcome);
    if (undo) (void)connection_->Exec("ROLLBACK TO edgelite_request");
    (void)connection_->Exec("RELEASE edgelite_request");
    if (escalation && escalation->kind == hrana::Escalation::Kind::kToWriterAlone) {
      FlushGroup(group, in_transaction);
      SendAlone(job);
      continue;
    }
    if (escalation) {
      // Bound for a connection of its stream's own: it had no effect here.
      Complete(job, std::move(outcome));
      continue;
    }
    group.push_back(Member{std::move(job), std::move(outcome)});
  }
  FlushGroup(group, in_transaction);
}

void Writer::FlushGroup(std::vector<Member>& group, bool& in_transaction) {
  if (!in_transaction) return;
  in_transaction = false;
  if (Status status = connection_->Exec("COMMIT"); !status.ok()) {
    // An I/O error failed the commit: find out whose, by running each request alone.
    spdlog::warn("group commit of {} requests failed ({}); re-running them one by one",
                 group.size(), status.message());
    if (!connection_->autocommit()) (void)connection_->Exec("ROLLBACK");
    std::vector<Member> failed;
    failed.swap(group);
    for (Member& member : failed) SendAlone(member.job);
    return;
  }
  uint64_t index = replication_index_();
  std::vector<Member> committed;
  committed.swap(group);
  for (Member& member : committed) {
    if (auto* result = std::get_if<hrana::StreamResult>(&member.outcome)) {
      hrana::StampReplicationIndex(*result, index);
    }
    Complete(member.job, std::move(member.outcome));
  }
}

void Writer::SendAlone(WriteJob& job) {
  // Alone, a request is what it would be on a connection of its stream's own, statement by
  // statement in autocommit mode, up to whatever it runs into later (a BEGIN, a TEMP table): so it
  // runs there, with the grant, in the queue's order, not on this connection.
  Complete(job, hrana::Escalation{hrana::Escalation::Kind::kToOwnConnection});
}

bool Writer::RunWatched(WriteJob& job, hrana::RequestOutcome& outcome) {
  running_client_ = &job.client;
  running_client_gone_ = false;
  outcome = job.run(*connection_, hrana::Placement::kWriterGroup);
  running_client_ = nullptr;
  return running_client_gone_;
}

int Writer::CheckRunningClient(void* writer) {
  auto* self = static_cast<Writer*>(writer);
  if (!self->running_client_ || !self->running_client_->Gone()) return 0;
  self->running_client_gone_ = true;
  return 1;  // interrupts the statement
}

void Writer::Complete(WriteJob& job, hrana::RequestOutcome outcome) {
  if (trace_ && !std::holds_alternative<hrana::Escalation>(outcome) && !job.trace_label.empty()) {
    trace_->Record(job.trace_label);
  }
  job.done(std::move(outcome));
}

}  // namespace edgelite::server
