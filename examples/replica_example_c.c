/* replica_example_c SYNC_URL LOCAL_PATH [AUTH_TOKEN]
 *
 * The C API version of replica_example: open an embedded replica of SYNC_URL in LOCAL_PATH, make
 * sure example_notes exists, insert one note through the replica, read every note locally and
 * print them with the replica's sync status. */
#include <edgelite.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int fail(const char* what, char* error) {
  fprintf(stderr, "replica_example_c: %s: %s\n", what, error ? error : "unknown error");
  edgelite_free_error(error);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s SYNC_URL LOCAL_PATH [AUTH_TOKEN]\n", argv[0]);
    return 2;
  }
  edgelite_open_options options;
  edgelite_open_options_init(&options);
  options.sync_url = argv[1];
  options.path = argv[2];
  options.auth_token = argc == 4 ? argv[3] : NULL;

  char* error = NULL;
  edgelite_database* database = NULL;
  if (edgelite_open(&options, &database, &error) != EDGELITE_OK) {
    return fail("cannot open the replica", error);
  }
  int status = 1;
  edgelite_connection* connection = NULL;
  edgelite_rows* rows = NULL;
  uint64_t frames = 0, frame_no = 0;
  if (edgelite_sync(database, &frames, &frame_no, &error) != EDGELITE_OK) {
    status = fail("cannot sync from the primary", error);
    goto done;
  }
  if (edgelite_connect(database, &connection, &error) != EDGELITE_OK) {
    status = fail("cannot connect", error);
    goto done;
  }
  if (edgelite_execute(connection,
                       "CREATE TABLE IF NOT EXISTS example_notes(id INTEGER PRIMARY KEY, body TEXT)",
                       NULL, 0, NULL, &error) != EDGELITE_OK) {
    status = fail("cannot create example_notes", error);
    goto done;
  }
  char body[128];
  time_t now = time(NULL);
  snprintf(body, sizeof body, "written by replica_example_c at %ld", (long)now);
  edgelite_value param = {EDGELITE_TEXT, 0, 0.0, body, strlen(body)};
  if (edgelite_execute(connection, "INSERT INTO example_notes(body) VALUES (?)", &param, 1, NULL,
                       &error) != EDGELITE_OK) {
    status = fail("cannot insert a note", error);
    goto done;
  }
  if (edgelite_execute(connection, "SELECT id, body FROM example_notes ORDER BY id", NULL, 0,
                       &rows, &error) != EDGELITE_OK) {
    status = fail("cannot read the notes", error);
    goto done;
  }
  for (size_t i = 0; i < edgelite_rows_count(rows); ++i) {
    edgelite_value id = edgelite_rows_value(rows, i, 0);
    edgelite_value text = edgelite_rows_value(rows, i, 1);
    printf("%lld\t%.*s\n", (long long)id.integer, (int)text.size, text.bytes ? text.bytes : "");
  }
  edgelite_replica_status replica;
  edgelite_replica_status_get(database, &replica);
  printf("sync: frame_no %llu, primary frame_no %llu, lag %llu frames, last error code %d\n",
         (unsigned long long)replica.frame_no, (unsigned long long)replica.primary_frame_no,
         (unsigned long long)replica.frame_lag, replica.last_error_code);
  status = 0;
done:
  edgelite_rows_free(rows);
  edgelite_disconnect(connection);
  edgelite_close(database);
  return status;
}
