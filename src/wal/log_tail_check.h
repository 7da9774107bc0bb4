// The start-up check that the database still holds what the frame log's newest records wrote. An
// operator who deletes `data-wal` after a crash, or restores `data` from a backup, leaves a file
// that the log's WAL position alone cannot tell apart from a clean restart (the WAL is gone or in
// another generation either way), so the log would go on numbering frames on top of a database
// that lost commits or is another database, and replicas would keep rows the primary no longer has.
//
// What is compared: the database as of the WAL position the log's last record names (the
// database file, plus the WAL's frames up to that position while the WAL is still in that
// generation; their checksum chain must end at the recorded checksum) against the log: its size
// where it comes from the database file alone, and the newest logged version of every page the
// newest records wrote, newest record first, up to 4 MiB of pages; a record bigger than what is
// left of that (a VACUUM, a base snapshot) is compared on pages spread evenly over it.
//
// Why a legitimate restart always passes: the WAL leaves the generation the log names only after
// a checkpoint copied all of it into the database file, and checkpoints never copy frames that are
// not logged yet (capture VFS), so the database file then holds exactly the log's state; within
// the generation, the verified WAL prefix is the frames the log was captured from. Pages the log
// does not touch in the checked window are not compared: the cost is the WAL prefix (which
// SQLite's own recovery reads anyway) and at most 4 MiB of pages, whatever the database's size.
#pragma once

#include <optional>
#include <string>

#include "edgelite/status.h"
#include "wal/frame_log.h"
#include "wal/wal_capture.h"
#include "wal/wal_index.h"

namespace edgelite::wal {

// Why the database does not hold the tail of `log`, or nullopt when it does (or the log is empty).
// An error is a failure to read. `live` is the wal-index header and `database`/`wal` read the
// files behind it; the caller holds the WAL write lock, so none of them can change, and has not
// rolled anything forward into the log yet.
Result<std::optional<std::string>> FindLogTailMismatch(const FrameLog& log,
                                                       const WalIndexHeader& live,
                                                       WalReader& database, WalReader& wal);

}  // namespace edgelite::wal
