// The interactive loop and its SIGINT handling.
#include "cli/shell/interactive_shell.h"

#include <signal.h>

#include <clocale>
#include <iostream>

namespace edgelite::cli::shell {
namespace {

constexpr std::string_view kPrompt = "edgelite> ";
constexpr std::string_view kContinuationPrompt = "     ...> ";

// Shared with the SIGINT handler, hence lock-free atomics at namespace scope.
std::atomic<bool> interrupted{false};
std::atomic<bool> statement_running{false};
// The session's connection, whose running statement a Ctrl-C stops (Connection::Interrupt is
// safe in a signal handler: it only sets flags).
std::atomic<Connection*> shell_connection{nullptr};

void OnInterrupt(int) {
  if (statement_running.load() && interrupted.load()) {
    // The second Ctrl-C during a statement: the user wants out now.
    ::signal(SIGINT, SIG_DFL);
    ::raise(SIGINT);
    return;
  }
  interrupted.store(true);
  if (statement_running.load()) {
    if (Connection* connection = shell_connection.load()) connection->Interrupt();
  }
}

// SIGINT handled by OnInterrupt for the shell's lifetime, without SA_RESTART so that a read()
// waiting at the prompt returns.
class InterruptHandler {
 public:
  InterruptHandler() {
    struct sigaction action {};
    action.sa_handler = &OnInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    ::sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptHandler() { ::sigaction(SIGINT, &previous_, nullptr); }
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

 private:
  struct sigaction previous_ {};
};

// Marks a statement (or dot command) as running for the SIGINT handler.
class RunningScope {
 public:
  RunningScope() { statement_running.store(true); }
  ~RunningScope() { statement_running.store(false); }
  RunningScope(const RunningScope&) = delete;
  RunningScope& operator=(const RunningScope&) = delete;
};

}  // namespace

int RunInteractiveShell(ShellSession& session, std::string_view banner,
                        const std::filesystem::path& history_file) {
  // libedit shows and measures non-ASCII text by the locale's character set.
  std::setlocale(LC_CTYPE, "");
  InterruptHandler handler;
  session.set_interrupt_flag(&interrupted);
  shell_connection.store(&session.connection());
  struct Forget {
    ~Forget() { shell_connection.store(nullptr); }
  } forget;
  LineEditor editor(history_file, &interrupted);
  std::cout << banner << std::flush;

  StatementSplitter splitter;
  std::string typed;  // the lines of the statement being typed, for the history
  int line_number = 0;
  std::string line;
  while (true) {
    interrupted.store(false);
    const bool pending = splitter.HasPendingText();
    const LineEditor::ReadStatus status =
        editor.ReadLine(pending ? kContinuationPrompt : kPrompt, &line);
    if (status == LineEditor::ReadStatus::kInterrupted) {
      splitter.Clear();
      typed.clear();
      std::cout << "^C\n" << std::flush;
      continue;
    }
    if (status == LineEditor::ReadStatus::kEnd) {
      std::cout << '\n' << std::flush;
      return 0;
    }
    ++line_number;
    if (!pending && IsDotCommandLine(line)) {
      splitter.Clear();
      editor.AddHistory(line);
      RunOutcome outcome;
      {
        RunningScope running;
        outcome = session.RunDotCommand(line, "", line_number);
      }
      if (outcome == RunOutcome::kQuit) return 0;
      if (interrupted.load()) std::cerr << "Interrupted\n" << std::flush;
      continue;
    }
    typed += typed.empty() ? line : "\n" + line;
    std::vector<SqlStatement> statements = splitter.AddLine(line, line_number);
    if (!splitter.HasPendingText()) {
      if (!IsBlankSql(typed)) editor.AddHistory(typed);
      typed.clear();
    }
    RunningScope running;
    for (const SqlStatement& statement : statements) {
      // A Ctrl-C that came before the statement started (before `running`) stops it here.
      if (!interrupted.load()) session.RunStatement(statement, "");
      if (interrupted.load()) {
        std::cerr << "Interrupted: the statements after the one that was running were not run\n"
                  << std::flush;
        break;
      }
    }
  }
}

}  // namespace edgelite::cli::shell
