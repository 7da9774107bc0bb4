// Hrana 3 JSON encoding and decoding for the differential test.
#include "integration/differential/wire.h"

#include <fmt/format.h>

#include <charconv>

#include "common/base64.h"

namespace edgelite::differential::wire {
namespace {

namespace bj = boost::json;

Status Malformed(std::string_view what, const bj::value& value) {
  std::string text = bj::serialize(value);
  if (text.size() > 400) text = text.substr(0, 400) + "...";
  return Status::Internal(fmt::format("malformed {} from the server: {}", what, text));
}

bj::value EncodeValue(const Value& value) {
  bj::object object;
  switch (value.type) {
    case Value::Type::kNull:
      object["type"] = "null";
      break;
    case Value::Type::kInteger:
      object["type"] = "integer";
      object["value"] = std::to_string(value.integer);
      break;
    case Value::Type::kFloat:
      object["type"] = "float";
      object["value"] = value.real;
      break;
    case Value::Type::kText:
      object["type"] = "text";
      object["value"] = value.bytes;
      break;
    case Value::Type::kBlob:
      object["type"] = "blob";
      object["base64"] = base64::Encode(value.bytes);
      break;
  }
  return object;
}

bj::value EncodeCondition(const Condition& condition) {
  bj::object object;
  switch (condition.type) {
    case Condition::Type::kOk:
      object["type"] = "ok";
      object["step"] = condition.step;
      break;
    case Condition::Type::kError:
      object["type"] = "error";
      object["step"] = condition.step;
      break;
    case Condition::Type::kNot:
      object["type"] = "not";
      object["cond"] = EncodeCondition(condition.children.at(0));
      break;
    case Condition::Type::kAnd:
    case Condition::Type::kOr: {
      object["type"] = condition.type == Condition::Type::kAnd ? "and" : "or";
      bj::array conds;
      for (const Condition& child : condition.children) conds.push_back(EncodeCondition(child));
      object["conds"] = std::move(conds);
      break;
    }
    case Condition::Type::kIsAutocommit:
      object["type"] = "is_autocommit";
      break;
  }
  return object;
}

const bj::value* Field(const bj::value& value, std::string_view name) {
  const bj::object* object = value.if_object();
  if (!object) return nullptr;
  auto found = object->find(name);
  return found == object->end() ? nullptr : &found->value();
}

std::optional<std::string> StringField(const bj::value& value, std::string_view name) {
  const bj::value* field = Field(value, name);
  if (!field || !field->is_string()) return std::nullopt;
  return std::string(field->get_string());
}

std::optional<int64_t> IntegerOf(const bj::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) return int64_t(value.get_uint64());
  if (value.is_string()) {
    std::string_view text = value.get_string();
    int64_t parsed = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error == std::errc() && end == text.data() + text.size()) return parsed;
  }
  return std::nullopt;
}

Result<Value> DecodeValue(const bj::value& value) {
  std::optional<std::string> type = StringField(value, "type");
  if (!type) return Malformed("value", value);
  if (*type == "null") return Value::Null();
  const bj::value* field = Field(value, *type == "blob" ? "base64" : "value");
  if (!field) return Malformed("value", value);
  if (*type == "integer") {
    // Hrana integers are strings on the wire; a JSON number would lose precision in clients.
    if (!field->is_string()) return Malformed("integer value (not a string)", value);
    std::optional<int64_t> integer = IntegerOf(*field);
    if (!integer) return Malformed("integer value", value);
    return Value::Integer(*integer);
  }
  if (*type == "float") {
    if (field->is_double()) return Value::Float(field->get_double());
    if (field->is_int64()) return Value::Float(double(field->get_int64()));
    if (field->is_uint64()) return Value::Float(double(field->get_uint64()));
    return Malformed("float value", value);
  }
  if (*type == "text") {
    if (!field->is_string()) return Malformed("text value", value);
    return Value::Text(std::string(field->get_string()));
  }
  if (*type == "blob") {
    if (!field->is_string()) return Malformed("blob value", value);
    std::optional<std::string> bytes = base64::Decode(field->get_string());
    if (!bytes) return Malformed("blob base64", value);
    return Value::Blob(std::move(*bytes));
  }
  return Malformed("value type", value);
}

Result<std::vector<Value>> DecodeRow(const bj::value& row) {
  if (!row.is_array()) return Malformed("row", row);
  std::vector<Value> values;
  for (const bj::value& cell : row.get_array()) {
    Result<Value> decoded = DecodeValue(cell);
    if (!decoded.ok()) return decoded.status();
    values.push_back(std::move(*decoded));
  }
  return values;
}

Status DecodeColumns(const bj::value* cols, StmtResult& result) {
  if (!cols || !cols->is_array()) return Status::Internal("a result without cols");
  for (const bj::value& col : cols->get_array()) {
    const bj::value* name = Field(col, "name");
    const bj::value* type = Field(col, "decltype");
    result.column_names.push_back(
        name && name->is_string() ? std::optional<std::string>(name->get_string()) : std::nullopt);
    result.column_decltypes.push_back(
        type && type->is_string() ? std::optional<std::string>(type->get_string()) : std::nullopt);
  }
  return Status::Ok();
}

Status DecodeCounts(const bj::value& value, StmtResult& result) {
  const bj::value* affected = Field(value, "affected_row_count");
  std::optional<int64_t> count = affected ? IntegerOf(*affected) : std::nullopt;
  if (!count) return Malformed("affected_row_count", value);
  result.affected_row_count = uint64_t(*count);
  const bj::value* rowid = Field(value, "last_insert_rowid");
  if (rowid && !rowid->is_null()) {
    result.last_insert_rowid = IntegerOf(*rowid);
    if (!result.last_insert_rowid) return Malformed("last_insert_rowid", value);
  }
  return Status::Ok();
}

Result<StmtResult> DecodeStmtResult(const bj::value& value) {
  StmtResult result;
  if (Status status = DecodeColumns(Field(value, "cols"), result); !status.ok()) {
    return Malformed("statement result", value);
  }
  const bj::value* rows = Field(value, "rows");
  if (!rows || !rows->is_array()) return Malformed("statement result rows", value);
  for (const bj::value& row : rows->get_array()) {
    Result<std::vector<Value>> decoded = DecodeRow(row);
    if (!decoded.ok()) return decoded.status();
    result.rows.push_back(std::move(*decoded));
  }
  if (Status status = DecodeCounts(value, result); !status.ok()) return status;
  return result;
}

Result<ErrorInfo> DecodeErrorInfo(const bj::value& value) {
  std::optional<std::string> message = StringField(value, "message");
  if (!message) return Malformed("error", value);
  return ErrorInfo{*message, StringField(value, "code").value_or(""), true};
}

Result<std::vector<StepOutcome>> DecodeBatchResult(const Request& request, const bj::value& value) {
  const bj::value* results = Field(value, "step_results");
  const bj::value* errors = Field(value, "step_errors");
  if (!results || !results->is_array() || !errors || !errors->is_array() ||
      results->get_array().size() != request.steps.size() ||
      errors->get_array().size() != request.steps.size()) {
    return Malformed("batch result (step_results/step_errors must match the steps)", value);
  }
  std::vector<StepOutcome> steps(request.steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const bj::value& result = results->get_array()[i];
    const bj::value& error = errors->get_array()[i];
    if (!result.is_null() && !error.is_null()) return Malformed("batch step with both", value);
    if (!result.is_null()) {
      Result<StmtResult> decoded = DecodeStmtResult(result);
      if (!decoded.ok()) return decoded.status();
      steps[i].state = StepOutcome::State::kOk;
      steps[i].result = std::move(*decoded);
    } else if (!error.is_null()) {
      Result<ErrorInfo> decoded = DecodeErrorInfo(error);
      if (!decoded.ok()) return decoded.status();
      steps[i].state = StepOutcome::State::kError;
      steps[i].error = std::move(*decoded);
    }
  }
  return steps;
}

std::string_view ResponseType(const Request& request, bool websocket) {
  switch (request.kind) {
    case RequestKind::kExecute:
      return "execute";
    case RequestKind::kBatch:
      return "batch";
    case RequestKind::kCursor:
      return "open_cursor";
    case RequestKind::kSequence:
      return "sequence";
    case RequestKind::kDescribe:
      return "describe";
    case RequestKind::kGetAutocommit:
      return "get_autocommit";
    case RequestKind::kStoreSql:
      return "store_sql";
    case RequestKind::kCloseSql:
      return "close_sql";
    case RequestKind::kClose:
      return websocket ? "close_stream" : "close";
  }
  return "?";
}

}  // namespace

bj::object EncodeStmt(const StmtSpec& stmt) {
  bj::object object;
  if (stmt.sql_id) {
    object["sql_id"] = *stmt.sql_id;
  } else {
    object["sql"] = stmt.sql;
  }
  if (!stmt.args.empty()) {
    bj::array args;
    for (const Value& arg : stmt.args) args.push_back(EncodeValue(arg));
    object["args"] = std::move(args);
  }
  if (!stmt.named_args.empty()) {
    bj::array named;
    for (const NamedArg& arg : stmt.named_args) {
      bj::object entry;
      entry["name"] = arg.wire_name;
      entry["value"] = EncodeValue(arg.value);
      named.push_back(std::move(entry));
    }
    object["named_args"] = std::move(named);
  }
  object["want_rows"] = stmt.want_rows;
  return object;
}

bj::object EncodeBatch(const std::vector<Step>& steps) {
  bj::array encoded;
  for (const Step& step : steps) {
    bj::object entry;
    if (step.condition) entry["condition"] = EncodeCondition(*step.condition);
    entry["stmt"] = EncodeStmt(step.stmt);
    encoded.push_back(std::move(entry));
  }
  bj::object batch;
  batch["steps"] = std::move(encoded);
  return batch;
}

bj::object EncodeRequest(const Request& request, std::optional<int32_t> stream_id) {
  bj::object object;
  object["type"] = ResponseType(request, stream_id.has_value());
  bool on_stream = request.kind != RequestKind::kStoreSql && request.kind != RequestKind::kCloseSql;
  if (stream_id && on_stream) object["stream_id"] = *stream_id;
  switch (request.kind) {
    case RequestKind::kExecute:
      object["stmt"] = EncodeStmt(request.stmt);
      break;
    case RequestKind::kBatch:
    case RequestKind::kCursor:
      object["batch"] = EncodeBatch(request.steps);
      break;
    case RequestKind::kSequence:
    case RequestKind::kDescribe:
      object["sql"] = request.sql;
      break;
    case RequestKind::kStoreSql:
      object["sql_id"] = request.sql_id;
      object["sql"] = request.sql;
      break;
    case RequestKind::kCloseSql:
      object["sql_id"] = request.sql_id;
      break;
    case RequestKind::kGetAutocommit:
    case RequestKind::kClose:
      break;
  }
  return object;
}

Result<Outcome> DecodeError(const bj::value& error) {
  Result<ErrorInfo> decoded = DecodeErrorInfo(error);
  if (!decoded.ok()) return decoded.status();
  Outcome outcome;
  outcome.failed = true;
  outcome.error = std::move(*decoded);
  return outcome;
}

Result<Outcome> DecodeResponse(const Request& request, const bj::value& response) {
  std::optional<std::string> type = StringField(response, "type");
  if (!type || (*type != ResponseType(request, false) && *type != ResponseType(request, true))) {
    return Malformed(fmt::format("response to {}", ResponseType(request, false)), response);
  }
  Outcome outcome;
  switch (request.kind) {
    case RequestKind::kExecute: {
      const bj::value* result = Field(response, "result");
      if (!result) return Malformed("execute response", response);
      Result<StmtResult> decoded = DecodeStmtResult(*result);
      if (!decoded.ok()) return decoded.status();
      outcome.result = std::move(*decoded);
      break;
    }
    case RequestKind::kBatch: {
      const bj::value* result = Field(response, "result");
      if (!result) return Malformed("batch response", response);
      Result<std::vector<StepOutcome>> decoded = DecodeBatchResult(request, *result);
      if (!decoded.ok()) return decoded.status();
      outcome.steps = std::move(*decoded);
      break;
    }
    case RequestKind::kDescribe: {
      const bj::value* result = Field(response, "result");
      const bj::value* params = result ? Field(*result, "params") : nullptr;
      const bj::value* cols = result ? Field(*result, "cols") : nullptr;
      const bj::value* is_explain = result ? Field(*result, "is_explain") : nullptr;
      const bj::value* is_readonly = result ? Field(*result, "is_readonly") : nullptr;
      if (!params || !params->is_array() || !cols || !cols->is_array() || !is_explain ||
          !is_explain->is_bool() || !is_readonly || !is_readonly->is_bool()) {
        return Malformed("describe response", response);
      }
      for (const bj::value& param : params->get_array()) {
        outcome.describe.params.push_back(StringField(param, "name"));
      }
      for (const bj::value& col : cols->get_array()) {
        outcome.describe.column_names.push_back(StringField(col, "name").value_or("<null>"));
        outcome.describe.column_decltypes.push_back(StringField(col, "decltype"));
      }
      outcome.describe.is_explain = is_explain->get_bool();
      outcome.describe.is_readonly = is_readonly->get_bool();
      break;
    }
    case RequestKind::kGetAutocommit: {
      const bj::value* is_autocommit = Field(response, "is_autocommit");
      if (!is_autocommit || !is_autocommit->is_bool()) {
        return Malformed("get_autocommit response", response);
      }
      outcome.is_autocommit = is_autocommit->get_bool();
      break;
    }
    default:
      break;
  }
  return outcome;
}

Result<Outcome> DecodeCursor(const Request& request, const std::vector<bj::value>& entries) {
  Outcome outcome;
  outcome.steps.resize(request.steps.size());
  constexpr size_t kNone = SIZE_MAX;
  size_t current = kNone;  // the step between step_begin and step_end
  for (const bj::value& entry : entries) {
    std::optional<std::string> type = StringField(entry, "type");
    if (!type) return Malformed("cursor entry", entry);
    if (*type == "replication_index") continue;
    if (outcome.failed) return Malformed("cursor entry after a batch error", entry);
    if (*type == "step_begin") {
      const bj::value* step = Field(entry, "step");
      std::optional<int64_t> index = step ? IntegerOf(*step) : std::nullopt;
      if (current != kNone || !index || *index < 0 || size_t(*index) >= outcome.steps.size() ||
          outcome.steps[size_t(*index)].state != StepOutcome::State::kSkipped) {
        return Malformed("step_begin", entry);
      }
      current = size_t(*index);
      StepOutcome& begun = outcome.steps[current];
      begun.state = StepOutcome::State::kOk;
      if (Status status = DecodeColumns(Field(entry, "cols"), begun.result); !status.ok()) {
        return Malformed("step_begin", entry);
      }
    } else if (*type == "row") {
      const bj::value* row = Field(entry, "row");
      if (current == kNone || !row) return Malformed("row entry", entry);
      Result<std::vector<Value>> decoded = DecodeRow(*row);
      if (!decoded.ok()) return decoded.status();
      outcome.steps[current].result.rows.push_back(std::move(*decoded));
    } else if (*type == "step_end") {
      if (current == kNone) return Malformed("step_end without step_begin", entry);
      if (Status status = DecodeCounts(entry, outcome.steps[current].result); !status.ok()) {
        return status;
      }
      current = kNone;
    } else if (*type == "step_error") {
      const bj::value* step = Field(entry, "step");
      const bj::value* error = Field(entry, "error");
      std::optional<int64_t> index = step ? IntegerOf(*step) : std::nullopt;
      if (!index || *index < 0 || size_t(*index) >= outcome.steps.size() || !error ||
          (current != kNone && current != size_t(*index))) {
        return Malformed("step_error", entry);
      }
      Result<ErrorInfo> decoded = DecodeErrorInfo(*error);
      if (!decoded.ok()) return decoded.status();
      StepOutcome& failed = outcome.steps[size_t(*index)];
      failed = StepOutcome{};
      failed.state = StepOutcome::State::kError;
      failed.error = std::move(*decoded);
      current = kNone;
    } else if (*type == "error") {
      const bj::value* error = Field(entry, "error");
      if (!error) return Malformed("cursor error entry", entry);
      Result<Outcome> decoded = DecodeError(*error);
      if (!decoded.ok()) return decoded.status();
      return decoded;
    } else {
      return Malformed("cursor entry type", entry);
    }
  }
  if (current != kNone) return Status::Internal("the cursor ended inside a step (no step_end)");
  return outcome;
}

}  // namespace edgelite::differential::wire
