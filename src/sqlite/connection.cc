// Opening and configuring SQLite connections, and preparing statements through the cache.
#include "sqlite/connection.h"

#include <fmt/format.h>
#include <strings.h>

#include "sqlite/pragma_policy.h"
#include "sqlite/sql_text.h"

namespace edgelite::sqlite {

int Connection::Authorize(void* self, int action, const char* arg1, const char* arg2,
                          const char* database, const char*) {
  auto* connection = static_cast<Connection*>(self);
  // Only finding where a statement ends (FirstStatementEnd): nothing may take effect.
  if (connection->measuring_) return action == SQLITE_PRAGMA ? SQLITE_IGNORE : SQLITE_OK;
  StatementFacts* facts = connection->collecting_facts_;
  auto client_state = [&] {
    if (facts) facts->changes_session = true;
  };
  bool in_temp = database != nullptr && strcasecmp(database, "temp") == 0;
  switch (action) {
    case SQLITE_ATTACH:
      // A file would let a client open any file the server can reach. An empty name is a private
      // temporary database (VACUUM attaches one itself, outside Prepare); a name computed by an
      // expression or bound as an argument (null here) could be any file.
      if (arg1 == nullptr || *arg1 != '\0') {
        if (facts) facts->attaches_file = true;
        return SQLITE_DENY;
      }
      client_state();
      return SQLITE_OK;
    case SQLITE_DETACH:
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_DROP_TEMP_INDEX:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_TEMP_TRIGGER:
    case SQLITE_DROP_TEMP_VIEW:
      client_state();
      return SQLITE_OK;
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_VIEW:
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_VTABLE:
    case SQLITE_ALTER_TABLE:
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
      // `CREATE TABLE temp.x`: TEMP objects named by their schema rather than the keyword.
      if (in_temp) client_state();
      return SQLITE_OK;
    case SQLITE_PRAGMA: {
      if (!arg1) return SQLITE_OK;
      switch (ClassifyPragma(arg1, arg2 != nullptr)) {
        case PragmaUse::kForbidden:
          return SQLITE_DENY;
        case PragmaUse::kSessionSetting:
          // SQLite applies many settings while it parses them: on a shared connection the
          // statement prepares as a no-op, and the executor moves it before it runs. On a
          // client's own, Prepare lets it take effect only once it is known to prepare.
          if (facts) facts->sets_pragma = true;
          client_state();
          return connection->takes_client_state_ && !connection->ignores_settings_ ? SQLITE_OK
                                                                                   : SQLITE_IGNORE;
        case PragmaUse::kDatabaseWrite:
          if (facts) facts->sets_pragma = true;
          return SQLITE_OK;
        case PragmaUse::kIntrospection:
          return SQLITE_OK;
      }
      return SQLITE_OK;
    }
    default:
      return SQLITE_OK;
  }
}

// changes() and total_changes() as SQLite defines them, but for the client session the statement
// runs for (SessionScope), when there is one.
void Connection::ChangesFunction(sqlite3_context* context, int, sqlite3_value**) {
  auto* connection = static_cast<Connection*>(sqlite3_user_data(context));
  sqlite3_result_int64(context, connection->session_ ? connection->session_->changes
                                                     : sqlite3_changes64(connection->db_));
}

void Connection::TotalChangesFunction(sqlite3_context* context, int, sqlite3_value**) {
  auto* connection = static_cast<Connection*>(sqlite3_user_data(context));
  int64_t total = sqlite3_total_changes64(connection->db_);
  if (connection->session_) {
    total = connection->session_->total_changes + total - connection->session_total_changes_base_;
  }
  sqlite3_result_int64(context, total);
}

SessionScope::SessionScope(Connection& connection, Session& session, bool counts_changes)
    : connection_(connection), session_(session), counts_changes_(counts_changes) {
  // last_insert_rowid() has a setter, so SQLite's own function (and the rowid it updates while the
  // statement inserts) serves it.
  sqlite3_set_last_insert_rowid(connection.db_, session.last_insert_rowid);
  connection.session_ = &session;
  connection.session_total_changes_base_ = sqlite3_total_changes64(connection.db_);
}

SessionScope::~SessionScope() {
  sqlite3* db = connection_.db_;
  session_.last_insert_rowid = sqlite3_last_insert_rowid(db);
  // An INSERT, UPDATE or DELETE that ran sets changes(), to 0 if it failed; others leave it.
  if (counts_changes_) session_.changes = sqlite3_changes64(db);
  session_.total_changes += sqlite3_total_changes64(db) - connection_.session_total_changes_base_;
  connection_.session_ = nullptr;
}

StatementLease::~StatementLease() {
  if (statement_ && connection_) {
    statement_->Reset();
    connection_->Return(sql_, std::move(statement_));
  }
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::Io(fmt::format("cannot open database {}: {}", options.path, message));
  }
  std::unique_ptr<Connection> connection(new Connection(db, options.statement_cache_capacity));
  connection->takes_client_state_ = options.takes_client_state;
  sqlite3_extended_result_codes(db, 1);
  // As sqld: a double-quoted word is an identifier, never a string literal that hides a typo'd
  // column name (SQLite's own advice for new applications). Existing schemas still load.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_wal_autocheckpoint(db, options.wal_autocheckpoint);

  // Foreign keys are enforced by default, as on sqld.
  std::string setup =
      fmt::format("PRAGMA cache_size = -{}; PRAGMA mmap_size = {}; PRAGMA foreign_keys = ON;",
                  options.cache_size_kib, options.mmap_size);
  if (options.create) setup += "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;";
  setup += options.durability == Durability::kStrong ? "PRAGMA synchronous = FULL;"
                                                     : "PRAGMA synchronous = NORMAL;";
  if (options.query_only) setup += "PRAGMA query_only = 1;";
  if (Status status = connection->Exec(setup.c_str()); !status.ok()) {
    return Status::Io(
        fmt::format("cannot configure database {}: {}", options.path, status.message()));
  }
  sqlite3_set_authorizer(db, &Connection::Authorize, connection.get());
  // Overrides of the built-in functions (application-defined functions take precedence).
  sqlite3_create_function_v2(db, "changes", 0, SQLITE_UTF8, connection.get(),
                             &Connection::ChangesFunction, nullptr, nullptr, nullptr);
  sqlite3_create_function_v2(db, "total_changes", 0, SQLITE_UTF8, connection.get(),
                             &Connection::TotalChangesFunction, nullptr, nullptr, nullptr);
  if (!options.server_database_name.empty()) {
    sqlite3_create_function_v2(
        db, "libsql_server_database_name", 0, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
        new std::string(options.server_database_name),
        [](sqlite3_context* context, int, sqlite3_value**) {
          const auto* name = static_cast<const std::string*>(sqlite3_user_data(context));
          sqlite3_result_text(context, name->data(), int(name->size()), SQLITE_STATIC);
        },
        nullptr, nullptr, [](void* name) { delete static_cast<std::string*>(name); });
  }
  return connection;
}

Connection::~Connection() {
  // Statements must be finalized before the connection closes.
  snapshot_hold_.reset();
  schema_probe_.reset();
  schema_cookie_.reset();
  cache_.Clear();
  sqlite3_close_v2(db_);
}

Status Connection::SetMaxPageCount(uint64_t pages) {
  std::string sql = fmt::format("PRAGMA max_page_count = {}", pages == 0 ? 4294967294ull : pages);
  // Past the authorizer, which refuses this PRAGMA to clients.
  sqlite3_set_authorizer(db_, nullptr, nullptr);
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_set_authorizer(db_, &Connection::Authorize, this);
  if (rc != SQLITE_OK) {
    return Status::Internal(fmt::format("{}: {}", sql, sqlite3_errmsg(db_)));
  }
  return Status::Ok();
}

Status Connection::HoldSnapshot() {
  ReleaseSnapshot();
  if (!snapshot_hold_) {
    // Any statement that reads the database and returns a row would do; this one reads a single
    // header field, and stays allowed by the authorizer (it sets nothing).
    sqlite3_stmt* handle = nullptr;
    int rc = sqlite3_prepare_v3(db_, "PRAGMA schema_version", -1, SQLITE_PREPARE_PERSISTENT,
                                &handle, nullptr);
    if (rc != SQLITE_OK) return Status::Internal(sqlite3_errmsg(db_));
    snapshot_hold_ = std::make_unique<Statement>(handle);
  }
  int rc = snapshot_hold_->Step();
  if (rc != SQLITE_ROW) {
    std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(snapshot_hold_->handle());
    return Status::Internal(fmt::format("cannot hold a read snapshot: {}", message));
  }
  snapshot_held_ = true;
  NoteSchemaVersion(sqlite3_column_int64(snapshot_hold_->handle(), 0));
  return Status::Ok();
}

void Connection::ReleaseSnapshot() {
  if (!snapshot_held_) return;
  sqlite3_reset(snapshot_hold_->handle());
  snapshot_held_ = false;
}

Status Connection::RefreshSchema() {
  return KeepingDeferredForeignKeys([this] { return StepSchemaProbe(); });
}

Status Connection::StepSchemaProbe() {
  if (!schema_probe_) {
    // Reads the schema table, so running it checks the schema cookie (and reloads on a change).
    sqlite3_stmt* handle = nullptr;
    int rc = sqlite3_prepare_v3(db_, "SELECT 1 FROM sqlite_schema WHERE 0", -1,
                                SQLITE_PREPARE_PERSISTENT, &handle, nullptr);
    if (rc != SQLITE_OK) return Status::Internal(sqlite3_errmsg(db_));
    schema_probe_ = std::make_unique<Statement>(handle);
  }
  int rc = schema_probe_->Step();
  sqlite3_reset(schema_probe_->handle());
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return Status::Internal(sqlite3_errmsg(db_));
  return Status::Ok();
}

Status Connection::CheckSchema() {
  return KeepingDeferredForeignKeys([this] {
    int64_t version = 0;
    if (Status status = ReadSchemaVersion(&version); !status.ok()) return status;
    if (version == schema_version_seen_) return Status::Ok();
    schema_version_seen_ = version;
    return StepSchemaProbe();
  });
}

Status Connection::ReadSchemaVersion(int64_t* version) {
  if (!schema_cookie_) {
    sqlite3_stmt* handle = nullptr;
    int rc = sqlite3_prepare_v3(db_, "PRAGMA schema_version", -1, SQLITE_PREPARE_PERSISTENT,
                                &handle, nullptr);
    if (rc != SQLITE_OK) return Status::Internal(sqlite3_errmsg(db_));
    schema_cookie_ = std::make_unique<Statement>(handle);
  }
  int rc = schema_cookie_->Step();
  if (rc == SQLITE_ROW) *version = sqlite3_column_int64(schema_cookie_->handle(), 0);
  std::string message = rc == SQLITE_ROW ? "" : sqlite3_errmsg(db_);
  sqlite3_reset(schema_cookie_->handle());
  return rc == SQLITE_ROW ? Status::Ok() : Status::Internal(message);
}

void Connection::NoteSchemaVersion(int64_t version) {
  if (version == schema_version_seen_) return;
  schema_version_seen_ = version;
  (void)StepSchemaProbe();
}

Status Connection::KeepingDeferredForeignKeys(const std::function<Status()>& work) {
  // Inside a transaction nothing ends it.
  if (!autocommit()) return work();
  bool deferred = DefersForeignKeys();
  Status status = work();
  if (deferred) RestoreDeferredForeignKeys();
  return status;
}

// Prepared afresh each time: a kept statement goes stale at every schema change, and a stale one
// stops when it starts, which makes SQLite roll back and end the setting before reading it.
bool Connection::DefersForeignKeys() {
  // Only a client can turn it on, and only on its own connection (the setting is refused elsewhere).
  if (!takes_client_state_ || !client_set_pragmas_) return false;
  bool deferred = false;
  sqlite3_stmt* read = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA defer_foreign_keys", -1, &read, nullptr) == SQLITE_OK &&
      sqlite3_step(read) == SQLITE_ROW) {
    deferred = sqlite3_column_int(read, 0) != 0;
  }
  sqlite3_finalize(read);
  return deferred;
}

void Connection::RestoreDeferredForeignKeys() { (void)Exec("PRAGMA defer_foreign_keys = ON"); }

Status Connection::Exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Status::Internal(text);
  }
  return Status::Ok();
}

size_t Connection::FirstStatementEnd(std::string_view sql) {
  size_t end = std::string_view::npos;
  measuring_ = true;
  for (size_t window = kSplitWindow; window < sql.size(); window *= 4) {
    sqlite3_stmt* handle = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), int(window), 0, &handle, &tail);
    sqlite3_finalize(handle);
    // Stopped before the window's end: at the ";" that ends the statement the whole text starts
    // with. At the end, or with a syntax error, the window may have cut a statement short; any
    // other error (a busy schema lock) is the whole text's to report.
    if (rc == SQLITE_OK && tail && size_t(tail - sql.data()) < window) {
      end = size_t(tail - sql.data());
      break;
    }
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_ERROR) break;
  }
  measuring_ = false;
  return end;
}

Result<Connection::Prepared> Connection::Prepare(std::string_view sql, SqliteError* error,
                                                 bool use_cache) {
  // Turso's BEGIN CONCURRENT goes to SQLite as BEGIN IMMEDIATE (sql_text.h), in a text as long as
  // `sql`: offsets into the one are offsets into the other.
  std::optional<std::string> concurrent = BeginConcurrentAsImmediate(sql);
  std::string_view parsed = concurrent ? std::string_view(*concurrent) : sql;
  // SQLite copies the text it is given (unless it ends in a NUL), and hashing a text for the cache
  // reads all of it: a sequence that prepares what is left of its text, statement after statement,
  // would take quadratic time (900 KB of "SELECT 1;" took 14 s). A long text is cut after its first
  // statement, and looked up in the cache only if nothing but blanks follows.
  std::string_view text = parsed;
  if (parsed.size() > kSplitWindow) text = parsed.substr(0, FirstStatementEnd(parsed));
  if (use_cache && (text.size() == sql.size() || IsBlankSql(sql.substr(text.size())))) {
    if (std::unique_ptr<Statement> cached = cache_.Take(sql)) {
      // Only texts holding exactly one statement are cached, so the tail is empty.
      return Prepared{StatementLease(this, std::string(sql), std::move(cached)), {}};
    }
  }
  sqlite3_stmt* handle = nullptr;
  const char* tail = nullptr;
  StatementFacts facts;
  // SQLite applies a setting as it parses it, even when the text then fails to prepare ("PRAGMA
  // foreign_keys = 0 garbage"), and the executor would never learn that the connection holds the
  // client's state: settings are ignored until the statement is known to prepare, then prepared
  // again to take effect.
  auto prepare = [&](bool apply_settings) {
    facts = StatementFacts();
    collecting_facts_ = &facts;
    ignores_settings_ = !apply_settings;
    int rc = sqlite3_prepare_v3(db_, text.data(), int(text.size()), SQLITE_PREPARE_PERSISTENT,
                                &handle, &tail);
    ignores_settings_ = false;
    collecting_facts_ = nullptr;
    return rc;
  };
  int rc = prepare(/*apply_settings=*/false);
  // The error ("no such table", "already exists") may come from a copy of the schema that another
  // connection has since changed: decide on the current one.
  if (rc != SQLITE_OK && RefreshSchema().ok()) rc = prepare(/*apply_settings=*/false);
  if (rc == SQLITE_OK && facts.sets_pragma && facts.changes_session && takes_client_state_) {
    sqlite3_finalize(handle);
    rc = prepare(/*apply_settings=*/true);
  }
  if (rc != SQLITE_OK) {
    *error = ErrorFromConnection(db_, rc);
    // SQLite says only "not authorized". sqld attaches only other databases of the same server
    // that allow it; this server holds one.
    if (facts.attaches_file) {
      error->message = "ATTACH is not allowed: a statement may attach only another database of "
                       "this server, and this server serves one database";
    }
    return Status::InvalidArgument(error->message);
  }
  std::string_view rest = tail ? sql.substr(size_t(tail - parsed.data())) : std::string_view();
  if (!handle) return Prepared{std::nullopt, rest};
  auto statement = std::make_unique<Statement>(handle);
  statement->set_facts(facts);
  client_set_pragmas_ = client_set_pragmas_ || facts.sets_pragma;
  // Cached: queries and DML. Not cached: a text with more statements after the first (the entry
  // would lose the tail), DDL and the like (re-running a cached CREATE must fail at prepare time,
  // as a fresh one does). A lease without a connection finalizes its statement.
  StatementKind kind = ClassifyStatement(sql);
  bool cacheable =
      use_cache && IsBlankSql(rest) && (kind == StatementKind::kInsert || kind == StatementKind::kUpdate ||
                           kind == StatementKind::kDelete ||
                           (kind == StatementKind::kOther && sqlite3_stmt_readonly(handle)));
  if (!cacheable) return Prepared{StatementLease(nullptr, {}, std::move(statement)), rest};
  return Prepared{StatementLease(this, std::string(sql), std::move(statement)), rest};
}

void Connection::Return(std::string_view sql, std::unique_ptr<Statement> statement) {
  cache_.Put(sql, std::move(statement));
}

}  // namespace edgelite::sqlite
