#include "yinxin/api/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace yinxin::api {

namespace {

enum Type : int { k_counter = 0, k_gauge = 1, k_histogram = 2 };

bool valid_name(std::string_view n, bool allow_colon) {
    if (n.empty()) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

// Exposition format numbers: Go-style float text, "+Inf"/"-Inf"/"NaN" for the special values.
std::string format_number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

std::string escape_help(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string label_text(const Labels& labels, const std::pair<std::string, std::string>* extra = nullptr) {
    if (labels.empty() && extra == nullptr) return {};
    std::string out = "{";
    bool first = true;
    auto add = [&](const std::string& k, const std::string& v) {
        if (!first) out += ",";
        first = false;
        out += k + "=\"" + escape_label_value(v) + "\"";
    };
    for (const auto& [k, v] : labels) add(k, v);
    if (extra != nullptr) add(extra->first, extra->second);
    out += "}";
    return out;
}

}  // namespace

std::string escape_label_value(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

Histogram::Histogram(std::vector<double> bounds) : m_bounds(std::move(bounds)), m_counts(m_bounds.size() + 1, 0) {
    for (std::size_t i = 1; i < m_bounds.size(); ++i) {
        if (!(m_bounds[i - 1] < m_bounds[i])) throw std::logic_error("histogram bounds must increase strictly");
    }
}

void Histogram::observe(double v) noexcept {
    const auto idx = static_cast<std::size_t>(std::lower_bound(m_bounds.begin(), m_bounds.end(), v) - m_bounds.begin());
    std::lock_guard lock(m_mutex);
    ++m_counts[idx];
    m_sum += v;
    ++m_count;
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    s.bounds = m_bounds;
    std::lock_guard lock(m_mutex);
    std::uint64_t acc = 0;
    for (auto c : m_counts) {
        acc += c;
        s.cumulative.push_back(acc);
    }
    s.sum = m_sum;
    s.count = m_count;
    return s;
}

std::vector<double> default_latency_buckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

struct MetricsRegistry::Family {
    std::string name;
    std::string help;
    int type = k_counter;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help, int type) {
    if (!valid_name(name, true)) throw std::logic_error("invalid metric name '" + std::string(name) + "'");
    auto it = m_families.find(name);
    if (it == m_families.end()) {
        auto f = std::make_unique<Family>();
        f->name = std::string(name);
        f->help = std::string(help);
        f->type = type;
        it = m_families.emplace(std::string(name), std::move(f)).first;
    } else if (it->second->type != type) {
        throw std::logic_error("metric '" + std::string(name) + "' registered with another type");
    }
    return *it->second;
}

namespace {
void check_labels(const Labels& labels) {
    for (const auto& [k, v] : labels) {
        if (!valid_name(k, false) || k.starts_with("__") || k == "le") {
            throw std::logic_error("invalid label name '" + k + "'");
        }
    }
}
}  // namespace

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help, const Labels& labels) {
    check_labels(labels);
    std::lock_guard lock(m_mutex);
    auto& slot = family(name, help, k_counter).counters[labels];
    if (!slot) slot = std::make_unique<Counter>();
    return *slot;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
    check_labels(labels);
    std::lock_guard lock(m_mutex);
    auto& slot = family(name, help, k_gauge).gauges[labels];
    if (!slot) slot = std::make_unique<Gauge>();
    return *slot;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                                      const Labels& labels) {
    check_labels(labels);
    std::lock_guard lock(m_mutex);
    auto& slot = family(name, help, k_histogram).histograms[labels];
    if (!slot) slot = std::make_unique<Histogram>(bounds);
    return *slot;
}

std::string MetricsRegistry::render() const {
    std::lock_guard lock(m_mutex);
    std::string out;
    for (const auto& [name, f] : m_families) {
        static constexpr const char* k_type_names[] = {"counter", "gauge", "histogram"};
        out += "# HELP " + name + " " + escape_help(f->help) + "\n";
        out += "# TYPE " + name + " " + k_type_names[f->type] + "\n";
        for (const auto& [labels, c] : f->counters)
            out += name + label_text(labels) + " " + format_number(c->value()) + "\n";
        for (const auto& [labels, g] : f->gauges)
            out += name + label_text(labels) + " " + format_number(g->value()) + "\n";
        for (const auto& [labels, h] : f->histograms) {
            const auto s = h->snapshot();
            for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
                std::pair<std::string, std::string> le{
                    "le", i < s.bounds.size() ? format_number(s.bounds[i]) : std::string("+Inf")};
                out += name + "_bucket" + label_text(labels, &le) + " " + std::to_string(s.cumulative[i]) + "\n";
            }
            out += name + "_sum" + label_text(labels) + " " + format_number(s.sum) + "\n";
            out += name + "_count" + label_text(labels) + " " + std::to_string(s.count) + "\n";
        }
    }
    return out;
}

}  // namespace yinxin::api
