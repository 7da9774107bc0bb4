// Process-wide SQLite configuration.
#include "sqlite/library.h"

#include <sqlite3.h>

#include <mutex>

namespace edgelite::sqlite {

void ConfigureLibrary() {
  static std::once_flag once;
  std::call_once(once, [] {
    // SQLITE_MISUSE if something initialized the library first: statistics then stay on, which
    // costs speed, not correctness.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
  });
}

}  // namespace edgelite::sqlite
