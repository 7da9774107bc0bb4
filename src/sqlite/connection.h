// Connection: one SQLite database connection with the settings edgelite relies on (WAL, page size
// 4096, the durability mode, a statement cache, an authorizer that keeps clients away from settings
// the server owns). A connection is used by one thread at a time; it is not internally locked.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "edgelite/status.h"
#include "sqlite/error.h"
#include "sqlite/session.h"
#include "sqlite/statement.h"
#include "sqlite/statement_cache.h"

namespace edgelite::sqlite {

// How commits reach the disk. kRelaxed = synchronous=NORMAL (a power failure may lose the last
// commits, never corrupts); kStrong = synchronous=FULL (nothing acknowledged is ever lost).
enum class Durability { kRelaxed, kStrong };

struct ConnectionOptions {
  std::string path;
  // What `libsql_server_database_name()` answers on this connection (sqld's: the namespace it
  // serves); empty: the function is not defined.
  std::string server_database_name;
  bool create = false;      // create the file (and set WAL + page size) if missing
  bool query_only = false;  // a read connection: any write fails with SQLITE_READONLY
  Durability durability = Durability::kRelaxed;
  int cache_size_kib = 8 * 1024;
  // Pages are read through a memory map of this much of the file rather than with a read() per
  // page missing from the connection's own cache (which every connection fills separately).
  int64_t mmap_size = int64_t{1} << 30;
  size_t statement_cache_capacity = 256;
  int busy_timeout_ms = 5000;
  std::string vfs;  // empty: SQLite's default VFS
  // Commits that leave this many WAL frames checkpoint on this connection; 0: never (the server's
  // writer, which captures every commit into the frame log, owns checkpoints).
  int wal_autocheckpoint = 1000;
  // A connection that one client's stream owns may take that client's state (TEMP objects,
  // ATTACH, settings). On any other (pooled readers, the writer) setting PRAGMAs prepare as
  // no-ops, since SQLite applies some settings while it parses: even preparing one there would
  // leak it to every later client. Their StatementFacts still say what they would have done; the
  // executor moves every statement with client state before it runs.
  bool takes_client_state = false;
};

class Connection;

// A prepared statement borrowed from a connection's cache. Resets the statement and returns it to
// the cache when destroyed.
class StatementLease {
 public:
  StatementLease(Connection* connection, std::string sql, std::unique_ptr<Statement> statement)
      : connection_(connection), sql_(std::move(sql)), statement_(std::move(statement)) {}
  StatementLease(StatementLease&&) = default;
  StatementLease& operator=(StatementLease&&) = default;
  ~StatementLease();

  Statement& operator*() { return *statement_; }
  Statement* operator->() { return statement_.get(); }

 private:
  Connection* connection_;
  std::string sql_;
  std::unique_ptr<Statement> statement_;
};

class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }

  // Runs one or more statements that return no rows the caller cares about (set-up, transaction
  // control issued by the server itself).
  Status Exec(const char* sql);

  // The outcome of preparing the first statement of a text.
  struct Prepared {
    std::optional<StatementLease> statement;  // empty when the text held no statement
    std::string_view tail;                    // the text after the statement
  };
  // Prepares the first statement in `sql`, from the cache when that exact text was seen before.
  // The statement's facts (StatementFacts) are those SQLite's parser reported while preparing it.
  // `use_cache` false prepares anew and caches nothing: for callers that never step the statement
  // (describe), since only stepping re-prepares a cached statement after a schema change.
  Result<Prepared> Prepare(std::string_view sql, SqliteError* error, bool use_cache = true);

  // Reloads the connection's copy of the schema if another connection changed it. SQLite notices a
  // change only when a statement runs, while preparing answers from the copy: `IF NOT EXISTS`,
  // "already exists" errors and describe would be decided on a schema that is gone.
  Status RefreshSchema();
  // RefreshSchema, but only when the schema cookie moved since this connection last looked (one
  // cheap read). For a connection that may have been left behind by another's DDL.
  Status CheckSchema();

  bool autocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  bool takes_client_state() const { return takes_client_state_; }
  // A client's `PRAGMA defer_foreign_keys`, which SQLite ends at every commit and rollback: read
  // it, and turn it back on where something other than the client's own statements ended it.
  bool DefersForeignKeys();
  void RestoreDeferredForeignKeys();
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int64_t changes() const { return sqlite3_changes64(db_); }

  // Snapshot holding. In WAL mode each autocommit statement starts and ends a read transaction of
  // its own, taking and releasing a WAL read lock (under a mutex that every connection of the
  // process shares, and often with an fcntl): for a point read that is a fifth of the server's
  // CPU. A hold keeps one read transaction open across statements instead: SQLite keeps an
  // autocommit read transaction alive while any statement is active, and the hold is a statement
  // paused on its row. Statements then read the snapshot of the moment the hold was taken, so the
  // owner renews it whenever the database may have changed since (ReadPool does). autocommit()
  // stays true, and a client's BEGIN and COMMIT work as without a hold.
  //
  // HoldSnapshot ends the held read transaction, if any, and starts one at the latest commit.
  Status HoldSnapshot();
  // The server's bound on the file's size in pages (SQLite's max_page_count; 0 for SQLite's own),
  // which clients' PRAGMAs may not change.
  Status SetMaxPageCount(uint64_t pages);
  // Ends the held read transaction: the connection is as if it had never held one.
  void ReleaseSnapshot();
  bool holds_snapshot() const { return snapshot_held_; }

 private:
  friend class StatementLease;
  Connection(sqlite3* db, size_t cache_capacity) : db_(db), cache_(cache_capacity) {}
  friend class SessionScope;
  void Return(std::string_view sql, std::unique_ptr<Statement> statement);
  static int Authorize(void* self, int action, const char* arg1, const char* arg2, const char*,
                       const char*);
  // Texts longer than this are cut after their first statement before they are prepared.
  static constexpr size_t kSplitWindow = 4096;
  // Where the first statement of `sql` ends (after its ";"), found by preparing ever longer
  // prefixes with every setting ignored, since a prefix may be another statement; npos when only
  // the whole text can tell (it holds one statement, or an error).
  size_t FirstStatementEnd(std::string_view sql);
  static void ChangesFunction(sqlite3_context* context, int, sqlite3_value**);
  static void TotalChangesFunction(sqlite3_context* context, int, sqlite3_value**);

  sqlite3* db_;
  bool takes_client_state_ = false;
  bool client_set_pragmas_ = false;  // a client's PRAGMA setting was prepared here
  StatementFacts* collecting_facts_ = nullptr;  // set while Prepare runs SQLite's parser
  bool ignores_settings_ = false;               // set while Prepare first prepares a statement
  bool measuring_ = false;                      // set while FirstStatementEnd runs SQLite's parser
  // The client session a statement runs for (SessionScope), and the connection's change count
  // when it started.
  Session* session_ = nullptr;
  int64_t session_total_changes_base_ = 0;
  StatementCache cache_;
  std::unique_ptr<Statement> snapshot_hold_;  // prepared on first use
  std::unique_ptr<Statement> schema_probe_;   // prepared on first use
  std::unique_ptr<Statement> schema_cookie_;  // prepared on first use
  int64_t schema_version_seen_ = -1;
  // Called with the schema cookie a statement just read: refreshes the schema when it moved.
  void NoteSchemaVersion(int64_t version);
  Status StepSchemaProbe();
  Status ReadSchemaVersion(int64_t* version);
  // Runs the server's own statements `work` without ending a client's `PRAGMA
  // defer_foreign_keys = ON`, which SQLite switches off whenever a statement completes in
  // autocommit mode.
  Status KeepingDeferredForeignKeys(const std::function<Status()>& work);
  bool snapshot_held_ = false;
};

// For the length of one client statement, makes the connection answer last_insert_rowid(),
// changes() and total_changes() from the client's session, and then folds what the statement did
// into it. `counts_changes` is true for INSERT, UPDATE and DELETE, the statements that set
// changes().
class SessionScope {
 public:
  SessionScope(Connection& connection, Session& session, bool counts_changes);
  ~SessionScope();
  SessionScope(const SessionScope&) = delete;
  SessionScope& operator=(const SessionScope&) = delete;

  // The statement failed before it ran (it no longer prepares): SQLite left changes() as the
  // connection's last statement set it, perhaps another session's, so the session keeps its own.
  void StatementNeverRan() { counts_changes_ = false; }

 private:
  Connection& connection_;
  Session& session_;
  bool counts_changes_;
};

}  // namespace edgelite::sqlite
