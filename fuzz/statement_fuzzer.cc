// Fuzzes a Hrana stream's requests end to end below the transport: an `execute` with fuzzed SQL and
// fuzzed arguments, a `describe` of the same SQL, then a `sequence`, each routed as the server
// routes it (a pooled reader, then the writer's group commit, then the stream's own connection) on
// a fresh in-memory database. That covers the splitter, the classifier, statement facts, the PRAGMA
// policy, binding and stepping.
//
// Beyond crashes it checks what the routing relies on: a shared connection (reader or writer) never
// keeps a client's state, whatever ran on it, and a stream's own connection that goes back to its
// pool (autocommit, no state reported) is as it was.
//
// Input: fields separated by 0x1e. Field 0: flags ('r' the caller may not write, 'w' want rows).
// Field 1: the execute's SQL. Field 2: the sequence's SQL. Fields 3...: arguments, positional as
// <tag><value>, named as N<name>=<tag><value>; tags i (integer), f (real), t (text), b (blob),
// anything else NULL.
#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "hrana/request_executor.h"
#include "hrana/stmt_executor.h"

namespace {

using edgelite::Blob;
using edgelite::Null;
using edgelite::Value;
using namespace edgelite::hrana;

constexpr char kSeparator = '\x1e';
constexpr size_t kMaxArgs = 32;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "invariant violated: %s\n", what.c_str());
  std::abort();
}

std::vector<std::string_view> Split(std::string_view input) {
  std::vector<std::string_view> fields;
  while (true) {
    size_t end = input.find(kSeparator);
    fields.push_back(input.substr(0, end));
    if (end == std::string_view::npos) return fields;
    input.remove_prefix(end + 1);
  }
}

Value ParseValue(std::string_view field) {
  if (field.empty()) return Null{};
  std::string_view rest = field.substr(1);
  switch (field.front()) {
    case 'i': {
      int64_t number = 0;
      std::from_chars(rest.data(), rest.data() + rest.size(), number);
      return number;
    }
    case 'f':
      return std::strtod(std::string(rest).c_str(), nullptr);  // nan, inf, 1e999 included
    case 't':
      return std::string(rest);
    case 'b':
      return Blob{std::string(rest)};
    default:
      return Null{};
  }
}

void ParseArg(std::string_view field, Stmt& stmt) {
  if (field.empty() || field.front() != 'N') {
    stmt.args.push_back(ParseValue(field));
    return;
  }
  field.remove_prefix(1);
  size_t equals = field.find('=');
  std::string_view name = field.substr(0, equals);
  std::string_view value = equals == std::string_view::npos ? "" : field.substr(equals + 1);
  stmt.named_args.push_back(NamedArg{std::string(name), ParseValue(value)});
}

// Legitimately slow SQL (a recursive CTE without end, a huge join) is cut off here, so that only
// real hangs, outside SQLite's loop, reach libFuzzer's -timeout.
struct Deadline {
  std::chrono::steady_clock::time_point at;
  static int Check(void* self) {
    return std::chrono::steady_clock::now() > static_cast<Deadline*>(self)->at ? 1 : 0;
  }
};

// Everything a client could leave on a connection besides a transaction: its settings, TEMP objects
// and attached databases. Read with the raw API, so that reading it leaves nothing either.
std::string ConnectionState(edgelite::sqlite::Connection& connection) {
  static constexpr const char* kProbes[] = {
      "PRAGMA foreign_keys",
      "PRAGMA recursive_triggers",
      "PRAGMA defer_foreign_keys",
      "PRAGMA reverse_unordered_selects",
      "PRAGMA automatic_index",
      "PRAGMA cache_size",
      "PRAGMA busy_timeout",
      "PRAGMA temp_store",
      "PRAGMA cell_size_check",
      "PRAGMA checkpoint_fullfsync",
      "PRAGMA fullfsync",
      "PRAGMA count_changes",
      "PRAGMA full_column_names",
      "PRAGMA short_column_names",
      "PRAGMA empty_result_callbacks",
      "PRAGMA ignore_check_constraints",
      "PRAGMA legacy_alter_table",
      "PRAGMA query_only",
      "PRAGMA read_uncommitted",
      "PRAGMA trusted_schema",
      "PRAGMA analysis_limit",
      "PRAGMA journal_mode",
      "PRAGMA synchronous",
      "PRAGMA locking_mode",
      "PRAGMA secure_delete",
      "PRAGMA soft_heap_limit",
      "PRAGMA hard_heap_limit",
      "PRAGMA threads",
      "PRAGMA cache_spill",
      "PRAGMA writable_schema",
      "PRAGMA journal_size_limit",
      "PRAGMA max_page_count",
      "PRAGMA mmap_size",
      "PRAGMA wal_autocheckpoint",
      "SELECT 'a' LIKE 'A'",  // case_sensitive_like has no getter
      "SELECT count(*) FROM temp.sqlite_schema",
      "PRAGMA database_list"};
  sqlite3* db = connection.handle();
  std::string state;
  for (const char* probe : kProbes) {
    state += probe;
    state += ':';
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, probe, -1, &statement, nullptr) != SQLITE_OK) {
      state += " cannot prepare: ";
      state += sqlite3_errmsg(db);
    }
    while (statement && sqlite3_step(statement) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const unsigned char* text = sqlite3_column_text(statement, i);
        state += ' ';
        state += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
    }
    sqlite3_finalize(statement);
    state += '\n';
  }
  return state;
}

class Stream {
 public:
  explicit Stream(bool may_write) : may_write_(may_write) {}

  bool Open() {
    writer_ = OpenConnection(/*query_only=*/false, /*takes_client_state=*/false, /*create=*/true);
    if (!writer_ ||
        !writer_
             ->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE);"
                    "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
                    "CREATE TABLE child(parent_id INTEGER REFERENCES parent(id) "
                    "DEFERRABLE INITIALLY DEFERRED);"
                    "CREATE TABLE log(x);"
                    "CREATE TRIGGER t_insert AFTER INSERT ON t BEGIN INSERT INTO log VALUES "
                    "(new.v); END;"
                    "CREATE VIEW tv AS SELECT * FROM t;"
                    "INSERT INTO t(v) VALUES ('a'), ('b'); INSERT INTO parent VALUES (1)")
             .ok()) {
      return false;
    }
    reader_ = OpenConnection(/*query_only=*/true, /*takes_client_state=*/false);
    own_ = OpenConnection(/*query_only=*/false, /*takes_client_state=*/true);
    if (!reader_ || !own_) return false;
    // Every input starts from the same database and connections.
    static const std::string writer_state = ConnectionState(*writer_);
    static const std::string reader_state = ConnectionState(*reader_);
    static const std::string own_state = ConnectionState(*own_);
    writer_state_ = &writer_state;
    reader_state_ = &reader_state;
    own_state_ = &own_state;
    deadline_.at = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    for (auto* connection : {writer_.get(), reader_.get(), own_.get()}) {
      sqlite3_progress_handler(connection->handle(), 1000, &Deadline::Check, &deadline_);
      // Bounds what one value may cost (randomblob(1e9)); the SQL text itself is far shorter.
      sqlite3_limit(connection->handle(), SQLITE_LIMIT_LENGTH, 1 << 20);
    }
    return true;
  }

  // Runs `request` where the server would, moving it on when the executor asks.
  void Run(const StreamRequest& request, std::string_view sql) {
    if (pin_ == Pin::kOwn) return RunOwn(request, sql);
    if (pin_ == Pin::kReader) {
      ExecutionContext context = Context(*reader_, Placement::kPinnedReader);
      RunStreamRequest(context, request);
      if (reader_->autocommit()) pin_ = Pin::kNone;
      return;
    }
    ExecutionContext context = Context(*reader_, Placement::kReader);
    RequestOutcome outcome = RunStreamRequest(context, request);
    auto* escalation = std::get_if<Escalation>(&outcome);
    if (!escalation) {
      if (!reader_->autocommit()) pin_ = Pin::kReader;  // a read-only transaction
      return;
    }
    if (!reader_->autocommit()) Admin(*reader_, "ROLLBACK");  // as the pool does
    if (escalation->kind == Escalation::Kind::kToWriter && RunInGroup(request, sql)) return;
    RunOwn(request, sql);
  }

  // At the end of the stream: its own connection goes back to the pool unless it holds state, and
  // the shared ones must be as they were (checked once: nothing that ran could undo a leak).
  void Close(std::string_view sql) {
    if (!own_->autocommit()) Admin(*own_, "ROLLBACK");
    if (!holds_state_) ExpectState(*own_, *own_state_, "an own connection back in its pool", sql);
    if (!reader_->autocommit()) Admin(*reader_, "ROLLBACK");
    ExpectState(*reader_, *reader_state_, "a reader", sql);
    ExpectState(*writer_, *writer_state_, "the writer", sql);
  }

 private:
  enum class Pin { kNone, kReader, kOwn };

  std::unique_ptr<edgelite::sqlite::Connection> OpenConnection(bool query_only,
                                                               bool takes_client_state,
                                                               bool create = false) {
    edgelite::sqlite::ConnectionOptions options;
    options.path = "/fuzz";  // memdb: one in-memory database shared by the connections
    options.vfs = "memdb";
    options.create = create;
    options.query_only = query_only;
    options.takes_client_state = takes_client_state;
    options.busy_timeout_ms = 0;
    auto connection = edgelite::sqlite::Connection::Open(options);
    return connection.ok() ? std::move(connection).value() : nullptr;
  }

  ExecutionContext Context(edgelite::sqlite::Connection& connection, Placement placement) {
    ExecutionContext context;
    context.connection = &connection;
    context.placement = placement;
    context.may_write = may_write_;
    context.version = ProtocolVersion::kV3;
    context.sql_store = &store_;
    context.response_budget = 1 << 20;
    context.state = state_;
    return context;
  }

  // As the writer runs a group member: inside its transaction, undone to a savepoint when it fails
  // or moves on. False when the request must run alone, on the stream's own connection.
  bool RunInGroup(const StreamRequest& request, std::string_view sql) {
    if (!Admin(*writer_, "BEGIN IMMEDIATE; SAVEPOINT edgelite_request")) return false;
    ExecutionContext context = Context(*writer_, Placement::kWriterGroup);
    RequestOutcome outcome = RunStreamRequest(context, request);
    bool moves = std::holds_alternative<Escalation>(outcome);
    bool alone = moves || writer_->autocommit();  // a statement ended the group's transaction
    if (!writer_->autocommit()) {
      if (moves || std::holds_alternative<RequestFailure>(outcome)) {
        Admin(*writer_, "ROLLBACK TO edgelite_request");
      }
      Admin(*writer_, "RELEASE edgelite_request");
      if (!Admin(*writer_, "COMMIT")) Admin(*writer_, "ROLLBACK");
    }
    if (!writer_->autocommit()) Fail("the writer's group stays open after: " + std::string(sql));
    if (!alone) state_ = context.state;
    return !alone;
  }

  // The server's own statements, which its client's deadline does not cut short.
  bool Admin(edgelite::sqlite::Connection& connection, const char* sql) {
    sqlite3_progress_handler(connection.handle(), 0, nullptr, nullptr);
    bool ok = connection.Exec(sql).ok();
    sqlite3_progress_handler(connection.handle(), 1000, &Deadline::Check, &deadline_);
    return ok;
  }

  void RunOwn(const StreamRequest& request, std::string_view sql) {
    ExecutionContext context = Context(*own_, Placement::kOwn);
    RequestOutcome outcome = RunStreamRequest(context, request);
    if (std::holds_alternative<Escalation>(outcome)) {
      Fail("a request on an own connection asked to move: " + std::string(sql));
    }
    state_ = context.state;
    holds_state_ |= context.session_state_changed;
    pin_ = holds_state_ || !own_->autocommit() ? Pin::kOwn : Pin::kNone;
    if (pin_ == Pin::kNone)
      ExpectState(*own_, *own_state_, "an own connection back in its pool", sql);
  }

  void ExpectState(edgelite::sqlite::Connection& connection, const std::string& expected,
                   const char* where, std::string_view sql) {
    sqlite3_progress_handler(connection.handle(), 0, nullptr, nullptr);  // reads all of it
    std::string state = ConnectionState(connection);
    sqlite3_progress_handler(connection.handle(), 1000, &Deadline::Check, &deadline_);
    if (state == expected) return;
    std::string differences;
    std::istringstream was(expected), is(state);
    for (std::string before, after; std::getline(was, before) && std::getline(is, after);) {
      if (before != after) differences += "  " + before + "  ->  " + after + "\n";
    }
    Fail(std::string(where) + " keeps a client's state after:\n" + std::string(sql) + "\n" +
         differences);
  }

  bool may_write_;
  Deadline deadline_;
  SqlStore store_{50, 5 * 1024};
  StreamState state_;
  Pin pin_ = Pin::kNone;
  bool holds_state_ = false;
  std::unique_ptr<edgelite::sqlite::Connection> writer_, reader_, own_;
  const std::string* writer_state_ = nullptr;
  const std::string* reader_state_ = nullptr;
  const std::string* own_state_ = nullptr;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string_view> fields =
      Split(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string_view flags = fields[0];
  std::string_view execute_sql = fields.size() > 1 ? fields[1] : std::string_view();
  std::string_view sequence_sql = fields.size() > 2 ? fields[2] : std::string_view();

  Stream stream(/*may_write=*/flags.find('r') == std::string_view::npos);
  if (!stream.Open()) Fail("cannot open the in-memory database");

  ExecuteRequest execute;
  execute.stmt.sql = std::string(execute_sql);
  execute.stmt.want_rows = flags.find('w') != std::string_view::npos;
  for (size_t i = 3; i < fields.size() && i - 3 < kMaxArgs; ++i) ParseArg(fields[i], execute.stmt);
  stream.Run(execute, execute_sql);

  DescribeRequest describe;
  describe.sql = std::string(execute_sql);
  stream.Run(describe, execute_sql);

  SequenceRequest sequence;
  sequence.sql = std::string(sequence_sql);
  stream.Run(sequence, sequence_sql);

  stream.Close(std::string(execute_sql) + "\n(then the sequence)\n" + std::string(sequence_sql));
  return 0;
}
