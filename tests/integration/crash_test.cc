// Crash recovery under write load (issue 4). The real server is killed with SIGKILL at random
// moments while several clients insert rows through /v2/pipeline, then restarted on the same data
// directory, cycle after cycle. What a client was told must survive every kill: each acknowledged
// insert is still there after the restart, and the replication index it was answered with is
// covered by the primary's log (whose log_id does not change: a process kill is no reason for
// replicas to start over). At the end, the frame log replayed into an empty file must equal the
// primary's checkpointed database byte for byte, and so must a replica that pulled frames over
// gRPC-web (Hello, BatchLogEntries) during the load and across every crash, since frames a primary
// has served may never be taken back. The server runs with its default durability (synchronous
// NORMAL), under which a process kill, unlike a power loss, may not lose an acknowledged write.
//
// EDGELITE_CRASH_CYCLES sets the number of kills (crash_soak.sh runs hundreds),
// EDGELITE_CRASH_DURABILITY=strong runs the server with --durability strong, and
// EDGELITE_CRASH_SEED repeats a run's random choices (the timing of the kills still differs). A
// failed run keeps its directory (data, frame log, every server's log) and prints where it is.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "integration/server_test.h"
#include "wal/frame_log.h"
#include "wal/replay.h"

namespace edgelite::integration {
namespace {

namespace bj = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kDefaultCycles = 100;
constexpr int kWriters = 4;
// Long enough for tens to hundreds of commits on this machine, short enough that the run stays
// quick and that kills land at every stage of a commit (and of a checkpoint).
constexpr int kMinKillDelayMs = 5;
constexpr int kMaxKillDelayMs = 50;
// Acknowledged inserts looked up in the log replayed only up to their replication index.
constexpr int kReplaySamples = 4;
constexpr auto kRequestTimeout = std::chrono::seconds(15);

constexpr size_t kPageSize = 4096;
constexpr size_t kWireFrameHeaderSize = 24;  // frame_no, checksum, page_no, size_after (LE)
constexpr size_t kWireFrameSize = kWireFrameHeaderSize + kPageSize;

// ---- protobuf and gRPC-web, as much as a replica needs --------------------------------------
// Written here rather than taken from the server, so that the server's encoders are checked
// against an independent reading of the wire format (docs/protocol.md §9).

struct ProtoField {
  uint32_t number = 0;
  uint64_t varint = 0;     // wire type 0
  std::string_view bytes;  // wire type 2
};

bool ReadVarint(std::string_view& in, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = uint8_t(in.front());
    in.remove_prefix(1);
    out |= uint64_t(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

Result<std::vector<ProtoField>> ParseProto(std::string_view in) {
  std::vector<ProtoField> fields;
  while (!in.empty()) {
    uint64_t tag = 0;
    if (!ReadVarint(in, tag)) return Status::Internal("a protobuf tag is cut off");
    ProtoField field;
    field.number = uint32_t(tag >> 3);
    uint64_t length = 0;
    switch (tag & 7) {
      case 0:
        if (!ReadVarint(in, field.varint)) return Status::Internal("a varint is cut off");
        break;
      case 1:
      case 5:
        length = (tag & 7) == 1 ? 8 : 4;
        if (in.size() < length) return Status::Internal("a fixed-size field is cut off");
        in.remove_prefix(length);
        break;
      case 2:
        if (!ReadVarint(in, length) || length > in.size()) {
          return Status::Internal("a length-delimited field is cut off");
        }
        field.bytes = in.substr(0, length);
        in.remove_prefix(length);
        break;
      default:
        return Status::Internal("protobuf wire type " + std::to_string(tag & 7));
    }
    fields.push_back(field);
  }
  return fields;
}

std::string VarintField(uint32_t number, uint64_t value) {
  std::string out;
  auto put = [&out](uint64_t v) {
    for (; v >= 0x80; v >>= 7) out += char(v | 0x80);
    out += char(v);
  };
  put(uint64_t(number) << 3);
  put(value);
  return out;
}

uint32_t LoadLe32(const char* at) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | uint8_t(at[i]);
  return value;
}

uint64_t LoadLe64(const char* at) {
  return uint64_t(LoadLe32(at)) | (uint64_t(LoadLe32(at + 4)) << 32);
}

struct GrpcReply {
  int status = 0;       // grpc-status
  std::string message;  // grpc-message, as sent
  std::vector<std::string> messages;
};

// Calls wal_log.ReplicationLog/`method`. The connection failing (the server was killed) is an Io
// error; anything else that is not a well-formed gRPC-web answer is Internal.
Result<GrpcReply> CallReplicationLog(HttpConnection& connection, std::string_view method,
                                     std::string_view request, const std::string& session_token) {
  std::string body(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) body += char(request.size() >> shift);
  body.append(request);
  std::string bytes = "POST /wal_log.ReplicationLog/" + std::string(method) +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/grpc-web\r\n"
                      "te: trailers\r\n";
  if (!session_token.empty()) bytes += "x-session-token: " + session_token + "\r\n";
  bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (Status sent = connection.Send(bytes, kRequestTimeout); !sent.ok()) return sent;
  Result<HttpResponse> response = connection.ReadResponse(kRequestTimeout);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return Status::Internal(std::string(method) + " answered HTTP " +
                            std::to_string(response->status) + ": " + response->body);
  }
  GrpcReply reply;
  // A failure before any message is "trailers-only": the status is in the HTTP headers.
  if (std::string status = response->Header("grpc-status"); !status.empty()) {
    reply.status = std::atoi(status.c_str());
    reply.message = response->Header("grpc-message");
    return reply;
  }
  std::string_view rest = response->body;
  while (rest.size() >= 5) {
    auto flag = uint8_t(rest[0]);
    size_t length = 0;
    for (int i = 1; i <= 4; ++i) length = (length << 8) | uint8_t(rest[i]);
    if (rest.size() - 5 < length) break;
    std::string_view payload = rest.substr(5, length);
    rest.remove_prefix(5 + length);
    if (flag == 0x00) {
      reply.messages.emplace_back(payload);
      continue;
    }
    if (flag != 0x80) return Status::Internal("gRPC-web frame flag " + std::to_string(flag));
    std::istringstream lines{std::string(payload)};
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.starts_with("grpc-status:")) reply.status = std::atoi(line.c_str() + 12);
      if (line.starts_with("grpc-message:")) reply.message = line.substr(13);
    }
    if (!rest.empty()) return Status::Internal("bytes after the gRPC-web trailers");
    return reply;
  }
  return Status::Internal(std::string(method) + ": the gRPC-web body has no complete trailers");
}

struct PrimaryHello {
  std::string log_id;
  std::string session_token;
  std::optional<uint64_t> replication_index;  // absent while the log is empty
};

Result<PrimaryHello> SayHello(HttpConnection& connection) {
  Result<GrpcReply> reply = CallReplicationLog(connection, "Hello", VarintField(1, 1), "");
  if (!reply.ok()) return reply.status();
  if (reply->status != 0 || reply->messages.size() != 1) {
    return Status::Internal("Hello failed with grpc-status " + std::to_string(reply->status) +
                            " (" + reply->message + ")");
  }
  Result<std::vector<ProtoField>> fields = ParseProto(reply->messages[0]);
  if (!fields.ok()) return fields.status();
  PrimaryHello hello;
  for (const ProtoField& field : *fields) {
    if (field.number == 3) hello.log_id = field.bytes;
    if (field.number == 4) hello.session_token = field.bytes;
    if (field.number == 5) hello.replication_index = field.varint;
  }
  if (hello.log_id.empty() || hello.session_token.empty()) {
    return Status::Internal("Hello answered without a log_id or a session token");
  }
  return hello;
}

Result<PrimaryHello> SayHello(uint16_t port) {
  Result<HttpConnection> connection = HttpConnection::Open(port);
  if (!connection.ok()) return connection.status();
  return SayHello(*connection);
}

// ---- the replica --------------------------------------------------------------------------

// What an embedded replica keeps, reduced to its essence: a plain database file that committed
// transactions' pages are written into (truncated to the size their commit frame gives), and the
// frame_no to ask for next. It lives through every primary process of a run.
class Replica {
 public:
  explicit Replica(std::filesystem::path file)
      : file_(std::move(file)), fd_(::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {}
  ~Replica() {
    if (fd_ >= 0) ::close(fd_);
  }
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  const std::filesystem::path& file() const { return file_; }
  uint64_t next_offset() const { return next_offset_; }
  uint64_t frames_applied() const { return frames_applied_; }

  // Says Hello to the primary on `port`, then pulls and applies batches. Without `stop`, returns
  // once it holds everything Hello reported; with it, polls until *stop or until the server goes
  // away (an Io error, which is how a pull during a crash cycle normally ends).
  Status Sync(uint16_t port, const std::atomic<bool>* stop) {
    if (fd_ < 0) return Status::Internal("cannot open " + file_.string());
    Result<HttpConnection> connection = HttpConnection::Open(port);
    if (!connection.ok()) return connection.status();
    Result<PrimaryHello> hello = SayHello(*connection);
    if (!hello.ok()) return hello.status();
    if (log_id_.empty()) log_id_ = hello->log_id;
    if (hello->log_id != log_id_) {
      return Status::Internal("the primary's log_id changed from " + log_id_ + " to " +
                              hello->log_id + ": a replica would have to start over");
    }
    while (!(stop && stop->load())) {
      if (!stop && (!hello->replication_index || next_offset_ > *hello->replication_index)) {
        return Status::Ok();
      }
      Result<GrpcReply> reply = CallReplicationLog(
          *connection, "BatchLogEntries", VarintField(1, next_offset_), hello->session_token);
      if (!reply.ok()) return reply.status();
      if (reply->status != 0 || reply->messages.size() != 1) {
        return Status::Internal("BatchLogEntries from frame " + std::to_string(next_offset_) +
                                " failed with grpc-status " + std::to_string(reply->status) + " (" +
                                reply->message + ")");
      }
      Result<std::vector<ProtoField>> frames = ParseProto(reply->messages[0]);
      if (!frames.ok()) return frames.status();
      std::vector<std::string_view> data;
      for (const ProtoField& frame : *frames) {
        if (frame.number != 1) continue;
        Result<std::vector<ProtoField>> fields = ParseProto(frame.bytes);
        if (!fields.ok()) return fields.status();
        for (const ProtoField& field : *fields) {
          if (field.number == 1) data.push_back(field.bytes);
        }
      }
      if (data.empty()) {
        if (!stop) {
          return Status::Internal("an empty batch at frame " + std::to_string(next_offset_) +
                                  ", but Hello reported frames up to " +
                                  std::to_string(*hello->replication_index));
        }
        std::this_thread::sleep_for(milliseconds(1));
        continue;
      }
      if (Status applied = Apply(data); !applied.ok()) return applied;
    }
    return Status::Ok();
  }

 private:
  // A batch is whole transactions from next_offset_ on, with gapless frame numbers.
  Status Apply(const std::vector<std::string_view>& frames) {
    uint64_t expected = next_offset_;
    for (std::string_view frame : frames) {
      if (frame.size() != kWireFrameSize) {
        return Status::Internal("a wire frame of " + std::to_string(frame.size()) + " bytes");
      }
      uint64_t frame_no = LoadLe64(frame.data());
      uint32_t page_no = LoadLe32(frame.data() + 16);
      uint32_t size_after = LoadLe32(frame.data() + 20);
      if (frame_no != expected || page_no == 0) {
        return Status::Internal("frame " + std::to_string(frame_no) + " (page " +
                                std::to_string(page_no) + ") where frame " +
                                std::to_string(expected) + " was due");
      }
      if (::pwrite(fd_, frame.data() + kWireFrameHeaderSize, kPageSize,
                   off_t(page_no - 1) * off_t(kPageSize)) != ssize_t(kPageSize)) {
        return Status::Internal("pwrite " + file_.string() + ": " + std::strerror(errno));
      }
      ++expected;
      if (size_after != 0) {
        if (::ftruncate(fd_, off_t(size_after) * off_t(kPageSize)) != 0) {
          return Status::Internal("ftruncate " + file_.string() + ": " + std::strerror(errno));
        }
        next_offset_ = expected;
      }
    }
    if (next_offset_ != expected) {
      return Status::Internal("a batch ends at frame " + std::to_string(expected - 1) +
                              ", which is not a commit frame");
    }
    frames_applied_ += frames.size();
    return Status::Ok();
  }

  std::filesystem::path file_;
  int fd_;
  std::string log_id_;
  uint64_t next_offset_ = 0;
  uint64_t frames_applied_ = 0;
};

// ---- the writers and what they were told ----------------------------------------------------

struct Acknowledgement {
  int64_t id;
  uint64_t replication_index;
};

// Every insert sent and every one acknowledged, over all the server processes of a run.
class Ledger {
 public:
  int64_t Send() {
    std::lock_guard lock(mutex_);
    sent_.insert(next_id_);
    return next_id_++;
  }

  // Checks that `writer`'s replication indexes grow: each of its inserts was sent after the
  // previous one was acknowledged, so it committed later, under a larger frame number, in this
  // server process or any later one (frame numbers survive restarts).
  void Acknowledge(int writer, int64_t id, uint64_t replication_index) {
    std::lock_guard lock(mutex_);
    std::optional<uint64_t>& last = last_index_[writer];
    if (last && replication_index <= *last) {
      ADD_FAILURE() << "writer " << writer << "'s insert " << id << " was acknowledged with "
                    << "replication_index " << replication_index << ", not above its previous "
                    << "insert's " << *last;
    }
    last = replication_index;
    acknowledged_.push_back({id, replication_index});
    must_exist_.insert(id);
    max_index_ = std::max(max_index_.value_or(0), replication_index);
  }

  // Compares the rows a restarted server holds with what clients were told: every acknowledged
  // insert, and every row an earlier restart already showed, must be there; nothing that was
  // never sent may be. Rows seen now must stay from now on.
  void ExpectPresent(const std::set<int64_t>& present, int kills, const ServerProcess& server) {
    std::lock_guard lock(mutex_);
    std::vector<int64_t> missing;
    std::set_difference(must_exist_.begin(), must_exist_.end(), present.begin(), present.end(),
                        std::back_inserter(missing));
    std::vector<int64_t> phantom;
    std::set_difference(present.begin(), present.end(), sent_.begin(), sent_.end(),
                        std::back_inserter(phantom));
    if (!missing.empty()) {
      std::ostringstream detail;
      for (size_t i = 0; i < missing.size() && i < 20; ++i) {
        auto ack = std::find_if(acknowledged_.begin(), acknowledged_.end(),
                                [&](const Acknowledgement& a) { return a.id == missing[i]; });
        detail << " " << missing[i];
        if (ack == acknowledged_.end()) {
          detail << " (seen after an earlier restart)";
        } else {
          detail << " (acknowledged at frame " << ack->replication_index << ")";
        }
      }
      ADD_FAILURE() << "after " << kills << " kills, " << missing.size() << " of "
                    << must_exist_.size() << " rows that must exist are missing:" << detail.str()
                    << "\nthe restarted server's log:\n"
                    << server.ReadLog();
    }
    EXPECT_TRUE(phantom.empty()) << "after " << kills << " kills, " << phantom.size()
                                 << " rows that no client inserted, e.g. id " << phantom.front();
    must_exist_.insert(present.begin(), present.end());
  }

  std::optional<uint64_t> max_index() const {
    std::lock_guard lock(mutex_);
    return max_index_;
  }
  std::vector<Acknowledgement> acknowledged() const {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  size_t must_exist() const {
    std::lock_guard lock(mutex_);
    return must_exist_.size();
  }

 private:
  mutable std::mutex mutex_;
  int64_t next_id_ = 1;
  std::set<int64_t> sent_;
  std::vector<Acknowledgement> acknowledged_;
  std::set<int64_t> must_exist_;
  std::optional<uint64_t> max_index_;
  std::optional<uint64_t> last_index_[kWriters];
};

// One client inserting rows back to back on a keep-alive connection until the server goes away.
// Payloads vary from a few bytes to overflow chains, so commits write one page or several.
void RunWriter(uint16_t port, int writer, uint64_t seed, Ledger& ledger) {
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> kind(0, 19);
  Result<HttpConnection> connection = HttpConnection::Open(port);
  while (connection.ok()) {
    int k = kind(random);
    int payload = k == 0  ? std::uniform_int_distribution<int>(3000, 12000)(random)
                  : k < 5 ? std::uniform_int_distribution<int>(400, 3000)(random)
                          : std::uniform_int_distribution<int>(16, 400)(random);
    int64_t id = ledger.Send();
    std::string sql = "INSERT INTO t(id, writer, payload) VALUES (" + std::to_string(id) + ", " +
                      std::to_string(writer) + ", randomblob(" + std::to_string(payload) + "))";
    Result<HttpResponse> response = connection->Request(
        "POST", "/v2/pipeline", PipelineBody({ExecuteJson(sql), R"({"type":"close"})"}),
        kRequestTimeout);
    if (!response.ok()) return;  // the kill: this insert is in flight, neither acknowledged nor not
    bj::value json = ParseJson(response->body);
    if (response->status != 200 || TextAt(json, "/results/0/type") != "ok") {
      ADD_FAILURE() << "insert " << id << " answered " << response->status << ": "
                    << response->body;
      return;
    }
    std::string index_text = TextAt(json, "/results/0/response/result/replication_index");
    uint64_t index = 0;
    auto parsed = std::from_chars(index_text.data(), index_text.data() + index_text.size(), index);
    if (parsed.ec != std::errc() || parsed.ptr != index_text.data() + index_text.size()) {
      ADD_FAILURE() << "insert " << id
                    << " was acknowledged without a replication_index: " << response->body;
      return;
    }
    ledger.Acknowledge(writer, id, index);
    if (response->closes_connection()) connection = HttpConnection::Open(port);
  }
}

// ---- checks ---------------------------------------------------------------------------------

// Runs one statement on a fresh connection; its result, or null after a test failure.
bj::value Execute(uint16_t port, const std::string& sql) {
  Result<HttpResponse> response =
      SendRequest(port, "POST", "/v2/pipeline",
                  PipelineBody({ExecuteJson(sql), R"({"type":"close"})"}), kRequestTimeout);
  if (!response.ok()) {
    ADD_FAILURE() << sql << ": " << response.status().message();
    return nullptr;
  }
  bj::value json = ParseJson(response->body);
  if (response->status != 200 || TextAt(json, "/results/0/type") != "ok") {
    ADD_FAILURE() << sql << " answered " << response->status << ": " << response->body;
    return nullptr;
  }
  return json.at_pointer("/results/0/response/result");
}

// Right after a restart, before any new write: the rows, and the log behind the indexes clients
// were given and the frames the replica was sent. `log_id` is the first server's, set on the first
// call.
void ExpectRecovered(ServerProcess& server, Ledger& ledger, const Replica& replica, int kills,
                     std::string& log_id) {
  bj::value result = Execute(server.port(), "SELECT id FROM t");
  if (result.is_null()) return;
  std::set<int64_t> present;
  for (const bj::value& row : result.at("rows").as_array()) {
    std::string text(row.at(0).at("value").as_string());
    present.insert(std::stoll(text));
  }
  ledger.ExpectPresent(present, kills, server);

  Result<PrimaryHello> hello = SayHello(server.port());
  ASSERT_TRUE(hello.ok()) << "after " << kills << " kills: " << hello.status().message();
  if (log_id.empty()) log_id = hello->log_id;
  EXPECT_EQ(hello->log_id, log_id) << "after " << kills << " kills, the log has a new lineage; "
                                   << "the server's log:\n"
                                   << server.ReadLog();
  if (std::optional<uint64_t> acknowledged = ledger.max_index()) {
    EXPECT_TRUE(hello->replication_index && *hello->replication_index >= *acknowledged)
        << "after " << kills << " kills, the log ends at frame "
        << (hello->replication_index ? std::to_string(*hello->replication_index) : "<empty>")
        << ", but a client was told its insert committed at frame " << *acknowledged;
  }
  if (replica.next_offset() > 0) {
    EXPECT_TRUE(hello->replication_index && *hello->replication_index + 1 >= replica.next_offset())
        << "after " << kills << " kills, the log ends at frame "
        << (hello->replication_index ? std::to_string(*hello->replication_index) : "<empty>")
        << ", but the replica was already sent frames up to " << replica.next_offset() - 1;
  }
}

// One value from a query on a plain SQLite connection (no capture VFS: the server is gone).
std::string QueryText(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  std::string text = "<" + sql + ": ";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    text += std::string(sqlite3_errmsg(db)) + ">";
  } else if (sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* value = sqlite3_column_text(statement, 0);
    text = value ? reinterpret_cast<const char*>(value) : "NULL";
  } else {
    text += std::string(sqlite3_errmsg(db)) + ">";
  }
  sqlite3_finalize(statement);
  return text;
}

std::string QueryText(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string text;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    text = QueryText(db, sql);
  } else {
    text = "<cannot open " + file.string() + ">";
  }
  sqlite3_close(db);
  return text;
}

std::string ReadAll(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void ExpectSameBytes(const std::filesystem::path& expected, const std::filesystem::path& actual,
                     std::string_view what) {
  std::string want = ReadAll(expected);
  std::string got = ReadAll(actual);
  if (want == got) return;
  auto differ = std::mismatch(want.begin(), want.end(), got.begin(), got.end());
  ADD_FAILURE() << what << " (" << got.size() << " bytes) differs from the primary's checkpointed "
                << "database (" << want.size() << " bytes), first in page "
                << (differ.first - want.begin()) / kPageSize + 1;
}

// The run's directory (servers' data and logs, the replica, the replays): removed after a passing
// run, kept for inspection after a failing one (whichever assertion ended it) or when asked.
class RunDirectory {
 public:
  static Result<RunDirectory> Create() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/edgelite-crash-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Status::Io("mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    return RunDirectory(pattern);
  }
  RunDirectory(RunDirectory&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;
  ~RunDirectory() {
    if (path_.empty()) return;
    if (::testing::Test::HasFailure() || std::getenv("EDGELITE_KEEP_TMP")) {
      std::printf("[ crash    ] kept %s\n", path_.c_str());
    } else {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit RunDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

int EnvInt(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::atoi(text) : fallback;
}

TEST(CrashTest, KillNineUnderWriteLoadLosesNoAcknowledgedWrite) {
  const int cycles = EnvInt("EDGELITE_CRASH_CYCLES", kDefaultCycles);
  const uint64_t seed = std::getenv("EDGELITE_CRASH_SEED")
                            ? std::strtoull(std::getenv("EDGELITE_CRASH_SEED"), nullptr, 10)
                            : std::random_device{}();
  // relaxed (the default, synchronous=NORMAL) or strong (FULL): a process kill may lose nothing
  // acknowledged under either, but they sync the WAL and the log on different paths.
  const char* durability = std::getenv("EDGELITE_CRASH_DURABILITY");
  const std::vector<std::string> server_args = {"--durability",
                                                durability && *durability ? durability : "relaxed"};
  SCOPED_TRACE("EDGELITE_CRASH_SEED=" + std::to_string(seed) + " " + server_args[1]);
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> kill_delay(kMinKillDelayMs, kMaxKillDelayMs);

  Result<RunDirectory> run_directory = RunDirectory::Create();
  ASSERT_TRUE(run_directory.ok()) << run_directory.status().message();
  const std::filesystem::path& directory = run_directory->path();
  const std::filesystem::path database_directory = directory / "data" / "dbs" / "default";

  Ledger ledger;
  Replica replica(directory / "replica");
  std::string log_id;
  const auto started = Clock::now();

  int kills = 0;
  for (int cycle = 0; cycle < cycles && !HasFailure(); ++cycle) {
    auto server = ServerProcess::StartIn(directory, server_args);
    ASSERT_TRUE(server.ok()) << "the restart after " << cycle
                             << " kills: " << server.status().message();
    const uint16_t port = (*server)->port();
    if (cycle == 0) {
      // An index besides the table, so that an insert changes several b-trees' pages.
      Execute(port,
              "CREATE TABLE t(id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, "
              "payload BLOB NOT NULL)");
      Execute(port, "CREATE INDEX t_writer ON t(writer, id)");
    }
    ExpectRecovered(**server, ledger, replica, cycle, log_id);

    std::atomic<bool> stop{false};
    Status pulled;
    std::vector<std::thread> clients;
    for (int writer = 0; writer < kWriters; ++writer) {
      clients.emplace_back(RunWriter, port, writer, random(), std::ref(ledger));
    }
    clients.emplace_back([&] { pulled = replica.Sync(port, &stop); });
    std::this_thread::sleep_for(milliseconds(kill_delay(random)));
    std::string ending = (*server)->Kill();
    ++kills;
    stop = true;
    for (std::thread& client : clients) client.join();
    // Anything but our SIGKILL means the server died on its own.
    EXPECT_EQ(ending, "killed by signal 9") << "its log:\n" << (*server)->ReadLog();
    EXPECT_TRUE(pulled.ok() || pulled.kind() == ErrorKind::kIo)
        << "the replica, in cycle " << cycle << ": " << pulled.message();
  }
  const double crash_seconds = std::chrono::duration<double>(Clock::now() - started).count();

  // One more restart: everything acknowledged is there, and the replica catches up.
  std::optional<uint64_t> last_frame;
  if (!HasFailure()) {
    auto server = ServerProcess::StartIn(directory, server_args);
    ASSERT_TRUE(server.ok()) << "the last restart: " << server.status().message();
    ExpectRecovered(**server, ledger, replica, kills, log_id);
    Status caught_up = replica.Sync((*server)->port(), nullptr);
    EXPECT_TRUE(caught_up.ok()) << "the replica's catch-up: " << caught_up.message();
    Result<PrimaryHello> hello = SayHello((*server)->port());
    ASSERT_TRUE(hello.ok()) << hello.status().message();
    last_frame = hello->replication_index;
    EXPECT_EQ((*server)->Stop(), "exited with status 0") << (*server)->ReadLog();
  }

  // The server is gone: the files alone must tell the same story.
  if (!HasFailure()) {
    const std::filesystem::path primary = database_directory / "data";
    {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open_v2(primary.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
      EXPECT_EQ(QueryText(db, "PRAGMA wal_checkpoint(TRUNCATE)"), "0") << "the checkpoint was busy";
      EXPECT_EQ(QueryText(db, "PRAGMA integrity_check"), "ok");
      EXPECT_EQ(QueryText(db, "SELECT count(*) FROM t"), std::to_string(ledger.must_exist()));
      sqlite3_close(db);
    }

    wal::FrameLogOptions options;
    options.directory = database_directory / "wallog";
    auto log = wal::FrameLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().message();
    EXPECT_EQ((*log)->last_frame_no(), last_frame);
    auto replayed = wal::ReplayLog(**log, directory / "replayed");
    ASSERT_TRUE(replayed.ok()) << replayed.status().message();
    ExpectSameBytes(primary, directory / "replayed", "The frame log replayed from frame 0");
    EXPECT_EQ(replica.next_offset(), last_frame ? *last_frame + 1 : 0);
    ExpectSameBytes(primary, replica.file(), "The replica");

    // The index a client was given is the frame its write is in by: the log replayed up to it
    // holds the row. (Frames folded into a snapshot cannot be replayed to a point.)
    std::vector<Acknowledgement> samples = ledger.acknowledged();
    uint64_t replayable_from = (*log)->snapshot() ? (*log)->snapshot()->end_frame_no : 0;
    std::erase_if(samples,
                  [&](const Acknowledgement& a) { return a.replication_index < replayable_from; });
    std::shuffle(samples.begin(), samples.end(), random);
    samples.resize(std::min<size_t>(samples.size(), kReplaySamples));
    for (const Acknowledgement& sample : samples) {
      const std::filesystem::path at_frame = directory / "at-frame";
      auto partial = wal::ReplayLog(**log, at_frame, sample.replication_index);
      ASSERT_TRUE(partial.ok()) << partial.status().message();
      EXPECT_EQ(
          QueryText(at_frame, "SELECT count(*) FROM t WHERE id = " + std::to_string(sample.id)),
          "1")
          << "insert " << sample.id << " is not in the log up to frame " << sample.replication_index
          << ", the replication_index it was acknowledged with";
    }
  }

  // How often a kill fell between a commit reaching the WAL and the frame log: the restarts that
  // had to roll transactions forward (the server logs each one).
  int rolled_forward = 0;
  std::string all_logs = ReadAll(directory / "server.log");
  for (size_t at = 0;
       (at = all_logs.find("rolled forward into the frame log", at)) != std::string::npos; ++at) {
    ++rolled_forward;
  }
  const double total_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf(
      "[ crash    ] %d kills in %.1f s (%.1f s with the final checks); %zu acknowledged "
      "inserts, %zu rows; %d restarts rolled the WAL forward into the log; the log ends "
      "at frame %s; the replica applied %llu frames; seed %llu\n",
      kills, crash_seconds, total_seconds, ledger.acknowledged().size(), ledger.must_exist(),
      rolled_forward, last_frame ? std::to_string(*last_frame).c_str() : "<none>",
      static_cast<unsigned long long>(replica.frames_applied()),
      static_cast<unsigned long long>(seed));
}

}  // namespace
}  // namespace edgelite::integration
