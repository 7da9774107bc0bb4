// The edgelite SDK against real primaries, through its public API only (libedgelite.so): an
// embedded replica syncing from edgelite and from the real sqld, writes delegated through it with
// read-your-writes, interactive transactions, every value type, a reopen that resumes where it
// stopped, offline behaviour, a new log lineage, live sync across a primary restart, the file
// byte-identical to the primary's after checkpoints; readers in this process and in another one
// (the sqlite3 tool) that only ever see whole transactions while the replica applies, with its
// WAL kept bounded; a clear refusal to sync into a database that is not a replica, a replica whose
// first open found the primary down, a prompt close with a live stream open; and the remote and
// local modes.
#include <edgelite/database.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "integration/sdk_test_support.h"
#include "integration/server_process.h"

namespace edgelite::integration {
namespace {

using namespace std::chrono_literals;

enum class Primary { kEdgelite, kSqld };

std::string PrimaryName(const testing::TestParamInfo<Primary>& info) {
  return info.param == Primary::kEdgelite ? "edgelite" : "sqld";
}

class SdkReplicaTest : public testing::TestWithParam<Primary> {
 protected:
  void SetUp() override {
    // A parameterized test's name ends in "/edgelite" or "/sqld": one directory, not two, so that
    // TearDown removes all of it.
    std::string name = testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '-');
    directory_ = std::filesystem::temp_directory_path() /
                 ("edgelite-sdk-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_ / "server");
    StartPrimary({});
  }
  void TearDown() override {
    server_.reset();
    if (!std::getenv("EDGELITE_KEEP_TMP")) std::filesystem::remove_all(directory_);
  }

  void StartPrimary(std::vector<std::string> args) {
    if (port_ != 0) args.insert(args.end(), {"--http-listen-addr", Address()});
    auto server = GetParam() == Primary::kEdgelite
                      ? ServerProcess::StartIn(directory_ / "server", args)
                      : ServerProcess::StartSqldIn(directory_ / "server", args);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
    port_ = server_->port();
  }
  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string Url() const { return "http://" + Address(); }
  std::filesystem::path PrimaryFile() const {
    return GetParam() == Primary::kEdgelite ? directory_ / "server/data/dbs/default/data"
                                            : directory_ / "server/data.sqld/dbs/default/data";
  }
  std::filesystem::path ReplicaFile() const { return directory_ / "replica.db"; }

  std::unique_ptr<Database> OpenReplica(SyncInterval interval = SyncInterval::Manual()) {
    OpenOptions options;
    options.path = ReplicaFile().string();
    options.sync_url = Url();
    options.sync_interval = interval;
    options.request_timeout = 5s;
    auto database = Database::Open(options);
    EXPECT_TRUE(database.ok()) << database.status().message();
    return database.ok() ? std::move(database).value() : nullptr;
  }
  std::unique_ptr<Connection> RemoteConnection() {
    OpenOptions options;
    options.url = Url();
    auto database = Database::Open(options);
    EXPECT_TRUE(database.ok()) << database.status().message();
    remote_ = std::move(database).value();
    auto connection = remote_->Connect();
    EXPECT_TRUE(connection.ok()) << connection.status().message();
    return std::move(connection).value();
  }
  static int64_t Count(Connection& connection, const std::string& table) {
    auto rows = connection.Execute("SELECT count(*) FROM " + table);
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    return rows.ok() ? std::get<int64_t>(rows->rows[0][0]) : -1;
  }

  std::filesystem::path directory_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Database> remote_;
  uint16_t port_ = 0;
};

TEST_P(SdkReplicaTest, WritesGoToThePrimaryAndAreReadLocallyAtOnce) {
  auto replica = OpenReplica();
  auto connection = replica->Connect();
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  Connection& db = **connection;
  ASSERT_TRUE(db.Execute("CREATE TABLE t(id INTEGER PRIMARY KEY, i, r, s, b, n)").ok());
  const std::vector<Value> values = {int64_t{std::numeric_limits<int64_t>::min()}, -0.5,
                                     std::string("héllo \0 wörld", 14),
                                     Blob{std::string("\0\x01\xff", 3)}, Null{}};
  auto inserted = db.Execute("INSERT INTO t(i, r, s, b, n) VALUES (?, ?, ?, ?, ?)",
                             Params{values[0], values[1], values[2], values[3], values[4]});
  ASSERT_TRUE(inserted.ok()) << inserted.status().message();
  EXPECT_EQ(inserted->rows_affected, 1u);
  EXPECT_EQ(inserted->last_insert_rowid, 1);
  // Read-your-writes: the very next read, local, sees the row.
  auto rows = db.Execute("SELECT i, r, s, b, n FROM t WHERE id = :id", Params{});
  EXPECT_FALSE(rows.ok());  // :id unbound
  Params by_id;
  by_id.named = {{"id", int64_t{1}}};
  rows = db.Execute("SELECT i, r, s, b, n FROM t WHERE id = :id", by_id);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0], values);
  ReplicaStatus status = replica->replica_status();
  ASSERT_TRUE(status.frame_no.has_value());
  EXPECT_TRUE(status.last_error.ok()) << status.last_error.message();
  EXPECT_EQ(status.frame_lag, 0u);
  // Errors from the primary keep SQLite's code.
  auto duplicate = db.Execute("INSERT INTO t(id) VALUES (1)");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().kind(), ErrorKind::kSqlError);
  EXPECT_NE(duplicate.status().message().find("SQLITE_CONSTRAINT"), std::string::npos)
      << duplicate.status().message();
  // And another process reads the same rows with plain sqlite3.
  EXPECT_EQ(Sqlite3Cli(ReplicaFile(), "SELECT count(*) FROM t"), "1\n");
}

TEST_P(SdkReplicaTest, InteractiveTransactionsRunOnThePrimary) {
  auto replica = OpenReplica();
  auto connection = replica->Connect();
  ASSERT_TRUE(connection.ok());
  Connection& db = **connection;
  ASSERT_TRUE(db.ExecuteScript("CREATE TABLE t(x); INSERT INTO t VALUES (1);").ok());
  ASSERT_TRUE(db.Execute("BEGIN").ok());
  EXPECT_FALSE(db.is_autocommit());
  ASSERT_TRUE(db.Execute("INSERT INTO t VALUES (2)").ok());
  EXPECT_EQ(Count(db, "t"), 2);  // inside the transaction: read on the primary
  ASSERT_TRUE(db.Execute("ROLLBACK").ok());
  EXPECT_TRUE(db.is_autocommit());
  EXPECT_EQ(Count(db, "t"), 1);
  ASSERT_TRUE(db.Execute("BEGIN IMMEDIATE").ok());
  ASSERT_TRUE(db.Execute("INSERT INTO t VALUES (3)").ok());
  ASSERT_TRUE(db.Execute("COMMIT").ok());
  EXPECT_EQ(Count(db, "t"), 2);  // committed, and synced before COMMIT returned
}

TEST_P(SdkReplicaTest, AReopenedReplicaResumesWhereItStopped) {
  auto writer = RemoteConnection();
  ASSERT_TRUE(writer->ExecuteScript("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);").ok());
  uint64_t first_position = 0;
  {
    auto replica = OpenReplica();
    auto synced = replica->Sync();
    ASSERT_TRUE(synced.ok()) << synced.status().message();
    EXPECT_GT(synced->frames_synced, 0u);
    first_position = synced->frame_no.value();
    auto again = replica->Sync();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->frames_synced, 0u);
    EXPECT_EQ(again->frame_no, first_position);
  }
  ASSERT_TRUE(writer->Execute("INSERT INTO t VALUES (3)").ok());
  auto replica = OpenReplica();
  ASSERT_EQ(replica->replica_status().frame_no, first_position);
  auto synced = replica->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_GT(synced->frames_synced, 0u);
  EXPECT_LT(synced->frames_synced, 10u);  // only the new transaction
  auto connection = replica->Connect();
  EXPECT_EQ(Count(**connection, "t"), 3);
}

TEST_P(SdkReplicaTest, TheReplicaFileEqualsThePrimarysAfterCheckpoints) {
  auto writer = RemoteConnection();
  ASSERT_TRUE(writer->Execute("CREATE TABLE t(x, y)").ok());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(writer->Execute("INSERT INTO t VALUES (?, randomblob(3000))", {int64_t{i}}).ok());
  }
  ASSERT_TRUE(writer->Execute("DELETE FROM t WHERE x % 3 = 0").ok());
  {
    auto replica = OpenReplica();
    ASSERT_TRUE(replica->Sync().ok());
  }
  server_->Stop();
  Sqlite3Cli(PrimaryFile(), "PRAGMA wal_checkpoint(TRUNCATE)");
  Sqlite3Cli(ReplicaFile(), "PRAGMA wal_checkpoint(TRUNCATE)");
  std::string primary = ReadFile(PrimaryFile());
  std::string replica = ReadFile(ReplicaFile());
  EXPECT_GT(primary.size(), 100'000u);
  EXPECT_TRUE(primary == replica) << "primary " << primary.size() << " bytes, replica "
                                  << replica.size() << " bytes";
  EXPECT_EQ(Sqlite3Cli(ReplicaFile(), "PRAGMA integrity_check"), "ok\n");
}

// A backlog of thousands of frames streams (LogEntries) instead of going batch by batch: the
// primary's transactions, large and small, arrive grouped into fewer replica transactions, and
// the file still ends up equal to the primary's.
TEST_P(SdkReplicaTest, ALongBacklogStreamsInAndTheFileEqualsThePrimarys) {
  auto writer = RemoteConnection();
  ASSERT_TRUE(writer->ExecuteScript("CREATE TABLE big(x INTEGER PRIMARY KEY, y);"
                                    "CREATE TABLE small(x INTEGER PRIMARY KEY, y);")
                  .ok());
  auto replica = OpenReplica();
  ASSERT_TRUE(replica->Sync().ok());
  for (int round = 0; round < 6; ++round) {
    // About 1,000 pages in one transaction, then small ones.
    ASSERT_TRUE(writer
                    ->Execute("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                              "WHERE n < 1000) INSERT INTO big(y) SELECT randomblob(3500) FROM c")
                    .ok());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(writer->Execute("INSERT INTO small(y) VALUES (?)", {int64_t{i}}).ok());
    }
  }
  ASSERT_TRUE(writer->Execute("DELETE FROM big WHERE x % 4 = 0").ok());
  auto synced = replica->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_GT(synced->frames_synced, 4096u);
  auto reader = replica->Connect();
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(Count(**reader, "big"), 4500);
  EXPECT_EQ(Count(**reader, "small"), 120);
  // A short backlog after it comes in a batch, from where the stream stopped.
  ASSERT_TRUE(writer->Execute("INSERT INTO small(y) VALUES ('last')").ok());
  ASSERT_TRUE(replica->Sync().ok());
  EXPECT_EQ(Count(**reader, "small"), 121);
  EXPECT_EQ(replica->replica_status().frame_lag, 0u);
  reader->reset();
  replica.reset();
  server_->Stop();
  Sqlite3Cli(PrimaryFile(), "PRAGMA wal_checkpoint(TRUNCATE)");
  Sqlite3Cli(ReplicaFile(), "PRAGMA wal_checkpoint(TRUNCATE)");
  std::string primary = ReadFile(PrimaryFile());
  std::string copy = ReadFile(ReplicaFile());
  EXPECT_TRUE(primary == copy) << "primary " << primary.size() << " bytes, replica " << copy.size()
                               << " bytes";
  EXPECT_EQ(Sqlite3Cli(ReplicaFile(), "PRAGMA integrity_check"), "ok\n");
}

TEST_P(SdkReplicaTest, OfflineReadsWorkWritesFailAtOnceAndSyncResumes) {
  auto replica = OpenReplica(SyncInterval::Every(100ms));
  auto connection = replica->Connect();
  ASSERT_TRUE(connection.ok());
  Connection& db = **connection;
  ASSERT_TRUE(db.ExecuteScript("CREATE TABLE t(x); INSERT INTO t VALUES (1);").ok());
  server_->Stop();
  EXPECT_EQ(Count(db, "t"), 1);
  auto started = std::chrono::steady_clock::now();
  auto write = db.Execute("INSERT INTO t VALUES (2)");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.status().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(write.status().message().find("primary is unreachable"), std::string::npos)
      << write.status().message();
  EXPECT_NE(write.status().message().find(Address()), std::string::npos)
      << write.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(replica->replica_status().last_error.ok());

  StartPrimary({});
  auto writer = RemoteConnection();
  ASSERT_TRUE(writer->Execute("INSERT INTO t VALUES (3)").ok());
  // The background sync finds the primary again by itself.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (Count(db, "t") != 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(Count(db, "t"), 2);
  EXPECT_TRUE(replica->replica_status().last_error.ok());
  ASSERT_TRUE(db.Execute("INSERT INTO t VALUES (4)").ok());
  EXPECT_EQ(Count(db, "t"), 3);
}

TEST_P(SdkReplicaTest, ANewLogLineageIsSyncedFromTheStart) {
  {
    auto writer = RemoteConnection();
    ASSERT_TRUE(writer->ExecuteScript("CREATE TABLE old(x); INSERT INTO old VALUES (1);").ok());
  }
  auto replica = OpenReplica();
  ASSERT_TRUE(replica->Sync().ok());
  // The primary loses its data and starts a new lineage where the replica expects it.
  server_->Stop();
  std::filesystem::remove_all(directory_ / "server");
  std::filesystem::create_directories(directory_ / "server");
  StartPrimary({});
  auto writer = RemoteConnection();
  ASSERT_TRUE(writer->ExecuteScript("CREATE TABLE fresh(x); INSERT INTO fresh VALUES (7);").ok());
  auto synced = replica->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  auto connection = replica->Connect();
  EXPECT_EQ(Count(**connection, "fresh"), 1);
  EXPECT_FALSE((*connection)->Execute("SELECT * FROM old").ok());
  EXPECT_EQ(Sqlite3Cli(ReplicaFile(), "PRAGMA integrity_check"), "ok\n");
}

TEST_P(SdkReplicaTest, LiveSyncDeliversCommitsAndSurvivesAPrimaryRestart) {
  auto replica = OpenReplica(SyncInterval::Live());
  auto writer = RemoteConnection();
  ASSERT_TRUE(writer->Execute("CREATE TABLE t(x)").ok());
  auto connection = replica->Connect();
  auto wait_for = [&](int64_t rows) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto count = (*connection)->Execute("SELECT count(*) FROM t");
      if (count.ok() && std::get<int64_t>(count->rows[0][0]) == rows) return true;
      replica->WaitForChange(std::nullopt, 100ms);
    }
    return false;
  };
  std::atomic<uint64_t> heard{0};
  replica->SetChangeListener([&](uint64_t frame_no) { heard = frame_no; });
  ASSERT_TRUE(writer->Execute("INSERT INTO t VALUES (1)").ok());
  EXPECT_TRUE(wait_for(1));
  EXPECT_GT(heard.load(), 0u);
  server_->Stop();
  StartPrimary({});
  writer = RemoteConnection();
  ASSERT_TRUE(writer->Execute("INSERT INTO t VALUES (2)").ok());
  EXPECT_TRUE(wait_for(2)) << replica->replica_status().last_error.message();
}

// --- Readers while the replica applies -------------------------------------------------------

// The bank of the reader tests: transfers keep the sum of the balances, and each one counts itself
// in `counter`, so every snapshot a reader gets must show the same sum and a count that never goes
// back. Padding transactions (blobs of up to 1 MB, and deletes of old ones) make the frames that
// push the replica's WAL past its checkpoint bounds.
constexpr int64_t kReaderAccounts = 50;
constexpr int64_t kReaderBalance = 1000;
constexpr const char* kReaderQuery =
    "SELECT (SELECT sum(balance) FROM accounts), (SELECT n FROM counter)";
// The SDK checkpoints PASSIVE past 1000 frames and TRUNCATE past 10000 (replica_sync.h), after
// each applied batch: a batch of BatchLogEntries is at most 1024 frames (sqld's and edgelite's
// limit) plus the rest of its last transaction (a padding transaction here is at most ~260 frames
// of 4120 bytes). So the WAL never holds much more than 10000 frames and two batches; before a
// TRUNCATE empties it, WAL restarts reuse it from the start without shrinking the file.
constexpr uint64_t kMaxReplicaWalBytes = (10'000 + 2 * (1024 + 260)) * uint64_t(4096 + 24);
// Frames the replica applies during a reader test at least: well past that bound (20000 frames
// are 82 MB), so that a WAL that kept growing would exceed it.
constexpr uint64_t kReaderTestFrames = 20'000;
constexpr auto kReaderTestMinTime = 3s;
constexpr auto kReaderTestMaxTime = 90s;

// Reads the replica with the sqlite3 tool in a loop of processes, each running a script of many
// reads (each its own read transaction) without a busy timeout: any "database is locked", a wrong
// sum or a counter going back is recorded.
class CliReader {
 public:
  CliReader(std::filesystem::path database, std::filesystem::path script)
      : database_(std::move(database)), script_(std::move(script)) {
    std::ofstream out(script_);
    for (int i = 0; i < 200; ++i) out << kReaderQuery << ";\n";
    out.close();
    thread_ = std::thread([this] { Run(); });
  }
  ~CliReader() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int processes() const { return processes_; }
  int64_t reads() const { return reads_; }
  int64_t distinct_counts() const { return distinct_; }
  std::string failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

 private:
  void Fail(std::string message) {
    std::lock_guard lock(mutex_);
    if (failure_.empty()) failure_ = std::move(message);
  }
  void Run() {
    int64_t last = -1;
    while (!stop_) {
      std::string command =
          "sqlite3 '" + database_.string() + "' < '" + script_.string() + "' 2>&1";
      FILE* pipe = ::popen(command.c_str(), "r");
      if (!pipe) return Fail("popen failed");
      std::string output;
      char buffer[4096];
      while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
      int status = ::pclose(pipe);
      ++processes_;
      if (status != 0)
        Fail("the sqlite3 tool exited with " + std::to_string(status) + ": " + output);
      std::istringstream lines(output);
      for (std::string line; std::getline(lines, line);) {
        size_t bar = line.find('|');
        int64_t sum = -1, n = -1;
        try {
          if (bar != std::string::npos) {
            sum = std::stoll(line.substr(0, bar));
            n = std::stoll(line.substr(bar + 1));
          }
        } catch (const std::exception&) {
          sum = -1;
        }
        if (sum != kReaderAccounts * kReaderBalance || n < last) {
          Fail("the sqlite3 tool read \"" + line + "\" (after a count of " + std::to_string(last) +
               ")");
          continue;
        }
        if (n != last) ++distinct_;
        last = n;
        ++reads_;
      }
    }
  }

  std::filesystem::path database_, script_;
  std::atomic<bool> stop_{false};
  std::atomic<int> processes_{0};
  std::atomic<int64_t> reads_{0}, distinct_{0};
  mutable std::mutex mutex_;
  std::string failure_;
  std::thread thread_;
};

// The primary's side of the reader tests: writers on threads of their own, each with its own
// remote connection, until stopped.
class ReaderTestWriters {
 public:
  explicit ReaderTestWriters(const std::string& url) {
    threads_.emplace_back([this, url] { Transfers(url); });
    threads_.emplace_back([this, url] { Padding(url); });
  }
  ~ReaderTestWriters() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int64_t transfers() const { return transfers_; }
  int64_t busy() const { return busy_; }
  std::string failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

 private:
  static std::unique_ptr<Database> Remote(const std::string& url) {
    OpenOptions options;
    options.url = url;
    auto database = Database::Open(options);
    return database.ok() ? std::move(database).value() : nullptr;
  }
  void Fail(const std::string& what, const Status& status) {
    std::lock_guard lock(mutex_);
    if (failure_.empty()) failure_ = what + ": " + status.message();
    stop_ = true;
  }
  // Three of four transfers are one INSERT whose trigger moves the money and counts; the fourth is
  // an interactive transaction doing the same by hand. sqld answers SQLITE_BUSY to a write while
  // another connection's transaction holds the lock: such a transfer is rolled back and retried,
  // as an application would.
  static bool Busy(const Status& status) {
    return status.message().find("SQLITE_BUSY") != std::string::npos;
  }
  void Transfers(const std::string& url) {
    auto database = Remote(url);
    auto connection =
        database ? database->Connect()
                 : Result<std::unique_ptr<Connection>>(Status::Internal("no remote database"));
    if (!connection.ok()) return Fail("connect", connection.status());
    Connection& db = **connection;
    std::mt19937 random(7);
    std::uniform_int_distribution<int64_t> account(1, kReaderAccounts), amount(1, 20);
    for (int64_t i = 0; !stop_; ++i) {
      int64_t from = account(random), to = account(random), moved = amount(random);
      Status status;
      if (i % 4 != 3) {
        auto inserted =
            db.Execute("INSERT INTO transfers(a, b, amount) VALUES (?, ?, ?)", {from, to, moved});
        status = inserted.ok() ? Status::Ok() : inserted.status();
      } else {
        status = db.ExecuteScript("BEGIN");
        if (status.ok()) {
          auto out =
              db.Execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", {moved, from});
          auto in =
              db.Execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", {moved, to});
          status = !out.ok() ? out.status() : !in.ok() ? in.status() : Status::Ok();
        }
        if (status.ok()) status = db.ExecuteScript("UPDATE counter SET n = n + 1; COMMIT");
        if (!status.ok() && !db.is_autocommit()) (void)db.Execute("ROLLBACK");
      }
      if (Busy(status)) {
        ++busy_;
        std::this_thread::sleep_for(2ms);
        continue;
      }
      if (!status.ok()) return Fail(i % 4 != 3 ? "transfer" : "interactive transfer", status);
      ++transfers_;
    }
  }
  void Padding(const std::string& url) {
    auto database = Remote(url);
    auto connection =
        database ? database->Connect()
                 : Result<std::unique_ptr<Connection>>(Status::Internal("no remote database"));
    if (!connection.ok()) return Fail("connect", connection.status());
    Connection& db = **connection;
    std::mt19937 random(8);
    std::uniform_int_distribution<int64_t> bytes(100'000, 1'000'000);
    // Enough for the test (with the frames of the transfers), and no more: a primary that
    // commits far faster than the replica applies would only make the test longer.
    int64_t budget = int64_t(kReaderTestFrames) * 4096;
    for (int64_t i = 0; !stop_ && budget > 0; ++i) {
      int64_t size = bytes(random);
      auto inserted = db.Execute("INSERT INTO padding(data) VALUES (randomblob(?))", {size});
      if (!inserted.ok() && Busy(inserted.status())) {
        ++busy_;
        std::this_thread::sleep_for(2ms);
        continue;
      }
      if (!inserted.ok()) return Fail("padding", inserted.status());
      budget -= size;
      if (i % 3 == 2) {
        auto deleted =
            db.Execute("DELETE FROM padding WHERE id < (SELECT max(id) - 4 FROM padding)");
        if (!deleted.ok() && !Busy(deleted.status())) {
          return Fail("padding delete", deleted.status());
        }
      }
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int64_t> transfers_{0};
  std::atomic<int64_t> busy_{0};  // writes the primary refused with SQLITE_BUSY, retried
  mutable std::mutex mutex_;
  std::string failure_;
  std::vector<std::thread> threads_;
};

// A reader on a connection of its own from the replica's Database, checking every read.
struct ReplicaReader {
  std::thread thread;
  int64_t reads = 0;
  int64_t distinct_counts = 0;
  std::string failure;
};

class SdkReplicaReaderTest : public SdkReplicaTest {
 protected:
  void RunReadersWhileTheReplicaApplies(SyncInterval interval) {
    auto writer = RemoteConnection();
    ASSERT_TRUE(writer
                    ->ExecuteScript(
                        "CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);"
                        "CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
                        "CREATE TABLE transfers(a INTEGER, b INTEGER, amount INTEGER);"
                        "CREATE TABLE padding(id INTEGER PRIMARY KEY, data BLOB);"
                        "CREATE TRIGGER transfer AFTER INSERT ON transfers BEGIN"
                        " UPDATE accounts SET balance = balance - NEW.amount WHERE id = NEW.a;"
                        " UPDATE accounts SET balance = balance + NEW.amount WHERE id = NEW.b;"
                        " UPDATE counter SET n = n + 1; END;"
                        "INSERT INTO counter VALUES (1, 0);")
                    .ok());
    auto seeded = writer->Execute(
        "WITH RECURSIVE a(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM a WHERE i < ?) "
        "INSERT INTO accounts SELECT i, ? FROM a",
        {kReaderAccounts, kReaderBalance});
    ASSERT_TRUE(seeded.ok()) << seeded.status().message();

    auto replica = OpenReplica(interval);
    ASSERT_TRUE(replica);
    auto first = replica->Sync();
    ASSERT_TRUE(first.ok()) << first.status().message();
    const uint64_t start_frame = first->frame_no.value();

    std::atomic<bool> stop{false};
    std::vector<ReplicaReader> readers(3);
    for (ReplicaReader& reader : readers) {
      reader.thread = std::thread([&replica, &stop, &reader] {
        auto connection = replica->Connect();
        if (!connection.ok()) {
          reader.failure = "connect: " + connection.status().message();
          return;
        }
        int64_t last = -1;
        while (!stop) {
          auto rows = (*connection)->Execute(kReaderQuery);
          if (!rows.ok()) {
            reader.failure =
                "read " + std::to_string(reader.reads) + ": " + rows.status().message();
            return;
          }
          int64_t sum = std::get<int64_t>(rows->rows.at(0).at(0));
          int64_t n = std::get<int64_t>(rows->rows.at(0).at(1));
          if (sum != kReaderAccounts * kReaderBalance || n < last) {
            reader.failure = "read " + std::to_string(reader.reads) + " saw a sum of " +
                             std::to_string(sum) + " and a count of " + std::to_string(n) +
                             " (after " + std::to_string(last) + ")";
            return;
          }
          if (n != last) ++reader.distinct_counts;
          last = n;
          ++reader.reads;
        }
      });
    }
    CliReader cli(ReplicaFile(), directory_ / "reads.sql");
    ReaderTestWriters writers(Url());

    const std::filesystem::path wal = ReplicaFile().string() + "-wal";
    uintmax_t largest_wal = 0;
    auto started = std::chrono::steady_clock::now();
    uint64_t applied = 0;
    while (true) {
      std::this_thread::sleep_for(10ms);
      std::error_code error;
      uintmax_t size = std::filesystem::file_size(wal, error);
      if (!error) largest_wal = std::max(largest_wal, size);
      applied = replica->replica_status().frame_no.value_or(start_frame) - start_frame;
      auto elapsed = std::chrono::steady_clock::now() - started;
      if (!writers.failure().empty() || elapsed >= kReaderTestMaxTime) break;
      if (applied >= kReaderTestFrames && elapsed >= kReaderTestMinTime) break;
    }
    writers.Stop();
    EXPECT_EQ(writers.failure(), "");
    auto last = replica->Sync();
    EXPECT_TRUE(last.ok()) << last.status().message();
    std::this_thread::sleep_for(200ms);  // the readers see the last state
    stop = true;
    for (ReplicaReader& reader : readers) reader.thread.join();
    cli.Stop();
    auto elapsed = std::chrono::steady_clock::now() - started;

    std::error_code error;
    uintmax_t final_wal = std::filesystem::file_size(wal, error);
    applied = replica->replica_status().frame_no.value_or(start_frame) - start_frame;
    std::cout << "applied " << applied << " frames (" << writers.transfers() << " transfers, "
              << writers.busy() << " writes retried after SQLITE_BUSY) in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
              << " ms; reads:";
    for (const ReplicaReader& reader : readers) {
      std::cout << " " << reader.reads << " (" << reader.distinct_counts << " states)";
    }
    std::cout << ", sqlite3 tool " << cli.reads() << " in " << cli.processes() << " processes ("
              << cli.distinct_counts() << " states); WAL largest " << largest_wal
              << " bytes, at the end " << final_wal << " bytes\n";

    for (const ReplicaReader& reader : readers) {
      EXPECT_EQ(reader.failure, "");
      EXPECT_GT(reader.reads, 100);
      EXPECT_GT(reader.distinct_counts, 10) << "the reader saw few applies";
    }
    EXPECT_EQ(cli.failure(), "");
    EXPECT_GT(cli.reads(), 200);
    EXPECT_GT(cli.distinct_counts(), 2);
    EXPECT_GE(applied, kReaderTestFrames) << "the run was too short to show a bounded WAL";
    EXPECT_LE(final_wal, kMaxReplicaWalBytes) << "the replica's WAL at the end";
    EXPECT_LE(largest_wal, kMaxReplicaWalBytes) << "the replica's WAL during the run";

    // The replica ends where the primary is.
    auto connection = replica->Connect();
    ASSERT_TRUE(connection.ok());
    auto local = (*connection)->Execute(kReaderQuery);
    auto remote = writer->Execute(kReaderQuery);
    ASSERT_TRUE(local.ok() && remote.ok());
    EXPECT_EQ(local->rows, remote->rows);
    EXPECT_EQ(Sqlite3Cli(ReplicaFile(), "PRAGMA integrity_check"), "ok\n");
  }
};

TEST_P(SdkReplicaReaderTest, ReadersSeeWholeTransactionsWhileLiveSyncApplies) {
  RunReadersWhileTheReplicaApplies(SyncInterval::Live());
}

TEST_P(SdkReplicaReaderTest, ReadersSeeWholeTransactionsWhilePeriodicSyncApplies) {
  RunReadersWhileTheReplicaApplies(SyncInterval::Every(20ms));
}

INSTANTIATE_TEST_SUITE_P(Primaries, SdkReplicaReaderTest,
                         testing::Values(Primary::kEdgelite, Primary::kSqld), PrimaryName);

// --- Opening and closing ---------------------------------------------------------------------

TEST_P(SdkReplicaTest, AReplicaOnADatabaseThatIsNotOneFailsWithAClearError) {
  ASSERT_EQ(Sqlite3Cli(ReplicaFile(), "CREATE TABLE mine(x); INSERT INTO mine VALUES (42);"), "");
  const std::string before = ReadFile(ReplicaFile());
  OpenOptions options;
  options.path = ReplicaFile().string();
  options.sync_url = Url();
  auto database = Database::Open(options);
  ASSERT_FALSE(database.ok()) << "a replica opened on an application's own database";
  EXPECT_EQ(database.status().kind(), ErrorKind::kInvalidArgument);
  const std::string& message = database.status().message();
  EXPECT_NE(message.find(ReplicaFile().string()), std::string::npos) << message;
  EXPECT_NE(message.find("not an embedded replica"), std::string::npos) << message;
  // The database is left exactly as it was: not switched to WAL, nothing written beside it.
  EXPECT_TRUE(ReadFile(ReplicaFile()) == before);
  for (const char* suffix : {"-wal", "-shm", "-client_wal_index"}) {
    EXPECT_FALSE(std::filesystem::exists(ReplicaFile().string() + suffix)) << suffix;
  }
  EXPECT_EQ(Sqlite3Cli(ReplicaFile(), "SELECT x FROM mine"), "42\n");
}

// The same for databases of a page or two: one with 1024-byte pages and a table, and one of a
// single page that holds only settings (user_version, application_id). Each must be refused
// before anything touches it, as the larger one above is.
TEST_P(SdkReplicaTest, ASmallDatabaseThatIsNotAReplicaIsRefusedUntouched) {
  const std::vector<std::pair<std::string, std::string>> databases = {
      {"small-pages.db",
       "PRAGMA page_size = 1024; CREATE TABLE mine(x); INSERT INTO mine VALUES (42);"},
      {"one-page.db", "PRAGMA user_version = 7; PRAGMA application_id = 1234;"}};
  for (const auto& [name, sql] : databases) {
    SCOPED_TRACE(name);
    const std::filesystem::path path = directory_ / name;
    ASSERT_EQ(Sqlite3Cli(path, sql), "");
    const std::string before = ReadFile(path);
    OpenOptions options;
    options.path = path.string();
    options.sync_url = Url();
    auto database = Database::Open(options);
    if (database.ok()) {
      (void)(*database)->Sync();
      database = Status::Internal("opened");
    }
    EXPECT_NE(database.status().message().find("not an embedded replica"), std::string::npos)
        << database.status().message();
    EXPECT_TRUE(ReadFile(path) == before) << "the application's database was modified";
    EXPECT_EQ(Sqlite3Cli(path, "PRAGMA journal_mode; PRAGMA user_version"),
              name == "one-page.db" ? "delete\n7\n" : "delete\n0\n");
  }
}

// An application started while the primary is down opens its replica (reads of the empty file
// work) and must be able to open it again, and sync, once the primary is back.
TEST_P(SdkReplicaTest, AReplicaFirstOpenedWhileThePrimaryIsDownSyncsOnceItIsBack) {
  {
    auto writer = RemoteConnection();
    ASSERT_TRUE(writer->ExecuteScript("CREATE TABLE t(x); INSERT INTO t VALUES (1);").ok());
  }
  server_->Stop();
  {
    auto replica = OpenReplica();
    ASSERT_TRUE(replica);
    auto synced = replica->Sync();
    ASSERT_FALSE(synced.ok());
    EXPECT_EQ(synced.status().kind(), ErrorKind::kUnavailable) << synced.status().message();
  }
  StartPrimary({});
  OpenOptions options;
  options.path = ReplicaFile().string();
  options.sync_url = Url();
  options.request_timeout = 5s;
  auto replica = Database::Open(options);
  ASSERT_TRUE(replica.ok()) << "reopening a replica whose first open was offline: "
                            << replica.status().message();
  auto synced = (*replica)->Sync();
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  auto connection = (*replica)->Connect();
  ASSERT_TRUE(connection.ok());
  EXPECT_EQ(Count(**connection, "t"), 1);
}

// Closing an application must not hang on its replica's live stream, whatever the stream is
// doing: idle (the primary sends nothing), reconnecting to a primary that is gone, or delivering
// commits faster than the replica applies them (each applied transaction is synced to disk, the
// primary's commits are not), so that the stream has a backlog when the Database goes.
TEST_P(SdkReplicaTest, ADatabaseWithALiveStreamOpenIsDestroyedPromptly) {
  auto writer = RemoteConnection();
  ASSERT_TRUE(writer->Execute("CREATE TABLE t(x)").ok());
  auto wait_until_live = [](Database& replica) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!replica.replica_status().live && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    return replica.replica_status().live;
  };
  auto timed_destroy = [](std::unique_ptr<Database> replica) {
    auto started = std::chrono::steady_clock::now();
    replica.reset();
    return std::chrono::steady_clock::now() - started;
  };
  {
    // An idle stream.
    auto replica = OpenReplica(SyncInterval::Live());
    ASSERT_TRUE(wait_until_live(*replica)) << replica->replica_status().last_error.message();
    std::this_thread::sleep_for(1500ms);
    EXPECT_LT(timed_destroy(std::move(replica)), 2s) << "an idle live stream";
  }
  {
    // The primary gone: the stream retries with a growing pause.
    auto replica = OpenReplica(SyncInterval::Live());
    ASSERT_TRUE(wait_until_live(*replica)) << replica->replica_status().last_error.message();
    server_->Stop();
    std::this_thread::sleep_for(2500ms);
    EXPECT_LT(timed_destroy(std::move(replica)), 2s) << "a live replica whose primary is down";
    StartPrimary({});
    writer = RemoteConnection();
  }
  {
    // A stream with a backlog: writers commit small transactions as fast as they can.
    auto replica = OpenReplica(SyncInterval::Live());
    ASSERT_TRUE(wait_until_live(*replica)) << replica->replica_status().last_error.message();
    std::atomic<bool> stop{false};
    std::atomic<int64_t> written{0};
    std::vector<std::thread> writers;
    for (int i = 0; i < 3; ++i) {
      writers.emplace_back([&, url = Url()] {
        OpenOptions remote;
        remote.url = url;
        auto database = Database::Open(remote);
        if (!database.ok()) return;
        auto other = (*database)->Connect();
        if (!other.ok()) return;
        while (!stop) {
          if ((*other)->Execute("INSERT INTO t VALUES (randomblob(100))").ok()) ++written;
        }
      });
    }
    std::this_thread::sleep_for(1500ms);
    auto connection = replica->Connect();
    ASSERT_TRUE(connection.ok());
    int64_t applied = Count(**connection, "t");
    connection->reset();
    auto elapsed = timed_destroy(std::move(replica));
    stop = true;
    for (auto& thread : writers) thread.join();
    std::cout << "destroyed in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
              << " ms with " << applied << " of " << written.load() << " rows applied\n";
    EXPECT_LT(elapsed, 2s) << "a live stream delivering commits, " << applied << " of "
                           << written.load() << " rows applied when the Database was destroyed";
  }
}

INSTANTIATE_TEST_SUITE_P(Primaries, SdkReplicaTest,
                         testing::Values(Primary::kEdgelite, Primary::kSqld), PrimaryName);

// A local-mode database in a directory of its own, removed after the test.
class SdkLocalTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("edgelite-sdk-local-" + std::to_string(::getpid()) + "-" +
                  testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    auto database = Database::OpenLocal((directory_ / "local.db").string());
    ASSERT_TRUE(database.ok()) << database.status().message();
    database_ = std::move(database).value();
    auto connection = database_->Connect();
    ASSERT_TRUE(connection.ok());
    connection_ = std::move(connection).value();
  }
  void TearDown() override {
    connection_.reset();
    database_.reset();
    std::filesystem::remove_all(directory_);
  }

  std::filesystem::path directory_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(SdkLocalTest, ALocalFileRunsStatementsAndPreparedOnes) {
  {
    Connection& db = *connection_;
    ASSERT_TRUE(db.ExecuteScript("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);"
                                 "INSERT INTO t VALUES (1, 'one'), (2, 'two');")
                    .ok());
    auto statement = db.Prepare("SELECT v FROM t WHERE k = ?");
    ASSERT_TRUE(statement.ok());
    for (int64_t k : {1, 2, 1}) {
      auto rows = (*statement)->Execute({k});
      ASSERT_TRUE(rows.ok());
      EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), k == 1 ? "one" : "two");
    }
    EXPECT_EQ(db.Execute("SELECT 1; SELECT 2").status().kind(), ErrorKind::kSqlError);
    EXPECT_FALSE(database_->Sync().ok());  // not a replica
  }
}

TEST_F(SdkLocalTest, RowsReusedAcrossRunsHoldOnlyTheLatestResult) {
  {
    Connection& db = *connection_;
    ASSERT_TRUE(db.ExecuteScript("CREATE TABLE t(g INTEGER, v);"
                                 "INSERT INTO t VALUES (1, 10), (1, 'a long text that is not inline'),"
                                 "  (1, NULL), (2, x'00ff'), (3, 2.5);")
                    .ok());
    auto select = db.Prepare("SELECT v FROM t WHERE g = ? ORDER BY rowid");
    ASSERT_TRUE(select.ok());
    Rows rows;
    Params params{Value(int64_t(1))};
    ASSERT_TRUE((*select)->Execute(params, &rows).ok());
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows.rows[0][0], Value(int64_t(10)));
    EXPECT_EQ(rows.rows[1][0], Value(std::string("a long text that is not inline")));
    EXPECT_EQ(rows.rows[2][0], Value(Null{}));
    // Fewer rows, another type in a slot that held text, then none at all.
    params.positional[0] = int64_t(2);
    ASSERT_TRUE((*select)->Execute(params, &rows).ok());
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows.rows[0][0], Value(Blob{std::string("\0\xff", 2)}));
    params.positional[0] = int64_t(9);
    ASSERT_TRUE((*select)->Execute(params, &rows).ok());
    EXPECT_TRUE(rows.empty());
    ASSERT_EQ(rows.columns.size(), 1u);
    EXPECT_EQ(rows.columns[0].name, "v");
    // A write into the same Rows: its counts are the write's, not left from an earlier run.
    auto insert = db.Prepare("INSERT INTO t VALUES (?, ?)");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE((*insert)->Execute({Value(int64_t(4)), Value(int64_t(4))}, &rows).ok());
    EXPECT_EQ(rows.rows_affected, 1u);
    EXPECT_EQ(rows.last_insert_rowid, std::optional<int64_t>(6));
    EXPECT_TRUE(rows.columns.empty());
    params.positional[0] = int64_t(3);
    ASSERT_TRUE((*select)->Execute(params, &rows).ok());
    EXPECT_EQ(rows.rows_affected, 0u);
    EXPECT_FALSE(rows.last_insert_rowid.has_value());
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows.rows[0][0], Value(2.5));
    // A failing run reports its error.
    EXPECT_FALSE((*select)->Execute(Params{}, &rows).ok());
  }
}

}  // namespace
}  // namespace edgelite::integration
