#include <utility>  // before Asio (g++ 12)

#include "channels/sandbox/sandbox_gateway.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

namespace ujumbe::channels {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kDeadline = 5s;

// The problems recorded for one field, or an empty list.
std::vector<std::string> problems(const Error& e, const std::string& field) {
    auto it = e.errors.find(field);
    return it == e.errors.end() ? std::vector<std::string>{} : it->second;
}

void expect_refused(const json& settings, const std::string& field) {
    auto r = read_sandbox_settings(settings);
    ASSERT_FALSE(r.ok()) << settings.dump();
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << settings.dump();
    EXPECT_EQ(r.error().error_code, "VALIDATION_ERROR") << settings.dump();
    EXPECT_EQ(problems(r.error(), field).size(), 1u) << settings.dump();
}

SandboxSettings read(const json& settings) {
    auto r = read_sandbox_settings(settings);
    EXPECT_TRUE(r.ok()) << settings.dump() << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : SandboxSettings{};
}

// Keeps what a gateway reports; waits for it with a deadline.
class FakeListener final : public GatewayListener {
public:
    void on_receipt(const ReceiptReport& receipt, ReportDone done) override {
        {
            std::lock_guard lock(mutex_);
            receipts_.push_back(receipt);
            changed_.notify_all();
        }
        done(ReportFate::kStored);
    }
    void on_inbound(const InboundReport&, ReportDone done) override { done(ReportFate::kStored); }

    // The receipts once there are at least `n` (fewer at the deadline).
    std::vector<ReceiptReport> wait_for_receipts(std::size_t n) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, kDeadline, [&] { return receipts_.size() >= n; });
        return receipts_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<ReceiptReport> receipts_;
};

// Runs an io_context on its own thread until destroyed.
class Runner {
public:
    explicit Runner(boost::asio::io_context& io)
        : io_(io), work_(boost::asio::make_work_guard(io)), thread_([&io] { io.run(); }) {}
    ~Runner() {
        work_.reset();
        io_.stop();
        thread_.join();
    }

private:
    boost::asio::io_context& io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

std::string repeat(std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

OutboundSms sms(std::string message_id, std::string body) {
    return {.message_id = MessageId{std::move(message_id)},
            .to = "+255712345678",
            .sender = "UJUMBE",
            .body = std::move(body),
            .reference = 7};
}

// Submits and waits for the outcome; no parts when none came by the deadline.
SubmitOutcome submit(Gateway& gateway, OutboundSms message) {
    auto promise = std::make_shared<std::promise<SubmitOutcome>>();
    auto future = promise->get_future();
    gateway.submit(std::move(message),
                   [promise](SubmitOutcome outcome) { promise->set_value(std::move(outcome)); });
    if (future.wait_for(kDeadline) != std::future_status::ready) {
        ADD_FAILURE() << "no submit outcome within the deadline";
        return {};
    }
    return future.get();
}

// --- read_sandbox_settings ---------------------------------------------------

TEST(SandboxSettings, DefaultsWhenNothingIsSet) {
    const auto s = read(json::object());
    EXPECT_EQ(s.delivered_per_million, 1'000'000);
    EXPECT_EQ(s.receipt_delay_ms, 200);
    EXPECT_EQ(s.failure_status, "undelivered");
    EXPECT_EQ(s.failure_codes, (std::vector<std::string>{"001"}));
    EXPECT_EQ(sandbox_settings_json(s), (json{{"delivery_ratio", 1.0},
                                              {"receipt_delay_ms", 200},
                                              {"failure_status", "undelivered"},
                                              {"failure_codes", {"001"}}}));
}

TEST(SandboxSettings, SettingsMustBeAnObject) {
    for (const json& bad : {json::array(), json("x"), json(1), json(nullptr)}) {
        auto r = read_sandbox_settings(bad);
        ASSERT_FALSE(r.ok()) << bad.dump();
        EXPECT_EQ(problems(r.error(), "settings").size(), 1u) << bad.dump();
    }
}

TEST(SandboxSettings, DeliveryRatioIsANumberFromZeroToOne) {
    EXPECT_EQ(read({{"delivery_ratio", 0}}).delivered_per_million, 0);
    EXPECT_EQ(read({{"delivery_ratio", 1}}).delivered_per_million, 1'000'000);
    EXPECT_EQ(read({{"delivery_ratio", 0.0}}).delivered_per_million, 0);
    EXPECT_EQ(read({{"delivery_ratio", 1.0}}).delivered_per_million, 1'000'000);
    EXPECT_EQ(read({{"delivery_ratio", 0.5}}).delivered_per_million, 500'000);
    EXPECT_EQ(read({{"delivery_ratio", 0.123456}}).delivered_per_million, 123'456);
    EXPECT_EQ(read({{"delivery_ratio", 0.7}}).delivered_per_million, 700'000);
    for (const json& bad : {json(-0.000001), json(1.000001), json(-1), json(2), json("0.5"),
                            json(true), json(nullptr), json::array({0.5})})
        expect_refused({{"delivery_ratio", bad}}, "settings.delivery_ratio");
}

TEST(SandboxSettings, ReceiptDelayIsAnIntegerFromMinusOneToAnHour) {
    EXPECT_EQ(read({{"receipt_delay_ms", -1}}).receipt_delay_ms, -1);
    EXPECT_EQ(read({{"receipt_delay_ms", 0}}).receipt_delay_ms, 0);
    EXPECT_EQ(read({{"receipt_delay_ms", 3'600'000}}).receipt_delay_ms, 3'600'000);
    for (const json& bad : {json(-2), json(3'600'001), json(1.5), json(200.0), json("200"),
                            json(false), json(nullptr), json(std::uint64_t{1} << 63),
                            json(std::numeric_limits<std::uint64_t>::max())})
        expect_refused({{"receipt_delay_ms", bad}}, "settings.receipt_delay_ms");
}

TEST(SandboxSettings, FailureStatusIsOneOfThree) {
    for (const char* status : {"undelivered", "expired", "rejected"})
        EXPECT_EQ(read({{"failure_status", status}}).failure_status, status);
    for (const json& bad : {json("delivered"), json("EXPIRED"), json(""), json(1), json(nullptr)})
        expect_refused({{"failure_status", bad}}, "settings.failure_status");
}

TEST(SandboxSettings, FailureCodesAreOneToTwentyShortTexts) {
    EXPECT_EQ(read({{"failure_codes", {"1"}}}).failure_codes, (std::vector<std::string>{"1"}));
    std::vector<std::string> twenty;
    for (int i = 0; i < 20; ++i) twenty.push_back("code" + std::to_string(100000 + i));  // 10 chars
    EXPECT_EQ(read({{"failure_codes", twenty}}).failure_codes, twenty);

    auto twenty_one = twenty;
    twenty_one.push_back("x");
    for (const json& bad : {json::array(), json(twenty_one), json({""}), json({"12345678901"}),
                            json({"001", 2}), json::array({nullptr}), json("001"), json(1)})
        expect_refused({{"failure_codes", bad}}, "settings.failure_codes");
}

TEST(SandboxSettings, AnUnknownKeyIsNamed) {
    auto r = read_sandbox_settings({{"delivery_ratio", 0.5}, {"colour", "blue"}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(problems(r.error(), "settings.colour"),
              (std::vector<std::string>{"Unknown setting for a sandbox gateway."}));
    EXPECT_EQ(r.error().errors.size(), 1u);
    EXPECT_EQ(r.error().message, "settings.colour: Unknown setting for a sandbox gateway.");
}

TEST(SandboxSettings, EveryProblemIsReportedAtOnce) {
    auto r = read_sandbox_settings(
        {{"delivery_ratio", 3}, {"receipt_delay_ms", -5}, {"failure_status", "lost"}, {"x", 1}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().errors.size(), 4u);
    for (const char* field : {"settings.delivery_ratio", "settings.receipt_delay_ms",
                              "settings.failure_status", "settings.x"})
        EXPECT_EQ(problems(r.error(), field).size(), 1u) << field;
}

TEST(SandboxSettings, RoundTripsThroughItsJson) {
    const json given = {{"delivery_ratio", 0.25},
                        {"receipt_delay_ms", 1500},
                        {"failure_status", "rejected"},
                        {"failure_codes", {"0B", "045"}}};
    const auto s = read(given);
    EXPECT_EQ(s.delivered_per_million, 250'000);
    EXPECT_EQ(s.receipt_delay_ms, 1500);
    EXPECT_EQ(s.failure_status, "rejected");
    EXPECT_EQ(s.failure_codes, (std::vector<std::string>{"0B", "045"}));
    EXPECT_EQ(sandbox_settings_json(s), given);

    for (const double ratio : {0.0, 0.000001, 0.1, 0.333333, 0.999999, 1.0}) {
        SandboxSettings in;
        in.delivered_per_million = static_cast<std::int64_t>(ratio * 1'000'000 + 0.5);
        in.receipt_delay_ms = -1;
        in.failure_status = "expired";
        in.failure_codes = {"a", "b", "c"};
        const auto out = read(sandbox_settings_json(in));
        EXPECT_EQ(out.delivered_per_million, in.delivered_per_million) << ratio;
        EXPECT_EQ(out.receipt_delay_ms, in.receipt_delay_ms);
        EXPECT_EQ(out.failure_status, in.failure_status);
        EXPECT_EQ(out.failure_codes, in.failure_codes);
        EXPECT_EQ(sandbox_settings_json(out), sandbox_settings_json(in));
    }
}

// --- SandboxGateway ----------------------------------------------------------

std::shared_ptr<SandboxGateway> gateway(const json& settings, boost::asio::io_context& io,
                                        GatewayListener& listener) {
    return std::make_shared<SandboxGateway>(GatewayId{"gw-sandbox"}, read(settings), io, listener);
}

int delivered_of(const SandboxGateway& g, int ids) {
    int delivered = 0;
    for (int i = 0; i < ids; ++i)
        if (g.delivers("msg-" + std::to_string(i))) ++delivered;
    return delivered;
}

TEST(SandboxGateway, DeliversTheConfiguredShareOfMessages) {
    FakeListener listener;
    boost::asio::io_context io;
    EXPECT_EQ(delivered_of(*gateway({{"delivery_ratio", 1}}, io, listener), 10'000), 10'000);
    EXPECT_EQ(delivered_of(*gateway({{"delivery_ratio", 0}}, io, listener), 10'000), 0);
    const int half = delivered_of(*gateway({{"delivery_ratio", 0.5}}, io, listener), 10'000);
    EXPECT_GE(half, 4'000);
    EXPECT_LE(half, 6'000);
}

TEST(SandboxGateway, TheSameIdGetsTheSameAnswer) {
    FakeListener listener;
    boost::asio::io_context io;
    auto one = gateway({{"delivery_ratio", 0.5}}, io, listener);
    auto two = gateway({{"delivery_ratio", 0.5}}, io, listener);
    for (int i = 0; i < 1000; ++i) {
        const std::string id = "msg-" + std::to_string(i);
        const bool first = one->delivers(id);
        EXPECT_EQ(one->delivers(id), first) << id;
        EXPECT_EQ(two->delivers(id), first) << id;  // a run repeats
    }
}

void expect_accepted_parts(const SubmitOutcome& outcome, std::size_t parts) {
    ASSERT_EQ(outcome.parts.size(), parts);
    std::set<std::string> ids;
    for (std::size_t i = 0; i < parts; ++i) {
        const auto& p = outcome.parts[i];
        EXPECT_EQ(p.part, static_cast<int>(i + 1));
        EXPECT_TRUE(p.accepted);
        EXPECT_TRUE(p.left);
        EXPECT_TRUE(p.answered);
        EXPECT_FALSE(p.retryable);
        EXPECT_FALSE(p.provider_id.empty());
        EXPECT_EQ(p.provider_key, p.provider_id);
        EXPECT_TRUE(p.error_code.empty());
        ids.insert(p.provider_id);
    }
    EXPECT_EQ(ids.size(), parts) << "provider ids must be distinct";
}

std::set<std::string> provider_ids(const SubmitOutcome& outcome) {
    std::set<std::string> ids;
    for (const auto& p : outcome.parts) ids.insert(p.provider_id);
    return ids;
}

TEST(SandboxGateway, AcceptsEveryPartAndReportsItDelivered) {
    FakeListener listener;
    boost::asio::io_context io;
    auto g = gateway({{"delivery_ratio", 1}, {"receipt_delay_ms", 50}}, io, listener);
    Runner runner(io);

    const auto started = std::chrono::steady_clock::now();
    const auto outcome = submit(*g, sms("msg-long", repeat("a", 307)));  // 3 GSM parts
    expect_accepted_parts(outcome, 3);

    const auto receipts = listener.wait_for_receipts(3);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(receipts.size(), 3u);
    EXPECT_GE(elapsed, 50ms) << "receipts came before receipt_delay_ms";
    std::set<std::string> receipted;
    for (const auto& r : receipts) {
        EXPECT_EQ(r.gateway_id, GatewayId{"gw-sandbox"});
        EXPECT_EQ(r.stat, "DELIVRD");
        EXPECT_EQ(r.status, "delivered");
        EXPECT_EQ(r.error_code, std::optional<std::string>("000"));
        EXPECT_EQ(r.provider_key, r.provider_id);
        receipted.insert(r.provider_id);
    }
    EXPECT_EQ(receipted, provider_ids(outcome));

    // A UCS-2 text of 71 units is two parts; ids never repeat across messages.
    const auto wide = submit(*g, sms("msg-wide", repeat("ж", 71)));
    expect_accepted_parts(wide, 2);
    for (const auto& id : provider_ids(wide)) EXPECT_FALSE(receipted.count(id)) << id;
    EXPECT_EQ(listener.wait_for_receipts(5).size(), 5u);
    EXPECT_EQ(g->status()["parts_submitted"], 5);
    EXPECT_EQ(g->status()["receipts_received"], 5);
}

TEST(SandboxGateway, ReportsTheConfiguredFailure) {
    struct Case {
        const char* status;
        const char* stat;
    };
    for (const Case c : {Case{"undelivered", "UNDELIV"}, Case{"expired", "EXPIRED"},
                         Case{"rejected", "REJECTD"}}) {
        SCOPED_TRACE(c.status);
        FakeListener listener;
        boost::asio::io_context io;
        auto g = gateway({{"delivery_ratio", 0},
                          {"receipt_delay_ms", 0},
                          {"failure_status", c.status},
                          {"failure_codes", {"0B", "045"}}},
                         io, listener);
        Runner runner(io);
        const auto outcome = submit(*g, sms("msg-fails", repeat("b", 200)));  // 2 GSM parts
        expect_accepted_parts(outcome, 2);
        const auto receipts = listener.wait_for_receipts(2);
        ASSERT_EQ(receipts.size(), 2u);
        std::set<std::string> receipted;
        for (const auto& r : receipts) {
            EXPECT_EQ(r.stat, c.stat);
            EXPECT_EQ(r.status, c.status);
            ASSERT_TRUE(r.error_code);
            EXPECT_TRUE(*r.error_code == "0B" || *r.error_code == "045") << *r.error_code;
            // Every part of a message fails the same way.
            EXPECT_EQ(r.error_code, receipts.front().error_code);
            receipted.insert(r.provider_id);
        }
        EXPECT_EQ(receipted, provider_ids(outcome));
    }
}

TEST(SandboxGateway, NoReceiptsWhenTheDelayIsMinusOne) {
    FakeListener listener;
    boost::asio::io_context io;
    auto g = gateway({{"receipt_delay_ms", -1}}, io, listener);
    std::promise<SubmitOutcome> promise;
    g->submit(sms("msg-quiet", "Habari"),
              [&promise](SubmitOutcome outcome) { promise.set_value(std::move(outcome)); });
    // Without a work guard, run() returns once nothing is left to do: a
    // pending receipt timer would keep it running.
    auto ran = std::async(std::launch::async, [&io] { io.run(); });
    if (ran.wait_for(kDeadline) != std::future_status::ready) {
        io.stop();
        FAIL() << "the io_context still had work: a receipt was scheduled";
    }
    expect_accepted_parts(promise.get_future().get(), 1);
    EXPECT_TRUE(listener.wait_for_receipts(0).empty());
    EXPECT_EQ(g->status()["receipts_received"], 0);
}

TEST(SandboxGateway, AStoppedGatewayRefusesWithARetryableOutcome) {
    FakeListener listener;
    boost::asio::io_context io;
    auto g = gateway(json::object(), io, listener);
    Runner runner(io);
    EXPECT_TRUE(g->available());
    g->stop();
    EXPECT_FALSE(g->available());
    const auto outcome = submit(*g, sms("msg-late", repeat("a", 307)));
    ASSERT_EQ(outcome.parts.size(), 1u);
    EXPECT_FALSE(outcome.parts[0].accepted);
    EXPECT_FALSE(outcome.parts[0].left);
    EXPECT_TRUE(outcome.parts[0].retryable);
    EXPECT_EQ(outcome.parts[0].error_code, "NOT_BOUND");
}

}  // namespace
}  // namespace ujumbe::channels
