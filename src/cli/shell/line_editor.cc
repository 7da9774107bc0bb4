// The libedit wrapper: one EditLine and one History for the shell's lifetime.
#include "cli/shell/line_editor.h"

#include <histedit.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace edgelite::cli::shell {

struct LineEditor::State {
  EditLine* editor = nullptr;
  History* history = nullptr;
  std::filesystem::path history_file;
  const std::atomic<bool>* interrupted = nullptr;
  std::string prompt;
  bool was_interrupted = false;
};

namespace {

constexpr int kHistorySize = 1000;

LineEditor::State* StateOf(EditLine* editor) {
  void* data = nullptr;
  el_get(editor, EL_CLIENTDATA, &data);
  return static_cast<LineEditor::State*>(data);
}

char* Prompt(EditLine* editor) {
  return StateOf(editor)->prompt.data();
}

// One character from the terminal, decoding UTF-8 itself (libedit hands the reader a wide
// character). Returns 1 with a character, 0 at end of input, -1 when interrupted.
int ReadCharacter(EditLine* editor, wchar_t* character) {
  LineEditor::State* state = StateOf(editor);
  auto read_byte = [&](unsigned char* byte) -> int {
    while (true) {
      const ssize_t count = ::read(STDIN_FILENO, byte, 1);
      if (count == 1) return 1;
      if (count == 0) return 0;
      if (errno != EINTR) return -1;
      if (state->interrupted && state->interrupted->load()) {
        state->was_interrupted = true;
        return -1;
      }
    }
  };
  unsigned char lead = 0;
  if (int got = read_byte(&lead); got != 1) return got;
  const int length = lead < 0x80           ? 1
                     : (lead >> 5) == 0x6  ? 2
                     : (lead >> 4) == 0xE  ? 3
                     : (lead >> 3) == 0x1E ? 4
                                           : 1;
  wchar_t value = length == 1 ? lead : lead & (0x7F >> length);
  for (int i = 1; i < length; ++i) {
    unsigned char next = 0;
    if (int got = read_byte(&next); got != 1) return got;
    value = (value << 6) | (next & 0x3F);
  }
  *character = value;
  return 1;
}

}  // namespace

std::filesystem::path DefaultHistoryFile() {
  if (const char* state_home = std::getenv("XDG_STATE_HOME"); state_home && *state_home) {
    return std::filesystem::path(state_home) / "edgelite" / "shell_history";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".local" / "state" / "edgelite" / "shell_history";
  }
  return {};
}

LineEditor::LineEditor(std::filesystem::path history_file, const std::atomic<bool>* interrupted)
    : state_(std::make_unique<State>()) {
  state_->history_file = std::move(history_file);
  state_->interrupted = interrupted;
  state_->history = history_init();
  HistEvent event;
  history(state_->history, &event, H_SETSIZE, kHistorySize);
  history(state_->history, &event, H_SETUNIQUE, 1);
  if (!state_->history_file.empty()) {
    std::error_code error;
    std::filesystem::create_directories(state_->history_file.parent_path(), error);
    std::filesystem::permissions(state_->history_file.parent_path(),
                                 std::filesystem::perms::owner_all, error);
    history(state_->history, &event, H_LOAD, state_->history_file.c_str());
  }
  state_->editor = el_init("edgelite", stdin, stdout, stderr);
  el_set(state_->editor, EL_CLIENTDATA, state_.get());
  el_set(state_->editor, EL_EDITOR, "emacs");
  el_set(state_->editor, EL_PROMPT, &Prompt);
  el_set(state_->editor, EL_HIST, history, state_->history);
  el_set(state_->editor, EL_GETCFN, &ReadCharacter);
  // The user's ~/.editrc (key bindings), as every libedit program reads it.
  el_source(state_->editor, nullptr);
}

LineEditor::~LineEditor() {
  el_end(state_->editor);
  history_end(state_->history);
}

LineEditor::ReadStatus LineEditor::ReadLine(std::string_view prompt, std::string* line) {
  state_->prompt = std::string(prompt);
  state_->was_interrupted = false;
  int count = 0;
  const char* text = el_gets(state_->editor, &count);
  if (state_->was_interrupted || (state_->interrupted && state_->interrupted->load())) {
    return ReadStatus::kInterrupted;
  }
  if (text == nullptr || count <= 0) return ReadStatus::kEnd;
  line->assign(text, static_cast<size_t>(count));
  while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
  return ReadStatus::kLine;
}

void LineEditor::AddHistory(std::string_view entry) {
  std::string flat(entry);
  for (char& c : flat) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  HistEvent event;
  history(state_->history, &event, H_ENTER, flat.c_str());
  if (!state_->history_file.empty()) {
    history(state_->history, &event, H_SAVE, state_->history_file.c_str());
    // History holds what was typed, passwords in SQL included: readable by the user alone.
    std::error_code error;
    std::filesystem::permissions(
        state_->history_file,
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
  }
}

}  // namespace edgelite::cli::shell
