// `edgelite db shell` as a user runs it: the real binary against a real server (started here on a
// loopback port) and against a local file. Scripts exit 0 or 1 and name the failing line; SQL on
// the command line runs and prints; an unknown database, a stopped server and a bad token each
// get a message that says what to do. The interactive shell is driven through a terminal (tmux,
// 80x24): a statement typed over two lines, history recalled with Up, Ctrl-C abandoning a
// half-typed statement, and `.mode box` output compared with a golden screen.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/cli_process.h"
#include "integration/http_client.h"
#include "integration/server_process.h"
#include "unit/server/auth/jwt_test_support.h"
#include "unit/temp_directory.h"

namespace edgelite::integration {
namespace {

constexpr std::string_view kAdminKey = "shell-admin-key";

using ShellRun = CliRun;

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

class CliShellTest : public testing::Test {
 protected:
  void StartServer(std::vector<std::string> extra = {}) {
    auto admin_port = FreeLoopbackPort();
    ASSERT_TRUE(admin_port.ok());
    admin_port_ = *admin_port;
    std::vector<std::string> args = {"--enable-namespaces", "--admin-listen-addr",
                                     "127.0.0.1:" + std::to_string(admin_port_), "--admin-auth-key",
                                     std::string(kAdminKey)};
    args.insert(args.end(), extra.begin(), extra.end());
    auto server = ServerProcess::Start(args);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }
  void CreateDatabase(std::string_view name) {
    auto connection = HttpConnection::Open(admin_port_);
    ASSERT_TRUE(connection.ok());
    const std::string request = "POST /v1/namespaces/" + std::string(name) +
                                "/create HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " +
                                std::string(kAdminKey) + "\r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(connection->Send(request).ok());
    auto response = connection->ReadResponse();
    ASSERT_TRUE(response.ok()) << response.status().message();
    ASSERT_EQ(response->status, 200) << response->body;
  }
  std::string Server() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::string UrlOf(std::string_view name) const {
    return Server() + "/db/" + std::string(name) + "/";
  }

  test::TempDirectory directory_;
  uint16_t admin_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CliShellTest, AScriptOnStdinExitsZeroWhenEveryStatementSucceeds) {
  StartServer();
  CreateDatabase("my-app");
  const ShellRun schema =
      RunEdgelite(directory_.path(), {"--server", Server(), "db", "shell", "my-app"},
                  "-- the schema\n"
                  "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);\n"
                  "INSERT INTO users VALUES (1, 'ada'), (2, NULL);\n");
  EXPECT_EQ(schema.exit_code, 0) << schema.err;
  EXPECT_EQ(schema.err, "");
  const ShellRun query = RunEdgelite(
      directory_.path(), {"db", "shell", UrlOf("my-app"), "SELECT * FROM users ORDER BY id"});
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_EQ(query.out, "1|ada\n2|\n");
  const ShellRun csv = RunEdgelite(
      directory_.path(),
      {"db", "shell", UrlOf("my-app"), "--mode", "csv", ".headers on\nSELECT name FROM users;\n"});
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "name\r\nada\r\n\r\n");
}

TEST_F(CliShellTest, AScriptStopsAtTheFirstFailureAndNamesItsLine) {
  StartServer();
  CreateDatabase("my-app");
  const ShellRun run = RunEdgelite(directory_.path(), {"db", "shell", UrlOf("my-app")},
                                   "CREATE TABLE t(a INTEGER PRIMARY KEY);\n"
                                   "INSERT INTO t VALUES (1);\n"
                                   "\n"
                                   "INSERT INTO t\n"
                                   "  VALUES (1);\n"
                                   "INSERT INTO t VALUES (3);\n");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "Error in stdin at line 4: UNIQUE constraint failed: t.a (SQLITE_CONSTRAINT)\n");
  const ShellRun after = RunEdgelite(
      directory_.path(), {"db", "shell", UrlOf("my-app"), "SELECT group_concat(a) FROM t"});
  EXPECT_EQ(after.out, "1\n") << "the statement after the failing one must not run";

  const ShellRun syntax = RunEdgelite(directory_.path(), {"db", "shell", UrlOf("my-app")},
                                      "SELECT 1;\nSELECT * FORM t;\n");
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_EQ(syntax.out, "1\n");
  EXPECT_EQ(syntax.err,
            "Error in stdin at line 2, column 10: near \"FORM\": syntax error (SQLITE_ERROR)\n"
            "  SELECT * FORM t;\n"
            "           ^\n");
}

TEST_F(CliShellTest, ALocalFileWorksTheSameWay) {
  const std::string file = (directory_.path() / "local.db").string();
  const ShellRun run = RunEdgelite(directory_.path(), {"db", "shell", file},
                                   "CREATE TABLE t(a);\nINSERT INTO t VALUES ('x');\n.tables\n"
                                   ".dump\nSELECT nope FROM t;\n");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("t\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("INSERT INTO t VALUES('x');"), std::string::npos) << run.out;
  EXPECT_EQ(run.err,
            "Error in stdin at line 5, column 8: no such column: nope (SQLITE_ERROR)\n"
            "  SELECT nope FROM t;\n"
            "         ^\n");
}

TEST_F(CliShellTest, AnUnknownDatabaseSaysHowToCreateIt) {
  StartServer();
  const ShellRun run =
      RunEdgelite(directory_.path(), {"--server", Server(), "db", "shell", "ghost", "SELECT 1"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("there is no database \"ghost\" on " + Server()), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("edgelite db create ghost"), std::string::npos) << run.err;
}

TEST_F(CliShellTest, AStoppedServerIsNamedByItsUrl) {
  auto port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  const std::string server = "http://127.0.0.1:" + std::to_string(*port);
  const ShellRun run =
      RunEdgelite(directory_.path(), {"--server", server, "db", "shell", "my-app"}, "SELECT 1;\n");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cannot reach " + server + "/db/my-app/"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("check that the server is running and that --server"), std::string::npos)
      << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(CliShellTest, ABadTokenSaysWhichTokenToCheck) {
  const auto key = auth::test::GenerateKeyPair();
  const auto key_file = directory_.path() / "jwt_public.key";
  std::ofstream(key_file) << auth::test::RawKeyText(key.public_key);
  StartServer({"--auth-jwt-key-file", key_file.string()});
  CreateDatabase("secure");

  const ShellRun none =
      RunEdgelite(directory_.path(), {"db", "shell", UrlOf("secure"), "SELECT 1"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("requires an auth token"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("--auth-token"), std::string::npos) << none.err;

  const std::string foreign = auth::test::SignToken(auth::test::GenerateKeyPair(), R"({"a":"rw"})");
  const ShellRun bad = RunEdgelite(directory_.path(), {"db", "shell", UrlOf("secure"), "SELECT 1"},
                                   "", {"EDGELITE_AUTH_TOKEN=" + foreign});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("rejected the auth token"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("check the token from EDGELITE_AUTH_TOKEN"), std::string::npos) << bad.err;

  const std::string valid = auth::test::SignToken(key, R"({"a":"rw"})");
  const ShellRun good = RunEdgelite(
      directory_.path(), {"db", "shell", UrlOf("secure"), "--auth-token", valid, "SELECT 7"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.out, "7\n");
}

TEST_F(CliShellTest, AnEmbeddedReplicaReadsLocallyAndWritesThrough) {
  StartServer();
  CreateDatabase("replicated");
  const std::string replica = (directory_.path() / "replica.db").string();
  const ShellRun run =
      RunEdgelite(directory_.path(), {"db", "shell", UrlOf("replicated"), "--replica", replica},
                  "CREATE TABLE t(a);\nINSERT INTO t VALUES (42);\nSELECT a FROM t;\n");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "42\n");
  const ShellRun on_server =
      RunEdgelite(directory_.path(), {"db", "shell", UrlOf("replicated"), "SELECT a FROM t"});
  EXPECT_EQ(on_server.out, "42\n") << on_server.err;
}

// The screen's lines without the trailing blank ones.
std::string Trimmed(std::string screen) {
  while (!screen.empty() && (screen.back() == '\n' || screen.back() == ' ')) screen.pop_back();
  return screen;
}

// The interactive shell in a real terminal: a tmux server of its own (its own socket), 80x24.
class Terminal {
 public:
  Terminal(const std::filesystem::path& directory, const std::string& command)
      : socket_((directory / "tmux.sock").string()) {
    // The tmux server detaches itself; as a subreaper this process becomes its parent, and reaps
    // it by PID when it ends (the machine's PID 1 does not reap orphans).
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    Tmux({"-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", command});
    server_pid_ = std::atoi(Tmux({"display-message", "-p", "#{pid}"}).c_str());
  }
  ~Terminal() {
    Tmux({"kill-server"});
    if (server_pid_ > 0) {
      ::kill(server_pid_, SIGKILL);
      ::waitpid(server_pid_, nullptr, 0);
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // Keys as tmux names them ("Up", "C-c", "Enter"), or literal text with `literal`.
  void Send(const std::string& keys, bool literal = false) {
    std::vector<std::string> args = {"send-keys", "-t", "0"};
    if (literal) args.push_back("-l");
    // tmux reads an argument's trailing `;` as the end of its command; `\;` is a literal one.
    args.push_back(keys.ends_with(';') ? keys.substr(0, keys.size() - 1) + "\\;" : keys);
    Tmux(args);
  }
  // Types `text` and presses Enter.
  void TypeLine(const std::string& text) {
    Send(text, true);
    Send("Enter");
  }
  // The screen as text; tmux drops the blanks at the end of each line (of prompts too).
  std::string Screen() { return Tmux({"capture-pane", "-p", "-t", "0"}); }
  // Waits (up to 20 s) until the screen, without its trailing blank lines, ends with `text`:
  // the shell has answered and shows its prompt again, so what is typed next is read by the line
  // editor rather than echoed early by the terminal. Returns the screen then.
  std::string WaitForEnd(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string screen = Screen();
    while (!Trimmed(screen).ends_with(text) && std::chrono::steady_clock::now() < deadline) {
      // tmux has no "wait for output"; polling the rendered screen is the condition itself.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      screen = Screen();
    }
    return Trimmed(screen);
  }

 private:
  std::string Tmux(std::vector<std::string> args) {
    std::string command = "tmux -S '" + socket_ + "'";
    // tmux's complaints go into the output, and so into a failing test's message.
    for (const std::string& arg : args) {
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      command += " " + quoted + "'";
    }
    command += " 2>&1";
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return output;
    char buffer[4096];
    size_t count;
    while ((count = ::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, count);
    ::pclose(pipe);
    return output;
  }
  std::string socket_;
  pid_t server_pid_ = 0;
};

TEST_F(CliShellTest, TheInteractiveShellEditsRecallsCancelsAndDrawsBoxes) {
  const std::string file = (directory_.path() / "interactive.db").string();
  const std::string command = "env -i PATH=/usr/bin:/bin TERM=xterm LANG=C.UTF-8 HOME='" +
                              directory_.path().string() + "' '" + EDGELITE_BINARY +
                              "' db shell '" + file + "'";
  Terminal terminal(directory_.path(), command);
  ASSERT_NE(terminal.WaitForEnd("edgelite>").find("edgelite shell on the local file"),
            std::string::npos);

  // A statement over two lines (the continuation prompt), then `.mode box` and the golden screen.
  terminal.TypeLine("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);");
  terminal.WaitForEnd("name TEXT);\nedgelite>");
  terminal.TypeLine("INSERT INTO t VALUES (1, 'ada'),");
  terminal.WaitForEnd("(1, 'ada'),\n     ...>");
  terminal.TypeLine("  (2, NULL), (3, '日本');");
  terminal.WaitForEnd("'日本');\nedgelite>");
  terminal.TypeLine(".mode box");
  terminal.WaitForEnd(".mode box\nedgelite>");
  terminal.TypeLine("SELECT * FROM t;");
  std::string screen = terminal.WaitForEnd("└────┴──────┘\nedgelite>");
  // From the first statement typed on (the banner above it names the file).
  const size_t typed = screen.find("edgelite> CREATE TABLE");
  ASSERT_NE(typed, std::string::npos) << screen;
  EXPECT_EQ(screen.substr(typed),
            "edgelite> CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);\n"
            "edgelite> INSERT INTO t VALUES (1, 'ada'),\n"
            "     ...>   (2, NULL), (3, '日本');\n"
            "edgelite> .mode box\n"
            "edgelite> SELECT * FROM t;\n"
            "┌────┬──────┐\n"
            "│ id │ name │\n"
            "├────┼──────┤\n"
            "│  1 │ ada  │\n"
            "│  2 │ NULL │\n"
            "│  3 │ 日本 │\n"
            "└────┴──────┘\n"
            "edgelite>");

  // Ctrl-C abandons a half-typed statement: nothing runs, and the prompt is back.
  terminal.TypeLine("DELETE FROM t");
  terminal.WaitForEnd("DELETE FROM t\n     ...>");
  terminal.Send("WHERE id = 1", true);
  terminal.WaitForEnd("...> WHERE id = 1");
  terminal.Send("C-c");
  terminal.WaitForEnd("WHERE id = 1^C\nedgelite>");
  terminal.TypeLine("SELECT count(*) AS n FROM t;");
  screen = terminal.WaitForEnd("└───┘\nedgelite>");
  EXPECT_NE(screen.find("│ 3 │"), std::string::npos) << "the cancelled DELETE ran:\n" << screen;

  // Up recalls the last statements; Enter runs the recalled one again.
  terminal.TypeLine(".mode list");
  terminal.WaitForEnd(".mode list\nedgelite>");
  terminal.Send("Up");
  terminal.WaitForEnd("edgelite> .mode list");
  terminal.Send("Up");
  terminal.WaitForEnd("edgelite> SELECT count(*) AS n FROM t;");
  terminal.Send("Enter");
  screen = terminal.WaitForEnd("\nn\n3\nedgelite>");
  EXPECT_TRUE(screen.ends_with("edgelite> SELECT count(*) AS n FROM t;\nn\n3\nedgelite>"))
      << screen;

  // A statement typed over two lines comes back from history as one line.
  terminal.TypeLine("SELECT 40");
  terminal.WaitForEnd("SELECT 40\n     ...>");
  terminal.TypeLine("+ 2 AS answer;");
  terminal.WaitForEnd("answer\n42\nedgelite>");
  terminal.Send("Up");
  screen = terminal.WaitForEnd("edgelite> SELECT 40 + 2 AS answer;");
  EXPECT_TRUE(screen.ends_with("edgelite> SELECT 40 + 2 AS answer;")) << screen;
  terminal.Send("C-c");
  terminal.WaitForEnd("answer;^C\nedgelite>");

  // Errors are printed and the shell goes on; Ctrl-D leaves and the history is kept.
  terminal.TypeLine("SELECT * FROM missing;");
  screen = terminal.WaitForEnd("(SQLITE_ERROR)\nedgelite>");
  EXPECT_TRUE(screen.ends_with("Error: no such table: missing (SQLITE_ERROR)\nedgelite>"))
      << screen;
  // Ctrl-C stops a statement that would run for ever, and the shell goes on.
  terminal.TypeLine("WITH RECURSIVE c(x) AS (VALUES (1) UNION ALL");
  terminal.WaitForEnd("UNION ALL\n     ...>");
  terminal.TypeLine("SELECT x + 1 FROM c) SELECT max(x) FROM c;");
  terminal.WaitForEnd("SELECT max(x) FROM c;");
  terminal.Send("C-c");
  screen = terminal.WaitForEnd("not run\nedgelite>");
  EXPECT_NE(screen.find("interrupted"), std::string::npos) << screen;
  terminal.TypeLine("SELECT 'still here';");
  terminal.WaitForEnd("still here\nedgelite>");
  // Each entry reaches the history file as it is entered, before it runs.
  const std::string history =
      ReadWhole(directory_.path() / ".local" / "state" / "edgelite" / "shell_history");
  EXPECT_NE(history.find("missing"), std::string::npos) << history;
  EXPECT_NE(history.find("answer"), std::string::npos) << history;
  terminal.Send("C-d");
}

}  // namespace
}  // namespace edgelite::integration
