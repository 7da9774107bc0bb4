// GET /export: the database as a plain SQLite file, for `edgelite db export` and for anyone who
// wants a copy to open with `sqlite3`. Needs Read permission, as /dump. The copy is taken with
// SQLite's online backup on a pooled read connection, in one read transaction: it holds exactly
// one commit, and writers keep committing meanwhile (WAL). It is written to a temporary file
// on a dump worker, then streamed, so a slow client holds no read snapshot; the file says
// journal_mode=DELETE, so it opens anywhere without a -wal beside it (database_copy.h). The temporary file is
// removed once sent, or when the client goes.
#pragma once

#include <filesystem>
#include <memory>

#include "server/auth/authenticator.h"
#include "server/database.h"
#include "server/http_message.h"

namespace edgelite::server {

// `scratch` is the directory for the temporary copies (the data directory's).
HttpResponse ServeExport(const HttpRequest& request, const std::shared_ptr<Database>& database,
                         const auth::Authenticator& authenticator,
                         const std::filesystem::path& scratch);

}  // namespace edgelite::server
