// DumpDatabase: `.dump`, the SQL text that rebuilds the shell's database, in the same form for
// every target. A local file (or an embedded replica's file) is dumped in this process by the
// server's own exporter, from a read-only connection of its own; a remote database is asked for
// its `GET /dump`. Either way the dump shows committed data: what the shell's own open
// transaction has not committed yet is not in it.
#pragma once

#include <ostream>

#include "cli/shell/shell_target.h"
#include "edgelite/status.h"

namespace edgelite::cli::shell {

Status DumpDatabase(const ShellTarget& target, std::ostream& out);

}  // namespace edgelite::cli::shell
