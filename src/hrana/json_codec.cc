// The JSON codec for Hrana over HTTP (v1, v2, v3 pipelines and cursors) and the legacy `POST /`
// API. Decoding parses the body into a Boost.JSON DOM held in a per-request arena, then walks it
// into the model, recording the path of the field being read so that the first error names it
// exactly ("invalid request body at requests[0].stmt.args[1].value: ..."). Encoding never builds a
// DOM: it appends straight into the output string with JsonWriter, because encoding rows is the
// server's hottest path.
#include "hrana/json_codec.h"

#include "common/overloaded.h"

#include "common/utf8.h"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/base64.h"
#include "hrana/json_writer.h"

namespace edgelite::hrana::json {
namespace {

namespace bj = boost::json;

// Real requests nest about 8 levels deep; the limit only has to keep hostile bodies from building a
// DOM that is expensive to walk. It must leave room for kMaxConditionDepth conditions (two JSON
// levels per `and`/`or`) so that deep conditions get the more specific message below.
constexpr std::size_t kMaxJsonDepth = 256;
// Batch conditions are decoded and evaluated recursively, so their depth is bounded explicitly. No
// client generates more than a few levels.
constexpr int kMaxConditionDepth = 100;
// Echoed input in error messages is cut to this many bytes so a hostile body cannot inflate them.
constexpr std::size_t kMaxEchoedBytes = 40;

std::string_view ToStd(bj::string_view text) {
  return {text.data(), text.size()};
}

// --- Parsing ---

// A basic_parser handler that builds the same DOM as boost::json::parse, except that floats are
// converted with std::from_chars. Boost 1.81's own conversion is off by one unit in the last place
// for about a quarter of all doubles, and a float a client sends must reach SQLite unchanged.
class DomBuilder {
 public:
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);

  explicit DomBuilder(bj::storage_ptr storage) : stack_(storage), storage_(std::move(storage)) {}

  bj::value Release() { return stack_.release(); }

  bool on_document_begin(bj::error_code&) {
    stack_.reset(storage_);
    return true;
  }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(std::size_t size, bj::error_code&) {
    stack_.push_array(size);
    return true;
  }
  bool on_object_begin(bj::error_code&) { return true; }
  bool on_object_end(std::size_t size, bj::error_code&) {
    stack_.push_object(size);
    return true;
  }
  bool on_string_part(bj::string_view part, std::size_t, bj::error_code&) {
    stack_.push_chars(part);
    return true;
  }
  bool on_string(bj::string_view last, std::size_t, bj::error_code&) {
    stack_.push_string(last);
    return true;
  }
  bool on_key_part(bj::string_view part, std::size_t, bj::error_code&) {
    stack_.push_chars(part);
    return true;
  }
  bool on_key(bj::string_view last, std::size_t, bj::error_code&) {
    stack_.push_key(last);
    return true;
  }
  bool on_number_part(bj::string_view part, bj::error_code&) {
    number_text_.append(part.data(), part.size());
    return true;
  }
  bool on_int64(int64_t value, bj::string_view, bj::error_code&) {
    number_text_.clear();
    stack_.push_int64(value);
    return true;
  }
  bool on_uint64(uint64_t value, bj::string_view, bj::error_code&) {
    number_text_.clear();
    stack_.push_uint64(value);
    return true;
  }
  bool on_double(double approximate, bj::string_view last, bj::error_code& error) {
    std::string_view text = ToStd(last);
    if (!number_text_.empty()) {
      number_text_.append(last.data(), last.size());
      text = number_text_;
    }
    double exact = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), exact);
    number_text_.clear();
    if (result.ec == std::errc() && result.ptr == text.data() + text.size()) {
      stack_.push_double(exact);
      return true;
    }
    // from_chars reports underflow to zero as out of range too; Boost's value is right for those.
    // Overflow has no double to stand for it, and SQLite would only turn it into Inf.
    if (!std::isfinite(approximate)) {
      error = bj::error::exponent_overflow;
      return false;
    }
    stack_.push_double(approximate);
    return true;
  }
  bool on_bool(bool value, bj::error_code&) {
    stack_.push_bool(value);
    return true;
  }
  bool on_null(bj::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

 private:
  bj::value_stack stack_;
  bj::storage_ptr storage_;
  std::string number_text_;  // a number split across write_some calls; empty in practice
};

// A parsed request body and the arena its nodes live in, which is released in one step.
class ParsedBody {
 public:
  ParsedBody() = default;
  ParsedBody(const ParsedBody&) = delete;
  ParsedBody& operator=(const ParsedBody&) = delete;

  Status Parse(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return Status::InvalidArgument("request body is empty; expected a JSON object");
    }
    bj::parse_options options;
    options.max_depth = kMaxJsonDepth;
    bj::error_code error;
    std::size_t consumed = 0;
    try {
      bj::basic_parser<DomBuilder> parser(options, bj::storage_ptr(&arena_));
      consumed = parser.write_some(false, body.data(), body.size(), error);
      if (!error) root_ = parser.handler().Release();
    } catch (const std::bad_alloc&) {
      return Status::ResourceExhausted("out of memory while parsing the request body");
    } catch (const std::exception& exception) {
      return Status::InvalidArgument(std::string("invalid JSON in request body: ") +
                                     exception.what());
    }
    if (error == bj::error::too_deep) {
      return Status::InvalidArgument("invalid JSON in request body: nested more than " +
                                     std::to_string(kMaxJsonDepth) + " levels deep");
    }
    if (error == bj::error::exponent_overflow) {
      return Status::InvalidArgument(
          "invalid JSON in request body: a number is too large for a 64-bit float");
    }
    if (error == bj::error::syntax && consumed < body.size() &&
        !utf8::StartsWellFormed(body.substr(consumed))) {
      // Boost reports bytes that are not UTF-8 as a bare "syntax error", which sends users
      // hunting for a misplaced comma; usually the client put raw binary in a string.
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X",
                    unsigned(static_cast<unsigned char>(body[consumed])));
      return Status::InvalidArgument("invalid JSON in request body at byte " +
                                     std::to_string(consumed) + ": invalid UTF-8 (byte " + hex +
                                     "); JSON text must be UTF-8, so send binary data as a "
                                     "base64 blob");
    }
    if (error) {
      return Status::InvalidArgument("invalid JSON in request body at byte " +
                                     std::to_string(consumed) + ": " + error.message());
    }
    if (consumed != body.size()) {
      return Status::InvalidArgument("invalid JSON in request body at byte " +
                                     std::to_string(consumed) +
                                     ": unexpected data after the JSON value");
    }
    return Status::Ok();
  }

  const bj::value& root() const { return root_; }

 private:
  unsigned char initial_block_[4096];
  bj::monotonic_resource arena_{initial_block_, sizeof(initial_block_)};
  // In the arena too, so that assigning the parsed document moves it instead of copying it to the
  // heap. Declared after arena_ so that it is destroyed first.
  bj::value root_ = bj::value(bj::storage_ptr(&arena_));
};

// --- Decoding ---

// Input echoed in an error message, cut short (on a UTF-8 boundary) and quoted as a JSON string.
// The escaping matters: the message is also logged, and a raw newline or terminal escape from a
// client would forge log lines.
std::string QuoteForMessage(std::string_view text) {
  std::string quoted;
  JsonWriter writer(quoted);
  if (text.size() <= kMaxEchoedBytes) {
    writer.String(text);
    return quoted;
  }
  std::size_t cut = kMaxEchoedBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  writer.String(text.substr(0, cut));
  quoted.insert(quoted.size() - 1, "...");
  return quoted;
}

// What a JSON value is, for "expected X, got Y" messages: the value itself when it is short.
std::string DescribeForMessage(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::null:
      return "null";
    case bj::kind::bool_:
      return value.get_bool() ? "true" : "false";
    case bj::kind::int64:
      return "the number " + std::to_string(value.get_int64());
    case bj::kind::uint64:
      return "the number " + std::to_string(value.get_uint64());
    case bj::kind::double_: {
      char buffer[32];
      const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value.get_double());
      return "the number " + std::string(buffer, result.ptr);
    }
    case bj::kind::string:
      return "the string " + QuoteForMessage(ToStd(value.get_string()));
    case bj::kind::array:
      return "an array";
    case bj::kind::object:
      return "an object";
  }
  return "an unknown JSON value";
}

// Parses a whole decimal string into an integer. Accepts a leading '+' because sqld parses these
// with Rust's str::parse, which does; rejects whitespace, fractions and out-of-range values.
template <typename Integer>
bool ParseDecimal(std::string_view text, Integer& out) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') return false;
  }
  if (text.empty()) return false;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

class ObjectFieldReader;

// Walks a parsed body into the model. Every Read* returns false after recording the first error,
// whose message carries the path of the field being read.
class Decoder {
  friend class ObjectFieldReader;  // the FieldReader of DecodeObject

 public:
  explicit Decoder(ProtocolVersion version) : version_(version) { path_.reserve(16); }

  Status Error() const { return Status::InvalidArgument(error_); }

  template <typename Read>
  bool Root(const bj::value& root, Read&& read) {
    const bj::object* object = nullptr;
    if (!AsObject(root, object)) return false;
    return read(*object);
  }

  bool ReadPipelineRequest(const bj::object& object, PipelineRequest& out) {
    return Optional(object, "baton",
                    [&](const bj::value& v) { return ReadString(v, out.baton); }) &&
           Required(object, "requests", [&](const bj::value& v) {
             return ReadArray(v, out.requests,
                              [&](const bj::value& element, StreamRequest& request) {
                                return ReadStreamRequest(element, request);
                              });
           });
  }

  bool ReadCursorRequest(const bj::object& object, CursorRequest& out) {
    return Optional(object, "baton",
                    [&](const bj::value& v) { return ReadString(v, out.baton); }) &&
           Required(object, "batch", [&](const bj::value& v) { return ReadBatch(v, out.batch); });
  }

  bool ReadV1ExecuteRequest(const bj::object& object, Stmt& out) {
    return Required(object, "stmt", [&](const bj::value& v) { return ReadStmt(v, out); });
  }

  bool ReadV1BatchRequest(const bj::object& object, Batch& out) {
    return Required(object, "batch", [&](const bj::value& v) { return ReadBatch(v, out); });
  }

  bool ReadStmt(const bj::value& value, Stmt& out) {
    const bj::object* object = nullptr;
    if (!AsObject(value, object)) return false;
    return ReadSqlOrSqlId(*object, out.sql, out.sql_id) &&
           Optional(*object, "args",
                    [&](const bj::value& v) {
                      return ReadArray(v, out.args, [&](const bj::value& element, Value& arg) {
                        return ReadValue(element, arg);
                      });
                    }) &&
           Optional(*object, "named_args",
                    [&](const bj::value& v) {
                      return ReadArray(v, out.named_args,
                                       [&](const bj::value& element, NamedArg& arg) {
                                         return ReadNamedArg(element, arg);
                                       });
                    }) &&
           Optional(*object, "want_rows",
                    [&](const bj::value& v) { return ReadBool(v, out.want_rows); }) &&
           Optional(*object, "replication_index", [&](const bj::value& v) {
             return ReadReplicationIndex(v, out.replication_index);
           });
  }

  bool ReadBatch(const bj::value& value, Batch& out) {
    const bj::object* object = nullptr;
    if (!AsObject(value, object)) return false;
    return Required(*object, "steps",
                    [&](const bj::value& v) {
                      return ReadArray(v, out.steps,
                                       [&](const bj::value& element, BatchStep& step) {
                                         return ReadBatchStep(element, step);
                                       });
                    }) &&
           Optional(*object, "replication_index", [&](const bj::value& v) {
             return ReadReplicationIndex(v, out.replication_index);
           });
  }

  bool ReadLegacyRequest(const bj::object& object, LegacyRequest& out) {
    return Required(object, "statements",
                    [&](const bj::value& v) {
                      return ReadArray(v, out.statements,
                                       [&](const bj::value& element, LegacyStatement& statement) {
                                         return ReadLegacyStatement(element, statement);
                                       });
                    }) &&
           Optional(object, "replication_index", [&](const bj::value& v) {
             return ReadReplicationIndex(v, out.replication_index);
           });
  }

 private:
  // One step of the path to the field being read: an object key or an array index.
  struct PathSegment {
    std::string_view key;
    std::size_t index = 0;
    bool is_index = false;
  };

  class PathScope {
   public:
    PathScope(Decoder& decoder, std::string_view key) : decoder_(decoder) {
      decoder_.path_.push_back({key, 0, false});
    }
    PathScope(Decoder& decoder, std::size_t index) : decoder_(decoder) {
      decoder_.path_.push_back({{}, index, true});
    }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;
    ~PathScope() { decoder_.path_.pop_back(); }

   private:
    Decoder& decoder_;
  };

  bool Fail(std::string_view what) {
    if (path_.empty()) {
      error_ = "invalid request body: ";
    } else {
      error_ = "invalid request body at ";
      bool first = true;
      for (const PathSegment& segment : path_) {
        if (segment.is_index) {
          error_ += '[';
          error_ += std::to_string(segment.index);
          error_ += ']';
        } else {
          if (!first) error_ += '.';
          error_ += segment.key;
        }
        first = false;
      }
      error_ += ": ";
    }
    error_ += what;
    return false;
  }

  bool FailAt(std::string_view key, std::string_view what) {
    PathScope scope(*this, key);
    return Fail(what);
  }

  bool FailExpected(std::string_view expected, const bj::value& got) {
    return Fail("expected " + std::string(expected) + ", got " + DescribeForMessage(got));
  }

  bool VersionTooOld(std::string_view feature, ProtocolVersion needed) {
    return Fail(std::string(feature) + " needs Hrana " + std::to_string(int(needed)) +
                " or later, but this request uses Hrana " + std::to_string(int(version_)));
  }

  // A required field: absent is an error, null is passed on to `read` (which rejects it).
  template <typename Read>
  bool Required(const bj::object& object, std::string_view key, Read&& read) {
    const auto it = object.find(key);
    if (it == object.end()) {
      return Fail("missing required field \"" + std::string(key) + "\"");
    }
    PathScope scope(*this, key);
    return read(it->value());
  }

  // An optional field: absent and null both mean "not given", as clients send either.
  template <typename Read>
  bool Optional(const bj::object& object, std::string_view key, Read&& read) {
    const auto it = object.find(key);
    if (it == object.end() || it->value().is_null()) return true;
    PathScope scope(*this, key);
    return read(it->value());
  }

  bool AsObject(const bj::value& value, const bj::object*& out) {
    if (!value.is_object()) return FailExpected("a JSON object", value);
    out = &value.get_object();
    return true;
  }

  template <typename T, typename ReadElement>
  bool ReadArray(const bj::value& value, std::vector<T>& out, ReadElement&& read_element) {
    if (!value.is_array()) return FailExpected("an array", value);
    const bj::array& array = value.get_array();
    out.clear();
    out.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
      PathScope scope(*this, i);
      if (!read_element(array[i], out.emplace_back())) return false;
    }
    return true;
  }

  bool ReadStringView(const bj::value& value, std::string_view& out) {
    if (!value.is_string()) return FailExpected("a string", value);
    out = ToStd(value.get_string());
    return true;
  }

  bool ReadString(const bj::value& value, std::string& out) {
    std::string_view text;
    if (!ReadStringView(value, text)) return false;
    out.assign(text);
    return true;
  }

  bool ReadString(const bj::value& value, std::optional<std::string>& out) {
    return ReadString(value, out.emplace());
  }

  bool ReadBool(const bj::value& value, bool& out) {
    if (!value.is_bool()) return FailExpected("true or false", value);
    out = value.get_bool();
    return true;
  }

  bool ReadUnsigned(const bj::value& value, uint64_t max, uint64_t& out) {
    if (value.is_int64() && value.get_int64() >= 0 && uint64_t(value.get_int64()) <= max) {
      out = uint64_t(value.get_int64());
      return true;
    }
    if (value.is_uint64() && value.get_uint64() <= max) {
      out = value.get_uint64();
      return true;
    }
    return FailExpected("an integer from 0 to " + std::to_string(max), value);
  }

  bool ReadStepIndex(const bj::value& value, uint32_t& out) {
    uint64_t step = 0;
    if (!ReadUnsigned(value, std::numeric_limits<uint32_t>::max(), step)) return false;
    out = uint32_t(step);
    return true;
  }

  bool ReadSqlId(const bj::value& value, int32_t& out) {
    constexpr int64_t kMin = std::numeric_limits<int32_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
    if (value.is_int64() && value.get_int64() >= kMin && value.get_int64() <= kMax) {
      out = int32_t(value.get_int64());
      return true;
    }
    return FailExpected("an integer from " + std::to_string(kMin) + " to " + std::to_string(kMax),
                        value);
  }

  bool ReadSqlId(const bj::value& value, std::optional<int32_t>& out) {
    return ReadSqlId(value, out.emplace());
  }

  // sqld writes replication indexes as strings but reads either form.
  bool ReadReplicationIndex(const bj::value& value, std::optional<uint64_t>& out) {
    if (value.is_string()) {
      uint64_t index = 0;
      if (!ParseDecimal(ToStd(value.get_string()), index)) {
        return FailExpected("a non-negative 64-bit integer (as a number or a decimal string)",
                            value);
      }
      out = index;
      return true;
    }
    if (value.is_number())
      return ReadUnsigned(value, std::numeric_limits<uint64_t>::max(), out.emplace());
    return FailExpected("a non-negative 64-bit integer (as a number or a decimal string)", value);
  }

  // `sql` or `sql_id`, exactly one, shared by Stmt, `sequence` and `describe`.
  bool ReadSqlOrSqlId(const bj::object& object, std::optional<std::string>& sql,
                      std::optional<int32_t>& sql_id) {
    if (!Optional(object, "sql", [&](const bj::value& v) { return ReadString(v, sql); }) ||
        !Optional(object, "sql_id", [&](const bj::value& v) { return ReadSqlId(v, sql_id); })) {
      return false;
    }
    if (sql_id && version_ < ProtocolVersion::kV2) {
      PathScope scope(*this, "sql_id");
      return VersionTooOld("stored SQL (\"sql_id\")", ProtocolVersion::kV2);
    }
    if (sql && sql_id) return Fail("both \"sql\" and \"sql_id\" are given; send exactly one");
    if (!sql && !sql_id) return Fail("missing required field \"sql\" (or \"sql_id\")");
    return true;
  }

  bool ReadValue(const bj::value& value, Value& out) {
    const bj::object* object = nullptr;
    if (!AsObject(value, object)) return false;
    std::string_view type;
    if (!Required(*object, "type", [&](const bj::value& v) { return ReadStringView(v, type); })) {
      return false;
    }
    if (type == "null") {
      out = Null{};
      return true;
    }
    if (type == "integer") {
      return Required(*object, "value", [&](const bj::value& v) {
        int64_t integer = 0;
        if (!v.is_string() || !ParseDecimal(ToStd(v.get_string()), integer)) {
          // Integers travel as strings because JavaScript numbers cannot hold every i64.
          return FailExpected("a decimal string holding a 64-bit signed integer", v);
        }
        out = integer;
        return true;
      });
    }
    if (type == "float") {
      return Required(*object, "value", [&](const bj::value& v) {
        if (!v.is_number()) return FailExpected("a number", v);
        out = v.to_number<double>();
        return true;
      });
    }
    if (type == "text") {
      return Required(*object, "value", [&](const bj::value& v) {
        return ReadString(v, out.emplace<std::string>());
      });
    }
    if (type == "blob") {
      return Required(*object, "base64", [&](const bj::value& v) {
        std::string_view text;
        if (!ReadStringView(v, text)) return false;
        std::optional<std::string> bytes =
            base64::Decode(text, base64::Alphabet::kStandard, base64::Padding::kOptional);
        if (!bytes) return FailExpected("standard base64", v);
        out = Blob{std::move(*bytes)};
        return true;
      });
    }
    return FailAt("type", "unknown value type " + QuoteForMessage(type) +
                              "; expected null, integer, float, text or blob");
  }

  bool ReadNamedArg(const bj::value& value, NamedArg& out) {
    const bj::object* object = nullptr;
    if (!AsObject(value, object)) return false;
    return Required(*object, "name", [&](const bj::value& v) { return ReadString(v, out.name); }) &&
           Required(*object, "value", [&](const bj::value& v) { return ReadValue(v, out.value); });
  }

  bool ReadBatchStep(const bj::value& value, BatchStep& out) {
    const bj::object* object = nullptr;
    if (!AsObject(value, object)) return false;
    return Optional(*object, "condition",
                    [&](const bj::value& v) {
                      return ReadBatchCond(v, out.condition.emplace(), /*depth=*/1);
                    }) &&
           Required(*object, "stmt", [&](const bj::value& v) { return ReadStmt(v, out.stmt); });
  }

  // Whether a referenced step precedes the current one is the executor's check, not the codec's.
  bool ReadBatchCond(const bj::value& value, BatchCond& out, int depth) {
    if (depth > kMaxConditionDepth) {
      return Fail("batch conditions are nested more than " + std::to_string(kMaxConditionDepth) +
                  " levels deep");
    }
    const bj::object* object = nullptr;
    if (!AsObject(value, object)) return false;
    std::string_view type;
    if (!Required(*object, "type", [&](const bj::value& v) { return ReadStringView(v, type); })) {
      return false;
    }
    auto read_conds = [&](const bj::value& v) {
      return ReadArray(v, out.conds, [&](const bj::value& element, BatchCond& cond) {
        return ReadBatchCond(element, cond, depth + 1);
      });
    };
    if (type == "ok" || type == "error") {
      out.kind = type == "ok" ? BatchCond::Kind::kOk : BatchCond::Kind::kError;
      return Required(*object, "step",
                      [&](const bj::value& v) { return ReadStepIndex(v, out.step); });
    }
    if (type == "not") {
      out.kind = BatchCond::Kind::kNot;
      out.conds.resize(1);
      return Required(*object, "cond", [&](const bj::value& v) {
        return ReadBatchCond(v, out.conds[0], depth + 1);
      });
    }
    if (type == "and" || type == "or") {
      out.kind = type == "and" ? BatchCond::Kind::kAnd : BatchCond::Kind::kOr;
      return Required(*object, "conds", read_conds);
    }
    if (type == "is_autocommit") {
      if (version_ < kAutocommitSince) {
        PathScope scope(*this, "type");
        return VersionTooOld("the \"is_autocommit\" condition", kAutocommitSince);
      }
      out.kind = BatchCond::Kind::kIsAutocommit;
      return true;
    }
    return FailAt("type", "unknown condition type " + QuoteForMessage(type) +
                              "; expected ok, error, not, and, or or is_autocommit");
  }

  bool ReadStreamRequest(const bj::value& value, StreamRequest& out) {
    const bj::object* object = nullptr;
    if (!AsObject(value, object)) return false;
    std::string_view type;
    if (!Required(*object, "type", [&](const bj::value& v) { return ReadStringView(v, type); })) {
      return false;
    }
    if (type == "close") {
      out.emplace<CloseRequest>();
      return true;
    }
    if (type == "execute") {
      auto& request = out.emplace<ExecuteRequest>();
      return Required(*object, "stmt",
                      [&](const bj::value& v) { return ReadStmt(v, request.stmt); });
    }
    if (type == "batch") {
      auto& request = out.emplace<BatchRequest>();
      return Required(*object, "batch",
                      [&](const bj::value& v) { return ReadBatch(v, request.batch); });
    }
    if (type == "sequence") {
      auto& request = out.emplace<SequenceRequest>();
      return ReadSqlOrSqlId(*object, request.sql, request.sql_id) &&
             Optional(*object, "replication_index", [&](const bj::value& v) {
               return ReadReplicationIndex(v, request.replication_index);
             });
    }
    if (type == "describe") {
      auto& request = out.emplace<DescribeRequest>();
      return ReadSqlOrSqlId(*object, request.sql, request.sql_id) &&
             Optional(*object, "replication_index", [&](const bj::value& v) {
               return ReadReplicationIndex(v, request.replication_index);
             });
    }
    if (type == "store_sql") {
      auto& request = out.emplace<StoreSqlRequest>();
      return Required(*object, "sql_id",
                      [&](const bj::value& v) { return ReadSqlId(v, request.sql_id); }) &&
             Required(*object, "sql",
                      [&](const bj::value& v) { return ReadString(v, request.sql); });
    }
    if (type == "close_sql") {
      auto& request = out.emplace<CloseSqlRequest>();
      return Required(*object, "sql_id",
                      [&](const bj::value& v) { return ReadSqlId(v, request.sql_id); });
    }
    if (type == "get_autocommit") {
      if (version_ < kAutocommitSince) {
        PathScope scope(*this, "type");
        return VersionTooOld("the \"get_autocommit\" request", kAutocommitSince);
      }
      out.emplace<GetAutocommitRequest>();
      return true;
    }
    return FailAt("type", "unknown request type " + QuoteForMessage(type) +
                              "; expected close, execute, batch, sequence, describe, store_sql, "
                              "close_sql or get_autocommit");
  }

  bool ReadLegacyStatement(const bj::value& value, LegacyStatement& out) {
    if (value.is_string()) {
      out.sql.assign(ToStd(value.get_string()));
      return true;
    }
    if (!value.is_object()) {
      return FailExpected("an SQL string or an object {\"q\": ..., \"params\": ...}", value);
    }
    const bj::object& object = value.get_object();
    for (const bj::key_value_pair& field : object) {
      const std::string_view key = ToStd(field.key());
      if (key != "q" && key != "params") {
        return FailAt(key, "unknown field; a statement object has only \"q\" and \"params\"");
      }
    }
    return Required(object, "q", [&](const bj::value& v) { return ReadString(v, out.sql); }) &&
           Optional(object, "params", [&](const bj::value& v) { return ReadLegacyParams(v, out); });
  }

  bool ReadLegacyParams(const bj::value& value, LegacyStatement& out) {
    if (value.is_array()) {
      return ReadArray(value, out.positional_params, [&](const bj::value& element, Value& param) {
        return ReadLegacyValue(element, param);
      });
    }
    if (value.is_object()) {
      const bj::object& object = value.get_object();
      out.named_params.reserve(object.size());
      for (const bj::key_value_pair& field : object) {
        NamedArg& param = out.named_params.emplace_back();
        param.name.assign(ToStd(field.key()));
        PathScope scope(*this, ToStd(field.key()));
        if (!ReadLegacyValue(field.value(), param.value)) return false;
      }
      return true;
    }
    return FailExpected("an array or an object of parameters", value);
  }

  bool ReadLegacyValue(const bj::value& value, Value& out) {
    switch (value.kind()) {
      case bj::kind::null:
        out = Null{};
        return true;
      case bj::kind::bool_:
        out = int64_t(value.get_bool() ? 1 : 0);
        return true;
      case bj::kind::int64:
        out = value.get_int64();
        return true;
      case bj::kind::uint64:
        // sqld casts integers above i64::MAX to i64 (wrapping); so do we, to bind the same value.
        out = static_cast<int64_t>(value.get_uint64());
        return true;
      case bj::kind::double_:
        out = value.get_double();
        return true;
      case bj::kind::string:
        out = std::string(ToStd(value.get_string()));
        return true;
      case bj::kind::object: {
        const bj::object& object = value.get_object();
        const auto it = object.find("base64");
        if (object.size() != 1 || it == object.end()) {
          return FailExpected("a blob as {\"base64\": \"...\"} and no other field", value);
        }
        PathScope scope(*this, "base64");
        std::string_view text;
        if (!ReadStringView(it->value(), text)) return false;
        // The legacy API's decoder rejects '=' padding, unlike Hrana's.
        std::optional<std::string> bytes =
            base64::Decode(text, base64::Alphabet::kStandard, base64::Padding::kForbidden);
        if (!bytes) return FailExpected("standard base64 without '=' padding", it->value());
        out = Blob{std::move(*bytes)};
        return true;
      }
      case bj::kind::array:
        break;
    }
    return FailExpected("null, a boolean, a number, a string or {\"base64\": \"...\"}", value);
  }

  ProtocolVersion version_;
  std::vector<PathSegment> path_;
  std::string error_;
};

// Parses `body` and decodes its root object with `read(decoder, object, out)`.
template <typename T, typename Read>
Result<T> Decode(std::string_view body, ProtocolVersion version, Read&& read) {
  ParsedBody parsed;
  if (Status status = parsed.Parse(body); !status.ok()) return status;
  Decoder decoder(version);
  T out;
  const bool ok = decoder.Root(
      parsed.root(), [&](const bj::object& object) { return read(decoder, object, out); });
  if (!ok) return decoder.Error();
  return out;
}

// --- Encoding ---

// Reserving roughly the final size up front avoids most reallocations while rows are appended.
std::size_t EstimateSize(const StmtResult& result) {
  return 256 + result.cols.size() * 48 + result.rows.size() * (4 + result.cols.size() * 32);
}

std::size_t EstimateSize(const BatchResult& result) {
  std::size_t size = 128;
  for (const auto& step : result.step_results) size += step ? EstimateSize(*step) : 8;
  return size;
}

void WriteOptionalQuotedInt(JsonWriter& writer, const std::optional<int64_t>& value) {
  if (value) {
    writer.QuotedInt(*value);
  } else {
    writer.Null();
  }
}

void WriteOptionalQuotedUint(JsonWriter& writer, const std::optional<uint64_t>& value) {
  if (value) {
    writer.QuotedUint(*value);
  } else {
    writer.Null();
  }
}

void WriteValue(JsonWriter& writer, const Value& value) {
  switch (value.index()) {
    case 0:
      writer.Raw("{\"type\":\"null\"}");
      return;
    case 1:
      writer.Raw("{\"type\":\"integer\",\"value\":");
      writer.QuotedInt(*std::get_if<int64_t>(&value));
      writer.Raw('}');
      return;
    case 2:
      writer.Raw("{\"type\":\"float\",\"value\":");
      writer.Double(*std::get_if<double>(&value));
      writer.Raw('}');
      return;
    case 3:
      writer.Raw("{\"type\":\"text\",\"value\":");
      writer.String(*std::get_if<std::string>(&value));
      writer.Raw('}');
      return;
    case 4:
      writer.Raw("{\"type\":\"blob\",\"base64\":\"");
      writer.Raw(base64::Encode(std::get_if<Blob>(&value)->bytes));
      writer.Raw("\"}");
      return;
  }
}

void WriteRow(JsonWriter& writer, const std::vector<Value>& row) {
  writer.Raw('[');
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i > 0) writer.Raw(',');
    WriteValue(writer, row[i]);
  }
  writer.Raw(']');
}

void WriteColumns(JsonWriter& writer, const std::vector<Column>& cols) {
  writer.Raw('[');
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i > 0) writer.Raw(',');
    writer.Raw("{\"name\":");
    writer.OptionalString(cols[i].name);
    writer.Raw(",\"decltype\":");
    writer.OptionalString(cols[i].decltype_name);
    writer.Raw('}');
  }
  writer.Raw(']');
}

void WriteError(JsonWriter& writer, const Error& error) {
  writer.Raw("{\"message\":");
  writer.String(error.message);
  writer.Raw(",\"code\":");
  writer.String(error.code);
  writer.Raw('}');
}

void WriteStmtResult(JsonWriter& writer, const StmtResult& result) {
  writer.Raw("{\"cols\":");
  WriteColumns(writer, result.cols);
  writer.Raw(",\"rows\":[");
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    if (i > 0) writer.Raw(',');
    WriteRow(writer, result.rows[i]);
  }
  writer.Raw("],\"affected_row_count\":");
  writer.Uint(result.affected_row_count);
  writer.Raw(",\"last_insert_rowid\":");
  WriteOptionalQuotedInt(writer, result.last_insert_rowid);
  writer.Raw(",\"replication_index\":");
  WriteOptionalQuotedUint(writer, result.replication_index);
  writer.Raw(",\"rows_read\":");
  writer.Uint(result.rows_read);
  writer.Raw(",\"rows_written\":");
  writer.Uint(result.rows_written);
  writer.Raw(",\"query_duration_ms\":");
  writer.Double(result.query_duration_ms);
  writer.Raw('}');
}

void WriteBatchResult(JsonWriter& writer, const BatchResult& result) {
  writer.Raw("{\"step_results\":[");
  for (std::size_t i = 0; i < result.step_results.size(); ++i) {
    if (i > 0) writer.Raw(',');
    if (result.step_results[i]) {
      WriteStmtResult(writer, *result.step_results[i]);
    } else {
      writer.Null();
    }
  }
  writer.Raw("],\"step_errors\":[");
  for (std::size_t i = 0; i < result.step_errors.size(); ++i) {
    if (i > 0) writer.Raw(',');
    if (result.step_errors[i]) {
      WriteError(writer, *result.step_errors[i]);
    } else {
      writer.Null();
    }
  }
  writer.Raw("],\"replication_index\":");
  WriteOptionalQuotedUint(writer, result.replication_index);
  writer.Raw('}');
}

void WriteDescribeResult(JsonWriter& writer, const DescribeResult& result) {
  writer.Raw("{\"params\":[");
  for (std::size_t i = 0; i < result.params.size(); ++i) {
    if (i > 0) writer.Raw(',');
    writer.Raw("{\"name\":");
    writer.OptionalString(result.params[i].name);
    writer.Raw('}');
  }
  writer.Raw("],\"cols\":[");
  for (std::size_t i = 0; i < result.cols.size(); ++i) {
    if (i > 0) writer.Raw(',');
    writer.Raw("{\"name\":");
    writer.String(result.cols[i].name);
    writer.Raw(",\"decltype\":");
    writer.OptionalString(result.cols[i].decltype_name);
    writer.Raw('}');
  }
  writer.Raw("],\"is_explain\":");
  writer.Bool(result.is_explain);
  writer.Raw(",\"is_readonly\":");
  writer.Bool(result.is_readonly);
  writer.Raw('}');
}

void WriteStreamResponse(JsonWriter& writer, const StreamResponse& response) {
  std::visit(Overloaded{
                 [&](const CloseResponse&) { writer.Raw("{\"type\":\"close\"}"); },
                 [&](const ExecuteResponse& r) {
                   writer.Raw("{\"type\":\"execute\",\"result\":");
                   WriteStmtResult(writer, r.result);
                   writer.Raw('}');
                 },
                 [&](const BatchResponse& r) {
                   writer.Raw("{\"type\":\"batch\",\"result\":");
                   WriteBatchResult(writer, r.result);
                   writer.Raw('}');
                 },
                 [&](const SequenceResponse&) { writer.Raw("{\"type\":\"sequence\"}"); },
                 [&](const DescribeResponse& r) {
                   writer.Raw("{\"type\":\"describe\",\"result\":");
                   WriteDescribeResult(writer, r.result);
                   writer.Raw('}');
                 },
                 [&](const StoreSqlResponse&) { writer.Raw("{\"type\":\"store_sql\"}"); },
                 [&](const CloseSqlResponse&) { writer.Raw("{\"type\":\"close_sql\"}"); },
                 [&](const GetAutocommitResponse& r) {
                   writer.Raw("{\"type\":\"get_autocommit\",\"is_autocommit\":");
                   writer.Bool(r.is_autocommit);
                   writer.Raw('}');
                 },
             },
             response);
}

void WriteStreamResult(JsonWriter& writer, const StreamResult& result) {
  if (const auto* response = std::get_if<StreamResponse>(&result)) {
    writer.Raw("{\"type\":\"ok\",\"response\":");
    WriteStreamResponse(writer, *response);
  } else {
    writer.Raw("{\"type\":\"error\",\"error\":");
    WriteError(writer, std::get<Error>(result));
  }
  writer.Raw('}');
}

std::size_t EstimateSize(const StreamResult& result) {
  const auto* response = std::get_if<StreamResponse>(&result);
  if (response == nullptr) return 128;
  if (const auto* execute = std::get_if<ExecuteResponse>(response)) {
    return EstimateSize(execute->result);
  }
  if (const auto* batch = std::get_if<BatchResponse>(response)) return EstimateSize(batch->result);
  return 64;
}

void WriteLegacyValue(JsonWriter& writer, const Value& value) {
  switch (value.index()) {
    case 0:
      writer.Null();
      return;
    case 1:
      writer.Int(*std::get_if<int64_t>(&value));
      return;
    case 2:
      writer.Double(*std::get_if<double>(&value));
      return;
    case 3:
      writer.String(*std::get_if<std::string>(&value));
      return;
    case 4:
      writer.Raw("{\"base64\":\"");
      writer.Raw(base64::Encode(std::get_if<Blob>(&value)->bytes));
      writer.Raw("\"}");
      return;
  }
}

void WriteLegacyResult(JsonWriter& writer, const LegacyResult& result) {
  writer.Raw("{\"results\":{\"columns\":[");
  for (std::size_t i = 0; i < result.columns.size(); ++i) {
    if (i > 0) writer.Raw(',');
    writer.String(result.columns[i]);
  }
  writer.Raw("],\"rows\":[");
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    if (i > 0) writer.Raw(',');
    writer.Raw('[');
    const std::vector<Value>& row = result.rows[i];
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j > 0) writer.Raw(',');
      WriteLegacyValue(writer, row[j]);
    }
    writer.Raw(']');
  }
  writer.Raw("],\"rows_read\":");
  writer.Uint(result.rows_read);
  writer.Raw(",\"rows_written\":");
  writer.Uint(result.rows_written);
  writer.Raw(",\"query_duration_ms\":");
  writer.Double(result.query_duration_ms);
  writer.Raw("}}");
}

}  // namespace

// --- v2/v3 pipeline and cursor ---

Result<PipelineRequest> DecodePipelineRequest(std::string_view body, ProtocolVersion version) {
  return Decode<PipelineRequest>(
      body, version, [](Decoder& decoder, const bj::object& object, PipelineRequest& out) {
        return decoder.ReadPipelineRequest(object, out);
      });
}

std::string EncodePipelineResponse(const PipelineResponse& response) {
  std::size_t estimate = 64;
  for (const StreamResult& result : response.results) estimate += EstimateSize(result);
  std::string out;
  out.reserve(estimate);
  JsonWriter writer(out);
  writer.Raw("{\"baton\":");
  writer.OptionalString(response.baton);
  writer.Raw(",\"base_url\":");
  writer.OptionalString(response.base_url);
  writer.Raw(",\"results\":[");
  for (std::size_t i = 0; i < response.results.size(); ++i) {
    if (i > 0) writer.Raw(',');
    WriteStreamResult(writer, response.results[i]);
  }
  writer.Raw("]}");
  return out;
}

Result<CursorRequest> DecodeCursorRequest(std::string_view body, ProtocolVersion version) {
  return Decode<CursorRequest>(body, version,
                               [](Decoder& decoder, const bj::object& object, CursorRequest& out) {
                                 return decoder.ReadCursorRequest(object, out);
                               });
}

std::string EncodeCursorHeader(const CursorHeader& header) {
  std::string out;
  JsonWriter writer(out);
  writer.Raw("{\"baton\":");
  writer.OptionalString(header.baton);
  writer.Raw(",\"base_url\":");
  writer.OptionalString(header.base_url);
  writer.Raw("}\n");
  return out;
}

void AppendCursorEntry(std::string& out, const CursorEntry& entry) {
  JsonWriter writer(out);
  std::visit(Overloaded{
                 [&](const StepBeginEntry& e) {
                   writer.Raw("{\"type\":\"step_begin\",\"step\":");
                   writer.Uint(e.step);
                   writer.Raw(",\"cols\":");
                   WriteColumns(writer, e.cols);
                 },
                 [&](const StepEndEntry& e) {
                   writer.Raw("{\"type\":\"step_end\",\"affected_row_count\":");
                   writer.Uint(e.affected_row_count);
                   writer.Raw(",\"last_insert_rowid\":");
                   WriteOptionalQuotedInt(writer, e.last_insert_rowid);
                 },
                 [&](const RowEntry& e) {
                   out.reserve(out.size() + 16 + e.row.size() * 32);
                   writer.Raw("{\"type\":\"row\",\"row\":");
                   WriteRow(writer, e.row);
                 },
                 [&](const StepErrorEntry& e) {
                   writer.Raw("{\"type\":\"step_error\",\"step\":");
                   writer.Uint(e.step);
                   writer.Raw(",\"error\":");
                   WriteError(writer, e.error);
                 },
                 [&](const ErrorEntry& e) {
                   writer.Raw("{\"type\":\"error\",\"error\":");
                   WriteError(writer, e.error);
                 },
                 [&](const ReplicationIndexEntry& e) {
                   // A number here, unlike everywhere else: that is what sqld sends.
                   writer.Raw("{\"type\":\"replication_index\",\"replication_index\":");
                   if (e.replication_index) {
                     writer.Uint(*e.replication_index);
                   } else {
                     writer.Null();
                   }
                 },
             },
             entry);
  writer.Raw('}');
}

std::string EncodeCursorEntry(const CursorEntry& entry) {
  std::string out;
  AppendCursorEntry(out, entry);
  out.push_back('\n');
  return out;
}

// --- v1 ---

Result<Stmt> DecodeV1ExecuteRequest(std::string_view body) {
  return Decode<Stmt>(body, ProtocolVersion::kV1,
                      [](Decoder& decoder, const bj::object& object, Stmt& out) {
                        return decoder.ReadV1ExecuteRequest(object, out);
                      });
}

Result<Batch> DecodeV1BatchRequest(std::string_view body) {
  return Decode<Batch>(body, ProtocolVersion::kV1,
                       [](Decoder& decoder, const bj::object& object, Batch& out) {
                         return decoder.ReadV1BatchRequest(object, out);
                       });
}

std::string EncodeV1ExecuteResponse(const StmtResult& result) {
  std::string out;
  out.reserve(16 + EstimateSize(result));
  JsonWriter writer(out);
  writer.Raw("{\"result\":");
  WriteStmtResult(writer, result);
  writer.Raw('}');
  return out;
}

std::string EncodeV1BatchResponse(const BatchResult& result) {
  std::string out;
  out.reserve(16 + EstimateSize(result));
  JsonWriter writer(out);
  writer.Raw("{\"result\":");
  WriteBatchResult(writer, result);
  writer.Raw('}');
  return out;
}

// --- shared pieces ---

std::string EncodeError(const Error& error) {
  std::string out;
  JsonWriter writer(out);
  WriteError(writer, error);
  return out;
}

// --- legacy POST / ---

Result<LegacyRequest> DecodeLegacyRequest(std::string_view body) {
  // The legacy API has no Hrana version; v3 gates nothing that it uses.
  return Decode<LegacyRequest>(body, ProtocolVersion::kV3,
                               [](Decoder& decoder, const bj::object& object, LegacyRequest& out) {
                                 return decoder.ReadLegacyRequest(object, out);
                               });
}

std::string EncodeLegacyResponse(const std::vector<LegacyStatementOutcome>& outcomes) {
  std::size_t estimate = 16;
  for (const LegacyStatementOutcome& outcome : outcomes) {
    if (const auto* result = std::get_if<LegacyResult>(&outcome)) {
      estimate += 128 + result->rows.size() * (4 + result->columns.size() * 16);
    } else {
      estimate += 64;
    }
  }
  std::string out;
  out.reserve(estimate);
  JsonWriter writer(out);
  writer.Raw('[');
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (i > 0) writer.Raw(',');
    const LegacyStatementOutcome& outcome = outcomes[i];
    if (const auto* result = std::get_if<LegacyResult>(&outcome)) {
      WriteLegacyResult(writer, *result);
    } else if (const auto* message = std::get_if<std::string>(&outcome)) {
      writer.Raw("{\"error\":");
      writer.String(*message);
      writer.Raw('}');
    } else {
      writer.Null();
    }
  }
  writer.Raw(']');
  return out;
}

std::string EncodeRequestError(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 16);
  JsonWriter writer(out);
  writer.Raw("{\"error\":");
  writer.String(message);
  writer.Raw('}');
  return out;
}

// --- pieces for the WebSocket codec ---

void AppendError(std::string& out, const Error& error) {
  JsonWriter writer(out);
  WriteError(writer, error);
}

void AppendStmtResult(std::string& out, const StmtResult& result) {
  out.reserve(out.size() + EstimateSize(result));
  JsonWriter writer(out);
  WriteStmtResult(writer, result);
}

void AppendBatchResult(std::string& out, const BatchResult& result) {
  out.reserve(out.size() + EstimateSize(result));
  JsonWriter writer(out);
  WriteBatchResult(writer, result);
}

void AppendDescribeResult(std::string& out, const DescribeResult& result) {
  JsonWriter writer(out);
  WriteDescribeResult(writer, result);
}

namespace {

// FieldReader over one object of a parsed document, reading through the Decoder so that fields get
// the HTTP codec's rules and its error messages with the full path.
class ObjectFieldReader : public FieldReader {
 public:
  ObjectFieldReader(Decoder& decoder, const bj::object& object)
      : decoder_(decoder), object_(object) {}

  bool String(std::string_view key, std::string& out) override {
    return decoder_.Required(object_, key,
                             [&](const bj::value& v) { return decoder_.ReadString(v, out); });
  }
  bool OptionalString(std::string_view key, std::optional<std::string>& out) override {
    return decoder_.Optional(object_, key,
                             [&](const bj::value& v) { return decoder_.ReadString(v, out); });
  }
  bool Int32(std::string_view key, int32_t& out) override {
    return decoder_.Required(object_, key,
                             [&](const bj::value& v) { return decoder_.ReadSqlId(v, out); });
  }
  bool Uint32(std::string_view key, uint32_t& out) override {
    return decoder_.Required(object_, key, [&](const bj::value& v) {
      uint64_t value = 0;
      if (!decoder_.ReadUnsigned(v, std::numeric_limits<uint32_t>::max(), value)) return false;
      out = uint32_t(value);
      return true;
    });
  }
  bool ReadStmt(std::string_view key, Stmt& out) override {
    return decoder_.Required(object_, key,
                             [&](const bj::value& v) { return decoder_.ReadStmt(v, out); });
  }
  bool ReadBatch(std::string_view key, Batch& out) override {
    return decoder_.Required(object_, key,
                             [&](const bj::value& v) { return decoder_.ReadBatch(v, out); });
  }
  bool SqlOrSqlId(std::optional<std::string>& sql, std::optional<int32_t>& sql_id) override {
    return decoder_.ReadSqlOrSqlId(object_, sql, sql_id);
  }
  bool OptionalReplicationIndex(std::string_view key, std::optional<uint64_t>& out) override {
    return decoder_.Optional(
        object_, key, [&](const bj::value& v) { return decoder_.ReadReplicationIndex(v, out); });
  }
  bool Object(std::string_view key, const std::function<bool(FieldReader&)>& read) override {
    return decoder_.Required(object_, key, [&](const bj::value& v) {
      const bj::object* object = nullptr;
      if (!decoder_.AsObject(v, object)) return false;
      ObjectFieldReader nested(decoder_, *object);
      return read(nested);
    });
  }
  bool Fail(std::string_view key, std::string_view message) override {
    return decoder_.FailAt(key, message);
  }

 private:
  Decoder& decoder_;
  const bj::object& object_;
};

}  // namespace

Status DecodeObject(std::string_view text, ProtocolVersion version,
                    const std::function<bool(FieldReader&)>& read) {
  ParsedBody parsed;
  if (Status status = parsed.Parse(text); !status.ok()) return status;
  Decoder decoder(version);
  const bool ok = decoder.Root(parsed.root(), [&](const bj::object& object) {
    ObjectFieldReader reader(decoder, object);
    return read(reader);
  });
  if (!ok) return decoder.Error();
  return Status::Ok();
}

}  // namespace edgelite::hrana::json
