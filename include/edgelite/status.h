// Status and Result<T>: how edgelite modules report failure across their boundaries.
//
// A Status is either ok or carries an error kind and a message written for the person who will read
// it (what was wrong, and what to do). Result<T> holds a T or a non-ok Status. Exceptions never
// cross a module or thread boundary; code that calls a throwing library converts at the call site.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace edgelite {

enum class ErrorKind {
  kOk = 0,
  kInvalidArgument,    // the caller sent something malformed (a 400 on the wire)
  kNotFound,           // the thing asked for does not exist
  kUnauthenticated,    // no or bad credentials (401)
  kPermissionDenied,   // credentials fine, permission missing (403)
  kResourceExhausted,  // a limit was hit (too large, too many)
  kUnavailable,        // try again later (busy, shutting down)
  kIo,                 // a file or socket operation failed
  kInternal,           // a bug or an unexpected library failure
  kSqlError,           // a statement failed in SQLite (constraint, syntax, no such table, ...)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {ErrorKind::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {ErrorKind::kNotFound, std::move(m)}; }
  static Status Unauthenticated(std::string m) {
    return {ErrorKind::kUnauthenticated, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {ErrorKind::kPermissionDenied, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {ErrorKind::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {ErrorKind::kUnavailable, std::move(m)}; }
  static Status Io(std::string m) { return {ErrorKind::kIo, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorKind::kInternal, std::move(m)}; }
  static Status SqlError(std::string m) { return {ErrorKind::kSqlError, std::move(m)}; }

  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

 private:
  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : storage_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(storage_).ok() && "a Result cannot hold an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(storage_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(storage_);
  }
  T& value() & { return std::get<T>(storage_); }
  const T& value() const& { return std::get<T>(storage_); }
  T&& value() && { return std::get<T>(std::move(storage_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> storage_;
};

}  // namespace edgelite
