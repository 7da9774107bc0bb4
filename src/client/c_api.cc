// The C API (include/edgelite.h) over the C++ SDK.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "edgelite.h"
#include "edgelite/database.h"

struct edgelite_database {
  std::unique_ptr<edgelite::Database> database;
};
struct edgelite_connection {
  std::unique_ptr<edgelite::Connection> connection;
};
struct edgelite_rows {
  edgelite::Rows rows;
};

namespace {

int CodeOf(const edgelite::Status& status) {
  switch (status.kind()) {
    case edgelite::ErrorKind::kOk:
      return EDGELITE_OK;
    case edgelite::ErrorKind::kInvalidArgument:
      return EDGELITE_INVALID_ARGUMENT;
    case edgelite::ErrorKind::kNotFound:
      return EDGELITE_NOT_FOUND;
    case edgelite::ErrorKind::kUnauthenticated:
      return EDGELITE_UNAUTHENTICATED;
    case edgelite::ErrorKind::kPermissionDenied:
      return EDGELITE_PERMISSION_DENIED;
    case edgelite::ErrorKind::kResourceExhausted:
      return EDGELITE_RESOURCE_EXHAUSTED;
    case edgelite::ErrorKind::kUnavailable:
      return EDGELITE_UNAVAILABLE;
    case edgelite::ErrorKind::kIo:
      return EDGELITE_IO;
    case edgelite::ErrorKind::kInternal:
      return EDGELITE_INTERNAL;
    case edgelite::ErrorKind::kSqlError:
      return EDGELITE_SQL_ERROR;
  }
  return EDGELITE_INTERNAL;
}

int Fail(const edgelite::Status& status, char** error) {
  if (error) {
    *error = static_cast<char*>(std::malloc(status.message().size() + 1));
    if (*error) std::memcpy(*error, status.message().c_str(), status.message().size() + 1);
  }
  return CodeOf(status);
}

edgelite::Value ToValue(const edgelite_value& value) {
  switch (value.type) {
    case EDGELITE_INTEGER:
      return value.integer;
    case EDGELITE_REAL:
      return value.real;
    case EDGELITE_TEXT:
      return std::string(value.bytes ? value.bytes : "", value.size);
    case EDGELITE_BLOB:
      return edgelite::Blob{std::string(value.bytes ? value.bytes : "", value.size)};
    default:
      return edgelite::Null{};
  }
}

// Every entry point catches what the C++ side may throw (allocation failure): nothing may unwind
// into C.
template <typename Body>
int Guard(char** error, Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(edgelite::Status::ResourceExhausted("out of memory"), error);
  } catch (const std::exception& e) {
    return Fail(edgelite::Status::Internal(e.what()), error);
  }
}

}  // namespace

extern "C" {

void edgelite_open_options_init(edgelite_open_options* options) {
  *options = edgelite_open_options{};
  options->read_your_writes = 1;
}

int edgelite_open(const edgelite_open_options* options, edgelite_database** database,
                  char** error) {
  return Guard(error, [&] {
    if (!options || !database) {
      return Fail(edgelite::Status::InvalidArgument("options and database must not be NULL"),
                  error);
    }
    edgelite::OpenOptions open;
    if (options->path) open.path = options->path;
    if (options->url) open.url = options->url;
    if (options->sync_url) open.sync_url = options->sync_url;
    if (options->auth_token) open.auth_token = options->auth_token;
    if (options->sync_interval_ms == EDGELITE_SYNC_LIVE) {
      open.sync_interval = edgelite::SyncInterval::Live();
    } else if (options->sync_interval_ms > 0) {
      open.sync_interval =
          edgelite::SyncInterval::Every(std::chrono::milliseconds(options->sync_interval_ms));
    }
    open.read_your_writes = options->read_your_writes != 0;
    auto opened = edgelite::Database::Open(open);
    if (!opened.ok()) return Fail(opened.status(), error);
    *database = new edgelite_database{std::move(opened).value()};
    return int(EDGELITE_OK);
  });
}

void edgelite_close(edgelite_database* database) {
  delete database;
}

int edgelite_connect(edgelite_database* database, edgelite_connection** connection, char** error) {
  return Guard(error, [&] {
    auto connected = database->database->Connect();
    if (!connected.ok()) return Fail(connected.status(), error);
    *connection = new edgelite_connection{std::move(connected).value()};
    return int(EDGELITE_OK);
  });
}

void edgelite_disconnect(edgelite_connection* connection) {
  delete connection;
}

int edgelite_execute(edgelite_connection* connection, const char* sql, const edgelite_value* params,
                     size_t count, edgelite_rows** rows, char** error) {
  return Guard(error, [&] {
    edgelite::Params bound;
    for (size_t i = 0; i < count; ++i) bound.positional.push_back(ToValue(params[i]));
    auto result = connection->connection->Execute(sql ? sql : "", bound);
    if (!result.ok()) return Fail(result.status(), error);
    if (rows) *rows = new edgelite_rows{std::move(result).value()};
    return int(EDGELITE_OK);
  });
}

int edgelite_execute_script(edgelite_connection* connection, const char* sql, char** error) {
  return Guard(error, [&] {
    edgelite::Status status = connection->connection->ExecuteScript(sql ? sql : "");
    return status.ok() ? int(EDGELITE_OK) : Fail(status, error);
  });
}

size_t edgelite_rows_column_count(const edgelite_rows* rows) {
  return rows->rows.columns.size();
}

const char* edgelite_rows_column_name(const edgelite_rows* rows, size_t column) {
  if (column >= rows->rows.columns.size()) return nullptr;
  return rows->rows.columns[column].name.c_str();
}

size_t edgelite_rows_count(const edgelite_rows* rows) {
  return rows->rows.rows.size();
}

edgelite_value edgelite_rows_value(const edgelite_rows* rows, size_t row, size_t column) {
  edgelite_value out{};
  if (row >= rows->rows.rows.size() || column >= rows->rows.rows[row].size()) return out;
  const edgelite::Value& value = rows->rows.rows[row][column];
  if (const auto* integer = std::get_if<int64_t>(&value)) {
    out.type = EDGELITE_INTEGER;
    out.integer = *integer;
  } else if (const auto* real = std::get_if<double>(&value)) {
    out.type = EDGELITE_REAL;
    out.real = *real;
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    out.type = EDGELITE_TEXT;
    out.bytes = text->c_str();
    out.size = text->size();
  } else if (const auto* blob = std::get_if<edgelite::Blob>(&value)) {
    out.type = EDGELITE_BLOB;
    out.bytes = blob->bytes.data();
    out.size = blob->bytes.size();
  }
  return out;
}

uint64_t edgelite_rows_affected(const edgelite_rows* rows) {
  return rows->rows.rows_affected;
}

void edgelite_rows_free(edgelite_rows* rows) {
  delete rows;
}  // NULL is fine, as free()

int edgelite_sync(edgelite_database* database, uint64_t* frames_synced, uint64_t* frame_no,
                  char** error) {
  return Guard(error, [&] {
    auto synced = database->database->Sync();
    if (!synced.ok()) return Fail(synced.status(), error);
    if (frames_synced) *frames_synced = synced->frames_synced;
    if (frame_no) *frame_no = synced->frame_no.value_or(0);
    return int(EDGELITE_OK);
  });
}

int edgelite_replica_status_get(edgelite_database* database, edgelite_replica_status* status) {
  return Guard(nullptr, [&] {
    edgelite::ReplicaStatus replica = database->database->replica_status();
    *status = edgelite_replica_status{};
    status->has_frame_no = replica.frame_no.has_value();
    status->frame_no = replica.frame_no.value_or(0);
    status->has_primary_frame_no = replica.primary_frame_no.has_value();
    status->primary_frame_no = replica.primary_frame_no.value_or(0);
    status->frame_lag = replica.frame_lag;
    status->last_sync_unix_ms = replica.last_sync_time.time_since_epoch().count() == 0
                                    ? 0
                                    : std::chrono::duration_cast<std::chrono::milliseconds>(
                                          replica.last_sync_time.time_since_epoch())
                                          .count();
    status->last_error_code = CodeOf(replica.last_error);
    status->live = replica.live;
    // For a database that is not a replica, last_error says why there is no status.
    return database->database->is_replica() ? int(EDGELITE_OK) : CodeOf(replica.last_error);
  });
}

void edgelite_free_error(char* error) {
  std::free(error);
}

}  // extern "C"
