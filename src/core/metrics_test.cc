#include "core/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
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

TEST(Metrics, AGatewaysErrorCodeIsALabelOnlyWhenItIsShortAndPlain) {
    EXPECT_EQ(code_label("SMPP_0x00000058"), "SMPP_0x00000058");
    EXPECT_EQ(code_label("NO_RESPONSE"), "NO_RESPONSE");
    EXPECT_EQ(code_label("http-503.1"), "http-503.1");
    EXPECT_EQ(code_label(""), "other");
    EXPECT_EQ(code_label("Invalid number +255712345678"), "other");
    EXPECT_EQ(code_label(std::string(41, 'A')), "other");
    EXPECT_EQ(code_label("quote\"brace}"), "other");
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

TEST(Metrics, ScrapesThatComeDuringARenderShareTheNextOne) {
    Registry r;
    std::atomic<int> renders{0};
    std::promise<void> first_started;
    std::mutex gate;
    gate.lock();  // holds the first render until the crowd has come
    auto source = r.add_source([&](Sampler& s) {
        const int n = ++renders;
        if (n == 1) {
            first_started.set_value();
            std::lock_guard wait(gate);
        }
        s.declare("t_render", "gauge", "Which render.");
        s.sample("t_render", {}, n);
    });
    std::thread first([&] { r.render(); });
    first_started.get_future().wait();
    constexpr int kCrowd = 8;
    std::atomic<int> calling{0};
    std::vector<std::thread> crowd;
    std::vector<std::string> answers(kCrowd);
    for (int i = 0; i < kCrowd; ++i)
        crowd.emplace_back([&, i] {
            ++calling;
            answers[i] = r.render();
        });
    // Every one of the crowd is calling while the first render is held.
    while (calling.load() < kCrowd) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gate.unlock();
    first.join();
    for (auto& t : crowd) t.join();
    // every one of the crowd came after the first render began: none got it
    for (const auto& a : answers) EXPECT_FALSE(has_line(a, "t_render 1")) << a;
    EXPECT_LT(renders.load(), 1 + kCrowd);
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
