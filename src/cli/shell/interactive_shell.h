// RunInteractiveShell: the prompt loop on a terminal. Lines are edited with LineEditor; SQL
// accumulates (with a continuation prompt) until a `;` completes it; a dot command is recognised
// on a line of its own when no statement is pending.
//
// Ctrl-C: while typing, it abandons the statement typed so far; while statements run, it stops
// the ones still to come (the rest of the line, or of a `.read` file) once the running one has
// returned, and a second Ctrl-C then ends the shell (exit status 130), for a statement that takes
// too long. Ctrl-D on an empty prompt, `.quit` and `.exit` leave.
#pragma once

#include "cli/shell/line_editor.h"
#include "cli/shell/shell_session.h"

namespace edgelite::cli::shell {

// Returns the shell's exit status: 0.
int RunInteractiveShell(ShellSession& session, std::string_view banner,
                        const std::filesystem::path& history_file);

}  // namespace edgelite::cli::shell
