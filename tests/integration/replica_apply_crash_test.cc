// Crash safety of the replica's frame injector (docs/wal-replication.md §6.3, §8.2). A child
// process (edgelite_replica_apply_child) applies a primary's transactions to a replica and is
// killed with SIGKILL, cycle after cycle: at random moments, and at each step of a commit, the
// moment between the two wal-index header copies among them. After every kill:
// - the replica passes integrity_check and holds exactly the primary's database after some
//   transaction (never a mix), neither behind the position the child recorded after its last
//   commit nor more than one transaction ahead of it (the commit it was killed in);
// - a reader that stayed connected through the crash sees the state SQLite's rules give for the
//   step of the kill: the old one until the header is published, the new one once the header is
//   torn (the reader's recovery finds the synced commit) or whole;
// - the next child re-applies from the recorded position, and once the stream is applied the
//   replica's file equals the primary's byte for byte.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/replica_apply_child/transaction_stream.h"
#include "unit/temp_directory.h"
#include "unit/wal/bank_workload.h"
#include "unit/wal/primary_recorder.h"
#include "wal/frame_injector.h"

extern char** environ;

namespace edgelite::wal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kTransactions = 200;  // per round; the replica starts over after each round
constexpr int kMinKills = 100;
constexpr auto kTimeBudget = 100s;
// Random kills land within the time a child takes to apply the whole stream (measured first, as
// it depends on the disk), capped so that a slow disk does not make the test slow.
constexpr auto kMinKillDelay = std::chrono::milliseconds(2);
constexpr auto kMaxKillDelay = std::chrono::milliseconds(150);
constexpr CommitStep kSteps[] = {CommitStep::kFramesWritten, CommitStep::kWalSynced,
                                 CommitStep::kIndexAppended, CommitStep::kBetweenHeaderCopies,
                                 CommitStep::kPublished};

size_t Digest(std::string_view image) {
  return std::hash<std::string_view>{}(image);
}

std::string Query(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  std::string out;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    out = text ? reinterpret_cast<const char*>(text) : "NULL";
  } else if (rc != SQLITE_DONE) {
    out = std::string("error: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(statement);
  return out;
}

class ReplicaApplyCrashTest : public ::testing::Test {
 protected:
  std::filesystem::path replica() const { return dir_ / "replica"; }
  std::filesystem::path position_file() const { return dir_ / "replica-replpos"; }
  std::filesystem::path stream_file() const { return dir_ / "stream"; }

  // Records the primary's transactions, the digest of its database after each, and its final
  // checkpointed image.
  void RecordPrimary() {
    auto primary = testing::PrimaryRecorder::Create(dir_ / "primary");
    ASSERT_TRUE(primary.ok()) << primary.status().message();
    testing::PrimaryRecorder& recorder = **primary;
    auto recorded = testing::RecordBankWorkload(recorder, kTransactions - 1, 11, [&] {
      std::string image = recorder.Image();
      ASSERT_TRUE(state_of_digest_.emplace(Digest(image), int64_t(state_of_digest_.size())).second)
          << "two states of the primary have the same image";
      final_image_ = std::move(image);
    });
    ASSERT_TRUE(recorded.ok()) << recorded.status().message();
    ASSERT_EQ(recorded->size(), size_t(kTransactions));
    ASSERT_TRUE(testing::WriteTransactionStream(stream_file(), *recorded).ok());
  }

  // The transaction after which the primary had exactly the database `db` shows: -1 for the
  // empty database the injector starts a replica with, nullopt for a state the primary never had.
  std::optional<int64_t> StateOf(sqlite3* db) {
    if (Query(db, "SELECT count(*) FROM sqlite_schema") == "0") return -1;
    sqlite3_int64 size = 0;
    unsigned char* bytes = sqlite3_serialize(db, "main", &size, 0);
    if (!bytes) return std::nullopt;
    size_t digest = Digest(std::string_view(reinterpret_cast<const char*>(bytes), size_t(size)));
    sqlite3_free(bytes);
    auto found = state_of_digest_.find(digest);
    if (found == state_of_digest_.end()) return std::nullopt;
    return found->second;
  }

  int64_t RecordedPosition() {
    std::ifstream in(position_file(), std::ios::binary);
    int64_t position = -1;
    if (!in.read(reinterpret_cast<char*>(&position), sizeof(position))) return -1;
    return position;
  }

  sqlite3* Connect() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(replica().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    return db;
  }

  // Runs the child; `step` set: it kills itself at that step of `transaction`'s commit.
  // `kill_after` set: killed from here after that long. Returns its wait status.
  int RunChild(std::optional<CommitStep> step, int64_t transaction,
               std::optional<std::chrono::milliseconds> kill_after) {
    std::vector<std::string> args = {EDGELITE_REPLICA_APPLY_CHILD, stream_file().string(),
                                     replica().string(), position_file().string()};
    if (step) {
      args.push_back(std::to_string(int(*step)));
      args.push_back(std::to_string(transaction));
    }
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string log = (dir_ / "child.err").string();
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << "cannot run " << argv[0];
    if (rc != 0) return -1;
    if (kill_after) {
      std::this_thread::sleep_for(*kill_after);
      ::kill(pid, SIGKILL);
    }
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return status;
  }

  std::string ChildErrors() {
    std::ifstream in(dir_ / "child.err");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  void RemoveReplica() {
    for (const char* suffix : {"", "-wal", "-shm", "-replpos"}) {
      std::filesystem::remove(replica().string() + suffix);
    }
  }

  // Once a child applied the whole stream: the replica, checkpointed, is the primary's file.
  void ExpectConverged() {
    sqlite3* db = Connect();
    EXPECT_EQ(Query(db, "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(Query(db, "PRAGMA wal_checkpoint(TRUNCATE)"), "0");
    sqlite3_file* file = nullptr;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
    sqlite3_int64 size = 0;
    file->pMethods->xFileSize(file, &size);
    std::string bytes(size_t(size), '\0');
    file->pMethods->xRead(file, bytes.data(), int(size), 0);
    sqlite3_close(db);
    EXPECT_EQ(bytes.size(), final_image_.size());
    EXPECT_TRUE(bytes == final_image_) << "the replica's file differs from the primary's";
  }

  test::TempDirectory dir_;
  std::map<size_t, int64_t> state_of_digest_;  // digest of the primary's image -> transaction
  std::string final_image_;
};

TEST_F(ReplicaApplyCrashTest, KilledAppliersLeaveAPrefixAndReapplyingConverges) {
  ASSERT_NO_FATAL_FAILURE(RecordPrimary());
  auto start = Clock::now();
  // One round without a kill: it must converge too, and it times the stream.
  int first = RunChild(std::nullopt, -1, std::nullopt);
  ASSERT_TRUE(WIFEXITED(first) && WEXITSTATUS(first) == 0) << ChildErrors();
  auto round_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  ASSERT_NO_FATAL_FAILURE(ExpectConverged());
  RemoveReplica();
  std::uniform_int_distribution<int> kill_delay_ms(
      int(kMinKillDelay.count()),
      int(std::clamp(round_time, kMinKillDelay * 2, kMaxKillDelay).count()));

  std::mt19937 rng(12);
  int kills = 0;
  int rounds = 0;  // applied to the end, after kills
  std::map<CommitStep, int> kills_at_step;
  for (int cycle = 0; kills < kMinKills; ++cycle) {
    ASSERT_LT(Clock::now() - start, kTimeBudget) << "after " << kills << " kills";
    SCOPED_TRACE(::testing::Message() << "cycle " << cycle);
    int64_t position = RecordedPosition();
    // Every other cycle a reader stays connected through the crash, keeping the -shm alive.
    sqlite3* held = nullptr;
    std::optional<int64_t> before;
    if (cycle % 2 == 1 && std::filesystem::exists(replica())) {
      held = Connect();
      before = StateOf(held);
      ASSERT_TRUE(before.has_value());
    }
    std::optional<CommitStep> step;
    int64_t crash_transaction = -1;
    std::optional<std::chrono::milliseconds> kill_after;
    if (cycle % 3 == 0) {
      step = kSteps[(cycle / 3) % std::size(kSteps)];
      crash_transaction = position + 1 + std::uniform_int_distribution<int>(0, 3)(rng);
    } else {
      kill_after = std::chrono::milliseconds(kill_delay_ms(rng));
    }
    int status = RunChild(step, crash_transaction, kill_after);
    bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    ASSERT_TRUE(killed || finished)
        << "the child failed (status " << status << "): " << ChildErrors();
    int64_t recorded = RecordedPosition();
    EXPECT_GE(recorded, position);
    bool step_kill = killed && step && crash_transaction < kTransactions;
    if (killed) ++kills;
    if (step_kill) {
      ++kills_at_step[*step];
      EXPECT_EQ(recorded, crash_transaction - 1)
          << "killed inside the commit of " << crash_transaction;
    }

    if (held) {
      auto seen = StateOf(held);
      ASSERT_TRUE(seen.has_value()) << "a reader that stayed connected sees a state the primary "
                                       "never had";
      if (step_kill) {
        // Before the publish, the reader still sees the last published transaction: the one
        // before the crash, or the crashed one itself when an earlier child had committed it but
        // was killed before recording it (the child re-applies from the recorded position).
        bool published =
            *step == CommitStep::kBetweenHeaderCopies || *step == CommitStep::kPublished;
        int64_t expected = published ? crash_transaction : std::max(*before, crash_transaction - 1);
        // Until a first transaction is recorded the replica is the fresh one-page file, and a
        // reader that opened it after every applier died re-initialized its -shm: its next read
        // rebuilds the index from the WAL, which shows a complete transaction 0 left by this or an
        // earlier child (visible before it is recorded, which re-applying allows; seen once in CI).
        bool fresh_file = position < 0 && crash_transaction == 0 && *step != CommitStep::kPublished;
        if (fresh_file && *seen == crash_transaction) expected = crash_transaction;
        EXPECT_EQ(*seen, expected) << "held reader, killed at step " << int(*step)
                                   << " in the commit of " << crash_transaction << "; it saw "
                                   << *before << " before; position " << position
                                   << ", recorded " << recorded;
      } else {
        EXPECT_GE(*seen, recorded);
        EXPECT_LE(*seen, recorded + 1);
      }
      // The last connection closing checkpoints the WAL as its header says and deletes it: an
      // unpublished transaction is gone, which the recorded position allows for.
      sqlite3_close(held);
    }
    // Killed before it created the file (after a finished round the replica starts from nothing
    // again): nothing was applied, and nothing may have been recorded.
    if (!held && !std::filesystem::exists(replica())) {
      EXPECT_EQ(recorded, -1) << "a position was recorded for a replica that does not exist";
      continue;
    }
    sqlite3* fresh = Connect();
    EXPECT_EQ(Query(fresh, "PRAGMA integrity_check"), "ok");
    auto seen = StateOf(fresh);
    ASSERT_TRUE(seen.has_value()) << "the replica holds a state the primary never had";
    EXPECT_GE(*seen, recorded) << "the recorded position is ahead of the replica";
    EXPECT_LE(*seen, recorded + 1);
    // Without a reader holding the -shm, the next opener rebuilds it from the WAL, whose commit
    // frame was written (if not synced, the page cache still has it) at every step.
    if (step_kill && !held) {
      EXPECT_EQ(*seen, crash_transaction);
    }
    sqlite3_close(fresh);

    if (finished) {
      ASSERT_EQ(recorded, kTransactions - 1);
      ASSERT_NO_FATAL_FAILURE(ExpectConverged());
      ++rounds;
      RemoveReplica();
    }
  }
  // The round in progress: re-applied from the recorded position to the end, without a kill.
  int status = RunChild(std::nullopt, -1, std::nullopt);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ChildErrors();
  ASSERT_NO_FATAL_FAILURE(ExpectConverged());
  ++rounds;

  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  std::cout << kills << " kills, " << rounds << " rounds converged, in " << elapsed.count()
            << " ms (a round alone: " << round_time.count() << " ms); kills at commit steps:";
  for (auto [step, count] : kills_at_step) std::cout << " " << int(step) << "=" << count;
  std::cout << "\n";
  for (CommitStep step : kSteps) EXPECT_GE(kills_at_step[step], 2) << "step " << int(step);
  EXPECT_GE(rounds, 2);
}

}  // namespace
}  // namespace edgelite::wal
