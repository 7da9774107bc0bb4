// The differential test's random workload.
#include "integration/differential/workload.h"

#include <fmt/format.h>

#include <functional>
#include <sstream>

namespace edgelite::differential {
namespace {

// A statement with `{}` where each value goes; rendering decides whether values are written into
// the SQL or bound (positionally, by number, or by name).
struct Template {
  std::string text;
  std::vector<Value> values;
  StatementKind kind = StatementKind::kOther;
};

Template T(std::string text, std::vector<Value> values = {},
           StatementKind kind = StatementKind::kOther) {
  return Template{std::move(text), std::move(values), kind};
}

Template Insert(std::string text, std::vector<Value> values = {}) {
  return T(std::move(text), std::move(values), StatementKind::kInsert);
}

Template Update(std::string text, std::vector<Value> values = {}) {
  return T(std::move(text), std::move(values), StatementKind::kUpdate);
}

Template Delete(std::string text, std::vector<Value> values = {}) {
  return T(std::move(text), std::move(values), StatementKind::kDelete);
}

std::string SqlLiteral(const Value& value) {
  switch (value.type) {
    case Value::Type::kNull:
      return "NULL";
    case Value::Type::kInteger:
      return std::to_string(value.integer);
    case Value::Type::kFloat: {
      std::string text = fmt::format("{:.17g}", value.real);
      if (text.find_first_of(".en") == std::string::npos) text += ".0";
      return text;
    }
    case Value::Type::kText: {
      std::string quoted = "'";
      for (char c : value.bytes) {
        if (c == '\'') quoted += '\'';
        quoted += c;
      }
      return quoted + "'";
    }
    case Value::Type::kBlob: {
      std::string hex = "x'";
      for (unsigned char c : value.bytes) hex += fmt::format("{:02x}", c);
      return hex + "'";
    }
  }
  return "NULL";
}

}  // namespace

std::string Features::Disable(Features& features, const std::string& list) {
  std::map<std::string, bool*> names = {{"http", &features.http},
                                        {"websocket", &features.websocket},
                                        {"ddl", &features.ddl},
                                        {"temp", &features.temp},
                                        {"pragmas", &features.pragmas},
                                        {"cursors", &features.cursors},
                                        {"savepoints", &features.savepoints},
                                        {"errors", &features.errors},
                                        {"batches", &features.batches},
                                        {"stored_sql", &features.stored_sql},
                                        {"connection_state", &features.connection_state},
                                        {"stale_rowid", &features.stale_rowid},
                                        {"describe", &features.describe},
                                        {"state_in_batches", &features.state_in_batches},
                                        {"autocommit_conditions", &features.autocommit_conditions}};
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    auto found = names.find(item);
    if (found == names.end()) {
      std::string known;
      for (const auto& [name, flag] : names) known += " " + name;
      return "unknown feature \"" + item + "\"; known:" + known;
    }
    *found->second = false;
  }
  if (!features.http && !features.websocket) return "both transports are disabled";
  return "";
}

std::vector<std::string> SchemaStatements() {
  return {
      "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE, "
      "v INTEGER NOT NULL DEFAULT 0 CHECK (v >= 0))",
      "CREATE TABLE child(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id) ON DELETE "
      "CASCADE, note TEXT, qty INTEGER NOT NULL DEFAULT 0, UNIQUE (pid, note))",
      "CREATE TABLE kv(k TEXT PRIMARY KEY, v, n INTEGER) WITHOUT ROWID",
      "CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, x INTEGER, y REAL, b BLOB)",
      "CREATE TABLE dfk(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id) DEFERRABLE "
      "INITIALLY DEFERRED)",
      "CREATE TABLE st(id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, a ANY) STRICT",
      "CREATE TABLE log(id INTEGER PRIMARY KEY, what TEXT)",
      "CREATE INDEX child_qty ON child(qty)",
      "CREATE TRIGGER parent_audit AFTER UPDATE OF v ON parent BEGIN INSERT INTO log(what) "
      "VALUES ('parent ' || new.id || ': ' || old.v || ' -> ' || new.v); END",
      "CREATE TRIGGER child_guard BEFORE INSERT ON child WHEN new.qty > 90 BEGIN "
      "SELECT RAISE(ABORT, 'qty too large'); END",
      "CREATE TRIGGER seq_unlucky BEFORE INSERT ON seq WHEN new.x = 13 BEGIN "
      "SELECT RAISE(ROLLBACK, 'unlucky thirteen'); END",
      "CREATE TRIGGER kv_guard BEFORE UPDATE ON kv WHEN new.n < 0 BEGIN "
      "SELECT RAISE(FAIL, 'negative n'); END",
      "INSERT INTO parent(id, name, v) VALUES (1, 'a', 5), (2, 'b', 5), (3, 'c', 5)",
      "INSERT INTO child(pid, note, qty) VALUES (1, 'x', 1), (2, 'y', 2)",
      "INSERT INTO kv(k, v, n) VALUES ('k1', 1, 1)",
  };
}

Workload::Workload(uint64_t seed, int client, Features features)
    : rng_(seed * 0x9E3779B97F4A7C15ull + uint64_t(client) * 0xBF58476D1CE4E5B9ull + 1),
      client_(client),
      features_(features) {}

bool Workload::Chance(double probability) {
  return std::uniform_real_distribution<double>(0, 1)(rng_) < probability;
}

int Workload::Uniform(int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(rng_);
}

StmtSpec Workload::Statement() {
  auto pick = [&](const std::vector<std::string>& options) {
    return options[size_t(Uniform(0, int(options.size()) - 1))];
  };
  auto integer = [&](int low, int high) { return Value::Integer(Uniform(low, high)); };
  auto parent_id = [&] { return integer(0, 9); };
  auto name = [&] {
    return Chance(0.1) ? Value::Null() : Value::Text(std::string(1, char('a' + Uniform(0, 7))));
  };
  auto note = [&] { return Chance(0.15) ? Value::Null() : Value::Text(pick({"x", "y", "z"})); };
  auto qty = [&] { return Chance(0.06) ? integer(91, 95) : integer(0, 30); };
  auto key = [&] { return Value::Text("k" + std::to_string(Uniform(1, 5))); };
  auto real = [&] {
    static const double kFloats[] = {0.5, -2.25, 0.1, 1e-5, 3.0, 123456.789, -0.0, 2.5e300};
    return Value::Float(kFloats[Uniform(0, 7)]);
  };
  auto text = [&] {
    static const char* kTexts[] = {"",       "a",  "it's", "héllo wörld", "日本語", "line\nbreak",
                                   "%_like", "12", "3.5"};
    return Value::Text(kTexts[Uniform(0, 8)]);
  };
  auto blob = [&] {
    static const char* kBlobs[] = {"", "\x01\x02", "abc", "\xff\xfe\x80"};
    return Value::Blob(kBlobs[Uniform(0, 3)]);
  };
  auto any = [&]() -> Value {
    switch (Uniform(0, 6)) {
      case 0:
        return Value::Null();
      case 1:
        return integer(-3, 20);
      case 2:
        return Chance(0.5) ? Value::Integer(INT64_MAX) : Value::Integer(INT64_MIN);
      case 3:
        return real();
      case 4:
      case 5:
        return text();
      default:
        return blob();
    }
  };
  auto conflict = [&] {
    return pick({"", "", " OR IGNORE", " OR REPLACE", " OR ROLLBACK", " OR ABORT", " OR FAIL"});
  };
  auto if_not_exists = [&] { return Chance(0.5) ? " IF NOT EXISTS" : ""; };
  auto if_exists = [&] { return Chance(0.5) ? " IF EXISTS" : ""; };
  auto typed = [&](Value right) { return Chance(0.75) ? right : any(); };

  using Generator = std::function<Template()>;
  std::vector<std::pair<int, Generator>> menu;
  auto add = [&](int weight, Generator generator) {
    menu.emplace_back(weight, std::move(generator));
  };

  // Reads.
  add(4, [&] { return T("SELECT id, name, v FROM parent ORDER BY id"); });
  add(3, [&] {
    return T("SELECT id, pid, note, qty FROM child WHERE pid = {} ORDER BY id", {parent_id()});
  });
  add(3, [&] { return T("SELECT k, v, typeof(v), n FROM kv ORDER BY k"); });
  add(2, [&] { return T("SELECT count(*), sum(qty), max(id) FROM child"); });
  add(2, [&] {
    return T(
        "SELECT p.id, p.name, count(c.id) AS children FROM parent p LEFT JOIN child c ON "
        "c.pid = p.id GROUP BY p.id ORDER BY p.id");
  });
  add(2, [&] { return T("SELECT id, x, y, b FROM seq ORDER BY id DESC LIMIT 3"); });
  add(2, [&] { return T("SELECT id, what FROM log ORDER BY id DESC LIMIT 4"); });
  add(1, [&] { return T("SELECT id, pid FROM dfk ORDER BY id"); });
  add(1, [&] { return T("SELECT id, i, r, t, a, typeof(a) FROM st ORDER BY id"); });
  add(1, [&] { return T("SELECT name, seq FROM sqlite_sequence ORDER BY name"); });
  add(2, [&] {
    return T(
        "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < {}) "
        "SELECT i, i * i AS square, printf('%03d', i) AS padded FROM r",
        {integer(1, 25)});
  });
  add(3, [&] {
    Value value = any();
    return T("SELECT {} AS value, typeof({}) AS type", {value, value});
  });
  add(1, [&] { return T("SELECT {} AS a, {} AS b, {} AS c", {any(), any(), any()}); });
  add(2, [&] {
    return T(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite%' "
        "ORDER BY type, name");
  });
  add(1, [&] {
    int low = Uniform(0, 20);
    return T(
        "SELECT p.name, c.note, c.qty FROM parent p JOIN child c ON c.pid = p.id WHERE "
        "c.qty BETWEEN {} AND {} ORDER BY c.id",
        {Value::Integer(low), Value::Integer(low + Uniform(0, 10))});
  });
  add(1, [&] {
    return T(
        "SELECT 9223372036854775807 AS max, -9223372036854775807 - 1 AS min, 0.1 AS tenth, "
        "1e300 AS big, -0.0 AS negative_zero, x'00ff10' AS bytes, '' AS empty, "
        "'it''s' AS quote, 'héllo ✓' AS unicode, NULL AS nothing");
  });
  add(1, [&] { return T("SELECT json_object('k', {}, 'n', {}) AS j", {text(), integer(-5, 5)}); });
  add(1, [&] {
    return T("SELECT group_concat(name, ',') FROM (SELECT name FROM parent ORDER BY id)");
  });
  add(1, [&] {
    // Not a blob: CAST(x'ff' AS TEXT) is not UTF-8, which Hrana's JSON cannot carry as text.
    auto castable = [&] { return Chance(0.5) ? text() : Chance(0.5) ? real() : integer(-3, 20); };
    return T("SELECT CAST({} AS INTEGER), CAST({} AS REAL), CAST({} AS TEXT)",
             {castable(), castable(), castable()});
  });
  add(1, [&] { return T("EXPLAIN QUERY PLAN SELECT * FROM child WHERE qty = {}", {qty()}); });

  // Writes.
  add(5, [&] {
    return Insert("INSERT" + conflict() + " INTO parent(id, name, v) VALUES ({}, {}, {})",
                  {parent_id(), name(), integer(-1, 12)});
  });
  add(1, [&] {
    return Insert("REPLACE INTO parent(id, name, v) VALUES ({}, {}, {})",
                  {parent_id(), name(), integer(0, 12)});
  });
  add(2, [&] {
    return Insert("INSERT INTO parent(name, v) VALUES ({}, {}) RETURNING id, name, v",
                  {name(), integer(0, 9)});
  });
  add(2, [&] {
    std::string clause =
        pick({"ON CONFLICT(id) DO UPDATE SET v = parent.v + excluded.v", "ON CONFLICT DO NOTHING",
              "ON CONFLICT(name) DO UPDATE SET v = excluded.v WHERE parent.v < excluded.v"});
    return Insert("INSERT INTO parent(id, name, v) VALUES ({}, {}, {}) " + clause,
                  {parent_id(), name(), integer(0, 9)});
  });
  add(5, [&] {
    return Insert("INSERT" + conflict() + " INTO child(pid, note, qty) VALUES ({}, {}, {})",
                  {parent_id(), note(), qty()});
  });
  add(1, [&] {
    return Insert(
        "INSERT INTO child(pid, note, qty) SELECT id, {}, {} FROM parent WHERE id <= {} "
        "ORDER BY id",
        {note(), qty(), integer(1, 4)});
  });
  add(3, [&] {
    std::string form =
        pick({"INSERT INTO kv(k, v, n) VALUES ({}, {}, {}) ON CONFLICT(k) DO UPDATE "
              "SET v = excluded.v, n = kv.n + 1",
              "INSERT INTO kv(k, v, n) VALUES ({}, {}, {})",
              "INSERT OR REPLACE INTO kv(k, v, n) VALUES ({}, {}, {})"});
    return Insert(form, {key(), any(), integer(-1, 9)});
  });
  add(3, [&] {
    return Insert("INSERT INTO seq(x, y, b) VALUES ({}, {}, {})", {integer(0, 15), real(), blob()});
  });
  add(2, [&] { return Insert("INSERT INTO dfk(pid) VALUES ({})", {parent_id()}); });
  add(2, [&] {
    return Insert("INSERT INTO st(i, r, t, a) VALUES ({}, {}, {}, {})",
                  {typed(integer(-5, 5)), typed(real()), typed(text()), any()});
  });
  add(1, [&] { return Insert("INSERT INTO log(what) VALUES ({})", {text()}); });
  add(1, [&] {
    return Insert("WITH n(x) AS (SELECT {}) INSERT INTO log(what) SELECT 'with ' || x FROM n",
                  {integer(0, 99)});
  });
  add(4, [&] {
    return Update("UPDATE" + conflict() + " parent SET v = v + {} WHERE id = {}",
                  {integer(-3, 3), parent_id()});
  });
  add(1, [&] {
    return Update("UPDATE parent SET name = {} WHERE id = {}", {name(), parent_id()});
  });
  add(1, [&] {
    return Update("UPDATE parent SET id = {} WHERE id = {}", {parent_id(), parent_id()});
  });
  add(2, [&] {
    return Update("UPDATE child SET qty = qty + {} WHERE pid = {}", {integer(1, 3), parent_id()});
  });
  add(1, [&] {
    return Update("UPDATE child SET pid = {} WHERE id = (SELECT min(id) FROM child)",
                  {parent_id()});
  });
  add(1, [&] {
    return Update("UPDATE OR ROLLBACK child SET note = {} WHERE id = (SELECT max(id) FROM child)",
                  {note()});
  });
  add(2, [&] { return Update("UPDATE kv SET n = {} WHERE k = {}", {integer(-1, 9), key()}); });
  add(1, [&] {
    return Update("UPDATE parent SET v = v - 1 WHERE v > {} RETURNING id, v", {integer(0, 6)});
  });
  add(2, [&] { return Delete("DELETE FROM parent WHERE id = {}", {parent_id()}); });
  add(1, [&] { return Delete("DELETE FROM parent WHERE id > {} RETURNING id", {integer(7, 9)}); });
  add(3, [&] {
    return Delete("DELETE FROM child WHERE id IN (SELECT id FROM child ORDER BY id LIMIT {})",
                  {integer(1, 3)});
  });
  add(1, [&] { return Delete("DELETE FROM kv WHERE k = {}", {key()}); });
  add(1, [&] { return Delete("DELETE FROM seq WHERE id < (SELECT max(id) - 5 FROM seq)"); });
  add(1, [&] { return Delete("DELETE FROM log WHERE id <= (SELECT max(id) - 12 FROM log)"); });
  add(1, [&] {
    return Delete("DELETE FROM dfk WHERE pid IS NULL OR pid NOT IN (SELECT id FROM parent)");
  });
  add(1, [&] { return Delete("DELETE FROM st WHERE id < (SELECT max(id) - 4 FROM st)"); });

  // Transactions.
  add(6, [&] { return T(TransactionControl().sql); });

  if (features_.connection_state) {
    add(3, [&] { return T("SELECT changes(), total_changes(), last_insert_rowid()"); });
  }
  if (features_.ddl) {
    add(1, [&] {
      return T(fmt::format("CREATE TABLE{} {}(a INTEGER PRIMARY KEY, b TEXT, c INTEGER DEFAULT 0)",
                           if_not_exists(), pick({"s1", "s2"})));
    });
    add(1, [&] {
      return T(fmt::format("DROP TABLE{} {}", if_exists(), pick({"s1", "s2", "s3"})));
    });
    add(1, [&] {
      return T(fmt::format("ALTER TABLE {} ADD COLUMN {} TEXT DEFAULT 'dd'", pick({"s1", "s2"}),
                           pick({"d1", "d2"})));
    });
    add(1, [&] {
      return T(pick({"ALTER TABLE s1 RENAME COLUMN b TO bb", "ALTER TABLE s1 RENAME COLUMN bb TO b",
                     "ALTER TABLE s1 RENAME TO s3", "ALTER TABLE s3 RENAME TO s1"}));
    });
    add(1, [&] {
      return T(fmt::format("ALTER TABLE {} DROP COLUMN {}", pick({"s1", "s2", "s3"}),
                           pick({"c", "d1", "b"})));
    });
    add(2, [&] {
      return Insert(fmt::format("INSERT INTO {}(b) VALUES ({{}})", pick({"s1", "s2", "s3"})),
                    {text()});
    });
    add(1, [&] { return Insert("INSERT INTO s1 DEFAULT VALUES"); });
    add(1, [&] { return Update("UPDATE s1 SET c = c + 1"); });
    add(2, [&] { return T(fmt::format("SELECT * FROM {} ORDER BY 1", pick({"s1", "s2", "s3"}))); });
    add(1, [&] {
      return T(
          pick({std::string("CREATE INDEX") + if_not_exists() + " i1 ON parent(v)",
                std::string("CREATE UNIQUE INDEX") + if_not_exists() + " i2 ON child(note, qty)",
                std::string("CREATE INDEX") + if_not_exists() + " i3 ON s1(b)"}));
    });
    add(1, [&] {
      return T(fmt::format("DROP INDEX{} {}", if_exists(), pick({"i1", "i2", "i3"})));
    });
    add(1, [&] {
      return T(std::string("CREATE VIEW") + if_not_exists() +
               " v1 AS SELECT p.id, p.name, count(c.id) AS n FROM parent p LEFT JOIN child c ON "
               "c.pid = p.id GROUP BY p.id");
    });
    add(1, [&] { return T(fmt::format("DROP VIEW{} v1", if_exists())); });
    add(1, [&] { return T("SELECT * FROM v1 ORDER BY id"); });
    add(1, [&] {
      return T(pick({std::string("CREATE TRIGGER") + if_not_exists() +
                         " tr1 AFTER INSERT ON child BEGIN UPDATE parent SET v = v + 1 WHERE id = "
                         "new.pid; END",
                     std::string("CREATE TRIGGER") + if_not_exists() +
                         " tr2 BEFORE DELETE ON kv WHEN old.n = 7 BEGIN SELECT RAISE(IGNORE); END",
                     std::string("CREATE TRIGGER") + if_not_exists() +
                         " tr3 AFTER DELETE ON parent BEGIN INSERT INTO log(what) VALUES "
                         "('deleted ' || old.id); END"}));
    });
    add(1, [&] {
      return T(fmt::format("DROP TRIGGER{} {}", if_exists(), pick({"tr1", "tr2", "tr3"})));
    });
  }
  if (features_.temp) {
    add(1, [&] {
      return T(fmt::format("CREATE TEMP TABLE{} tmp1(a INTEGER PRIMARY KEY, b)", if_not_exists()));
    });
    add(1, [&] {
      return T(fmt::format("DROP TABLE{} {}", if_exists(), pick({"tmp1", "temp.tmp1"})));
    });
    add(2, [&] { return Insert("INSERT INTO tmp1(b) VALUES ({})", {any()}); });
    add(2, [&] { return T("SELECT a, b FROM tmp1 ORDER BY a"); });
    add(1, [&] { return Update("UPDATE tmp1 SET b = {} WHERE a = {}", {any(), integer(1, 4)}); });
    add(1, [&] {
      return T(fmt::format("CREATE TEMP VIEW{} tv1 AS SELECT id, v FROM parent WHERE v > 3",
                           if_not_exists()));
    });
    add(1, [&] { return T(fmt::format("DROP VIEW{} tv1", if_exists())); });
    add(1, [&] { return T("SELECT * FROM tv1 ORDER BY id"); });
    add(1, [&] {
      return T(
          fmt::format("CREATE TEMP TRIGGER{} tt1 AFTER INSERT ON parent BEGIN INSERT INTO "
                      "log(what) VALUES ('tt1 saw ' || new.id); END",
                      if_not_exists()));
    });
    add(1, [&] { return T(fmt::format("DROP TRIGGER{} tt1", if_exists())); });
    add(1, [&] { return T("CREATE TEMP TABLE tmp2 AS SELECT id, name FROM parent"); });
    add(1, [&] { return T(fmt::format("DROP TABLE{} tmp2", if_exists())); });
    add(1, [&] { return T("SELECT type, name, sql FROM sqlite_temp_schema ORDER BY name"); });
  }
  if (features_.pragmas) {
    add(2, [&] { return T(pick({"PRAGMA foreign_keys = ON", "PRAGMA foreign_keys = OFF"})); });
    add(1, [&] { return T("PRAGMA foreign_keys"); });
    add(2, [&] {
      return T(pick({"PRAGMA defer_foreign_keys = ON", "PRAGMA defer_foreign_keys = OFF",
                     "PRAGMA defer_foreign_keys"}));
    });
    add(2, [&] {
      return T(fmt::format("PRAGMA table_info({})",
                           pick({"parent", "child", "s1", "s3", "tmp1", "v1"})));
    });
    add(1, [&] { return T("PRAGMA table_xinfo(s1)"); });
    add(2, [&] {
      return T(
          pick({"PRAGMA user_version", "PRAGMA user_version = " + std::to_string(Uniform(0, 5))}));
    });
    add(1, [&] {
      return T(pick({"PRAGMA foreign_key_check", "PRAGMA index_list(child)",
                     "PRAGMA foreign_key_list(child)", "PRAGMA temp.table_info(tmp1)"}));
    });
  }
  if (features_.errors) {
    add(6, [&] {
      return T(pick({"SELEC 1", "SELECT * FROM nope", "SELECT nope FROM parent",
                     "SELECT abs(-9223372036854775807 - 1)",
                     "SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)",
                     "SELECT json('{bad')", "SELECT 1 UNION SELECT 1, 2", "CREATE TABLE parent(x)",
                     "SELECT * FROM parent WHERE", "SELECT RAISE(ABORT, 'outside a trigger')",
                     "SELECT 1; SELECT 2", "SELECT substr()", "SELECT \"double quoted\"",
                     "SELECT likelihood(1, 2)", "SELECT zeroblob(9223372036854775807)",
                     "DROP TABLE nope", "ROLLBACK TO nosuch", "RELEASE nosuch", ""}));
    });
    add(2, [&] {
      return Insert(
          pick({"INSERT INTO parent(id, name) VALUES ('abc', 'zz')",
                "INSERT INTO parent VALUES (1)", "INSERT INTO st(i) VALUES ('not a number')",
                "INSERT INTO child(pid, note, qty) VALUES (1, 'q', NULL)"}));
    });
  }

  int total = 0;
  for (const auto& [weight, generator] : menu) total += weight;
  int chosen = Uniform(0, total - 1);
  Template chosen_template;
  for (const auto& [weight, generator] : menu) {
    if (chosen < weight) {
      chosen_template = generator();
      break;
    }
    chosen -= weight;
  }

  // Render: inline the values, or bind them positionally ("?"), by number ("?N", in a shuffled
  // order) or by name (":p", "@p", "$p"; sent with or without the prefix).
  StmtSpec spec;
  spec.kind = chosen_template.kind;
  int mode = chosen_template.values.empty() ? 0 : Uniform(0, 4);
  std::vector<int> numbers(chosen_template.values.size());
  for (size_t i = 0; i < numbers.size(); ++i) numbers[i] = int(i) + 1;
  if (mode == 2) std::shuffle(numbers.begin(), numbers.end(), rng_);
  if (mode == 2) spec.args.resize(numbers.size());
  std::string prefix = pick({":", "@", "$"});
  size_t next = 0;
  const std::string& pattern = chosen_template.text;
  for (size_t at = 0; at < pattern.size(); ++at) {
    if (pattern.compare(at, 2, "{}") != 0) {
      spec.sql += pattern[at];
      continue;
    }
    ++at;
    const Value& value = chosen_template.values.at(next);
    switch (mode) {
      case 0:
      case 1:
        spec.sql += SqlLiteral(value);
        break;
      case 2:
        spec.sql += "?" + std::to_string(numbers[next]);
        spec.args[size_t(numbers[next] - 1)] = value;
        break;
      case 3:
        spec.sql += "?";
        spec.args.push_back(value);
        break;
      default: {
        std::string parameter = prefix + "p" + std::to_string(next);
        spec.sql += parameter;
        spec.named_args.push_back(
            NamedArg{Chance(0.3) ? parameter.substr(1) : parameter, parameter, value});
        break;
      }
    }
    ++next;
  }
  return spec;
}

StmtSpec Workload::InlineStatement() {
  while (true) {
    StmtSpec spec = Statement();
    if (spec.args.empty() && spec.named_args.empty()) return spec;
  }
}

StmtSpec Workload::TransactionControl() {
  std::vector<std::string> options = {"BEGIN",
                                      "BEGIN DEFERRED",
                                      "BEGIN IMMEDIATE",
                                      "BEGIN EXCLUSIVE",
                                      "BEGIN TRANSACTION",
                                      "COMMIT",
                                      "END",
                                      "COMMIT TRANSACTION",
                                      "ROLLBACK",
                                      "ROLLBACK TRANSACTION"};
  if (features_.savepoints) {
    options.insert(options.end(),
                   {"SAVEPOINT sp1", "SAVEPOINT sp2", "RELEASE sp1", "RELEASE SAVEPOINT sp2",
                    "ROLLBACK TO sp1", "ROLLBACK TRANSACTION TO SAVEPOINT sp2"});
  }
  StmtSpec spec;
  spec.sql = options[size_t(Uniform(0, int(options.size()) - 1))];
  return spec;
}

void Workload::Mark(Request& request) {
  request.marker = fmt::format("c{}.{}", client_, counter_++);
  std::string comment = "/*" + request.marker + "*/ ";
  switch (request.kind) {
    case RequestKind::kExecute:
      request.stmt.sql = comment + request.stmt.sql;
      break;
    case RequestKind::kBatch:
    case RequestKind::kCursor:
      request.steps.at(0).stmt.sql = comment + request.steps.at(0).stmt.sql;
      break;
    case RequestKind::kSequence:
    case RequestKind::kDescribe:
      request.sql = comment + request.sql;
      break;
    default:
      break;
  }
}

Request Workload::Execute(StmtSpec stmt) {
  Request request;
  request.kind = RequestKind::kExecute;
  request.stmt = std::move(stmt);
  request.stmt.want_rows = !Chance(0.08);
  Mark(request);
  return request;
}

Request Workload::GetAutocommit() {
  Request request;
  request.kind = RequestKind::kGetAutocommit;
  Mark(request);
  return request;
}

Request Workload::Close() {
  Request request;
  request.kind = RequestKind::kClose;
  Mark(request);
  return request;
}

Request Workload::Sequence() {
  Request request;
  request.kind = RequestKind::kSequence;
  int count = Uniform(1, 4);
  for (int i = 0; i < count; ++i) {
    if (i) request.sql += "; ";
    request.sql += InlineStatement().sql;
  }
  Mark(request);
  return request;
}

Request Workload::DescribeRequest() {
  Request request;
  request.kind = RequestKind::kDescribe;
  request.sql = Statement().sql;  // parameters are what describe reports
  Mark(request);
  return request;
}

Request Workload::Batch(StreamState& state, bool cursor) {
  Request request;
  request.kind = cursor ? RequestKind::kCursor : RequestKind::kBatch;
  auto ok = [](uint32_t step) { return Condition{Condition::Type::kOk, step, {}}; };
  auto error = [](uint32_t step) { return Condition{Condition::Type::kError, step, {}}; };
  auto negate = [](Condition c) { return Condition{Condition::Type::kNot, 0, {std::move(c)}}; };
  auto autocommit = [] { return Condition{Condition::Type::kIsAutocommit, 0, {}}; };
  auto step_of = [](StmtSpec stmt, std::optional<Condition> condition) {
    return Step{std::move(condition), std::move(stmt)};
  };
  auto sets_state = [](const StmtSpec& stmt) {
    for (const char* prefix :
         {"BEGIN", "SAVEPOINT", "PRAGMA", "CREATE TEMP", "RELEASE", "ROLLBACK", "COMMIT", "END"}) {
      if (stmt.sql.starts_with(prefix)) return true;
    }
    return false;
  };
  auto statement = [&](bool later_step) {
    while (true) {
      StmtSpec stmt;
      if (later_step && state.stored && !state.stored->empty() && Chance(0.25)) {
        auto it = state.stored->begin();
        std::advance(it, Uniform(0, int(state.stored->size()) - 1));
        stmt = it->second;
        stmt.sql_id = it->first;
      } else {
        stmt = Statement();
      }
      if (features_.state_in_batches || !later_step || !sets_state(stmt)) return stmt;
    }
  };

  int shape = Uniform(0, 99);
  bool autocommit_allowed = features_.autocommit_conditions;
  if (shape < 35 || (shape < 55 && (!autocommit_allowed || !features_.state_in_batches))) {
    // The official clients' transactional batch: BEGIN, each step only if the previous one
    // succeeded, COMMIT, and ROLLBACK unless COMMIT succeeded.
    StmtSpec begin;
    begin.sql = std::vector<std::string>{"BEGIN", "BEGIN IMMEDIATE",
                                         "BEGIN DEFERRED"}[size_t(Uniform(0, 2))];
    request.steps.push_back(step_of(begin, std::nullopt));
    int count = Uniform(1, 4);
    for (int i = 0; i < count; ++i) {
      request.steps.push_back(step_of(statement(true), ok(uint32_t(request.steps.size() - 1))));
    }
    StmtSpec commit;
    commit.sql = "COMMIT";
    request.steps.push_back(step_of(commit, ok(uint32_t(request.steps.size() - 1))));
    StmtSpec rollback;
    rollback.sql = "ROLLBACK";
    request.steps.push_back(step_of(rollback, negate(ok(uint32_t(request.steps.size() - 1)))));
  } else if (shape < 55) {
    // A transaction only if none is open, committed only if one is.
    request.steps.push_back(step_of(Statement(), std::nullopt));
    StmtSpec begin;
    begin.sql = "BEGIN";
    request.steps.push_back(step_of(begin, autocommit()));
    int count = Uniform(1, 3);
    for (int i = 0; i < count; ++i) {
      request.steps.push_back(
          step_of(statement(true), Chance(0.5) ? std::optional<Condition>()
                                               : ok(uint32_t(request.steps.size() - 1))));
    }
    StmtSpec commit;
    commit.sql = Chance(0.8) ? "COMMIT" : "ROLLBACK";
    request.steps.push_back(step_of(commit, negate(autocommit())));
  } else {
    int count = Uniform(1, 6);
    for (int i = 0; i < count; ++i) {
      std::optional<Condition> condition;
      int kind = Uniform(0, 99);
      uint32_t earlier = i > 0 ? uint32_t(Uniform(0, i - 1)) : 0;
      if (!autocommit_allowed && kind >= 85) kind = Uniform(40, 74);
      if (i == 0 || kind < 40) {
        if (kind < 8 && autocommit_allowed) {
          condition = Chance(0.5) ? autocommit() : negate(autocommit());
        }
      } else if (kind < 55) {
        condition = ok(earlier);
      } else if (kind < 65) {
        condition = error(earlier);
      } else if (kind < 75) {
        condition = negate(ok(earlier));
      } else if (kind < 85) {
        Condition both{Chance(0.5) ? Condition::Type::kAnd : Condition::Type::kOr, 0, {}};
        both.children.push_back(ok(earlier));
        both.children.push_back(
            Chance(0.5) || !autocommit_allowed ? error(uint32_t(Uniform(0, i - 1))) : autocommit());
        condition = both;
      } else if (kind < 93) {
        condition = autocommit();
      } else {
        condition = negate(autocommit());
      }
      request.steps.push_back(step_of(statement(i > 0), condition));
    }
  }
  Mark(request);
  return request;
}

std::vector<Request> Workload::EndTransaction(bool rollback) {
  StmtSpec end;
  end.sql = rollback ? "ROLLBACK" : "COMMIT";
  return {Execute(end), GetAutocommit()};
}

std::vector<Request> Workload::NextRound(StreamState& state) {
  if (state.in_transaction && state.requests_in_transaction >= state.transaction_limit) {
    return EndTransaction(state.requests_in_transaction > state.transaction_limit || Chance(0.5));
  }
  if (features_.cursors && Uniform(0, 99) < 6) return {Batch(state, true)};
  std::vector<Request> round;
  int count = Uniform(1, 3);
  for (int i = 0; i < count; ++i) {
    int kind = Uniform(0, 99);
    if (kind < 60 || (!features_.batches && kind < 78)) {
      round.push_back(Execute(Statement()));
    } else if (kind < 78) {
      round.push_back(Batch(state, false));
    } else if (kind < 83) {
      round.push_back(Sequence());
    } else if (kind < 87 && features_.describe) {
      round.push_back(DescribeRequest());
    } else if (kind < 92 && features_.stored_sql && state.stored && state.stored->size() < 8) {
      Request store;
      store.kind = RequestKind::kStoreSql;
      StmtSpec stmt = InlineStatement();
      store.sql_id = (*state.next_sql_id)++;
      store.sql = stmt.sql;
      (*state.stored)[store.sql_id] = stmt;
      Mark(store);
      round.push_back(std::move(store));
    } else if (kind < 95 && state.stored && !state.stored->empty()) {
      Request close;
      close.kind = RequestKind::kCloseSql;
      auto it = state.stored->begin();
      std::advance(it, Uniform(0, int(state.stored->size()) - 1));
      close.sql_id = it->first;
      state.stored->erase(it);
      Mark(close);
      round.push_back(std::move(close));
    } else {
      round.push_back(GetAutocommit());
    }
  }
  if (Chance(0.9)) round.push_back(GetAutocommit());
  return round;
}

}  // namespace edgelite::differential
