// Injectable clock (Boulder clk): production uses SystemClock, tests a FixedClock.
#pragma once

#include <chrono>
#include <string>

namespace yinxin {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override { return std::chrono::system_clock::now(); }
};

class FixedClock final : public Clock {
public:
    explicit FixedClock(TimePoint t) : m_now(t) {}
    TimePoint now() const override { return m_now; }
    void set(TimePoint t) { m_now = t; }
    void advance(std::chrono::system_clock::duration d) { m_now += d; }

private:
    TimePoint m_now;
};

// Seconds since the Unix epoch → TimePoint and back (UTC).
inline TimePoint from_unix(long long seconds) { return TimePoint{std::chrono::seconds{seconds}}; }
inline long long to_unix(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// "2026-11-23T14:53:13Z" (RFC 3339, UTC, whole seconds) for logs, JSON and reports.
std::string format_rfc3339(TimePoint t);

}  // namespace yinxin
