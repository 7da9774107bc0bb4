// The writer thread and its group commit.
#include "server/writer.h"

#include <spdlog/spdlog.h>

#include "hrana/request_executor.h"

namespace edgelite::server {
namespace {

constexpr size_t kMaxGroupSize = 512;
constexpr const char* kRequestSavepoint = "SAVEPOINT edgelite_request";

hrana::RequestOutcome ShuttingDown() {
  return hrana::RequestFailure{503, "The server is shutting down"};
}

}  // namespace

Writer::Writer(std::unique_ptr<sqlite::Connection> connection,
               std::function<uint64_t()> replication_index)
    : connection_(std::move(connection)), replication_index_(std::move(replication_index)) {
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
  job.done(WriteCompletion{ShuttingDown(), false});
}

void Writer::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Writer::Loop() {
  while (true) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] {
      if (stopping_) return true;
      if (pinned_stream_ == 0) return !queue_.empty();
      for (const WriteJob& job : queue_) {
        if (job.stream_id == pinned_stream_) return true;
      }
      return false;
    });
    if (stopping_) break;
    if (pinned_stream_ != 0) {
      auto found = std::find_if(queue_.begin(), queue_.end(),
                                [&](const WriteJob& job) { return job.stream_id == pinned_stream_; });
      WriteJob job = std::move(*found);
      queue_.erase(found);
      lock.unlock();
      RunAlone(job);
      continue;
    }
    std::deque<WriteJob> jobs;
    while (!queue_.empty() && jobs.size() < kMaxGroupSize) {
      jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    ProcessBatch(std::move(jobs));
  }
  // Shutting down: nothing more runs; an open transaction is rolled back.
  std::deque<WriteJob> abandoned;
  {
    std::lock_guard lock(mutex_);
    abandoned.swap(queue_);
  }
  for (WriteJob& job : abandoned) job.done(WriteCompletion{ShuttingDown(), false});
  if (!connection_->autocommit()) (void)connection_->Exec("ROLLBACK");
  pinned_stream_ = 0;
}

void Writer::ProcessBatch(std::deque<WriteJob> jobs) {
  std::vector<Member> group;
  bool in_transaction = false;
  while (!jobs.empty()) {
    if (pinned_stream_ != 0) {
      // A request opened a transaction: the rest wait until it ends, in their original order.
      FlushGroup(group, in_transaction);
      std::lock_guard lock(mutex_);
      queue_.insert(queue_.begin(), std::make_move_iterator(jobs.begin()),
                    std::make_move_iterator(jobs.end()));
      return;
    }
    WriteJob job = std::move(jobs.front());
    jobs.pop_front();
    if (job.kind == WriteJob::Kind::kRelease || job.alone) {
      FlushGroup(group, in_transaction);
      RunAlone(job);
      continue;
    }
    if (!in_transaction) {
      if (!connection_->Exec("BEGIN IMMEDIATE").ok()) {
        RunAlone(job);
        continue;
      }
      in_transaction = true;
    }
    if (!connection_->Exec(kRequestSavepoint).ok()) {
      FlushGroup(group, in_transaction);
      RunAlone(job);
      continue;
    }
    hrana::RequestOutcome outcome = job.run(*connection_, hrana::Placement::kWriterGroup);
    if (connection_->autocommit()) {
      // A statement (ON CONFLICT ROLLBACK, disk full, ...) rolled back the whole group: nothing of
      // it was acknowledged, so every member runs again, alone, as if the group never happened.
      in_transaction = false;
      std::vector<Member> lost;
      lost.swap(group);
      for (Member& member : lost) RunAlone(member.job);
      RunAlone(job);
      continue;
    }
    bool undo = std::holds_alternative<hrana::Escalation>(outcome) ||
                std::holds_alternative<hrana::RequestFailure>(outcome);
    if (undo) (void)connection_->Exec("ROLLBACK TO edgelite_request");
    (void)connection_->Exec("RELEASE edgelite_request");
    if (std::holds_alternative<hrana::Escalation>(outcome)) {
      FlushGroup(group, in_transaction);
      RunAlone(job);
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
    // A deferred constraint or an I/O error failed the commit: find out whose, by running each
    // request alone.
    spdlog::warn("group commit of {} requests failed ({}); re-running them one by one",
                 group.size(), status.message());
    if (!connection_->autocommit()) (void)connection_->Exec("ROLLBACK");
    std::vector<Member> failed;
    failed.swap(group);
    for (Member& member : failed) RunAlone(member.job);
    return;
  }
  uint64_t index = replication_index_();
  std::vector<Member> committed;
  committed.swap(group);
  for (Member& member : committed) {
    if (auto* result = std::get_if<hrana::StreamResult>(&member.outcome)) {
      hrana::StampReplicationIndex(*result, index);
    }
    Complete(member.job, std::move(member.outcome), false);
  }
}

void Writer::RunAlone(WriteJob& job) {
  if (job.kind == WriteJob::Kind::kRelease) {
    if (pinned_stream_ == job.stream_id && job.stream_id != 0) {
      if (!connection_->autocommit()) (void)connection_->Exec("ROLLBACK");
      pinned_stream_ = 0;
    }
    Complete(job, hrana::StreamResult(hrana::StreamResponse(hrana::CloseResponse{})), false);
    return;
  }
  hrana::RequestOutcome outcome = job.run(*connection_, hrana::Placement::kWriterAlone);
  bool in_transaction = !connection_->autocommit();
  if (in_transaction && job.stream_id == 0) {
    // A one-shot request cannot come back to finish its transaction.
    (void)connection_->Exec("ROLLBACK");
    in_transaction = false;
  }
  pinned_stream_ = in_transaction ? job.stream_id : 0;
  Complete(job, std::move(outcome), in_transaction);
}

void Writer::Complete(WriteJob& job, hrana::RequestOutcome outcome, bool in_transaction) {
  job.done(WriteCompletion{std::move(outcome), in_transaction});
}

}  // namespace edgelite::server
