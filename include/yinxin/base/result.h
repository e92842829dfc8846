// Result<T>: a value or an Error (expected-like; std::expected is C++23 and not in GCC 12's C++20).
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "yinxin/base/error.h"

namespace yinxin {

// Thrown only when code reads the value of a failed Result: that is a bug in the caller.
class BadResultAccess : public std::logic_error {
public:
    explicit BadResultAccess(const Error& e) : std::logic_error("value() on failed Result: " + e.to_string()) {}
};

template <class T>
class [[nodiscard]] Result {
    static_assert(!std::is_same_v<std::remove_cvref_t<T>, Error>, "Result<Error> is meaningless");

public:
    using value_type = T;

    Result(const T& v) : m_v(std::in_place_index<0>, v) {}          // NOLINT(google-explicit-constructor)
    Result(T&& v) : m_v(std::in_place_index<0>, std::move(v)) {}    // NOLINT(google-explicit-constructor)
    Result(Error e) : m_v(std::in_place_index<1>, std::move(e)) {}  // NOLINT(google-explicit-constructor)
    template <class U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
             !std::is_same_v<std::remove_cvref_t<U>, Error> && !std::is_same_v<std::remove_cvref_t<U>, Result<T>>)
        Result(U&& v)  // NOLINT(google-explicit-constructor,bugprone-forwarding-reference-overload): constrained
        : m_v(std::in_place_index<0>, std::forward<U>(v)) {}

    bool ok() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        check();
        return std::get<0>(m_v);
    }
    const T& value() const& {
        check();
        return std::get<0>(m_v);
    }
    T&& value() && {
        check();
        return std::get<0>(std::move(m_v));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& {
        if (ok()) throw std::logic_error("error() on successful Result");
        return std::get<1>(m_v);
    }
    Error&& error() && {
        if (ok()) throw std::logic_error("error() on successful Result");
        return std::get<1>(std::move(m_v));
    }
    Errc code() const noexcept {
        const Error* e = std::get_if<1>(&m_v);
        return e == nullptr ? Errc::ok : e->code;
    }

    template <class U>
    T value_or(U&& fallback) const& {
        return ok() ? std::get<0>(m_v) : static_cast<T>(std::forward<U>(fallback));
    }

private:
    void check() const {
        if (!ok()) throw BadResultAccess(std::get<1>(m_v));
    }
    std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error e) : m_err(std::move(e)), m_ok(false) {}  // NOLINT(google-explicit-constructor)

    bool ok() const noexcept { return m_ok; }
    explicit operator bool() const noexcept { return m_ok; }
    void value() const {
        if (!m_ok) throw BadResultAccess(m_err);
    }
    const Error& error() const& {
        if (m_ok) throw std::logic_error("error() on successful Result");
        return m_err;
    }
    Error&& error() && {
        if (m_ok) throw std::logic_error("error() on successful Result");
        return std::move(m_err);
    }
    Errc code() const noexcept { return m_ok ? Errc::ok : m_err.code; }

private:
    Error m_err{Errc::ok, {}};
    bool m_ok = true;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace yinxin

#define YX_CONCAT_INNER_(a, b) a##b
#define YX_CONCAT_(a, b) YX_CONCAT_INNER_(a, b)

// Evaluates a Result-returning expression; on failure returns its Error from the enclosing function.
#define YX_TRY(expr)                                                        \
    do {                                                                    \
        auto&& yx_try_result_ = (expr);                                     \
        if (!yx_try_result_.ok()) return std::move(yx_try_result_).error(); \
    } while (false)

// YX_ASSIGN_OR_RETURN(auto x, parse(...)); declares/assigns lhs from the value or returns the Error.
#define YX_ASSIGN_OR_RETURN(lhs, expr) YX_ASSIGN_OR_RETURN_IMPL_(YX_CONCAT_(yx_tmp_, __LINE__), lhs, expr)
#define YX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
    auto tmp = (expr);                            \
    if (!tmp.ok()) return std::move(tmp).error(); \
    lhs = std::move(tmp).value()
