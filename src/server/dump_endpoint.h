// GET /dump (docs/protocol.md §2.7): the database as SQL text (dump_exporter.h), sent while it is
// produced. As on sqld, it needs Read permission, and `preserve_row_ids=true|false` is its one
// query parameter; unlike sqld, an unknown parameter is refused rather than ignored, so that a
// misspelt `preserve_rowids` does not silently drop the rowids.
//
// The dump runs on a dump worker (never on an I/O thread, nor on a read worker that other long
// reads need while a slow client holds the dump up), on a pooled read connection, in a read
// transaction of its own: it sees one commit, and the writer keeps committing meanwhile. The
// snapshot is held until the dump ends, the client goes, or the client stops reading for the
// listener's write timeout: only then can checkpoints copy the later commits and restart the WAL.
#pragma once

#include <memory>

#include "server/auth/authenticator.h"
#include "server/database.h"
#include "server/http_message.h"

namespace edgelite::server {

// The response: an error, or a body streamed from a dump that has been started.
HttpResponse ServeDump(const HttpRequest& request, const std::shared_ptr<Database>& database,
                       const auth::Authenticator& authenticator);

}  // namespace edgelite::server
