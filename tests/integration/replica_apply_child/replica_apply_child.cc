// The process that the replica crash test (replica_apply_crash_test.cc) kills: it applies the
// primary's transactions from a transaction stream to a replica with FrameInjector, starting after
// the position its position file records, and records its position after every commit, as a
// replica's sync loop does. It checkpoints as that loop would (PASSIVE often, TRUNCATE now and
// then), so that kills also land in checkpoints and WAL restarts.
//
//   edgelite_replica_apply_child <stream> <replica> <position file> [<step> <transaction>]
//
// With <step> (a CommitStep, 0..4) it kills itself with SIGKILL at that step of the commit of
// transaction <transaction> (counted from 0 in the stream). Exit status 0: the stream is applied.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "integration/replica_apply_child/transaction_stream.h"
#include "wal/frame_injector.h"

namespace {

using edgelite::Status;
using edgelite::wal::CheckpointMode;
using edgelite::wal::CommitStep;
using edgelite::wal::FrameInjector;
using edgelite::wal::FrameInjectorOptions;
using edgelite::wal::testing::PrimaryTransaction;
using edgelite::wal::testing::TransactionStreamReader;

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.message().c_str());
  return 3;
}

// The last transaction applied, or -1 for none.
int64_t ReadPosition(int fd) {
  int64_t position = -1;
  if (::pread(fd, &position, sizeof(position), 0) != ssize_t(sizeof(position))) return -1;
  return position;
}

Status Apply(FrameInjector& injector, const PrimaryTransaction& transaction, bool descending) {
  if (Status status = injector.Begin(); !status.ok()) return status;
  size_t count = transaction.pages.size();
  for (size_t k = 0; k < count; ++k) {
    size_t i = descending ? count - 1 - k : k;
    Status status = injector.AppendPage(transaction.page_numbers[i], transaction.pages[i]);
    if (!status.ok()) return status;
  }
  return injector.Commit(transaction.database_pages);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    std::fprintf(stderr, "usage: %s <stream> <replica> <position file> [<step> <transaction>]\n",
                 argv[0]);
    return 2;
  }
  int position_fd = ::open(argv[3], O_RDWR | O_CREAT, 0644);
  if (position_fd < 0) {
    std::perror(argv[3]);
    return 2;
  }
  int64_t position = ReadPosition(position_fd);
  int64_t current = position + 1;
  FrameInjectorOptions options;
  if (argc == 6) {
    auto crash_step = static_cast<CommitStep>(std::atoi(argv[4]));
    int64_t crash_transaction = std::atoll(argv[5]);
    options.commit_observer = [&current, crash_step, crash_transaction](CommitStep step) {
      if (step == crash_step && current == crash_transaction) ::raise(SIGKILL);
    };
  }
  auto injector = FrameInjector::Open(argv[2], std::move(options));
  if (!injector.ok()) return Fail("open", injector.status());

  TransactionStreamReader stream(argv[1]);
  for (int64_t i = 0; i < current; ++i) {
    if (!stream.Skip()) return 0;
  }
  PrimaryTransaction transaction;
  for (; stream.Next(transaction); ++current) {
    Status status = Apply(**injector, transaction, current % 2 == 1);
    if (!status.ok()) return Fail("transaction " + std::to_string(current), status);
    // Not synced: the test kills processes, it does not cut the power, and the page cache keeps a
    // write that returned. The real sync loop syncs (or renames) its position file.
    if (::pwrite(position_fd, &current, sizeof(current), 0) != ssize_t(sizeof(current))) {
      std::perror("position");
      return 2;
    }
    if (current % 40 == 39) {
      auto outcome =
          (*injector)->Checkpoint(CheckpointMode::kPassive, std::chrono::milliseconds(0));
      if (!outcome.ok()) return Fail("passive checkpoint", outcome.status());
    }
    if (current % 150 == 149) {
      auto outcome =
          (*injector)->Checkpoint(CheckpointMode::kTruncate, std::chrono::milliseconds(50));
      if (!outcome.ok()) return Fail("truncate checkpoint", outcome.status());
    }
  }
  return 0;
}
