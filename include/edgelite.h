/* The edgelite SDK's C API: a thin layer over the C++ one (edgelite/database.h), for C programs and
 * for FFI from other languages. Same three modes (a local file, a remote database, an embedded
 * replica), same semantics; see the C++ headers for what each call does.
 *
 * Conventions: functions return EDGELITE_OK (0) or an error code; on failure, when `error` is not
 * NULL, *error receives a message to release with edgelite_free_error. Objects are released with
 * their *_free / edgelite_close function. A database may be shared by threads; a connection and the
 * rows it returned are used by one thread at a time. Text is UTF-8. */
#ifndef EDGELITE_H
#define EDGELITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum edgelite_code {
  EDGELITE_OK = 0,
  EDGELITE_INVALID_ARGUMENT = 1,
  EDGELITE_NOT_FOUND = 2,
  EDGELITE_UNAUTHENTICATED = 3,
  EDGELITE_PERMISSION_DENIED = 4,
  EDGELITE_RESOURCE_EXHAUSTED = 5,
  EDGELITE_UNAVAILABLE = 6, /* the server or primary cannot be reached: retry later */
  EDGELITE_IO = 7,
  EDGELITE_INTERNAL = 8,
  EDGELITE_SQL_ERROR = 9 /* the statement failed in SQLite */
};

enum edgelite_type {
  EDGELITE_NULL = 0,
  EDGELITE_INTEGER = 1,
  EDGELITE_REAL = 2,
  EDGELITE_TEXT = 3,
  EDGELITE_BLOB = 4
};

/* One value. For TEXT and BLOB, `bytes`/`size` point into memory owned by whoever made the value
 * (the caller, for parameters; the rows, for results). */
typedef struct edgelite_value {
  int type; /* enum edgelite_type */
  int64_t integer;
  double real;
  const char* bytes;
  size_t size;
} edgelite_value;

/* sync_interval_ms: 0 = manual (edgelite_sync only), > 0 = a background pull this often,
 * EDGELITE_SYNC_LIVE = a live stream the primary pushes every commit through. */
#define EDGELITE_SYNC_LIVE (-1)

typedef struct edgelite_open_options {
  const char* path;       /* local file (local mode, embedded replica) or NULL */
  const char* url;        /* remote database or NULL */
  const char* sync_url;   /* primary of an embedded replica or NULL */
  const char* auth_token; /* or NULL */
  int64_t sync_interval_ms;
  int read_your_writes; /* non-zero: a write through a replica returns once the replica has it */
} edgelite_open_options;

typedef struct edgelite_database edgelite_database;
typedef struct edgelite_connection edgelite_connection;
typedef struct edgelite_rows edgelite_rows;

typedef struct edgelite_replica_status {
  int has_frame_no;
  uint64_t frame_no;
  int has_primary_frame_no;
  uint64_t primary_frame_no;
  uint64_t frame_lag;
  int64_t last_sync_unix_ms; /* 0 before the first successful sync */
  int last_error_code;       /* EDGELITE_OK after a successful sync */
  int live;
} edgelite_replica_status;

/* Defaults: every field zero except read_your_writes = 1. */
void edgelite_open_options_init(edgelite_open_options* options);
int edgelite_open(const edgelite_open_options* options, edgelite_database** database, char** error);
void edgelite_close(edgelite_database* database);

int edgelite_connect(edgelite_database* database, edgelite_connection** connection, char** error);
void edgelite_disconnect(edgelite_connection* connection);

/* Runs one statement with `count` positional parameters. `rows` may be NULL when the result is
 * not wanted. */
int edgelite_execute(edgelite_connection* connection, const char* sql,
                     const edgelite_value* params, size_t count, edgelite_rows** rows,
                     char** error);
/* Runs every statement of `sql`, stopping at the first failure. */
int edgelite_execute_script(edgelite_connection* connection, const char* sql, char** error);

size_t edgelite_rows_column_count(const edgelite_rows* rows);
const char* edgelite_rows_column_name(const edgelite_rows* rows, size_t column);
size_t edgelite_rows_count(const edgelite_rows* rows);
/* Valid until the rows are freed. An out-of-range index gives a NULL value. */
edgelite_value edgelite_rows_value(const edgelite_rows* rows, size_t row, size_t column);
uint64_t edgelite_rows_affected(const edgelite_rows* rows);
void edgelite_rows_free(edgelite_rows* rows);

/* Embedded replicas only. */
int edgelite_sync(edgelite_database* database, uint64_t* frames_synced, uint64_t* frame_no,
                  char** error);
int edgelite_replica_status_get(edgelite_database* database, edgelite_replica_status* status);

void edgelite_free_error(char* error);

#ifdef __cplusplus
}
#endif

#endif /* EDGELITE_H */
