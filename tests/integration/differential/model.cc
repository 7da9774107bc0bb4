// Equality and printing for the differential test's model.
#include "integration/differential/model.h"

#include <fmt/format.h>

namespace edgelite::differential {
namespace {

constexpr size_t kMaxPrintedRows = 12;

std::string Quote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted += c;
  }
  return quoted + "\"";
}

std::string DescribeOptional(const std::optional<std::string>& text) {
  return text ? *text : "null";
}

std::string DescribeStmt(const StmtSpec& stmt) {
  std::string text = Quote(stmt.sql);
  if (stmt.sql_id) text += fmt::format(" (sent as sql_id {})", *stmt.sql_id);
  if (!stmt.args.empty()) {
    text += " args=[";
    for (size_t i = 0; i < stmt.args.size(); ++i) {
      if (i) text += ", ";
      text += Describe(stmt.args[i]);
    }
    text += "]";
  }
  if (!stmt.named_args.empty()) {
    text += " named_args={";
    for (size_t i = 0; i < stmt.named_args.size(); ++i) {
      if (i) text += ", ";
      text += stmt.named_args[i].wire_name + ": " + Describe(stmt.named_args[i].value);
    }
    text += "}";
  }
  if (!stmt.want_rows) text += " want_rows=false";
  return text;
}

std::string DescribeSteps(const Request& request) {
  std::string text;
  for (size_t i = 0; i < request.steps.size(); ++i) {
    const Step& step = request.steps[i];
    text += fmt::format("\n      [{}] ", i);
    if (step.condition) text += "if " + Describe(*step.condition) + ": ";
    text += DescribeStmt(step.stmt);
  }
  return text;
}

std::string DescribeError(const ErrorInfo& error) {
  return fmt::format("error {} [{}]", Quote(error.message), error.code);
}

std::string DescribeStmtResult(const StmtResult& result) {
  std::string text = "cols=[";
  for (size_t i = 0; i < result.column_names.size(); ++i) {
    if (i) text += ", ";
    text += DescribeOptional(result.column_names[i]);
    if (i < result.column_decltypes.size() && result.column_decltypes[i]) {
      text += " " + *result.column_decltypes[i];
    }
  }
  text += "] rows=[";
  for (size_t r = 0; r < result.rows.size() && r < kMaxPrintedRows; ++r) {
    if (r) text += ", ";
    text += "(";
    for (size_t c = 0; c < result.rows[r].size(); ++c) {
      if (c) text += ", ";
      text += Describe(result.rows[r][c]);
    }
    text += ")";
  }
  if (result.rows.size() > kMaxPrintedRows) {
    text += fmt::format(", ... {} rows in all", result.rows.size());
  }
  text += fmt::format("] affected={}", result.affected_row_count);
  if (result.last_insert_rowid)
    text += fmt::format(" last_insert_rowid={}", *result.last_insert_rowid);
  return text;
}

}  // namespace

bool Value::operator==(const Value& other) const {
  if (type != other.type) return false;
  switch (type) {
    case Type::kNull:
      return true;
    case Type::kInteger:
      return integer == other.integer;
    case Type::kFloat:
      return real == other.real;
    case Type::kText:
    case Type::kBlob:
      return bytes == other.bytes;
  }
  return false;
}

bool Request::Traced() const {
  switch (kind) {
    case RequestKind::kExecute:
    case RequestKind::kBatch:
    case RequestKind::kCursor:
    case RequestKind::kSequence:
    case RequestKind::kDescribe:
      return true;
    default:
      return false;
  }
}

std::string Describe(const Value& value) {
  switch (value.type) {
    case Value::Type::kNull:
      return "NULL";
    case Value::Type::kInteger:
      return std::to_string(value.integer);
    case Value::Type::kFloat:
      return fmt::format("{}f", value.real);
    case Value::Type::kText:
      return "'" + value.bytes + "'";
    case Value::Type::kBlob: {
      std::string hex = "x'";
      for (unsigned char c : value.bytes) hex += fmt::format("{:02x}", c);
      return hex + "'";
    }
  }
  return "?";
}

std::string Describe(const Condition& condition) {
  auto list = [&](std::string_view name) {
    std::string text = std::string(name) + "(";
    for (size_t i = 0; i < condition.children.size(); ++i) {
      if (i) text += ", ";
      text += Describe(condition.children[i]);
    }
    return text + ")";
  };
  switch (condition.type) {
    case Condition::Type::kOk:
      return fmt::format("ok({})", condition.step);
    case Condition::Type::kError:
      return fmt::format("error({})", condition.step);
    case Condition::Type::kNot:
      return list("not");
    case Condition::Type::kAnd:
      return list("and");
    case Condition::Type::kOr:
      return list("or");
    case Condition::Type::kIsAutocommit:
      return "is_autocommit";
  }
  return "?";
}

std::string Describe(const Request& request) {
  switch (request.kind) {
    case RequestKind::kExecute:
      return "execute " + DescribeStmt(request.stmt);
    case RequestKind::kBatch:
      return "batch" + DescribeSteps(request);
    case RequestKind::kCursor:
      return "cursor" + DescribeSteps(request);
    case RequestKind::kSequence:
      return "sequence " + Quote(request.sql);
    case RequestKind::kDescribe:
      return "describe " + Quote(request.sql);
    case RequestKind::kGetAutocommit:
      return "get_autocommit";
    case RequestKind::kStoreSql:
      return fmt::format("store_sql {} {}", request.sql_id, Quote(request.sql));
    case RequestKind::kCloseSql:
      return fmt::format("close_sql {}", request.sql_id);
    case RequestKind::kClose:
      return "close";
  }
  return "?";
}

std::string Describe(const Request& request, const Outcome& outcome) {
  if (outcome.failed) return DescribeError(outcome.error);
  switch (request.kind) {
    case RequestKind::kExecute:
      return DescribeStmtResult(outcome.result);
    case RequestKind::kBatch:
    case RequestKind::kCursor: {
      std::string text;
      for (size_t i = 0; i < outcome.steps.size(); ++i) {
        const StepOutcome& step = outcome.steps[i];
        text += fmt::format("\n      [{}] ", i);
        switch (step.state) {
          case StepOutcome::State::kSkipped:
            text += "skipped";
            break;
          case StepOutcome::State::kOk:
            text += DescribeStmtResult(step.result);
            break;
          case StepOutcome::State::kError:
            text += DescribeError(step.error);
            break;
        }
      }
      return text;
    }
    case RequestKind::kDescribe: {
      std::string text = "params=[";
      for (size_t i = 0; i < outcome.describe.params.size(); ++i) {
        if (i) text += ", ";
        text += DescribeOptional(outcome.describe.params[i]);
      }
      text += "] cols=[";
      for (size_t i = 0; i < outcome.describe.column_names.size(); ++i) {
        if (i) text += ", ";
        text += outcome.describe.column_names[i];
        if (i < outcome.describe.column_decltypes.size() && outcome.describe.column_decltypes[i]) {
          text += " " + *outcome.describe.column_decltypes[i];
        }
      }
      return text + fmt::format("] is_explain={} is_readonly={}", outcome.describe.is_explain,
                                outcome.describe.is_readonly);
    }
    case RequestKind::kGetAutocommit:
      return fmt::format("is_autocommit={}", outcome.is_autocommit);
    default:
      return "ok";
  }
}

}  // namespace edgelite::differential
