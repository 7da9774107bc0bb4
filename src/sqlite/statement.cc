// Value-level binding and reading of prepared statements.
#include "sqlite/statement.h"

#include <type_traits>

namespace edgelite::sqlite {

Statement::~Statement() {
  if (handle_) sqlite3_finalize(handle_);
}

std::optional<std::string_view> Statement::parameter_name(int index) const {
  const char* name = sqlite3_bind_parameter_name(handle_, index);
  if (!name) return std::nullopt;
  return std::string_view(name);
}

int Statement::Bind(int index, const Value& value) {
  return std::visit(
      [&](const auto& v) -> int {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          return sqlite3_bind_null(handle_, index);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return sqlite3_bind_int64(handle_, index, v);
        } else if constexpr (std::is_same_v<T, double>) {
          return sqlite3_bind_double(handle_, index, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return sqlite3_bind_text64(handle_, index, v.data(), v.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
        } else {
          return sqlite3_bind_blob64(handle_, index, v.bytes.data(), v.bytes.size(),
                                     SQLITE_TRANSIENT);
        }
      },
      value);
}

std::optional<std::string_view> Statement::column_name(int index) const {
  const char* name = sqlite3_column_name(handle_, index);
  if (!name) return std::nullopt;
  return std::string_view(name);
}

std::optional<std::string_view> Statement::column_decltype(int index) const {
  const char* type = sqlite3_column_decltype(handle_, index);
  if (!type) return std::nullopt;
  return std::string_view(type);
}

Value Statement::ColumnValue(int index) const {
  Value value;
  ColumnValueInto(index, &value);
  return value;
}

void Statement::ColumnValueInto(int index, Value* value) const {
  switch (sqlite3_column_type(handle_, index)) {
    case SQLITE_INTEGER:
      *value = sqlite3_column_int64(handle_, index);
      return;
    case SQLITE_FLOAT:
      *value = sqlite3_column_double(handle_, index);
      return;
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(handle_, index));
      std::string_view bytes(text ? text : "", size_t(sqlite3_column_bytes(handle_, index)));
      if (auto* held = std::get_if<std::string>(value)) {
        held->assign(bytes);
      } else {
        *value = std::string(bytes);
      }
      return;
    }
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(handle_, index));
      std::string_view bytes(data ? data : "", size_t(sqlite3_column_bytes(handle_, index)));
      if (auto* held = std::get_if<Blob>(value)) {
        held->bytes.assign(bytes);
      } else {
        *value = Blob{std::string(bytes)};
      }
      return;
    }
    default:
      *value = Null{};
  }
}

size_t Statement::ColumnSize(int index) const {
  switch (sqlite3_column_type(handle_, index)) {
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      return size_t(sqlite3_column_bytes(handle_, index));
    default:
      return 8;
  }
}

void Statement::Reset() {
  sqlite3_reset(handle_);
  sqlite3_clear_bindings(handle_);
}

bool Statement::PreparesAgain() const {
  sqlite3_stmt* fresh = nullptr;
  int rc = sqlite3_prepare_v3(sqlite3_db_handle(handle_), sqlite3_sql(handle_), -1, 0, &fresh,
                              nullptr);
  sqlite3_finalize(fresh);
  return rc == SQLITE_OK;
}

}  // namespace edgelite::sqlite
