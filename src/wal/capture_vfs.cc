// The capture VFS shim: forwarding to "unix", classifying files, and the lock, file-control and
// write hooks that drive capture (see capture_vfs.h for the rules).
#include "wal/capture_vfs.h"

#include <fmt/format.h>
#include <strings.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <new>

#include "wal/wal_capture.h"

namespace edgelite::wal {

enum class FileKind { kOther, kMainDatabase, kWal };

// Our part of a sqlite3_file; the unix VFS's own file object follows it in the same allocation.
struct CaptureFile {
  sqlite3_file base;  // must be first: SQLite sees this
  sqlite3_file* real = nullptr;
  FileKind kind = FileKind::kOther;
  std::shared_ptr<CaptureState> state;  // attached main databases only
  CaptureFile* main = nullptr;          // a WAL: its main database file
  CaptureFile* wal = nullptr;           // a main database: its open WAL, if any
  bool holds_write = false;             // this connection holds WAL_WRITE_LOCK
  bool in_checkpoint = false;           // between SQLITE_FCNTL_CKPT_START and CKPT_DONE
};

namespace {

constexpr size_t kAlignedCaptureFileSize = (sizeof(CaptureFile) + 15) & ~size_t(15);

sqlite3_vfs* Unix() {
  return sqlite3_vfs_find("unix");
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<CaptureState>> states;
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();  // never destroyed: VFS calls may come at exit
  return *registry;
}

std::shared_ptr<CaptureState> FindState(const char* path) {
  if (!path) return nullptr;
  Registry& registry = GetRegistry();
  std::lock_guard lock(registry.mutex);
  auto it = registry.states.find(path);
  return it == registry.states.end() ? nullptr : it->second;
}

std::optional<WalIndexHeader> ReadHeaderThrough(sqlite3_file* real) {
  if (!real->pMethods || real->pMethods->iVersion < 2) return std::nullopt;
  volatile void* region = nullptr;
  // bExtend = 0: never create or grow the -shm from here; an unmapped region means "no header".
  int rc = real->pMethods->xShmMap(real, 0, int(kWalIndexRegionSize), 0, &region);
  if (rc != SQLITE_OK || region == nullptr) return std::nullopt;
  auto barrier = [](void* file) {
    auto* f = static_cast<sqlite3_file*>(file);
    f->pMethods->xShmBarrier(f);
  };
  return ReadWalIndexHeader(static_cast<const volatile uint8_t*>(region), barrier, real);
}

// Reads a file through the connection's own unix file object: a second descriptor on a file
// SQLite has open would be unsafe for the -shm and database files, and is needless for the WAL.
// `state` is set for the WAL, whose syncs it records.
class SqliteFileReader : public WalReader {
 public:
  SqliteFileReader(sqlite3_file* real, CaptureState* state) : real_(real), state_(state) {}
  Status Read(void* out, size_t size, uint64_t offset) override {
    int rc = real_->pMethods->xRead(real_, out, int(size), sqlite3_int64(offset));
    if (rc != SQLITE_OK) {
      return Status::Io(fmt::format("cannot read {} bytes of the {} at offset {}: {}", size,
                                    state_ ? "WAL" : "database", offset, sqlite3_errstr(rc)));
    }
    return Status::Ok();
  }
  Result<uint64_t> Size() override {
    sqlite3_int64 size = 0;
    int rc = real_->pMethods->xFileSize(real_, &size);
    if (rc != SQLITE_OK) {
      return Status::Io(fmt::format("cannot get the size of the {}: {}",
                                    state_ ? "WAL" : "database", sqlite3_errstr(rc)));
    }
    return uint64_t(size);
  }
  Status Sync() override {
    uint64_t sequence = state_ ? state_->wal_write_sequence() : 0;
    int rc = real_->pMethods->xSync(real_, SQLITE_SYNC_NORMAL);
    if (rc != SQLITE_OK) return Status::Io(fmt::format("cannot sync: {}", sqlite3_errstr(rc)));
    if (state_) state_->NoteWalSynced(sequence);
    return Status::Ok();
  }

 private:
  sqlite3_file* real_;
  CaptureState* state_;
};

CaptureFile* AsCapture(sqlite3_file* file) {
  return reinterpret_cast<CaptureFile*>(file);
}

// --- io methods: forward to the unix file, with hooks ---

int Close(sqlite3_file* file) {
  CaptureFile* f = AsCapture(file);
  if (f->kind == FileKind::kWal && f->main) f->main->wal = nullptr;
  if (f->kind == FileKind::kMainDatabase && f->wal) f->wal->main = nullptr;
  if (f->state && f->holds_write) f->state->NoteWriteLock(f, false);
  int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  f->~CaptureFile();
  return rc;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xRead(real, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  CaptureFile* f = AsCapture(file);
  if (f->kind == FileKind::kWal && f->main && f->main->state) f->main->state->NoteWalWrite();
  if (f->kind == FileKind::kMainDatabase && f->state && !f->in_checkpoint) {
    // In WAL mode only checkpoints write the database file. Anything else is a rollback-mode
    // write that bypasses the WAL, so it would never reach the frame log.
    sqlite3_log(SQLITE_IOERR_WRITE,
                "edgelite: refused a write to %s outside a checkpoint: the database must stay in "
                "WAL mode for replication",
                f->state->database_path().c_str());
    return SQLITE_IOERR_WRITE;
  }
  return f->real->pMethods->xWrite(f->real, data, amount, offset);
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xTruncate(real, size);
}

int Sync(sqlite3_file* file, int flags) {
  CaptureFile* f = AsCapture(file);
  CaptureState* state = f->kind == FileKind::kWal && f->main ? f->main->state.get() : nullptr;
  uint64_t sequence = state ? state->wal_write_sequence() : 0;
  int rc = f->real->pMethods->xSync(f->real, flags);
  if (rc == SQLITE_OK && state) state->NoteWalSynced(sequence);
  return rc;
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xFileSize(real, size);
}

int Lock(sqlite3_file* file, int level) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xLock(real, level);
}

int Unlock(sqlite3_file* file, int level) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xUnlock(real, level);
}

int CheckReservedLock(sqlite3_file* file, int* out) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xCheckReservedLock(real, out);
}

// Returns an error message (sqlite3_mprintf'd) when a PRAGMA would break capture, else null.
char* RefusedPragma(CaptureFile* f, const char* name, const char* value) {
  if (!name || !value) return nullptr;  // reading a setting is always fine
  if (strcasecmp(name, "journal_mode") == 0 && strcasecmp(value, "wal") != 0) {
    return sqlite3_mprintf(
        "PRAGMA journal_mode=%s is not allowed: replication captures WAL frames, so this database "
        "must stay in WAL mode",
        value);
  }
  if (strcasecmp(name, "locking_mode") == 0 && strcasecmp(value, "exclusive") == 0) {
    return sqlite3_mprintf(
        "PRAGMA locking_mode=EXCLUSIVE is not allowed: it moves the wal-index out of shared "
        "memory, where replication reads it");
  }
  if (strcasecmp(name, "page_size") == 0) {
    uint32_t wanted = uint32_t(std::strtoul(value, nullptr, 10));
    uint32_t current = f->state->log().page_size();
    if (wanted != current) {
      return sqlite3_mprintf(
          "PRAGMA page_size=%s is not allowed: the replication log of this database uses %u-byte "
          "pages",
          value, current);
    }
  }
  return nullptr;
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  CaptureFile* f = AsCapture(file);
  if (f->kind == FileKind::kMainDatabase && f->state) {
    switch (op) {
      case SQLITE_FCNTL_PRAGMA: {
        char** args = static_cast<char**>(arg);
        if (char* message = RefusedPragma(f, args[1], args[2])) {
          args[0] = message;
          return SQLITE_ERROR;
        }
        break;
      }
      case SQLITE_FCNTL_CKPT_START:
        // The checkpoint is about to copy frames into the database: make sure they are logged.
        // Its outcome is in the state; a failure makes the database writes below refuse.
        (void)f->state->CatchUp(f);
        f->in_checkpoint = f->state->health().ok();
        break;
      case SQLITE_FCNTL_CKPT_DONE:
        f->in_checkpoint = false;
        break;
      default:
        break;
    }
  }
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

int SectorSize(sqlite3_file* file) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xSectorSize(real);
}

int DeviceCharacteristics(sqlite3_file* file) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xDeviceCharacteristics(real);
}

int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  sqlite3_file* real = AsCapture(file)->real;
  return real->pMethods->xShmMap(real, region, size, extend, out);
}

// Lock offsets: 0 = WRITE, 1 = CKPT, 2 = RECOVER, 3 + i = READ(i).
constexpr int kCheckpointLock = 1;

int ShmLock(sqlite3_file* file, int offset, int count, int flags) {
  CaptureFile* f = AsCapture(file);
  sqlite3_file* real = f->real;
  if (!f->state) return real->pMethods->xShmLock(real, offset, count, flags);
  const bool covers_write = offset == 0;
  const bool covers_checkpoint = offset <= kCheckpointLock && offset + count > kCheckpointLock;
  const bool exclusive = (flags & SQLITE_SHM_EXCLUSIVE) != 0;

  if ((flags & SQLITE_SHM_LOCK) && exclusive) {
    // A checkpointer that is not the WRITE holder (recovery asks for CKPT while holding WRITE):
    // keep it from copying frames into the database while they may not be logged yet.
    if (covers_checkpoint && !covers_write && !f->holds_write &&
        f->state->ShouldRefuseCheckpoint(f)) {
      return SQLITE_BUSY;
    }
    int rc = real->pMethods->xShmLock(real, offset, count, flags);
    if (rc != SQLITE_OK || !covers_write) return rc;
    f->state->NoteWriteLock(f, true);
    if (Status status = f->state->CatchUp(f); !status.ok()) {
      // Nothing may be written on top of transactions the log is missing.
      f->state->NoteWriteLock(f, false);
      real->pMethods->xShmLock(real, offset, count, SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE);
      sqlite3_log(SQLITE_IOERR, "edgelite: write refused, replication capture failed: %s",
                  status.message().c_str());
      return SQLITE_IOERR;
    }
    return SQLITE_OK;
  }
  if ((flags & SQLITE_SHM_UNLOCK) && exclusive && covers_write && f->holds_write) {
    // The commit (if any) is published in the wal-index and this connection still holds WRITE:
    // log it now, before anyone else can write or restart the WAL. A failure stays in the state
    // (the unlock itself cannot fail) and the next WRITE acquisition retries.
    Status status = f->state->CatchUp(f);
    if (!status.ok()) {
      sqlite3_log(SQLITE_IOERR, "edgelite: replication capture failed: %s",
                  status.message().c_str());
    }
    f->state->NoteWriteLock(f, false);
  }
  return real->pMethods->xShmLock(real, offset, count, flags);
}

void ShmBarrier(sqlite3_file* file) {
  sqlite3_file* real = AsCapture(file)->real;
  real->pMethods->xShmBarrier(real);
}

int ShmUnmap(sqlite3_file* file, int delete_flag) {
  CaptureFile* f = AsCapture(file);
  // The last connection is closing and will delete the WAL: a last chance to log what it holds.
  if (delete_flag && f->state) (void)f->state->CatchUp(f);
  return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  sqlite3_file* real = AsCapture(file)->real;
  if (real->pMethods->iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return real->pMethods->xFetch(real, offset, amount, out);
}

int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  sqlite3_file* real = AsCapture(file)->real;
  if (real->pMethods->iVersion < 3) return SQLITE_OK;
  return real->pMethods->xUnfetch(real, offset, page);
}

const sqlite3_io_methods kIoMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

// --- VFS methods ---

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* unix = static_cast<sqlite3_vfs*>(vfs->pAppData);
  auto* f = new (file) CaptureFile();
  f->real =
      reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kAlignedCaptureFileSize);
  std::memset(f->real, 0, size_t(unix->szOsFile));
  if (flags & SQLITE_OPEN_MAIN_DB) {
    f->state = FindState(name);
    if (f->state) f->kind = FileKind::kMainDatabase;
  } else if ((flags & SQLITE_OPEN_WAL) && name) {
    sqlite3_file* main = sqlite3_database_file_object(name);
    if (main && main->pMethods == &kIoMethods && AsCapture(main)->state) {
      f->kind = FileKind::kWal;
      f->main = AsCapture(main);
      f->main->wal = f;
    }
  }
  int rc = unix->xOpen(unix, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || f->real->pMethods == nullptr) {
    if (f->main) f->main->wal = nullptr;
    f->~CaptureFile();
    file->pMethods = nullptr;  // SQLite calls xClose only when pMethods is set
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  file->pMethods = &kIoMethods;
  return SQLITE_OK;
}

// The WAL of an attached database may not be deleted while capture is failing: its frames are
// what the next start-up (or catch-up) logs.
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  sqlite3_vfs* unix = static_cast<sqlite3_vfs*>(vfs->pAppData);
  size_t length = name ? std::strlen(name) : 0;
  if (length > 4 && std::strcmp(name + length - 4, "-wal") == 0) {
    auto state = FindState(std::string(name, length - 4).c_str());
    if (state && !state->health().ok()) {
      sqlite3_log(SQLITE_IOERR_DELETE, "edgelite: kept %s: it holds frames not yet logged", name);
      return SQLITE_IOERR_DELETE;
    }
  }
  return unix->xDelete(unix, name, sync_dir);
}

#define EDGELITE_FORWARD_VFS(method, ...)                       \
  sqlite3_vfs* unix = static_cast<sqlite3_vfs*>(vfs->pAppData); \
  return unix->method(unix, __VA_ARGS__)

int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  EDGELITE_FORWARD_VFS(xAccess, name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  EDGELITE_FORWARD_VFS(xFullPathname, name, size, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  EDGELITE_FORWARD_VFS(xDlOpen, name);
}
void DlError(sqlite3_vfs* vfs, int size, char* out) {
  EDGELITE_FORWARD_VFS(xDlError, size, out);
}
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  EDGELITE_FORWARD_VFS(xDlSym, handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) {
  EDGELITE_FORWARD_VFS(xDlClose, handle);
}
int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  EDGELITE_FORWARD_VFS(xRandomness, size, out);
}
int Sleep(sqlite3_vfs* vfs, int microseconds) {
  EDGELITE_FORWARD_VFS(xSleep, microseconds);
}
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  EDGELITE_FORWARD_VFS(xCurrentTime, out);
}
int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
  EDGELITE_FORWARD_VFS(xGetLastError, size, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  EDGELITE_FORWARD_VFS(xCurrentTimeInt64, out);
}
int SetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  EDGELITE_FORWARD_VFS(xSetSystemCall, name, call);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* vfs, const char* name) {
  EDGELITE_FORWARD_VFS(xGetSystemCall, name);
}
const char* NextSystemCall(sqlite3_vfs* vfs, const char* name) {
  EDGELITE_FORWARD_VFS(xNextSystemCall, name);
}

#undef EDGELITE_FORWARD_VFS

}  // namespace

// --- CaptureState ---

CaptureState::CaptureState(std::string database_path, std::shared_ptr<FrameLog> log,
                           std::optional<WalPosition> position)
    : database_path_(std::move(database_path)),
      log_(std::move(log)),
      position_(position),
      suspended_(!position.has_value()) {}

Status CaptureState::health() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

bool CaptureState::diverged() const {
  std::lock_guard lock(mutex_);
  return diverged_;
}

std::optional<WalPosition> CaptureState::position() const {
  std::lock_guard lock(mutex_);
  return position_;
}

uint64_t CaptureState::transactions_captured() const {
  std::lock_guard lock(mutex_);
  return transactions_;
}

void CaptureState::Suspend() {
  std::lock_guard capture_lock(capture_mutex_);
  std::lock_guard lock(mutex_);
  suspended_ = true;
}

void CaptureState::Resume(const WalPosition& position) {
  std::lock_guard capture_lock(capture_mutex_);
  std::lock_guard lock(mutex_);
  suspended_ = false;
  position_ = position;
  failure_ = Status::Ok();
  diverged_ = false;
}

void CaptureState::NoteWriteLock(CaptureFile* file, bool held) {
  std::lock_guard lock(mutex_);
  file->holds_write = held;
  if (held) {
    write_holder_ = file;
  } else if (write_holder_ == file) {
    write_holder_ = nullptr;
  }
}

bool CaptureState::ShouldRefuseCheckpoint(CaptureFile* file) const {
  std::lock_guard lock(mutex_);
  if (suspended_) return false;
  return !failure_.ok() || (write_holder_ != nullptr && write_holder_ != file);
}

void CaptureState::NoteWalSynced(uint64_t sequence_before_sync) {
  uint64_t synced = wal_synced_sequence_.load(std::memory_order_acquire);
  while (synced < sequence_before_sync &&
         !wal_synced_sequence_.compare_exchange_weak(synced, sequence_before_sync,
                                                     std::memory_order_acq_rel)) {
  }
}

Status CaptureState::CatchUp(CaptureFile* file) {
  std::lock_guard capture_lock(capture_mutex_);
  WalPosition from;
  {
    std::lock_guard lock(mutex_);
    if (suspended_ || !position_) return Status::Ok();
    if (diverged_) return failure_;
    from = *position_;
  }
  std::optional<WalIndexHeader> live = ReadHeaderThrough(file->real);
  // No valid header: the wal-index is being recovered; the recovering connection holds WRITE and
  // captures when it releases it.
  if (!live) return Status::Ok();
  if (live->salt == from.salt && live->max_frame == from.frame) {
    std::lock_guard lock(mutex_);
    failure_ = Status::Ok();
    return failure_;
  }
  if (!file->wal) {
    Status status = Status::Internal("a connection with new WAL frames has no open WAL file");
    std::lock_guard lock(mutex_);
    failure_ = status;
    return status;
  }
  SqliteFileReader reader(file->wal->real, this);
  // The WAL must be durable before the log says it is; with unsynced appends neither is promised.
  bool sync_wal = log_->syncs_appends() &&
                  wal_write_sequence() > wal_synced_sequence_.load(std::memory_order_acquire);
  CaptureOutcome outcome = CaptureCommitted(*live, from, reader, sync_wal, *log_);
  std::lock_guard lock(mutex_);
  position_ = outcome.position;
  transactions_ += outcome.transactions;
  failure_ = outcome.status;
  diverged_ = outcome.diverged;
  return outcome.status;
}

// --- registration ---

Status RegisterCaptureVfs() {
  static std::once_flag once;
  static int result = SQLITE_OK;
  std::call_once(once, [] {
    sqlite3_vfs* unix = Unix();
    if (!unix) {
      result = SQLITE_ERROR;
      return;
    }
    static sqlite3_vfs vfs;
    std::memset(&vfs, 0, sizeof(vfs));
    vfs.iVersion = 3;
    vfs.szOsFile = int(kAlignedCaptureFileSize) + unix->szOsFile;
    vfs.mxPathname = unix->mxPathname;
    vfs.zName = kCaptureVfsName;
    vfs.pAppData = unix;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    vfs.xSetSystemCall = SetSystemCall;
    vfs.xGetSystemCall = GetSystemCall;
    vfs.xNextSystemCall = NextSystemCall;
    result = sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
  });
  if (result != SQLITE_OK) {
    return Status::Internal(
        fmt::format("cannot register the {} VFS: {}", kCaptureVfsName, sqlite3_errstr(result)));
  }
  return Status::Ok();
}

Result<std::shared_ptr<CaptureState>> AttachCapture(const std::filesystem::path& database_file,
                                                    std::shared_ptr<FrameLog> log,
                                                    std::optional<WalPosition> position) {
  if (Status s = RegisterCaptureVfs(); !s.ok()) return s;
  std::error_code error;
  std::filesystem::path canonical = std::filesystem::canonical(database_file, error);
  if (error) {
    return Status::NotFound(
        fmt::format("cannot attach capture to {}: {}", database_file.string(), error.message()));
  }
  auto state = std::make_shared<CaptureState>(canonical.string(), std::move(log), position);
  Registry& registry = GetRegistry();
  std::lock_guard lock(registry.mutex);
  if (!registry.states.emplace(canonical.string(), state).second) {
    return Status::InvalidArgument(
        fmt::format("{} already captures into a frame log", canonical.string()));
  }
  return state;
}

void DetachCapture(const CaptureState& state) {
  Registry& registry = GetRegistry();
  std::lock_guard lock(registry.mutex);
  auto found = registry.states.find(state.database_path());
  if (found != registry.states.end() && found->second.get() == &state) registry.states.erase(found);
}

bool IsCapturedConnection(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file ||
      file->pMethods != &kIoMethods) {
    return false;
  }
  return AsCapture(file)->state != nullptr;
}

std::optional<WalIndexHeader> ReadLiveWalIndexHeader(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file ||
      file->pMethods != &kIoMethods) {
    return std::nullopt;
  }
  return ReadHeaderThrough(AsCapture(file)->real);
}

std::unique_ptr<WalReader> OpenConnectionWalReader(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file ||
      file->pMethods != &kIoMethods) {
    return nullptr;
  }
  CaptureFile* main = AsCapture(file);
  if (!main->state || !main->wal) return nullptr;
  return std::make_unique<SqliteFileReader>(main->wal->real, main->state.get());
}

std::unique_ptr<WalReader> OpenConnectionDatabaseReader(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file ||
      file->pMethods != &kIoMethods) {
    return nullptr;
  }
  CaptureFile* main = AsCapture(file);
  if (!main->state) return nullptr;
  return std::make_unique<SqliteFileReader>(main->real, nullptr);
}

WalPosition PositionOf(const WalIndexHeader& header) {
  WalPosition position;
  position.salt = header.salt;
  position.frame = header.max_frame;
  if (header.max_frame > 0) position.checksum = header.frame_checksum;
  return position;
}

}  // namespace edgelite::wal
