// Process-wide SQLite settings, applied once before the library is first used (sqlite3_config is
// refused after initialization). Everything that opens a connection or registers a VFS calls
// ConfigureLibrary() first.
#pragma once

namespace edgelite::sqlite {

// Turns off SQLite's global memory statistics: with them on, every allocation in every connection
// takes one process-wide mutex, which serializes the read connections of all I/O threads.
void ConfigureLibrary();

}  // namespace edgelite::sqlite
