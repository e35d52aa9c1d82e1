// Result<T>: a value or an error message, shaped like std::expected (which g++ 12 lacks).
// Used everywhere a function can fail: no exceptions cross module boundaries.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace pmacct {

// The error half of a Result: a human-readable message.
struct Error {
    std::string message;
};

// Builds an Error; `return fail("bad value")` converts into any Result<T>.
inline Error fail(std::string message) { return Error{std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & {
        assert(has_value());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(v_));
    }
    const std::string& error() const {
        assert(!has_value());
        return std::get<1>(v_).message;
    }
    T value_or(T other) const { return has_value() ? std::get<0>(v_) : std::move(other); }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error.message)), ok_(false) {}  // NOLINT

    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const std::string& error() const {
        assert(!ok_);
        return error_;
    }

private:
    std::string error_;
    bool ok_ = true;
};

inline Result<void> ok() { return {}; }

}  // namespace pmacct
