#pragma once
// Result<T>: a value or an Error, in the spirit of std::expected (C++23),
// which g++ 12 does not offer in C++20 mode. Cheap on the success path.

#include <cassert>
#include <utility>
#include <variant>

#include "core/error.h"

namespace ujumbe {

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    const Error& error() const& {
        assert(!ok());
        return std::get<1>(v_);
    }
    Error&& error() && {
        assert(!ok());
        return std::get<1>(std::move(v_));
    }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const& {
        assert(failed_);
        return error_;
    }
    Error&& error() && {
        assert(failed_);
        return std::move(error_);
    }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace ujumbe

#define UJ_CONCAT_INNER(a, b) a##b
#define UJ_CONCAT(a, b) UJ_CONCAT_INNER(a, b)

// Evaluates a Result; on error returns the error from the enclosing function.
#define UJ_TRY(expr)                                                   \
    do {                                                               \
        auto uj_try_result_ = (expr);                                  \
        if (!uj_try_result_) return std::move(uj_try_result_).error(); \
    } while (0)

// `UJ_ASSIGN(auto x, f());` declares x from the value of a Result or returns its error.
#define UJ_ASSIGN(lhs, expr) UJ_ASSIGN_IMPL(UJ_CONCAT(uj_assign_, __LINE__), lhs, expr)
#define UJ_ASSIGN_IMPL(tmp, lhs, expr)       \
    auto tmp = (expr);                       \
    if (!tmp) return std::move(tmp).error(); \
    lhs = std::move(tmp).value()
