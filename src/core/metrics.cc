#include "core/metrics.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace ujumbe::metrics {

namespace {

constexpr char kSeparator = '\x1f';

std::vector<std::string> split_key(const std::string& key, std::size_t n) {
    std::vector<std::string> out;
    out.reserve(n);
    std::size_t at = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto end = key.find(kSeparator, at);
        out.push_back(key.substr(at, end == std::string::npos ? std::string::npos : end - at));
        at = end == std::string::npos ? key.size() : end + 1;
    }
    return out;
}

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
    // The shortest text that reads back as the same double: no digits lost.
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void header(std::string& out, const std::string& name, const std::string& type,
            const std::string& help) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string escape_label(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string code_label(std::string_view code) {
    const bool plain =
        !code.empty() && code.size() <= 40 && std::all_of(code.begin(), code.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        });
    return plain ? std::string(code) : "other";
}

std::string Family::key_of(const LabelValues& values, std::size_t series) const {
    std::string key;
    for (std::size_t i = 0; i < labels_.size(); ++i) {
        if (i) key += kSeparator;
        key += series >= kMaxSeries ? "other" : (i < values.size() ? values[i] : "");
    }
    return key;
}

std::string Family::label_text(const std::string& key, const std::string& extra) const {
    if (labels_.empty() && extra.empty()) return {};
    std::string out = "{";
    const auto values = split_key(key, labels_.size());
    for (std::size_t i = 0; i < labels_.size(); ++i) {
        if (i) out += ",";
        out += labels_[i] + "=\"" + escape_label(values[i]) + "\"";
    }
    if (!extra.empty()) out += (labels_.empty() ? "" : ",") + extra;
    return out + "}";
}

void CounterFamily::add(const LabelValues& values, std::uint64_t n) {
    {
        std::shared_lock lock(mutex_);
        const auto it = series_.find(key_of(values, 0));
        if (it != series_.end()) {
            it->second->fetch_add(n, std::memory_order_relaxed);
            return;
        }
    }
    std::unique_lock lock(mutex_);
    auto key = key_of(values, 0);
    if (!series_.contains(key)) key = key_of(values, series_.size());
    auto& slot = series_[key];
    if (!slot) slot = std::make_unique<std::atomic<std::uint64_t>>(0);
    slot->fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t CounterFamily::value(const LabelValues& values) const {
    std::shared_lock lock(mutex_);
    const auto it = series_.find(key_of(values, 0));
    return it == series_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

void CounterFamily::write(std::string& out) const {
    header(out, name_, "counter", help_);
    std::shared_lock lock(mutex_);
    for (const auto& [key, v] : series_)
        out += name_ + label_text(key) + " " + std::to_string(v->load()) + "\n";
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> labels, std::vector<double> bounds)
    : Family(std::move(name), std::move(help), std::move(labels)), bounds_(std::move(bounds)) {}

void HistogramFamily::observe(const LabelValues& values, double seconds) {
    Series* s = nullptr;
    {
        std::shared_lock lock(mutex_);
        const auto it = series_.find(key_of(values, 0));
        if (it != series_.end()) s = it->second.get();
    }
    if (!s) {
        std::unique_lock lock(mutex_);
        auto key = key_of(values, 0);
        if (!series_.contains(key)) key = key_of(values, series_.size());
        auto& slot = series_[key];
        if (!slot) slot = std::make_unique<Series>(bounds_.size());
        s = slot.get();
    }
    std::size_t bucket = 0;
    while (bucket < bounds_.size() && seconds > bounds_[bucket]) ++bucket;
    s->counts[bucket].fetch_add(1, std::memory_order_relaxed);
    s->sum_ns.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e9),
                        std::memory_order_relaxed);
}

void HistogramFamily::write(std::string& out) const {
    header(out, name_, "histogram", help_);
    std::shared_lock lock(mutex_);
    for (const auto& [key, s] : series_) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= bounds_.size(); ++i) {
            cumulative += s->counts[i].load(std::memory_order_relaxed);
            const std::string le =
                "le=\"" + (i < bounds_.size() ? number(bounds_[i]) : std::string("+Inf")) + "\"";
            out +=
                name_ + "_bucket" + label_text(key, le) + " " + std::to_string(cumulative) + "\n";
        }
        out += name_ + "_sum" + label_text(key) + " " +
               number(static_cast<double>(s->sum_ns.load()) / 1e9) + "\n";
        out += name_ + "_count" + label_text(key) + " " + std::to_string(cumulative) + "\n";
    }
}

const std::vector<double>& latency_buckets() {
    static const std::vector<double> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    return kBounds;
}

void Sampler::declare(const std::string& name, const std::string& type, const std::string& help) {
    header(text, name, type, help);
}

void Sampler::sample(const std::string& name,
                     const std::vector<std::pair<std::string, std::string>>& labels, double value) {
    text += name;
    if (!labels.empty()) {
        text += "{";
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i) text += ",";
            text += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
        }
        text += "}";
    }
    text += " " + number(value) + "\n";
}

Registry& Registry::global() {
    static Registry registry;
    return registry;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> labels) {
    std::lock_guard lock(mutex_);
    auto& slot = families_[name];
    if (!slot) slot = std::make_unique<CounterFamily>(name, help, std::move(labels));
    return static_cast<CounterFamily&>(*slot);
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> labels, std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    auto& slot = families_[name];
    if (!slot)
        slot = std::make_unique<HistogramFamily>(name, help, std::move(labels), std::move(bounds));
    return static_cast<HistogramFamily&>(*slot);
}

Registry::Source Registry::add_source(std::function<void(Sampler&)> read) {
    std::lock_guard lock(mutex_);
    const auto id = next_source_++;
    sources_.emplace(id, std::move(read));
    return Source(this, id);
}

void Registry::remove_source(std::uint64_t id) {
    // Waits for a render that may be reading this source.
    std::lock_guard render(render_mutex_);
    std::lock_guard lock(mutex_);
    sources_.erase(id);
}

std::string Registry::render() const {
    std::unique_lock lock(scrape_mutex_);
    const std::uint64_t wanted = renders_started_ + 1;  // the next to begin
    while (renders_finished_ < wanted) {
        if (rendering_) {
            rendered_cv_.wait(lock);
            continue;
        }
        rendering_ = true;
        const std::uint64_t mine = ++renders_started_;
        lock.unlock();
        std::string text;
        try {
            text = render_now();
        } catch (...) {
            lock.lock();
            rendering_ = false;
            rendered_cv_.notify_all();
            throw;
        }
        lock.lock();
        rendered_ = std::move(text);
        renders_finished_ = mine;
        rendering_ = false;
        rendered_cv_.notify_all();
    }
    return rendered_;
}

std::string Registry::render_now() const {
    std::lock_guard render(render_mutex_);
    std::string out;
    std::vector<const Family*> families;
    std::vector<std::function<void(Sampler&)>> sources;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, f] : families_) families.push_back(f.get());
        for (const auto& [id, read] : sources_) sources.push_back(read);
    }
    for (const auto* f : families) f->write(out);
    Sampler sampler;
    for (const auto& read : sources) read(sampler);
    return out + sampler.text;
}

Registry::Source::Source(Source&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}

Registry::Source& Registry::Source::operator=(Source&& other) noexcept {
    if (this != &other) {
        if (registry_) registry_->remove_source(id_);
        registry_ = std::exchange(other.registry_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

Registry::Source::~Source() {
    if (registry_) registry_->remove_source(id_);
}

}  // namespace ujumbe::metrics
