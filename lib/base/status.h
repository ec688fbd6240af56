// Errors as values: every engine operation that can fail returns Status or
// Expected<T>. The ABI layer maps them to pinned status codes.
#pragma once

#include <string>
#include <utility>

#include "sigil/sigil.h"

namespace sigil::detail {

class Status {
 public:
  Status() = default;
  Status(sigil_status_t code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == SIGIL_OK; }
  explicit operator bool() const { return is_ok(); }
  sigil_status_t code() const { return code_; }
  const std::string &message() const { return message_; }

 private:
  sigil_status_t code_ = SIGIL_OK;
  std::string message_;
};

template <typename T>
class Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}       // NOLINT: implicit by design
  Expected(Status error) : error_(std::move(error)) {}  // NOLINT

  bool has_value() const { return error_.is_ok(); }
  explicit operator bool() const { return has_value(); }
  T &value() { return value_; }
  const T &value() const { return value_; }
  T &operator*() { return value_; }
  T *operator->() { return &value_; }
  const Status &error() const { return error_; }

 private:
  T value_{};
  Status error_;
};

}  // namespace sigil::detail
