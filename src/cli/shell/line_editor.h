// LineEditor: the shell's prompt on a terminal, over libedit — cursor movement, emacs key
// bindings, and a history that Up and Down recall and that lasts across sessions in
// `history_file` (the shell uses $XDG_STATE_HOME/edgelite/shell_history, else
// ~/.local/state/edgelite/shell_history; the directory is created, mode 0700).
//
// Ctrl-C while typing abandons the line: the SIGINT handler sets `*interrupted`, and ReadLine
// reports kInterrupted. This works because libedit is given its own character reader that gives
// up as soon as a read() interrupted by the signal finds the flag set (libedit's reader would
// retry the read and swallow the first Ctrl-C).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace edgelite::cli::shell {

class LineEditor {
 public:
  enum class ReadStatus { kLine, kEnd, kInterrupted };

  // Edits on stdin/stdout; `history_file` empty keeps history for this session only.
  LineEditor(std::filesystem::path history_file, const std::atomic<bool>* interrupted);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // Shows `prompt` and reads one line into `*line` (without its line break).
  ReadStatus ReadLine(std::string_view prompt, std::string* line);
  // Adds `entry` to the history (and its file); line breaks become spaces, so that one Up
  // recalls a whole statement typed over several lines.
  void AddHistory(std::string_view entry);

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// $XDG_STATE_HOME/edgelite/shell_history, else ~/.local/state/edgelite/shell_history; empty when
// neither variable is set.
std::filesystem::path DefaultHistoryFile();

}  // namespace edgelite::cli::shell
