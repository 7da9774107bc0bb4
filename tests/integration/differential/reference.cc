// Hrana requests executed on plain SQLite, one connection per stream.
#include "integration/differential/reference.h"

#include <fmt/format.h>

namespace edgelite::differential {
namespace {

// SQLite's own words are compared with the server's; these come from Hrana, not SQLite, so only
// the fact of the error is compared.
constexpr std::string_view kNoStatement = "SQL string does not contain any statement";
constexpr std::string_view kManyStatements = "SQL string contains more than one statement";

struct StmtRun {
  bool ok = false;
  StmtResult result;
  ErrorInfo error;
};

ErrorInfo SqliteError(sqlite3* db) {
  return ErrorInfo{sqlite3_errmsg(db), "", true};
}

ErrorInfo HranaError(std::string_view message) {
  return ErrorInfo{std::string(message), "", false};
}

// Whether only whitespace and comments remain, as after the one statement of a Stmt.
bool IsBlank(const char* at, const char* end) {
  while (at < end) {
    if (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r' || *at == '\f') {
      ++at;
    } else if (end - at >= 2 && at[0] == '-' && at[1] == '-') {
      while (at < end && *at != '\n') ++at;
    } else if (end - at >= 2 && at[0] == '/' && at[1] == '*') {
      const char* close = at + 2;
      while (close + 1 < end && !(close[0] == '*' && close[1] == '/')) ++close;
      if (close + 1 >= end) return true;  // an unterminated comment runs to the end
      at = close + 2;
    } else {
      return false;
    }
  }
  return true;
}

int Bind(sqlite3_stmt* stmt, int index, const Value& value) {
  switch (value.type) {
    case Value::Type::kNull:
      return sqlite3_bind_null(stmt, index);
    case Value::Type::kInteger:
      return sqlite3_bind_int64(stmt, index, value.integer);
    case Value::Type::kFloat:
      return sqlite3_bind_double(stmt, index, value.real);
    case Value::Type::kText:
      return sqlite3_bind_text64(stmt, index, value.bytes.data(), value.bytes.size(),
                                 SQLITE_TRANSIENT, SQLITE_UTF8);
    case Value::Type::kBlob:
      return sqlite3_bind_blob64(stmt, index, value.bytes.data(), value.bytes.size(),
                                 SQLITE_TRANSIENT);
  }
  return SQLITE_MISUSE;
}

Value ColumnValue(sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER:
      return Value::Integer(sqlite3_column_int64(stmt, column));
    case SQLITE_FLOAT:
      return Value::Float(sqlite3_column_double(stmt, column));
    case SQLITE_TEXT: {
      const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
      return Value::Text(std::string(text, size_t(sqlite3_column_bytes(stmt, column))));
    }
    case SQLITE_BLOB: {
      const char* blob = static_cast<const char*>(sqlite3_column_blob(stmt, column));
      return Value::Blob(std::string(blob ? blob : "", size_t(sqlite3_column_bytes(stmt, column))));
    }
    default:
      return Value::Null();
  }
}

std::optional<std::string> OptionalText(const char* text) {
  return text ? std::optional<std::string>(text) : std::nullopt;
}

// Prepares the single statement of `sql`; on failure `error` says why and nullptr is returned.
sqlite3_stmt* PrepareOne(sqlite3* db, const std::string& sql, ErrorInfo& error) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &stmt, &tail) != SQLITE_OK) {
    error = SqliteError(db);
    return nullptr;
  }
  if (!stmt) {
    error = HranaError(kNoStatement);
    return nullptr;
  }
  if (!IsBlank(tail, sql.data() + sql.size())) {
    sqlite3_finalize(stmt);
    error = HranaError(kManyStatements);
    return nullptr;
  }
  return stmt;
}

StmtRun RunStmt(sqlite3* db, const StmtSpec& spec) {
  StmtRun run;
  sqlite3_stmt* stmt = PrepareOne(db, spec.sql, run.error);
  if (!stmt) return run;
  for (size_t i = 0; i < spec.args.size(); ++i) Bind(stmt, int(i) + 1, spec.args[i]);
  for (const NamedArg& arg : spec.named_args) {
    Bind(stmt, sqlite3_bind_parameter_index(stmt, arg.sqlite_name.c_str()), arg.value);
  }
  int64_t rowid_before = sqlite3_last_insert_rowid(db);
  int columns = 0;
  int rc;
  bool first = true;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW || (first && rc == SQLITE_DONE)) {
    if (first) {
      // Only now: the first step re-prepares a statement whose schema changed since it was
      // prepared, and the columns change with it.
      first = false;
      columns = sqlite3_column_count(stmt);
      for (int i = 0; i < columns; ++i) {
        run.result.column_names.push_back(OptionalText(sqlite3_column_name(stmt, i)));
        run.result.column_decltypes.push_back(OptionalText(sqlite3_column_decltype(stmt, i)));
      }
      if (rc == SQLITE_DONE) break;
    }
    if (!spec.want_rows) continue;
    std::vector<Value> row;
    for (int i = 0; i < columns; ++i) row.push_back(ColumnValue(stmt, i));
    run.result.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) {
    run.error = SqliteError(db);
    sqlite3_finalize(stmt);
    return run;
  }
  if (spec.kind != StatementKind::kOther) {
    run.result.affected_row_count = uint64_t(sqlite3_changes64(db));
  }
  if (spec.kind == StatementKind::kInsert) {
    run.result.last_insert_rowid = sqlite3_last_insert_rowid(db);
    run.result.rowid_unchanged = *run.result.last_insert_rowid == rowid_before;
  }
  sqlite3_finalize(stmt);
  run.ok = true;
  return run;
}

bool Evaluate(const Condition& condition, const std::vector<StepOutcome>& steps, sqlite3* db) {
  switch (condition.type) {
    case Condition::Type::kOk:
      return steps.at(condition.step).state == StepOutcome::State::kOk;
    case Condition::Type::kError:
      // sqld's quirk (docs/protocol.md §3.4): "error" is "did not succeed", so a skipped step
      // counts as failed.
      return steps.at(condition.step).state != StepOutcome::State::kOk;
    case Condition::Type::kNot:
      return !Evaluate(condition.children.at(0), steps, db);
    case Condition::Type::kAnd:
      for (const Condition& child : condition.children) {
        if (!Evaluate(child, steps, db)) return false;
      }
      return true;
    case Condition::Type::kOr:
      for (const Condition& child : condition.children) {
        if (Evaluate(child, steps, db)) return true;
      }
      return false;
    case Condition::Type::kIsAutocommit:
      return sqlite3_get_autocommit(db) != 0;
  }
  return false;
}

// Reads a boolean PRAGMA; such a read opens no transaction.
bool PragmaIsOn(sqlite3* db, const char* pragma) {
  sqlite3_stmt* stmt = nullptr;
  bool on = false;
  if (sqlite3_prepare_v2(db, pragma, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    on = sqlite3_column_int(stmt, 0) != 0;
  }
  sqlite3_finalize(stmt);
  return on;
}

Outcome Failed(ErrorInfo error) {
  Outcome outcome;
  outcome.failed = true;
  outcome.error = std::move(error);
  return outcome;
}

Outcome RunSequence(sqlite3* db, const std::string& sql) {
  const char* at = sql.data();
  const char* end = sql.data() + sql.size();
  while (at < end) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db, at, int(end - at), &stmt, &tail) != SQLITE_OK) {
      return Failed(SqliteError(db));
    }
    if (!stmt) break;  // only comments and whitespace were left
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
      Outcome failed = Failed(SqliteError(db));
      sqlite3_finalize(stmt);
      return failed;
    }
    sqlite3_finalize(stmt);
    at = tail;
  }
  return Outcome{};
}

Outcome RunDescribe(sqlite3* db, const std::string& sql) {
  ErrorInfo error;
  sqlite3_stmt* stmt = PrepareOne(db, sql, error);
  if (!stmt) return Failed(std::move(error));
  Outcome outcome;
  for (int i = 1; i <= sqlite3_bind_parameter_count(stmt); ++i) {
    outcome.describe.params.push_back(OptionalText(sqlite3_bind_parameter_name(stmt, i)));
  }
  for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
    outcome.describe.column_names.push_back(sqlite3_column_name(stmt, i));
    outcome.describe.column_decltypes.push_back(OptionalText(sqlite3_column_decltype(stmt, i)));
  }
  outcome.describe.is_explain = sqlite3_stmt_isexplain(stmt) != 0;
  outcome.describe.is_readonly = sqlite3_stmt_readonly(stmt) != 0;
  sqlite3_finalize(stmt);
  return outcome;
}

}  // namespace

Result<std::unique_ptr<ReferenceDatabase>> ReferenceDatabase::Create(
    const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  std::filesystem::path file = directory / "reference.db";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(file.string() + suffix, error);
  }
  std::unique_ptr<ReferenceDatabase> database(new ReferenceDatabase(file));
  // The first connection makes the file and puts it in WAL mode, which sticks to the file.
  Result<sqlite3*> first = database->ConnectionFor("");
  if (!first.ok()) return first.status();
  char* message = nullptr;
  if (sqlite3_exec(*first, "PRAGMA journal_mode = WAL", nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "?";
    sqlite3_free(message);
    return Status::Internal("reference database: " + text);
  }
  return database;
}

ReferenceDatabase::~ReferenceDatabase() {
  for (auto& [stream, db] : connections_) sqlite3_close_v2(db);
}

Result<sqlite3*> ReferenceDatabase::ConnectionFor(const std::string& stream) {
  if (auto found = connections_.find(stream); found != connections_.end()) return found->second;
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(file_.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string text = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::Internal("reference database: cannot open " + file_.string() + ": " + text);
  }
  // sqld's connections: foreign keys enforced, "x" always an identifier. No busy timeout: the
  // replay is serial, so a lock held in the replay is a conflict in the order the server chose.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  char* message = nullptr;
  // synchronous = OFF: durability does not change a result, and the replay runs many times.
  if (sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF", nullptr, nullptr,
                   &message) != SQLITE_OK) {
    std::string text = message ? message : "?";
    sqlite3_free(message);
    sqlite3_close_v2(db);
    return Status::Internal("reference database: cannot configure a connection: " + text);
  }
  connections_[stream] = db;
  return db;
}

Outcome ReferenceDatabase::Run(const std::string& stream, const Request& request) {
  if (request.kind == RequestKind::kClose) {
    if (auto found = connections_.find(stream); found != connections_.end()) {
      sqlite3_close_v2(found->second);
      connections_.erase(found);
    }
    return Outcome{};
  }
  if (request.kind == RequestKind::kStoreSql || request.kind == RequestKind::kCloseSql) {
    return Outcome{};  // the reference always has the text at hand
  }
  Result<sqlite3*> opened = ConnectionFor(stream);
  if (!opened.ok()) return Failed(HranaError(opened.status().message()));
  sqlite3* db = *opened;
  if (request.Traced() && sqlite3_get_autocommit(db)) {
    // A connection's cached schema is checked against the file only by statements that read
    // tables, so a PRAGMA (table_info, foreign_key_list, ...) or a describe on a connection that
    // has been idle while other streams changed the schema would answer from the old one. That
    // is SQLite's quirk, not edgelite's promise: refresh the schema first. Only outside a
    // transaction, where this read leaves no snapshot behind.
    // That read ends a (read) transaction, which switches defer_foreign_keys off: put it back.
    bool deferred = PragmaIsOn(db, "PRAGMA defer_foreign_keys");
    sqlite3_exec(db, "SELECT 1 FROM sqlite_schema LIMIT 1", nullptr, nullptr, nullptr);
    if (deferred) sqlite3_exec(db, "PRAGMA defer_foreign_keys = ON", nullptr, nullptr, nullptr);
  }
  switch (request.kind) {
    case RequestKind::kExecute: {
      StmtRun run = RunStmt(db, request.stmt);
      if (!run.ok) return Failed(std::move(run.error));
      Outcome outcome;
      outcome.result = std::move(run.result);
      return outcome;
    }
    case RequestKind::kBatch:
    case RequestKind::kCursor: {
      Outcome outcome;
      outcome.steps.resize(request.steps.size());
      for (size_t i = 0; i < request.steps.size(); ++i) {
        const Step& step = request.steps[i];
        if (step.condition && !Evaluate(*step.condition, outcome.steps, db)) continue;
        StmtRun run = RunStmt(db, step.stmt);
        outcome.steps[i].state = run.ok ? StepOutcome::State::kOk : StepOutcome::State::kError;
        outcome.steps[i].result = std::move(run.result);
        outcome.steps[i].error = std::move(run.error);
      }
      return outcome;
    }
    case RequestKind::kSequence:
      return RunSequence(db, request.sql);
    case RequestKind::kDescribe:
      return RunDescribe(db, request.sql);
    case RequestKind::kGetAutocommit: {
      Outcome outcome;
      outcome.is_autocommit = sqlite3_get_autocommit(db) != 0;
      return outcome;
    }
    default:
      return Outcome{};
  }
}

}  // namespace edgelite::differential
