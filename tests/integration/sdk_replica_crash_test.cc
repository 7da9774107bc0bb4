// Crash safety of the SDK's embedded replica as an application sees it: the application is killed
// with SIGKILL at random moments while the replica syncs, cycle after cycle, and the file must stay
// a consistent SQLite database that the SDK reopens and brings up to date.
//
// One edgelite primary (started once, with a small --max-log-size so that its log is compacted
// into snapshots now and then and replicas also apply snapshots) holds the bank workload of
// bank_invariant.h: transfers, transactions of a few MB of blobs, deletes that shrink the file
// (auto_vacuum = FULL), VACUUM, and DDL that creates, alters and drops tables. Each cycle the
// primary usually gets a backlog of new transactions, then a child process
// (edgelite_sdk_replica_child, linking only libedgelite.so) opens the replica and syncs (a Sync()
// loop, a live stream or a 5 ms interval) while a reader thread of its own checks the invariant,
// and is killed after a random delay, sometimes while this test keeps writing to the primary.
// After every kill:
// - the replica passes `PRAGMA integrity_check`, read by a fresh connection of this process or by
//   the `sqlite3` tool in another process (which, as the last connection, checkpoints the WAL and
//   deletes it when it closes), and a reader that stayed connected through the crash;
// - what they see keeps the invariant, and its transaction counter is not behind the state the
//   replica had converged to in the previous cycle;
// - the SDK reopens the replica and syncs, after which its database is the primary's, page for
//   page.
// At the end, with the primary stopped and both WALs checkpointed, the two files are equal byte
// for byte. EDGELITE_SDK_CRASH_CYCLES sets the number of kills (default 50; the soak script runs
// many more), EDGELITE_SDK_CRASH_SEED the random seed (default: a fresh one, printed).
#include <edgelite/database.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/sdk_replica_child/bank_invariant.h"
#include "integration/sdk_test_support.h"
#include "integration/server_process.h"

extern char** environ;

namespace edgelite::integration {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultCycles = 50;
// The largest random delay before a kill. A backlog of a few MB takes the child about this long
// to apply on a loaded 2-core machine; shorter delays land in its start-up and first handshake.
constexpr int kMaxKillDelayMs = 300;
// Blobs of the workload: a "large" transaction inserts 2..5 of these (1..4 MB).
constexpr int kMinBlobBytes = 400'000;
constexpr int kMaxBlobBytes = 800'000;
constexpr int kMaxBlobs = 14;  // beyond this, the workload deletes rather than inserts

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::atoi(value) : fallback;
}

// A plain SQLite connection of this process (not the SDK's), for checks.
class SqliteReader {
 public:
  explicit SqliteReader(const std::filesystem::path& path, bool read_only = true) {
    int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, "unix") != SQLITE_OK) {
      error_ = db_ ? sqlite3_errmsg(db_) : "out of memory";
    }
  }
  ~SqliteReader() { sqlite3_close_v2(db_); }
  SqliteReader(const SqliteReader&) = delete;
  SqliteReader& operator=(const SqliteReader&) = delete;

  // The first row of `sql`, NULLs as nullopt; an error as the Status.
  Result<std::vector<std::optional<std::string>>> Row(const std::string& sql) {
    if (!error_.empty()) return Status::Io(error_);
    sqlite3_stmt* statement = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr);
    std::vector<std::optional<std::string>> row;
    if (rc == SQLITE_OK) rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const unsigned char* text = sqlite3_column_text(statement, i);
        if (text) {
          row.emplace_back(reinterpret_cast<const char*>(text));
        } else {
          row.emplace_back();
        }
      }
      rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
    std::string message = rc == SQLITE_OK ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    if (rc != SQLITE_OK) return Status::SqlError(sql + ": " + message);
    return row;
  }
  std::string Text(const std::string& sql) {
    auto row = Row(sql);
    if (!row.ok()) return "error: " + row.status().message();
    if (row->empty() || !(*row)[0]) return "NULL";
    return *(*row)[0];
  }
  // The database as one read transaction shows it, every page (sqlite3_serialize).
  Result<std::string> Image() {
    if (!error_.empty()) return Status::Io(error_);
    sqlite3_int64 size = 0;
    unsigned char* bytes = sqlite3_serialize(db_, "main", &size, 0);
    if (!bytes) return Status::Io(std::string("sqlite3_serialize: ") + sqlite3_errmsg(db_));
    std::string image(reinterpret_cast<const char*>(bytes), size_t(size));
    sqlite3_free(bytes);
    return image;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

// What a reader saw: an empty database (nothing applied yet), or the invariant's counter.
struct Observation {
  bool empty = false;
  int64_t n = -1;
};

// Parses one `|`-separated line (the sqlite3 tool's output) or takes a row of text values, and
// checks the invariant. Returns what is wrong in `error`.
Observation CheckRow(const std::vector<std::optional<std::string>>& text, std::string* error) {
  std::vector<std::optional<int64_t>> row;
  for (const auto& value : text) {
    if (value) {
      row.push_back(std::stoll(*value));
    } else {
      row.push_back(std::nullopt);
    }
  }
  Observation seen;
  *error = CheckBankInvariant(row, &seen.n);
  return seen;
}

Observation Observe(SqliteReader& reader, std::string* error) {
  Observation seen;
  std::string schema = reader.Text(kBankSchemaSql);
  if (schema == "0") {
    seen.empty = reader.Text("SELECT count(*) FROM sqlite_schema") == "0";
    if (!seen.empty) *error = "the replica has tables, but not the workload's";
    return seen;
  }
  if (schema != "1") {
    *error = "schema probe: " + schema;
    return seen;
  }
  auto row = reader.Row(kBankInvariantSql);
  if (!row.ok()) {
    *error = row.status().message();
    return seen;
  }
  return CheckRow(*row, error);
}

// The same through the sqlite3 tool: integrity_check, then the invariant, in one process.
Observation ObserveWithCli(const std::filesystem::path& path, std::string* integrity,
                           std::string* error) {
  std::string out = Sqlite3Cli(path, std::string("PRAGMA integrity_check; ") + kBankSchemaSql +
                                         "; SELECT count(*) FROM sqlite_schema;");
  std::istringstream lines(out);
  std::string schema, tables;
  std::getline(lines, *integrity);
  std::getline(lines, schema);
  std::getline(lines, tables);
  Observation seen;
  if (schema == "0" && tables == "0") {
    seen.empty = true;
    return seen;
  }
  if (schema != "1") {
    *error = "the sqlite3 tool printed: " + out;
    return seen;
  }
  out = Sqlite3Cli(path, std::string(kBankInvariantSql) + ";");
  if (!out.empty() && out.back() == '\n') out.pop_back();
  std::vector<std::optional<std::string>> row;
  std::istringstream fields(out);
  for (std::string field; std::getline(fields, field, '|');) {
    if (field.empty() || !(std::isdigit(static_cast<unsigned char>(field[0])) || field[0] == '-')) {
      *error = "the sqlite3 tool printed: " + out;
      return seen;
    }
    row.emplace_back(field);
  }
  return CheckRow(row, error);
}

// The bank workload, written to the primary through the SDK's remote mode. Each call is one
// transaction that keeps the invariant (VACUUM aside, which changes no row).
class BankWorkload {
 public:
  BankWorkload(const std::string& url, uint64_t seed) : random_(seed) {
    OpenOptions options;
    options.url = url;
    options.request_timeout = 30s;
    auto database = Database::Open(options);
    if (!database.ok()) {
      error_ = database.status();
      return;
    }
    database_ = std::move(database).value();
    auto connection = database_->Connect();
    if (!connection.ok()) {
      error_ = connection.status();
      return;
    }
    db_ = std::move(connection).value();
  }

  Status Setup() {
    if (!error_.ok()) return error_;
    // Deletes shrink the file from the first commit on (the setting has to precede the tables).
    if (auto set = db_->Execute("PRAGMA auto_vacuum = FULL"); !set.ok()) return set.status();
    return InTransaction([&]() -> Status {
      return db_->ExecuteScript(
          "CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);"
          "CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL,"
          " blobs INTEGER NOT NULL, extras INTEGER NOT NULL);"
          "CREATE TABLE history(seq INTEGER PRIMARY KEY, kind TEXT NOT NULL);"
          "CREATE TABLE blobs(id INTEGER PRIMARY KEY, data BLOB NOT NULL);"
          "WITH RECURSIVE a(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM a WHERE i < " +
          std::to_string(kBankAccounts) + ") INSERT INTO accounts SELECT i, " +
          std::to_string(kBankInitialBalance) +
          " FROM a;"
          "INSERT INTO state VALUES (1, 0, 0, 0);");
    });
  }

  // One random transaction of the mix.
  Status Step() {
    if (!error_.ok()) return error_;
    int dice = Uniform(0, 99);
    if (dice < 60) return Transfer();
    if (dice < 75) return LargeStep();

    if (dice < 85) return DeleteBlobs();
    if (dice < 96) return Ddl();
    return Vacuum();
  }

  // A large transaction: blobs inserted, or (past kMaxBlobs) deleted.
  Status LargeStep() {
    // Whoever wrote them: the background writers' workloads add blobs too.
    auto blobs = db_->Execute("SELECT blobs FROM state");
    if (!blobs.ok()) return blobs.status();
    return std::get<int64_t>(blobs->rows.at(0).at(0)) < kMaxBlobs ? InsertBlobs() : DeleteBlobs();
  }

  Status Transfer() {
    int64_t from = Uniform(1, kBankAccounts), to = Uniform(1, kBankAccounts);
    int64_t amount = Uniform(1, 50);
    return Counted("transfer", [&]() -> Status {
      if (auto r = db_->Execute("UPDATE accounts SET balance = balance - ? WHERE id = ?",
                                {amount, from});
          !r.ok()) {
        return r.status();
      }
      auto r = db_->Execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", {amount, to});
      return r.ok() ? Status::Ok() : r.status();
    });
  }

  // A large transaction: 2..5 blobs of 400..800 KB, and a few transfers with them.
  Status InsertBlobs() {
    int64_t count = Uniform(2, 5);
    int64_t bytes = Uniform(kMinBlobBytes, kMaxBlobBytes);
    Status status = Counted("blobs", [&]() -> Status {
      auto inserted = db_->Execute(
          "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < ?) "
          "INSERT INTO blobs(data) SELECT randomblob(?) FROM r",
          {count, bytes});
      if (!inserted.ok()) return inserted.status();
      auto counted = db_->Execute("UPDATE state SET blobs = blobs + ?", {count});
      if (!counted.ok()) return counted.status();
      auto moved = db_->Execute(
          "UPDATE accounts SET balance = balance + CASE WHEN id % 2 = 0 THEN 7 ELSE -7 END");
      return moved.ok() ? Status::Ok() : moved.status();
    });
    return status;
  }

  // Deletes the oldest blobs: with auto_vacuum = FULL the commit shrinks the database.
  Status DeleteBlobs() {
    int64_t count = Uniform(1, 4);
    int64_t deleted = 0;
    Status status = Counted("delete", [&]() -> Status {
      auto removed = db_->Execute(
          "DELETE FROM blobs WHERE id IN (SELECT id FROM blobs ORDER BY id LIMIT ?)", {count});
      if (!removed.ok()) return removed.status();
      deleted = int64_t(removed->rows_affected);
      auto counted = db_->Execute("UPDATE state SET blobs = blobs - ?", {deleted});
      return counted.ok() ? Status::Ok() : counted.status();
    });
    return status;
  }

  // Schema changes: a new table with an index and rows, or an added column, or a dropped table.
  Status Ddl() {
    return Counted("ddl", [&]() -> Status {
      auto oldest = db_->Execute(
          "SELECT name, (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE "
          "'extra\\_%' ESCAPE '\\') FROM sqlite_schema WHERE type = 'table' AND name LIKE "
          "'extra\\_%' ESCAPE '\\' ORDER BY name LIMIT 1");
      if (!oldest.ok()) return oldest.status();
      int64_t tables = oldest->rows.empty() ? 0 : std::get<int64_t>(oldest->rows[0][1]);
      int dice = Uniform(0, 2);
      if (tables > 0 && (dice == 0 || tables >= 4)) {
        std::string name = std::get<std::string>(oldest->rows[0][0]);
        if (Status s = db_->ExecuteScript("DROP TABLE " + name +
                                          ";"
                                          "UPDATE state SET extras = extras - 1;");
            !s.ok()) {
          return s;
        }
        return Status::Ok();
      }
      if (tables > 0 && dice == 1) {
        std::string name = std::get<std::string>(oldest->rows[0][0]);
        return db_->ExecuteScript("ALTER TABLE " + name + " ADD COLUMN c" +
                                  std::to_string(Uniform(1'000'000'000, 9'999'999'999)) +
                                  " TEXT DEFAULT 'x';"
                                  "UPDATE " +
                                  name + " SET y = y || '!';");
      }
      // Random names: several workloads (the background writer's too) create tables.
      std::string name = "extra_" + std::to_string(Uniform(1'000'000'000, 9'999'999'999));
      return db_->ExecuteScript(
          "CREATE TABLE " + name +
          "(x INTEGER PRIMARY KEY, y TEXT NOT NULL);"
          "CREATE INDEX " +
          name + "_y ON " + name +
          "(y);"
          "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 300) "
          "INSERT INTO " +
          name +
          "(y) SELECT hex(randomblob(40)) FROM r;"
          "UPDATE state SET extras = extras + 1;");
    });
  }

  Status Vacuum() {
    auto vacuumed = db_->Execute("VACUUM");
    return vacuumed.ok() ? Status::Ok() : vacuumed.status();
  }

 private:
  int64_t Uniform(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random_);
  }

  Status InTransaction(const std::function<Status()>& body) {
    if (auto begun = db_->Execute("BEGIN IMMEDIATE"); !begun.ok()) return begun.status();
    Status status = body();
    if (status.ok()) {
      auto committed = db_->Execute("COMMIT");
      if (committed.ok()) return Status::Ok();
      status = committed.status();
    }
    (void)db_->Execute("ROLLBACK");
    return status;
  }

  // A transaction that counts itself: one history row and n + 1.
  Status Counted(const std::string& kind, const std::function<Status()>& body) {
    return InTransaction([&]() -> Status {
      if (Status status = body(); !status.ok()) return status;
      auto logged =
          db_->Execute("INSERT INTO history(seq, kind) SELECT n + 1, ? FROM state", {kind});
      if (!logged.ok()) return logged.status();
      auto counted = db_->Execute("UPDATE state SET n = n + 1");
      return counted.ok() ? Status::Ok() : counted.status();
    });
  }

  std::mt19937_64 random_;
  Status error_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> db_;
};

// Writes to the primary on a thread of its own until stopped.
class BackgroundWriter {
 public:
  BackgroundWriter(const std::string& url, uint64_t seed) : workload_(url, seed) {
    thread_ = std::thread([this] {
      while (!stop_) {
        Status status = workload_.Step();
        if (!status.ok()) {
          error_ = status;
          return;
        }
        ++transactions_;
      }
    });
  }
  // Stops after the transaction in progress; returns its first error.
  Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return error_;
  }
  ~BackgroundWriter() { (void)Stop(); }
  int transactions() const { return transactions_; }

 private:
  BankWorkload workload_;
  std::atomic<bool> stop_{false};
  std::atomic<int> transactions_{0};
  Status error_;
  std::thread thread_;
};

class SdkReplicaCrashTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("edgelite-sdk-crash-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_ / "server");
  }
  void TearDown() override {
    server_.reset();
    if (!HasFailure() && !std::getenv("EDGELITE_KEEP_TMP")) {
      std::filesystem::remove_all(directory_);
    } else {
      std::cout << "kept " << directory_ << " for inspection\n";
    }
  }

  std::filesystem::path PrimaryFile() const { return directory_ / "server/data/dbs/default/data"; }
  std::filesystem::path ReplicaFile() const { return directory_ / "replica.db"; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // Starts the child; returns its pid.
  pid_t SpawnChild(const std::string& mode) {
    std::vector<std::string> args = {EDGELITE_SDK_REPLICA_CHILD, Url(), ReplicaFile().string(),
                                     mode};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string out = (directory_ / "child.out").string();
    std::string err = (directory_ / "child.err").string();
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << "cannot run " << argv[0];
    return rc == 0 ? pid : -1;
  }

  // The primary's database as it is now (the workload is not writing), page for page.
  std::string PrimaryImage() {
    SqliteReader primary(PrimaryFile());
    auto image = primary.Image();
    EXPECT_TRUE(image.ok()) << image.status().message();
    return image.ok() ? *image : "";
  }

  // The primary's transaction counter now.
  int64_t PrimaryCounter() {
    SqliteReader primary(PrimaryFile());
    std::string n = primary.Text("SELECT n FROM state");
    return n.rfind("error", 0) == 0 ? -1 : std::stoll(n);
  }

  std::filesystem::path directory_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(SdkReplicaCrashTest, KilledWhileSyncingTheReplicaStaysConsistentAndConverges) {
  const int cycles = EnvInt("EDGELITE_SDK_CRASH_CYCLES", kDefaultCycles);
  const char* seed_text = std::getenv("EDGELITE_SDK_CRASH_SEED");
  uint64_t seed = seed_text && *seed_text ? std::strtoull(seed_text, nullptr, 10) : 0;
  if (seed == 0) seed = std::random_device{}() | 1;
  std::cout << "seed " << seed << " (EDGELITE_SDK_CRASH_SEED), " << cycles << " cycles\n";
  std::mt19937_64 random(seed);
  auto uniform = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };

  // --max-log-size 8: the log is compacted every few cycles, so a replica that is behind gets a
  // snapshot, one large transaction, and is killed applying those too.
  auto server = ServerProcess::StartIn(directory_ / "server", {"--max-log-size", "8"});
  ASSERT_TRUE(server.ok()) << server.status().message();
  server_ = std::move(server).value();
  BankWorkload workload(Url(), seed + 1);
  ASSERT_TRUE(workload.Setup().ok());
  // Some data before the first child, so that even the first one has several MB to apply.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(workload.InsertBlobs().ok());

  auto start = Clock::now();
  int64_t converged_n = -1;  // the counter of the state the replica last converged to
  int kills_behind = 0, kills_midway = 0, kills_while_writing = 0, kills_with_held_reader = 0,
      cli_checks = 0;
  int shrinks = 0;
  size_t last_image_size = 0;
  const char* modes[] = {"loop", "live", "periodic"};
  for (int cycle = 0; cycle < cycles; ++cycle) {
    SCOPED_TRACE(testing::Message() << "cycle " << cycle << ", seed " << seed);
    // A backlog for the child to apply, most cycles.
    if (cycle % 4 != 3) {
      int transactions = uniform(3, 12);
      for (int i = 0; i < transactions; ++i) {
        Status step = workload.Step();
        ASSERT_TRUE(step.ok()) << step.message();
      }
      // Usually a few MB among them, which take the child a while to apply.
      if (uniform(0, 2) != 0) {
        Status step = workload.LargeStep();
        ASSERT_TRUE(step.ok()) << step.message();
      }
    }
    // A reader that stays connected through the crash, one cycle in three.
    std::unique_ptr<SqliteReader> held;
    if (uniform(0, 2) == 0 && std::filesystem::exists(ReplicaFile())) {
      held = std::make_unique<SqliteReader>(ReplicaFile());
      std::string ignored;
      Observe(*held, &ignored);
    }
    const std::string mode = modes[cycle % 3];
    pid_t child = SpawnChild(mode);
    ASSERT_GT(child, 0);
    // Half the cycles the primary keeps committing while the child syncs.
    std::unique_ptr<BackgroundWriter> writer;
    if (uniform(0, 1) == 1) writer = std::make_unique<BackgroundWriter>(Url(), seed + 100 + cycle);
    std::this_thread::sleep_for(std::chrono::milliseconds(uniform(1, kMaxKillDelayMs)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    if (writer) {
      Status written = writer->Stop();
      ASSERT_TRUE(written.ok()) << written.message();
      if (writer->transactions() > 0) ++kills_while_writing;
    }
    ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
        << "the child (" << mode << ") ended by itself (wait status " << wait_status
        << "): " << ReadFile(directory_ / "child.err");
    int64_t primary_n = PrimaryCounter();

    // A reader that was connected during the crash sees a consistent state.
    if (held) {
      std::string broken;
      Observation seen = Observe(*held, &broken);
      EXPECT_EQ(broken, "") << "reader held through the kill";
      if (!seen.empty) {
        EXPECT_GE(seen.n, converged_n) << "reader held through the kill";
      }
      held.reset();
      ++kills_with_held_reader;
    }
    // A fresh reader: this process's SQLite, or the sqlite3 tool in another process.
    Observation seen;
    std::string broken;
    if (!std::filesystem::exists(ReplicaFile())) {
      seen.empty = true;  // killed before the SDK created the file
    } else if (uniform(0, 1) == 0) {
      SqliteReader fresh(ReplicaFile());
      EXPECT_EQ(fresh.Text("PRAGMA integrity_check"), "ok");
      seen = Observe(fresh, &broken);
    } else {
      std::string integrity;
      seen = ObserveWithCli(ReplicaFile(), &integrity, &broken);
      EXPECT_EQ(integrity, "ok") << "sqlite3 tool";
      ++cli_checks;
    }
    ASSERT_EQ(broken, "") << "after killing the child (" << mode << ")";
    if (seen.empty) {
      EXPECT_EQ(converged_n, -1) << "the replica went back to an empty database";
    } else {
      EXPECT_GE(seen.n, converged_n) << "the replica went back";
      EXPECT_LE(seen.n, primary_n);
    }
    if (seen.empty || seen.n < primary_n) ++kills_behind;
    // Some of the backlog applied, not all: killed in the middle of catching up.
    if (!seen.empty && seen.n > converged_n && seen.n < primary_n) ++kills_midway;

    // The SDK reopens the replica where the child left it and catches up.
    {
      OpenOptions options;
      options.path = ReplicaFile().string();
      options.sync_url = Url();
      options.request_timeout = 30s;
      auto reopened = Database::Open(options);
      ASSERT_TRUE(reopened.ok()) << "reopening after the kill: " << reopened.status().message();
      auto synced = (*reopened)->Sync();
      ASSERT_TRUE(synced.ok()) << "syncing after the kill: " << synced.status().message();
      SqliteReader replica(ReplicaFile());
      auto image = replica.Image();
      ASSERT_TRUE(image.ok()) << image.status().message();
      std::string primary = PrimaryImage();
      ASSERT_EQ(image->size(), primary.size()) << "the converged replica's database size";
      ASSERT_TRUE(*image == primary) << "the converged replica differs from the primary";
      if (last_image_size != 0 && image->size() < last_image_size) ++shrinks;
      last_image_size = image->size();
      std::string ignored;
      converged_n = Observe(replica, &ignored).n;
      EXPECT_EQ(converged_n, primary_n);
    }
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);

  // The end: the primary stopped, both WALs checkpointed, the files equal byte for byte.
  server_->Stop();
  Sqlite3Cli(PrimaryFile(), "PRAGMA wal_checkpoint(TRUNCATE)");
  Sqlite3Cli(ReplicaFile(), "PRAGMA wal_checkpoint(TRUNCATE)");
  std::string primary = ReadFile(PrimaryFile());
  std::string replica = ReadFile(ReplicaFile());
  EXPECT_GT(primary.size(), 1'000'000u);
  EXPECT_TRUE(primary == replica) << "primary " << primary.size() << " bytes, replica "
                                  << replica.size() << " bytes";
  EXPECT_EQ(Sqlite3Cli(ReplicaFile(), "PRAGMA integrity_check"), "ok\n");
  EXPECT_EQ(Sqlite3Cli(ReplicaFile(), "PRAGMA auto_vacuum"), "1\n");

  std::string log = server_->ReadLog();
  size_t compactions = 0;
  for (size_t at = 0; (at = log.find("compacted into a snapshot", at)) != std::string::npos; ++at) {
    ++compactions;
  }
  std::cout << cycles << " kills in " << elapsed.count() << " ms ("
            << (cycles ? elapsed.count() / cycles : 0) << " ms a cycle): " << kills_behind
            << " while the replica was behind the primary (" << kills_midway
            << " of them part way through the backlog), " << kills_while_writing
            << " while the primary was writing, " << kills_with_held_reader
            << " with a reader held through the crash, " << cli_checks
            << " checked with the sqlite3 tool; " << converged_n << " transactions, " << shrinks
            << " converged states smaller than the one before, " << compactions
            << " log compactions; final database " << primary.size() << " bytes\n";
  // Most kills must land while there was something to apply, or the test proves little.
  EXPECT_GE(kills_behind, cycles / 3);
  EXPECT_GE(kills_midway, cycles / 10);
  EXPECT_GE(shrinks, 1);
}

}  // namespace
}  // namespace edgelite::integration
