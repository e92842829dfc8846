// A small metrics registry (counters, gauges, histograms) rendered in the Prometheus text exposition
// format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). Thread-safe; the
// references handed out stay valid for the registry's lifetime, so hot paths keep them.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yinxin::api {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
public:
    void inc(double delta = 1.0) noexcept { m_value.fetch_add(delta, std::memory_order_relaxed); }
    double value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<double> m_value{0.0};
};

class Gauge {
public:
    void set(double v) noexcept { m_value.store(v, std::memory_order_relaxed); }
    void inc(double delta = 1.0) noexcept { m_value.fetch_add(delta, std::memory_order_relaxed); }
    void dec(double delta = 1.0) noexcept { m_value.fetch_sub(delta, std::memory_order_relaxed); }
    double value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<double> m_value{0.0};
};

class Histogram {
public:
    // `bounds`: the finite upper bounds, strictly increasing; +Inf is implicit.
    explicit Histogram(std::vector<double> bounds);
    void observe(double v) noexcept;

    struct Snapshot {
        std::vector<double> bounds;
        std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
        double sum = 0;
        std::uint64_t count = 0;
    };
    Snapshot snapshot() const;

private:
    std::vector<double> m_bounds;
    mutable std::mutex m_mutex;
    std::vector<std::uint64_t> m_counts;  // per bucket (not cumulative), last is +Inf
    double m_sum = 0;
    std::uint64_t m_count = 0;
};

// Default latency buckets in seconds (1 ms … 10 s).
std::vector<double> default_latency_buckets();

class MetricsRegistry {
public:
    MetricsRegistry();
    ~MetricsRegistry();
    MetricsRegistry(const MetricsRegistry&) = delete;
    MetricsRegistry& operator=(const MetricsRegistry&) = delete;

    // Returns the series `name{labels}`, creating family and series on first use. Names and label
    // names must be valid Prometheus identifiers and a name keeps one type: violations are bugs in the
    // caller (std::logic_error). Label values are free text (escaped on output).
    Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
    Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
    Histogram& histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                         const Labels& labels = {});

    // The whole registry in text exposition format, families sorted by name.
    std::string render() const;

private:
    struct Family;
    Family& family(std::string_view name, std::string_view help, int type);
    mutable std::mutex m_mutex;
    std::map<std::string, std::unique_ptr<Family>, std::less<>> m_families;
};

// Escapes a label value per the exposition format (backslash, double quote, line feed).
std::string escape_label_value(std::string_view v);

}  // namespace yinxin::api
