// proxy.Program ⇄ Hrana batch translation.
#include "protocol/proxy_translation.h"

#include <fmt/format.h>

#include <limits>

#include "protocol/bincode_value.h"
#include "sqlite/error.h"

namespace edgelite::replication {
namespace {

// How the Hrana executor wraps SQLite's messages (hrana/stmt_executor.cc).
constexpr std::string_view kSqlitePrefix = "SQLite error: ";
constexpr std::string_view kInputPrefix = "SQL input error: ";
constexpr std::string_view kOffsetMarker = " (at offset ";

// The highest primary result code (SQLITE_WARNING).
constexpr int kMaxPrimaryCode = 28;

Result<uint32_t> StepIndex(int64_t step) {
  if (step < 0 || step > int64_t(std::numeric_limits<uint32_t>::max())) {
    return Status::InvalidArgument(
        fmt::format("a condition refers to step {}, which cannot exist", step));
  }
  return uint32_t(step);
}

Result<hrana::BatchCond> ToBatchCond(const proxy::Cond& cond) {
  hrana::BatchCond out;
  switch (cond.cond_case()) {
    case proxy::Cond::kOk:
    case proxy::Cond::kErr: {
      bool ok = cond.cond_case() == proxy::Cond::kOk;
      auto step = StepIndex(ok ? cond.ok().step() : cond.err().step());
      if (!step.ok()) return step.status();
      out.kind = ok ? hrana::BatchCond::Kind::kOk : hrana::BatchCond::Kind::kError;
      out.step = *step;
      return out;
    }
    case proxy::Cond::kNot: {
      if (!cond.not_().has_cond()) return Status::InvalidArgument("empty `not` condition");
      auto inner = ToBatchCond(cond.not_().cond());
      if (!inner.ok()) return inner;
      out.kind = hrana::BatchCond::Kind::kNot;
      out.conds.push_back(std::move(inner).value());
      return out;
    }
    case proxy::Cond::kAnd:
    case proxy::Cond::kOr: {
      bool is_and = cond.cond_case() == proxy::Cond::kAnd;
      out.kind = is_and ? hrana::BatchCond::Kind::kAnd : hrana::BatchCond::Kind::kOr;
      for (const proxy::Cond& operand : is_and ? cond.and_().conds() : cond.or_().conds()) {
        auto inner = ToBatchCond(operand);
        if (!inner.ok()) return inner;
        out.conds.push_back(std::move(inner).value());
      }
      return out;
    }
    case proxy::Cond::kIsAutocommit:
      out.kind = hrana::BatchCond::Kind::kIsAutocommit;
      return out;
    case proxy::Cond::COND_NOT_SET:
      break;
  }
  return Status::InvalidArgument("invalid condition: none of ok, err, not, and, or, is_autocommit");
}

Result<Value> DecodeParam(const proxy::Value& value, size_t index) {
  auto decoded = DecodeBincodeValue(value.data());
  if (!decoded.ok()) {
    return Status::InvalidArgument(
        fmt::format("parameter {}: {}", index + 1, decoded.status().message()));
  }
  return decoded;
}

Result<hrana::Stmt> ToStmt(const proxy::Query& query) {
  hrana::Stmt stmt;
  stmt.sql = query.stmt();
  stmt.want_rows = !query.skip_rows();
  switch (query.Params_case()) {
    case proxy::Query::kPositional: {
      const auto& values = query.positional().values();
      for (int i = 0; i < values.size(); ++i) {
        auto value = DecodeParam(values[i], size_t(i));
        if (!value.ok()) return value.status();
        stmt.args.push_back(std::move(value).value());
      }
      return stmt;
    }
    case proxy::Query::kNamed: {
      const proxy::Named& named = query.named();
      if (named.names_size() != named.values_size()) {
        return Status::InvalidArgument(fmt::format("named parameters: {} names but {} values",
                                                   named.names_size(), named.values_size()));
      }
      for (int i = 0; i < named.names_size(); ++i) {
        auto value = DecodeParam(named.values(i), size_t(i));
        if (!value.ok()) return value.status();
        stmt.named_args.push_back(hrana::NamedArg{named.names(i), std::move(value).value()});
      }
      return stmt;
    }
    case proxy::Query::PARAMS_NOT_SET:
      break;
  }
  return Status::InvalidArgument("missing params in query (send an empty positional list)");
}

// The SQLite primary result code behind a Hrana error code, 0 for errors that are not SQLite's.
// Hrana keeps only the primary code, so this is also the best extended code there is.
int SqliteCodeFor(std::string_view hrana_code) {
  if (!hrana_code.starts_with("SQLITE_")) return 0;
  for (int code = 1; code <= kMaxPrimaryCode; ++code) {
    if (sqlite::HranaCodeFor(code) == hrana_code) return code;
  }
  return 0;
}

proxy::ResultRows ToResultRows(const hrana::StmtResult& result) {
  proxy::ResultRows rows;
  for (const hrana::Column& column : result.cols) {
    proxy::Column* out = rows.add_column_descriptions();
    out->set_name(column.name.value_or(""));
    if (column.decltype_name) out->set_decltype_(*column.decltype_name);
  }
  for (const std::vector<Value>& row : result.rows) {
    proxy::Row* out = rows.add_rows();
    for (const Value& value : row) out->add_values()->set_data(EncodeBincodeValue(value));
  }
  rows.set_affected_row_count(result.affected_row_count);
  if (result.last_insert_rowid) rows.set_last_insert_rowid(*result.last_insert_rowid);
  return rows;
}

}  // namespace

Result<hrana::Batch> ProgramToBatch(const proxy::Program& program) {
  hrana::Batch batch;
  for (int i = 0; i < program.steps_size(); ++i) {
    const proxy::Step& step = program.steps(i);
    auto fail = [i](const Status& status) {
      return Status::InvalidArgument(fmt::format("step {}: {}", i, status.message()));
    };
    if (!step.has_query()) return fail(Status::InvalidArgument("the step has no query"));
    hrana::BatchStep out;
    if (step.has_cond()) {
      auto cond = ToBatchCond(step.cond());
      if (!cond.ok()) return fail(cond.status());
      out.condition = std::move(cond).value();
    }
    auto stmt = ToStmt(step.query());
    if (!stmt.ok()) return fail(stmt.status());
    out.stmt = std::move(stmt).value();
    batch.steps.push_back(std::move(out));
  }
  return batch;
}

proxy::ExecuteResults ToExecuteResults(const hrana::BatchResult& result, bool in_transaction) {
  proxy::ExecuteResults out;
  for (size_t i = 0; i < result.step_results.size(); ++i) {
    proxy::QueryResult* query = out.add_results();
    if (const auto& error = result.step_errors[i]) {
      *query->mutable_error() = ToProxyError(*error);
    } else if (const auto& rows = result.step_results[i]) {
      *query->mutable_row() = ToResultRows(*rows);
    } else {
      query->mutable_row();  // skipped: an empty result, as sqld sends
    }
  }
  out.set_state(in_transaction ? proxy::TXN : proxy::INIT);
  if (result.replication_index) out.set_current_frame_no(*result.replication_index);
  return out;
}

proxy::Error ToProxyError(const hrana::Error& error) {
  proxy::Error out;
  bool bad_arguments = error.code.starts_with("ARGS_");
  out.set_code(bad_arguments ? proxy::Error::SQL_ERROR : proxy::Error::INTERNAL);
  out.set_message(SqliteMessageOf(error));
  out.set_extended_code(error.sqlite_extended_code != 0 ? error.sqlite_extended_code
                                                        : SqliteCodeFor(error.code));
  return out;
}

std::string SqliteMessageOf(const hrana::Error& error) {
  std::string_view message = error.message;
  if (message.starts_with(kSqlitePrefix)) {
    message.remove_prefix(kSqlitePrefix.size());
  } else if (error.code == "SQL_INPUT_ERROR" && message.starts_with(kInputPrefix)) {
    message.remove_prefix(kInputPrefix.size());
    message = message.substr(0, message.rfind(kOffsetMarker));
  }
  return std::string(message);
}

proxy::Description ToDescription(const hrana::DescribeResult& result) {
  proxy::Description out;
  for (const hrana::DescribeColumn& column : result.cols) {
    proxy::Column* described = out.add_column_descriptions();
    described->set_name(column.name);
    if (column.decltype_name) described->set_decltype_(*column.decltype_name);
  }
  // sqld lists only the named parameters; their count says how many there are in all.
  for (const hrana::DescribeParam& param : result.params) {
    if (param.name) out.add_param_names(*param.name);
  }
  out.set_param_count(result.params.size());
  return out;
}

proxy::Program StmtToProgram(const hrana::Stmt& stmt) {
  proxy::Program program;
  proxy::Query* query = program.add_steps()->mutable_query();
  query->set_stmt(stmt.sql.value_or(""));
  query->set_skip_rows(!stmt.want_rows);
  if (!stmt.named_args.empty()) {
    proxy::Named* named = query->mutable_named();
    for (const hrana::NamedArg& arg : stmt.named_args) {
      named->add_names(arg.name);
      named->add_values()->set_data(EncodeBincodeValue(arg.value));
    }
  } else {
    proxy::Positional* positional = query->mutable_positional();
    for (const Value& value : stmt.args)
      positional->add_values()->set_data(EncodeBincodeValue(value));
  }
  return program;
}

Result<std::variant<hrana::StmtResult, hrana::Error>> FromQueryResult(
    const proxy::QueryResult& result) {
  if (result.has_error()) {
    const proxy::Error& error = result.error();
    int primary_code = error.extended_code() & 0xff;
    hrana::Error out;
    out.sqlite_extended_code = error.extended_code();
    if (primary_code != 0) {
      out.code = std::string(sqlite::HranaCodeFor(primary_code));
      out.message = std::string(kSqlitePrefix) + error.message();
    } else {
      out.code = error.code() == proxy::Error::SQL_ERROR ? "SQL_INPUT_ERROR" : "INTERNAL";
      out.message = error.message();
    }
    return std::variant<hrana::StmtResult, hrana::Error>(std::move(out));
  }
  hrana::StmtResult out;
  const proxy::ResultRows& rows = result.row();
  for (const proxy::Column& column : rows.column_descriptions()) {
    hrana::Column col;
    col.name = column.name();
    if (column.has_decltype_()) col.decltype_name = column.decltype_();
    out.cols.push_back(std::move(col));
  }
  for (const proxy::Row& row : rows.rows()) {
    std::vector<Value>& values = out.rows.emplace_back();
    values.reserve(size_t(row.values_size()));
    for (const proxy::Value& value : row.values()) {
      auto decoded = DecodeBincodeValue(value.data());
      if (!decoded.ok()) {
        return Status::InvalidArgument("the primary sent a value that does not decode: " +
                                       decoded.status().message());
      }
      values.push_back(std::move(decoded).value());
    }
  }
  out.affected_row_count = rows.affected_row_count();
  if (rows.has_last_insert_rowid()) out.last_insert_rowid = rows.last_insert_rowid();
  return std::variant<hrana::StmtResult, hrana::Error>(std::move(out));
}

}  // namespace edgelite::replication
