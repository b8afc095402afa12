#include "core/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace ujumbe::metrics {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

TEST(Metrics, CountersWriteTheirHelpTypeAndOneLinePerLabelSet) {
    Registry r;
    auto& c = r.counter("t_requests_total", "Requests.", {"route", "status"});
    c.add({"/api/v1/messages", "201"});
    c.add({"/api/v1/messages", "201"}, 2);
    c.add({"/api/v1/messages", "400"});
    EXPECT_EQ(c.value({"/api/v1/messages", "201"}), 3u);
    EXPECT_EQ(&r.counter("t_requests_total", "ignored", {}), &c);
    const auto text = r.render();
    EXPECT_TRUE(has_line(text, "# HELP t_requests_total Requests.")) << text;
    EXPECT_TRUE(has_line(text, "# TYPE t_requests_total counter")) << text;
    EXPECT_TRUE(has_line(text, "t_requests_total{route=\"/api/v1/messages\",status=\"201\"} 3"))
        << text;
    EXPECT_TRUE(has_line(text, "t_requests_total{route=\"/api/v1/messages\",status=\"400\"} 1"))
        << text;
}

TEST(Metrics, HistogramsAreCumulativeWithSumAndCount) {
    Registry r;
    auto& h = r.histogram("t_seconds", "Time.", {"route"}, {0.01, 0.1, 1});
    h.observe({"a"}, 0.005);
    h.observe({"a"}, 0.05);
    h.observe({"a"}, 0.05);
    h.observe({"a"}, 5);
    const auto text = r.render();
    EXPECT_TRUE(has_line(text, "# TYPE t_seconds histogram")) << text;
    EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"a\",le=\"0.01\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"a\",le=\"0.1\"} 3")) << text;
    EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"a\",le=\"1\"} 3")) << text;
    EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"a\",le=\"+Inf\"} 4")) << text;
    EXPECT_TRUE(has_line(text, "t_seconds_count{route=\"a\"} 4")) << text;
    EXPECT_TRUE(has_line(text, "t_seconds_sum{route=\"a\"} 5.105")) << text;
}

TEST(Metrics, LabelValuesAreEscapedAndAFullFamilyCountsTheRestAsOther) {
    Registry r;
    auto& c = r.counter("t_total", "T.", {"name"});
    c.add({"say \"hi\"\\\nthere"});
    EXPECT_TRUE(has_line(r.render(), "t_total{name=\"say \\\"hi\\\"\\\\\\nthere\"} 1"))
        << r.render();
    for (std::size_t i = 0; i < Family::kMaxSeries + 50; ++i) c.add({"v" + std::to_string(i)});
    EXPECT_EQ(c.value({"other"}), 51u);  // the last set that fits, onwards
    EXPECT_EQ(c.value({"v1"}), 1u);
}

TEST(Metrics, SourcesAreReadAtEachScrapeUntilTheirHandleGoes) {
    Registry r;
    int reads = 0;
    {
        auto source = r.add_source([&](Sampler& s) {
            ++reads;
            s.declare("t_gauge", "gauge", "A gauge.");
            s.sample("t_gauge", {{"kind", "smpp"}}, 2.5);
        });
        const auto text = r.render();
        EXPECT_TRUE(has_line(text, "# TYPE t_gauge gauge")) << text;
        EXPECT_TRUE(has_line(text, "t_gauge{kind=\"smpp\"} 2.5")) << text;
        auto moved = std::move(source);
        r.render();
        EXPECT_EQ(reads, 2);
    }
    EXPECT_EQ(r.render().find("t_gauge"), std::string::npos);
    EXPECT_EQ(reads, 2);
}

TEST(Metrics, CountsFromManyThreadsAddUp) {
    Registry r;
    auto& c = r.counter("t_total", "T.", {"k"});
    auto& h = r.histogram("t_seconds", "T.", {"k"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10000; ++i) {
                c.add({i % 2 ? "a" : "b"});
                h.observe({std::to_string(t)}, 0.001);
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.value({"a"}) + c.value({"b"}), 40000u);
    EXPECT_TRUE(has_line(r.render(), "t_seconds_count{k=\"3\"} 10000"));
}

}  // namespace
}  // namespace ujumbe::metrics
