#pragma once
// Prometheus metrics of this process (docs/metrics.md): counters and
// histograms kept in memory by the code that counts, and gauges read from
// their owners when scraped; written out in the text exposition format
// (0.0.4). Label values must come from small, fixed sets (route templates,
// statuses, channel and gateway names): never ids, numbers or account
// names. A family holds at most kMaxSeries label sets; past that, new sets
// are counted under every label "other".

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ujumbe::metrics {

using LabelValues = std::vector<std::string>;  // in the family's label order

// An error code from outside (a gateway's) as a label value: itself when it
// is at most 40 letters, digits, '_', '.' or '-'; "other" otherwise.
std::string code_label(std::string_view code);

class Family {
public:
    // Room for every route template with the statuses it answers (some 300
    // routes): a guard against a label that was not meant to vary.
    static constexpr std::size_t kMaxSeries = 4000;
    Family(std::string name, std::string help, std::vector<std::string> labels)
        : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}
    virtual ~Family() = default;
    const std::string& name() const { return name_; }
    // Appends this family's lines.
    virtual void write(std::string& out) const = 0;

protected:
    // `values` as one key; "other" everywhere once the family is full.
    std::string key_of(const LabelValues& values, std::size_t series) const;
    // `{a="x",b="y"}` for a key (with `extra`, e.g. le="0.5", appended).
    std::string label_text(const std::string& key, const std::string& extra = {}) const;

    std::string name_, help_;
    std::vector<std::string> labels_;
};

class CounterFamily final : public Family {
public:
    using Family::Family;
    void add(const LabelValues& values, std::uint64_t n = 1);
    std::uint64_t value(const LabelValues& values) const;
    void write(std::string& out) const override;

private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> series_;
};

// Durations in seconds into fixed buckets.
class HistogramFamily final : public Family {
public:
    HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                    std::vector<double> bounds);
    void observe(const LabelValues& values, double seconds);
    void write(std::string& out) const override;

private:
    struct Series {
        explicit Series(std::size_t buckets) : counts(buckets + 1) {}
        std::vector<std::atomic<std::uint64_t>> counts;  // per bucket, the last is +Inf
        std::atomic<std::uint64_t> sum_ns{0};
    };
    std::vector<double> bounds_;
    mutable std::shared_mutex mutex_;
    std::map<std::string, std::unique_ptr<Series>> series_;
};

// Latency buckets from half a millisecond to ten seconds.
const std::vector<double>& latency_buckets();

// Gauges (and counters kept elsewhere) read when scraped.
class Sampler {
public:
    // One sample: `name` (a full metric name), labels as name/value pairs.
    void sample(const std::string& name,
                const std::vector<std::pair<std::string, std::string>>& labels, double value);
    // Declares a metric's type and help once, before its samples.
    void declare(const std::string& name, const std::string& type, const std::string& help);
    std::string text;
};

class Registry {
public:
    // The process's registry, which /metrics writes out.
    static Registry& global();

    // The same family for the same name (created on first use).
    CounterFamily& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> labels);
    HistogramFamily& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> labels,
                               std::vector<double> bounds = latency_buckets());

    // A source of samples read at every scrape, until the returned handle
    // is destroyed.
    class Source {
    public:
        Source() = default;
        Source(Registry* registry, std::uint64_t id) : registry_(registry), id_(id) {}
        Source(Source&& other) noexcept;
        Source& operator=(Source&& other) noexcept;
        ~Source();

    private:
        Registry* registry_ = nullptr;
        std::uint64_t id_ = 0;
    };
    [[nodiscard]] Source add_source(std::function<void(Sampler&)> read);

    // Every family and source, in the text exposition format. Scrapes that
    // come while one renders share the next render: each answer was begun
    // after its call, and a crowd of scrapes costs two renders.
    std::string render() const;

private:
    std::string render_now() const;
    void remove_source(std::uint64_t id);

    mutable std::mutex scrape_mutex_;
    mutable std::condition_variable rendered_cv_;
    mutable bool rendering_ = false;
    mutable std::uint64_t renders_started_ = 0, renders_finished_ = 0;
    mutable std::string rendered_;

    // Held while sources are read, so that a removed source's owner is not
    // read after it is gone; sources must not add or remove sources.
    mutable std::mutex render_mutex_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Family>> families_;
    std::map<std::uint64_t, std::function<void(Sampler&)>> sources_;
    std::uint64_t next_source_ = 1;
};

// Text as a label value: backslash, quote and newline escaped.
std::string escape_label(const std::string& value);

}  // namespace ujumbe::metrics
