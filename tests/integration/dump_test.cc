// GET /dump on the real server: the text loads into Debian's sqlite3 shell and gives the same
// content; a dump that a slow client reads sees one commit while writes keep being acknowledged;
// a client that leaves mid-dump leaves nothing held (the WAL can be truncated again); and the
// endpoint's refusals (auth, query parameters).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/server_test.h"
#include "unit/temp_directory.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kSqliteShell = "/usr/bin/sqlite3";
// 12000 rows of 1000 random bytes: a dump of about 24 MB, well past what the kernel's socket
// buffers and the server's own buffer hold, so a client that stops reading holds the dump up.
const std::string kCreateBigTable = "CREATE TABLE big(v)";
const std::string kFillBigTable =
    "INSERT INTO big SELECT randomblob(1000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
    "SELECT i + 1 FROM n WHERE i < 12000) SELECT i FROM n)";

// `command` run by the shell: its exit status and what it printed (stdout and stderr).
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  char chunk[4096];
  size_t read;
  while ((read = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) output.append(chunk, read);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

void WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::ofstream file(path, std::ios::binary);
  file.write(text.data(), std::streamsize(text.size()));
}

// A GET /dump on a raw connection that the test reads at its own pace.
class DumpReader {
 public:
  DumpReader(uint16_t port, std::string_view target = "/dump") {
    auto fd = ConnectLoopback(port, Clock::now() + seconds(10));
    if (!fd.ok()) {
      ADD_FAILURE() << fd.status().message();
      return;
    }
    fd_ = *fd;
    // A small window, so that what is in flight stays well below the size of the dump.
    int size = 16 * 1024;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    std::string request = FormatRequest("GET", target);
    EXPECT_EQ(::send(fd_, request.data(), request.size(), MSG_NOSIGNAL), ssize_t(request.size()));
  }
  ~DumpReader() { Close(); }

  // Reads until `bytes` have arrived in all (or the server closes, or 30 s pass).
  bool ReadAtLeast(size_t bytes) {
    auto deadline = Clock::now() + seconds(30);
    char chunk[65536];
    while (received_.size() < bytes && PollFor(fd_, POLLIN, deadline)) {
      ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) {
        closed_ = true;
        break;
      }
      received_.append(chunk, size_t(got));
    }
    return received_.size() >= bytes;
  }

  // The whole response, reading the rest of it at full speed.
  HttpResponse ReadToEnd() {
    int size = 4 * 1024 * 1024;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    auto deadline = Clock::now() + seconds(60);
    HttpResponse response;
    while (true) {
      Result<size_t> parsed = ParseHttpResponse(received_, closed_, response);
      if (!parsed.ok()) {
        ADD_FAILURE() << parsed.status().message();
        return {};
      }
      if (*parsed > 0) return response;
      if (closed_ || !PollFor(fd_, POLLIN, deadline)) {
        ADD_FAILURE() << "the dump did not arrive whole within 60 s";
        return {};
      }
      size_t before = received_.size();
      ReadAtLeast(before + 1);
    }
  }

  const std::string& received() const { return received_; }
  // Goes away with a reset, as a client that crashed or gave up would.
  void Close() {
    if (fd_ < 0) return;
    linger reset{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

// The numbers in `INSERT INTO <table> VALUES(<n>);` lines of a dump.
std::set<int> InsertedIds(const std::string& dump, const std::string& table) {
  std::set<int> ids;
  std::regex line("INSERT INTO " + table + " VALUES\\((\\d+)\\);\n");
  for (auto it = std::sregex_iterator(dump.begin(), dump.end(), line); it != std::sregex_iterator();
       ++it) {
    ids.insert(std::stoi((*it)[1]));
  }
  return ids;
}

std::set<int> Range(int first, int last) {
  std::set<int> ids;
  for (int i = first; i <= last; ++i) ids.insert(i);
  return ids;
}

class DumpTest : public ::testing::Test {
 protected:
  std::filesystem::path database_file() const {
    return directory_.path() / "data" / "dbs" / "default" / "data";
  }
  uintmax_t WalSize() const {
    std::error_code error;
    uintmax_t size = std::filesystem::file_size(database_file().string() + "-wal", error);
    return error ? 0 : size;
  }

  void Start(std::vector<std::string> args = {}) {
    auto started = ServerProcess::StartIn(directory_.path(), std::move(args));
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(started).value();
  }
  uint16_t port() const { return server_->port(); }

  HttpResponse Get(std::string_view target, std::string_view extra_headers = "") {
    auto connection = HttpConnection::Open(port());
    if (!connection.ok()) {
      ADD_FAILURE() << connection.status().message();
      return {};
    }
    std::string request =
        std::string("GET ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    request.append(extra_headers).append("\r\n");
    EXPECT_TRUE(connection->Send(request).ok());
    auto response = connection->ReadResponse(seconds(60));
    if (!response.ok()) {
      ADD_FAILURE() << "GET " << target << ": " << response.status().message();
      return {};
    }
    return std::move(response).value();
  }

  void TearDown() override {
    if (!server_) return;
    ExpectServerServes(*server_);
    EXPECT_EQ(server_->Stop(), "exited with status 0") << server_->ReadLog();
  }

  test::TempDirectory directory_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(DumpTest, LoadsIntoTheSqliteShellWithTheSameContent) {
  Start();
  for (const std::string& sql : {
           std::string("CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a, b TEXT, c REAL, "
                       "d BLOB)"),
           std::string(R"(CREATE TABLE "odd ""name"("select", x INTEGER PRIMARY KEY DESC))"),
           std::string("CREATE TABLE w(k, v, PRIMARY KEY (k, v)) WITHOUT ROWID"),
           std::string("CREATE TABLE g(a INTEGER, b AS (a * 2), c AS (a || 'x') STORED)"),
           std::string("CREATE TABLE holes(v)"),
           std::string("CREATE VIRTUAL TABLE docs USING fts5(body)"),
           std::string("CREATE INDEX t_b ON t(b)"),
           std::string("CREATE VIEW tv AS SELECT a, b FROM t"),
           std::string("CREATE TRIGGER t_log AFTER UPDATE ON t BEGIN INSERT INTO holes VALUES "
                       "(new.a); END"),
           std::string("INSERT INTO t(a, b, c, d) VALUES (1, 'it''s', 1.0, x'00ff'), (1.0, 'a' || "
                       "char(10) || 'b' || char(13) || 'c', 1e300, x''), (2.5, 'nul' || char(0) "
                       "|| 'x', 9e999, NULL), (0.1, 'é', -9e999, 'x'), (1e-7, NULL, 4.9e-324, "
                       "zeroblob(100000)), (-9223372036854775807 - 1, '\\n' || char(10), 1.0 / "
                       "3, x'0a0d27')"),
           std::string("DELETE FROM t WHERE id = 2"),
           std::string(R"(INSERT INTO "odd ""name" VALUES ('q', 7), ('r', -1))"),
           std::string("INSERT INTO w VALUES (1, 2.5), ('k', x'01')"),
           std::string("INSERT INTO g(a) VALUES (4), (NULL)"),
           std::string("INSERT INTO holes SELECT random() / 1e9 FROM t, t AS u"),
           std::string("DELETE FROM holes WHERE rowid % 3 = 0"),
           std::string("INSERT INTO docs VALUES ('hello world'), ('other words')"),
       }) {
    ExecuteAlone(port(), sql);
  }
  HttpResponse plain = Get("/dump");
  HttpResponse with_rowids = Get("/dump?preserve_row_ids=true");
  ASSERT_EQ(plain.status, 200) << plain.body;
  ASSERT_EQ(with_rowids.status, 200) << with_rowids.body;
  EXPECT_EQ(plain.Header("transfer-encoding"), "chunked");
  ASSERT_TRUE(plain.body.starts_with("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"))
      << plain.body.substr(0, 200);
  ASSERT_TRUE(plain.body.ends_with("COMMIT;\n")) << plain.body.substr(plain.body.size() - 200);
  EXPECT_EQ(server_->Stop(), "exited with status 0") << server_->ReadLog();
  server_.reset();

  // Per table: its rows with each value's type, so that 1 and 1.0 differ.
  const std::vector<std::string> queries = {
      "SELECT id, a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d) FROM {}.t",
      R"(SELECT rowid, "select", x FROM {}."odd ""name")",
      "SELECT k, typeof(k), v, typeof(v) FROM {}.w",
      "SELECT a, b, c FROM {}.g",
      "SELECT v, typeof(v) FROM {}.holes",
      "SELECT rowid, body FROM {}.docs WHERE body MATCH 'world'",
      "SELECT * FROM {}.tv",
      "SELECT name, seq FROM {}.sqlite_sequence",
      "SELECT type, name, tbl_name, sql FROM {}.sqlite_schema",
  };
  int load = 0;
  for (const HttpResponse* dump : {&plain, &with_rowids}) {
    SCOPED_TRACE(dump == &plain ? "/dump" : "/dump?preserve_row_ids=true");
    std::filesystem::path dump_file = directory_.path() / "dump.sql";
    std::filesystem::path loaded = directory_.path() / ("loaded" + std::to_string(load++) + ".db");
    WriteFile(dump_file, dump->body);
    auto [status, output] = RunCommand(std::string(kSqliteShell) + " -bail " + loaded.string() +
                                       " < " + dump_file.string());
    ASSERT_EQ(status, 0) << output;
    EXPECT_EQ(output, "");

    std::string checks = "ATTACH '" + database_file().string() + "' AS source;\n";
    for (const std::string& query : queries) {
      std::string in_loaded = std::regex_replace(query, std::regex("\\{\\}"), "main");
      std::string in_source = std::regex_replace(query, std::regex("\\{\\}"), "source");
      // Differences either way, and a different number of rows.
      checks += "SELECT ((SELECT count(*) FROM (" + in_loaded + " EXCEPT " + in_source +
                ")) + (SELECT count(*) FROM (" + in_source + " EXCEPT " + in_loaded +
                ")) + abs((SELECT count(*) FROM (" + in_loaded + ")) - (SELECT count(*) FROM (" +
                in_source +
                ")))) || ' differences: " + std::regex_replace(in_loaded, std::regex("'"), "''") +
                "';\n";
    }
    WriteFile(directory_.path() / "checks.sql", checks);
    auto [check_status, differences] =
        RunCommand(std::string(kSqliteShell) + " -bail " + loaded.string() + " < " +
                   (directory_.path() / "checks.sql").string());
    ASSERT_EQ(check_status, 0) << differences;
    std::string expected;
    for (const std::string& query : queries) {
      expected +=
          "0 differences: " + std::regex_replace(query, std::regex("\\{\\}"), "main") + "\n";
    }
    EXPECT_EQ(differences, expected);
  }
}

TEST_F(DumpTest, ConsistentAtOneCommitWhileWritesAreAcknowledged) {
  Start();
  ExecuteAlone(port(), "CREATE TABLE a(id INTEGER PRIMARY KEY)");
  ExecuteAlone(port(), kCreateBigTable);
  ExecuteAlone(port(), kFillBigTable);
  ExecuteAlone(port(), "CREATE TABLE b(id INTEGER PRIMARY KEY)");
  // One statement writes both tables: any single commit has the same ids in each.
  ExecuteAlone(port(),
          "CREATE TRIGGER a_to_b AFTER INSERT ON a BEGIN INSERT INTO b VALUES (new.id); END");
  for (int id = 1; id <= 10; ++id)
    ExecuteAlone(port(), "INSERT INTO a VALUES (" + std::to_string(id) + ")");

  DumpReader dump(port());
  // The dump has started, so its snapshot is taken: then it is held up by its reader.
  ASSERT_TRUE(dump.ReadAtLeast(128 * 1024));
  for (int id = 11; id <= 60; ++id) {
    auto started = Clock::now();
    ExecuteAlone(port(), "INSERT INTO a VALUES (" + std::to_string(id) + ")");
    EXPECT_LT(Clock::now() - started, seconds(5)) << "a write waited on the dump";
  }
  EXPECT_LT(dump.received().size(), 20u * 1000 * 1000) << "the dump was not held up by its reader";

  HttpResponse response = dump.ReadToEnd();
  ASSERT_EQ(response.status, 200);
  ASSERT_TRUE(response.body.ends_with("COMMIT;\n"));
  // `a` is dumped before the slow table and `b` after it: both as of the dump's one commit.
  EXPECT_EQ(InsertedIds(response.body, "a"), Range(1, 10));
  EXPECT_EQ(InsertedIds(response.body, "b"), Range(1, 10));

  HttpResponse later = Get("/dump");
  EXPECT_EQ(InsertedIds(later.body, "a"), Range(1, 60));
  EXPECT_EQ(InsertedIds(later.body, "b"), Range(1, 60));
}

TEST_F(DumpTest, ClientGoneMidDumpLeavesNothingHeld) {
  Start();
  ExecuteAlone(port(), kCreateBigTable);
  ExecuteAlone(port(), kFillBigTable);
  ExecuteAlone(port(), "CREATE TABLE blobs(v)");
  DumpReader dump(port());
  ASSERT_TRUE(dump.ReadAtLeast(128 * 1024));
  // About 1000 WAL frames per commit, past the 10000 after which the server truncates the WAL:
  // while the dump holds its snapshot, no checkpoint can get past it, and the WAL only grows.
  for (int i = 0; i < 11; ++i) ExecuteAlone(port(), "INSERT INTO blobs VALUES (zeroblob(4000000))");
  ASSERT_GT(WalSize(), 40u * 1000 * 1000) << "the held dump did not hold the WAL";
  // Meanwhile commits do not wait for a truncation that the dump keeps from finishing.
  std::vector<milliseconds> latencies;
  for (int i = 0; i < 9; ++i) {
    auto started = Clock::now();
    ExecuteAlone(port(), "INSERT INTO blobs VALUES (1)");
    latencies.push_back(std::chrono::duration_cast<milliseconds>(Clock::now() - started));
  }
  std::sort(latencies.begin(), latencies.end());
  EXPECT_LT(latencies[4], milliseconds(40)) << "the median small write waited on checkpoints";

  dump.Close();
  // With the dump gone, the next commits truncate the WAL.
  auto deadline = Clock::now() + seconds(20);
  while (WalSize() > 1000 * 1000 && Clock::now() < deadline) {
    ExecuteAlone(port(), "INSERT INTO blobs VALUES (1)");
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_LT(WalSize(), 1000u * 1000) << "the WAL was not truncated after the client left";
}

TEST_F(DumpTest, NeedsReadPermission) {
  // user:secret
  Start({"--http-auth", "basic:dXNlcjpzZWNyZXQ="});
  HttpResponse anonymous = Get("/dump");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  HttpResponse wrong = Get("/dump", "Authorization: Basic dXNlcjp3cm9uZw==\r\n");
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  HttpResponse allowed = Get("/dump", "Authorization: Basic dXNlcjpzZWNyZXQ=\r\n");
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(allowed.body, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCOMMIT;\n");
  // ExpectServerServes (TearDown) sends no credentials.
  EXPECT_EQ(server_->Stop(), "exited with status 0") << server_->ReadLog();
  server_.reset();
}

TEST_F(DumpTest, QueryParameters) {
  Start();
  ExecuteAlone(port(), "CREATE TABLE t(v)");
  ExecuteAlone(port(), "INSERT INTO t VALUES ('x')");
  const std::string kRefusal = "Failed to deserialize query string: ";
  for (const char* target :
       {"/dump?preserve_row_ids=1", "/dump?preserve_row_ids=", "/dump?preserve_row_ids=TRUE"}) {
    HttpResponse response = Get(target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(response.body, kRefusal + "provided string was not `true` or `false`") << target;
  }
  HttpResponse twice = Get("/dump?preserve_row_ids=true&preserve_row_ids=false");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(twice.body, kRefusal + "duplicate field `preserve_row_ids`");
  HttpResponse misspelt = Get("/dump?preserve_rowids=true");
  EXPECT_EQ(misspelt.status, 400);
  EXPECT_EQ(misspelt.body,
            kRefusal + "unknown field `preserve_rowids`, expected `preserve_row_ids`");

  EXPECT_NE(Get("/dump?preserve_row_ids=%74rue").body.find("INSERT INTO t(rowid,v) VALUES(1,'x');"),
            std::string::npos);
  EXPECT_NE(Get("/dump?preserve_row_ids=false").body.find("INSERT INTO t VALUES('x');"),
            std::string::npos);
}

TEST_F(DumpTest, Http10ClientGetsTheBodyUntilTheConnectionCloses) {
  Start();
  ExecuteAlone(port(), "CREATE TABLE t(v)");
  ExecuteAlone(port(), "INSERT INTO t VALUES ('x')");
  auto connection = HttpConnection::Open(port());
  ASSERT_TRUE(connection.ok()) << connection.status().message();
  ASSERT_TRUE(connection->Send("GET /dump HTTP/1.0\r\n\r\n").ok());
  auto response = connection->ReadResponse();
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->Header("transfer-encoding"), "");
  EXPECT_EQ(response->body,
            "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE IF NOT EXISTS t(v);\n"
            "INSERT INTO t VALUES('x');\nCOMMIT;\n");
}

}  // namespace
}  // namespace edgelite::integration
